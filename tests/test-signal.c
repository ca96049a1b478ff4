/* test-signal.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include <mreventloop.h>

#include "test-util.h"

/* TestProducer: declares its signals with mre_signal_new() -------------- */

#define TEST_TYPE_PRODUCER (test_producer_get_type ())
G_DECLARE_FINAL_TYPE (TestProducer, test_producer, TEST, PRODUCER, GObject)

struct _TestProducer
{
  GObject parent_instance;
};

G_DEFINE_FINAL_TYPE (TestProducer, test_producer, G_TYPE_OBJECT)

static guint produced_signal;
static guint typed_signal;
static guint counted_signal;

static void
test_producer_class_init (TestProducerClass *klass)
{
  produced_signal = mre_signal_new (G_TYPE_FROM_CLASS (klass), "produced", 1, G_TYPE_STRING);
  typed_signal = mre_signal_new (G_TYPE_FROM_CLASS (klass), "typed", 6,
                                 G_TYPE_INT, G_TYPE_DOUBLE, G_TYPE_STRING,
                                 G_TYPE_OBJECT, G_TYPE_BYTES, G_TYPE_STRV);
  counted_signal = mre_signal_new (G_TYPE_FROM_CLASS (klass), "counted", 1, G_TYPE_UINT);
}

static void
test_producer_init (TestProducer *self)
{
}

static TestProducer *
test_producer_new (void)
{
  return g_object_new (TEST_TYPE_PRODUCER, NULL);
}

/* TestConsumer: named slots installed with mre_slot_install() ----------- */

#define TEST_TYPE_CONSUMER (test_consumer_get_type ())
G_DECLARE_FINAL_TYPE (TestConsumer, test_consumer, TEST, CONSUMER, GObject)

struct _TestConsumer
{
  GObject   parent_instance;

  TestLog   log;
  gint      n_calls;
  GThread  *slot_thread;

  /* Arguments of the last "on-typed" call. */
  gint      i;
  gdouble   d;
  char     *s;
  GObject  *o;
  GBytes   *b;
  char    **strv;

  GArray   *counted;
};

G_DEFINE_FINAL_TYPE (TestConsumer, test_consumer, G_TYPE_OBJECT)

/* Every consumer slot call of the process, and how many run right now:
 * consumers of one test share one loop, so this must never exceed 1. */
static gint slot_calls_total;
static gint in_any_slot;

static void
consumer_enter (TestConsumer *self)
{
  g_assert_cmpint (g_atomic_int_add (&in_any_slot, 1), ==, 0);
  g_assert_true (mre_event_loop_is_loop_thread (mre_object_get_event_loop (self)));
  self->slot_thread = g_thread_self ();
  g_atomic_int_inc (&self->n_calls);
  g_atomic_int_inc (&slot_calls_total);
}

static void
consumer_leave (TestConsumer *self)
{
  g_assert_cmpint (g_atomic_int_add (&in_any_slot, -1), ==, 1);
}

static gboolean
consumer_on_produced (TestConsumer  *self,
                      const char    *product,
                      GError       **error)
{
  g_assert_true (TEST_IS_CONSUMER (self));
  consumer_enter (self);
  test_log_add (&self->log, "%s", product);
  consumer_leave (self);

  return TRUE;
}

typedef struct
{
  TestConsumer *self;
  char         *product;
  GTask        *task;
} AsyncSlotCall;

static gboolean
consumer_async_done_cb (gpointer data)
{
  AsyncSlotCall *call = data;

  test_log_add (&call->self->log, "end:%s", call->product);
  consumer_leave (call->self);
  g_task_return_boolean (call->task, TRUE);

  return G_SOURCE_REMOVE;
}

static void
async_slot_call_free (gpointer data)
{
  AsyncSlotCall *call = data;

  g_object_unref (call->self);
  g_object_unref (call->task);
  g_free (call->product);
  g_free (call);
}

/* Completes 20 ms later, from a timeout on the loop's context. */
static void
consumer_on_produced_async (TestConsumer *self,
                            const char   *product,
                            GTask        *task)
{
  AsyncSlotCall *call;
  GSource *source;

  g_assert_true (TEST_IS_CONSUMER (self));
  g_assert_true (G_IS_TASK (task));
  consumer_enter (self);
  test_log_add (&self->log, "start:%s", product);

  call = g_new0 (AsyncSlotCall, 1);
  call->self = g_object_ref (self);
  call->product = g_strdup (product);
  call->task = g_object_ref (task);
  source = g_timeout_source_new (20);
  g_source_set_callback (source, consumer_async_done_cb, call, async_slot_call_free);
  g_source_attach (source, g_main_context_get_thread_default ());
  g_source_unref (source);
}

static gboolean
consumer_on_typed (TestConsumer  *self,
                   gint           i,
                   gdouble        d,
                   const char    *s,
                   GObject       *o,
                   GBytes        *b,
                   char         **strv,
                   GError       **error)
{
  consumer_enter (self);
  self->i = i;
  self->d = d;
  g_free (self->s);
  self->s = g_strdup (s);
  g_set_object (&self->o, o);
  g_clear_pointer (&self->b, g_bytes_unref);
  self->b = b ? g_bytes_ref (b) : NULL;
  g_strfreev (self->strv);
  self->strv = g_strdupv (strv);
  test_log_add (&self->log, "typed");
  consumer_leave (self);

  return TRUE;
}

static gboolean
consumer_on_typed_int (TestConsumer  *self,
                       gint           i,
                       GError       **error)
{
  consumer_enter (self);
  test_log_add (&self->log, "int:%d", i);
  consumer_leave (self);

  return TRUE;
}

static gboolean
consumer_on_counted (TestConsumer  *self,
                     guint          n,
                     GError       **error)
{
  consumer_enter (self);
  g_array_append_val (self->counted, n);
  consumer_leave (self);

  return TRUE;
}

static gboolean
consumer_on_producer (TestConsumer  *self,
                      TestProducer  *producer,
                      GError       **error)
{
  consumer_enter (self);
  g_assert_true (TEST_IS_PRODUCER (producer));
  test_log_add (&self->log, "producer");
  consumer_leave (self);

  return TRUE;
}

static gboolean
consumer_fail (TestConsumer  *self,
               const char    *message,
               GError       **error)
{
  consumer_enter (self);
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, message);
  consumer_leave (self);

  return FALSE;
}

/* A slot installed as a closure, as a language binding would. */
static void
consumer_on_produced_closure (TestConsumer *self,
                              const char   *product,
                              gpointer      user_data)
{
  g_assert_true (TEST_IS_CONSUMER (self));
  consumer_enter (self);
  test_log_add (&self->log, "closure:%s", product);
  consumer_leave (self);
}

static void
test_consumer_finalize (GObject *object)
{
  TestConsumer *self = TEST_CONSUMER (object);

  g_free (self->s);
  g_clear_object (&self->o);
  g_clear_pointer (&self->b, g_bytes_unref);
  g_strfreev (self->strv);
  g_array_unref (self->counted);
  test_log_clear (&self->log);

  G_OBJECT_CLASS (test_consumer_parent_class)->finalize (object);
}

