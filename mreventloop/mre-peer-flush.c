/* mre-peer-flush.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "mre-error.h"
#include "mre-peer-private.h"

/*
 * Flushing: waiting until the broker has what was published, within a
 * time limit, and telling the publisher what it refused.
 *
 * A push is done when the broker acknowledges it (mre-peer-durable.c). A
 * yell is never acknowledged, so a flush that follows yells sends a SYNC,
 * which the broker answers with an ACK after it has handled every frame
 * sent before it, and so after the ERROR of any publish it refused
 * (docs/PROTOCOL.md, "Message flow"; a broker that does not know SYNC
 * answers it with an ERROR, in order all the same).
 * The ERRORs of publishes (arg 0, the seq of the publish) are kept, and the
 * next flush fails with the first of them.
 *
 * Everything here runs on the peer's context, but for mre_peer_flush().
 */

typedef struct
{
  gint64        deadline;  /* monotonic µs, or G_MAXINT64 */
  gint          timeout_ms;
  guint64       target;    /* the yells_sent the flush waits for */
  GSource      *timer;
  GSource      *cancel;
} FlushWait;

static void
flush_wait_free (gpointer data)
{
  FlushWait *wait = data;

  g_assert (wait->timer == NULL && wait->cancel == NULL);
  g_free (wait);
}

static void
flush_wait_clear_sources (FlushWait *wait)
{
  if (wait->timer != NULL)
    {
      g_source_destroy (wait->timer);
      g_clear_pointer (&wait->timer, g_source_unref);
    }
  if (wait->cancel != NULL)
    {
      g_source_destroy (wait->cancel);
      g_clear_pointer (&wait->cancel, g_source_unref);
    }
}

/* Ends the flush @task (one of self->flush_tasks): with @error, or TRUE. */
static void
flush_end (MrePeer      *self,
           GTask        *task,
           const GError *error)
{
  flush_wait_clear_sources (g_task_get_task_data (task));
  self->flush_tasks = g_list_remove (self->flush_tasks, task);
  if (error != NULL)
    g_task_return_error (task, g_error_copy (error));
  else
    g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

/* Events that wait for the broker: the yells published while
 * disconnected and the pushes not acknowledged. */
guint
mre_peer_count_waiting (MrePeer *self)
{
  guint waiting;

  g_mutex_lock (&self->lock);
  waiting = self->pending.length + self->unacked.length;
  g_mutex_unlock (&self->lock);
  return waiting;
}

/* What a flush that fails now leaves behind: the events not sent, not
 * acknowledged, or (yells) sent with no SYNC answered after them. */
static guint64
count_unconfirmed (MrePeer *self)
{
  guint64 count;

  g_mutex_lock (&self->lock);
  count = self->pending.length + self->unacked.length + (self->yells_sent - self->yells_confirmed);
  g_mutex_unlock (&self->lock);
  return count;
}

/* Takes the refusals kept since the last flush: NULL if none. */
static GError *
take_refused (MrePeer *self)
{
  GError *error = g_steal_pointer (&self->refused);

  if (error != NULL && self->n_refused > 1)
    g_prefix_error (&error, "The broker refused %u events; the first: ", self->n_refused);
  self->n_refused = 0;
  return error;
}

static void
send_sync (MrePeer *self)
{
  Request *request = g_new0 (Request, 1);

  request->kind = REQUEST_SYNC;
  g_mutex_lock (&self->lock);
  request->synced = self->yells_sent;
  g_mutex_unlock (&self->lock);
  self->syncing = TRUE;
  mre_peer_send_request (self, MRE_FRAME_SYNC, NULL, NULL, NULL, request);
}

/* Ends the flushes whose events the broker has: everything written and
 * acknowledged, and a SYNC answered after their yells. Sends the SYNC a
 * flush waits for. */
void
mre_peer_check_flushed (MrePeer *self)
{
  g_autoptr(GError) refused = NULL;
  guint64 yells_sent;
  GList *l, *next;

  if (self->flush_tasks == NULL || self->conn == NULL)
    return;

  g_mutex_lock (&self->lock);
  yells_sent = self->yells_sent;
  g_mutex_unlock (&self->lock);
  if (!self->syncing && self->yells_confirmed < yells_sent)
    send_sync (self);

  if (mre_connection_get_queued_bytes (self->conn) != 0 || mre_peer_count_waiting (self) != 0)
    return;

  for (l = self->flush_tasks; l != NULL; l = next)
    {
      FlushWait *wait = g_task_get_task_data (l->data);

      next = l->next;
      if (wait->target > self->yells_confirmed)
        continue;
      if (refused == NULL)
        refused = take_refused (self);
      flush_end (self, l->data, refused);
    }
}

/* Ends every flush with @error (the connection is gone, or the peer
 * closed). */
void
mre_peer_end_flushes (MrePeer      *self,
                      const GError *error)
{
  while (self->flush_tasks != NULL)
    flush_end (self, self->flush_tasks->data, error);
}

/* The broker answered a SYNC: it has handled the yells sent before. */
void
mre_peer_synced (MrePeer *self,
                 guint64  synced)
{
  self->syncing = FALSE;
  if (synced > self->yells_confirmed)
    self->yells_confirmed = synced;
  mre_peer_check_flushed (self);
}

/* The broker refused the publish @seq of @name (an ERROR with arg 0): the
 * next flush fails with it. */
void
mre_peer_publish_refused (MrePeer    *self,
                          const char *name,
                          guint64     seq,
                          gint        code,
                          const char *message)
{
  if (self->n_refused++ > 0)
    return;

  self->refused = g_error_new (MRE_ERROR, code, "The broker refused event “%s” (seq %" G_GUINT64_FORMAT "): %s",
                               name, seq, message);
}

static gboolean
flush_timed_out (gpointer data)
{
  GTask *task = data;
  MrePeer *self = g_task_get_source_object (task);
  FlushWait *wait = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  guint64 count = count_unconfirmed (self);

  g_clear_pointer (&wait->timer, g_source_unref);
  error = g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                       "The broker did not acknowledge %" G_GUINT64_FORMAT " %s within %d ms "
                       "(the flush's timeout); they may still arrive",
                       count, count == 1 ? "event" : "events", wait->timeout_ms);
  flush_end (self, task, error);
  return G_SOURCE_REMOVE;
}

