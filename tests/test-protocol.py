#!/usr/bin/python3
# test-protocol.py
#
# Copyright 2026 The mreventloop authors
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The wire protocol of docs/PROTOCOL.md, spoken with nothing but socket,
# struct and json: no bindings, no library code. A real broker
# (`mreventloop broker`) on a socket of its own; the C peers are the tool's
# `emit`, `wait` and `monitor`. Prints TAP.
#
# Run by meson with MREVENTLOOP_TOOL set to the built tool.

import json
import os
import re
import socket
import struct
import time

from mretap import Bus, PATIENCE, TestFailure, check, check_equal, lines, run_tests, wait_until

# Frames -----------------------------------------------------------------

HEADER = struct.Struct('>BBBBIQQHHI')          # 32 bytes
VERSION = 1

(HELLO, WELCOME, SUBSCRIBE, UNSUBSCRIBE, ACK, PUBLISH, EVENT, ERROR, STATS, STATS_REPLY,
 SYNC) = range(1, 12)
TYPE_NAMES = {11: 'SYNC', 1: 'HELLO', 2: 'WELCOME', 3: 'SUBSCRIBE', 4: 'UNSUBSCRIBE', 5: 'ACK',
              6: 'PUBLISH', 7: 'EVENT', 8: 'ERROR', 9: 'STATS', 10: 'STATS_REPLY'}

PUSH = 0x01
RETAINED = 0x02


def frame(type, name=b'', sender=b'', body=b'', flags=0, arg=0, seq=0, time=0, version=VERSION):
    if isinstance(name, str):
        name = name.encode()
    if isinstance(sender, str):
        sender = sender.encode()
    return HEADER.pack(version, type, flags, 0, arg, seq, time,
                       len(name), len(sender), len(body)) + name + sender + body


def notification(method, params):
    """The JSON-RPC 2.0 notification that is the body of PUBLISH and EVENT."""
    return json.dumps({'jsonrpc': '2.0', 'method': method, 'params': params}).encode()


def now_us():
    return int(time.time() * 1_000_000)


class Frame:
    def __init__(self, header, name, sender, body):
        (self.version, self.type, self.flags, self.reserved, self.arg, self.seq,
         self.time, _, _, _) = header
        self.name = name.decode()
        self.sender = sender.decode()
        self.body = body

    def json(self):
        return json.loads(self.body.decode())

    def __repr__(self):
        return '<%s name=%r sender=%r flags=%d arg=%d seq=%d body=%r>' % (
            TYPE_NAMES.get(self.type, self.type), self.name, self.sender,
            self.flags, self.arg, self.seq, self.body[:80])


class Closed(Exception):
    pass


class Connection:
    """A raw connection to the broker."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(PATIENCE)
        self.sock.connect(path)
        self.buffer = b''
        self.id = None
        self.next_request = 1
        self.next_seq = 1

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def send(self, data):
        self.sock.sendall(data)

    def _read(self, n):
        while len(self.buffer) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise Closed('the broker closed the connection')
            self.buffer += chunk
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def receive(self):
        header = HEADER.unpack(self._read(HEADER.size))
        name = self._read(header[7])
        sender = self._read(header[8])
        body = self._read(header[9])
        return Frame(header, name, sender, body)

    def expect(self, type):
        received = self.receive()
        check(received.type == type,
              'expected %s, got %r' % (TYPE_NAMES[type], received))
        return received

    def expect_closed(self):
        """Reads until the broker closes the connection; anything it sends
        first (an ERROR, say) is returned."""
        frames = []
        try:
            while True:
                frames.append(self.receive())
        except (Closed, ConnectionResetError):
            return frames
        except socket.timeout:
            raise TestFailure('the broker kept the connection open (got %r)' % frames)

    def request_id(self):
        self.next_request += 1
        return self.next_request

    # The message flow ----------------------------------------------------

    def hello(self, id=''):
        self.send(frame(HELLO, name=id, body=json.dumps({'protocol': 1}).encode()))
        welcome = self.expect(WELCOME)
        self.id = welcome.name
        return welcome

    def subscribe(self, pattern, sender=''):
        """SUBSCRIBE, then every frame up to its ACK: the retained events."""
        request = self.request_id()
        self.send(frame(SUBSCRIBE, name=pattern, sender=sender, arg=request))
        replayed = []
        while True:
            received = self.receive()
            if received.type == ACK:
                check_equal(received.arg, request, 'ACK arg')
                return replayed
            check(received.type == EVENT, 'expected EVENT or ACK, got %r' % received)
            check_equal(received.arg, request, 'the arg of a replayed EVENT')
            replayed.append(received)

    def unsubscribe(self, pattern, sender=''):
        request = self.request_id()
        self.send(frame(UNSUBSCRIBE, name=pattern, sender=sender, arg=request))
        check_equal(self.expect(ACK).arg, request, 'ACK arg')

    def publish(self, name, params, push=None, body=None, seq=None):
        """A yell, or a push retained with a backlog of `push`. Returns
        the frame's seq and time."""
        if seq is None:
            seq = self.next_seq
            self.next_seq += 1
        stamp = now_us()
        if body is None:
            body = notification(name, params)
        flags, arg = (0, 0) if push is None else (PUSH, push)
        self.send(frame(PUBLISH, name=name, body=body, flags=flags, arg=arg,
                        seq=seq, time=stamp))
        return seq, stamp

    def stats(self):
        request = self.request_id()
        self.send(frame(STATS, arg=request))
        reply = self.expect(STATS_REPLY)
        check_equal(reply.arg, request, 'STATS_REPLY arg')
        return reply.json()


