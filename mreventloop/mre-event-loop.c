/* mre-event-loop.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "mre-error.h"
#include "mre-event-loop-private.h"
#include "mre-queue-private.h"

/**
 * MreEventLoop:
 *
 * A FIFO of calls run one at a time on a #GMainContext.
 *
 * Every call queued on a loop, whichever thread queued it, runs on the
 * loop's thread, after every call queued before it and never at the same
 * time as another call of the loop. Code run by a loop therefore need not
 * be reentrant nor take locks against itself. Calls are queued with
 * [method@Mre.EventLoop.invoke] and [method@Mre.EventLoop.invoke_async],
 * and by the queued connections of [func@Mre.connect].
 *
 * A loop runs in one of two modes:
 *
 * - made with [ctor@Mre.EventLoop.new], it has a #GMainContext of its own
 *   and [method@Mre.EventLoop.start] runs it on a thread of its own (or
 *   [method@Mre.EventLoop.run] on the calling thread);
 * - made with [ctor@Mre.EventLoop.new_for_context], it is bound to an
 *   existing context, for example GTK's default one, and its calls run on
 *   whichever thread iterates that context.
 *
 * Calls queued before the loop is started wait until it is started. One
 * wake-up of the context runs a whole batch of calls, so queuing costs no
 * #GSource per call. When its queue runs dry, the loop watches it for a
 * few microseconds before it lets the context sleep, so that calls queued
 * back to back from another thread do not each pay a wake-up.
 *
 * The loop's signals are emitted on the loop's thread. [signal@Mre.EventLoop::active]
 * and [signal@Mre.EventLoop::idle] are edge-triggered: a burst of calls is
 * framed by one `active` before its first call and one `idle` after its last,
 * not by one pair per call. Starting a loop, queuing three calls and stopping
 * it emits `started`, `active`, the three calls, `idle`, `stopped`.
 *
 * Since: 0.1
 */

/* Calls run per wake-up of the context before the loop gives other
 * sources of a shared context (GTK's redraws, I/O) their turn. */
#define DISPATCH_BUDGET 4096

typedef enum
{
  STATE_STOPPED,
  STATE_RUNNING,
  STATE_STOPPING,   /* emitting "stopped" */
} LoopState;

typedef struct
{
  GSource       source;
  MreEventLoop *loop;
} LoopSource;

struct _MreEventLoop
{
  GObject       parent_instance;

  GMainContext *context;
  GSource      *source;
  MreQueue      queue;
  guint         own_context : 1;

  /* Protected by state_lock. */
  GMutex        state_lock;
  GCond         state_cond;
  LoopState     state;
  guint         generation;
  GError       *stop_error;
  /* An own-thread loop's thread, from start() until it has left the loop
   * (spawned or running mre_event_loop_run_thread()). */
  gboolean      thread_running;
  GThread      *runner;   /* the thread inside run_thread(), while it is */
  GThread      *thread;   /* a GThread of ours, to reap */

  int           started_pending;    /* atomic */
  int           exit_on_exception;  /* atomic */
  int           wake_pending;       /* atomic: the source is ready */

  /* Only touched on the loop's thread. */
  guint         active : 1;
  guint         async_pending : 1;
  guint         quit : 1;
};

G_DEFINE_FINAL_TYPE (MreEventLoop, mre_event_loop, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_CONTEXT,
  PROP_EXIT_ON_EXCEPTION,
  PROP_RUNNING,
  N_PROPS
};

