/* mre-broker-flow.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "mre-broker-private.h"
#include "mre-json-private.h"

/*
 * What the broker queues for its clients, and what it does when they read
 * too slowly (docs/PROTOCOL.md, "Limits of the broker"):
 *
 * - Per connection: over its pause mark (an eighth of max-queued-bytes)
 *   the broker stops reading from every connection until that queue is
 *   back under half the mark. A client that writes nothing for
 *   STALL_TIMEOUT_MS meanwhile is not waited for; at max-queued-bytes it
 *   is dropped.
 * - All connections together: over three quarters of
 *   max-queued-bytes-total the broker stops reading until the total is
 *   back under half the bound (the last quarter is room for what the read
 *   in progress still routes). A client that has bytes queued and writes
 *   nothing for STALL_TIMEOUT_MS meanwhile is dropped, the largest queue
 *   first, until the total is under that half: readers that read are
 *   waited for, a stalled one is not, and nothing deadlocks.
 * - A dropped client gets the rest of the frame it has begun to receive,
 *   never half of one, then an ERROR (code `slow-reader`, with the number
 *   of events dropped), and is closed once that is written or after
 *   CLOSE_TIMEOUT_MS. It is no peer any more from the drop on; until it
 *   closes its bytes count in the total.
 *
 * The total is kept up to date from what each queuing adds and what each
 * batch of writes leaves: no pass over the clients per event.
 * Everything here runs on the broker's context.
 */

/* How long a client may write nothing before the broker stops waiting for
 * it. */
#define STALL_TIMEOUT_MS  1000
/* How long a client dropped as slow has to take its last frames. */
#define CLOSE_TIMEOUT_MS  3000
/* The ids whose drops the broker remembers for STATS; past that, the one
 * dropped longest ago is forgotten. */
#define MAX_PEER_RECORDS  4096

/* What was dropped for one id since the broker started. */
typedef struct
{
  guint64 dropped;
  guint64 slow_disconnects;
  gint64  used;   /* monotonic time of the last drop */
} PeerRecord;

