/* mre-peer-signals.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "mre-emission-private.h"
#include "mre-event-loop-private.h"
#include "mre-peer-private.h"
#include "mre-signal-private.h"

/*
 * Where a peer's own signals are emitted: its signal context.
 *
 * A peer emits `event`, `state-changed`, `lost` and its property
 * notifications in the thread-default main context of the thread that
 * constructed it, as GDBusConnection and GTask do, unless the user bound it
 * to a loop: then everything happens on that loop, as before. A peer not
 * bound does its I/O on a loop of its own thread, so what that thread
 * emits is queued here, as MreEmissions (which hold the peer), in the
 * order it happened, and emitted by one GSource attached to the signal
 * context, woken once per batch (its ready time is 0 exactly while the
 * queue is not empty). An emission nobody is connected to is not queued.
 *
 * Only the thread iterating the signal context drains the queue, or the
 * thread that constructed the peer while it holds that context (the
 * synchronous calls): the two exclude each other. A drain pops one
 * emission at a time, so a handler that drains again (a synchronous call
 * made in a handler) keeps the order.
 */

typedef struct
{
  GSource  source;
  MrePeer *peer;  /* not owned: alive while the queue holds an emission */
} SignalSource;

void
mre_peer_signals_init (MrePeer *self)
{
  g_mutex_init (&self->signal_lock);
  g_queue_init (&self->signal_queue);
}

/* In constructed(): the signal context is the constructing thread's. */
void
mre_peer_signals_constructed (MrePeer *self)
{
  self->signal_context = g_main_context_ref_thread_default ();
  self->signal_thread = g_thread_ref (g_thread_self ());
}

/* Emits at most @max queued emissions, oldest first. The caller holds
 * the signal context; the peer is alive while the queue is not empty. */
static void
signals_drain (MrePeer *self,
               guint    max)
{
  guint n;

  g_mutex_lock (&self->signal_lock);
  n = MIN (max, self->signal_queue.length);
  g_mutex_unlock (&self->signal_lock);
  if (n == 0)
    return;

  /* An emission may hold the last reference. */
  g_object_ref (self);
  while (n-- > 0)
    {
      MreEmission *emission;

      g_mutex_lock (&self->signal_lock);
      emission = g_queue_pop_head (&self->signal_queue);
      if (self->signal_queue.length == 0)
        g_source_set_ready_time (self->signal_source, -1);
      g_mutex_unlock (&self->signal_lock);
      if (emission == NULL)
        break;

      g_signal_emitv (emission->values, emission->signal_id, emission->detail, NULL);
      mre_emission_unref (emission);
    }
  g_object_unref (self);
}

