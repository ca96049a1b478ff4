#!/usr/bin/python3
# test-overrides.py
#
# Copyright 2026 The mreventloop authors
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The PyGObject overrides of the Mre namespace (gi/overrides/Mre.py), from
# the source tree, against the library and typelib of the build tree: what
# a Python program relies on. Prints TAP. Run by `meson test` (see
# meson.build: GI_TYPELIB_PATH, LD_LIBRARY_PATH, PYTHONPATH and
# MREVENTLOOP_TOOL point into the trees).

import asyncio
import gc
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback

import gi

gi.require_version('GLib', '2.0')
gi.require_version('GObject', '2.0')
gi.require_version('Gio', '2.0')
gi.require_version('Json', '1.0')
gi.require_version('Mre', '1.0')

from gi.repository import GLib, GObject, Gio, Json, Mre  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
TOOL = os.environ.get('MREVENTLOOP_TOOL', 'mreventloop')
# A generous bound for what should happen soon: a broken build fails
# rather than hangs. Never a measure of speed.
PATIENCE = 10.0


# A tiny TAP harness -------------------------------------------------------

TESTS = []


def tap_test(func):
    TESTS.append(func)
    return func


def run_tests():
    print('1..%d' % len(TESTS), flush=True)
    failed = 0
    for number, func in enumerate(TESTS, 1):
        name = func.__name__.replace('test_', '', 1).replace('_', '-')
        try:
            func()
        except Exception:
            failed += 1
            print('not ok %d - %s' % (number, name))
            for line in traceback.format_exc().splitlines():
                print('# ' + line)
        else:
            print('ok %d - %s' % (number, name))
        sys.stdout.flush()
    return 1 if failed else 0


def check(condition, message='check failed'):
    if not condition:
        raise AssertionError(message)


def check_equal(got, expected, what='value'):
    if got != expected:
        raise AssertionError('%s: got %r, expected %r' % (what, got, expected))


def check_gerror(error, domain_quark, code):
    check(isinstance(error, GLib.Error), 'not a GLib.Error: %r' % (error,))
    if not error.matches(domain_quark, code):
        raise AssertionError('expected %s %d, got %s %d: %s'
                             % (GLib.quark_to_string(domain_quark), int(code),
                                error.domain, error.code, error.message))


def raises(exc_type, func, *args, **kwargs):
    try:
        func(*args, **kwargs)
    except exc_type as e:
        return e
    raise AssertionError('%s did not raise %s' % (getattr(func, '__name__', func),
                                                   exc_type.__name__))


def wait_until(predicate, what):
    deadline = time.monotonic() + PATIENCE
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError('timed out waiting for ' + what)
        time.sleep(0.005)


def wait_iterating(predicate, what):
    """wait_until() for what a handler does in GLib's main context, which
    this iterates meanwhile: a peer made on the main thread emits its own
    signals there."""
    context, expired = GLib.MainContext.default(), []
    source_id = GLib.timeout_add(int(PATIENCE * 1000), lambda: expired.append(True))
    try:
        while not predicate():
            if expired:
                raise AssertionError('timed out waiting for ' + what)
            context.iteration(True)
    finally:
        if not expired:
            GLib.source_remove(source_id)


# Classes ------------------------------------------------------------------

@Mre.emits('produced', str)
class Producer(GObject.Object):
    __gtype_name__ = 'PyOvProducer'

    def __init__(self, name='p'):
        super().__init__()
        self.name = name
        self.n_produced = 0

    def request_product(self):
        self.n_produced += 1
        self.emit('produced', '%s product %d' % (self.name, self.n_produced))


class Sensor(GObject.Object):
    __gtype_name__ = 'PyOvSensor'

    measured = Mre.Signal(str, float)
    request_product = Mre.Signal()


class Consumer(GObject.Object):
    __gtype_name__ = 'PyOvConsumer'

    def __init__(self, name='c'):
        super().__init__()
        self.name = name
        self.seen = []
        self.threads = set()

    @Mre.slot
    def on_produced(self, product: str):
        self.seen.append(product)
        self.threads.add(threading.get_ident())

    @Mre.slot('on-measured', str, float)
    def measured(self, what, value):
        self.seen.append((what, value))

    @Mre.slot
    async def on_slow(self, product: str):
        self.seen.append('start ' + product)
        self.threads.add(threading.get_ident())
        await asyncio.sleep(0.005)
        self.seen.append('end ' + product)

    @Mre.slot
    def fail(self, message: str):
        self.seen.append('fail ' + message)
        raise ValueError(message)


def expected_products(name, count):
    return ['%s product %d' % (name, i) for i in range(1, count + 1)]


# Declaring ------------------------------------------------------------------

@tap_test
def test_overrides_from_the_source_tree():
    import gi.overrides.Mre as overrides
    check_equal(os.path.dirname(os.path.abspath(overrides.__file__)),
                os.path.join(HERE, 'gi', 'overrides'), 'overrides module directory')
    check(Mre.EventLoop is overrides.EventLoop, 'Mre.EventLoop is not the override')
    check(isinstance(Mre.EventLoop.new(), overrides.EventLoop),
          'a loop made in C is not the override class')


@tap_test
def test_slots_are_real_mre_slots():
    for name in ('on-produced', 'on-measured', 'on-slow', 'fail'):
        check(Mre.slot_exists(Consumer.__gtype__, name), 'no slot %r' % name)
    check(not Mre.slot_exists(Consumer.__gtype__, 'measured'), 'the method name became a slot')
    check(isinstance(Consumer.on_produced, object) and Consumer.on_produced.name == 'on-produced',
          'class access gives the declaration')
    check(Consumer.on_slow.is_async, 'async def is not an async slot')
    # Typed: the C-side invoke refuses an int for a string parameter.
    error = raises(GLib.Error, Mre.invoke, Consumer(), 'on-produced', [GObject.Value(int, 3)])
    check_gerror(error, Mre.error_quark(), Mre.Error.TYPE_MISMATCH)


@tap_test
def test_signals_are_real_gobject_signals():
    for cls, name, types in ((Producer, 'produced', [GObject.TYPE_STRING]),
                             (Sensor, 'measured', [GObject.TYPE_STRING, GObject.TYPE_DOUBLE]),
                             (Sensor, 'request-product', [])):
        signal_id = GObject.signal_lookup(name, cls)
        check(signal_id != 0, 'no signal %r on %s' % (name, cls.__name__))
        query = GObject.signal_query(signal_id)
        check_equal(list(query.param_types), types, 'parameters of %r' % name)
        check(query.signal_flags & GObject.SignalFlags.RUN_LAST, 'not run-last')
        check(query.signal_flags & GObject.SignalFlags.DETAILED, 'not detailed')


@tap_test
def test_decorator_errors():
    raises(TypeError, Mre.slot('on-x', dict), lambda self, x: None)
    error = raises(TypeError, Mre.slot, lambda self, x: None)
    check('has no type' in str(error), 'unexpected message: %s' % error)
    raises(TypeError, Mre.slot('on-x', str), lambda self: None)
    raises(TypeError, Mre.emits, 'produced', object())
    raises(TypeError, Mre.emits('produced', str), object)


