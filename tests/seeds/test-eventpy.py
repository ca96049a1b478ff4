#!/usr/bin/python3
# test-eventpy.py
#
# Copyright 2026 The mreventloop authors
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# EventPy's README, step by step, done with our Python API and checked:
# dispatchers (init / update / finish) that each run in a process of their
# own, listeners with a callback per event, and a manager that deploys the
# dispatchers, invokes a dispatch once per iteration of the main loop and
# ends them, all through a real `mreventloop broker` (tests/mretap.py Bus).
# Then what EventPy leaves to chance: a dispatcher that raises in init,
# update or finish, one that dies, one that hangs. docs/python.md, "Coming
# from EventPy", puts our snippets beside the seed's. Prints TAP; run by
# `meson test` with the environment of bindings/python/meson.build.
#
# The dispatcher classes live at module level: each is pickled into a
# process started with multiprocessing's spawn method, which imports this
# file there (as __mp_main__, so the tests below do not run again).

import multiprocessing
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import gi  # noqa: E402

gi.require_version('Mre', '1.0')

from gi.repository import Mre  # noqa: E402

from mretap import Bus, check, check_equal, lines, run_tests, wait_until  # noqa: E402

ROUNDS = 25
# Each deploy, invoke and end of a test that works: a bound so that a
# broken build fails instead of hanging, never a measure of speed.
TIMEOUT = 60.0


# "Write your event dispatcher class" ----------------------------------------------

class Clock(Mre.Dispatcher):
    """Ticks once per update; says when it started and how far it got."""
    events = ('tick', 'clock.started', 'clock.finished')

    def init(self):
        self.count = 0
        self.dispatch('clock.started', os.getpid())

    def update(self):
        self.count += 1
        self.dispatch('tick', self.count)

    def finish(self):
        self.dispatch('clock.finished', self.count)


class Thermometer(Mre.Dispatcher):
    """Two readings per update, with named arguments."""

    def __init__(self, sensor):
        super().__init__('reading', 'thermometer.started', 'thermometer.finished',
                         name='thermometer-' + sensor)
        self.sensor = sensor

    def init(self):
        self.n = 0
        self.dispatch('thermometer.started', os.getpid())

    def update(self):
        for _ in range(2):
            self.n += 1
            self.dispatch('reading', sensor=self.sensor, n=self.n, celsius=20.0 + self.n / 4)

    def finish(self):
        self.dispatch('thermometer.finished', self.n)


class Faulty(Mre.Dispatcher):
    """Fails the way it is told to, in the phase it is told to."""
    events = ('faulty.update', 'faulty.finished')

    def __init__(self, phase, how='raise', at=1):
        super().__init__()
        self.phase, self.how, self.at = phase, how, at

    def fail(self, phase):
        if phase != self.phase:
            return
        if self.how == 'raise':
            raise ValueError('%s went wrong' % phase)
        if self.how == 'exit':
            os._exit(3)
        if self.how == 'hang':
            time.sleep(3600)

    def init(self):
        self.n = 0
        self.fail('init')

    def update(self):
        self.n += 1
        if self.n == self.at and self.how != 'raise':
            # A process that exits or is killed loses what it has not
            # sent yet: fail first, for the test to know what comes.
            self.fail('update')
        self.dispatch('faulty.update', self.n)
        if self.n == self.at:
            self.fail('update')

    def finish(self):
        self.dispatch('faulty.finished', self.n)
        self.fail('finish')


# "Write your event listener class" --------------------------------------------------

class Recorder:
    """A callback per event it listens to."""

    def __init__(self):
        self.seen = []

    def on_tick(self, count):
        self.seen.append(('tick', count))

    def on_clock_started(self, pid):
        self.seen.append(('clock.started', pid))

    def on_clock_finished(self, count):
        self.seen.append(('clock.finished', count))

    def on_reading(self, sensor, n, celsius):
        self.seen.append(('reading', sensor, n, celsius))

    def on_thermometer_started(self, pid):
        self.seen.append(('thermometer.started', pid))

    def on_thermometer_finished(self, n):
        self.seen.append(('thermometer.finished', n))

    def on_faulty_update(self, n):
        self.seen.append(('faulty.update', n))

    def on_faulty_finished(self, n):
        self.seen.append(('faulty.finished', n))

    def of(self, *kinds):
        return [event for event in self.seen if event[0] in kinds]


