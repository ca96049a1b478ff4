// subscriber.js
//
// Copyright 2026 The mreventloop authors
//
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The JavaScript side of the cross-language test, in GJS: a peer subscribed
// to the events "types.numbers" and "types.others" of publisher.c. Each
// event feeds a named slot whose parameter types are the types C sent, so
// the library decodes the arguments and GJS hands them to JavaScript; the
// slot writes each one in the canonical form of run.py. Prints "ready"
// once subscribed, then, when both events have come, one line
// "result JSON" and exits 0 (1 if they did not come in time).
//
// GJS 1.74 hands a 64-bit integer (glong, gulong, gint64, guint64) to JS
// as a Number, which holds integers exactly only up to 2^53: 2^64 - 1
// arrives as 2^64. For such a Number the slot takes the exact value from
// the event's JSON text, as a BigInt, checks that the Number is that value
// rounded, and says so in the result's "notes".
//
// Usage: gjs -m subscriber.js --socket PATH [--timeout S]

import GIRepository from 'gi://GIRepository?version=2.0';
import Gio from 'gi://Gio';
import GLib from 'gi://GLib';
import GObject from 'gi://GObject';
import Json from 'gi://Json?version=1.0';
import Mre from 'gi://Mre?version=1.0';
import System from 'system';

// The object type C sends (tests/test-values.h), declared again here: same
// type name, same properties (the library refuses an object whose JSON has
// a member the receiving type lacks, read-only "scaled" included). "next"
// is a TestPoint in C; a class cannot name itself while it is declared, so
// here it is any GObject.
const TestPoint = GObject.registerClass({
    GTypeName: 'TestPoint',
    Properties: {
        'x': GObject.ParamSpec.int('x', null, null,
            GObject.ParamFlags.READWRITE, -1000, 1000, 0),
        'label': GObject.ParamSpec.string('label', null, null,
            GObject.ParamFlags.READWRITE, null),
        'weight': GObject.ParamSpec.double('weight', null, null,
            GObject.ParamFlags.READWRITE, -Number.MAX_VALUE, Number.MAX_VALUE, 0),
        'tag': GObject.ParamSpec.string('tag', null, null,
            GObject.ParamFlags.READWRITE, 'none'),
        'next': GObject.ParamSpec.object('next', null, null,
            GObject.ParamFlags.READWRITE, GObject.Object),
        'scaled': GObject.ParamSpec.double('scaled', null, null,
            GObject.ParamFlags.READABLE, -Number.MAX_VALUE, Number.MAX_VALUE, 0),
    },
}, class TestPoint extends GObject.Object {
    get scaled() {
        return this.x * 1e-10;
    }
});

// GJS has no GObject.TYPE_STRV, and Gio.IOErrorEnum.$gtype is GError's
// GType (GJS wraps error-domain enums as error classes): ask by name, and
// ask GIRepository for the enum's own GType.
const TYPE_STRV = GObject.type_from_name('GStrv');
const TYPE_IO_ERROR_ENUM = GIRepository.registered_type_info_get_g_type(
    GIRepository.Repository.get_default().find_by_name('Gio', 'IOErrorEnum'));

// What the slots take: the types C sends, in its order.
const EVENTS = {
    'types.numbers': [
        GObject.TYPE_BOOLEAN, GObject.TYPE_CHAR, GObject.TYPE_UCHAR,
        GObject.TYPE_INT, GObject.TYPE_UINT, GObject.TYPE_LONG,
        GObject.TYPE_ULONG, GObject.TYPE_INT64, GObject.TYPE_UINT64,
        GObject.TYPE_FLOAT, GObject.TYPE_DOUBLE, GObject.TYPE_DOUBLE,
        GObject.TYPE_DOUBLE,
    ],
    'types.others': [
        GObject.TYPE_STRING, GObject.TYPE_STRING, TYPE_STRV,
        TYPE_IO_ERROR_ENUM, Gio.SubprocessFlags.$gtype, GLib.Bytes.$gtype,
        GObject.TYPE_VARIANT, Json.Node.$gtype, TestPoint.$gtype,
    ],
};

const INTEGERS = new Set(['gchar', 'guchar', 'gint', 'guint', 'glong',
    'gulong', 'gint64', 'guint64', 'GEnum', 'GFlags']);

// JSON.parse, but every integer becomes a BigInt, exactly: a Number would
// round those past 2^53.
function parseJsonExact(text) {
    const number = /-?\d+(\.\d+)?([eE][-+]?\d+)?/y;
    let out = '';

    for (let i = 0; i < text.length;) {
        if (text[i] === '"') {
            let end = i + 1;
            while (text[end] !== '"')
                end += text[end] === '\\' ? 2 : 1;
            out += text.slice(i, end + 1);
            i = end + 1;
        } else if (text[i] === '-' || (text[i] >= '0' && text[i] <= '9')) {
            number.lastIndex = i;
            const [literal, fraction, exponent] = number.exec(text);
            out += fraction || exponent ? literal : `{"\\u0000int":"${literal}"}`;
            i += literal.length;
        } else {
            out += text[i++];
        }
    }

    return JSON.parse(out, (key, value) =>
        value !== null && typeof value === 'object' && '\0int' in value
            ? BigInt(value['\0int']) : value);
}

function hex(bytes) {
    return Array.from(bytes, b => b.toString(16).padStart(2, '0')).join('');
}

