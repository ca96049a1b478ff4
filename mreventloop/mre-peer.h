/* mre-peer.h
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
#include <json-glib/json-glib.h>

#include "mre-version-macros.h"

G_BEGIN_DECLS

/**
 * MrePeerState:
 * @MRE_PEER_STATE_DISCONNECTED: not started, or the broker went away and the
 *   peer waits before it tries again
 * @MRE_PEER_STATE_CONNECTING: connecting, handshaking or subscribing again
 * @MRE_PEER_STATE_CONNECTED: connected, subscriptions in place
 * @MRE_PEER_STATE_CLOSED: closed by [method@Mre.Peer.close]; final
 *
 * The state of a peer's connection to its broker.
 *
 * Since: 0.1
 */
typedef enum
{
  MRE_PEER_STATE_DISCONNECTED,
  MRE_PEER_STATE_CONNECTING,
  MRE_PEER_STATE_CONNECTED,
  MRE_PEER_STATE_CLOSED,
} MrePeerState;

/**
 * MreDelivery:
 * @MRE_DELIVERY_YELL: only the peers subscribed now receive the event
 * @MRE_DELIVERY_PUSH: the broker also retains the event in the name's
 *   backlog, replayed to peers that subscribe later
 *
 * How the broker delivers a published event (elegant_events' yell and push).
 *
 * Since: 0.1
 */
typedef enum
{
  MRE_DELIVERY_YELL,
  MRE_DELIVERY_PUSH,
} MreDelivery;

/**
 * MRE_BACKLOG_UNBOUNDED:
 *
 * The backlog of a push that retains every event of its name.
 *
 * Since: 0.1
 */
#define MRE_BACKLOG_UNBOUNDED 0

#define MRE_TYPE_PEER (mre_peer_get_type ())

MRE_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (MrePeer, mre_peer, MRE, PEER, GObject)

MRE_AVAILABLE_IN_ALL
MrePeer      *mre_peer_new                (const char           *path,
                                           const char           *id) G_GNUC_WARN_UNUSED_RESULT;
MRE_AVAILABLE_IN_ALL
MrePeer      *mre_peer_new_default        (const char           *id) G_GNUC_WARN_UNUSED_RESULT;
MRE_AVAILABLE_IN_ALL
char         *mre_default_socket_path     (void);

MRE_AVAILABLE_IN_ALL
const char   *mre_peer_get_id             (MrePeer              *self);
MRE_AVAILABLE_IN_ALL
const char   *mre_peer_get_path           (MrePeer              *self);
MRE_AVAILABLE_IN_ALL
MrePeerState  mre_peer_get_state          (MrePeer              *self);

MRE_AVAILABLE_IN_ALL
gboolean      mre_peer_start              (MrePeer              *self,
                                           GCancellable         *cancellable,
                                           GError              **error);
MRE_AVAILABLE_IN_ALL
void          mre_peer_start_async        (MrePeer              *self,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
MRE_AVAILABLE_IN_ALL
gboolean      mre_peer_start_finish       (MrePeer              *self,
                                           GAsyncResult         *result,
                                           GError              **error);
MRE_AVAILABLE_IN_ALL
void          mre_peer_close              (MrePeer              *self);
MRE_AVAILABLE_IN_ALL
gboolean      mre_peer_flush              (MrePeer              *self,
                                           gint                  timeout_ms,
                                           GCancellable         *cancellable,
                                           GError              **error);
MRE_AVAILABLE_IN_ALL
guint         mre_peer_get_flush_timeout  (MrePeer              *self);
MRE_AVAILABLE_IN_ALL
void          mre_peer_set_flush_timeout  (MrePeer              *self,
                                           guint                 timeout_ms);

MRE_AVAILABLE_IN_ALL
gboolean      mre_peer_subscribe          (MrePeer              *self,
                                           const char           *pattern,
                                           const char           *sender,
                                           GCancellable         *cancellable,
                                           GError              **error);
MRE_AVAILABLE_IN_ALL
void          mre_peer_subscribe_async    (MrePeer              *self,
                                           const char           *pattern,
                                           const char           *sender,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
MRE_AVAILABLE_IN_ALL
gboolean      mre_peer_subscribe_finish   (MrePeer              *self,
                                           GAsyncResult         *result,
                                           GError              **error);
MRE_AVAILABLE_IN_ALL
gboolean      mre_peer_unsubscribe        (MrePeer              *self,
                                           const char           *pattern,
                                           const char           *sender,
                                           GCancellable         *cancellable,
                                           GError              **error);

MRE_AVAILABLE_IN_ALL
gboolean      mre_peer_publishv           (MrePeer              *self,
                                           const char           *name,
                                           MreDelivery           delivery,
                                           guint                 backlog,
                                           const GValue         *args,
                                           guint                 n_args,
                                           GError              **error);
MRE_AVAILABLE_IN_ALL
gboolean      mre_peer_yell               (MrePeer              *self,
                                           const char           *name,
                                           GError              **error,
                                           GType                 first_type,
                                           ...);
MRE_AVAILABLE_IN_ALL
gboolean      mre_peer_push               (MrePeer              *self,
                                           const char           *name,
                                           guint                 backlog,
                                           GError              **error,
                                           GType                 first_type,
                                           ...);
MRE_AVAILABLE_IN_ALL
gboolean      mre_peer_publish_json       (MrePeer              *self,
                                           const char           *name,
                                           MreDelivery           delivery,
                                           guint                 backlog,
                                           const char           *params_json,
                                           GError              **error);
MRE_AVAILABLE_IN_ALL
gboolean      mre_check_params_json       (const char           *params_json,
                                           gssize                length,
                                           GError              **error);
MRE_AVAILABLE_IN_ALL
gulong        mre_peer_forward            (MrePeer              *self,
                                           gpointer              emitter,
                                           const char           *detailed_signal,
                                           const char           *name,
                                           MreDelivery           delivery,
                                           guint                 backlog,
                                           GError              **error);
MRE_AVAILABLE_IN_ALL
guint         mre_peer_check              (MrePeer              *self);
MRE_AVAILABLE_IN_ALL
gboolean      mre_peer_trigger_locally    (MrePeer              *self,
                                           const char           *name,
                                           const char           *params_json,
                                           gint64                time,
                                           GError              **error);
MRE_AVAILABLE_IN_ALL
JsonNode     *mre_peer_query_stats        (MrePeer              *self,
                                           GCancellable         *cancellable,
                                           GError              **error);

G_END_DECLS
