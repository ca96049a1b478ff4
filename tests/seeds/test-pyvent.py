#!/usr/bin/python3
# test-pyvent.py
#
# Copyright 2026 The mreventloop authors
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# pyvent's README done with Mre.bus and checked: the two-script flow with
# real processes on the default bus (the first peer starts its broker), a
# listener kept alive by its handlers until it lets them go, keyword
# arguments and defaults, decorator and function forms, wait_for, sender
# prefixes, nodes in other processes, stopping. docs/python.md, "Coming from
# pyvent", puts each snippet beside the seed's. Prints TAP (tests/mretap.py);
# run by `meson test` with the environment of bindings/python/meson.build.

import multiprocessing
import os
import subprocess
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import gi  # noqa: E402

gi.require_version('GLib', '2.0')
gi.require_version('Mre', '1.0')

from gi.repository import GLib, Mre  # noqa: E402

from mretap import (PATIENCE, Bus, TestFailure, check, check_equal, kill_processes_of,  # noqa: E402
                    lines, run_tests, wait_until)

PYTHON = '/usr/bin/python3'
PRELUDE = '''\
import gi; gi.require_version('Mre', '1.0')
from gi.repository import Mre
'''

# The README's script1.py: a listener that stays alive by its handlers;
# 'closing-time' lets them go (off by name and by function) and it exits.
LISTENER = PRELUDE + '''\
import sys

@Mre.bus.on('order-food')
def order(food, drink='water'):
    print(f'You ordered {food} and {drink}!', flush=True)

def burnt():
    print('Food is burnt :(', flush=True)

Mre.bus.on('food-burnt', burnt)           # the function form

@Mre.bus.on('closing-time')
def closing(how):
    print('closing by ' + how, flush=True)
    if how == 'stop':
        Mre.bus.stop()
        Mre.bus.yell('bye', 'sent after stop()')   # flushed by stop()
    else:
        Mre.bus.off('order-food')
        Mre.bus.off(func=burnt)
        Mre.bus.off(func=closing)

print('listening as', Mre.bus.id, flush=True)
'''


def spawn_python(bus, name, text, env):
    """Runs the script @text in its own interpreter, its output going to the
    file @name in the test's directory: (process, output path). Killed when
    the test ends."""
    script = bus.log_path(name + '.py')
    with open(script, 'w') as f:
        f.write(text)
    out = bus.log_path(name + '.out')
    with open(out, 'wb') as f:
        process = subprocess.Popen([PYTHON, script], stdout=f, stderr=subprocess.STDOUT,
                                   env=env)
    bus.processes.append(process)
    return process, out


def run_python(bus, name, text, env):
    """Runs the script @text to its end; fails unless it exits with 0."""
    process, out = spawn_python(bus, name, text, env)
    try:
        status = process.wait(timeout=PATIENCE)
    except subprocess.TimeoutExpired:
        raise TestFailure('%s did not exit by itself: %r' % (name, lines(out)))
    check_equal(status, 0, '%s exit status (output %r)' % (name, lines(out)))
    return lines(out)


def fixture_env(bus):
    """The children's environment for the test's broker: MRE_BUS names it."""
    return dict(bus.env, MRE_BUS=bus.path)


def default_bus_env(bus):
    """The children's environment for a default bus of the test's own:
    $XDG_RUNTIME_DIR/mreventloop/default.sock in the test's directory, its
    broker started by the first peer (MRE_BROKER_PROGRAM, the build's)."""
    env = dict(bus.env)
    env.pop('MRE_BUS', None)
    return env




def listening(out):
    return wait_until(lambda: [line for line in lines(out) if line.startswith('listening')],
                      'the listener to listen')


# "Basic" and "Connect as a decorator" -----------------------------------------------

