/* mre-peer-publish.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <gobject/gvaluecollector.h>
#include <math.h>
#include <string.h>

#include "mre-error.h"
#include "mre-event-loop-private.h"
#include "mre-json-private.h"
#include "mre-peer-private.h"
#include "mre-signal-private.h"
#include "mre-value-codec-private.h"

/*
 * Publishing: the arguments become the JSON-RPC notification's params,
 * written straight to text for the common types (no JsonNode, no
 * JsonGenerator) and through the value codec for the others; the frame is
 * then queued on the connection, or kept while disconnected. A peer whose
 * context may not run soon writes it at once (writes_now()).
 */

#define MAX_VARARGS 32

static gboolean
check_name (const char  *name,
            GError     **error)
{
  gsize len = strlen (name);

  if (len == 0 || len > G_MAXUINT16 || memchr (name, '*', len) != NULL || !mre_utf8_validate (name, len))
    {
      g_set_error (error, MRE_ERROR, MRE_ERROR_PROTOCOL,
                   "“%s” is not an event name: names are UTF-8, not empty, and have no “*”", name);
      return FALSE;
    }
  return TRUE;
}

static gboolean
write_arg (GString       *out,
           const GValue  *value,
           GError       **error)
{
  g_autoptr(JsonNode) node = NULL;

  switch (G_VALUE_TYPE (value))
    {
    case G_TYPE_STRING:
      if (g_value_get_string (value) == NULL)
        {
          g_string_append (out, "null");
          return TRUE;
        }
      return mre_json_write_utf8 (out, g_value_get_string (value), error);
    case G_TYPE_INT:
      g_string_append_printf (out, "%d", g_value_get_int (value));
      return TRUE;
    case G_TYPE_UINT:
      g_string_append_printf (out, "%u", g_value_get_uint (value));
      return TRUE;
    case G_TYPE_INT64:
      g_string_append_printf (out, "%" G_GINT64_FORMAT, g_value_get_int64 (value));
      return TRUE;
    case G_TYPE_BOOLEAN:
      g_string_append (out, g_value_get_boolean (value) ? "true" : "false");
      return TRUE;
    case G_TYPE_DOUBLE:
      if (isfinite (g_value_get_double (value)))
        {
          mre_json_write_double (out, g_value_get_double (value));
          return TRUE;
        }
      break;  /* the codec says why not */
    default:
      break;
    }

  node = mre_value_codec_encode (value, error);
  return node != NULL && mre_json_write (out, node, error);
}

static GString *
body_begin (const char *name)
{
  GString *body = g_string_sized_new (128);

  g_string_append (body, "{\"jsonrpc\":\"2.0\",\"method\":");
  mre_json_write_string (body, name, strlen (name));
  g_string_append (body, ",\"params\":");
  return body;
}

/* Whether a publish is written to the socket in the publisher's call
 * rather than by the peer's context: when that context may not run soon.
 * A peer bound to a context, rather than on a loop of its own thread, is
 * driven by whoever iterates it, or by mre_peer_check() calls that may be
 * far apart; its events go out now, in order with the ones queued before
 * (mre_connection_write_now()). On the thread that iterates the context
 * they are left to it, to go out together in one write. */
static gboolean
writes_now (MrePeer *self)
{
  return !mre_event_loop_has_own_thread (self->loop) && !g_main_context_is_owner (self->context);
}

/* Queues a PUBLISH of @body: on the connection, or kept while there is
 * none. The sequence number is taken under the same lock, so that the
 * broker receives them in order. */
