#!/usr/bin/python3
# test-python.py
#
# Copyright 2026 The mreventloop authors
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The MrEventLoop Producer/Consumer through GObject-Introspection: what a
# Python program can do with Mre-1.0 using nothing but PyGObject. Prints TAP.
# Run from the build tree by `meson test` (GI_TYPELIB_PATH and
# LD_LIBRARY_PATH point into it).

import sys
import threading
import traceback

import gi

gi.require_version('GLib', '2.0')
gi.require_version('GObject', '2.0')
gi.require_version('Gio', '2.0')
gi.require_version('Mre', '1.0')

from gi.repository import GLib, GObject, Gio, Mre  # noqa: E402


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


def check_equal(got, expected):
    if got != expected:
        raise AssertionError('got %r, expected %r' % (got, expected))


# The README's classes ------------------------------------------------------

class Producer(GObject.Object):
    """@emits('events', ['produced'])"""

    __gtype_name__ = 'PyMreProducer'
    __gsignals__ = {
        'produced': (GObject.SignalFlags.RUN_LAST, None, (str,)),
    }

    def __init__(self, name='p'):
        super().__init__()
        self.name = name
        self.n_produced = 0

    def request_product(self):
        self.n_produced += 1
        self.emit('produced', '%s product %d' % (self.name, self.n_produced))


class Consumer(GObject.Object):
    """@has_event_loop; its slot "on-produced" is installed below."""

    __gtype_name__ = 'PyMreConsumer'

    def __init__(self, name='consumer'):
        super().__init__()
        self.name = name
        self.seen = []
        self.threads = set()

    def on_produced(self, product):
        self.seen.append(product)
        self.threads.add(threading.get_ident())


def queue_stop(loop):
    """Queue a call that stops @loop: it runs after everything queued so
    far, as Mre.EventLoop.stop() itself would (a stop before run() applies
    to that run); the call shows that slots may stop their own loop."""
    def stop(data):
        loop.stop()
        return True
    loop.invoke(stop, None)


def expected_products(name, count):
    return ['%s product %d' % (name, i) for i in range(1, count + 1)]


# Tests ------------------------------------------------------------------------

@tap_test
def test_typelib_loads():
    check_equal(Mre.ConnectFlags.ONCE, 1)
    check_equal(Mre.SlotFlags.ASYNC, 1)
    check_equal(int(Mre.Error.NO_SUCH_SLOT), 2)
    if not isinstance(Mre.EventLoop.new(), Mre.EventLoop):
        raise AssertionError('Mre.EventLoop.new() did not return a loop')
    loop = Mre.EventLoop.new()
    check_equal(loop.props.exit_on_exception, True)
    check_equal(loop.props.running, False)


@tap_test
def test_connect_closure_own_thread():
    producer = Producer()
    loop = Mre.EventLoop.new()
    seen = []
    threads = set()

    def on_produced(emitter, product):
        if emitter is not producer:
            raise AssertionError('wrong emitter %r' % emitter)
        seen.append(product)
        threads.add(threading.get_ident())

    handler = Mre.connect_closure(producer, 'produced', loop, on_produced,
                                  Mre.ConnectFlags.DEFAULT)
    if handler <= 0:
        raise AssertionError('handler id %r' % handler)
    loop.start()
    for _ in range(5):
        producer.request_product()
    loop.stop()
    loop.join()

    check_equal(seen, expected_products('p', 5))
    if threading.get_ident() in threads or len(threads) != 1:
        raise AssertionError('closure did not run on the loop thread only')


@tap_test
def test_connect_closure_default_context():
    producer = Producer()
    loop = Mre.EventLoop.new_for_context(GLib.MainContext.default())
    seen = []

    Mre.connect_closure(producer, 'produced', loop,
                        lambda emitter, product: seen.append(product),
                        Mre.ConnectFlags.DEFAULT)
    for _ in range(3):
        producer.request_product()
    # Nothing runs in the emitter's stack.
    check_equal(seen, [])
    queue_stop(loop)
    loop.run()

    check_equal(seen, expected_products('p', 3))


