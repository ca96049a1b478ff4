#!/usr/bin/python3
# test-aioevt.py
#
# Copyright 2026 The mreventloop authors
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# aioevt's README done with Mre.Bus and checked, with two asyncio loops in
# two threads: callbacks (sync and async def) run in the loop they target,
# emit and emit_after, await wait() and its TimeoutError, once (aioevt's
# recurring=False), unregistering by name and by function, a burst from
# both threads arriving whole and in order. Then asyncio delivery of
# Peer.on() and Mre.connect(). docs/python.md, "Coming from aioevt", puts
# each snippet beside the seed's. Prints TAP (tests/mretap.py); run by
# `meson test` with the environment of bindings/python/meson.build.

import asyncio
import os
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import gi  # noqa: E402

gi.require_version('GObject', '2.0')
gi.require_version('Mre', '1.0')

from gi.repository import GObject, Mre  # noqa: E402

from mretap import PATIENCE, Bus, TestFailure, check, check_equal, run_tests, wait_until  # noqa: E402,E501


class LoopThread:
    """An asyncio loop running forever in a thread of its own."""

    def __init__(self, name):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name=name, daemon=True)
        self.thread.start()

    def run(self, coroutine):
        """Runs @coroutine on the loop and returns its result, from another thread."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(PATIENCE)

    def close(self):
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(PATIENCE)
        self.loop.close()


class World:
    """A broker, a bus (aioevt's manager) and two asyncio loops, A and B."""

    def __enter__(self):
        self.broker = Bus().__enter__()
        self.mgr = Mre.Bus(self.broker.path, id='mgr')
        self.a = LoopThread('loop-a')
        self.b = LoopThread('loop-b')
        return self

    def __exit__(self, *exc):
        self.mgr.close()
        self.a.close()
        self.b.close()
        return self.broker.__exit__(*exc)


def wait_progressing(count, total, what):
    """Waits until count() reaches @total, failing only if it stops
    growing for PATIENCE seconds: a slow machine (valgrind) is no loss."""
    last, deadline = -1, 0
    while True:
        now = count()
        if now >= total:
            return
        if now != last:
            last, deadline = now, time.monotonic() + PATIENCE
        elif time.monotonic() > deadline:
            raise TestFailure('%s: stuck at %d of %d' % (what, now, total))
        time.sleep(0.02)


def where():
    """Where a callback runs: its thread's name and the running asyncio loop."""
    return threading.current_thread().name, asyncio.get_running_loop()


# "Register an event", "Emitting an event", "Waiting for an event" ----------------

def test_the_readme_example():
    with World() as w:
        mgr, ran = w.mgr, []

        @mgr.on('Add', loop=w.b.loop)
        def my_callback(num1, num2, num3, num4):
            ran.append(where())
            mgr.yell('Calculated', num1 + num2 + num3 + num4)

        async def main():
            waiting = mgr.wait('Calculated', timeout=PATIENCE)
            mgr.emit_after(0.01, 'Add', 1, 2, 3, 4)
            return await waiting

        data = w.a.run(main())
        check_equal(data.args[0], 10, 'data.args[0]')
        check_equal(ran, [('loop-b', w.b.loop)], 'where the callback ran')


def test_callbacks_run_in_their_target_loop():
    with World() as w:
        mgr, seen = w.mgr, []

        async def async_callback(n):
            before = where()
            await asyncio.sleep(0)
            seen.append(('async', n, before, where()))

        def sync_callback(n):
            seen.append(('sync', n, where()))

        mgr.on('x', async_callback, loop=w.b.loop)     # from this thread, no loop running
        mgr.on('x', sync_callback, loop=w.a.loop)

        async def register_here():
            # From inside a running loop, without loop=: that loop.
            mgr.on('y', sync_callback)
            mgr.on('y', async_callback)
        w.b.run(register_here())

        async def emit():
            mgr.yell('x', 1)
            mgr.yell('y', 2)
        w.a.run(emit())
        wait_until(lambda: len(seen) == 4, 'four callbacks: %r' % seen)
        b, a = ('loop-b', w.b.loop), ('loop-a', w.a.loop)
        check_equal(sorted(seen, key=repr), sorted([
            ('async', 1, b, b), ('sync', 1, a), ('sync', 2, b), ('async', 2, b, b)], key=repr),
            'each callback in its loop')


def test_on_an_mre_event_loop_and_the_bus_thread():
    with World() as w:
        mgr, seen = w.mgr, []
        loop = Mre.EventLoop()
        loop.start()
        try:
            mgr.on('x', lambda n: seen.append(('mre', n, loop.is_loop_thread())), loop=loop)
            mgr.on('x', lambda n: seen.append(('bus', n, threading.current_thread().name)))

            async def coroutine(n):
                await asyncio.sleep(0)
                seen.append(('bus async', n, threading.current_thread().name))
            mgr.on('x', coroutine)
            mgr.yell('x', 7)
            wait_until(lambda: len(seen) == 3, 'three callbacks: %r' % seen)
        finally:
            loop.stop()
            loop.join()
        check_equal(sorted(seen), [('bus', 7, 'mre-bus'), ('bus async', 7, 'mre-bus'),
                                   ('mre', 7, True)], 'where they ran')


def test_wait_raises_timeout_error():
    with World() as w:
        async def main():
            try:
                await w.mgr.wait('never', timeout=0.01)
            except TimeoutError as error:
                return error
        error = w.a.run(main())
        check(isinstance(error, asyncio.TimeoutError), 'asyncio.TimeoutError: %r' % error)

        # Without a timeout it waits, until cancelled.
        async def cancelled():
            waiting = w.mgr.wait('never')
            waiting.cancel()
            try:
                await waiting
            except asyncio.CancelledError:
                return 'cancelled'
        check_equal(w.a.run(cancelled()), 'cancelled', 'a cancelled wait')


def test_wait_gives_args_and_kwargs():
    with World() as w:
        async def main():
            waiting = w.mgr.wait('MyEvent')
            w.mgr.yell('MyEvent', num4=4)
            data = await waiting
            return data.args, data.kwargs, data.sender
        check_equal(w.b.run(main()), ([], {'num4': 4}, 'mgr'), 'the event\'s data')


def test_once_is_not_recurring():
    with World() as w:
        mgr, got = w.mgr, []
        mgr.on('tick', got.append, loop=w.b.loop, once=True)

        async def main():
            last = mgr.wait('tick', sender='mgr')
            for n in range(3):
                mgr.yell('tick', n)
            await last
            # The loop runs callbacks in order: the once one ran already.
        for _ in range(2):
            w.b.run(main())
        check_equal(got, [0], 'the once callback')
        check_equal(mgr.off('tick'), 0, 'it is unregistered')


def test_unregister_by_name_and_by_function():
    with World() as w:
        mgr, got = w.mgr, []

        def f1(n):
            got.append(('f1', n))

        def f2(n):
            got.append(('f2', n))

        def g(n):
            got.append(('g', n))

        for name, func in [('x', f1), ('x', f2), ('y', g), ('y', f1)]:
            mgr.on(name, func, loop=w.b.loop)

        async def send(n):
            # The sentinel comes last on the same loop: every earlier
            # callback has run when it is awaited.
            sentinel = mgr.wait('sentinel')
            mgr.yell('x', n)
            mgr.yell('y', n)
            mgr.yell('sentinel')
            await sentinel
            await asyncio.sleep(0)

        w.b.run(send(1))
        check_equal(mgr.off(func=f1), 2, 'f1 unregistered from x and y')
        w.b.run(send(2))
        check_equal(mgr.off(name='x'), 1, 'x unregistered')
        w.b.run(send(3))
        check_equal(mgr.off('y', g), 1, 'g unregistered from y')
        w.b.run(send(4))
        check_equal(got, [('f1', 1), ('f2', 1), ('g', 1), ('f1', 1),
                          ('f2', 2), ('g', 2),
                          ('g', 3)], 'what was called')


def test_burst_from_two_threads_arrives_whole_and_in_order():
    n = 2000
    with World() as w:
        mgr, got, sent = w.mgr, {'a': [], 'b': []}, {'a': 0, 'b': 0}
        threads = set()

        def received(source, i):
            got[source].append(i)
            threads.add(threading.current_thread().name)

        mgr.on('burst', received, loop=w.b.loop)

        async def emit(source):
            for i in range(n):
                mgr.yell('burst', source, i)
                sent[source] = i + 1

        futures = [asyncio.run_coroutine_threadsafe(emit(s), loop.loop)
                   for s, loop in (('a', w.a), ('b', w.b))]
        wait_progressing(lambda: sent['a'] + sent['b'], 2 * n, 'sending')
        for future in futures:
            future.result(PATIENCE)
        wait_progressing(lambda: len(got['a']) + len(got['b']), 2 * n, 'the burst')
        check_equal(got, {'a': list(range(n)), 'b': list(range(n))}, 'every event, in order')
        check_equal(threads, {'loop-b'}, 'where they ran')


def test_a_raising_callback_goes_to_the_loops_handler():
    with World() as w:
        mgr, errors, got = w.mgr, [], []
        w.b.loop.set_exception_handler(lambda loop, context: errors.append(context['exception']))

        def sync(n):
            raise ValueError('sync %d' % n)

        async def coro(n):
            raise KeyError('async %d' % n)

        mgr.on('x', sync, loop=w.b.loop)
        mgr.on('x', coro, loop=w.b.loop)
        mgr.on('x', got.append, loop=w.b.loop)
        mgr.yell('x', 1)
        mgr.yell('x', 2)
        wait_until(lambda: len(errors) == 4 and len(got) == 2, 'the errors: %r' % errors)
        check_equal(sorted(repr(e) for e in errors),
                    ["KeyError('async 1')", "KeyError('async 2')",
                     "ValueError('sync 1')", "ValueError('sync 2')"], 'errors reported')
        check_equal(got, [1, 2], 'the other callback got every event')


def test_a_closed_loop_drops_its_handlers():
    with World() as w:
        gone = LoopThread('loop-c')
        gone.close()
        got = []
        w.mgr.on('x', got.append, loop=gone.loop)
        w.mgr.on('x', got.append, loop=w.b.loop, once=True)

        async def send():
            heard = w.mgr.wait('x')
            w.mgr.yell('x', 'hello')
            await heard
        w.a.run(send())
        check_equal(w.mgr.off('x'), 0, 'no handler left')
        wait_until(lambda: got == ['hello'], 'the handler on loop B')


# asyncio loops as loop= of Peer.on() and Mre.connect() -------------------------------

def test_peer_on_with_an_asyncio_loop():
    with World() as w, \
            Mre.Peer.new(w.broker.path, 'listener') as listener, \
            Mre.Peer.new(w.broker.path, 'talker') as talker:
        seen = []

        async def async_cb(n, unit):
            await asyncio.sleep(0)
            seen.append(('async', n, unit, where()))

        listener.on('tick', lambda n, unit: seen.append(('sync', n, unit, where())),
                    loop=w.b.loop)
        listener.on('tick', async_cb, loop=w.a.loop)
        talker.yell('tick', n=1, unit='s')
        wait_until(lambda: len(seen) == 2, 'two callbacks: %r' % seen)
        check_equal(sorted(seen, key=repr), sorted([
            ('sync', 1, 's', ('loop-b', w.b.loop)),
            ('async', 1, 's', ('loop-a', w.a.loop))], key=repr), 'where they ran')


@Mre.emits('produced', str)
class Producer(GObject.Object):
    pass


def test_connect_with_an_asyncio_loop():
    with World() as w:
        producer, seen = Producer(), []

        async def async_cb(product):
            await asyncio.sleep(0)
            seen.append(('async', product, where()))

        Mre.connect(producer, 'produced', lambda p: seen.append(('sync', p, where())),
                    loop=w.b.loop)
        Mre.connect(producer, 'produced', async_cb, loop=w.a.loop)
        Mre.connect(producer, 'produced', lambda p: seen.append(('once', p, where())),
                    Mre.ConnectFlags.ONCE, loop=w.b.loop)
        for product in ('one', 'two'):
            producer.emit('produced', product)
        wait_until(lambda: len(seen) == 5, 'five calls: %r' % seen)
        a, b = ('loop-a', w.a.loop), ('loop-b', w.b.loop)
        check_equal([s for s in seen if s[0] != 'async'],
                    [('sync', 'one', b), ('once', 'one', b), ('sync', 'two', b)],
                    'the calls on loop B, in order')
        check_equal([s for s in seen if s[0] == 'async'],
                    [('async', 'one', a), ('async', 'two', a)], 'the calls on loop A, in order')

        check_equal(Mre.disconnect(producer, 'produced'), 2, 'connections dropped')
        producer.emit('produced', 'three')
        sentinel = threading.Event()
        w.b.loop.call_soon_threadsafe(sentinel.set)
        check(sentinel.wait(PATIENCE), 'loop B')
        check_equal(len(seen), 5, 'nothing after disconnect')


TESTS = [
    ('the README example: on() in loop B, emit_after, await wait()', test_the_readme_example),
    ('sync and async callbacks run in their target loop (loop=, or the running one)',
     test_callbacks_run_in_their_target_loop),
    ('callbacks on an Mre.EventLoop and on the bus thread',
     test_on_an_mre_event_loop_and_the_bus_thread),
    ('await wait() raises TimeoutError; cancelling it stops it', test_wait_raises_timeout_error),
    ('wait() gives args and kwargs', test_wait_gives_args_and_kwargs),
    ('once=True is aioevt\'s recurring=False', test_once_is_not_recurring),
    ('unregister by name and by function', test_unregister_by_name_and_by_function),
    ('a burst from two threads arrives whole and in order',
     test_burst_from_two_threads_arrives_whole_and_in_order),
    ('a raising callback goes to its loop\'s exception handler',
     test_a_raising_callback_goes_to_the_loops_handler),
    ('a handler whose asyncio loop is closed goes', test_a_closed_loop_drops_its_handlers),
    ('Peer.on(..., loop=asyncio_loop)', test_peer_on_with_an_asyncio_loop),
    ('Mre.connect(..., loop=asyncio_loop)', test_connect_with_an_asyncio_loop),
]

if __name__ == '__main__':
    sys.exit(1 if run_tests(TESTS) else 0)
