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
import pty
import re
import signal
import socket
import struct
import subprocess
import threading
import time

from mretap import (Bus, PATIENCE, TOOL, TestFailure, check, check_equal, kill_processes_of,
                    lines, run_tests, wait_until)

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


def run_with_stdin(bus, stdin, *args):
    """Runs `mreventloop ARGS…` with STDIN (bytes, fed through a pipe, or
    a file descriptor) as its standard input: (status, stdout, stderr)."""
    if isinstance(stdin, bytes):
        result = subprocess.run([TOOL] + list(args), input=stdin, capture_output=True,
                                env=bus.env, timeout=PATIENCE)
    else:
        result = subprocess.run([TOOL] + list(args), stdin=stdin, capture_output=True,
                                env=bus.env, timeout=PATIENCE)
    return result.returncode, result.stdout.decode(), result.stderr.decode()


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


def test_values_byte_exact():
    # Issue 10, item 3: integers past 64 bits, U+0000 in a string, escapes
    # and number spellings come out of wait and monitor as they went in.
    params = ('[18446744073709551615,"a\\u0000b",-9223372036854775809,'
              '123456789012345678901234567890,1.50,1E+2,-0,"\\u00e9\\/",{"k":[]}]')
    with Bus() as bus:
        waiter = bus.spawn('wait', '--socket', bus.path, '--timeout', str(PATIENCE), 'exact')
        monitor, out = bus.spawn_to_file('monitor.out', 'monitor', '--socket', bus.path, 'exact')
        wait_for_subscriptions(bus, 2)
        emit(bus, 'exact', params.replace(',', ', '))
        got, err = waiter.communicate(timeout=PATIENCE)
        check_equal(waiter.returncode, 0, 'wait status (stderr %r)' % err)
        check_equal(got.decode(), params + '\n', 'what wait printed')
        seen = wait_until(lambda: lines(out), 'a monitor line')
        check_equal(seen[0].split(' ', 3)[3], params, 'the JSON monitor printed')
        check_equal(json.loads(seen[0].split(' ', 3)[3])[:2], [2**64 - 1, 'a\0b'],
                    'the values, read back')


def test_emit_default_args():
    # A user typing `emit ping` at a terminal means no arguments.
    try:
        master, terminal = pty.openpty()
    except OSError as error:
        return ('skip', 'no pseudo-terminal here: %s' % error)
    try:
        with Bus() as bus:
            status, out, err = run_with_stdin(bus, terminal, 'emit', '--socket', bus.path,
                                              '--push', '1', 'ping')
            check_equal((status, err), (0, ''), 'emit status and stderr, stdin a terminal')
            status, out, err = bus.run('wait', '--socket', bus.path, '--timeout', str(PATIENCE),
                                       'ping')
            check_equal(status, 0, 'wait status (stderr %r)' % err)
            check_equal(json.loads(out), [], 'no arguments: []')
    finally:
        os.close(master)
        os.close(terminal)


def test_emit_no_args_stdin_not_terminal():
    # `emit x < file` (issue 10, item 2) published [] and said nothing.
    with Bus() as bus:
        for stdin, what in ((b'["from the pipe"]', 'a pipe'), (subprocess.DEVNULL, '/dev/null')):
            status, out, err = run_with_stdin(bus, stdin, 'emit', '--socket', bus.path,
                                              '--push', '1', 'piped')
            check_equal(status, 2, 'emit status, no JSON-ARGS and stdin %s (stderr %r)'
                        % (what, err))
            check(err.startswith('mreventloop: ') and 'standard input' in err and '“-”' in err,
                  'the message says how to read stdin: %r' % err)
            check_equal(out, '', 'stdout')
        stats = broker_stats(bus)
        check_equal((stats['events_in'], stats['retained']), (0, {}), 'nothing was published')


