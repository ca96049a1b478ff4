/* test-broker.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* MreBroker and MrePeer in one process, over real unix sockets: routing,
 * order, retained backlogs, subscriptions, slots fed by events, and the
 * errors a user gets. The cross-process tests are in test-cross.c. */

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <math.h>

#include "mre-broker-log-private.h"
#include "mre-frame-private.h"
#include "test-util.h"

typedef struct
{
  char      *dir;
  char      *path;
  MreBroker *broker;
  TestLog    log;
  TestCounter events;
  GValue    *last_arg;  /* the second argument of the first event, as an int */
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("mre-broker-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "bus", "sock", NULL);
  f->broker = mre_broker_new (f->path);
  mre_broker_start (f->broker, &error);
  g_assert_no_error (error);
  test_log_init (&f->log);
  test_counter_init (&f->events);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *bus = g_path_get_dirname (f->path);

  mre_broker_stop (f->broker);
  g_clear_object (&f->broker);
  g_assert_false (g_file_test (f->path, G_FILE_TEST_EXISTS));
  g_rmdir (bus);
  g_rmdir (f->dir);
  g_free (f->path);
  g_free (f->dir);
  test_log_clear (&f->log);
  test_counter_clear (&f->events);
  if (f->last_arg != NULL)
    g_boxed_free (G_TYPE_VALUE, f->last_arg);
}

static MrePeer *
start_peer (Fixture    *f,
            const char *id)
{
  g_autoptr(GError) error = NULL;
  MrePeer *peer = mre_peer_new (f->path, id);

  mre_peer_start (peer, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (mre_peer_get_state (peer), ==, MRE_PEER_STATE_CONNECTED);
  return peer;
}

static void
subscribe (MrePeer    *peer,
           const char *pattern,
           const char *sender)
{
  g_autoptr(GError) error = NULL;

  mre_peer_subscribe (peer, pattern, sender, NULL, &error);
  g_assert_no_error (error);
}

/* Logs "name sender [params]" for every event, retained ones with an R. */
static void
log_event (MrePeer  *peer,
           MreEvent *event,
           Fixture  *f)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *params = mre_event_dup_params_json (event, &error);

  g_assert_no_error (error);
  if (f->last_arg == NULL && JSON_NODE_HOLDS_ARRAY (mre_event_get_params (event, NULL)) &&
      json_array_get_length (json_node_get_array (mre_event_get_params (event, NULL))) >= 2)
    {
      GValue *missing;

      f->last_arg = mre_event_dup_arg (event, 1, G_TYPE_INT, &error);
      g_assert_no_error (error);
      missing = mre_event_dup_arg (event, 9, G_TYPE_INT, &error);
      g_assert_null (missing);
      g_assert_error (error, MRE_ERROR, MRE_ERROR_TYPE_MISMATCH);
      g_clear_error (&error);
    }
  test_log_add (&f->log, "%s%s %s %s", mre_event_get_retained (event) ? "R " : "",
                mre_event_get_name (event), mre_event_get_sender (event), params);
  test_counter_inc (&f->events);
}

static void
flush (MrePeer *peer)
{
  g_autoptr(GError) error = NULL;

  mre_peer_flush (peer, -1, NULL, &error);
  g_assert_no_error (error);
}

/* Tests ------------------------------------------------------------------ */

static void
test_yell_arrives (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(MrePeer) consumer = start_peer (f, "consumer");
  g_autoptr(MrePeer) producer = start_peer (f, "producer");
  g_autoptr(GError) error = NULL;

  g_assert_cmpstr (mre_peer_get_id (consumer), ==, "consumer");
  g_signal_connect (consumer, "event", G_CALLBACK (log_event), f);
  subscribe (consumer, "produced", NULL);

  mre_peer_yell (producer, "produced", &error, G_TYPE_STRING, "some product", G_TYPE_INT, 3,
                 G_TYPE_DOUBLE, 0.1, G_TYPE_BOOLEAN, TRUE, G_TYPE_INVALID);
  g_assert_no_error (error);
  mre_peer_yell (producer, "other", &error, G_TYPE_INVALID);
  g_assert_no_error (error);
  mre_peer_yell (producer, "produced", &error, G_TYPE_INVALID);
  g_assert_no_error (error);

  test_counter_wait_iterating (&f->events, 2);
  g_assert_cmpint (g_value_get_int (f->last_arg), ==, 3);
  test_log_assert_strv (&f->log, (const char *[]) {
    "produced producer [\"some product\",3,0.1,true]",
    "produced producer []",
    NULL });
}

typedef struct
{
  guint64  next_seq;
  guint    received;
  gboolean in_order;
  TestCounter *counter;
} OrderCheck;

static void
check_order (MrePeer    *peer,
             MreEvent   *event,
             OrderCheck *check)
{
  GType types[] = { G_TYPE_UINT };
  GValue values[1] = { G_VALUE_INIT };

  g_assert_true (mre_event_get_args (event, types, 1, values, NULL));
  if (g_value_get_uint (&values[0]) != check->received || mre_event_get_seq (event) != check->next_seq)
    check->in_order = FALSE;
  check->next_seq++;
  check->received++;
  test_counter_inc (check->counter);
}

static void
test_order (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(MrePeer) consumer = start_peer (f, NULL);
  g_autoptr(MrePeer) producer = start_peer (f, NULL);
  OrderCheck check = { 1, 0, TRUE, &f->events };
  const guint n = 20000;

  g_assert_nonnull (mre_peer_get_id (producer));
  g_assert_cmpstr (mre_peer_get_id (producer), !=, mre_peer_get_id (consumer));
  g_signal_connect (consumer, "event::tick", G_CALLBACK (check_order), &check);
  subscribe (consumer, "tick", NULL);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GError) error = NULL;

      mre_peer_yell (producer, "tick", &error, G_TYPE_UINT, i, G_TYPE_INVALID);
      g_assert_no_error (error);
    }

  test_counter_wait_iterating (&f->events, n);
  g_assert_true (check.in_order);
  g_assert_cmpuint (check.received, ==, n);
}

