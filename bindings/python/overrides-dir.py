#!/usr/bin/python3
# overrides-dir.py
#
# Copyright 2026 The mreventloop authors
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Usage: overrides-dir.py PREFIX
#
# Prints where to install gi/overrides/Mre.py under PREFIX so that this
# interpreter's PyGObject finds it (gi.overrides extends its __path__ with
# every gi/overrides directory on sys.path): PyGObject's own overrides
# directory if it is under PREFIX (PREFIX=/usr on Debian), else a
# site-packages directory on sys.path under PREFIX (/usr/local: Debian's
# /usr/local/lib/python3.X/dist-packages). Prints nothing when sys.path has
# none under PREFIX: the caller then picks a directory the user will have
# to put on PYTHONPATH.

import os
import sys

import gi.overrides


def under(path, prefix):
    return os.path.commonpath([path, prefix]) == prefix


prefix = os.path.abspath(sys.argv[1])
own = os.path.dirname(os.path.abspath(gi.overrides.__file__))
if under(own, prefix) and not under(own, os.path.join(prefix, 'local')):
    print(own)
else:
    for entry in sys.path:
        entry = os.path.abspath(entry) if entry else ''
        if entry and under(entry, prefix) and \
                os.path.basename(entry) in ('dist-packages', 'site-packages'):
            print(os.path.join(entry, 'gi', 'overrides'))
            break
