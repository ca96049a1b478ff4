/* mre-peer-local.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "mre-event-private.h"
#include "mre-peer-private.h"

/*
 * Events triggered locally (elegant_events' locally_trigger): made here as
 * the connection makes the ones it receives, and handed to the peer's
 * context, where mre_peer_emit_event() takes them as it takes those.
 */

typedef struct
{
  MrePeer  *peer;
  MreEvent *event;
} LocalEvent;

static void
local_event_free (gpointer data)
{
  LocalEvent *local = data;

  g_object_unref (local->peer);
  mre_event_unref (local->event);
  g_free (local);
}

static gboolean
emit_local_event (gpointer data)
{
  LocalEvent *local = data;

  /* As mre-peer-connection.c does: no handler can be connected to the
   * detail of a name that has no quark yet. */
  mre_peer_emit_event (local->peer, g_quark_try_string (mre_event_get_name (local->event)),
                       local->event);
  return G_SOURCE_REMOVE;
}

/**
 * mre_peer_trigger_locally:
 * @self: a started peer
 * @name: the event's name
 * @params_json: the arguments as JSON text: an array (positional) or an
 *   object (named), as for [method@Mre.Peer.publish_json]
 * @time: when the event happened, in microseconds since the Unix epoch
 *   (as [method@Mre.Event.get_time] gives it), or 0 for now
 * @error: return location for a #GError
 *
 * Delivers an event to this process only, as if the broker had sent it
 * (elegant_events' `locally_trigger`): [signal@Mre.Peer::event] is emitted
 * with it, detailed by @name, and so every handler, slot, wait and tracker
 * of this peer for @name gets it, whether or not the peer subscribed to
 * @name. Nothing is sent to the broker: no other peer hears of it.
 *
 * The event's sender is this peer's id, its sequence number 0; it is
 * neither pushed nor retained.
 *
 * Thread-safe. The event is emitted later on the peer's context, never
 * inside this call, and after the events triggered before it from the same
 * thread. A peer driven by [method@Mre.Peer.check] emits it at the next
 * check.
 *
 * Returns: %TRUE if the event was queued for emission, or %FALSE with
 *   %MRE_ERROR_PROTOCOL (not an event name), %MRE_ERROR_TYPE_MISMATCH
 *   (@params_json is not one JSON array or object) or
 *   %G_IO_ERROR_NOT_INITIALIZED (the peer was never started, so it has no
 *   loop to emit on yet)
 *
 * Since: 0.1
 */
gboolean
mre_peer_trigger_locally (MrePeer     *self,
                          const char  *name,
                          const char  *params_json,
                          gint64       time,
                          GError     **error)
{
  g_autoptr(GString) body = NULL;
  g_autoptr(GSource) source = NULL;
  const char *sender;
  MreFrame frame = { 0 };
  LocalEvent *local;

  g_return_val_if_fail (MRE_IS_PEER (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (params_json != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* The JSON-RPC notification a publisher would have sent. */
  body = mre_peer_notification_new (name, params_json, error);
  if (body == NULL)
    return FALSE;

  /* The context is set once, when the peer starts. */
  if (self->context == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
                   "Cannot trigger “%s”: the peer was never started, so it has no loop "
                   "to emit on yet", name);
      return FALSE;
    }

  sender = self->id != NULL ? self->id : "";
  frame.type = MRE_FRAME_EVENT;
  frame.time = time != 0 ? time : g_get_real_time ();
  frame.name = name;
  frame.name_len = strlen (name);
  frame.sender = sender;
  frame.sender_len = MIN (strlen (sender), G_MAXUINT16);
  frame.body = (const guint8 *) body->str;
  frame.body_len = body->len;

  local = g_new0 (LocalEvent, 1);
  local->peer = g_object_ref (self);
  local->event = mre_event_new_from_frame (&frame);

  /* One idle source each: sources of one priority are dispatched in the
   * order they were attached. */
  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, emit_local_event, local, local_event_free);
  g_source_set_static_name (source, "MrePeer local event");
  g_source_attach (source, self->context);

  return TRUE;
}
