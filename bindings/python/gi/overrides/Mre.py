# Mre.py
#
# Copyright 2026 The mreventloop authors
#
# SPDX-License-Identifier: LGPL-2.1-or-later
"""PyGObject overrides for the Mre namespace (mreventloop).

Loaded by PyGObject on ``from gi.repository import Mre``; everything of
plain GI stays as it is, and this adds what plain GI makes awkward:

- ``@Mre.slot`` declares a named slot (``mre_slot_install``) from a method,
  typed by its annotations or by explicit types; an ``async def`` slot
  holds its loop until the coroutine is done (``MRE_SLOT_ASYNC``).
  ``@Mre.emits('produced', str)`` and ``produced = Mre.Signal(str)``
  declare signals. All of them are real GObject signals and Mre slots,
  usable by name from C (``mre_connect``, ``mre_invoke``) and from peers.
- ``Mre.connect(producer, 'produced', lambda product: ...)``: any
  callable, queued like a slot on ``loop=``, its GObject's loop or the
  emitter's (``producer.event_loop``).
- ``with loop:`` starts an :class:`EventLoop` and, on exit, stops it once
  its queue has drained and waits for it (``async with loop:`` too);
  MrEventLoop's ``async with consumer.event_loop:``.
- Coroutines run on the loop's own ``GMainContext`` through a small asyncio
  event loop of futures and timers: ``asyncio.sleep``, ``asyncio.Event``,
  ``asyncio.wait_for``, ``asyncio.gather``, ``asyncio.to_thread`` and
  ``loop.run_in_executor`` work; sockets, subprocesses and signal handlers
  of asyncio do not (use Gio's, through :func:`call_async`).
- ``Mre.bus.on('order-food')`` (a decorator), ``Mre.bus.yell('order-food',
  food='sushi')``, ``Mre.bus.wait_for(name, timeout=5)``, ``await
  Mre.bus.wait(name)``: the default bus for scripts (pyvent, aioevt),
  callbacks in the asyncio loop that registered them; ``Mre.Bus(address,
  id)`` for another.
- ``peer.yell('produced', 'some product')``, ``peer.push(name, *args,
  backlog=1)``, ``peer.yell('measured', value=3)`` (named arguments: a
  JSON object), ``peer.on('produced', callback)``, ``event.args`` and
  ``event.kwargs``, ``with broker:``, ``with peer:``.
- A slot or a queued call that raises fails like a C slot that returns
  ``FALSE``: the exception becomes a ``GLib.Error`` (``Mre.Error.FAILED``
  unless it is one already) and the loop follows ``exit-on-exception``;
  ``run()``, ``join()`` and ``with`` raise it with the original Python
  exception as its ``__cause__``. So do the Python callbacks given to the
  plain-GI ``Mre.slot_install_full``, ``Mre.slot_install`` and
  ``loop.invoke_async``.

See docs/python.md for a walk-through.
"""

import asyncio
import functools
import inspect
import json
import logging
import threading
import weakref

from ..module import get_introspection_module
from ..overrides import override

from gi.repository import GLib, GObject, Gio

Mre = get_introspection_module('Mre')

__all__ = []

_logger = logging.getLogger('gi.overrides.Mre')


def _export(obj):
    __all__.append(obj.__name__)
    return obj


# Errors and parameter types (gi/overrides/_mre/errors.py, types.py) ---------------

from ._mre.errors import (  # noqa: E402
    _as_gerror, _error, _fail_task, _raise_with_cause, _remember_failure)
from ._mre.types import (  # noqa: E402
    _CROSSING_TYPES, _gtype, _owned, _owned_args, _stays_in_process)


# asyncio on a GMainContext (gi/overrides/_mre/asyncio_glib.py) --------------------

from ._mre.asyncio_glib import _complete_with, call_async, wait  # noqa: E402

_export(call_async)
_export(wait)


# Slots declared in Python, plain-GI slot bodies (gi/overrides/_mre/slots.py) -----

from ._mre.slots import (  # noqa: E402
    _add_event_loop_property, _BoundSlot, _install_pending_slots, _Slot,
    slot_install, slot_install_full)

