#!/usr/bin/env -S gjs -m
// producer-consumer.js
//
// Copyright 2026 The mreventloop authors
//
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The Producer/Consumer of MrEventLoop's README in JavaScript (GJS), the
// twin of examples/producer-consumer.c:
//
//  1. a Producer is a GObject.registerClass() subclass with a typed
//     "produced" signal;
//  2. a Consumer gets a named slot "on-produced" with Mre.slot_install();
//  3. Mre.connect() queues every emission as a slot call on the consumer's
//     MreEventLoop, never in the emitter's stack;
//  4. two consumers share one loop, so all their slot calls run one after
//     the other, in the order they were queued.
//
// JavaScript runs on the main thread only: a loop whose slots are JS
// functions is bound to GLib's main context or run() on the main thread,
// never start()ed on a thread of its own (see docs/gjs.md).
//
// Run it from a build tree with GI_TYPELIB_PATH and LD_LIBRARY_PATH set
// (`meson test -C build gjs-producer-consumer` does). It checks what the
// consumers saw and exits non-zero if it is not what it expects.

import GLib from 'gi://GLib';
import GObject from 'gi://GObject';
import Mre from 'gi://Mre?version=1.0';
import System from 'system';

// Producer ---------------------------------------------------------------

// @emits('events', ['produced'])
const Producer = GObject.registerClass({
    GTypeName: 'ExampleJsProducer',
    Signals: {
        'produced': {param_types: [GObject.TYPE_STRING]},
    },
}, class Producer extends GObject.Object {
    constructor(name) {
        super();
        this.name = name;
        this.nProduced = 0;
    }

    requestProduct() {
        this.emit('produced', `${this.name} product ${++this.nProduced}`);
    }
});

// Consumer ---------------------------------------------------------------

const Consumer = GObject.registerClass({
    GTypeName: 'ExampleJsConsumer',
}, class Consumer extends GObject.Object {
    constructor(name, log) {
        super();
        this.name = name;
        this.log = log;
        this.seen = [];
    }

    // @slot def onProduced(self, product): runs on the consumer's loop,
    // one call at a time.
    onProduced(product) {
        print(`${this.name} consumed "${product}"`);
        this.seen.push(product);
        this.log.push(`${this.name}: ${product}`);
    }
});

// The slot belongs to the class, so that Mre.connect() and remote peers
// can name it; its body is a JS function given the consumer and the
// signal's arguments.
Mre.slot_install(Consumer.$gtype, 'on-produced',
    (consumer, product) => consumer.onProduced(product),
    Mre.SlotFlags.DEFAULT, [GObject.TYPE_STRING]);

// Checks -----------------------------------------------------------------

let failures = 0;

function check(what, got, expected) {
    if (JSON.stringify(got) !== JSON.stringify(expected)) {
        printerr(`${what}: got ${JSON.stringify(got)}, expected ${JSON.stringify(expected)}`);
        failures++;
    }
}

// Queues a call that stops the loop: it runs after everything queued so far.
function queueStop(loop) {
    loop.invoke(() => {
        loop.stop();
        return true;
    });
}

// One producer, one consumer ----------------------------------------------

function oneConsumer() {
    print('== one consumer, its loop on the main context ==');
    const log = [];
    const producer = new Producer('p');
    const consumer = new Consumer('consumer', log);

    // A loop bound to GLib's main context: its slots run on this thread.
    const loop = Mre.EventLoop.new_for_context(GLib.MainContext.default());
    Mre.object_set_event_loop(consumer, loop);

    // connect(producer, 'produced', consumer, 'onProduced')
    Mre.connect(producer, 'produced', consumer, 'on-produced', Mre.ConnectFlags.DEFAULT);

    for (let i = 0; i < 3; i++)
        producer.requestProduct();
    // Queued, not run in the emitter's stack.
    check('seen before the loop ran', consumer.seen, []);

    queueStop(loop);
    loop.run();

    check('consumer', consumer.seen, ['p product 1', 'p product 2', 'p product 3']);
}

// Two producers, two consumers sharing one loop -----------------------------

function sharedLoop() {
    print('== two consumers sharing one loop ==');
    const log = [];
    const producer1 = new Producer('p1');
    const producer2 = new Producer('p2');
    const consumer1 = new Consumer('consumer1', log);
    const consumer2 = new Consumer('consumer2', log);

    // consumer2.event_loop = consumer1.event_loop; created on first use,
    // not started: run() below runs it on this thread.
    const loop = Mre.object_get_event_loop(consumer1);
    Mre.object_set_event_loop(consumer2, loop);

    const states = [];
    loop.connect('started', () => states.push('started'));
    loop.connect('stopped', () => states.push('stopped'));

    Mre.connect(producer1, 'produced', consumer1, 'on-produced', Mre.ConnectFlags.DEFAULT);
    Mre.connect(producer2, 'produced', consumer2, 'on-produced', Mre.ConnectFlags.DEFAULT);

    producer1.requestProduct();
    producer2.requestProduct();
    producer1.requestProduct();
    producer2.requestProduct();

    // Stop is queued behind the four calls: run() runs them one at a
    // time, in the order they were queued, then returns.
    loop.stop();
    loop.run();

    check('consumer1', consumer1.seen, ['p1 product 1', 'p1 product 2']);
    check('consumer2', consumer2.seen, ['p2 product 1', 'p2 product 2']);
    check('order across the shared loop', log, [
        'consumer1: p1 product 1', 'consumer2: p2 product 1',
        'consumer1: p1 product 2', 'consumer2: p2 product 2',
    ]);
    check('loop signals', states, ['started', 'stopped']);
}

try {
    oneConsumer();
    sharedLoop();
} catch (error) {
    printerr(`producer-consumer.js: ${error.message}`);
    failures++;
}

System.exit(failures === 0 ? 0 : 1);
