/* cross-producer.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The producer half of MrEventLoop's README "Crossing Sockets", in C; its
 * other half is cross-consumer.c, and cross-demo.sh runs both through a
 * broker:
 *
 *   producer_peer = Peer(..., [ 'request_product' ], [ 'produced' ])
 *   connect(producer, 'produced', producer_peer.publish, 'produced')
 *   connect(producer_peer, 'request_product', producer, 'onRequestProduct')
 *
 * The peer subscribes to "request_product"; each such event, from any
 * process, becomes a queued call of the producer's slot
 * "on-request-product", which emits the local signal "produced"; the peer
 * forwards that signal to the broker as the event "produced".
 *
 * Usage: cross-producer [--socket PATH] [--count N]
 *
 * Prints “ready” once subscribed (so a driver knows that no request is
 * lost from then on), serves N requests (default 1) and exits.
 */

#include <stdio.h>
#include <stdlib.h>

#include <mreventloop.h>

/* Producer ------------------------------------------------------------- */

#define EXAMPLE_TYPE_PRODUCER (example_producer_get_type ())
G_DECLARE_FINAL_TYPE (ExampleProducer, example_producer, EXAMPLE, PRODUCER, GObject)

struct _ExampleProducer
{
  GObject parent_instance;
  guint   n_left;     /* requests still to serve */
};

G_DEFINE_FINAL_TYPE (ExampleProducer, example_producer, G_TYPE_OBJECT)

enum {
  PRODUCED,
  N_SIGNALS
};

static guint producer_signals[N_SIGNALS];

/* @slot def onRequestProduct(self): self.events.produced('some product')
 *
 * Runs on the producer's loop, one request at a time. The event
 * "request_product" carries no arguments and the slot takes none. */
static gboolean
example_producer_on_request_product (ExampleProducer  *self,
                                     GError          **error)
{
  const char *product = "some product";

  g_signal_emit (self, producer_signals[PRODUCED], 0, product);
  printf ("producer: produced \"%s\"\n", product);
  fflush (stdout);

  if (self->n_left > 0 && --self->n_left == 0)
    mre_event_loop_stop (mre_object_get_event_loop (self));

  return TRUE;
}

static void
example_producer_class_init (ExampleProducerClass *klass)
{
  /* @emits('events', ['produced']) */
  producer_signals[PRODUCED] =
    mre_signal_new (G_TYPE_FROM_CLASS (klass), "produced", 1, G_TYPE_STRING);

  mre_slot_install (G_TYPE_FROM_CLASS (klass), "on-request-product",
                    G_CALLBACK (example_producer_on_request_product),
                    MRE_SLOT_DEFAULT, 0);
}

static void
example_producer_init (ExampleProducer *self)
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
  gint count = 1;
  gint timeout = 30;
  const GOptionEntry entries[] = {
    { "socket", 's', G_OPTION_FLAG_NONE, G_OPTION_ARG_FILENAME, &socket_path,
      "The broker's socket (default: the default bus)", "PATH" },
    { "count", 'n', G_OPTION_FLAG_NONE, G_OPTION_ARG_INT, &count,
      "Serve N requests, then exit (0: serve forever)", "N" },
    { "timeout", 't', G_OPTION_FLAG_NONE, G_OPTION_ARG_INT, &timeout,
      "Fail when the requests have not come within S seconds (0: wait forever)", "S" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(ExampleProducer) producer = NULL;
  g_autoptr(MreEventLoop) loop = NULL;
  g_autoptr(MrePeer) producer_peer = NULL;
  g_autoptr(GError) error = NULL;

  context = g_option_context_new ("- the producer of MrEventLoop's “Crossing Sockets”");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    goto fail;

  producer = g_object_new (EXAMPLE_TYPE_PRODUCER, NULL);
  producer->n_left = (guint) MAX (count, 0);

  /* The producer's slots run on this thread's default context, which the
   * peer's socket uses too; mre_event_loop_run() below iterates it. */
  loop = mre_event_loop_new_for_context (NULL);
  mre_object_set_event_loop (producer, loop);

  /* producer_peer = Peer(in_socket_path, out_socket_path,
   *                      [ 'request_product' ], [ 'produced' ]) */
  if (socket_path != NULL)
    producer_peer = mre_peer_new (socket_path, "producer");
  else
    producer_peer = mre_peer_new_default ("producer");

  if (!mre_peer_start (producer_peer, NULL, &error))
    goto fail;

  /* connect(producer, 'produced', producer_peer.publish, 'produced') */
  if (mre_peer_forward (producer_peer, producer, "produced", "produced",
                        MRE_DELIVERY_YELL, 0, &error) == 0)
    goto fail;

  /* connect(producer_peer, 'request_product', producer, 'onRequestProduct') */
  if (mre_connect (producer_peer, "event::request_product", producer, "on-request-product",
                   MRE_CONNECT_DEFAULT, &error) == 0)
    goto fail;

  /* Acknowledged: from here on the broker routes every request to us. */
  if (!mre_peer_subscribe (producer_peer, "request_product", NULL, NULL, &error))
    goto fail;

  printf ("producer: ready\n");
  fflush (stdout);

  if (timeout > 0)
    g_timeout_add_seconds ((guint) timeout, give_up_cb, loop);

  if (!mre_event_loop_run (loop, &error))
    goto fail;

  if (gave_up)
    {
      g_printerr ("cross-producer: the requests did not come within %d seconds\n", timeout);
      return EXIT_FAILURE;
    }

  /* Every "produced" reached the broker before we go. */
  if (!mre_peer_flush (producer_peer, -1, NULL, &error))
    goto fail;

  mre_peer_close (producer_peer);

  return EXIT_SUCCESS;

fail:
  g_printerr ("cross-producer: %s\n", error->message);
  return EXIT_FAILURE;
}