def connect(bus, id=''):
    connection = Connection(bus.path)
    connection.hello(id)
    return connection


def check_event(event, name, sender, params, retained=False, pushed=False):
    check_equal(event.type, EVENT, 'frame type')
    check_equal(event.name, name, 'event name')
    check_equal(event.sender, sender, 'sender')
    if not retained:
        check_equal(event.arg, 0, 'EVENT arg')
    check_equal(bool(event.flags & RETAINED), retained, 'RETAINED flag of %r' % event)
    check_equal(bool(event.flags & PUSH), pushed, 'PUSH flag of %r' % event)
    body = event.json()
    check_equal(body.get('jsonrpc'), '2.0', 'jsonrpc')
    check_equal(body.get('method'), name, 'method')
    check_equal(body.get('params'), params, 'params')


def roundtrip(bus, marker='roundtrip'):
    """Proves the broker still routes: a yell from one fresh peer to
    another."""
    with connect(bus, 'rt-sub') as sub, connect(bus, 'rt-pub') as pub:
        sub.subscribe(marker)
        pub.publish(marker, ['still here'])
        check_event(sub.expect(EVENT), marker, 'rt-pub', ['still here'])


def wait_for_subscriptions(bus, watcher, n):
    """A C peer subscribes on its own time; the broker's counters say when."""
    wait_until(lambda: watcher.stats()['subscriptions'] >= n,
               '%d subscriptions at the broker' % n)


# docs/PROTOCOL.md's examples -------------------------------------------------

PROTOCOL_MD = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'docs', 'PROTOCOL.md')


def protocol_md():
    with open(PROTOCOL_MD, encoding='utf-8') as f:
        return f.read()


def code_blocks(text, language=''):
    """The text of each fenced block of LANGUAGE (empty: no language)."""
    blocks, block = [], None
    for line in text.splitlines(keepends=True):
        if block is None and line.startswith('```'):
            block, block_language = [], line[3:].strip()
        elif block is not None and line.rstrip() == '```':
            if block_language == language:
                blocks.append(''.join(block))
            block = None
        elif block is not None:
            block.append(line)
    return blocks


def hex_dumps(text):
    """The blocks that are hex bytes only, as bytes."""
    return [bytes.fromhex(block) for block in code_blocks(text)
            if re.fullmatch(r'[0-9a-f \n]+', block)]


# Tests --------------------------------------------------------------------