@tap_test
def test_connect_by_name_bound_slot_and_signal_attribute():
    producer, sensor, consumer = Producer(), Sensor(), Consumer()
    Mre.connect(producer, 'produced', consumer, 'on-produced')
    Mre.connect(sensor, 'measured', consumer.measured)
    with consumer.event_loop:
        producer.request_product()
        sensor.measured.emit('temperature', 21.5)
        producer.request_product()
    check_equal(consumer.seen, ['p product 1', ('temperature', 21.5), 'p product 2'])


@tap_test
def test_connect_errors():
    producer, consumer = Producer(), Consumer()
    error = raises(GLib.Error, Mre.connect, producer, 'produced', consumer, 'no-such-slot')
    check_gerror(error, Mre.error_quark(), Mre.Error.NO_SUCH_SLOT)
    error = raises(GLib.Error, Mre.connect, producer, 'no-such-signal', consumer.on_produced)
    check_gerror(error, Mre.error_quark(), Mre.Error.NO_SUCH_SIGNAL)
    error = raises(GLib.Error, Mre.connect, producer, 'produced', consumer.measured)
    check_gerror(error, Mre.error_quark(), Mre.Error.TYPE_MISMATCH)


# Running --------------------------------------------------------------------

@tap_test
def test_fifo_order_shared_loop_several_threads():
    producers = [Producer('p%d' % i) for i in range(4)]
    consumer1, consumer2 = Consumer('c1'), Consumer('c2')
    consumer2.event_loop = consumer1.event_loop
    check(consumer2.event_loop is consumer1.event_loop, 'loop not shared')
    for i, producer in enumerate(producers):
        Mre.connect(producer, 'produced', consumer1 if i % 2 else consumer2, 'on-produced')
    order = []

    def produce(producer):
        for _ in range(200):
            producer.request_product()

    with consumer1.event_loop as loop:
        loop.connect('started', lambda l: order.append('started'))
        threads = [threading.Thread(target=produce, args=(p,)) for p in producers]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    loop.connect('stopped', lambda l: order.append('stopped'))

    # Each producer's products in the order produced, all of them.
    for i, producer in enumerate(producers):
        consumer = consumer1 if i % 2 else consumer2
        mine = [s for s in consumer.seen if s.startswith(producer.name + ' ')]
        check_equal(mine, expected_products(producer.name, 200), producer.name)
    check_equal(len(consumer1.seen) + len(consumer2.seen), 800, 'calls')
    threads = consumer1.threads | consumer2.threads
    check(len(threads) == 1 and threading.get_ident() not in threads,
          'slots did not all run on the loop thread')


@tap_test
def test_bound_slot_call_is_queued():
    consumer = Consumer()
    consumer.on_produced('first')
    consumer.on_produced(product='second')
    check_equal(consumer.seen, [], 'ran in the caller')
    with consumer.event_loop:
        consumer.on_produced('third')
    check_equal(consumer.seen, ['first', 'second', 'third'])
    error = raises(GLib.Error, consumer.on_produced, 42)
    check_gerror(error, Mre.error_quark(), Mre.Error.TYPE_MISMATCH)
    raises(TypeError, consumer.on_produced, 'a', 'b')


@tap_test
def test_async_slot_holds_the_loop():
    producer, consumer = Producer(), Consumer()
    Mre.connect(producer, 'produced', consumer, 'on-slow')
    Mre.connect(producer, 'produced', consumer, 'on-produced')
    loop = consumer.event_loop
    with loop:
        for _ in range(3):
            producer.request_product()
        loop.invoke(lambda: consumer.seen.append('invoked'))
    check_equal(consumer.seen, ['start p product 1', 'end p product 1', 'p product 1',
                                'start p product 2', 'end p product 2', 'p product 2',
                                'start p product 3', 'end p product 3', 'p product 3',
                                'invoked'])
    check_equal(len(consumer.threads), 1, 'threads')


@tap_test
def test_async_slot_awaits_gio_asyncio_and_waits():
    class Reader(GObject.Object):
        __gtype_name__ = 'PyOvReader'

        def __init__(self):
            super().__init__()
            self.results = []

        @Mre.slot
        async def on_path(self, path: str):
            ok, contents, etag = await Mre.call_async(
                Gio.File.new_for_path(path).load_contents_async, None)
            self.results.append(contents.decode())
            # asyncio's own primitives run on the loop's context.
            a, b = await asyncio.gather(asyncio.sleep(0.001, 'a'), asyncio.sleep(0, 'b'))
            self.results.append(a + b)
            try:
                await asyncio.wait_for(asyncio.Event().wait(), 0.01)
            except asyncio.TimeoutError:
                self.results.append('timed out')
            self.results.append(await asyncio.to_thread(lambda: 'from a thread'))
            queue = asyncio.Queue()
            asyncio.create_task(queue.put('queued'))
            self.results.append(await queue.get())
            try:
                await asyncio.open_connection('localhost', 1)
            except NotImplementedError:
                self.results.append('no asyncio sockets')
            self.results.append(self.event_loop.is_loop_thread())
            # Waiting for a signal from inside a slot.
            producer = Producer('w')
            asyncio.get_running_loop().call_soon(producer.request_product)
            emission = await Mre.wait(producer, 'produced', timeout_ms=10000)
            self.results.append(emission.args)

    tmp = tempfile.mkdtemp()
    try:
        path = os.path.join(tmp, 'contents')
        with open(path, 'w') as f:
            f.write('file contents')
        reader = Reader()
        with reader.event_loop:
            reader.on_path(path)
        check_equal(reader.results, ['file contents', 'ab', 'timed out', 'from a thread',
                                     'queued', 'no asyncio sockets', True, ('w product 1',)])
    finally:
        shutil.rmtree(tmp)


@tap_test
def test_gio_error_in_async_slot_keeps_its_domain():
    class Reader(GObject.Object):
        __gtype_name__ = 'PyOvFailingReader'

        @Mre.slot
        async def on_path(self, path: str):
            await Mre.call_async(Gio.File.new_for_path(path).load_contents_async, None)

    reader = Reader()
    reader.on_path('/nonexistent/mreventloop')
    error = raises(GLib.Error, reader.event_loop.run)
    check_gerror(error, Gio.io_error_quark(), Gio.IOErrorEnum.NOT_FOUND)


@tap_test
def test_with_loop_starts_drains_and_stops():
    loop = Mre.EventLoop.new()
    events, calls = [], []
    loop.connect('started', lambda l: events.append('started'))
    loop.connect('stopped', lambda l: events.append('stopped'))
    with loop as entered:
        check(entered is loop, '__enter__ returns the loop')
        wait_until(loop.get_running, 'the loop to run')
        for i in range(50):
            loop.invoke(calls.append, i)
    check_equal(loop.get_running(), False, 'running after with')
    check_equal(calls, list(range(50)), 'calls run before the with ended')
    check_equal(events, ['started', 'stopped'])
    # And again: a loop can be entered more than once.
    with loop:
        loop.invoke(calls.append, 50)
    check_equal(calls[-1], 50)