static void
test_retained (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(MrePeer) producer = start_peer (f, "p");
  g_autoptr(MrePeer) late = NULL;
  g_autoptr(GError) error = NULL;

  for (int i = 1; i <= 10; i++)
    {
      mre_peer_push (producer, "five", 5, &error, G_TYPE_INT, i, G_TYPE_INVALID);
      g_assert_no_error (error);
      mre_peer_push (producer, "latest", 1, &error, G_TYPE_INT, i, G_TYPE_INVALID);
      g_assert_no_error (error);
      mre_peer_yell (producer, "yelled", &error, G_TYPE_INT, i, G_TYPE_INVALID);
      g_assert_no_error (error);
    }
  flush (producer);

  late = start_peer (f, "late");
  g_signal_connect (late, "event", G_CALLBACK (log_event), f);
  subscribe (late, "five", NULL);
  subscribe (late, "latest", NULL);
  subscribe (late, "yelled", NULL);
  /* Subscribing again replays nothing more. */
  subscribe (late, "five", NULL);

  /* The retained events are all there when subscribe() returns. */
  g_assert_cmpuint (test_counter_get (&f->events), ==, 6);

  mre_peer_push (producer, "five", 5, &error, G_TYPE_INT, 11, G_TYPE_INVALID);
  mre_peer_yell (producer, "yelled", &error, G_TYPE_INT, 11, G_TYPE_INVALID);
  test_counter_wait_iterating (&f->events, 8);

  test_log_assert_strv (&f->log, (const char *[]) {
    "R five p [6]", "R five p [7]", "R five p [8]", "R five p [9]", "R five p [10]",
    "R latest p [10]",
    "five p [11]",
    "yelled p [11]",
    NULL });
}

static void
test_backlog_governed_by_last_push (Fixture       *f,
                                    gconstpointer  data)
{
  g_autoptr(MrePeer) producer = start_peer (f, "p");
  g_autoptr(MrePeer) late = NULL;
  g_autoptr(GError) error = NULL;

  for (int i = 1; i <= 4; i++)
    mre_peer_push (producer, "x", 5, &error, G_TYPE_INT, i, G_TYPE_INVALID);
  mre_peer_push (producer, "x", 2, &error, G_TYPE_INT, 5, G_TYPE_INVALID);
  for (int i = 6; i <= 8; i++)
    mre_peer_push (producer, "unbounded", MRE_BACKLOG_UNBOUNDED, &error, G_TYPE_INT, i, G_TYPE_INVALID);
  g_assert_no_error (error);
  flush (producer);

  late = start_peer (f, "late");
  g_signal_connect (late, "event", G_CALLBACK (log_event), f);
  subscribe (late, "*", NULL);

  test_log_assert_strv (&f->log, (const char *[]) {
    "R x p [4]", "R x p [5]", "R unbounded p [6]", "R unbounded p [7]", "R unbounded p [8]",
    NULL });
}

static void
test_patterns_and_senders (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(MrePeer) a = start_peer (f, "a");
  g_autoptr(MrePeer) b = start_peer (f, "b");
  g_autoptr(MrePeer) sub = start_peer (f, "sub");
  g_autoptr(GError) error = NULL;

  g_signal_connect (sub, "event", G_CALLBACK (log_event), f);
  subscribe (sub, "sensor.*", NULL);
  subscribe (sub, "sensor.temp", NULL);   /* overlaps: each event once */
  subscribe (sub, "door", "b");           /* only b's */

  mre_peer_yell (a, "sensor.temp", &error, G_TYPE_INT, 1, G_TYPE_INVALID);
  mre_peer_yell (a, "sensorX", &error, G_TYPE_INT, 2, G_TYPE_INVALID);
  mre_peer_yell (a, "door", &error, G_TYPE_INT, 3, G_TYPE_INVALID);
  flush (a);
  mre_peer_yell (b, "door", &error, G_TYPE_INT, 4, G_TYPE_INVALID);
  mre_peer_yell (b, "sensor.hum", &error, G_TYPE_INT, 5, G_TYPE_INVALID);
  g_assert_no_error (error);

  test_counter_wait_iterating (&f->events, 3);
  test_log_assert_strv (&f->log, (const char *[]) {
    "sensor.temp a [1]", "door b [4]", "sensor.hum b [5]", NULL });

  mre_peer_unsubscribe (sub, "sensor.*", NULL, NULL, &error);
  g_assert_no_error (error);
  mre_peer_yell (b, "sensor.hum", &error, G_TYPE_INT, 6, G_TYPE_INVALID);
  mre_peer_yell (b, "sensor.temp", &error, G_TYPE_INT, 7, G_TYPE_INVALID);
  test_counter_wait_iterating (&f->events, 4);
  g_assert_cmpstr (g_ptr_array_index (f->log.entries, 3), ==, "sensor.temp b [7]");

  g_assert_false (mre_peer_subscribe (sub, "a*b", NULL, NULL, &error));
  g_assert_error (error, MRE_ERROR, MRE_ERROR_PROTOCOL);
}

/* A consumer with a named slot, fed by mre_connect() from the peer. */

typedef struct
{
  GObject   parent_instance;
  TestLog  *log;
  TestCounter *counter;
} Consumer;

typedef struct
{
  GObjectClass parent_class;
} ConsumerClass;

GType consumer_get_type (void);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Consumer, g_object_unref)
G_DEFINE_TYPE (Consumer, consumer, G_TYPE_OBJECT)

