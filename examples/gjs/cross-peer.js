#!/usr/bin/env -S gjs -m
// cross-peer.js
//
// Copyright 2026 The mreventloop authors
//
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The producer of MrEventLoop's README "Crossing Sockets" in JavaScript
// (GJS), the twin of examples/cross-producer.c: a peer that connects to a
// broker, subscribes to "request_product", and answers each request by
// publishing "produced" with "some product":
//
//   producer_peer = Peer(..., [ 'request_product' ], [ 'produced' ])
//   connect(producer, 'produced', producer_peer.publish, 'produced')
//   connect(producer_peer, 'request_product', producer, 'onRequestProduct')
//
// Any peer may ask: examples/cross-consumer.c (examples/gjs/meson.build
// runs the two with examples/cross-demo.sh), or the tool:
//
//   mreventloop broker --socket /tmp/bus.sock &
//   examples/gjs/cross-peer.js --socket /tmp/bus.sock --count 0 &
//   mreventloop monitor --socket /tmp/bus.sock &
//   mreventloop emit request_product --socket /tmp/bus.sock
//
// Usage: cross-peer.js [--socket PATH] [--count N] [--timeout S]
//
// Prints "producer: ready" once subscribed (from then on no request is
// lost), serves N requests (default 1; 0: forever) and exits 0; exits 1
// when the requests have not come within S seconds (default 30; 0: wait
// forever) or something failed.

import GLib from 'gi://GLib';
import GObject from 'gi://GObject';
import Mre from 'gi://Mre?version=1.0';
import System from 'system';

// Producer ---------------------------------------------------------------

// @emits('events', ['produced'])
const Producer = GObject.registerClass({
    GTypeName: 'ExampleJsCrossProducer',
    Signals: {
        'produced': {param_types: [GObject.TYPE_STRING]},
    },
}, class Producer extends GObject.Object {
    constructor(count) {
        super();
        this.nLeft = count;
    }

    // @slot def onRequestProduct(self): self.events.produced('some product')
    onRequestProduct() {
        const product = 'some product';

        this.emit('produced', product);
        print(`producer: produced "${product}"`);

        if (this.nLeft > 0 && --this.nLeft === 0)
            Mre.object_get_event_loop(this).stop();
    }
});

// The event "request_product" carries no arguments, and the slot takes none.
Mre.slot_install(Producer.$gtype, 'on-request-product',
    producer => producer.onRequestProduct(),
    Mre.SlotFlags.DEFAULT, []);

// The program -------------------------------------------------------------

function parseArgs(args) {
    const options = {socket: null, count: 1, timeout: 30};

    for (let i = 0; i < args.length; i++) {
        const [flag, inline] = args[i].split(/=(.*)/s);
        const value = () => inline ?? args[++i];

        if (flag === '--socket' || flag === '-s')
            options.socket = value();
        else if (flag === '--count' || flag === '-n')
            options.count = Number.parseInt(value());
        else if (flag === '--timeout' || flag === '-t')
            options.timeout = Number.parseInt(value());
        else
            throw new Error(`unknown argument ${args[i]}`);
    }
    if (!(options.count >= 0) || !(options.timeout >= 0))
        throw new Error('--count and --timeout take a number, 0 or more');

    return options;
}

function main(args) {
    const options = parseArgs(args);
    const producer = new Producer(options.count);

    // Everything here runs JavaScript, so everything runs on the main
    // thread: the producer's slots and the peer's socket share one loop
    // bound to GLib's main context, which loop.run() below iterates.
    const loop = Mre.EventLoop.new_for_context(GLib.MainContext.default());
    Mre.object_set_event_loop(producer, loop);

    // producer_peer = Peer(in_socket_path, out_socket_path,
    //                      [ 'request_product' ], [ 'produced' ])
    const peer = options.socket !== null
        ? Mre.Peer.new(options.socket, 'producer')
        : Mre.Peer.new_default('producer');
    Mre.object_set_event_loop(peer, loop);
    peer.start(null);

    // connect(producer, 'produced', producer_peer.publish, 'produced')
    peer.forward(producer, 'produced', 'produced', Mre.Delivery.YELL, 0);

    // connect(producer_peer, 'request_product', producer, 'onRequestProduct')
    Mre.connect(peer, 'event::request_product', producer, 'on-request-product',
        Mre.ConnectFlags.DEFAULT);

    // Acknowledged: from here on the broker routes every request to us.
    peer.subscribe('request_product', null, null);
    print('producer: ready');

    let gaveUp = false;
    if (options.timeout > 0) {
        GLib.timeout_add_seconds(GLib.PRIORITY_DEFAULT, options.timeout, () => {
            gaveUp = true;
            loop.stop();
            return GLib.SOURCE_REMOVE;
        });
    }

    loop.run();
    if (gaveUp) {
        printerr(`cross-peer.js: the requests did not come within ${options.timeout} seconds`);
        return 1;
    }

    // Every "produced" reached the broker before we go.
    peer.flush(-1, null);
    peer.close();
    return 0;
}

let status;
try {
    status = main(ARGV);
} catch (error) {
    printerr(`cross-peer.js: ${error.message}`);
    status = 1;
}
System.exit(status);
