/* mre-error.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "mre-error.h"

/**
 * mre_error_quark:
 *
 * The error domain of mreventloop; use it through %MRE_ERROR.
 *
 * Returns: the quark of the %MRE_ERROR domain
 *
 * Since: 0.1
 */
G_DEFINE_QUARK (mre-error-quark, mre_error)