@tap_test
def test_with_loop_bound_to_this_thread():
    loop = Mre.EventLoop.new_for_context(GLib.MainContext.default())
    producer, consumer = Producer(), Consumer()
    consumer.event_loop = loop
    Mre.connect(producer, 'produced', consumer.on_produced)
    with loop:
        producer.request_product()
        producer.request_product()
        check_equal(consumer.seen, [], 'ran in the emitter')
    check_equal(consumer.seen, expected_products('p', 2))
    check_equal(consumer.threads, {threading.get_ident()}, 'threads')
    check_equal(loop.get_running(), False, 'running after with')


@tap_test
def test_async_with_loop():
    producer, consumer = Producer(), Consumer()
    Mre.connect(producer, 'produced', consumer.on_slow)

    async def main():
        async with consumer.event_loop:
            producer.request_product()
            producer.request_product()
        return consumer.event_loop.get_running()

    check_equal(asyncio.run(main()), False, 'running after async with')
    check_equal(consumer.seen, ['start p product 1', 'end p product 1',
                                'start p product 2', 'end p product 2'])
    check(threading.get_ident() not in consumer.threads, 'own loop ran on this thread')

    # A loop bound to this thread's context runs here, on the asyncio thread.
    bound = Consumer()
    bound.event_loop = Mre.EventLoop.new_for_context(GLib.MainContext.default())
    Mre.connect(producer, 'produced', bound.on_produced)

    async def bound_main():
        async with bound.event_loop:
            producer.request_product()

    asyncio.run(bound_main())
    check_equal(bound.seen, ['p product 3'])
    check_equal(bound.threads, {threading.get_ident()}, 'threads of the bound loop')


@tap_test
def test_invoke_python_arguments_and_coroutines():
    loop = Mre.EventLoop.new()
    order = []

    async def slow(tag):
        order.append('start ' + tag)
        await asyncio.sleep(0.002)
        order.append('end ' + tag)

    with loop:
        loop.invoke(slow, 'a')
        loop.invoke(order.append, 'b')
        loop.invoke(lambda x, y: order.append(x + y), 'c', 'd')
    check_equal(order, ['start a', 'end a', 'b', 'cd'])


# Failing ----------------------------------------------------------------------

@tap_test
def test_raising_slot_stops_the_loop_with_a_gerror():
    consumer = Consumer()
    consumer.fail('bad product')
    consumer.on_produced('never')
    try:
        with consumer.event_loop:
            pass
    except GLib.Error as e:
        check_gerror(e, Mre.error_quark(), Mre.Error.FAILED)
        check('ValueError: bad product' in e.message, 'message: %s' % e.message)
        check(isinstance(e.__cause__, ValueError), 'cause: %r' % (e.__cause__,))
    else:
        raise AssertionError('the failed slot did not stop the loop with an error')
    check_equal(consumer.seen, ['fail bad product'], 'ran after the failure')


@tap_test
def test_raised_gerror_keeps_domain_and_code():
    class Guard(GObject.Object):
        __gtype_name__ = 'PyOvGuard'

        @Mre.slot
        def check(self, who: str):
            raise GLib.Error.new_literal(Gio.io_error_quark(), 'no entry for ' + who,
                                         Gio.IOErrorEnum.PERMISSION_DENIED)

        @Mre.slot
        async def check_later(self, who: str):
            await asyncio.sleep(0)
            raise GLib.Error.new_literal(Gio.io_error_quark(), 'later: ' + who,
                                         Gio.IOErrorEnum.PERMISSION_DENIED)

    for slot_name, message in (('check', 'no entry for x'), ('check-later', 'later: x')):
        guard = Guard()
        Mre.invoke(guard, slot_name, ['x'])
        error = raises(GLib.Error, guard.event_loop.run)
        check_gerror(error, Gio.io_error_quark(), Gio.IOErrorEnum.PERMISSION_DENIED)
        check_equal(error.message, message)


@tap_test
def test_exit_on_exception_false_reports_and_goes_on():
    consumer = Consumer()
    loop = consumer.event_loop
    loop.props.exit_on_exception = False
    errors = []
    loop.connect('exception', lambda l, error: errors.append((error.domain, error.code)))
    consumer.fail('first')
    consumer.on_produced('next')
    with loop:
        pass
    check_equal(errors, [('mre-error-quark', int(Mre.Error.FAILED))])
    check_equal(consumer.seen, ['fail first', 'next'])


@tap_test
def test_with_body_error_wins():
    consumer = Consumer()
    consumer.fail('in the loop')
    try:
        with consumer.event_loop:
            raise KeyError('in the body')
    except KeyError as e:
        notes = getattr(e, '__notes__', [])
        check(any('in the loop' in n for n in notes) or not hasattr(e, 'add_note'),
              'notes: %r' % (notes,))
    check_equal(consumer.event_loop.get_running(), False, 'running')


# Waiting --------------------------------------------------------------------

@tap_test
def test_wait_for_and_emission_args():
    sensor = Sensor()
    done = threading.Event()

    def keep_emitting():
        while not done.wait(0.005):
            sensor.measured.emit('humidity', 40.0)

    thread = threading.Thread(target=keep_emitting)
    thread.start()
    try:
        emission = Mre.wait_for(sensor, 'measured', timeout_ms=10000)
    finally:
        done.set()
        thread.join()
    check_equal(emission.args, ('humidity', 40.0))
    error = raises(GLib.Error, Mre.wait_for, sensor, 'measured', 10)
    check_gerror(error, Gio.io_error_quark(), Gio.IOErrorEnum.TIMED_OUT)


def wait_for_while_emitting(emitter, detailed_signal, emit):
    """Mre.wait_for(), while another thread calls @emit every 5 ms."""
    done = threading.Event()

    def keep_emitting():
        while not done.wait(0.005):
            emit()

    thread = threading.Thread(target=keep_emitting)
    thread.start()
    try:
        return Mre.wait_for(emitter, detailed_signal, timeout_ms=10000)
    finally:
        done.set()
        thread.join()


class Carrier(GObject.Object):
    __gtype_name__ = 'PyOvCarrier'

    carried = Mre.Signal(GLib.Bytes, GLib.Variant, Json.Node, GObject.Object, list[str], str)


