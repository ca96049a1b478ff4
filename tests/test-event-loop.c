/* test-event-loop.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <mreventloop.h>

#include "test-util.h"

/* Loop signals ---------------------------------------------------------- */

/* Records the name of any void loop signal it is connected to. */
static void
on_loop_signal (MreEventLoop *loop,
                gpointer      user_data)
{
  GSignalInvocationHint *hint = g_signal_get_invocation_hint (loop);

  test_log_add (user_data, "%s", g_signal_name (hint->signal_id));
}

static void
on_loop_exception (MreEventLoop *loop,
                   GError       *error,
                   gpointer      user_data)
{
  g_assert_nonnull (error);
  test_log_add (user_data, "exception:%s", error->message);
}

static void
log_loop_signals (MreEventLoop *loop,
                  TestLog      *log,
                  gboolean      active_idle)
{
  g_signal_connect (loop, "started", G_CALLBACK (on_loop_signal), log);
  g_signal_connect (loop, "stopped", G_CALLBACK (on_loop_signal), log);
  g_signal_connect (loop, "exception", G_CALLBACK (on_loop_exception), log);
  if (active_idle)
    {
      g_signal_connect (loop, "active", G_CALLBACK (on_loop_signal), log);
      g_signal_connect (loop, "idle", G_CALLBACK (on_loop_signal), log);
    }
}

/* Simple calls ---------------------------------------------------------- */

/* A call that logs its name and checks it is alone on the loop. */
typedef struct
{
  MreEventLoop *loop;
  TestLog      *log;
  TestGate     *gate;      /* waited on before logging, if set */
  char         *name;
  gboolean      stop;      /* calls mre_event_loop_stop() */
  char         *invoke;    /* queues a call of this name after stopping */
  gint         *destroyed; /* incremented by the destroy notify */
} LogCall;

static gint in_call;

static LogCall *
log_call_new (MreEventLoop *loop,
              TestLog      *log,
              const char   *name)
{
  LogCall *call = g_new0 (LogCall, 1);

  call->loop = loop;
  call->log = log;
  call->name = g_strdup (name);

  return call;
}

static void
log_call_free (gpointer data)
{
  LogCall *call = data;

  if (call->destroyed != NULL)
    g_atomic_int_inc (call->destroyed);
  g_free (call->invoke);
  g_free (call->name);
  g_free (call);
}

static gboolean log_call_run (gpointer   user_data,
                              GError   **error);

static void
invoke_log_call (MreEventLoop *loop,
                 LogCall      *call)
{
  mre_event_loop_invoke (loop, log_call_run, call, log_call_free);
}

static gboolean
log_call_run (gpointer   user_data,
              GError   **error)
{
  LogCall *call = user_data;

  g_assert_cmpint (g_atomic_int_add (&in_call, 1), ==, 0);
  g_assert_true (mre_event_loop_is_loop_thread (call->loop));
  g_assert_true (mre_event_loop_get_running (call->loop));

  if (call->gate != NULL)
    test_gate_wait (call->gate);

  test_log_add (call->log, "%s", call->name);

  if (call->stop)
    mre_event_loop_stop (call->loop);
  if (call->invoke != NULL)
    {
      LogCall *next = log_call_new (call->loop, call->log, call->invoke);

      next->destroyed = call->destroyed;
      invoke_log_call (call->loop, next);
    }

  g_assert_cmpint (g_atomic_int_add (&in_call, -1), ==, 1);

  return TRUE;
}

static void
invoke_named (MreEventLoop *loop,
              TestLog      *log,
              const char   *name)
{
  invoke_log_call (loop, log_call_new (loop, log, name));
}

static void
invoke_stop (MreEventLoop *loop,
             TestLog      *log,
             const char   *name)
{
  LogCall *call = log_call_new (loop, log, name);

  call->stop = TRUE;
  invoke_log_call (loop, call);
}

static void
invoke_gated (MreEventLoop *loop,
              TestLog      *log,
              TestGate     *gate,
              const char   *name)
{
  LogCall *call = log_call_new (loop, log, name);

  call->gate = gate;
  invoke_log_call (loop, call);
}

static gboolean
fail_call (gpointer   user_data,
           GError   **error)
{
  test_log_add (user_data, "fail");
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "boom");

  return FALSE;
}

static gboolean
fail_without_error_call (gpointer   user_data,
                         GError   **error)
{
  test_log_add (user_data, "fail-silently");

  return FALSE;
}

/* Fixture: an own-thread loop whose signals go to a log ----------------- */

typedef struct
{
  MreEventLoop *loop;
  TestLog       log;
  TestGate      gate;
} LoopFixture;

static void
loop_fixture_set_up (LoopFixture   *fixture,
                     gconstpointer  data)
{
  fixture->loop = mre_event_loop_new ();
  test_log_init (&fixture->log);
  test_gate_init (&fixture->gate);
  g_atomic_int_set (&in_call, 0);
}

static void
loop_fixture_tear_down (LoopFixture   *fixture,
                        gconstpointer  data)
{
  /* Every test leaves its loop stopped; nothing may keep it alive. */
  g_assert_false (mre_event_loop_get_running (fixture->loop));
  g_assert_finalize_object (fixture->loop);
  test_gate_clear (&fixture->gate);
  test_log_clear (&fixture->log);
}

static void
loop_join_ok (MreEventLoop *loop)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (mre_event_loop_join (loop, &error));
  g_assert_no_error (error);
  g_assert_false (mre_event_loop_get_running (loop));
}

/* /event-loop/fifo/four-threads ----------------------------------------- */

#define N_PRODUCERS 4
#define N_CALLS_PER_PRODUCER 10000
#define N_CALLS_TOTAL (N_PRODUCERS * N_CALLS_PER_PRODUCER)

typedef struct
{
  MreEventLoop *loop;
  gboolean      serialize;   /* take enqueue_lock around seq + invoke */
  TestGate      go;
  GMutex        enqueue_lock;
  guint         next_seq;
  /* Written by the loop thread only; read after join. */
  guint        *run_seq;
  guint         n_run;
  guint         next_index[N_PRODUCERS];
  gint          in_call;
  gint          n_destroyed;
} FifoState;

typedef struct
{
  FifoState *state;
  guint      producer;
  guint      index;
  guint      seq;
} FifoCall;

typedef struct
{
  FifoState *state;
  guint      producer;
} FifoProducer;

static gboolean
fifo_call_run (gpointer   user_data,
               GError   **error)
{
  FifoCall *call = user_data;
  FifoState *state = call->state;

  g_assert_cmpint (g_atomic_int_add (&state->in_call, 1), ==, 0);

  g_assert_true (mre_event_loop_is_loop_thread (state->loop));
  g_assert_cmpuint (state->n_run, <, N_CALLS_TOTAL);
  /* Each producer's calls run in the order it queued them. */
  g_assert_cmpuint (call->index, ==, state->next_index[call->producer]);
  state->next_index[call->producer]++;
  state->run_seq[state->n_run++] = call->seq;

  g_assert_cmpint (g_atomic_int_add (&state->in_call, -1), ==, 1);

  return TRUE;
}