def test_emit_args_from_stdin_and_file():
    with Bus() as bus:
        # One argument larger than a command line may be (128 KiB).
        big = 'x' * (256 * 1024)
        text = json.dumps(['from stdin', big, {'n': [1, 2]}]).encode()
        status, out, err = run_with_stdin(bus, text, 'emit', '--socket', bus.path,
                                          '--push', '1', 'stdin.args', '-')
        check_equal((status, err), (0, ''), 'emit - status and stderr')
        path = os.path.join(bus.tmp.name, 'args.json')
        with open(path, 'w') as f:
            f.write('{\n  "named": "from a file",\n  "big": "%s"\n}\n' % big)
        emit(bus, '--push', '1', 'file.args', '@' + path)
        status, out, err = bus.run('wait', '--socket', bus.path, '--timeout', str(PATIENCE),
                                   'stdin.args')
        check_equal(status, 0, 'wait status (stderr %r)' % err)
        check_equal(json.loads(out), ['from stdin', big, {'n': [1, 2]}], 'the arguments from stdin')
        status, out, err = bus.run('wait', '--socket', bus.path, '--timeout', str(PATIENCE),
                                   'file.args')
        check_equal(status, 0, 'wait status (stderr %r)' % err)
        check_equal(json.loads(out), {'named': 'from a file', 'big': big},
                    'the arguments from the file')


def test_emit_refuses_trailing_data():
    with Bus() as bus:
        for params, where in (('[1] [2]', 'line 1, column 5'), ('[1] x', 'line 1, column 5'),
                              ('{"a": 1}\n{"b": 2}', 'line 2, column 1'),
                              ("{'a': 1}", 'line 1, column 2'), ('[1,]', 'line 1, column 4'),
                              ('', 'line 1, column 1')):
            status, out, err = bus.run('emit', '--socket', bus.path, 'x', params)
            check_equal(status, 1, 'emit %r status (stderr %r)' % (params, err))
            check(err.startswith('mreventloop: ') and where in err,
                  'the message for %r says where (%s): %r' % (params, where, err))
        check_equal(broker_stats(bus)['events_in'], 0, 'nothing was published')


def test_emit_checks_json_before_connecting():
    with Bus() as bus:
        # The default bus: a typo must not start a broker.
        try:
            status, out, err = bus.run('emit', 'x', '["unterminated]')
            check(not os.path.exists(os.path.join(bus.tmp.name, 'mreventloop')),
                  'no default bus was started: %r' % os.listdir(bus.tmp.name))
            check_equal(status, 1, 'emit status (stderr %r)' % err)
            check('line 1, column 16' in err, 'the message says where: %r' % err)
        finally:
            kill_processes_of(bus.tmp.name)
        # A socket nobody listens on: the JSON is the error, not the socket.
        missing = os.path.join(bus.tmp.name, 'nobody.sock')
        status, out, err = bus.run('emit', '--socket', missing, 'x', '[1] [2]')
        check_equal(status, 1, 'emit status (stderr %r)' % err)
        check('not JSON' in err and 'line 1, column 5' in err, 'the JSON is the error: %r' % err)


def test_emit_file_errors_name_the_file():
    with Bus() as bus:
        missing = os.path.join(bus.tmp.name, 'no-such-args.json')
        status, out, err = bus.run('emit', '--socket', bus.path, 'x', '@' + missing)
        check_equal(status, 1, 'emit @missing status (stderr %r)' % err)
        check(missing in err, 'the message names the file: %r' % err)
        bad = os.path.join(bus.tmp.name, 'bad-args.json')
        with open(bad, 'w') as f:
            f.write('[\n  1,\n  2 3\n]\n')
        status, out, err = bus.run('emit', '--socket', bus.path, 'x', '@' + bad)
        check_equal(status, 1, 'emit @bad status (stderr %r)' % err)
        check(bad in err and 'line 3, column 5' in err,
              'the message names the file and where: %r' % err)
        check_equal(broker_stats(bus)['events_in'], 0, 'nothing was published')


def test_emit_too_large_from_file():
    with Bus() as bus:
        path = os.path.join(bus.tmp.name, 'big.json')
        with open(path, 'w') as f:
            json.dump(['y' * (17 * 1024 * 1024)], f)
        for args, stdin in ((['@' + path], None), (['-'], open(path, 'rb'))):
            try:
                status, out, err = run_with_stdin(bus, stdin, 'emit', '--socket', bus.path,
                                                  'big', *args)
            finally:
                if stdin is not None:
                    stdin.close()
            check_equal(status, 1, 'emit %s of 17 MiB: status (stderr %r)' % (args[0], err))
            check(err.startswith('mreventloop: ') and '16777216' in err,
                  'the message names the limit: %r' % err)
        # The broker is alive and serves.
        check_equal(bus.broker.poll(), None, 'the broker runs')
        emit(bus, '--push', '1', 'small', '["after"]')
        status, out, err = bus.run('wait', '--socket', bus.path, '--timeout', str(PATIENCE),
                                   'small')
        check_equal((status, json.loads(out)), (0, ['after']), 'wait after the refusal')