@tap_test
def test_emission_args_outlive_the_emission():
    # Issue 11, item 2: a boxed argument taken out of an Emission pointed
    # into it, freed with it (valgrind: invalid reads; G_DEBUG=gc-friendly
    # makes them read zeros here). Every kind, used after the Emission is
    # gone and collected, and after the emitter dropped its own.
    carrier, payload = Carrier(), GObject.Object()

    def emit():
        carrier.carried.emit(GLib.Bytes.new(b'some bytes ' * 8), GLib.Variant('as', ['a', 'b']),
                             Json.from_string('{"k": [1, 2]}'), payload, ['x', 'y'], 'text')

    emission = wait_for_while_emitting(carrier, 'carried', emit)
    args = emission.args
    first = emission.get_arg(0)
    del emission
    gc.collect()
    data, variant, node, obj, strv, text = args
    check_equal(data.get_data(), b'some bytes ' * 8, 'GLib.Bytes')
    check_equal(first.get_data(), b'some bytes ' * 8, 'get_arg(0)')
    check_equal(variant.unpack(), ['a', 'b'], 'GLib.Variant')
    check_equal(Json.to_string(node, False), '{"k":[1,2]}', 'Json.Node')
    check(obj is payload, 'the object: %r' % (obj,))
    check_equal((strv, text), (['x', 'y'], 'text'), 'strv and string')

    # The peer's `event` signal: an Mre.Event, from a real (in-process) broker.
    tmp = tempfile.mkdtemp(prefix='mre-py-')
    path = os.path.join(tmp, 'bus.sock')
    try:
        with Mre.Broker.new(path), Mre.Peer.new(path, 'producer') as producer, \
                Mre.Peer.new(path, 'consumer') as consumer:
            consumer.subscribe('x')
            emission = wait_for_while_emitting(consumer, 'event::x',
                                               lambda: producer.yell('x', 'kept'))
            event = emission.args[0]
            del emission
            gc.collect()
            check_equal((event.name, event.sender, event.params), ('x', 'producer', ['kept']))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


class Keeper(GObject.Object):
    __gtype_name__ = 'PyOvKeeper'

    def __init__(self):
        super().__init__()
        self.kept = []

    @Mre.slot('on-carried', GLib.Bytes, GLib.Variant, Json.Node, GObject.Object, list[str], str)
    def carried(self, *args):
        self.kept.append(args)

    @Mre.slot('on-carried-later', GLib.Bytes, GLib.Variant, Json.Node, GObject.Object,
              list[str], str)
    async def carried_later(self, *args):
        await asyncio.sleep(0)
        self.kept.append(args)


def carry(carrier, payload):
    carrier.carried.emit(GLib.Bytes.new(b'kept bytes ' * 8), GLib.Variant('as', ['a']),
                         Json.from_string('[true]'), payload, ['x'], 'text')


def check_carried(calls, payload):
    """The arguments of carry(), each still whole after its call."""
    for data, variant, node, obj, strv, text in calls:
        check_equal(data.get_data(), b'kept bytes ' * 8, 'GLib.Bytes')
        check_equal(variant.unpack(), ['a'], 'GLib.Variant')
        check_equal(Json.to_string(node, False), '[true]', 'Json.Node')
        check(obj is payload, 'the object: %r' % (obj,))
        check_equal((strv, text), (['x'], 'text'), 'strv and string')


@tap_test
def test_slot_args_outlive_the_call():
    # The same for a slot, sync or async, that keeps its arguments: the
    # queued call's GValues are freed once the slot returned.
    carrier, keeper, payload = Carrier(), Keeper(), GObject.Object()
    Mre.connect(carrier, 'carried', keeper, 'on-carried')
    Mre.connect(carrier, 'carried', keeper, 'on-carried-later')
    with keeper.event_loop:
        carry(carrier, payload)
    gc.collect()
    check_equal(len(keeper.kept), 2, 'slot calls')
    check_carried(keeper.kept, payload)


@tap_test
def test_connected_callable_args_outlive_the_call():
    # The same for a callable connected with Mre.connect (a slot of its
    # own GObject type): it read freed memory (a crash, or zeros).
    carrier, payload, kept, kept_later = Carrier(), GObject.Object(), [], []

    async def keep_later(*args):
        await asyncio.sleep(0)
        kept_later.append(args)

    loop = Mre.EventLoop.new()
    Mre.connect(carrier, 'carried', lambda *args: kept.append(args), loop=loop)
    Mre.connect(carrier, 'carried', keep_later, loop=loop)
    with loop:
        carry(carrier, payload)
    gc.collect()
    check_equal(len(kept + kept_later), 2, 'calls')
    check_carried(kept + kept_later, payload)


@tap_test
def test_await_wait_and_call_async_under_plain_asyncio():
    producer = Producer()
    tmp = tempfile.mkdtemp()
    path = os.path.join(tmp, 'contents')
    with open(path, 'w') as f:
        f.write('read under asyncio.run')

    async def main():
        ok, contents, etag = await Mre.call_async(
            Gio.File.new_for_path(path).load_contents_async, None)
        check_equal(contents, b'read under asyncio.run')
        waiter = Mre.wait(producer, 'produced', timeout_ms=10000)   # listening now
        threading.Thread(target=producer.request_product).start()
        emission = await waiter
        timeout = None
        try:
            await Mre.wait(producer, 'produced', timeout_ms=5)
        except GLib.Error as e:
            timeout = e
        return emission.args, timeout

    try:
        args, timeout = asyncio.run(main())
    finally:
        shutil.rmtree(tmp)
    check_equal(args, ('p product 1',))
    check_gerror(timeout, Gio.io_error_quark(), Gio.IOErrorEnum.TIMED_OUT)


# Across processes -----------------------------------------------------------------

class Bus:
    """`mreventloop broker` on a socket in a temporary directory; kills and
    reaps every process it started."""

    def __init__(self, *broker_args):
        self.broker_args = broker_args

    def __enter__(self):
        self.tmp = tempfile.mkdtemp(prefix='mre-py-')
        self.path = os.path.join(self.tmp, 'bus.sock')
        self.processes = []
        self.broker = self.spawn('broker', *self.broker_args)
        # The socket file exists from bind(), before listen(): until a
        # connection is accepted, a peer's start() may be refused.
        wait_until(self.accepts, 'the broker socket')
        return self

    def accepts(self):
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            probe.connect(self.path)
            return True
        except OSError:
            return False
        finally:
            probe.close()

    def spawn(self, *args):
        process = subprocess.Popen([TOOL] + list(args) + ['--socket', self.path],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.processes.append(process)
        return process

    def run(self, *args):
        process = self.spawn(*args)
        out, err = process.communicate(timeout=PATIENCE)
        check_equal(process.returncode, 0, 'exit status of mreventloop %s (%s)'
                    % (' '.join(args), err.strip()))
        return out

    def __exit__(self, *exc):
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGCONT)   # if a test froze it
                process.kill()
            process.communicate()
        shutil.rmtree(self.tmp, ignore_errors=True)
        return False


@tap_test
def test_naive_peer_handler_runs_in_the_main_loop():
    # Issue 11, item 3: a peer made on the main thread, a plain handler of
    # its event signal, a GLib.MainLoop: the handler runs there, on the
    # main thread, in order, without the program choosing a context.
    with Bus() as bus, Mre.Peer.new(bus.path, 'py') as peer:
        got, loop = [], GLib.MainLoop()

        def on_tick(p, event):
            got.append((event.args, threading.current_thread() is threading.main_thread()))
            if len(got) == 3:
                loop.quit()
        peer.connect('event::tick', on_tick)
        peer.subscribe('tick')
        for i in range(3):
            bus.run('emit', 'tick', '[%d]' % i)
        timeout_id = GLib.timeout_add(int(PATIENCE * 1000), loop.quit)
        loop.run()
        GLib.source_remove(timeout_id)
        check_equal(got, [([0], True), ([1], True), ([2], True)], 'events and threads')


