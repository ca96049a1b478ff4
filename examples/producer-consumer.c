/* producer-consumer.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The Producer/Consumer of MrEventLoop's README, in C:
 *
 *  1. a Producer declares a typed "produced" signal in one line;
 *  2. a Consumer declares a named slot "on-produced";
 *  3. mre_connect() queues every emission as a slot call on the
 *     consumer's own event loop, which runs on a thread of its own;
 *  4. two consumers share one loop, so all their slot calls run one after
 *     the other, here on the main thread with mre_event_loop_run().
 *
 * The program checks what the consumers saw and exits non-zero if it is
 * not what it expects, so that `meson test` keeps it honest.
 */

#include <stdlib.h>

#include <mreventloop.h>

/* Producer ------------------------------------------------------------- */

#define EXAMPLE_TYPE_PRODUCER (example_producer_get_type ())
G_DECLARE_FINAL_TYPE (ExampleProducer, example_producer, EXAMPLE, PRODUCER, GObject)

struct _ExampleProducer
{
  GObject  parent_instance;
  char    *name;
  guint    n_produced;
};

G_DEFINE_FINAL_TYPE (ExampleProducer, example_producer, G_TYPE_OBJECT)

enum {
  PRODUCED,
  N_SIGNALS
};

static guint producer_signals[N_SIGNALS];

static void
example_producer_finalize (GObject *object)
{
  ExampleProducer *self = EXAMPLE_PRODUCER (object);

  g_free (self->name);

  G_OBJECT_CLASS (example_producer_parent_class)->finalize (object);
}

static void
example_producer_class_init (ExampleProducerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = example_producer_finalize;

  /* @emits('events', ['produced']) */
  producer_signals[PRODUCED] =
    mre_signal_new (G_TYPE_FROM_CLASS (klass), "produced", 1, G_TYPE_STRING);
}

static void
example_producer_init (ExampleProducer *self)
{
}

static ExampleProducer *
example_producer_new (const char *name)
{
  ExampleProducer *self = g_object_new (EXAMPLE_TYPE_PRODUCER, NULL);

  self->name = g_strdup (name);

  return self;
}

static void
example_producer_request_product (ExampleProducer *self)
{
  g_autofree char *product = NULL;

  product = g_strdup_printf ("%s product %u", self->name, ++self->n_produced);
  g_signal_emit (self, producer_signals[PRODUCED], 0, product);
}

/* Consumer ------------------------------------------------------------- */

#define EXAMPLE_TYPE_CONSUMER (example_consumer_get_type ())
G_DECLARE_FINAL_TYPE (ExampleConsumer, example_consumer, EXAMPLE, CONSUMER, GObject)

struct _ExampleConsumer
{
  GObject    parent_instance;
  char      *name;
  GPtrArray *seen;    /* (element-type utf8): touched on the loop's thread only */
};

G_DEFINE_FINAL_TYPE (ExampleConsumer, example_consumer, G_TYPE_OBJECT)

/* The slot: queued on the consumer's loop, never run in the emitter's
 * stack, and never concurrently with another slot of the same loop. */
static gboolean
example_consumer_on_produced (ExampleConsumer  *self,
                              const char       *product,
                              GError          **error)
{
  MreEventLoop *loop = mre_object_get_event_loop (self);

  if (!mre_event_loop_is_loop_thread (loop))
    {
      g_set_error (error, MRE_ERROR, MRE_ERROR_FAILED,
                   "%s: slot ran outside its loop's thread", self->name);
      return FALSE;
    }

  g_print ("%s consumed \"%s\"\n", self->name, product);
  g_ptr_array_add (self->seen, g_strdup (product));

  return TRUE;
}

static void
example_consumer_finalize (GObject *object)
{
  ExampleConsumer *self = EXAMPLE_CONSUMER (object);

  g_clear_pointer (&self->seen, g_ptr_array_unref);
  g_free (self->name);

  G_OBJECT_CLASS (example_consumer_parent_class)->finalize (object);
}

static void
example_consumer_class_init (ExampleConsumerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = example_consumer_finalize;

  /* @slot def onProduced(self, product) */
  mre_slot_install (G_TYPE_FROM_CLASS (klass), "on-produced",
                    G_CALLBACK (example_consumer_on_produced),
                    MRE_SLOT_DEFAULT, 1, G_TYPE_STRING);
}