void
mre_broker_flow_init (MreBroker *self)
{
  self->reading = TRUE;
  self->closing = g_ptr_array_new_with_free_func ((GDestroyNotify) mre_broker_client_free);
  self->peer_records = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

void
mre_broker_flow_finalize (MreBroker *self)
{
  g_ptr_array_unref (self->closing);
  g_hash_table_unref (self->peer_records);
}

static const char *
client_name (MreBrokerClient *client)
{
  return client->id != NULL ? client->id : "(before the handshake)";
}

/* Reading ---------------------------------------------------------------- */

/* Reads from every connection, or from none, as the pauses say. */
static void
update_reading (MreBroker *self)
{
  gboolean reading = self->n_pausing == 0 && !self->total_pausing;

  if (reading == self->reading)
    return;
  self->reading = reading;
  for (guint i = 0; i < self->clients->len; i++)
    mre_connection_set_reading (((MreBrokerClient *) g_ptr_array_index (self->clients, i))->conn,
                                reading);
}

/* A new client reads only if the others do. */
void
mre_broker_client_flow_new (MreBrokerClient *client)
{
  if (!client->broker->reading)
    mre_connection_set_reading (client->conn, FALSE);
}

/* Brings the broker's total up to date with the @queued bytes of @client. */
static void
account (MreBrokerClient *client,
         guint64          queued)
{
  MreBroker *self = client->broker;

  self->queued_total = self->queued_total - client->queued + queued;
  client->queued = queued;
}

/* One connection's queue ------------------------------------------------- */

static guint64
pause_mark (MreBroker *self)
{
  return self->max_queued_bytes / 8;
}

static void
client_unpause (MreBrokerClient *client)
{
  MreBroker *self = client->broker;

  client->pausing = FALSE;
  if (client->stall_timer != NULL)
    {
      g_source_destroy (client->stall_timer);
      g_clear_pointer (&client->stall_timer, g_source_unref);
    }
  self->n_pausing--;
  update_reading (self);
}

static gboolean
stall_check (gpointer user_data)
{
  MreBrokerClient *client = user_data;
  guint64 written = mre_connection_get_bytes_written (client->conn);

  if (written != client->progress)
    {
      client->progress = written;
      return G_SOURCE_CONTINUE;
    }

  mre_broker_log (client->broker->log, MRE_BROKER_LOG_STALLED,
                  "%s reads nothing: the broker does not wait for it any more", client_name (client));
  client->stalled = TRUE;
  client_unpause (client);
  return G_SOURCE_REMOVE;
}

static void
client_pause (MreBrokerClient *client)
{
  MreBroker *self = client->broker;

  client->pausing = TRUE;
  client->progress = mre_connection_get_bytes_written (client->conn);
  client->stall_timer = g_timeout_source_new (STALL_TIMEOUT_MS);
  g_source_set_callback (client->stall_timer, stall_check, client, NULL);
  g_source_set_static_name (client->stall_timer, "MreBroker stall check");
  g_source_attach (client->stall_timer, self->context);
  self->stats.pauses++;
  self->n_pausing++;
  update_reading (self);
}

/* The total ---------------------------------------------------------------- */

static guint64
total_pause_mark (MreBroker *self)
{
  return self->max_queued_bytes_total - self->max_queued_bytes_total / 4;
}

static void
total_check_resume (MreBroker *self)
{
  if (!self->total_pausing || self->queued_total >= self->max_queued_bytes_total / 2)
    return;

  self->total_pausing = FALSE;
  if (self->total_stall_timer != NULL)
    {
      g_source_destroy (self->total_stall_timer);
      g_clear_pointer (&self->total_stall_timer, g_source_unref);
    }
  update_reading (self);
}

static void
snapshot_progress (MreBroker *self)
{
  for (guint i = 0; i < self->clients->len; i++)
    {
      MreBrokerClient *client = g_ptr_array_index (self->clients, i);

      client->total_progress = mre_connection_get_bytes_written (client->conn);
    }
}

static void drop_slow (MreBrokerClient *client,
                       guint64          also_dropped,
                       const char      *message);

static int
compare_queued (gconstpointer a,
                gconstpointer b)
{
  const MreBrokerClient *ca = *(MreBrokerClient * const *) a;
  const MreBrokerClient *cb = *(MreBrokerClient * const *) b;

  return ca->queued < cb->queued ? 1 : ca->queued > cb->queued ? -1 : 0;
}

/* The total has been over its mark for STALL_TIMEOUT_MS: the clients that
 * wrote nothing meanwhile go, the largest queue first, until the total is
 * under half the bound. Readers that read are waited for. */
static gboolean
total_stall_check (gpointer user_data)
{
  MreBroker *self = user_data;
  g_autoptr(GPtrArray) stalled = g_ptr_array_new ();

  for (guint i = 0; i < self->clients->len; i++)
    {
      MreBrokerClient *client = g_ptr_array_index (self->clients, i);

      if (client->queued > 0 &&
          mre_connection_get_bytes_written (client->conn) == client->total_progress)
        g_ptr_array_add (stalled, client);
    }
  g_ptr_array_sort (stalled, compare_queued);

  /* A client dropped stays allocated (closing) until this returns: the
   * array's pointers stay valid. */
  for (guint i = 0; i < stalled->len && self->total_pausing; i++)
    {
      MreBrokerClient *client = g_ptr_array_index (stalled, i);
      g_autofree char *message = NULL;

      if (client->closing)
        continue;
      message = g_strdup_printf ("The peer read nothing for a second while the broker held its "
                                 "publishers back for max-queued-bytes-total (%" G_GUINT64_FORMAT
                                 "): %" G_GUINT64_FORMAT " bytes waited for it, %" G_GUINT64_FORMAT
                                 " for all peers; the broker closed its connection",
                                 self->max_queued_bytes_total, client->queued, self->queued_total);
      drop_slow (client, 0, message);
    }

  if (!self->total_pausing)
    return G_SOURCE_REMOVE;  /* total_check_resume() destroyed it */
  snapshot_progress (self);
  return G_SOURCE_CONTINUE;
}

static void
total_pause (MreBroker *self)
{
  self->total_pausing = TRUE;
  self->stats.pauses++;
  snapshot_progress (self);
  self->total_stall_timer = g_timeout_source_new (STALL_TIMEOUT_MS);
  g_source_set_callback (self->total_stall_timer, total_stall_check, self, NULL);
  g_source_set_static_name (self->total_stall_timer, "MreBroker total stall check");
  g_source_attach (self->total_stall_timer, self->context);
  update_reading (self);
}

/* Queuing --------------------------------------------------------------- */

/* Queues a whole frame for @client, or drops @client if its queue is full:
 * a peer that does not read must not make the broker grow. Returns FALSE
 * if @client was dropped (or is being closed): it is routed to no more,
 * and is freed later. */
gboolean
mre_broker_client_send (MreBrokerClient *client,
                        const guint8    *data,
                        gsize            len)
{
  MreBroker *self = client->broker;
  guint64 queued;

  if (client->closing)
    return FALSE;

  queued = mre_connection_get_queued_bytes (client->conn) + len;
  if (queued > self->max_queued_bytes)
    {
      g_autofree char *message =
        g_strdup_printf ("The peer read too slowly: %" G_GUINT64_FORMAT " bytes waited for it, "
                         "more than max-queued-bytes (%" G_GUINT64_FORMAT "); the broker closed "
                         "its connection", queued, self->max_queued_bytes);

      drop_slow (client, mre_frame_header_get_type (data) == MRE_FRAME_EVENT, message);
      return FALSE;
    }

  /* Queuing and writing both happen on the broker's context: @queued is
   * exact. */
  mre_connection_queue_bytes (client->conn, data, len);
  account (client, queued);
  if (self->queued_total > self->queued_peak)
    self->queued_peak = self->queued_total;
  if (!client->pausing && !client->stalled && queued > pause_mark (self))
    client_pause (client);
  if (!self->total_pausing && self->max_queued_bytes_total > 0 &&
      self->queued_total >= total_pause_mark (self))
    total_pause (self);
  return TRUE;
}

/* The client wrote some of its queue: once under half the pause mark, the
 * broker reads again (and waits for it again if it seemed stalled). */
void
mre_broker_client_written (MreConnection *conn,
                           gpointer       user_data)
{
  MreBrokerClient *client = user_data;
  MreBroker *self = client->broker;
  guint64 queued = mre_connection_get_queued_bytes (conn);

  account (client, queued);
  if (!client->closing && queued < pause_mark (self) / 2)
    {
      client->stalled = FALSE;
      if (client->pausing)
        client_unpause (client);
    }
  total_check_resume (self);
}

/* @client is routed to no more: it holds no pause. */
void
mre_broker_client_flow_detach (MreBrokerClient *client)
{
  if (client->pausing)
    client_unpause (client);
}

/* @client's connection is closed: its queue leaves the total. */
void
mre_broker_client_flow_forget (MreBrokerClient *client)
{
  if (client->close_timer != NULL)
    {
      g_source_destroy (client->close_timer);
      g_clear_pointer (&client->close_timer, g_source_unref);
    }
  account (client, 0);
  total_check_resume (client->broker);
}

/* Slow readers ------------------------------------------------------------ */

static void
record_drop (MreBroker  *self,
             const char *id,
             guint64     dropped)
{
  PeerRecord *record;

  if (id == NULL)
    return;

  record = g_hash_table_lookup (self->peer_records, id);
  if (record == NULL)
    {
      if (g_hash_table_size (self->peer_records) >= MAX_PEER_RECORDS)
        {
          GHashTableIter iter;
          gpointer key, value, oldest = NULL;
          gint64 oldest_used = G_MAXINT64;

          g_hash_table_iter_init (&iter, self->peer_records);
          while (g_hash_table_iter_next (&iter, &key, &value))
            if (((PeerRecord *) value)->used < oldest_used)
              {
                oldest = key;
                oldest_used = ((PeerRecord *) value)->used;
              }
          g_hash_table_remove (self->peer_records, oldest);
        }
      record = g_new0 (PeerRecord, 1);
      g_hash_table_insert (self->peer_records, g_strdup (id), record);
    }
  record->dropped += dropped;
  record->slow_disconnects++;
  record->used = g_get_monotonic_time ();
}

static void
closing_finish (MreBrokerClient *client)
{
  MreBroker *self = client->broker;

  mre_connection_close (client->conn);
  mre_broker_client_flow_forget (client);
  g_ptr_array_remove_fast (self->closing, client);  /* frees it */
}

static gboolean
close_timed_out (gpointer user_data)
{
  MreBrokerClient *client = user_data;

  g_clear_pointer (&client->close_timer, g_source_unref);
  mre_broker_log (client->broker->log, MRE_BROKER_LOG_SLOW,
                  "%s did not take its last frames within %d ms: closed",
                  client_name (client), CLOSE_TIMEOUT_MS);
  closing_finish (client);
  return G_SOURCE_REMOVE;
}

/* Everything queued for @client was written: a client being closed has
 * had its ERROR. */
void
mre_broker_client_drained (MreConnection *conn,
                           gpointer       user_data)
{
  MreBrokerClient *client = user_data;

  if (client->closing)
    closing_finish (client);
}

/* The other end of a client being closed closed first, or writing to it
 * failed. */
void
mre_broker_closing_closed (MreBrokerClient *client)
{
  closing_finish (client);
}

/* Drops @client for reading too slowly: what is queued for it and not
 * begun is dropped (@also_dropped events more were not even queued), the
 * ERROR `slow-reader` is queued after the frame it has begun, and it is
 * closed once that is written, or after CLOSE_TIMEOUT_MS. */
static void
drop_slow (MreBrokerClient *client,
           guint64          also_dropped,
           const char      *message)
{
  MreBroker *self = client->broker;
  g_autofree char *id = g_strdup (client->id);
  g_autoptr(GString) body = g_string_new ("{\"code\":\"slow-reader\",\"message\":");
  MreFrame frame = { 0 };
  guint64 dropped;
  guint index;

  dropped = mre_connection_drop_unsent (client->conn, MRE_FRAME_EVENT) + also_dropped;
  self->stats.dropped += dropped;
  self->stats.slow_disconnects++;
  record_drop (self, client->id, dropped);
  mre_broker_log (self->log, MRE_BROKER_LOG_SLOW,
                  "Closing the connection of %s, %" G_GUINT64_FORMAT " events dropped: %s",
                  client_name (client), dropped, message);

  mre_broker_client_unroute (client);
  client->closing = TRUE;
  mre_connection_set_reading (client->conn, FALSE);

  mre_json_write_string (body, message, strlen (message));
  g_string_append_printf (body, ",\"dropped\":%" G_GUINT64_FORMAT "}", dropped);
  frame.type = MRE_FRAME_ERROR;
  frame.time = g_get_real_time ();
  frame.body = (const guint8 *) body->str;
  frame.body_len = body->len;
  mre_connection_queue (client->conn, &frame);
  account (client, mre_connection_get_queued_bytes (client->conn));

  client->close_timer = g_timeout_source_new (CLOSE_TIMEOUT_MS);
  g_source_set_callback (client->close_timer, close_timed_out, client, NULL);
  g_source_set_static_name (client->close_timer, "MreBroker slow reader close");
  g_source_attach (client->close_timer, self->context);

  if (g_ptr_array_find (self->clients, client, &index))
    g_ptr_array_steal_index_fast (self->clients, index);
  g_ptr_array_add (self->closing, client);

  total_check_resume (self);
  /* The pushes it sent before are committed and routed. */
  mre_broker_end_batch (self, NULL);
  mre_broker_client_gone (self, id);
}

/* Closes the clients being closed (the broker stops). */
void
mre_broker_flow_stop (MreBroker *self)
{
  while (self->closing->len > 0)
    closing_finish (g_ptr_array_index (self->closing, self->closing->len - 1));
  if (self->total_stall_timer != NULL)
    {
      g_source_destroy (self->total_stall_timer);
      g_clear_pointer (&self->total_stall_timer, g_source_unref);
    }
  self->total_pausing = FALSE;
  self->n_pausing = 0;
  self->reading = TRUE;
}

/* Statistics ------------------------------------------------------------- */

/* The `peers` of STATS_REPLY: one object per open connection that said
 * HELLO. */
void
mre_broker_add_peer_stats (MreBroker   *self,
                           JsonBuilder *builder)
{
  json_builder_begin_array (builder);
  for (guint i = 0; i < self->clients->len; i++)
    {
      MreBrokerClient *client = g_ptr_array_index (self->clients, i);
      PeerRecord *record;

      if (client->id == NULL)
        continue;
      record = g_hash_table_lookup (self->peer_records, client->id);
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "id");
      json_builder_add_string_value (builder, client->id);
      json_builder_set_member_name (builder, "queued_bytes");
      json_builder_add_int_value (builder, mre_connection_get_queued_bytes (client->conn));
      json_builder_set_member_name (builder, "dropped");
      json_builder_add_int_value (builder, record != NULL ? record->dropped : 0);
      json_builder_set_member_name (builder, "slow_disconnects");
      json_builder_add_int_value (builder, record != NULL ? record->slow_disconnects : 0);
      json_builder_set_member_name (builder, "subscriptions");
      json_builder_add_int_value (builder, client->subs != NULL ? client->subs->len : 0);
      json_builder_set_member_name (builder, "events_in");
      json_builder_add_int_value (builder, client->events_in);
      json_builder_set_member_name (builder, "events_out");
      json_builder_add_int_value (builder, client->events_out);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
}
