/* broker-peer.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The names, the payload and the choice of transport. */

#include <string.h>

#include "broker-bench.h"

const char * const bench_impl_names[BENCH_N_IMPLS + 1] = {
  "mreventloop",
  "mreventloop-no-decode",
  "mreventloop-push",
  "mreventloop-push-stored",
  "zmq-default-hwm",
  "zmq-unlimited-hwm",
  "dbus",
  NULL
};

const char * const bench_topic_names[BENCH_N_TOPICS] = {
  "bench.warm",
  "bench.ready",
  "bench.data",
  "bench.end",
  "bench.done",
  "bench.ping",
  "bench.pong",
};

/* @payload: BENCH_PAYLOAD_LEN + 1 bytes */
void
bench_payload_init (char *payload)
{
  memset (payload, 'x', BENCH_PAYLOAD_LEN);
  payload[BENCH_PAYLOAD_LEN] = '\0';
}

static inline void
put_hex (char    *out,
         guint64  value)
{
  static const char digits[] = "0123456789abcdef";

  for (int i = 15; i >= 0; i--)
    {
      out[i] = digits[value & 0xf];
      value >>= 4;
    }
}

void
bench_payload_set (char    *payload,
                   guint64  a,
                   guint64  b)
{
  put_hex (payload, a);
  put_hex (payload + 16, b);
}

static inline gboolean
get_hex (const char *in,
         guint64    *value)
{
  guint64 v = 0;

  for (int i = 0; i < 16; i++)
    {
      int d = g_ascii_xdigit_value (in[i]);

      if (d < 0)
        return FALSE;
      v = (v << 4) | (guint) d;
    }
  *value = v;
  return TRUE;
}

gboolean
bench_payload_get (const char *payload,
                   gsize       len,
                   guint64    *a,
                   guint64    *b)
{
  if (len != BENCH_PAYLOAD_LEN)
    return FALSE;
  return get_hex (payload, a) && get_hex (payload + 16, b);
}

BenchPeer *
bench_peer_open (BenchImpl    impl,
                 const char  *endpoint,
                 const char  *id,
                 gboolean     bursts,
                 GError     **error)
{
  switch (impl)
    {
#ifdef HAVE_ZMQ
    case BENCH_IMPL_ZMQ_DEFAULT_HWM:
      return bench_zmq_peer_new (endpoint, FALSE, error);
    case BENCH_IMPL_ZMQ_UNLIMITED_HWM:
      return bench_zmq_peer_new (endpoint, TRUE, error);
#endif
    case BENCH_IMPL_DBUS:
      return bench_dbus_peer_new (endpoint, error);
#ifdef HAVE_MRE_BROKER
    case BENCH_IMPL_MRE:
      return bench_mre_peer_new (endpoint, id, bursts, TRUE, FALSE, error);
    case BENCH_IMPL_MRE_NO_DECODE:
      return bench_mre_peer_new (endpoint, id, bursts, FALSE, FALSE, error);
    case BENCH_IMPL_MRE_PUSH:
    case BENCH_IMPL_MRE_PUSH_STORED:
      /* the two differ only in the broker (bench/broker.c) */
      return bench_mre_peer_new (endpoint, id, bursts, TRUE, TRUE, error);
#endif
    default:
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "%s is not built into this benchmark", bench_impl_names[impl]);
      return NULL;
    }
}
