#!/usr/bin/python3
# test-elegant-events.py
#
# Copyright 2026 The mreventloop authors
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# elegant_events' README done with our Python API and checked, between
# processes through a real broker (tests/mretap.py): whenever, once,
# whenever_future and once_next with their history, a second callback of
# a name already kept, push backlogs, keep_track_of and
# stop_keeping_track_of, check(names), errors raised or logged,
# locally_trigger, timestamps, listen_forever, and a check()-driven peer
# whose events reach the other process before it checks again. The other
# process is this file run as a child (--publish or --listen), as
# elegant_events' file2.py. docs/python.md, "Coming from elegant_events",
# puts the snippets side by side. Prints TAP; run by `meson test` with the
# environment of bindings/python/meson.build.

import json
import logging
import os
import subprocess
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import gi  # noqa: E402

gi.require_version('GLib', '2.0')
gi.require_version('Mre', '1.0')

from gi.repository import GLib, Mre  # noqa: E402

from mretap import PATIENCE, Bus, check, check_equal, lines, run_tests, wait_until  # noqa: E402


# The other process -------------------------------------------------------------

def child_publish(path, events):
    """file2.py: publishes @events ([delivery, name, args, backlog]) and
    exits once the broker has them all."""
    with Mre.Peer.new_checked(path, 'file2') as server:
        for delivery, name, args, backlog in events:
            if delivery == 'push':
                server.push(name, *args, backlog=backlog)
            else:
                server.yell(name, *args)


def child_listen(path, names):
    """A listener: prints each event of @names as it arrives (listen_forever),
    until the event 'stop' closes it."""
    with Mre.Peer.new_checked(path, 'listener') as server:
        for name in names:
            server.whenever(name, lambda *args, name=name: print(name, json.dumps(args),
                                                                  flush=True))

        @server.once('stop')
        def stop():
            server.close()

        print('listening', flush=True)
        server.listen_forever(timeout=PATIENCE * 3)


def publish(bus, *events):
    """Runs `file2.py` to its end: the broker has @events when it returns."""
    process = subprocess.run([sys.executable, __file__, '--publish', bus.path, json.dumps(events)],
                             env=bus.env, timeout=PATIENCE, capture_output=True, text=True)
    check_equal(process.returncode, 0, 'the publisher\'s exit status (%s)' % process.stderr)


def push(name, *args, backlog=0):
    return ['push', name, list(args), backlog]


def yell(name, *args):
    return ['yell', name, list(args), 0]


def listener(bus, *names):
    """Starts a listener process; returns (process, path of its output)."""
    output = bus.log_path('listener.out')
    with open(output, 'wb') as out:
        process = subprocess.Popen([sys.executable, __file__, '--listen', bus.path] + list(names),
                                   stdout=out, stderr=subprocess.STDOUT, env=bus.env)
    bus.processes.append(process)
    wait_until(lambda: 'listening' in lines(output), 'the listener process')
    return process, output


# This process ------------------------------------------------------------------

def server_of(bus, id='file1'):
    server = Mre.Peer.new_checked(bus.path, id)
    server.start()
    return server


def check_until(server, condition, what):
    """check() until @condition holds (events from the other process take
    their time)."""
    ran = []
    wait_until(lambda: ran.append(server.check()) or condition(), what)
    return sum(ran)


def test_whenever_past_and_future_events():
    with Bus() as bus:
        before = GLib.get_real_time()
        publish(bus, push('found_an_event', {'Hello from different process!': True}))
        server = server_of(bus)
        found = []

        @server.whenever('found_an_event')
        def when_event_found(timestamp, data):
            found.append((timestamp, data))

        # Pushed before this process subscribed: "whenever" means whenever.
        check_equal(server.check(), 1, 'callbacks run')
        check_equal([data for _, data in found], [{'Hello from different process!': True}])
        check(before <= found[0][0] <= GLib.get_real_time(), 'the event\'s time %r' % found[0][0])

        # Pushed by this process: heard here too, at the next check.
        server.push('found_an_event', 'Hello from same process')
        check_until(server, lambda: len(found) == 2, 'our own push')
        # Later, from the other process.
        publish(bus, push('found_an_event', 'again'))
        check_until(server, lambda: len(found) == 3, 'the later push')
        check_equal([data for _, data in found[1:]], ['Hello from same process', 'again'])
        check_equal(server.check(), 0, 'nothing is run twice')
        server.close()


