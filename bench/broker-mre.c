/* broker-mre.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/*
 * The mreventloop side of bench/broker: an MreBroker process on a socket in
 * the run's temporary directory, and MrePeers as a program uses them.
 *
 * An event is the yell "bench.NAME" with one string argument, the 64-byte
 * payload (mre_peer_publishv); a subscription is mre_peer_subscribe() plus a
 * handler on the peer's "event::bench.NAME" signal, which decodes the
 * argument with mre_event_get_args() as a subscriber would (or, for
 * mreventloop-no-decode, only counts the burst's events by their header's
 * sequence number). When a publish is refused with MRE_ERROR_BUSY (the
 * peer's write queue is full) the publisher flushes and publishes the same
 * event again: nothing is skipped, and the retries are counted.
 *
 * mreventloop-push and mreventloop-push-stored publish the measured events
 * (DATA, PING, PONG) as pushes with a backlog of BENCH_PUSH_BACKLOG instead:
 * the peer keeps a copy of each until the broker acknowledges it, and
 * mre_peer_flush() returns once every push is acknowledged. The broker of
 * mreventloop-push-stored is given a state directory, and commits each
 * read's pushes to SQLite before it acknowledges and routes them. The
 * handshake and the end marker stay yells, as the other impls send them.
 *
 * Where the peer runs: a receiving process (subscriber, ping, pong) binds
 * its peer to an MreEventLoop on the main context, which bench_peer_pump()
 * iterates: the socket is read and the handlers run on the one thread, with
 * no hand-over (mre_event_loop_new_for_context, as a GTK program would). The
 * publisher keeps the peer's default, a loop of its own thread that writes
 * while the main thread publishes; the few events it receives (READY, DONE)
 * are taken there, from MrePeer::received, and handed to the main thread
 * through a locked queue.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mreventloop.h>

#include "broker-bench.h"

typedef struct _MreBenchPeer MreBenchPeer;

/* an event handed from the peer's thread to the main thread */
typedef struct
{
  BenchTopic topic;
  gsize      len;
  char       payload[BENCH_PAYLOAD_LEN + 1];
} Inbound;

typedef struct
{
  MreBenchPeer *self;
  BenchTopic    topic;
  gulong        handler_id;
} Subscription;

struct _MreBenchPeer
{
  BenchPeer     parent;
  MrePeer      *peer;
  MreEventLoop *loop;          /* bound to the main context, or NULL */
  guint         keepalive_id;
  Subscription  subscriptions[BENCH_N_TOPICS];
  GMutex        lock;          /* own-thread peer: the inbox */
  GCond         cond;
  GQueue        inbox;
  GValue        arg;
  gboolean      decode_data;
  gboolean      push;
  char          no_decode_payload[BENCH_PAYLOAD_LEN + 1];
  gboolean      have_seq;
  guint64       last_seq;
};

static void
on_event (MrePeer  *peer,
          MreEvent *event,
          gpointer  user_data)
{
  static const GType types[] = { G_TYPE_STRING };
  Subscription *subscription = user_data;
  MreBenchPeer *self = subscription->self;
  g_autoptr(GError) error = NULL;
  GValue arg = G_VALUE_INIT;
  const char *payload;

  if (subscription->topic == BENCH_TOPIC_DATA)
    {
      guint64 seq = mre_event_get_seq (event);

      /* a gap is loss, counted from the payload; this is disorder */
      if (self->have_seq && seq <= self->last_seq)
        self->parent.header_disorder++;
      self->have_seq = TRUE;
      self->last_seq = seq;
    }

  if (!self->decode_data && subscription->topic == BENCH_TOPIC_DATA && self->loop != NULL)
    {
      /* the event's place in the burst is its header's number, not its
       * argument's (the subscriber takes the first one as the start) */
      bench_payload_set (self->no_decode_payload, self->last_seq, 0);
      self->parent.deliver (subscription->topic, self->no_decode_payload, BENCH_PAYLOAD_LEN,
                            self->parent.user_data);
      return;
    }

  if (!mre_event_get_args (event, types, G_N_ELEMENTS (types), &arg, &error))
    {
      g_printerr ("broker mreventloop: %s: %s\n", mre_event_get_name (event), error->message);
      return;
    }

  payload = g_value_get_string (&arg);
  if (self->loop != NULL)
    {
      /* bound: this is the main thread, in bench_peer_pump() */
      self->parent.deliver (subscription->topic, payload, payload != NULL ? strlen (payload) : 0,
                            self->parent.user_data);
    }
  else if (payload != NULL && strlen (payload) <= BENCH_PAYLOAD_LEN)
    {
      Inbound *inbound = g_new (Inbound, 1);

      inbound->topic = subscription->topic;
      inbound->len = strlen (payload);
      memcpy (inbound->payload, payload, inbound->len + 1);
      g_mutex_lock (&self->lock);
      g_queue_push_tail (&self->inbox, inbound);
      g_cond_signal (&self->cond);
      g_mutex_unlock (&self->lock);
    }
  g_value_unset (&arg);
}

static gboolean
mre_bench_peer_subscribe (BenchPeer   *peer,
                          BenchTopic   topic,
                          GError     **error)
{
  MreBenchPeer *self = (MreBenchPeer *) peer;
  Subscription *subscription = &self->subscriptions[topic];
  g_autofree char *detailed = NULL;

  if (subscription->handler_id != 0)
    return TRUE;

  subscription->self = self;
  subscription->topic = topic;
  /* An own-thread peer's "event" would wait for the main context: its
   * handler hands the events over itself, from the peer's thread. */
  detailed = g_strconcat (self->loop != NULL ? "event::" : "received::",
                          bench_topic_names[topic], NULL);
  subscription->handler_id = g_signal_connect (self->peer, detailed,
                                               G_CALLBACK (on_event), subscription);

  return mre_peer_subscribe (self->peer, bench_topic_names[topic], NULL, NULL, error);
}

