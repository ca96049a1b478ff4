# _mre/slots.py
#
# Copyright 2026 The mreventloop authors
#
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Slots declared in Python: what ``@Mre.slot`` (Mre.py) makes of a method.

A :class:`_Slot` is the descriptor of the method; ``consumer.on_produced``
is a :class:`_BoundSlot`, which queues a call rather than running it. The
slots of a class are installed with ``mre_slot_install_full`` (a plain
method) or ``mre_slot_install`` (an ``async def``, ``MRE_SLOT_ASYNC``)
right after PyGObject registered its GType, with bodies that fail by
raising. Also the Python callables given to plain GI's
``Mre.slot_install_full`` and ``Mre.slot_install``, made to fail the same
way (Mre.py exports them), and the ``event_loop`` property of a class
with slots or signals.
"""

import functools
import inspect
import logging
import threading
import typing

from ...module import get_introspection_module

from gi.repository import GLib, GObject

from .asyncio_glib import _complete_with
from .errors import _error, _fail_task, _failure, _remember_failure
from .types import _gtype, _gvalue, _owned_args

Mre = get_introspection_module('Mre')

_logger = logging.getLogger('gi.overrides.Mre')


def _slot_types_from_hints(func):
    signature = inspect.signature(func)
    params = list(signature.parameters.values())[1:]
    try:
        hints = typing.get_type_hints(func)
    except Exception:
        hints = {p.name: p.annotation for p in params}
    gtypes = []
    for p in params:
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD, p.KEYWORD_ONLY):
            raise TypeError('slot %s: parameter %r is not positional; a slot takes '
                            'positional arguments only' % (func.__qualname__, p.name))
        hint = hints.get(p.name, inspect.Parameter.empty)
        if hint is inspect.Parameter.empty:
            raise TypeError('slot %s: parameter %r has no type; annotate it or give the '
                            'types to @Mre.slot' % (func.__qualname__, p.name))
        gtypes.append(_gtype(hint, 'slot %s, parameter %r' % (func.__qualname__, p.name)))
    return gtypes


class _Slot:
    """A named slot declared with @Mre.slot: the descriptor of the method."""

    def __init__(self, func, name, param_types):
        if not callable(func):
            raise TypeError('@Mre.slot decorates a method, not %r' % (func,))
        self.func = func
        self.name = name
        self.signature = inspect.signature(func)
        self.is_async = inspect.iscoroutinefunction(func)
        if param_types is None:
            # Resolved now, so that a wrong one is an error at the decorator.
            self.param_types = _slot_types_from_hints(func)
        else:
            self.param_types = [_gtype(t, 'slot %s' % func.__qualname__) for t in param_types]
            try:
                self.signature.bind(None, *[None] * len(self.param_types))
            except TypeError as exc:
                raise TypeError('slot %s cannot take its %d declared argument(s): %s'
                                % (func.__qualname__, len(self.param_types), exc)) from None
        self.owner = None
        self.attr = None
        functools.update_wrapper(self, func)

    def __set_name__(self, owner, attr):
        if not (isinstance(owner, type) and issubclass(owner, GObject.Object)):
            raise TypeError('@Mre.slot methods belong to GObject.Object subclasses, not %r'
                            % (owner,))
        self.owner = owner
        self.attr = attr
        if self.name is None:
            self.name = attr.replace('_', '-')
        if '_mre_pending_slots' not in owner.__dict__:
            owner._mre_pending_slots = []
        owner._mre_pending_slots.append(self)
        _hook_type_register(owner)

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        return _BoundSlot(self, instance)

    def __repr__(self):
        return '<Mre slot %r of %s>' % (self.name, self.owner.__name__ if self.owner else '?')

    def queue(self, instance, args, kwargs):
        _install_pending_slots(type(instance))
        try:
            bound = self.signature.bind(instance, *args, **kwargs)
        except TypeError as exc:
            raise TypeError('slot %r: %s' % (self.name, exc)) from None
        bound.apply_defaults()
        values = bound.args[1:1 + len(self.param_types)]
        gvalues = [_gvalue(gtype, value, 'Slot “%s” argument %d' % (self.name, i + 1))
                   for i, (gtype, value) in enumerate(zip(self.param_types, values))]
        Mre.invoke(instance, self.name, gvalues)


class _BoundSlot:
    """``consumer.on_produced``: calling it queues the slot on the
    consumer's loop, as MrEventLoop's slots do; it never runs here."""

    __slots__ = ('slot', 'instance')

    def __init__(self, slot, instance):
        self.slot = slot
        self.instance = instance

    def __call__(self, *args, **kwargs):
        self.slot.queue(self.instance, args, kwargs)

    @property
    def __self__(self):
        return self.instance

    @property
    def __func__(self):
        return self.slot.func

    @property
    def name(self):
        return self.slot.name

    def __eq__(self, other):
        return (isinstance(other, _BoundSlot) and other.slot is self.slot
                and other.instance is self.instance)

    def __hash__(self):
        return hash((id(self.slot), id(self.instance)))

    def __repr__(self):
        return '<Mre slot %r of %r>' % (self.slot.name, self.instance)


def _find_method(cls, attr):
    for klass in cls.__mro__:
        if attr in klass.__dict__:
            found = klass.__dict__[attr]
            return found.func if isinstance(found, _Slot) else found
    return None


def _slot_body(declared):
    def what(instance):
        return 'Slot “%s” of %s' % (declared.name, type(instance).__name__)

    def body(instance, *args):
        *args, task = args
        # The GValues the arguments came from are freed when this returns,
        # before the coroutine is done: Python's own copies.
        args = _owned_args(args, declared.param_types)
        # Virtual, as Python methods are: a subclass may override the method.
        func = _find_method(type(instance), declared.attr) or declared.func
        try:
            result = func(instance, *args)
        except BaseException as exc:
            _fail_task(task, Mre.object_get_event_loop(instance), exc, what(instance))
            return
        if inspect.isawaitable(result):
            _complete_with(task, Mre.object_get_event_loop(instance), result, what(instance))
        else:
            task.return_boolean(True)
    return body


# A slot's result is tested with inspect.isawaitable() only when it is not
# None (what nearly every slot returns): the test costs more than a call.
def _sync_slot_body(declared):
    def body(instance, args, *user_data):
        # Freed with the call: Python's own copies, which the slot may keep.
        args = _owned_args(args, declared.param_types)
        func = _find_method(type(instance), declared.attr) or declared.func
        try:
            result = func(instance, *args)
        except BaseException as exc:
            raise _failure(Mre.object_get_event_loop(instance), exc,
                           'Slot “%s” of %s' % (declared.name, type(instance).__name__)) from None
        if result is not None and inspect.isawaitable(result):
            # Only an `async def` holds its loop: a plain method that
            # returns an awaitable is a mistake, reported as a failure.
            if inspect.iscoroutine(result):
                result.close()
            gerror = _error(Mre.Error.FAILED,
                            'Slot “%s” returned an awaitable: declare it with async def'
                            % declared.name)
            _remember_failure(Mre.object_get_event_loop(instance), gerror, None)
            raise gerror
        return True
    return body


_install_lock = threading.Lock()


def _install_pending_slots(cls):
    for klass in reversed(cls.__mro__):
        pending = klass.__dict__.get('_mre_pending_slots')
        if not pending or '__gtype__' not in klass.__dict__:
            continue
        with _install_lock:
            installing, pending[:] = list(pending), []
        for declared in installing:
            # A coroutine function is an asynchronous slot (its GTask
            # completes when the coroutine does); any other method is a
            # synchronous slot of mre_slot_install_full(), whose raised
            # exception reaches the loop as a GError.
            if inspect.iscoroutinefunction(declared.func):
                Mre.slot_install(klass.__gtype__, declared.name, _slot_body(declared),
                                 Mre.SlotFlags.ASYNC, declared.param_types)
            else:
                Mre.slot_install_full(klass.__gtype__, declared.name, _sync_slot_body(declared),
                                      param_types=declared.param_types)


# Plain-GI callbacks -------------------------------------------------------------
#
# PyGObject prints an exception that is not a GLib.Error raised in a
# callback and returns FALSE without an error: the loop would report "Slot
# failed without setting an error", and an async body that raises before
# returning on its GTask would hold its loop for ever. The names of plain GI
# that take Python callables wrap them so that the exception reaches the
# loop as a GLib.Error (Mre.Error.FAILED, naming the slot and the exception's
# type and message), raised again by run(), join() and `with` from it.

def slot_install_full(type_, name, func, *args, **kwargs):
    """``mre_slot_install_full``: @func(target, args, *user_data) is the
    body of the synchronous slot @name of @type_. It fails by raising (a
    GLib.Error as it is, any other exception as Mre.Error.FAILED with its
    type and message) or by returning False."""
    if not callable(func):
        return Mre.slot_install_full(type_, name, func, *args, **kwargs)

    def body(target, values, *user_data):
        try:
            return func(target, values, *user_data)
        except GLib.Error:
            raise
        except BaseException as exc:
            raise _failure(Mre.object_get_event_loop(target), exc,
                           'Slot “%s” of %s' % (name, type(target).__name__)) from None
    return Mre.slot_install_full(type_, name, body, *args, **kwargs)


def slot_install(type_, name, closure, flags=Mre.SlotFlags.DEFAULT, param_types=None):
    """``mre_slot_install_closure``: @closure(target, *args) is the body
    of the slot @name of @type_; an %MRE_SLOT_ASYNC one gets the GTask last
    and completes it. A Python callable fails by raising: a synchronous one
    is installed through ``mre_slot_install_full`` (a closure slot of C
    cannot fail), an asynchronous one that raises returns the error on its
    task."""
    if not callable(closure):
        return Mre.slot_install(type_, name, closure, flags, param_types)
    what = 'Slot “%s” of %%s' % name
    if not flags & Mre.SlotFlags.ASYNC:
        def body(target, values, *unused):
            try:
                result = closure(target, *values)
            except GLib.Error:
                raise
            except BaseException as exc:
                raise _failure(Mre.object_get_event_loop(target), exc,
                               what % type(target).__name__) from None
            return result is not False
        return Mre.slot_install_full(type_, name, body, param_types=param_types)

    def async_body(target, *args):
        task = args[-1]
        try:
            closure(target, *args)
        except BaseException as exc:
            if task.get_completed() or task.had_error():
                _logger.error('%s raised after completing its task', what % type(target).__name__,
                              exc_info=exc)
                return
            _fail_task(task, Mre.object_get_event_loop(target), exc,
                       what % type(target).__name__)
    return Mre.slot_install(type_, name, async_body, flags, param_types)


def _event_loop_get(self):
    return Mre.object_get_event_loop(self)


def _event_loop_set(self, loop):
    Mre.object_set_event_loop(self, loop)


def _hook_type_register(owner):
    """Installs the pending slots of @owner right after PyGObject gave it
    its GType. Method decorators run before the class exists, and
    PyGObject's metaclass registers the GType after the class body; it
    calls cls._type_register(), which a class attribute of that name
    shadows for this one class."""
    if '_type_register' in owner.__dict__:
        return

    def register(cls, namespace):
        del cls._type_register
        cls._type_register(namespace)
        _install_pending_slots(cls)

    owner._type_register = classmethod(register)
    _add_event_loop_property(owner)


def _add_event_loop_property(owner):
    if not any('event_loop' in k.__dict__ for k in owner.__mro__):
        # MrEventLoop's @has_event_loop('event_loop').
        owner.event_loop = property(_event_loop_get, _event_loop_set, None,
                                    'The Mre.EventLoop this object\'s slots run on.')
