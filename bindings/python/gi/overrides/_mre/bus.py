# _mre/bus.py
#
# Copyright 2026 The mreventloop authors
#
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The bus: a peer of the default bus for scripts (pyvent's module-level
``connect``/``send``/``wait_for``, aioevt's manager), and callbacks
delivered into asyncio loops (``Peer.on`` and ``Mre.connect`` with
``loop=`` an asyncio loop). Exported by Mre.py as ``Mre.Bus`` and
``Mre.bus``; see docs/python.md, "The bus".

Threads. A bus does its I/O and calls its own-thread handlers on one
Python thread (a daemon thread running an ``Mre.EventLoop`` bound to a
private context): a thread Python started keeps its thread state for its
life, where a GLib-created one would make and drop one per call (issue 11,
item 1). Every synchronous call of the peer that waits for the broker
(start, subscribe, unsubscribe, flush) is made either from another thread
or from a call queued on that loop, never from inside an event handler:
there the peer's connection is being dispatched and the broker's answer
could not be read. While handlers are registered (or emit_after timers
pending), a non-daemon thread keeps the process alive.
"""

import asyncio
import atexit
import concurrent.futures
import functools
import inspect
import math
import os
import threading
import weakref

from gi.repository import GLib

# The overrides module, partially initialised while it imports this part:
# only names it defined before the import are used, and at call time.
from .. import Mre as _overrides
from .asyncio_glib import _asyncio_loop
from .types import _owned

_logger = _overrides._logger


# asyncio delivery ------------------------------------------------------------

# asyncio keeps only weak references to tasks.
_tasks = set()


def _describe(func):
    return getattr(func, '__qualname__', None) or repr(func)


def _task_done(task):
    _tasks.discard(task)
    if task.cancelled():
        return
    exc = task.exception()
    if exc is not None:
        task.get_loop().call_exception_handler({
            'message': 'Exception in the callback %s' % task.get_name(),
            'exception': exc,
            'task': task,
        })


def _run_in_asyncio(func, args, kwargs):
    # On the target loop's thread, with it running: an exception raised here
    # goes to its exception handler, as for any call_soon callback.
    result = func(*args, **kwargs)
    if inspect.isawaitable(result):
        _start_task(asyncio.get_running_loop(), result, func)


def _start_task(aloop, awaitable, func):
    task = asyncio.ensure_future(awaitable, loop=aloop)
    task.set_name(_describe(func))
    _tasks.add(task)
    task.add_done_callback(_task_done)


def call_in_asyncio(aloop, func, args=(), kwargs=None):
    """Schedules ``func(*args, **kwargs)`` on the asyncio loop @aloop, from
    any thread, after the callbacks scheduled before it (``call_soon_threadsafe``);
    what it returns, if awaitable (an ``async def``), becomes a task of
    @aloop. Raises RuntimeError if @aloop is closed."""
    aloop.call_soon_threadsafe(_run_in_asyncio, func, args, kwargs or {})


def asyncio_forwarder(aloop, func):
    """A plain callable that forwards its arguments to @func on @aloop:
    what ``Mre.connect(..., loop=aloop)`` queues on the relay loop. The
    arguments are Python's own first (the GValues they came from are
    freed when the slot returns)."""
    owned = _owned

    @functools.wraps(func)
    def forward(*args):
        call_in_asyncio(aloop, func, tuple(owned(arg) for arg in args))
    # functools.wraps copies __wrapped__; a forwarder is no coroutine function.
    del forward.__wrapped__
    return forward


# A loop of a Python thread ---------------------------------------------------

class BusClosedError(RuntimeError):
    """The bus was closed while a call waited for its thread."""


class _LoopThread:
    """An Mre.EventLoop bound to a private context, run by a Python daemon
    thread; calls() queued on it from other threads can be waited for."""

    def __init__(self, name):
        self.context = GLib.MainContext.new()
        self.loop = _overrides.EventLoop.new_for_context(self.context)
        # A failed call is reported, never the end of the bus.
        self.loop.props.exit_on_exception = False
        self.loop.connect('exception', self._exception)
        self._lock = threading.Lock()
        self._pending = set()
        self._finished = False
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)
        self.thread.mre_loop = self.loop
        self.thread.start()
        # Until run() owns the context, another thread's synchronous peer
        # call could take it and dispatch there.
        self.call(lambda: None).result()

    @staticmethod
    def _exception(loop, error):
        _logger.error('A call on the bus thread failed: %s', error.message)

    def _run(self):
        try:
            self.loop.run()
        finally:
            _finishing.discard(self)
            with self._lock:
                self._finished = True
                pending, self._pending = self._pending, set()
            for future in pending:
                if future.set_running_or_notify_cancel():
                    future.set_exception(BusClosedError('The bus is closed'))

    def is_current(self):
        return threading.current_thread() is self.thread

    def call(self, func):
        """Queues @func on the loop: a concurrent.futures.Future of its result."""
        future = concurrent.futures.Future()
        with self._lock:
            if self._finished:
                future.set_exception(BusClosedError('The bus is closed'))
                return future
            self._pending.add(future)

        def run():
            with self._lock:
                self._pending.discard(future)
            if not future.set_running_or_notify_cancel():
                return
            try:
                future.set_result(func())
            except BaseException as exc:
                future.set_exception(exc)
        self.loop.invoke(run)
        return future

    def stop(self):
        """Stops the loop after the calls queued so far; joins the thread
        unless called on it."""
        self.loop.stop()
        if not self.is_current():
            self.thread.join()


# Buses closed from their own thread, finishing there.
_finishing = set()

_relay = None
_relay_lock = threading.Lock()


def relay_loop():
    """The Mre.EventLoop that ``Mre.connect(..., loop=asyncio_loop)``
    queues calls on, to be forwarded to the asyncio loop: one per process,
    on a Python thread, made on first use."""
    global _relay
    with _relay_lock:
        if _relay is None:
            _relay = _LoopThread('mre-asyncio-relay')
        return _relay.loop


# The bus ---------------------------------------------------------------------

_DIRECT = 'bus thread'


class _LoopClosed(Exception):
    """The asyncio loop of a handler is closed: the handler goes."""


class _Handler:
    __slots__ = ('pattern', 'prefix', 'func', 'sender', 'deliver', 'once', 'keeps',
                 'waiter', 'cancel')

    def __init__(self, pattern, func, sender, deliver, once, waiter=False, cancel=None):
        self.pattern = pattern
        self.prefix = pattern[:-1] if pattern.endswith('*') else None
        self.func = func
        self.sender = sender
        self.deliver = deliver
        self.once = once
        # A waiter (wait, wait_for) neither keeps the process alive nor is
        # removed by off(); close() calls its cancel().
        self.waiter = waiter
        self.keeps = not waiter
        self.cancel = cancel

    def matches(self, name, sender):
        if self.prefix is None:
            if name != self.pattern:
                return False
        elif not name.startswith(self.prefix):
            return False
        want = self.sender
        return want is None or sender == want or \
            (sender is not None and sender.startswith(want) and sender[len(want)] == '.')


class _Conn:
    """One connection of a bus: its peer, the thread that runs it, the
    patterns it subscribed (touched on that thread only), and whether
    close() has begun on it."""

    __slots__ = ('peer', 'thread', 'subscribed', 'closing')

    def __init__(self, peer, thread):
        self.peer = peer
        self.thread = thread
        self.subscribed = set()
        self.closing = False


# Every bus (reset in a forked child), and those connected: held until
# closed, at the latest at exit, so that what they sent is not lost.
_buses = weakref.WeakSet()
_connected = set()


class Bus:
    """A peer of the default bus for scripts, as pyvent's module functions
    and aioevt's manager are: handlers registered by name, sends by name,
    waiting for the next event, from any thread and any asyncio loop.

    ``Mre.Bus()`` is a peer of the default bus (``Mre.default_socket_path()``:
    ``$MRE_BUS``, else ``$XDG_RUNTIME_DIR/mreventloop/default.sock``), which
    starts a broker if none runs; ``Mre.Bus(address)`` one of the broker at
    @address (never started). @id is the peer's id, the sender of what it
    sends (None: one the broker chooses). ``Mre.bus`` is the process's
    default one. A bus connects on first use, not when made, and again on
    use after :meth:`close`.

    One peer sends and listens, so a process hears what it sends itself
    when it listens to it. Handlers hear the events sent while they are
    registered, never the retained history of pushes (use a
    :class:`Mre.Peer` for that). While handlers are registered, or
    :meth:`emit_after` timers pending, the process stays alive; a script
    without handlers exits when its main thread ends, after what it sent
    reached the broker.
    """

    def __init__(self, address=None, id=None):
        self._address = address
        self._id = id
        self._reset()
        _buses.add(self)

    def _reset(self):
        # Also in a forked child: fresh locks, nothing of the parent's.
        self._lock = threading.Lock()
        self._keeper_cond = threading.Condition(self._lock)
        self._start_lock = threading.Lock()
        self._conn = None
        self._exact = {}        # name -> [handler], in registration order
        self._patterns = []     # prefix handlers, in registration order
        self._wanted = {}       # pattern -> handlers needing its subscription
        self._keeping = 0       # handlers and timers keeping the process alive
        self._keeper = None

    def __repr__(self):
        where = self._address if self._address is not None else 'the default bus'
        state = 'connected' if self._conn is not None else 'not connected'
        return '<Mre.Bus %s on %s, %s>' % (self._id or '(no id)', where, state)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        self.close()
        return False

    # Connecting ----------------------------------------------------------------

    def _ensure(self):
        """The connection, made now if there is none; after waiting for
        one that is closing, unless on its thread (BusClosedError)."""
        while True:
            conn = self._conn
            if conn is not None and not conn.closing:
                return conn
            if conn is not None:
                if conn.thread.is_current():
                    raise BusClosedError('The bus is closing')
                conn.thread.thread.join()
                continue
            with self._start_lock:
                if self._conn is not None:
                    continue
                return self._connect()

    def _connect(self):
        thread = _LoopThread('mre-bus')
        try:
            if self._address is None:
                peer = _overrides.Peer.new_default(self._id)
            else:
                peer = _overrides.Peer.new(self._address, self._id)
            _overrides.Mre.object_set_event_loop(peer, thread.loop)
            peer.connect('event', self._on_event)
            peer.start()
        except BaseException:
            thread.stop()
            raise
        conn = _Conn(peer, thread)
        with self._lock:
            self._conn = conn
        _connected.add(self)
        return conn

    def _publisher(self):
        # A closing connection still sends: it flushes before it closes.
        conn = self._conn
        return conn.peer if conn is not None else self._ensure().peer

    @property
    def peer(self):
        """The bus's :class:`Mre.Peer`, connected (this connects the bus)."""
        return self._ensure().peer

    @property
    def id(self):
        """The peer's id: the one given, or, once connected, the broker's."""
        conn = self._conn
        return conn.peer.get_id() if conn is not None else self._id

    # Handlers --------------------------------------------------------------------

    def _delivery(self, func, loop):
        if loop is None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                loop = _DIRECT
        if loop is _DIRECT:
            def deliver(args, kwargs):
                result = func(*args, **kwargs)
                if inspect.isawaitable(result):
                    # An async def: a task on the bus thread's own context.
                    loop = threading.current_thread().mre_loop
                    _start_task(_asyncio_loop(loop), result, func)
            return deliver
        if isinstance(loop, asyncio.AbstractEventLoop):
            def deliver(args, kwargs):
                if loop.is_closed():
                    raise _LoopClosed()
                call_in_asyncio(loop, func, args, kwargs)
            return deliver
        if isinstance(loop, _overrides.Mre.EventLoop):
            def deliver(args, kwargs):
                # A partial of an async def is still one for invoke().
                loop.invoke(functools.partial(func, *args, **kwargs))
            return deliver
        raise TypeError('loop must be an asyncio loop, an Mre.EventLoop or None, not %r'
                        % (loop,))

    def on(self, name, func=None, *, sender=None, loop=None, once=False):
        """Calls ``func(*args, **kwargs)`` with the arguments of each event
        @name (a name, a ``prefix.*`` or ``*``) sent on the bus from now on;
        returns @func. Without @func, a decorator::

            @Mre.bus.on('order-food')
            def order(food, drink='water'): ...

        @loop: an asyncio loop (the call is scheduled there, an ``async
        def`` becomes a task of it), an :class:`Mre.EventLoop` (queued
        there; an ``async def`` holds it until done), or None: the asyncio
        loop running where ``on`` is called, if any, else the bus's own
        thread (an ``async def`` then runs as a task on its context).
        @sender: only events from the peer of that id or of an id that
        starts with it and a dot (``'customer-manager'`` matches
        ``customer-manager`` and ``customer-manager.front``, not
        ``customer-managers``). @once: the first matching event only.

        When it returns, the bus is subscribed (called from a handler on
        the bus's thread: just after that handler returns). Raises
        GLib.Error if the bus cannot connect or subscribe.
        """
        if func is None:
            return lambda func: self.on(name, func, sender=sender, loop=loop, once=once)
        if not callable(func):
            raise TypeError('on(%r): %r is not callable' % (name, func))
        handler = _Handler(name, func, sender, self._delivery(func, loop), once)
        self._add(handler)
        return func

    def _add(self, handler):
        while True:
            conn = self._ensure()
            with self._lock:
                # A close() that began meanwhile would not remove it.
                if self._conn is not conn or conn.closing:
                    continue
                if handler.prefix is None:
                    self._exact.setdefault(handler.pattern, []).append(handler)
                else:
                    self._patterns.append(handler)
                self._wanted[handler.pattern] = self._wanted.get(handler.pattern, 0) + 1
                if handler.keeps:
                    self._keeping += 1
                    self._keep_alive_locked()
                break
        try:
            self._sync_subscriptions(conn, wait=True)
        except BaseException:
            self._remove([handler])
            raise

    def _remove_locked(self, handlers):
        """Removes those of @handlers still registered: the list of them."""
        removed = []
        for handler in handlers:
            if handler.prefix is None:
                same = self._exact.get(handler.pattern)
                if not same or handler not in same:
                    continue
                same.remove(handler)
                if not same:
                    del self._exact[handler.pattern]
            else:
                if handler not in self._patterns:
                    continue
                self._patterns.remove(handler)
            removed.append(handler)
            left = self._wanted[handler.pattern] - 1
            if left:
                self._wanted[handler.pattern] = left
            else:
                del self._wanted[handler.pattern]
            if handler.keeps:
                self._keeping -= 1
        if removed:
            self._keeper_cond.notify_all()
        return removed

    def _remove(self, handlers):
        with self._lock:
            removed = self._remove_locked(handlers)
            conn = self._conn
        if removed:
            self._sync_subscriptions(conn, wait=False)
        return len(removed)

    def off(self, name=None, func=None):
        """Unregisters the handlers of @name, those calling @func, or those
        of @name calling @func; returns how many. Events already
        scheduled on a loop still run."""
        if name is None and func is None:
            raise TypeError('off() needs a name, a function or both')
        with self._lock:
            handlers = [h for h in self._handlers_locked()
                        if not h.waiter and (name is None or h.pattern == name)
                        and (func is None or h.func == func)]
        return self._remove(handlers)

    def _handlers_locked(self):
        for same in self._exact.values():
            yield from same
        yield from self._patterns

    def _sync_subscriptions(self, conn, wait):
        if conn is None:
            return
        reconcile = functools.partial(self._reconcile, conn)
        if conn.thread.is_current() or not wait:
            # Never waited for on the bus thread: inside an event handler
            # the broker's answer cannot be read.
            conn.thread.call(reconcile).add_done_callback(_report)
            return
        conn.thread.call(reconcile).result()

    def _reconcile(self, conn):
        # On the bus thread, outside any event handler: brings the peer's
        # subscriptions to what the handlers want, until nothing changes
        # (handlers may come and go while it waits for the broker).
        while True:
            with self._lock:
                if conn.closing:
                    return
                add = [p for p in self._wanted if p not in conn.subscribed]
                remove = [p for p in conn.subscribed if p not in self._wanted]
            if not add and not remove:
                return
            for pattern in add:
                conn.peer.subscribe(pattern)
                conn.subscribed.add(pattern)
            for pattern in remove:
                conn.peer.unsubscribe(pattern)
                conn.subscribed.discard(pattern)

    def _on_event(self, peer, event):
        # On the bus thread, for every event of the peer's subscriptions.
        if event.get_retained():
            return
        name = event.get_name()
        sender = event.get_sender()
        with self._lock:
            matched = [h for h in self._exact.get(name, ()) if h.matches(name, sender)]
            if self._patterns:
                matched += [h for h in self._patterns if h.matches(name, sender)]
            if not matched:
                return
            # A once handler fires once, whatever other thread removes it.
            once = [h for h in matched if h.once]
            if once:
                gone = set(map(id, once)) - set(map(id, self._remove_locked(once)))
                matched = [h for h in matched if id(h) not in gone]
            conn = self._conn
        if once:
            self._sync_subscriptions(conn, wait=False)
        for handler in matched:
            try:
                if handler.waiter:
                    handler.deliver(_owned(event))
                else:
                    args, kwargs = event.unpack()
                    handler.deliver(args, kwargs)
            except _LoopClosed:
                # Nothing will ever run there again.
                self._remove([handler])
            except Exception:
                _logger.exception('Handler %s of the bus event %r failed',
                                  _describe(handler.func), name)

    # Keeping the process alive --------------------------------------------------------

    def _keep_alive_locked(self):
        if self._keeping > 0 and self._keeper is None:
            self._keeper = threading.Thread(target=self._keep, name='mre-bus-keepalive',
                                            daemon=False)
            self._keeper.start()
        self._keeper_cond.notify_all()

    def join(self, timeout=None):
        """Blocks until no handler is registered and no :meth:`emit_after`
        timer pending (what keeps the process alive), or the bus closed,
        at most @timeout seconds; returns False if that time passed first.
        For a process whose main thread must wait, as a ``multiprocessing``
        target does (its queues close when the target returns). Not on
        the bus's own thread (RuntimeError)."""
        conn = self._conn
        if conn is not None and conn.thread.is_current():
            raise RuntimeError('join() on the bus thread would wait for ever')
        with self._lock:
            return self._keeper_cond.wait_for(lambda: self._keeping == 0, timeout)

    def _keep(self):
        with self._lock:
            while self._keeping > 0:
                self._keeper_cond.wait()
            self._keeper = None

    # Sending ------------------------------------------------------------------------

    def yell(self, name, /, *args, **kwargs):
        """Sends the event @name to the peers listening now, with
        positional or named arguments (as :meth:`Mre.Peer.yell`)."""
        return self._publisher().yell(name, *args, **kwargs)

    def push(self, name, /, *args, backlog=_overrides.Mre.BACKLOG_UNBOUNDED, **kwargs):
        """Sends the event @name and has the broker retain the last
        @backlog of them for peers that subscribe later (as
        :meth:`Mre.Peer.push`)."""
        return self._publisher().push(name, *args, backlog=backlog, **kwargs)

    def emit_after(self, delay, name, /, *args, **kwargs):
        """Yells @name with these arguments in @delay seconds, from a GLib
        timer on the bus's thread (no thread of its own). A pending timer
        keeps the process alive; close() drops it."""
        if args and kwargs:
            raise TypeError('event %r: give positional or named arguments, not both' % name)
        if delay < 0:
            raise ValueError('emit_after(): the delay is negative')
        while True:
            conn = self._ensure()
            with self._lock:
                if self._conn is conn and not conn.closing:
                    self._keeping += 1
                    self._keep_alive_locked()
                    break

        def fire(*unused):
            try:
                self.yell(name, *args, **kwargs)
            except Exception:
                _logger.exception('emit_after(%r) failed', name)
            finally:
                with self._lock:
                    if self._conn is conn and not conn.closing:
                        self._keeping -= 1
                        self._keeper_cond.notify_all()
            return GLib.SOURCE_REMOVE

        source = GLib.timeout_source_new(math.ceil(delay * 1000))
        source.set_callback(fire)
        source.attach(conn.thread.context)

    # Waiting -----------------------------------------------------------------------

    def wait_for(self, name, timeout=None, *, sender=None):
        """Blocks until the next event @name (of @sender, as :meth:`on`
        says), at most @timeout seconds (None: no limit), and returns it: an
        :class:`Mre.Event` (``.args``, ``.kwargs``, ``.sender``, ``.time``),
        or None on timeout or when the bus is closed. Listens from the
        moment it is called. Not for asyncio code (``await bus.wait()``) nor
        the bus's own thread, where it raises RuntimeError."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            raise RuntimeError('wait_for() would block the running asyncio loop: '
                               'use await bus.wait()')
        conn = self._conn
        if conn is not None and conn.thread.is_current():
            raise RuntimeError('wait_for() on the bus thread would wait for ever: '
                               'events arrive on this thread')
        got = []
        arrived = threading.Event()

        def deliver(event):
            got.append(event)
            arrived.set()
        handler = _Handler(name, deliver, sender, deliver, True, waiter=True,
                           cancel=arrived.set)
        self._add(handler)
        try:
            arrived.wait(timeout)
        finally:
            self._remove([handler])
        return got[0] if got else None

    def wait(self, name, timeout=None, *, sender=None):
        """``await bus.wait(name)``: the next event @name (of @sender), an
        :class:`Mre.Event`, as the awaitable of a future of the running
        asyncio loop. Listens from the moment it is called (so
        ``waiting = bus.wait(...)``, then what sends it, then ``await
        waiting`` misses nothing); raises TimeoutError (asyncio's
        TimeoutError) after @timeout seconds, CancelledError if the bus
        is closed meanwhile. Cancelling the future stops listening."""
        aloop = asyncio.get_running_loop()
        future = aloop.create_future()

        def settle(event):
            if not future.done():
                future.set_result(event)

        def deliver(event):
            aloop.call_soon_threadsafe(settle, event)

        def cancel():
            aloop.call_soon_threadsafe(future.cancel)
        handler = _Handler(name, deliver, sender, deliver, True, waiter=True, cancel=cancel)
        self._add(handler)

        timer = None
        if timeout is not None:
            def expire():
                if not future.done():
                    future.set_exception(TimeoutError(
                        'no event %r within %g s' % (name, timeout)))
            timer = aloop.call_later(timeout, expire)

        def done(unused):
            if timer is not None:
                timer.cancel()
            self._remove([handler])
        future.add_done_callback(done)
        return future

    # Closing -------------------------------------------------------------------------

    def close(self):
        """Unregisters every handler, drops pending timers, sends what was
        sent and not yet at the broker (waiting at most the peer's
        ``flush-timeout``), and disconnects: the process no longer stays
        alive for this bus. Waiters get None (``wait_for``) or are
        cancelled (``wait``). The bus connects again on next use. From a
        handler on the bus's thread, it finishes after that handler."""
        with self._lock:
            conn = self._conn
            if conn is None:
                return
            first = not conn.closing
            if first:
                conn.closing = True
                waiters = [h for h in self._handlers_locked() if h.waiter]
                self._exact, self._patterns, self._wanted = {}, [], {}
                self._keeping = 0
                self._keeper_cond.notify_all()
        current = conn.thread.is_current()
        if first:
            for handler in waiters:
                handler.cancel()
            if current:
                # Waited for at exit, if not done before.
                _finishing.add(conn.thread)
            # A handler running there may still send: the flush comes after.
            conn.thread.call(functools.partial(self._finish, conn))
            conn.thread.loop.stop()
        if not current:
            conn.thread.thread.join()

    def _finish(self, conn):
        # On the bus thread, the connection's last call.
        try:
            conn.peer.flush()
        except GLib.Error as error:
            _logger.warning('Closing the bus: what was sent may not have reached the broker: '
                            '%s', error.message)
        finally:
            conn.peer.close()
            with self._lock:
                if self._conn is conn:
                    self._conn = None
            _connected.discard(self)

    stop = close


def _report(future):
    error = future.exception()
    if error is not None and not isinstance(error, BusClosedError):
        _logger.warning('The bus could not change its subscriptions: %s',
                        getattr(error, 'message', error))


# The process ------------------------------------------------------------------------

# What a forked child inherits of the parent's buses: its threads are gone,
# and dropping their objects would wait for them.
_left_in_parent = []


def _after_fork_in_child():
    global _relay, _relay_lock
    for bus in list(_buses):
        _left_in_parent.append(bus._conn)
        bus._reset()
    _connected.clear()
    _finishing.clear()
    _left_in_parent.append(_relay)
    _relay, _relay_lock = None, threading.Lock()


def _close_all():
    # At exit, after the non-daemon threads (the keepers) ended: what each
    # bus sent reaches the broker before the process goes.
    for bus in list(_connected):
        try:
            bus.close()
        except Exception:
            _logger.exception('Closing %r at exit failed', bus)
    for thread in list(_finishing):
        thread.thread.join()
    relay = _relay
    if relay is not None:
        relay.stop()


os.register_at_fork(after_in_child=_after_fork_in_child)
atexit.register(_close_all)