def test_protocol_md_examples():
    # Issue 10, item 4: the example body was a bare array, which a peer
    # cannot read as an event. The examples are sent as the document writes
    # them, byte for byte, through its own frame().
    text = protocol_md()
    snippets = code_blocks(text, 'python')
    check(snippets, 'PROTOCOL.md has a Python snippet')
    doc = {'struct': struct}
    exec(snippets[0], doc)
    doc_frame = doc['frame']

    example = re.search(r'the peer `([^`]+)` pushing `([^`]+)` with a backlog of (\d+), sequence\s+'
                        r'number `(0x[0-9a-f]+)`, time ([\d,]+) µs and the (\d+)-byte body\s+`([^`]+)`',
                        text)
    check(example, 'PROTOCOL.md has the example push')
    peer, name, backlog, seq, stamp, size, body = example.groups()
    name, body = name.encode(), body.encode()
    backlog, seq, stamp = int(backlog), int(seq, 16), int(stamp.replace(',', ''))
    check_equal(len(body), int(size), 'the size of the example body')
    publish_header, event_header = hex_dumps(text)[:2]
    check_equal(publish_header, doc_frame(PUBLISH, name=name, body=body, flags=PUSH, arg=backlog,
                                          seq=seq, time=stamp)[:32],
                'the PUBLISH hex dump against frame()')

    with Bus() as bus, Connection(bus.path) as pub, connect(bus, 'sub') as sub:
        pub.send(doc_frame(HELLO, name=peer.encode(), body=b'{"protocol": 1}'))
        check_equal(pub.expect(WELCOME).name, peer, 'WELCOME to the example peer')
        sub.send(doc_frame(SUBSCRIBE, name=name, arg=7))
        check_equal(sub.expect(ACK).arg, 7, 'ACK of the example SUBSCRIBE')
        pub.send(publish_header + name + body)
        header = sub._read(HEADER.size)
        check_equal(header.hex(' '), event_header.hex(' '), 'the EVENT header against its hex dump')
        check_equal(sub._read(len(name) + len(peer) + len(body)), name + peer.encode() + body,
                    'name, sender and body of the EVENT')

        # Each example body of "Bodies" is routed unchanged, by its method.
        bodies = [line.encode() for block in code_blocks(text, 'json')
                  for line in block.splitlines() if line.strip()]
        check(len(bodies) >= 2, 'PROTOCOL.md has example bodies: %r' % bodies)
        for body in bodies:
            method = json.loads(body)['method'].encode()
            sub.send(doc_frame(SUBSCRIBE, name=method, arg=8))
            check_equal(sub.expect(ACK).arg, 8, 'ACK')
            pub.send(doc_frame(PUBLISH, name=method, body=body, seq=2, time=stamp))
            event = sub.expect(EVENT)
            check_equal((event.name, event.sender, event.body, event.seq, event.time),
                        (method.decode(), peer, body, 2, stamp), 'the EVENT of %r' % body)


def test_handshake():
    with Bus() as bus:
        with Connection(bus.path) as conn:
            welcome = conn.hello('py-hello')
            check_equal(welcome.name, 'py-hello', 'WELCOME name (the id)')
            body = welcome.json()
            check_equal(body['protocol'], 1, 'WELCOME protocol')
            check_equal(body['max_frame_size'], 16 * 1024 * 1024, 'max_frame_size')
            check(body['broker'].startswith('mreventloop '), 'broker: %r' % body['broker'])
        with Connection(bus.path) as conn:
            welcome = conn.hello('')
            check(welcome.name.startswith('peer-'), 'chosen id %r' % welcome.name)


def test_subscribe_ack():
    with Bus() as bus, connect(bus, 'sub') as sub, connect(bus, 'pub') as pub:
        check_equal(sub.subscribe('greet'), [], 'replayed events')
        # Twice the same: acknowledged, and delivered once only; so is an
        # event that matches a second, wildcard subscription.
        check_equal(sub.subscribe('greet'), [], 'replayed events')
        check_equal(sub.subscribe('*'), [], 'replayed events')
        pub.publish('greet', ['hi'])
        pub.publish('other', ['marker'])
        check_event(sub.expect(EVENT), 'greet', 'pub', ['hi'])
        check_event(sub.expect(EVENT), 'other', 'pub', ['marker'])
        sub.unsubscribe('*')
        sub.unsubscribe('greet')
        sub.unsubscribe('never-subscribed')
        pub.publish('greet', ['unheard'])
        sub.subscribe('marker')
        pub.publish('marker', [])
        check_event(sub.expect(EVENT), 'marker', 'pub', [])


def test_yell_raw_to_raw():
    with Bus() as bus, connect(bus, 'sub') as sub, connect(bus, 'pub') as pub:
        sub.subscribe('sensor.*')
        body = b'{"jsonrpc": "2.0", "method": "sensor.t", "params": {"celsius": 21.5}}'
        seq, stamp = pub.publish('sensor.t', None, body=body, seq=0x0102030405060708)
        event = sub.expect(EVENT)
        check_event(event, 'sensor.t', 'pub', {'celsius': 21.5})
        check_equal(event.body, body, 'body, byte for byte')
        check_equal(event.seq, 0x0102030405060708, 'seq')
        check_equal(event.time, stamp, 'time')
        # A prefix pattern matches below its dot only; the publisher hears
        # its own yell when it subscribed to it.
        pub.subscribe('sensor.t')
        pub.publish('sensorless', ['no'])
        pub.publish('sensor.h', ['yes'])
        check_event(sub.expect(EVENT), 'sensor.h', 'pub', ['yes'])
        pub.publish('sensor.t', ['self'])
        check_event(sub.expect(EVENT), 'sensor.t', 'pub', ['self'])
        check_event(pub.expect(EVENT), 'sensor.t', 'pub', ['self'])


