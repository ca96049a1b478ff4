/* cross-consumer.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The consumer half of MrEventLoop's README "Crossing Sockets", in C; its
 * other half is cross-producer.c, and cross-demo.sh runs both through a
 * broker:
 *
 *   consumer_peer = Peer(..., [ 'produced' ], [ 'request_product' ])
 *   connect(consumer, 'request_product', consumer_peer.publish, 'request_product')
 *   connect(consumer_peer, 'produced', consumer, 'onProduced')
 *   consumer.events.request_product()
 *
 * The consumer's local signal "request-product" is forwarded by its peer
 * to the broker as the event "request_product"; the producer answers with
 * the event "produced", which the peer emits as "event::produced", queued
 * as a call of the consumer's slot "on-produced" with the product.
 *
 * Usage: cross-consumer [--socket PATH]
 *
 * Exits 0 once it consumed "some product", non-zero otherwise.
 */

#include <stdio.h>
#include <stdlib.h>

#include <mreventloop.h>

/* Consumer ------------------------------------------------------------- */

#define EXAMPLE_TYPE_CONSUMER (example_consumer_get_type ())
G_DECLARE_FINAL_TYPE (ExampleConsumer, example_consumer, EXAMPLE, CONSUMER, GObject)

struct _ExampleConsumer
{
  GObject  parent_instance;
  char    *product;     /* what on-produced received */
};

G_DEFINE_FINAL_TYPE (ExampleConsumer, example_consumer, G_TYPE_OBJECT)

enum {
  REQUEST_PRODUCT,
  N_SIGNALS
};

static guint consumer_signals[N_SIGNALS];

/* @slot def onProduced(self, product): print(f'{product}')
 *
 * Runs on the consumer's loop. Connected to the peer's "event::produced",
 * the slot gets the event's arguments decoded to its own parameter types,
 * as if the producer's signal had been connected in this process. */
static gboolean
example_consumer_on_produced (ExampleConsumer  *self,
                              const char       *product,
                              GError          **error)
{
  g_free (self->product);
  self->product = g_strdup (product);

  printf ("consumer: consumed \"%s\"\n", product);
  fflush (stdout);

  mre_event_loop_stop (mre_object_get_event_loop (self));

  return TRUE;
}

static void
example_consumer_finalize (GObject *object)
{
  ExampleConsumer *self = EXAMPLE_CONSUMER (object);

  g_free (self->product);

  G_OBJECT_CLASS (example_consumer_parent_class)->finalize (object);
}

static void
example_consumer_class_init (ExampleConsumerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = example_consumer_finalize;

  /* @emits('events', ['request_product']) */
  consumer_signals[REQUEST_PRODUCT] =
    mre_signal_new (G_TYPE_FROM_CLASS (klass), "request-product", 0);

  mre_slot_install (G_TYPE_FROM_CLASS (klass), "on-produced",
                    G_CALLBACK (example_consumer_on_produced),
                    MRE_SLOT_DEFAULT, 1, G_TYPE_STRING);
}

static void
example_consumer_init (ExampleConsumer *self)
{
}

/* The program ----------------------------------------------------------- */

static gboolean gave_up;

static gboolean
give_up_cb (gpointer user_data)
{
  gave_up = TRUE;
  mre_event_loop_stop (user_data);

  return G_SOURCE_REMOVE;
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *socket_path = NULL;
  gint timeout = 30;
  const GOptionEntry entries[] = {
    { "socket", 's', G_OPTION_FLAG_NONE, G_OPTION_ARG_FILENAME, &socket_path,
      "The broker's socket (default: the default bus)", "PATH" },
    { "timeout", 't', G_OPTION_FLAG_NONE, G_OPTION_ARG_INT, &timeout,
      "Fail when no product came within S seconds (0: wait forever)", "S" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(ExampleConsumer) consumer = NULL;
  g_autoptr(MreEventLoop) loop = NULL;
  g_autoptr(MrePeer) consumer_peer = NULL;
  g_autoptr(GError) error = NULL;

  context = g_option_context_new ("- the consumer of MrEventLoop's “Crossing Sockets”");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    goto fail;

  consumer = g_object_new (EXAMPLE_TYPE_CONSUMER, NULL);

  /* The consumer's slots run on this thread's default context, which the
   * peer's socket uses too; mre_event_loop_run() below iterates it. */
  loop = mre_event_loop_new_for_context (NULL);
  mre_object_set_event_loop (consumer, loop);

  /* consumer_peer = Peer(in_socket_path, out_socket_path,
   *                      [ 'produced' ], [ 'request_product' ]) */
  if (socket_path != NULL)
    consumer_peer = mre_peer_new (socket_path, "consumer");
  else
    consumer_peer = mre_peer_new_default ("consumer");

  if (!mre_peer_start (consumer_peer, NULL, &error))
    goto fail;

  /* connect(consumer, 'request_product', consumer_peer.publish, 'request_product') */
  if (mre_peer_forward (consumer_peer, consumer, "request-product", "request_product",
                        MRE_DELIVERY_YELL, 0, &error) == 0)
    goto fail;

  /* connect(consumer_peer, 'produced', consumer, 'onProduced') */
  if (mre_connect (consumer_peer, "event::produced", consumer, "on-produced",
                   MRE_CONNECT_DEFAULT, &error) == 0)
    goto fail;

  /* Subscribed before asking, so the answer cannot be missed. */
  if (!mre_peer_subscribe (consumer_peer, "produced", NULL, NULL, &error))
    goto fail;

  /* consumer.events.request_product() */
  printf ("consumer: requesting a product\n");
  fflush (stdout);
  g_signal_emit (consumer, consumer_signals[REQUEST_PRODUCT], 0);

  if (timeout > 0)
    g_timeout_add_seconds ((guint) timeout, give_up_cb, loop);

  if (!mre_event_loop_run (loop, &error))
    goto fail;

  mre_peer_close (consumer_peer);

  if (gave_up)
    {
      g_printerr ("cross-consumer: no product came within %d seconds\n", timeout);
      return EXIT_FAILURE;
    }

  if (g_strcmp0 (consumer->product, "some product") != 0)
    {
      g_printerr ("cross-consumer: consumed \"%s\", expected \"some product\"\n",
                  consumer->product);
      return EXIT_FAILURE;
    }

  return EXIT_SUCCESS;

fail:
  g_printerr ("cross-consumer: %s\n", error->message);
  return EXIT_FAILURE;
}
