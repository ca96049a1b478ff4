# _mre/dispatch.py
#
# Copyright 2026 The mreventloop authors
#
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Dispatchers in processes of their own, and the manager that drives
them: EventPy's EventDispatcher and EventDispatchManager, on peers.

Exported by Mre.py as ``Mre.Dispatcher``, ``Mre.DispatchManager`` and
``Mre.DispatchError``; see docs/python.md, "Coming from EventPy".

How it runs. The manager has a peer of its own on the broker; each
dispatcher is a process started with multiprocessing's *spawn* method (a
new interpreter: nothing is forked from a process that has GLib threads),
with a peer whose id is ``<manager id>.<dispatcher name>``. They speak
through events of the manager's namespace:

- manager -> dispatchers: ``<id>.command.invoke`` [n], ``<id>.command.end`` [];
- dispatcher -> manager: ``<id>.report.ready`` [name],
  ``<id>.report.updated`` [name, n], ``<id>.report.finished`` [name],
  ``<id>.report.failed`` {dispatcher, phase, n, type, message, traceback}.

A dispatcher publishes its own events (its ``events``) under their own
names, so that any peer on the bus (``mreventloop monitor``) sees them;
the manager subscribes to each name a listener wants with the dispatcher's
peer id as sender filter. One connection delivers in order, so a
dispatcher's ``updated n`` comes after every event of its update n: when
:meth:`DispatchManager.invoke` has every ``updated n``, it has every event
of that round too.

Both peers are bound to a loop of their own thread (the I/O thread), whose
handler only puts what arrives in a queue; the manager's calls and the
dispatcher's main thread take them from there. So the user's code runs on
the threads the user expects: a dispatcher's init/update/finish on its
process's main thread, the listeners on the thread that calls
deploy/invoke/end.