def test_emit_nesting_depth():
    with Bus() as bus:
        # As deep as a broker takes (512 levels with the body's object).
        path = os.path.join(bus.tmp.name, 'deep.json')
        with open(path, 'w') as f:
            f.write('[' * 511 + ']' * 511)
        emit(bus, '--push', '1', 'deep', '@' + path)
        status, out, err = bus.run('wait', '--socket', bus.path, '--timeout', str(PATIENCE),
                                   'deep')
        check_equal((status, out), (0, '[' * 511 + ']' * 511 + '\n'), 'wait status and output')
        # Deeper: refused before connecting, however deep.
        for depth in (512, 100000):
            with open(path, 'w') as f:
                f.write('[' * depth + ']' * depth)
            status, out, err = bus.run('emit', '--socket', bus.path, 'deeper', '@' + path)
            check_equal(status, 1, 'emit %d levels: status (stderr %r)' % (depth, err))
            check('nesting too deep' in err and 'column 512' in err,
                  'the message for %d levels: %r' % (depth, err))
        check_equal(broker_stats(bus)['events_in'], 1, 'only the first was published')


def test_wait_name():
    with Bus() as bus:
        emit(bus, '--push', '1', 'level.b', '[2]')
        emit(bus, '--push', '1', 'level.a', '[1]')
        status, out, err = bus.run('wait', '--socket', bus.path, '--timeout', str(PATIENCE),
                                   '--name', 'level.*')
        check_equal(status, 0, 'wait status (stderr %r)' % err)
        check_equal(out, 'level.a [1]\n', 'the name, then the arguments')
        waiter = bus.spawn('wait', '--socket', bus.path, '--timeout', str(PATIENCE), '-n',
                           'live.*')
        wait_for_subscriptions(bus, 1)
        emit(bus, 'live.one', '["x", 3]')
        out, err = waiter.communicate(timeout=PATIENCE)
        check_equal(waiter.returncode, 0, 'wait status (stderr %r)' % err)
        name, params = out.decode().rstrip('\n').split(' ', 1)
        check_equal((name, json.loads(params)), ('live.one', ['x', 3]), 'a live event')


# A broker of the test's own, for what a real one no longer sends ------------

HEADER = struct.Struct('>BBBBIQQHHI')          # docs/PROTOCOL.md, as test-protocol.py
HELLO, WELCOME, SUBSCRIBE, ACK, EVENT = 1, 2, 3, 5, 7


class FakeBroker:
    """Serves one peer on a raw socket at PATH: answers HELLO with WELCOME
    and each SUBSCRIBE with ACK, and after the first ACK sends FRAMES
    (bytes, see event() and frame()); then reads until the peer goes, or,
    with hang_up, closes the connection as a broker that dropped it does."""

    def __init__(self, path, frames, hang_up=False):
        self.frames = frames
        self.hang_up = hang_up
        self.error = None
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(path)
        self.listener.listen(1)
        self.listener.settimeout(PATIENCE)
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def close(self):
        self.listener.close()
        self.thread.join(PATIENCE)

    def check(self):
        if self.error is not None:
            raise TestFailure('the fake broker: %r' % self.error)

    @staticmethod
    def frame(type, name=b'', sender=b'', body=b'', arg=0, seq=0):
        return HEADER.pack(1, type, 0, 0, arg, seq, int(time.time() * 1_000_000),
                           len(name), len(sender), len(body)) + name + sender + body

    @classmethod
    def events(cls, events):
        """EVENT frames of (name, sender, body) each."""
        return [cls.frame(EVENT, name.encode(), sender.encode(), body, seq=seq)
                for seq, (name, sender, body) in enumerate(events, 1)]

    def serve(self):
        try:
            connection, _ = self.listener.accept()
            with connection:
                connection.settimeout(PATIENCE)
                buffer = b''

                def read(n):
                    nonlocal buffer
                    while len(buffer) < n:
                        chunk = connection.recv(65536)
                        if not chunk:
                            raise EOFError
                        buffer += chunk
                    data, buffer = buffer[:n], buffer[n:]
                    return data

                sent = False
                while True:
                    try:
                        header = HEADER.unpack(read(HEADER.size))
                    except EOFError:
                        return
                    type, arg = header[1], header[4]
                    read(header[7] + header[8] + header[9])
                    if type == HELLO:
                        body = json.dumps({'protocol': 1, 'max_frame_size': 16 * 1024 * 1024,
                                           'broker': 'fake', 'store': 'fake'}).encode()
                        connection.sendall(self.frame(WELCOME, name=b'peer-1', body=body))
                    elif type == SUBSCRIBE:
                        connection.sendall(self.frame(ACK, arg=arg))
                        if not sent:
                            sent = True
                            connection.sendall(b''.join(self.frames))
                            if self.hang_up:
                                return
        except Exception as error:
            self.error = error


