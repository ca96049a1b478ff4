/* mre-event.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "mre-error.h"
#include "mre-event-private.h"
#include "mre-json-private.h"
#include "mre-value-codec-private.h"

/**
 * MreEvent:
 *
 * An event received by an [class@Mre.Peer] from its broker: the name, the
 * publisher's id, its sequence number and time, and the arguments, kept as
 * the JSON text that crossed the socket and parsed on first use.
 *
 * The peer emits [signal@Mre.Peer::event] with it. A named slot connected
 * to that signal with [func@Mre.connect] gets the arguments decoded to its
 * own parameter types instead.
 *
 * Immutable once received, and so safe to share between threads.
 *
 * Since: 0.1
 */
struct _MreEvent
{
  gatomicrefcount ref_count;
  guint64         seq;
  gint64          time;
  guint8          flags;
  int             parse_lock;  /* g_bit_lock() bit 0, for the lazy parse */
  gboolean        lossy;       /* once parsed: whether json-glib changed a token */
  JsonNode       *params;      /* once parsed */
  GError         *parse_error; /* once parsed, if it failed */
  char           *name;        /* these three point into the same block */
  char           *sender;
  guint8         *body;
  gsize           body_len;
};

G_DEFINE_BOXED_TYPE (MreEvent, mre_event, mre_event_ref, mre_event_unref)

/* One allocation: the struct, then name, sender and body. */
MreEvent *
mre_event_new_from_frame (const MreFrame *frame)
{
  gsize size = sizeof (MreEvent) + frame->name_len + 1 + frame->sender_len + 1 + frame->body_len;
  MreEvent *self = g_malloc (size);
  char *p = (char *) (self + 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->seq = frame->seq;
  self->time = frame->time;
  self->flags = frame->flags;
  self->parse_lock = 0;
  self->lossy = FALSE;
  self->params = NULL;
  self->parse_error = NULL;

  self->name = p;
  memcpy (p, frame->name, frame->name_len);
  p[frame->name_len] = '\0';
  p += frame->name_len + 1;

  self->sender = p;
  memcpy (p, frame->sender, frame->sender_len);
  p[frame->sender_len] = '\0';
  p += frame->sender_len + 1;

  self->body = (guint8 *) p;
  self->body_len = frame->body_len;
  memcpy (p, frame->body, frame->body_len);

  return self;
}

/**
 * mre_event_ref:
 * @self: an event
 *
 * Acquires a reference on @self.
 *
 * Returns: (transfer full): @self
 *
 * Since: 0.1
 */
MreEvent *
mre_event_ref (MreEvent *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

/**
 * mre_event_unref:
 * @self: (transfer full): an event
 *
 * Releases a reference on @self; the last one frees it.
 *
 * Since: 0.1
 */
void
mre_event_unref (MreEvent *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  g_clear_pointer (&self->params, json_node_unref);
  g_clear_error (&self->parse_error);
  g_free (self);
}

/**
 * mre_event_get_name:
 * @self: an event
 *
 * Gets the event's name, as published.
 *
 * Returns: the event's name
 *
 * Since: 0.1
 */
const char *
mre_event_get_name (MreEvent *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->name;
}

/**
 * mre_event_get_sender:
 * @self: an event
 *
 * Gets the id of the peer that published the event, set by the broker.
 *
 * Returns: the id of the peer that published the event
 *
 * Since: 0.1
 */
const char *
mre_event_get_sender (MreEvent *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->sender;
}

/**
 * mre_event_get_seq:
 * @self: an event
 *
 * Gets the sequence number of the event. For a yell, the publisher's: 1
 * for its first event, one more for each event it published after. For a
 * push, its position in the broker's store: one counter for every name,
 * growing, kept across restarts of a broker with a
 * [property@Mre.Broker:state-directory].
 *
 * Returns: the sequence number of the event
 *
 * Since: 0.1
 */
guint64
mre_event_get_seq (MreEvent *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->seq;
}

/**
 * mre_event_get_time:
 * @self: an event
 *
 * Gets the time the event was published.
 *
 * Returns: when the event was published, in microseconds since the Unix
 *   epoch ([func@GLib.get_real_time] of the publisher)
 *
 * Since: 0.1
 */
gint64
mre_event_get_time (MreEvent *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->time;
}

/**
 * mre_event_get_pushed:
 * @self: an event
 *
 * Gets whether the event was pushed or yelled.
 *
 * Returns: %TRUE if the event was pushed (%MRE_DELIVERY_PUSH), %FALSE if
 *   it was yelled
 *
 * Since: 0.1
 */
gboolean
mre_event_get_pushed (MreEvent *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return (self->flags & MRE_FRAME_FLAG_PUSH) != 0;
}

/**
 * mre_event_get_retained:
 * @self: an event
 *
 * Gets whether the event was replayed from the broker's backlog.
 *
 * Returns: %TRUE if the broker replayed the event from its retained
 *   backlog when the peer subscribed, %FALSE for a live event
 *
 * Since: 0.1
 */
gboolean
mre_event_get_retained (MreEvent *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return (self->flags & MRE_FRAME_FLAG_RETAINED) != 0;
}

guint8
mre_event_get_frame_flags (MreEvent *self)
{
  return self->flags;
}

/**
 * mre_event_get_body:
 * @self: an event
 *
 * The event as it crossed the socket: a JSON-RPC 2.0 notification
 * (`{"jsonrpc": "2.0", "method": NAME, "params": [...]}`).
 *
 * Returns: (transfer full): the JSON text, UTF-8, not NUL-terminated
 *
 * Since: 0.1
 */
GBytes *
mre_event_get_body (MreEvent *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return g_bytes_new_with_free_func (self->body, self->body_len,
                                     (GDestroyNotify) mre_event_unref,
                                     mre_event_ref (self));
}

static JsonNode *
parse_params (MreEvent  *self,
              GError   **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) local_error = NULL;
  JsonObject *object;
  JsonNode *params;

  if (!json_parser_load_from_data (parser, (const char *) self->body, self->body_len, &local_error))
    {
      g_set_error (error, MRE_ERROR, MRE_ERROR_INVALID_FRAME,
                   "Event “%s” from “%s”: the body is not JSON: %s",
                   self->name, self->sender, local_error->message);
      return NULL;
    }

  object = JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser))
           ? json_node_get_object (json_parser_get_root (parser)) : NULL;
  params = object != NULL ? json_object_get_member (object, "params") : NULL;

  if (object == NULL)
    {
      g_set_error (error, MRE_ERROR, MRE_ERROR_INVALID_FRAME,
                   "Event “%s” from “%s”: the body is not a JSON-RPC notification",
                   self->name, self->sender);
      return NULL;
    }
  if (params == NULL)
    return json_node_init_array (json_node_alloc (), json_array_new ());
  if (!JSON_NODE_HOLDS_ARRAY (params) && !JSON_NODE_HOLDS_OBJECT (params))
    {
      g_set_error (error, MRE_ERROR, MRE_ERROR_INVALID_FRAME,
                   "Event “%s” from “%s”: “params” is neither an array nor an object",
                   self->name, self->sender);
      return NULL;
    }

  return json_node_ref (params);
}

