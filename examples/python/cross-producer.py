#!/usr/bin/python3
# cross-producer.py
#
# Copyright 2026 The mreventloop authors
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The producer half of MrEventLoop's README "Crossing Sockets", in Python
# with the Mre overrides. It serves cross-consumer.py or the C
# cross-consumer alike; examples/cross-demo.sh runs either with a broker:
#
#   producer_peer = Peer(..., [ 'request_product' ], [ 'produced' ])
#   connect(producer, 'produced', producer_peer.publish, 'produced')
#   connect(producer_peer, 'request_product', producer, 'onRequestProduct')
#
# Usage: cross-producer.py [--socket PATH] [--count N] [--timeout S]
#
# Prints "producer: ready" once subscribed, serves N requests (0: forever),
# then exits 0.

import argparse
import sys

import gi

gi.require_version('GLib', '2.0')
gi.require_version('GObject', '2.0')
gi.require_version('Mre', '1.0')

from gi.repository import GLib, GObject, Mre  # noqa: E402


@Mre.emits('produced', str)
class Producer(GObject.Object):
    def __init__(self, count):
        super().__init__()
        self.left = count

    @Mre.slot
    def on_request_product(self):
        product = 'some product'
        self.emit('produced', product)
        print('producer: produced "%s"' % product, flush=True)
        if self.left > 0:
            self.left -= 1
            if self.left == 0:
                self.event_loop.stop()


def main():
    parser = argparse.ArgumentParser(description="The producer of MrEventLoop's "
                                                 "“Crossing Sockets”")
    parser.add_argument('--socket', help='the broker\'s socket (default: the default bus)')
    parser.add_argument('--count', type=int, default=1,
                        help='serve N requests, then exit (0: serve forever)')
    parser.add_argument('--timeout', type=int, default=30,
                        help='fail when the requests have not come within S seconds '
                             '(0: wait forever)')
    options = parser.parse_args()

    producer = Producer(max(options.count, 0))
    # The producer's slots run on this thread, in loop.run() below.
    loop = Mre.EventLoop.new_for_context(GLib.MainContext.default())
    producer.event_loop = loop

    if options.socket:
        producer_peer = Mre.Peer.new(options.socket, 'producer')
    else:
        producer_peer = Mre.Peer.new_default('producer')

    gave_up = []

    def give_up():
        gave_up.append(True)
        loop.stop()
        return GLib.SOURCE_REMOVE

    try:
        # Started here; on leaving, every "produced" is flushed to the
        # broker and the peer closed.
        with producer_peer:
            # connect(producer, 'produced', producer_peer.publish, 'produced')
            producer_peer.forward(producer, 'produced')
            # connect(producer_peer, 'request_product', producer, 'onRequestProduct')
            Mre.connect(producer_peer, 'event::request_product', producer.on_request_product)
            # Acknowledged: from here on the broker routes every request to us.
            producer_peer.subscribe('request_product')
            print('producer: ready', flush=True)

            if options.timeout > 0:
                GLib.timeout_add_seconds(options.timeout, give_up)
            loop.run()
    except GLib.Error as e:
        print('cross-producer: %s' % e.message, file=sys.stderr)
        return 1

    if gave_up:
        print('cross-producer: the requests did not come within %d seconds' % options.timeout,
              file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
