/* test-wait.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <mreventloop.h>

#include "test-util.h"

/* TestEmitter ----------------------------------------------------------- */

#define TEST_TYPE_EMITTER (test_emitter_get_type ())
G_DECLARE_FINAL_TYPE (TestEmitter, test_emitter, TEST, EMITTER, GObject)

struct _TestEmitter
{
  GObject parent_instance;
};

G_DEFINE_FINAL_TYPE (TestEmitter, test_emitter, G_TYPE_OBJECT)

static guint produced_signal;
static guint pair_signal;

static void
test_emitter_class_init (TestEmitterClass *klass)
{
  produced_signal = mre_signal_new (G_TYPE_FROM_CLASS (klass), "produced", 1, G_TYPE_STRING);
  pair_signal = mre_signal_new (G_TYPE_FROM_CLASS (klass), "pair", 2, G_TYPE_INT, G_TYPE_STRING);
}

static void
test_emitter_init (TestEmitter *self)
{
}

static TestEmitter *
test_emitter_new (void)
{
  return g_object_new (TEST_TYPE_EMITTER, NULL);
}

/* Helpers --------------------------------------------------------------- */

static MreEventLoop *
started_loop_new (void)
{
  g_autoptr(GError) error = NULL;
  MreEventLoop *loop = mre_event_loop_new ();

  g_assert_true (mre_event_loop_start (loop, &error));
  g_assert_no_error (error);

  return loop;
}

static void
stop_and_finalize (MreEventLoop *loop)
{
  g_autoptr(GError) error = NULL;

  mre_event_loop_stop (loop);
  g_assert_true (mre_event_loop_join (loop, &error));
  g_assert_no_error (error);
  g_assert_finalize_object (loop);
}

static void
assert_pair_emission (MreEmission *emission,
                      TestEmitter *emitter,
                      gint         number,
                      const char  *name)
{
  const GValue *value;

  g_assert_nonnull (emission);
  g_assert_true (mre_emission_get_instance (emission) == G_OBJECT (emitter));
  g_assert_cmpstr (mre_emission_get_signal_name (emission), ==, "pair");
  g_assert_cmpuint (mre_emission_get_n_args (emission), ==, 2);

  value = mre_emission_get_arg (emission, 0);
  g_assert_true (G_VALUE_HOLDS_INT (value));
  g_assert_cmpint (g_value_get_int (value), ==, number);
  value = mre_emission_get_arg (emission, 1);
  g_assert_true (G_VALUE_HOLDS_STRING (value));
  g_assert_cmpstr (g_value_get_string (value), ==, name);
}

/* /wait/for ------------------------------------------------------------- */

typedef struct
{
  MreEventLoop *loop;
  TestEmitter  *emitter;
} EmitWhenWaited;

/* Schedules the emission once mre_wait_for() has connected to the signal:
 * a fixed delay from before the call is not enough on a slow machine or
 * under valgrind, where the emission came before the wait and the wait
 * timed out. */
static gpointer
emit_when_waited (gpointer data)
{
  EmitWhenWaited *ew = data;
  g_autoptr(GError) error = NULL;

  while (!g_signal_has_handler_pending (ew->emitter, pair_signal, 0, FALSE))
    g_usleep (1000);
  g_assert_true (mre_emit_after (ew->loop, 100, ew->emitter, "pair", &error, 7, "seven"));
  g_assert_no_error (error);

  return NULL;
}

/* mre_wait_for() returns the arguments of the next emission, made later by
 * mre_emit_after() on another thread. */
static void
test_wait_for_emit_after (void)
{
  g_autoptr(TestEmitter) emitter = test_emitter_new ();
  g_autoptr(GError) error = NULL;
  MreEventLoop *loop = started_loop_new ();
  EmitWhenWaited ew = { loop, emitter };
  GThread *thread;
  MreEmission *emission;
  MreEmission *copy;
  gint64 before;

  before = g_get_real_time ();
  thread = g_thread_new ("emit-when-waited", emit_when_waited, &ew);

  emission = mre_wait_for (emitter, "pair", 30000, NULL, &error);
  g_thread_join (thread);
  g_assert_no_error (error);
  assert_pair_emission (emission, emitter, 7, "seven");
  g_assert_cmpint (mre_emission_get_time (emission), >=, before);
  g_assert_cmpint (mre_emission_get_time (emission), <=, g_get_real_time ());

  /* A boxed, refcounted type. */
  copy = g_boxed_copy (MRE_TYPE_EMISSION, emission);
  g_assert_true (copy == emission);
  g_boxed_free (MRE_TYPE_EMISSION, copy);
  assert_pair_emission (emission, emitter, 7, "seven");
  mre_emission_unref (emission);

  stop_and_finalize (loop);
}

