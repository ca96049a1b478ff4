/* test-cross.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/*
 * Brokers and peers in separate processes, over real unix sockets. The
 * program runs its own children: `test-cross broker --socket PATH ...` is a
 * broker (also what a default-bus peer starts, through MRE_BROKER_PROGRAM),
 * `test-cross ROLE --socket PATH ...` a peer in one of the roles below.
 * Children die with the test (PR_SET_PDEATHSIG) and are killed at the end
 * of each test, also when it fails.
 */

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib/gstdio.h>

#include "mre-frame-private.h"
#include "test-util.h"
#include "test-values.h"

#define N_ORDER 100000

/* Roles ------------------------------------------------------------------ */

static char *opt_socket;
static guint opt_idle_exit;
static guint64 opt_max_queued_bytes;
static char *opt_log;
static char *opt_state_dir;

static GOptionEntry child_entries[] = {
  { "socket", 0, 0, G_OPTION_ARG_FILENAME, &opt_socket, NULL, NULL },
  { "idle-exit", 0, 0, G_OPTION_ARG_INT, &opt_idle_exit, NULL, NULL },
  { "max-queued-bytes", 0, 0, G_OPTION_ARG_INT64, &opt_max_queued_bytes, NULL, NULL },
  { "log", 0, 0, G_OPTION_ARG_FILENAME, &opt_log, NULL, NULL },
  { "state-dir", 0, 0, G_OPTION_ARG_FILENAME, &opt_state_dir, NULL, NULL },
  { NULL }
};

static void
say (const char *line)
{
  printf ("%s\n", line);
  fflush (stdout);
}

static void
quit_loop (gpointer loop)
{
  g_main_loop_quit (loop);
}

static gboolean
quit_on_signal (gpointer loop)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

/* A broker on the main context until SIGTERM, or idle exit. With --log,
 * appends its pid to that file first: the default-bus test counts them. */
static int
role_broker (void)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(MreBroker) broker = mre_broker_new (opt_socket);
  g_autoptr(MreEventLoop) event_loop = mre_event_loop_new_for_context (NULL);
  g_autoptr(GError) error = NULL;

  if (opt_log != NULL)
    {
      FILE *log = fopen (opt_log, "a");

      fprintf (log, "%d\n", (int) getpid ());
      fclose (log);
    }

  mre_object_set_event_loop (broker, event_loop);
  mre_event_loop_start (event_loop, NULL);
  mre_broker_set_idle_timeout (broker, opt_idle_exit);
  if (opt_max_queued_bytes > 0)
    mre_broker_set_max_queued_bytes (broker, opt_max_queued_bytes);
  mre_broker_set_state_directory (broker, opt_state_dir);
  g_signal_connect_swapped (broker, "idle", G_CALLBACK (quit_loop), loop);
  g_unix_signal_add (SIGTERM, quit_on_signal, loop);

  if (!mre_broker_start (broker, &error))
    {
      fprintf (stderr, "broker: %s\n", error->message);
      return 1;
    }
  say ("ready");
  g_main_loop_run (loop);
  mre_broker_stop (broker);
  return 0;
}

static MrePeer *
child_peer (const char *id)
{
  g_autoptr(GError) error = NULL;
  MrePeer *peer = opt_socket != NULL ? mre_peer_new (opt_socket, id) : mre_peer_new_default (id);

  if (!mre_peer_start (peer, NULL, &error))
    g_error ("%s: %s", id, error->message);
  return peer;
}

static void
child_subscribe (MrePeer    *peer,
                 const char *name)
{
  g_autoptr(GError) error = NULL;

  if (!mre_peer_subscribe (peer, name, NULL, NULL, &error))
    g_error ("subscribe: %s", error->message);
}

static void
child_flush (MrePeer *peer)
{
  g_autoptr(GError) error = NULL;

  if (!mre_peer_flush (peer, -1, NULL, &error))
    g_error ("flush: %s", error->message);
}

static int
role_publish_types (void)
{
  g_autoptr(MrePeer) peer = child_peer ("types-publisher");
  g_autoptr(GError) error = NULL;
  GValue values[TEST_MAX_VALUES] = { G_VALUE_INIT };
  guint n = test_make_values (values);

  if (!mre_peer_publishv (peer, "types", MRE_DELIVERY_YELL, 0, values, n, &error))
    g_error ("publish: %s", error->message);
  child_flush (peer);
  for (guint i = 0; i < n; i++)
    g_value_unset (&values[i]);
  return 0;
}

typedef struct
{
  GMainLoop *loop;
  int        status;
  guint      received;
  guint64    next_seq;
} Receiver;

