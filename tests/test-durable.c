/* test-durable.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Durable push with MrePeer and MreBroker in one process, over real unix
 * sockets: flush waits for the broker's acknowledgements, a broker
 * restarted on its state directory keeps what it retained, and a stream of
 * pushes across that restart reaches a subscriber exactly once and in
 * order. The same with SIGKILL and other processes: test-durable.py and
 * test-faults.py. */

#include <glib/gstdio.h>

#include "test-util.h"

typedef struct
{
  char      *dir;
  char      *path;
  char      *state;
  MreBroker *broker;

  GMutex     lock;
  GArray    *received;  /* guint: the argument of each event, in order */
} Fixture;

static MreBroker *
start_broker (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  MreBroker *broker = mre_broker_new (f->path);

  mre_broker_set_state_directory (broker, f->state);
  mre_broker_start (broker, &error);
  g_assert_no_error (error);
  return broker;
}

static void
stop_broker (Fixture *f)
{
  mre_broker_stop (f->broker);
  g_clear_object (&f->broker);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("mre-durable-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "bus.sock", NULL);
  f->state = g_build_filename (f->dir, "state", NULL);
  f->broker = start_broker (f);
  g_mutex_init (&f->lock);
  f->received = g_array_new (FALSE, FALSE, sizeof (guint));
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_tree (child);
      else
        g_assert_cmpint (g_unlink (child), ==, 0);
    }
  g_assert_cmpint (g_rmdir (path), ==, 0);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  if (f->broker != NULL)
    stop_broker (f);
  remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->path);
  g_free (f->state);
  g_mutex_clear (&f->lock);
  g_array_unref (f->received);
}

static MrePeer *
start_peer (Fixture    *f,
            const char *id)
{
  g_autoptr(GError) error = NULL;
  MrePeer *peer = mre_peer_new (f->path, id);

  mre_peer_start (peer, NULL, &error);
  g_assert_no_error (error);
  return peer;
}

static void
record_event (MrePeer  *peer,
              MreEvent *event,
              Fixture  *f)
{
  g_autoptr(GError) error = NULL;
  GValue *arg = mre_event_dup_arg (event, 0, G_TYPE_UINT, &error);
  guint n;

  g_assert_no_error (error);
  n = g_value_get_uint (arg);
  g_boxed_free (G_TYPE_VALUE, arg);
  g_mutex_lock (&f->lock);
  g_array_append_val (f->received, n);
  g_mutex_unlock (&f->lock);
}

typedef struct
{
  Fixture *f;
  guint    n;
} ReceivedTarget;

static gboolean
received_reached (gpointer data)
{
  ReceivedTarget *target = data;
  gboolean reached;

  g_mutex_lock (&target->f->lock);
  reached = target->f->received->len >= target->n;
  g_mutex_unlock (&target->f->lock);

  return reached;
}

/* Waits until @n events were received, running this thread's context,
 * where the peers made here emit them; fails past the deadline. */
static void
wait_received (Fixture *f,
               guint    n)
{
  ReceivedTarget target = { f, n };

  test_iterate_until_deadline (received_reached, &target);
}

static void
push (MrePeer *peer,
      guint    n)
{
  g_autoptr(GError) error = NULL;

  mre_peer_push (peer, "n", MRE_BACKLOG_UNBOUNDED, &error, G_TYPE_UINT, n, G_TYPE_INVALID);
  g_assert_no_error (error);
}

static void
wait_connected (MrePeer *peer)
{
  gint64 deadline = g_get_monotonic_time () + TEST_DEADLINE_USEC;

  while (mre_peer_get_state (peer) != MRE_PEER_STATE_CONNECTED)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (1000);
    }
}

static gint64
stats_member (MreBroker  *broker,
              const char *member)
{
  g_autoptr(JsonNode) stats = mre_broker_dup_stats (broker);

  return json_object_get_int_member (json_node_get_object (stats), member);
}

static gint64
retained_count (MreBroker *broker)
{
  g_autoptr(JsonNode) stats = mre_broker_dup_stats (broker);
  JsonObject *retained = json_object_get_object_member (json_node_get_object (stats), "retained");

  return json_object_get_int_member_with_default (retained, "n", 0);
}

/* Tests ------------------------------------------------------------------ */

static void
test_flush_waits_for_acks (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(MrePeer) pub = start_peer (f, "pub");
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < 5000; i++)
    push (pub, i);
  mre_peer_yell (pub, "loud", &error, G_TYPE_INVALID);
  g_assert_no_error (error);
  mre_peer_flush (pub, -1, NULL, &error);
  g_assert_no_error (error);

  /* Acknowledged: stored, no waiting. */
  g_assert_cmpint (retained_count (f->broker), ==, 5000);
  g_assert_cmpint (stats_member (f->broker, "push_duplicates"), ==, 0);
  g_assert_cmpint (stats_member (f->broker, "sessions"), ==, 1);
}