@tap_test
def test_on_from_a_callback_on_the_peers_thread():
    # A callback of on() runs on the peer's own thread, which reads the
    # broker's answers: on() there used to wait for one for ever.
    with Bus() as bus, Mre.Peer.new(bus.path, 'py') as peer:
        got = []
        peer.on('first', lambda: got.append(('first', peer.on('second', got.append) > 0)))
        bus.run('emit', 'first', '[]')
        wait_until(lambda: got, 'the first event')
        check_equal(got, [('first', True)], 'on() in the callback')
        # Yelled until the subscription made there is in place.
        wait_until(lambda: bus.run('emit', 'second', '[2]') is None or len(got) > 1,
                   'the second event')
        check_equal(got[1], 2, 'the second event')


@tap_test
def test_peer_keeps_its_signal_context_when_its_loop_is_asked_for():
    # Asking a peer for its loop before start (Mre.connect of a plain
    # callable does, to queue it there) makes the peer's own loop, not one
    # the program chose: the peer's signals stay in the main context.
    with Bus() as bus:
        peer = Mre.Peer.new(bus.path, 'py')
        relayed, got, loop = [], [], GLib.MainLoop()
        Mre.connect(peer, 'event::tick', lambda event: relayed.append(event.args))
        Mre.object_get_event_loop(peer)  # what any code may ask

        def on_tick(p, event):
            got.append((event.args, threading.current_thread() is threading.main_thread()))
            if len(got) == 2:
                loop.quit()
        peer.connect('event::tick', on_tick)
        with peer:
            peer.subscribe('tick')
            for i in range(2):
                bus.run('emit', 'tick', '[%d]' % i)
            timeout_id = GLib.timeout_add(int(PATIENCE * 1000), loop.quit)
            loop.run()
            GLib.source_remove(timeout_id)
        check_equal(got, [([0], True), ([1], True)], 'events and threads')
        wait_until(lambda: len(relayed) == 2, 'the callable connected with Mre.connect')
        check_equal(relayed, [[0], [1]], 'the callable')


@tap_test
def test_kwargs_cross_a_real_broker():
    import json
    with Bus() as bus, Mre.Peer.new(bus.path, 'py') as peer:
        # Named arguments are a JSON object, positional ones an array;
        # pushed with a backlog so that `mreventloop wait` gets them retained.
        peer.push('named', product='some product', count=3, backlog=1)
        peer.push('positional', 'some product', 3, [1, 2], {'k': None}, backlog=1)
        peer.flush()
        check_equal(json.loads(bus.run('wait', 'named', '--timeout', '10')),
                    {'product': 'some product', 'count': 3}, 'named params')
        check_equal(json.loads(bus.run('wait', 'positional', '--timeout', '10')),
                    ['some product', 3, [1, 2], {'k': None}], 'positional params')

        # And back: what the tool publishes reaches Python callbacks and slots.
        # Handlers run in the order connected: once `got` has an event,
        # the slot call for it is queued.
        got, consumer = [], Consumer()
        peer.on('produced', consumer.on_produced)
        peer.on('produced', lambda *args, **kwargs: got.append((args, kwargs)))
        bus.run('emit', 'produced', '{"product": "named product"}')
        bus.run('emit', 'produced', '["positional product"]')
        wait_until(lambda: len(got) == 2, 'two events')
        check_equal(got, [((), {'product': 'named product'}), (('positional product',), {})])
        with consumer.event_loop:
            pass
        check_equal(consumer.seen, ['named product', 'positional product'])


@tap_test
def test_big_integers_and_nul_strings_arrive_unchanged():
    # Issue 10, item 3: any integer JSON allows and a string holding U+0000
    # reach a Python handler as they were sent, from Python and from the tool.
    values = [2**64 - 1, 'a\0b', -2**70, 10**30, 'é']
    with Bus() as bus, Mre.Peer.new(bus.path, 'py-in') as receiver, \
            Mre.Peer.new(bus.path, 'py-out') as sender:
        got = []
        receiver.on('exact', lambda *args, **kwargs: got.append((args, kwargs)))
        sender.yell('exact', *values)
        sender.yell('exact', big=2**64 - 1, text='a\0b')
        sender.flush()
        bus.run('emit', 'exact', '[18446744073709551615, "a\\u0000b", -1180591620717411303424]')
        wait_until(lambda: len(got) == 3, 'three events')
        check_equal(got, [(tuple(values), {}), ((), {'big': 2**64 - 1, 'text': 'a\0b'}),
                          ((2**64 - 1, 'a\0b', -2**70), {})], 'the arguments')

        # What Python publishes, the tool prints as it was sent.
        sender.push('exact.kept', 2**64 - 1, 'a\0b', backlog=1)
        sender.flush()
        check_equal(bus.run('wait', 'exact.kept', '--timeout', '10'),
                    '[18446744073709551615,"a\\u0000b"]\n', 'what wait printed')


@tap_test
def test_publish_larger_than_the_broker_takes():
    # Issue 10: the limit the broker announces applies from Python too.
    with Bus('--max-frame-size', '65536') as bus, Mre.Peer.new(bus.path, 'py') as peer:
        error = raises(GLib.Error, peer.yell, 'big', 'y' * 100000)
        check_gerror(error, Mre.error_quark(), Mre.Error.FRAME_TOO_LARGE)
        check('65536' in error.message and '“big”' in error.message, error.message)
        peer.yell('small', 'y' * 1000)
        check_equal(peer.stats()['events_in'], 1, 'only the small one reached the broker')


@tap_test
def test_with_peer_flush_times_out_on_a_frozen_broker():
    # Issue 10: leaving `with peer:` waits at most flush-timeout.
    with Bus() as bus:
        peer = Mre.Peer.new(bus.path, 'py')
        check_equal(peer.props.flush_timeout, 25000, 'the default flush-timeout')
        try:
            with peer:
                peer.props.flush_timeout = 100
                bus.broker.send_signal(signal.SIGSTOP)
                # Stopped once waitpid says so, not when kill() returns.
                os.waitpid(bus.broker.pid, os.WUNTRACED)
                peer.push('state', 'frozen', backlog=1)
                peer.yell('tick', 1)
        except GLib.Error as error:
            check_gerror(error, Gio.io_error_quark(), Gio.IOErrorEnum.TIMED_OUT)
            check(' 2 events ' in error.message, error.message)
        else:
            raise AssertionError('leaving `with peer:` did not fail')
        finally:
            bus.broker.send_signal(signal.SIGCONT)
        check_equal(peer.get_state(), Mre.PeerState.CLOSED, 'closed all the same')
        error = raises(GLib.Error, peer.flush, 50)
        check_gerror(error, Mre.error_quark(), Mre.Error.DISCONNECTED)