def test_sender_filter():
    with Bus() as bus, connect(bus, 'sub') as sub, \
            connect(bus, 'alice') as alice, connect(bus, 'bob') as bob:
        sub.subscribe('news', sender='alice')
        bob.publish('news', ['from bob'])
        alice.publish('news', ['from alice'])
        check_event(sub.expect(EVENT), 'news', 'alice', ['from alice'])


def test_event_from_c_publisher():
    with Bus() as bus, connect(bus, 'py-sub') as sub:
        sub.subscribe('produced')
        status, out, err = bus.run('emit', '--socket', bus.path, '--id', 'c-producer',
                                   'produced', '["some product", 3]')
        check_equal(status, 0, 'emit status (stderr %r)' % err)
        event = sub.expect(EVENT)
        check_event(event, 'produced', 'c-producer', ['some product', 3])
        check(event.time > 0, 'the C peer sets a time')
        # A push from C is retained and replayed to a later raw subscriber.
        status, out, err = bus.run('emit', '--socket', bus.path, '--id', 'c-producer',
                                   '--push', '1', 'stock', '[{"item": "bolt", "count": 7}]')
        check_equal(status, 0, 'emit status (stderr %r)' % err)
        with connect(bus, 'late') as late:
            replayed = late.subscribe('stock')
            check_equal(len(replayed), 1, 'replayed events')
            check_event(replayed[0], 'stock', 'c-producer', [{'item': 'bolt', 'count': 7}],
                        retained=True, pushed=True)


def test_publish_to_c_subscriber():
    with Bus() as bus, connect(bus, 'py-pub') as pub:
        waiter = bus.spawn('wait', '--socket', bus.path, '--timeout', str(PATIENCE),
                           'request_product')
        wait_for_subscriptions(bus, pub, 1)
        pub.publish('request_product', ['some product', 3, True, None, 2.5])
        out, err = waiter.communicate(timeout=PATIENCE)
        check_equal(waiter.returncode, 0, 'wait status (stderr %r)' % err)
        check_equal(json.loads(out.decode()), ['some product', 3, True, None, 2.5],
                    'what wait printed')
        check_equal(out.decode().count('\n'), 1, 'lines printed')


def test_push_backlog():
    with Bus() as bus, connect(bus, 'pub') as pub:
        for i in range(1, 11):
            pub.publish('temp', [i], push=5)
        pub.publish('loud', ['yelled, never retained'])
        with connect(bus, 'late') as late:
            replayed = late.subscribe('temp')
            check_equal([e.json()['params'] for e in replayed], [[6], [7], [8], [9], [10]],
                        'the last 5, in order')
            for e in replayed:
                check_event(e, 'temp', 'pub', e.json()['params'], retained=True, pushed=True)
            check_equal([e.seq for e in replayed], [6, 7, 8, 9, 10], 'seqs')
            # Then live events, no gap, no duplicate.
            pub.publish('temp', [11], push=5)
            check_event(late.expect(EVENT), 'temp', 'pub', [11], pushed=True)
            check_equal(late.subscribe('loud'), [], 'a yell is not replayed')
        # The last push's backlog governs the buffer: 1 is "latest value".
        pub.publish('temp', [12], push=1)
        with connect(bus, 'later') as later:
            replayed = later.subscribe('temp')
            check_equal([e.json()['params'] for e in replayed], [[12]], 'latest only')
        # 0 is unbounded.
        for i in range(20):
            pub.publish('log', [i], push=0)
        with connect(bus, 'reader') as reader:
            replayed = reader.subscribe('log')
            check_equal([e.json()['params'][0] for e in replayed], list(range(20)), 'all of them')


