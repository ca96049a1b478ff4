/* mre-connect.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "mre-connect.h"
#include "mre-emission-private.h"
#include "mre-error.h"
#include "mre-event-private.h"
#include "mre-signal-private.h"
#include "mre-slot-private.h"
#include "mre-value-codec-private.h"

/*
 * A queued connection is a GClosure of our own (Conn) connected to the
 * emitter like any handler. Its marshaller copies the emission and queues
 * it on the target's loop; nothing of the slot runs in the emitter's stack.
 *
 * Kept emissions (mre_keep_track_of) are recorded by a Tracker, an
 * emission hook: hooks are not handlers, so mre_disconnect() leaves them
 * alone. A connection made while a tracker runs is delivered by the
 * tracker's hook, under the lock that also guards the history, and not by
 * its own handler: GLib skips handlers connected after an emission began,
 * but that emission's hook has not run yet, so only the hook can hand each
 * emission to the replay or to the live path exactly once.
 *
 * A signal may name another one for queued connections to take (see
 * mre_signal_set_queued_source(): MrePeer::event takes the events from
 * MrePeer::received, on the peer's thread); everything here connects to
 * that one, and mre_disconnect() finds them there by their closures' data.
 */

typedef struct _Tracker Tracker;

/* What a connection to a named slot shares with the target's weak
 * reference notify, which may run on any thread. */
typedef struct
{
  gatomicrefcount ref_count;
  GMutex          lock;
  GWeakRef        emitter;
  GWeakRef        target;
  GClosure       *closure;  /* NULL once finalized; under lock */
} TargetWatch;

typedef struct
{
  GClosure            closure;
  MreConnectFlags     flags;
  int                 fired;  /* atomic, for MRE_CONNECT_ONCE */
  guint               signal_id;
  GQuark              detail;

  /* A connection to a named slot... */
  const MreSlotInfo  *slot;
  TargetWatch        *watch;
  gboolean            decode;  /* MrePeer::event: the slot gets the event's arguments */
  gboolean            skip_retained;  /* FUTURE_ONLY, on a signal carrying one MreEvent */

  /* ...or to a closure queued on a loop. */
  MreEventLoop       *loop;
  GClosure           *user_closure;
  gpointer            emitter;      /* for mre_disconnect_by_func(); under conns_lock */
  GCallback           callback;
  gpointer            user_data;
  GDestroyNotify      destroy;
  gulong              handler_id;

  /* Set when the connection is delivered by a tracker's hook. */
  Tracker            *tracker;
} Conn;

struct _Tracker
{
  gatomicrefcount ref_count;
  GMutex          lock;
  gpointer        emitter;   /* not owned: the tracker lives in its qdata */
  guint           signal_id;
  GQuark          detail;
  gulong          hook_id;
  guint           max_size;  /* 0 means unbounded */
  int             stopped;   /* atomic: its connections fall back to their handlers */
  GQueue          history;   /* MreEmission, oldest first */
  GPtrArray      *conns;     /* Conn delivered by the hook, a closure reference each */
};

/* The data of every Conn closure: what tells them from other handlers. */
static const char conn_marker;

/* Callback connections by emitter, for mre_disconnect_by_func(). */
static GMutex conns_lock;
static GHashTable *conns_by_emitter;  /* emitter -> GPtrArray of Conn */

static GQuark
mre_trackers_quark (void)
{
  static gsize quark;

  if (g_once_init_enter (&quark))
    g_once_init_leave (&quark, g_quark_from_static_string ("mre-trackers"));

  return quark;
}

static TargetWatch *
target_watch_ref (TargetWatch *watch)
{
  g_atomic_ref_count_inc (&watch->ref_count);
  return watch;
}

static void
target_watch_unref (TargetWatch *watch)
{
  if (g_atomic_ref_count_dec (&watch->ref_count))
    {
      g_weak_ref_clear (&watch->emitter);
      g_weak_ref_clear (&watch->target);
      g_mutex_clear (&watch->lock);
      g_free (watch);
    }
}

/* The target is being finalized: drop its connection. */
static void
target_gone (gpointer  data,
             GObject  *where_the_object_was)
{
  TargetWatch *watch = data;
  g_autoptr(GObject) emitter = g_weak_ref_get (&watch->emitter);
  GClosure *closure;

  g_mutex_lock (&watch->lock);
  closure = watch->closure;
  g_mutex_unlock (&watch->lock);

  if (emitter != NULL && closure != NULL)
    g_signal_handlers_disconnect_matched (emitter, G_SIGNAL_MATCH_CLOSURE,
                                          0, 0, closure, NULL, NULL);

  target_watch_unref (watch);
}

