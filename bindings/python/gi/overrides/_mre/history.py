# _mre/history.py
#
# Copyright 2026 The mreventloop authors
#
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Callbacks with a history, run when the program checks: elegant_events'
``whenever``, ``once``, ``whenever_future``, ``once_next``, ``check()``
and ``listen_forever()``, as methods of ``Mre.Peer`` (attached by Mre.py).

A peer *keeps track of* a name (``keep_track_of``, or implicitly the first
callback for it): it subscribes to it and keeps what arrives for it, its
*history*. Each callback has the events it has not had yet waiting for it;
``check()`` runs them, all callbacks together, in the order of the events'
times. A callback for the whole history (``whenever``, ``once``) starts
with every event kept; one for the future only (``whenever_future``,
``once_next``) with none, and gets the events published from then on.

Arrivals are recorded by a handler of the peer's ``received`` signal where
the library has one (emitted as the event arrives, on the peer's own
thread), else of ``event``; the record is guarded by a lock, so that it
may run on any thread while ``check()`` runs on another. Callbacks run in
``check()``, on its caller's thread, with no lock held.
"""

import inspect
import itertools
import threading
import time as _time

from gi.repository import GLib, GObject

from .. import Mre as _overrides
from .types import _owned

_TIME_PARAMETERS = ('timestamp', 'time')

# Creating the record of a peer, once.
_record_lock = threading.Lock()

# How often listen_forever(), waiting for events that arrive on another
# thread, looks whether the peer was closed meanwhile.
_CLOSED_POLL_S = 1.0


class _Callback:
    """One callback attached to a name."""

    __slots__ = ('name', 'func', 'once', 'since', 'raise_errors', 'wants_time',
                 'order', 'due', 'attached')

    def __init__(self, name, func, once, since, raise_errors, order):
        self.name = name
        self.func = func
        self.once = once
        self.since = since                # event times before this are not for it (µs)
        self.raise_errors = raise_errors
        self.wants_time = _wants_time(func)
        self.order = order                # attachment order, for one event's callbacks
        self.due = {}                     # arrival number -> Mre.Event, oldest first
        self.attached = True


class _Track:
    """A name the peer keeps track of: its handler and its history."""

    __slots__ = ('handler_id', 'max_size', 'history')

    def __init__(self, max_size):
        self.handler_id = 0
        self.max_size = max_size          # 0: all
        self.history = {}                 # arrival number -> Mre.Event, oldest first


class _Record:
    """What a peer keeps for its callbacks; every field under @lock."""

    def __init__(self):
        self.lock = threading.Lock()
        self.arrived = threading.Condition(self.lock)
        self.tracks = {}                  # name -> _Track
        self.callbacks = {}               # name -> [_Callback], in attachment order
        self.arrivals = itertools.count()
        self.orders = itertools.count()


def _record(peer):
    record = peer.__dict__.get('_mre_history')
    if record is None:
        with _record_lock:
            record = peer.__dict__.get('_mre_history')
            if record is None:
                record = peer._mre_history = _Record()
    return record


def _wants_time(func):
    """Whether @func's first positional parameter is named timestamp or time."""
    try:
        parameters = inspect.signature(func).parameters.values()
    except (TypeError, ValueError):
        return False
    for parameter in parameters:
        if parameter.kind in (parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD):
            return parameter.name in _TIME_PARAMETERS
        return False
    return False


def _trim(events, max_size):
    while max_size and len(events) > max_size:
        del events[next(iter(events))]


def _arrived(peer, event):
    """The handler of the events of tracked names: records @event in the
    name's history and in what its callbacks have due."""
    record = peer.__dict__.get('_mre_history')
    if record is None:
        return
    # Python's own reference: the signal's is only valid during the call.
    event = _owned(event)
    event_time = event.get_time()
    with record.lock:
        track = record.tracks.get(event.get_name())
        if track is None:
            return
        number = next(record.arrivals)
        track.history[number] = event
        _trim(track.history, track.max_size)
        for callback in record.callbacks.get(event.get_name(), ()):
            if event_time >= callback.since:
                callback.due[number] = event
                _trim(callback.due, track.max_size)
        record.arrived.notify_all()