static void
fifo_call_free (gpointer data)
{
  FifoCall *call = data;

  g_atomic_int_inc (&call->state->n_destroyed);
  g_free (call);
}

static gpointer
fifo_producer_thread (gpointer data)
{
  FifoProducer *producer = data;
  FifoState *state = producer->state;

  test_gate_wait (&state->go);

  for (guint i = 0; i < N_CALLS_PER_PRODUCER; i++)
    {
      FifoCall *call = g_new0 (FifoCall, 1);

      call->state = state;
      call->producer = producer->producer;
      call->index = i;

      if (state->serialize)
        {
          /* The sequence number and the enqueue happen atomically, so
           * seq order is the enqueue order. */
          g_mutex_lock (&state->enqueue_lock);
          call->seq = state->next_seq++;
          mre_event_loop_invoke (state->loop, fifo_call_run, call, fifo_call_free);
          g_mutex_unlock (&state->enqueue_lock);
        }
      else
        {
          mre_event_loop_invoke (state->loop, fifo_call_run, call, fifo_call_free);
        }
    }

  return NULL;
}

static void
test_fifo_four_threads (gconstpointer data)
{
  gboolean serialize = GPOINTER_TO_INT (data);
  g_autoptr(GError) error = NULL;
  FifoProducer producers[N_PRODUCERS];
  GThread *threads[N_PRODUCERS];
  FifoState state = { 0 };

  state.loop = mre_event_loop_new ();
  state.serialize = serialize;
  state.run_seq = g_new0 (guint, N_CALLS_TOTAL);
  g_mutex_init (&state.enqueue_lock);
  test_gate_init (&state.go);

  g_assert_false (mre_event_loop_is_loop_thread (state.loop));
  g_assert_true (mre_event_loop_start (state.loop, &error));
  g_assert_no_error (error);

  for (guint p = 0; p < N_PRODUCERS; p++)
    {
      producers[p].state = &state;
      producers[p].producer = p;
      threads[p] = g_thread_new ("producer", fifo_producer_thread, &producers[p]);
    }
  test_gate_open (&state.go);
  for (guint p = 0; p < N_PRODUCERS; p++)
    g_thread_join (threads[p]);

  mre_event_loop_stop (state.loop);
  loop_join_ok (state.loop);

  g_assert_cmpuint (state.n_run, ==, N_CALLS_TOTAL);
  g_assert_cmpint (g_atomic_int_get (&state.n_destroyed), ==, N_CALLS_TOTAL);
  for (guint p = 0; p < N_PRODUCERS; p++)
    g_assert_cmpuint (state.next_index[p], ==, N_CALLS_PER_PRODUCER);
  if (serialize)
    {
      /* The calls ran in exactly the order they were queued. */
      for (guint i = 0; i < N_CALLS_TOTAL; i++)
        g_assert_cmpuint (state.run_seq[i], ==, i);
    }

  g_assert_finalize_object (state.loop);
  test_gate_clear (&state.go);
  g_mutex_clear (&state.enqueue_lock);
  g_free (state.run_seq);
}

/* /event-loop/async ----------------------------------------------------- */

typedef struct
{
  MreEventLoop *loop;
  TestLog      *log;
  char         *name;
  guint         delay_ms;
  gboolean      fail;
} AsyncCall;

static AsyncCall *
async_call_new (MreEventLoop *loop,
                TestLog      *log,
                const char   *name,
                guint         delay_ms)
{
  AsyncCall *call = g_new0 (AsyncCall, 1);

  call->loop = loop;
  call->log = log;
  call->name = g_strdup (name);
  call->delay_ms = delay_ms;

  return call;
}

static void
async_call_free (gpointer data)
{
  AsyncCall *call = data;

  g_free (call->name);
  g_free (call);
}

typedef struct
{
  AsyncCall *call;
  GTask     *task;
} AsyncCompletion;

static gboolean
async_call_complete_cb (gpointer data)
{
  AsyncCompletion *completion = data;
  AsyncCall *call = completion->call;

  test_log_add (call->log, "%s-end", call->name);
  /* Leave the slot before returning: the loop may start the next call
   * from inside g_task_return_*(). */
  g_assert_cmpint (g_atomic_int_add (&in_call, -1), ==, 1);
  if (call->fail)
    g_task_return_new_error (completion->task, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                             "async %s failed", call->name);
  else
    g_task_return_boolean (completion->task, TRUE);

  return G_SOURCE_REMOVE;
}

static void
async_completion_free (gpointer data)
{
  AsyncCompletion *completion = data;

  g_object_unref (completion->task);
  g_free (completion);
}

static void
async_call_run (GTask    *task,
                gpointer  user_data)
{
  AsyncCall *call = user_data;
  AsyncCompletion *completion;
  GMainContext *context = g_main_context_get_thread_default ();
  GSource *source;

  g_assert_true (G_IS_TASK (task));
  g_assert_cmpint (g_atomic_int_add (&in_call, 1), ==, 0);
  g_assert_true (mre_event_loop_is_loop_thread (call->loop));
  /* While a call runs, the thread-default context is the loop's. */
  g_assert_true (context == mre_event_loop_get_context (call->loop));

  test_log_add (call->log, "%s-start", call->name);

  completion = g_new0 (AsyncCompletion, 1);
  completion->call = call;
  completion->task = g_object_ref (task);
  source = g_timeout_source_new (call->delay_ms);
  g_source_set_callback (source, async_call_complete_cb, completion, async_completion_free);
  g_source_attach (source, context);
  g_source_unref (source);
}

static void
invoke_async (MreEventLoop *loop,
              AsyncCall    *call)
{
  mre_event_loop_invoke_async (loop, async_call_run, call, async_call_free);
}

/* The sync call queued right after an async call starts only once the
 * async call's task has returned, 50 ms later. */
static void
test_async_holds_queue (LoopFixture   *fixture,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  invoke_async (fixture->loop, async_call_new (fixture->loop, &fixture->log, "async", 50));
  invoke_named (fixture->loop, &fixture->log, "sync");
  invoke_stop (fixture->loop, &fixture->log, "stop");

  g_assert_true (mre_event_loop_start (fixture->loop, &error));
  g_assert_no_error (error);
  loop_join_ok (fixture->loop);

  test_log_assert (&fixture->log, "async-start", "async-end", "sync", "stop");
}

