# _mre/types.py
#
# Copyright 2026 The mreventloop authors
#
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Parameter types and values: the GType of a declared Python type, a
Python value as the GValue of a parameter, what cannot cross to another
process, and arguments made Python's own before the GValues they came
from are freed."""

import collections.abc
import types
import typing

from ...module import get_introspection_module

from gi.repository import GObject

from .errors import _error

Mre = get_introspection_module('Mre')


_PYTHON_GTYPES = {
    str: GObject.TYPE_STRING,
    int: GObject.TYPE_INT,
    bool: GObject.TYPE_BOOLEAN,
    float: GObject.TYPE_DOUBLE,
    # Any Python object, by reference: it stays in this process.
    object: GObject.TYPE_PYOBJECT,
}


def _gtype(t, what):
    """The GType of a parameter declared as @t: a GType, str, int (gint),
    bool, float, list[str] (GStrv), object (GObject.TYPE_PYOBJECT: any
    Python object, by reference, in process only), Optional[X] (as X), or a
    class with a __gtype__ (GObject classes, GLib.Variant, GLib.Bytes,
    Json.Node...)."""
    if isinstance(t, GObject.GType):
        return t
    origin = typing.get_origin(t)
    if origin is typing.Union or (hasattr(types, 'UnionType') and origin is types.UnionType):
        inner = [a for a in typing.get_args(t) if a is not type(None)]
        if len(inner) == 1:
            return _gtype(inner[0], what)
    elif origin in (list, tuple, collections.abc.Sequence) and typing.get_args(t)[:1] == (str,):
        return GObject.TYPE_STRV
    if t in _PYTHON_GTYPES:
        return _PYTHON_GTYPES[t]
    gtype = getattr(t, '__gtype__', None)
    if isinstance(gtype, GObject.GType):
        return gtype
    raise TypeError('%s: %r has no GType; use str, int, bool, float, list[str], '
                    'a GObject.TYPE_* constant or a class with a __gtype__' % (what, t))


_CROSSING_TYPES = ('JSON data (None, bool, int, float, str, lists and dicts of them), '
                   'GLib.Variant, GLib.Bytes, Json.Node or a JSON-serializable GObject')


def _stays_in_process(value):
    """Whether PyGObject passes @value as a GObject.TYPE_PYOBJECT, a
    reference to a Python object, which no other process can read."""
    if isinstance(value, GObject.Value):
        return value.g_type == GObject.TYPE_PYOBJECT
    if value is None or isinstance(value, (bool, int, float, str)):
        return False
    return not isinstance(getattr(type(value), '__gtype__', None), GObject.GType)


def _gvalue(gtype, value, what):
    if isinstance(value, GObject.Value):
        return value
    try:
        return GObject.Value(gtype, value)
    except (TypeError, ValueError, OverflowError) as exc:
        raise _error(Mre.Error.TYPE_MISMATCH,
                     '%s takes %s, but %r cannot be one (%s)'
                     % (what, gtype.name, value, exc)) from None


def _owned(value):
    """@value, owned by Python: a boxed value (Mre.Event, GLib.Bytes,
    Json.Node...) copied with g_boxed_copy() -- a reference for the
    reference-counted ones -- into a wrapper that frees its copy. Anything
    else as it is: PyGObject already gives strings, lists (a GStrv) and
    numbers by value, and references objects, GLib.Variant and GParamSpec."""
    if isinstance(value, GObject.GBoxed):
        # Unbound: a type's own copy() (Json.Node.copy) may do another thing.
        return GObject.GBoxed.copy(value)
    return value


def _owned_args(args, param_types):
    """_owned() of each argument of a slot, but an argument declared
    ``object`` (GObject.TYPE_PYOBJECT) as it is: the very object emitted,
    even one that is boxed itself (a GLib.Bytes passed as an object)."""
    return [arg if gtype == GObject.TYPE_PYOBJECT else _owned(arg)
            for arg, gtype in zip(args, param_types)]
