/* mre-broker-client.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "mre-broker-private.h"
#include "mre-error.h"
#include "mre-json-private.h"
#include "mre-version.h"

/*
 * One connection of the broker: the frames a peer sends (handshake,
 * subscriptions, publishing, statistics) and the answers; its flow
 * control and its drop as a slow reader are in mre-broker-flow.c.
 * Everything here runs on the broker's context.
 */

/* Clients ---------------------------------------------------------------- */

static void client_frame  (MreConnection  *conn,
                           const MreFrame *frame,
                           gpointer        user_data);
static void client_reject (MreConnection  *conn,
                           const MreFrame *frame,
                           const GError   *error,
                           gpointer        user_data);
static void client_closed (MreConnection  *conn,
                           const GError   *error,
                           gpointer        user_data);
static void client_read_done (MreConnection *conn,
                              gpointer       user_data);

static const MreConnectionFuncs client_funcs = {
  .frame = client_frame,
  .reject = client_reject,
  .closed = client_closed,
  .written = mre_broker_client_written,
  .drained = mre_broker_client_drained,
  .read_done = client_read_done,
};

static void
stop_handshake_timer (MreBrokerClient *client)
{
  if (client->handshake_timer != NULL)
    {
      g_source_destroy (client->handshake_timer);
      g_clear_pointer (&client->handshake_timer, g_source_unref);
    }
}

void
mre_broker_client_free (MreBrokerClient *client)
{
  stop_handshake_timer (client);
  mre_connection_unref (client->conn);
  g_free (client->id);
  g_free (client);
}

static const char *
client_name (MreBrokerClient *client)
{
  return client->id != NULL ? client->id : "(before the handshake)";
}

/* Stops routing to @client; its connection stays open. */
void
mre_broker_client_unroute (MreBrokerClient *client)
{
  mre_broker_client_flow_detach (client);
  stop_handshake_timer (client);
  mre_router_remove_client (client->broker->router, client);
  mre_broker_session_detach (client);
}

/* Stops routing to @client and closes its connection. */
void
mre_broker_client_detach (MreBrokerClient *client)
{
  mre_broker_client_unroute (client);
  mre_connection_close (client->conn);
  mre_broker_client_flow_forget (client);
}

/* Forgets @client: its subscriptions, its connection. */
static void
client_remove (MreBrokerClient *client)
{
  MreBroker *self = client->broker;
  g_autofree char *id = g_strdup (client->id);

  mre_broker_client_detach (client);
  g_ptr_array_remove_fast (self->clients, client);  /* frees it */
  /* The pushes it sent before closing are committed and routed. */
  mre_broker_end_batch (self, NULL);
  mre_broker_client_gone (self, id);
}

static void
client_closed (MreConnection *conn,
               const GError  *error,
               gpointer       user_data)
{
  MreBrokerClient *client = user_data;

  if (client->closing)
    {
      mre_broker_closing_closed (client);
      return;
    }
  if (error != NULL)
    mre_broker_log (client->broker->log,
                    error->domain == MRE_ERROR ? MRE_BROKER_LOG_GARBAGE : MRE_BROKER_LOG_SOCKET_ERROR,
                    "Connection of %s closed: %s", client_name (client), error->message);
  client_remove (client);
}

static void
client_drop (MreBrokerClient  *client,
             MreBrokerLogKind  kind,
             const char       *reason)
{
  mre_broker_log (client->broker->log, kind, "Closing the connection of %s: %s",
                  client_name (client), reason);
  client_remove (client);
}

static void
send_frame (MreBrokerClient *client,
            const MreFrame  *frame)
{
  g_autoptr(GBytes) bytes = mre_frame_to_bytes (frame);
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);

  mre_broker_client_send (client, data, len);
}

static GString *
error_body (const char *code,
            const char *message)
{
  GString *body = g_string_new ("{\"code\":");

  mre_json_write_string (body, code, strlen (code));
  g_string_append (body, ",\"message\":");
  mre_json_write_string (body, message, strlen (message));
  g_string_append_c (body, '}');
  return body;
}

/* Writes an ERROR frame to @socket if it can be written at once, without
 * waiting, and closes it: for a connection the broker does not keep (over
 * max-connections, or silent past handshake-timeout). */