static void
example_consumer_init (ExampleConsumer *self)
{
  self->seen = g_ptr_array_new_with_free_func (g_free);
}

static ExampleConsumer *
example_consumer_new (const char *name)
{
  ExampleConsumer *self = g_object_new (EXAMPLE_TYPE_CONSUMER, NULL);

  self->name = g_strdup (name);

  return self;
}

/* Checks ---------------------------------------------------------------- */

static gboolean
check_seen (ExampleConsumer    *consumer,
            const char * const *expected)
{
  guint n_expected = g_strv_length ((char **) expected);

  if (consumer->seen->len != n_expected)
    {
      g_printerr ("%s saw %u products, expected %u\n",
                  consumer->name, consumer->seen->len, n_expected);
      return FALSE;
    }

  for (guint i = 0; i < n_expected; i++)
    {
      const char *seen = g_ptr_array_index (consumer->seen, i);

      if (g_strcmp0 (seen, expected[i]) != 0)
        {
          g_printerr ("%s saw \"%s\" at %u, expected \"%s\"\n",
                      consumer->name, seen, i, expected[i]);
          return FALSE;
        }
    }

  return TRUE;
}

/* One producer, one consumer on a loop with a thread of its own. */
static gboolean
run_own_thread (GError **error)
{
  g_autoptr(ExampleProducer) producer = example_producer_new ("p");
  g_autoptr(ExampleConsumer) consumer = example_consumer_new ("consumer");
  static const char * const expected[] = {
    "p product 1", "p product 2", "p product 3", NULL
  };
  MreEventLoop *loop;

  g_print ("== one consumer, its own loop on its own thread ==\n");

  /* Created on first use, not started. */
  loop = mre_object_get_event_loop (consumer);

  /* connect(producer, 'produced', consumer, 'onProduced') */
  if (!mre_connect (producer, "produced", consumer, "on-produced",
                    MRE_CONNECT_DEFAULT, error))
    return FALSE;

  /* async with consumer.event_loop: producer.requestProduct() */
  if (!mre_event_loop_start (loop, error))
    return FALSE;

  for (guint i = 0; i < 3; i++)
    example_producer_request_product (producer);

  /* Every call queued before stop() still runs, then the thread exits. */
  mre_event_loop_stop (loop);
  if (!mre_event_loop_join (loop, error))
    return FALSE;

  return check_seen (consumer, expected);
}

/* Two producers, two consumers sharing one loop, run on this thread. */
static gboolean
run_shared_loop (GError **error)
{
  g_autoptr(ExampleProducer) producer1 = example_producer_new ("p1");
  g_autoptr(ExampleProducer) producer2 = example_producer_new ("p2");
  g_autoptr(ExampleConsumer) consumer1 = example_consumer_new ("consumer1");
  g_autoptr(ExampleConsumer) consumer2 = example_consumer_new ("consumer2");
  static const char * const expected1[] = { "p1 product 1", "p1 product 2", NULL };
  static const char * const expected2[] = { "p2 product 1", "p2 product 2", NULL };
  MreEventLoop *loop;

  g_print ("== two consumers sharing one loop ==\n");

  /* consumer2.event_loop = consumer1.event_loop */
  loop = mre_object_get_event_loop (consumer1);
  mre_object_set_event_loop (consumer2, loop);

  if (!mre_connect (producer1, "produced", consumer1, "on-produced",
                    MRE_CONNECT_DEFAULT, error) ||
      !mre_connect (producer2, "produced", consumer2, "on-produced",
                    MRE_CONNECT_DEFAULT, error))
    return FALSE;

  /* Emissions before the loop runs are queued, in order. */
  example_producer_request_product (producer1);
  example_producer_request_product (producer2);
  example_producer_request_product (producer1);
  example_producer_request_product (producer2);

  /* Queue a stop behind them, then run the loop on the main thread: it
   * runs the four slot calls one at a time, stops and returns. */
  mre_event_loop_stop (loop);
  if (!mre_event_loop_run (loop, error))
    return FALSE;

  return check_seen (consumer1, expected1) && check_seen (consumer2, expected2);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  gboolean ok;

  ok = run_own_thread (&error) && run_shared_loop (&error);

  if (error != NULL)
    g_printerr ("producer-consumer: %s\n", error->message);

  return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