def _arrival_signal(name):
    # The library's signal emitted as an event arrives, on the peer's own
    # thread, where it has one; else the event signal.
    if GObject.signal_lookup('received', _overrides.Mre.Peer):
        return 'received::' + name
    return 'event::' + name


def _check_name(name):
    if not isinstance(name, str) or not name or '*' in name:
        raise ValueError('%r is not an event name (patterns such as “a.*” are for '
                         'peer.on())' % (name,))


# The methods of Mre.Peer ------------------------------------------------------

def keep_track_of(self, name, max_size=0):
    """Keeps the events of @name from now on, even with no callback for it
    yet: subscribes to @name (the broker replays what it retains of it
    first) and keeps what arrives, so that a callback attached later gets
    it. Keeps the last @max_size events (0: all of them), and a check()
    runs a callback for at most the last @max_size that arrived since it
    last ran. Called again for a name already kept, it only changes
    @max_size. Raises GLib.Error as ``subscribe()`` does."""
    _check_name(name)
    if max_size < 0:
        raise ValueError('max_size is a count of events, 0 for all of them')
    record = _record(self)
    with record.lock:
        track = record.tracks.get(name)
        if track is not None:
            track.max_size = max_size
            _trim(track.history, max_size)
            for callback in record.callbacks.get(name, ()):
                _trim(callback.due, max_size)
            return
        track = record.tracks[name] = _Track(max_size)
    # Connected before subscribing, so that the replay is recorded.
    track.handler_id = self.connect(_arrival_signal(name), _arrived)
    try:
        self.subscribe(name)
    except BaseException:
        with record.lock:
            if record.tracks.get(name) is track:
                del record.tracks[name]
        self.disconnect(track.handler_id)
        raise


def stop_keeping_track_of(self, name, wipeout_backlog=True):
    """Stops keeping the events of @name and forgets its history; its
    callbacks stay attached, and get events again once @name is kept
    again. With @wipeout_backlog, the events they have not had yet are
    dropped too; without, the next check() still runs them for every event
    published before this call (a check()-driven peer reads what arrived
    first). The peer stays subscribed to @name: ``unsubscribe(name)`` ends
    that."""
    record = _record(self)
    if not wipeout_backlog and _pumps(self):
        _pump(self)
    with record.lock:
        track = record.tracks.pop(name, None)
        if wipeout_backlog:
            for callback in record.callbacks.get(name, ()):
                callback.due.clear()
    if track is not None and track.handler_id:
        self.disconnect(track.handler_id)


def _attach(peer, name, func, once, future, raise_errors):
    _check_name(name)
    if not callable(func):
        raise TypeError('%r is not callable' % (func,))
    record = _record(peer)
    since = GLib.get_real_time() if future else 0
    with record.lock:
        callback = _Callback(name, func, once, since, raise_errors, next(record.orders))
        track = record.tracks.get(name)
        if track is not None:
            callback.due = {number: event for number, event in track.history.items()
                            if event.get_time() >= since}
        record.callbacks.setdefault(name, []).append(callback)
        tracked = track is not None
    if not tracked:
        try:
            keep_track_of(peer, name)
        except BaseException:
            _detach(record, callback)
            raise
    return func


def _detach(record, callback):
    with record.lock:
        callbacks = record.callbacks.get(callback.name, [])
        if callback in callbacks:
            callbacks.remove(callback)
        callback.attached = False
        callback.due.clear()


def _decorator_or_attach(peer, name, func, once, future, raise_errors):
    if func is None:
        return lambda func: _attach(peer, name, func, once, future, raise_errors)
    return _attach(peer, name, func, once, future, raise_errors)