// VALUE, which JS got for a GValue of GTYPE, in run.py's canonical form.
function canonical(gtype, value) {
    const name = GObject.type_name(gtype);
    const fundamental = GObject.type_name(GObject.type_fundamental(gtype));

    if (value === null || value === undefined)
        return null;
    if (fundamental === 'gboolean')
        return value;
    if (INTEGERS.has(fundamental))
        return BigInt(value).toString();
    if (fundamental === 'gfloat' || fundamental === 'gdouble') {
        const view = new DataView(new ArrayBuffer(8));
        view.setFloat64(0, value);
        return view.getBigUint64(0).toString(16).padStart(16, '0');
    }
    if (fundamental === 'gchararray')
        return value;
    if (name === 'GStrv')
        return [...value];
    if (name === 'GBytes')
        return hex(value.toArray());
    if (fundamental === 'GVariant')
        return [value.get_type_string(), value.print(true)];
    if (name === 'JsonNode')
        return Json.to_string(value, false);
    if (fundamental === 'GObject') {
        const properties = {};
        const readwrite = GObject.ParamFlags.READWRITE;
        for (const pspec of value.constructor.list_properties()) {
            if ((pspec.flags & readwrite) === readwrite)
                properties[pspec.name] = canonical(pspec.value_type, value[pspec.name.replace(/-/g, '_')]);
        }
        return {type: GObject.type_name(value.constructor.$gtype), properties};
    }
    throw new Error(`no canonical form for ${name}`);
}

const Receiver = GObject.registerClass({
    GTypeName: 'GjsMreCrossReceiver',
}, class Receiver extends GObject.Object {
    constructor() {
        super();
        this.events = {};
        this.notes = [];
    }

    received(name) {
        if (!(name in this.events))
            this.events[name] = {};
        return this.events[name];
    }

    // The slots "on-types.numbers" and "on-types.others"
    onEvent(name, types, args) {
        const event = this.received(name);
        const exact = parseJsonExact(event.json);

        event.args = types.map((gtype, i) => {
            const typeName = GObject.type_name(gtype);
            let value = args[i];

            if (typeof value === 'number' && Number.isInteger(value) &&
                !Number.isSafeInteger(value) && INTEGERS.has(typeName)) {
                const big = BigInt(exact[i]);
                if (Number(big) !== value)
                    throw new Error(`${name} argument ${i + 1}: got ${value}, which is not ${big} rounded`);
                this.notes.push(`${name} argument ${i + 1} (${typeName}): GJS gives the Number ${value}; ` +
                                `exact from the JSON: ${big}`);
                value = big;
            }
            return [typeName, canonical(gtype, value)];
        });

        if (Object.keys(EVENTS).every(n => this.events[n]?.args))
            Mre.object_get_event_loop(this).stop();
    }
});

// A closure slot cannot fail (GJS would log the exception and go on): an
// exception stops the loop, and main() reports it.
for (const [name, types] of Object.entries(EVENTS)) {
    Mre.slot_install(Receiver.$gtype, `on-${name}`, (receiver, ...args) => {
        try {
            receiver.onEvent(name, types, args);
        } catch (error) {
            receiver.error = error;
            Mre.object_get_event_loop(receiver).stop();
        }
    }, Mre.SlotFlags.DEFAULT, types);
}

function parseArgs(args) {
    const options = {socket: null, timeout: 30};

    for (let i = 0; i < args.length; i++) {
        if (args[i] === '--socket')
            options.socket = args[++i];
        else if (args[i] === '--timeout')
            options.timeout = Number.parseInt(args[++i]);
        else
            throw new Error(`unknown argument ${args[i]}`);
    }
    if (options.socket === null)
        throw new Error('--socket PATH is required');

    return options;
}

function main(args) {
    const options = parseArgs(args);
    const receiver = new Receiver();

    // JS runs on the main thread only: the receiver's slots and the peer's
    // signals go through one loop bound to GLib's main context.
    const loop = Mre.EventLoop.new_for_context(GLib.MainContext.default());
    Mre.object_set_event_loop(receiver, loop);

    const peer = Mre.Peer.new(options.socket, 'gjs-subscriber');
    Mre.object_set_event_loop(peer, loop);
    peer.start(null);

    // The events as they came: who sent them, and their JSON text. Emitted
    // before the slot calls it queues.
    peer.connect('event', (p, event) => {
        Object.assign(receiver.received(event.get_name()), {
            sender: event.get_sender(),
            json: event.dup_params_json(),
        });
    });

    for (const name of Object.keys(EVENTS)) {
        Mre.connect(peer, `event::${name}`, receiver, `on-${name}`, Mre.ConnectFlags.DEFAULT);
        peer.subscribe(name, null, null);
    }
    print('ready');

    let timedOut = false;
    GLib.timeout_add_seconds(GLib.PRIORITY_DEFAULT, options.timeout, () => {
        timedOut = true;
        loop.stop();
        return GLib.SOURCE_REMOVE;
    });

    loop.run();
    peer.close();
    if (receiver.error)
        throw receiver.error;
    if (timedOut) {
        printerr(`subscriber.js: the events did not come within ${options.timeout} seconds; ` +
                 `got ${JSON.stringify(receiver.events)}`);
        return 1;
    }
    print(`result ${JSON.stringify({events: receiver.events, notes: receiver.notes})}`);
    return 0;
}

let status;
try {
    status = main(ARGV);
} catch (error) {
    printerr(`subscriber.js: ${error.message}\n${error.stack}`);
    status = 1;
}
System.exit(status);