@tap_test
def test_named_slot_shared_loop():
    # @slot def onProduced(self, product) -- the class-level slot, in Python.
    Mre.slot_install(Consumer.__gtype__, 'on-produced',
                             lambda consumer, product: consumer.on_produced(product),
                             Mre.SlotFlags.DEFAULT, [GObject.TYPE_STRING])
    if not Mre.slot_exists(Consumer.__gtype__, 'on-produced'):
        raise AssertionError('slot not installed')

    producer1, producer2 = Producer('p1'), Producer('p2')
    consumer1, consumer2 = Consumer('c1'), Consumer('c2')

    # consumer2.event_loop = consumer1.event_loop
    loop = Mre.object_get_event_loop(consumer1)
    Mre.object_set_event_loop(consumer2, loop)
    if Mre.object_get_event_loop(consumer2) is not loop:
        raise AssertionError('loop not shared')

    Mre.connect(producer1, 'produced', consumer1, 'on-produced',
                Mre.ConnectFlags.DEFAULT)
    Mre.connect(producer2, 'produced', consumer2, 'on-produced',
                Mre.ConnectFlags.DEFAULT)

    order = []
    loop.connect('started', lambda l: order.append('started'))
    loop.connect('stopped', lambda l: order.append('stopped'))

    loop.start()
    for _ in range(3):
        producer1.request_product()
        producer2.request_product()
    loop.stop()
    loop.join()

    check_equal(consumer1.seen, expected_products('p1', 3))
    check_equal(consumer2.seen, expected_products('p2', 3))
    check_equal(consumer1.threads | consumer2.threads, consumer1.threads)
    check_equal(order, ['started', 'stopped'])


@tap_test
def test_named_slot_errors():
    producer, consumer = Producer(), Consumer()
    try:
        Mre.connect(producer, 'produced', consumer, 'no-such-slot',
                    Mre.ConnectFlags.DEFAULT)
    except GLib.Error as e:
        if not e.matches(Mre.error_quark(), Mre.Error.NO_SUCH_SLOT):
            raise
    else:
        raise AssertionError('connecting to a missing slot did not fail')
    try:
        Mre.connect(producer, 'no-such-signal', consumer, 'on-produced',
                    Mre.ConnectFlags.DEFAULT)
    except GLib.Error as e:
        if not e.matches(Mre.error_quark(), Mre.Error.NO_SUCH_SIGNAL):
            raise
    else:
        raise AssertionError('connecting a missing signal did not fail')


@tap_test
def test_invoke_named_slot():
    consumer = Consumer('c')
    loop = Mre.object_get_event_loop(consumer)
    Mre.invoke(consumer, 'on-produced', ['first'])
    Mre.invoke(consumer, 'on-produced', [GObject.Value(str, 'second')])
    queue_stop(loop)
    loop.run()
    check_equal(consumer.seen, ['first', 'second'])


@tap_test
def test_signal_new():
    # The one-line signal declaration, for a class made in Python.
    class Sensor(GObject.Object):
        __gtype_name__ = 'PyMreSensor'

    signal_id = Mre.signal_new(Sensor.__gtype__, 'measured',
                                [GObject.TYPE_STRING, GObject.TYPE_INT])
    if signal_id == 0:
        raise AssertionError('no signal id')
    check_equal(GObject.signal_lookup('measured', Sensor.__gtype__), signal_id)

    sensor = Sensor()
    loop = Mre.EventLoop.new()
    seen = []
    Mre.connect_closure(sensor, 'measured', loop,
                        lambda emitter, what, value: seen.append((what, value)),
                        Mre.ConnectFlags.DEFAULT)
    sensor.emit('measured', 'temperature', 21)
    sensor.emit('measured', 'humidity', 40)
    queue_stop(loop)
    loop.run()
    check_equal(seen, [('temperature', 21), ('humidity', 40)])


@tap_test
def test_connect_once_and_disconnect():
    producer = Producer()
    loop = Mre.EventLoop.new()
    once, always = [], []
    Mre.connect_closure(producer, 'produced', loop,
                        lambda e, product: once.append(product),
                        Mre.ConnectFlags.ONCE)
    Mre.connect_closure(producer, 'produced', loop,
                        lambda e, product: always.append(product),
                        Mre.ConnectFlags.DEFAULT)
    producer.request_product()
    producer.request_product()
    check_equal(Mre.disconnect(producer, 'produced'), 1)
    producer.request_product()
    queue_stop(loop)
    loop.run()
    check_equal(once, expected_products('p', 1))
    check_equal(always, expected_products('p', 2))


@tap_test
def test_invoke_python_callable():
    loop = Mre.EventLoop.new()
    calls = []

    def call(data):
        calls.append(data)
        return True

    for i in range(4):
        loop.invoke(call, i)
    check_equal(calls, [])
    queue_stop(loop)
    loop.run()
    check_equal(calls, [0, 1, 2, 3])


