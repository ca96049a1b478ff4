/* mre-broker-private.h
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "mre-broker.h"
#include "mre-connection-private.h"

G_BEGIN_DECLS

typedef struct _MreRouter MreRouter;

/* One connection of the broker. Everything here runs on the broker's
 * context. */
typedef struct
{
  MreBroker     *broker;
  MreConnection *conn;
  char          *id;     /* NULL until HELLO */
  GPtrArray     *subs;   /* the router's subscriptions of this client */
  guint64        stamp;  /* the router's stamp of the last event queued to it */

  /* Flow control (mre-broker.c) */
  gboolean       pausing;      /* over the pause mark: the broker stops reading */
  gboolean       stalled;      /* over it and not reading: not waited for */
  guint64        progress;     /* bytes written when the stall timer last looked */
  GSource       *stall_timer;
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
} MreBrokerStats;

gboolean   mre_broker_client_send         (MreBrokerClient *client,
                                           const guint8    *data,
                                           gsize            len);
void       mre_broker_count_out           (MreBroker       *self,
                                           guint64          n);

/* The routing table (mre-broker-router.c): subscriptions and retained
 * events. */
MreRouter *mre_router_new                 (MreBroker       *broker);
void       mre_router_free                (MreRouter       *router);
gboolean   mre_router_subscribe           (MreRouter       *router,
                                           MreBrokerClient *client,
                                           const char      *pattern,
                                           const char      *sender);
void       mre_router_unsubscribe         (MreRouter       *router,
                                           MreBrokerClient *client,
                                           const char      *pattern,
                                           const char      *sender);
void       mre_router_remove_client       (MreRouter       *router,
                                           MreBrokerClient *client);
void       mre_router_publish             (MreRouter       *router,
                                           const MreFrame  *publish,
                                           const char      *sender);
guint      mre_router_count_subscriptions (MreRouter       *router);
void       mre_router_add_retained_counts (MreRouter       *router,
                                           JsonBuilder     *builder);

G_END_DECLS
