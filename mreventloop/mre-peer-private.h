/* mre-peer-private.h
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "mre-connection-private.h"
#include "mre-event.h"
#include "mre-event-loop.h"
#include "mre-peer.h"

G_BEGIN_DECLS

#define MRE_PEER_DEFAULT_MAX_PENDING       10000
#define MRE_PEER_DEFAULT_MAX_QUEUED_BYTES  (G_GUINT64_CONSTANT (64) * 1024 * 1024)
#define MRE_PEER_DEFAULT_FLUSH_TIMEOUT_MS  25000

struct _MrePeer
{
  GObject        parent_instance;

  char          *path;             /* the address given */
  char          *socket_path;      /* its unix socket path, once started */
  char          *id;
  gboolean       autostart;        /* the default bus: start a broker if none */
  gboolean       reconnect;
  guint          max_frame_size;
  guint          frame_limit;      /* atomic: the smaller of max_frame_size and the broker's */
  guint          flush_timeout;    /* ms, for a flush given -1 */
  guint          max_pending;      /* events published while disconnected */
  guint64        max_queued_bytes; /* written to the socket and not yet sent */

  MreEventLoop  *loop;
  GMainContext  *context;
  gboolean       own_loop;

  /* Where the peer's own signals go (mre-peer-signals.c). */
  GMainContext  *signal_context;   /* thread-default of the constructing thread */
  GThread       *signal_thread;    /* the constructing thread */
  GSource       *signal_source;    /* drains signal_queue there; NULL: emitted on the loop */
  GMutex         signal_lock;
  GQueue         signal_queue;     /* MreEmission, in the order they happened */
  gboolean       signal_disposed;  /* under signal_lock: nothing more is queued */

  /* Shared with publishing threads. */
  GMutex         lock;
  MreConnection *conn;             /* NULL while disconnected */
  GQueue         pending;          /* GBytes: yells published while disconnected */
  GQueue         unacked;          /* GBytes: pushes the broker has not acknowledged */
  guint64        seq;
  guint64        yells_sent;       /* queued on a connection, ever */
  int            state;            /* MrePeerState, atomic */

  /* On the context only. */
  gboolean       started;
  gboolean       welcomed;
  char          *session;          /* named in HELLO: the broker acknowledges pushes */
  char          *store_id;         /* of the broker's store: what positions refer to */
  GHashTable    *subs;             /* key -> Subscription */
  GHashTable    *requests;         /* request id -> Request */
  guint32        next_request;
  guint          resubscribing;    /* SUBSCRIBEs sent again, not yet acknowledged */
  GSource       *retry_source;
  guint          backoff_ms;
  GList         *start_tasks;
  GList         *flush_tasks;      /* GTask, its data a FlushWait */
  guint64        yells_confirmed;  /* of yells_sent: the broker answered a SYNC sent after them */
  gboolean       syncing;          /* a SYNC waits for its ACK */
  GError        *refused;          /* the first publish the broker refused since the last flush */
  guint          n_refused;
  guint64        n_events;         /* emitted, for mre_peer_check() */
  guint          frame_depth;      /* handling a frame from the broker; loop thread only */
  GQuark         last_detail;
};

typedef struct
{
  char *pattern;
  char *sender;
  gboolean acked;
  gboolean live;      /* acknowledged on this connection: its live pushes count */
  GHashTable *since;  /* name -> guint64: position of the last push received */
} Subscription;

typedef enum
{
  REQUEST_SUBSCRIBE,
  REQUEST_UNSUBSCRIBE,
  REQUEST_RESUBSCRIBE,
  REQUEST_STATS,
  REQUEST_SYNC,       /* mre-peer-flush.c: answered after every frame sent before */
} RequestKind;

typedef struct
{
  RequestKind  kind;
  GTask       *task;    /* NULL for a RESUBSCRIBE or a SYNC */
  char        *key;     /* of the subscription */
  guint64      synced;  /* SYNC: the yells_sent it follows */
} Request;

/* mre-peer.c */
void     mre_peer_subscription_free (Subscription  *sub);
void     mre_peer_request_free      (Request       *request);
char    *mre_peer_subscription_key  (const char    *pattern,
                                     const char    *sender);
void     mre_peer_set_state         (MrePeer       *self,
                                     MrePeerState   state,
                                     const GError  *error);
void     mre_peer_complete_tasks    (GList        **tasks,
                                     const GError  *error);
void     mre_peer_maybe_connected   (MrePeer       *self);
void     mre_peer_emit_event        (MrePeer       *self,
                                     GQuark         detail,
                                     MreEvent      *event);
void     mre_peer_notify_id         (MrePeer       *self);
void     mre_peer_emit_lost         (MrePeer       *self,
                                     guint64        dropped,
                                     const char    *message);
GTask   *mre_peer_sync_call         (MrePeer        *self,
                                     GCancellable   *cancellable,
                                     GSourceFunc     func,
                                     gpointer        task_data,
                                     GDestroyNotify  task_data_destroy);

/* mre-peer-connection.c */
void     mre_peer_connect           (MrePeer       *self);
void     mre_peer_disconnected      (MrePeer       *self,
                                     const GError  *error);
void     mre_peer_send_request      (MrePeer       *self,
                                     MreFrameType   type,
                                     const char    *name,
                                     const char    *sender,
                                     const char    *body,
                                     Request       *request);

/* mre-peer-flush.c */
guint    mre_peer_count_waiting     (MrePeer        *self);
void     mre_peer_check_flushed     (MrePeer        *self);
void     mre_peer_end_flushes       (MrePeer        *self,
                                     const GError   *error);
void     mre_peer_synced            (MrePeer        *self,
                                     guint64         synced);
void     mre_peer_publish_refused   (MrePeer        *self,
                                     const char     *name,
                                     guint64         seq,
                                     gint            code,
                                     const char     *message);

/* mre-peer-durable.c */
void     mre_peer_push_acked        (MrePeer        *self,
                                     guint64         seq);
void     mre_peer_resend            (MrePeer        *self,
                                     MreConnection  *conn);
void     mre_peer_store_welcomed    (MrePeer        *self,
                                     const char     *store);
void     mre_peer_push_received     (MrePeer        *self,
                                     const MreFrame *event,
                                     const char     *name,
                                     const char     *sender);
char    *mre_peer_since_body        (MrePeer        *self,
                                     Subscription   *sub);

/* mre-peer-signals.c */
void     mre_peer_signals_init            (MrePeer       *self);
void     mre_peer_signals_constructed     (MrePeer       *self);
void     mre_peer_signals_bind            (MrePeer       *self);
gboolean mre_peer_signals_wanted          (MrePeer       *self,
                                           guint          signal_id,
                                           GQuark         detail);
void     mre_peer_signals_emit            (MrePeer       *self,
                                           guint          signal_id,
                                           GQuark         detail,
                                           ...);
void     mre_peer_signals_dispatch_notify (GObject       *object,
                                           guint          n_pspecs,
                                           GParamSpec   **pspecs);
void     mre_peer_signals_flush_here      (MrePeer       *self);
void     mre_peer_signals_dispose         (MrePeer       *self);
void     mre_peer_signals_finalize        (MrePeer       *self);

/* mre-peer-publish.c */
GString *mre_peer_notification_new (const char  *name,
                                    const char  *params_json,
                                    GError     **error);
gboolean mre_peer_queue_publish (MrePeer      *self,
                                 const char   *name,
                                 MreDelivery   delivery,
                                 guint         backlog,
                                 GString      *body,
                                 GError      **error);

G_END_DECLS