_export(slot_install_full)
_export(slot_install)


# Signals --------------------------------------------------------------------

@_export
def emits(name, *param_types):
    """Class decorator: the class emits the signal @name with parameters of
    @param_types (``mre_signal_new``: run-last, detailed, no return
    value)::

        @Mre.emits('produced', str)
        class Producer(GObject.Object):
            def request_product(self):
                self.emit('produced', 'some product')

    Stack it for several signals. The class gets an ``event_loop``
    property as a class with slots does: the loop that callables connected
    with :func:`connect` run on unless told otherwise.
    """
    gtypes = [_gtype(t, 'signal %r' % name) for t in param_types]

    def decorate(cls):
        if not (isinstance(cls, type) and issubclass(cls, GObject.Object)):
            raise TypeError('@Mre.emits decorates GObject.Object subclasses, not %r' % (cls,))
        Mre.signal_new(cls.__gtype__, name, gtypes)
        # The loop that callables connected to the signal run on by default.
        _add_event_loop_property(cls)
        return cls

    return decorate


@_export
class Signal(GObject.Signal):
    """A signal declared as a class attribute, named after it::

        class Producer(GObject.Object):
            produced = Mre.Signal(str)

        producer.produced.emit('some product')  # or producer.emit('produced', ...)

    The flags are those of ``mre_signal_new`` (run-last, detailed).
    """

    def __new__(cls, *param_types, name='', **kwargs):
        return str.__new__(cls, name or '')

    def __init__(self, *param_types, name='',
                 flags=GObject.SignalFlags.RUN_LAST | GObject.SignalFlags.DETAILED,
                 arg_types=None, **kwargs):
        # arg_types: as GObject.Signal.copy() passes them on.
        if arg_types is None:
            arg_types = tuple(_gtype(t, 'signal %r' % (name or '?')) for t in param_types)
        super().__init__(name=name, flags=flags, arg_types=arg_types, **kwargs)


# Slots ------------------------------------------------------------------------

@_export
def slot(*args, name=None):
    """Declares a method as a named slot of its GObject class.

    ::

        class Consumer(GObject.Object):
            @Mre.slot
            def on_produced(self, product: str):        # slot "on-produced"
                print(product)

            @Mre.slot('on-measured', str, float)       # explicit name and types
            async def measured(self, what, value):     # an async slot
                await asyncio.sleep(0.1)

    The slot's name defaults to the method's with ``_`` turned into ``-``;
    its parameter types come from the annotations or follow the name
    (str, int = gint, bool, float = gdouble, list[str] = GStrv, a GObject
    class, GLib.Variant, a GObject.TYPE_* constant...). The slot is
    installed with ``mre_slot_install`` when the class is created, so C,
    ``Mre.connect``, ``Mre.invoke`` and peers can name it.

    A slot runs on its object's loop (``obj.event_loop``), one call at a
    time in FIFO order. Calling ``consumer.on_produced(x)`` queues a call
    rather than running it; the undecorated function is
    ``Consumer.on_produced.func``. A slot that returns an awaitable (any
    ``async def``) holds its loop until the awaitable is done: nothing else
    of that loop runs meanwhile. A slot fails by raising.
    """
    if len(args) == 1 and callable(args[0]) and not isinstance(args[0], (str, type, GObject.GType)):
        return _Slot(args[0], name, None)
    if args and isinstance(args[0], str):
        if name is not None:
            raise TypeError('@Mre.slot: the name is given twice')
        name, args = args[0], args[1:]
    param_types = args if args else None

    def decorate(func):
        return _Slot(func, name, param_types)

    return decorate


# Plain callables as queued slots ----------------------------------------------
#
# Mre.connect(producer, 'produced', lambda product: ...) queues each call of
# the callable on a loop, as a named slot is queued on its object's loop: the
# callable is the body of the slot "call" (or "call-async") of a small
# GObject made for the connection, of a type made once per signal signature
# so that mre_connect() checks and copies the arguments as for any slot.
# The loop's FIFO, ONCE, FUTURE_ONLY, Mre.disconnect() and a raising
# callable's GLib.Error all work as for a named slot.