static void
on_types (MrePeer  *peer,
          MreEvent *event,
          Receiver *receiver)
{
  g_autoptr(GError) error = NULL;
  GValue expected[TEST_MAX_VALUES] = { G_VALUE_INIT };
  GValue received[TEST_MAX_VALUES] = { G_VALUE_INIT };
  GType types[TEST_MAX_VALUES];
  guint n = test_make_values (expected);

  for (guint i = 0; i < n; i++)
    types[i] = G_VALUE_TYPE (&expected[i]);

  receiver->status = 0;
  if (!mre_event_get_args (event, types, n, received, &error))
    {
      fprintf (stderr, "decode: %s\n", error->message);
      receiver->status = 1;
    }
  else
    {
      g_assert_cmpstr (mre_event_get_sender (event), ==, "types-publisher");
      for (guint i = 0; i < n; i++)
        {
          if (!values_equal (&expected[i], &received[i]))
            {
              g_autofree char *e = g_strdup_value_contents (&expected[i]);
              g_autofree char *r = g_strdup_value_contents (&received[i]);

              fprintf (stderr, "argument %u (%s): sent %s, received %s\n", i + 1,
                       G_VALUE_TYPE_NAME (&expected[i]), e, r);
              receiver->status = 1;
            }
          g_value_unset (&received[i]);
        }
    }
  for (guint i = 0; i < n; i++)
    g_value_unset (&expected[i]);

  g_main_loop_quit (receiver->loop);
}

static void
on_count (MrePeer  *peer,
          MreEvent *event,
          Receiver *receiver)
{
  GType types[] = { G_TYPE_UINT };
  GValue value[1] = { G_VALUE_INIT };

  if (!mre_event_get_args (event, types, 1, value, NULL) ||
      g_value_get_uint (value) != receiver->received ||
      mre_event_get_seq (event) != receiver->next_seq)
    {
      fprintf (stderr, "event %u out of order (seq %" G_GUINT64_FORMAT ")\n",
               receiver->received, mre_event_get_seq (event));
      receiver->status = 1;
      g_main_loop_quit (receiver->loop);
      return;
    }
  receiver->received++;
  receiver->next_seq++;
  if (receiver->received == N_ORDER)
    {
      receiver->status = 0;
      g_main_loop_quit (receiver->loop);
    }
}

/* Subscribes, says "ready", and waits for the events on the main context. */
static int
role_subscribe (const char *name,
                GCallback   handler)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(MreEventLoop) event_loop = mre_event_loop_new_for_context (NULL);
  g_autoptr(MrePeer) peer = opt_socket != NULL ? mre_peer_new (opt_socket, NULL) : mre_peer_new_default (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *signal = g_strconcat ("event::", name, NULL);
  Receiver receiver = { loop, 1, 0, 1 };

  mre_object_set_event_loop (peer, event_loop);
  mre_event_loop_start (event_loop, NULL);
  if (!mre_peer_start (peer, NULL, &error))
    g_error ("start: %s", error->message);
  g_signal_connect (peer, signal, handler, &receiver);
  child_subscribe (peer, name);
  say ("ready");
  g_main_loop_run (loop);
  mre_peer_close (peer);
  return receiver.status;
}

static int
role_publish_count (void)
{
  g_autoptr(MrePeer) peer = child_peer ("counter");

  for (guint i = 0; i < N_ORDER; i++)
    {
      g_autoptr(GError) error = NULL;

      while (!mre_peer_yell (peer, "count", &error, G_TYPE_UINT, i, G_TYPE_INVALID))
        {
          if (!g_error_matches (error, MRE_ERROR, MRE_ERROR_BUSY))
            g_error ("publish: %s", error->message);
          g_clear_error (&error);
          child_flush (peer);
        }
    }
  child_flush (peer);
  return 0;
}

/* A peer of the default bus: starts, says its broker's view of the number
 * of connections, and leaves. */
static int
role_default_peer (void)
{
  g_autoptr(MrePeer) peer = child_peer (NULL);

  g_assert_cmpint (mre_peer_get_state (peer), ==, MRE_PEER_STATE_CONNECTED);
  say (mre_peer_get_path (peer));
  return 0;
}

