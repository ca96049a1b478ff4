#!/usr/bin/python3
# test-tool.py
#
# Copyright 2026 The mreventloop authors
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The `mreventloop` command's subcommands, run as a user runs them: a broker
# on a socket of its own, emit, wait, monitor and stats as C peers. Prints
# TAP.
#
# Run by meson with MREVENTLOOP_TOOL set to the built tool.

import json
import os
import re
import signal
import socket
import struct
import subprocess
import threading
import time

from mretap import (Bus, PATIENCE, TOOL, TestFailure, check, check_equal, lines,
                    run_tests, wait_until)

MONITOR_LINE = re.compile(r'^(\S+) (\S+) (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z) (.*)$')


def broker_stats(bus):
    status, out, err = bus.run('stats', '--socket', bus.path)
    check_equal(status, 0, 'stats status (stderr %r)' % err)
    return json.loads(out)


def wait_for_subscriptions(bus, n):
    """wait and monitor subscribe on their own time; the broker says when."""
    wait_until(lambda: broker_stats(bus)['subscriptions'] >= n,
               '%d subscriptions at the broker' % n)


def emit(bus, *args):
    status, out, err = bus.run('emit', '--socket', bus.path, *args)
    check_equal(status, 0, 'emit %s status (stderr %r)' % (' '.join(args), err))
    check_equal(out, '', 'what emit printed')


def parse_monitor_line(line):
    match = MONITOR_LINE.match(line)
    check(match is not None, 'monitor line %r is not NAME SENDER TIME JSON' % line)
    name, sender, stamp, params = match.groups()
    return name, sender, stamp, json.loads(params)


# Tests --------------------------------------------------------------------

def test_emit_wait_roundtrip():
    with Bus() as bus:
        waiter = bus.spawn('wait', '--socket', bus.path, '--timeout', str(PATIENCE), 'produced')
        wait_for_subscriptions(bus, 1)
        emit(bus, 'produced', '["some product", 3, {"size": [1, 2]}, null, false]')
        out, err = waiter.communicate(timeout=PATIENCE)
        check_equal(waiter.returncode, 0, 'wait status (stderr %r)' % err)
        text = out.decode()
        check(text.endswith('\n') and text.count('\n') == 1, 'one line: %r' % text)
        check_equal(json.loads(text), ['some product', 3, {'size': [1, 2]}, None, False],
                    'the arguments')


def test_emit_default_args():
    with Bus() as bus:
        emit(bus, '--push', '1', 'ping')
        status, out, err = bus.run('wait', '--socket', bus.path, '--timeout', str(PATIENCE), 'ping')
        check_equal(status, 0, 'wait status (stderr %r)' % err)
        check_equal(json.loads(out), [], 'no arguments: []')


def test_wait_timeout():
    with Bus() as bus:
        status, out, err = bus.run('wait', '--socket', bus.path, '--timeout', '0.3', 'never')
        check_equal(status, 124, 'wait status on timeout')
        check_equal(out, '', 'stdout')
        check(err.startswith('mreventloop: '), 'a message on stderr: %r' % err)


def test_wait_takes_retained():
    with Bus() as bus:
        emit(bus, '--push', '2', 'level', '[1]')
        emit(bus, '--push', '2', 'level', '[2]')
        status, out, err = bus.run('wait', '--socket', bus.path, '--timeout', str(PATIENCE), 'level')
        check_equal(status, 0, 'wait status (stderr %r)' % err)
        check_equal(json.loads(out), [1], 'the oldest retained event comes first')


def test_monitor_retained_first():
    with Bus() as bus:
        for value in ('a', 'b', 'c'):
            emit(bus, '--id', 'pusher', '--push', '2', 'status', json.dumps([value]))
        emit(bus, '--id', 'pusher', '--push', '0', 'other.x', '[true]')
        monitor, out = bus.spawn_to_file('monitor.out', 'monitor', '--socket', bus.path,
                                         'status')
        wait_for_subscriptions(bus, 1)
        emit(bus, '--id', 'yeller', 'status', '["d"]')
        emit(bus, '--id', 'yeller', 'other.x', '[false]')
        emit(bus, '--id', 'yeller', 'status', '["e", 5]')
        seen = wait_until(lambda: len(lines(out)) >= 4 and lines(out), 'four monitor lines')
        parsed = [parse_monitor_line(line) for line in seen]
        check_equal([(n, s, p) for n, s, _, p in parsed],
                    [('status', 'pusher', ['b']), ('status', 'pusher', ['c']),
                     ('status', 'yeller', ['d']), ('status', 'yeller', ['e', 5])],
                    'monitor lines: the last 2 retained, then the live ones')
        # TIME is now, give or take a day (no clock arithmetic needed).
        check_equal(parsed[0][2][:4], time.strftime('%Y', time.gmtime()), 'the year')