@tap_test
def test_addresses():
    # Issue 10: unix:PATH, or a plain path; any other scheme is refused at
    # start, before anything is created.
    tmp = tempfile.mkdtemp(prefix='mre-py-')
    cwd = os.getcwd()
    try:
        os.chdir(tmp)
        for address in ('ipc:///tmp/x.sock', 'tcp:127.0.0.1:5555'):
            for peer in (Mre.Peer.new(address, None),
                         GObject.new(Mre.Peer, path=address, autostart=True)):
                error = raises(GLib.Error, peer.start)
                check_gerror(error, Gio.io_error_quark(), Gio.IOErrorEnum.INVALID_ARGUMENT)
                check(address in error.message and 'unix:' in error.message, error.message)
            error = raises(GLib.Error, Mre.Broker.new(address).start)
            check_gerror(error, Gio.io_error_quark(), Gio.IOErrorEnum.INVALID_ARGUMENT)
        check_equal(os.listdir(tmp), [], 'nothing created')

        path = os.path.join(tmp, 'bus.sock')
        with Mre.Broker.new('unix:' + path), Mre.Peer.new('unix:' + path, 'u') as peer:
            check(os.path.exists(path), 'the broker listens on the path')
            peer.yell('x', 1)
    finally:
        os.chdir(cwd)
        shutil.rmtree(tmp, ignore_errors=True)


@tap_test
def test_peers_in_process_broker_push_backlog_and_filters():
    tmp = tempfile.mkdtemp(prefix='mre-py-')
    path = os.path.join(tmp, 'bus.sock')
    try:
        with Mre.Broker.new(path), Mre.Peer.new(path, 'producer') as producer, \
                Mre.Peer.new(path, 'other') as other, Mre.Peer.new(path, 'consumer') as consumer:
            for state in ('starting', 'ready', 'steady'):
                producer.push('state', state, backlog=2)
            producer.flush()
            states = []
            consumer.on('state', states.append)
            # Retained events came before on() returned: the last 2, in order.
            check_equal(states, ['ready', 'steady'], 'retained')

            sensors, from_producer = [], []
            consumer.on('sensor.*', lambda **kw: sensors.append(kw))
            consumer.on('tick', from_producer.append, sender='producer')
            other.yell('sensor.temperature', value=21.5)
            other.yell('tick', 'from other')
            producer.yell('tick', 'from producer')
            producer.yell('sensor.humidity', value=40)
            wait_until(lambda: len(sensors) == 2 and from_producer, 'sensor and tick events')
            check_equal(sorted(s['value'] for s in sensors), [21.5, 40], 'wildcard')
            check_equal(from_producer, ['from producer'], 'sender filter')

            # The C side: Mre.connect to the peer's detailed signal decodes
            # positional arguments to the Python slot's declared types, and
            # the event itself is a Python-friendly Mre.Event.
            slot_consumer = Consumer()
            Mre.connect(consumer, 'event::measured', slot_consumer, 'on-measured')
            events = []
            consumer.connect('event::measured', lambda peer, event: events.append(event))
            consumer.subscribe('measured')
            producer.yell('measured', 'pressure', 1013)   # an int, taken as a double
            wait_iterating(lambda: events, 'the measured event')
            with slot_consumer.event_loop:
                pass
            check_equal(slot_consumer.seen, [('pressure', 1013.0)])
            event = events[0]
            check_equal((event.name, event.sender, event.args, event.kwargs, event.pushed),
                        ('measured', 'producer', ['pressure', 1013], {}, False))

            # Values that are not JSON data go through the library's codec.
            producer.yell('measured', GObject.Value(GObject.TYPE_STRING, 'wind'),
                          GObject.Value(GObject.TYPE_DOUBLE, 3.5))
            wait_iterating(lambda: len(events) == 2, 'the codec event')
            check_equal(events[1].args, ['wind', 3.5])

            # Errors.
            raises(TypeError, producer.yell, 'measured', 'a', value=1)
            raises(TypeError, producer.yell, 'measured', value=object())
            error = raises(GLib.Error, producer.yell, 'bad*name', 1)
            check_gerror(error, Mre.error_quark(), Mre.Error.PROTOCOL)
            for value in (GLib.MainContext.default(), float('nan')):
                error = raises(GLib.Error, producer.yell, 'measured', value)
                check_gerror(error, Mre.error_quark(), Mre.Error.TYPE_MISMATCH)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@tap_test
def test_peer_on_queues_onto_a_loop():
    tmp = tempfile.mkdtemp(prefix='mre-py-')
    path = os.path.join(tmp, 'bus.sock')
    try:
        loop = Mre.EventLoop.new()
        order = []

        async def slow(product, count=0):
            order.append('start %s %d' % (product, count))
            await asyncio.sleep(0.002)
            order.append('end %s' % product)

        with Mre.Broker.new(path), Mre.Peer.new(path, 'a') as a, Mre.Peer.new(path, 'b') as b:
            b.on('produced', slow, loop=loop)
            a.yell('produced', 'x', 1)
            a.yell('produced', product='y', count=2)
            a.flush()
            with loop:
                wait_until(lambda: len(order) == 4, 'both events handled')
        check_equal(order, ['start x 1', 'end x', 'start y 2', 'end y'])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# Loop threads are Python threads (issue 11, item 1) ---------------------------

class ThreadProbe(GObject.Object):
    """Records, for each call, the Python thread it ran on and what a
    threading.local() set in the first call holds."""
    __gtype_name__ = 'PyOvThreadProbe'

    def __init__(self):
        super().__init__()
        self.local = threading.local()
        self.seen = []

    def record(self, index):
        if index == 0:
            self.local.value = 'set in call 0'
        self.seen.append((threading.current_thread(), getattr(self.local, 'value', None)))

    @Mre.slot
    def probe(self, index: int):
        self.record(index)


def check_one_python_thread(seen, count):
    check_equal(len(seen), count, 'calls')
    thread = seen[0][0]
    check(not isinstance(thread, threading._DummyThread),
          'ran on %r: a thread Python did not start' % (thread,))
    check(thread is not threading.current_thread(), 'ran on the test thread')
    check(all(t is thread for t, _ in seen),
          'ran on %d Thread objects, not one' % len(set(id(t) for t, _ in seen)))
    check_equal([value for _, value in seen], ['set in call 0'] * count,
                'threading.local() across the calls')


@tap_test
def test_slots_on_an_own_thread_loop_run_on_one_python_thread():
    probe = ThreadProbe()
    with probe.event_loop:
        for i in range(3):
            probe.probe(i)
    check_one_python_thread(probe.seen, 3)
    thread = probe.seen[0][0]
    check(thread.daemon, 'the loop thread keeps the interpreter from exiting')
    check(thread.name.startswith('mre-event-loop-'), 'thread name %r' % thread.name)
    # Stopped: the thread has ended, and the next run gets a new one.
    thread.join(PATIENCE)
    check(not thread.is_alive(), 'the thread outlived its loop')
    with probe.event_loop:
        probe.probe(3)
    check(probe.seen[3][0] is not thread, 'a second run reused the ended thread')


