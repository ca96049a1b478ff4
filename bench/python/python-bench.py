#!/usr/bin/python3
# python-bench.py
#
# Copyright 2026 The mreventloop authors
#
# SPDX-License-Identifier: LGPL-2.1-or-later
"""bench/python: Python and GJS on mreventloop's threads and across
processes, beside the alternatives, in one run (issue 11, item 1).

Cases (each measurement in fresh processes; see docs/BENCHMARKS.md):

  slot-cross-thread   a Python thread emits a signal N times; each emission
                      is a queued call of an @Mre.slot (Mre.connect), which
                      counts it and checks the order:
                        own-thread-loop    the slot's loop runs on a thread
                                           of its own (Mre.EventLoop.new())
                        main-context-loop  the loop is bound to the default
                                           main context, iterated by the
                                           main thread
                        glib-idle-add      no mreventloop: GLib.idle_add()
                                           per call, the main thread
                                           iterating the default context
  slot-same-thread    the main thread emits batches of 1,000 and iterates
                      the default context until the batch ran, the slot on
                      a loop bound to that context: python, gjs (a slot
                      installed with Mre.slot_install from JavaScript)
  peer                publisher process -> `mreventloop broker` process ->
                      subscriber process, N yells of (sequence number,
                      64-byte string); the subscriber counts what arrived
                      and checks the order; the publisher flushes at the
                      end:
                        python-own-thread    Python publisher, Python
                                             subscriber whose peer runs on
                                             a loop thread of its own,
                                             handler from peer.on()
                        python-main-context  the same, the subscriber's peer
                                             bound to a loop on the default
                                             context, iterated by its main
                                             thread
                        gjs-main-context     Python publisher, GJS
                                             subscriber, its peer bound to a
                                             loop on the default context,
                                             peer.connect('event::tick')
                        c                    bench/broker's mreventloop
                                             throughput case (C publisher
                                             and subscriber) for the same N

Throughput is calls (events) per second, from the first emission (event
received) to the last call run (event received). Ratios are of throughputs
in this run. Run it from a build tree, by hand, on a quiet machine:

  /usr/bin/python3 bench/python/python-bench.py --build build-bench [--json] [--quick]

--build gives the build directory (typelib, library, `mreventloop` tool,
bench/broker); --overrides a directory holding gi/overrides/Mre.py
(default: this source tree's bindings/python), to measure another tree.
"""

import argparse
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_ROOT = os.path.dirname(os.path.dirname(HERE))
PAYLOAD = 'x' * 64
BATCH = 1000
READY_TIMEOUT = 20.0


# Roles: each runs in a process of its own -------------------------------------

def import_mre():
    import gi
    gi.require_version('GLib', '2.0')
    gi.require_version('GObject', '2.0')
    gi.require_version('Mre', '1.0')
    from gi.repository import GLib, GObject, Mre
    return GLib, GObject, Mre


def role_slot(impl, calls, runs):
    """Prints the seconds of each run of @calls slot calls, as JSON."""
    GLib, GObject, Mre = import_mre()

    @Mre.emits('tick', int)
    class Producer(GObject.Object):
        __gtype_name__ = 'BenchProducer'

    class Consumer(GObject.Object):
        __gtype_name__ = 'BenchConsumer'

        def __init__(self):
            super().__init__()
            self.reset(0)

        def reset(self, target):
            self.count = 0
            self.disorder = 0
            self.target = target
            self.t_last = None
            self.done = threading.Event()

        def tick(self, n):
            if n != self.count:
                self.disorder += 1
            self.count += 1
            if self.count == self.target:
                self.t_last = time.monotonic()
                self.done.set()
                GLib.MainContext.default().wakeup()
            return False

        @Mre.slot
        def on_tick(self, n: int):
            self.tick(n)

    producer, consumer = Producer(), Consumer()
    context = GLib.MainContext.default()

    if impl == 'own-thread-loop':
        loop = consumer.event_loop
    elif impl != 'glib-idle-add':
        loop = Mre.EventLoop.new_for_context(context)
        consumer.event_loop = loop
    if impl != 'glib-idle-add':
        Mre.connect(producer, 'tick', consumer.on_tick)
        loop.start()

    def emit_all(count):
        emit = producer.emit
        for i in range(count):
            emit('tick', i)

    def idle_all(count):
        idle_add, tick = GLib.idle_add, consumer.tick
        for i in range(count):
            idle_add(tick, i)

    produce = idle_all if impl == 'glib-idle-add' else emit_all

    def one_run(count):
        consumer.reset(count)
        t0 = time.monotonic()
        if impl == 'same-thread':
            for start in range(0, count, BATCH):
                n = min(BATCH, count - start)
                emit = producer.emit
                for i in range(start, start + n):
                    emit('tick', i)
                while consumer.count < start + n:
                    context.iteration(True)
        else:
            thread = threading.Thread(target=produce, args=(count,))
            thread.start()
            if impl == 'own-thread-loop':
                consumer.done.wait()
            else:
                while not consumer.done.is_set():
                    context.iteration(True)
            thread.join()
        if consumer.disorder:
            raise SystemExit('slot calls out of order: %d' % consumer.disorder)
        return consumer.t_last - t0

    one_run(min(calls, 2000))     # warm-up
    seconds = [one_run(calls) for _ in range(runs)]
    if impl != 'glib-idle-add':
        loop.stop()
        if impl == 'own-thread-loop':
            loop.join()
        else:
            while loop.get_running():
                context.iteration(True)
    print(json.dumps({'seconds': seconds}), flush=True)