def test_monitor_default_pattern():
    with Bus() as bus:
        monitor, out = bus.spawn_to_file('monitor.out', 'monitor', '--socket', bus.path)
        wait_for_subscriptions(bus, 1)
        emit(bus, 'one', '[1]')
        emit(bus, 'two.deep', '[{"named": "object"}]')
        seen = wait_until(lambda: len(lines(out)) >= 2 and lines(out), 'two monitor lines')
        check_equal([(p[0], p[3]) for p in map(parse_monitor_line, seen)],
                    [('one', [1]), ('two.deep', [{'named': 'object'}])], 'every event')


def test_monitor_survives_broker_restart():
    with Bus() as bus:
        monitor, out = bus.spawn_to_file('monitor.out', 'monitor', '--socket', bus.path)
        wait_for_subscriptions(bus, 1)
        emit(bus, 'before', '[1]')
        wait_until(lambda: len(lines(out)) >= 1, 'the first monitor line')
        # The broker dies; a new one takes over its (stale) socket.
        bus.broker.kill()
        bus.broker.wait()
        bus.broker = bus.start_broker(bus.path)
        wait_for_subscriptions(bus, 1)
        emit(bus, 'after', '[2]')
        seen = wait_until(lambda: len(lines(out)) >= 2 and lines(out), 'a line after the restart')
        check_equal([(p[0], p[3]) for p in map(parse_monitor_line, seen)],
                    [('before', [1]), ('after', [2])], 'monitor lines')
        check_equal(monitor.poll(), None, 'monitor runs on')


def test_help():
    for command in ('broker', 'monitor', 'emit', 'wait', 'stats'):
        result = subprocess.run([TOOL, command, '--help'], capture_output=True,
                                timeout=PATIENCE)
        check_equal(result.returncode, 0, '%s --help status' % command)
        text = result.stdout.decode()
        check('mreventloop %s' % command in text, '%s --help names it: %r' % (command, text))
        check('--socket' in text, '%s --help lists --socket' % command)
    result = subprocess.run([TOOL, '--help'], capture_output=True, timeout=PATIENCE)
    check_equal(result.returncode, 0, '--help status')
    for command in ('broker', 'monitor', 'emit', 'wait', 'stats'):
        check(command in result.stdout.decode(), '--help lists %s' % command)


def test_usage_errors():
    for args, what in ((['frobnicate'], 'an unknown command'),
                       ([], 'no command'),
                       (['emit'], 'emit without a name'),
                       (['wait'], 'wait without a name'),
                       (['emit', '--push', 'many', 'x'], 'emit --push with a bad backlog'),
                       (['wait', '--no-such-option', 'x'], 'an unknown option'),
                       (['stats', 'extra'], 'an extra argument'),
                       (['broker', '--max-connections', '-2'], 'a negative --max-connections'),
                       (['broker', '--max-subscriptions', '5000000000'],
                        '--max-subscriptions past 32 bits'),
                       (['broker', '--max-retained-bytes', '-5'], 'a negative --max-retained-bytes'),
                       (['broker', '--max-queued-bytes', '100'], 'a tiny --max-queued-bytes'),
                       (['broker', '--handshake-timeout', 'soon'], 'a --handshake-timeout not a number')):
        result = subprocess.run([TOOL] + args, capture_output=True, timeout=PATIENCE)
        check_equal(result.returncode, 2, 'status for %s' % what)
        check(result.stderr.decode().startswith('mreventloop'),
              'stderr for %s: %r' % (what, result.stderr))
        check_equal(result.stdout, b'', 'stdout for %s' % what)


def test_emit_errors():
    with Bus() as bus:
        for params in ('["unterminated', '{"not": "an array"', 'plain words'):
            status, out, err = bus.run('emit', '--socket', bus.path, 'x', params)
            check(status not in (0, 124), 'emit %r fails (status %d)' % (params, status))
            check(err.startswith('mreventloop: '), 'message for %r: %r' % (params, err))
        status, out, err = bus.run('emit', '--socket', bus.path, 'bad*name', '[]')
        check(status != 0, 'emit to a pattern fails')
        check(err.startswith('mreventloop: '), 'message: %r' % err)
        # No broker at all.
        missing = os.path.join(os.path.dirname(bus.path), 'nobody.sock')
        status, out, err = bus.run('stats', '--socket', missing)
        check(status != 0, 'stats without a broker fails')
        check(err.startswith('mreventloop: '), 'message: %r' % err)