def test_two_scripts_on_the_default_bus():
    with Bus() as bus:
        env = default_bus_env(bus)
        try:
            listener, out = spawn_python(bus, 'script1', LISTENER, env)
            listening(out)
            # script2.py, twice: each its own process, which exits when done.
            run_python(bus, 'script2', PRELUDE +
                       "Mre.bus.yell('order-food', food='sushi', drink='sake')\n", env)
            run_python(bus, 'script3', PRELUDE +
                       "Mre.bus.yell('order-food', food='ramen')\n"
                       "Mre.bus.yell('food-burnt')\n", env)
            expected = ['You ordered sushi and sake!', 'You ordered ramen and water!',
                        'Food is burnt :(']
            wait_until(lambda: lines(out)[1:] == expected, 'the orders: %r' % lines(out))
            check_equal(listener.poll(), None, 'the listener, with handlers, runs on')
            check(os.path.exists(os.path.join(bus.tmp.name, 'mreventloop', 'default.sock')),
                  'the default bus is $XDG_RUNTIME_DIR/mreventloop/default.sock')

            run_python(bus, 'closing', PRELUDE + "Mre.bus.yell('closing-time', 'off')\n", env)
            check_equal(listener.wait(timeout=PATIENCE), 0,
                        'the listener exits by itself once its handlers are off')
            check_equal(lines(out)[1:], expected + ['closing by off'], 'its output')
        finally:
            kill_processes_of(bus.tmp.name)


def test_stop_ends_the_listener():
    with Bus() as bus, Mre.Bus(bus.path) as mine:
        env = fixture_env(bus)
        byes = []
        mine.on('bye', byes.append)
        listener, out = spawn_python(bus, 'script1', LISTENER, env)
        listening(out)
        mine.yell('closing-time', 'stop')
        check_equal(listener.wait(timeout=PATIENCE), 0, 'the listener exits after stop()')
        check_equal(lines(out)[1:], ['closing by stop'], 'its output')
        wait_until(lambda: byes, 'what it sent after stop()')
        check_equal(byes, ['sent after stop()'], 'what it sent after stop()')


def test_importing_connects_nowhere():
    with Bus() as bus:
        env = default_bus_env(bus)
        printed = run_python(bus, 'importer', PRELUDE + '''
import threading
print(repr(Mre.bus), threading.active_count())
''', env)
        check_equal(printed, ['<Mre.Bus (no id) on the default bus, not connected> 1'],
                    'Mre.bus, and the threads, after the import')
        check(not os.path.exists(os.path.join(bus.tmp.name, 'mreventloop')),
              'no default bus was started')


def test_sender_exits_and_loses_nothing():
    # A script without handlers exits when its main thread ends, having
    # sent everything first; an emit_after timer keeps it until it fired.
    n = 500
    with Bus() as bus:
        env = fixture_env(bus)
        listener, out = spawn_python(bus, 'counter', PRELUDE + '''
seen = []

@Mre.bus.on('tick')
def tick(i):
    seen.append(i)

@Mre.bus.on('last')
def last(name):
    print(name, len(seen), seen == list(range(len(seen))), flush=True)
    if name == 'later':
        Mre.bus.stop()

print('listening', flush=True)
''', env)
        listening(out)
        run_python(bus, 'burst', PRELUDE + '''
for i in range(%d):
    Mre.bus.yell('tick', i)
Mre.bus.push('last', 'burst', backlog=1)
Mre.bus.emit_after(0.05, 'last', 'later')
''' % n, env)
        check_equal(listener.wait(timeout=PATIENCE), 0, 'the listener exit status')
        check_equal(lines(out)[1:], ['burst %d True' % n, 'later %d True' % n],
                    'every event, in order, before the sender exited')


# "Blocking Listeners" ------------------------------------------------------------------