static gboolean
mre_bench_peer_flush (BenchPeer  *peer,
                      GError    **error)
{
  MreBenchPeer *self = (MreBenchPeer *) peer;

  return mre_peer_flush (self->peer, G_MAXINT, NULL, error);
}

static gboolean
mre_bench_peer_publish (BenchPeer   *peer,
                        BenchTopic   topic,
                        const char  *payload,
                        GError     **error)
{
  MreBenchPeer *self = (MreBenchPeer *) peer;
  gboolean push = self->push && (topic == BENCH_TOPIC_DATA || topic == BENCH_TOPIC_PING ||
                                 topic == BENCH_TOPIC_PONG);

  g_value_set_static_string (&self->arg, payload);

  for (;;)
    {
      g_autoptr(GError) local_error = NULL;

      if (mre_peer_publishv (self->peer, bench_topic_names[topic],
                             push ? MRE_DELIVERY_PUSH : MRE_DELIVERY_YELL,
                             push ? BENCH_PUSH_BACKLOG : 0,
                             &self->arg, 1, &local_error))
        return TRUE;

      if (!g_error_matches (local_error, MRE_ERROR, MRE_ERROR_BUSY))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }

      self->parent.busy_retries++;
      if (!mre_peer_flush (self->peer, G_MAXINT, NULL, error))
        return FALSE;
    }
}

static void
mre_bench_peer_pump (BenchPeer *peer)
{
  MreBenchPeer *self = (MreBenchPeer *) peer;
  GQueue inbox = G_QUEUE_INIT;
  Inbound *inbound;

  if (self->loop != NULL)
    {
      /* the keep-alive timeout wakes it at least every BENCH_PUMP_MS */
      g_main_context_iteration (NULL, TRUE);
      return;
    }

  g_mutex_lock (&self->lock);
  if (self->inbox.length == 0)
    g_cond_wait_until (&self->cond, &self->lock,
                       g_get_monotonic_time () + BENCH_PUMP_MS * 1000);
  inbox = self->inbox;
  g_queue_init (&self->inbox);
  g_mutex_unlock (&self->lock);

  while ((inbound = g_queue_pop_head (&inbox)) != NULL)
    {
      self->parent.deliver (inbound->topic, inbound->payload, inbound->len,
                            self->parent.user_data);
      g_free (inbound);
    }
}

static void
mre_bench_peer_free (BenchPeer *peer)
{
  MreBenchPeer *self = (MreBenchPeer *) peer;

  for (guint i = 0; i < BENCH_N_TOPICS; i++)
    g_clear_signal_handler (&self->subscriptions[i].handler_id, self->peer);
  if (self->peer != NULL)
    {
      mre_peer_flush (self->peer, G_MAXINT, NULL, NULL);
      mre_peer_close (self->peer);
    }
  g_clear_object (&self->peer);
  if (self->loop != NULL)
    mre_event_loop_stop (self->loop);
  g_clear_object (&self->loop);
  g_clear_handle_id (&self->keepalive_id, g_source_remove);
  g_value_unset (&self->arg);
  g_queue_clear_full (&self->inbox, g_free);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  g_free (self);
}

static const BenchPeerClass mre_bench_peer_class = {
  mre_bench_peer_subscribe,
  mre_bench_peer_publish,
  mre_bench_peer_flush,
  mre_bench_peer_pump,
  mre_bench_peer_free,
};

static gboolean
keepalive (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

BenchPeer *
bench_mre_peer_new (const char  *path,
                    const char  *id,
                    gboolean     own_thread,
                    gboolean     decode_data,
                    gboolean     push,
                    GError     **error)
{
  MreBenchPeer *self = g_new0 (MreBenchPeer, 1);

  self->parent.klass = &mre_bench_peer_class;
  self->decode_data = decode_data;
  self->push = push;
  bench_payload_init (self->no_decode_payload);
  g_value_init (&self->arg, G_TYPE_STRING);
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->peer = mre_peer_new (path, id);

  if (!own_thread)
    {
      self->loop = mre_event_loop_new_for_context (NULL);
      if (!mre_event_loop_start (self->loop, error))
        {
          mre_bench_peer_free (&self->parent);
          return NULL;
        }
      mre_object_set_event_loop (self->peer, self->loop);
    }

  if (!mre_peer_start (self->peer, NULL, error))
    {
      mre_bench_peer_free (&self->parent);
      return NULL;
    }
  self->keepalive_id = g_timeout_add (BENCH_PUMP_MS, keepalive, NULL);

  return &self->parent;
}

int
bench_mre_broker_run (const char *path,
                      const char *state_dir)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MreBroker) broker = mre_broker_new (path);
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);

  if (state_dir != NULL)
    mre_broker_set_state_directory (broker, state_dir);

  if (!mre_broker_start (broker, &error))
    {
      g_printerr ("broker mreventloop broker: %s\n", error->message);
      return EXIT_FAILURE;
    }

  printf ("ready\n");
  fflush (stdout);

  /* the parent kills us */
  g_main_loop_run (loop);
  return EXIT_SUCCESS;
}