@tap_test
def test_invoke_python_callable_failing():
    loop = Mre.EventLoop.new()
    calls = []

    def fail(data):
        calls.append(data)
        return False

    def never(data):
        calls.append(data)
        return True

    loop.invoke(fail, 'fail')
    loop.invoke(never, 'never')
    try:
        loop.run()
    except GLib.Error as e:
        if e.domain != GLib.quark_to_string(Mre.error_quark()):
            raise
    else:
        raise AssertionError('a failing call did not stop the loop with an error')
    check_equal(calls, ['fail'])


@tap_test
def test_invoke_async_python_callable():
    loop = Mre.EventLoop.new()
    order = []

    def slow(task, data):
        order.append('slow started')

        def finish(*unused):
            order.append('slow finished')
            task.return_boolean(True)
            return GLib.SOURCE_REMOVE

        source = GLib.timeout_source_new(10)
        source.set_callback(finish)
        source.attach(GLib.MainContext.get_thread_default())

    def quick(data):
        order.append('quick')
        return True

    loop.invoke_async(slow, None)
    loop.invoke(quick, None)
    queue_stop(loop)
    loop.run()
    check_equal(order, ['slow started', 'slow finished', 'quick'])


@tap_test
def test_wait_for_timeout():
    producer = Producer()
    try:
        Mre.wait_for(producer, 'produced', 20, None)
    except GLib.Error as e:
        if not e.matches(Gio.io_error_quark(), Gio.IOErrorEnum.TIMED_OUT):
            raise
    else:
        raise AssertionError('wait_for did not time out')


@tap_test
def test_wait_for_emission():
    producer = Producer()
    done = threading.Event()

    def keep_emitting():
        # Emit until the waiter has seen one, so there is no race with
        # the moment wait_for() starts listening.
        while not done.wait(0.005):
            producer.emit('produced', 'from a thread')

    thread = threading.Thread(target=keep_emitting)
    thread.start()
    try:
        emission = Mre.wait_for(producer, 'produced', 10000, None)
    finally:
        done.set()
        thread.join()

    check_equal(emission.get_signal_name(), 'produced')
    check_equal(emission.get_n_args(), 1)
    check_equal(emission.get_arg(0), 'from a thread')
    if emission.get_instance() is not producer:
        raise AssertionError('wrong instance %r' % emission.get_instance())


@tap_test
def test_emit_after():
    producer = Producer()
    loop = Mre.EventLoop.new_for_context(GLib.MainContext.default())
    seen = []
    Mre.connect_closure(producer, 'produced', loop,
                        lambda e, product: seen.append(product),
                        Mre.ConnectFlags.DEFAULT)
    Mre.emit_after(loop, 1, producer, 'produced', ['later'])

    def stop_when_seen(e, product):
        loop.stop()
    Mre.connect_closure(producer, 'produced', loop, stop_when_seen,
                        Mre.ConnectFlags.ONCE)
    loop.run()
    check_equal(seen, ['later'])


@tap_test
def test_wait_async():
    producer = Producer()
    main_loop = GLib.MainLoop.new(None, False)
    results = []

    def done(source, result, data):
        results.append(Mre.wait_finish(result))
        main_loop.quit()

    Mre.wait_async(producer, 'produced', 10000, None, done, None)

    def emit():
        producer.emit('produced', 'async')
        return GLib.SOURCE_REMOVE

    GLib.idle_add(emit)
    main_loop.run()
    check_equal(len(results), 1)
    check_equal(results[0].get_arg(0), 'async')


@tap_test
def test_invoke_python_callable_raising_gerror():
    # PyGObject turns a GLib.Error raised by a `throws` callback into the
    # GError of the call: it reaches "exception" and run().
    loop = Mre.EventLoop.new()
    errors = []
    loop.connect('exception', lambda l, error: errors.append(error))

    def fail(data):
        raise GLib.Error.new_literal(Gio.io_error_quark(), 'from Python',
                                     Gio.IOErrorEnum.PERMISSION_DENIED)

    loop.invoke(fail, None)
    try:
        loop.run()
    except GLib.Error as e:
        if not e.matches(Gio.io_error_quark(), Gio.IOErrorEnum.PERMISSION_DENIED):
            raise
        check_equal(e.message, 'from Python')
    else:
        raise AssertionError('run() did not raise')
    check_equal([e.message for e in errors], ['from Python'])