def check_gone(pids):
    """Each process has exited and was reaped: no such process any more."""
    for pid in pids:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            continue
        raise AssertionError('dispatcher process %d is still there' % pid)
    check_equal(multiprocessing.active_children(), [], 'child processes still running')


class Managers:
    """The managers of a test, ended on exit if the test left them
    deployed (it failed), before the Bus stops the broker: no process
    outlives its test."""

    def __init__(self):
        self.managers = []

    def __enter__(self):
        return self

    def __call__(self, *args, **kwargs):
        manager = Mre.DispatchManager(*args, **kwargs)
        self.managers.append(manager)
        return manager

    def __exit__(self, *unused):
        for manager in self.managers:
            if manager.deployed:
                try:
                    manager.end(timeout=5)
                except Mre.DispatchError:
                    pass
        return False


def raises_dispatch_error(func, *args, **kwargs):
    try:
        func(*args, **kwargs)
    except Mre.DispatchError as error:
        return error
    raise AssertionError('%s did not raise Mre.DispatchError' % func.__name__)


# The README's steps ----------------------------------------------------------------

def test_deploy_invoke_end():
    with Bus() as bus, Managers() as managers:
        recorder, also = Recorder(), []
        # "Instantiate an EventDispatchManager object [...] passing the
        # EventDispatcher and EventListener objects"
        manager = managers(Clock(), Thermometer('t1'), recorder,
                                      path=bus.path, timeout=TIMEOUT)
        manager.on('tick', also.append)   # a plain callable for one event

        # "call the deploy_dispatchers method": every process is up and
        # its init ran (its event arrived) when deploy returns.
        manager.deploy()
        started = recorder.of('clock.started', 'thermometer.started')
        check_equal(sorted(kind for kind, pid in started),
                    ['clock.started', 'thermometer.started'], 'init events')
        pids = [pid for kind, pid in started]
        check(os.getpid() not in pids and len(set(pids)) == 2,
              'each dispatcher runs in a process of its own: %r' % (pids,))
        check_equal(sorted(manager.running), ['Clock', 'thermometer-t1'], 'running')

        # "call the invoke_dispatch method [...] once every loop execution":
        # each invoke returns once every dispatcher ran one update, and the
        # listeners have every event of it: exactly once, in order.
        for i in range(1, ROUNDS + 1):
            manager.invoke()
            check_equal(recorder.of('tick'), [('tick', n) for n in range(1, i + 1)],
                        'ticks after invoke %d' % i)
            check_equal(recorder.of('reading'),
                        [('reading', 't1', n, 20.0 + n / 4) for n in range(1, 2 * i + 1)],
                        'readings after invoke %d' % i)
        check_equal(also, list(range(1, ROUNDS + 1)), 'the callable\'s ticks')

        # "call the end_dispatchers method [...] to insure the finish
        # method of each registered dispatcher is called"
        manager.end()
        check_equal(sorted(recorder.of('clock.finished', 'thermometer.finished')),
                    [('clock.finished', ROUNDS), ('thermometer.finished', 2 * ROUNDS)],
                    'finish ran in each')
        check(not manager.deployed, 'still deployed after end')
        check_gone(pids)
        check_equal(len(recorder.seen), 2 + ROUNDS * 3 + 2, 'events in all')


def test_with_and_several_of_one_class():
    with Bus() as bus, Managers() as managers:
        recorder = Recorder()
        with managers(Thermometer('a'), Thermometer('b'), Clock(), Clock(), recorder,
                                 path=bus.path, timeout=TIMEOUT) as manager:
            check_equal(sorted(manager.running),
                        ['Clock', 'Clock-2', 'thermometer-a', 'thermometer-b'], 'names')
            for _ in range(3):
                manager.invoke()
        for sensor in ('a', 'b'):
            check_equal([(n, c) for kind, s, n, c in recorder.of('reading') if s == sensor],
                        [(n, 20.0 + n / 4) for n in range(1, 7)], 'readings of ' + sensor)
        # Both clocks tick once per invoke: each tick arrives twice in all.
        check_equal(sorted(recorder.of('tick')), sorted([('tick', n) for n in (1, 2, 3)] * 2))
        check_equal(len(recorder.of('clock.finished', 'thermometer.finished')), 4, 'finished')
        check_gone([pid for kind, pid in recorder.of('clock.started', 'thermometer.started')])


