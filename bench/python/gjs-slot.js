// gjs-slot.js
//
// Copyright 2026 The mreventloop authors
//
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// bench/python, case slot-same-thread, impl gjs: a JavaScript slot
// (Mre.slot_install) on a loop bound to the default main context; the main
// thread emits batches of 1,000 and iterates the context until the batch
// ran. Run by python-bench.py: gjs -m gjs-slot.js CALLS RUNS; prints
// {"seconds": [...]}.

import GLib from 'gi://GLib';
import GObject from 'gi://GObject';
import Mre from 'gi://Mre?version=1.0';
import System from 'system';

const BATCH = 1000;
const [calls, runs] = ARGV.map(Number);

const Producer = GObject.registerClass({
    Signals: {'tick': {param_types: [GObject.TYPE_INT]}},
}, class Producer extends GObject.Object {});
const Consumer = GObject.registerClass(class Consumer extends GObject.Object {});

let count = 0, disorder = 0;
Mre.slot_install(Consumer.$gtype, 'on-tick', (consumer, n) => {
    if (n !== count)
        disorder++;
    count++;
}, Mre.SlotFlags.DEFAULT, [GObject.TYPE_INT]);

const context = GLib.MainContext.default();
const loop = Mre.EventLoop.new_for_context(context);
const producer = new Producer(), consumer = new Consumer();
Mre.object_set_event_loop(consumer, loop);
Mre.connect(producer, 'tick', consumer, 'on-tick', Mre.ConnectFlags.DEFAULT);
loop.start();

function oneRun(total) {
    count = 0;
    const t0 = GLib.get_monotonic_time();
    for (let start = 0; start < total; start += BATCH) {
        const end = Math.min(start + BATCH, total);
        for (let i = start; i < end; i++)
            producer.emit('tick', i);
        while (count < end)
            context.iteration(true);
    }
    const seconds = (GLib.get_monotonic_time() - t0) / 1e6;
    if (disorder !== 0) {
        printerr(`slot calls out of order: ${disorder}`);
        System.exit(1);
    }
    return seconds;
}

oneRun(Math.min(calls, 2000));  // warm-up
const seconds = [];
for (let r = 0; r < runs; r++)
    seconds.push(oneRun(calls));
loop.stop();
while (loop.get_running())
    context.iteration(true);
print(JSON.stringify({seconds}));