def test_wait_for_returns_the_arguments_or_none():
    with Bus() as bus, Mre.Bus(bus.path) as mine:
        check_equal(mine.wait_for('food-ready', timeout=0.05), None, 'wait_for after a timeout')
        # Another process announces the food until it is heard.
        announcer, out = spawn_python(bus, 'announcer', PRELUDE + '''
import time
bus = Mre.Bus(id='kitchen')
for _ in range(1000):
    bus.yell('food-ready', food='sushi')
    time.sleep(0.01)
''', fixture_env(bus))
        event = mine.wait_for('food-ready', timeout=PATIENCE)
        check(event is not None, 'no food-ready within %d s: %r' % (PATIENCE, lines(out)))
        check_equal((event.args, event.kwargs, event.sender), ([], {'food': 'sushi'}, 'kitchen'),
                    'the event waited for')
        args, kwargs = event.unpack()
        check_equal(kwargs['food'], 'sushi', 'pyvent\'s `args, kargs =`')
        announcer.kill()


def test_wait_for_positional_and_from_a_thread():
    with Bus() as bus, Mre.Bus(bus.path) as mine:
        results = []
        waiter = threading.Thread(target=lambda: results.append(mine.wait_for('x', PATIENCE)))
        waiter.start()
        # The waiter listens once it subscribed; until then, yell again.
        while waiter.is_alive():
            mine.yell('x', 1, 'two', [3])
            waiter.join(0.01)
        check_equal(results[0].args, [1, 'two', [3]], 'positional arguments')


# "Senders" ----------------------------------------------------------------------------

def test_sender_prefix_filters():
    with Bus() as bus, Mre.Bus(bus.path, id='listener') as listener:
        heard, everyone = [], []
        done = threading.Event()

        @listener.on('new-customer', sender='customer-manager')
        def arrived(name):
            heard.append(name)

        listener.on('new-customer', lambda name: everyone.append(name))
        listener.on('closing', lambda: done.set(), sender='customer-manager')
        senders = ['customer-manager', 'customer-manager.front', 'customer-managers',
                   'someone', 'customer-manager.back.door']
        for sender in senders:
            with Mre.Bus(bus.path, id=sender) as other:
                other.yell('new-customer', sender)
        with Mre.Bus(bus.path, id='customer-manager') as other:
            other.yell('closing')
        check(done.wait(PATIENCE), 'the closing event')
        check_equal(heard, ['customer-manager', 'customer-manager.front',
                            'customer-manager.back.door'], 'customer-manager and its dotted ids')
        check_equal(everyone, senders, 'without a sender filter')


def test_a_process_hears_itself():
    with Bus() as bus, Mre.Bus(bus.path) as mine:
        got = []
        mine.on('echo', got.append, once=True)
        waiting = threading.Thread(target=lambda: got.append(mine.wait_for('echo', PATIENCE)))
        waiting.start()
        while waiting.is_alive():
            mine.yell('echo', 'me')
            waiting.join(0.01)
        check_equal(got[0], 'me', 'the handler heard its own process')
        check_equal(got[1].args, ['me'], 'wait_for heard its own process')
        check_equal(mine.off('echo'), 0, 'a once handler is gone after it fired')


def test_patterns():
    with Bus() as bus, Mre.Bus(bus.path) as mine:
        got = []
        mine.on('sensor.*', lambda value: got.append(('sensor.*', value)))
        mine.on('*', lambda value: got.append(('*', value)))
        for name, value in [('sensor.t1', 1), ('sensors', 2), ('sensor.', 3), ('other', 4)]:
            mine.yell(name, value)
        # The handlers run in order on the bus thread: once 'end' is heard,
        # all that came before it was.
        ended = threading.Thread(target=lambda: mine.wait_for('end', PATIENCE))
        ended.start()
        while ended.is_alive():
            mine.yell('end', 0)
            ended.join(0.01)
        got = [g for g in got if g != ('*', 0)]
        check_equal(got, [('sensor.*', 1), ('*', 1), ('*', 2), ('sensor.*', 3), ('*', 3),
                          ('*', 4)], 'what each pattern heard, in order')


