/* broker-zmq.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/*
 * The ZeroMQ side of bench/broker: what a user builds from ZeroMQ for the
 * same job. A proxy process binds an XSUB socket (ipc://DIR/zmq-in, where
 * publishers connect) and an XPUB socket (ipc://DIR/zmq-out, where
 * subscribers connect) and runs zmq_proxy(). A peer has a PUB socket
 * connected to the first and a SUB socket connected to the second.
 *
 * A message is one frame: the topic name, a NUL, the 64-byte payload; a
 * subscription is the prefix "name\0".
 *
 * High-water marks: left at ZeroMQ's defaults (1000 messages per socket and
 * direction: PUB and XPUB drop what does not fit, silently), or set to 0
 * (unlimited: nothing is dropped, queues grow instead) on every socket, the
 * proxy's included.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "broker-bench.h"

typedef struct
{
  BenchPeer  parent;
  void      *context;
  void      *pub;
  void      *sub;
} ZmqPeer;

static gboolean
zmq_fail (GError     **error,
          const char  *what)
{
  int errsv = zmq_errno ();

  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
               "%s: %s", what, zmq_strerror (errsv));
  return FALSE;
}

static gboolean
set_hwm (void      *socket,
         gboolean   unlimited_hwm,
         GError   **error)
{
  int zero = 0;

  if (!unlimited_hwm)
    return TRUE;
  if (zmq_setsockopt (socket, ZMQ_SNDHWM, &zero, sizeof zero) != 0 ||
      zmq_setsockopt (socket, ZMQ_RCVHWM, &zero, sizeof zero) != 0)
    return zmq_fail (error, "zmq_setsockopt (HWM)");
  return TRUE;
}

static char *
endpoint (const char *dir,
          const char *name)
{
  return g_strdup_printf ("ipc://%s/%s", dir, name);
}

static gboolean
zmq_peer_subscribe (BenchPeer   *peer,
                    BenchTopic   topic,
                    GError     **error)
{
  ZmqPeer *self = (ZmqPeer *) peer;
  const char *name = bench_topic_names[topic];

  /* the prefix includes the NUL: "bench.data" does not match "bench.datax" */
  if (zmq_setsockopt (self->sub, ZMQ_SUBSCRIBE, name, strlen (name) + 1) != 0)
    return zmq_fail (error, "zmq_setsockopt (ZMQ_SUBSCRIBE)");
  return TRUE;
}

static gboolean
zmq_peer_publish (BenchPeer   *peer,
                  BenchTopic   topic,
                  const char  *payload,
                  GError     **error)
{
  ZmqPeer *self = (ZmqPeer *) peer;
  const char *name = bench_topic_names[topic];
  gsize name_len = strlen (name) + 1;
  char message[32 + BENCH_PAYLOAD_LEN];

  g_assert (name_len <= 32);
  memcpy (message, name, name_len);
  memcpy (message + name_len, payload, BENCH_PAYLOAD_LEN);

  /* PUB never blocks: at its high-water mark the message is dropped and
   * zmq_send() still reports success */
  while (zmq_send (self->pub, message, name_len + BENCH_PAYLOAD_LEN, 0) < 0)
    {
      if (zmq_errno () != EINTR)
        return zmq_fail (error, "zmq_send");
    }
  return TRUE;
}

static gboolean
zmq_peer_flush (BenchPeer  *peer,
                GError    **error)
{
  /* nothing to flush: ZeroMQ's I/O thread sends on its own */
  return TRUE;
}

static BenchTopic
topic_from_name (const char *name)
{
  /* the measured topics first */
  static const BenchTopic order[] = {
    BENCH_TOPIC_DATA, BENCH_TOPIC_PING, BENCH_TOPIC_PONG, BENCH_TOPIC_WARM,
    BENCH_TOPIC_READY, BENCH_TOPIC_END, BENCH_TOPIC_DONE,
  };

  for (guint i = 0; i < G_N_ELEMENTS (order); i++)
    if (strcmp (name, bench_topic_names[order[i]]) == 0)
      return order[i];
  return BENCH_N_TOPICS;
}

