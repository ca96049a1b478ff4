/* broker-roles.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/*
 * What the child processes of bench/broker do, over any BenchPeer. Each role
 * prints one JSON object on stdout (the publisher as soon as its burst is
 * sent) and returns its exit status; errors go to stderr.
 *
 * Throughput (publisher, subscribers):
 *   1. Slow joiners. The publisher sends WARM every 10 ms until every
 *      subscriber has answered READY, which a subscriber sends (again every
 *      10 ms) while it receives WARM. READY travels through the broker too,
 *      so when the publisher has them all, both directions are in place.
 *   2. The publisher sends the DATA events as fast as the transport takes
 *      them, each carrying its sequence number, and flushes.
 *   3. It then sends the END marker every 50 ms until every subscriber has
 *      answered DONE. A subscriber stops at the first END, or when nothing
 *      arrived for BENCH_STALL_US. It counts what arrived, timed from the
 *      first DATA to the last, and checks the sequence numbers.
 *
 * Latency (ping, pong): ping sends PING carrying its sequence number and the
 * time it was sent, pong answers each PING with a PONG of the same payload,
 * ping waits for that PONG (at most 1 s, then it counts the sample lost)
 * before it sends the next one. Ping warms up the same way as above: PING
 * with a warm-up sequence number every 10 ms until a PONG came back.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench-common.h"
#include "broker-bench.h"

#define MS_NS              G_GINT64_CONSTANT (1000000)
#define STARTUP_NS         (30 * G_GINT64_CONSTANT (1000000000))
#define STALL_NS           ((gint64) BENCH_STALL_US * 1000)
#define PONG_WAIT_NS       (1 * G_GINT64_CONSTANT (1000000000))
#define PONG_IDLE_NS       (60 * G_GINT64_CONSTANT (1000000000))
#define END_WAIT_NS        (600 * G_GINT64_CONSTANT (1000000000))
#define WARM_SEQ           G_MAXUINT64

static BenchPeer *
open_peer (const BenchRoleOptions *options,
           const char             *role)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = g_strdup_printf ("bench-%s-%u", role, options->index);
  BenchPeer *peer;

  peer = bench_peer_open (options->impl, options->endpoint, id,
                          strcmp (role, "pub") == 0, &error);
  if (peer == NULL)
    g_printerr ("broker %s %s: cannot connect to %s: %s\n",
                bench_impl_names[options->impl], role, options->endpoint, error->message);
  return peer;
}

static gboolean
subscribe_all (BenchPeer        *peer,
               const BenchTopic *topics,
               guint             n_topics,
               const char       *role)
{
  for (guint i = 0; i < n_topics; i++)
    {
      g_autoptr(GError) error = NULL;

      if (!bench_peer_subscribe (peer, topics[i], &error))
        {
          g_printerr ("broker %s: cannot subscribe to %s: %s\n",
                      role, bench_topic_names[topics[i]], error->message);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
publish_and_flush (BenchPeer  *peer,
                   BenchTopic  topic,
                   guint64     a,
                   const char *role)
{
  g_autoptr(GError) error = NULL;
  char payload[BENCH_PAYLOAD_LEN + 1];

  bench_payload_init (payload);
  bench_payload_set (payload, a, 0);
  if (!bench_peer_publish (peer, topic, payload, &error) ||
      !bench_peer_flush (peer, &error))
    {
      g_printerr ("broker %s: cannot publish %s: %s\n",
                  role, bench_topic_names[topic], error->message);
      return FALSE;
    }
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Publisher */

typedef struct
{
  guint    n_subscribers;
  gboolean ready[BENCH_MAX_SUBSCRIBERS];
  gboolean done[BENCH_MAX_SUBSCRIBERS];
  guint    n_ready;
  guint    n_done;
} PubState;

static void
pub_deliver (BenchTopic  topic,
             const char *payload,
             gsize       len,
             gpointer    user_data)
{
  PubState *s = user_data;
  guint64 index, unused;

  if (!bench_payload_get (payload, len, &index, &unused) || index >= s->n_subscribers)
    return;

  if (topic == BENCH_TOPIC_READY && !s->ready[index])
    {
      s->ready[index] = TRUE;
      s->n_ready++;
    }
  else if (topic == BENCH_TOPIC_DONE && !s->done[index])
    {
      s->done[index] = TRUE;
      s->n_done++;
    }
}

/* Pumps for @ns, or until *@counter reaches @target. */
static void
pump_for (BenchPeer   *peer,
          gint64       ns,
          const guint *counter,
          guint        target)
{
  gint64 until = bench_now_ns () + ns;

  while (*counter < target && bench_now_ns () < until)
    bench_peer_pump (peer);
}