def test_once_fires_once_even_for_a_past_event():
    with Bus() as bus:
        publish(bus, push('something_started', 'first'), push('something_started', 'second'))
        server = server_of(bus)
        started = []
        server.once('something_started', started.append)
        check_equal(server.check(), 1, 'callbacks run')
        check_equal(started, ['first'], 'the oldest one, once')
        marker = []
        server.whenever('marker', lambda: marker.append(True))
        publish(bus, push('something_started', 'third'), yell('marker'))
        check_until(server, lambda: marker, 'the marker, after the third push')
        check_equal(started, ['first'], 'never again')
        server.close()


def test_future_only_callbacks():
    with Bus() as bus:
        publish(bus, push('tick', 1), push('tick', 2))
        server = server_of(bus)
        future, next_one, everything = [], [], []
        server.whenever('tick', everything.append)
        server.whenever_future('tick', future.append)
        server.once_next('tick', next_one.append)
        check_equal(server.check(), 2, 'only the history callback ran')
        check_equal((everything, future, next_one), ([1, 2], [], []))
        publish(bus, push('tick', 3), push('tick', 4))
        check_until(server, lambda: len(everything) == 4, 'the later ticks')
        check_equal(future, [3, 4], 'whenever_future')
        check_equal(next_one, [3], 'once_next')
        server.close()


def test_second_callback_of_a_kept_name_gets_the_history():
    with Bus() as bus:
        publish(bus, push('news', 'a'), yell('ignored-by-everyone'))
        server = server_of(bus)
        first, second = [], []
        server.whenever('news', first.append)
        check_equal(server.check(), 1)
        publish(bus, yell('news', 'b'))
        check_until(server, lambda: first == ['a', 'b'], 'the yell')
        # Already subscribed: the broker replays nothing; the peer's history does.
        server.whenever('news', second.append)
        check_equal(server.check(), 2, 'callbacks run')
        check_equal((first, second), (['a', 'b'], ['a', 'b']))
        # The same function twice runs twice per event; removed once, once.
        twice = []
        server.whenever_future('news', twice.append)
        server.whenever_future('news', twice.append)
        publish(bus, yell('news', 'c'))
        check_until(server, lambda: len(twice) == 2, 'two runs')
        check(server.remove_callback('news', twice.append), 'removed')
        publish(bus, yell('news', 'd'))
        check_until(server, lambda: len(first) == 4, 'the next yell')
        check_equal(twice, ['c', 'c', 'd'])
        check(not server.remove_callback('news', print), 'never attached')
        server.close()


def test_push_backlogs():
    with Bus() as bus:
        # One backlog a name: the last push's.
        publish(bus, push('blah_event', 1, backlog=9), push('blah_event', 2, backlog=9),
                push('blah_event', 3, backlog=1),
                *[push('every_event', i) for i in range(5)])
        server = server_of(bus)
        blah, every = [], []
        server.whenever('blah_event', blah.append)
        server.whenever('every_event', every.append)
        check_equal(server.check(), 6, 'callbacks run')
        check_equal(blah, [3], 'backlog 1: the latest push only')
        check_equal(every, [0, 1, 2, 3, 4], 'unbounded: every push, in order')
        server.close()


def test_keep_track_of_before_any_callback():
    with Bus() as bus:
        server = server_of(bus)
        server.keep_track_of('sensor')
        done = []
        server.whenever('sensor-done', lambda: done.append(True))
        # Yells: the broker retains none of them; the peer kept them.
        publish(bus, yell('sensor', 1), yell('sensor', 2), yell('sensor', 3), yell('sensor-done'))
        wait_until(lambda: server.check('sensor-done') and done, 'the yells')
        seen = []
        server.whenever('sensor', lambda timestamp, value: seen.append(value))
        check_equal(server.check(), 3, 'callbacks run')
        check_equal(seen, [1, 2, 3])

        # max_size: the last N kept, and the last N due at a check.
        server.keep_track_of('sensor', max_size=2)
        late = []
        server.whenever('sensor', late.append)
        check_equal(server.check(), 2)
        check_equal(late, [2, 3], 'the last two kept')
        done.clear()
        publish(bus, yell('sensor', 4), yell('sensor', 5), yell('sensor', 6), yell('sensor-done'))
        wait_until(lambda: server.check('sensor-done') and done, 'more yells')
        check_equal(server.check(), 4, 'two for each callback')
        check_equal(late, [2, 3, 5, 6], 'the last two due')
        check_equal(seen, [1, 2, 3, 5, 6])
        server.close()


