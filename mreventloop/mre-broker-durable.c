/* mre-broker-durable.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "mre-broker-private.h"

/*
 * Durable push (docs/PROTOCOL.md): the sessions that de-duplicate the
 * pushes a peer sends again, the batches of pushes committed to the store
 * (when the broker has a state directory) before they are routed, and the
 * ACKs that tell a peer its pushes are stored.
 *
 * A batch is what one read of one connection brought: its pushes are
 * written in one transaction, then acknowledged, then routed with the
 * yells among them in their order. A frame other than PUBLISH ends the
 * batch before it is handled, so the order of a connection's frames is
 * kept.
 */

/* Sessions remembered; past that, the ones unused longest are forgotten. */
#define MAX_SESSIONS 65536

static void
session_free (MreSession *session)
{
  g_free (session->key);
  g_free (session);
}

void
mre_broker_durable_init (MreBroker *self)
{
  self->sessions = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                          (GDestroyNotify) session_free);
  self->dirty_sessions = g_ptr_array_new ();
  self->store_id = g_uuid_string_random ();
}

void
mre_broker_durable_finalize (MreBroker *self)
{
  g_clear_pointer (&self->store, mre_store_close);
  g_hash_table_unref (self->sessions);
  g_ptr_array_unref (self->dirty_sessions);
  g_free (self->store_id);
  g_free (self->state_directory);
}

static MreSession *
session_add (MreBroker  *self,
             const char *key,
             guint64     seq,
             gint64      used)
{
  MreSession *session = g_new0 (MreSession, 1);

  session->key = g_strdup (key);
  session->seq = seq;
  session->used = used;
  g_hash_table_replace (self->sessions, session->key, session);
  return session;
}

static void
load_retained (guint64     position,
               const char *name,
               const char *sender,
               GBytes     *frame,
               gpointer    user_data)
{
  MreBroker *self = user_data;

  mre_router_load_retained (self->router, position, name, sender, frame);
}

static void
load_session (const char *key,
              guint64     seq,
              gint64      used,
              gpointer    user_data)
{
  session_add (user_data, key, seq, used);
}

/* Opens the store of the state directory, if the broker has one, and
 * reads back its retained events and sessions. */
gboolean
mre_broker_durable_start (MreBroker  *self,
                          GError    **error)
{
  if (self->state_directory == NULL)
    return TRUE;

  self->store = mre_store_open (self->state_directory, error);
  if (self->store == NULL)
    return FALSE;

  mre_router_forget_retained (self->router);
  g_hash_table_remove_all (self->sessions);
  if (!mre_store_load (self->store, load_retained, load_session, self, error))
    {
      mre_router_forget_retained (self->router);
      g_hash_table_remove_all (self->sessions);
      g_clear_pointer (&self->store, mre_store_close);
      return FALSE;
    }
  g_free (self->store_id);
  self->store_id = g_strdup (mre_store_get_id (self->store));
  return TRUE;
}

/* Commits what is pending and closes the store. The connections are gone
 * already. */
void
mre_broker_durable_stop (MreBroker *self)
{
  mre_broker_end_batch (self, NULL);
  if (self->store == NULL)
    return;
  g_clear_pointer (&self->store, mre_store_close);
  mre_router_forget_retained (self->router);
  g_hash_table_remove_all (self->sessions);
}

static int
compare_used (gconstpointer a,
              gconstpointer b)
{
  const MreSession *sa = *(MreSession * const *) a;
  const MreSession *sb = *(MreSession * const *) b;

  return sa->used < sb->used ? -1 : sa->used > sb->used;
}

/* Forgets the quarter of the sessions unused longest, among those no
 * connection holds. */
static void
forget_sessions (MreBroker *self)
{
  g_autoptr(GPtrArray) idle = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer value;
  guint n;

  mre_broker_end_batch (self, NULL);  /* no session is dirty */

  g_hash_table_iter_init (&iter, self->sessions);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (((MreSession *) value)->users == 0)
      g_ptr_array_add (idle, value);
  g_ptr_array_sort (idle, compare_used);

  n = MIN (idle->len, MAX_SESSIONS / 4);
  for (guint i = 0; i < n; i++)
    {
      MreSession *session = g_ptr_array_index (idle, i);

      if (self->store != NULL)
        mre_store_remove_session (self->store, session->key);
      g_hash_table_remove (self->sessions, session->key);
    }
  if (self->store != NULL)
    mre_store_commit (self->store);
}