int
bench_role_pub (const BenchRoleOptions *options)
{
  static const BenchTopic topics[] = { BENCH_TOPIC_READY, BENCH_TOPIC_DONE };
  g_autoptr(GError) error = NULL;
  PubState s = { .n_subscribers = options->n_subscribers };
  char payload[BENCH_PAYLOAD_LEN + 1];
  BenchPeer *peer;
  gint64 deadline, start_ns, end_ns;

  g_assert (options->n_subscribers <= BENCH_MAX_SUBSCRIBERS);

  peer = open_peer (options, "pub");
  if (peer == NULL)
    return EXIT_FAILURE;
  peer->deliver = pub_deliver;
  peer->user_data = &s;
  if (!subscribe_all (peer, topics, G_N_ELEMENTS (topics), "pub"))
    return EXIT_FAILURE;

  /* 1. until every subscriber is known to hear us */
  deadline = bench_now_ns () + STARTUP_NS;
  while (s.n_ready < s.n_subscribers)
    {
      if (bench_now_ns () > deadline)
        {
          g_printerr ("broker %s pub: only %u of %u subscribers answered the warm-up\n",
                      bench_impl_names[options->impl], s.n_ready, s.n_subscribers);
          return EXIT_FAILURE;
        }
      if (!publish_and_flush (peer, BENCH_TOPIC_WARM, 0, "pub"))
        return EXIT_FAILURE;
      pump_for (peer, 10 * MS_NS, &s.n_ready, s.n_subscribers);
    }

  /* 2. the burst */
  bench_payload_init (payload);
  start_ns = bench_now_ns ();
  for (guint64 i = 0; i < options->n_events; i++)
    {
      bench_payload_set (payload, i, 0);
      if (G_UNLIKELY (!bench_peer_publish (peer, BENCH_TOPIC_DATA, payload, &error)))
        {
          g_printerr ("broker %s pub: publishing event %" G_GUINT64_FORMAT " failed: %s\n",
                      bench_impl_names[options->impl], i, error->message);
          return EXIT_FAILURE;
        }
    }
  if (!bench_peer_flush (peer, &error))
    {
      g_printerr ("broker %s pub: flush failed: %s\n",
                  bench_impl_names[options->impl], error->message);
      return EXIT_FAILURE;
    }
  end_ns = bench_now_ns ();

  printf ("{\"sent\":%" G_GUINT64_FORMAT ",\"start_ns\":%" G_GINT64_FORMAT
          ",\"end_ns\":%" G_GINT64_FORMAT ",\"busy_retries\":%" G_GUINT64_FORMAT "}\n",
          options->n_events, start_ns, end_ns, peer->busy_retries);
  fflush (stdout);

  /* 3. the end marker, until every subscriber saw it (the parent stops us
   * once the subscribers are gone) */
  deadline = bench_now_ns () + END_WAIT_NS;
  while (s.n_done < s.n_subscribers && bench_now_ns () < deadline)
    {
      if (!publish_and_flush (peer, BENCH_TOPIC_END, 0, "pub"))
        return EXIT_FAILURE;
      pump_for (peer, 50 * MS_NS, &s.n_done, s.n_subscribers);
    }

  bench_peer_free (peer);
  return EXIT_SUCCESS;
}

/* ------------------------------------------------------------------------ */
/* Subscriber */

typedef struct
{
  gboolean want_ready;
  gboolean end_seen;
  guint64  received;
  guint64  next_seq;
  guint64  disorder;   /* events whose number is below one seen before */
  guint64  gaps;       /* places where numbers were skipped */
  guint64  bad;        /* payloads that could not be read */
  gint64   first_ns;
  gint64   last_ns;
  gint64   last_rx_ns;
} SubState;

static void
sub_deliver (BenchTopic  topic,
             const char *payload,
             gsize       len,
             gpointer    user_data)
{
  SubState *s = user_data;
  gint64 now = bench_now_ns ();
  guint64 seq, unused;

  s->last_rx_ns = now;

  switch (topic)
    {
    case BENCH_TOPIC_DATA:
      if (G_UNLIKELY (!bench_payload_get (payload, len, &seq, &unused)))
        {
          s->bad++;
          return;
        }
      if (G_UNLIKELY (s->received == 0))
        {
          s->first_ns = now;
          s->next_seq = seq;   /* what went before it is counted lost */
        }
      s->last_ns = now;
      s->received++;
      if (G_UNLIKELY (seq != s->next_seq))
        {
          if (seq < s->next_seq)
            s->disorder++;
          else
            s->gaps++;
        }
      s->next_seq = seq + 1;
      break;

    case BENCH_TOPIC_WARM:
      s->want_ready = TRUE;
      break;

    case BENCH_TOPIC_END:
      s->end_seen = TRUE;
      break;

    default:
      break;
    }
}