gboolean
mre_peer_queue_publish (MrePeer      *self,
                        const char   *name,
                        MreDelivery   delivery,
                        guint         backlog,
                        GString      *body,
                        GError      **error)
{
  g_autoptr(MreConnection) write_now = NULL;
  MreFrame frame = { 0 };
  gsize size;
  guint limit;
  gboolean ok = TRUE;

  frame.type = MRE_FRAME_PUBLISH;
  frame.flags = delivery == MRE_DELIVERY_PUSH ? MRE_FRAME_FLAG_PUSH : 0;
  frame.arg = delivery == MRE_DELIVERY_PUSH ? backlog : 0;
  frame.name = name;
  frame.name_len = strlen (name);
  frame.body = (const guint8 *) body->str;
  frame.body_len = body->len;

  size = mre_frame_size (&frame);
  limit = (guint) g_atomic_int_get (&self->frame_limit);
  if (size > limit)
    {
      if (limit < self->max_frame_size)
        g_set_error (error, MRE_ERROR, MRE_ERROR_FRAME_TOO_LARGE,
                     "Event “%s” is %" G_GSIZE_FORMAT " bytes, more than the broker takes: "
                     "its max-frame-size is %u bytes", name, size, limit);
      else
        g_set_error (error, MRE_ERROR, MRE_ERROR_FRAME_TOO_LARGE,
                     "Event “%s” is %" G_GSIZE_FORMAT " bytes, more than the peer's "
                     "max-frame-size, %u bytes", name, size, limit);
      return FALSE;
    }

  g_mutex_lock (&self->lock);
  if ((MrePeerState) g_atomic_int_get (&self->state) == MRE_PEER_STATE_CLOSED)
    {
      g_set_error (error, MRE_ERROR, MRE_ERROR_DISCONNECTED, "The peer is closed");
      ok = FALSE;
    }
  else if (self->conn != NULL &&
           mre_connection_get_queued_bytes (self->conn) + size > self->max_queued_bytes)
    {
      g_set_error (error, MRE_ERROR, MRE_ERROR_BUSY,
                   "The broker does not take events as fast as they are published "
                   "(%" G_GUINT64_FORMAT " bytes wait); call mre_peer_flush()",
                   mre_connection_get_queued_bytes (self->conn));
      ok = FALSE;
    }
  else
    {
      GBytes *push = NULL;
      gboolean sent;

      frame.seq = ++self->seq;
      frame.time = g_get_real_time ();

      /* A push is kept until the broker acknowledges it (mre-peer-durable.c).
       * A connection that just broke takes nothing: the event waits with
       * the others for the next one. */
      if (delivery == MRE_DELIVERY_PUSH)
        {
          gsize len;
          const guint8 *data;

          push = mre_frame_to_bytes (&frame);
          data = g_bytes_get_data (push, &len);
          sent = self->conn != NULL && mre_connection_queue_bytes (self->conn, data, len);
        }
      else if ((sent = self->conn != NULL && mre_connection_queue (self->conn, &frame)))
        self->yells_sent++;

      if (!sent && self->pending.length + self->unacked.length >= self->max_pending)
        {
          g_set_error (error, MRE_ERROR, MRE_ERROR_DISCONNECTED,
                       "Not connected to the broker, and %u events already wait for it",
                       self->pending.length + self->unacked.length);
          self->seq--;
          g_clear_pointer (&push, g_bytes_unref);
          ok = FALSE;
        }
      else if (push != NULL)
        g_queue_push_tail (&self->unacked, push);
      else if (!sent)
        g_queue_push_tail (&self->pending, mre_frame_to_bytes (&frame));

      if (sent && writes_now (self))
        write_now = mre_connection_ref (self->conn);
    }
  g_mutex_unlock (&self->lock);

  if (write_now != NULL)
    mre_connection_write_now (write_now);

  return ok;
}

/**
 * mre_peer_publishv:
 * @self: a peer
 * @name: the event's name
 * @delivery: %MRE_DELIVERY_YELL or %MRE_DELIVERY_PUSH
 * @backlog: for a push, how many events of @name the broker retains
 *   (this push's backlog governs the name's buffer from now on);
 *   %MRE_BACKLOG_UNBOUNDED for all of them. Ignored for a yell.
 * @args: (array length=n_args) (nullable): the arguments; %NULL when
 *   @n_args is 0
 * @n_args: the number of @args
 * @error: return location for a #GError
 *
 * Publishes an event to the peers subscribed to @name. The arguments
 * cross as JSON (see `docs/PROTOCOL.md`); an argument that cannot is
 * refused here, not mangled. Thread-safe; events published from one thread
 * reach every subscriber in order.
 *
 * While disconnected, up to [property@Mre.Peer:max-pending] events are kept
 * and sent once connected again. A yell already written towards a broker
 * that then dies without reading it is lost: a yell is delivered at most
 * once. A push is kept until the broker acknowledges it, sent again after
 * a reconnection, and stored by the broker once however often it is
 * sent: with a broker that keeps its store in a
 * [property@Mre.Broker:state-directory], each subscriber receives it
 * exactly once, across crashes of the broker (see "Durable push" in
 * `docs/PROTOCOL.md`).
 *
 * Returns: %TRUE if queued, or %FALSE with %MRE_ERROR_TYPE_MISMATCH (an
 *   argument that cannot cross), %MRE_ERROR_FRAME_TOO_LARGE,
 *   %MRE_ERROR_PROTOCOL (a bad name), %MRE_ERROR_DISCONNECTED (closed, or
 *   too many events wait for the broker) or %MRE_ERROR_BUSY (the broker
 *   does not read as fast: 64 MiB wait to be sent; [method@Mre.Peer.flush]
 *   waits for them)
 *
 * Since: 0.1
 */