def test_stop_keeping_track_of():
    with Bus() as bus:
        server = server_of(bus)
        wiped, kept, done = [], [], []
        server.whenever('wiped', wiped.append)
        server.whenever('kept', kept.append)
        server.whenever('done', lambda: done.append(True))
        publish(bus, yell('wiped', 1), yell('kept', 1), yell('done'))
        # Only 'done' runs: the others stay due.
        wait_until(lambda: server.check(names=['done']) and done, 'the events')
        server.stop_keeping_track_of('wiped')
        server.stop_keeping_track_of('kept', wipeout_backlog=False)
        check_equal(server.check(), 1, 'callbacks run')
        check_equal((wiped, kept), ([], [1]))
        # Not kept any more: later events do not reach the callbacks...
        done.clear()
        publish(bus, yell('wiped', 2), yell('kept', 2), yell('done'))
        check_until(server, lambda: done, 'the later events')
        check_equal((wiped, kept), ([], [1]))
        # ...until the name is kept again.
        server.keep_track_of('kept')
        publish(bus, yell('kept', 3))
        check_until(server, lambda: kept == [1, 3], 'kept again')
        server.close()


def test_check_names():
    with Bus() as bus:
        server = server_of(bus)
        a, b = [], []
        server.whenever('a', a.append)
        server.whenever('b', b.append)
        publish(bus, yell('a', 1), yell('b', 1), yell('a', 2))
        wait_until(lambda: server.check(names=['a']) + len(a) >= 2, 'the a events')
        check_equal((a, b), ([1, 2], []))
        check_equal(server.check('b'), 1)
        check_equal(b, [1])
        server.close()


def test_errors_logged_or_raised():
    with Bus() as bus:
        server = server_of(bus)
        run = []

        def broken(value):
            run.append('broken %s' % value)
            raise ValueError('cannot take %s' % value)

        server.whenever('e', broken)
        server.whenever('e', lambda value: run.append('after %s' % value))
        records = []
        handler = logging.Handler()
        handler.emit = records.append
        logger = logging.getLogger('gi.overrides.Mre')
        logger.addHandler(handler)
        logger.propagate = False
        try:
            server.locally_trigger('e', 1)
            check_equal(server.check(), 2, 'both ran')
        finally:
            logger.removeHandler(handler)
            logger.propagate = True
        check_equal(run, ['broken 1', 'after 1'])
        check_equal(len(records), 1, 'logged')
        check('cannot take 1' in str(records[0].exc_info[1]), records[0].exc_info)

        # raise_errors: check() raises, and runs nothing after.
        run.clear()
        server.whenever_future('r', broken, raise_errors=True)
        server.whenever_future('r', lambda value: run.append('after %s' % value))
        server.locally_trigger('r', 2)
        server.locally_trigger('r', 3)
        try:
            server.check()
        except ValueError as error:
            check_equal(str(error), 'cannot take 2')
        else:
            raise AssertionError('check() did not raise')
        check_equal(run, ['broken 2'], 'nothing ran after the error')
        # What was not run is still due.
        try:
            server.check()
        except ValueError as error:
            check_equal(str(error), 'cannot take 3')
        check_equal(run, ['broken 2', 'after 2', 'broken 3'])
        check_equal(server.check(), 1)
        check_equal(run, ['broken 2', 'after 2', 'broken 3', 'after 3'])
        server.close()