/* Three async and three sync calls interleave exactly as queued. The
 * delays shrink, so async calls that overlapped would finish out of order. */
static void
test_async_interleaving (LoopFixture   *fixture,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (mre_event_loop_start (fixture->loop, &error));
  g_assert_no_error (error);

  invoke_gated (fixture->loop, &fixture->log, &fixture->gate, "gate");
  invoke_async (fixture->loop, async_call_new (fixture->loop, &fixture->log, "a1", 50));
  invoke_named (fixture->loop, &fixture->log, "s1");
  invoke_named (fixture->loop, &fixture->log, "s2");
  invoke_async (fixture->loop, async_call_new (fixture->loop, &fixture->log, "a2", 25));
  invoke_async (fixture->loop, async_call_new (fixture->loop, &fixture->log, "a3", 5));
  invoke_named (fixture->loop, &fixture->log, "s3");
  mre_event_loop_stop (fixture->loop);
  test_gate_open (&fixture->gate);
  loop_join_ok (fixture->loop);

  test_log_assert (&fixture->log,
                   "gate",
                   "a1-start", "a1-end",
                   "s1", "s2",
                   "a2-start", "a2-end",
                   "a3-start", "a3-end",
                   "s3");
}

/* An async call may complete from another thread. */
typedef struct
{
  TestLog *log;
  GThread *completer;
} ThreadedCompletion;

static gpointer
complete_from_thread (gpointer data)
{
  g_autoptr(GTask) task = data;

  g_task_return_boolean (task, TRUE);

  return NULL;
}

static void
async_call_run_threaded (GTask    *task,
                         gpointer  user_data)
{
  ThreadedCompletion *completion = user_data;

  test_log_add (completion->log, "threaded-start");
  completion->completer = g_thread_new ("completer", complete_from_thread, g_object_ref (task));
}

static void
test_async_complete_from_thread (LoopFixture   *fixture,
                                 gconstpointer  data)
{
  ThreadedCompletion completion = { &fixture->log, NULL };

  mre_event_loop_invoke_async (fixture->loop, async_call_run_threaded, &completion, NULL);
  invoke_named (fixture->loop, &fixture->log, "after");
  invoke_stop (fixture->loop, &fixture->log, "stop");

  g_assert_true (mre_event_loop_run (fixture->loop, NULL));
  test_log_assert (&fixture->log, "threaded-start", "after", "stop");

  /* The completer's task reference holds the loop until it let go. */
  g_assert_nonnull (completion.completer);
  g_thread_join (completion.completer);
}

/* /event-loop/stop ------------------------------------------------------ */

typedef struct
{
  MreEventLoop *loop;
  guint         n_run;
  guint         n_run_at_stopped;
  gboolean      stopped;
} DrainState;

typedef struct
{
  DrainState *state;
  guint       index;
} DrainCall;

static gboolean
drain_call_run (gpointer   user_data,
                GError   **error)
{
  DrainCall *call = user_data;

  g_assert_false (call->state->stopped);
  g_assert_cmpuint (call->index, ==, call->state->n_run);
  call->state->n_run++;

  return TRUE;
}

static void
on_drain_stopped (MreEventLoop *loop,
                  gpointer      user_data)
{
  DrainState *state = user_data;

  state->n_run_at_stopped = state->n_run;
  state->stopped = TRUE;
}

/* 1,000 calls are queued behind a blocked call when stop() is called:
 * all of them run before "stopped". */
static void
test_stop_drains_queue (LoopFixture   *fixture,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  DrainState state = { 0 };

  state.loop = fixture->loop;
  g_signal_connect (fixture->loop, "stopped", G_CALLBACK (on_drain_stopped), &state);

  g_assert_true (mre_event_loop_start (fixture->loop, &error));
  g_assert_no_error (error);
  invoke_gated (fixture->loop, &fixture->log, &fixture->gate, "gate");
  for (guint i = 0; i < 1000; i++)
    {
      DrainCall *call = g_new0 (DrainCall, 1);

      call->state = &state;
      call->index = i;
      mre_event_loop_invoke (fixture->loop, drain_call_run, call, g_free);
    }
  mre_event_loop_stop (fixture->loop);
  test_gate_open (&fixture->gate);
  loop_join_ok (fixture->loop);

  g_assert_true (state.stopped);
  g_assert_cmpuint (state.n_run_at_stopped, ==, 1000);
  g_assert_cmpuint (state.n_run, ==, 1000);
  test_log_assert (&fixture->log, "gate");
}

/* stop() from inside a call: calls queued before it still run, a call
 * queued after it stays queued and is destroyed unrun with the loop. */
static void
test_stop_from_inside_call (void)
{
  MreEventLoop *loop = mre_event_loop_new ();
  g_autoptr(GError) error = NULL;
  TestLog log;
  LogCall *call;
  gint destroyed = 0;

  test_log_init (&log);
  g_signal_connect (loop, "stopped", G_CALLBACK (on_loop_signal), &log);
  g_atomic_int_set (&in_call, 0);

  call = log_call_new (loop, &log, "call-1");
  call->stop = TRUE;
  call->invoke = g_strdup ("call-3");
  call->destroyed = &destroyed;
  invoke_log_call (loop, call);
  call = log_call_new (loop, &log, "call-2");
  call->destroyed = &destroyed;
  invoke_log_call (loop, call);

  g_assert_true (mre_event_loop_run (loop, &error));
  g_assert_no_error (error);
  g_assert_false (mre_event_loop_get_running (loop));
  test_log_assert (&log, "call-1", "call-2", "stopped");
  g_assert_cmpint (destroyed, ==, 2);

  g_assert_finalize_object (loop);
  g_assert_cmpint (destroyed, ==, 3);
  test_log_assert (&log, "call-1", "call-2", "stopped");
  test_log_clear (&log);
}

/* Calls queued after stop() wait for the next start. */
static void
test_stop_restart (LoopFixture   *fixture,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  g_signal_connect (fixture->loop, "stopped", G_CALLBACK (on_loop_signal), &fixture->log);

  g_assert_true (mre_event_loop_start (fixture->loop, &error));
  g_assert_no_error (error);
  invoke_gated (fixture->loop, &fixture->log, &fixture->gate, "gate");
  mre_event_loop_stop (fixture->loop);
  invoke_named (fixture->loop, &fixture->log, "late");
  test_gate_open (&fixture->gate);
  loop_join_ok (fixture->loop);
  test_log_assert (&fixture->log, "gate", "stopped");

  g_assert_true (mre_event_loop_start (fixture->loop, &error));
  g_assert_no_error (error);
  mre_event_loop_stop (fixture->loop);
  loop_join_ok (fixture->loop);
  test_log_assert (&fixture->log, "gate", "stopped", "late", "stopped");
}