void
mre_broker_refuse_socket (GSocket    *socket,
                          const char *code,
                          const char *message)
{
  g_autoptr(GString) body = error_body (code, message);
  g_autoptr(GBytes) bytes = NULL;
  MreFrame frame = { 0 };
  gsize len;
  const guint8 *data;

  frame.type = MRE_FRAME_ERROR;
  frame.time = g_get_real_time ();
  frame.body = (const guint8 *) body->str;
  frame.body_len = body->len;
  bytes = mre_frame_to_bytes (&frame);
  data = g_bytes_get_data (bytes, &len);

  g_socket_set_blocking (socket, FALSE);
  g_socket_send (socket, (const char *) data, len, NULL, NULL);
  g_socket_shutdown (socket, FALSE, TRUE, NULL);
  g_socket_close (socket, NULL);
}

static void
send_error (MreBrokerClient *client,
            const MreFrame  *refused,
            const char      *code,
            const char      *message)
{
  g_autoptr(GString) body = error_body (code, message);
  MreFrame frame = { 0 };

  frame.type = MRE_FRAME_ERROR;
  frame.arg = refused->type == MRE_FRAME_PUBLISH ? 0 : refused->arg;
  frame.seq = refused->seq;
  frame.time = g_get_real_time ();
  /* The refused frame's name, if it is there and can be trusted. */
  if (refused->name != NULL && g_utf8_validate_len (refused->name, refused->name_len, NULL))
    {
      frame.name = refused->name;
      frame.name_len = refused->name_len;
    }
  frame.body = (const guint8 *) body->str;
  frame.body_len = body->len;

  client->broker->stats.rejected++;
  mre_broker_push_refused (client, refused);
  send_frame (client, &frame);
}

static void
send_ack (MreBrokerClient *client,
          guint8           type,
          guint32          request,
          const char      *body)
{
  MreFrame frame = { 0 };

  frame.type = type;
  frame.arg = request;
  frame.time = g_get_real_time ();
  if (body != NULL)
    {
      frame.body = (const guint8 *) body;
      frame.body_len = strlen (body);
    }
  send_frame (client, &frame);
}

/* Frames ------------------------------------------------------------------ */

static gboolean
handle_hello (MreBrokerClient *client,
              const MreFrame  *frame)
{
  MreBroker *self = client->broker;
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autofree char *welcome = NULL;
  MreFrame reply = { 0 };

  if (frame->body_len > 0)
    {
      JsonNode *root;
      JsonNode *session;

      /* json-glib takes blank text for a document without a root. */
      if (!json_parser_load_from_data (parser, (const char *) frame->body, frame->body_len, NULL) ||
          (root = json_parser_get_root (parser)) == NULL ||
          !JSON_NODE_HOLDS_OBJECT (root) ||
          json_object_get_int_member_with_default (json_node_get_object (root), "protocol", 1) != 1)
        {
          client_drop (client, MRE_BROKER_LOG_BAD_HANDSHAKE, "its HELLO does not ask for protocol 1");
          return FALSE;
        }
      session = json_object_get_member (json_node_get_object (root), "session");
      if (session != NULL &&
          (json_node_get_value_type (session) != G_TYPE_STRING ||
           !mre_broker_session_attach (client, json_node_get_string (session))))
        {
          client_drop (client, MRE_BROKER_LOG_BAD_HANDSHAKE,
                       "its HELLO names a session that is not a string of 1 to 256 bytes");
          return FALSE;
        }
    }

  stop_handshake_timer (client);
  if (frame->name_len > 0)
    client->id = g_strndup (frame->name, frame->name_len);
  else
    client->id = g_strdup_printf ("peer-%u", ++self->next_peer);

  welcome = g_strdup_printf ("{\"protocol\":1,\"max_frame_size\":%u,\"broker\":\"mreventloop %s\","
                             "\"store\":\"%s\"}",
                             self->max_frame_size, MRE_VERSION_S, self->store_id);
  reply.type = MRE_FRAME_WELCOME;
  reply.time = g_get_real_time ();
  reply.name = client->id;
  reply.name_len = strlen (client->id);
  reply.body = (const guint8 *) welcome;
  reply.body_len = strlen (welcome);
  send_frame (client, &reply);

  mre_broker_client_welcomed (self, client->id);
  return TRUE;
}

static gboolean
pattern_is_valid (const char *pattern,
                  gsize       len)
{
  const char *star = memchr (pattern, '*', len);

  return len > 0 && (star == NULL || star == pattern + len - 1);
}

