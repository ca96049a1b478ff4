#!/usr/bin/python3
# test-durable.py
#
# Copyright 2026 The mreventloop authors
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Durable push on the wire (docs/PROTOCOL.md, "Durable push"), spoken raw
# with test-protocol.py's Connection: pushes acknowledged per session and
# stored once however often they are sent, positions, replays that start
# after a given position, and a store (--state-dir) that outlives a SIGKILL
# of the broker. A real broker (`mreventloop broker`). Prints TAP.
#
# Run by meson with MREVENTLOOP_TOOL set to the built tool.

import importlib.util
import json
import os
import signal
import stat

from mretap import Bus, PATIENCE, check, check_equal, run_tests

_spec = importlib.util.spec_from_file_location(
    'mre_test_protocol', os.path.join(os.path.dirname(os.path.abspath(__file__)), 'test-protocol.py'))
proto = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(proto)

Connection, connect, frame, notification = (
    proto.Connection, proto.connect, proto.frame, proto.notification)
HELLO, WELCOME, SUBSCRIBE, ACK, EVENT, ERROR, STATS_REPLY = (
    proto.HELLO, proto.WELCOME, proto.SUBSCRIBE, proto.ACK, proto.EVENT, proto.ERROR,
    proto.STATS_REPLY)
PUSH, RETAINED = proto.PUSH, proto.RETAINED

SESSION = '7f3e6a52-1c1b-4c55-9e1e-5d1f6c0a9b21'


def connect_session(bus, id, session=SESSION):
    """A connection whose HELLO names a session: (connection, WELCOME body)."""
    conn = Connection(bus.path)
    conn.send(frame(HELLO, name=id, body=json.dumps({'protocol': 1, 'session': session}).encode()))
    welcome = conn.expect(WELCOME)
    conn.id = welcome.name
    return conn, welcome.json()


def push(conn, name, params, seq, backlog=0):
    conn.send(frame(proto.PUBLISH, name=name, body=notification(name, params), flags=PUSH,
                    arg=backlog, seq=seq, time=proto.now_us()))


def expect_push_ack(conn, seq):
    """ACKs with PUSH until one acknowledges @seq; an ACK's seq never goes
    back (a copy sent again is acknowledged with the last seq stored)."""
    last = 0
    while last < seq:
        ack = conn.expect(ACK)
        check_equal((ack.flags, ack.arg), (PUSH, 0), 'flags and arg of a push ACK %r' % ack)
        check(ack.seq >= last, 'ACK seqs never go back: %d after %d' % (ack.seq, last))
        last = ack.seq
    check_equal(last, seq, 'the last push acknowledged')


def expect_stats_next(conn):
    """The next frame is the answer to STATS: nothing was acknowledged."""
    request = conn.request_id()
    conn.send(frame(proto.STATS, arg=request))
    reply = conn.receive()
    check_equal(reply.type, STATS_REPLY, 'the frame after a yell or a push without session')
    return reply.json()


def params_of(events):
    return [e.json()['params'] for e in events]


def test_push_acknowledged():
    with Bus() as bus:
        conn, welcome = connect_session(bus, 'pub')
        with conn:
            check(isinstance(welcome.get('store'), str) and welcome['store'], 'WELCOME names the store')
            for seq in (1, 2, 3):
                push(conn, 'temp', [seq], seq)
            expect_push_ack(conn, 3)
            # A yell is never acknowledged.
            conn.publish('loud', ['hey'], seq=4)
            expect_stats_next(conn)
        # Without a session, a push is not acknowledged either.
        with connect(bus, 'plain') as plain:
            plain.publish('temp', [9], push=0)
            check_equal(expect_stats_next(plain)['retained'], {'temp': 4}, 'retained')


def test_refused_push_acknowledged():
    """A push the broker refuses is acknowledged after its ERROR: the peer
    would only send it again in vain."""
    with Bus(['--max-frame-size', '4096']) as bus:
        conn, _ = connect_session(bus, 'pub')
        with conn:
            conn.send(frame(proto.PUBLISH, name='big', body=notification('big', ['x' * 5000]),
                            flags=PUSH, seq=1))
            check_equal(conn.expect(ERROR).json()['code'], 'frame-too-large', 'ERROR code')
            expect_push_ack(conn, 1)
            conn.send(frame(proto.PUBLISH, name='bad', body=b'{"params": [1,', flags=PUSH, seq=2))
            check_equal(conn.expect(ERROR).json()['code'], 'invalid-json', 'ERROR code')
            expect_push_ack(conn, 2)
            check_equal(expect_stats_next(conn)['retained'], {}, 'nothing retained')