static gboolean
signal_source_dispatch (GSource     *source,
                        GSourceFunc  callback,
                        gpointer     user_data)
{
  /* What is queued meanwhile waits for the next iteration: the context's
   * other sources get their turn. */
  signals_drain (((SignalSource *) source)->peer, G_MAXUINT);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs signal_source_funcs = {
  .dispatch = signal_source_dispatch,
};

/* In ensure_loop(), before any I/O: a peer not bound to a loop by the user
 * queues what its thread emits for the signal context. */
void
mre_peer_signals_bind (MrePeer *self)
{
  SignalSource *source;

  if (!self->own_loop || self->signal_context == self->context)
    return;

  source = (SignalSource *) g_source_new (&signal_source_funcs, sizeof (SignalSource));
  source->peer = self;
  g_source_set_priority (&source->source, G_PRIORITY_DEFAULT);
  g_source_set_static_name (&source->source, "MrePeer signals");
  g_source_set_ready_time (&source->source, -1);
  self->signal_source = &source->source;
  g_source_attach (self->signal_source, self->signal_context);
}

/* Whether @signal_id with @detail would reach a handler of @self. */
gboolean
mre_peer_signals_wanted (MrePeer *self,
                         guint    signal_id,
                         GQuark   detail)
{
  return g_signal_has_handler_pending (self, signal_id, 0, FALSE) ||
         (detail != 0 && g_signal_has_handler_pending (self, signal_id, detail, FALSE));
}

static void
signals_push (MrePeer     *self,
              MreEmission *emission)
{
  g_mutex_lock (&self->signal_lock);
  if (self->signal_disposed)
    {
      g_mutex_unlock (&self->signal_lock);
      mre_emission_unref (emission);
      return;
    }
  g_queue_push_tail (&self->signal_queue, emission);
  if (self->signal_queue.length == 1)
    g_source_set_ready_time (self->signal_source, 0);
  g_mutex_unlock (&self->signal_lock);
}

/* g_signal_emit() of one of the peer's own signals, from the peer's
 * thread, in the signal context: at once if the peer emits on its loop,
 * else queued there with a copy of the arguments, if a handler of
 * @signal_id with @detail is connected. */
void
mre_peer_signals_emit (MrePeer *self,
                       guint    signal_id,
                       GQuark   detail,
                       ...)
{
  GValue values[4] = { G_VALUE_INIT, G_VALUE_INIT, G_VALUE_INIT, G_VALUE_INIT };
  GSignalQuery query;
  gboolean collected;
  va_list args;

  if (self->signal_source == NULL)
    {
      va_start (args, detail);
      g_signal_emit_valist (self, signal_id, detail, args);
      va_end (args);
      return;
    }
  if (!mre_peer_signals_wanted (self, signal_id, detail))
    return;

  g_signal_query (signal_id, &query);
  g_assert (query.n_params < G_N_ELEMENTS (values));
  g_value_init (&values[0], MRE_TYPE_PEER);
  g_value_set_object (&values[0], self);
  va_start (args, detail);
  collected = mre_values_collect (values + 1, query.param_types, query.n_params, &args,
                                  query.signal_name, NULL);
  va_end (args);
  g_assert (collected);

  signals_push (self, mre_emission_new (signal_id, detail, query.n_params + 1, values));
  for (guint i = 0; i <= query.n_params; i++)
    g_value_unset (&values[i]);
}

/* GObjectClass.dispatch_properties_changed: notifications made on the
 * peer's thread go through the queue, in order with the signals; the
 * others (a property set by the user) are emitted as GObject does. */
void
mre_peer_signals_dispatch_notify (GObject     *object,
                                  guint        n_pspecs,
                                  GParamSpec **pspecs)
{
  MrePeer *self = MRE_PEER (object);
  GValue values[2] = { G_VALUE_INIT, G_VALUE_INIT };
  guint notify_id;

  if (self->signal_source == NULL || !mre_event_loop_is_loop_thread (self->loop))
    {
      GObjectClass *parent = g_type_class_peek_parent (G_OBJECT_GET_CLASS (object));

      parent->dispatch_properties_changed (object, n_pspecs, pspecs);
      return;
    }

  notify_id = g_signal_lookup ("notify", G_TYPE_OBJECT);
  g_value_init (&values[0], G_TYPE_OBJECT);
  g_value_set_object (&values[0], object);
  g_value_init (&values[1], G_TYPE_PARAM);
  for (guint i = 0; i < n_pspecs; i++)
    {
      GQuark detail = g_param_spec_get_name_quark (pspecs[i]);

      if (!mre_peer_signals_wanted (self, notify_id, detail))
        continue;
      g_value_set_param (&values[1], pspecs[i]);
      signals_push (self, mre_emission_new (notify_id, detail, 2, values));
    }
  g_value_unset (&values[1]);
  g_value_unset (&values[0]);
}

/* After a synchronous call, on the thread that made it: if that thread
 * may run the signal context (it runs it now, or it constructed the peer
 * and nobody else runs it), emits what was queued, so that what the call
 * caused (the events a subscription replays, the state a start reaches)
 * is emitted before it returns, as the asynchronous form's callback comes
 * after it. */
void
mre_peer_signals_flush_here (MrePeer *self)
{
  if (self->signal_source == NULL)
    return;
  if (!g_main_context_is_owner (self->signal_context) && g_thread_self () != self->signal_thread)
    return;
  if (!g_main_context_acquire (self->signal_context))
    return;
  signals_drain (self, G_MAXUINT);
  g_main_context_release (self->signal_context);
}

/* In dispose: the handlers are about to go, nothing more is queued. */
void
mre_peer_signals_dispose (MrePeer *self)
{
  GQueue dropped = G_QUEUE_INIT;

  g_mutex_lock (&self->signal_lock);
  self->signal_disposed = TRUE;
  dropped = self->signal_queue;
  g_queue_init (&self->signal_queue);
  if (self->signal_source != NULL)
    g_source_set_ready_time (self->signal_source, -1);
  g_mutex_unlock (&self->signal_lock);

  g_queue_clear_full (&dropped, (GDestroyNotify) mre_emission_unref);
}

void
mre_peer_signals_finalize (MrePeer *self)
{
  if (self->signal_source != NULL)
    {
      g_source_destroy (self->signal_source);
      g_clear_pointer (&self->signal_source, g_source_unref);
    }
  g_clear_pointer (&self->signal_context, g_main_context_unref);
  g_clear_pointer (&self->signal_thread, g_thread_unref);
  g_mutex_clear (&self->signal_lock);
}