/* stop() on a loop that is not running is for its next run: queue work,
 * stop, run, and run returns once that work is done. Stopping twice stops
 * one run only. */
static void
test_stop_before_run (LoopFixture   *fixture,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  g_signal_connect (fixture->loop, "stopped", G_CALLBACK (on_loop_signal), &fixture->log);

  invoke_named (fixture->loop, &fixture->log, "call-1");
  invoke_named (fixture->loop, &fixture->log, "call-2");
  mre_event_loop_stop (fixture->loop);
  mre_event_loop_stop (fixture->loop);
  invoke_named (fixture->loop, &fixture->log, "call-3");

  g_assert_true (mre_event_loop_run (fixture->loop, &error));
  g_assert_no_error (error);
  test_log_assert (&fixture->log, "call-1", "call-2", "stopped");

  /* The second stop() was for the same run: the next run is not cut short
   * by it, and ends at the stop queued for it. */
  invoke_named (fixture->loop, &fixture->log, "call-4");
  mre_event_loop_stop (fixture->loop);
  g_assert_true (mre_event_loop_run (fixture->loop, &error));
  g_assert_no_error (error);
  test_log_assert (&fixture->log, "call-1", "call-2", "stopped",
                   "call-3", "call-4", "stopped");
}

/* /event-loop/signals --------------------------------------------------- */

/* start; invoke x3; stop gives started, active, the calls, idle, stopped.
 * The first call holds the loop so that the three form one burst. */
static void
test_signals_order (LoopFixture   *fixture,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  log_loop_signals (fixture->loop, &fixture->log, TRUE);

  g_assert_true (mre_event_loop_start (fixture->loop, &error));
  g_assert_no_error (error);
  invoke_gated (fixture->loop, &fixture->log, &fixture->gate, "call-1");
  invoke_named (fixture->loop, &fixture->log, "call-2");
  invoke_named (fixture->loop, &fixture->log, "call-3");
  mre_event_loop_stop (fixture->loop);
  test_gate_open (&fixture->gate);
  loop_join_ok (fixture->loop);

  test_log_assert (&fixture->log,
                   "started", "active", "call-1", "call-2", "call-3", "idle", "stopped");
}

/* The same order when run() drives the loop on the calling thread and the
 * last call stops it. */
static void
test_signals_order_run (LoopFixture   *fixture,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  log_loop_signals (fixture->loop, &fixture->log, TRUE);

  invoke_named (fixture->loop, &fixture->log, "call-1");
  invoke_named (fixture->loop, &fixture->log, "call-2");
  invoke_stop (fixture->loop, &fixture->log, "call-3");
  g_assert_true (mre_event_loop_run (fixture->loop, &error));
  g_assert_no_error (error);

  test_log_assert (&fixture->log,
                   "started", "active", "call-1", "call-2", "call-3", "idle", "stopped");
}

static void
on_idle_count (MreEventLoop *loop,
               gpointer      user_data)
{
  test_counter_inc (user_data);
}

/* active and idle are edge-triggered: one pair a burst, not one a call. */
static void
test_signals_edge_triggered (LoopFixture   *fixture,
                             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  TestCounter idles;
  TestGate second;

  test_counter_init (&idles);
  test_gate_init (&second);
  log_loop_signals (fixture->loop, &fixture->log, TRUE);
  g_signal_connect (fixture->loop, "idle", G_CALLBACK (on_idle_count), &idles);

  g_assert_true (mre_event_loop_start (fixture->loop, &error));
  g_assert_no_error (error);

  invoke_gated (fixture->loop, &fixture->log, &fixture->gate, "a1");
  invoke_named (fixture->loop, &fixture->log, "a2");
  invoke_named (fixture->loop, &fixture->log, "a3");
  test_gate_open (&fixture->gate);
  test_counter_wait (&idles, 1);

  invoke_gated (fixture->loop, &fixture->log, &second, "b1");
  invoke_named (fixture->loop, &fixture->log, "b2");
  mre_event_loop_stop (fixture->loop);
  test_gate_open (&second);
  loop_join_ok (fixture->loop);

  test_log_assert (&fixture->log,
                   "started",
                   "active", "a1", "a2", "a3", "idle",
                   "active", "b1", "b2", "idle",
                   "stopped");
  g_assert_cmpuint (test_counter_get (&idles), ==, 2);

  test_gate_clear (&second);
  test_counter_clear (&idles);
}

/* /event-loop/exception ------------------------------------------------- */

/* With exit-on-exception (the default), the first failing call stops the
 * loop: run() returns its error, later calls stay queued. */