gboolean
mre_peer_publishv (MrePeer       *self,
                   const char    *name,
                   MreDelivery    delivery,
                   guint          backlog,
                   const GValue  *args,
                   guint          n_args,
                   GError       **error)
{
  g_autoptr(GString) body = NULL;

  g_return_val_if_fail (MRE_IS_PEER (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (args != NULL || n_args == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_name (name, error))
    return FALSE;

  body = body_begin (name);
  g_string_append_c (body, '[');
  for (guint i = 0; i < n_args; i++)
    {
      g_autoptr(GError) arg_error = NULL;

      if (i > 0)
        g_string_append_c (body, ',');
      if (!write_arg (body, &args[i], &arg_error))
        {
          g_set_error (error, MRE_ERROR, MRE_ERROR_TYPE_MISMATCH,
                       "Argument %u of event “%s”: %s", i + 1, name, arg_error->message);
          return FALSE;
        }
    }
  g_string_append (body, "]}");

  return mre_peer_queue_publish (self, name, delivery, backlog, body, error);
}

static gboolean
publish_valist (MrePeer      *self,
                const char   *name,
                MreDelivery   delivery,
                guint         backlog,
                GError      **error,
                GType         first_type,
                va_list      *args)
{
  GValue values[MAX_VARARGS] = { G_VALUE_INIT };
  guint n = 0;
  gboolean ok = FALSE;

  for (GType type = first_type; type != G_TYPE_INVALID; type = va_arg (*args, GType))
    {
      g_autofree char *collect_error = NULL;

      if (n == MAX_VARARGS)
        {
          g_set_error (error, MRE_ERROR, MRE_ERROR_TYPE_MISMATCH,
                       "Event “%s”: more than %u arguments; use mre_peer_publishv()", name, MAX_VARARGS);
          goto out;
        }
      G_VALUE_COLLECT_INIT (&values[n], type, *args, G_VALUE_NOCOPY_CONTENTS, &collect_error);
      if (collect_error != NULL)
        {
          g_set_error (error, MRE_ERROR, MRE_ERROR_TYPE_MISMATCH,
                       "Argument %u of event “%s”: %s", n + 1, name, collect_error);
          goto out;
        }
      n++;
    }

  ok = mre_peer_publishv (self, name, delivery, backlog, values, n, error);

out:
  for (guint i = 0; i < n; i++)
    g_value_unset (&values[i]);
  return ok;
}

/**
 * mre_peer_yell: (skip)
 * @self: a peer
 * @name: the event's name
 * @error: return location for a #GError
 * @first_type: the type of the first argument, or %G_TYPE_INVALID for none
 * @...: its value, then type and value pairs, ending with %G_TYPE_INVALID
 *
 * Yells an event: only the peers subscribed now receive it.
 *
 * ```c
 * mre_peer_yell (peer, "produced", &error,
 *                G_TYPE_STRING, "some product", G_TYPE_INT, 3,
 *                G_TYPE_INVALID);
 * ```
 *
 * Returns: %TRUE if queued, or %FALSE as [method@Mre.Peer.publishv]
 *
 * Since: 0.1
 */
gboolean
mre_peer_yell (MrePeer     *self,
               const char  *name,
               GError     **error,
               GType        first_type,
               ...)
{
  va_list args;
  gboolean ok;

  g_return_val_if_fail (MRE_IS_PEER (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  va_start (args, first_type);
  ok = publish_valist (self, name, MRE_DELIVERY_YELL, 0, error, first_type, &args);
  va_end (args);

  return ok;
}

/**
 * mre_peer_push: (skip)
 * @self: a peer
 * @name: the event's name
 * @backlog: how many events of @name the broker retains, or
 *   %MRE_BACKLOG_UNBOUNDED
 * @error: return location for a #GError
 * @first_type: the type of the first argument, or %G_TYPE_INVALID for none
 * @...: its value, then type and value pairs, ending with %G_TYPE_INVALID
 *
 * Pushes an event: the subscribers receive it, and the broker retains it
 * for the peers that subscribe later. A backlog of 1 keeps the latest
 * value only. The push is kept until the broker acknowledges it, and sent
 * again after a reconnection; [method@Mre.Peer.flush] waits for the
 * acknowledgements.
 *
 * Returns: %TRUE if queued, or %FALSE as [method@Mre.Peer.publishv]
 *
 * Since: 0.1
 */
gboolean
mre_peer_push (MrePeer     *self,
               const char  *name,
               guint        backlog,
               GError     **error,
               GType        first_type,
               ...)
{
  va_list args;
  gboolean ok;

  g_return_val_if_fail (MRE_IS_PEER (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  va_start (args, first_type);
  ok = publish_valist (self, name, MRE_DELIVERY_PUSH, backlog, error, first_type, &args);
  va_end (args);

  return ok;
}

/**
 * mre_check_params_json:
 * @params_json: (array length=length) (element-type guint8): the arguments
 *   of an event as JSON text
 * @length: the length of @params_json in bytes, or -1 if it ends with a NUL
 * @error: return location for a #GError
 *
 * Checks @params_json as [method@Mre.Peer.publish_json] does before it
 * publishes: strict JSON (RFC 8259) in UTF-8, one array or object and
 * nothing after it but white space, nested shallowly enough for a broker.
 * Integers of any size and strings holding U+0000 pass: they are carried
 * as written. A program can check what a user typed before it connects to
 * anything, as `mreventloop emit` does. Runs on any thread.
 *
 * Returns: %TRUE, or %FALSE with %MRE_ERROR_TYPE_MISMATCH naming the
 *   problem, its line and column, and its byte offset
 *
 * Since: 0.1
 */
gboolean
mre_check_params_json (const char  *params_json,
                       gssize       length,
                       GError     **error)
{
  const guint8 *start, *end;

  g_return_val_if_fail (params_json != NULL || length == 0, FALSE);

  return mre_json_check_params ((const guint8 *) params_json,
                                length < 0 ? strlen (params_json) : (gsize) length,
                                &start, &end, error);
}

/**
 * mre_peer_publish_json:
 * @self: a peer
 * @name: the event's name
 * @delivery: %MRE_DELIVERY_YELL or %MRE_DELIVERY_PUSH
 * @backlog: for a push, the backlog (see [method@Mre.Peer.publishv])
 * @params_json: the arguments as JSON text: an array (positional) or an
 *   object (named)
 * @error: return location for a #GError
 *
 * Publishes an event whose arguments are given as JSON, as `mreventloop
 * emit` does. The text is checked and sent as it is, not rewritten:
 * integers of any size and strings holding U+0000 (`\u0000`) reach the
 * subscribers unchanged (see [method@Mre.Event.dup_params_json]).
 *
 * Returns: %TRUE if queued, or %FALSE with %MRE_ERROR_TYPE_MISMATCH if
 *   @params_json is not one JSON array or object (as
 *   [func@Mre.check_params_json] says), or as [method@Mre.Peer.publishv]
 *
 * Since: 0.1
 */
gboolean
mre_peer_publish_json (MrePeer      *self,
                       const char   *name,
                       MreDelivery   delivery,
                       guint         backlog,
                       const char   *params_json,
                       GError      **error)
{
  g_autoptr(GString) body = NULL;

  g_return_val_if_fail (MRE_IS_PEER (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (params_json != NULL, FALSE);

  body = mre_peer_notification_new (name, params_json, error);
  if (body == NULL)
    return FALSE;

  return mre_peer_queue_publish (self, name, delivery, backlog, body, error);
}

/* The JSON-RPC notification of the event @name with @params_json, both
 * checked, the params as given: json-glib would wrap integers past gint64
 * and cut strings at U+0000. */
GString *
mre_peer_notification_new (const char  *name,
                           const char  *params_json,
                           GError     **error)
{
  g_autoptr(GError) check_error = NULL;
  const guint8 *start, *end;
  GString *body;

  if (!check_name (name, error))
    return NULL;
  if (!mre_json_check_params ((const guint8 *) params_json, strlen (params_json),
                              &start, &end, &check_error))
    {
      g_set_error (error, MRE_ERROR, MRE_ERROR_TYPE_MISMATCH,
                   "The arguments of “%s”: %s", name, check_error->message);
      return NULL;
    }

  body = body_begin (name);
  g_string_append_len (body, (const char *) start, end - start);
  g_string_append_c (body, '}');
  return body;
}

/* Forwarding ----------------------------------------------------------------- */

typedef struct
{
  GClosure     closure;
  MrePeer     *peer;  /* watched: the closure is invalidated when it goes */
  char        *name;
  MreDelivery  delivery;
  guint        backlog;
} Forward;

static void
forward_marshal (GClosure     *closure,
                 GValue       *return_value,
                 guint         n_param_values,
                 const GValue *param_values,
                 gpointer      invocation_hint,
                 gpointer      marshal_data)
{
  Forward *forward = (Forward *) closure;
  g_autoptr(GError) error = NULL;

  if (!mre_peer_publishv (forward->peer, forward->name, forward->delivery, forward->backlog,
                          param_values + 1, n_param_values - 1, &error))
    g_message ("Cannot forward “%s” to the broker: %s", forward->name, error->message);
}

static void
forward_finalize (gpointer  data,
                  GClosure *closure)
{
  g_free (((Forward *) closure)->name);
}

/**
 * mre_peer_forward:
 * @self: a peer
 * @emitter: (type GObject): the object whose signal to forward
 * @detailed_signal: the signal, with an optional `::detail`
 * @name: (nullable): the event name to publish as, or %NULL for the
 *   signal's name
 * @delivery: %MRE_DELIVERY_YELL or %MRE_DELIVERY_PUSH
 * @backlog: for a push, the backlog (see [method@Mre.Peer.publishv])
 * @error: return location for a #GError
 *
 * Publishes each emission of @detailed_signal with its arguments:
 * MrEventLoop's `connect(consumer, 'request_product', peer.publish,
 * 'request_product')`. The signal's parameter types are checked now: one
 * that cannot cross processes is refused here. A publish that fails later
 * (say, too many events wait for a broker that is gone) is logged.
 *
 * Returns: the handler id (disconnect it with
 *   [func@GObject.signal_handler_disconnect]), or 0 with
 *   %MRE_ERROR_NO_SUCH_SIGNAL or %MRE_ERROR_TYPE_MISMATCH
 *
 * Since: 0.1
 */
gulong
mre_peer_forward (MrePeer      *self,
                  gpointer      emitter,
                  const char   *detailed_signal,
                  const char   *name,
                  MreDelivery   delivery,
                  guint         backlog,
                  GError      **error)
{
  GSignalQuery query;
  GQuark detail;
  Forward *forward;

  g_return_val_if_fail (MRE_IS_PEER (self), 0);
  g_return_val_if_fail (G_IS_OBJECT (emitter), 0);
  g_return_val_if_fail (detailed_signal != NULL, 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  if (!mre_signal_parse (emitter, detailed_signal, &query, &detail, error))
    return 0;
  if (name == NULL)
    name = query.signal_name;
  if (!check_name (name, error))
    return 0;

  for (guint i = 0; i < query.n_params; i++)
    {
      g_autoptr(GError) type_error = NULL;

      if (!mre_value_codec_supports (query.param_types[i] & ~G_SIGNAL_TYPE_STATIC_SCOPE, &type_error))
        {
          g_set_error (error, MRE_ERROR, MRE_ERROR_TYPE_MISMATCH,
                       "Cannot forward signal “%s” of %s: argument %u: %s", query.signal_name,
                       G_OBJECT_TYPE_NAME (emitter), i + 1, type_error->message);
          return 0;
        }
    }

  forward = (Forward *) g_closure_new_simple (sizeof (Forward), NULL);
  forward->peer = self;
  forward->name = g_strdup (name);
  forward->delivery = delivery;
  forward->backlog = backlog;
  g_closure_set_marshal (&forward->closure, forward_marshal);
  g_closure_add_finalize_notifier (&forward->closure, NULL, forward_finalize);
  g_object_watch_closure (G_OBJECT (self), &forward->closure);

  return g_signal_connect_closure_by_id (emitter, query.signal_id, detail, &forward->closure, FALSE);
}
