# _mre/__init__.py
#
# Copyright 2026 The mreventloop authors
#
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Parts of the Mre overrides (gi/overrides/Mre.py) that stand on their own:
one module a concept, imported by Mre.py once its own names are defined.
Not an API: use them through ``gi.repository.Mre``."""