static void
test_exception_exit (LoopFixture   *fixture,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gboolean exit_on_exception = FALSE;

  g_object_get (fixture->loop, "exit-on-exception", &exit_on_exception, NULL);
  g_assert_true (exit_on_exception);
  g_assert_true (mre_event_loop_get_exit_on_exception (fixture->loop));

  log_loop_signals (fixture->loop, &fixture->log, FALSE);
  invoke_named (fixture->loop, &fixture->log, "call-1");
  mre_event_loop_invoke (fixture->loop, fail_call, &fixture->log, NULL);
  invoke_named (fixture->loop, &fixture->log, "call-2");

  g_assert_false (mre_event_loop_run (fixture->loop, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==, "boom");
  g_assert_false (mre_event_loop_get_running (fixture->loop));
  test_log_assert (&fixture->log,
                   "started", "call-1", "fail", "exception:boom", "stopped");

  /* call-2 was kept: the next run starts with it. */
  g_clear_error (&error);
  invoke_stop (fixture->loop, &fixture->log, "call-3");
  g_assert_true (mre_event_loop_run (fixture->loop, &error));
  g_assert_no_error (error);
  test_log_assert (&fixture->log,
                   "started", "call-1", "fail", "exception:boom", "stopped",
                   "started", "call-2", "call-3", "stopped");
}

/* join() returns the error that stopped an own-thread loop. */
static void
test_exception_join (LoopFixture   *fixture,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  log_loop_signals (fixture->loop, &fixture->log, FALSE);
  g_assert_true (mre_event_loop_start (fixture->loop, &error));
  g_assert_no_error (error);
  invoke_gated (fixture->loop, &fixture->log, &fixture->gate, "call-1");
  mre_event_loop_invoke (fixture->loop, fail_call, &fixture->log, NULL);
  invoke_named (fixture->loop, &fixture->log, "call-2");
  test_gate_open (&fixture->gate);

  g_assert_false (mre_event_loop_join (fixture->loop, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_false (mre_event_loop_get_running (fixture->loop));
  test_log_assert (&fixture->log,
                   "started", "call-1", "fail", "exception:boom", "stopped");
}

/* A call returning FALSE without an error still fails, as MRE_ERROR_FAILED. */
static void
test_exception_without_error (LoopFixture   *fixture,
                              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  mre_event_loop_invoke (fixture->loop, fail_without_error_call, &fixture->log, NULL);
  invoke_named (fixture->loop, &fixture->log, "never");

  g_assert_false (mre_event_loop_run (fixture->loop, &error));
  g_assert_error (error, MRE_ERROR, MRE_ERROR_FAILED);
  test_log_assert (&fixture->log, "fail-silently");
}

/* Without exit-on-exception, "exception" carries each error (sync and
 * async) and the loop goes on with the next call. */
static void
test_exception_continue (LoopFixture   *fixture,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gboolean exit_on_exception = TRUE;
  AsyncCall *async;

  g_object_set (fixture->loop, "exit-on-exception", FALSE, NULL);
  g_assert_false (mre_event_loop_get_exit_on_exception (fixture->loop));
  mre_event_loop_set_exit_on_exception (fixture->loop, FALSE);
  g_object_get (fixture->loop, "exit-on-exception", &exit_on_exception, NULL);
  g_assert_false (exit_on_exception);

  log_loop_signals (fixture->loop, &fixture->log, FALSE);
  mre_event_loop_invoke (fixture->loop, fail_call, &fixture->log, NULL);
  invoke_named (fixture->loop, &fixture->log, "call-1");
  async = async_call_new (fixture->loop, &fixture->log, "a", 1);
  async->fail = TRUE;
  invoke_async (fixture->loop, async);
  invoke_stop (fixture->loop, &fixture->log, "call-2");

  g_assert_true (mre_event_loop_run (fixture->loop, &error));
  g_assert_no_error (error);
  test_log_assert (&fixture->log,
                   "started",
                   "fail", "exception:boom",
                   "call-1",
                   "a-start", "a-end", "exception:async a failed",
                   "call-2",
                   "stopped");
}

/* /event-loop/context --------------------------------------------------- */

typedef struct
{
  MreEventLoop *loop;
  GThread      *thread;
  GMainContext *thread_default;
  gboolean      is_loop_thread;
  gboolean      ran;
} WhereCall;

static gboolean
where_call_run (gpointer   user_data,
                GError   **error)
{
  WhereCall *where = user_data;

  where->thread = g_thread_self ();
  /* ref_thread_default: the global default context reads as NULL from
   * g_main_context_get_thread_default(). */
  where->thread_default = g_main_context_ref_thread_default ();
  g_main_context_unref (where->thread_default);
  where->is_loop_thread = mre_event_loop_is_loop_thread (where->loop);
  where->ran = TRUE;

  return TRUE;
}

static void
on_flag_signal (MreEventLoop *loop,
                gpointer      user_data)
{
  gboolean *flag = user_data;

  *flag = TRUE;
}

/* A loop bound to a context runs its calls on the thread iterating that
 * context (the test's), and nothing before it is started. */
static void
test_context_bound (gconstpointer data)
{
  gboolean use_default = GPOINTER_TO_INT (data);
  g_autoptr(GError) error = NULL;
  g_autoptr(GMainContext) context = NULL;
  MreEventLoop *loop;
  WhereCall where = { 0 };
  gboolean started = FALSE;
  gboolean stopped = FALSE;

  if (use_default)
    {
      context = g_main_context_ref (g_main_context_default ());
    }
  else
    {
      context = g_main_context_new ();
      g_main_context_push_thread_default (context);
    }

  loop = mre_event_loop_new_for_context (context);
  g_assert_true (mre_event_loop_get_context (loop) == context);
  g_signal_connect (loop, "started", G_CALLBACK (on_flag_signal), &started);
  g_signal_connect (loop, "stopped", G_CALLBACK (on_flag_signal), &stopped);
  where.loop = loop;

  mre_event_loop_invoke (loop, where_call_run, &where, NULL);
  test_iterate_pending (context);
  g_assert_false (where.ran);
  g_assert_false (started);

  g_assert_true (mre_event_loop_start (loop, &error));
  g_assert_no_error (error);
  test_iterate_until (context, where.ran);

  g_assert_true (started);
  g_assert_true (where.thread == g_thread_self ());
  g_assert_true (where.thread_default == context);
  g_assert_true (where.is_loop_thread);

  mre_event_loop_stop (loop);
  test_iterate_until (context, stopped);
  g_assert_false (mre_event_loop_get_running (loop));

  g_assert_finalize_object (loop);
  if (!use_default)
    g_main_context_pop_thread_default (context);
}

/* run() on a bound loop iterates its context on the calling thread. */
static void
test_context_bound_run (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GMainContext) context = g_main_context_new ();
  MreEventLoop *loop;
  WhereCall where = { 0 };
  TestLog log;

  test_log_init (&log);
  g_atomic_int_set (&in_call, 0);
  g_main_context_push_thread_default (context);
  loop = mre_event_loop_new_for_context (context);
  where.loop = loop;

  mre_event_loop_invoke (loop, where_call_run, &where, NULL);
  invoke_stop (loop, &log, "stop");
  g_assert_true (mre_event_loop_run (loop, &error));
  g_assert_no_error (error);

  g_assert_true (where.ran);
  g_assert_true (where.thread == g_thread_self ());
  g_assert_true (where.thread_default == context);
  test_log_assert (&log, "stop");

  g_assert_finalize_object (loop);
  g_main_context_pop_thread_default (context);
  test_log_clear (&log);
}

/* /event-loop/invoke ---------------------------------------------------- */

typedef struct
{
  MreEventLoop *loop;
  TestLog      *log;
  gboolean      inner_ran;
} ReentryState;

static gboolean
inner_call_run (gpointer   user_data,
                GError   **error)
{
  ReentryState *state = user_data;

  test_log_add (state->log, "inner");
  state->inner_ran = TRUE;

  return TRUE;
}

static gboolean
outer_call_run (gpointer   user_data,
                GError   **error)
{
  ReentryState *state = user_data;

  test_log_add (state->log, "outer-begin");
  mre_event_loop_invoke (state->loop, inner_call_run, state, NULL);
  g_assert_false (state->inner_ran);
  test_log_add (state->log, "outer-end");

  return TRUE;
}

/* invoke() from the loop's own thread queues; it never runs the call
 * inside the invoke. */
static void
test_invoke_not_reentrant (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GMainContext) context = g_main_context_new ();
  MreEventLoop *loop;
  ReentryState state = { 0 };
  TestLog log;
  gboolean stopped = FALSE;

  test_log_init (&log);
  g_main_context_push_thread_default (context);
  loop = mre_event_loop_new_for_context (context);
  g_signal_connect (loop, "stopped", G_CALLBACK (on_flag_signal), &stopped);
  state.loop = loop;
  state.log = &log;

  g_assert_true (mre_event_loop_start (loop, &error));
  g_assert_no_error (error);
  mre_event_loop_invoke (loop, outer_call_run, &state, NULL);
  test_iterate_until (context, state.inner_ran);
  test_log_assert (&log, "outer-begin", "outer-end", "inner");

  mre_event_loop_stop (loop);
  test_iterate_until (context, stopped);
  g_assert_finalize_object (loop);
  g_main_context_pop_thread_default (context);
  test_log_clear (&log);
}

typedef struct
{
  gint ran;
  gint destroyed;
} CountPair;

static gboolean
pair_call_run (gpointer   user_data,
               GError   **error)
{
  CountPair *pair = user_data;

  /* destroy comes after the call, never before. */
  g_assert_cmpint (g_atomic_int_get (&pair->destroyed), ==, g_atomic_int_get (&pair->ran));
  g_atomic_int_inc (&pair->ran);

  return TRUE;
}

static void
pair_destroy (gpointer data)
{
  CountPair *pair = data;

  g_atomic_int_inc (&pair->destroyed);
}

/* destroy runs after the call ran, or when the loop is finalized with the
 * call still queued. */
static void
test_invoke_destroy_notify (void)
{
  g_autoptr(GError) error = NULL;
  MreEventLoop *loop = mre_event_loop_new ();
  CountPair ran = { 0 };
  CountPair unrun = { 0 };

  mre_event_loop_invoke (loop, pair_call_run, &ran, pair_destroy);
  mre_event_loop_invoke (loop, pair_call_run, &ran, pair_destroy);
  g_assert_cmpint (ran.destroyed, ==, 0);
  g_assert_true (mre_event_loop_start (loop, &error));
  g_assert_no_error (error);
  mre_event_loop_stop (loop);
  loop_join_ok (loop);
  g_assert_cmpint (ran.ran, ==, 2);
  g_assert_cmpint (ran.destroyed, ==, 2);

  /* Never started again: finalizing drops the queued calls unrun. */
  mre_event_loop_invoke (loop, pair_call_run, &unrun, pair_destroy);
  mre_event_loop_invoke (loop, pair_call_run, &unrun, pair_destroy);
  g_assert_finalize_object (loop);
  g_assert_cmpint (unrun.ran, ==, 0);
  g_assert_cmpint (unrun.destroyed, ==, 2);
}

/* /event-loop/run/busy -------------------------------------------------- */

static void
test_run_busy (LoopFixture   *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (mre_event_loop_get_running (fixture->loop));
  g_assert_true (mre_event_loop_start (fixture->loop, &error));
  g_assert_no_error (error);

  g_assert_false (mre_event_loop_run (fixture->loop, &error));
  g_assert_error (error, MRE_ERROR, MRE_ERROR_BUSY);

  mre_event_loop_stop (fixture->loop);
  loop_join_ok (fixture->loop);
}

/* /event-loop/thread-spawn ---------------------------------------------- */

/* A spawn function that starts a GThread of the test's own for each loop,
 * as a binding starts a thread of its runtime, and records it. */
typedef struct
{
  GMutex     lock;
  GPtrArray *threads;        /* GThread *: the test's, joined at the end */
  GPtrArray *loops;          /* MreEventLoop *, unowned: what it was asked for */
  gboolean   fail;           /* return FALSE, with fail_code set if >= 0 */
  gint       fail_code;
  gint       destroyed;      /* the notify of mre_set_thread_spawn_func() ran */
  /* For restart-while-thread-leaves: the spawn must come after this. */
  gint       left_window;    /* atomic */
  gboolean   expect_left_window;
} SpawnState;

static void
spawn_state_init (SpawnState *state)
{
  memset (state, 0, sizeof *state);
  g_mutex_init (&state->lock);
  state->threads = g_ptr_array_new ();
  state->loops = g_ptr_array_new ();
  state->fail_code = -1;
}

/* Joins the threads the spawn function started: each has left its loop
 * and dropped the loop's reference. */
static void
spawn_state_clear (SpawnState *state)
{
  for (guint i = 0; i < state->threads->len; i++)
    g_thread_join (g_ptr_array_index (state->threads, i));
  g_ptr_array_unref (state->threads);
  g_ptr_array_unref (state->loops);
  g_mutex_clear (&state->lock);
}

static void
spawn_state_destroyed (gpointer data)
{
  SpawnState *state = data;

  g_atomic_int_inc (&state->destroyed);
}

static gpointer
spawned_thread_main (gpointer data)
{
  mre_event_loop_run_thread (data);

  return NULL;
}

static gboolean
test_spawn_func (MreEventLoop  *loop,
                 gpointer       user_data,
                 GError       **error)
{
  SpawnState *state = user_data;

  g_assert_true (MRE_IS_EVENT_LOOP (loop));

  if (state->expect_left_window)
    g_assert_true (g_atomic_int_get (&state->left_window));

  if (state->fail)
    {
      if (state->fail_code >= 0)
        g_set_error (error, G_IO_ERROR, state->fail_code, "no threads today");
      return FALSE;
    }

  /* Held while the thread is made, so that a call the new thread runs at
   * once finds it in the list. */
  g_mutex_lock (&state->lock);
  g_ptr_array_add (state->loops, loop);
  g_ptr_array_add (state->threads,
                   g_thread_new ("test-spawned", spawned_thread_main, loop));
  g_mutex_unlock (&state->lock);

  return TRUE;
}

/* Which thread runs a call: "spawned-N" for the Nth thread of the spawn
 * function, "other" for any other. */
static char *
spawn_state_thread_name (SpawnState *state)
{
  GThread *self = g_thread_self ();
  char *name = NULL;

  g_mutex_lock (&state->lock);
  for (guint i = 0; i < state->threads->len && name == NULL; i++)
    if (g_ptr_array_index (state->threads, i) == self)
      name = g_strdup_printf ("spawned-%u", i);
  g_mutex_unlock (&state->lock);

  return name != NULL ? name : g_strdup ("other");
}

typedef struct
{
  SpawnState   *state;
  MreEventLoop *loop;
  TestLog      *log;
  const char   *name;
} ThreadCall;

static gboolean
thread_call_run (gpointer   user_data,
                 GError   **error)
{
  ThreadCall *call = user_data;
  g_autofree char *thread = spawn_state_thread_name (call->state);

  g_assert_true (mre_event_loop_is_loop_thread (call->loop));
  test_log_add (call->log, "%s@%s", call->name, thread);

  return TRUE;
}

static void
invoke_thread_call (SpawnState   *state,
                    MreEventLoop *loop,
                    TestLog      *log,
                    const char   *name)
{
  ThreadCall *call = g_new0 (ThreadCall, 1);

  call->state = state;
  call->loop = loop;
  call->log = log;
  call->name = name;
  mre_event_loop_invoke (loop, thread_call_run, call, g_free);
}

static void
start_ok (MreEventLoop *loop)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (mre_event_loop_start (loop, &error));
  g_assert_no_error (error);
}