static void
zmq_peer_pump (BenchPeer *peer)
{
  ZmqPeer *self = (ZmqPeer *) peer;
  zmq_pollitem_t item = { self->sub, 0, ZMQ_POLLIN, 0 };
  char message[256];

  if (zmq_poll (&item, 1, BENCH_PUMP_MS) <= 0)
    return;

  /* at most a batch, so that the caller looks at the clock now and then */
  for (guint i = 0; i < 4096; i++)
    {
      int n = zmq_recv (self->sub, message, sizeof message - 1, ZMQ_DONTWAIT);
      gsize name_len;
      BenchTopic topic;

      if (n < 0)
        break;
      if ((gsize) n >= sizeof message)
        continue;                       /* truncated: not ours */
      message[n] = '\0';
      name_len = strlen (message);
      if (name_len == (gsize) n)
        continue;
      topic = topic_from_name (message);
      if (topic != BENCH_N_TOPICS)
        peer->deliver (topic, message + name_len + 1, n - name_len - 1, peer->user_data);
    }
}

static void
zmq_peer_free (BenchPeer *peer)
{
  ZmqPeer *self = (ZmqPeer *) peer;

  zmq_close (self->pub);
  zmq_close (self->sub);
  zmq_ctx_term (self->context);
  g_free (self);
}

static const BenchPeerClass zmq_peer_class = {
  zmq_peer_subscribe,
  zmq_peer_publish,
  zmq_peer_flush,
  zmq_peer_pump,
  zmq_peer_free,
};

BenchPeer *
bench_zmq_peer_new (const char  *dir,
                    gboolean     unlimited_hwm,
                    GError     **error)
{
  ZmqPeer *self = g_new0 (ZmqPeer, 1);
  g_autofree char *in = endpoint (dir, "zmq-in");
  g_autofree char *out = endpoint (dir, "zmq-out");
  int linger = 2000;

  self->parent.klass = &zmq_peer_class;
  self->context = zmq_ctx_new ();
  self->pub = zmq_socket (self->context, ZMQ_PUB);
  self->sub = zmq_socket (self->context, ZMQ_SUB);

  /* what is queued at exit still goes out (DONE, the end marker), for 2 s */
  if (zmq_setsockopt (self->pub, ZMQ_LINGER, &linger, sizeof linger) != 0 ||
      zmq_setsockopt (self->sub, ZMQ_LINGER, &linger, sizeof linger) != 0 ||
      !set_hwm (self->pub, unlimited_hwm, error) ||
      !set_hwm (self->sub, unlimited_hwm, error) ||
      zmq_connect (self->pub, in) != 0 ||
      zmq_connect (self->sub, out) != 0)
    {
      if (error != NULL && *error == NULL)
        zmq_fail (error, "zmq_connect");
      zmq_peer_free (&self->parent);
      return NULL;
    }

  return &self->parent;
}

char *
bench_zmq_version (void)
{
  int major, minor, patch;

  zmq_version (&major, &minor, &patch);
  return g_strdup_printf ("%d.%d.%d", major, minor, patch);
}

int
bench_zmq_proxy_run (const char *dir,
                     gboolean    unlimited_hwm)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *in = endpoint (dir, "zmq-in");
  g_autofree char *out = endpoint (dir, "zmq-out");
  void *context = zmq_ctx_new ();
  void *xsub = zmq_socket (context, ZMQ_XSUB);
  void *xpub = zmq_socket (context, ZMQ_XPUB);

  if (!set_hwm (xsub, unlimited_hwm, &error) ||
      !set_hwm (xpub, unlimited_hwm, &error) ||
      (zmq_bind (xsub, in) != 0 && !zmq_fail (&error, "zmq_bind")) ||
      (zmq_bind (xpub, out) != 0 && !zmq_fail (&error, "zmq_bind")))
    {
      g_printerr ("broker zmq proxy: %s\n", error->message);
      return EXIT_FAILURE;
    }

  printf ("ready\n");
  fflush (stdout);

  /* returns only when the context is terminated; the parent kills us */
  zmq_proxy (xsub, xpub, NULL);
  g_printerr ("broker zmq proxy: zmq_proxy: %s\n", zmq_strerror (zmq_errno ()));
  return EXIT_FAILURE;
}
