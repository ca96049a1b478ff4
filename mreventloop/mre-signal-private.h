/* mre-signal-private.h
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "mre-signal.h"

G_BEGIN_DECLS

gboolean mre_signal_parse (gpointer       instance,
                           const char    *detailed_signal,
                           GSignalQuery  *query,
                           GQuark        *detail,
                           GError       **error);

G_END_DECLS
