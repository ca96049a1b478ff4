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
GQuark
mre_error_quark (void)
{
  /* Not G_DEFINE_QUARK(): its cache is a plain variable, written by the
   * first caller and read by the others without synchronisation, a data
   * race when two loop threads fail at once (ThreadSanitizer found it). */
  static gsize quark = 0;

  if (g_once_init_enter (&quark))
    g_once_init_leave (&quark, g_quark_from_static_string ("mre-error-quark"));

  return (GQuark) quark;
}