static gboolean
flush_cancelled (GCancellable *cancellable,
                 gpointer      data)
{
  GTask *task = data;
  MrePeer *self = g_task_get_source_object (task);
  FlushWait *wait = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  g_clear_pointer (&wait->cancel, g_source_unref);
  g_cancellable_set_error_if_cancelled (cancellable, &error);
  flush_end (self, task, error);
  return G_SOURCE_REMOVE;
}

static gboolean
flush_idle (gpointer data)
{
  GTask *task = data;
  MrePeer *self = g_task_get_source_object (task);
  FlushWait *wait = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  guint waiting = mre_peer_count_waiting (self);
  g_autoptr(GError) refused = NULL;

  if (self->conn == NULL)
    {
      if (waiting == 0 && (refused = take_refused (self)) == NULL)
        g_task_return_boolean (task, TRUE);
      else if (refused != NULL)
        g_task_return_error (task, g_steal_pointer (&refused));
      else
        g_task_return_new_error (task, MRE_ERROR, MRE_ERROR_DISCONNECTED,
                                 "%u events wait for the broker to come back", waiting);
      g_object_unref (task);
      return G_SOURCE_REMOVE;
    }

  g_mutex_lock (&self->lock);
  wait->target = self->yells_sent;
  g_mutex_unlock (&self->lock);

  self->flush_tasks = g_list_append (self->flush_tasks, task);
  if (wait->deadline != G_MAXINT64)
    {
      gint64 left = wait->deadline - g_get_monotonic_time ();

      wait->timer = g_timeout_source_new (left > 0 ? (guint) MIN (left / 1000, G_MAXUINT) : 0);
      g_source_set_callback (wait->timer, flush_timed_out, task, NULL);
      g_source_set_static_name (wait->timer, "MrePeer flush timeout");
      g_source_attach (wait->timer, self->context);
    }
  if (cancellable != NULL)
    {
      wait->cancel = g_cancellable_source_new (cancellable);
      g_source_set_callback (wait->cancel, G_SOURCE_FUNC (flush_cancelled), task, NULL);
      g_source_attach (wait->cancel, self->context);
    }
  mre_peer_check_flushed (self);

  return G_SOURCE_REMOVE;
}

/**
 * mre_peer_flush:
 * @self: a peer
 * @timeout_ms: how long to wait, in milliseconds: -1 for
 *   [property@Mre.Peer:flush-timeout], %G_MAXINT for ever
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Waits until the broker has every event published so far: all written
 * to its socket, every push acknowledged by the broker (stored, and so
 * delivered to its subscribers even if this peer or the broker then dies;
 * see "Durable push" in `docs/PROTOCOL.md`), and every yell handled by it
 * (the broker answers a request sent after them).
 *
 * An event the broker refused after it was sent (an ERROR: say, larger
 * than the broker's `max-frame-size`, or not a JSON-RPC notification)
 * makes this flush, or the next one if it came later, fail with that
 * error: %MRE_ERROR_FRAME_TOO_LARGE or %MRE_ERROR_PROTOCOL, naming the
 * event and the broker's message. Nothing refused is reported as sent.
 *
 * Blocks the calling thread, which may be any; on the peer's own loop
 * thread the peer's context is iterated meanwhile.
 *
 * Returns: %TRUE, or %FALSE with %G_IO_ERROR_TIMED_OUT (after
 *   @timeout_ms, with the number of events not acknowledged),
 *   %MRE_ERROR_DISCONNECTED (the broker is not there to take them),
 *   %MRE_ERROR_FRAME_TOO_LARGE or %MRE_ERROR_PROTOCOL (the broker refused
 *   an event), or %G_IO_ERROR_CANCELLED
 *
 * Since: 0.1
 */
gboolean
mre_peer_flush (MrePeer       *self,
                gint           timeout_ms,
                GCancellable  *cancellable,
                GError       **error)
{
  g_autoptr(GTask) task = NULL;
  FlushWait *wait;

  g_return_val_if_fail (MRE_IS_PEER (self), FALSE);
  g_return_val_if_fail (timeout_ms >= -1, FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);

  if (timeout_ms == -1)
    timeout_ms = (gint) mre_peer_get_flush_timeout (self);

  wait = g_new0 (FlushWait, 1);
  wait->timeout_ms = timeout_ms;
  wait->deadline = timeout_ms == G_MAXINT ? G_MAXINT64
                                          : g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  task = mre_peer_sync_call (self, cancellable, flush_idle, wait, flush_wait_free);
  return g_task_propagate_boolean (task, error);
}
