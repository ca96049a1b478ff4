#!/usr/bin/python3
# fuzz/make-corpus.py
#
# Copyright 2026 The mreventloop authors
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Writes the seed corpus of each fuzz target to fuzz/corpus/<target>/:
# real frames of docs/PROTOCOL.md (a HELLO, subscriptions, yells and pushes
# with JSON-RPC bodies, STATS, and the refused kinds: bad versions, unknown
# types and flags, names that are not UTF-8, frames too large, bodies that
# are not JSON-RPC notifications of their name), whole
# conversations for the handshake, and JSON arguments of every carried
# type. Run it again after changing it; the files are named by content.

import hashlib
import json
import os
import struct
import sys

(HELLO, WELCOME, SUBSCRIBE, UNSUBSCRIBE, ACK, PUBLISH, EVENT, ERROR, STATS, STATS_REPLY,
 SYNC) = range(1, 12)
PUSH, RETAINED = 1, 2
T = 1_700_000_000_000_000


def frame(type, name=b'', sender=b'', body=b'', flags=0, arg=0, seq=0, time=T,
          version=1, reserved=0, lengths=None):
    if isinstance(name, str):
        name = name.encode()
    if isinstance(sender, str):
        sender = sender.encode()
    if isinstance(body, str):
        body = body.encode()
    n, s, b = lengths or (len(name), len(sender), len(body))
    return struct.pack('>BBBBIQqHHI', version, type, flags, reserved, arg, seq, time,
                       n, s, b) + name + sender + body


def rpc(method, *params):
    return json.dumps({'jsonrpc': '2.0', 'method': method, 'params': list(params)})


hello = frame(HELLO, 'p-1', body='{"protocol": 1}')
# Durable push (docs/PROTOCOL.md): a session, and SUBSCRIBE with positions.
hello_session = frame(HELLO, 'p-2', body='{"protocol": 1, "session": "7f3e6a52-1c1b-4c55"}')

frames = {
    'hello': hello,
    'hello-anonymous': frame(HELLO),
    'hello-protocol-2': frame(HELLO, body='{"protocol": 2}'),
    'hello-not-json': frame(HELLO, body='protocol 1'),
    'welcome': frame(WELCOME, 'peer-1',
                     body='{"protocol":1,"max_frame_size":16777216,"broker":"mreventloop 0.1.0"}'),
    'subscribe': frame(SUBSCRIBE, 'produced', arg=1),
    'subscribe-prefix-sender': frame(SUBSCRIBE, 'prod.*', 'p-1', arg=2),
    'subscribe-all': frame(SUBSCRIBE, '*', arg=3),
    'unsubscribe': frame(UNSUBSCRIBE, 'produced', arg=4),
    'yell': frame(PUBLISH, 'produced', body=rpc('produced', 'some product'), seq=1),
    'yell-args': frame(PUBLISH, 'tick', body=rpc('tick', 3, -2147483648, 4294967295, 0.1, True, None,
                                                  'a"b\u00e9\U0001F600\n'), seq=2),
    'push': frame(PUBLISH, 'produced', body=rpc('produced', 'kept'), flags=PUSH, arg=5,
                  seq=0x0102030405060708),
    'push-unbounded': frame(PUBLISH, 'state', body=rpc('state', {'a': [1, 2.5, 's', None, True, {}]}),
                            flags=PUSH, arg=0, seq=3),
    'publish-named-params': frame(PUBLISH, 'named', body='{"jsonrpc":"2.0","method":"named","params":{"x":1}}'),
    'publish-bad-json': frame(PUBLISH, 'bad', body='{"params":[1,'),
    # Bodies that are JSON but no JSON-RPC 2.0 notification of the name
    # (invalid-notification), and one whose names are escaped.
    'publish-bare-array': frame(PUBLISH, 'produced', body='["product"]'),
    'publish-no-jsonrpc': frame(PUBLISH, 'n', body='{"method":"n","params":[]}'),
    'publish-jsonrpc-1': frame(PUBLISH, 'n', body='{"jsonrpc":"1.0","method":"n","params":[]}'),
    'publish-method-other': frame(PUBLISH, 'n', body='{"jsonrpc":"2.0","method":"o","params":[]}'),
    'publish-method-array': frame(PUBLISH, 'n', body='{"jsonrpc":"2.0","method":["n"],"params":[]}'),
    'publish-params-scalar': frame(PUBLISH, 'n', body='{"jsonrpc":"2.0","method":"n","params":3}'),
    'publish-id': frame(PUBLISH, 'n', body='{"jsonrpc":"2.0","method":"n","params":[],"id":1}'),
    'publish-method-twice': frame(PUBLISH, 'n', body='{"jsonrpc":"2.0","method":"n","method":"o"}'),
    'publish-escaped': frame(PUBLISH, 'n.\u00e9', body='{"j\\u0073onrpc":"2.0","method":"n.\\u00e9"}'),
    'publish-star': frame(PUBLISH, 'a*', body=rpc('a*')),
    'event': frame(EVENT, 'produced', 'p-1', rpc('produced', 'x'), flags=PUSH | RETAINED, seq=9),
    'error': frame(ERROR, 'produced', body='{"code":"invalid-name","message":"no"}', arg=1),
    'stats': frame(STATS, arg=7),
    'sync': frame(SYNC, arg=8),
    'stats-reply': frame(STATS_REPLY, body='{"connections":1}', arg=7),
    'ack': frame(ACK, arg=1),
    'bad-version': frame(HELLO, version=2),
    'bad-reserved': frame(HELLO, reserved=1),
    'unknown-type': frame(42, 'x'),
    'unknown-flags': frame(PUBLISH, 'x', body=rpc('x'), flags=0x80),
    'name-not-utf8': frame(SUBSCRIBE, b'\xff\xfe', arg=1),
    'sender-not-utf8': frame(PUBLISH, 'x', b'\xc3', body=rpc('x')),
    'too-large': frame(PUBLISH, 'x', lengths=(1, 0, 100000)) + b'x' * 64,
    'past-hard-max': frame(PUBLISH, lengths=(0, 0, 0xffffffff)),
    'truncated': hello[:40],
    'hello-session': hello_session,
    'hello-session-not-string': frame(HELLO, body='{"protocol": 1, "session": 5}'),
    'subscribe-since': frame(SUBSCRIBE, 'produced', arg=8,
                             body='{"store": "s", "since": {"produced": 3, "other": 0}}'),
    'subscribe-since-bad': frame(SUBSCRIBE, 'p.*', arg=9, body='{"since": {"p.a": -1}}'),
    'ack-push': frame(ACK, flags=PUSH, seq=5),
}

