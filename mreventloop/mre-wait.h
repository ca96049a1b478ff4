/* mre-wait.h
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

#include "mre-emission.h"
#include "mre-version-macros.h"

G_BEGIN_DECLS

MRE_AVAILABLE_IN_ALL
MreEmission *mre_wait_for    (gpointer              emitter,
                              const char           *detailed_signal,
                              gint                  timeout_ms,
                              GCancellable         *cancellable,
                              GError              **error);
MRE_AVAILABLE_IN_ALL
void         mre_wait_async  (gpointer              emitter,
                              const char           *detailed_signal,
                              gint                  timeout_ms,
                              GCancellable         *cancellable,
                              GAsyncReadyCallback   callback,
                              gpointer              user_data);
MRE_AVAILABLE_IN_ALL
MreEmission *mre_wait_finish (GAsyncResult         *result,
                              GError              **error);

G_END_DECLS