int
bench_role_sub (const BenchRoleOptions *options)
{
  static const BenchTopic topics[] = { BENCH_TOPIC_WARM, BENCH_TOPIC_DATA, BENCH_TOPIC_END };
  SubState s = { 0 };
  BenchPeer *peer;
  gboolean stalled = FALSE;
  gint64 start_ns, last_ready_ns = 0;

  peer = open_peer (options, "sub");
  if (peer == NULL)
    return EXIT_FAILURE;
  peer->deliver = sub_deliver;
  peer->user_data = &s;
  if (!subscribe_all (peer, topics, G_N_ELEMENTS (topics), "sub"))
    return EXIT_FAILURE;

  start_ns = bench_now_ns ();
  while (!s.end_seen)
    {
      gint64 now;

      bench_peer_pump (peer);
      now = bench_now_ns ();

      if (s.want_ready && s.received == 0 && now - last_ready_ns >= 10 * MS_NS)
        {
          if (!publish_and_flush (peer, BENCH_TOPIC_READY, options->index, "sub"))
            return EXIT_FAILURE;
          last_ready_ns = now;
        }
      s.want_ready = FALSE;

      if (s.last_rx_ns == 0 ? now - start_ns > STARTUP_NS : now - s.last_rx_ns > STALL_NS)
        {
          stalled = TRUE;
          break;
        }
    }

  if (s.end_seen && !publish_and_flush (peer, BENCH_TOPIC_DONE, options->index, "sub"))
    return EXIT_FAILURE;

  printf ("{\"received\":%" G_GUINT64_FORMAT ",\"first_ns\":%" G_GINT64_FORMAT
          ",\"last_ns\":%" G_GINT64_FORMAT ",\"disorder\":%" G_GUINT64_FORMAT
          ",\"gaps\":%" G_GUINT64_FORMAT ",\"bad\":%" G_GUINT64_FORMAT
          ",\"header_disorder\":%" G_GUINT64_FORMAT
          ",\"end_seen\":%s,\"stalled\":%s}\n",
          s.received, s.first_ns, s.last_ns, s.disorder, s.gaps, s.bad,
          peer->header_disorder,
          s.end_seen ? "true" : "false", stalled ? "true" : "false");
  fflush (stdout);

  bench_peer_free (peer);
  return EXIT_SUCCESS;
}

/* ------------------------------------------------------------------------ */
/* Latency: ping */

typedef struct
{
  guint64  waiting;      /* the sequence number of the PING in flight */
  gboolean answered;
  gboolean warm;         /* a warm-up PONG came back */
  gint64   rtt_ns;
} PingState;

static void
ping_deliver (BenchTopic  topic,
              const char *payload,
              gsize       len,
              gpointer    user_data)
{
  PingState *s = user_data;
  gint64 now = bench_now_ns ();
  guint64 seq, sent_ns;

  if (topic != BENCH_TOPIC_PONG || !bench_payload_get (payload, len, &seq, &sent_ns))
    return;

  if (seq == WARM_SEQ)
    s->warm = TRUE;
  else if (seq == s->waiting && !s->answered)
    {
      s->answered = TRUE;
      s->rtt_ns = now - (gint64) sent_ns;
    }
  /* else: the late answer to a PING counted lost */
}