def test_stats():
    with Bus() as bus:
        emit(bus, '--push', '3', 'kept', '[1]')
        status, out, err = bus.run('stats', '--socket', bus.path)
        check_equal(status, 0, 'stats status (stderr %r)' % err)
        stats = json.loads(out)
        check(isinstance(stats, dict), 'an object')
        check('connections' in stats, 'has connections: %r' % stats)
        check_equal(stats['retained'], {'kept': 1}, 'retained')
        check(out.count('\n') > 3, 'pretty JSON, on several lines')


def test_second_broker_fails():
    with Bus() as bus:
        status, out, err = bus.run('broker', '--socket', bus.path)
        check(status != 0, 'a second broker on a live socket fails (status %d)' % status)
        check(err.startswith('mreventloop: '), 'message: %r' % err)
        check(len(err.strip()) > len('mreventloop: ') + 10, 'a clear message: %r' % err)
        check_equal(out, '', 'stdout')
        # The first broker still serves.
        check_equal(bus.broker.poll(), None, 'the first broker runs')
        check('connections' in broker_stats(bus), 'stats from the first broker')


def test_broker_signals_and_idle_exit():
    with Bus() as bus:
        for sig in (signal.SIGTERM, signal.SIGINT):
            path = os.path.join(os.path.dirname(bus.path), 'sig%d.sock' % sig)
            broker = bus.start_broker(path)
            broker.send_signal(sig)
            check_equal(broker.wait(timeout=PATIENCE), 0, 'status after signal %d' % sig)
        # Idle exit: goes once its last peer has been gone for a second.
        path = os.path.join(os.path.dirname(bus.path), 'idle.sock')
        broker = bus.start_broker(path, ['--idle-exit', '1'])
        status, out, err = bus.run('emit', '--socket', path, 'x', '[]')
        check_equal(status, 0, 'emit status (stderr %r)' % err)
        check_equal(broker.wait(timeout=PATIENCE), 0, 'status after idle exit')


def test_default_bus():
    with Bus() as bus:
        # Bus points XDG_RUNTIME_DIR of the children at its own directory,
        # so this default bus is the test's own.
        try:
            status, out, err = bus.run('emit', '--push', '1', 'hello', '["default"]')
            check_equal(status, 0, 'emit on the default bus (stderr %r)' % err)
            status, out, err = bus.run('wait', '--timeout', str(PATIENCE), 'hello')
            check_equal(status, 0, 'wait on the default bus (stderr %r)' % err)
            check_equal(json.loads(out), ['default'], 'the retained event')
            check(os.path.exists(os.path.join(bus.tmp.name, 'mreventloop', 'default.sock')),
                  'the default socket lives under XDG_RUNTIME_DIR')
        finally:
            kill_processes_of(bus.tmp.name)


def test_default_bus_quiet():
    with Bus() as bus:
        try:
            for n in range(2):
                status, out, err = bus.run('emit', 'x', '[%d]' % n)
                check_equal((status, err), (0, ''), 'emit %d on the default bus' % n)
        finally:
            kill_processes_of(bus.tmp.name)


def test_emit_larger_than_broker_takes():
    # Issue 10: the broker's --max-frame-size is the peer's limit too.
    with Bus(['--max-frame-size', '65536']) as bus:
        monitor = bus.spawn('monitor', '--socket', bus.path)
        wait_for_subscriptions(bus, 1)
        big = json.dumps(['y' * 100000])
        status, out, err = bus.run('emit', '--socket', bus.path, 'big', big)
        check(status not in (0, 124), 'emit of 100,000 bytes fails (status %d)' % status)
        check(err.startswith('mreventloop: '), 'a message on stderr: %r' % err)
        check('65536' in err, 'the message names the broker\'s limit: %r' % err)
        check(re.search(r'\b1000\d\d bytes', err) is not None,
              'the message names the event\'s size: %r' % err)
        check_equal(out, '', 'stdout')
        stats = broker_stats(bus)
        check_equal((stats['events_in'], stats['events_out'], stats['rejected']), (0, 0, 0),
                    'nothing reached the broker, nothing was delivered')
        check_equal(monitor.poll(), None, 'the monitor runs on')


# A broker of the test's own, for what a real one sends rarely: the frames
# of docs/PROTOCOL.md with struct and socket only.
HEADER = struct.Struct('>BBBBIQqHHI')
WELCOME, ACK, ERROR = 2, 5, 8


def fake_frame(type, name=b'', body=b'', arg=0, seq=0):
    return HEADER.pack(1, type, 0, 0, arg, seq, 0, len(name), 0, len(body)) + name + body