static Tracker *
tracker_ref (Tracker *tracker)
{
  g_atomic_ref_count_inc (&tracker->ref_count);
  return tracker;
}

static void
tracker_unref (gpointer data)
{
  Tracker *tracker = data;

  if (g_atomic_ref_count_dec (&tracker->ref_count))
    {
      g_queue_clear_full (&tracker->history, (GDestroyNotify) mre_emission_unref);
      g_ptr_array_unref (tracker->conns);
      g_mutex_clear (&tracker->lock);
      g_free (tracker);
    }
}

static void
conn_deliver (Conn         *conn,
              guint         n_values,
              const GValue *values,
              MreEmission  *emission);

static void
conn_finalize (gpointer  data,
               GClosure *closure)
{
  Conn *conn = (Conn *) closure;

  if (conn->watch != NULL)
    {
      g_autoptr(GObject) target = NULL;

      g_mutex_lock (&conn->watch->lock);
      conn->watch->closure = NULL;
      g_mutex_unlock (&conn->watch->lock);

      /* A live target still holds the watch's weak reference; a dying
       * one calls target_gone(), which drops the reference itself. */
      target = g_weak_ref_get (&conn->watch->target);
      if (target != NULL)
        {
          g_object_weak_unref (target, target_gone, conn->watch);
          target_watch_unref (conn->watch);
        }
      target_watch_unref (conn->watch);
    }

  if (conn->callback != NULL)
    {
      g_mutex_lock (&conns_lock);
      if (conn->emitter != NULL)
        {
          GPtrArray *conns = g_hash_table_lookup (conns_by_emitter, conn->emitter);

          g_ptr_array_remove_fast (conns, conn);
          if (conns->len == 0)
            g_hash_table_remove (conns_by_emitter, conn->emitter);
        }
      g_mutex_unlock (&conns_lock);
    }

  g_clear_pointer (&conn->user_closure, g_closure_unref);
  if (conn->destroy != NULL)
    conn->destroy (conn->user_data);
  g_clear_object (&conn->loop);
  g_clear_pointer (&conn->tracker, tracker_unref);
}

/* FALSE if a once connection has fired already. */
static gboolean
conn_take_turn (Conn *conn)
{
  return !(conn->flags & MRE_CONNECT_ONCE) ||
         g_atomic_int_compare_and_exchange (&conn->fired, FALSE, TRUE);
}

static void
conn_drop (Conn     *conn,
           gpointer  emitter)
{
  g_signal_handlers_disconnect_matched (emitter, G_SIGNAL_MATCH_CLOSURE,
                                        0, 0, &conn->closure, NULL, NULL);
}

static void
conn_marshal (GClosure     *closure,
              GValue       *return_value,
              guint         n_param_values,
              const GValue *param_values,
              gpointer      invocation_hint,
              gpointer      marshal_data)
{
  Conn *conn = (Conn *) closure;

  if (conn->tracker != NULL && !g_atomic_int_get (&conn->tracker->stopped))
    return;

  /* A retained event the broker replays was published before. */
  if (conn->skip_retained && mre_event_get_retained (g_value_get_boxed (&param_values[1])))
    return;

  if (!conn_take_turn (conn))
    return;

  conn_deliver (conn, n_param_values, param_values, NULL);

  if (conn->flags & MRE_CONNECT_ONCE)
    conn_drop (conn, g_value_get_object (&param_values[0]));
}

/* Holds the connection, and so the user's closure and data, until the
 * call ran. */
typedef struct
{
  Conn        *conn;
  MreEmission *emission;
} ClosureCall;

static void
closure_call_free (gpointer data)
{
  ClosureCall *call = data;

  g_closure_unref (&call->conn->closure);
  mre_emission_unref (call->emission);
  g_free (call);
}

static gboolean
closure_call_run (gpointer   data,
                  GError   **error)
{
  ClosureCall *call = data;

  g_closure_invoke (call->conn->user_closure, NULL, call->emission->n_values,
                    call->emission->values, NULL);
  return TRUE;
}

/* An event from another process, for a slot that takes its arguments:
 * decoded to the slot's types here, on the peer's loop. An event that does
 * not fit is logged and not delivered. */