def role_py_sub(impl, path, events):
    """Subscribes, prints "ready", counts the burst until "end"; prints
    what arrived as JSON."""
    GLib, GObject, Mre = import_mre()
    context = GLib.MainContext.default()
    peer = Mre.Peer.new(path, 'sub')
    if impl == 'python-own-thread':
        loop = Mre.EventLoop.new()
    else:
        loop = Mre.EventLoop.new_for_context(context)
    Mre.object_set_event_loop(peer, loop)
    state = {'received': 0, 'next': 0, 'disorder': 0, 't_first': None, 't_last': None}
    done = threading.Event()

    def on_tick(seq, payload):
        now = time.monotonic()
        if state['t_first'] is None:
            state['t_first'] = now
        state['t_last'] = now
        state['received'] += 1
        if seq < state['next']:
            state['disorder'] += 1
        else:
            state['next'] = seq + 1

    def on_end():
        done.set()
        context.wakeup()

    peer.start()
    peer.on('tick', on_tick)
    peer.on('end', on_end)
    print('ready', flush=True)
    deadline = time.monotonic() + max(60.0, events / 2000.0)
    while not done.is_set() and time.monotonic() < deadline:
        if impl == 'python-own-thread':
            done.wait(1.0)
        else:
            context.iteration(True)
    state['ended'] = done.is_set()
    print(json.dumps(state), flush=True)
    peer.close()
    if impl == 'python-own-thread':
        loop.stop()
        loop.join()


def role_py_pub(path, events):
    """Waits for a line on stdin, yells the burst, flushes, yells "end";
    prints its times as JSON."""
    GLib, GObject, Mre = import_mre()
    peer = Mre.Peer.new(path, 'pub')
    peer.start()
    print('ready', flush=True)
    sys.stdin.readline()
    busy = 0
    yell = peer.yell
    t_first = time.monotonic()
    for seq in range(events):
        try:
            yell('tick', seq, PAYLOAD)
        except GLib.Error as e:
            if not e.matches(Mre.error_quark(), Mre.Error.BUSY):
                raise
            busy += 1
            peer.flush()
            yell('tick', seq, PAYLOAD)
    peer.flush()
    t_flushed = time.monotonic()
    peer.yell('end')
    peer.flush()
    print(json.dumps({'t_first': t_first, 't_flushed': t_flushed, 'busy': busy}), flush=True)
    peer.close()


# The driver -----------------------------------------------------------------------