def whenever(self, name, callback=None, *, raise_errors=False):
    """Attaches @callback to @name: check() runs it for every event of
    @name, those kept so far (see keep_track_of(), which this does for a
    name not kept yet) and those to come, oldest first. Without @callback,
    a decorator::

        @peer.whenever('found_an_event')
        def found(timestamp, data):     # "timestamp" (or "time") first: gets event.time
            print(data)

    The callback gets the event's arguments (``*args`` or ``**kwargs``),
    after its time in microseconds since the epoch if its first parameter
    is named ``timestamp`` or ``time``. An exception it raises is logged and
    the other callbacks run; with @raise_errors, check() raises it and runs
    no further callback (those not run stay due for the next check()).
    Attaching one function twice runs it twice per event. Returns
    @callback."""
    return _decorator_or_attach(self, name, callback, False, False, raise_errors)


def once(self, name, callback=None, *, raise_errors=False):
    """As whenever(), but for one event only, the oldest due, kept or
    future: ``once('started')`` runs even if 'started' was pushed before
    this process started. Then detached."""
    return _decorator_or_attach(self, name, callback, True, False, raise_errors)


def whenever_future(self, name, callback=None, *, raise_errors=False):
    """As whenever(), but only for events published from now on."""
    return _decorator_or_attach(self, name, callback, False, True, raise_errors)


def once_next(self, name, callback=None, *, raise_errors=False):
    """As once(), but only for an event published from now on."""
    return _decorator_or_attach(self, name, callback, True, True, raise_errors)


def remove_callback(self, name, callback):
    """Detaches the first attachment of @callback to @name (a function
    attached twice stays attached once); its due events are dropped.
    Returns whether it was attached. The name stays kept."""
    record = _record(self)
    with record.lock:
        for attached in record.callbacks.get(name, ()):
            if attached.func == callback:
                break
        else:
            return False
    _detach(record, attached)
    return True


def _pumps(peer):
    """Whether check() reads for @peer: a peer driven by checks (made with
    new_checked(), or bound to a loop of Mre.EventLoop.new_for_context()
    on a context of its own), whose context nobody else iterates."""
    checked = peer.__dict__.get('_mre_checked')
    if checked is None:
        # Never make a loop for a peer that has none: only once started
        # (it has one then) is its loop looked at.
        if peer.get_state() == _overrides.Mre.PeerState.DISCONNECTED:
            return False
        loop = _overrides.Mre.object_get_event_loop(peer)
        checked = (getattr(loop, '_mre_bound', False) and
                   loop.get_context() != GLib.MainContext.default())
        peer._mre_checked = checked
    return checked


def _pump(peer):
    """Reads what arrived, emitting it (so that _arrived records it):
    mre_peer_check(), unless another thread iterates the context."""
    context = _overrides.Mre.object_get_event_loop(peer).get_context()
    if context.acquire():
        try:
            _overrides.Mre.Peer.check(peer)
        finally:
            context.release()


def _run(callback, event):
    args, kwargs = event.unpack()
    if callback.wants_time:
        callback.func(event.get_time(), *args, **kwargs)
    else:
        callback.func(*args, **kwargs)


def check(self, names=None):
    """Runs the callbacks that have events due, all of them or those of
    @names (a name or a list of names), in the order of the events' times
    (events of one time in the order they arrived, one event's callbacks
    in the order they were attached). A peer driven by checks (see
    new_checked()) first reads what arrived from the broker. Returns how
    many callbacks ran. Raises what a callback attached with
    raise_errors raises; the events not handled yet then stay due."""
    if _pumps(self):
        _pump(self)
    record = _record(self)
    if isinstance(names, str):
        names = [names]
    with record.lock:
        wanted = list(record.callbacks) if names is None else names
        runs = [(event.get_time(), number, callback.order, callback, event)
                for name in wanted
                for callback in record.callbacks.get(name, ())
                for number, event in callback.due.items()]
    runs.sort(key=lambda run: run[:3])

    ran = 0
    for _time_us, number, _order, callback, event in runs:
        with record.lock:
            if not callback.attached or callback.due.pop(number, None) is None:
                continue
        if callback.once:
            _detach(record, callback)
        ran += 1
        try:
            _run(callback, event)
        except Exception:
            if callback.raise_errors:
                raise
            _overrides._logger.exception('The callback %r of event “%s” raised',
                                         callback.func, callback.name)
    return ran


