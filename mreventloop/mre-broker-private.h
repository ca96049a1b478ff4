/* mre-broker-private.h
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "mre-broker.h"
#include "mre-broker-log-private.h"
#include "mre-connection-private.h"
#include "mre-event-loop.h"
#include "mre-store-private.h"

G_BEGIN_DECLS

typedef struct _MreRouter MreRouter;

/* A peer's session (docs/PROTOCOL.md, "Durable push"): the last sequence
 * number of its pushes stored. mre-broker-durable.c. */
typedef struct
{
  char    *key;
  guint64  seq;
  gint64   used;    /* real time of its last use, for forgetting the oldest */
  guint    users;   /* connections that named it */
  gboolean dirty;   /* seq changed since the last commit */
} MreSession;

/* One connection of the broker. Everything here runs on the broker's
 * context. */
typedef struct
{
  MreBroker     *broker;
  MreConnection *conn;
  char          *id;     /* NULL until HELLO */
  GPtrArray     *subs;   /* the router's subscriptions of this client */
  guint64        stamp;  /* the router's stamp of the last event queued to it */
  MreSession    *session;  /* NULL: its pushes are not acknowledged */
  gboolean       ack_due;  /* pushes stored and not yet acknowledged */

  /* Flow control (mre-broker-flow.c) */
  guint64        queued;       /* bytes queued for it, as counted in the broker's total */
  gboolean       pausing;      /* over the pause mark: the broker stops reading */
  gboolean       stalled;      /* over it and not reading: not waited for */
  guint64        progress;     /* bytes written when the stall timer last looked */
  guint64        total_progress;  /* bytes written when the total's stall check last looked */
  GSource       *stall_timer;
  gboolean       closing;      /* dropped as slow: its last frames go out, then it closes */
  GSource       *close_timer;

  /* Counters of this connection, for the peers of STATS */
  guint64        events_in;
  guint64        events_out;

  /* Limits */
  GSource       *handshake_timer;  /* until HELLO (handshake-timeout) */
} MreBrokerClient;

typedef struct
{
  guint64 connections_total;
  guint64 events_in;
  guint64 events_out;
  guint64 dropped;
  guint64 slow_disconnects;
  guint64 rejected;
  guint64 pauses;
  guint64 refused_connections;   /* max-connections, peer credentials */
  guint64 handshake_timeouts;
  guint64 retained_evicted;      /* max-retained-bytes */
  guint64 push_duplicates;       /* pushes sent again, already stored */
} MreBrokerStats;

/* The broker's state, shared with mre-broker-client.c and
 * mre-broker-router.c. */
struct _MreBroker
{
  GObject        parent_instance;

  char          *paths[2];
  guint          max_frame_size;
  guint64        max_queued_bytes;
  guint          idle_timeout;
  gboolean       same_uid_only;
  guint          max_connections;     /* 0: unlimited */
  guint          max_subscriptions;   /* per connection; 0: unlimited */
  guint64        max_retained_bytes;  /* per event name; 0: unlimited */
  guint          handshake_timeout;   /* seconds; 0: never */
  char          *state_directory;

  /* Durable push (mre-broker-durable.c) */
  MreStore      *store;          /* NULL: in memory */
  char          *store_id;
  GHashTable    *sessions;       /* key -> MreSession */
  GPtrArray     *dirty_sessions;
  gboolean       batch_pending;  /* pushes not yet committed */
  gboolean       flushing;

  MreEventLoop  *loop;
  gboolean       own_loop;
  GMainContext  *context;
  GSocket       *listeners[2];
  GSource       *accept_sources[2];
  GSource       *idle_source;
  GSource       *accept_pause;   /* accept() failed: waiting to try again */
  gboolean       accept_failing; /* logged once until an accept succeeds */
  gboolean       started;
  MreBrokerLog  *log;          /* connections refused and dropped; while started */

  MreRouter     *router;
  GPtrArray     *clients;      /* MreBrokerClient */
  guint          next_peer;
  guint          n_pausing;    /* clients that hold the reading paused */

  /* The bound on all queues together (mre-broker-flow.c) */
  guint64        max_queued_bytes_total;  /* 0: none */
  guint64        queued_total;            /* the clients' queued, closing ones included */
  guint64        queued_peak;
  gboolean       total_pausing;           /* over the total's pause mark */
  gboolean       reading;                 /* FALSE while paused, for any reason */
  GSource       *total_stall_timer;
  GPtrArray     *closing;                 /* MreBrokerClient dropped as slow, closing */
  GHashTable    *peer_records;            /* id -> what was dropped for it (PeerRecord) */

