# _mre/threads.py
#
# Copyright 2026 The mreventloop authors
#
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The threads of own-thread loops are Python threads.

The library starts the thread of every own-thread ``Mre.EventLoop`` (those
of ``Mre.EventLoop.new()``, and those peers and brokers make for
themselves) through the function given to ``Mre.set_thread_spawn_func()``.
This installs one that starts a ``threading.Thread`` running
``loop.run_thread()``. Python then knows the thread: it keeps one thread
state for its life, where a thread GLib made got a new one for each call
into Python (every slot call, every peer handler), at 14-50 times the cost,
with ``threading.local()`` emptied and ``threading.current_thread()`` a new
dummy thread each time.

The threads are daemon threads, as GLib's were to Python: a program that
ends without stopping its loops does not wait for them. At exit (atexit,
after the non-daemon threads were joined) the library's GThreads come back
for loops started while the interpreter finalizes, when Python can no
longer start threads. Loops started before ``gi.repository.Mre`` was first
imported (by C code of the same process) keep their GLib thread until they
are started again.
"""

import atexit
import itertools
import threading

from ...module import get_introspection_module

from gi.repository import GLib

Mre = get_introspection_module('Mre')

_numbers = itertools.count(1)


def _spawn(loop, *unused):
    """The MreThreadSpawnFunc: runs @loop on a new daemon Python thread."""
    thread = threading.Thread(target=loop.run_thread,
                              name='mre-event-loop-%d' % next(_numbers),
                              daemon=True)
    try:
        thread.start()
    except RuntimeError as exc:
        # "can't start new thread", or "can't create new thread at
        # interpreter shutdown": the start fails with this, the loop stays
        # stopped.
        raise GLib.Error.new_literal(Mre.error_quark(),
                                     'Python could not start a thread: %s' % exc,
                                     Mre.Error.FAILED) from None
    return True


Mre.set_thread_spawn_func(_spawn)
atexit.register(Mre.set_thread_spawn_func, None)