/* Every own-thread loop gets its thread from the spawn function, started
 * again or not; a bound loop does not ask for one. join() returns once the
 * thread has left the loop (its context is free). NULL brings GThreads
 * back, and the notify runs when the function is replaced. */
static void
test_thread_spawn_own_loops (void)
{
  MreEventLoop *a = mre_event_loop_new ();
  MreEventLoop *b = mre_event_loop_new ();
  GMainContext *bound_context = g_main_context_new ();
  MreEventLoop *bound = mre_event_loop_new_for_context (bound_context);
  TestLog log_a, log_b;
  SpawnState state;

  test_log_init (&log_a);
  test_log_init (&log_b);
  spawn_state_init (&state);
  mre_set_thread_spawn_func (test_spawn_func, &state, spawn_state_destroyed);

  start_ok (bound);
  mre_event_loop_stop (bound);
  test_iterate_until (bound_context, !mre_event_loop_get_running (bound));
  g_assert_cmpuint (state.loops->len, ==, 0);

  invoke_thread_call (&state, a, &log_a, "a1");
  start_ok (a);
  start_ok (b);
  invoke_thread_call (&state, b, &log_b, "b1");
  mre_event_loop_stop (a);
  mre_event_loop_stop (b);
  loop_join_ok (a);
  loop_join_ok (b);
  g_assert_cmpuint (state.loops->len, ==, 2);
  g_assert_true (g_ptr_array_index (state.loops, 0) == a);
  g_assert_true (g_ptr_array_index (state.loops, 1) == b);
  test_log_assert (&log_a, "a1@spawned-0");
  test_log_assert (&log_b, "b1@spawned-1");

  /* The thread has left the loop: its context is free for this one. */
  g_assert_true (g_main_context_acquire (mre_event_loop_get_context (a)));
  g_main_context_release (mre_event_loop_get_context (a));

  /* Started again: a new thread from the spawn function. */
  start_ok (a);
  invoke_thread_call (&state, a, &log_a, "a2");
  mre_event_loop_stop (a);
  loop_join_ok (a);
  test_log_assert (&log_a, "a1@spawned-0", "a2@spawned-2");

  /* NULL: GThreads of the library's again; the notify ran. */
  g_assert_cmpint (state.destroyed, ==, 0);
  mre_set_thread_spawn_func (NULL, NULL, NULL);
  g_assert_cmpint (state.destroyed, ==, 1);
  start_ok (a);
  invoke_thread_call (&state, a, &log_a, "a3");
  mre_event_loop_stop (a);
  loop_join_ok (a);
  test_log_assert (&log_a, "a1@spawned-0", "a2@spawned-2", "a3@other");
  g_assert_cmpuint (state.loops->len, ==, 3);

  spawn_state_clear (&state);
  g_assert_finalize_object (a);
  g_assert_finalize_object (b);
  g_assert_finalize_object (bound);
  g_main_context_unref (bound_context);
  test_log_clear (&log_a);
  test_log_clear (&log_b);
}

