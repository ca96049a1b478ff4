/* mre-event-loop-call.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "mre-event-loop-private.h"

/* Which loop an object runs on, and running the library's own code on a
 * loop's context: later from any thread, or at once, waiting for it. */

/* The object <-> loop binding ------------------------------------------------ */

static GQuark
mre_event_loop_qdata_quark (void)
{
  static gsize quark;

  if (g_once_init_enter (&quark))
    g_once_init_leave (&quark, g_quark_from_static_string ("mre-event-loop"));

  return quark;
}

/* On an object whose loop mre_object_get_event_loop() made on demand: that
 * loop, so that the object can tell it from one it was given. */
static GQuark
mre_event_loop_made_quark (void)
{
  static gsize quark;

  if (g_once_init_enter (&quark))
    g_once_init_leave (&quark, g_quark_from_static_string ("mre-event-loop-made"));

  return quark;
}

static gpointer
ref_loop (gpointer loop,
          gpointer user_data)
{
  return loop ? g_object_ref (loop) : NULL;
}

/* Whether @object was given a loop with mre_object_set_event_loop(), rather
 * than having none yet or one that mre_object_get_event_loop() made for it.
 * A peer or broker runs on a loop it was given as the program's, and on one
 * made for it as its own (stopped with it, signals in its signal context). */
static gboolean
mre_object_has_event_loop (gpointer object)
{
  gpointer loop = g_object_get_qdata (object, mre_event_loop_qdata_quark ());

  return loop != NULL && loop != g_object_get_qdata (object, mre_event_loop_made_quark ());
}

MreEventLoop *
mre_object_dup_event_loop (gpointer object)
{
  MreEventLoop *loop;

  loop = g_object_dup_qdata (object, mre_event_loop_qdata_quark (), ref_loop, NULL);
  if (loop == NULL)
    loop = g_object_ref (mre_object_get_event_loop (object));

  return loop;
}

/**
 * mre_object_get_event_loop:
 * @object: (type GObject): any object
 *
 * Gets the loop the slots of @object run on. An object that has none yet
 * gets a new loop of its own (see [ctor@Mre.EventLoop.new]), which is
 * not started: start it before expecting its slots to run.
 *
 * Returns: (transfer none): the object's loop, valid while @object keeps it
 *
 * Since: 0.1
 */
MreEventLoop *
mre_object_get_event_loop (gpointer object)
{
  MreEventLoop *loop;
  GQuark quark = mre_event_loop_qdata_quark ();

  g_return_val_if_fail (G_IS_OBJECT (object), NULL);

  while ((loop = g_object_get_qdata (object, quark)) == NULL)
    {
      MreEventLoop *fresh = mre_event_loop_new ();

      /* Marked before it is visible: never taken for a loop given. */
      g_object_set_qdata (object, mre_event_loop_made_quark (), fresh);
      if (g_object_replace_qdata (object, quark, NULL, fresh, g_object_unref, NULL))
        return fresh;
      g_object_replace_qdata (object, mre_event_loop_made_quark (), fresh, NULL, NULL, NULL);
      g_object_unref (fresh);
    }

  return loop;
}

/**
 * mre_object_set_event_loop:
 * @object: (type GObject): any object
 * @loop: the loop to run the slots of @object on
 *
 * Makes the slots of @object run on @loop. Objects that share a loop have
 * all their slot calls run one at a time, in the order they were queued.
 * Calls already queued on the previous loop stay there. Thread-safe.
 *
 * Since: 0.1
 */
void
mre_object_set_event_loop (gpointer      object,
                           MreEventLoop *loop)
{
  g_return_if_fail (G_IS_OBJECT (object));
  g_return_if_fail (MRE_IS_EVENT_LOOP (loop));

  g_object_set_qdata (object, mre_event_loop_made_quark (), NULL);
  g_object_set_qdata_full (object, mre_event_loop_qdata_quark (),
                           g_object_ref (loop), g_object_unref);
}