class FakeBroker:
    """Accepts one connection, welcomes it, acknowledges its SUBSCRIBE,
    then sends it an ERROR of code slow-reader and closes it, as a broker
    that dropped a slow reader does (interfaces: arg 0, seq 0, no name)."""

    def __init__(self, path, dropped, message):
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(path)
        self.listener.listen(4)
        self.body = json.dumps({'code': 'slow-reader', 'message': message,
                                'dropped': dropped}).encode()
        self.error = None
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def read_frame(self, conn):
        def read(n):
            data = b''
            while len(data) < n:
                chunk = conn.recv(n - len(data))
                if not chunk:
                    raise EOFError('the peer closed the connection')
                data += chunk
            return data
        header = HEADER.unpack(read(HEADER.size))
        read(header[7] + header[8] + header[9])
        return header

    def run(self):
        try:
            conn, _ = self.listener.accept()
            with conn:
                self.read_frame(conn)                      # HELLO
                conn.sendall(fake_frame(WELCOME, b'slow', b'{"protocol":1,"max_frame_size":16777216}'))
                subscribe = self.read_frame(conn)
                conn.sendall(fake_frame(ACK, arg=subscribe[4]))
                conn.sendall(fake_frame(ERROR, body=self.body))
        except Exception as error:
            self.error = error

    def close(self):
        self.listener.close()
        self.thread.join(PATIENCE)


def test_monitor_and_wait_report_lost():
    # Issue 10: a peer the broker dropped as too slow says so, and goes on.
    message = 'it does not read: 3 frames, 70000 bytes queued (max-queued-bytes); they are dropped'
    for command in (['monitor'], ['wait', 'never']):
        with Bus() as bus:
            path = os.path.join(os.path.dirname(bus.path), 'fake.sock')
            fake = FakeBroker(path, 226265, message)
            try:
                process, out = bus.spawn_to_file('out', *command, '--socket', path)
                expected = ('mreventloop: the broker dropped 226265 events for this peer: %s'
                            % message)
                wait_until(lambda: expected in lines(out), '%s to report the loss' % command[0])
                check_equal(fake.error, None, 'the fake broker\'s conversation')
                check_equal(process.poll(), None, '%s goes on' % command[0])
                check(not any('WARNING' in line for line in lines(out)),
                      'no warning besides: %r' % lines(out))
            finally:
                fake.close()


def kill_processes_of(directory):
    """Kills the default broker that the peers started: no child of ours,
    but it runs on a socket in DIRECTORY and inherited the test's
    XDG_RUNTIME_DIR. Returns once none is left."""
    marker = directory.encode()

    def survivors():
        found = []
        for pid in os.listdir('/proc'):
            if not pid.isdigit() or int(pid) == os.getpid():
                continue
            try:
                with open('/proc/%s/cmdline' % pid, 'rb') as f:
                    cmdline = f.read()
                with open('/proc/%s/environ' % pid, 'rb') as f:
                    environ = f.read()
            except OSError:
                continue
            if marker in cmdline or b'XDG_RUNTIME_DIR=' + marker + b'\0' in environ:
                found.append(int(pid))
        return found

    def none_left():
        pids = survivors()
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        return not pids

    wait_until(none_left, 'the default broker to go')


TESTS = [
    ('emit and wait: the arguments round-trip', test_emit_wait_roundtrip),
    ('emit without arguments sends []', test_emit_default_args),
    ('wait exits 124 on timeout', test_wait_timeout),
    ('wait takes a retained event', test_wait_takes_retained),
    ('monitor prints the retained events first, then live ones', test_monitor_retained_first),
    ('monitor without a pattern prints every event', test_monitor_default_pattern),
    ('monitor goes on after the broker was killed and restarted',
     test_monitor_survives_broker_restart),
    ('--help of the tool and of each command exits 0', test_help),
    ('usage errors exit 2 with a message', test_usage_errors),
    ('emit refuses bad arguments and names; no broker is an error', test_emit_errors),
    ('stats prints the counters as JSON', test_stats),
    ('a second broker on a live socket fails with a message', test_second_broker_fails),
    ('broker exits 0 on SIGTERM, SIGINT and idle exit', test_broker_signals_and_idle_exit),
    ('without --socket, the default bus is started and used', test_default_bus),
    ('a peer of the running default bus prints no warning', test_default_bus_quiet),
    ('emit larger than the broker\'s max-frame-size fails, naming both sizes',
     test_emit_larger_than_broker_takes),
    ('monitor and wait report the events the broker dropped for them, and go on',
     test_monitor_and_wait_report_lost),
]

if __name__ == '__main__':
    if run_tests(TESTS):
        raise SystemExit(1)
