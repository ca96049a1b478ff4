/* mre-wait.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "mre-emission-private.h"
#include "mre-error.h"
#include "mre-signal-private.h"
#include "mre-wait.h"

/* A wait is a one-shot handler (WaitClosure) racing a timeout and a
 * cancellation: whichever flips `done` first returns the task, and tears
 * the others down. The emission may come from any thread; a signal that
 * names a queued source (mre_signal_set_queued_source()) is waited for
 * there, and the emission still says the signal asked for. */
typedef struct
{
  GClosure  closure;
  int       done;     /* atomic */
  guint     signal_id;
  GTask    *task;
  GSource  *timeout;
  GSource  *cancel;
} WaitClosure;

static void
wait_closure_finalize (gpointer  data,
                       GClosure *closure)
{
  WaitClosure *wc = (WaitClosure *) closure;

  g_clear_pointer (&wc->timeout, g_source_unref);
  g_clear_pointer (&wc->cancel, g_source_unref);
  g_clear_object (&wc->task);
}

/* Takes @emission or @error. */
static void
wait_complete (WaitClosure *wc,
               MreEmission *emission,
               GError      *error)
{
  if (!g_atomic_int_compare_and_exchange (&wc->done, FALSE, TRUE))
    {
      g_clear_pointer (&emission, mre_emission_unref);
      g_clear_error (&error);
      return;
    }

  if (wc->timeout != NULL)
    g_source_destroy (wc->timeout);
  if (wc->cancel != NULL)
    g_source_destroy (wc->cancel);

  g_signal_handlers_disconnect_matched (g_task_get_source_object (wc->task),
                                        G_SIGNAL_MATCH_CLOSURE,
                                        0, 0, &wc->closure, NULL, NULL);

  if (emission != NULL)
    g_task_return_pointer (wc->task, emission, (GDestroyNotify) mre_emission_unref);
  else
    g_task_return_error (wc->task, error);
}

static void
wait_marshal (GClosure     *closure,
              GValue       *return_value,
              guint         n_param_values,
              const GValue *param_values,
              gpointer      invocation_hint,
              gpointer      marshal_data)
{
  GSignalInvocationHint *hint = invocation_hint;
  WaitClosure *wc = (WaitClosure *) closure;

  if (g_atomic_int_get (&wc->done))
    return;

  wait_complete (wc,
                 mre_emission_new (wc->signal_id, hint->detail, n_param_values, param_values),
                 NULL);
}

static gboolean
wait_timed_out (gpointer data)
{
  wait_complete (data, NULL,
                 g_error_new_literal (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                                      "Timed out waiting for the signal"));
  return G_SOURCE_REMOVE;
}

static gboolean
wait_cancelled (GCancellable *cancellable,
                gpointer      data)
{
  wait_complete (data, NULL,
                 g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                      "Waiting for the signal was cancelled"));
  return G_SOURCE_REMOVE;
}

static GSource *
wait_attach (WaitClosure *wc,
             GSource     *source,
             GSourceFunc  func)
{
  g_source_set_callback (source, func, g_closure_ref (&wc->closure),
                         (GDestroyNotify) g_closure_unref);
  g_source_attach (source, g_task_get_context (wc->task));
  return source;
}

/**
 * mre_wait_async:
 * @emitter: (type GObject): the object that will emit @detailed_signal
 * @detailed_signal: a signal name, with an optional `::detail`
 * @timeout_ms: how long to wait in milliseconds, or -1 for no limit
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the signal was emitted, the wait
 *   timed out or was cancelled
 * @user_data: data passed to @callback
 *
 * Waits for the next emission of @detailed_signal by @emitter without
 * blocking, like MrEventLoop's `SyncEvent` or aioevt's `wait`. The emission
 * may happen on any thread; @callback runs on the thread-default main
 * context of the caller. Call [func@Mre.wait_finish] from @callback.
 *
 * Since: 0.1
 */