static int
run_role (int    argc,
          char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  const char *role = argv[1];

  g_option_context_add_main_entries (context, child_entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    g_error ("%s", error->message);

  if (g_str_equal (role, "broker"))
    return role_broker ();
  if (g_str_equal (role, "publish-types"))
    return role_publish_types ();
  if (g_str_equal (role, "subscribe-types"))
    return role_subscribe ("types", G_CALLBACK (on_types));
  if (g_str_equal (role, "publish-count"))
    return role_publish_count ();
  if (g_str_equal (role, "subscribe-count"))
    return role_subscribe ("count", G_CALLBACK (on_count));
  if (g_str_equal (role, "default-peer"))
    return role_default_peer ();
  g_error ("unknown role %s", role);
}

/* The test side ---------------------------------------------------------- */

static char *self_path;

typedef struct
{
  char      *dir;
  char      *path;
  GPtrArray *children;
} Fixture;

static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

/* Starts `test-cross ROLE ARGS...`, NULL-terminated; with @wait_ready,
 * returns once it printed "ready". */
static GSubprocess *
spawn (Fixture    *f,
       gboolean    wait_ready,
       const char *role,
       ...)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  GSubprocess *child;
  va_list args;

  g_ptr_array_add (argv, self_path);
  g_ptr_array_add (argv, (char *) role);
  va_start (args, role);
  for (const char *arg = va_arg (args, const char *); arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (char *) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  child = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_ptr_array_add (f->children, child);

  if (wait_ready)
    {
      g_autoptr(GDataInputStream) out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (child));
      g_autofree char *line = g_data_input_stream_read_line (out, NULL, NULL, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (line, ==, "ready");
    }
  return child;
}

static void
assert_exit_ok (GSubprocess *child)
{
  g_autoptr(GError) error = NULL;

  g_subprocess_wait_check (child, NULL, &error);
  g_assert_no_error (error);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("mre-cross-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "sock", NULL);
  f->children = g_ptr_array_new_with_free_func (g_object_unref);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  for (guint i = 0; i < f->children->len; i++)
    {
      GSubprocess *child = g_ptr_array_index (f->children, i);

      g_subprocess_force_exit (child);
      g_subprocess_wait (child, NULL, NULL);
    }
  g_ptr_array_unref (f->children);
  g_unlink (f->path);
  g_rmdir (f->dir);
  g_free (f->path);
  g_free (f->dir);
}

static void
test_every_type (Fixture       *f,
                 gconstpointer  data)
{
  GSubprocess *subscriber;

  spawn (f, TRUE, "broker", "--socket", f->path, NULL);
  subscriber = spawn (f, TRUE, "subscribe-types", "--socket", f->path, NULL);
  assert_exit_ok (spawn (f, FALSE, "publish-types", "--socket", f->path, NULL));
  assert_exit_ok (subscriber);
}

static void
test_order (Fixture       *f,
            gconstpointer  data)
{
  GSubprocess *subscriber;

  spawn (f, TRUE, "broker", "--socket", f->path, NULL);
  subscriber = spawn (f, TRUE, "subscribe-count", "--socket", f->path, NULL);
  assert_exit_ok (spawn (f, FALSE, "publish-count", "--socket", f->path, NULL));
  assert_exit_ok (subscriber);
}

static void
wait_state (MrePeer      *peer,
            MrePeerState  state)
{
  gint64 deadline = g_get_monotonic_time () + TEST_DEADLINE_USEC;

  while (mre_peer_get_state (peer) != state)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (1000);
    }
}

static void
count_event (MrePeer     *peer,
             MreEvent    *event,
             TestCounter *counter)
{
  test_counter_inc (counter);
}

static void
test_broker_killed (Fixture       *f,
                    gconstpointer  data)
{
  GSubprocess *broker = spawn (f, TRUE, "broker", "--socket", f->path, NULL);
  g_autoptr(MrePeer) sub = mre_peer_new (f->path, "sub");
  g_autoptr(MrePeer) pub = g_object_new (MRE_TYPE_PEER, "path", f->path, "max-pending", 10, NULL);
  g_autoptr(GError) error = NULL;
  TestCounter counter;

  test_counter_init (&counter);
  g_assert_true (mre_peer_start (sub, NULL, &error));
  g_assert_true (mre_peer_start (pub, NULL, &error));
  g_signal_connect (sub, "event::after", G_CALLBACK (count_event), &counter);
  g_assert_true (mre_peer_subscribe (sub, "after", NULL, NULL, &error));
  g_assert_no_error (error);

  g_subprocess_send_signal (broker, SIGKILL);
  g_subprocess_wait (broker, NULL, NULL);
  wait_state (sub, MRE_PEER_STATE_DISCONNECTED);
  wait_state (pub, MRE_PEER_STATE_DISCONNECTED);

  /* Kept while the broker is away, up to max-pending, then a GError. */
  for (guint i = 0; i < 10; i++)
    g_assert_true (mre_peer_yell (pub, "before", &error, G_TYPE_UINT, i, G_TYPE_INVALID));
  g_assert_false (mre_peer_yell (pub, "before", &error, G_TYPE_UINT, 10, G_TYPE_INVALID));
  g_assert_error (error, MRE_ERROR, MRE_ERROR_DISCONNECTED);
  g_clear_error (&error);

  /* A new broker on the stale socket: both come back and subscribe again. */
  spawn (f, TRUE, "broker", "--socket", f->path, NULL);
  wait_state (sub, MRE_PEER_STATE_CONNECTED);
  wait_state (pub, MRE_PEER_STATE_CONNECTED);
  for (guint i = 0; i < 100; i++)
    g_assert_true (mre_peer_yell (pub, "after", &error, G_TYPE_UINT, i, G_TYPE_INVALID));
  test_counter_wait_iterating (&counter, 100);

  mre_peer_close (sub);
  mre_peer_close (pub);
  test_counter_clear (&counter);
}

static guint64
rss_kib (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", (int) pid);
  g_autofree char *status = NULL;
  const char *line;

  g_assert_true (g_file_get_contents (path, &status, NULL, NULL));
  line = strstr (status, "VmRSS:");
  g_assert_nonnull (line);
  return g_ascii_strtoull (line + strlen ("VmRSS:"), NULL, 10);
}

static gint64
stats_member (JsonNode   *stats,
              const char *name)
{
  return json_object_get_int_member (json_node_get_object (stats), name);
}

static void
send_frame (GSocket      *socket,
            MreFrameType  type,
            guint32       arg,
            const char   *name,
            const char   *body)
{
  g_autoptr(GError) error = NULL;
  MreFrame frame = { .type = type, .arg = arg, .name = name, .name_len = strlen (name),
                     .body = (const guint8 *) body, .body_len = strlen (body) };
  g_autoptr(GBytes) bytes = mre_frame_to_bytes (&frame);

  g_assert_cmpint (g_socket_send (socket, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                  NULL, &error), ==, g_bytes_get_size (bytes));
}

/* A raw connection that subscribes and then never reads. */
static GSocket *
stalled_subscriber (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) address = g_unix_socket_address_new (path);
  GSocket *socket = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, 0, &error);

  g_assert_true (g_socket_connect (socket, address, NULL, &error));
  send_frame (socket, MRE_FRAME_HELLO, 0, "stalled", "{\"protocol\":1}");
  send_frame (socket, MRE_FRAME_SUBSCRIBE, 1, "big", "");
  return socket;
}