static void
queue_decoded (const MreSlotInfo *slot,
               GObject           *target,
               MreEvent          *event)
{
  g_autoptr(GError) error = NULL;
  GValue values[MRE_EVENT_MAX_DECODED] = { G_VALUE_INIT };
  guint n_types;
  const GType *types = mre_slot_get_param_types (slot, &n_types);

  if (!mre_event_get_args (event, types, n_types, values, &error))
    {
      g_message ("Event “%s” from “%s” not delivered to %s: %s", mre_event_get_name (event),
                 mre_event_get_sender (event), G_OBJECT_TYPE_NAME (target), error->message);
      g_object_unref (target);
      return;
    }
  mre_slot_queue (slot, target, n_types, values);
  for (guint i = 0; i < n_types; i++)
    g_value_unset (&values[i]);
}

/* Queues one emission, given by its values (the instance first) and, if
 * there is one already, as an MreEmission to share. */
static void
conn_deliver (Conn         *conn,
              guint         n_values,
              const GValue *values,
              MreEmission  *emission)
{
  if (conn->slot != NULL)
    {
      GObject *target = g_weak_ref_get (&conn->watch->target);

      /* A finalized target is never called. A slot gets no instance. */
      if (target != NULL && conn->decode)
        queue_decoded (conn->slot, target, g_value_get_boxed (&values[1]));
      else if (target != NULL)
        mre_slot_queue (conn->slot, target, n_values - 1, values + 1);
    }
  else
    {
      ClosureCall *call = g_new (ClosureCall, 1);
      GSignalInvocationHint *hint;

      if (emission != NULL)
        call->emission = mre_emission_ref (emission);
      else
        {
          hint = g_signal_get_invocation_hint (g_value_peek_pointer (&values[0]));
          call->emission = mre_emission_new (hint->signal_id, hint->detail, n_values, values);
        }
      g_closure_ref (&conn->closure);
      call->conn = conn;
      mre_event_loop_invoke (conn->loop, closure_call_run, call, closure_call_free);
    }
}

static Tracker *
find_tracker (gpointer emitter,
              guint    signal_id,
              GQuark   detail)
{
  GPtrArray *trackers = g_object_get_qdata (emitter, mre_trackers_quark ());

  for (guint i = 0; trackers != NULL && i < trackers->len; i++)
    {
      Tracker *tracker = g_ptr_array_index (trackers, i);

      if (tracker->signal_id == signal_id && tracker->detail == detail)
        return tracker;
    }

  return NULL;
}

static void
tracker_forget_conn (gpointer  data,
                     GClosure *closure)
{
  Tracker *tracker = data;
  gboolean removed;

  g_mutex_lock (&tracker->lock);
  removed = g_ptr_array_remove_fast (tracker->conns, closure);
  g_mutex_unlock (&tracker->lock);

  if (removed)
    g_closure_unref (closure);
}

/* Connects @conn; with a tracker and without MRE_CONNECT_FUTURE_ONLY,
 * replays the kept emissions, then hands @conn to the tracker's hook for
 * the live ones, all under the tracker's lock: no gap, no duplicate. */
static gulong
conn_connect (gpointer  emitter,
              Conn     *conn)
{
  Tracker *tracker = NULL;
  gulong handler_id;

  if (!(conn->flags & MRE_CONNECT_FUTURE_ONLY))
    {
      g_mutex_lock (&conns_lock);
      tracker = find_tracker (emitter, conn->signal_id, conn->detail);
      if (tracker != NULL)
        tracker_ref (tracker);
      g_mutex_unlock (&conns_lock);
    }

  if (tracker == NULL)
    return g_signal_connect_closure_by_id (emitter, conn->signal_id, conn->detail,
                                           &conn->closure, FALSE);

  g_mutex_lock (&tracker->lock);
  conn->tracker = tracker;
  handler_id = g_signal_connect_closure_by_id (emitter, conn->signal_id, conn->detail,
                                               &conn->closure, FALSE);
  for (GList *l = tracker->history.head; l != NULL && conn_take_turn (conn); l = l->next)
    {
      MreEmission *kept = l->data;

      conn_deliver (conn, kept->n_values, kept->values, kept);
    }
  g_ptr_array_add (tracker->conns, g_closure_ref (&conn->closure));
  g_closure_add_invalidate_notifier (&conn->closure, tracker, tracker_forget_conn);
  g_mutex_unlock (&tracker->lock);

  if ((conn->flags & MRE_CONNECT_ONCE) && g_atomic_int_get (&conn->fired))
    conn_drop (conn, emitter);

  return handler_id;
}