# "Nodes" ---------------------------------------------------------------------------------

def node_process(path, queue):
    # In a process of its own (multiprocessing): a bus of its own.
    node = Mre.Bus(path)

    @node.on('make-food')
    def make(food):
        queue.put('Making ' + food)
        node.stop()

    queue.put('ready')
    node.join()     # the target's return would close the queue


def test_nodes_in_other_processes():
    with Bus() as bus:
        context = multiprocessing.get_context('spawn')
        queue = context.Queue()
        process = context.Process(target=node_process, args=(bus.path, queue))
        process.start()
        try:
            check_equal(queue.get(timeout=PATIENCE), 'ready', 'the node')
            with Mre.Bus(bus.path) as mine:
                mine.yell('make-food', food='chicken')
            check_equal(queue.get(timeout=PATIENCE), 'Making chicken', 'what the node did')
            process.join(PATIENCE)
            check_equal(process.exitcode, 0, 'the node exits once stopped')
        finally:
            if process.is_alive():
                process.kill()
            process.join()


def test_a_forked_child_starts_unconnected():
    with Bus() as bus, Mre.Bus(bus.path, id='parent') as mine:
        mine.on('x', print)
        pid = os.fork()
        if pid == 0:
            # The parent's connection and its thread are not the child's.
            ok = repr(mine) == '<Mre.Bus parent on %s, not connected>' % bus.path and \
                mine.off('x') == 0 and mine.join(0)
            os._exit(0 if ok else 1)
        _, status = os.waitpid(pid, 0)
        check_equal(os.waitstatus_to_exitcode(status), 0, 'the child\'s check')
        check_equal(mine.off('x'), 1, 'the parent\'s handler')


def test_errors():
    with Bus() as bus, Mre.Bus(bus.path) as mine:
        for call, error in [
                (lambda: mine.yell('x', 1, y=2), TypeError),
                (lambda: mine.on('x', 'not callable'), TypeError),
                (lambda: mine.on('x', print, loop='a loop'), TypeError),
                (lambda: mine.off(), TypeError)]:
            try:
                call()
            except error:
                pass
            else:
                raise TestFailure('%r did not raise %s' % (call, error.__name__))
        check_equal(mine.off('x'), 0, 'nothing was registered by the failed calls')
    # No broker at the address (none is started there): an error at each use.
    nowhere = Mre.Bus(bus.path + '.gone')
    for call in (lambda: nowhere.yell('x'), lambda: nowhere.on('x', print)):
        try:
            call()
        except GLib.Error as error:
            check('Cannot connect' in error.message, 'the error: %s' % error.message)
        else:
            raise TestFailure('a bus without a broker did not raise')


TESTS = [
    ('the README: script1 listens on the default bus, script2 sends; off ends it',
     test_two_scripts_on_the_default_bus),
    ('stop() in a handler ends a listener; what it sends next is not lost',
     test_stop_ends_the_listener),
    ('importing Mre connects nowhere', test_importing_connects_nowhere),
    ('a sender exits after sending everything; emit_after keeps it until fired',
     test_sender_exits_and_loses_nothing),
    ('wait_for returns the event\'s arguments, or None after the timeout',
     test_wait_for_returns_the_arguments_or_none),
    ('wait_for from a thread, positional arguments', test_wait_for_positional_and_from_a_thread),
    ('sender filters by prefix: the id and its dotted sub-ids', test_sender_prefix_filters),
    ('a process hears what it sends itself', test_a_process_hears_itself),
    ('handlers of prefix.* and *', test_patterns),
    ('nodes in multiprocessing processes', test_nodes_in_other_processes),
    ('a forked child starts with its bus unconnected, without handlers',
     test_a_forked_child_starts_unconnected),
    ('errors are raised where the call is made', test_errors),
]

if __name__ == '__main__':
    sys.exit(1 if run_tests(TESTS) else 0)