typedef struct
{
  TestEmitter *emitter;
  gint         stop;
  gint         emitted;
} Flood;

static gpointer
flood_thread (gpointer data)
{
  Flood *flood = data;

  for (gint i = 0; !g_atomic_int_get (&flood->stop); i++)
    {
      char product[16];

      g_snprintf (product, sizeof product, "%d", i);
      g_signal_emit (flood->emitter, produced_signal, 0, product);
      g_atomic_int_set (&flood->emitted, i + 1);
    }

  return NULL;
}

/* Another thread emits without pause: the emission returned is one that
 * happened after the wait began, not an earlier one. */
static void
test_wait_for_from_thread (void)
{
  g_autoptr(TestEmitter) emitter = test_emitter_new ();
  g_autoptr(MreEmission) emission = NULL;
  g_autoptr(GError) error = NULL;
  Flood flood = { emitter, 0, 0 };
  GThread *thread;
  gint emitted_before;
  const GValue *value;
  guint64 number;

  thread = g_thread_new ("flood", flood_thread, &flood);
  emitted_before = g_atomic_int_get (&flood.emitted);
  emission = mre_wait_for (emitter, "produced", 30000, NULL, &error);
  g_atomic_int_set (&flood.stop, TRUE);
  g_thread_join (thread);

  g_assert_no_error (error);
  g_assert_nonnull (emission);
  g_assert_cmpstr (mre_emission_get_signal_name (emission), ==, "produced");
  g_assert_cmpuint (mre_emission_get_n_args (emission), ==, 1);
  value = mre_emission_get_arg (emission, 0);
  g_assert_true (G_VALUE_HOLDS_STRING (value));
  g_assert_true (g_ascii_string_to_unsigned (g_value_get_string (value), 10, 0, G_MAXINT,
                                             &number, NULL));
  g_assert_cmpuint (number, >=, emitted_before);
  g_assert_cmpuint (number, <, g_atomic_int_get (&flood.emitted));
}