conversations = {
    'hello-only': hello,
    'hello-subscribe-yell': hello + frames['subscribe'] + frames['yell'],
    'hello-push-subscribe': hello + frames['push'] + frames['push'] + frames['subscribe-all'],
    'hello-subscribe-prefix-push': hello + frames['subscribe-prefix-sender'] +
        frame(PUBLISH, 'prod.a', body=rpc('prod.a', 1), flags=PUSH, arg=1),
    'hello-unsubscribe': hello + frames['subscribe'] + frames['unsubscribe'] + frames['unsubscribe'],
    'hello-stats': hello + frames['stats'],
    'hello-yell-refused-sync': hello + frames['publish-star'] + frames['yell'] + frames['sync'],
    'hello-refused': hello + frames['unknown-type'] + frames['unknown-flags'] + frames['name-not-utf8'] +
        frames['too-large'] + frames['publish-bad-json'] + frames['publish-star'] + frames['event'] +
        frames['stats'],
    'hello-not-notifications': hello + frames['subscribe-all'] + b''.join(
        frames[k] for k in ('publish-bare-array', 'publish-no-jsonrpc', 'publish-jsonrpc-1',
                            'publish-method-other', 'publish-method-array', 'publish-params-scalar',
                            'publish-id', 'publish-method-twice', 'publish-escaped')) + frames['stats'],
    'hello-anonymous-yell': frames['hello-anonymous'] + frames['yell-args'],
    'hello-then-garbage': hello + b'\x02garbage',
    'hello-then-past-hard-max': hello + frames['past-hard-max'],
    'subscribe-first': frames['subscribe'] + hello,
    'refused-first': frames['unknown-type'] + hello,
    'bad-version': frames['bad-version'],
    'hello-protocol-2': frames['hello-protocol-2'],
    'hello-not-json': frames['hello-not-json'],
    'hello-twice': hello + hello,
    'half-frame': hello + frames['yell'][:20],
    'session-pushes-again': hello_session + frames['push'] + frames['push'] + frames['yell'] +
        frames['push-unbounded'] + frames['push-unbounded'] + frames['subscribe-since'] + frames['push'],
    'session-subscribe-since': hello_session + frames['push-unbounded'] + frames['subscribe-since-bad'] +
        frame(SUBSCRIBE, 'state', arg=10, body='{"store": "s", "since": {"state": 1}}') + frames['stats'],
    'session-not-string': frames['hello-session-not-string'] + frames['push'],
}

# JSON: a 4-byte header (see fuzz-json.c): byte 0, bits 0-4 the type to
# decode to (an index into decode_types[]), bits 5-6 the number of params;
# bytes 1-3 the params' types (indices into param_types[]).
DECODE = ['boolean', 'char', 'uchar', 'int', 'uint', 'long', 'ulong', 'int64', 'uint64', 'float',
          'double', 'string', 'strv', 'enum', 'flags', 'bytes', 'variant', 'node', 'point', 'pointer']