_callable_types = {}
_callable_lock = threading.Lock()


def _what_call(func):
    return 'Call of %s' % (getattr(func, '__qualname__', None) or repr(func))


def _callable_done(target):
    # A ONCE connection has fired: its target is no longer needed.
    emitter = target._mre_emitter() if target._mre_emitter is not None else None
    if emitter is not None:
        _forget_callables(emitter, lambda hid, t: t is target)


def _callable_sync_body(target, values, *user_data):
    func = target._mre_func
    # Freed with the call: Python's own copies, which the callable may keep.
    values = _owned_args(values, type(target)._mre_param_types)
    try:
        result = func(*values)
    except GLib.Error:
        raise
    except BaseException as exc:
        gerror = _as_gerror(exc, _what_call(func))
        _remember_failure(Mre.object_get_event_loop(target), gerror, exc)
        raise gerror from None
    finally:
        _callable_done(target)
    if result is not None and inspect.isawaitable(result):
        if inspect.iscoroutine(result):
            result.close()
        gerror = _error(Mre.Error.FAILED, '%s returned an awaitable; connect an async def '
                        'function to have the loop wait for it' % _what_call(func))
        _remember_failure(Mre.object_get_event_loop(target), gerror, None)
        raise gerror
    return True


def _callable_async_body(target, *args):
    *args, task = args
    func = target._mre_func
    args = _owned_args(args, type(target)._mre_param_types)
    loop = Mre.object_get_event_loop(target)
    _callable_done(target)
    try:
        result = func(*args)
    except BaseException as exc:
        _fail_task(task, loop, exc, _what_call(func))
        return
    _complete_with(task, loop, result, _what_call(func))


def _callable_type(param_types):
    key = tuple(param_types)
    with _callable_lock:
        cls = _callable_types.get(key)
        if cls is None:
            # A module outside gi.overrides: PyGObject registers no GType
            # for a class of an overrides module, and the slots would go
            # to GObject itself, each signature's replacing the last's.
            cls = type('MreCallable', (GObject.Object,),
                       {'__gtype_name__': 'MrePyCallable%d' % len(_callable_types),
                        '__module__': 'mreventloop.callables',
                        '_mre_param_types': key})
            Mre.slot_install_full(cls.__gtype__, 'call', _callable_sync_body,
                                  param_types=list(key))
            Mre.slot_install(cls.__gtype__, 'call-async', _callable_async_body,
                             Mre.SlotFlags.ASYNC, list(key))
            _callable_types[key] = cls
        return cls


def _forget_callables(emitter, which):
    with _callable_lock:
        targets = emitter.__dict__.get('_mre_callables')
        if targets:
            for handler_id in [h for h, t in targets.items() if which(h, t)]:
                del targets[handler_id]


def _connect_callable(emitter, detailed_signal, func, flags, loop):
    if not isinstance(emitter, GObject.Object):
        raise TypeError('connect(): %r is not a GObject' % (emitter,))
    name = detailed_signal.split('::', 1)[0]
    if not GObject.signal_lookup(name, type(emitter)):
        raise _error(Mre.Error.NO_SUCH_SIGNAL, '%s has no signal “%s”'
                     % (type(emitter).__name__, detailed_signal))
    if loop is None:
        owner = getattr(func, '__self__', None)
        loop = Mre.object_get_event_loop(owner if isinstance(owner, GObject.Object) else emitter)
    query = GObject.signal_query(name, type(emitter))
    target = _callable_type(query.param_types or ())()
    target._mre_func = func
    target._mre_once = bool(flags & Mre.ConnectFlags.ONCE)
    target._mre_emitter = None
    Mre.object_set_event_loop(target, loop)
    is_async = inspect.iscoroutinefunction(func) or \
        inspect.iscoroutinefunction(getattr(func, '__call__', None))
    handler_id = Mre.connect(emitter, detailed_signal, target,
                             'call-async' if is_async else 'call', flags)
    # mre_connect() holds its target weakly: the emitter keeps it alive,
    # until Mre.disconnect*() drops it or a ONCE connection fired.
    with _callable_lock:
        emitter.__dict__.setdefault('_mre_callables', {})[handler_id] = target
        target._mre_handler_id = handler_id
    if target._mre_once:
        target._mre_emitter = weakref.ref(emitter)
    return handler_id


