/* mre-peer-connection.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "mre-error.h"
#include "mre-event-private.h"
#include "mre-peer-autostart-private.h"
#include "mre-peer-private.h"
#include "mre-socket-private.h"

/*
 * A peer's connection to its broker: connecting (the handshake, the
 * subscriptions again, what waited meanwhile), the frames the broker sends,
 * and losing the broker (failing what waited for an answer, trying again
 * with a growing delay). Everything here runs on the peer's context.
 */

#define BACKOFF_FIRST_MS  50
#define BACKOFF_MAX_MS    2000

/* Frames from the broker ------------------------------------------------------ */

static gint
error_code (const char *code)
{
  return g_str_equal (code, "frame-too-large") ? MRE_ERROR_FRAME_TOO_LARGE : MRE_ERROR_PROTOCOL;
}

static void
handle_error_frame (MrePeer        *self,
                    const MreFrame *frame)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autofree char *name = g_strndup (frame->name, frame->name_len);
  const char *code = "unknown";
  const char *message = "(no message)";
  gint64 dropped = -1;
  Request *request;

  if (json_parser_load_from_data (parser, (const char *) frame->body, frame->body_len, NULL) &&
      JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      JsonObject *object = json_node_get_object (json_parser_get_root (parser));
      JsonNode *count = json_object_get_member (object, "dropped");

      code = json_object_get_string_member_with_default (object, "code", code);
      message = json_object_get_string_member_with_default (object, "message", message);
      if (count != NULL && json_node_get_value_type (count) == G_TYPE_INT64)
        dropped = json_node_get_int (count);
    }

  if (frame->arg == 0 ||
      !g_hash_table_steal_extended (self->requests, GUINT_TO_POINTER (frame->arg), NULL, (gpointer *) &request))
    request = NULL;
  if (request == NULL && !self->welcomed)
    {
      /* too-many-connections, handshake-timeout: the broker closes the
       * connection next, and the peer tries again later. */
      g_message ("The broker refused the connection: %s: %s", code, message);
      return;
    }
  if (request == NULL && g_str_equal (code, "slow-reader"))
    {
      /* The broker closes the connection next (docs/PROTOCOL.md). */
      mre_peer_emit_lost (self, dropped >= 0 ? (guint64) dropped : 0, message);
      return;
    }
  if (request == NULL)
    {
      g_message ("The broker refused “%s” (seq %" G_GUINT64_FORMAT ") from %s: %s: %s",
                 name, frame->seq, self->id, code, message);
      if (frame->seq != 0)
        mre_peer_publish_refused (self, name, frame->seq, error_code (code), message);
      return;
    }

  if (request->kind == REQUEST_SYNC)
    {
      g_message ("The broker refused the flush's request: %s: %s", code, message);
      mre_peer_synced (self, request->synced);
      mre_peer_request_free (request);
      return;
    }
  if (request->kind == REQUEST_SUBSCRIBE || request->kind == REQUEST_RESUBSCRIBE)
    g_hash_table_remove (self->subs, request->key);
  if (request->kind == REQUEST_RESUBSCRIBE)
    {
      g_message ("The broker refused the subscription to “%s”: %s", name, message);
      self->resubscribing--;
    }
  if (request->task != NULL)
    g_task_return_new_error (request->task, MRE_ERROR, error_code (code),
                             "The broker refused “%s”: %s", name, message);
  mre_peer_request_free (request);
  mre_peer_maybe_connected (self);
}

static void
handle_reply (MrePeer        *self,
              const MreFrame *frame)
{
  Request *request;
  Subscription *sub;

  if (frame->type == MRE_FRAME_ACK && (frame->flags & MRE_FRAME_FLAG_PUSH))
    {
      mre_peer_push_acked (self, frame->seq);
      return;
    }

  if (!g_hash_table_steal_extended (self->requests, GUINT_TO_POINTER (frame->arg), NULL, (gpointer *) &request))
    return;

  switch (request->kind)
    {
    case REQUEST_RESUBSCRIBE:
      self->resubscribing--;
      G_GNUC_FALLTHROUGH;
    case REQUEST_SUBSCRIBE:
      sub = g_hash_table_lookup (self->subs, request->key);
      if (sub != NULL)
        sub->acked = sub->live = TRUE;
      if (request->task != NULL)
        g_task_return_boolean (request->task, TRUE);
      break;

    case REQUEST_UNSUBSCRIBE:
      g_task_return_boolean (request->task, TRUE);
      break;

    case REQUEST_SYNC:
      mre_peer_synced (self, request->synced);
      break;

    case REQUEST_STATS:
      {
        g_autoptr(JsonParser) parser = json_parser_new ();
        g_autoptr(GError) error = NULL;
        JsonNode *stats = NULL;

        /* The parser is dropped before the caller has the statistics, so
         * that the caller's thread drops the last reference to them. */
        if (json_parser_load_from_data (parser, (const char *) frame->body, frame->body_len, &error))
          stats = json_parser_steal_root (parser);
        g_clear_object (&parser);
        if (stats != NULL)
          g_task_return_pointer (request->task, stats, (GDestroyNotify) json_node_unref);
        else
          g_task_return_new_error (request->task, MRE_ERROR, MRE_ERROR_PROTOCOL,
                                   "The broker's statistics are not JSON: %s",
                                   error != NULL ? error->message : "empty");
        break;
      }
    }

  mre_peer_request_free (request);
  mre_peer_maybe_connected (self);
}