/* {name: position, …}: positions are integers, 0 or more. */
static gboolean
since_is_valid (JsonNode *since)
{
  JsonObjectIter iter;
  JsonNode *position;

  if (!JSON_NODE_HOLDS_OBJECT (since))
    return FALSE;
  json_object_iter_init (&iter, json_node_get_object (since));
  while (json_object_iter_next (&iter, NULL, &position))
    if (json_node_get_value_type (position) != G_TYPE_INT64 || json_node_get_int (position) < 0)
      return FALSE;
  return TRUE;
}

static void
handle_subscribe (MreBrokerClient *client,
                  const MreFrame  *frame)
{
  MreBroker *self = client->broker;
  g_autofree char *pattern = g_strndup (frame->name, frame->name_len);
  g_autofree char *sender = frame->sender_len > 0 ? g_strndup (frame->sender, frame->sender_len) : NULL;
  g_autoptr(JsonParser) parser = NULL;
  JsonObject *since = NULL;

  if (!pattern_is_valid (frame->name, frame->name_len))
    {
      send_error (client, frame, "invalid-name",
                  "A subscription is an event name, a prefix ending in “*”, or “*”");
      return;
    }

  if (frame->type == MRE_FRAME_SUBSCRIBE && self->max_subscriptions > 0 &&
      client->subs != NULL && client->subs->len >= self->max_subscriptions &&
      !mre_router_has_subscription (self->router, client, pattern, sender))
    {
      g_autofree char *message =
        g_strdup_printf ("A connection has at most %u subscriptions (max-subscriptions)",
                         self->max_subscriptions);
      send_error (client, frame, "too-many-subscriptions", message);
      return;
    }

  if (frame->type == MRE_FRAME_SUBSCRIBE && frame->body_len > 0)
    {
      JsonNode *root;
      JsonNode *member = NULL;

      parser = json_parser_new_immutable ();
      if (!json_parser_load_from_data (parser, (const char *) frame->body, frame->body_len, NULL) ||
          (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root) ||
          ((member = json_object_get_member (json_node_get_object (root), "since")) != NULL &&
           !since_is_valid (member)))
        {
          send_error (client, frame, "invalid-json",
                      "The body of a SUBSCRIBE is {\"store\": id, \"since\": {name: position, …}}");
          return;
        }
      /* Positions of another store do not compare with this one's. */
      if (member != NULL &&
          g_strcmp0 (json_object_get_string_member_with_default (json_node_get_object (root), "store", NULL),
                     self->store_id) == 0)
        since = json_node_get_object (member);
    }

  if (frame->type == MRE_FRAME_SUBSCRIBE)
    {
      /* The retained events go out before the ACK, and nothing is routed in
       * between: this all runs in one dispatch of the broker's context. */
      if (!mre_router_subscribe (self->router, client, pattern, sender, frame->arg, since))
        return;  /* the client was disconnected while replaying */
    }
  else
    mre_router_unsubscribe (self->router, client, pattern, sender);

  send_ack (client, MRE_FRAME_ACK, frame->arg, NULL);
}

static void
handle_publish (MreBrokerClient *client,
                const MreFrame  *frame)
{
  MreBroker *self = client->broker;
  g_autoptr(GError) error = NULL;

  if (frame->name_len == 0 || memchr (frame->name, '*', frame->name_len) != NULL)
    {
      send_error (client, frame, "invalid-name", "An event name is not empty and has no “*”");
      return;
    }
  if (!mre_json_check_notification (frame->body, frame->body_len, frame->name, frame->name_len, &error))
    {
      send_error (client, frame,
                  g_error_matches (error, MRE_ERROR, MRE_ERROR_PROTOCOL) ? "invalid-notification" : "invalid-json",
                  error->message);
      return;
    }

  self->stats.events_in++;
  client->events_in++;
  self->rate_events++;
  if ((frame->flags & MRE_FRAME_FLAG_PUSH) && !mre_broker_push_is_new (client, frame))
    return;
  mre_router_publish (self->router, frame, client->id);
}

static void
handle_stats (MreBrokerClient *client,
              const MreFrame  *frame)
{
  g_autoptr(JsonNode) stats = mre_broker_dup_stats (client->broker);
  g_autoptr(GString) body = g_string_new (NULL);

  mre_json_write (body, stats, NULL);
  send_ack (client, MRE_FRAME_STATS_REPLY, frame->arg, body->str);
}