/* json-glib's parse of the params, and whether json-glib changed a token
 * of the body on the way (then mre_json_find_loss() says which). */
static JsonNode *
get_parsed_params (MreEvent  *self,
                   gboolean  *lossy,
                   GError   **error)
{
  JsonNode *params;

  g_bit_lock (&self->parse_lock, 0);
  if (self->params == NULL && self->parse_error == NULL)
    {
      MreJsonLoss loss;

      self->params = parse_params (self, &self->parse_error);
      /* Only here, off the fast path: one more pass, cheaper than the parse. */
      if (self->params != NULL)
        self->lossy = mre_json_find_loss (self->body, self->body_len, &loss);
    }
  params = self->params;
  *lossy = self->lossy;
  if (params == NULL)
    g_propagate_error (error, g_error_copy (self->parse_error));
  g_bit_unlock (&self->parse_lock, 0);

  return params;
}

/* Where the params are in the body: @start is NULL if there are none. */
static gboolean
find_params (MreEvent      *self,
             const guint8 **start,
             const guint8 **end,
             gboolean      *nul_key,
             GError       **error)
{
  g_autoptr(GError) local_error = NULL;

  if (mre_json_find_member (self->body, self->body_len, "params", start, end, nul_key, &local_error))
    return TRUE;

  local_error->message[0] = g_ascii_tolower (local_error->message[0]);
  g_set_error (error, MRE_ERROR, MRE_ERROR_INVALID_FRAME, "Event “%s” from “%s”: %s",
               self->name, self->sender, local_error->message);
  return FALSE;
}

/* For an event whose body json-glib changed: the token it changed in
 * argument @index (from 0), or in all of them if @index is G_MAXUINT. A
 * member name holding U+0000 counts for every argument: json-glib may have
 * taken its member for the params. */