@_export
def connect(emitter, detailed_signal, target, slot=None, flags=Mre.ConnectFlags.DEFAULT, *,
            loop=None):
    """``mre_connect``: queues each emission of @detailed_signal by
    @emitter as a call of @target's named @slot, on @target's loop::

        Mre.connect(producer, 'produced', consumer, 'on-produced')
        Mre.connect(producer, 'produced', consumer.on_produced)
        Mre.connect(peer, 'event::produced', consumer.on_produced, Mre.ConnectFlags.ONCE)
        Mre.connect(producer, 'produced', lambda product: print(product))
        Mre.connect(producer, 'produced', results.append, loop=consumer.event_loop)

    @target may also be any other callable (a function, a lambda, a bound
    method): it is called with the signal's arguments (not the emitter),
    queued like a slot on @loop if given, else on the loop of the GObject
    whose bound method it is, else on the emitter's own loop
    (``producer.event_loop``, which must then run). An ``async def``
    holds the loop until its coroutine is done; one that raises fails as
    a slot does (``exit-on-exception``). @loop may be an asyncio loop: each
    call is then queued on a relay loop (a Python thread of the
    overrides') that schedules it there with ``call_soon_threadsafe``, in
    order; an ``async def`` becomes a task of that loop, and what raises
    goes to its exception handler.

    Returns the handler id; raises GLib.Error (Mre.Error.NO_SUCH_SIGNAL,
    NO_SUCH_SLOT, TYPE_MISMATCH).
    """
    if isinstance(target, _BoundSlot):
        if slot is not None:
            if isinstance(slot, str):
                raise TypeError('connect() got a bound slot and a slot name')
            flags = slot
        slot = target.slot.name
        target = target.instance
    elif not isinstance(target, GObject.Object) and callable(target):
        if slot is not None:
            if isinstance(slot, str):
                raise TypeError('connect() got a callable and a slot name')
            flags = slot
        if isinstance(loop, asyncio.AbstractEventLoop):
            # Queued on a relay loop of a Python thread, which hands each
            # call to the asyncio loop.
            target, loop = _bus.asyncio_forwarder(loop, target), _bus.relay_loop()
        return _connect_callable(emitter, detailed_signal, target, flags, loop)
    elif slot is None:
        raise TypeError('connect() needs a slot name, a bound slot such as consumer.on_produced, '
                        'or a callable')
    if loop is not None:
        raise TypeError('connect(): loop= is for callables; a slot runs on its object\'s loop')
    _install_pending_slots(type(target))
    return Mre.connect(emitter, detailed_signal, target, slot, flags)


@_export
def disconnect(emitter, detailed_signal):
    """``mre_disconnect``: drops every listener of @detailed_signal
    (queued calls still run); returns how many."""
    count = Mre.disconnect(emitter, detailed_signal)
    targets = emitter.__dict__.get('_mre_callables') if hasattr(emitter, '__dict__') else None
    if targets:
        live = set(h for h in list(targets) if GObject.signal_handler_is_connected(emitter, h))
        _forget_callables(emitter, lambda h, t: h not in live)
    return count


@_export
def disconnect_handler(emitter, handler_id):
    """``mre_disconnect_handler``: drops one connection by its id."""
    found = Mre.disconnect_handler(emitter, handler_id)
    if hasattr(emitter, '__dict__') and emitter.__dict__.get('_mre_callables'):
        _forget_callables(emitter, lambda h, t: h == handler_id)
    return found


@_export
def wait_for(emitter, detailed_signal, timeout_ms=-1, cancellable=None):
    """``mre_wait_for`` with optional arguments: blocks until the next
    emission (an :class:`Emission`), for at most @timeout_ms."""
    return Mre.wait_for(emitter, detailed_signal, timeout_ms, cancellable)


# EventLoop ------------------------------------------------------------------