@tap_test
def test_slot_install_full_raising_names_the_slot():
    # Issue 11, item 4: PyGObject prints an exception that is not a
    # GLib.Error and returns FALSE; the loop's error names the slot, and
    # with the overrides loaded it has the exception's type and message.
    class PlainRaiser(GObject.Object):
        __gtype_name__ = 'PyGiPlainRaiser'

    def body(target, args, *user_data):
        raise ValueError('boom ' + args[0])

    Mre.slot_install_full(PlainRaiser.__gtype__, 'on-fail', body, None, [GObject.TYPE_STRING])
    loop = Mre.EventLoop.new()
    loop.props.exit_on_exception = False
    errors = []
    loop.connect('exception', lambda l, error: errors.append(error.message))
    raiser = PlainRaiser()
    Mre.object_set_event_loop(raiser, loop)
    Mre.invoke(raiser, 'on-fail', ['x'])
    queue_stop(loop)
    loop.run()
    check_equal(len(errors), 1)
    if hasattr(Mre, 'emits'):
        check_equal(errors[0], 'Slot “on-fail” of PlainRaiser raised ValueError: boom x')
    else:
        check_equal(errors[0], 'Slot “on-fail” of PyGiPlainRaiser returned FALSE '
                               'without setting an error')


@tap_test
def test_exit_on_exception_false():
    loop = Mre.EventLoop.new()
    loop.props.exit_on_exception = False
    errors, calls = [], []
    loop.connect('exception', lambda l, error: errors.append(error.code))
    loop.invoke(lambda data: False, None)
    loop.invoke(lambda data: calls.append(data) or True, 'next')
    queue_stop(loop)
    loop.run()
    check_equal(errors, [int(Mre.Error.FAILED)])
    check_equal(calls, ['next'])


@tap_test
def test_async_slot():
    # @slot async def onProduced(self, product): await asyncio.sleep(0.01)
    class SlowConsumer(GObject.Object):
        __gtype_name__ = 'PyMreSlowConsumer'

    order = []

    def on_produced(consumer, product, task):
        order.append('start ' + product)

        def finish(*unused):
            order.append('end ' + product)
            if product == 'p product 3':
                task.return_error(GLib.Error.new_literal(
                    Mre.error_quark(), 'bad product', Mre.Error.FAILED))
            else:
                task.return_boolean(True)
            return GLib.SOURCE_REMOVE

        source = GLib.timeout_source_new(5)
        source.set_callback(finish)
        source.attach(GLib.MainContext.get_thread_default())

    Mre.slot_install(SlowConsumer.__gtype__, 'on-produced', on_produced,
                     Mre.SlotFlags.ASYNC, [GObject.TYPE_STRING])
    producer, consumer = Producer(), SlowConsumer()
    Mre.connect(producer, 'produced', consumer, 'on-produced',
                Mre.ConnectFlags.DEFAULT)
    loop = Mre.object_get_event_loop(consumer)
    for _ in range(4):
        producer.request_product()
    queue_stop(loop)
    try:
        loop.run()
    except GLib.Error as e:
        check_equal(e.message, 'bad product')
    else:
        raise AssertionError('the failed task did not stop the loop')
    # One at a time, and nothing after the failure (exit-on-exception).
    check_equal(order, ['start p product 1', 'end p product 1',
                        'start p product 2', 'end p product 2',
                        'start p product 3', 'end p product 3'])


@tap_test
def test_keep_track_of():
    producer = Producer()
    Mre.keep_track_of(producer, 'produced', 2)
    for _ in range(3):
        producer.request_product()
    loop = Mre.EventLoop.new()
    seen, future = [], []
    Mre.connect_closure(producer, 'produced', loop,
                        lambda e, product: seen.append(product),
                        Mre.ConnectFlags.DEFAULT)
    Mre.connect_closure(producer, 'produced', loop,
                        lambda e, product: future.append(product),
                        Mre.ConnectFlags.FUTURE_ONLY)
    producer.request_product()
    queue_stop(loop)
    loop.run()
    check_equal(seen, ['p product 2', 'p product 3', 'p product 4'])
    check_equal(future, ['p product 4'])


@tap_test
def test_invoke_type_mismatch():
    try:
        Mre.invoke(Consumer(), 'on-produced', [42])
    except GLib.Error as e:
        if not e.matches(Mre.error_quark(), Mre.Error.TYPE_MISMATCH):
            raise
    else:
        raise AssertionError('an int given to a string slot was accepted')


@tap_test
def test_wait_for_cancelled():
    producer = Producer()
    cancellable = Gio.Cancellable()
    cancellable.cancel()
    try:
        Mre.wait_for(producer, 'produced', -1, cancellable)
    except GLib.Error as e:
        if not e.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED):
            raise
    else:
        raise AssertionError('wait_for was not cancelled')


if __name__ == '__main__':
    sys.exit(run_tests())