static Conn *
conn_new (GQuark           detail,
          guint            signal_id,
          MreConnectFlags  flags)
{
  Conn *conn = (Conn *) g_closure_new_simple (sizeof (Conn), (gpointer) &conn_marker);
  GSignalQuery query;

  conn->flags = flags;
  conn->signal_id = signal_id;
  conn->detail = detail;
  if (flags & MRE_CONNECT_FUTURE_ONLY)
    {
      g_signal_query (signal_id, &query);
      conn->skip_retained = query.n_params == 1 &&
                            (query.param_types[0] & ~G_SIGNAL_TYPE_STATIC_SCOPE) == MRE_TYPE_EVENT;
    }
  g_closure_set_marshal (&conn->closure, conn_marshal);
  g_closure_add_finalize_notifier (&conn->closure, NULL, conn_finalize);

  return conn;
}

/* A signal whose one argument is an MreEvent (MrePeer::event), to a slot
 * that does not take the event itself: the slot gets the event's arguments. */
static gboolean
wants_decoding (const MreSlotInfo  *slot,
                const GSignalQuery *query)
{
  guint n_params;
  const GType *types = mre_slot_get_param_types (slot, &n_params);

  return query->n_params == 1 &&
         (query->param_types[0] & ~G_SIGNAL_TYPE_STATIC_SCOPE) == MRE_TYPE_EVENT &&
         (n_params == 0 || types[0] != MRE_TYPE_EVENT);
}

static gboolean
check_decodable (const MreSlotInfo  *slot,
                 const char         *source,
                 GError            **error)
{
  guint n_params;
  const GType *types = mre_slot_get_param_types (slot, &n_params);

  if (n_params > MRE_EVENT_MAX_DECODED)
    {
      g_set_error (error, MRE_ERROR, MRE_ERROR_TYPE_MISMATCH,
                   "A slot connected to %s takes at most %u arguments", source, MRE_EVENT_MAX_DECODED);
      return FALSE;
    }
  for (guint i = 0; i < n_params; i++)
    {
      g_autoptr(GError) type_error = NULL;

      if (!mre_value_codec_supports (types[i], &type_error))
        {
          g_set_error (error, MRE_ERROR, MRE_ERROR_TYPE_MISMATCH,
                       "Argument %u of the slot cannot come from %s: %s", i + 1, source,
                       type_error->message);
          return FALSE;
        }
    }
  return TRUE;
}

/**
 * mre_connect:
 * @emitter: (type GObject): the object that emits @detailed_signal
 * @detailed_signal: a signal name, with an optional `::detail`
 * @target: (type GObject): the object whose slot to call
 * @slot: the name of a slot of @target (see [func@Mre.slot_install])
 * @flags: %MRE_CONNECT_ONCE, %MRE_CONNECT_FUTURE_ONLY or neither
 * @error: return location for a #GError
 *
 * Connects @detailed_signal of @emitter to the named slot @slot of
 * @target, queued: each emission, on whichever thread, copies its
 * arguments and queues a call of the slot on @target's loop (looked up at
 * each emission, see [func@Mre.object_get_event_loop]); the slot never
 * runs in the emitter's stack. The slot may take fewer parameters than the
 * signal gives; the ones it takes must be of the signal's types.
 *
 * Connected to [signal@Mre.Peer::event] (`"event::produced"`), a slot that
 * does not take an #MreEvent gets the event's arguments instead, decoded
 * to its own parameter types, which must be types that cross processes,
 * at most 16 of them (checked now); an event whose arguments do not fit is
 * logged and not delivered.
 *
 * The connection is dropped when @target is finalized; a call already
 * queued keeps @target alive until it ran, so calls left on a loop that is
 * never started again (say, after it stopped on an exception) keep their
 * targets, and a target that owns that loop keeps itself. Thread-safe.
 *
 * Returns: the handler id, usable with [func@Mre.disconnect_handler], or
 *   0 with %MRE_ERROR_NO_SUCH_SIGNAL, %MRE_ERROR_NO_SUCH_SLOT or
 *   %MRE_ERROR_TYPE_MISMATCH
 *
 * Since: 0.1
 */