@tap_test
def test_peer_handlers_on_the_peers_thread_run_on_one_python_thread():
    tmp = tempfile.mkdtemp(prefix='mre-py-')
    path = os.path.join(tmp, 'bus.sock')
    try:
        probe = ThreadProbe()
        # The peer's loop: a thread of its own, set explicitly.
        loop = Mre.EventLoop.new()
        with Mre.Broker.new(path), Mre.Peer.new(path, 'out') as publisher:
            subscriber = Mre.Peer.new(path, 'in')
            Mre.object_set_event_loop(subscriber, loop)
            with subscriber:
                # A callable with no loop: called on the peer's thread.
                subscriber.on('probe', probe.record)
                for i in range(3):
                    publisher.yell('probe', i)
                publisher.flush()
                wait_until(lambda: len(probe.seen) == 3, 'three events')
        loop.stop()
        loop.join()
        check_one_python_thread(probe.seen, 3)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@tap_test
def test_exit_with_loops_running_python():
    # A program that ends with own-thread loops running, one of them
    # calling Python every millisecond while the interpreter finalizes,
    # exits at once with its status: the loop threads are daemon threads.
    program = '''if True:
        import sys
        import gi
        gi.require_version('Mre', '1.0')
        from gi.repository import GLib, Mre
        calls = []
        def tick(*unused):
            calls.append(1)
            return GLib.SOURCE_CONTINUE
        busy, idle = Mre.EventLoop.new(), Mre.EventLoop.new()
        busy.start()
        idle.start()
        source = GLib.timeout_source_new(1)
        source.set_callback(tick)
        source.attach(busy.get_context())
        while len(calls) < 3:
            GLib.usleep(1000)
        print('running', flush=True)
        sys.exit(3)
    '''
    for _ in range(3):
        process = subprocess.run([sys.executable, '-c', program], capture_output=True,
                                 text=True, timeout=PATIENCE)
        check_equal((process.returncode, process.stdout, process.stderr),
                    (3, 'running\n', ''), 'exit status, output, errors')


# Subclasses -------------------------------------------------------------------

@tap_test
def test_subclass_inherits_and_overrides_slots():
    class LoudConsumer(Consumer):
        __gtype_name__ = 'PyOvLoudConsumer'

        def on_produced(self, product):
            self.seen.append(product.upper())

    producer, consumer = Producer(), LoudConsumer()
    check(Mre.slot_exists(LoudConsumer.__gtype__, 'on-produced'), 'slot not inherited')
    Mre.connect(producer, 'produced', consumer, 'on-produced')
    Mre.connect(producer, 'produced', consumer, 'on-slow')
    with consumer.event_loop:
        producer.request_product()
    check_equal(consumer.seen, ['P PRODUCT 1', 'start p product 1', 'end p product 1'])



# Plain callables and plain-GI callbacks (issue 11, item 4) ----------------------

@tap_test
def test_connect_plain_callables_queued_on_a_loop():
    class Tally:
        def __init__(self):
            self.seen = []

        def add(self, product):
            self.seen.append(('tally', product, threading.get_ident()))

    producer, consumer, tally, seen = Producer(), Consumer(), Tally(), []

    def plain(product):
        seen.append(('function', product, threading.get_ident()))

    async def slow(product):
        await asyncio.sleep(0.005)
        seen.append(('async', product))

    Mre.connect(producer, 'produced', lambda product: seen.append(('lambda', product)))
    Mre.connect(producer, 'produced', plain)
    Mre.connect(producer, 'produced', tally.add)
    Mre.connect(producer, 'produced', slow)
    Mre.connect(producer, 'produced', lambda p: seen.append(('once', p)), Mre.ConnectFlags.ONCE)
    # loop=: on another object's loop.
    Mre.connect(producer, 'produced', lambda p: consumer.seen.append(threading.get_ident()),
                loop=consumer.event_loop)
    with producer.event_loop, consumer.event_loop:
        producer.request_product()
        producer.request_product()
    threads = {s[2] for s in seen if s[0] == 'function'} | {s[2] for s in tally.seen}
    check_equal(len(threads), 1, 'threads of the producer loop')
    check(threading.get_ident() not in threads, 'a callable ran in the emitter\'s stack')
    check_equal([s[:2] for s in seen],
                [('lambda', 'p product 1'), ('function', 'p product 1'), ('async', 'p product 1'),
                 ('once', 'p product 1'),
                 ('lambda', 'p product 2'), ('function', 'p product 2'), ('async', 'p product 2')])
    check_equal([s[:2] for s in tally.seen], [('tally', 'p product 1'), ('tally', 'p product 2')])
    check_equal(len(consumer.seen), 2, 'calls on loop=')
    check(not (set(consumer.seen) & threads), 'loop= was not the consumer\'s loop')

    check_equal(Mre.disconnect(producer, 'produced'), 5, 'disconnected')
    with producer.event_loop:
        producer.request_product()
    check_equal(len(seen), 7, 'calls after disconnect')
    check_equal(producer.__dict__.get('_mre_callables'), {}, 'targets kept')


@tap_test
def test_connect_callable_errors():
    producer = Producer()
    error = raises(GLib.Error, Mre.connect, producer, 'no-such', lambda x: None)
    check_gerror(error, Mre.error_quark(), Mre.Error.NO_SUCH_SIGNAL)
    raises(TypeError, Mre.connect, producer, 'produced', print, 'on-produced')
    handler_id = Mre.connect(producer, 'produced', print)
    check(Mre.disconnect_handler(producer, handler_id), 'not disconnected')
    check_equal(producer.__dict__.get('_mre_callables'), {}, 'targets kept')


@tap_test
def test_raising_callable_fails_like_a_slot():
    producer = Producer()
    Mre.connect(producer, 'produced', lambda product: int(product))
    producer.request_product()
    error = raises(GLib.Error, producer.event_loop.run)
    check_gerror(error, Mre.error_quark(), Mre.Error.FAILED)
    check('ValueError: invalid literal' in error.message, 'message: %s' % error.message)
    check(isinstance(error.__cause__, ValueError), 'cause: %r' % (error.__cause__,))


@tap_test
def test_plain_gi_callbacks_keep_the_exception_message():
    class Plain(GObject.Object):
        __gtype_name__ = 'PyOvPlainGI'

    def full(target, values, *user_data):
        raise KeyError('full ' + values[0])

    def closure(target, value):
        raise ValueError('closure ' + value)

    def async_closure(target, value, task):
        raise RuntimeError('async ' + value)

    Mre.slot_install_full(Plain.__gtype__, 'full', full, None, [GObject.TYPE_STRING])
    Mre.slot_install(Plain.__gtype__, 'closure', closure, Mre.SlotFlags.DEFAULT,
                     [GObject.TYPE_STRING])
    Mre.slot_install(Plain.__gtype__, 'later', async_closure, Mre.SlotFlags.ASYNC,
                     [GObject.TYPE_STRING])
    loop = Mre.EventLoop.new()
    loop.props.exit_on_exception = False
    errors = []
    loop.connect('exception', lambda l, e: errors.append((e.domain, e.code, e.message)))
    plain = Plain()
    Mre.object_set_event_loop(plain, loop)
    for slot_name in ('full', 'closure', 'later'):
        Mre.invoke(plain, slot_name, ['x'])
    def start(task, *unused):
        return 1 / 0

    loop.invoke_async(start)
    with loop:
        pass
    failed = 'mre-error-quark', int(Mre.Error.FAILED)
    check_equal(errors, [
        failed + ('Slot “full” of Plain raised KeyError: \'full x\'',),
        failed + ('Slot “closure” of Plain raised ValueError: closure x',),
        failed + ('Slot “later” of Plain raised RuntimeError: async x',),
        failed + ('Call of %s raised ZeroDivisionError: division by zero' % start.__qualname__,),
    ])