def test_push_sent_again_is_stored_once():
    with Bus() as bus, connect(bus, 'sub') as sub:
        sub.subscribe('temp')
        conn, _ = connect_session(bus, 'pub')
        with conn:
            for seq in (1, 2, 3):
                push(conn, 'temp', [seq], seq)
            expect_push_ack(conn, 3)
        check_equal(params_of([sub.expect(EVENT) for _ in range(3)]), [[1], [2], [3]], 'live')
        # The connection broke before the ACKs arrived, say: the peer sends
        # 2 and 3 again after reconnecting, then 4.
        conn, _ = connect_session(bus, 'pub')
        with conn:
            for seq in (2, 3, 4):
                push(conn, 'temp', [seq], seq)
            expect_push_ack(conn, 4)
            stats = expect_stats_next(conn)
        event = sub.expect(EVENT)
        check_equal(event.json()['params'], [4], 'only the new push is routed')
        check_equal((stats['push_duplicates'], stats['retained']), (2, {'temp': 4}),
                    'duplicates counted, stored once')
        # Another session's seqs are its own.
        other, _ = connect_session(bus, 'pub', session='another')
        with other:
            push(other, 'temp', [1], 1)
            expect_push_ack(other, 1)
        check_equal(sub.expect(EVENT).json()['params'], [1], "another session's push")


def test_positions():
    with Bus() as bus, connect(bus, 'sub') as sub:
        sub.subscribe('*')
        a, _ = connect_session(bus, 'a', session='session-a')
        b, _ = connect_session(bus, 'b', session='session-b')
        with a, b:
            push(a, 'x', ['a1'], 100)
            expect_push_ack(a, 100)
            push(b, 'y', ['b1'], 7)
            expect_push_ack(b, 7)
            a.publish('z', ['yelled'], seq=101)
            push(a, 'x', ['a2'], 102)
            expect_push_ack(a, 102)
        events = [sub.expect(EVENT) for _ in range(4)]
        # A push's seq is its position in the store, one counter for every
        # name; a yell's is the publisher's.
        check_equal([(e.name, e.seq, bool(e.flags & PUSH)) for e in events],
                    [('x', 1, True), ('y', 2, True), ('z', 101, False), ('x', 3, True)],
                    'names, seqs, PUSH flags')


def test_replay_since():
    with Bus() as bus:
        conn, welcome = connect_session(bus, 'pub')
        with conn:
            for seq in range(1, 11):
                push(conn, 'temp', [seq], seq)
            push(conn, 'other', ['o'], 11)
            expect_push_ack(conn, 11)
        store = welcome['store']
        with connect(bus, 'late') as late:
            def subscribe(pattern, body):
                request = late.request_id()
                late.send(frame(SUBSCRIBE, name=pattern, arg=request, body=json.dumps(body).encode()))
                replayed = []
                while True:
                    received = late.receive()
                    if received.type != EVENT:
                        return received, replayed
                    check_equal((received.arg, received.flags), (request, PUSH | RETAINED),
                                'arg and flags of a replayed event')
                    replayed.append(received)

            reply, replayed = subscribe('temp', {'store': store, 'since': {'temp': 7}})
            check_equal(reply.type, ACK, 'ACK')
            check_equal([e.seq for e in replayed], [8, 9, 10], 'replayed after position 7')
            late.unsubscribe('temp')
            # Positions of another store are ignored: the whole backlog.
            reply, replayed = subscribe('temp', {'store': 'not-this-one', 'since': {'temp': 7}})
            check_equal(len(replayed), 10, 'the whole backlog for another store')
            # A pattern: each name after its own position.
            reply, replayed = subscribe('*', {'store': store, 'since': {'temp': 9, 'other': 0}})
            check_equal([(e.name, e.seq) for e in replayed], [('other', 11)],
                        'temp was replayed to this connection by its subscription already')
            # A body that is not {"since": {name: position}}: ERROR, the
            # connection stays.
            for body in ({'since': {'temp': 'seven'}}, {'since': {'temp': -1}}, {'since': [7]}, [1]):
                reply, replayed = subscribe('fresh', body)
                check_equal((reply.type, reply.json()['code']), (ERROR, 'invalid-json'),
                            'the answer to %r' % body)
            check_equal(late.stats()['subscriptions'], 2, 'the connection stays')


def test_invalid_session():
    with Bus() as bus:
        for session in (123, '', 'x' * 257):
            with Connection(bus.path) as conn:
                conn.send(frame(HELLO, name='bad', body=json.dumps({'protocol': 1, 'session': session}).encode()))
                check_equal(conn.expect_closed(), [], 'closed with no frame for session %.12r' % (session,))