# What EventPy leaves to chance ----------------------------------------------------------

def test_update_that_raises():
    with Bus() as bus, Managers() as managers:
        recorder = Recorder()
        manager = managers(Clock(), Faulty('update', at=2), recorder,
                                      path=bus.path, timeout=TIMEOUT)
        manager.deploy()
        manager.invoke()
        error = raises_dispatch_error(manager.invoke)
        check_equal((error.dispatcher, error.phase, error.round, error.error_type),
                    ('Faulty', 'update', 2, 'ValueError'), 'the error')
        check(str(error).startswith('Dispatcher “Faulty” raised ValueError in update 2: '
                                    'update went wrong'), str(error))
        check('in update' in error.remote_traceback, error.remote_traceback)
        # The round is complete: the clock's tick 2 and the faulty one's
        # last update came, then its finish ran (as EventPy's `finally`).
        check_equal(recorder.of('tick'), [('tick', 1), ('tick', 2)], 'ticks')
        check_equal(recorder.of('faulty.update', 'faulty.finished'),
                    [('faulty.update', 1), ('faulty.update', 2), ('faulty.finished', 2)])
        check_equal(manager.running, ['Clock'], 'running after the failure')
        manager.invoke()
        manager.end()
        check_equal(recorder.of('tick'), [('tick', n) for n in (1, 2, 3)], 'ticks')
        check_equal(recorder.of('clock.finished'), [('clock.finished', 3)])
        check_gone([pid for kind, pid in recorder.of('clock.started')])


def test_init_that_raises_ends_the_others():
    with Bus() as bus, Managers() as managers:
        recorder = Recorder()
        manager = managers(Clock(), Faulty('init'), recorder,
                                      path=bus.path, timeout=TIMEOUT)
        error = raises_dispatch_error(manager.deploy)
        check_equal((error.dispatcher, error.phase, error.error_type),
                    ('Faulty', 'init', 'ValueError'), 'the error')
        check('init went wrong' in str(error), str(error))
        check(not manager.deployed, 'deployed after a failed deploy')
        # The clock was ended, not left running: its finish ran.
        check_equal(recorder.of('clock.finished'), [('clock.finished', 0)])
        check_gone([pid for kind, pid in recorder.of('clock.started')])


def test_finish_that_raises():
    with Bus() as bus, Managers() as managers:
        recorder = Recorder()
        manager = managers(Faulty('finish'), Clock(), recorder,
                                      path=bus.path, timeout=TIMEOUT)
        manager.deploy()
        manager.invoke()
        error = raises_dispatch_error(manager.end)
        check_equal((error.dispatcher, error.phase, error.error_type),
                    ('Faulty', 'finish', 'ValueError'), 'the error')
        check_equal(sorted(recorder.of('faulty.finished', 'clock.finished')),
                    [('clock.finished', 1), ('faulty.finished', 1)], 'finish ran in each')
        check(not manager.deployed, 'deployed after end')
        check_gone([pid for kind, pid in recorder.of('clock.started')])


def test_a_dispatcher_that_dies():
    with Bus() as bus, Managers() as managers:
        recorder = Recorder()
        manager = managers(Clock(), Faulty('update', how='exit', at=2), recorder,
                                      path=bus.path, timeout=TIMEOUT)
        manager.deploy()
        manager.invoke()
        error = raises_dispatch_error(manager.invoke)
        check_equal((error.dispatcher, error.phase, error.round, error.error_type),
                    ('Faulty', 'update', 2, None), 'the error')
        check('exited with status 3' in str(error), str(error))
        check_equal(recorder.of('faulty.update'), [('faulty.update', 1)])
        check_equal(recorder.of('tick'), [('tick', 1), ('tick', 2)], 'ticks')
        check_equal(manager.running, ['Clock'], 'running')
        manager.end()
        check_gone([pid for kind, pid in recorder.of('clock.started')])