gulong
mre_connect (gpointer          emitter,
             const char       *detailed_signal,
             gpointer          target,
             const char       *slot,
             MreConnectFlags   flags,
             GError          **error)
{
  g_autofree char *source = NULL;
  const MreSlotInfo *info;
  GSignalQuery query;
  GQuark detail;
  Conn *conn;
  TargetWatch *watch;
  gboolean decode;

  g_return_val_if_fail (G_IS_OBJECT (emitter), 0);
  g_return_val_if_fail (detailed_signal != NULL, 0);
  g_return_val_if_fail (G_IS_OBJECT (target), 0);
  g_return_val_if_fail (slot != NULL, 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  if (!mre_signal_parse_queued (emitter, detailed_signal, &query, &detail, error))
    return 0;

  info = mre_slot_lookup (G_OBJECT_TYPE (target), slot);
  if (info == NULL)
    {
      g_set_error (error, MRE_ERROR, MRE_ERROR_NO_SUCH_SLOT,
                   "%s has no slot named “%s”", G_OBJECT_TYPE_NAME (target), slot);
      return 0;
    }

  source = g_strdup_printf ("signal “%s” of %s", query.signal_name,
                            G_OBJECT_TYPE_NAME (emitter));
  decode = wants_decoding (info, &query);
  if (decode)
    {
      if (!check_decodable (info, source, error))
        return 0;
    }
  else if (!mre_slot_check_args (info, query.n_params, query.param_types, TRUE, source, error))
    return 0;

  watch = g_new0 (TargetWatch, 1);
  g_atomic_ref_count_init (&watch->ref_count);
  g_mutex_init (&watch->lock);
  g_weak_ref_init (&watch->emitter, emitter);
  g_weak_ref_init (&watch->target, target);

  conn = conn_new (detail, query.signal_id, flags);
  conn->slot = info;
  conn->decode = decode;
  conn->watch = watch;
  watch->closure = &conn->closure;
  g_object_weak_ref (target, target_gone, target_watch_ref (watch));

  return conn_connect (emitter, conn);
}

/**
 * mre_connect_closure:
 * @emitter: (type GObject): the object that emits @detailed_signal
 * @detailed_signal: a signal name, with an optional `::detail`
 * @loop: the loop to run @closure on
 * @closure: the closure to queue, invoked like a signal handler (the
 *   emitter, then the signal's arguments)
 * @flags: %MRE_CONNECT_ONCE, %MRE_CONNECT_FUTURE_ONLY or neither
 * @error: return location for a #GError
 *
 * Connects @detailed_signal of @emitter to @closure, queued on @loop: each
 * emission copies its arguments and queues an invocation of @closure.
 * Thread-safe.
 *
 * Returns: the handler id, or 0 with %MRE_ERROR_NO_SUCH_SIGNAL
 *
 * Since: 0.1
 */
gulong
mre_connect_closure (gpointer          emitter,
                     const char       *detailed_signal,
                     MreEventLoop     *loop,
                     GClosure         *closure,
                     MreConnectFlags   flags,
                     GError          **error)
{
  GSignalQuery query;
  GQuark detail;
  Conn *conn;

  g_return_val_if_fail (G_IS_OBJECT (emitter), 0);
  g_return_val_if_fail (detailed_signal != NULL, 0);
  g_return_val_if_fail (MRE_IS_EVENT_LOOP (loop), 0);
  g_return_val_if_fail (closure != NULL, 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  g_closure_ref (closure);
  g_closure_sink (closure);

  if (!mre_signal_parse_queued (emitter, detailed_signal, &query, &detail, error))
    {
      g_closure_unref (closure);
      return 0;
    }

  if (G_CLOSURE_NEEDS_MARSHAL (closure))
    g_closure_set_marshal (closure, g_cclosure_marshal_generic);

  conn = conn_new (detail, query.signal_id, flags);
  conn->loop = g_object_ref (loop);
  conn->user_closure = closure;

  return conn_connect (emitter, conn);
}

/**
 * mre_connect_callback: (skip)
 * @emitter: (type GObject): the object that emits @detailed_signal
 * @detailed_signal: a signal name, with an optional `::detail`
 * @loop: the loop to run @callback on
 * @callback: a function of the signal handler's form
 *   `void (*) (Emitter *emitter, T1 arg1, …, gpointer user_data)`
 * @user_data: data passed to @callback
 * @destroy: (nullable): frees @user_data when the connection is dropped
 * @flags: %MRE_CONNECT_ONCE, %MRE_CONNECT_FUTURE_ONLY or neither
 * @error: return location for a #GError
 *
 * Connects @detailed_signal of @emitter to @callback, queued on @loop.
 * [func@Mre.disconnect_by_func] drops it again. Thread-safe.
 *
 * Returns: the handler id, or 0 with %MRE_ERROR_NO_SUCH_SIGNAL
 *
 * Since: 0.1
 */
gulong
mre_connect_callback (gpointer          emitter,
                      const char       *detailed_signal,
                      MreEventLoop     *loop,
                      GCallback         callback,
                      gpointer          user_data,
                      GDestroyNotify    destroy,
                      MreConnectFlags   flags,
                      GError          **error)
{
  GSignalQuery query;
  GQuark detail;
  GPtrArray *conns;
  Conn *conn;
  gulong handler_id;

  g_return_val_if_fail (G_IS_OBJECT (emitter), 0);
  g_return_val_if_fail (detailed_signal != NULL, 0);
  g_return_val_if_fail (MRE_IS_EVENT_LOOP (loop), 0);
  g_return_val_if_fail (callback != NULL, 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  if (!mre_signal_parse_queued (emitter, detailed_signal, &query, &detail, error))
    {
      if (destroy != NULL)
        destroy (user_data);
      return 0;
    }

  conn = conn_new (detail, query.signal_id, flags);
  conn->loop = g_object_ref (loop);
  conn->user_closure = g_cclosure_new (callback, user_data, NULL);
  g_closure_ref (conn->user_closure);
  g_closure_sink (conn->user_closure);
  g_closure_set_marshal (conn->user_closure, g_cclosure_marshal_generic);
  conn->callback = callback;
  conn->user_data = user_data;
  conn->destroy = destroy;

  /* Registered before connecting: a once connection may be dropped
   * (and unregister itself) inside conn_connect(). */
  g_mutex_lock (&conns_lock);
  if (conns_by_emitter == NULL)
    conns_by_emitter = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_ptr_array_unref);
  conns = g_hash_table_lookup (conns_by_emitter, emitter);
  if (conns == NULL)
    {
      conns = g_ptr_array_new ();
      g_hash_table_insert (conns_by_emitter, emitter, conns);
    }
  g_ptr_array_add (conns, conn);
  conn->emitter = emitter;
  g_mutex_unlock (&conns_lock);

  handler_id = conn_connect (emitter, conn);

  g_mutex_lock (&conns_lock);
  conn->handler_id = handler_id;
  g_mutex_unlock (&conns_lock);

  return handler_id;
}

/**
 * mre_disconnect:
 * @emitter: (type GObject): the object that emits @detailed_signal
 * @detailed_signal: a signal name, with an optional `::detail`
 *
 * Drops every handler of @detailed_signal of @emitter: queued connections
 * (wherever they take their emissions, see [signal@Mre.Peer::event]) and
 * plain g_signal_connect() handlers alike. Emissions kept by
 * [func@Mre.keep_track_of] are kept. Thread-safe.
 *
 * Returns: the number of handlers dropped
 *
 * Since: 0.1
 */
guint
mre_disconnect (gpointer    emitter,
                const char *detailed_signal)
{
  GSignalQuery query;
  GQuark detail;
  g_autoptr(GError) error = NULL;
  gulong handler_id;
  guint source_id;
  guint n = 0;

  g_return_val_if_fail (G_IS_OBJECT (emitter), 0);
  g_return_val_if_fail (detailed_signal != NULL, 0);

  if (!mre_signal_parse (emitter, detailed_signal, &query, &detail, &error))
    {
      g_critical ("%s: %s", G_STRFUNC, error->message);
      return 0;
    }

  /* g_signal_handlers_disconnect_matched() wants a closure, function or
   * data to match; find the handlers one by one instead. */
  while ((handler_id = g_signal_handler_find (emitter,
                                              G_SIGNAL_MATCH_ID |
                                              (detail ? G_SIGNAL_MATCH_DETAIL : 0),
                                              query.signal_id, detail,
                                              NULL, NULL, NULL)) != 0)
    {
      g_signal_handler_disconnect (emitter, handler_id);
      n++;
    }

  source_id = mre_signal_get_queued_source (query.signal_id);
  if (source_id != 0)
    n += g_signal_handlers_disconnect_matched (emitter,
                                              G_SIGNAL_MATCH_ID | G_SIGNAL_MATCH_DATA |
                                              (detail ? G_SIGNAL_MATCH_DETAIL : 0),
                                              source_id, detail, NULL, NULL,
                                              (gpointer) &conn_marker);

  return n;
}

/**
 * mre_disconnect_handler:
 * @emitter: (type GObject): the object a handler was connected to
 * @handler_id: a handler id from [func@Mre.connect] or its variants
 *
 * Drops one connection. Unlike g_signal_handler_disconnect(), a handler
 * that is gone already, for example a %MRE_CONNECT_ONCE connection that
 * fired, is no error. Calls already queued still run. Thread-safe.
 *
 * Returns: %TRUE if the handler was connected
 *
 * Since: 0.1
 */
gboolean
mre_disconnect_handler (gpointer emitter,
                        gulong   handler_id)
{
  g_return_val_if_fail (G_IS_OBJECT (emitter), FALSE);

  if (handler_id == 0 || !g_signal_handler_is_connected (emitter, handler_id))
    return FALSE;

  g_signal_handler_disconnect (emitter, handler_id);
  return TRUE;
}

/**
 * mre_disconnect_by_func: (skip)
 * @emitter: (type GObject): the object the callbacks were connected to
 * @callback: a callback given to [func@Mre.connect_callback]
 * @user_data: the data it was connected with
 *
 * Drops every connection of @emitter made by [func@Mre.connect_callback]
 * with @callback and @user_data. Thread-safe.
 *
 * Returns: the number of connections dropped
 *
 * Since: 0.1
 */
guint
mre_disconnect_by_func (gpointer  emitter,
                        GCallback callback,
                        gpointer  user_data)
{
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gulong));
  GPtrArray *conns;
  guint n = 0;

  g_return_val_if_fail (G_IS_OBJECT (emitter), 0);
  g_return_val_if_fail (callback != NULL, 0);

  g_mutex_lock (&conns_lock);
  conns = conns_by_emitter ? g_hash_table_lookup (conns_by_emitter, emitter) : NULL;
  for (guint i = 0; conns != NULL && i < conns->len; i++)
    {
      Conn *conn = g_ptr_array_index (conns, i);

      if (conn->callback == callback && conn->user_data == user_data && conn->handler_id)
        g_array_append_val (ids, conn->handler_id);
    }
  g_mutex_unlock (&conns_lock);

  for (guint i = 0; i < ids->len; i++)
    n += mre_disconnect_handler (emitter, g_array_index (ids, gulong, i));

  return n;
}