class EventLoop(Mre.EventLoop):
    """An Mre.EventLoop, usable as ``with loop:`` and ``async with loop:``.

    ``with loop:`` starts the loop and, on exit, stops it after every call
    queued so far has run and waits until it has stopped; if a call failed
    (``exit-on-exception``), its GLib.Error is raised there. A loop of its
    own thread is joined; a loop bound to this thread's context (the
    default one, or the thread-default one) is run here until it stopped.
    ``async with loop:`` joins an own-thread loop without blocking the
    asyncio loop, and runs a bound one on the asyncio loop's thread.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        if kwargs.get('context') is not None:
            self._mre_bound = True

    @classmethod
    def new_for_context(cls, context):
        loop = Mre.EventLoop.new_for_context(context)
        loop._mre_bound = True
        return loop

    def _is_bound(self):
        bound = getattr(self, '_mre_bound', None)
        if bound is not None:
            return bound
        # A loop from C: own loops have a private context.
        context = self.get_context()
        return context == GLib.MainContext.default() or \
            context == GLib.MainContext.get_thread_default()

    def invoke(self, func, *args):
        """Queues ``func(*args)`` after every call queued before it. It fails
        by raising (or returning False, as an MreFunc); an ``async def``
        holds the loop until its coroutine is done."""
        what = 'Call of %s' % getattr(func, '__qualname__', repr(func))
        if inspect.iscoroutinefunction(func):
            def start(task, unused):
                try:
                    coroutine = func(*args)
                except BaseException as exc:
                    _fail_task(task, self, exc, what)
                    return
                _complete_with(task, self, coroutine, what)
            return super().invoke_async(start, None)

        def call(unused):
            try:
                result = func(*args)
            except GLib.Error:
                raise
            except BaseException as exc:
                gerror = _as_gerror(exc, what)
                _remember_failure(self, gerror, exc)
                raise gerror from exc
            if inspect.isawaitable(result):
                if inspect.iscoroutine(result):
                    result.close()
                raise _error(Mre.Error.FAILED, '%s returned an awaitable; queue an async def '
                             'function to have the loop wait for it' % what)
            return result is not False

        return super().invoke(call, None)

    def invoke_async(self, func, *user_data):
        """``mre_event_loop_invoke_async``: ``func(task, *user_data)``
        holds the loop until it returned on @task. One that raises before
        it did fails the call with the exception (as a GLib.Error) rather
        than holding the loop for ever."""
        what = 'Call of %s' % getattr(func, '__qualname__', repr(func))

        def start(task, *data):
            try:
                func(task, *data)
            except BaseException as exc:
                if task.get_completed() or task.had_error():
                    _logger.error('%s raised after completing its task', what, exc_info=exc)
                    return
                _fail_task(task, self, exc, what)
        return super().invoke_async(start, *user_data)

    def run(self):
        try:
            return super().run()
        except GLib.Error as e:
            _raise_with_cause(self, e)

    def join(self):
        try:
            return super().join()
        except GLib.Error as e:
            _raise_with_cause(self, e)

    def _stop_and_wait(self):
        self.stop()
        context = self.get_context()
        if self._is_bound() and self.get_running() and context.acquire():
            # Nobody else iterates the context: drive it here until the
            # stop queued above has been reached.
            try:
                while self.get_running():
                    context.iteration(True)
            finally:
                context.release()
        self.join()

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self._stop_and_wait()
            return False
        try:
            self._stop_and_wait()
        except GLib.Error as e:
            if hasattr(exc, 'add_note'):
                exc.add_note('The Mre.EventLoop stopped with an error too: %s' % e.message)
        return False

    async def __aenter__(self):
        self.start()
        return self

    async def __aexit__(self, exc_type, exc, tb):
        if self._is_bound():
            # Its calls run on this thread: drain it here.
            return self.__exit__(exc_type, exc, tb)
        return await asyncio.get_running_loop().run_in_executor(
            None, self.__exit__, exc_type, exc, tb)


EventLoop = override(EventLoop)
__all__.append('EventLoop')


# Emissions and events ----------------------------------------------------------

class Emission(Mre.Emission):
    """One emission of a signal, as ``Mre.wait_for()`` gives it. Its
    arguments are Python's own: a boxed one stays valid after the
    Emission is gone, as long as Python holds it.

    PyGObject turns the GValue of ``mre_emission_get_arg()`` (transfer
    none) into a wrapper that points at the boxed value inside the
    GValue, without a copy and without a reference (it does so even for a
    caller-allocated GValue, as of 3.42): the value is freed with the
    Emission. Each argument is therefore copied here, while the Emission
    is still alive."""

    def get_arg(self, index):
        """The argument at @index, Python's own (see the class); one
        declared ``object`` is the very object emitted."""
        value = super().get_arg(index)
        if isinstance(value, GObject.GBoxed):
            query = GObject.signal_query(self.get_signal_name(), type(self.get_instance()))
            if query is None or query.param_types[index] != GObject.TYPE_PYOBJECT:
                value = _owned(value)
        return value

    @property
    def args(self):
        """The arguments of the emission, as a tuple, Python's own."""
        return tuple(self.get_arg(i) for i in range(self.get_n_args()))