  MreBrokerStats stats;
  gint64         rate_start;
  guint64        rate_events;
  double         events_per_second;
};

/* mre-broker-client.c */
MreBrokerClient *mre_broker_client_new    (MreBroker       *self,
                                           GSocket         *socket);
void       mre_broker_client_free         (MreBrokerClient *client);
void       mre_broker_client_detach       (MreBrokerClient *client);
void       mre_broker_client_unroute      (MreBrokerClient *client);
gboolean   mre_broker_client_send         (MreBrokerClient *client,
                                           const guint8    *data,
                                           gsize            len);
void       mre_broker_refuse_socket       (GSocket         *socket,
                                           const char      *code,
                                           const char      *message);

/* mre-broker-flow.c: flow control, the total bound, slow readers */
void       mre_broker_flow_init           (MreBroker       *self);
void       mre_broker_flow_finalize       (MreBroker       *self);
void       mre_broker_flow_stop           (MreBroker       *self);
void       mre_broker_client_flow_new     (MreBrokerClient *client);
void       mre_broker_client_flow_detach  (MreBrokerClient *client);
void       mre_broker_client_flow_forget  (MreBrokerClient *client);
void       mre_broker_client_written      (MreConnection   *conn,
                                           gpointer         user_data);
void       mre_broker_client_drained      (MreConnection   *conn,
                                           gpointer         user_data);
void       mre_broker_closing_closed      (MreBrokerClient *client);
void       mre_broker_add_peer_stats      (MreBroker       *self,
                                           JsonBuilder     *builder);

/* mre-broker.c */
void       mre_broker_count_out           (MreBroker       *self,
                                           guint64          n);
void       mre_broker_client_welcomed     (MreBroker       *self,
                                           const char      *id);
void       mre_broker_client_gone         (MreBroker       *self,
                                           const char      *id);

/* mre-broker-durable.c */
void       mre_broker_durable_init        (MreBroker       *self);
void       mre_broker_durable_finalize    (MreBroker       *self);
gboolean   mre_broker_durable_start       (MreBroker       *self,
                                           GError         **error);
void       mre_broker_durable_stop        (MreBroker       *self);
gboolean   mre_broker_session_attach      (MreBrokerClient *client,
                                           const char      *key);
void       mre_broker_session_detach      (MreBrokerClient *client);
gboolean   mre_broker_push_is_new         (MreBrokerClient *client,
                                           const MreFrame  *frame);
void       mre_broker_push_refused        (MreBrokerClient *client,
                                           const MreFrame  *frame);
void       mre_broker_end_batch           (MreBroker       *self,
                                           MreBrokerClient *client);

/* The routing table (mre-broker-router.c): subscriptions and retained
 * events. */
MreRouter *mre_router_new                 (MreBroker       *broker);
void       mre_router_free                (MreRouter       *router);
gboolean   mre_router_subscribe           (MreRouter       *router,
                                           MreBrokerClient *client,
                                           const char      *pattern,
                                           const char      *sender,
                                           guint32          request,
                                           JsonObject      *since);
void       mre_router_unsubscribe         (MreRouter       *router,
                                           MreBrokerClient *client,
                                           const char      *pattern,
                                           const char      *sender);
void       mre_router_remove_client       (MreRouter       *router,
                                           MreBrokerClient *client);
void       mre_router_publish             (MreRouter       *router,
                                           const MreFrame  *publish,
                                           const char      *sender);
void       mre_router_flush               (MreRouter       *router);
void       mre_router_load_retained       (MreRouter       *router,
                                           guint64          position,
                                           const char      *name,
                                           const char      *sender,
                                           GBytes          *frame);
void       mre_router_forget_retained     (MreRouter       *router);
gboolean   mre_router_has_subscription    (MreRouter       *router,
                                           MreBrokerClient *client,
                                           const char      *pattern,
                                           const char      *sender);
guint      mre_router_count_subscriptions (MreRouter       *router);
void       mre_router_add_retained_counts (MreRouter       *router,
                                           JsonBuilder     *builder);

G_END_DECLS