def notification(method, params):
    return json.dumps({'jsonrpc': '2.0', 'method': method, 'params': params}).encode()


# PROTOCOL.md's own (wrong) example body, which brokers before issue 10 routed.
MALFORMED = [('product', 'raw-publisher', b'["product"]'),
             ('product', 'raw-publisher', notification('product', 7))]


def test_wait_skips_malformed_events():
    with Bus() as bus:
        path = os.path.join(bus.tmp.name, 'fake.sock')
        fake = FakeBroker(path, FakeBroker.events(
            MALFORMED + [('product', 'good', notification('product', ['ok', 1]))]))
        try:
            result = subprocess.run([TOOL, 'wait', '--socket', path, '--timeout', str(PATIENCE),
                                     'product'], stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, env=bus.env, timeout=2 * PATIENCE)
        finally:
            fake.close()
        fake.check()
        output = result.stdout.decode().split('\n')
        check_equal(result.returncode, 0, 'wait status (output %r)' % output)
        check_equal(len(output), 4, 'two reports, then the event: %r' % output)
        for line in output[:2]:
            check(line.startswith('mreventloop: skipped a malformed event “product” '
                                  'from “raw-publisher”: '), 'the report: %r' % line)
        check_equal(json.loads(output[2]), ['ok', 1], 'the good event, after the reports')
        check_equal(output[3], '', 'nothing more')


def test_monitor_skips_malformed_events():
    with Bus() as bus:
        path = os.path.join(bus.tmp.name, 'fake.sock')
        fake = FakeBroker(path, FakeBroker.events(
            [('product', 'good', notification('product', ['first']))] +
            MALFORMED + [('product', 'good', notification('product', ['second']))]))
        monitor, out = bus.spawn_to_file('monitor.out', 'monitor', '--socket', path)
        try:
            seen = wait_until(lambda: len(lines(out)) >= 4 and lines(out), 'four lines')
            check_equal(monitor.poll(), None, 'monitor runs on')
        finally:
            monitor.kill()
            monitor.wait()
            fake.close()
        fake.check()
        check_equal(len(seen), 4, 'two events and two reports: %r' % seen)
        check_equal(parse_monitor_line(seen[0])[::3], ('product', ['first']), 'the first event')
        for line in seen[1:3]:
            check(line.startswith('mreventloop: skipped a malformed event “product” '
                                  'from “raw-publisher”: '), 'the report: %r' % line)
        check_equal(parse_monitor_line(seen[3])[::3], ('product', ['second']),
                    'the event after the malformed ones')


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
        check_equal(json.loads(out), [2], 'the latest retained event')
        status, out, err = bus.run('wait', '--socket', bus.path, '--timeout', str(PATIENCE),
                                   '--oldest', 'level')
        check_equal(status, 0, 'wait --oldest status (stderr %r)' % err)
        check_equal(json.loads(out), [1], 'with --oldest, the oldest')


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
        if command == 'emit':
            check('“-”' in text and '“@FILE”' in text and 'standard input' in text,
                  'emit --help says how to give the arguments: %r' % text)
        if command == 'wait':
            check('--oldest' in text and '--name' in text and 'latest' in text,
                  'wait --help lists --oldest and --name: %r' % text)
        if command in ('wait', 'monitor'):
            check('malformed' in text, '%s --help says what happens to a malformed event'
                  % command)
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
                       (['broker', '--max-queued-bytes-total', '100'],
                        'a tiny --max-queued-bytes-total'),
                       (['broker', '--max-queued-bytes-total', '-3'],
                        'a negative --max-queued-bytes-total'),
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