static gboolean
find_arg_loss (MreEvent    *self,
               guint        index,
               MreJsonLoss *loss)
{
  const guint8 *start, *end, *p;
  gboolean nul_key;

  memset (loss, 0, sizeof *loss);
  if (!find_params (self, &start, &end, &nul_key, NULL) || nul_key)
    {
      if (!mre_json_find_loss (self->body, self->body_len, loss))
        return FALSE;
      loss->whole = FALSE;
      return TRUE;
    }
  if (start == NULL)
    return FALSE;
  if (index == G_MAXUINT || *start != '[')
    {
      if (!mre_json_find_loss (start, end - start, loss))
        return FALSE;
      loss->whole = FALSE;
      return TRUE;
    }

  /* The elements: values separated by commas and whitespace. */
  p = start + 1;
  for (guint i = 0; p < end; i++)
    {
      const guint8 *value_end;

      while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')
        p++;
      value_end = mre_json_skip_value (p, end);
      if (value_end == NULL)
        return FALSE;
      if (i == index)
        return mre_json_find_loss (p, value_end - p, loss);
      p = value_end;
      while (p < end && *p != ',')
        p++;
      p++;
    }
  return FALSE;
}

/**
 * mre_event_get_params:
 * @self: an event
 * @error: return location for a #GError
 *
 * The event's arguments: a JSON array of the positional arguments, or a
 * JSON object of the named ones. The body is parsed on the first call.
 *
 * A #JsonNode cannot hold every value JSON allows: json-glib wraps an
 * integer past the range of a #gint64 and cuts a string at U+0000
 * (`\u0000`). Arguments holding such a value are refused rather than
 * changed; [method@Mre.Event.dup_params_json] gives them as they are.
 *
 * Returns: (transfer none): the arguments, or %NULL with
 *   %MRE_ERROR_INVALID_FRAME if the body is not a JSON-RPC notification,
 *   or %MRE_ERROR_TYPE_MISMATCH if the arguments hold a value a #JsonNode
 *   cannot hold
 *
 * Since: 0.1
 */
JsonNode *
mre_event_get_params (MreEvent  *self,
                      GError   **error)
{
  JsonNode *params;
  gboolean lossy;
  MreJsonLoss loss;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  params = get_parsed_params (self, &lossy, error);
  if (params != NULL && lossy && find_arg_loss (self, G_MAXUINT, &loss))
    {
      g_autofree char *what = mre_value_codec_describe_loss (&loss);

      g_set_error (error, MRE_ERROR, MRE_ERROR_TYPE_MISMATCH,
                   "Event “%s” from “%s”: the arguments hold %s, which a JsonNode cannot hold; "
                   "mre_event_dup_params_json() gives them as they are",
                   self->name, self->sender, what);
      return NULL;
    }

  return params;
}

/**
 * mre_event_dup_params_json:
 * @self: an event
 * @error: return location for a #GError
 *
 * The event's arguments as JSON text on one line, as `mreventloop
 * monitor` prints them: the `params` of the body exactly as received,
 * every token byte for byte, only the whitespace between tokens dropped
 * (`[]` if the body has none). Integers of any size and strings holding
 * U+0000 come out as they went in.
 *
 * Returns: (transfer full): the arguments as JSON text, or %NULL with
 *   %MRE_ERROR_INVALID_FRAME
 *
 * Since: 0.1
 */
char *
mre_event_dup_params_json (MreEvent  *self,
                           GError   **error)
{
  const guint8 *start, *end;
  GString *out;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!find_params (self, &start, &end, NULL, error))
    return NULL;
  if (start == NULL)
    return g_strdup ("[]");
  if (*start != '[' && *start != '{')
    {
      g_set_error (error, MRE_ERROR, MRE_ERROR_INVALID_FRAME,
                   "Event “%s” from “%s”: “params” is neither an array nor an object",
                   self->name, self->sender);
      return NULL;
    }

  out = g_string_sized_new (end - start);
  mre_json_append_compact (out, start, end);
  return g_string_free (out, FALSE);
}

/**
 * mre_event_get_args: (skip)
 * @self: an event
 * @types: (array length=n_types): the types to decode the arguments to
 * @n_types: the number of @types
 * @values: (array length=n_types) (out caller-allocates): @n_types
 *   zero-filled #GValues, initialized on success
 * @error: return location for a #GError
 *
 * Decodes the event's positional arguments to @types, as a slot connected
 * to [signal@Mre.Peer::event] gets them. The event must carry exactly
 * @n_types arguments. Named arguments decode only to a single parameter of
 * type #JsonNode, which gets the whole object. A value the type cannot
 * hold is refused, never wrapped or cut: an integer past the type's range
 * (an integer past #gint64 decodes only into #guint64, #gulong, or a
 * #gdouble that holds it exactly), a string holding U+0000 into a
 * NUL-terminated string, either of them into a #JsonNode.
 *
 * Not available to language bindings: GObject-Introspection cannot
 * describe a caller-allocated array whose length is an input. From Python
 * or JavaScript, call [method@Mre.Event.dup_arg] for each argument,
 * connect [signal@Mre.Peer::event] to a named slot with
 * [func@Mre.connect] (the slot's parameter types decode the arguments),
 * or read [method@Mre.Event.get_params].
 *
 * Returns: %TRUE with @values set, or %FALSE with %MRE_ERROR_TYPE_MISMATCH
 *   or %MRE_ERROR_INVALID_FRAME and @values untouched
 *
 * Since: 0.1
 */