PARAM = ['string', 'boolean', 'int', 'uint', 'int64', 'double', 'uint64']


def json_input(decode, text, params=()):
    head = bytes([DECODE.index(decode) | len(params) << 5] +
                 [PARAM.index(p) for p in params] + [0] * (3 - len(params)))
    return head + text.encode()


values = [
    ('boolean', 'true'), ('boolean', 'false'), ('char', '-128'), ('uchar', '255'),
    ('int', '-2147483648'), ('uint', '4294967295'), ('long', '-9223372036854775808'),
    ('ulong', '"18446744073709551615"'), ('int64', '9223372036854775807'),
    ('uint64', '"18446744073709551615"'), ('uint64', '12'), ('float', '0.1'), ('double', '1e-10'),
    ('double', '-0.0'), ('double', '1.7976931348623157e308'), ('double', '3'),
    ('string', '"some product, \\u00fcn\\u00efc\\u00f6d\\u00e9, \\u0001\\\\\\""'), ('string', 'null'),
    ('strv', '["a","","\\u00fcn\\u00efc\\u00f6d\\u00e9 \\"quoted\\"\\n"]'), ('strv', 'null'),
    ('enum', '"timed-out"'), ('flags', '["in","hup"]'), ('flags', '[]'),
    ('bytes', '"AAEC//4AeA=="'), ('bytes', 'null'),
    ('variant', '{"signature":"(a{sv}aymsd)","value":[{"a":1,"b":"x"},[0,255],[],3.5]}'),
    ('variant', '{"signature":"a{ix}","value":{"1":2}}'), ('variant', '{"signature":"h","value":1}'),
    ('node', '{"k":[1,2.5,"s",null,true,{}]}'), ('node', 'null'),
    ('point', '{"x":-7,"label":"p\\tq","weight":0.25,"tag":null}'),
    ('point', '{"x":1,"next":{"x":2}}'), ('pointer', '1'),
    # Issue 10: what json-glib 1.6 wraps or cuts.
    ('uint64', '18446744073709551615'), ('int64', '18446744073709551615'),
    ('int64', '-9223372036854775809'), ('double', '18446744073709551616'),
    ('ulong', '123456789012345678901234567890'), ('string', '"a\\u0000b"'),
    ('node', '[1,18446744073709551615]'), ('strv', '["\\u0000"]'),
]

params = [
    ('{"jsonrpc":"2.0","method":"m","params":["a\\"b\\u00e9\\ud83d\\ude00\\n",3,true]}',
     ('string', 'int', 'boolean')),
    (' { "params" : [ -2147483648 , 4294967295 , 0.1 ] , "method":"m" } ', ('int', 'uint', 'double')),
    ('{"params":[null,-9223372036854775808,1e-10]}', ('string', 'int64', 'double')),
    ('{"params":[]}', ()),
    ('{"params":[2147483648]}', ('int',)),
    ('{"params":[9007199254740993]}', ('double',)),
    ('{"params":[1.5]}', ('int',)),
    ('{"params":["1e-10"]}', ('double',)),
    ('{"params":[1,2]}', ('int',)),
    ('{"params":[1]}', ('int', 'int')),
    ('{"params":{"a":1}}', ('int',)),
    ('{"params":[1],"params":[2]}', ('int',)),
    ('{"params":["\\ud800"]}', ('string',)),
    ('{"params":["\\u0000"]}', ('string',)),
    ('{"params":[1]}', ('uint64',)),
    ('{"method":"m"}', ()),
    ('{"params":["x",18446744073709551615]}', ('string', 'int64')),
    ('{"params":[18446744073709551615,"a\\u0000b"]}', ('uint64', 'string')),
    ('{"jsonrpc":"2.0","method":"m","params":[1],"id":1}', ('int',)),
    ('{"jsonrpc":"2.0","method":"\\u006d","params":{"a":1}}', ()),
]


def write(directory, items):
    os.makedirs(directory, exist_ok=True)
    for data in items:
        name = hashlib.sha1(data).hexdigest()[:16]
        with open(os.path.join(directory, name), 'wb') as f:
            f.write(data)


def main():
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'corpus')
    write(os.path.join(root, 'frame'), list(frames.values()) +
          [b''.join(frames[k] for k in ('hello', 'subscribe', 'yell', 'push', 'stats'))])
    write(os.path.join(root, 'handshake'), conversations.values())
    json_items = [json_input(t, text) for t, text in values]
    json_items += [json_input('node', text, types) for text, types in params]
    for f in frames.values():
        body = f[32 + struct.unpack('>H', f[24:26])[0] + struct.unpack('>H', f[26:28])[0]:]
        if body:
            json_items.append(json_input('node', body.decode('utf-8', 'replace')))
    write(os.path.join(root, 'json'), json_items)
    return 0


if __name__ == '__main__':
    sys.exit(main())
