#!/usr/bin/python3
# run.py
#
# Copyright 2026 The mreventloop authors
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The cross-language test: a C publisher, a Python subscriber and a GJS
# subscriber through one broker (the `mreventloop` tool); every argument
# type arrives identical in each language. Prints TAP.
#
#   run.py PUBLISHER GJS        (MREVENTLOOP_TOOL names the tool; meson sets
#                                it and the GI paths of the build tree)
#
# The broker starts, both subscribers say "ready" once subscribed, the C
# publisher publishes "types.numbers" and "types.others" (publisher.c), and
# each subscriber gets them through a named slot whose parameters have the
# types C sent: the library decodes the JSON into GValues of those types and
# the binding hands them to the language. Each subscriber writes what its
# language got in the canonical form below; expected.json holds that form of
# what C sends, and `publisher --canonical` must still print it.
#
# "Identical" is equality of the canonical forms, which are:
#
#   gboolean                 JSON true or false
#   integers, enums, flags   the decimal digits of the value, as a string
#                            (exact for 64 bits; an enum or flags by value)
#   gfloat, gdouble          the 16 hex digits of the IEEE 754 binary64 bits
#                            (a gfloat widened exactly): bit-identical, so
#                            -0.0 differs from 0.0
#   gchararray               the string, or null
#   GStrv                    the array of strings, or null
#   GBytes                   the bytes in lowercase hex
#   GVariant                 [type string, g_variant_print (v, TRUE)]: same
#                            type and same value, as g_variant_equal()
#   JsonNode                 json_to_string (node, FALSE): same members in the
#                            same order, same values
#   GObject                  {"type": type name, "properties": {name: value}}
#                            of every read-write property, in this form: an
#                            object of a type of the same name (each language
#                            declares its own TestPoint) with equal properties
#
# and each argument is [type name, canonical value], the type being the one
# the receiving slot declared. Also checked: the events' sender, and that
# Python and GJS saw the same JSON text.
#
# Where a binding cannot hand a type to its language, the subscriber works
# around it and this test says so (KNOWN_LIMITS, and the GJS notes).

import ctypes
import json
import os
import signal
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from mretap import (Bus, PATIENCE, TestFailure, check, check_equal,  # noqa: E402
                    lines, run_tests, wait_until)

PUBLISHER, GJS = sys.argv[1:3]

with open(os.path.join(HERE, 'expected.json'), encoding='utf-8') as f:
    EXPECTED = json.load(f)

# (language, type C sent) -> the type the subscriber declares instead, and why
KNOWN_LIMITS = {
    ('python', 'gchar'): (
        'gint', 'PyGObject hands a gchar to a closure as a one-character str '
        'decoded as UTF-8, which fails for -128..-1'),
}

SUBSCRIBERS = {
    'python': [sys.executable, os.path.join(HERE, 'subscriber.py')],
    'gjs': [GJS, '-m', os.path.join(HERE, 'subscriber.js')],
}

results = {}


def die_with_parent():
    # PR_SET_PDEATHSIG: a subscriber never outlives the test
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)


def spawn(bus, name, argv):
    """Starts ARGV with stdout and stderr to NAME.log in the test's
    directory; killed when the test ends. (process, log path)"""
    path = bus.log_path(name + '.log')
    with open(path, 'wb') as out:
        process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT,
                                   env=bus.env, preexec_fn=die_with_parent)
    bus.processes.append(process)
    return process, path


def show_log(path):
    for line in lines(path):
        print('# ' + line)


def test_c_canonical():
    out = subprocess.run([PUBLISHER, '--canonical'], check=True,
                         stdout=subprocess.PIPE, timeout=PATIENCE).stdout
    compare_events('c', json.loads(out)['events'])


def test_run():
    with Bus() as bus:
        subscribers = {}
        for language, argv in SUBSCRIBERS.items():
            subscribers[language] = spawn(bus, language, argv + ['--socket', bus.path])
        for language, (process, log) in subscribers.items():
            def ready():
                if process.poll() is not None:
                    show_log(log)
                    raise TestFailure('the %s subscriber exited with %d'
                                      % (language, process.returncode))
                return 'ready' in lines(log)
            wait_until(ready, 'the %s subscriber to be ready' % language)

        publisher, log = spawn(bus, 'publisher', [PUBLISHER, '--socket', bus.path])
        try:
            check_equal(publisher.wait(PATIENCE), 0, 'publisher exit status')
        finally:
            show_log(log)

        for language, (process, log) in subscribers.items():
            try:
                status = process.wait(3 * PATIENCE)
            except subprocess.TimeoutExpired:
                status = 'none (still running)'
            results[language] = [json.loads(line[len('result '):])
                                 for line in lines(log) if line.startswith('result ')]
            if status != 0 or not results[language]:
                show_log(log)
            check_equal(status, 0, '%s subscriber exit status' % language)


def compare_events(language, events):
    failures = []
    check_equal(sorted(events), sorted(EXPECTED['events']), 'events received')
    for name, expected in EXPECTED['events'].items():
        got = events[name]
        if got.get('sender') != expected['sender']:
            failures.append('%s: sender %r, expected %r'
                            % (name, got.get('sender'), expected['sender']))
        args = got.get('args', [])
        if len(args) != len(expected['args']):
            failures.append('%s: %d arguments, expected %d'
                            % (name, len(args), len(expected['args'])))
            continue
        for i, ((got_type, got_value), (type_, value)) in enumerate(zip(args, expected['args'])):
            limit = KNOWN_LIMITS.get((language, type_))
            if limit is not None and got_type == limit[0]:
                print('# %s: %s argument %d is a %s, declared %s: %s'
                      % (language, name, i + 1, type_, limit[0], limit[1]))
            elif got_type != type_:
                failures.append('%s argument %d: type %s, expected %s'
                                % (name, i + 1, got_type, type_))
            if got_value != value:
                failures.append('%s argument %d (%s): %s, expected %s'
                                % (name, i + 1, type_, json.dumps(got_value, ensure_ascii=False),
                                   json.dumps(value, ensure_ascii=False)))
    if failures:
        raise TestFailure('%s: %d differences:%s'
                          % (language, len(failures), ''.join('\n#   ' + f for f in failures)))


def result_of(language):
    check(len(results.get(language, [])) == 1, 'no result from the %s subscriber' % language)
    return results[language][0]


def test_python():
    compare_events('python', result_of('python')['events'])


def test_gjs():
    result = result_of('gjs')
    for note in result['notes']:
        print('# gjs: ' + note)
    compare_events('gjs', result['events'])


def test_same_json():
    python, gjs = result_of('python')['events'], result_of('gjs')['events']
    for name in EXPECTED['events']:
        check_equal(gjs[name]['json'], python[name]['json'], name + ' JSON text, GJS against Python')


def main():
    # meson ends a test that runs too long with SIGTERM: clean up then too
    signal.signal(signal.SIGTERM, lambda *unused: sys.exit('terminated'))
    return run_tests([
        ('C: expected.json is the canonical form of what publisher.c sends', test_c_canonical),
        ('broker, Python and GJS subscribers ready, C publishes, all exit 0', test_run),
        ('Python: every argument arrives identical', test_python),
        ('GJS: every argument arrives identical', test_gjs),
        ('Python and GJS got the same JSON text', test_same_json),
    ])


if __name__ == '__main__':
    sys.exit(1 if main() else 0)
