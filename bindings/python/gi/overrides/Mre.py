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

from ..module import get_introspection_module
from ..overrides import override

from gi.repository import GLib, GObject, Gio

# Parts of their own (gi/overrides/_mre/), one a concept. These need
# nothing of this module; those at its end use its names.
from ._mre.asyncio_glib import _complete_with, call_async, wait
from ._mre.callables import connect, disconnect, disconnect_handler
from ._mre.errors import _error, _fail_task, _failure, _raise_with_cause
from ._mre.slots import _add_event_loop_property, _BoundSlot, _Slot, slot_install, slot_install_full
from ._mre.types import _CROSSING_TYPES, _gtype, _owned, _stays_in_process

Mre = get_introspection_module('Mre')

# Exported from the parts: asyncio on an Mre loop's context, Mre.connect()
# of plain callables, the Python bodies of plain GI's slot_install*().
__all__ = ['call_async', 'wait', 'connect', 'disconnect', 'disconnect_handler',
           'slot_install_full', 'slot_install']

_logger = logging.getLogger('gi.overrides.Mre')


def _export(obj):
    __all__.append(obj.__name__)
    return obj


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


# Waiting (Mre.wait(), the awaitable, is asyncio_glib's) -----------------------

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
                raise _failure(self, exc, what) from exc
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
