/* mre-peer-durable.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "mre-json-private.h"
#include "mre-peer-private.h"

/*
 * Durable push on the peer's side (docs/PROTOCOL.md): the pushes the
 * broker has not acknowledged yet, sent again after a reconnection; and,
 * per subscription, the position of the last push received of each event
 * name, so that the replay after a reconnection leaves out what was
 * received already.
 */

static guint64
frame_seq (GBytes *frame)
{
  return mre_frame_header_get_seq (g_bytes_get_data (frame, NULL));
}

/* The pushes acknowledged are forgotten; flushes waiting for them end.
 * On the context. */
void
mre_peer_push_acked (MrePeer *self,
                     guint64  seq)
{
  g_mutex_lock (&self->lock);
  while (self->unacked.length > 0 && frame_seq (g_queue_peek_head (&self->unacked)) <= seq)
    g_bytes_unref (g_queue_pop_head (&self->unacked));
  g_mutex_unlock (&self->lock);

  mre_peer_check_flushed (self);
}

/* Queues on @conn, oldest first, the pushes not acknowledged and the
 * yells published while disconnected. Under the lock. */
void
mre_peer_resend (MrePeer       *self,
                 MreConnection *conn)
{
  GList *push = self->unacked.head;

  while (push != NULL || self->pending.length > 0)
    {
      GBytes *yell = g_queue_peek_head (&self->pending);
      GBytes *next;
      gsize len;
      const guint8 *data;

      if (push != NULL && (yell == NULL || frame_seq (push->data) < frame_seq (yell)))
        {
          next = push->data;
          push = push->next;
        }
      else
        next = g_queue_pop_head (&self->pending);

      data = g_bytes_get_data (next, &len);
      mre_connection_queue_bytes (conn, data, len);
      if (next == yell)
        {
          self->yells_sent++;
          g_bytes_unref (yell);
        }
    }
}

/* The broker's WELCOME named @store (or none): positions of another store
 * do not compare with those of this one, and are forgotten. */
void
mre_peer_store_welcomed (MrePeer    *self,
                         const char *store)
{
  GHashTableIter iter;
  gpointer value;

  if (store != NULL && g_strcmp0 (store, self->store_id) == 0)
    return;

  g_free (self->store_id);
  self->store_id = g_strdup (store);
  g_hash_table_iter_init (&iter, self->subs);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_clear_pointer (&((Subscription *) value)->since, g_hash_table_unref);
}

static void
sub_received (Subscription *sub,
              const char   *name,
              guint64       position)
{
  guint64 *last;

  if (sub->since == NULL)
    sub->since = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  last = g_hash_table_lookup (sub->since, name);
  if (last == NULL)
    g_hash_table_insert (sub->since, g_strdup (name), g_memdup2 (&position, sizeof position));
  else if (*last < position)
    *last = position;
}

static gboolean
sub_matches (const Subscription *sub,
             const char         *name,
             const char         *sender)
{
  gsize len = strlen (sub->pattern);

  if (len > 0 && sub->pattern[len - 1] == '*' ? strncmp (name, sub->pattern, len - 1) != 0
                                               : strcmp (name, sub->pattern) != 0)
    return FALSE;
  return sub->sender == NULL || strcmp (sender, sub->sender) == 0;
}

/* A push EVENT arrived: its position counts for the subscription whose
 * replay it is, or, live, for each acknowledged subscription it matches. */
void
mre_peer_push_received (MrePeer        *self,
                        const MreFrame *event,
                        const char     *name,
                        const char     *sender)
{
  if (event->flags & MRE_FRAME_FLAG_RETAINED)
    {
      Request *request = g_hash_table_lookup (self->requests, GUINT_TO_POINTER (event->arg));
      Subscription *sub = request != NULL ? g_hash_table_lookup (self->subs, request->key) : NULL;

      if (sub != NULL)
        sub_received (sub, name, event->seq);
    }
  else
    {
      GHashTableIter iter;
      gpointer value;

      g_hash_table_iter_init (&iter, self->subs);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        {
          Subscription *sub = value;

          if (sub->live && sub_matches (sub, name, sender))
            sub_received (sub, name, event->seq);
        }
    }
}

/* The body of a SUBSCRIBE sent again, {"store": id, "since": {name:
 * position, …}}, or NULL if nothing was received. It goes before the
 * WELCOME comes back: the broker ignores positions of another store. */
char *
mre_peer_since_body (MrePeer      *self,
                     Subscription *sub)
{
  g_autoptr(GString) body = NULL;
  GHashTableIter iter;
  gpointer name, position;

  if (sub->since == NULL || g_hash_table_size (sub->since) == 0 || self->store_id == NULL)
    return NULL;

  body = g_string_new ("{\"store\":");
  mre_json_write_string (body, self->store_id, strlen (self->store_id));
  g_string_append (body, ",\"since\":{");
  g_hash_table_iter_init (&iter, sub->since);
  while (g_hash_table_iter_next (&iter, &name, &position))
    {
      if (body->str[body->len - 1] != '{')
        g_string_append_c (body, ',');
      mre_json_write_string (body, name, strlen (name));
      g_string_append_printf (body, ":%" G_GUINT64_FORMAT, *(guint64 *) position);
    }
  g_string_append (body, "}}");
  return g_string_free (g_steal_pointer (&body), FALSE);
}
