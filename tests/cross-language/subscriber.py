#!/usr/bin/python3
# subscriber.py
#
# Copyright 2026 The mreventloop authors
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The Python side of the cross-language test, with plain PyGObject: a peer
# subscribed to the events "types.numbers" and "types.others" of
# publisher.c. Each event feeds a named slot whose parameter types are the
# types C sent, so the library decodes the arguments and PyGObject hands
# them to Python; the slot writes each one in the canonical form of
# run.py. Prints "ready" once subscribed, then, when both events have come,
# one line "result JSON" and exits 0 (1 if they did not come in time).
#
# Usage: subscriber.py --socket PATH [--timeout S]

import argparse
import json
import struct
import sys

import gi

gi.require_version('GLib', '2.0')
gi.require_version('GObject', '2.0')
gi.require_version('Gio', '2.0')
gi.require_version('Json', '1.0')
gi.require_version('Mre', '1.0')

from gi.repository import GLib, GObject, Gio, Json, Mre  # noqa: E402


class TestPoint(GObject.Object):
    """The object type C sends (tests/test-values.h), declared again here:
    same type name, same properties (the library refuses an object whose
    JSON has a member the receiving type lacks, read-only "scaled"
    included). "next" is a TestPoint in C; a class cannot name itself in
    its body, so here it is any GObject."""

    __gtype_name__ = 'TestPoint'

    x = GObject.Property(type=int, default=0, minimum=-1000, maximum=1000)
    label = GObject.Property(type=str, default=None)
    weight = GObject.Property(type=float, default=0.0,
                              minimum=-sys.float_info.max,
                              maximum=sys.float_info.max)
    tag = GObject.Property(type=str, default='none')
    next = GObject.Property(type=GObject.Object)

    @GObject.Property(type=float, flags=GObject.ParamFlags.READABLE)
    def scaled(self):
        return self.x * 1e-10


# What the slots take: the types C sends, in its order, but for one: a
# gchar parameter is declared gint. PyGObject hands a gchar to a closure as
# a one-character str decoded as UTF-8, which raises UnicodeDecodeError
# for -128..-1 (C's value is -128) before the slot runs; the library
# decodes the JSON integer into any integer type, range-checked. run.py
# knows of this substitution (KNOWN_LIMITS).
EVENTS = {
    'types.numbers': [
        GObject.TYPE_BOOLEAN, GObject.TYPE_INT, GObject.TYPE_UCHAR,
        GObject.TYPE_INT, GObject.TYPE_UINT, GObject.TYPE_LONG,
        GObject.TYPE_ULONG, GObject.TYPE_INT64, GObject.TYPE_UINT64,
        GObject.TYPE_FLOAT, GObject.TYPE_DOUBLE, GObject.TYPE_DOUBLE,
        GObject.TYPE_DOUBLE,
    ],
    'types.others': [
        GObject.TYPE_STRING, GObject.TYPE_STRING, GObject.TYPE_STRV,
        Gio.IOErrorEnum.__gtype__, Gio.SubprocessFlags.__gtype__,
        GLib.Bytes.__gtype__, GObject.TYPE_VARIANT, Json.Node.__gtype__,
        TestPoint.__gtype__,
    ],
}

INTEGERS = {GObject.TYPE_CHAR, GObject.TYPE_UCHAR, GObject.TYPE_INT,
            GObject.TYPE_UINT, GObject.TYPE_LONG, GObject.TYPE_ULONG,
            GObject.TYPE_INT64, GObject.TYPE_UINT64, GObject.TYPE_ENUM,
            GObject.TYPE_FLAGS}


def canonical(gtype, value):
    """VALUE, which Python got for a GValue of GTYPE, in run.py's
    canonical form."""
    fundamental = gtype.fundamental
    if value is None:
        return None
    if fundamental == GObject.TYPE_BOOLEAN:
        return bool(value)
    if fundamental == GObject.TYPE_UCHAR and isinstance(value, bytes):
        # PyGObject hands a guchar to a closure as bytes of length 1
        return str(value[0])
    if fundamental in INTEGERS:
        return str(int(value))
    if fundamental in (GObject.TYPE_FLOAT, GObject.TYPE_DOUBLE):
        return struct.pack('>d', value).hex()
    if fundamental == GObject.TYPE_STRING:
        return value
    if gtype == GObject.TYPE_STRV:
        return list(value)
    if gtype == GLib.Bytes.__gtype__:
        return value.get_data().hex()
    if fundamental == GObject.TYPE_VARIANT:
        return [value.get_type_string(), value.print_(True)]
    if gtype == Json.Node.__gtype__:
        return Json.to_string(value, False)
    if fundamental == GObject.TYPE_OBJECT:
        properties = {}
        for pspec in value.list_properties():
            if pspec.flags & GObject.ParamFlags.READWRITE == GObject.ParamFlags.READWRITE:
                properties[pspec.name] = canonical(pspec.value_type,
                                                   value.get_property(pspec.name))
        return {'type': value.__gtype__.name, 'properties': properties}
    raise TypeError('no canonical form for %s' % gtype.name)


class Receiver(GObject.Object):
    """Gets the events through its slots "on-types.numbers" and
    "on-types.others"."""

    __gtype_name__ = 'PyMreCrossReceiver'

    def __init__(self):
        super().__init__()
        self.events = {}
        self.error = None


def install_slot(name, types):
    # A closure slot cannot fail (PyGObject would print the exception and
    # go on): an exception stops the loop, and main() reports it.
    def on_event(receiver, *args):
        try:
            receiver.events.setdefault(name, {})['args'] = [
                [gtype.name, canonical(gtype, arg)] for gtype, arg in zip(types, args)]
        except Exception as error:
            receiver.error = error
            Mre.object_get_event_loop(receiver).stop()
        if all('args' in receiver.events.get(n, {}) for n in EVENTS):
            Mre.object_get_event_loop(receiver).stop()

    Mre.slot_install(Receiver.__gtype__, 'on-' + name, on_event,
                     Mre.SlotFlags.DEFAULT, types)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--socket', required=True)
    parser.add_argument('--timeout', type=int, default=30)
    options = parser.parse_args()

    for name, types in EVENTS.items():
        install_slot(name, types)

    receiver = Receiver()
    loop = Mre.EventLoop.new_for_context(GLib.MainContext.default())
    Mre.object_set_event_loop(receiver, loop)

    peer = Mre.Peer.new(options.socket, 'python-subscriber')
    Mre.object_set_event_loop(peer, loop)
    peer.start(None)

    # The events as they came: who sent them, and their JSON text.
    def on_raw_event(peer, event):
        receiver.events.setdefault(event.get_name(), {}).update(
            sender=event.get_sender(), json=event.dup_params_json())
    peer.connect('event', on_raw_event)

    for name in EVENTS:
        Mre.connect(peer, 'event::' + name, receiver, 'on-' + name,
                    Mre.ConnectFlags.DEFAULT)
        peer.subscribe(name, None, None)
    print('ready', flush=True)

    timed_out = []

    def give_up():
        timed_out.append(True)
        loop.stop()
        return GLib.SOURCE_REMOVE
    GLib.timeout_add_seconds(options.timeout, give_up)

    loop.run()
    peer.close()
    if receiver.error is not None:
        raise receiver.error
    if timed_out:
        print('subscriber.py: the events did not come within %d seconds; got %r'
              % (options.timeout, receiver.events), file=sys.stderr)
        return 1
    print('result ' + json.dumps({'events': receiver.events}), flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