static void
test_consumer_class_init (TestConsumerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GType type = G_TYPE_FROM_CLASS (klass);
  const GType closure_types[] = { G_TYPE_STRING };
  GClosure *closure;

  object_class->finalize = test_consumer_finalize;

  mre_slot_install (type, "on-produced", G_CALLBACK (consumer_on_produced),
                    MRE_SLOT_DEFAULT, 1, G_TYPE_STRING);
  mre_slot_install (type, "on-produced-async", G_CALLBACK (consumer_on_produced_async),
                    MRE_SLOT_ASYNC, 1, G_TYPE_STRING);
  mre_slot_install (type, "on-typed", G_CALLBACK (consumer_on_typed),
                    MRE_SLOT_DEFAULT, 6,
                    G_TYPE_INT, G_TYPE_DOUBLE, G_TYPE_STRING,
                    G_TYPE_OBJECT, G_TYPE_BYTES, G_TYPE_STRV);
  mre_slot_install (type, "on-typed-int", G_CALLBACK (consumer_on_typed_int),
                    MRE_SLOT_DEFAULT, 1, G_TYPE_INT);
  mre_slot_install (type, "on-counted", G_CALLBACK (consumer_on_counted),
                    MRE_SLOT_DEFAULT, 1, G_TYPE_UINT);
  mre_slot_install (type, "on-producer", G_CALLBACK (consumer_on_producer),
                    MRE_SLOT_DEFAULT, 1, TEST_TYPE_PRODUCER);
  mre_slot_install (type, "fail", G_CALLBACK (consumer_fail),
                    MRE_SLOT_DEFAULT, 1, G_TYPE_STRING);

  closure = g_cclosure_new (G_CALLBACK (consumer_on_produced_closure), NULL, NULL);
  g_closure_set_marshal (closure, g_cclosure_marshal_generic);
  mre_slot_install_closure (type, "on-produced-closure", closure,
                            MRE_SLOT_DEFAULT, 1, closure_types);
}

static void
test_consumer_init (TestConsumer *self)
{
  test_log_init (&self->log);
  self->counted = g_array_new (FALSE, FALSE, sizeof (guint));
}

static TestConsumer *
test_consumer_new (void)
{
  return g_object_new (TEST_TYPE_CONSUMER, NULL);
}

/* Helpers --------------------------------------------------------------- */

static void
reset_counters (void)
{
  g_atomic_int_set (&slot_calls_total, 0);
  g_atomic_int_set (&in_any_slot, 0);
}

/* Starts @loop (if it is not running), queues a stop and waits for it:
 * every call queued so far has run when this returns. */
static void
drain_loop (MreEventLoop *loop)
{
  g_autoptr(GError) error = NULL;

  if (!mre_event_loop_get_running (loop))
    {
      g_assert_true (mre_event_loop_start (loop, &error));
      g_assert_no_error (error);
    }
  mre_event_loop_stop (loop);
  g_assert_true (mre_event_loop_join (loop, &error));
  g_assert_no_error (error);
}

static gboolean
set_flag_call (gpointer   user_data,
               GError   **error)
{
  *(gboolean *) user_data = TRUE;

  return TRUE;
}

/* For a loop bound to @context: returns once every call queued so far ran. */
static void
flush_bound_loop (MreEventLoop *loop,
                  GMainContext *context)
{
  gboolean done = FALSE;

  mre_event_loop_invoke (loop, set_flag_call, &done, NULL);
  test_iterate_until (context, done);
}