/* The HELLO of @client named session @key. Returns FALSE for a key that
 * is not one (empty, or longer than 256 bytes). */
gboolean
mre_broker_session_attach (MreBrokerClient *client,
                           const char      *key)
{
  MreBroker *self = client->broker;
  MreSession *session;

  if (key[0] == '\0' || strlen (key) > 256)
    return FALSE;

  session = g_hash_table_lookup (self->sessions, key);
  if (session == NULL)
    {
      if (g_hash_table_size (self->sessions) >= MAX_SESSIONS)
        forget_sessions (self);
      session = session_add (self, key, 0, 0);
    }
  session->users++;
  session->used = g_get_real_time ();
  client->session = session;
  return TRUE;
}

void
mre_broker_session_detach (MreBrokerClient *client)
{
  if (client->session != NULL)
    client->session->users--;
  client->session = NULL;
}

/* @session's pushes up to @seq are done with: written at the next commit. */
static void
session_advance (MreBroker  *self,
                 MreSession *session,
                 guint64     seq)
{
  session->seq = seq;
  if (self->store != NULL && !session->dirty)
    {
      session->dirty = TRUE;
      g_ptr_array_add (self->dirty_sessions, session);
    }
}

/* A push of @client: returns FALSE for one its session has sent before,
 * which was stored then, and is only acknowledged again. */
gboolean
mre_broker_push_is_new (MreBrokerClient *client,
                        const MreFrame  *frame)
{
  MreBroker *self = client->broker;
  MreSession *session = client->session;

  self->batch_pending = TRUE;
  if (session == NULL)
    return TRUE;

  client->ack_due = TRUE;
  if (frame->seq <= session->seq)
    {
      self->stats.push_duplicates++;
      return FALSE;
    }

  session_advance (self, session, frame->seq);
  return TRUE;
}

/* A push of @client refused with an ERROR: sending it again would not
 * help, so it is acknowledged as well, and a copy of it is not stored
 * either. */
void
mre_broker_push_refused (MreBrokerClient *client,
                         const MreFrame  *frame)
{
  MreSession *session = client->session;

  if (frame->type != MRE_FRAME_PUBLISH || !(frame->flags & MRE_FRAME_FLAG_PUSH) || session == NULL)
    return;
  client->ack_due = TRUE;
  if (frame->seq > session->seq)
    session_advance (client->broker, session, frame->seq);
}

static void
send_push_ack (MreBrokerClient *client)
{
  MreFrame frame = { 0 };
  g_autoptr(GBytes) bytes = NULL;
  gsize len;
  const guint8 *data;

  client->ack_due = FALSE;
  if (client->session == NULL)
    return;

  frame.type = MRE_FRAME_ACK;
  frame.flags = MRE_FRAME_FLAG_PUSH;
  frame.seq = client->session->seq;
  frame.time = g_get_real_time ();
  bytes = mre_frame_to_bytes (&frame);
  data = g_bytes_get_data (bytes, &len);
  mre_broker_client_send (client, data, len);
}

/* Ends the batch: commits the pushes stored (with the store), acknowledges
 * those of @client (if not NULL), and routes them. @client may be
 * disconnected, and freed, on return: its connection is then closed.
 * Does nothing when called from within itself (a client dropped while
 * routing). */
void
mre_broker_end_batch (MreBroker       *self,
                      MreBrokerClient *client)
{
  gint64 now;

  if (self->flushing || (!self->batch_pending && (client == NULL || !client->ack_due)))
    return;
  self->flushing = TRUE;
  self->batch_pending = FALSE;

  if (self->store != NULL)
    {
      now = g_get_real_time ();
      for (guint i = 0; i < self->dirty_sessions->len; i++)
        {
          MreSession *session = g_ptr_array_index (self->dirty_sessions, i);

          session->dirty = FALSE;
          session->used = now;
          mre_store_set_session (self->store, session->key, session->seq, session->used);
        }
      g_ptr_array_set_size (self->dirty_sessions, 0);
      mre_store_commit (self->store);
    }

  if (client != NULL && client->ack_due)
    send_push_ack (client);  /* before routing, which may drop @client */
  mre_router_flush (self->router);
  self->flushing = FALSE;
}