static void
test_restart_keeps_retained (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(MrePeer) pub = start_peer (f, "pub");
  g_autoptr(MrePeer) late = NULL;
  g_autoptr(MreBroker) second = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < 10; i++)
    {
      mre_peer_push (pub, "n", 4, &error, G_TYPE_UINT, i, G_TYPE_INVALID);
      g_assert_no_error (error);
    }
  mre_peer_flush (pub, -1, NULL, &error);
  g_assert_no_error (error);
  stop_broker (f);
  f->broker = start_broker (f);
  g_assert_cmpint (retained_count (f->broker), ==, 4);

  /* One broker per state directory. */
  {
    g_autofree char *other = g_build_filename (f->dir, "other.sock", NULL);

    second = mre_broker_new (other);
    mre_broker_set_state_directory (second, f->state);
    g_assert_false (mre_broker_start (second, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_BUSY);
    g_clear_error (&error);
  }

  late = start_peer (f, "late");
  g_signal_connect (late, "event::n", G_CALLBACK (record_event), f);
  mre_peer_subscribe (late, "n", NULL, NULL, &error);
  g_assert_no_error (error);
  wait_received (f, 4);
  for (guint i = 0; i < 4; i++)
    g_assert_cmpuint (g_array_index (f->received, guint, i), ==, 6 + i);
}

/* Pushes go on while the broker stops and a new one starts on the same
 * state directory: the publisher sends again what was not acknowledged,
 * the subscriber's replay starts where it was, and each push arrives
 * once, in order. */
static void
test_restart_exactly_once (Fixture       *f,
                           gconstpointer  data)
{
  const guint n = 4000;
  g_autoptr(MrePeer) sub = start_peer (f, "sub");
  g_autoptr(MrePeer) pub = start_peer (f, "pub");
  g_autoptr(GError) error = NULL;

  g_signal_connect (sub, "event::n", G_CALLBACK (record_event), f);
  mre_peer_subscribe (sub, "n", NULL, NULL, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < n / 2; i++)
    push (pub, i);
  /* Some arrived, the rest are on their way. */
  wait_received (f, n / 8);
  stop_broker (f);
  for (guint i = n / 2; i < 3 * n / 4; i++)
    push (pub, i);
  f->broker = start_broker (f);
  for (guint i = 3 * n / 4; i < n; i++)
    push (pub, i);
  wait_connected (pub);
  mre_peer_flush (pub, -1, NULL, &error);
  g_assert_no_error (error);

  wait_received (f, n);
  /* Anything more would be a duplicate: one more round trip to be sure. */
  {
    g_autoptr(JsonNode) stats = mre_peer_query_stats (sub, NULL, &error);

    g_assert_no_error (error);
  }
  g_mutex_lock (&f->lock);
  g_assert_cmpuint (f->received->len, ==, n);
  for (guint i = 0; i < n; i++)
    g_assert_cmpuint (g_array_index (f->received, guint, i), ==, i);
  g_mutex_unlock (&f->lock);
  g_assert_cmpint (retained_count (f->broker), ==, n);
}

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              guint      *count)
{
  (*count)++;
}

static void
test_state_directory_property (void)
{
  g_autoptr(MreBroker) broker = mre_broker_new ("/nonexistent/bus.sock");
  g_autofree char *dir = NULL;
  guint notified = 0;

  g_assert_null (mre_broker_get_state_directory (broker));
  g_signal_connect (broker, "notify::state-directory", G_CALLBACK (count_notify), &notified);
  mre_broker_set_state_directory (broker, "/var/lib/x");
  mre_broker_set_state_directory (broker, "/var/lib/x");
  g_assert_cmpstr (mre_broker_get_state_directory (broker), ==, "/var/lib/x");
  g_object_get (broker, "state-directory", &dir, NULL);
  g_assert_cmpstr (dir, ==, "/var/lib/x");
  g_object_set (broker, "state-directory", NULL, NULL);
  g_assert_null (mre_broker_get_state_directory (broker));
  g_assert_cmpuint (notified, ==, 2);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(name, func) \
  g_test_add ("/durable/" name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("flush-waits-for-acks", test_flush_waits_for_acks);
  ADD ("restart-keeps-retained", test_restart_keeps_retained);
  ADD ("restart-exactly-once", test_restart_exactly_once);
#undef ADD
  g_test_add_func ("/durable/state-directory-property", test_state_directory_property);

  return g_test_run ();
}
