#!/usr/bin/python3
# run.py
#
# Copyright 2026 The mreventloop authors
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Issue 11, item 3: naive-peer.js, the program a new GJS user writes,
# against a real broker (`mreventloop broker`), with the tool publishing.
# Prints TAP.
#
#   run.py GJS        (MREVENTLOOP_TOOL names the tool; meson sets it and
#                      the GI paths of the build tree)

import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from mretap import (Bus, PATIENCE, check, check_equal, lines,  # noqa: E402
                    run_tests, wait_until)

GJS = sys.argv[1]
COUNT = 50


def test_naive_program():
    with Bus() as bus:
        out_path, err_path = bus.log_path('gjs.out'), bus.log_path('gjs.err')
        with open(out_path, 'wb') as out, open(err_path, 'wb') as err:
            gjs = subprocess.Popen([GJS, '-m', os.path.join(HERE, 'naive-peer.js'),
                                    bus.path, str(COUNT)],
                                   stdout=out, stderr=err, env=bus.env)
        bus.processes.append(gjs)
        wait_until(lambda: 'ready' in lines(out_path) or gjs.poll() is not None,
                   'the GJS program subscribed')
        check(gjs.poll() is None, 'the GJS program exited early: %r'
              % open(err_path, errors='replace').read())

        for i in range(COUNT):
            status, _, err = bus.run('emit', '--socket', bus.path, 'tick',
                                      '[%d, "n%d"]' % (i, i))
            check_equal(status, 0, 'mreventloop emit: %s' % err)

        try:
            status = gjs.wait(timeout=PATIENCE * 3)
        except subprocess.TimeoutExpired:
            raise AssertionError('the GJS program did not exit by itself')
        stderr = open(err_path, errors='replace').read()
        check('CRITICAL' not in stderr and 'too much recursion' not in stderr,
              'GJS said: %s' % stderr)
        check_equal(status, 0, 'exit status (stderr: %r)' % stderr)
        check_equal(lines(out_path),
                    ['ready'] + ['tick [%d,"n%d"]' % (i, i) for i in range(COUNT)] + ['done'],
                    'what the handler printed')


if __name__ == '__main__':
    sys.exit(1 if run_tests([
        ('a GJS peer made on the main thread gets its events in its GLib.MainLoop',
         test_naive_program),
    ]) else 0)