/* The detail of an event: nobody can be connected to a detail whose quark
 * does not exist yet, so names from the network are never interned. The
 * last name's quark is kept, once it exists (g_quark_try_string() takes a
 * global lock). */
static GQuark
event_detail (MrePeer    *self,
              const char *name)
{
  if (self->last_detail == 0 || strcmp (name, g_quark_to_string (self->last_detail)) != 0)
    self->last_detail = g_quark_try_string (name);
  return self->last_detail;
}

static void
handle_event (MrePeer        *self,
              const MreFrame *frame)
{
  g_autoptr(MreEvent) event = mre_event_new_from_frame (frame);

  if (frame->flags & MRE_FRAME_FLAG_PUSH)
    mre_peer_push_received (self, frame, mre_event_get_name (event), mre_event_get_sender (event));
  mre_peer_emit_event (self, event_detail (self, mre_event_get_name (event)), event);
}

/* What the WELCOME says: the broker's store, and its max_frame_size, which
 * limits what this peer publishes if it is smaller than its own. */
static void
handle_welcome (MrePeer        *self,
                const MreFrame *welcome)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  JsonObject *object = NULL;
  JsonNode *size;
  guint limit = self->max_frame_size;

  if (json_parser_load_from_data (parser, (const char *) welcome->body, welcome->body_len, NULL) &&
      JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    object = json_node_get_object (json_parser_get_root (parser));

  size = object != NULL ? json_object_get_member (object, "max_frame_size") : NULL;
  if (size != NULL && json_node_get_value_type (size) == G_TYPE_INT64 &&
      json_node_get_int (size) > 0 && json_node_get_int (size) < limit)
    limit = (guint) json_node_get_int (size);
  g_atomic_int_set (&self->frame_limit, limit);

  mre_peer_store_welcomed (self, object != NULL ? json_object_get_string_member_with_default (object, "store", NULL)
                                                : NULL);
}

static void
peer_frame (MreConnection  *conn,
            const MreFrame *frame,
            gpointer        user_data)
{
  /* A task completed here may hold the last reference to the peer. */
  g_autoptr(MrePeer) self = g_object_ref (user_data);

  /* Handlers run from here cannot wait for the broker (mre_peer_sync_call). */
  self->frame_depth++;
  switch (frame->type)
    {
    case MRE_FRAME_EVENT:
      handle_event (self, frame);
      break;

    case MRE_FRAME_WELCOME:
      g_free (self->id);
      self->id = g_strndup (frame->name, frame->name_len);
      self->welcomed = TRUE;
      handle_welcome (self, frame);
      mre_peer_notify_id (self);
      mre_peer_maybe_connected (self);
      break;

    case MRE_FRAME_ACK:
    case MRE_FRAME_STATS_REPLY:
      handle_reply (self, frame);
      break;

    case MRE_FRAME_ERROR:
      handle_error_frame (self, frame);
      break;

    default:
      g_message ("The broker sent an unexpected %s frame", mre_frame_type_name (frame->type));
      break;
    }
  self->frame_depth--;
}

static void
peer_reject (MreConnection  *conn,
             const MreFrame *frame,
             const GError   *error,
             gpointer        user_data)
{
  g_message ("Skipping a frame from the broker: %s", error->message);
}

/* Connecting ------------------------------------------------------------------ */

static void
peer_closed (MreConnection *conn,
             const GError  *error,
             gpointer       user_data)
{
  g_autoptr(MrePeer) self = g_object_ref (user_data);
  g_autoptr(GError) reason = NULL;

  if (error == NULL)
    reason = g_error_new (MRE_ERROR, MRE_ERROR_DISCONNECTED, "The broker closed the connection");
  mre_peer_disconnected (self, error != NULL ? error : reason);
}

static void
peer_drained (MreConnection *conn,
              gpointer       user_data)
{
  g_autoptr(MrePeer) self = g_object_ref (user_data);

  mre_peer_check_flushed (self);
}

static const MreConnectionFuncs peer_funcs = {
  .frame = peer_frame,
  .reject = peer_reject,
  .closed = peer_closed,
  .drained = peer_drained,
};

