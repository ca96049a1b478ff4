/* mre-signal.h
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined (MRE_INSIDE) && !defined (MRE_COMPILATION)
# error "Only <mreventloop.h> can be included directly."
#endif

#include <gio/gio.h>

#include "mre-event-loop.h"
#include "mre-version-macros.h"

G_BEGIN_DECLS

MRE_AVAILABLE_IN_ALL
guint    mre_signal_new             (GType             itype,
                                     const char       *name,
                                     guint             n_params,
                                     ...);
MRE_AVAILABLE_IN_ALL
guint    mre_signal_newv            (GType             itype,
                                     const char       *name,
                                     guint             n_params,
                                     const GType      *param_types);
MRE_AVAILABLE_IN_ALL
gboolean mre_emit_after             (MreEventLoop     *loop,
                                     guint             delay_ms,
                                     gpointer          instance,
                                     const char       *detailed_signal,
                                     GError          **error,
                                     ...);
MRE_AVAILABLE_IN_ALL
gboolean mre_emit_afterv            (MreEventLoop     *loop,
                                     guint             delay_ms,
                                     gpointer          instance,
                                     const char       *detailed_signal,
                                     const GValue     *args,
                                     guint             n_args,
                                     GError          **error);

G_END_DECLS
