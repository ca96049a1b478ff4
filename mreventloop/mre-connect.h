/* mre-connect.h
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

/**
 * MreConnectFlags:
 * @MRE_CONNECT_DEFAULT: a queued connection that sees every later emission,
 *   and first the emissions kept by [func@Mre.keep_track_of], if any.
 * @MRE_CONNECT_ONCE: disconnect after the first emission delivered.
 * @MRE_CONNECT_FUTURE_ONLY: do not replay kept emissions; only emissions
 *   that happen after the connection was made are delivered. On a signal
 *   carrying an #MreEvent ([signal@Mre.Peer::event]), only live events: the
 *   retained events a broker replays when the peer subscribes
 *   ([method@Mre.Event.get_retained] %TRUE) are skipped, also one pushed
 *   between the connection and the subscription.
 *
 * Flags of [func@Mre.connect] and its variants. They follow elegant_events'
 * `whenever`, `once`, `whenever_future` and `once_next`.
 *
 * Since: 0.1
 */
typedef enum /*< flags >*/
{
  MRE_CONNECT_DEFAULT     = 0,
  MRE_CONNECT_ONCE        = 1 << 0,
  MRE_CONNECT_FUTURE_ONLY = 1 << 1,
} MreConnectFlags;

MRE_AVAILABLE_IN_ALL
gulong   mre_connect                (gpointer          emitter,
                                     const char       *detailed_signal,
                                     gpointer          target,
                                     const char       *slot,
                                     MreConnectFlags   flags,
                                     GError          **error);
MRE_AVAILABLE_IN_ALL
gulong   mre_connect_callback       (gpointer          emitter,
                                     const char       *detailed_signal,
                                     MreEventLoop     *loop,
                                     GCallback         callback,
                                     gpointer          user_data,
                                     GDestroyNotify    destroy,
                                     MreConnectFlags   flags,
                                     GError          **error);
MRE_AVAILABLE_IN_ALL
gulong   mre_connect_closure        (gpointer          emitter,
                                     const char       *detailed_signal,
                                     MreEventLoop     *loop,
                                     GClosure         *closure,
                                     MreConnectFlags   flags,
                                     GError          **error);
MRE_AVAILABLE_IN_ALL
guint    mre_disconnect             (gpointer          emitter,
                                     const char       *detailed_signal);
MRE_AVAILABLE_IN_ALL
gboolean mre_disconnect_handler     (gpointer          emitter,
                                     gulong            handler_id);
MRE_AVAILABLE_IN_ALL
guint    mre_disconnect_by_func     (gpointer          emitter,
                                     GCallback         callback,
                                     gpointer          user_data);
MRE_AVAILABLE_IN_ALL
gboolean mre_keep_track_of          (gpointer          emitter,
                                     const char       *detailed_signal,
                                     guint             max_size,
                                     GError          **error);
MRE_AVAILABLE_IN_ALL
void     mre_stop_keeping_track_of  (gpointer          emitter,
                                     const char       *detailed_signal);
G_END_DECLS
