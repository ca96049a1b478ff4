// naive-peer.js
//
// Copyright 2026 The mreventloop authors
//
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Issue 11, item 3: the program a new GJS user writes. A peer made on the
// main thread, a handler on its event signal, a GLib.MainLoop: the events
// come to the handler, on the main thread, in order.
//
//   gjs -m naive-peer.js SOCKET COUNT
//
// Prints "ready" once subscribed, then one line per event (its params) and
// "done" after COUNT of them; exits by itself, after 30 s at the latest.

import GLib from 'gi://GLib';
import Mre from 'gi://Mre?version=1.0';
import System from 'system';

const [path, count] = [ARGV[0], Number(ARGV[1])];

const peer = Mre.Peer.new(path, 'g');
const loop = new GLib.MainLoop(null, false);
let received = 0;
peer.connect('event::tick', (p, event) => {
    print(event.get_name(), event.dup_params_json());
    if (++received === count)
        loop.quit();
});
peer.start(null);
peer.subscribe('tick', null, null);
print('ready');

GLib.timeout_add_seconds(GLib.PRIORITY_DEFAULT, 30, () => {
    printerr(`timed out after ${received} of ${count} events`);
    loop.quit();
    return GLib.SOURCE_REMOVE;
});
loop.run();
peer.close();
print(received === count ? 'done' : 'incomplete');
System.exit(received === count ? 0 : 1);