/* A source of the loop's own context, after the loop's: once armed (see
 * catch_source_arm), it catches the loop's thread in the iteration that
 * stopped the loop, after "stopped", before the thread leaves the loop,
 * and holds it there until its gate opens. */
typedef struct
{
  GSource       source;
  MreEventLoop *loop;
  TestCounter  *armed_seen;
  TestCounter  *caught;
  TestGate     *gate;
  SpawnState   *state;
  gint          armed;        /* atomic */
  gboolean      seen;         /* loop thread only */
  gboolean      restart_here; /* start the loop again from its own thread */
} CatchSource;

static gboolean
catch_source_ready (GSource *source,
                    gint    *timeout)
{
  if (timeout != NULL)
    *timeout = -1;
  return g_atomic_int_get (&((CatchSource *) source)->armed);
}

static gboolean
catch_source_check (GSource *source)
{
  return catch_source_ready (source, NULL);
}

static gboolean
catch_source_dispatch (GSource     *source,
                       GSourceFunc  callback,
                       gpointer     user_data)
{
  CatchSource *self = (CatchSource *) source;
  TestGate *gate;

  if (mre_event_loop_get_running (self->loop))
    {
      if (!self->seen)
        {
          self->seen = TRUE;
          test_counter_inc (self->armed_seen);
        }
      return G_SOURCE_CONTINUE;
    }

  /* Read before the test thread, woken below, arms it again. */
  gate = self->gate;
  g_atomic_int_set (&self->armed, FALSE);
  if (self->restart_here)
    start_ok (self->loop);
  test_counter_inc (self->caught);
  test_gate_wait (gate);
  g_atomic_int_set (&self->state->left_window, TRUE);

  return G_SOURCE_CONTINUE;
}

static GSourceFuncs catch_source_funcs = {
  .prepare = catch_source_ready,
  .check = catch_source_check,
  .dispatch = catch_source_dispatch,
};

/* Arms @self and waits until the loop's thread has seen it: from then on
 * it is dispatched in every iteration, so that a stop queued now is
 * processed in an iteration that dispatches it after the loop's source. */
static void
catch_source_arm (CatchSource *self,
                  TestGate    *gate,
                  gboolean     restart_here)
{
  guint n = test_counter_get (self->armed_seen);

  self->gate = gate;
  self->restart_here = restart_here;
  self->seen = FALSE;
  g_atomic_int_set (&self->armed, TRUE);
  g_main_context_wakeup (g_source_get_context ((GSource *) self));
  test_counter_wait (self->armed_seen, n + 1);
}

static gpointer
start_thread_main (gpointer data)
{
  start_ok (data);

  return NULL;
}

/* A loop started again while the thread of its last run is still leaving
 * it: from that very thread, the thread keeps running the loop (no new
 * thread, no deadlock); from another thread, the start waits until the
 * old thread has left before it asks for a new one. */
