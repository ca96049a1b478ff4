# _mre/asyncio_glib.py
#
# Copyright 2026 The mreventloop authors
#
# SPDX-License-Identifier: LGPL-2.1-or-later
"""asyncio on a GMainContext: the asyncio event loop of an Mre.EventLoop.

Coroutines of async slots and queued calls run on the loop's own
``GMainContext`` through a small asyncio event loop of futures and timers
(:class:`_ContextLoop`, one per Mre.EventLoop): ``asyncio.sleep``,
``asyncio.Event``, ``asyncio.wait_for``, ``asyncio.gather``,
``asyncio.to_thread`` and ``loop.run_in_executor`` work; sockets,
subprocesses and signal handlers of asyncio do not. ``Mre.call_async()``
and ``Mre.wait()`` await GLib's asynchronous calls from there or from any
other asyncio loop. Mre.py exports them.
"""

import asyncio
import concurrent.futures
import logging
import math
import threading
import time

from ...module import get_introspection_module

from gi.repository import GLib, Gio

from .errors import _fail_task

Mre = get_introspection_module('Mre')

_logger = logging.getLogger('gi.overrides.Mre')

_executor = None
_executor_lock = threading.Lock()


def _default_executor():
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = concurrent.futures.ThreadPoolExecutor(thread_name_prefix='mre-asyncio')
        return _executor


class _ContextLoop(asyncio.AbstractEventLoop):
    """asyncio's futures, tasks and timers on a GMainContext.

    Each callback asyncio schedules is a GSource attached to the context, so
    coroutines run on the thread that iterates it (an Mre.EventLoop's own
    thread, or GTK's main thread for a loop bound to the default context),
    with the context pushed as the thread-default one, where Gio's async
    calls complete. It never runs by itself and has no I/O of its own:
    asyncio's sockets, subprocesses and signal handlers raise
    NotImplementedError.
    """

    def __init__(self, context):
        self._context = context
        self._timers = {}
        self._tasks = set()
        self._exception_handler = None
        self._debug = False

    def __repr__(self):
        return '<Mre asyncio loop on %r>' % (self._context,)

    def _attach(self, source, handle):
        def dispatch(*unused):
            self._timers.pop(id(handle), None)
            if not handle.cancelled():
                self._run_handle(handle)
            return GLib.SOURCE_REMOVE

        source.set_priority(GLib.PRIORITY_DEFAULT)
        source.set_callback(dispatch)
        source.attach(self._context)
        return source

    def _run_handle(self, handle):
        previous = asyncio._get_running_loop()
        asyncio._set_running_loop(self)
        self._context.push_thread_default()
        try:
            handle._run()
        finally:
            self._context.pop_thread_default()
            asyncio._set_running_loop(previous)

    # Scheduling: attaching a GSource is thread-safe and wakes the context.
    def call_soon(self, callback, *args, context=None):
        handle = asyncio.Handle(callback, args, self, context)
        self._attach(GLib.idle_source_new(), handle)
        return handle

    call_soon_threadsafe = call_soon

    def call_later(self, delay, callback, *args, context=None):
        return self.call_at(self.time() + delay, callback, *args, context=context)

    def call_at(self, when, callback, *args, context=None):
        handle = asyncio.TimerHandle(when, callback, args, self, context)
        delay_ms = max(0, math.ceil((when - self.time()) * 1000))
        self._timers[id(handle)] = self._attach(GLib.timeout_source_new(delay_ms), handle)
        return handle

    def _timer_handle_cancelled(self, handle):
        source = self._timers.pop(id(handle), None)
        if source is not None:
            source.destroy()

    def time(self):
        return time.monotonic()

    # Futures and tasks.
    def create_future(self):
        return asyncio.Future(loop=self)

    def create_task(self, coro, *, name=None, context=None):
        if context is None:
            task = asyncio.Task(coro, loop=self, name=name)
        else:
            task = asyncio.Task(coro, loop=self, name=name, context=context)
        # asyncio only keeps weak references to its tasks.
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def run_in_executor(self, executor, func, *args):
        if executor is None:
            executor = _default_executor()
        return asyncio.wrap_future(executor.submit(func, *args), loop=self)

    # State: the context runs as long as whoever owns it iterates it.
    def is_running(self):
        return True

    def is_closed(self):
        return False

    def get_debug(self):
        return self._debug

    def set_debug(self, enabled):
        self._debug = enabled

    def set_exception_handler(self, handler):
        self._exception_handler = handler

    def get_exception_handler(self):
        return self._exception_handler

    def default_exception_handler(self, context):
        exc = context.get('exception')
        _logger.error('%s', context.get('message', 'Unhandled exception in a coroutine'),
                      exc_info=(type(exc), exc, exc.__traceback__) if exc else None)

    def call_exception_handler(self, context):
        if self._exception_handler is None:
            self.default_exception_handler(context)
        else:
            self._exception_handler(self, context)

    async def shutdown_asyncgens(self):
        pass

    async def shutdown_default_executor(self):
        pass


_asyncio_lock = threading.Lock()