Emission = override(Emission)
__all__.append('Emission')


_JSON_RAW_DECODE = json.JSONDecoder().raw_decode


def _json_value(text):
    """json.loads(@text), faster for the text the library gives (no
    whitespace around the value), the same for any other."""
    try:
        value, end = _JSON_RAW_DECODE(text)
    except ValueError:
        return json.loads(text)
    if end != len(text):
        return json.loads(text)
    return value


class Event(Mre.Event):
    """An event received by a peer; ``args``/``kwargs`` are its
    arguments (positional or named), decoded from JSON."""

    @property
    def params(self):
        """The event's params: a list (positional) or a dict (named)."""
        return _json_value(self.dup_params_json())

    def unpack(self):
        """``(args, kwargs)``: a list and an empty dict for positional
        arguments, an empty list and a dict for named ones."""
        params = _json_value(self.dup_params_json())
        if isinstance(params, dict):
            return [], params
        return params, {}

    @property
    def args(self):
        return self.unpack()[0]

    @property
    def kwargs(self):
        return self.unpack()[1]

    name = property(Mre.Event.get_name)
    sender = property(Mre.Event.get_sender)
    seq = property(Mre.Event.get_seq)
    time = property(Mre.Event.get_time)
    pushed = property(Mre.Event.get_pushed)
    retained = property(Mre.Event.get_retained)

    def __repr__(self):
        return '<Mre.Event %r from %r: %s>' % (self.get_name(), self.get_sender(),
                                              self.dup_params_json())


Event = override(Event)
__all__.append('Event')


# Broker and Peer ----------------------------------------------------------------

# json.dumps() with these options, without making an encoder per call.
_JSON_DUMPS = json.JSONEncoder(ensure_ascii=False, allow_nan=False,
                               separators=(',', ':')).encode


class Broker(Mre.Broker):
    """``with Mre.Broker.new(path):`` starts the broker and stops it on exit."""

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, exc_type, exc, tb):
        self.stop()
        return False


Broker = override(Broker)
__all__.append('Broker')