gboolean
mre_event_get_args (MreEvent     *self,
                    const GType  *types,
                    guint         n_types,
                    GValue       *values,
                    GError      **error)
{
  JsonNode *params;
  JsonArray *array;
  gboolean lossy;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (types != NULL || n_types == 0, FALSE);
  g_return_val_if_fail (values != NULL || n_types == 0, FALSE);

  switch (mre_json_fast_decode_params (self->body, self->body_len, types, n_types, values, error))
    {
    case MRE_JSON_FAST_DONE:
      return TRUE;
    case MRE_JSON_FAST_FAILED:
      return FALSE;
    case MRE_JSON_FAST_GIVE_UP:
    default:
      break;
    }

  params = get_parsed_params (self, &lossy, error);
  if (params == NULL)
    return FALSE;

  if (JSON_NODE_HOLDS_OBJECT (params))
    {
      MreJsonLoss loss;

      if (n_types == 1 && types[0] == JSON_TYPE_NODE && lossy && find_arg_loss (self, G_MAXUINT, &loss))
        return mre_value_codec_decode_arg (params, &loss, types[0], 0, &values[0], error);
      if (n_types == 1 && types[0] == JSON_TYPE_NODE)
        {
          g_value_init (&values[0], JSON_TYPE_NODE);
          g_value_set_boxed (&values[0], params);
          return TRUE;
        }
      g_set_error (error, MRE_ERROR, MRE_ERROR_TYPE_MISMATCH,
                   "Event “%s” carries named arguments; they decode only to one JsonNode parameter",
                   self->name);
      return FALSE;
    }

  if (json_array_get_length (json_node_get_array (params)) != n_types)
    {
      g_set_error (error, MRE_ERROR, MRE_ERROR_TYPE_MISMATCH,
                   "Event “%s” carries %u arguments, %u expected", self->name,
                   json_array_get_length (json_node_get_array (params)), n_types);
      return FALSE;
    }

  if (!lossy)
    return mre_value_codec_decode_array (params, types, n_types, values, error);

  /* Each argument json-glib changed is decoded from the text, or refused. */
  array = json_node_get_array (params);
  for (guint i = 0; i < n_types; i++)
    {
      MreJsonLoss loss;
      gboolean has_loss = find_arg_loss (self, i, &loss);

      if (mre_value_codec_decode_arg (json_array_get_element (array, i), has_loss ? &loss : NULL,
                                      types[i], i, &values[i], error))
        continue;
      while (i-- > 0)
        g_value_unset (&values[i]);
      return FALSE;
    }
  return TRUE;
}

/**
 * mre_event_dup_arg:
 * @self: an event
 * @index: the position of the argument, from 0
 * @type: the type to decode it to
 * @error: return location for a #GError
 *
 * Decodes one positional argument of the event to @type, with the rules of
 * [func@Mre.connect]'s slots (see `docs/PROTOCOL.md`): the form of
 * [method@Mre.Event.get_args] that bindings can call.
 *
 * Returns: (transfer full): a new #GValue of type @type, or %NULL with
 *   %MRE_ERROR_TYPE_MISMATCH (no such argument, named arguments, or a value
 *   that does not fit @type, as [method@Mre.Event.get_args] says; the
 *   message names the argument) or %MRE_ERROR_INVALID_FRAME
 *
 * Since: 0.1
 */
GValue *
mre_event_dup_arg (MreEvent  *self,
                   guint      index,
                   GType      type,
                   GError   **error)
{
  JsonNode *params;
  GValue *value;
  gboolean lossy;
  MreJsonLoss loss;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  params = get_parsed_params (self, &lossy, error);
  if (params == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_ARRAY (params) || index >= json_array_get_length (json_node_get_array (params)))
    {
      g_set_error (error, MRE_ERROR, MRE_ERROR_TYPE_MISMATCH,
                   "Event “%s” has no positional argument %u", self->name, index);
      return NULL;
    }

  value = g_new0 (GValue, 1);
  if (!mre_value_codec_decode_arg (json_array_get_element (json_node_get_array (params), index),
                                   lossy && find_arg_loss (self, index, &loss) ? &loss : NULL,
                                   type, index, value, error))
    {
      g_free (value);
      return NULL;
    }
  return value;
}