def test_dispatchers_that_hang():
    # Short timeouts on purpose: what is waited for never comes.
    with Bus() as bus, Managers() as managers:
        recorder = Recorder()
        manager = managers(Clock(), Faulty('update', how='hang', at=1), recorder,
                                      path=bus.path, timeout=TIMEOUT)
        manager.deploy()
        error = raises_dispatch_error(manager.invoke, timeout=5)
        check_equal((error.dispatcher, error.phase, error.round), ('Faulty', 'update', 1))
        check('did not complete update 1 within 5 s: killed' in str(error), str(error))
        check_equal(recorder.of('tick'), [('tick', 1)], 'the clock\'s round')
        check_equal(manager.running, ['Clock'], 'running')
        manager.end()

        manager = managers(Clock(), Faulty('finish', how='hang'), recorder,
                                      path=bus.path, timeout=TIMEOUT)
        manager.deploy()
        manager.invoke()
        error = raises_dispatch_error(manager.end, timeout=5)
        check_equal((error.dispatcher, error.phase), ('Faulty', 'end'))
        check('did not end within 5 s: killed' in str(error), str(error))
        check(not manager.deployed, 'deployed after end')
        check_gone([pid for kind, pid in recorder.of('clock.started')])


def orphaning_manager(path):
    """The other process of test_dispatchers_outlive_no_manager: deploys
    two clocks, says their pids, and waits to be killed."""
    recorder = Recorder()
    manager = Mre.DispatchManager(Clock(), Clock(), recorder, path=path, timeout=TIMEOUT)
    manager.deploy()
    manager.invoke()
    print(' '.join(str(pid) for kind, pid in recorder.of('clock.started')), flush=True)
    time.sleep(3600)


def gone(pid):
    """No process @pid, or only its exit status (a zombie) that whoever
    adopted it has not collected yet."""
    try:
        with open('/proc/%d/stat' % pid) as stat:
            return stat.read().rsplit(')', 1)[1].split()[0] == 'Z'
    except FileNotFoundError:
        return True


def test_dispatchers_outlive_no_manager():
    with Bus() as bus:
        out = bus.log_path('manager.out')
        with open(out, 'wb') as stdout:
            manager = subprocess.Popen([sys.executable, __file__, '--orphaning-manager', bus.path],
                                       stdout=stdout, stderr=subprocess.STDOUT)
        bus.processes.append(manager)
        pids = wait_until(lambda: lines(out) and [int(p) for p in lines(out)[0].split()],
                          'the manager\'s dispatchers')
        check_equal(len(pids), 2, 'dispatchers')
        check(not any(gone(pid) for pid in pids), 'the dispatchers are not running')
        manager.kill()
        manager.wait()
        # Killed, the manager could not end them: they notice and exit.
        wait_until(lambda: all(gone(pid) for pid in pids), 'the dispatchers to exit')


def test_registration_errors():
    clock = Clock()
    try:
        Mre.DispatchManager(clock, object())
    except TypeError as error:
        check('on_<event>' in str(error), str(error))
    else:
        raise AssertionError('a listener without callbacks was accepted')
    manager = Mre.DispatchManager(clock)
    try:
        manager.on('no-such-event', print)
    except ValueError as error:
        check('No registered dispatcher dispatches “no-such-event”' in str(error), str(error))
    else:
        raise AssertionError('a listener of nothing was accepted')
    try:
        clock.dispatch('tick', 1)
    except RuntimeError as error:
        check('in its own process' in str(error), str(error))
    else:
        raise AssertionError('dispatched outside its process')


if __name__ == '__main__' and sys.argv[1:2] == ['--orphaning-manager']:
    orphaning_manager(sys.argv[2])
elif __name__ == '__main__':
    sys.exit(1 if run_tests([
        ('deploy, invoke, end: every event once, in order; finish ran; nothing left',
         test_deploy_invoke_end),
        ('`with`, several dispatchers of one class', test_with_and_several_of_one_class),
        ('an update that raises is reported, the others go on', test_update_that_raises),
        ('an init that raises: deploy fails and ends the others',
         test_init_that_raises_ends_the_others),
        ('a finish that raises is reported by end', test_finish_that_raises),
        ('a dispatcher that dies is reported', test_a_dispatcher_that_dies),
        ('a dispatcher that hangs is killed and reported', test_dispatchers_that_hang),
        ('dispatchers do not outlive a killed manager', test_dispatchers_outlive_no_manager),
        ('registration errors', test_registration_errors),
    ]) else 0)