class Runner:
    def __init__(self, args):
        self.args = args
        build = os.path.abspath(args.build)
        overrides = os.path.abspath(args.overrides)
        self.tool = os.path.join(build, 'tools', 'mreventloop')
        self.c_broker_bench = os.path.join(build, 'bench', 'broker')
        self.env = dict(os.environ)
        for name, value in (('GI_TYPELIB_PATH', os.path.join(build, 'introspection')),
                            ('LD_LIBRARY_PATH', os.path.join(build, 'mreventloop')),
                            ('PYTHONPATH', overrides)):
            old = self.env.get(name)
            self.env[name] = value + (os.pathsep + old if old else '')
        self.env['MREVENTLOOP_TOOL'] = self.tool
        self.results = []    # (case, impl, metric, value, unit)
        self.failures = []

    def add(self, case, impl, metric, value, unit):
        self.results.append((case, impl, metric, value, unit))

    def python(self, wrapper, *args, **kwargs):
        return subprocess.Popen(shlex.split(wrapper or '') +
                                [sys.executable, os.path.abspath(__file__)] + list(args),
                                env=self.env, text=True, **kwargs)

    def note(self, message):
        if not self.args.json:
            print(message, file=sys.stderr, flush=True)

    # Slots.
    def slot(self, impl, case):
        calls, runs = self.args.calls, self.args.runs
        if impl == 'gjs':
            if shutil.which('gjs') is None:
                self.failures.append((case, impl, 'gjs not found'))
                return
            argv = ['gjs', '-m', os.path.join(HERE, 'gjs-slot.js'), str(calls), str(runs)]
        else:
            argv = [sys.executable, os.path.abspath(__file__), '--role=slot',
                    '--impl=' + ('same-thread' if case == 'slot-same-thread' else impl),
                    '--calls=%d' % calls, '--runs=%d' % runs]
        self.note('%s %s: %d calls x %d runs' % (case, impl, calls, runs))
        try:
            out = subprocess.run(argv, env=self.env, text=True, capture_output=True,
                                 timeout=60 + calls * runs / 1000)
        except subprocess.TimeoutExpired:
            self.failures.append((case, impl, 'timed out'))
            return
        if out.returncode != 0:
            self.failures.append((case, impl, out.stderr.strip().splitlines()[-1:]))
            return
        seconds = json.loads(out.stdout.strip().splitlines()[-1])['seconds']
        self.add(case, impl, 'throughput', calls / statistics.median(seconds), 'ev/s')
        if len(seconds) > 1:
            rates = sorted(calls / s for s in seconds)
            self.add(case, impl, 'spread', (rates[-1] - rates[0]) / statistics.median(rates), '')

    # Peers across processes.
    def peer(self, impl):
        events = self.args.events
        if impl == 'c':
            return self.peer_c(events)
        if impl == 'gjs-main-context' and shutil.which('gjs') is None:
            self.failures.append(('peer', impl, 'gjs not found'))
            return
        self.note('peer %s: %d events' % (impl, events))
        tmp = tempfile.mkdtemp(prefix='mre-pybench-')
        path = os.path.join(tmp, 'bus.sock')
        processes = []
        gjs_log = None
        try:
            broker = subprocess.Popen([self.tool, 'broker', '--socket=' + path], env=self.env,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                      text=True)
            processes.append(broker)
            deadline = time.monotonic() + READY_TIMEOUT
            while not os.path.exists(path):
                if broker.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError('the broker did not start: %s' % broker.stderr.read())
                time.sleep(0.01)
            if impl == 'gjs-main-context':
                # GJS's messages to a file: a flood of them must not block it.
                gjs_log = open(os.path.join(tmp, 'gjs.log'), 'w+')
                sub = subprocess.Popen(['gjs', '-m', os.path.join(HERE, 'gjs-subscriber.js'),
                                        path], env=self.env, text=True,
                                       stdout=subprocess.PIPE, stderr=gjs_log)
            else:
                sub = self.python(self.args.wrap_subscriber, '--role=py-sub', '--impl=' + impl, '--path=' + path,
                                  '--events=%d' % events, stdout=subprocess.PIPE)
            processes.append(sub)
            pub = self.python(self.args.wrap_publisher, '--role=py-pub', '--path=' + path, '--events=%d' % events,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE)
            processes.append(pub)
            for process, who in ((sub, 'subscriber'), (pub, 'publisher')):
                line = process.stdout.readline().strip()
                if line != 'ready':
                    raise RuntimeError('the %s did not start (%r)' % (who, line))
            pub.stdin.write('go\n')
            pub.stdin.flush()
            pub_out, _ = pub.communicate(timeout=60 + events / 2000)
            # The subscriber is about done once the publisher has flushed.
            sub_out, _ = sub.communicate(timeout=30 + events / 20000)
            published = json.loads(pub_out.strip().splitlines()[-1])
            received = json.loads(sub_out.strip().splitlines()[-1])
        except (RuntimeError, subprocess.TimeoutExpired, ValueError, IndexError) as e:
            why = str(e)
            if gjs_log is not None:
                gjs_log.seek(0)
                first = [line for line in gjs_log.read(65536).splitlines() if line.strip()]
                why += '; GJS said first: %s' % (first[0] if first else 'nothing')
            self.failures.append(('peer', impl, why))
            return
        finally:
            for process in processes:
                if process.poll() is None:
                    process.kill()
                process.communicate()
            if gjs_log is not None:
                gjs_log.close()
            shutil.rmtree(tmp, ignore_errors=True)

        count = received['received']
        if not received.get('ended'):
            self.failures.append(('peer', impl, 'the end marker never arrived'))
        if count:
            span = received['t_last'] - received['t_first']
            self.add('peer', impl, 'throughput', count / span if span > 0 else 0, 'ev/s')
            self.add('peer', impl, 'end-to-end',
                     count / (received['t_last'] - published['t_first']), 'ev/s')
        self.add('peer', impl, 'publish-rate',
                 events / (published['t_flushed'] - published['t_first']), 'ev/s')
        self.add('peer', impl, 'received', count, 'events')
        self.add('peer', impl, 'lost', events - count, 'events')
        self.add('peer', impl, 'out-of-order', received['disorder'], 'events')

    def peer_c(self, events):
        if not os.access(self.c_broker_bench, os.X_OK):
            self.failures.append(('peer', 'c', '%s not built' % self.c_broker_bench))
            return
        self.note('peer c: bench/broker, %d events' % events)
        out = subprocess.run([self.c_broker_bench, '--json', '--case=throughput',
                              '--impl=mreventloop', '--events=%d' % events],
                             env=self.env, text=True, capture_output=True,
                             timeout=120 + events / 10000)
        for line in out.stdout.splitlines():
            try:
                row = json.loads(line)
            except ValueError:
                continue
            if row.get('impl') == 'mreventloop' and row.get('subscriber') is None and \
                    row.get('metric') in ('throughput', 'end-to-end', 'publish-rate',
                                          'received', 'lost', 'out-of-order'):
                self.add('peer', 'c', row['metric'], row['value'], row['unit'])
        if out.returncode != 0 or not any(r[1] == 'c' for r in self.results):
            self.failures.append(('peer', 'c', 'bench/broker failed: %s'
                                  % out.stderr.strip().splitlines()[-1:]))

    def value(self, case, impl, metric):
        for c, i, m, v, _ in self.results:
            if (c, i, m) == (case, impl, metric):
                return v
        return None

    def ratios(self):
        pairs = [('slot-cross-thread', 'own-thread-loop', 'main-context-loop'),
                 ('slot-cross-thread', 'own-thread-loop', 'glib-idle-add'),
                 ('slot-cross-thread', 'main-context-loop', 'glib-idle-add'),
                 ('slot-same-thread', 'gjs', 'python'),
                 ('peer', 'python-own-thread', 'c'),
                 ('peer', 'python-main-context', 'c'),
                 ('peer', 'python-own-thread', 'python-main-context'),
                 ('peer', 'gjs-main-context', 'python-main-context')]
        out = []
        for case, impl, vs in pairs:
            a, b = self.value(case, impl, 'throughput'), self.value(case, vs, 'throughput')
            if a and b:
                out.append((case, impl, vs, a / b))
        return out

    def report(self):
        ratios = self.ratios()
        if self.args.json:
            for case, impl, metric, value, unit in self.results:
                row = {'bench': 'python', 'case': case, 'impl': impl, 'metric': metric}
                if metric == 'spread':
                    row.update(metric='spread', value=round(value, 3))
                else:
                    row.update(value=round(value, 1) if unit == 'ev/s' else value, unit=unit)
                print(json.dumps(row, separators=(',', ':')))
            for case, impl, vs, value in ratios:
                print(json.dumps({'bench': 'python', 'case': case, 'impl': impl,
                                  'metric': 'ratio', 'vs': vs, 'of': 'throughput',
                                  'value': round(value, 3)}, separators=(',', ':')))
            for case, impl, why in self.failures:
                print(json.dumps({'bench': 'python', 'case': case, 'impl': impl,
                                  'metric': 'failed', 'note': str(why)},
                                 separators=(',', ':')))
            return
        print('%-18s %-20s %14s %8s %14s %14s %10s %8s'
              % ('case', 'impl', 'throughput', 'spread', 'end-to-end', 'publish', 'received',
                 'lost'))
        print('-' * 112)
        seen = []
        for case, impl, *_ in self.results:
            if (case, impl) not in seen:
                seen.append((case, impl))

        def rate(v):
            return '-' if v is None else ('%.2f M/s' % (v / 1e6) if v >= 1e6
                                          else '%.1f k/s' % (v / 1e3))
        for case, impl in seen:
            spread = self.value(case, impl, 'spread')
            received = self.value(case, impl, 'received')
            lost = self.value(case, impl, 'lost')
            print('%-18s %-20s %14s %8s %14s %14s %10s %8s'
                  % (case, impl, rate(self.value(case, impl, 'throughput')),
                     '-' if spread is None else '%d%%' % round(spread * 100),
                     rate(self.value(case, impl, 'end-to-end')),
                     rate(self.value(case, impl, 'publish-rate')),
                     '-' if received is None else '%d' % received,
                     '-' if lost is None else '%d' % lost))
        if ratios:
            print('\nratios of throughput (> 1: faster)')
            for case, impl, vs, value in ratios:
                print('%-18s %-20s vs %-20s %6.2fx' % (case, impl, vs, value))
        for case, impl, why in self.failures:
            print('FAILED: %s %s: %s' % (case, impl, why))