def _has_due_locked(record):
    return any(callback.due for callbacks in record.callbacks.values()
               for callback in callbacks)


def listen_forever(self, timeout=None):
    """Runs the callbacks as their events arrive: check() whenever
    something arrived, sleeping in between. Returns once the peer is
    closed (by a callback, say) or after @timeout seconds, with the number
    of callbacks run; raises what check() raises. A peer driven by checks
    waits in its context's poll; another peer, for its own thread's
    arrivals."""
    deadline = None if timeout is None else _time.monotonic() + timeout
    record = _record(self)
    closed = _overrides.Mre.PeerState.CLOSED
    ran = 0
    while True:
        ran += self.check()
        remaining = None if deadline is None else deadline - _time.monotonic()
        if self.get_state() == closed or (remaining is not None and remaining <= 0):
            return ran
        with record.lock:
            if _has_due_locked(record):
                continue
        context = _overrides.Mre.object_get_event_loop(self).get_context() \
            if _pumps(self) else None
        if context is not None and context.acquire():
            # Until something is dispatched there: an event, or the timer.
            timer = None
            if remaining is not None:
                timer = GLib.timeout_source_new(max(1, int(remaining * 1000)))
                timer.set_callback(lambda *unused: GLib.SOURCE_REMOVE)
                timer.attach(context)
            try:
                context.iteration(True)
            finally:
                context.release()
                if timer is not None:
                    timer.destroy()
        else:
            with record.lock:
                if not _has_due_locked(record):
                    record.arrived.wait(_CLOSED_POLL_S if remaining is None
                                        else min(remaining, _CLOSED_POLL_S))


def locally_trigger(self, name, *args, time=None, **kwargs):
    """Delivers the event @name with @args or @kwargs to this process
    only, as if it had arrived from the broker (``trigger_locally``, which
    takes the arguments as JSON text): the peer's handlers and the
    callbacks of a name it keeps get it; no other process hears of it.
    @time is the event's time in microseconds since the epoch (default:
    now). It is recorded on the peer's context: a check()-driven peer's
    next check() runs its callbacks."""
    if args and kwargs:
        raise TypeError('event %r: give positional or named arguments, not both' % name)
    try:
        text = _overrides._JSON_DUMPS(kwargs if kwargs else args)
    except (TypeError, ValueError) as exc:
        raise TypeError('event %r: the arguments of a local event are JSON data (%s)'
                        % (name, exc)) from None
    return _overrides.Mre.Peer.trigger_locally(self, name, text, 0 if time is None else int(time))


def new_checked(cls, path=None, id=None):
    """A peer driven by checks, as elegant_events' Server: bound to a
    context of its own that nothing iterates, it reads from the broker only
    in check() and listen_forever() (and in its blocking calls: start(),
    subscribe()...), and sends what it publishes at once. @path: the
    broker's address; None for the default bus (a broker is started if none
    runs). Call start() (or use ``with``) to connect."""
    peer = cls.new(path, id) if path is not None else cls.new_default(id)
    loop = _overrides.EventLoop.new_for_context(GLib.MainContext.new())
    _overrides.Mre.object_set_event_loop(peer, loop)
    peer._mre_checked = True
    return peer


def attach(peer_class):
    """Gives @peer_class (Mre.py's Peer) the methods of this module."""
    for func in (keep_track_of, stop_keeping_track_of, whenever, once, whenever_future,
                 once_next, remove_callback, check, listen_forever, locally_trigger):
        setattr(peer_class, func.__name__, func)
    peer_class.new_checked = classmethod(new_checked)