int
bench_role_ping (const BenchRoleOptions *options)
{
  static const BenchTopic topics[] = { BENCH_TOPIC_PONG };
  g_autoptr(GError) error = NULL;
  g_autofree gint64 *samples = NULL;
  PingState s = { .waiting = WARM_SEQ };
  char payload[BENCH_PAYLOAD_LEN + 1];
  guint total = options->n_warmup + options->n_samples;
  guint n = 0, lost = 0;
  BenchPeer *peer;
  gint64 deadline;
  double sum = 0;

  peer = open_peer (options, "ping");
  if (peer == NULL)
    return EXIT_FAILURE;
  peer->deliver = ping_deliver;
  peer->user_data = &s;
  if (!subscribe_all (peer, topics, G_N_ELEMENTS (topics), "ping"))
    return EXIT_FAILURE;

  deadline = bench_now_ns () + STARTUP_NS;
  while (!s.warm)
    {
      gint64 until = bench_now_ns () + 10 * MS_NS;

      if (bench_now_ns () > deadline)
        {
          g_printerr ("broker %s ping: no answer to the warm-up\n",
                      bench_impl_names[options->impl]);
          return EXIT_FAILURE;
        }
      if (!publish_and_flush (peer, BENCH_TOPIC_PING, WARM_SEQ, "ping"))
        return EXIT_FAILURE;
      while (!s.warm && bench_now_ns () < until)
        bench_peer_pump (peer);
    }

  samples = g_new (gint64, MAX (options->n_samples, 1));
  bench_payload_init (payload);

  for (guint i = 0; i < total; i++)
    {
      s.waiting = i;
      s.answered = FALSE;
      bench_payload_set (payload, i, (guint64) bench_now_ns ());
      /* no flush: each transport sends without one, and a flush would
       * add its own cost to the round trip */
      if (!bench_peer_publish (peer, BENCH_TOPIC_PING, payload, &error))
        {
          g_printerr ("broker %s ping: %s\n", bench_impl_names[options->impl], error->message);
          return EXIT_FAILURE;
        }

      deadline = bench_now_ns () + PONG_WAIT_NS;
      while (!s.answered && bench_now_ns () < deadline)
        bench_peer_pump (peer);

      if (!s.answered)
        lost++;
      else if (i >= options->n_warmup)
        samples[n++] = s.rtt_ns;
    }

  for (guint i = 0; i < 3; i++)
    if (!publish_and_flush (peer, BENCH_TOPIC_END, 0, "ping"))
      return EXIT_FAILURE;

  bench_sort_ns (samples, n);
  for (guint i = 0; i < n; i++)
    sum += samples[i];

  printf ("{\"samples\":%u,\"lost\":%u", n, lost);
  if (n > 0)
    printf (",\"p50_us\":%.3f,\"p99_us\":%.3f,\"min_us\":%.3f,\"max_us\":%.3f,\"mean_us\":%.3f",
            bench_percentile_us (samples, n, 50), bench_percentile_us (samples, n, 99),
            samples[0] / 1000.0, samples[n - 1] / 1000.0, sum / n / 1000.0);
  printf ("}\n");
  fflush (stdout);

  bench_peer_free (peer);
  return EXIT_SUCCESS;
}

/* ------------------------------------------------------------------------ */
/* Latency: pong */

#define MAX_PENDING 64

typedef struct
{
  char     pending[MAX_PENDING][BENCH_PAYLOAD_LEN + 1];
  guint    n_pending;
  guint64  overflow;
  gboolean end_seen;
  gint64   last_rx_ns;
} PongState;

static void
pong_deliver (BenchTopic  topic,
              const char *payload,
              gsize       len,
              gpointer    user_data)
{
  PongState *s = user_data;

  s->last_rx_ns = bench_now_ns ();

  if (topic == BENCH_TOPIC_END)
    s->end_seen = TRUE;
  else if (topic == BENCH_TOPIC_PING && len == BENCH_PAYLOAD_LEN)
    {
      if (s->n_pending == MAX_PENDING)
        {
          s->overflow++;
          return;
        }
      memcpy (s->pending[s->n_pending], payload, BENCH_PAYLOAD_LEN);
      s->pending[s->n_pending][BENCH_PAYLOAD_LEN] = '\0';
      s->n_pending++;
    }
}

int
bench_role_pong (const BenchRoleOptions *options)
{
  static const BenchTopic topics[] = { BENCH_TOPIC_PING, BENCH_TOPIC_END };
  g_autoptr(GError) error = NULL;
  PongState *s = g_new0 (PongState, 1);
  BenchPeer *peer;
  guint64 answered = 0;

  peer = open_peer (options, "pong");
  if (peer == NULL)
    return EXIT_FAILURE;
  peer->deliver = pong_deliver;
  peer->user_data = s;
  if (!subscribe_all (peer, topics, G_N_ELEMENTS (topics), "pong"))
    return EXIT_FAILURE;

  s->last_rx_ns = bench_now_ns ();
  while (!s->end_seen && bench_now_ns () - s->last_rx_ns < PONG_IDLE_NS)
    {
      bench_peer_pump (peer);

      for (guint i = 0; i < s->n_pending; i++)
        {
          if (!bench_peer_publish (peer, BENCH_TOPIC_PONG, s->pending[i], &error))
            {
              g_printerr ("broker %s pong: %s\n", bench_impl_names[options->impl],
                          error->message);
              return EXIT_FAILURE;
            }
          answered++;
        }
      s->n_pending = 0;
    }

  printf ("{\"answered\":%" G_GUINT64_FORMAT ",\"overflow\":%" G_GUINT64_FORMAT
          ",\"end_seen\":%s}\n",
          answered, s->overflow, s->end_seen ? "true" : "false");
  fflush (stdout);

  bench_peer_free (peer);
  g_free (s);
  return EXIT_SUCCESS;
}