enum {
  STARTED,
  STOPPED,
  ACTIVE,
  IDLE,
  EXCEPTION,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* The process-wide mre_set_thread_spawn_func(); reference-counted so that
 * a start() calling it while another thread replaces it keeps its data. */
typedef struct
{
  MreThreadSpawnFunc func;
  gpointer           user_data;
  GDestroyNotify     notify;
} SpawnHook;

G_LOCK_DEFINE_STATIC (spawn_hook);
static SpawnHook *spawn_hook;

typedef struct
{
  gpointer       data;
  GDestroyNotify destroy;
} AsyncData;

static void
async_data_free (gpointer ptr)
{
  AsyncData *ad = ptr;

  if (ad->destroy != NULL)
    ad->destroy (ad->data);
  g_free (ad);
}

/* Makes the loop's source ready. Only a thread that does not own the
 * context may find it asleep in poll() and has to wake it up: on the
 * loop's thread, the next iteration sees the flag in prepare(). */
static void
mre_event_loop_wake (MreEventLoop *self)
{
  g_atomic_int_set (&self->wake_pending, TRUE);
  if (!g_main_context_is_owner (self->context))
    g_main_context_wakeup (self->context);
}

static void
mre_event_loop_push (MreEventLoop       *self,
                     const MreQueueItem *item)
{
  if (mre_queue_push (&self->queue, item))
    mre_event_loop_wake (self);
}

static void
mre_event_loop_finish_stop (MreEventLoop *self,
                            GError       *error)
{
  if (self->active)
    {
      self->active = FALSE;
      g_signal_emit (self, signals[IDLE], 0);
    }

  g_mutex_lock (&self->state_lock);
  self->state = STATE_STOPPING;
  g_clear_error (&self->stop_error);
  self->stop_error = error;
  g_mutex_unlock (&self->state_lock);

  self->quit = TRUE;

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
  g_signal_emit (self, signals[STOPPED], 0);

  g_mutex_lock (&self->state_lock);
  if (self->state == STATE_STOPPING)
    self->state = STATE_STOPPED;
  g_cond_broadcast (&self->state_cond);
  g_mutex_unlock (&self->state_lock);
}

static gboolean
mre_event_loop_is_running_generation (MreEventLoop *self,
                                      guint         generation)
{
  gboolean ret;

  g_mutex_lock (&self->state_lock);
  ret = self->state == STATE_RUNNING && self->generation == generation;
  g_mutex_unlock (&self->state_lock);

  return ret;
}

/* A call failed: report it, and stop at once if the loop exits on
 * exceptions. Returns TRUE if the loop keeps running. */
static gboolean
mre_event_loop_handle_failure (MreEventLoop *self,
                               GError       *error)
{
  if (error == NULL)
    error = g_error_new_literal (MRE_ERROR, MRE_ERROR_FAILED,
                                 "A queued call failed without setting an error");

  g_signal_emit (self, signals[EXCEPTION], 0, error);

  if (g_atomic_int_get (&self->exit_on_exception))
    {
      mre_event_loop_finish_stop (self, error);
      return FALSE;
    }

  g_error_free (error);
  return TRUE;
}

static void
mre_event_loop_async_done (GObject      *object,
                           GAsyncResult *result,
                           gpointer      user_data)
{
  MreEventLoop *self = MRE_EVENT_LOOP (object);
  GError *error = NULL;
  gboolean running = TRUE;

  self->async_pending = FALSE;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    running = mre_event_loop_handle_failure (self, error);

  /* The reference taken when the call was started. */
  g_object_unref (result);

  if (running)
    mre_event_loop_wake (self);
}

static void
mre_event_loop_drain (MreEventLoop *self)
{
  guint generation;

  if (self->async_pending)
    return;

  g_mutex_lock (&self->state_lock);
  generation = self->generation;
  if (self->state != STATE_RUNNING)
    {
      g_mutex_unlock (&self->state_lock);
      return;
    }
  g_mutex_unlock (&self->state_lock);

  if (g_atomic_int_compare_and_exchange (&self->started_pending, TRUE, FALSE))
    {
      g_signal_emit (self, signals[STARTED], 0);
      if (!mre_event_loop_is_running_generation (self, generation))
        return;
    }

  for (guint budget = DISPATCH_BUDGET; budget > 0; budget--)
    {
      MreQueueItem *next = mre_queue_peek (&self->queue);
      MreQueueItem item;

      if (next == NULL)
        break;

      item = *next;
      mre_queue_pop (&self->queue);

      if (item.kind == MRE_ITEM_STOP)
        {
          if (GPOINTER_TO_UINT (item.data) == generation)
            {
              mre_event_loop_finish_stop (self, NULL);
              return;
            }
          continue;
        }

      if (!self->active)
        {
          self->active = TRUE;
          g_signal_emit (self, signals[ACTIVE], 0);
        }

      if (item.kind == MRE_ITEM_SYNC)
        {
          GError *error = NULL;
          gboolean ok;

          ok = ((MreFunc) item.func) (item.data, &error);
          if (item.destroy != NULL)
            item.destroy (item.data);
          if (!ok && !mre_event_loop_handle_failure (self, error))
            return;
        }
      else
        {
          GTask *task;
          AsyncData *ad;

          /* Held until the task returns: see mre_event_loop_async_done(). */
          task = g_task_new (self, NULL, mre_event_loop_async_done, NULL);
          g_task_set_source_tag (task, mre_event_loop_invoke_async);
          ad = g_new (AsyncData, 1);
          ad->data = item.data;
          ad->destroy = item.destroy;
          g_task_set_task_data (task, ad, async_data_free);
          self->async_pending = TRUE;
          ((MreAsyncFunc) item.func) (task, item.data);
          return;
        }
    }

  if (mre_queue_linger (&self->queue) || !mre_queue_disarm (&self->queue))
    mre_event_loop_wake (self);
  else if (self->active)
    {
      self->active = FALSE;
      g_signal_emit (self, signals[IDLE], 0);
    }
}

static gboolean
loop_source_prepare (GSource *source,
                     gint    *timeout)
{
  MreEventLoop *self = ((LoopSource *) source)->loop;

  *timeout = -1;
  return g_atomic_int_get (&self->wake_pending);
}

static gboolean
loop_source_check (GSource *source)
{
  MreEventLoop *self = ((LoopSource *) source)->loop;

  return g_atomic_int_get (&self->wake_pending);
}

static gboolean
loop_source_dispatch (GSource     *source,
                      GSourceFunc  callback,
                      gpointer     user_data)
{
  MreEventLoop *self = ((LoopSource *) source)->loop;

  g_atomic_int_set (&self->wake_pending, FALSE);

  g_object_ref (self);
  g_main_context_push_thread_default (self->context);
  mre_event_loop_drain (self);
  g_main_context_pop_thread_default (self->context);
  g_object_unref (self);

  return G_SOURCE_CONTINUE;
}

static GSourceFuncs loop_source_funcs = {
  .prepare = loop_source_prepare,
  .check = loop_source_check,
  .dispatch = loop_source_dispatch,
};

static void
mre_event_loop_constructed (GObject *object)
{
  MreEventLoop *self = MRE_EVENT_LOOP (object);
  LoopSource *source;

  G_OBJECT_CLASS (mre_event_loop_parent_class)->constructed (object);

  if (self->context == NULL)
    {
      self->context = g_main_context_new ();
      self->own_context = TRUE;
    }

  source = (LoopSource *) g_source_new (&loop_source_funcs, sizeof (LoopSource));
  source->loop = self;
  self->source = (GSource *) source;
  g_source_set_static_name (self->source, "MreEventLoop");
  g_source_set_priority (self->source, G_PRIORITY_DEFAULT);
  g_source_attach (self->source, self->context);
}

static void
mre_event_loop_dispose (GObject *object)
{
  MreEventLoop *self = MRE_EVENT_LOOP (object);

  if (self->source != NULL)
    {
      g_source_destroy (self->source);
      g_clear_pointer (&self->source, g_source_unref);
    }

  G_OBJECT_CLASS (mre_event_loop_parent_class)->dispose (object);
}

static void
mre_event_loop_finalize (GObject *object)
{
  MreEventLoop *self = MRE_EVENT_LOOP (object);

  /* The thread holds a reference while it runs, so it has left the loop
   * and either returned or is returning from its last unref right now. */
  if (self->thread != NULL)
    {
      if (self->thread == g_thread_self ())
        g_thread_unref (self->thread);
      else
        g_thread_join (self->thread);
    }

  mre_queue_clear (&self->queue);
  g_clear_error (&self->stop_error);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_mutex_clear (&self->state_lock);
  g_cond_clear (&self->state_cond);

  G_OBJECT_CLASS (mre_event_loop_parent_class)->finalize (object);
}

static void
mre_event_loop_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  MreEventLoop *self = MRE_EVENT_LOOP (object);