def _asyncio_loop(loop):
    """The asyncio loop of an Mre.EventLoop: one per loop, on its context."""
    with _asyncio_lock:
        aloop = getattr(loop, '_mre_asyncio', None)
        if aloop is None:
            # An attribute keeps the wrapper (and so this) alive as long as
            # the GObject: PyGObject switches it to a toggle reference.
            aloop = loop._mre_asyncio = _ContextLoop(loop.get_context())
        return aloop


def _complete_with(task, loop, awaitable, what):
    """Runs @awaitable on @loop's context and completes @task (the GTask of
    an async slot or call) when it is done: the loop runs nothing else
    until then."""
    aloop = _asyncio_loop(loop)
    try:
        future = asyncio.ensure_future(awaitable, loop=aloop)
    except BaseException as exc:
        _fail_task(task, loop, exc, what)
        return

    def done(future):
        try:
            future.result()
        except BaseException as exc:
            _fail_task(task, loop, exc, what)
        else:
            task.return_boolean(True)

    future.add_done_callback(done)


def _glib_future(start):
    """A future of the running asyncio loop for a GLib asynchronous call.

    @start(context, future, schedule) begins the call, whose callback is
    then dispatched on @context, and has the callback settle @future
    through _settle(future, schedule, ...). On an Mre loop the call runs on
    the loop's own context; on any other asyncio loop, on a private context
    that a worker thread iterates until the call completed (a call that
    never completes keeps that thread)."""
    aloop = asyncio.get_running_loop()
    future = aloop.create_future()

    if isinstance(aloop, _ContextLoop):
        start(aloop._context, future, aloop.call_soon)
        return future

    context = GLib.MainContext.new()
    finished = threading.Event()

    def settle(func, *args):
        finished.set()
        aloop.call_soon_threadsafe(func, *args)

    context.push_thread_default()
    try:
        start(context, future, settle)
    finally:
        context.pop_thread_default()

    def pump():
        context.acquire()
        try:
            while not finished.is_set():
                context.iteration(True)
        finally:
            context.release()

    _default_executor().submit(pump)
    return future


def _settle(future, schedule, func, *args):
    def apply():
        if not future.done():
            func(*args)
    schedule(apply)


def call_async(method, *args):
    """Awaits a GIO-style asynchronous call: ``method(*args, callback)``
    is called, and its ``_finish`` twin's result is returned (or its
    GLib.Error raised)::

        ok, contents, etag = await Mre.call_async(file.load_contents_async, None)
        emission = await Mre.call_async(Mre.wait_async, producer, 'produced', -1, None)

    The ``_finish`` function is found next to @method: on the source
    object, or in @method's namespace for a plain function. Inside an async
    slot the call runs on the loop's own context; under another asyncio
    loop, on a private context iterated by a worker thread.
    """
    name = method.get_name() if hasattr(method, 'get_name') else method.__name__
    if not name.endswith('_async'):
        raise TypeError('%s is not an _async function' % name)
    finish_name = name[:-len('_async')] + '_finish'

    def finisher(source):
        if source is not None and hasattr(source, finish_name):
            return getattr(source, finish_name)
        container = method.get_container() if hasattr(method, 'get_container') else None
        namespace = method.get_namespace() if hasattr(method, 'get_namespace') else None
        if namespace is not None:
            import importlib
            owner = importlib.import_module('gi.repository.' + namespace)
            if container is not None:
                owner = getattr(owner, container.get_name())
            return getattr(owner, finish_name)
        raise TypeError('cannot find %s for %s' % (finish_name, name))

    def start(context, future, schedule):
        def ready(source, result, *unused):
            try:
                value = finisher(source)(result)
            except BaseException as exc:
                _settle(future, schedule, future.set_exception, exc)
            else:
                _settle(future, schedule, future.set_result, value)
        method(*args, ready)

    return _glib_future(start)


def wait(emitter, detailed_signal, timeout_ms=-1, cancellable=None):
    """Waits for the next emission of @detailed_signal by @emitter, for at
    most @timeout_ms (-1: no limit): an awaitable of its :class:`Emission`
    (``emission.args`` are its arguments)::

        emission = await Mre.wait(producer, 'produced', timeout_ms=1000)

    It listens from the moment it is called, not from the moment it is
    awaited: ``waiter = Mre.wait(...)``, then whatever makes the emission
    happen, then ``await waiter`` misses nothing. Call it with an asyncio
    loop running (in an async slot, or any asyncio program). Raises
    GLib.Error (Gio.IOErrorEnum.TIMED_OUT, CANCELLED); cancelling the
    awaitable cancels the wait.
    """
    if cancellable is None:
        cancellable = Gio.Cancellable()

    def start(context, future, schedule):
        def ready(source, result, *unused):
            try:
                value = Mre.wait_finish(result)
            except BaseException as exc:
                _settle(future, schedule, future.set_exception, exc)
            else:
                _settle(future, schedule, future.set_result, value)
        Mre.wait_async(emitter, detailed_signal, timeout_ms, cancellable, ready)

    future = _glib_future(start)
    future.add_done_callback(lambda f: f.cancelled() and cancellable.cancel())
    return future
