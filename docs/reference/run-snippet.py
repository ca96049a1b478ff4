#!/usr/bin/env python3
# run-snippet.py
#
# Copyright 2026 The mreventloop authors
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Runs a fenced code block of a content page, so that the examples of the
# API reference never rot:
#
#   run-snippet.py PAGE LANGUAGE INDEX EXPECTED INTERPRETER...
#
# runs the INDEX-th (from 0) ```LANGUAGE block of PAGE with INTERPRETER,
# and fails unless it exits 0 and prints the line EXPECTED.

import re
import subprocess
import sys
import tempfile

page, language, index, expected, *interpreter = sys.argv[1:]
index = int(index)

with open(page, encoding='utf-8') as f:
    blocks = re.findall(r'^```' + re.escape(language) + r'\n(.*?)^```', f.read(),
                        re.MULTILINE | re.DOTALL)
if len(blocks) <= index:
    sys.exit(f'{page}: no ```{language} block number {index}')

with tempfile.NamedTemporaryFile('w', suffix='.' + language, encoding='utf-8') as snippet:
    snippet.write(blocks[index])
    snippet.flush()
    result = subprocess.run(interpreter + [snippet.name], capture_output=True,
                            text=True, timeout=30)

sys.stdout.write(result.stdout)
sys.stderr.write(result.stderr)
if result.returncode != 0:
    sys.exit(f'{page}: the {language} example exited with {result.returncode}')
if expected not in result.stdout.splitlines():
    sys.exit(f'{page}: the {language} example did not print {expected!r}')