static void
test_thread_spawn_restart_while_leaving (void)
{
  MreEventLoop *loop = mre_event_loop_new ();
  CatchSource *catcher;
  TestCounter armed_seen, caught;
  TestGate gate_1, gate_2;
  GThread *starter;
  TestLog log;
  SpawnState state;

  test_log_init (&log);
  test_counter_init (&armed_seen);
  test_counter_init (&caught);
  test_gate_init (&gate_1);
  test_gate_init (&gate_2);
  spawn_state_init (&state);
  mre_set_thread_spawn_func (test_spawn_func, &state, spawn_state_destroyed);

  catcher = (CatchSource *) g_source_new (&catch_source_funcs, sizeof (CatchSource));
  catcher->loop = loop;
  catcher->armed_seen = &armed_seen;
  catcher->caught = &caught;
  catcher->state = &state;
  g_source_attach ((GSource *) catcher, mre_event_loop_get_context (loop));

  /* From the loop's own thread. */
  start_ok (loop);
  invoke_thread_call (&state, loop, &log, "first");
  catch_source_arm (catcher, &gate_1, TRUE);
  mre_event_loop_stop (loop);
  test_counter_wait (&caught, 1);
  test_gate_open (&gate_1);
  invoke_thread_call (&state, loop, &log, "second");
  g_assert_true (mre_event_loop_get_running (loop));

  /* From another thread: the new thread is asked for once the old one
   * has left (test_spawn_func checks), whenever the starter gets there. */
  catch_source_arm (catcher, &gate_2, FALSE);
  mre_event_loop_stop (loop);
  test_counter_wait (&caught, 2);
  g_assert_false (mre_event_loop_get_running (loop));
  state.expect_left_window = TRUE;
  starter = g_thread_new ("test-starter", start_thread_main, loop);
  test_gate_open (&gate_2);
  g_thread_join (starter);
  invoke_thread_call (&state, loop, &log, "third");
  mre_event_loop_stop (loop);
  loop_join_ok (loop);

  test_log_assert (&log, "first@spawned-0", "second@spawned-0", "third@spawned-1");
  g_assert_cmpuint (state.loops->len, ==, 2);

  mre_set_thread_spawn_func (NULL, NULL, NULL);
  g_source_destroy ((GSource *) catcher);
  g_source_unref ((GSource *) catcher);
  spawn_state_clear (&state);
  g_assert_finalize_object (loop);
  test_gate_clear (&gate_1);
  test_gate_clear (&gate_2);
  test_counter_clear (&caught);
  test_counter_clear (&armed_seen);
  test_log_clear (&log);
}

/* A spawn function that fails makes start fail with its error, or a
 * generic one; the loop stays stopped, keeps its queue, and a stop queued
 * for its next run is still for the run that does start. Run_thread()
 * without a spawn is refused. */
static void
test_thread_spawn_failure (void)
{
  g_autoptr(GError) error = NULL;
  MreEventLoop *loop = mre_event_loop_new ();
  TestLog log;
  SpawnState state;

  test_log_init (&log);
  spawn_state_init (&state);
  log_loop_signals (loop, &log, FALSE);
  mre_set_thread_spawn_func (test_spawn_func, &state, spawn_state_destroyed);

  invoke_thread_call (&state, loop, &log, "queued");
  mre_event_loop_stop (loop);

  state.fail = TRUE;
  state.fail_code = G_IO_ERROR_TOO_MANY_OPEN_FILES;
  g_assert_false (mre_event_loop_start (loop, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TOO_MANY_OPEN_FILES);
  g_assert_nonnull (strstr (error->message, "no threads today"));
  g_assert_false (mre_event_loop_get_running (loop));
  g_clear_error (&error);

  state.fail_code = -1;
  g_assert_false (mre_event_loop_start (loop, &error));
  g_assert_error (error, MRE_ERROR, MRE_ERROR_FAILED);
  g_assert_false (mre_event_loop_get_running (loop));
  g_clear_error (&error);
  /* A stopped loop has no thread to run. */
  g_test_expect_message ("Mre", G_LOG_LEVEL_CRITICAL, "*no thread was asked for*");
  mre_event_loop_run_thread (loop);
  g_test_assert_expected_messages ();
  test_log_assert_empty (&log);

  mre_set_thread_spawn_func (NULL, NULL, NULL);
  g_assert_cmpint (state.destroyed, ==, 1);
  start_ok (loop);
  loop_join_ok (loop);
  test_log_assert (&log, "started", "queued@other", "stopped");
  g_assert_cmpuint (state.loops->len, ==, 0);

  spawn_state_clear (&state);
  g_assert_finalize_object (loop);
  test_log_clear (&log);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD_LOOP_TEST(path, func) \
  g_test_add (path, LoopFixture, NULL, loop_fixture_set_up, func, loop_fixture_tear_down)

  g_test_add_data_func ("/event-loop/fifo/four-threads", GINT_TO_POINTER (TRUE),
                        test_fifo_four_threads);
  g_test_add_data_func ("/event-loop/fifo/four-threads-unserialized", GINT_TO_POINTER (FALSE),
                        test_fifo_four_threads);
  ADD_LOOP_TEST ("/event-loop/async/holds-queue", test_async_holds_queue);
  ADD_LOOP_TEST ("/event-loop/async/interleaving", test_async_interleaving);
  ADD_LOOP_TEST ("/event-loop/async/complete-from-thread", test_async_complete_from_thread);
  ADD_LOOP_TEST ("/event-loop/stop/drains-queue", test_stop_drains_queue);
  g_test_add_func ("/event-loop/stop/from-inside-call", test_stop_from_inside_call);
  ADD_LOOP_TEST ("/event-loop/stop/restart-runs-later-calls", test_stop_restart);
  ADD_LOOP_TEST ("/event-loop/stop/before-run", test_stop_before_run);
  ADD_LOOP_TEST ("/event-loop/signals/order", test_signals_order);
  ADD_LOOP_TEST ("/event-loop/signals/order-run", test_signals_order_run);
  ADD_LOOP_TEST ("/event-loop/signals/edge-triggered", test_signals_edge_triggered);
  ADD_LOOP_TEST ("/event-loop/exception/exit-on-exception", test_exception_exit);
  ADD_LOOP_TEST ("/event-loop/exception/join-returns-error", test_exception_join);
  ADD_LOOP_TEST ("/event-loop/exception/false-without-error", test_exception_without_error);
  ADD_LOOP_TEST ("/event-loop/exception/continue", test_exception_continue);
  g_test_add_data_func ("/event-loop/context/bound", GINT_TO_POINTER (FALSE), test_context_bound);
  g_test_add_data_func ("/event-loop/context/bound-default", GINT_TO_POINTER (TRUE),
                        test_context_bound);
  g_test_add_func ("/event-loop/context/bound-run", test_context_bound_run);
  g_test_add_func ("/event-loop/invoke/not-reentrant", test_invoke_not_reentrant);
  g_test_add_func ("/event-loop/invoke/destroy-notify", test_invoke_destroy_notify);
  ADD_LOOP_TEST ("/event-loop/run/busy", test_run_busy);
  g_test_add_func ("/event-loop/thread-spawn/own-thread-loops", test_thread_spawn_own_loops);
  g_test_add_func ("/event-loop/thread-spawn/restart-while-leaving",
                   test_thread_spawn_restart_while_leaving);
  g_test_add_func ("/event-loop/thread-spawn/failure", test_thread_spawn_failure);

#undef ADD_LOOP_TEST

  return g_test_run ();
}
