# _mre/errors.py
#
# Copyright 2026 The mreventloop authors
#
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A Python exception as the GLib.Error of a failed slot or call, and the
memory of the exceptions behind them.

A slot or a queued call that raises fails like a C slot that returns
``FALSE``: the exception becomes a ``GLib.Error`` (``Mre.Error.FAILED``
unless it is one already, ``CANCELLED`` for ``asyncio.CancelledError``).
When the error stops the loop (``exit-on-exception``), the exception is
remembered on the loop, so that ``run()``, ``join()`` and ``with`` raise
the GLib.Error ``from`` it.
"""

import asyncio
import collections
import threading

from ...module import get_introspection_module

from gi.repository import GLib, Gio

Mre = get_introspection_module('Mre')


def _error(code, message):
    return GLib.Error.new_literal(Mre.error_quark(), message, code)


def _as_gerror(exc, what):
    if isinstance(exc, GLib.Error):
        return exc
    if isinstance(exc, asyncio.CancelledError):
        return GLib.Error.new_literal(Gio.io_error_quark(), '%s was cancelled' % what,
                                      Gio.IOErrorEnum.CANCELLED)
    return _error(Mre.Error.FAILED, '%s raised %s: %s' % (what, type(exc).__name__, exc))


# The Python exceptions behind the errors of a loop's failed calls, so that
# run(), join() and `with` raise the GLib.Error `from` them: the traceback
# of the slot is what a Python programmer wants to see.
_failures_lock = threading.Lock()


def _remember_failure(loop, gerror, exc):
    # Only an error that stops the loop is raised again; a reported one
    # would keep its traceback (and what it refers to) alive for nothing.
    if exc is gerror or loop is None or not loop.get_exit_on_exception():
        return
    with _failures_lock:
        failures = getattr(loop, '_mre_failures', None)
        if failures is None:
            failures = loop._mre_failures = collections.deque(maxlen=8)
        failures.append((gerror.message, exc))


def _cause_of(loop, gerror):
    with _failures_lock:
        failures = getattr(loop, '_mre_failures', None)
        if not failures:
            return None
        for i, (message, exc) in enumerate(failures):
            if message == gerror.message:
                del failures[i]
                return exc
    return None


def _failure(loop, exc, what):
    """The GLib.Error of a call of @loop that raised @exc, remembered as
    its cause for run(), join() and `with`."""
    gerror = _as_gerror(exc, what)
    _remember_failure(loop, gerror, exc)
    return gerror


def _fail_task(task, loop, exc, what):
    task.return_error(_failure(loop, exc, what))


def _raise_with_cause(loop, gerror):
    cause = _cause_of(loop, gerror)
    if cause is not None:
        raise gerror from cause
    raise gerror