static gboolean
tracker_hook (GSignalInvocationHint *hint,
              guint                  n_param_values,
              const GValue          *param_values,
              gpointer               data)
{
  Tracker *tracker = data;
  g_autoptr(GPtrArray) fired = NULL;
  MreEmission *emission;

  if (g_value_peek_pointer (&param_values[0]) != tracker->emitter)
    return TRUE;

  emission = mre_emission_new (hint->signal_id, hint->detail, n_param_values, param_values);

  g_mutex_lock (&tracker->lock);
  g_queue_push_tail (&tracker->history, emission);
  while (tracker->max_size > 0 && tracker->history.length > tracker->max_size)
    mre_emission_unref (g_queue_pop_head (&tracker->history));
  for (guint i = 0; i < tracker->conns->len; i++)
    {
      Conn *conn = g_ptr_array_index (tracker->conns, i);

      if (conn->closure.is_invalid || !conn_take_turn (conn))
        continue;
      conn_deliver (conn, emission->n_values, emission->values, emission);
      if (conn->flags & MRE_CONNECT_ONCE)
        {
          if (fired == NULL)
            fired = g_ptr_array_new_with_free_func ((GDestroyNotify) g_closure_unref);
          g_ptr_array_add (fired, g_closure_ref (&conn->closure));
        }
    }
  g_mutex_unlock (&tracker->lock);

  /* Dropped outside the lock: dropping calls tracker_forget_conn(). */
  for (guint i = 0; fired != NULL && i < fired->len; i++)
    conn_drop (g_ptr_array_index (fired, i), tracker->emitter);

  return TRUE;
}