SLOT_IMPLS = ['own-thread-loop', 'main-context-loop', 'glib-idle-add']
SAME_THREAD_IMPLS = ['python', 'gjs']
PEER_IMPLS = ['python-own-thread', 'python-main-context', 'gjs-main-context', 'c']


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--json', action='store_true', help='one JSON object per line')
    parser.add_argument('--quick', action='store_true', help='a few seconds, for smoke checks')
    parser.add_argument('--build', default=os.path.join(SOURCE_ROOT, 'build'),
                        help='the build directory (default: the source tree\'s build)')
    parser.add_argument('--overrides', default=os.path.join(SOURCE_ROOT, 'bindings', 'python'),
                        help='the directory holding gi/overrides/Mre.py')
    parser.add_argument('--case', action='append',
                        choices=['slot-cross-thread', 'slot-same-thread', 'peer'],
                        help='run this case only (repeatable)')
    parser.add_argument('--impl', action='append', help='run this impl only (repeatable)')
    parser.add_argument('--calls', type=int, help='slot calls per run (default 200000)')
    parser.add_argument('--runs', type=int, help='runs per slot impl (default 5)')
    parser.add_argument('--events', type=int, help='events per peer run (default 1000000)')
    parser.add_argument('--wrap-publisher', metavar='COMMAND',
                        help='run the Python publisher under COMMAND (perf record -g ...)')
    parser.add_argument('--wrap-subscriber', metavar='COMMAND',
                        help='run the Python subscriber under COMMAND')
    # Roles, for the processes the driver starts.
    parser.add_argument('--role', help=argparse.SUPPRESS)
    parser.add_argument('--path', help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.role:
        roles = {
            'slot': lambda: role_slot(args.impl[0], args.calls, args.runs),
            'py-sub': lambda: role_py_sub(args.impl[0], args.path, args.events),
            'py-pub': lambda: role_py_pub(args.path, args.events),
        }
        profile = os.environ.get('MRE_BENCH_CPROFILE')
        if profile:
            # The role's main thread only: profile a subscriber with
            # --impl=python-main-context, whose handlers run there.
            import cProfile
            return cProfile.runctx('roles[args.role]()', globals(), locals(),
                                   '%s.%s' % (profile, args.role))
        return roles[args.role]()

    args.calls = args.calls or (20000 if args.quick else 200000)
    args.runs = args.runs or (1 if args.quick else 5)
    args.events = args.events or (50000 if args.quick else 1000000)
    runner = Runner(args)
    cases = args.case or ['slot-cross-thread', 'slot-same-thread', 'peer']
    load = os.getloadavg()
    if not args.json:
        print('bench/python: load average %.2f %.2f %.2f at start' % load)
    for case, impls in (('slot-cross-thread', SLOT_IMPLS), ('slot-same-thread', SAME_THREAD_IMPLS),
                        ('peer', PEER_IMPLS)):
        if case not in cases:
            continue
        for impl in impls:
            if args.impl and impl not in args.impl:
                continue
            if case == 'peer':
                runner.peer(impl)
            else:
                runner.slot(impl, case)
    if not args.json:
        print('load average %.2f %.2f %.2f at the end\n' % os.getloadavg())
    runner.report()
    lost = [v for c, i, m, v, _ in runner.results if m in ('lost', 'out-of-order') and v]
    return 1 if runner.failures or lost else 0


if __name__ == '__main__':
    sys.exit(main())