# Object arguments: any Python object, by reference, in process -------------

def object_classes():
    """Classes with `object` arguments, made by each test that uses them
    (so that the rest of this file runs where `object` is no type)."""
    @Mre.emits('handed', object)
    class Hander(GObject.Object):
        handed_twice = Mre.Signal(object, str)

    class Taker(GObject.Object):
        def __init__(self):
            super().__init__()
            self.taken = []
            self.threads = set()

        @Mre.slot
        def on_handed(self, thing: object):
            self.taken.append(thing)
            self.threads.add(threading.get_ident())

        @Mre.slot('on-handed-twice', object, str)
        async def handed_twice(self, thing, label):
            await asyncio.sleep(0)
            self.taken.append((thing, label))

    return Hander, Taker


def refcounts(*objects):
    gc.collect()
    return [sys.getrefcount(o) for o in objects]


def check_refcounts_return(before, *objects):
    """The references the library took to @objects are all given back
    (refcounts() was @before), maybe by a thread that is still finishing
    (a wait's worker thread): waited for, bounded, never a measure of time."""
    def now():
        # As refcounts() counts: @objects holds one reference to each.
        gc.collect()
        return [sys.getrefcount(o) for o in objects]
    deadline = time.monotonic() + PATIENCE
    while now() != before and time.monotonic() < deadline:
        time.sleep(0.01)
    check_equal(now(), before, 'reference counts')


class Payload:
    """A plain Python object: no GType, not JSON."""

    def __init__(self, label):
        self.label = label


@tap_test
def test_object_arguments_keep_identity_on_queued_connections():
    Hander, Taker = object_classes()
    hander, taker = Hander(), Taker()
    payload, boxed, called = Payload('p'), GLib.Bytes.new(b'boxed'), []
    before = refcounts(payload, boxed)
    Mre.connect(hander, 'handed', taker.on_handed)
    Mre.connect(hander, 'handed-twice', taker, 'on-handed-twice')
    Mre.connect(hander, 'handed', called.append, loop=taker.event_loop)
    with taker.event_loop:                     # a loop of its own thread
        for _ in range(20):
            hander.emit('handed', payload)
        hander.handed_twice.emit(payload, 'async')
        # A boxed value passed as an object is that object, not a copy.
        hander.emit('handed', boxed)
    check_equal(len(taker.taken), 22, 'slot calls')
    check(all(thing is payload for thing in taker.taken[:20]), 'identity in the slot')
    check(taker.taken[20][0] is payload and taker.taken[20][1] == 'async', 'async slot')
    check(taker.taken[21] is boxed, 'a GLib.Bytes as an object: %r' % (taker.taken[21],))
    check(all(thing is payload for thing in called[:20]) and called[20] is boxed,
          'identity in a connected callable')
    check(threading.get_ident() not in taker.threads, 'ran on the loop\'s own thread')
    # A callable's signature (here a second one, after `str` above) has a
    # GType of its own: no slot lands on GObject itself.
    check(not Mre.slot_exists(GObject.Object.__gtype__, 'call'), 'GObject has a slot "call"')
    taker.taken.clear()
    with taker.event_loop:
        taker.on_handed(boxed)                 # a bound slot called: queued too
    check(len(taker.taken) == 1 and taker.taken[0] is boxed, 'called: %r' % (taker.taken,))
    taker.taken.clear()
    called.clear()
    # Neither lost nor kept: the queued calls took a reference and gave it back.
    check_refcounts_return(before, payload, boxed)


@tap_test
def test_object_arguments_through_waits():
    Hander, unused = object_classes()
    hander, payload = Hander(), Payload('waited')
    before = refcounts(payload)
    emission = wait_for_while_emitting(hander, 'handed', lambda: hander.emit('handed', payload))
    thing, = emission.args
    check(thing is payload, 'Mre.wait_for: %r' % (thing,))
    check(emission.get_arg(0) is payload, 'get_arg(0)')
    del emission, thing
    boxed = GLib.Bytes.new(b'boxed')
    emission = wait_for_while_emitting(hander, 'handed', lambda: hander.emit('handed', boxed))
    check(emission.args[0] is boxed, 'a GLib.Bytes as an object: %r' % (emission.args,))
    del emission

    async def main():
        waiting = Mre.wait(hander, 'handed-twice', timeout_ms=10000)
        hander.handed_twice.emit(payload, 'x')
        return (await waiting).args

    args = asyncio.run(main())
    check(args[0] is payload and args[1] == 'x', 'await Mre.wait: %r' % (args,))
    del args
    check_refcounts_return(before, payload)


@tap_test
def test_object_arguments_do_not_cross_processes():
    Hander, unused = object_classes()
    hander, payload = Hander(), Payload('stays')
    before = refcounts(payload)
    tmp = tempfile.mkdtemp(prefix='mre-py-')
    path = os.path.join(tmp, 'bus.sock')
    try:
        with Mre.Broker.new(path), Mre.Peer.new(path, 'p') as peer:
            error = raises(GLib.Error, peer.forward, hander, 'handed')
            check_gerror(error, Mre.error_quark(), Mre.Error.TYPE_MISMATCH)
            check('argument 1 is declared object' in error.message and
                  'cannot cross' in error.message, error.message)
            error = raises(GLib.Error, peer.forward, hander, 'handed_twice', 'twice')
            check_gerror(error, Mre.error_quark(), Mre.Error.TYPE_MISMATCH)
            for attempt in (
                    lambda: peer.publishv('x', Mre.Delivery.YELL, 0,
                                          [GObject.Value(GObject.TYPE_PYOBJECT, payload)]),
                    lambda: peer.publishv('x', Mre.Delivery.YELL, 0, ['ok', payload]),
                    lambda: peer.yell('x', payload),
                    lambda: peer.push('x', 1, {2, 3}, backlog=1)):
                error = raises(GLib.Error, attempt)
                check_gerror(error, Mre.error_quark(), Mre.Error.TYPE_MISMATCH)
                check('is a Python object' in error.message and
                      'cannot cross' in error.message, error.message)
            check_equal(peer.stats()['retained'], {}, 'what the broker kept')

            # What goes through publishv with them: None is JSON null (it
            # crashed PyGObject), beside a value of the library's codec.
            with Mre.Peer.new(path, 'q') as subscriber:
                subscriber.subscribe('y')
                emission = wait_for_while_emitting(
                    subscriber, 'event::y', lambda: peer.yell('y', None, GLib.Variant('i', 3)))
                check_equal(emission.args[0].params, [None, {'signature': 'i', 'value': 3}], 'params')
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    check_refcounts_return(before, payload)

if __name__ == '__main__':
    sys.exit(run_tests())