Nothing here imports Mre at import time: a spawned dispatcher imports this
module (to find its entry point) before ``gi.repository.Mre`` may be
loaded, and Mre.py imports this module while it is itself loading.
"""

import atexit
import itertools
import logging
import multiprocessing
import multiprocessing.util  # its exit handler, before ours (see _end_live_managers)
import os
import queue
import re
import signal
import sys
import time
import traceback
import weakref

__all__ = ['Dispatcher', 'DispatchManager', 'DispatchError']

_logger = logging.getLogger('gi.overrides.Mre')

# How often a blocked manager looks at its processes, and a dispatcher at
# its parent, besides being woken by what arrives: a bound on noticing a
# death, not a delay of anything that works.
_POLL = 0.1
_PARENT_POLL = 1.0

_ids = itertools.count(1)


def _identifier(event):
    """The listener method of @event: ``on_`` and the name with every
    character that Python does not allow in a name turned into ``_``."""
    return 'on_' + re.sub(r'\W', '_', event)


class DispatchError(Exception):
    """A dispatcher failed: it raised in ``init``, ``update`` or ``finish``,
    exited on its own, or did not answer in time.

    ``dispatcher`` is its name, ``phase`` one of ``'init'``, ``'update'``,
    ``'finish'``, ``'end'``; ``round`` the number of the invoke for an
    update; ``error_type`` and ``remote_traceback`` the Python exception's
    class name and traceback in the dispatcher's process, when it raised.
    ``others`` are the failures of other dispatchers in the same call.
    """

    def __init__(self, dispatcher, phase, message, round=0, error_type=None,
                 remote_traceback=None):
        self.dispatcher = dispatcher
        self.phase = phase
        self.round = round
        self.error_type = error_type
        self.remote_traceback = remote_traceback
        self.others = []
        where = phase if phase != 'update' else 'update %d' % round
        if error_type is not None:
            text = 'Dispatcher “%s” raised %s in %s: %s' % (dispatcher, error_type, where, message)
        else:
            text = 'Dispatcher “%s” %s (%s)' % (dispatcher, message, where)
        super().__init__(text)

    def __str__(self):
        text = super().__str__()
        if self.remote_traceback:
            text += '\n' + self.remote_traceback.rstrip()
        return text


class Dispatcher:
    """EventPy's EventDispatcher: runs in a process of its own.

    ::

        class Clock(Mre.Dispatcher):
            events = ('tick',)                 # what it dispatches

            def init(self):                    # in its process, once connected
                self.count = 0

            def update(self):                  # once per manager.invoke()
                self.count += 1
                self.dispatch('tick', self.count)

            def finish(self):                  # at manager.end()
                self.dispatch('tick', -1)

    ``events`` may also be given to the constructor
    (``Mre.Dispatcher('tick', name='clock')`` in a subclass's
    ``super().__init__``). The object is pickled into its process when
    deployed, so its class must be importable (defined at module level, as
    for multiprocessing); what it does there stays there. init, update and
    finish run on that process's main thread; ``self.peer`` is its
    ``Mre.Peer`` there (None in the manager's process): ``self.peer.push()``
    retains an event for peers that subscribe later.
    """

    events = ()
    name = None
    peer = None

    def __init__(self, *events, name=None):
        if events:
            self.events = tuple(events)
        if name is not None:
            self.name = name

    def init(self):
        """Called once in the dispatcher's process, after its peer is
        connected and before the manager's deploy() returns."""

    def update(self):
        """Called once for each ``manager.invoke()``; dispatches events."""
        raise NotImplementedError('%s.update() is not implemented' % type(self).__name__)

    def finish(self):
        """Called once at ``manager.end()``, and after an update that
        raised (as EventPy's ``finally``); not after a failed init."""

    def dispatch(self, event, *args, **kwargs):
        """Publishes @event to the listeners, with positional or named
        arguments of JSON data, as ``Peer.yell`` does."""
        if self.peer is None:
            raise RuntimeError('%s dispatches in its own process: deploy it with a '
                               'Mre.DispatchManager' % type(self).__name__)
        if event not in self.events:
            raise ValueError('%s does not dispatch “%s”: add it to its events %r'
                             % (type(self).__name__, event, tuple(self.events)))
        self.peer.yell(event, *args, **kwargs)


# The dispatcher's process ------------------------------------------------------

def _run_dispatcher(dispatcher, spec):
    """The entry point of a dispatcher's process (multiprocessing, spawn)."""
    from gi.repository import Mre

    # Ctrl-C in a terminal reaches the whole process group: the manager
    # decides (its `with` ends the dispatchers, which then run finish).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    name, namespace = spec['name'], spec['namespace']
    commands = queue.SimpleQueue()
    loop = Mre.EventLoop.new()
    peer = Mre.Peer.new(spec['path'], spec['peer_id'])
    Mre.object_set_event_loop(peer, loop)
    peer.connect('event', lambda unused, event: commands.put((event.get_name(), event.args)))

    def failed(phase, n, exc):
        peer.yell(namespace + '.report.failed', dispatcher=name, phase=phase, n=n,
                  type=type(exc).__name__, message=str(exc),
                  traceback=''.join(traceback.format_exception(exc)))

    def finish():
        try:
            dispatcher.finish()
        except Exception as exc:
            failed('finish', 0, exc)
            return False
        peer.yell(namespace + '.report.finished', name)
        return True

    status = 0
    try:
        peer.start()
        peer.subscribe(namespace + '.command.*', spec['manager'])
        dispatcher.peer = peer
        try:
            dispatcher.init()
        except Exception as exc:
            failed('init', 0, exc)
            status = 1
            return
        peer.yell(namespace + '.report.ready', name)
        while True:
            try:
                command, args = commands.get(timeout=_PARENT_POLL)
            except queue.Empty:
                if os.getppid() != spec['parent']:
                    # The manager's process is gone without ending us.
                    finish()
                    return
                continue
            if command == namespace + '.command.invoke':
                n = args[0]
                try:
                    dispatcher.update()
                except Exception as exc:
                    failed('update', n, exc)
                    finish()
                    status = 1
                    return
                peer.yell(namespace + '.report.updated', name, n)
            elif command == namespace + '.command.end':
                status = 0 if finish() else 1
                return
    finally:
        try:
            peer.flush()
        finally:
            peer.close()
            loop.stop()
            loop.join()
        if status:
            sys.exit(status)


# The manager ---------------------------------------------------------------------

class _Deployment:
    """A dispatcher as the manager knows it."""

    def __init__(self, dispatcher, name, peer_id):
        self.dispatcher = dispatcher
        self.name = name
        self.peer_id = peer_id
        self.reset()

    def reset(self):
        self.process = None
        self.ready = False       # init ran
        self.updated = 0         # the last update that completed
        self.failed_update = 0   # the update that raised
        self.finished = False    # nothing more will come: finish ran, or init failed
        self.exited = False      # reaped
        self.active = False      # takes invokes

    def settled(self):
        return self.finished or self.exited


_live_managers = weakref.WeakSet()


@atexit.register
def _end_live_managers():
    # Before multiprocessing's own exit handler (registered earlier, so run
    # later) terminates the processes: they run finish instead.
    for manager in list(_live_managers):
        try:
            manager.end()
        except Exception:
            _logger.exception('Ending the dispatchers at exit')


class DispatchManager:
    """EventPy's EventDispatchManager: deploys dispatchers, each in a
    process of its own, invokes their updates and ends them, through a
    broker.

    ::

        manager = Mre.DispatchManager(Clock(), Thermometer(), Printer(),
                                      path='/run/user/1000/bus.sock')
        manager.deploy()                 # processes started, each init ran
        for frame in range(100):
            manager.invoke()             # one update each; listeners called here
        manager.end()                    # each finish ran, processes reaped

    or ``with Mre.DispatchManager(...) as manager:`` (deploy, then end).
    Registrees are :class:`Dispatcher` objects and listeners: objects with
    a method ``on_<event>`` (``on_tick``; other characters than letters,
    digits and ``_`` become ``_``) for events of the dispatchers, called
    with the event's arguments; :meth:`on` takes any callable.

    @path is the broker's socket (or address); None: the default bus,
    started if none runs. @timeout bounds, in seconds, each of deploy,
    invoke and end (each also takes a ``timeout``).

    Listeners run on the thread that calls deploy, invoke or end, inside
    those calls: events of init during deploy, of update n during the
    n-th invoke, of finish during end. Use one manager from one thread at
    a time.
    """

    def __init__(self, *registrees, path=None, timeout=10.0):
        self.path = path
        self.timeout = timeout
        self.id = 'mre-dispatch-%d-%d' % (os.getpid(), next(_ids))
        self._deployments = []
        self._by_name = {}
        self._listeners = {}
        self._peer = None
        self._loop = None
        self._incoming = queue.SimpleQueue()
        self._round = 0
        self._errors = []
        self._listener_errors = []
        self._busy = False
        self._phase = None
        self.register_dispatcher(*[r for r in registrees if isinstance(r, Dispatcher)])
        self.register_listener(*[r for r in registrees if not isinstance(r, Dispatcher)])

    # Registering.

    def _check_not_deployed(self, what):
        if self._peer is not None:
            raise RuntimeError('Cannot %s: the dispatchers are deployed' % what)

    def register_dispatcher(self, *dispatchers):
        """Registers each :class:`Dispatcher`; it is deployed with the
        others. Its name (``name=``, else its class's) is made unique."""
        self._check_not_deployed('register a dispatcher')
        for dispatcher in dispatchers:
            if not isinstance(dispatcher, Dispatcher):
                raise TypeError('%r is not an Mre.Dispatcher' % (dispatcher,))
            events = tuple(dispatcher.events)
            if not events or not all(isinstance(e, str) and e and '*' not in e for e in events):
                raise ValueError('%s needs its events: names, without “*” (got %r)'
                                 % (type(dispatcher).__name__, events))
            base = dispatcher.name or type(dispatcher).__name__
            name, count = base, 1
            while name in self._by_name:
                count += 1
                name = '%s-%d' % (base, count)
            deployment = _Deployment(dispatcher, name, '%s.%s' % (self.id, name))
            self._deployments.append(deployment)
            self._by_name[name] = deployment

    def _dispatched(self):
        return set(e for d in self._deployments for e in d.dispatcher.events)

    def on(self, event, callback=None):
        """Calls ``callback(*args, **kwargs)`` for each @event of the
        dispatchers that dispatch it. Without @callback, a decorator."""
        if callback is None:
            return lambda func: self.on(event, func) or func
        self._check_not_deployed('add a listener')
        if not callable(callback):
            raise TypeError('%r is not callable' % (callback,))
        if event not in self._dispatched():
            raise ValueError('No registered dispatcher dispatches “%s”' % event)
        self._listeners.setdefault(event, []).append(callback)

    def register_listener(self, *listeners):
        """Registers each object's ``on_<event>`` methods for the events
        the registered dispatchers dispatch (register those first)."""
        for listener in listeners:
            found = [(event, getattr(listener, _identifier(event), None))
                     for event in sorted(self._dispatched())]
            found = [(event, method) for event, method in found if callable(method)]
            if not found:
                raise TypeError('%r has no method on_<event> for any event of the registered '
                                'dispatchers (%s); for a plain callable use '
                                'manager.on(event, callable)'
                                % (listener, ', '.join(sorted(self._dispatched())) or 'none'))
            for event, method in found:
                self.on(event, method)

    # Running.

    @property
    def deployed(self):
        """Whether the dispatchers are deployed (and not yet ended)."""
        return self._peer is not None

    @property
    def running(self):
        """The names of the dispatchers that take invokes."""
        return [d.name for d in self._deployments if d.active]

    def _report(self, suffix):
        return '%s.report.%s' % (self.id, suffix)

    def _call(self, phase, timeout, body):
        """Runs body(deadline), then raises what failed meanwhile: the
        dispatchers' errors first, then the listeners'."""
        if self._busy:
            raise RuntimeError('A listener of the DispatchManager called it again')
        self._busy = True
        self._phase = phase
        self._errors = []
        self._listener_errors = []
        try:
            body(time.monotonic() + self._seconds(timeout))
        finally:
            self._busy = False
        errors, self._errors = self._errors, []
        listener_errors, self._listener_errors = self._listener_errors, []
        if errors:
            error = errors[0]
            error.others = errors[1:]
            for other in error.others:
                error.add_note('And: %s' % other)
            for other in listener_errors:
                error.add_note('A listener raised too: %r' % (other,))
            raise error
        if listener_errors:
            error = listener_errors[0]
            for other in listener_errors[1:]:
                error.add_note('Another listener raised too: %r' % (other,))
            raise error

    def deploy(self, timeout=None):
        """Starts a process for each dispatcher and returns once each is
        connected and its init ran. Raises :class:`DispatchError` if one
        failed (init raised, it exited, or it was not ready within
        @timeout seconds); the others are then ended, so that nothing is
        left running."""
        from gi.repository import Mre

        if self._peer is not None:
            raise RuntimeError('The dispatchers are deployed already')
        if not self._deployments:
            raise RuntimeError('No dispatcher is registered')
        self._call('init', timeout, lambda deadline: self._deploy(Mre, deadline, timeout))

    def _deploy(self, Mre, deadline, timeout):
        # Deployed again after an end: new processes, nothing of the last.
        self._round = 0
        for d in self._deployments:
            d.reset()
        self._incoming = queue.SimpleQueue()
        try:
            self._connect(Mre)
            context = multiprocessing.get_context('spawn')
            spec = {'path': self._peer.get_path(), 'namespace': self.id, 'manager': self.id,
                    'parent': os.getpid()}
            for d in self._deployments:
                d.process = context.Process(
                    target=_run_dispatcher, name='mre-dispatcher-' + d.name, daemon=True,
                    args=(d.dispatcher, dict(spec, name=d.name, peer_id=d.peer_id)))
                d.process.start()
            _live_managers.add(self)
            self._pump(lambda: all(d.ready or d.settled() for d in self._deployments), deadline)
            for d in self._deployments:
                if not (d.ready or d.settled()):
                    self._kill(d, 'was not ready within %g s: killed' % self._seconds(timeout),
                               'init')
                d.active = d.ready and not d.settled()
            if self._errors:
                # All or none: end the ones that started, then raise.
                self._end(time.monotonic() + self._seconds(timeout), timeout)
        except BaseException:
            self._kill_all()
            self._disconnect()
            raise

    def invoke(self, timeout=None):
        """Has every running dispatcher run its update once, and returns
        when each has: the listeners have then been called, here, with
        every event of these updates, in the order each dispatcher
        dispatched them.

        A dispatcher whose update raised runs its finish and ends, as in
        EventPy; the others go on, and :class:`DispatchError` names it
        once the round is complete. One that does not complete its update
        within @timeout seconds is killed (its finish does not run).
        An exception of a listener is raised too, once the round is
        complete."""
        if self._peer is None:
            raise RuntimeError('The dispatchers are not deployed')
        self._call('update', timeout, lambda deadline: self._invoke(deadline, timeout))

    def _invoke(self, deadline, timeout):
        self._round += 1
        n = self._round
        active = [d for d in self._deployments if d.active]
        self._peer.yell(self.id + '.command.invoke', n)
        self._pump(lambda: all(d.updated >= n or d.failed_update == n or d.settled()
                               for d in active), deadline)
        for d in active:
            if d.updated >= n:
                continue
            d.active = False
            # One whose update raised runs its finish now: as long again.
            later = time.monotonic() + self._seconds(timeout)
            if d.failed_update == n:
                self._pump(d.settled, later)
            if not d.settled():
                self._kill(d, 'did not complete update %d within %g s: killed'
                           % (n, self._seconds(timeout)), 'update', n)
            self._reap(d, later)

    def end(self, timeout=None):
        """Has every dispatcher run its finish, and reaps its process.
        Raises :class:`DispatchError` for one whose finish raised, or that
        did not end within @timeout seconds (it is then killed). Does
        nothing when not deployed."""
        if self._peer is None:
            return
        self._call('finish', timeout, lambda deadline: self._end(deadline, timeout))

    def __enter__(self):
        self.deploy()
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.end()
            return False
        try:
            self.end()
        except Exception as error:
            if hasattr(exc, 'add_note'):
                exc.add_note('Ending the dispatchers failed too: %s' % error)
        return False

    # Inside.

    def _end(self, deadline, timeout):
        self._phase = 'finish'
        try:
            live = [d for d in self._deployments if d.process is not None and not d.exited]
            self._peer.yell(self.id + '.command.end')
            self._pump(lambda: all(d.settled() for d in live), deadline)
            for d in live:
                if not d.settled():
                    self._kill(d, 'did not end within %g s: killed' % self._seconds(timeout),
                               'end')
                d.active = False
                self._reap(d, deadline)
        finally:
            self._kill_all()
            self._disconnect()

    def _seconds(self, timeout):
        return self.timeout if timeout is None else timeout

    def _connect(self, Mre):
        incoming = self._incoming

        def received(peer, event):
            # On the peer's own thread: decoded here, handled by the caller.
            args, kwargs = event.unpack()
            incoming.put((event.get_name(), event.get_sender(), args, kwargs))

        # A loop of its own thread, whoever made the manager and whatever
        # runs that thread's main context: the calls below wait on it.
        self._loop = Mre.EventLoop.new()
        if self.path is None:
            peer = Mre.Peer.new_default(self.id)
        else:
            peer = Mre.Peer.new(self.path, self.id)
        Mre.object_set_event_loop(peer, self._loop)
        peer.connect('event', received)
        self._peer = peer
        try:
            peer.start()
            peer.subscribe(self._report('*'))
            for d in self._deployments:
                for event in d.dispatcher.events:
                    if event in self._listeners:
                        peer.subscribe(event, d.peer_id)
        except BaseException:
            self._disconnect()
            raise

    def _disconnect(self):
        _live_managers.discard(self)
        peer, self._peer = self._peer, None
        loop, self._loop = self._loop, None
        if peer is not None:
            peer.close()
        if loop is not None:
            loop.stop()
            loop.join()

    def _pump(self, done, deadline):
        """Handles what arrives until done() or the deadline."""
        while not done():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            try:
                item = self._incoming.get(timeout=min(remaining, _POLL))
            except queue.Empty:
                self._notice_exits()
            else:
                self._handle(item)
        return True

    def _drain(self):
        while True:
            try:
                item = self._incoming.get_nowait()
            except queue.Empty:
                return
            self._handle(item)

    def _handle(self, item):
        name, sender, args, kwargs = item
        prefix = self._report('')
        if not name.startswith(prefix):
            for callback in self._listeners.get(name, ()):
                try:
                    callback(*args, **kwargs)
                except Exception as exc:
                    self._listener_errors.append(exc)
            return
        kind = name[len(prefix):]
        d = self._by_name.get(kwargs.get('dispatcher') if kwargs else args[0])
        if d is None:
            return
        if kind == 'ready':
            d.ready = True
        elif kind == 'updated':
            d.updated = args[1]
        elif kind == 'finished':
            d.finished = True
        elif kind == 'failed':
            phase = kwargs['phase']
            self._errors.append(DispatchError(d.name, phase, kwargs['message'], kwargs['n'],
                                              kwargs['type'], kwargs['traceback']))
            if phase == 'update':
                d.failed_update = kwargs['n']
            else:
                d.finished = True

    def _notice_exits(self):
        gone = [d for d in self._deployments
                if d.process is not None and not d.exited and d.process.exitcode is not None]
        if not gone:
            return
        # What a process said before it exited may still be on its way: a
        # round trip to the broker, which handles each connection's frames
        # in order, brings it here first.
        try:
            self._peer.query_stats(None)
        except Exception:
            pass
        self._drain()
        for d in gone:
            if not d.exited:
                self._reap(d, time.monotonic())

    def _reap(self, d, deadline):
        if d.process is None or d.exited:
            return
        d.process.join(max(0.0, deadline - time.monotonic()))
        if d.process.exitcode is None:
            self._kill(d, 'finished but did not exit: killed', 'end')
            return
        d.exited = True
        if not d.finished:
            # It exited without saying why.
            if not d.ready:
                phase = 'init'
            elif d.failed_update or self._phase == 'finish':
                phase = 'finish'
            else:
                phase = 'update'
            self._errors.append(DispatchError(d.name, phase, 'exited with %s'
                                              % _status(d.process.exitcode),
                                              self._round if phase == 'update' else 0))
            d.finished = True

    def _kill(self, d, message, phase, n=0):
        self._errors.append(DispatchError(d.name, phase, message, n))
        d.finished = True
        if d.process is not None and not d.exited:
            d.process.kill()
            d.process.join()
            d.exited = True

    def _kill_all(self):
        for d in self._deployments:
            if d.process is not None and not d.exited and d.process.pid is not None:
                d.process.kill()
                d.process.join()
                d.exited = True
            d.active = False


def _status(exitcode):
    if exitcode < 0:
        return 'signal %d' % -exitcode
    return 'status %d' % exitcode
