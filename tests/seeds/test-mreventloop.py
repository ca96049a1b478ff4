#!/usr/bin/python3
# test-mreventloop.py
#
# Copyright 2026 The mreventloop authors
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# MrEventLoop's README, section by section, done with our Python API and
# checked: emitting and connecting (a plain callable too), slots on an
# object's loop, shared loops, async slots, awaiting an event, the loop's
# own signals, exceptions, and events crossing sockets between processes
# through a real broker. docs/python.md, "Coming from MrEventLoop", puts
# each snippet beside the seed's. Prints TAP (tests/mretap.py); run by
# `meson test` with the environment of bindings/python/meson.build.

import asyncio
import os
import subprocess
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import gi  # noqa: E402

gi.require_version('GLib', '2.0')
gi.require_version('GObject', '2.0')
gi.require_version('Mre', '1.0')

from gi.repository import GLib, GObject, Mre  # noqa: E402

from mretap import Bus, check, check_equal, lines, run_tests, wait_until  # noqa: E402

CROSS_PRODUCER = os.path.join(HERE, '..', '..', 'examples', 'python', 'cross-producer.py')


# "Emitting Events" -----------------------------------------------------------

@Mre.emits('produced', str)
class Producer(GObject.Object):
    def request_product(self):
        self.emit('produced', 'some product')


def test_emitting_and_connecting_a_callable():
    producer = Producer()
    products = []
    Mre.connect(producer, 'produced', lambda product: products.append(product))
    with producer.event_loop:           # a callable runs on the emitter's loop
        producer.request_product()
    check_equal(products, ['some product'], 'products')

    # "You can disconnect all listeners from an event."
    check_equal(Mre.disconnect(producer, 'produced'), 1, 'listeners dropped')
    with producer.event_loop:
        producer.request_product()
    check_equal(products, ['some product'], 'products after disconnect')


# "Event Loop and Slots" --------------------------------------------------------

class Consumer(GObject.Object):
    def __init__(self):
        super().__init__()
        self.products = []
        self.threads = set()

    @Mre.slot
    def on_produced(self, product: str):
        self.products.append(product)
        self.threads.add(threading.get_ident())


def test_slots_run_queued_on_the_consumers_loop():
    producer, consumer = Producer(), Consumer()
    Mre.connect(producer, 'produced', consumer.on_produced)
    with consumer.event_loop:
        producer.request_product()
        producer.request_product()
        consumer.on_produced('called directly')     # queued too, never run here
    # Drained before the `with` ended, in FIFO order, on the loop's thread.
    check_equal(consumer.products, ['some product', 'some product', 'called directly'])
    check_equal(len(consumer.threads), 1, 'threads')
    check(threading.get_ident() not in consumer.threads, 'a slot ran in the emitter\'s stack')


def test_slots_queued_before_start_run_once_started():
    producer, consumer = Producer(), Consumer()
    Mre.connect(producer, 'produced', consumer, 'on-produced')
    producer.request_product()
    check_equal(consumer.products, [], 'ran before the loop started')
    with consumer.event_loop:
        pass
    check_equal(consumer.products, ['some product'])


def test_shared_loop_runs_both_consumers_sequentially():
    producer1, producer2 = Producer(), Producer()
    consumer1, consumer2 = Consumer(), Consumer()
    consumer2.event_loop = consumer1.event_loop
    Mre.connect(producer1, 'produced', consumer1.on_produced)
    Mre.connect(producer2, 'produced', consumer2.on_produced)
    with consumer1.event_loop:
        producer1.request_product()
        producer2.request_product()
    check_equal(consumer1.products + consumer2.products, ['some product'] * 2)
    check_equal(consumer1.threads, consumer2.threads, 'threads of the shared loop')


# "Async Slots" -----------------------------------------------------------------

class ConsumerAsync(GObject.Object):
    def __init__(self):
        super().__init__()
        self.log = []

    @Mre.slot
    async def on_produced(self, product: str):
        self.log.append('start ' + product)
        await asyncio.sleep(0.01)
        self.log.append('end ' + product)


def test_async_slot_holds_the_loop_until_done():
    producer, consumer = Producer(), ConsumerAsync()
    Mre.connect(producer, 'produced', consumer.on_produced)
    with consumer.event_loop:
        producer.emit('produced', 'a')
        producer.emit('produced', 'b')
    check_equal(consumer.log, ['start a', 'end a', 'start b', 'end b'])


# "Awaiting Events" (SyncEvent) ---------------------------------------------------