static void
consumer_on_produced (Consumer   *self,
                      const char *product,
                      gint64      count,
                      GStrv       tags)
{
  g_autofree char *joined = g_strjoinv (",", tags);

  test_log_add (self->log, "%s %" G_GINT64_FORMAT " %s", product, count, joined);
  test_counter_inc (self->counter);
}

static void
consumer_on_object (Consumer  *self,
                    gpointer   pointer)
{
}

static void
consumer_class_init (ConsumerClass *klass)
{
  mre_slot_install (G_TYPE_FROM_CLASS (klass), "on-produced", G_CALLBACK (consumer_on_produced),
                    0, 3, G_TYPE_STRING, G_TYPE_INT64, G_TYPE_STRV);
  mre_slot_install (G_TYPE_FROM_CLASS (klass), "on-object", G_CALLBACK (consumer_on_object),
                    0, 1, G_TYPE_POINTER);
}

static void
consumer_init (Consumer *self)
{
}

static void
test_connect_slot (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(MrePeer) peer = start_peer (f, "consumer-peer");
  g_autoptr(MrePeer) producer = start_peer (f, "producer");
  g_autoptr(MreEventLoop) loop = mre_event_loop_new ();
  g_autoptr(Consumer) consumer = g_object_new (consumer_get_type (), NULL);
  g_autoptr(GError) error = NULL;
  const char *tags[] = { "new", "shiny", NULL };

  consumer->log = &f->log;
  consumer->counter = &f->events;
  mre_object_set_event_loop (consumer, loop);
  mre_event_loop_start (loop, &error);
  g_assert_no_error (error);

  mre_connect (peer, "event::produced", consumer, "on-produced", 0, &error);
  g_assert_no_error (error);
  /* A pointer cannot cross: refused when connecting. */
  g_assert_cmpuint (mre_connect (peer, "event::x", consumer, "on-object", 0, &error), ==, 0);
  g_assert_error (error, MRE_ERROR, MRE_ERROR_TYPE_MISMATCH);
  g_clear_error (&error);
  subscribe (peer, "produced", NULL);

  /* One that does not fit the slot is logged and skipped; the next one arrives. */
  g_test_expect_message ("Mre", G_LOG_LEVEL_MESSAGE, "*not delivered*");
  mre_peer_yell (producer, "produced", &error, G_TYPE_INT, 1, G_TYPE_INVALID);
  mre_peer_yell (producer, "produced", &error, G_TYPE_STRING, "some product",
                 G_TYPE_INT64, G_MAXINT64, G_TYPE_STRV, tags, G_TYPE_INVALID);
  g_assert_no_error (error);
  test_counter_wait (&f->events, 1);
  g_test_assert_expected_messages ();
  test_log_assert_strv (&f->log, (const char *[]) {
    "some product 9223372036854775807 new,shiny", NULL });

  mre_event_loop_stop (loop);
  mre_event_loop_join (loop, NULL);
}

/* A local signal forwarded with one call. */

static guint request_signal;

typedef struct { GObject parent_instance; } Requester;
typedef struct { GObjectClass parent_class; } RequesterClass;
GType requester_get_type (void);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Requester, g_object_unref)
G_DEFINE_TYPE (Requester, requester, G_TYPE_OBJECT)

static void
requester_class_init (RequesterClass *klass)
{
  request_signal = mre_signal_new (G_TYPE_FROM_CLASS (klass), "request-product", 1, G_TYPE_STRING);
  mre_signal_new (G_TYPE_FROM_CLASS (klass), "hand-over", 1, G_TYPE_POINTER);
}

static void
requester_init (Requester *self)
{
}

static void
test_forward (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(MrePeer) listener = start_peer (f, "listener");
  g_autoptr(MrePeer) peer = start_peer (f, "requester");
  g_autoptr(Requester) requester = g_object_new (requester_get_type (), NULL);
  g_autoptr(GError) error = NULL;

  g_signal_connect (listener, "event", G_CALLBACK (log_event), f);
  subscribe (listener, "request_product", NULL);

  g_assert_cmpuint (mre_peer_forward (peer, requester, "request-product", "request_product",
                                      MRE_DELIVERY_YELL, 0, &error), !=, 0);
  g_assert_no_error (error);
  g_assert_cmpuint (mre_peer_forward (peer, requester, "hand-over", NULL, MRE_DELIVERY_YELL, 0, &error), ==, 0);
  g_assert_error (error, MRE_ERROR, MRE_ERROR_TYPE_MISMATCH);

  g_signal_emit (requester, request_signal, 0, "a product");
  test_counter_wait_iterating (&f->events, 1);
  test_log_assert_strv (&f->log, (const char *[]) { "request_product requester [\"a product\"]", NULL });
}