static void
tracker_stop (gpointer data)
{
  Tracker *tracker = data;
  g_autoptr(GPtrArray) conns = NULL;

  g_signal_remove_emission_hook (tracker->signal_id, tracker->hook_id);

  /* Its connections go back to being delivered by their own handlers. */
  g_mutex_lock (&tracker->lock);
  g_atomic_int_set (&tracker->stopped, TRUE);
  conns = g_steal_pointer (&tracker->conns);
  tracker->conns = g_ptr_array_new ();
  g_mutex_unlock (&tracker->lock);
  g_ptr_array_set_free_func (conns, (GDestroyNotify) g_closure_unref);

  tracker_unref (tracker);
}

static void
trackers_free (gpointer data)
{
  g_ptr_array_free (data, TRUE);
}

/**
 * mre_keep_track_of:
 * @emitter: (type GObject): the object that emits @detailed_signal
 * @detailed_signal: a signal name, with an optional `::detail`
 * @max_size: how many emissions to keep, the latest ones; 0 keeps all
 * @error: return location for a #GError
 *
 * Keeps the emissions of @detailed_signal of @emitter from now on, like
 * elegant_events' `keep_track_of`: a connection made later without
 * %MRE_CONNECT_FUTURE_ONLY first receives the kept emissions, oldest
 * first, then every new one, with no gap and no duplicate. Calling it
 * again for the same signal only changes @max_size. Thread-safe.
 *
 * Returns: %TRUE, or %FALSE with %MRE_ERROR_NO_SUCH_SIGNAL
 *
 * Since: 0.1
 */