  switch (prop_id)
    {
    case PROP_CONTEXT:
      g_value_set_boxed (value, self->context);
      break;

    case PROP_EXIT_ON_EXCEPTION:
      g_value_set_boolean (value, mre_event_loop_get_exit_on_exception (self));
      break;

    case PROP_RUNNING:
      g_value_set_boolean (value, mre_event_loop_get_running (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mre_event_loop_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  MreEventLoop *self = MRE_EVENT_LOOP (object);

  switch (prop_id)
    {
    case PROP_CONTEXT:
      self->context = g_value_dup_boxed (value);
      break;

    case PROP_EXIT_ON_EXCEPTION:
      mre_event_loop_set_exit_on_exception (self, g_value_get_boolean (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mre_event_loop_class_init (MreEventLoopClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = mre_event_loop_constructed;
  object_class->dispose = mre_event_loop_dispose;
  object_class->finalize = mre_event_loop_finalize;
  object_class->get_property = mre_event_loop_get_property;
  object_class->set_property = mre_event_loop_set_property;

  /**
   * MreEventLoop:context:
   *
   * The #GMainContext the loop's calls run on. Left unset at construction,
   * the loop makes a context of its own and runs it on a thread of its own
   * once started.
   *
   * Since: 0.1
   */
  properties[PROP_CONTEXT] =
    g_param_spec_boxed ("context", NULL, NULL,
                        G_TYPE_MAIN_CONTEXT,
                        (G_PARAM_READWRITE |
                         G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_STATIC_STRINGS));

  /**
   * MreEventLoop:exit-on-exception:
   *
   * Whether a failed call stops the loop. When %TRUE (the default), the
   * loop emits [signal@Mre.EventLoop::exception], stops at once without
   * running the calls queued after the failed one, and
   * [method@Mre.EventLoop.run] and [method@Mre.EventLoop.join] return the
   * call's error. When %FALSE, the loop emits
   * [signal@Mre.EventLoop::exception] and goes on with the next call.
   * mreventloop never calls exit().
   *
   * Since: 0.1
   */
  properties[PROP_EXIT_ON_EXCEPTION] =
    g_param_spec_boolean ("exit-on-exception", NULL, NULL,
                          TRUE,
                          (G_PARAM_READWRITE |
                           G_PARAM_CONSTRUCT |
                           G_PARAM_EXPLICIT_NOTIFY |
                           G_PARAM_STATIC_STRINGS));

  /**
   * MreEventLoop:running:
   *
   * Whether the loop has been started and has not stopped yet.
   *
   * Since: 0.1
   */
  properties[PROP_RUNNING] =
    g_param_spec_boolean ("running", NULL, NULL,
                          FALSE,
                          (G_PARAM_READABLE |
                           G_PARAM_EXPLICIT_NOTIFY |
                           G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * MreEventLoop::started:
   * @self: the loop
   *
   * Emitted on the loop's thread when the loop has started, before any
   * queued call runs.
   *
   * Since: 0.1
   */
  signals[STARTED] =
    g_signal_new ("started",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  /**
   * MreEventLoop::stopped:
   * @self: the loop
   *
   * Emitted on the loop's thread when the loop has stopped, after the
   * calls queued before [method@Mre.EventLoop.stop] ran, or right after a
   * failed call when [property@Mre.EventLoop:exit-on-exception] is set.
   *
   * Since: 0.1
   */
  signals[STOPPED] =
    g_signal_new ("stopped",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  /**
   * MreEventLoop::active:
   * @self: the loop
   *
   * Emitted on the loop's thread when work arrives at an idle loop, just
   * before the first call of the burst runs. Edge-triggered: it is not
   * emitted again until [signal@Mre.EventLoop::idle] was.
   *
   * Since: 0.1
   */
  signals[ACTIVE] =
    g_signal_new ("active",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  /**
   * MreEventLoop::idle:
   * @self: the loop
   *
   * Emitted on the loop's thread when the queue has drained after a burst
   * of calls (and before [signal@Mre.EventLoop::stopped]).
   *
   * Since: 0.1
   */
  signals[IDLE] =
    g_signal_new ("idle",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  /**
   * MreEventLoop::exception:
   * @self: the loop
   * @error: the error the call failed with
   *
   * Emitted on the loop's thread when a call failed, whatever
   * [property@Mre.EventLoop:exit-on-exception] says; when it is set the
   * loop stops right after this signal.
   *
   * Since: 0.1
   */
  signals[EXCEPTION] =
    g_signal_new ("exception",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
mre_event_loop_init (MreEventLoop *self)
{
  mre_queue_init (&self->queue);
  g_mutex_init (&self->state_lock);
  g_cond_init (&self->state_cond);
  self->exit_on_exception = TRUE;
}

/**
 * mre_event_loop_new:
 *
 * Creates a loop with a #GMainContext of its own. [method@Mre.EventLoop.start]
 * runs it on a thread of its own; [method@Mre.EventLoop.run] runs it on the
 * calling thread.
 *
 * Returns: (transfer full): a new, stopped #MreEventLoop
 *
 * Since: 0.1
 */
MreEventLoop *
mre_event_loop_new (void)
{
  return g_object_new (MRE_TYPE_EVENT_LOOP, NULL);
}

/**
 * mre_event_loop_new_for_context:
 * @context: (nullable): the context to run calls on, or %NULL for the
 *   global default context
 *
 * Creates a loop bound to @context: its calls run on whichever thread
 * iterates @context. Bind a loop to GTK's context (the global default)
 * so that slots may touch widgets.
 *
 * Returns: (transfer full): a new, stopped #MreEventLoop
 *
 * Since: 0.1
 */
MreEventLoop *
mre_event_loop_new_for_context (GMainContext *context)
{
  if (context == NULL)
    context = g_main_context_default ();

  return g_object_new (MRE_TYPE_EVENT_LOOP, "context", context, NULL);
}

/**
 * mre_event_loop_get_context:
 * @self: a [class@Mre.EventLoop]
 *
 * Gets the context the calls of @self run on.
 *
 * Returns: (transfer none): the loop's #GMainContext
 *
 * Since: 0.1
 */
GMainContext *
mre_event_loop_get_context (MreEventLoop *self)
{
  g_return_val_if_fail (MRE_IS_EVENT_LOOP (self), NULL);

  return self->context;
}

/**
 * mre_event_loop_get_running:
 * @self: a [class@Mre.EventLoop]
 *
 * Gets [property@Mre.EventLoop:running]. Thread-safe.
 *
 * Returns: %TRUE if the loop was started and has not stopped
 *
 * Since: 0.1
 */
gboolean
mre_event_loop_get_running (MreEventLoop *self)
{
  gboolean ret;

  g_return_val_if_fail (MRE_IS_EVENT_LOOP (self), FALSE);

  g_mutex_lock (&self->state_lock);
  ret = self->state == STATE_RUNNING;
  g_mutex_unlock (&self->state_lock);

  return ret;
}

/**
 * mre_event_loop_get_exit_on_exception:
 * @self: a [class@Mre.EventLoop]
 *
 * Gets [property@Mre.EventLoop:exit-on-exception].
 *
 * Returns: whether a failed call stops the loop
 *
 * Since: 0.1
 */
gboolean
mre_event_loop_get_exit_on_exception (MreEventLoop *self)
{
  g_return_val_if_fail (MRE_IS_EVENT_LOOP (self), FALSE);

  return g_atomic_int_get (&self->exit_on_exception);
}

/**
 * mre_event_loop_set_exit_on_exception:
 * @self: a [class@Mre.EventLoop]
 * @exit_on_exception: whether a failed call stops the loop
 *
 * Sets [property@Mre.EventLoop:exit-on-exception]. Thread-safe.
 *
 * Since: 0.1
 */
void
mre_event_loop_set_exit_on_exception (MreEventLoop *self,
                                      gboolean      exit_on_exception)
{
  g_return_if_fail (MRE_IS_EVENT_LOOP (self));

  exit_on_exception = !!exit_on_exception;
  if (g_atomic_int_exchange (&self->exit_on_exception, exit_on_exception) != exit_on_exception)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EXIT_ON_EXCEPTION]);
}

/**
 * mre_event_loop_is_loop_thread:
 * @self: a [class@Mre.EventLoop]
 *
 * Checks whether the calling thread is the one running the calls of @self
 * right now, that is whether it owns the loop's context.
 *
 * Returns: %TRUE on the loop's thread
 *
 * Since: 0.1
 */
gboolean
mre_event_loop_is_loop_thread (MreEventLoop *self)
{
  g_return_val_if_fail (MRE_IS_EVENT_LOOP (self), FALSE);

  return g_main_context_is_owner (self->context);
}

static void
spawn_hook_clear (gpointer data)
{
  SpawnHook *hook = data;

  if (hook->notify != NULL)
    hook->notify (hook->user_data);
}

/**
 * mre_set_thread_spawn_func:
 * @func: (nullable) (scope notified) (closure user_data) (destroy notify): the
 *   function that starts the thread of each own-thread loop, or %NULL for
 *   a #GThread of the library's
 * @user_data: data passed to @func
 * @notify: (nullable): frees @user_data once @func is no longer used
 *
 * Has @func start the threads of own-thread loops from now on, in place of
 * the #GThread the library makes: the thread of each [class@Mre.EventLoop]
 * made with [ctor@Mre.EventLoop.new] when it is started, which includes the
 * loops that a [class@Mre.Peer] or a [class@Mre.Broker] makes for itself.
 * @func must have [method@Mre.EventLoop.run_thread] called on a new thread
 * (see #MreThreadSpawnFunc); if it fails, so does the start.
 *
 * This is for language bindings whose runtime wants to know the threads
 * that call into it: the Python overrides start a `threading.Thread`, so
 * that a loop thread keeps one Python thread state for its whole life
 * instead of making one for each call into Python. Other code rarely needs
 * it.
 *
 * The setting is process-wide and replaces the previous one, whose @notify
 * is called here, or, if a start is calling the previous function right
 * now, once that call has returned. Loops already running keep their
 * thread; a loop started again later gets one from the new function.
 * Thread-safe.
 *
 * Since: 0.1
 */
void
mre_set_thread_spawn_func (MreThreadSpawnFunc func,
                           gpointer           user_data,
                           GDestroyNotify     notify)
{
  SpawnHook *hook = NULL;
  SpawnHook *old;

  if (func != NULL)
    {
      hook = g_atomic_rc_box_new0 (SpawnHook);
      hook->func = func;
      hook->user_data = user_data;
      hook->notify = notify;
    }
  else if (notify != NULL)
    notify (user_data);

  G_LOCK (spawn_hook);
  old = g_steal_pointer (&spawn_hook);
  spawn_hook = hook;
  G_UNLOCK (spawn_hook);

  if (old != NULL)
    g_atomic_rc_box_release_full (old, spawn_hook_clear);
}

static SpawnHook *
spawn_hook_ref (void)
{
  SpawnHook *hook = NULL;

  G_LOCK (spawn_hook);
  if (spawn_hook != NULL)
    hook = g_atomic_rc_box_acquire (spawn_hook);
  G_UNLOCK (spawn_hook);

  return hook;
}

static gpointer
mre_event_loop_thread (gpointer data)
{
  mre_event_loop_run_thread (data);

  return NULL;
}

/* Starts a thread that calls mre_event_loop_run_thread(): the spawn
 * function's, or a GThread of ours. */
static gboolean
mre_event_loop_spawn (MreEventLoop  *self,
                      GError       **error)
{
  SpawnHook *hook = spawn_hook_ref ();
  GError *local_error = NULL;
  GThread *thread;

  if (hook != NULL)
    {
      gboolean ok = hook->func (self, hook->user_data, &local_error);

      g_atomic_rc_box_release_full (hook, spawn_hook_clear);
      if (ok)
        {
          if (local_error != NULL)
            {
              g_warning ("The thread spawn function succeeded but set an error: %s",
                         local_error->message);
              g_error_free (local_error);
            }
          return TRUE;
        }

      if (local_error == NULL)
        local_error = g_error_new_literal (MRE_ERROR, MRE_ERROR_FAILED,
                                           "The thread spawn function failed without setting an error");
      g_propagate_prefixed_error (error, local_error,
                                  "Could not start the event loop's thread: ");
      return FALSE;
    }

  thread = g_thread_try_new ("mre-event-loop", mre_event_loop_thread, self, &local_error);
  if (thread == NULL)
    {
      g_propagate_prefixed_error (error, local_error,
                                  "Could not start the event loop's thread: ");
      return FALSE;
    }

  g_mutex_lock (&self->state_lock);
  self->thread = thread;
  g_mutex_unlock (&self->state_lock);

  return TRUE;
}

/* Waits until the thread of an earlier run, which has emitted "stopped",
 * has left the loop; not when called on that very thread (from a source
 * of the loop's context dispatched after the stop), which then keeps
 * running the loop. Returns the GThread of ours to reap, if any. */
static GThread *
mre_event_loop_wait_thread_locked (MreEventLoop *self)
{
  while (self->thread_running && self->runner != g_thread_self ())
    g_cond_wait (&self->state_cond, &self->state_lock);

  if (self->thread_running)
    return NULL;

  return g_steal_pointer (&self->thread);
}

/* Marks the loop running, after waiting for the thread of an earlier run
 * to leave, and spawns a thread for this one if @spawn_thread. */
static gboolean
mre_event_loop_begin (MreEventLoop  *self,
                      gboolean       spawn_thread,
                      GError       **error)
{
  GThread *old_thread;
  gboolean spawn;

  g_mutex_lock (&self->state_lock);

  if (self->state != STATE_STOPPED)
    {
      g_mutex_unlock (&self->state_lock);
      return TRUE;
    }

  old_thread = mre_event_loop_wait_thread_locked (self);
  spawn = spawn_thread && !self->thread_running;
  if (spawn)
    self->thread_running = TRUE;

  self->state = STATE_RUNNING;
  self->generation++;
  g_clear_error (&self->stop_error);
  g_atomic_int_set (&self->started_pending, TRUE);

  g_mutex_unlock (&self->state_lock);

  if (old_thread != NULL)
    g_thread_join (old_thread);

  self->quit = FALSE;

  if (spawn)
    {
      /* The thread's reference, dropped by run_thread(). */
      g_object_ref (self);
      if (!mre_event_loop_spawn (self, error))
        {
          g_mutex_lock (&self->state_lock);
          self->thread_running = FALSE;
          self->state = STATE_STOPPED;
          /* This run never was: a stop queued for it is for the next. */
          self->generation--;
          g_atomic_int_set (&self->started_pending, FALSE);
          g_cond_broadcast (&self->state_cond);
          g_mutex_unlock (&self->state_lock);
          g_object_unref (self);
          return FALSE;
        }
    }

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
  mre_event_loop_wake (self);

  return TRUE;
}

/* Runs the loop's calls on this thread, which owns its context, until
 * the loop is stopped; then releases the context. */
static void
mre_event_loop_iterate_until_quit (MreEventLoop *self)
{
  g_main_context_push_thread_default (self->context);
  while (!self->quit)
    g_main_context_iteration (self->context, TRUE);
  g_main_context_pop_thread_default (self->context);
  g_main_context_release (self->context);
}

/**
 * mre_event_loop_run_thread:
 * @self: a [class@Mre.EventLoop]
 *
 * Runs @self on the calling thread until it stops: the body of the thread
 * of an own-thread loop. Only for an #MreThreadSpawnFunc: once it returned
 * %TRUE for @self, call this exactly once, on the new thread it arranged.
 * Anywhere else, use [method@Mre.EventLoop.run].
 *
 * [method@Mre.EventLoop.join] returns, and a new start may run the loop on
 * a new thread, once this has left the loop; this then only drops the
 * reference that kept @self alive while its thread ran, which may be the
 * last one.
 *
 * Since: 0.1
 */
void
mre_event_loop_run_thread (MreEventLoop *self)
{
  g_return_if_fail (MRE_IS_EVENT_LOOP (self));

  g_mutex_lock (&self->state_lock);
  if (!self->thread_running || self->runner != NULL)
    {
      g_mutex_unlock (&self->state_lock);
      g_critical ("mre_event_loop_run_thread: no thread was asked for %p: "
                  "only the thread started by an MreThreadSpawnFunc calls this",
                  self);
      return;
    }
  self->runner = g_thread_self ();
  g_mutex_unlock (&self->state_lock);

  g_main_context_acquire (self->context);
  mre_event_loop_iterate_until_quit (self);

  g_mutex_lock (&self->state_lock);
  self->runner = NULL;
  self->thread_running = FALSE;
  g_cond_broadcast (&self->state_cond);
  g_mutex_unlock (&self->state_lock);

  g_object_unref (self);
}

gboolean
mre_event_loop_has_own_thread (MreEventLoop *self)
{
  return self->own_context;
}

/**
 * mre_event_loop_start:
 * @self: a [class@Mre.EventLoop]
 * @error: return location for a #GError
 *
 * Starts @self. A loop made with [ctor@Mre.EventLoop.new] starts a thread
 * of its own (through the function of [func@Mre.set_thread_spawn_func], if
 * one is set); a loop bound to a context runs its calls as soon as that
 * context is iterated. Calls queued before start run first, in order,
 * after [signal@Mre.EventLoop::started].
 *
 * Starting a running loop does nothing. A running own-thread loop keeps a
 * reference on itself until it stopped: stop it before dropping it.
 * Thread-safe.
 *
 * Returns: %TRUE on success, %FALSE if the thread could not be created;
 *   the loop then stays stopped
 *
 * Since: 0.1
 */
gboolean
mre_event_loop_start (MreEventLoop  *self,
                      GError       **error)
{
  g_return_val_if_fail (MRE_IS_EVENT_LOOP (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return mre_event_loop_begin (self, self->own_context, error);
}

/**
 * mre_event_loop_stop:
 * @self: a [class@Mre.EventLoop]
 *
 * Asks @self to stop once every call queued so far has run: the stop is
 * queued like a call. Calls queued after it stay queued and run when the
 * loop is started again. Emits [signal@Mre.EventLoop::stopped] when done.
 *
 * On a loop that is not running, the stop is for its next run: queue
 * work, call this, then [method@Mre.EventLoop.run], and the run returns
 * once that work is done. A stop is only ever for one run: stopping twice
 * does not stop the run after. Thread-safe, and may be called from a call
 * running on @self.
 *
 * Since: 0.1
 */
void
mre_event_loop_stop (MreEventLoop *self)
{
  MreQueueItem item = { MRE_ITEM_STOP, NULL, NULL, NULL };
  guint generation;

  g_return_if_fail (MRE_IS_EVENT_LOOP (self));

  g_mutex_lock (&self->state_lock);
  generation = self->generation;
  if (self->state != STATE_RUNNING)
    generation++;
  g_mutex_unlock (&self->state_lock);

  item.data = GUINT_TO_POINTER (generation);
  mre_event_loop_push (self, &item);
}

/**
 * mre_event_loop_join:
 * @self: a [class@Mre.EventLoop]
 * @error: return location for a #GError
 *
 * Blocks until @self has stopped, for example after
 * [method@Mre.EventLoop.stop] or a failed call, and its thread has left
 * it (a #GThread of the library's is reaped). Returns at once if the loop
 * is not running. Must not be called on the loop's own thread.
 *
 * Returns: %FALSE with @error set to the error of the call that stopped the
 *   loop (see [property@Mre.EventLoop:exit-on-exception]), %TRUE otherwise
 *
 * Since: 0.1
 */
gboolean
mre_event_loop_join (MreEventLoop  *self,
                     GError       **error)
{
  GThread *thread;
  GError *stop_error = NULL;

  g_return_val_if_fail (MRE_IS_EVENT_LOOP (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  g_return_val_if_fail (!mre_event_loop_is_loop_thread (self), FALSE);

  g_mutex_lock (&self->state_lock);
  while (self->state != STATE_STOPPED)
    g_cond_wait (&self->state_cond, &self->state_lock);
  thread = mre_event_loop_wait_thread_locked (self);
  if (self->stop_error != NULL)
    stop_error = g_error_copy (self->stop_error);
  g_mutex_unlock (&self->state_lock);

  if (thread != NULL)
    g_thread_join (thread);

  if (stop_error != NULL)
    {
      g_propagate_error (error, stop_error);
      return FALSE;
    }

  return TRUE;
}

/**
 * mre_event_loop_run:
 * @self: a [class@Mre.EventLoop]
 * @error: return location for a #GError
 *
 * Starts @self and runs it on the calling thread until it stops: the
 * blocking form for a program's main thread. A loop made with
 * [ctor@Mre.EventLoop.new] then uses the calling thread instead of one of
 * its own; a bound loop iterates its context on the calling thread.
 *
 * Returns: %FALSE with @error set to the error of the call that stopped the
 *   loop, or %MRE_ERROR_BUSY if the loop already runs on another thread;
 *   %TRUE once the loop stopped after [method@Mre.EventLoop.stop]
 *
 * Since: 0.1
 */
gboolean
mre_event_loop_run (MreEventLoop  *self,
                    GError       **error)
{
  g_autoptr(MreEventLoop) hold = NULL;
  GThread *old_thread = NULL;
  GError *stop_error = NULL;
  gboolean busy;

  g_return_val_if_fail (MRE_IS_EVENT_LOOP (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  g_mutex_lock (&self->state_lock);
  if (self->state == STATE_STOPPED)
    old_thread = mre_event_loop_wait_thread_locked (self);
  busy = self->thread_running && self->state != STATE_STOPPED;
  g_mutex_unlock (&self->state_lock);

  if (old_thread != NULL)
    g_thread_join (old_thread);

  if (busy || !g_main_context_acquire (self->context))
    {
      g_set_error_literal (error, MRE_ERROR, MRE_ERROR_BUSY,
                           "The event loop already runs on another thread");
      return FALSE;
    }

  hold = g_object_ref (self);
  mre_event_loop_begin (self, FALSE, NULL);

  mre_event_loop_iterate_until_quit (self);

  g_mutex_lock (&self->state_lock);
  if (self->stop_error != NULL)
    stop_error = g_error_copy (self->stop_error);
  g_mutex_unlock (&self->state_lock);

  if (stop_error != NULL)
    {
      g_propagate_error (error, stop_error);
      return FALSE;
    }

  return TRUE;
}

/**
 * mre_event_loop_invoke:
 * @self: a [class@Mre.EventLoop]
 * @func: (scope notified) (closure user_data) (destroy destroy): the call to queue
 * @user_data: data passed to @func
 * @destroy: (nullable): frees @user_data once @func has run or was dropped
 *
 * Queues @func to run on the thread of @self, after every call queued
 * before it. Calls run one at a time in the order they were queued,
 * whichever thread queued them; @func never runs inside this call, even on
 * the loop's own thread. If @func fails, the loop handles the error as
 * [property@Mre.EventLoop:exit-on-exception] says. Thread-safe.
 *
 * Since: 0.1
 */
void
mre_event_loop_invoke (MreEventLoop   *self,
                       MreFunc         func,
                       gpointer        user_data,
                       GDestroyNotify  destroy)
{
  MreQueueItem item = { MRE_ITEM_SYNC, func, user_data, destroy };

  g_return_if_fail (MRE_IS_EVENT_LOOP (self));
  g_return_if_fail (func != NULL);

  mre_event_loop_push (self, &item);
}

/**
 * mre_event_loop_invoke_async:
 * @self: a [class@Mre.EventLoop]
 * @func: (scope notified) (closure user_data) (destroy destroy): the call to queue
 * @user_data: data passed to @func
 * @destroy: (nullable): frees @user_data once the call has completed or was dropped
 *
 * Queues an asynchronous call, in the same FIFO as
 * [method@Mre.EventLoop.invoke]. @func receives a #GTask (transfer none:
 * take a reference to keep it past @func's return) and the call is
 * complete once that task has returned a boolean or an error; until then
 * the loop runs nothing else. The task may return from any thread. A task
 * that returns %FALSE or an error counts as a failed call. Thread-safe.
 *
 * Since: 0.1
 */
void
mre_event_loop_invoke_async (MreEventLoop   *self,
                             MreAsyncFunc    func,
                             gpointer        user_data,
                             GDestroyNotify  destroy)
{
  MreQueueItem item = { MRE_ITEM_ASYNC, func, user_data, destroy };

  g_return_if_fail (MRE_IS_EVENT_LOOP (self));
  g_return_if_fail (func != NULL);

  mre_event_loop_push (self, &item);
}

typedef struct
{
  GWeakRef       loop;
  GCancellable  *cancellable;
  MreFunc        func;
  gpointer       data;
  GDestroyNotify destroy;
} Timer;

static void
timer_free (gpointer ptr)
{
  Timer *timer = ptr;

  if (timer->destroy != NULL)
    timer->destroy (timer->data);
  g_weak_ref_clear (&timer->loop);
  g_clear_object (&timer->cancellable);
  g_free (timer);
}

static gboolean
timer_run (gpointer  user_data,
           GError  **error)
{
  Timer *timer = user_data;

  if (timer->cancellable != NULL && g_cancellable_is_cancelled (timer->cancellable))
    return TRUE;

  return timer->func (timer->data, error);
}

static gboolean
timer_fired (gpointer user_data)
{
  Timer *timer = user_data;
  g_autoptr(MreEventLoop) loop = g_weak_ref_get (&timer->loop);
  Timer *queued;

  if (loop == NULL ||
      (timer->cancellable != NULL && g_cancellable_is_cancelled (timer->cancellable)))
    return G_SOURCE_REMOVE;

  /* Hand the call over to the FIFO; the source keeps an empty shell. */
  queued = g_new0 (Timer, 1);
  g_weak_ref_init (&queued->loop, NULL);
  queued->cancellable = g_steal_pointer (&timer->cancellable);
  queued->func = timer->func;
  queued->data = g_steal_pointer (&timer->data);
  queued->destroy = g_steal_pointer (&timer->destroy);
  mre_event_loop_invoke (loop, timer_run, queued, timer_free);

  return G_SOURCE_REMOVE;
}

/**
 * mre_event_loop_invoke_after:
 * @self: a [class@Mre.EventLoop]
 * @delay_ms: the delay in milliseconds
 * @cancellable: (nullable): a #GCancellable to drop the call
 * @func: (scope notified) (closure user_data) (destroy destroy): the call to queue
 * @user_data: data passed to @func
 * @destroy: (nullable): frees @user_data once @func has run or was dropped
 *
 * Queues @func on @self after @delay_ms milliseconds, measured on the
 * loop's context: once the delay has passed, @func joins the FIFO behind
 * the calls queued by then. If @cancellable is cancelled first, @func
 * never runs (@destroy still does). Thread-safe.
 *
 * Since: 0.1
 */
void
mre_event_loop_invoke_after (MreEventLoop   *self,
                             guint           delay_ms,
                             GCancellable   *cancellable,
                             MreFunc         func,
                             gpointer        user_data,
                             GDestroyNotify  destroy)
{
  g_autoptr(GSource) source = NULL;
  Timer *timer;

  g_return_if_fail (MRE_IS_EVENT_LOOP (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));
  g_return_if_fail (func != NULL);

  timer = g_new0 (Timer, 1);
  g_weak_ref_init (&timer->loop, self);
  g_set_object (&timer->cancellable, cancellable);
  timer->func = func;
  timer->data = user_data;
  timer->destroy = destroy;

  source = g_timeout_source_new (delay_ms);
  g_source_set_static_name (source, "MreEventLoop timer");
  g_source_set_callback (source, timer_fired, timer, timer_free);
  g_source_attach (source, self->context);
}