static gboolean
retry_cb (gpointer user_data)
{
  MrePeer *self = user_data;

  self->retry_source = NULL;
  mre_peer_connect (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_retry (MrePeer *self)
{
  self->backoff_ms = self->backoff_ms == 0 ? BACKOFF_FIRST_MS : MIN (self->backoff_ms * 2, BACKOFF_MAX_MS);
  self->retry_source = g_timeout_source_new (self->backoff_ms);
  g_source_set_callback (self->retry_source, retry_cb, self, NULL);
  g_source_set_static_name (self->retry_source, "MrePeer reconnect");
  g_source_attach (self->retry_source, self->context);
  g_source_unref (self->retry_source);
}

/* The connection is gone: fail what waited for an answer, and try again. */
void
mre_peer_disconnected (MrePeer      *self,
                   const GError *error)
{
  g_autoptr(MreConnection) conn = NULL;
  g_autoptr(GError) lost = g_error_new (MRE_ERROR, MRE_ERROR_DISCONNECTED,
                                        "Disconnected from the broker: %s", error->message);
  GHashTableIter iter;
  gpointer value;

  g_mutex_lock (&self->lock);
  conn = g_steal_pointer (&self->conn);
  g_mutex_unlock (&self->lock);
  if (conn != NULL)
    mre_connection_close (conn);

  self->welcomed = FALSE;
  self->resubscribing = 0;
  g_hash_table_iter_init (&iter, self->requests);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Request *request = value;

      /* A subscription never acknowledged is not kept. */
      if (request->kind == REQUEST_SUBSCRIBE)
        {
          Subscription *sub = g_hash_table_lookup (self->subs, request->key);

          if (sub != NULL && !sub->acked)
            g_hash_table_remove (self->subs, request->key);
        }
      if (request->task != NULL)
        g_task_return_error (request->task, g_error_copy (lost));
    }
  g_hash_table_remove_all (self->requests);
  g_hash_table_iter_init (&iter, self->subs);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    ((Subscription *) value)->live = FALSE;
  /* The yells written to the lost connection were delivered at most once:
   * nothing tells which. */
  self->syncing = FALSE;
  g_mutex_lock (&self->lock);
  self->yells_confirmed = self->yells_sent;
  g_mutex_unlock (&self->lock);
  mre_peer_end_flushes (self, lost);

  mre_peer_set_state (self, MRE_PEER_STATE_DISCONNECTED, lost);

  if (self->start_tasks != NULL)
    {
      /* Never connected yet: mre_peer_start() fails. */
      self->started = FALSE;
      mre_peer_complete_tasks (&self->start_tasks, error);
      return;
    }
  if (self->reconnect && self->started)
    schedule_retry (self);
}

/* Sends a request frame (SUBSCRIBE, UNSUBSCRIBE, STATS) under a new request
 * id, and keeps @request until the broker answers it. */
void
mre_peer_send_request (MrePeer      *self,
                       MreFrameType  type,
                       const char   *name,
                       const char   *sender,
                       const char   *body,
                       Request      *request)
{
  MreFrame frame = { 0 };
  guint32 id = ++self->next_request;

  if (id == 0)
    id = ++self->next_request;

  frame.type = type;
  frame.arg = id;
  frame.time = g_get_real_time ();
  frame.name = name;
  frame.name_len = name != NULL ? strlen (name) : 0;
  frame.sender = sender;
  frame.sender_len = sender != NULL ? strlen (sender) : 0;
  frame.body = (const guint8 *) body;
  frame.body_len = body != NULL ? strlen (body) : 0;

  g_hash_table_insert (self->requests, GUINT_TO_POINTER (id), request);
  mre_connection_queue (self->conn, &frame);
}

void
mre_peer_connect (MrePeer *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autofree char *hello = NULL;
  MreFrame frame = { 0 };
  GHashTableIter iter;
  gpointer key, value;
  MreConnection *conn;

  mre_peer_set_state (self, MRE_PEER_STATE_CONNECTING, NULL);

  socket = self->autostart ? mre_peer_autostart_connect (self->socket_path, &error)
                           : mre_socket_connect (self->socket_path, &error);
  if (socket == NULL)
    {
      mre_peer_disconnected (self, error);
      return;
    }

  conn = mre_connection_new (socket, self->context, self->max_frame_size, &peer_funcs, self);

  hello = g_strdup_printf ("{\"protocol\":1,\"session\":\"%s\"}", self->session);
  frame.type = MRE_FRAME_HELLO;
  frame.time = g_get_real_time ();
  frame.name = self->id;
  frame.name_len = self->id != NULL ? strlen (self->id) : 0;
  frame.body = (const guint8 *) hello;
  frame.body_len = strlen (hello);
  mre_connection_queue (conn, &frame);

  g_mutex_lock (&self->lock);
  self->conn = conn;

  /* The subscriptions again, then what was published meanwhile. */
  g_hash_table_iter_init (&iter, self->subs);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      Subscription *sub = value;
      Request *request = g_new0 (Request, 1);
      g_autofree char *since = mre_peer_since_body (self, sub);

      request->kind = REQUEST_RESUBSCRIBE;
      request->key = g_strdup (key);
      self->resubscribing++;
      mre_peer_send_request (self, MRE_FRAME_SUBSCRIBE, sub->pattern, sub->sender, since, request);
    }
  mre_peer_resend (self, conn);
  g_mutex_unlock (&self->lock);
}