def test_locally_trigger_reaches_this_process_only():
    with Bus() as bus:
        process, output = listener(bus, 'local')
        server = server_of(bus)
        seen, events = [], []
        server.whenever('local', seen.append)
        # Plain handlers of the peer get it too: it is emitted as received.
        server.connect('event::local', lambda peer, event: events.append(event.args))
        server.locally_trigger('local', 'only here')
        server.locally_trigger('local', 'and here')
        check_equal(server.check(), 2)
        check_equal(seen, ['only here', 'and here'])
        check_equal(events, [['only here'], ['and here']])
        # Had they gone through the broker, the listener would have had them
        # before this event of the same publisher.
        server.yell('stop')
        check_equal(process.wait(timeout=PATIENCE), 0, 'the listener\'s exit status')
        check_equal([line for line in lines(output) if line.startswith('local')], [],
                    'what the other process heard')
        server.close()


def test_timestamps_for_callbacks_that_ask():
    with Bus() as bus:
        server = server_of(bus)
        with_time, with_timestamp, plain = [], [], []
        server.whenever('t', lambda time, value: with_time.append((time, value)))

        def stamped(timestamp, value):
            with_timestamp.append((timestamp, value))
        server.whenever('t', stamped)
        server.whenever('t', lambda value: plain.append(value))
        server.locally_trigger('t', 'x', time=42)
        server.locally_trigger('t', value='y', time=43)
        check_equal(server.check(), 6, 'callbacks run')
        check_equal(with_time, [(42, 'x'), (43, 'y')])
        check_equal(with_timestamp, [(42, 'x'), (43, 'y')])
        check_equal(plain, ['x', 'y'])
        server.close()


def test_check_driven_publisher_sends_without_checking():
    with Bus() as bus:
        process, output = listener(bus, 'ping')
        server = server_of(bus)
        server.push('ping', 1)
        server.yell('ping', 2)
        # This process never checks: the listener has them all the same.
        wait_until(lambda: 'ping [2]' in lines(output), 'the events at the other process')
        check_equal([line for line in lines(output) if line.startswith('ping')],
                    ['ping [1]', 'ping [2]'])
        server.yell('stop')
        check_equal(process.wait(timeout=PATIENCE), 0, 'the listener ended by its stop event')
        server.close()


def test_a_peer_of_its_own_thread():
    with Bus() as bus:
        # Not check-driven: events are recorded as they arrive on the peer's
        # thread; check() and listen_forever() run the callbacks here.
        server = Mre.Peer.new(bus.path, 'threaded')
        server.start()
        got, threads = [], set()

        @server.whenever('n')
        def on_n(value):
            got.append(value)
            threads.add(threading.get_ident())
            if value == 3:
                server.close()

        publish(bus, yell('n', 1))
        check_until(server, lambda: got == [1], 'the first event')
        publish(bus, yell('n', 2), yell('n', 3))
        check_equal(server.listen_forever(timeout=PATIENCE), 2, 'callbacks run until closed')
        check_equal(got, [1, 2, 3])
        check_equal(threads, {threading.get_ident()}, 'the threads callbacks ran on')


if __name__ == '__main__':
    if sys.argv[1:2] == ['--publish']:
        child_publish(sys.argv[2], json.loads(sys.argv[3]))
        sys.exit(0)
    if sys.argv[1:2] == ['--listen']:
        child_listen(sys.argv[2], sys.argv[3:])
        sys.exit(0)
    sys.exit(1 if run_tests([
        ('whenever: past and future events', test_whenever_past_and_future_events),
        ('once fires once, even for a past event', test_once_fires_once_even_for_a_past_event),
        ('whenever_future and once_next: later events only', test_future_only_callbacks),
        ('a second callback of a kept name gets the history',
         test_second_callback_of_a_kept_name_gets_the_history),
        ('push backlogs: max_size per name', test_push_backlogs),
        ('keep_track_of before any callback', test_keep_track_of_before_any_callback),
        ('stop_keeping_track_of, with and without wipeout', test_stop_keeping_track_of),
        ('check(names) runs only those', test_check_names),
        ('errors: logged, or raised by check()', test_errors_logged_or_raised),
        ('locally_trigger reaches this process only',
         test_locally_trigger_reaches_this_process_only),
        ('timestamps for the callbacks that ask', test_timestamps_for_callbacks_that_ask),
        ('a check()-driven peer sends without checking',
         test_check_driven_publisher_sends_without_checking),
        ('a peer of its own thread', test_a_peer_of_its_own_thread),
    ]) else 0)