static void
client_frame (MreConnection  *conn,
              const MreFrame *frame,
              gpointer        user_data)
{
  MreBrokerClient *client = user_data;

  if (client->closing)
    return;  /* dropped as slow: what it still sends is not read */
  if (client->id == NULL)
    {
      if (frame->type != MRE_FRAME_HELLO)
        {
          g_autofree char *reason = g_strdup_printf ("its first frame is %s, not HELLO",
                                                     mre_frame_type_name (frame->type));
          client_drop (client, MRE_BROKER_LOG_BAD_HANDSHAKE, reason);
          return;
        }
      handle_hello (client, frame);
      return;
    }

  /* A batch of events ends before any other frame. */
  if (frame->type != MRE_FRAME_PUBLISH)
    {
      mre_broker_end_batch (client->broker, client);
      if (mre_connection_is_closed (conn) || client->closing)
        return;  /* @client was dropped, and is freed or closing */
    }

  switch (frame->type)
    {
    case MRE_FRAME_PUBLISH:
      handle_publish (client, frame);
      break;
    case MRE_FRAME_SUBSCRIBE:
    case MRE_FRAME_UNSUBSCRIBE:
      handle_subscribe (client, frame);
      break;
    case MRE_FRAME_STATS:
      handle_stats (client, frame);
      break;
    case MRE_FRAME_SYNC:
      /* Every frame before it is handled, and the ERROR of any refused
       * one queued before this ACK. */
      send_ack (client, MRE_FRAME_ACK, frame->arg, NULL);
      break;
    default:
      send_error (client, frame, "unexpected",
                  "The broker does not take this type of frame from a peer");
      break;
    }
}

static void
client_reject (MreConnection  *conn,
               const MreFrame *frame,
               const GError   *error,
               gpointer        user_data)
{
  MreBrokerClient *client = user_data;
  const char *code = "invalid-frame";

  if (client->closing)
    return;
  if (client->id == NULL)
    {
      client_drop (client, MRE_BROKER_LOG_BAD_HANDSHAKE, error->message);
      return;
    }

  if (g_error_matches (error, MRE_ERROR, MRE_ERROR_FRAME_TOO_LARGE))
    code = "frame-too-large";
  else if (frame->type == 0 || frame->type > MRE_FRAME_LAST_TYPE)
    code = "unknown-type";
  else if (frame->flags & ~MRE_FRAME_FLAGS_ALL)
    code = "unknown-flags";
  else
    code = "invalid-name";

  send_error (client, frame, code, error->message);
}

static void
client_read_done (MreConnection *conn,
                  gpointer       user_data)
{
  MreBrokerClient *client = user_data;

  mre_broker_end_batch (client->broker, client->closing ? NULL : client);
}

/* No HELLO within handshake-timeout: the connection's slot is freed. */
static gboolean
handshake_timed_out (gpointer user_data)
{
  MreBrokerClient *client = user_data;
  MreBroker *self = client->broker;
  g_autofree char *message =
    g_strdup_printf ("No HELLO within %u s (handshake-timeout)", self->handshake_timeout);

  g_clear_pointer (&client->handshake_timer, g_source_unref);
  self->stats.handshake_timeouts++;
  /* Nothing is queued before the WELCOME: the ERROR is the only frame. */
  mre_broker_refuse_socket (mre_connection_get_socket (client->conn), "handshake-timeout", message);
  client_drop (client, MRE_BROKER_LOG_HANDSHAKE_TIMEOUT, message);
  return G_SOURCE_REMOVE;
}

MreBrokerClient *
mre_broker_client_new (MreBroker *self,
                       GSocket   *socket)
{
  MreBrokerClient *client = g_new0 (MreBrokerClient, 1);

  client->broker = self;
  client->conn = mre_connection_new (socket, self->context, self->max_frame_size,
                                     &client_funcs, client);
  mre_broker_client_flow_new (client);
  if (self->handshake_timeout > 0)
    {
      /* Not a _seconds source: that one may fire a quarter of a second
       * early. */
      client->handshake_timer =
        g_timeout_source_new (MIN (self->handshake_timeout, G_MAXUINT / 1000) * 1000);
      g_source_set_callback (client->handshake_timer, handshake_timed_out, client, NULL);
      g_source_set_static_name (client->handshake_timer, "MreBroker handshake timeout");
      g_source_attach (client->handshake_timer, self->context);
    }
  return client;
}
