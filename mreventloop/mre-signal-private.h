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

void     mre_signal_set_queued_source (guint          signal_id,
                                       guint          source_id);
guint    mre_signal_get_queued_source (guint          signal_id);
gboolean mre_signal_parse_queued      (gpointer       instance,
                                       const char    *detailed_signal,
                                       GSignalQuery  *query,
                                       GQuark        *detail,
                                       GError       **error);

gboolean mre_values_collect (GValue        *values,
                             const GType   *types,
                             guint          n_values,
                             va_list       *args,
                             const char    *what,
                             GError       **error);

G_END_DECLS
