/* broker-bench.h
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/*
 * What the parts of bench/broker share: the implementations, the topics the
 * processes exchange, the payload, and BenchPeer, the small interface each
 * transport (ZeroMQ, D-Bus, mreventloop) offers to the roles.
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum
{
  BENCH_IMPL_MRE,
  BENCH_IMPL_MRE_NO_DECODE,
  BENCH_IMPL_MRE_PUSH,
  BENCH_IMPL_MRE_PUSH_STORED,
  BENCH_IMPL_ZMQ_DEFAULT_HWM,
  BENCH_IMPL_ZMQ_UNLIMITED_HWM,
  BENCH_IMPL_DBUS,
  BENCH_N_IMPLS
} BenchImpl;

extern const char * const bench_impl_names[BENCH_N_IMPLS + 1];

static inline gboolean
bench_impl_is_mre (BenchImpl impl)
{
  return impl == BENCH_IMPL_MRE || impl == BENCH_IMPL_MRE_NO_DECODE ||
         impl == BENCH_IMPL_MRE_PUSH || impl == BENCH_IMPL_MRE_PUSH_STORED;
}

/* mreventloop with durable push: the measured events (DATA, PING, PONG) are
 * pushes, acknowledged by the broker; the others stay yells */
static inline gboolean
bench_impl_is_push (BenchImpl impl)
{
  return impl == BENCH_IMPL_MRE_PUSH || impl == BENCH_IMPL_MRE_PUSH_STORED;
}

/* The backlog of each push: bounded, so that the broker retains (and, with
 * a state directory, keeps on disk) the last 16 events of a name, not the
 * whole burst. */
#define BENCH_PUSH_BACKLOG 16

/* What the processes of one run say to each other, through the transport
 * under test. Only DATA, PING and PONG are measured. */
typedef enum
{
  BENCH_TOPIC_WARM,   /* publisher -> subscribers, until all said READY */
  BENCH_TOPIC_READY,  /* subscriber -> publisher: warm-up seen; a = index */
  BENCH_TOPIC_DATA,   /* the measured events; a = sequence number */
  BENCH_TOPIC_END,    /* publisher -> subscribers: the end marker */
  BENCH_TOPIC_DONE,   /* subscriber -> publisher: end marker seen; a = index */
  BENCH_TOPIC_PING,   /* a = sequence number, b = send time (ns) */
  BENCH_TOPIC_PONG,   /* the ping's payload, echoed */
  BENCH_N_TOPICS
} BenchTopic;

/* ZeroMQ topics and mreventloop event names */
extern const char * const bench_topic_names[BENCH_N_TOPICS];

/* Every event carries one string of exactly this many bytes: two 16-digit
 * hex numbers (a, b) and filler. */
#define BENCH_PAYLOAD_LEN 64

#define BENCH_MAX_SUBSCRIBERS 64

/* How long a subscriber waits for the next event before it gives up. */
#define BENCH_STALL_US (5 * G_USEC_PER_SEC)

/* Longest wait of one bench_peer_pump(), ms */
#define BENCH_PUMP_MS 10

void     bench_payload_init (char          *payload);
void     bench_payload_set  (char          *payload,
                             guint64        a,
                             guint64        b);
gboolean bench_payload_get  (const char    *payload,
                             gsize          len,
                             guint64       *a,
                             guint64       *b);

typedef struct _BenchPeer BenchPeer;

typedef void (*BenchDeliverFunc) (BenchTopic  topic,
                                  const char *payload,
                                  gsize       len,
                                  gpointer    user_data);

typedef struct
{
  gboolean (*subscribe) (BenchPeer   *self,
                         BenchTopic   topic,
                         GError     **error);
  gboolean (*publish)   (BenchPeer   *self,
                         BenchTopic   topic,
                         const char  *payload,
                         GError     **error);
  gboolean (*flush)     (BenchPeer   *self,
                         GError     **error);
  /* Waits at most BENCH_PUMP_MS for incoming events and delivers those that
   * are there (not necessarily all). */
  void     (*pump)      (BenchPeer   *self);
  void     (*free)      (BenchPeer   *self);
} BenchPeerClass;

struct _BenchPeer
{
  const BenchPeerClass *klass;
  BenchDeliverFunc      deliver;
  gpointer              user_data;

  /* mreventloop: publishes refused with MRE_ERROR_BUSY (then flushed and
   * tried again), and DATA events whose header sequence number did not
   * follow the previous one's */
  guint64               busy_retries;
  guint64               header_disorder;
};

static inline gboolean
bench_peer_subscribe (BenchPeer  *self,
                      BenchTopic  topic,
                      GError    **error)
{
  return self->klass->subscribe (self, topic, error);
}

static inline gboolean
bench_peer_publish (BenchPeer   *self,
                    BenchTopic   topic,
                    const char  *payload,
                    GError     **error)
{
  return self->klass->publish (self, topic, payload, error);
}

static inline gboolean
bench_peer_flush (BenchPeer  *self,
                  GError    **error)
{
  return self->klass->flush (self, error);
}

static inline void
bench_peer_pump (BenchPeer *self)
{
  self->klass->pump (self);
}

static inline void
bench_peer_free (BenchPeer *self)
{
  self->klass->free (self);
}

/* The transports. @endpoint is what the broker process of the run made:
 * a directory (ZeroMQ), a D-Bus address, a socket path (mreventloop). */
/* @bursts: this peer publishes a burst (the publisher), the others mostly
 * receive; only mreventloop makes a difference (see bench/broker-mre.c) */
BenchPeer *bench_peer_open (BenchImpl    impl,
                            const char  *endpoint,
                            const char  *id,
                            gboolean     bursts,
                            GError     **error);

#ifdef HAVE_ZMQ
BenchPeer *bench_zmq_peer_new   (const char  *dir,
                                 gboolean     unlimited_hwm,
                                 GError     **error);
/* The proxy process: prints "ready" on stdout, then relays until killed. */
int        bench_zmq_proxy_run  (const char  *dir,
                                 gboolean     unlimited_hwm);
char      *bench_zmq_version    (void);
#endif

BenchPeer *bench_dbus_peer_new  (const char  *address,
                                 GError     **error);
/* Writes a dbus-daemon configuration listening on @socket_path into @dir;
 * returns its path. */
char      *bench_dbus_write_config (const char  *dir,
                                    const char  *socket_path,
                                    GError     **error);
extern const char bench_dbus_limits[];

#ifdef HAVE_MRE_BROKER
/* @push: DATA, PING and PONG are pushes (BENCH_PUSH_BACKLOG), not yells */
BenchPeer *bench_mre_peer_new   (const char  *path,
                                 const char  *id,
                                 gboolean     own_thread,
                                 gboolean     decode_data,
                                 gboolean     push,
                                 GError     **error);
/* The broker process: prints "ready" on stdout, then routes until killed.
 * @state_dir: (nullable): where it keeps its store; NULL: in memory */
int        bench_mre_broker_run (const char  *path,
                                 const char  *state_dir);
#endif

/* The roles of the child processes (bench/broker-roles.c); each prints one
 * JSON object on stdout and returns the exit status. */
typedef struct
{
  BenchImpl   impl;
  const char *endpoint;
  guint       index;
  guint       n_subscribers;
  guint64     n_events;
  guint       n_samples;
  guint       n_warmup;
} BenchRoleOptions;

int bench_role_pub  (const BenchRoleOptions *options);
int bench_role_sub  (const BenchRoleOptions *options);
int bench_role_ping (const BenchRoleOptions *options);
int bench_role_pong (const BenchRoleOptions *options);

G_END_DECLS