def test_awaiting_an_event():
    producer = Producer()

    async def main():
        sync_event = Mre.wait(producer, 'produced', timeout_ms=10000)

        async def emit():
            producer.request_product()

        asyncio.create_task(emit())
        return (await sync_event).args

    check_equal(asyncio.run(main()), ('some product',), 'awaited arguments')
    # And blocking, from a thread that has no asyncio loop:
    threading.Timer(0.05, producer.request_product).start()
    check_equal(Mre.wait_for(producer, 'produced', timeout_ms=10000).args, ('some product',))


# "Events of the Event Loop" and "Exceptions on the Event Loop" ---------------------

class Failing(GObject.Object):
    @Mre.slot
    def on_produced(self, product: str):
        raise ValueError('cannot use ' + product)


def test_loop_signals():
    consumer = Consumer()
    loop, seen = consumer.event_loop, []
    for name in ('started', 'stopped', 'active', 'idle'):
        loop.connect(name, lambda l, name=name: seen.append(name))
    with loop:
        wait_until(lambda: 'started' in seen, 'started')
        consumer.on_produced('x')
        wait_until(lambda: consumer.products, 'the slot')
        wait_until(lambda: seen[-1:] == ['idle'], 'idle')
    # active/idle are edge-triggered: once per burst, not around every call.
    check_equal(seen, ['started', 'active', 'idle', 'stopped'])


def test_exception_stops_the_loop_by_default():
    producer, failing = Producer(), Failing()
    Mre.connect(producer, 'produced', failing.on_produced)
    try:
        with failing.event_loop:
            producer.request_product()
    except GLib.Error as error:
        check('ValueError: cannot use some product' in error.message, error.message)
        check(isinstance(error.__cause__, ValueError), 'cause %r' % (error.__cause__,))
    else:
        raise AssertionError('the exception did not stop the loop')


def test_exception_event_without_exit_on_exception():
    producer, failing, consumer = Producer(), Failing(), Consumer()
    failing.event_loop = Mre.EventLoop(exit_on_exception=False)
    consumer.event_loop = failing.event_loop
    exceptions = []
    failing.event_loop.connect('exception', lambda loop, error: exceptions.append(error.message))
    Mre.connect(producer, 'produced', failing.on_produced)
    Mre.connect(producer, 'produced', consumer.on_produced)
    # A plain callable that raises is reported the same way.
    Mre.connect(producer, 'produced', lambda product: {}[product], loop=failing.event_loop)
    with failing.event_loop:
        producer.request_product()
    check_equal(consumer.products, ['some product'], 'the loop went on')
    check_equal(exceptions, ['Slot “on-produced” of Failing raised ValueError: '
                             'cannot use some product',
                             "Call of test_exception_event_without_exit_on_exception."
                             "<locals>.<lambda> raised KeyError: 'some product'"])


# "Crossing Sockets" --------------------------------------------------------------

@Mre.emits('request_product')
class Requester(Consumer):
    pass


def test_crossing_sockets_through_a_broker():
    with Bus() as bus:
        # The producer: examples/python/cross-producer.py, another process,
        # which answers one request_product with produced.
        producer_log = bus.log_path('producer.log')
        with open(producer_log, 'wb') as out:
            producer = subprocess.Popen(
                [sys.executable, CROSS_PRODUCER, '--socket', bus.path, '--count', '1'],
                stdout=out, stderr=subprocess.STDOUT, env=bus.env)
        bus.processes.append(producer)
        wait_until(lambda: 'producer: ready' in lines(producer_log), 'the producer process')

        consumer = Requester()
        with Mre.Peer.new(bus.path, 'consumer') as consumer_peer:
            consumer_peer.forward(consumer, 'request_product')
            consumer_peer.on('produced', consumer.on_produced)
            with consumer.event_loop:
                consumer.emit('request_product')
                wait_until(lambda: consumer.products, 'the product from the other process')
        check_equal(consumer.products, ['some product'])
        check_equal(producer.wait(timeout=10), 0, 'the producer\'s exit status')


if __name__ == '__main__':
    sys.exit(1 if run_tests([
        ('emitting, connecting a callable, disconnecting', test_emitting_and_connecting_a_callable),
        ('slots run queued on the consumer\'s loop', test_slots_run_queued_on_the_consumers_loop),
        ('calls queued before start run once started',
         test_slots_queued_before_start_run_once_started),
        ('a shared loop runs both consumers', test_shared_loop_runs_both_consumers_sequentially),
        ('an async slot holds the loop', test_async_slot_holds_the_loop_until_done),
        ('awaiting an event', test_awaiting_an_event),
        ('the loop\'s signals', test_loop_signals),
        ('an exception stops the loop', test_exception_stops_the_loop_by_default),
        ('exception events with exit-on-exception off',
         test_exception_event_without_exit_on_exception),
        ('crossing sockets through a real broker', test_crossing_sockets_through_a_broker),
    ]) else 0)