gboolean
mre_keep_track_of (gpointer      emitter,
                   const char   *detailed_signal,
                   guint         max_size,
                   GError      **error)
{
  GSignalQuery query;
  GQuark detail;
  Tracker *tracker;
  GPtrArray *trackers;

  g_return_val_if_fail (G_IS_OBJECT (emitter), FALSE);
  g_return_val_if_fail (detailed_signal != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!mre_signal_parse_queued (emitter, detailed_signal, &query, &detail, error))
    return FALSE;

  if (query.signal_flags & G_SIGNAL_NO_HOOKS)
    {
      g_set_error (error, MRE_ERROR, MRE_ERROR_NO_SUCH_SIGNAL,
                   "Signal “%s” of %s cannot be tracked: it was declared with G_SIGNAL_NO_HOOKS",
                   query.signal_name, G_OBJECT_TYPE_NAME (emitter));
      return FALSE;
    }

  g_mutex_lock (&conns_lock);
  tracker = find_tracker (emitter, query.signal_id, detail);
  if (tracker != NULL)
    {
      g_mutex_lock (&tracker->lock);
      tracker->max_size = max_size;
      while (max_size > 0 && tracker->history.length > max_size)
        mre_emission_unref (g_queue_pop_head (&tracker->history));
      g_mutex_unlock (&tracker->lock);
      g_mutex_unlock (&conns_lock);
      return TRUE;
    }

  tracker = g_new0 (Tracker, 1);
  g_atomic_ref_count_init (&tracker->ref_count);
  g_mutex_init (&tracker->lock);
  tracker->emitter = emitter;
  tracker->signal_id = query.signal_id;
  tracker->detail = detail;
  tracker->max_size = max_size;
  g_queue_init (&tracker->history);
  tracker->conns = g_ptr_array_new ();
  tracker->hook_id = g_signal_add_emission_hook (query.signal_id, detail, tracker_hook,
                                                 tracker_ref (tracker), tracker_unref);

  trackers = g_object_get_qdata (emitter, mre_trackers_quark ());
  if (trackers == NULL)
    {
      trackers = g_ptr_array_new_with_free_func (tracker_stop);
      g_object_set_qdata_full (emitter, mre_trackers_quark (), trackers, trackers_free);
    }
  g_ptr_array_add (trackers, tracker);
  g_mutex_unlock (&conns_lock);

  return TRUE;
}

/**
 * mre_stop_keeping_track_of:
 * @emitter: (type GObject): the object given to [func@Mre.keep_track_of]
 * @detailed_signal: the signal given to [func@Mre.keep_track_of]
 *
 * Stops keeping emissions of @detailed_signal and forgets the kept ones.
 * Thread-safe.
 *
 * Since: 0.1
 */
void
mre_stop_keeping_track_of (gpointer    emitter,
                           const char *detailed_signal)
{
  GSignalQuery query;
  GQuark detail;
  GPtrArray *trackers;
  Tracker *tracker;

  g_return_if_fail (G_IS_OBJECT (emitter));
  g_return_if_fail (detailed_signal != NULL);

  if (!mre_signal_parse_queued (emitter, detailed_signal, &query, &detail, NULL))
    return;

  g_mutex_lock (&conns_lock);
  tracker = find_tracker (emitter, query.signal_id, detail);
  trackers = g_object_get_qdata (emitter, mre_trackers_quark ());
  for (guint i = 0; tracker != NULL && i < trackers->len; i++)
    if (g_ptr_array_index (trackers, i) == tracker)
      g_ptr_array_steal_index_fast (trackers, i);
  g_mutex_unlock (&conns_lock);

  if (tracker != NULL)
    tracker_stop (tracker);
}