/* The loop an object (a broker, a peer) does its work on, started: the one
 * it was given with mre_object_set_event_loop() (started if it was not: a
 * bound loop runs as its context is iterated; the user's loop is never
 * stopped by the object), or a new one of its own thread, which the object
 * stops with mre_event_loop_stop_own() when it goes (*@own_loop set to
 * %TRUE). A loop that cannot start (no thread) gives %NULL and @error; the
 * object keeps it and the next call tries again. Not locked: callers that
 * may race hold a lock of their own. */
MreEventLoop *
mre_object_start_event_loop (gpointer   object,
                             gboolean  *own_loop,
                             GError   **error)
{
  gboolean given = mre_object_has_event_loop (object);
  MreEventLoop *loop = mre_object_get_event_loop (object);

  if (!mre_event_loop_get_running (loop) && !mre_event_loop_start (loop, error))
    return NULL;

  *own_loop = !given;
  return g_object_ref (loop);
}

/* Stops a loop that mre_object_start_event_loop() gave as the object's own;
 * joined if it has a thread of its own and this is not that thread (a
 * bound one stops when its context is next iterated). */
void
mre_event_loop_stop_own (MreEventLoop *self)
{
  mre_event_loop_stop (self);
  if (mre_event_loop_has_own_thread (self) && !mre_event_loop_is_loop_thread (self))
    mre_event_loop_join (self, NULL);
}

/* Calling on a loop's context ------------------------------------------------ */

/* Runs @func on the context of @self, later, from any thread (never inside
 * this call), at the default priority: calls from one thread run in the
 * order they were made. */
void
mre_event_loop_call_later (MreEventLoop *self,
                           GSourceFunc   func,
                           gpointer      data,
                           const char   *static_name)
{
  g_autoptr(GSource) source = g_idle_source_new ();

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, func, data, NULL);
  g_source_set_static_name (source, static_name);
  g_source_attach (source, mre_event_loop_get_context (self));
}

/* Whether this thread may run the context of @self now: it is the loop's
 * thread, or @self is bound to a context this thread could acquire (then
 * *@acquired is set, and the caller releases the context when done). Never
 * the context of a loop's own thread, even before that thread took it. */
gboolean
mre_event_loop_try_acquire (MreEventLoop *self,
                            gboolean     *acquired)
{
  *acquired = FALSE;
  if (mre_event_loop_is_loop_thread (self))
    return TRUE;
  if (!mre_event_loop_has_own_thread (self) && g_main_context_acquire (mre_event_loop_get_context (self)))
    *acquired = TRUE;

  return *acquired;
}

typedef struct
{
  MreContextFunc func;
  gpointer       data;
  GMutex         lock;
  GCond          cond;
  gboolean       done;
} SyncCall;

static gboolean
sync_call_run (gpointer user_data)
{
  SyncCall *call = user_data;

  call->func (call->data);
  g_mutex_lock (&call->lock);
  call->done = TRUE;
  g_cond_signal (&call->cond);
  g_mutex_unlock (&call->lock);

  return G_SOURCE_REMOVE;
}

/* Runs @func on the context of @self and returns when it ran: at once if
 * this thread may run that context (see mre_event_loop_try_acquire());
 * else by invoking it there and waiting (so the loop must be running). */
void
mre_event_loop_call_sync (MreEventLoop   *self,
                          MreContextFunc  func,
                          gpointer        data)
{
  GMainContext *context = mre_event_loop_get_context (self);
  SyncCall call = { func, data };
  gboolean acquired;

  if (mre_event_loop_try_acquire (self, &acquired))
    {
      func (data);
      if (acquired)
        g_main_context_release (context);
      return;
    }

  g_mutex_init (&call.lock);
  g_cond_init (&call.cond);
  g_main_context_invoke (context, sync_call_run, &call);
  g_mutex_lock (&call.lock);
  while (!call.done)
    g_cond_wait (&call.cond, &call.lock);
  g_mutex_unlock (&call.lock);
  g_mutex_clear (&call.lock);
  g_cond_clear (&call.cond);
}
