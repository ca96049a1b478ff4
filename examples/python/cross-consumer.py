#!/usr/bin/python3
# cross-consumer.py
#
# Copyright 2026 The mreventloop authors
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The consumer half of MrEventLoop's README "Crossing Sockets", in Python
# with the Mre overrides. It talks to cross-producer.py or to the C
# cross-producer alike; examples/cross-demo.sh runs either with a broker:
#
#   consumer_peer = Peer(..., [ 'produced' ], [ 'request_product' ])
#   connect(consumer, 'request_product', consumer_peer.publish, 'request_product')
#   connect(consumer_peer, 'produced', consumer, 'onProduced')
#   consumer.events.request_product()
#
# Usage: cross-consumer.py [--socket PATH] [--timeout S]
#
# Exits 0 once it consumed "some product", non-zero otherwise.

import argparse
import sys

import gi

gi.require_version('GLib', '2.0')
gi.require_version('GObject', '2.0')
gi.require_version('Mre', '1.0')

from gi.repository import GLib, GObject, Mre  # noqa: E402


@Mre.emits('request-product')
class Consumer(GObject.Object):
    product = None

    @Mre.slot
    def on_produced(self, product: str):
        # On the consumer's loop, with the event's arguments.
        self.product = product
        print('consumer: consumed "%s"' % product, flush=True)
        self.event_loop.stop()


def main():
    parser = argparse.ArgumentParser(description="The consumer of MrEventLoop's "
                                                 "“Crossing Sockets”")
    parser.add_argument('--socket', help='the broker\'s socket (default: the default bus)')
    parser.add_argument('--timeout', type=int, default=30,
                        help='fail when no product came within S seconds (0: wait forever)')
    options = parser.parse_args()

    consumer = Consumer()
    # The consumer's slots run on this thread, in loop.run() below.
    loop = Mre.EventLoop.new_for_context(GLib.MainContext.default())
    consumer.event_loop = loop

    if options.socket:
        consumer_peer = Mre.Peer.new(options.socket, 'consumer')
    else:
        consumer_peer = Mre.Peer.new_default('consumer')

    gave_up = []

    def give_up():
        gave_up.append(True)
        loop.stop()
        return GLib.SOURCE_REMOVE

    try:
        with consumer_peer:
            # connect(consumer, 'request_product', consumer_peer.publish, 'request_product')
            consumer_peer.forward(consumer, 'request-product', 'request_product')
            # connect(consumer_peer, 'produced', consumer, 'onProduced'); subscribed
            # before asking, so that the answer cannot be missed.
            consumer_peer.on('produced', consumer.on_produced)

            print('consumer: requesting a product', flush=True)
            consumer.emit('request-product')

            if options.timeout > 0:
                GLib.timeout_add_seconds(options.timeout, give_up)
            loop.run()
    except GLib.Error as e:
        print('cross-consumer: %s' % e.message, file=sys.stderr)
        return 1

    if gave_up:
        print('cross-consumer: no product came within %d seconds' % options.timeout,
              file=sys.stderr)
        return 1
    if consumer.product != 'some product':
        print('cross-consumer: consumed "%s", expected "some product"' % consumer.product,
              file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