static void
test_publish_errors (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(MrePeer) peer = g_object_new (MRE_TYPE_PEER, "path", f->path, "max-frame-size", 1024, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *big = g_strnfill (2000, 'x');
  g_autoptr(GObject) object = g_object_new (G_TYPE_OBJECT, NULL);

  mre_peer_start (peer, NULL, &error);
  g_assert_no_error (error);

  g_assert_false (mre_peer_yell (peer, "big", &error, G_TYPE_STRING, big, G_TYPE_INVALID));
  g_assert_error (error, MRE_ERROR, MRE_ERROR_FRAME_TOO_LARGE);
  g_clear_error (&error);

  g_assert_false (mre_peer_yell (peer, "obj", &error, G_TYPE_POINTER, object, G_TYPE_INVALID));
  g_assert_error (error, MRE_ERROR, MRE_ERROR_TYPE_MISMATCH);
  g_clear_error (&error);

  g_assert_false (mre_peer_yell (peer, "bad", &error, G_TYPE_STRING, "\xff\xfe", G_TYPE_INVALID));
  g_assert_error (error, MRE_ERROR, MRE_ERROR_TYPE_MISMATCH);
  g_clear_error (&error);

  g_assert_false (mre_peer_yell (peer, "nan", &error, G_TYPE_DOUBLE, NAN, G_TYPE_INVALID));
  g_assert_error (error, MRE_ERROR, MRE_ERROR_TYPE_MISMATCH);
  g_clear_error (&error);

  g_assert_false (mre_peer_yell (peer, "star*", &error, G_TYPE_INVALID));
  g_assert_error (error, MRE_ERROR, MRE_ERROR_PROTOCOL);
  g_clear_error (&error);

  g_assert_false (mre_peer_publish_json (peer, "json", MRE_DELIVERY_YELL, 0, "[1,", &error));
  g_assert_error (error, MRE_ERROR, MRE_ERROR_TYPE_MISMATCH);
  g_clear_error (&error);
  g_assert_false (mre_peer_publish_json (peer, "json", MRE_DELIVERY_YELL, 0, "3", &error));
  g_assert_error (error, MRE_ERROR, MRE_ERROR_TYPE_MISMATCH);
}

static void
test_no_broker (void)
{
  g_autoptr(MrePeer) peer = mre_peer_new ("/nonexistent/mre/sock", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_false (mre_peer_start (peer, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
}

/* The limits' defaults, getters, setters and properties; test-faults.py
 * checks that the broker enforces them. */
static void
test_limits_properties (void)
{
  g_autoptr(MreBroker) broker = mre_broker_new ("/nonexistent/mre/limits.sock");
  guint connections, subscriptions, timeout;
  guint64 retained, queued_total;

  g_assert_cmpuint (mre_broker_get_max_connections (broker), ==, 1024);
  /* Issue 10: the bound on all queues together, 4 x max-queued-bytes. */
  g_assert_cmpuint (mre_broker_get_max_queued_bytes_total (broker), ==, 256 * 1024 * 1024);
  g_assert_cmpuint (mre_broker_get_max_subscriptions (broker), ==, 4096);
  g_assert_cmpuint (mre_broker_get_max_retained_bytes (broker), ==, 64 * 1024 * 1024);
  g_assert_cmpuint (mre_broker_get_handshake_timeout (broker), ==, 10);

  mre_broker_set_max_connections (broker, 3);
  mre_broker_set_max_subscriptions (broker, 0);
  mre_broker_set_max_retained_bytes (broker, G_GUINT64_CONSTANT (1) << 40);
  mre_broker_set_handshake_timeout (broker, 1);
  mre_broker_set_max_queued_bytes_total (broker, 0);
  g_object_get (broker, "max-connections", &connections, "max-subscriptions", &subscriptions,
                "max-retained-bytes", &retained, "handshake-timeout", &timeout,
                "max-queued-bytes-total", &queued_total, NULL);
  g_assert_cmpuint (connections, ==, 3);
  g_assert_cmpuint (subscriptions, ==, 0);
  g_assert_cmpuint (retained, ==, G_GUINT64_CONSTANT (1) << 40);
  g_assert_cmpuint (timeout, ==, 1);
  g_assert_cmpuint (queued_total, ==, 0);

  g_object_set (broker, "max-connections", 7, "handshake-timeout", 0,
                "max-queued-bytes-total", G_GUINT64_CONSTANT (1) << 33, NULL);
  g_assert_cmpuint (mre_broker_get_max_connections (broker), ==, 7);
  g_assert_cmpuint (mre_broker_get_max_queued_bytes_total (broker), ==,
                    G_GUINT64_CONSTANT (1) << 33);
  g_assert_cmpuint (mre_broker_get_handshake_timeout (broker), ==, 0);
}

/* A SUBSCRIBE over max-subscriptions fails that subscribe only. */
static void
test_max_subscriptions (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("mre-limits-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "bus.sock", NULL);
  g_autoptr(MreBroker) broker = mre_broker_new (path);
  g_autoptr(MrePeer) peer = NULL;

  g_assert_no_error (error);
  mre_broker_set_max_subscriptions (broker, 1);
  mre_broker_start (broker, &error);
  g_assert_no_error (error);
  peer = mre_peer_new (path, "subscriber");
  mre_peer_start (peer, NULL, &error);
  g_assert_no_error (error);

  g_assert_true (mre_peer_subscribe (peer, "a", NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (mre_peer_subscribe (peer, "b.*", NULL, NULL, &error));
  g_assert_error (error, MRE_ERROR, MRE_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (error->message, "max-subscriptions"));
  g_clear_error (&error);

  g_assert_cmpint (mre_peer_get_state (peer), ==, MRE_PEER_STATE_CONNECTED);
  g_assert_true (mre_peer_unsubscribe (peer, "a", NULL, NULL, &error));
  g_assert_true (mre_peer_subscribe (peer, "b.*", NULL, NULL, &error));
  g_assert_no_error (error);

  g_clear_object (&peer);
  mre_broker_stop (broker);
  g_rmdir (dir);
}

static void
test_live_and_stale_socket (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(MreBroker) second = mre_broker_new (f->path);
  g_autoptr(GError) error = NULL;
  g_autofree char *stale_path = g_build_filename (f->dir, "stale.sock", NULL);
  g_autoptr(GSocket) stale = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, 0, NULL);
  g_autoptr(GSocketAddress) address = g_unix_socket_address_new (stale_path);
  g_autoptr(MreBroker) third = mre_broker_new (stale_path);
  g_autoptr(MrePeer) peer = NULL;
  GStatBuf st;

  g_assert_false (mre_broker_start (second, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
  g_clear_error (&error);
  /* The first broker still works. */
  peer = start_peer (f, NULL);
  g_clear_object (&peer);

  /* A socket file nobody listens on, as a dead broker leaves it. */
  g_assert_true (g_socket_bind (stale, address, FALSE, &error));
  g_socket_close (stale, NULL);
  mre_broker_start (third, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (stale_path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  mre_broker_stop (third);

  g_assert_cmpint (g_stat (f->path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
}

static void
test_reconnect (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(MrePeer) sub = start_peer (f, "sub");
  g_autoptr(MrePeer) pub = g_object_new (MRE_TYPE_PEER, "path", f->path, "id", "pub",
                                         "max-pending", 3, NULL);
  g_autoptr(GError) error = NULL;

  mre_peer_start (pub, NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (sub, "event", G_CALLBACK (log_event), f);
  subscribe (sub, "x", NULL);

  mre_broker_stop (f->broker);
  g_clear_object (&f->broker);
  while (mre_peer_get_state (pub) == MRE_PEER_STATE_CONNECTED ||
         mre_peer_get_state (sub) == MRE_PEER_STATE_CONNECTED)
    g_usleep (1000);

  /* Kept while disconnected, up to max-pending. */
  for (int i = 1; i <= 3; i++)
    {
      mre_peer_yell (pub, "x", &error, G_TYPE_INT, i, G_TYPE_INVALID);
      g_assert_no_error (error);
    }
  g_assert_false (mre_peer_yell (pub, "x", &error, G_TYPE_INT, 4, G_TYPE_INVALID));
  g_assert_error (error, MRE_ERROR, MRE_ERROR_DISCONNECTED);
  g_clear_error (&error);

  f->broker = mre_broker_new (f->path);
  mre_broker_start (f->broker, &error);
  g_assert_no_error (error);
  while (mre_peer_get_state (pub) != MRE_PEER_STATE_CONNECTED ||
         mre_peer_get_state (sub) != MRE_PEER_STATE_CONNECTED)
    g_usleep (1000);

  mre_peer_yell (pub, "x", &error, G_TYPE_INT, 5, G_TYPE_INVALID);
  g_assert_no_error (error);

  /* The kept ones may reach the new broker before the subscriber is back
   * (yells are for the peers subscribed now); whichever arrive do so in
   * order, and the one published once both are connected arrives. */
  for (guint n = 1; ; n++)
    {
      g_auto(GStrv) entries = NULL;
      guint len;

      test_counter_wait_iterating (&f->events, n);
      entries = test_log_dup (&f->log);
      len = g_strv_length (entries);
      if (g_str_equal (entries[len - 1], "x pub [5]"))
        {
          for (guint i = 1; i < len; i++)
            g_assert_cmpint (strcmp (entries[i - 1], entries[i]), <, 0);
          break;
        }
    }
}

/* elegant_events' keep_track_of: the peer's events of a name are kept, and
 * a connection made later gets them first, then the live ones. */
static void
log_callback (MrePeer  *peer,
              MreEvent *event,
              Fixture  *f)
{
  log_event (peer, event, f);
}

static void
test_keep_track_of (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(MrePeer) peer = start_peer (f, "tracker");
  g_autoptr(MrePeer) producer = start_peer (f, "p");
  g_autoptr(MreEventLoop) loop = mre_event_loop_new ();
  g_autoptr(GError) error = NULL;

  g_assert_true (mre_keep_track_of (peer, "event::level", 2, &error));
  subscribe (peer, "level", NULL);
  for (int i = 1; i <= 3; i++)
    mre_peer_yell (producer, "level", &error, G_TYPE_INT, i, G_TYPE_INVALID);
  flush (producer);
  /* Wait until the peer received them (the tracker keeps them as they
   * arrive): the producer's next event comes after them. */
  g_signal_connect (peer, "received::marker", G_CALLBACK (log_event), f);
  subscribe (peer, "marker", NULL);
  mre_peer_yell (producer, "marker", &error, G_TYPE_INVALID);
  test_counter_wait (&f->events, 1);

  mre_event_loop_start (loop, &error);
  g_assert_no_error (error);
  mre_connect_callback (peer, "event::level", loop, G_CALLBACK (log_callback), f, NULL, 0, &error);
  g_assert_no_error (error);
  mre_peer_yell (producer, "level", &error, G_TYPE_INT, 4, G_TYPE_INVALID);
  g_assert_no_error (error);
  test_counter_wait (&f->events, 4);

  test_log_assert_strv (&f->log, (const char *[]) {
    "marker p []", "level p [2]", "level p [3]", "level p [4]", NULL });
  mre_event_loop_stop (loop);
  mre_event_loop_join (loop, NULL);
}

static void
log_with_prefix (MreEvent   *event,
                 Fixture    *f,
                 const char *prefix)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *params = mre_event_dup_params_json (event, &error);

  g_assert_no_error (error);
  test_log_add (&f->log, "%s %s%s", prefix, mre_event_get_retained (event) ? "R " : "", params);
  test_counter_inc (&f->events);
}

static void
log_future (MrePeer  *peer,
            MreEvent *event,
            Fixture  *f)
{
  log_with_prefix (event, f, "future");
}

static void
log_plain (MrePeer  *peer,
           MreEvent *event,
           Fixture  *f)
{
  log_with_prefix (event, f, "plain");
}

/* Issue 10, item 10: a future-only connection made before subscribe() sees
 * only the events published after it, not the broker's retained replay;
 * a plain one sees both. */
static void
test_future_only_skips_retained (Fixture       *f,
                                 gconstpointer  data)
{
  g_autoptr(MrePeer) producer = start_peer (f, "p");
  g_autoptr(MrePeer) late = NULL;
  g_autoptr(MreEventLoop) loop = mre_event_loop_new ();
  g_autoptr(GError) error = NULL;

  for (int i = 1; i <= 3; i++)
    {
      mre_peer_push (producer, "level", 0, &error, G_TYPE_INT, i, G_TYPE_INVALID);
      g_assert_no_error (error);
    }
  flush (producer);

  mre_event_loop_start (loop, &error);
  g_assert_no_error (error);
  late = start_peer (f, "late");
  mre_connect_callback (late, "event::level", loop, G_CALLBACK (log_future), f, NULL,
                        MRE_CONNECT_FUTURE_ONLY, &error);
  g_assert_no_error (error);
  mre_connect_callback (late, "event::level", loop, G_CALLBACK (log_plain), f, NULL, 0, &error);
  g_assert_no_error (error);
  subscribe (late, "level", NULL);
  test_counter_wait (&f->events, 3);

  mre_peer_push (producer, "level", 0, &error, G_TYPE_INT, 4, G_TYPE_INVALID);
  g_assert_no_error (error);
  test_counter_wait (&f->events, 5);

  test_log_assert_strv (&f->log, (const char *[]) {
    "plain R [1]", "plain R [2]", "plain R [3]", "future [4]", "plain [4]", NULL });
  mre_event_loop_stop (loop);
  mre_event_loop_join (loop, NULL);
}

/* A program without a running loop: the peer is bound to a context nobody
 * runs, and mre_peer_check() hands out what arrived. */
static void
test_check (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(MreEventLoop) loop = mre_event_loop_new_for_context (context);
  g_autoptr(MrePeer) peer = mre_peer_new (f->path, "manual");
  g_autoptr(MrePeer) producer = start_peer (f, "p");
  g_autoptr(GError) error = NULL;
  guint n = 0;

  mre_object_set_event_loop (peer, loop);
  g_assert_true (mre_peer_start (peer, NULL, &error));
  g_signal_connect (peer, "event", G_CALLBACK (log_event), f);
  subscribe (peer, "tick", NULL);
  g_assert_cmpuint (mre_peer_check (peer), ==, 0);

  for (int i = 1; i <= 3; i++)
    mre_peer_yell (producer, "tick", &error, G_TYPE_INT, i, G_TYPE_INVALID);
  g_assert_no_error (error);
  flush (producer);

  while (n < 3)
    n += mre_peer_check (peer);
  g_assert_cmpuint (n, ==, 3);
  test_log_assert_strv (&f->log, (const char *[]) {
    "tick p [1]", "tick p [2]", "tick p [3]", NULL });
}

/* A loop given to a peer or a broker is the program's: dropping them does
 * not stop it. */
static gboolean
set_flag (gpointer   data,
          GError   **error)
{
  *(gboolean *) data = TRUE;
  return TRUE;
}

static void
test_user_loop_not_stopped (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(MreEventLoop) loop = mre_event_loop_new_for_context (context);
  g_autofree char *path = g_build_filename (f->dir, "second.sock", NULL);
  MrePeer *peer = mre_peer_new (f->path, "p");
  MreBroker *broker = mre_broker_new (path);
  g_autoptr(GError) error = NULL;
  gboolean ran = FALSE;

  mre_object_set_event_loop (peer, loop);
  mre_object_set_event_loop (broker, loop);
  g_assert_true (mre_peer_start (peer, NULL, &error));
  g_assert_true (mre_broker_start (broker, &error));
  g_assert_no_error (error);

  g_object_unref (peer);
  mre_broker_stop (broker);
  g_object_unref (broker);

  g_assert_true (mre_event_loop_get_running (loop));
  mre_event_loop_invoke (loop, set_flag, &ran, NULL);
  test_iterate_until (context, ran);
}

/* Issue 5 (found by fuzz/fuzz-handshake): a HELLO whose body is blank
 * text, which json-glib parses to no root at all, made the broker emit a
 * critical (fatal here) before it refused the connection. */
static void
test_hello_blank_body (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, 0, NULL);
  g_autoptr(GSocketAddress) address = g_unix_socket_address_new (f->path);
  g_autoptr(GError) error = NULL;
  MreFrame hello = { .type = MRE_FRAME_HELLO, .body = (const guint8 *) " \n\t", .body_len = 3 };
  g_autoptr(GBytes) bytes = mre_frame_to_bytes (&hello);
  char buf[4096];
  gssize n;

  g_assert_true (g_socket_connect (socket, address, NULL, &error));
  g_assert_no_error (error);
  g_socket_set_timeout (socket, 10);
  g_assert_cmpint (g_socket_send (socket, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                  NULL, &error), ==, g_bytes_get_size (bytes));
  g_assert_no_error (error);

  /* The broker closes the connection without a WELCOME. */
  n = g_socket_receive (socket, buf, sizeof buf, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (n, ==, 0);
}

/* Issue 10, item 12: refusals of one kind after the first are counted, not
 * each logged (a client made the broker log a line per garbage connection);
 * a count not logged yet is logged when the log stops. The counts logged
 * every few seconds while refusals go on: tests/test-faults.py. */
static void
test_log_counts (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  MreBrokerLog *log = mre_broker_log_new (context);

  g_test_expect_message ("Mre", G_LOG_LEVEL_MESSAGE, "Connection 1 sent garbage");
  g_test_expect_message ("Mre", G_LOG_LEVEL_MESSAGE, "Refused 1");
  for (guint i = 1; i <= 3; i++)
    mre_broker_log (log, MRE_BROKER_LOG_GARBAGE, "Connection %u sent garbage", i);
  mre_broker_log (log, MRE_BROKER_LOG_TOO_MANY, "Refused %u", 1);
  g_test_assert_expected_messages ();

  /* One count, for the one kind that has one. */
  g_test_expect_message ("Mre", G_LOG_LEVEL_MESSAGE,
                         "… and 2 more connections closed for bytes that are not whole frames in the last 1 s");
  mre_broker_log_free (log);
  g_test_assert_expected_messages ();

  /* Nothing left behind on the context. */
  g_assert_false (g_main_context_pending (context));
}

/* Reads one whole frame from @socket into @buf (which keeps what follows
 * it); FALSE at the end of the stream. The frame's pointers are valid until
 * the next call. */
static gboolean
read_frame (GSocket    *socket,
            GByteArray *buf,
            gsize      *consumed,
            MreFrame   *frame)
{
  g_byte_array_remove_range (buf, 0, *consumed);
  *consumed = 0;
  for (;;)
    {
      g_autoptr(GError) error = NULL;
      char chunk[65536];
      gssize n;

      switch (mre_frame_parse (buf->data, buf->len, MRE_FRAME_HARD_MAX, frame, consumed, &error))
        {
        case MRE_FRAME_PARSE_OK:
          return TRUE;
        case MRE_FRAME_PARSE_NEED_MORE:
          break;
        default:
          g_error ("the broker sent a frame that does not parse: %s", error->message);
        }
      n = g_socket_receive (socket, chunk, sizeof chunk, NULL, &error);
      if (n == 0 || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED))
        {
          /* The end of the stream, never in the middle of a frame. */
          g_assert_cmpuint (buf->len, ==, 0);
          return FALSE;
        }
      g_assert_no_error (error);
      g_byte_array_append (buf, (const guint8 *) chunk, n);
    }
}

static void
count_peer_gone (MreBroker   *broker,
                 const char  *id,
                 TestCounter *gone)
{
  if (g_strcmp0 (id, "slow") == 0)
    test_counter_inc (gone);
}

/* Issue 10: a subscriber that reads nothing is dropped at max-queued-bytes;
 * what is left in its socket is whole EVENTs, then ERROR slow-reader with
 * the count the broker dropped for it, then the end. */
static void
test_slow_reader_told (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("mre-slow-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "bus.sock", NULL);
  g_autoptr(MreBroker) broker = mre_broker_new (path);
  g_autoptr(MrePeer) pub = NULL;
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, 0, NULL);
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GByteArray) buf = g_byte_array_new ();
  g_autoptr(JsonNode) stats = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *payload = g_strnfill (10000, 'x');
  MreFrame hello = { .type = MRE_FRAME_HELLO, .name = "slow", .name_len = 4 };
  MreFrame sub = { .type = MRE_FRAME_SUBSCRIBE, .arg = 1, .name = "big", .name_len = 3 };
  g_autoptr(GBytes) hello_bytes = mre_frame_to_bytes (&hello);
  g_autoptr(GBytes) sub_bytes = mre_frame_to_bytes (&sub);
  TestCounter gone;
  MreFrame frame;
  gsize consumed = 0;
  guint events = 0;
  JsonObject *body;

  g_assert_no_error (error);
  test_counter_init (&gone);
  mre_broker_set_max_queued_bytes (broker, 65536);
  g_signal_connect (broker, "peer-disconnected", G_CALLBACK (count_peer_gone), &gone);
  mre_broker_start (broker, &error);
  g_assert_no_error (error);

  address = g_unix_socket_address_new (path);
  g_assert_true (g_socket_connect (socket, address, NULL, &error));
  g_socket_set_timeout (socket, 30);
  g_socket_send (socket, g_bytes_get_data (hello_bytes, NULL), g_bytes_get_size (hello_bytes),
                 NULL, &error);
  g_assert_no_error (error);
  g_socket_send (socket, g_bytes_get_data (sub_bytes, NULL), g_bytes_get_size (sub_bytes),
                 NULL, &error);
  g_assert_no_error (error);
  g_assert_true (read_frame (socket, buf, &consumed, &frame));
  g_assert_cmpint (frame.type, ==, MRE_FRAME_WELCOME);
  g_assert_true (read_frame (socket, buf, &consumed, &frame));
  g_assert_cmpint (frame.type, ==, MRE_FRAME_ACK);

  /* 2 MB for a reader that reads nothing, 64 KiB allowed. */
  pub = mre_peer_new (path, "pub");
  mre_peer_start (pub, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 200; i++)
    {
      mre_peer_yell (pub, "big", &error, G_TYPE_UINT, i, G_TYPE_STRING, payload, G_TYPE_INVALID);
      g_assert_no_error (error);
    }
  test_counter_wait (&gone, 1);

  while (read_frame (socket, buf, &consumed, &frame) && frame.type == MRE_FRAME_EVENT)
    events++;
  g_assert_cmpint (frame.type, ==, MRE_FRAME_ERROR);
  g_assert_cmpuint (frame.arg, ==, 0);
  g_assert_cmpuint (frame.seq, ==, 0);
  g_assert_cmpuint (frame.name_len, ==, 0);
  json_parser_load_from_data (parser, (const char *) frame.body, frame.body_len, &error);
  g_assert_no_error (error);
  body = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (body, "code"), ==, "slow-reader");
  g_assert_nonnull (strstr (json_object_get_string_member (body, "message"),
                            "max-queued-bytes (65536)"));
  g_assert_false (read_frame (socket, buf, &consumed, &frame));

  stats = mre_broker_dup_stats (broker);
  g_assert_cmpint (json_object_get_int_member (body, "dropped"), ==,
                   json_object_get_int_member (json_node_get_object (stats), "dropped"));
  g_assert_cmpint (json_object_get_int_member (body, "dropped"), >, 0);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (stats), "slow_disconnects"),
                   ==, 1);
  g_assert_cmpuint (events + json_object_get_int_member (body, "dropped"), <=, 200);
  g_test_message ("%u whole events, then ERROR slow-reader (%" G_GINT64_FORMAT " dropped)",
                  events, json_object_get_int_member (body, "dropped"));

  mre_peer_close (pub);
  mre_broker_stop (broker);
  test_counter_clear (&gone);
  g_rmdir (dir);
}

static void
count_event (MrePeer     *peer,
             MreEvent    *event,
             TestCounter *counter)
{
  test_counter_inc (counter);
}

/* Issue 10: with max-queued-bytes-total, a subscriber that reads nothing is
 * dropped when the total is reached (it is far under max-queued-bytes),
 * with ERROR slow-reader; a subscriber that reads gets every event, and
 * the total never passes the bound. */
static void
test_total_bound_stalled (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("mre-total-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "bus.sock", NULL);
  g_autoptr(MreBroker) broker = mre_broker_new (path);
  g_autoptr(MrePeer) pub = NULL;
  g_autoptr(MrePeer) reader = NULL;
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, 0, NULL);
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GByteArray) buf = g_byte_array_new ();
  g_autoptr(JsonNode) stats = NULL;
  g_autofree char *payload = g_strnfill (4000, 'x');
  MreFrame hello = { .type = MRE_FRAME_HELLO, .name = "slow", .name_len = 4 };
  MreFrame sub = { .type = MRE_FRAME_SUBSCRIBE, .arg = 1, .name = "big", .name_len = 3 };
  g_autoptr(GBytes) hello_bytes = mre_frame_to_bytes (&hello);
  g_autoptr(GBytes) sub_bytes = mre_frame_to_bytes (&sub);
  const guint64 bound = 1024 * 1024;
  const guint n = 600;  /* 2.4 MB */
  TestCounter gone, received;
  MreFrame frame;
  gsize consumed = 0;
  JsonObject *object;

  g_assert_no_error (error);
  test_counter_init (&gone);
  test_counter_init (&received);
  mre_broker_set_max_queued_bytes_total (broker, bound);
  g_signal_connect (broker, "peer-disconnected", G_CALLBACK (count_peer_gone), &gone);
  mre_broker_start (broker, &error);
  g_assert_no_error (error);

  address = g_unix_socket_address_new (path);
  g_assert_true (g_socket_connect (socket, address, NULL, &error));
  g_socket_set_timeout (socket, 30);
  g_socket_send (socket, g_bytes_get_data (hello_bytes, NULL), g_bytes_get_size (hello_bytes),
                 NULL, &error);
  g_assert_no_error (error);
  g_socket_send (socket, g_bytes_get_data (sub_bytes, NULL), g_bytes_get_size (sub_bytes),
                 NULL, &error);
  g_assert_no_error (error);
  g_assert_true (read_frame (socket, buf, &consumed, &frame));
  g_assert_true (read_frame (socket, buf, &consumed, &frame));
  g_assert_cmpint (frame.type, ==, MRE_FRAME_ACK);

  reader = mre_peer_new (path, "reader");
  mre_peer_start (reader, NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (reader, "event::big", G_CALLBACK (count_event), &received);
  mre_peer_subscribe (reader, "big", NULL, NULL, &error);
  g_assert_no_error (error);

  pub = mre_peer_new (path, "pub");
  mre_peer_start (pub, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < n; i++)
    {
      mre_peer_yell (pub, "big", &error, G_TYPE_UINT, i, G_TYPE_STRING, payload, G_TYPE_INVALID);
      g_assert_no_error (error);
    }
  test_counter_wait (&gone, 1);
  test_counter_wait_iterating (&received, n);

  while (read_frame (socket, buf, &consumed, &frame) && frame.type == MRE_FRAME_EVENT)
    ;
  g_assert_cmpint (frame.type, ==, MRE_FRAME_ERROR);
  g_assert_nonnull (g_strstr_len ((const char *) frame.body, frame.body_len, "\"slow-reader\""));
  g_assert_nonnull (g_strstr_len ((const char *) frame.body, frame.body_len,
                                  "max-queued-bytes-total (1048576)"));

  stats = mre_broker_dup_stats (broker);
  object = json_node_get_object (stats);
  g_assert_cmpint (json_object_get_int_member (object, "slow_disconnects"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (object, "max_queued_bytes_total"), ==, bound);
  g_assert_cmpint (json_object_get_int_member (object, "queued_bytes_peak"), <=, bound);
  g_assert_cmpint (json_object_get_int_member (object, "queued_bytes_peak"), >=, bound / 2);
  g_assert_cmpuint (test_counter_get (&received), ==, n);

  mre_peer_close (pub);
  mre_peer_close (reader);
  mre_broker_stop (broker);
  test_counter_clear (&gone);
  test_counter_clear (&received);
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(name, func) \
  g_test_add ("/broker/" name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("yell-arrives", test_yell_arrives);
  ADD ("order", test_order);
  ADD ("retained", test_retained);
  ADD ("backlog-governed-by-last-push", test_backlog_governed_by_last_push);
  ADD ("patterns-and-senders", test_patterns_and_senders);
  ADD ("connect-slot", test_connect_slot);
  ADD ("forward", test_forward);
  ADD ("publish-errors", test_publish_errors);
  ADD ("live-and-stale-socket", test_live_and_stale_socket);
  ADD ("reconnect", test_reconnect);
  ADD ("keep-track-of", test_keep_track_of);
  ADD ("future-only-skips-retained", test_future_only_skips_retained);
  ADD ("check", test_check);
  ADD ("user-loop-not-stopped", test_user_loop_not_stopped);
  ADD ("hello/blank-body", test_hello_blank_body);
#undef ADD
  g_test_add_func ("/broker/no-broker", test_no_broker);
  g_test_add_func ("/broker/limits-properties", test_limits_properties);
  g_test_add_func ("/broker/max-subscriptions", test_max_subscriptions);
  g_test_add_func ("/broker/log/counts", test_log_counts);
  g_test_add_func ("/broker/slow-reader-told", test_slow_reader_told);
  g_test_add_func ("/broker/total-bound-stalled", test_total_bound_stalled);

  return g_test_run ();
}