static void
test_wait_for_timeout (void)
{
  g_autoptr(TestEmitter) emitter = test_emitter_new ();
  g_autoptr(GError) error = NULL;

  g_assert_null (mre_wait_for (emitter, "produced", 20, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
}

static gpointer
cancel_thread (gpointer data)
{
  g_cancellable_cancel (data);

  return NULL;
}

/* A wait without timeout ends when another thread cancels it. */
static void
test_wait_for_cancelled_from_thread (void)
{
  g_autoptr(TestEmitter) emitter = test_emitter_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  GThread *thread;

  thread = g_thread_new ("cancel", cancel_thread, cancellable);
  g_assert_null (mre_wait_for (emitter, "produced", -1, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_thread_join (thread);
}

static gboolean
cancel_call (gpointer   user_data,
             GError   **error)
{
  g_cancellable_cancel (user_data);

  return TRUE;
}

/* ... or when a timer cancels it. */
static void
test_wait_for_cancelled_by_timer (void)
{
  g_autoptr(TestEmitter) emitter = test_emitter_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  MreEventLoop *loop = started_loop_new ();

  mre_event_loop_invoke_after (loop, 20, NULL, cancel_call,
                               g_object_ref (cancellable), g_object_unref);
  g_assert_null (mre_wait_for (emitter, "produced", -1, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  stop_and_finalize (loop);
}

static void
test_wait_for_already_cancelled (void)
{
  g_autoptr(TestEmitter) emitter = test_emitter_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;

  g_cancellable_cancel (cancellable);
  g_assert_null (mre_wait_for (emitter, "produced", -1, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
test_wait_for_unknown_signal (void)
{
  g_autoptr(TestEmitter) emitter = test_emitter_new ();
  g_autoptr(GError) error = NULL;

  g_assert_null (mre_wait_for (emitter, "consumed", 20, NULL, &error));
  g_assert_error (error, MRE_ERROR, MRE_ERROR_NO_SUCH_SIGNAL);
}

/* /wait/async ----------------------------------------------------------- */

typedef struct
{
  guint        n_callbacks;
  GThread     *thread;
  MreEmission *emission;
  GError      *error;
} WaitResult;

static void
wait_result_clear (WaitResult *result)
{
  g_clear_pointer (&result->emission, mre_emission_unref);
  g_clear_error (&result->error);
}

static void
on_wait_done (GObject      *source,
              GAsyncResult *res,
              gpointer      user_data)
{
  WaitResult *result = user_data;

  result->n_callbacks++;
  result->thread = g_thread_self ();
  result->emission = mre_wait_finish (res, &result->error);
}

/* The callback gets the next emission, on the caller's context, once. */
static void
test_wait_async_next_emission (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(TestEmitter) emitter = test_emitter_new ();
  g_autoptr(GError) error = NULL;
  MreEventLoop *loop = started_loop_new ();
  WaitResult result = { 0 };

  g_main_context_push_thread_default (context);
  mre_wait_async (emitter, "pair", 30000, NULL, on_wait_done, &result);
  g_assert_true (mre_emit_after (loop, 10, emitter, "pair", &error, 1, "one"));
  g_assert_no_error (error);
  test_iterate_until (context, result.n_callbacks > 0);

  g_assert_no_error (result.error);
  assert_pair_emission (result.emission, emitter, 1, "one");
  g_assert_true (result.thread == g_thread_self ());

  /* A later emission does not call back again. */
  g_signal_emit (emitter, pair_signal, 0, 2, "two");
  g_assert_true (mre_emit_after (loop, 0, emitter, "pair", &error, 3, "three"));
  g_assert_no_error (error);
  stop_and_finalize (loop);
  test_iterate_pending (context);
  g_assert_cmpuint (result.n_callbacks, ==, 1);
  assert_pair_emission (result.emission, emitter, 1, "one");

  wait_result_clear (&result);
  g_main_context_pop_thread_default (context);
}

static void
test_wait_async_timeout (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(TestEmitter) emitter = test_emitter_new ();
  WaitResult result = { 0 };

  g_main_context_push_thread_default (context);
  mre_wait_async (emitter, "produced", 20, NULL, on_wait_done, &result);
  test_iterate_until (context, result.n_callbacks > 0);

  g_assert_null (result.emission);
  g_assert_error (result.error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_true (result.thread == g_thread_self ());

  g_signal_emit (emitter, produced_signal, 0, "late");
  test_iterate_pending (context);
  g_assert_cmpuint (result.n_callbacks, ==, 1);

  wait_result_clear (&result);
  g_main_context_pop_thread_default (context);
}

static void
test_wait_async_cancelled (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(TestEmitter) emitter = test_emitter_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  WaitResult result = { 0 };
  GThread *thread;

  g_main_context_push_thread_default (context);
  mre_wait_async (emitter, "produced", -1, cancellable, on_wait_done, &result);
  thread = g_thread_new ("cancel", cancel_thread, cancellable);
  test_iterate_until (context, result.n_callbacks > 0);
  g_thread_join (thread);

  g_assert_null (result.emission);
  g_assert_error (result.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  g_signal_emit (emitter, produced_signal, 0, "late");
  test_iterate_pending (context);
  g_assert_cmpuint (result.n_callbacks, ==, 1);

  wait_result_clear (&result);
  g_main_context_pop_thread_default (context);
}

/* /wait/emit-after ------------------------------------------------------ */

typedef struct
{
  MreEventLoop *loop;
  TestCounter   count;
  GThread      *thread;
  gboolean      on_loop_thread;
  gint64        when;
  gint          number;
  char         *name;
} PairSeen;

static void
on_pair (TestEmitter *emitter,
         gint         number,
         const char  *name,
         gpointer     user_data)
{
  PairSeen *seen = user_data;

  seen->thread = g_thread_self ();
  seen->on_loop_thread = mre_event_loop_is_loop_thread (seen->loop);
  seen->when = g_get_monotonic_time ();
  seen->number = number;
  g_free (seen->name);
  seen->name = g_strdup (name);
  test_counter_inc (&seen->count);
}

/* The signal is emitted with the given args, on the loop's thread, no
 * sooner than the delay. */
static void
test_emit_after_delivers_args (void)
{
  g_autoptr(TestEmitter) emitter = test_emitter_new ();
  g_autoptr(GError) error = NULL;
  MreEventLoop *loop = started_loop_new ();
  GValue args[2] = { G_VALUE_INIT, G_VALUE_INIT };
  char *name = g_strdup ("eleven");
  PairSeen seen = { 0 };
  gint64 before;

  seen.loop = loop;
  test_counter_init (&seen.count);
  g_signal_connect (emitter, "pair", G_CALLBACK (on_pair), &seen);

  before = g_get_monotonic_time ();
  g_assert_true (mre_emit_after (loop, 50, emitter, "pair", &error, 11, name));
  g_assert_no_error (error);
  /* The arguments were copied. */
  g_free (name);
  test_counter_wait (&seen.count, 1);

  g_assert_true (seen.on_loop_thread);
  g_assert_true (seen.thread != g_thread_self ());
  g_assert_cmpint (seen.number, ==, 11);
  g_assert_cmpstr (seen.name, ==, "eleven");
  g_assert_cmpint (seen.when - before, >=, 50 * 1000);

  /* The GValue variant. */
  g_value_init (&args[0], G_TYPE_INT);
  g_value_set_int (&args[0], 12);
  g_value_init (&args[1], G_TYPE_STRING);
  g_value_set_string (&args[1], "twelve");
  before = g_get_monotonic_time ();
  g_assert_true (mre_emit_afterv (loop, 10, emitter, "pair", args, 2, &error));
  g_assert_no_error (error);
  g_value_unset (&args[0]);
  g_value_unset (&args[1]);
  test_counter_wait (&seen.count, 2);

  g_assert_true (seen.on_loop_thread);
  g_assert_cmpint (seen.number, ==, 12);
  g_assert_cmpstr (seen.name, ==, "twelve");
  g_assert_cmpint (seen.when - before, >=, 10 * 1000);

  stop_and_finalize (loop);
  g_assert_cmpuint (test_counter_get (&seen.count), ==, 2);
  g_signal_handlers_disconnect_by_data (emitter, &seen);
  g_free (seen.name);
  test_counter_clear (&seen.count);
}

/* Bad names and arguments are refused at once; nothing is emitted. */
static void
test_emit_after_errors (void)
{
  g_autoptr(TestEmitter) emitter = test_emitter_new ();
  g_autoptr(GError) error = NULL;
  MreEventLoop *loop = started_loop_new ();
  GValue args[2] = { G_VALUE_INIT, G_VALUE_INIT };
  PairSeen seen = { 0 };

  seen.loop = loop;
  test_counter_init (&seen.count);
  g_signal_connect (emitter, "pair", G_CALLBACK (on_pair), &seen);

  g_assert_false (mre_emit_after (loop, 0, emitter, "consumed", &error, 1, "x"));
  g_assert_error (error, MRE_ERROR, MRE_ERROR_NO_SUCH_SIGNAL);
  g_clear_error (&error);

  /* Swapped types. */
  g_value_init (&args[0], G_TYPE_STRING);
  g_value_set_string (&args[0], "one");
  g_value_init (&args[1], G_TYPE_INT);
  g_value_set_int (&args[1], 1);
  g_assert_false (mre_emit_afterv (loop, 0, emitter, "pair", args, 2, &error));
  g_assert_error (error, MRE_ERROR, MRE_ERROR_TYPE_MISMATCH);
  g_clear_error (&error);

  /* Too few. */
  g_assert_false (mre_emit_afterv (loop, 0, emitter, "pair", &args[1], 1, &error));
  g_assert_error (error, MRE_ERROR, MRE_ERROR_TYPE_MISMATCH);
  g_clear_error (&error);
  g_value_unset (&args[0]);
  g_value_unset (&args[1]);

  stop_and_finalize (loop);
  g_assert_cmpuint (test_counter_get (&seen.count), ==, 0);
  g_signal_handlers_disconnect_by_data (emitter, &seen);
  test_counter_clear (&seen.count);
}

/* /wait/invoke-after ---------------------------------------------------- */

typedef struct
{
  gboolean  ran;
  gint      destroyed;
  GThread  *thread;
  gint64    when;
} DelayedCall;

static gboolean
delayed_call_run (gpointer   user_data,
                  GError   **error)
{
  DelayedCall *call = user_data;

  g_assert_false (call->ran);
  g_assert_cmpint (call->destroyed, ==, 0);
  call->ran = TRUE;
  call->thread = g_thread_self ();
  call->when = g_get_monotonic_time ();

  return TRUE;
}

static void
delayed_call_destroy (gpointer data)
{
  DelayedCall *call = data;

  g_atomic_int_inc (&call->destroyed);
}

static MreEventLoop *
bound_loop_new (GMainContext *context)
{
  g_autoptr(GError) error = NULL;
  MreEventLoop *loop = mre_event_loop_new_for_context (context);

  g_assert_true (mre_event_loop_start (loop, &error));
  g_assert_no_error (error);

  return loop;
}

static void
bound_loop_stop_and_finalize (MreEventLoop *loop,
                              GMainContext *context)
{
  mre_event_loop_stop (loop);
  test_iterate_until (context, !mre_event_loop_get_running (loop));
  g_assert_finalize_object (loop);
}

/* The call runs on the loop (here the test's thread) after the delay. */
static void
test_invoke_after_runs (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  MreEventLoop *loop;
  DelayedCall call = { 0 };
  gint64 before;

  g_main_context_push_thread_default (context);
  loop = bound_loop_new (context);

  before = g_get_monotonic_time ();
  mre_event_loop_invoke_after (loop, 30, NULL, delayed_call_run, &call, delayed_call_destroy);
  g_assert_false (call.ran);
  test_iterate_until (context, call.ran);

  g_assert_true (call.thread == g_thread_self ());
  g_assert_cmpint (call.when - before, >=, 30 * 1000);
  test_iterate_until (context, g_atomic_int_get (&call.destroyed) == 1);

  bound_loop_stop_and_finalize (loop, context);
  g_assert_cmpint (call.destroyed, ==, 1);
  g_main_context_pop_thread_default (context);
}

/* A delayed call cancelled before its time never runs; one queued after
 * it with a longer delay does. */
static void
test_invoke_after_cancelled (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  MreEventLoop *loop;
  DelayedCall cancelled = { 0 };
  DelayedCall sentinel = { 0 };

  g_main_context_push_thread_default (context);
  loop = bound_loop_new (context);

  mre_event_loop_invoke_after (loop, 20, cancellable, delayed_call_run, &cancelled,
                               delayed_call_destroy);
  mre_event_loop_invoke_after (loop, 60, NULL, delayed_call_run, &sentinel,
                               delayed_call_destroy);
  g_cancellable_cancel (cancellable);
  test_iterate_until (context, sentinel.ran);
  test_iterate_pending (context);

  g_assert_false (cancelled.ran);
  bound_loop_stop_and_finalize (loop, context);
  g_assert_false (cancelled.ran);
  g_assert_cmpint (cancelled.destroyed, ==, 1);
  g_assert_cmpint (sentinel.destroyed, ==, 1);
  g_main_context_pop_thread_default (context);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/wait/for/emit-after", test_wait_for_emit_after);
  g_test_add_func ("/wait/for/from-thread", test_wait_for_from_thread);
  g_test_add_func ("/wait/for/timeout", test_wait_for_timeout);
  g_test_add_func ("/wait/for/cancelled-from-thread", test_wait_for_cancelled_from_thread);
  g_test_add_func ("/wait/for/cancelled-by-timer", test_wait_for_cancelled_by_timer);
  g_test_add_func ("/wait/for/already-cancelled", test_wait_for_already_cancelled);
  g_test_add_func ("/wait/for/unknown-signal", test_wait_for_unknown_signal);
  g_test_add_func ("/wait/async/next-emission", test_wait_async_next_emission);
  g_test_add_func ("/wait/async/timeout", test_wait_async_timeout);
  g_test_add_func ("/wait/async/cancelled", test_wait_async_cancelled);
  g_test_add_func ("/wait/emit-after/delivers-args", test_emit_after_delivers_args);
  g_test_add_func ("/wait/emit-after/errors", test_emit_after_errors);
  g_test_add_func ("/wait/invoke-after/runs", test_invoke_after_runs);
  g_test_add_func ("/wait/invoke-after/cancelled", test_invoke_after_cancelled);

  return g_test_run ();
}