static void
connect_ok (gpointer         emitter,
            const char      *signal,
            gpointer         target,
            const char      *slot,
            MreConnectFlags  flags)
{
  g_autoptr(GError) error = NULL;
  gulong id;

  id = mre_connect (emitter, signal, target, slot, flags, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (id, >, 0);
}

static void
emit_produced (TestProducer *producer,
               const char   *product)
{
  g_signal_emit (producer, produced_signal, 0, product);
}

/* Callbacks connected with mre_connect_callback() ----------------------- */

typedef struct
{
  const char   *tag;
  TestLog       log;
  gint          n;
  gint          destroyed;
  gpointer      emitter;
  GThread      *thread;
} CallbackState;

static void
callback_state_init (CallbackState *state,
                     const char    *tag)
{
  memset (state, 0, sizeof *state);
  state->tag = tag;
  test_log_init (&state->log);
}

static void
callback_state_clear (CallbackState *state)
{
  test_log_clear (&state->log);
}

static void
callback_state_destroy (gpointer data)
{
  CallbackState *state = data;

  g_atomic_int_inc (&state->destroyed);
}

static void
on_produced_cb (TestProducer *producer,
                const char   *product,
                gpointer      user_data)
{
  CallbackState *state = user_data;

  g_assert_true (TEST_IS_PRODUCER (producer));
  state->emitter = producer;
  state->thread = g_thread_self ();
  test_log_add (&state->log, "%s:%s", state->tag, product);
  g_atomic_int_inc (&state->n);
}

/* /signal/declare ------------------------------------------------------- */

/* mre_signal_new() declares a RUN_LAST, void signal with the given params. */
static void
test_declare_signal_new (void)
{
  const GType expected[] = {
    G_TYPE_INT, G_TYPE_DOUBLE, G_TYPE_STRING, G_TYPE_OBJECT, G_TYPE_BYTES, G_TYPE_STRV,
  };
  gpointer klass = g_type_class_ref (TEST_TYPE_PRODUCER);
  GSignalQuery query;

  g_assert_cmpuint (typed_signal, >, 0);
  g_assert_cmpuint (g_signal_lookup ("typed", TEST_TYPE_PRODUCER), ==, typed_signal);
  g_signal_query (typed_signal, &query);
  g_assert_cmpuint (query.signal_id, ==, typed_signal);
  g_assert_cmpstr (query.signal_name, ==, "typed");
  g_assert_true (query.itype == TEST_TYPE_PRODUCER);
  g_assert_true (query.signal_flags & G_SIGNAL_RUN_LAST);
  g_assert_true (query.return_type == G_TYPE_NONE);
  g_assert_cmpuint (query.n_params, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < query.n_params; i++)
    g_assert_true ((query.param_types[i] & ~G_SIGNAL_TYPE_STATIC_SCOPE) == expected[i]);

  g_signal_query (produced_signal, &query);
  g_assert_cmpuint (query.n_params, ==, 1);
  g_assert_true ((query.param_types[0] & ~G_SIGNAL_TYPE_STATIC_SCOPE) == G_TYPE_STRING);

  g_type_class_unref (klass);
}

static void
test_slot_exists (void)
{
  gpointer klass = g_type_class_ref (TEST_TYPE_CONSUMER);

  g_assert_true (mre_slot_exists (TEST_TYPE_CONSUMER, "on-produced"));
  g_assert_true (mre_slot_exists (TEST_TYPE_CONSUMER, "on-produced-async"));
  g_assert_true (mre_slot_exists (TEST_TYPE_CONSUMER, "on-produced-closure"));
  g_assert_false (mre_slot_exists (TEST_TYPE_CONSUMER, "on-consumed"));
  g_assert_false (mre_slot_exists (TEST_TYPE_PRODUCER, "on-produced"));

  g_type_class_unref (klass);
}

/* /signal/connect ------------------------------------------------------- */

/* A slot connected with mre_connect() gets every emission, in order, on its
 * loop's thread, and nothing before the loop runs. */
static void
test_connect_one_arg (void)
{
  g_autoptr(TestProducer) producer = test_producer_new ();
  TestConsumer *consumer = test_consumer_new ();
  MreEventLoop *loop;

  reset_counters ();
  loop = mre_object_get_event_loop (consumer);
  g_assert_true (MRE_IS_EVENT_LOOP (loop));
  g_assert_true (mre_object_get_event_loop (consumer) == loop);
  g_assert_false (mre_event_loop_get_running (loop));

  connect_ok (producer, "produced", consumer, "on-produced", MRE_CONNECT_DEFAULT);
  emit_produced (producer, "a");
  emit_produced (producer, "b");
  emit_produced (producer, "c");
  test_log_assert_empty (&consumer->log);

  drain_loop (loop);
  test_log_assert (&consumer->log, "a", "b", "c");
  g_assert_true (consumer->slot_thread != g_thread_self ());

  g_assert_finalize_object (consumer);
}

/* Every argument type arrives exactly as emitted, and as a copy: the
 * emitter frees its values right after the emission. */
static void
test_connect_typed_args_are_copies (void)
{
  g_autoptr(TestProducer) producer = test_producer_new ();
  TestConsumer *consumer = test_consumer_new ();
  TestProducer *payload = test_producer_new ();
  char *s = g_strdup ("transient");
  GBytes *bytes = g_bytes_new ("\x00\x01\x02", 3);
  char **strv = g_strsplit ("x,y,z", ",", -1);
  const char * const expected_strv[] = { "x", "y", "z", NULL };
  GWeakRef payload_ref;
  GObject *alive;

  reset_counters ();
  connect_ok (producer, "typed", consumer, "on-typed", MRE_CONNECT_DEFAULT);
  connect_ok (producer, "produced", consumer, "on-produced", MRE_CONNECT_DEFAULT);

  g_signal_emit (producer, typed_signal, 0, -7, 2.5, s, payload, bytes, strv);
  emit_produced (producer, s);

  /* The emitter is done with its values. */
  memset (s, 'X', strlen (s));
  g_free (s);
  strv[0][0] = 'Q';
  g_strfreev (strv);
  g_bytes_unref (bytes);
  g_weak_ref_init (&payload_ref, payload);
  g_object_unref (payload);

  /* The queued call holds a reference of its own. */
  alive = g_weak_ref_get (&payload_ref);
  g_assert_nonnull (alive);
  g_object_unref (alive);

  drain_loop (mre_object_get_event_loop (consumer));

  test_log_assert (&consumer->log, "typed", "transient");
  g_assert_cmpint (consumer->i, ==, -7);
  g_assert_cmpfloat (consumer->d, ==, 2.5);
  g_assert_cmpstr (consumer->s, ==, "transient");
  alive = g_weak_ref_get (&payload_ref);
  g_assert_nonnull (alive);
  g_assert_true (consumer->o == alive);
  g_object_unref (alive);
  g_assert_nonnull (consumer->b);
  g_assert_cmpmem (g_bytes_get_data (consumer->b, NULL), g_bytes_get_size (consumer->b),
                   "\x00\x01\x02", 3);
  g_assert_cmpstrv (consumer->strv, expected_strv);

  /* Once the consumer lets go, nothing else holds the payload. */
  g_assert_finalize_object (consumer);
  alive = g_weak_ref_get (&payload_ref);
  g_assert_null (alive);
  g_weak_ref_clear (&payload_ref);
}

/* A slot may take the first params of a signal only. */
static void
test_connect_fewer_params (void)
{
  g_autoptr(TestProducer) producer = test_producer_new ();
  TestConsumer *consumer = test_consumer_new ();
  const char * const strv[] = { "unused", NULL };

  reset_counters ();
  connect_ok (producer, "typed", consumer, "on-typed-int", MRE_CONNECT_DEFAULT);
  g_signal_emit (producer, typed_signal, 0, 42, 0.5, "s", producer, NULL, strv);
  g_signal_emit (producer, typed_signal, 0, 43, 0.5, "s", NULL, NULL, NULL);
  drain_loop (mre_object_get_event_loop (consumer));

  test_log_assert (&consumer->log, "int:42", "int:43");
  g_assert_finalize_object (consumer);
}

/* An async named slot holds the loop until its task returned: the sync slot
 * of the same emission waits, and so does the next emission. */
static void
test_connect_async_slot (void)
{
  g_autoptr(TestProducer) producer = test_producer_new ();
  g_autoptr(GError) error = NULL;
  TestConsumer *consumer = test_consumer_new ();

  reset_counters ();
  connect_ok (producer, "produced", consumer, "on-produced-async", MRE_CONNECT_DEFAULT);
  connect_ok (producer, "produced", consumer, "on-produced", MRE_CONNECT_DEFAULT);
  emit_produced (producer, "a");
  emit_produced (producer, "b");
  g_assert_true (mre_invoke (consumer, "on-produced-async", &error, "c"));
  g_assert_no_error (error);
  drain_loop (mre_object_get_event_loop (consumer));

  test_log_assert (&consumer->log,
                   "start:a", "end:a", "a",
                   "start:b", "end:b", "b",
                   "start:c", "end:c");
  g_assert_finalize_object (consumer);
}

/* A slot installed with mre_slot_install_closure() gets (self, args). */
static void
test_connect_closure_slot (void)
{
  g_autoptr(TestProducer) producer = test_producer_new ();
  TestConsumer *consumer = test_consumer_new ();

  reset_counters ();
  connect_ok (producer, "produced", consumer, "on-produced-closure", MRE_CONNECT_DEFAULT);
  emit_produced (producer, "z");
  drain_loop (mre_object_get_event_loop (consumer));

  test_log_assert (&consumer->log, "closure:z");
  g_assert_finalize_object (consumer);
}

/* mre_connect_callback(): a g_signal-shaped callback runs queued on the
 * given loop, here one bound to the test's context. */
static void
test_connect_callback (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GMainContext) context = g_main_context_new ();
  TestProducer *producer = test_producer_new ();
  MreEventLoop *loop;
  CallbackState state;
  gulong id;

  callback_state_init (&state, "cb");
  g_main_context_push_thread_default (context);
  loop = mre_event_loop_new_for_context (context);
  g_assert_true (mre_event_loop_start (loop, &error));
  g_assert_no_error (error);

  id = mre_connect_callback (producer, "produced", loop, G_CALLBACK (on_produced_cb),
                             &state, callback_state_destroy, MRE_CONNECT_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (id, >, 0);

  emit_produced (producer, "x");
  /* Queued, never run inside the emission. */
  g_assert_cmpint (state.n, ==, 0);
  test_iterate_until (context, state.n == 1);
  g_assert_true (state.emitter == producer);
  g_assert_true (state.thread == g_thread_self ());
  test_log_assert (&state.log, "cb:x");

  g_assert_true (mre_disconnect_handler (producer, id));
  g_assert_false (mre_disconnect_handler (producer, id));
  emit_produced (producer, "y");
  flush_bound_loop (loop, context);
  test_log_assert (&state.log, "cb:x");

  g_assert_finalize_object (producer);
  flush_bound_loop (loop, context);
  g_assert_cmpint (state.destroyed, ==, 1);

  mre_event_loop_stop (loop);
  test_iterate_until (context, !mre_event_loop_get_running (loop));
  g_assert_finalize_object (loop);
  g_main_context_pop_thread_default (context);
  callback_state_clear (&state);
}

/* mre_connect_closure() with a C closure. */
static void
test_connect_closure (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(TestProducer) producer = test_producer_new ();
  MreEventLoop *loop;
  CallbackState state;
  GClosure *closure;
  gulong id;

  callback_state_init (&state, "closure");
  g_main_context_push_thread_default (context);
  loop = mre_event_loop_new_for_context (context);
  g_assert_true (mre_event_loop_start (loop, &error));
  g_assert_no_error (error);

  closure = g_cclosure_new (G_CALLBACK (on_produced_cb), &state, NULL);
  g_closure_set_marshal (closure, g_cclosure_marshal_generic);
  id = mre_connect_closure (producer, "produced", loop, closure, MRE_CONNECT_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (id, >, 0);

  emit_produced (producer, "1");
  emit_produced (producer, "2");
  test_iterate_until (context, state.n == 2);
  test_log_assert (&state.log, "closure:1", "closure:2");
  g_assert_true (state.emitter == producer);

  g_assert_true (mre_disconnect_handler (producer, id));
  emit_produced (producer, "3");
  flush_bound_loop (loop, context);
  test_log_assert (&state.log, "closure:1", "closure:2");

  mre_event_loop_stop (loop);
  test_iterate_until (context, !mre_event_loop_get_running (loop));
  g_assert_finalize_object (loop);
  g_main_context_pop_thread_default (context);
  callback_state_clear (&state);
}

/* /signal/connect/once -------------------------------------------------- */

#define N_ONCE_EMISSIONS 1000

typedef struct
{
  TestProducer *producer;
  TestGate     *go;
  const char   *tag;
} EmitterThread;

static gpointer
emit_many_thread (gpointer data)
{
  EmitterThread *emitter = data;

  test_gate_wait (emitter->go);
  for (guint i = 0; i < N_ONCE_EMISSIONS; i++)
    {
      g_autofree char *product = g_strdup_printf ("%s-%u", emitter->tag, i);

      emit_produced (emitter->producer, product);
    }

  return NULL;
}

/* A once connection is delivered exactly once, even when two threads emit
 * at the same time. */
static void
test_connect_once (void)
{
  g_autoptr(TestProducer) producer = test_producer_new ();
  g_autoptr(GError) error = NULL;
  TestConsumer *consumer = test_consumer_new ();
  MreEventLoop *loop = mre_object_get_event_loop (consumer);
  EmitterThread emitters[2];
  GThread *threads[2];
  TestGate go;
  g_auto(GStrv) seen = NULL;
  gulong id;

  reset_counters ();
  test_gate_init (&go);
  id = mre_connect (producer, "produced", consumer, "on-produced", MRE_CONNECT_ONCE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (id, >, 0);
  g_assert_true (mre_event_loop_start (loop, &error));
  g_assert_no_error (error);

  for (guint i = 0; i < 2; i++)
    {
      emitters[i].producer = producer;
      emitters[i].go = &go;
      emitters[i].tag = i == 0 ? "t1" : "t2";
      threads[i] = g_thread_new ("emitter", emit_many_thread, &emitters[i]);
    }
  test_gate_open (&go);
  for (guint i = 0; i < 2; i++)
    g_thread_join (threads[i]);
  drain_loop (loop);

  g_assert_cmpint (consumer->n_calls, ==, 1);
  seen = test_log_dup (&consumer->log);
  g_assert_cmpuint (g_strv_length (seen), ==, 1);
  g_assert_true (g_str_equal (seen[0], "t1-0") || g_str_equal (seen[0], "t2-0"));
  /* The connection is gone once it fired. */
  g_assert_false (mre_disconnect_handler (producer, id));
  g_assert_cmpuint (mre_disconnect (producer, "produced"), ==, 0);

  test_gate_clear (&go);
  g_assert_finalize_object (consumer);
}

/* /signal/keep-track ---------------------------------------------------- */

/* Kept emissions are replayed, in order, to a default connection (and to
 * the first delivery of a once connection), never to a future-only one. */
static void
test_keep_track_replay (void)
{
  g_autoptr(TestProducer) producer = test_producer_new ();
  g_autoptr(MreEventLoop) loop = mre_event_loop_new ();
  g_autoptr(GError) error = NULL;
  TestConsumer *all = test_consumer_new ();
  TestConsumer *future = test_consumer_new ();
  TestConsumer *once = test_consumer_new ();
  TestConsumer *once_future = test_consumer_new ();

  reset_counters ();
  mre_object_set_event_loop (all, loop);
  mre_object_set_event_loop (future, loop);
  mre_object_set_event_loop (once, loop);
  mre_object_set_event_loop (once_future, loop);

  g_assert_true (mre_keep_track_of (producer, "produced", 0, &error));
  g_assert_no_error (error);
  emit_produced (producer, "a");
  emit_produced (producer, "b");
  emit_produced (producer, "c");

  connect_ok (producer, "produced", all, "on-produced", MRE_CONNECT_DEFAULT);
  connect_ok (producer, "produced", future, "on-produced", MRE_CONNECT_FUTURE_ONLY);
  connect_ok (producer, "produced", once, "on-produced", MRE_CONNECT_ONCE);
  connect_ok (producer, "produced", once_future, "on-produced",
              MRE_CONNECT_ONCE | MRE_CONNECT_FUTURE_ONLY);
  emit_produced (producer, "d");
  emit_produced (producer, "e");
  drain_loop (loop);

  test_log_assert (&all->log, "a", "b", "c", "d", "e");
  test_log_assert (&future->log, "d", "e");
  test_log_assert (&once->log, "a");
  test_log_assert (&once_future->log, "d");

  mre_stop_keeping_track_of (producer, "produced");
  g_assert_finalize_object (all);
  g_assert_finalize_object (future);
  g_assert_finalize_object (once);
  g_assert_finalize_object (once_future);
}

/* max_size keeps only the last emissions; once tracking stopped, a new
 * connection gets live emissions only. */
static void
test_keep_track_max_size (void)
{
  g_autoptr(TestProducer) producer = test_producer_new ();
  g_autoptr(MreEventLoop) loop = mre_event_loop_new ();
  g_autoptr(GError) error = NULL;
  TestConsumer *early = test_consumer_new ();
  TestConsumer *late = test_consumer_new ();

  reset_counters ();
  mre_object_set_event_loop (early, loop);
  mre_object_set_event_loop (late, loop);

  g_assert_true (mre_keep_track_of (producer, "produced", 2, &error));
  g_assert_no_error (error);
  emit_produced (producer, "a");
  emit_produced (producer, "b");
  emit_produced (producer, "c");
  connect_ok (producer, "produced", early, "on-produced", MRE_CONNECT_DEFAULT);
  emit_produced (producer, "d");

  mre_stop_keeping_track_of (producer, "produced");
  connect_ok (producer, "produced", late, "on-produced", MRE_CONNECT_DEFAULT);
  emit_produced (producer, "e");
  drain_loop (loop);

  test_log_assert (&early->log, "b", "c", "d", "e");
  test_log_assert (&late->log, "e");

  g_assert_finalize_object (early);
  g_assert_finalize_object (late);
}

static void
test_keep_track_unknown_signal (void)
{
  g_autoptr(TestProducer) producer = test_producer_new ();
  g_autoptr(GError) error = NULL;

  g_assert_false (mre_keep_track_of (producer, "consumed", 0, &error));
  g_assert_error (error, MRE_ERROR, MRE_ERROR_NO_SUCH_SIGNAL);
}

#define N_COUNTED 20000

typedef struct
{
  TestProducer *producer;
  TestGate      halfway;
  TestGate      connected;
} CountingEmitter;

static gpointer
emit_counted_thread (gpointer data)
{
  CountingEmitter *emitter = data;

  for (guint i = 0; i < N_COUNTED; i++)
    {
      g_signal_emit (emitter->producer, counted_signal, 0, i);
      if (i == N_COUNTED / 4)
        test_gate_open (&emitter->halfway);
      /* However the threads are scheduled, emissions go on after both
       * connections were made. */
      if (i == 3 * N_COUNTED / 4)
        test_gate_wait (&emitter->connected);
    }

  return NULL;
}

/* Connecting while another thread emits: the default connection sees every
 * emission exactly once (kept ones, then live ones, no gap, no duplicate);
 * the future-only one sees a gapless tail. */
static void
test_keep_track_no_gap_no_duplicate (void)
{
  g_autoptr(TestProducer) producer = test_producer_new ();
  g_autoptr(MreEventLoop) loop = mre_event_loop_new ();
  g_autoptr(GError) error = NULL;
  TestConsumer *all = test_consumer_new ();
  TestConsumer *future = test_consumer_new ();
  CountingEmitter emitter;
  GThread *thread;
  guint first;

  reset_counters ();
  mre_object_set_event_loop (all, loop);
  mre_object_set_event_loop (future, loop);
  g_assert_true (mre_event_loop_start (loop, &error));
  g_assert_no_error (error);
  g_assert_true (mre_keep_track_of (producer, "counted", 0, &error));
  g_assert_no_error (error);

  emitter.producer = producer;
  test_gate_init (&emitter.halfway);
  test_gate_init (&emitter.connected);
  thread = g_thread_new ("counter", emit_counted_thread, &emitter);
  test_gate_wait (&emitter.halfway);
  connect_ok (producer, "counted", all, "on-counted", MRE_CONNECT_DEFAULT);
  connect_ok (producer, "counted", future, "on-counted", MRE_CONNECT_FUTURE_ONLY);
  test_gate_open (&emitter.connected);
  g_thread_join (thread);
  drain_loop (loop);

  g_assert_cmpuint (all->counted->len, ==, N_COUNTED);
  for (guint i = 0; i < N_COUNTED; i++)
    g_assert_cmpuint (g_array_index (all->counted, guint, i), ==, i);

  g_assert_cmpuint (future->counted->len, >, 0);
  first = g_array_index (future->counted, guint, 0);
  g_assert_cmpuint (first, >, N_COUNTED / 4);
  g_assert_cmpuint (future->counted->len, ==, N_COUNTED - first);
  for (guint i = 0; i < future->counted->len; i++)
    g_assert_cmpuint (g_array_index (future->counted, guint, i), ==, first + i);

  mre_stop_keeping_track_of (producer, "counted");
  test_gate_clear (&emitter.halfway);
  test_gate_clear (&emitter.connected);
  g_assert_finalize_object (all);
  g_assert_finalize_object (future);
}

/* /signal/disconnect ---------------------------------------------------- */

/* mre_disconnect() drops every listener of one signal (slots, closures and
 * callbacks) and no other signal's. */
static void
test_disconnect_by_name (void)
{
  g_autoptr(TestProducer) producer = test_producer_new ();
  g_autoptr(GError) error = NULL;
  TestConsumer *consumer = test_consumer_new ();
  MreEventLoop *loop = mre_object_get_event_loop (consumer);
  CallbackState state;
  gulong id;

  reset_counters ();
  callback_state_init (&state, "cb");
  connect_ok (producer, "produced", consumer, "on-produced", MRE_CONNECT_DEFAULT);
  connect_ok (producer, "produced", consumer, "on-produced-closure", MRE_CONNECT_DEFAULT);
  id = mre_connect_callback (producer, "produced", loop, G_CALLBACK (on_produced_cb),
                             &state, NULL, MRE_CONNECT_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (id, >, 0);
  connect_ok (producer, "counted", consumer, "on-counted", MRE_CONNECT_DEFAULT);

  g_assert_cmpuint (mre_disconnect (producer, "produced"), ==, 3);
  emit_produced (producer, "x");
  g_signal_emit (producer, counted_signal, 0, 7);
  drain_loop (loop);

  test_log_assert_empty (&consumer->log);
  g_assert_cmpint (state.n, ==, 0);
  g_assert_cmpuint (consumer->counted->len, ==, 1);
  g_assert_cmpuint (g_array_index (consumer->counted, guint, 0), ==, 7);
  g_assert_cmpuint (mre_disconnect (producer, "produced"), ==, 0);
  g_assert_false (mre_disconnect_handler (producer, id));

  g_assert_finalize_object (consumer);
  callback_state_clear (&state);
}

static void
test_disconnect_handler (void)
{
  g_autoptr(TestProducer) producer = test_producer_new ();
  g_autoptr(MreEventLoop) loop = mre_event_loop_new ();
  g_autoptr(GError) error = NULL;
  TestConsumer *dropped = test_consumer_new ();
  TestConsumer *kept = test_consumer_new ();
  gulong dropped_id, kept_id;

  reset_counters ();
  mre_object_set_event_loop (dropped, loop);
  mre_object_set_event_loop (kept, loop);
  dropped_id = mre_connect (producer, "produced", dropped, "on-produced", 0, &error);
  g_assert_no_error (error);
  kept_id = mre_connect (producer, "produced", kept, "on-produced", 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (dropped_id, >, 0);
  g_assert_cmpuint (kept_id, >, 0);
  g_assert_cmpuint (dropped_id, !=, kept_id);

  g_assert_true (mre_disconnect_handler (producer, dropped_id));
  g_assert_false (mre_disconnect_handler (producer, dropped_id));
  emit_produced (producer, "x");
  drain_loop (loop);

  test_log_assert_empty (&dropped->log);
  test_log_assert (&kept->log, "x");
  g_assert_true (mre_disconnect_handler (producer, kept_id));

  g_assert_finalize_object (dropped);
  g_assert_finalize_object (kept);
}

/* mre_disconnect_by_func() drops the callback connections with that func
 * and data, and only those. */
static void
test_disconnect_by_func (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GMainContext) context = g_main_context_new ();
  TestProducer *producer = test_producer_new ();
  MreEventLoop *loop;
  CallbackState a, b;

  callback_state_init (&a, "a");
  callback_state_init (&b, "b");
  g_main_context_push_thread_default (context);
  loop = mre_event_loop_new_for_context (context);
  g_assert_true (mre_event_loop_start (loop, &error));
  g_assert_no_error (error);

  /* a's connections come first: had they survived, a's calls would be
   * queued before b's. */
  for (guint i = 0; i < 2; i++)
    {
      g_assert_cmpuint (mre_connect_callback (producer, "produced", loop,
                                              G_CALLBACK (on_produced_cb), &a,
                                              callback_state_destroy, 0, &error), >, 0);
      g_assert_no_error (error);
    }
  g_assert_cmpuint (mre_connect_callback (producer, "produced", loop,
                                          G_CALLBACK (on_produced_cb), &b,
                                          callback_state_destroy, 0, &error), >, 0);
  g_assert_no_error (error);

  g_assert_cmpuint (mre_disconnect_by_func (producer, G_CALLBACK (on_produced_cb), &a), ==, 2);
  g_assert_cmpuint (mre_disconnect_by_func (producer, G_CALLBACK (on_produced_cb), &a), ==, 0);
  emit_produced (producer, "x");
  test_iterate_until (context, b.n == 1);
  flush_bound_loop (loop, context);

  g_assert_cmpint (a.n, ==, 0);
  test_log_assert (&b.log, "b:x");

  g_assert_finalize_object (producer);
  flush_bound_loop (loop, context);
  g_assert_cmpint (a.destroyed, ==, 2);
  g_assert_cmpint (b.destroyed, ==, 1);

  mre_event_loop_stop (loop);
  test_iterate_until (context, !mre_event_loop_get_running (loop));
  g_assert_finalize_object (loop);
  g_main_context_pop_thread_default (context);
  callback_state_clear (&a);
  callback_state_clear (&b);
}

/* /signal/target -------------------------------------------------------- */

/* A finalized target is never called and its connection is gone. */
static void
test_target_finalized (void)
{
  g_autoptr(TestProducer) producer = test_producer_new ();
  g_autoptr(MreEventLoop) loop = mre_event_loop_new ();
  g_autoptr(GError) error = NULL;
  TestConsumer *consumer = test_consumer_new ();
  GObject *alive;
  GWeakRef weak;
  gulong id;

  reset_counters ();
  mre_object_set_event_loop (consumer, loop);
  id = mre_connect (producer, "produced", consumer, "on-produced", 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (id, >, 0);

  /* The connection does not keep its target alive. */
  g_weak_ref_init (&weak, consumer);
  g_object_unref (consumer);
  alive = g_weak_ref_get (&weak);
  g_assert_null (alive);

  emit_produced (producer, "x");
  drain_loop (loop);

  g_assert_cmpint (g_atomic_int_get (&slot_calls_total), ==, 0);
  g_assert_false (mre_disconnect_handler (producer, id));
  g_assert_cmpuint (mre_disconnect (producer, "produced"), ==, 0);
  g_weak_ref_clear (&weak);
}

/* A call queued before the target lost its last reference still runs,
 * then lets the target go. */
static void
test_target_kept_alive_by_queued_call (void)
{
  g_autoptr(TestProducer) producer = test_producer_new ();
  g_autoptr(MreEventLoop) loop = mre_event_loop_new ();
  TestConsumer *consumer = test_consumer_new ();
  GObject *alive;
  GWeakRef weak;

  reset_counters ();
  mre_object_set_event_loop (consumer, loop);
  connect_ok (producer, "produced", consumer, "on-produced", MRE_CONNECT_DEFAULT);
  emit_produced (producer, "x");

  g_weak_ref_init (&weak, consumer);
  g_object_unref (consumer);
  alive = g_weak_ref_get (&weak);
  g_assert_nonnull (alive);
  g_object_unref (alive);

  drain_loop (loop);
  g_assert_cmpint (g_atomic_int_get (&slot_calls_total), ==, 1);
  alive = g_weak_ref_get (&weak);
  g_assert_null (alive);
  g_weak_ref_clear (&weak);
}

/* /signal/connect/error ------------------------------------------------- */

static void
test_connect_error_no_such_signal (void)
{
  g_autoptr(TestProducer) producer = test_producer_new ();
  g_autoptr(TestConsumer) consumer = test_consumer_new ();
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (mre_connect (producer, "consumed", consumer, "on-produced", 0, &error), ==, 0);
  g_assert_error (error, MRE_ERROR, MRE_ERROR_NO_SUCH_SIGNAL);
  g_clear_error (&error);

  g_assert_cmpuint (mre_connect_callback (producer, "consumed", mre_object_get_event_loop (consumer),
                                          G_CALLBACK (on_produced_cb), NULL, NULL, 0, &error), ==, 0);
  g_assert_error (error, MRE_ERROR, MRE_ERROR_NO_SUCH_SIGNAL);
  g_assert_cmpuint (mre_disconnect (producer, "produced"), ==, 0);
}

static void
test_connect_error_no_such_slot (void)
{
  g_autoptr(TestProducer) producer = test_producer_new ();
  g_autoptr(TestConsumer) consumer = test_consumer_new ();
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (mre_connect (producer, "produced", consumer, "on-consumed", 0, &error), ==, 0);
  g_assert_error (error, MRE_ERROR, MRE_ERROR_NO_SUCH_SLOT);
  g_assert_cmpuint (mre_disconnect (producer, "produced"), ==, 0);
}

static void
test_connect_error_type_mismatch (void)
{
  g_autoptr(TestProducer) producer = test_producer_new ();
  g_autoptr(TestConsumer) consumer = test_consumer_new ();
  g_autoptr(GError) error = NULL;

  /* A string signal into an int slot. */
  g_assert_cmpuint (mre_connect (producer, "produced", consumer, "on-typed-int", 0, &error), ==, 0);
  g_assert_error (error, MRE_ERROR, MRE_ERROR_TYPE_MISMATCH);
  g_clear_error (&error);

  /* A slot that wants more than the signal gives. */
  g_assert_cmpuint (mre_connect (producer, "counted", consumer, "on-typed", 0, &error), ==, 0);
  g_assert_error (error, MRE_ERROR, MRE_ERROR_TYPE_MISMATCH);

  g_assert_cmpuint (mre_disconnect (producer, "produced"), ==, 0);
  g_assert_cmpuint (mre_disconnect (producer, "counted"), ==, 0);
}

/* /signal/invoke -------------------------------------------------------- */

/* mre_invoke() queues a named slot with args; bad names and types are
 * refused at once, and nothing of them runs. */
/* TestKinds: slots of the signatures the library calls directly, each
 * argument kind in each position, and the one without arguments. */

#define TEST_TYPE_KINDS (test_kinds_get_type ())
G_DECLARE_FINAL_TYPE (TestKinds, test_kinds, TEST, KINDS, GObject)

struct _TestKinds
{
  GObject  parent_instance;
  GString *log;
};

G_DEFINE_FINAL_TYPE (TestKinds, test_kinds, G_TYPE_OBJECT)

static gboolean
kinds_none (TestKinds *self, GError **error)
{
  g_string_append (self->log, "none;");
  return TRUE;
}

static gboolean
kinds_p_i (TestKinds *self, const char *s, gint i, GError **error)
{
  g_string_append_printf (self->log, "p-i %s %d;", s, i);
  return TRUE;
}

static gboolean
kinds_i_p (TestKinds *self, GIOErrorEnum e, const char *s, GError **error)
{
  g_string_append_printf (self->log, "i-p %d %s;", e, s);
  return TRUE;
}

static gboolean
kinds_l_d (TestKinds *self, gint64 l, gdouble d, GError **error)
{
  g_string_append_printf (self->log, "l-d %" G_GINT64_FORMAT " %g;", l, d);
  return TRUE;
}

static gboolean
kinds_d_l (TestKinds *self, gdouble d, guint64 l, GError **error)
{
  g_string_append_printf (self->log, "d-l %g %" G_GUINT64_FORMAT ";", d, l);
  return TRUE;
}

static gboolean
kinds_b_f (TestKinds *self, gboolean b, GApplicationFlags f, GError **error)
{
  g_string_append_printf (self->log, "b-f %d %u;", b, (guint) f);
  return TRUE;
}

static gboolean
kinds_d (TestKinds *self, gdouble d, GError **error)
{
  g_string_append_printf (self->log, "d %g;", d);
  return TRUE;
}

static void
test_kinds_finalize (GObject *object)
{
  g_string_free (TEST_KINDS (object)->log, TRUE);
  G_OBJECT_CLASS (test_kinds_parent_class)->finalize (object);
}

static void
test_kinds_class_init (TestKindsClass *klass)
{
  GType type = G_TYPE_FROM_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = test_kinds_finalize;
  mre_slot_install (type, "none", G_CALLBACK (kinds_none), MRE_SLOT_DEFAULT, 0);
  mre_slot_install (type, "p-i", G_CALLBACK (kinds_p_i), MRE_SLOT_DEFAULT, 2,
                    G_TYPE_STRING, G_TYPE_INT);
  mre_slot_install (type, "i-p", G_CALLBACK (kinds_i_p), MRE_SLOT_DEFAULT, 2,
                    G_TYPE_IO_ERROR_ENUM, G_TYPE_STRING);
  mre_slot_install (type, "l-d", G_CALLBACK (kinds_l_d), MRE_SLOT_DEFAULT, 2,
                    G_TYPE_INT64, G_TYPE_DOUBLE);
  mre_slot_install (type, "d-l", G_CALLBACK (kinds_d_l), MRE_SLOT_DEFAULT, 2,
                    G_TYPE_DOUBLE, G_TYPE_UINT64);
  mre_slot_install (type, "b-f", G_CALLBACK (kinds_b_f), MRE_SLOT_DEFAULT, 2,
                    G_TYPE_BOOLEAN, G_TYPE_APPLICATION_FLAGS);
  mre_slot_install (type, "d", G_CALLBACK (kinds_d), MRE_SLOT_DEFAULT, 1, G_TYPE_DOUBLE);
}

static void
test_kinds_init (TestKinds *self)
{
  self->log = g_string_new (NULL);
}

/* Every argument kind reaches the slot intact, in either position:
 * negative and 64-bit values, enums, flags, doubles. */
static void
test_invoke_argument_kinds (void)
{
  g_autoptr(GError) error = NULL;
  TestKinds *kinds = g_object_new (TEST_TYPE_KINDS, NULL);
  MreEventLoop *loop = mre_object_get_event_loop (kinds);

  g_assert_true (mre_invoke (kinds, "none", &error));
  g_assert_true (mre_invoke (kinds, "p-i", &error, "str", -7));
  g_assert_true (mre_invoke (kinds, "i-p", &error, G_IO_ERROR_TIMED_OUT, "late"));
  g_assert_true (mre_invoke (kinds, "l-d", &error, G_MININT64, 2.5));
  g_assert_true (mre_invoke (kinds, "d-l", &error, -0.125, G_MAXUINT64));
  g_assert_true (mre_invoke (kinds, "b-f", &error, TRUE,
                             G_APPLICATION_IS_SERVICE | G_APPLICATION_NON_UNIQUE));
  g_assert_true (mre_invoke (kinds, "d", &error, 1e300));
  g_assert_no_error (error);

  mre_event_loop_stop (loop);
  g_assert_true (mre_event_loop_run (loop, &error));
  g_assert_no_error (error);

  g_assert_cmpstr (kinds->log->str, ==,
                   "none;"
                   "p-i str -7;"
                   "i-p 24 late;"
                   "l-d -9223372036854775808 2.5;"
                   "d-l -0.125 18446744073709551615;"
                   "b-f 1 33;"
                   "d 1e+300;");
  g_assert_finalize_object (kinds);
}

static void
test_invoke_named_slot (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TestProducer) producer = test_producer_new ();
  TestConsumer *consumer = test_consumer_new ();
  TestConsumer *other = test_consumer_new ();
  GValue args[2] = { G_VALUE_INIT, G_VALUE_INIT };

  reset_counters ();
  g_assert_true (mre_invoke (consumer, "on-produced", &error, "direct"));
  g_assert_no_error (error);

  g_assert_false (mre_invoke (consumer, "on-consumed", &error, "x"));
  g_assert_error (error, MRE_ERROR, MRE_ERROR_NO_SUCH_SLOT);
  g_clear_error (&error);

  /* An object of the wrong class for a TestProducer param. */
  g_assert_false (mre_invoke (consumer, "on-producer", &error, other));
  g_assert_error (error, MRE_ERROR, MRE_ERROR_TYPE_MISMATCH);
  g_clear_error (&error);
  g_assert_true (mre_invoke (consumer, "on-producer", &error, producer));
  g_assert_no_error (error);

  /* An int where the slot takes a string. */
  g_value_init (&args[0], G_TYPE_INT);
  g_value_set_int (&args[0], 5);
  g_assert_false (mre_invokev (consumer, "on-produced", args, 1, &error));
  g_assert_error (error, MRE_ERROR, MRE_ERROR_TYPE_MISMATCH);
  g_clear_error (&error);
  g_value_unset (&args[0]);

  /* Too many and too few arguments. */
  g_value_init (&args[0], G_TYPE_STRING);
  g_value_set_string (&args[0], "one");
  g_value_init (&args[1], G_TYPE_STRING);
  g_value_set_string (&args[1], "two");
  g_assert_false (mre_invokev (consumer, "on-produced", args, 2, &error));
  g_assert_error (error, MRE_ERROR, MRE_ERROR_TYPE_MISMATCH);
  g_clear_error (&error);
  g_assert_false (mre_invokev (consumer, "on-produced", NULL, 0, &error));
  g_assert_error (error, MRE_ERROR, MRE_ERROR_TYPE_MISMATCH);
  g_clear_error (&error);

  g_assert_true (mre_invokev (consumer, "on-produced", args, 1, &error));
  g_assert_no_error (error);
  g_value_unset (&args[0]);
  g_value_unset (&args[1]);

  drain_loop (mre_object_get_event_loop (consumer));
  test_log_assert (&consumer->log, "direct", "producer", "one");
  test_log_assert_empty (&other->log);

  g_assert_finalize_object (consumer);
  g_assert_finalize_object (other);
}

static void
test_invoke_typed_args (void)
{
  g_autoptr(GError) error = NULL;
  TestConsumer *consumer = test_consumer_new ();
  TestProducer *payload = test_producer_new ();
  g_autoptr(GBytes) bytes = g_bytes_new_static ("abc", 3);
  char *s = g_strdup ("typed");
  const char * const strv[] = { "1", "2", NULL };

  reset_counters ();
  g_assert_true (mre_invoke (consumer, "on-typed", &error, 3, -0.25, s, payload, bytes, strv));
  g_assert_no_error (error);
  g_free (s);
  drain_loop (mre_object_get_event_loop (consumer));

  test_log_assert (&consumer->log, "typed");
  g_assert_cmpint (consumer->i, ==, 3);
  g_assert_cmpfloat (consumer->d, ==, -0.25);
  g_assert_cmpstr (consumer->s, ==, "typed");
  g_assert_true (consumer->o == G_OBJECT (payload));
  g_assert_true (g_bytes_equal (consumer->b, bytes));
  g_assert_cmpstrv (consumer->strv, strv);

  g_assert_finalize_object (consumer);
  g_assert_finalize_object (payload);
}

/* A failing slot stops its loop with the slot's error. */
static void
test_slot_error_stops_loop (void)
{
  g_autoptr(GError) error = NULL;
  TestConsumer *consumer = test_consumer_new ();
  MreEventLoop *loop = mre_object_get_event_loop (consumer);
  gboolean later_ran = FALSE;

  reset_counters ();
  g_assert_true (mre_invoke (consumer, "fail", &error, "bad input"));
  g_assert_no_error (error);
  /* A plain call, not a slot call: a slot call left queued would hold the
   * consumer, which holds its loop, which holds the call. */
  mre_event_loop_invoke (loop, set_flag_call, &later_ran, NULL);

  g_assert_false (mre_event_loop_run (loop, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==, "bad input");
  g_assert_cmpint (consumer->n_calls, ==, 1);
  g_assert_false (later_ran);

  g_assert_finalize_object (consumer);
}

/* /signal/shared-loop --------------------------------------------------- */

#define N_SHARED_EMISSIONS 5000

typedef struct
{
  TestProducer *producer;
  TestGate     *go;
  const char   *tag;
} SharedEmitter;

static gpointer
shared_emit_thread (gpointer data)
{
  SharedEmitter *emitter = data;

  test_gate_wait (emitter->go);
  for (guint i = 0; i < N_SHARED_EMISSIONS; i++)
    {
      g_autofree char *product = g_strdup_printf ("%s-%u", emitter->tag, i);

      emit_produced (emitter->producer, product);
    }

  return NULL;
}

static void
assert_tagged_sequence (TestConsumer *consumer,
                        const char   *tag)
{
  g_auto(GStrv) seen = test_log_dup (&consumer->log);

  g_assert_cmpuint (g_strv_length (seen), ==, N_SHARED_EMISSIONS);
  for (guint i = 0; i < N_SHARED_EMISSIONS; i++)
    {
      g_autofree char *expected = g_strdup_printf ("%s-%u", tag, i);

      g_assert_cmpstr (seen[i], ==, expected);
    }
}

/* Two objects on one loop: their slots never overlap, each in order, while
 * two threads emit into both. */
static void
test_shared_loop_never_concurrent (void)
{
  g_autoptr(MreEventLoop) loop = mre_event_loop_new ();
  g_autoptr(GError) error = NULL;
  TestProducer *producers[2];
  TestConsumer *consumers[2];
  SharedEmitter emitters[2];
  GThread *threads[2];
  TestGate go;

  reset_counters ();
  test_gate_init (&go);
  for (guint i = 0; i < 2; i++)
    {
      producers[i] = test_producer_new ();
      consumers[i] = test_consumer_new ();
      mre_object_set_event_loop (consumers[i], loop);
      g_assert_true (mre_object_get_event_loop (consumers[i]) == loop);
      connect_ok (producers[i], "produced", consumers[i], "on-produced", MRE_CONNECT_DEFAULT);
    }
  g_assert_true (mre_event_loop_start (loop, &error));
  g_assert_no_error (error);

  for (guint i = 0; i < 2; i++)
    {
      emitters[i].producer = producers[i];
      emitters[i].go = &go;
      emitters[i].tag = i == 0 ? "p1" : "p2";
      threads[i] = g_thread_new ("emitter", shared_emit_thread, &emitters[i]);
    }
  test_gate_open (&go);
  for (guint i = 0; i < 2; i++)
    g_thread_join (threads[i]);
  drain_loop (loop);

  assert_tagged_sequence (consumers[0], "p1");
  assert_tagged_sequence (consumers[1], "p2");
  g_assert_cmpint (slot_calls_total, ==, 2 * N_SHARED_EMISSIONS);
  g_assert_true (consumers[0]->slot_thread == consumers[1]->slot_thread);

  for (guint i = 0; i < 2; i++)
    {
      g_assert_finalize_object (consumers[i]);
      g_assert_finalize_object (producers[i]);
    }
  test_gate_clear (&go);
}

static gpointer
emit_from_thread (gpointer data)
{
  emit_produced (data, "from-thread");

  return NULL;
}

/* A target whose loop is bound to the test's context runs its slots on the
 * test thread, whichever thread emitted. */
static void
test_bound_loop_runs_on_test_thread (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(TestProducer) producer = test_producer_new ();
  TestConsumer *consumer = test_consumer_new ();
  MreEventLoop *loop;
  GThread *thread;

  reset_counters ();
  g_main_context_push_thread_default (context);
  loop = mre_event_loop_new_for_context (context);
  mre_object_set_event_loop (consumer, loop);
  g_assert_true (mre_event_loop_start (loop, &error));
  g_assert_no_error (error);
  connect_ok (producer, "produced", consumer, "on-produced", MRE_CONNECT_DEFAULT);

  thread = g_thread_new ("emitter", emit_from_thread, producer);
  test_iterate_until (context, g_atomic_int_get (&consumer->n_calls) == 1);
  g_thread_join (thread);

  test_log_assert (&consumer->log, "from-thread");
  g_assert_true (consumer->slot_thread == g_thread_self ());

  mre_event_loop_stop (loop);
  test_iterate_until (context, !mre_event_loop_get_running (loop));
  g_assert_finalize_object (consumer);
  g_assert_finalize_object (loop);
  g_main_context_pop_thread_default (context);
}

/* mre_slot_install_full(): a slot given as a function with user data, for
 * bindings, that fails like a C slot. */
typedef struct { GObject parent_instance; } FuncTarget;
typedef struct { GObjectClass parent_class; } FuncTargetClass;
GType func_target_get_type (void);
G_DEFINE_TYPE (FuncTarget, func_target, G_TYPE_OBJECT)
static void func_target_class_init (FuncTargetClass *klass) { }
static void func_target_init (FuncTarget *self) { }

static gboolean
func_slot (GObject       *target,
           const GValue  *args,
           guint          n_args,
           gpointer       user_data,
           GError       **error)
{
  GPtrArray *seen = user_data;

  g_assert_cmpuint (n_args, ==, 1);
  g_ptr_array_add (seen, g_value_dup_string (&args[0]));
  if (g_str_equal (g_value_get_string (&args[0]), "bad"))
    {
      g_set_error (error, MRE_ERROR, MRE_ERROR_FAILED, "bad product");
      return FALSE;
    }
  return TRUE;
}

static void
test_slot_install_full (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(MreEventLoop) loop = mre_event_loop_new_for_context (context);
  g_autoptr(GObject) target = g_object_new (func_target_get_type (), NULL);
  GPtrArray *seen = g_ptr_array_new_with_free_func (g_free);
  GType types[] = { G_TYPE_STRING };
  g_autoptr(GError) error = NULL;

  mre_slot_install_full (func_target_get_type (), "on-product", func_slot,
                         g_ptr_array_ref (seen), (GDestroyNotify) g_ptr_array_unref, 1, types);
  mre_object_set_event_loop (target, loop);
  g_assert_true (mre_invoke (target, "on-product", &error, "good"));
  g_assert_true (mre_invoke (target, "on-product", &error, "bad"));
  g_assert_true (mre_invoke (target, "on-product", &error, "never"));

  /* The failing call stops the loop (exit-on-exception) with its error. */
  g_assert_false (mre_event_loop_run (loop, &error));
  g_assert_error (error, MRE_ERROR, MRE_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==, "bad product");
  g_assert_cmpuint (seen->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (seen, 1), ==, "bad");
  g_ptr_array_unref (seen);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/signal/declare/signal-new", test_declare_signal_new);
  g_test_add_func ("/signal/slot/exists", test_slot_exists);
  g_test_add_func ("/signal/slot/install-full", test_slot_install_full);
  g_test_add_func ("/signal/connect/one-arg", test_connect_one_arg);
  g_test_add_func ("/signal/connect/typed-args-are-copies", test_connect_typed_args_are_copies);
  g_test_add_func ("/signal/connect/fewer-params", test_connect_fewer_params);
  g_test_add_func ("/signal/connect/async-slot", test_connect_async_slot);
  g_test_add_func ("/signal/connect/closure-slot", test_connect_closure_slot);
  g_test_add_func ("/signal/connect/callback", test_connect_callback);
  g_test_add_func ("/signal/connect/closure", test_connect_closure);
  g_test_add_func ("/signal/connect/once-two-threads", test_connect_once);
  g_test_add_func ("/signal/connect/error/no-such-signal", test_connect_error_no_such_signal);
  g_test_add_func ("/signal/connect/error/no-such-slot", test_connect_error_no_such_slot);
  g_test_add_func ("/signal/connect/error/type-mismatch", test_connect_error_type_mismatch);
  g_test_add_func ("/signal/keep-track/replay", test_keep_track_replay);
  g_test_add_func ("/signal/keep-track/max-size", test_keep_track_max_size);
  g_test_add_func ("/signal/keep-track/unknown-signal", test_keep_track_unknown_signal);
  g_test_add_func ("/signal/keep-track/no-gap-no-duplicate", test_keep_track_no_gap_no_duplicate);
  g_test_add_func ("/signal/disconnect/by-name", test_disconnect_by_name);
  g_test_add_func ("/signal/disconnect/handler", test_disconnect_handler);
  g_test_add_func ("/signal/disconnect/by-func", test_disconnect_by_func);
  g_test_add_func ("/signal/target/finalized-never-called", test_target_finalized);
  g_test_add_func ("/signal/target/kept-alive-by-queued-call", test_target_kept_alive_by_queued_call);
  g_test_add_func ("/signal/invoke/named-slot", test_invoke_named_slot);
  g_test_add_func ("/signal/invoke/typed-args", test_invoke_typed_args);
  g_test_add_func ("/signal/invoke/argument-kinds", test_invoke_argument_kinds);
  g_test_add_func ("/signal/slot/error-stops-loop", test_slot_error_stops_loop);
  g_test_add_func ("/signal/shared-loop/never-concurrent", test_shared_loop_never_concurrent);
  g_test_add_func ("/signal/bound-loop/runs-on-test-thread", test_bound_loop_runs_on_test_thread);

  return g_test_run ();
}