class Peer(Mre.Peer):
    """A peer with Python publishing and subscribing.

    Arguments of an event are positional (a JSON array) or named (a JSON
    object), never both, as JSON-RPC 2.0 params are::

        peer.yell('produced', 'some product', 3)      # params ["some product",3]
        peer.yell('measured', sensor='t1', value=21.5) # params {"sensor":"t1","value":21.5}
        peer.push('state', 'ready', backlog=1)        # retained: latest value

    Plain Python data (None, bool, int, float, str, lists, tuples and dicts
    of them) is written as json.dumps writes it. Positional arguments that
    are not plain data (GObject.Value, GLib.Variant, GLib.Bytes, GObjects)
    go through ``publishv`` and the library's codec instead; named ones
    must be plain data. A C slot connected with ``Mre.connect(peer,
    'event::NAME', ...)`` receives positional arguments only (named ones
    decode to a single Json.Node parameter); ``peer.on()`` and Python slots
    take both.
    """

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, exc_type, exc, tb):
        # The flush waits at most the flush-timeout property (25 s by
        # default), then raises GLib.Error TIMED_OUT; close never waits.
        try:
            if exc_type is None:
                self.flush()
        finally:
            self.close()
        return False

    def start(self, cancellable=None):
        return super().start(cancellable)

    def flush(self, timeout_ms=-1, cancellable=None):
        """Waits until the broker has every event published so far; see
        ``mre_peer_flush``. ``timeout_ms`` -1 takes the ``flush-timeout``
        property, ``GLib.MAXINT`` waits for ever."""
        return super().flush(timeout_ms, cancellable)

    def subscribe(self, pattern, sender=None, cancellable=None):
        return super().subscribe(pattern, sender, cancellable)

    def unsubscribe(self, pattern, sender=None, cancellable=None):
        return super().unsubscribe(pattern, sender, cancellable)

    def forward(self, emitter, detailed_signal, name=None,
                delivery=Mre.Delivery.YELL, backlog=Mre.BACKLOG_UNBOUNDED):
        """Publishes each emission of @detailed_signal by @emitter, as the
        event @name: by default the signal's name as spelled here, so that
        ``forward(consumer, 'request_product')`` publishes
        ``request_product`` although GObject calls the signal
        ``request-product``."""
        signal_name = detailed_signal.split('::', 1)[0]
        if name is None:
            name = signal_name
        query = GObject.signal_query(signal_name, type(emitter)) \
            if isinstance(emitter, GObject.Object) else None
        for i, gtype in enumerate(query.param_types if query else ()):
            if gtype == GObject.TYPE_PYOBJECT:
                raise _error(Mre.Error.TYPE_MISMATCH,
                             'Cannot forward signal “%s” of %s: argument %d is declared object, '
                             'a Python object passed by reference, which stays in this process '
                             'and cannot cross to another; declare it with a type that crosses '
                             '(str, int, float, bool, list[str], GLib.Variant, Json.Node...)'
                             % (signal_name, type(emitter).__name__, i + 1))
        return super().forward(emitter, detailed_signal, name, delivery, backlog)

    def publishv(self, name, delivery, backlog, args):
        """``mre_peer_publishv``; None is JSON null, and a Python object
        that PyGObject would pass by reference (GObject.TYPE_PYOBJECT)
        raises GLib.Error TYPE_MISMATCH: it cannot cross processes."""
        args = list(args)
        for i, value in enumerate(args):
            if value is None:
                # PyGObject has no GValue for None in a GValue array (it
                # crashes freeing the one it could not make).
                from gi.repository import Json
                args[i] = GObject.Value(Json.Node, Json.Node.new(Json.NodeType.NULL))
            elif _stays_in_process(value):
                raise _error(Mre.Error.TYPE_MISMATCH,
                             'Argument %d of event “%s” is a Python object (%s), passed by '
                             'reference, which stays in this process and cannot cross to '
                             'another; publish %s'
                             % (i + 1, name, type(value.get_value() if isinstance(
                                 value, GObject.Value) else value).__name__, _CROSSING_TYPES))
        return super().publishv(name, delivery, backlog, args)

    def stats(self, cancellable=None):
        """The broker's counters, as a dict."""
        from gi.repository import Json
        return json.loads(Json.to_string(self.query_stats(cancellable), False))

    def publish(self, name, /, *args, delivery=Mre.Delivery.YELL,
                backlog=Mre.BACKLOG_UNBOUNDED, **params):
        """Publishes the event @name with positional @args or named
        @params; see the class documentation. Raises TypeError for both at
        once or for named values that are not JSON data, GLib.Error as
        ``mre_peer_publishv`` does."""
        if args and params:
            raise TypeError('event %r: give positional or named arguments, not both '
                            '(JSON-RPC 2.0 params are an array or an object)' % name)
        if params:
            return self.publish_json(name, delivery, backlog, _JSON_DUMPS(params))
        try:
            text = _JSON_DUMPS(args)
        except (TypeError, ValueError):
            return self.publishv(name, delivery, backlog, list(args))
        return self.publish_json(name, delivery, backlog, text)

    def yell(self, name, /, *args, **params):
        """Publishes to the peers subscribed now."""
        return self.publish(name, *args, delivery=Mre.Delivery.YELL, **params)

    def push(self, name, /, *args, backlog=Mre.BACKLOG_UNBOUNDED, **params):
        """Publishes and has the broker retain the last @backlog events of
        @name (0: all) for the peers that subscribe later."""
        return self.publish(name, *args, delivery=Mre.Delivery.PUSH, backlog=backlog,
                            **params)

    def on(self, pattern, callback, *, sender=None, loop=None):
        """Subscribes to @pattern (a name, ``prefix.*`` or ``*``) and calls
        ``callback(*args, **kwargs)`` with the arguments of each event.

        @callback is a bound slot (``consumer.on_produced``: queued on the
        consumer's loop), or any callable: queued on @loop if given (an
        ``Mre.EventLoop``, which an ``async def`` then holds; or an asyncio
        loop, where it is scheduled with ``call_soon_threadsafe`` and an
        ``async def`` becomes a task), else called on the peer's own
        thread as a handler of its ``received`` signal, as each event
        arrives. (``peer.connect('event', ...)`` is the one called in the
        peer's signal context: the thread-default main context of the
        thread that made the peer.) With @sender, only that peer's events.
        Retained events are delivered before this returns (after, when
        called by a callback on the peer's own thread). Returns the
        handler id (``peer.disconnect(id)`` stops the calls). Several
        on() of one pattern share one subscription, so an event comes once
        to each callback, and ``unsubscribe(pattern)`` ends it for all.
        """
        if isinstance(callback, _BoundSlot):
            def deliver(event):
                args, kwargs = event.unpack()
                callback(*args, **kwargs)
        elif isinstance(loop, asyncio.AbstractEventLoop):
            def deliver(event):
                args, kwargs = event.unpack()
                _bus.call_in_asyncio(loop, callback, args, kwargs)
        elif loop is not None:
            def deliver(event):
                args, kwargs = event.unpack()
                # A partial of an async def is still one for invoke().
                loop.invoke(functools.partial(callback, *args, **kwargs))
        else:
            def deliver(event):
                args, kwargs = event.unpack()
                callback(*args, **kwargs)

        if pattern.endswith('*'):
            prefix = pattern[:-1]

            def handler(peer, event):
                if event.get_name().startswith(prefix) and \
                        (sender is None or event.get_sender() == sender):
                    deliver(event)
            handler_id = self.connect('received', handler)
        else:
            def handler(peer, event):
                if sender is None or event.get_sender() == sender:
                    deliver(event)
            handler_id = self.connect('received::' + pattern, handler)

        try:
            self.subscribe(pattern, sender)
        except GLib.Error as e:
            if not e.matches(Gio.io_error_quark(), Gio.IOErrorEnum.WOULD_BLOCK):
                self.disconnect(handler_id)
                raise
            # Called by a handler on the peer's own thread, which reads the
            # broker's answer once the handler returns: subscribed without
            # waiting, the retained events come after this returns.
            self.subscribe_async(pattern, sender, None, self._subscribed_later, handler_id)
        except BaseException:
            self.disconnect(handler_id)
            raise
        return handler_id

    def _subscribed_later(self, peer, result, handler_id):
        try:
            self.subscribe_finish(result)
        except GLib.Error as e:
            _logger.warning('Peer.on(): subscribing failed: %s', e.message)
            self.disconnect(handler_id)


Peer = override(Peer)
__all__.append('Peer')


# Own-thread loops run on Python threads (see _mre/threads.py).
from ._mre import threads as _threads  # noqa: E402,F401


# EventPy: dispatchers in processes (gi/overrides/_mre/dispatch.py) ----------------

from ._mre import dispatch as _dispatch  # noqa: E402

Dispatcher = _dispatch.Dispatcher
DispatchManager = _dispatch.DispatchManager
DispatchError = _dispatch.DispatchError
__all__ += _dispatch.__all__


# elegant_events' callbacks with a history, run by check(): methods of Peer.
from ._mre import history as _history  # noqa: E402

_history.attach(Peer)


# The bus (pyvent, aioevt) ----------------------------------------------------------

from ._mre import bus as _bus  # noqa: E402

Bus = _bus.Bus
bus = Bus()
__all__ += ['Bus', 'bus']
