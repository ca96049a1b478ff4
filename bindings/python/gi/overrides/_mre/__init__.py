# _mre/__init__.py
#
# Copyright 2026 The mreventloop authors
#
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Parts of the Mre overrides (gi/overrides/Mre.py) that stand on their own:
one module a concept. Mre.py imports errors, types, asyncio_glib, slots and
callables at its top (they need none of its names, only each other, in
that order), and threads, dispatch, history and bus at its end, once its
own names are defined. Not an API: use them through ``gi.repository.Mre``."""