def test_state_dir_survives_sigkill():
    with Bus() as bus:
        state = os.path.join(bus.tmp.name, 'state')
        bus.broker.kill()
        bus.broker.wait(timeout=PATIENCE)
        bus.broker = bus.start_broker(bus.path, ['--state-dir', state])
        conn, welcome = connect_session(bus, 'pub')
        with conn:
            for seq in range(1, 6):
                push(conn, 'stock', [seq], seq, backlog=3)
            expect_push_ack(conn, 5)
        check_equal(os.stat(state).st_mode & 0o777, 0o700, 'state directory mode')

        # Acknowledged means committed: SIGKILL, not a clean stop.
        bus.broker.send_signal(signal.SIGKILL)
        bus.broker.wait(timeout=PATIENCE)
        bus.broker = bus.start_broker(bus.path, ['--state-dir', state])

        conn, again = connect_session(bus, 'pub')
        with conn:
            check_equal(again['store'], welcome['store'], 'the same store after the restart')
            # The session is remembered: push 5 sent again is not stored twice.
            push(conn, 'stock', [5], 5, backlog=3)
            expect_push_ack(conn, 5)
            with connect(bus, 'late') as late:
                replayed = late.subscribe('stock')
                check_equal([(e.seq, e.json()['params']) for e in replayed],
                            [(3, [3]), (4, [4]), (5, [5])], 'positions and events kept')
                push(conn, 'stock', [6], 6, backlog=3)
                expect_push_ack(conn, 6)
                check_equal(late.expect(EVENT).seq, 6, 'positions go on')
                stats = late.stats()
            check_equal((stats['push_duplicates'], stats['retained']), (1, {'stock': 3}),
                        'one duplicate, three retained')

        # One broker per state directory.
        status, out, err = bus.run('broker', '--socket', os.path.join(bus.tmp.name, 'other.sock'),
                                   '--state-dir', state)
        check(status != 0, 'a second broker on the state directory fails')
        check('Another broker uses the state directory' in err, 'its message: %r' % err)


STORE_PRIVATE = {'store.db': '600', 'store.db-wal': '600', 'store.db-shm': '600'}


def store_modes(state):
    return {name: '%o' % stat.S_IMODE(os.stat(os.path.join(state, name)).st_mode)
            for name in STORE_PRIVATE}


def test_store_modes():
    # Issue 10, item 6: store.db, -wal and -shm were 0644 (the umask's) in a
    # 0755 state directory: anyone could read every retained event.
    with Bus() as bus:
        cases = [('a 0755 state directory, umask 022', os.path.join(bus.tmp.name, 'open'), 0o022, True),
                 ('a state directory the broker makes, umask 0222',
                  os.path.join(bus.tmp.name, 'made'), 0o222, False)]
        for what, state, mask, exists in cases:
            if exists:
                os.mkdir(state)
                os.chmod(state, 0o755)
            bus.broker.kill()
            bus.broker.wait(timeout=PATIENCE)
            old_mask = os.umask(mask)
            try:
                bus.broker = bus.start_broker(bus.path, ['--state-dir', state])
            finally:
                os.umask(old_mask)
            conn, _ = connect_session(bus, 'pub')
            with conn:
                push(conn, 'secret', ['only mine'], 1)
                expect_push_ack(conn, 1)
                modes = store_modes(state)
            check_equal(modes, STORE_PRIVATE, 'modes, %s' % what)
            check_equal('%o' % stat.S_IMODE(os.stat(state).st_mode), '755' if exists else '700',
                        'the state directory\'s mode, %s' % what)

        # Files an older broker left readable are made 0600.
        state = cases[0][1]
        bus.broker.kill()
        bus.broker.wait(timeout=PATIENCE)
        for name in ('store.db', 'store.db-wal', 'store.db-shm'):
            os.chmod(os.path.join(state, name), 0o644)
        bus.broker = bus.start_broker(bus.path, ['--state-dir', state])
        with connect(bus, 'late') as late:
            check_equal(params_of(late.subscribe('secret')), [['only mine']], 'the store kept')
        check_equal(store_modes(state), STORE_PRIVATE, 'modes of the files left 0644')


TESTS = [
    ('pushes of a session are acknowledged; yells and session-less pushes are not',
     test_push_acknowledged),
    ('a push refused with an ERROR is acknowledged too', test_refused_push_acknowledged),
    ('a push sent again by its session is acknowledged, and stored and routed once',
     test_push_sent_again_is_stored_once),
    ('a push EVENT carries its position in the store; a yell its publisher\'s seq', test_positions),
    ('SUBSCRIBE with since: the replay starts after the positions given', test_replay_since),
    ('a HELLO with a session that is not a string of 1 to 256 bytes is refused', test_invalid_session),
    ('--state-dir: acknowledged pushes and sessions survive SIGKILL; one broker per directory',
     test_state_dir_survives_sigkill),
    ('store.db, -wal and -shm are 0600 whatever the umask; a state directory made is 0700',
     test_store_modes),
]

if __name__ == '__main__':
    if run_tests(TESTS):
        raise SystemExit(1)