def test_no_gap_joining_a_stream():
    # A subscriber that joins while pushes stream in: the retained ones up
    # to its SUBSCRIBE, then the live ones from there, each exactly once.
    n = 5000
    with Bus() as bus, connect(bus, 'pub') as pub, connect(bus, 'sub') as sub:
        for i in range(n // 2):
            pub.publish('stream', [i], push=0)
        request = sub.request_id()
        sub.send(frame(SUBSCRIBE, name='stream', arg=request))
        for i in range(n // 2, n):
            pub.publish('stream', [i], push=0)
        seen, retained, acked = [], 0, False
        while len(seen) < n:
            received = sub.receive()
            if received.type == ACK:
                check(not acked, 'one ACK')
                acked = True
                continue
            check_equal(received.type, EVENT, 'frame type')
            check_equal(bool(received.flags & RETAINED), not acked,
                        'RETAINED before the ACK only, %r' % received)
            retained += not acked
            seen.append(received.json()['params'][0])
        check(acked, 'the ACK came')
        # How many were retained depends on when the broker read the
        # SUBSCRIBE among the pushes: any split is right, a gap is not.
        print('# %d of %d replayed' % (retained, n))
        check(seen == list(range(n)), 'every event once, in order')


def test_retained_replay_order():
    with Bus() as bus, connect(bus, 'pub') as pub:
        for i in range(4):
            pub.publish('room.a', ['a%d' % i], push=3)
            pub.publish('room.b', ['b%d' % i], push=0)
        pub.publish('hall', ['h'], push=0)
        with connect(bus, 'late') as late:
            replayed = late.subscribe('room.*')
            for e in replayed:
                check(e.flags & RETAINED, 'RETAINED on %r' % e)
            by_name = {}
            for e in replayed:
                by_name.setdefault(e.name, []).append(e.json()['params'][0])
            check_equal(by_name, {'room.a': ['a1', 'a2', 'a3'],
                                  'room.b': ['b0', 'b1', 'b2', 'b3']},
                        'each name\'s backlog, in publish order')
        with connect(bus, 'everything') as everything:
            replayed = everything.subscribe('*')
            check_equal(sorted(e.name for e in replayed),
                        ['hall'] + ['room.a'] * 3 + ['room.b'] * 4, 'replayed for *')


def test_c_monitor_sees_retained_first():
    with Bus() as bus, connect(bus, 'pub') as pub:
        pub.publish('status', ['old'], push=1)
        pub.publish('status', ['current'], push=1)
        monitor, out = bus.spawn_to_file('monitor.out', 'monitor', '--socket', bus.path, 'status')
        wait_for_subscriptions(bus, pub, 1)
        pub.publish('status', ['live'])
        line1, line2 = wait_until(lambda: len(lines(out)) >= 2 and lines(out)[:2],
                                  'two lines from monitor')
        fields1 = line1.split(' ', 3)
        fields2 = line2.split(' ', 3)
        check_equal(fields1[0:2], ['status', 'pub'], 'retained line %r' % line1)
        check_equal(json.loads(fields1[3]), ['current'], 'retained line %r' % line1)
        check_equal(fields2[0:2], ['status', 'pub'], 'live line %r' % line2)
        check_equal(json.loads(fields2[3]), ['live'], 'live line %r' % line2)


def test_frame_too_large():
    with Bus(['--max-frame-size', '4096']) as bus, connect(bus, 'big') as big, \
            connect(bus, 'sub') as sub:
        sub.subscribe('blob')
        seq, _ = big.publish('blob', ['x' * 8000])
        error = big.expect(ERROR)
        check_equal(error.json()['code'], 'frame-too-large', 'error code')
        check(error.json()['message'], 'a message')
        check_equal(error.arg, 0, 'ERROR arg for a PUBLISH')
        check_equal(error.seq, seq, 'ERROR seq')
        # The connection keeps working, and nothing of the big frame leaked.
        big.publish('blob', ['small'])
        check_event(sub.expect(EVENT), 'blob', 'big', ['small'])
        check_equal(big.subscribe('echo'), [], 'replayed events')
        # A request over the limit is answered with its request id.
        big.send(frame(SUBSCRIBE, name='n' * 5000, arg=99))
        error = big.expect(ERROR)
        check_equal((error.arg, error.json()['code']), (99, 'frame-too-large'), 'ERROR')
        check(big.stats()['rejected'] >= 2, 'rejected frames are counted')


def test_frame_size_limit_is_inclusive():
    with Bus(['--max-frame-size', '4096']) as bus, connect(bus, 'pub') as pub, \
            connect(bus, 'sub') as sub:
        sub.subscribe('b')
        for size in (4096, 4097):
            # A frame of exactly `size` bytes, header included.
            pad = size - HEADER.size - len('b') - len(notification('b', ['']))
            pub.send(frame(PUBLISH, name='b', body=notification('b', ['x' * pad]), seq=size))
        pub.publish('b', ['end'])
        check_equal(HEADER.size + 1 + len(sub.expect(EVENT).body), 4096, 'the frame at the limit')
        check_event(sub.expect(EVENT), 'b', 'pub', ['end'])
        error = pub.expect(ERROR)
        check_equal((error.seq, error.json()['code']), (4097, 'frame-too-large'), 'one over')


def test_frame_too_large_names_frame():
    # PROTOCOL.md: "seq and name are those of the refused frame", also for
    # a frame over the limit, whose bytes are discarded as they come.
    with Bus(['--max-frame-size', '4096']) as bus, connect(bus, 'big') as big:
        seq, _ = big.publish('blob', ['x' * 100000])
        error = big.expect(ERROR)
        check_equal(error.json()['code'], 'frame-too-large', 'error code')
        check_equal(error.seq, seq, 'ERROR seq')
        check_equal(error.name, 'blob', 'ERROR name')


def test_invalid_json():
    with Bus() as bus, connect(bus, 'bad') as bad, connect(bus, 'sub') as sub:
        sub.subscribe('thing')
        for body in (b'{"jsonrpc": "2.0", "method": "thing", "params": [',
                     b'not json at all',
                     b'["\xff\xfe not utf-8"]',
                     b'["a lone surrogate \\ud800"]'):
            seq, _ = bad.publish('thing', None, body=body)
            error = bad.expect(ERROR)
            check_equal(error.json()['code'], 'invalid-json', 'code for %r' % body)
            check_equal(error.seq, seq, 'ERROR seq')
        bad.publish('thing', ['fine'])
        check_event(sub.expect(EVENT), 'thing', 'bad', ['fine'])


def test_invalid_notification():
    # Issue 10, item 4: JSON that is not a JSON-RPC 2.0 notification of the
    # frame's name is refused, not routed: one bad publisher would make every
    # subscriber fail to read it.
    bodies = [
        ('a bare array', b'["product"]'),
        ('a string', b'"thing"'),
        ('no jsonrpc', b'{"method": "thing", "params": []}'),
        ('jsonrpc 1.0', b'{"jsonrpc": "1.0", "method": "thing", "params": []}'),
        ('jsonrpc a number', b'{"jsonrpc": 2.0, "method": "thing", "params": []}'),
        ('no method', b'{"jsonrpc": "2.0", "params": []}'),
        ('method not a string', b'{"jsonrpc": "2.0", "method": ["thing"], "params": []}'),
        ('method another name', b'{"jsonrpc": "2.0", "method": "other", "params": []}'),
        ('method a prefix of the name', b'{"jsonrpc": "2.0", "method": "thin", "params": []}'),
        ('params a number', b'{"jsonrpc": "2.0", "method": "thing", "params": 3}'),
        ('params a string', b'{"jsonrpc": "2.0", "method": "thing", "params": "[1]"}'),
        ('params null', b'{"jsonrpc": "2.0", "method": "thing", "params": null}'),
        ('an id', b'{"jsonrpc": "2.0", "method": "thing", "params": [], "id": 1}'),
        ('an id of null', b'{"jsonrpc": "2.0", "method": "thing", "params": [], "id": null}'),
        ('method twice', b'{"jsonrpc": "2.0", "method": "thing", "method": "other", "params": []}'),
    ]
    with Bus() as bus, connect(bus, 'bad') as bad, connect(bus, 'sub') as sub:
        sub.subscribe('thing')
        for what, body in bodies:
            for push in (None, 1):
                seq, _ = bad.publish('thing', None, body=body, push=push)
                error = bad.expect(ERROR)
                check_equal((error.json()['code'], error.seq, error.name, error.arg),
                            ('invalid-notification', seq, 'thing', 0), 'ERROR for %s' % what)
                check(error.json()['message'].startswith(
                    'The body is not a JSON-RPC 2.0 notification: '),
                      'message for %s: %r' % (what, error.json()['message']))
        # Not JSON stays invalid-json.
        bad.publish('thing', None, body=b'["product"')
        check_equal(bad.expect(ERROR).json()['code'], 'invalid-json', 'code for truncated JSON')
        # The connection stays usable; nothing refused was routed or retained.
        for params in ([1], {'named': True}):
            body = json.dumps({'jsonrpc': '2.0', 'method': 'thing', 'params': params}).encode()
            bad.publish('thing', None, body=body)
            event = sub.expect(EVENT)
            check_equal(event.body, body, 'the body after the refusals')
        escaped = b'{"params": [], "extra": 1, "method": "\\u0074hing", "jsonrpc": "2\\u002e0"}'
        bad.publish('thing', None, body=escaped)
        check_equal(sub.expect(EVENT).body, escaped, 'escaped names compare decoded')
        bad.publish('thing', None, body=b'{"jsonrpc": "2.0", "method": "thing"}')
        check_equal(sub.expect(EVENT).body, b'{"jsonrpc": "2.0", "method": "thing"}',
                    'params may be absent')
        stats = bad.stats()
        check_equal(stats['rejected'], 2 * len(bodies) + 1, 'rejected')
        check_equal(stats['retained'], {}, 'retained')
        check_equal(stats['events_in'], 4, 'events_in')


def test_refused_frames_keep_connection():
    with Bus() as bus, connect(bus, 'odd') as odd:
        odd.publish('wild.*', ['no'])
        check_equal(odd.expect(ERROR).json()['code'], 'invalid-name', 'a * in a PUBLISH name')
        odd.publish('', ['no'])
        check_equal(odd.expect(ERROR).json()['code'], 'invalid-name', 'an empty name')
        odd.send(frame(SUBSCRIBE, name=b'\xff\xfe', arg=5))
        error = odd.expect(ERROR)
        check_equal((error.arg, error.json()['code']), (5, 'invalid-name'), 'non-UTF-8 name')
        odd.send(frame(99, name='x', arg=6))
        check_equal(odd.expect(ERROR).json()['code'], 'unknown-type', 'type 99')
        odd.send(frame(PUBLISH, name='x', body=notification('x', []), flags=0x80))
        check_equal(odd.expect(ERROR).json()['code'], 'unknown-flags', 'flags 0x80')
        odd.send(frame(EVENT, name='x', body=notification('x', [])))
        check_equal(odd.expect(ERROR).json()['code'], 'unexpected', 'an EVENT from a peer')
        # Still a working peer.
        odd.subscribe('echo')
        odd.publish('echo', ['back'])
        check_event(odd.expect(EVENT), 'echo', 'odd', ['back'])


def test_sync_answered_after_refusals():
    # Issue 10: a SYNC is answered with ACK once every frame before it is
    # handled, the ERROR of any refused one first: mre_peer_flush() learns
    # from it that a yell was refused.
    with Bus(['--max-frame-size', '4096']) as bus, connect(bus, 'syncer') as syncer:
        syncer.publish('big', ['y' * 5000], seq=7)
        syncer.publish('bad', None, body=b'["not a notification"]', seq=8)
        syncer.publish('fine', [1], seq=9)
        syncer.send(frame(SYNC, arg=41))
        first, second = syncer.expect(ERROR), syncer.expect(ERROR)
        check_equal([(first.seq, first.json()['code']), (second.seq, second.json()['code'])],
                    [(7, 'frame-too-large'), (8, 'invalid-notification')], 'the refusals')
        ack = syncer.expect(ACK)
        check_equal((ack.arg, ack.flags), (41, 0), 'the ACK answers the SYNC')
        check_equal(syncer.stats()['events_in'], 1, 'the one good event went in')


def test_garbage_closes_only_that_connection():
    with Bus() as bus, connect(bus, 'bystander') as bystander:
        bystander.subscribe('marker')
        cases = [
            ('garbage before the handshake', b'GET / HTTP/1.1\r\nHost: x\r\n\r\n' + b'.' * 32, False),
            ('a frame other than HELLO first', frame(SUBSCRIBE, name='x', arg=1), False),
            ('HELLO naming protocol 2', frame(HELLO, body=b'{"protocol": 2}'), False),
            ('wrong frame version', frame(PUBLISH, name='x', body=notification('x', []), version=2), True),
            ('reserved byte set', frame(PUBLISH, name='x', body=notification('x', []))[:3] + b'\x01'
             + frame(PUBLISH, name='x', body=notification('x', []))[4:], True),
            ('an impossible length', HEADER.pack(1, PUBLISH, 0, 0, 0, 0, 0, 1, 0, 0x7fffffff), True),
            ('garbage after the handshake', b'\x00' * 64, True),
        ]
        for what, data, after_hello in cases:
            with Connection(bus.path) as victim:
                if after_hello:
                    victim.hello('victim')
                victim.send(data)
                frames = victim.expect_closed()
                for f in frames:
                    check(f.type == ERROR, '%s: only an ERROR may come first, got %r' % (what, f))
            with connect(bus, 'pub') as pub:
                pub.publish('marker', [what])
                check_event(bystander.expect(EVENT), 'marker', 'pub', [what])
        # A truncated frame: half a header, then the peer hangs up.
        with Connection(bus.path) as victim:
            victim.hello('victim')
            victim.send(frame(PUBLISH, name='marker', body=notification('marker', []))[:20])
        roundtrip(bus)
        pub = connect(bus, 'pub')
        pub.publish('marker', ['after all'])
        check_event(bystander.expect(EVENT), 'marker', 'pub', ['after all'])
        pub.close()


def test_stats():
    with Bus() as bus, connect(bus, 'a') as a, connect(bus, 'b') as b:
        a.subscribe('x')
        b.publish('x', [1])
        b.publish('y', [2], push=3)
        a.expect(EVENT)
        # The broker may not have seen the fixture's probe connection go yet.
        stats = wait_until(lambda: (lambda s: s['connections'] == 2 and s)(b.stats()),
                           'two connections in STATS')
        for key in ('connections', 'subscriptions', 'events_in', 'events_out',
                    'events_per_second', 'dropped', 'slow_disconnects', 'rejected',
                    'retained'):
            check(key in stats, 'STATS_REPLY has %r: %r' % (key, stats))
        check_equal(stats['connections'], 2, 'connections')
        check_equal(stats['subscriptions'], 1, 'subscriptions')
        check_equal(stats['events_in'], 2, 'events_in')
        check_equal(stats['events_out'], 1, 'events_out')
        check_equal(stats['retained'], {'y': 1}, 'retained')
        check_equal(stats['dropped'], 0, 'dropped')
        # The tool's stats says the same, as pretty JSON.
        status, out, err = bus.run('stats', '--socket', bus.path)
        check_equal(status, 0, 'stats status (stderr %r)' % err)
        check_equal(json.loads(out)['retained'], {'y': 1}, 'retained, from the tool')


TESTS = [
    ('the example frames and bodies of docs/PROTOCOL.md, sent byte for byte, arrive as it says',
     test_protocol_md_examples),
    ('HELLO is answered with WELCOME: the id, protocol and limits', test_handshake),
    ('SUBSCRIBE and UNSUBSCRIBE are acknowledged; one delivery per event', test_subscribe_ack),
    ('a yell from one raw peer reaches another, header and body unchanged', test_yell_raw_to_raw),
    ('a subscription filtered by sender', test_sender_filter),
    ('EVENTs from a C publisher (mreventloop emit), yell and push', test_event_from_c_publisher),
    ('a raw PUBLISH reaches a C subscriber (mreventloop wait)', test_publish_to_c_subscriber),
    ('push with backlog 5, 1 and unbounded; yells are not retained', test_push_backlog),
    ('joining a stream of pushes: retained then live, no gap, no duplicate',
     test_no_gap_joining_a_stream),
    ('retained events are replayed before the ACK, each name in order', test_retained_replay_order),
    ('a C monitor gets the retained event first, then live ones', test_c_monitor_sees_retained_first),
    ('a frame over max-frame-size gets ERROR frame-too-large; the connection stays', test_frame_too_large),
    ('max-frame-size counts the header; a frame of exactly that size passes',
     test_frame_size_limit_is_inclusive),
    ('the ERROR for a frame over the limit names the refused frame',
     test_frame_too_large_names_frame),
    ('invalid JSON gets ERROR invalid-json; the connection stays', test_invalid_json),
    ('JSON that is not a JSON-RPC notification of the name gets ERROR invalid-notification; '
     'the connection stays', test_invalid_notification),
    ('bad names, types and flags get an ERROR; the connection stays', test_refused_frames_keep_connection),
    ('SYNC is answered with ACK after the ERRORs of the frames before it (issue 10)',
     test_sync_answered_after_refusals),
    ('garbage, a wrong version or a truncated frame close only that connection',
     test_garbage_closes_only_that_connection),
    ('STATS is answered with the counters', test_stats),
]

if __name__ == '__main__':
    if run_tests(TESTS):
        raise SystemExit(1)
