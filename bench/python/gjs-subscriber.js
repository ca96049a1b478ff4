// gjs-subscriber.js
//
// Copyright 2026 The mreventloop authors
//
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// bench/python, case peer, impl gjs-main-context: a GJS subscriber whose
// peer is bound to a loop on the default main context (so its handlers run
// on the main thread, where JavaScript runs), fed by the Python publisher.
// Run by python-bench.py: gjs -m gjs-subscriber.js PATH; prints "ready"
// once subscribed, then, after the "end" event, what arrived as JSON.

import GLib from 'gi://GLib';
import Mre from 'gi://Mre?version=1.0';

const [path] = ARGV;
const context = GLib.MainContext.default();
const loop = Mre.EventLoop.new_for_context(context);
const peer = Mre.Peer.new(path, 'gjs-sub');
Mre.object_set_event_loop(peer, loop);

// Seconds on CLOCK_MONOTONIC, as Python's time.monotonic().
const now = () => GLib.get_monotonic_time() / 1e6;
const state = {received: 0, next: 0, disorder: 0, t_first: null, t_last: null, ended: false};
const main = new GLib.MainLoop(context, false);

peer.connect('event::tick', (p, event) => {
    const [seq] = JSON.parse(event.dup_params_json());
    const t = now();
    if (state.t_first === null)
        state.t_first = t;
    state.t_last = t;
    state.received++;
    if (seq < state.next)
        state.disorder++;
    else
        state.next = seq + 1;
});
peer.connect('event::end', () => {
    state.ended = true;
    main.quit();
});

peer.start(null);
peer.subscribe('tick', null, null);
peer.subscribe('end', null, null);
print('ready');
main.run();
print(JSON.stringify(state));
peer.close();