def _raw_protocol():
    """test-protocol.py's raw connection (a file name with a dash: loaded
    by path)."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        'mre_test_protocol',
        os.path.join(os.path.dirname(os.path.abspath(__file__)), 'test-protocol.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_stats_peers():
    proto = _raw_protocol()
    with Bus(['--max-queued-bytes', '262144']) as bus:
        monitor, out = bus.spawn_to_file('monitor.out', 'monitor', '--socket', bus.path,
                                         '--id', 'mon', 'big')
        # A peer that subscribes and reads nothing: dropped as a slow
        # reader, then back under the same id.
        slow = proto.Connection(bus.path)
        slow.hello('slowpoke')
        slow.subscribe('big')
        wait_for_subscriptions(bus, 2)
        # 900 KB: more than its socket takes and max-queued-bytes.
        for _ in range(30):
            emit(bus, '--id', 'pub', 'big', json.dumps(['y' * 30000]))
        wait_until(lambda: broker_stats(bus)['slow_disconnects'] == 1, 'the slow peer dropped')
        slow.close()
        dropped = broker_stats(bus)['dropped']
        wait_until(lambda: len(lines(out)) >= 30, 'the monitor\'s 30 lines')
        with proto.Connection(bus.path) as again:
            again.hello('slowpoke')
            status, text, err = bus.run('stats', '--socket', bus.path, '--id', 'me', '--peers')
        check_equal(status, 0, 'stats --peers status (stderr %r)' % err)
        rows = text.split('\n')
        check_equal(rows[-1], '', 'the output ends with a newline')
        rows = rows[:-1]
        columns = ['id', 'queued_bytes', 'dropped', 'slow_disconnects', 'subscriptions',
                   'events_in', 'events_out']
        check_equal(rows[0].split(), columns, 'the header')
        # Aligned: the id column starts each line, every count ends where
        # its header ends.
        ends = [m.end() for m in re.finditer(r'\S+', rows[0])]
        for row in rows[1:]:
            check_equal([m.end() for m in re.finditer(r'\S+', row)][1:], ends[1:],
                        'where the columns of %r end (header %r)' % (row, rows[0]))
        table = [row.split() for row in rows[1:]]
        check_equal(table, [['me', '0', '0', '0', '0', '0', '0'],
                            ['mon', '0', '0', '0', '1', '0', '30'],
                            ['slowpoke', '0', str(dropped), '1', '0', '0', '0']],
                    'the peers, sorted by id')
        check(dropped > 0, 'events dropped for slowpoke: %d' % dropped)
        # Without --peers: JSON, with the peers in it.
        stats = broker_stats(bus)
        check('mon' in [p['id'] for p in stats['peers']], 'mon in the JSON\'s peers: %r' % stats)
        check('max_queued_bytes_total' in stats and 'queued_bytes' in stats,
              'the total queued and its bound in the JSON: %r' % stats)


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


def test_monitor_and_wait_report_lost():
    # Issue 10: a peer the broker dropped as too slow says so, and goes on.
    message = 'it does not read: 3 frames, 70000 bytes queued (max-queued-bytes); they are dropped'
    for command in (['monitor'], ['wait', 'never']):
        with Bus() as bus:
            path = os.path.join(os.path.dirname(bus.path), 'fake.sock')
            body = json.dumps({'code': 'slow-reader', 'message': message,
                               'dropped': 226265}).encode()
            fake = FakeBroker(path, [FakeBroker.frame(ERROR, body=body)], hang_up=True)
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


def test_monitor_told_when_dropped():
    # Issue 10, item 5, end to end: a monitor that stops reading is dropped
    # by a real broker, which tells it how many events it lost; once it runs
    # again it says so on stderr, and the broker's peers table agrees.
    with Bus(['--max-queued-bytes', '65536']) as bus:
        monitor, out = bus.spawn_to_file('monitor.out', 'monitor', '--socket', bus.path,
                                         '--id', 'watch', 'flood')
        wait_for_subscriptions(bus, 1)
        monitor.send_signal(signal.SIGSTOP)
        os.waitpid(monitor.pid, os.WUNTRACED)
        try:
            payload = '["%s"]' % ('y' * 50000)
            for _ in range(200):
                emit(bus, 'flood', payload)
                if broker_stats(bus)['slow_disconnects'] > 0:
                    break
        finally:
            monitor.send_signal(signal.SIGCONT)
        stats = broker_stats(bus)
        check_equal(stats['slow_disconnects'], 1, 'the monitor was dropped')
        told = wait_until(lambda: [line for line in lines(out)
                                   if line.startswith('mreventloop: the broker dropped ')],
                          'the monitor to say what it lost')
        dropped = int(told[0].split()[4])
        check(dropped > 0 and 'max-queued-bytes' in told[0], 'what it said: %r' % told[0])
        check_equal(dropped, stats['dropped'], 'the count it gave is the broker\'s')
        watch = wait_until(lambda: [peer for peer in broker_stats(bus)['peers']
                                    if peer['id'] == 'watch'], 'the monitor back')
        check_equal((watch[0]['dropped'], watch[0]['slow_disconnects']), (dropped, 1),
                    'its row of the peers table')
        check_equal(monitor.poll(), None, 'monitor goes on')


TESTS = [
    ('emit and wait: the arguments round-trip', test_emit_wait_roundtrip),
    ('emit, wait and monitor carry values byte for byte (issue 10)', test_values_byte_exact),
    ('emit without arguments, stdin a terminal, sends []', test_emit_default_args),
    ('emit without arguments, stdin not a terminal, is an error (issue 10)',
     test_emit_no_args_stdin_not_terminal),
    ('emit - and emit @FILE read the arguments from stdin and a file (issue 10)',
     test_emit_args_from_stdin_and_file),
    ('emit refuses data after the JSON and says where (issue 10)', test_emit_refuses_trailing_data),
    ('emit checks its JSON before connecting: a typo starts no broker (issue 10)',
     test_emit_checks_json_before_connecting),
    ('emit @FILE: errors name the file (issue 10)', test_emit_file_errors_name_the_file),
    ('emit of 17 MiB from a file fails with the limit; the broker serves on (issue 10)',
     test_emit_too_large_from_file),
    ('wait exits 124 on timeout', test_wait_timeout),
    ('wait takes the latest retained event, the oldest with --oldest', test_wait_takes_retained),
    ('emit refuses arguments nested deeper than a broker takes, before connecting',
     test_emit_nesting_depth),
    ('wait --name prints the name before the arguments', test_wait_name),
    ('wait reports malformed events on stderr and waits for a good one (issue 10)',
     test_wait_skips_malformed_events),
    ('monitor reports malformed events on stderr and goes on (issue 10)',
     test_monitor_skips_malformed_events),
    ('monitor prints the retained events first, then live ones', test_monitor_retained_first),
    ('monitor without a pattern prints every event', test_monitor_default_pattern),
    ('monitor goes on after the broker was killed and restarted',
     test_monitor_survives_broker_restart),
    ('--help of the tool and of each command exits 0', test_help),
    ('usage errors exit 2 with a message', test_usage_errors),
    ('emit refuses bad arguments and names; no broker is an error', test_emit_errors),
    ('stats prints the counters as JSON', test_stats),
    ('issue 10: stats --peers prints the peers as an aligned table, drops of an id included',
     test_stats_peers),
    ('a second broker on a live socket fails with a message', test_second_broker_fails),
    ('broker exits 0 on SIGTERM, SIGINT and idle exit', test_broker_signals_and_idle_exit),
    ('without --socket, the default bus is started and used', test_default_bus),
    ('a peer of the running default bus prints no warning', test_default_bus_quiet),
    ('emit larger than the broker\'s max-frame-size fails, naming both sizes',
     test_emit_larger_than_broker_takes),
    ('a real broker drops a stopped monitor and tells it; monitor says how many (issue 10)',
     test_monitor_told_when_dropped),
    ('monitor and wait report the events the broker dropped for them, and go on',
     test_monitor_and_wait_report_lost),
]

if __name__ == '__main__':
    if run_tests(TESTS):
        raise SystemExit(1)
