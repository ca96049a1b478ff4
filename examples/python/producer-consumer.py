#!/usr/bin/python3
# producer-consumer.py
#
# Copyright 2026 The mreventloop authors
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The Producer/Consumer of MrEventLoop's README in Python, with the Mre
# overrides (gi/overrides/Mre.py):
#
#  1. a Producer declares its "produced" signal in one line (@Mre.emits);
#  2. a Consumer declares a named slot "on-produced" (@Mre.slot), which
#     runs on the consumer's own loop, one call at a time, in FIFO order;
#  3. `with consumer.event_loop:` starts the loop and, on exit, lets it
#     drain its queue and stop (MrEventLoop's `async with`);
#  4. two consumers share one loop;
#  5. an async slot awaits asyncio.sleep(): its loop runs nothing else
#     meanwhile;
#  6. awaiting the next "produced" (MrEventLoop's SyncEvent);
#  7. a failing slot, with exit-on-exception off, is reported by the
#     loop's "exception" signal.
#
# The program checks what happened and exits non-zero otherwise, so that
# `meson test` keeps it honest.

import asyncio
import sys
import threading

import gi

gi.require_version('GObject', '2.0')
gi.require_version('Mre', '1.0')

from gi.repository import GObject, Mre  # noqa: E402


@Mre.emits('produced', str)                # @emits('events', ['produced'])
class Producer(GObject.Object):
    def __init__(self, name):
        super().__init__()
        self.name = name
        self.count = 0

    def request_product(self):
        self.count += 1
        self.emit('produced', '%s product %d' % (self.name, self.count))


class Consumer(GObject.Object):               # @has_event_loop('event_loop')
    def __init__(self, name):
        super().__init__()
        self.name = name
        self.consumed = []

    @Mre.slot                                   # the slot "on-produced"
    def on_produced(self, product: str):
        assert self.event_loop.is_loop_thread()
        self.consumed.append(product)
        print('%s: consumed %s' % (self.name, product))


class ConsumerAsync(Consumer):
    @Mre.slot('on-produced-slowly', str)
    async def on_produced_slowly(self, product):
        print('%s: consuming %s...' % (self.name, product))
        await asyncio.sleep(0.01)
        self.consumed.append(product)
        print('%s: ...consumed %s' % (self.name, product))


def check(what, got, expected):
    if got != expected:
        print('producer-consumer: %s: got %r, expected %r' % (what, got, expected),
              file=sys.stderr)
        sys.exit(1)


def main():
    # Producer and Consumer, connected by name as in C.
    producer, consumer = Producer('p'), Consumer('consumer')
    Mre.connect(producer, 'produced', consumer, 'on-produced')
    with consumer.event_loop:
        producer.request_product()
    check('consumer', consumer.consumed, ['p product 1'])

    # Two consumers sharing one loop: all their calls run one after another.
    producer1, producer2 = Producer('p1'), Producer('p2')
    consumer1, consumer2 = Consumer('consumer1'), Consumer('consumer2')
    consumer2.event_loop = consumer1.event_loop
    Mre.connect(producer1, 'produced', consumer1.on_produced)
    Mre.connect(producer2, 'produced', consumer2.on_produced)
    with consumer1.event_loop:
        producer1.request_product()
        producer2.request_product()
        producer1.request_product()
    check('consumer1', consumer1.consumed, ['p1 product 1', 'p1 product 2'])
    check('consumer2', consumer2.consumed, ['p2 product 1'])

    # An async slot: the next call waits until the coroutine is done.
    slow = ConsumerAsync('slow')
    Mre.connect(producer, 'produced', slow, 'on-produced-slowly')
    Mre.connect(producer, 'produced', slow, 'on-produced')
    with slow.event_loop:
        producer.request_product()
        producer.request_product()
    check('slow', slow.consumed, ['p product 2', 'p product 2', 'p product 3', 'p product 3'])

    # Awaiting an event.
    async def await_product():
        waiting = Mre.wait(producer, 'produced', timeout_ms=5000)   # listening from here
        threading.Thread(target=producer.request_product).start()
        emission = await waiting
        return emission.args

    product, = asyncio.run(await_product())
    print('awaited: %s' % product)
    check('awaited', product, 'p product 4')

    # A failing slot; with exit-on-exception off the loop reports it and goes on.
    class Picky(Consumer):
        @Mre.slot
        def on_produced(self, product: str):
            if product.endswith('5'):
                raise ValueError('%s is not to my taste' % product)
            Consumer.on_produced.func(self, product)

    picky = Picky('picky')
    picky.event_loop.props.exit_on_exception = False
    errors = []
    picky.event_loop.connect('exception', lambda loop, error: errors.append(error.message))
    Mre.connect(producer, 'produced', picky.on_produced)
    with picky.event_loop:
        producer.request_product()
        producer.request_product()
    print('exception: %s' % errors[0])
    check('picky', picky.consumed, ['p product 6'])
    check('errors', errors, ['Slot “on-produced” of Picky raised ValueError: '
                             'p product 5 is not to my taste'])


if __name__ == '__main__':
    main()
