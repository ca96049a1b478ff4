/* mre-error.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "mre-error.h"

G_DEFINE_QUARK (mre-error-quark, mre_error)