void
mre_wait_async (gpointer             emitter,
                const char          *detailed_signal,
                gint                 timeout_ms,
                GCancellable        *cancellable,
                GAsyncReadyCallback  callback,
                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  WaitClosure *wc;
  guint signal_id;
  guint source_id;
  GQuark detail;

  g_return_if_fail (G_IS_OBJECT (emitter));
  g_return_if_fail (detailed_signal != NULL);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (emitter, cancellable, callback, user_data);
  g_task_set_source_tag (task, mre_wait_async);

  if (!g_signal_parse_name (detailed_signal, G_OBJECT_TYPE (emitter),
                            &signal_id, &detail, TRUE))
    {
      g_task_return_new_error (task, MRE_ERROR, MRE_ERROR_NO_SUCH_SIGNAL,
                               "%s has no signal “%s”",
                               G_OBJECT_TYPE_NAME (emitter), detailed_signal);
      return;
    }

  wc = (WaitClosure *) g_closure_new_simple (sizeof (WaitClosure), NULL);
  wc->task = g_object_ref (task);
  wc->signal_id = signal_id;
  g_closure_set_marshal (&wc->closure, wait_marshal);
  g_closure_add_finalize_notifier (&wc->closure, NULL, wait_closure_finalize);

  /* Armed before connecting: the emission may complete the wait at once. */
  if (timeout_ms >= 0)
    wc->timeout = wait_attach (wc, g_timeout_source_new (timeout_ms), wait_timed_out);
  if (cancellable != NULL)
    wc->cancel = wait_attach (wc, g_cancellable_source_new (cancellable),
                              G_SOURCE_FUNC (wait_cancelled));

  source_id = mre_signal_get_queued_source (signal_id);
  g_signal_connect_closure_by_id (emitter, source_id != 0 ? source_id : signal_id, detail,
                                  &wc->closure, FALSE);
}

/**
 * mre_wait_finish:
 * @result: the #GAsyncResult given to the callback of [func@Mre.wait_async]
 * @error: return location for a #GError
 *
 * Finishes a wait started with [func@Mre.wait_async].
 *
 * Returns: (transfer full): the emission, with a copy of its arguments, or
 *   %NULL with %G_IO_ERROR_TIMED_OUT, %G_IO_ERROR_CANCELLED or
 *   %MRE_ERROR_NO_SUCH_SIGNAL
 *
 * Since: 0.1
 */
MreEmission *
mre_wait_finish (GAsyncResult  *result,
                 GError       **error)
{
  g_return_val_if_fail (G_IS_TASK (result), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == mre_wait_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
wait_for_done (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

/**
 * mre_wait_for:
 * @emitter: (type GObject): the object that will emit @detailed_signal
 * @detailed_signal: a signal name, with an optional `::detail`
 * @timeout_ms: how long to wait in milliseconds, or -1 for no limit
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Blocks the calling thread until the next emission of @detailed_signal by
 * @emitter, like MrEventLoop's `SyncEvent` or pyvent's `wait_for`. The
 * emission must come from another thread, for example from a loop that
 * runs on its own thread: nothing else of the calling thread runs
 * meanwhile. An event of a peer (`"event::NAME"` of an [class@Mre.Peer])
 * is taken as it arrives, on the peer's thread, so the peer's signal
 * context need not run.
 *
 * Returns: (transfer full): the emission, with a copy of its arguments, or
 *   %NULL with %G_IO_ERROR_TIMED_OUT, %G_IO_ERROR_CANCELLED or
 *   %MRE_ERROR_NO_SUCH_SIGNAL
 *
 * Since: 0.1
 */
MreEmission *
mre_wait_for (gpointer       emitter,
              const char    *detailed_signal,
              gint           timeout_ms,
              GCancellable  *cancellable,
              GError       **error)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GAsyncResult) result = NULL;

  g_return_val_if_fail (G_IS_OBJECT (emitter), NULL);
  g_return_val_if_fail (detailed_signal != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  g_main_context_push_thread_default (context);
  mre_wait_async (emitter, detailed_signal, timeout_ms, cancellable, wait_for_done, &result);
  while (result == NULL)
    g_main_context_iteration (context, TRUE);
  g_main_context_pop_thread_default (context);

  return mre_wait_finish (result, error);
}
