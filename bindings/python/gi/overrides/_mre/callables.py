# _mre/callables.py
#
# Copyright 2026 The mreventloop authors
#
# SPDX-License-Identifier: LGPL-2.1-or-later
"""``Mre.connect()`` of plain callables, and ``Mre.disconnect()`` of them.

``Mre.connect(producer, 'produced', lambda product: ...)`` queues each
call of a callable on a loop as a named slot is queued on its object's
loop; named slots and bound slots (``consumer.on_produced``) go to
``mre_connect`` as they are. Mre.py exports connect(), disconnect() and
disconnect_handler().
"""

import asyncio
import inspect
import threading
import weakref

from ...module import get_introspection_module

from gi.repository import GLib, GObject

from .asyncio_glib import _complete_with
from .errors import _error, _fail_task, _failure, _remember_failure
from .slots import _BoundSlot, _install_pending_slots
from .types import _owned_args

Mre = get_introspection_module('Mre')


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
        raise _failure(Mre.object_get_event_loop(target), exc, _what_call(func)) from None
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
            # call to the asyncio loop. (bus.py imports Mre.py, which
            # imports this part before bus.py: imported when called.)
            from . import bus as _bus
            target, loop = _bus.asyncio_forwarder(loop, target), _bus.relay_loop()
        return _connect_callable(emitter, detailed_signal, target, flags, loop)
    elif slot is None:
        raise TypeError('connect() needs a slot name, a bound slot such as consumer.on_produced, '
                        'or a callable')
    if loop is not None:
        raise TypeError('connect(): loop= is for callables; a slot runs on its object\'s loop')
    _install_pending_slots(type(target))
    return Mre.connect(emitter, detailed_signal, target, slot, flags)


def disconnect(emitter, detailed_signal):
    """``mre_disconnect``: drops every listener of @detailed_signal
    (queued calls still run); returns how many."""
    count = Mre.disconnect(emitter, detailed_signal)
    targets = emitter.__dict__.get('_mre_callables') if hasattr(emitter, '__dict__') else None
    if targets:
        live = set(h for h in list(targets) if GObject.signal_handler_is_connected(emitter, h))
        _forget_callables(emitter, lambda h, t: h not in live)
    return count


def disconnect_handler(emitter, handler_id):
    """``mre_disconnect_handler``: drops one connection by its id."""
    found = Mre.disconnect_handler(emitter, handler_id)
    if hasattr(emitter, '__dict__') and emitter.__dict__.get('_mre_callables'):
        _forget_callables(emitter, lambda h, t: h == handler_id)
    return found