static void
test_slow_subscriber (Fixture       *f,
                      gconstpointer  data)
{
  GSubprocess *broker = spawn (f, TRUE, "broker", "--socket", f->path,
                               "--max-queued-bytes", "4194304", NULL);
  g_autoptr(MrePeer) good = mre_peer_new (f->path, "good");
  g_autoptr(MrePeer) pub = mre_peer_new (f->path, "pub");
  g_autoptr(GSocket) stalled = NULL;
  g_autoptr(JsonNode) stats = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *payload = g_strnfill (1000, 'x');
  guint64 rss_before, rss_after;
  const guint n = 50000;  /* 50 MB of events: more than 10 times the bound */
  TestCounter counter;

  test_counter_init (&counter);
  g_assert_true (mre_peer_start (good, NULL, &error));
  g_assert_true (mre_peer_start (pub, NULL, &error));
  g_signal_connect (good, "event::big", G_CALLBACK (count_event), &counter);
  g_assert_true (mre_peer_subscribe (good, "big", NULL, NULL, &error));
  stalled = stalled_subscriber (f->path);
  /* Its subscription is in place once the good one's next one is. */
  g_assert_true (mre_peer_subscribe (good, "sync", NULL, NULL, &error));
  g_assert_no_error (error);

  rss_before = rss_kib (atoi (g_subprocess_get_identifier (broker)));
  for (guint i = 0; i < n; i++)
    {
      while (!mre_peer_yell (pub, "big", &error, G_TYPE_STRING, payload, G_TYPE_INVALID))
        {
          g_assert_error (error, MRE_ERROR, MRE_ERROR_BUSY);
          g_clear_error (&error);
          g_assert_true (mre_peer_flush (pub, -1, NULL, &error));
        }
    }
  test_counter_wait_iterating (&counter, n);
  rss_after = rss_kib (atoi (g_subprocess_get_identifier (broker)));

  stats = mre_peer_query_stats (good, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (stats_member (stats, "slow_disconnects"), ==, 1);
  g_assert_cmpint (stats_member (stats, "dropped"), >, 0);
  g_assert_cmpint (stats_member (stats, "connections"), ==, 2);
  g_test_message ("broker RSS %" G_GUINT64_FORMAT " KiB before, %" G_GUINT64_FORMAT " KiB after; "
                  "%" G_GINT64_FORMAT " events dropped for the stalled peer",
                  rss_before, rss_after, stats_member (stats, "dropped"));
  /* The bound is 4 MiB per connection; 50 MB went through. */
  g_assert_cmpuint (rss_after, <, rss_before + 32 * 1024);

  mre_peer_close (good);
  mre_peer_close (pub);
  test_counter_clear (&counter);
}

static void
test_default_bus_starts_one_broker (Fixture       *f,
                                    gconstpointer  data)
{
  g_autofree char *log = g_build_filename (f->dir, "brokers.log", NULL);
  g_autofree char *contents = NULL;
  g_autofree char *socket_path = NULL;
  g_auto(GStrv) pids = NULL;
  GSubprocess *peers[10];
  gint64 deadline;

  /* GLib's isolated runtime and state directories, for the children too. */
  g_assert_cmpint (g_mkdir_with_parents (g_get_user_runtime_dir (), 0700), ==, 0);
  g_setenv ("XDG_RUNTIME_DIR", g_get_user_runtime_dir (), TRUE);
  g_setenv ("XDG_STATE_HOME", g_get_user_state_dir (), TRUE);
  g_setenv ("MRE_BROKER_PROGRAM", self_path, TRUE);
  g_setenv ("MRE_IDLE_EXIT", "1", TRUE);
  socket_path = mre_default_socket_path ();
  g_assert_true (g_str_has_prefix (socket_path, g_getenv ("XDG_RUNTIME_DIR")));

  /* Each broker started logs its pid there (see main()). */
  g_setenv ("MRE_TEST_BROKER_LOG", log, TRUE);
  for (guint i = 0; i < G_N_ELEMENTS (peers); i++)
    peers[i] = spawn (f, FALSE, "default-peer", NULL);
  for (guint i = 0; i < G_N_ELEMENTS (peers); i++)
    assert_exit_ok (peers[i]);

  g_assert_true (g_file_get_contents (log, &contents, NULL, NULL));
  pids = g_strsplit (g_strstrip (contents), "\n", -1);
  g_assert_cmpuint (g_strv_length (pids), ==, 1);

  {
    GStatBuf st;
    g_autofree char *dir = g_path_get_dirname (socket_path);

    g_assert_cmpint (g_stat (dir, &st), ==, 0);
    g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  }

  /* The default bus keeps its store in a directory of its socket's own,
   * $XDG_STATE_HOME/mreventloop/default-HASH. */
  {
    g_autofree char *state = g_build_filename (g_get_user_state_dir (), "mreventloop", NULL);
    g_autoptr(GDir) dir = g_dir_open (state, 0, NULL);
    const char *name;
    g_autofree char *store = NULL;

    g_assert_nonnull (dir);
    name = g_dir_read_name (dir);
    g_assert_nonnull (name);
    g_assert_true (g_str_has_prefix (name, "default-"));
    g_assert_null (g_dir_read_name (dir));
    store = g_build_filename (state, name, "store.db", NULL);
    g_assert_true (g_file_test (store, G_FILE_TEST_IS_REGULAR));
  }

  /* The last peer left: the broker exits after its idle time, and its
   * socket goes with it. */
  deadline = g_get_monotonic_time () + TEST_DEADLINE_USEC;
  while (g_file_test (socket_path, G_FILE_TEST_EXISTS))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (10000);
    }
  g_unsetenv ("MRE_BROKER_PROGRAM");
  g_unsetenv ("MRE_TEST_BROKER_LOG");
}

int
main (int   argc,
      char *argv[])
{
  if (argc > 1 && argv[1][0] != '-')
    {
      /* A broker started by a default-bus peer gets no --log: it comes
       * through the environment. */
      if (g_getenv ("MRE_TEST_BROKER_LOG") != NULL && g_str_equal (argv[1], "broker"))
        opt_log = g_strdup (g_getenv ("MRE_TEST_BROKER_LOG"));
      return run_role (argc, argv);
    }

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  self_path = g_canonicalize_filename (argv[0], NULL);

#define ADD(name, func) \
  g_test_add ("/cross/" name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("every-type", test_every_type);
  ADD ("order", test_order);
  ADD ("broker-killed", test_broker_killed);
  ADD ("slow-subscriber", test_slow_subscriber);
  ADD ("default-bus-starts-one-broker", test_default_bus_starts_one_broker);
#undef ADD

  return g_test_run ();
}
