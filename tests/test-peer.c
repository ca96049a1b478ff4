/* test-peer.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* MrePeer's own cases (issue 10): the broker's frame size limit, refusals
 * of events in flight, flush with a timeout against a broker frozen with
 * SIGSTOP, MrePeer::lost against a fake broker, addresses, and the
 * default bus's autostart with real broker processes (the tool named by
 * $MREVENTLOOP_TOOL). Issue 11: where a peer emits its signals. */

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "mre-frame-private.h"
#include "test-util.h"

typedef struct
{
  char        *dir;
  char        *path;
  MreBroker   *broker;       /* in this process, or NULL */
  GSubprocess *process;      /* a broker process (maybe SIGSTOPped), or NULL */
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("mre-peer-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "bus.sock", NULL);
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    {
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          remove_tree (child);
        }
      g_rmdir (path);
    }
  else
    g_unlink (path);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  if (f->process != NULL)
    {
      /* Always running again before it is killed: a frozen broker would
       * outlive the test otherwise. */
      kill (atoi (g_subprocess_get_identifier (f->process)), SIGCONT);
      g_subprocess_force_exit (f->process);
      g_subprocess_wait (f->process, NULL, NULL);
      g_clear_object (&f->process);
    }
  if (f->broker != NULL)
    {
      mre_broker_stop (f->broker);
      g_clear_object (&f->broker);
    }
  remove_tree (f->dir);
  g_free (f->path);
  g_free (f->dir);
}

static void
start_broker (Fixture *f,
              guint    max_frame_size)
{
  g_autoptr(GError) error = NULL;

  f->broker = mre_broker_new (f->path);
  if (max_frame_size > 0)
    mre_broker_set_max_frame_size (f->broker, max_frame_size);
  mre_broker_start (f->broker, &error);
  g_assert_no_error (error);
}

static const char *
tool_path (void)
{
  const char *tool = g_getenv ("MREVENTLOOP_TOOL");

  g_assert_nonnull (tool);
  return tool;
}

/* `mreventloop broker --socket PATH [--state-dir DIR]` as a process of
 * its own, once it accepts connections. */
static void
spawn_broker_in (Fixture    *f,
                 const char *state_dir)
{
  g_autoptr(GError) error = NULL;

  f->process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error,
                                 tool_path (), "broker", "--socket", f->path,
                                 state_dir != NULL ? "--state-dir" : NULL, state_dir, NULL);
  g_assert_no_error (error);

  test_wait_for_broker (f->process, f->path);
}

static void
spawn_broker (Fixture *f)
{
  spawn_broker_in (f, NULL);
}

/* SIGSTOP, and wait until the broker has stopped: kill() returns before
 * a process running on another CPU stops. GIO's child watch reaps it
 * without WUNTRACED, so the stop is reported here. */
static void
freeze_broker (Fixture *f)
{
  pid_t pid = atoi (g_subprocess_get_identifier (f->process));
  int status = 0;

  g_assert_cmpint (kill (pid, SIGSTOP), ==, 0);
  while (waitpid (pid, &status, WUNTRACED) < 0)
    g_assert_cmpint (errno, ==, EINTR);
  g_assert_true (WIFSTOPPED (status));
}

static MrePeer *
start_peer (const char *path,
            const char *id)
{
  g_autoptr(GError) error = NULL;
  MrePeer *peer = mre_peer_new (path, id);

  mre_peer_start (peer, NULL, &error);
  g_assert_no_error (error);
  return peer;
}

static char *
big_params (gsize len)
{
  GString *params = g_string_new ("[\"");

  for (gsize i = 0; i < len; i++)
    g_string_append_c (params, 'y');
  g_string_append (params, "\"]");
  return g_string_free (params, FALSE);
}

static gint64
stat_of (MrePeer    *peer,
         const char *member)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) stats = mre_peer_query_stats (peer, NULL, &error);

  g_assert_no_error (error);
  return json_object_get_int_member (json_node_get_object (stats), member);
}

/* Item 1: the broker's max_frame_size ---------------------------------------- */

static void
test_frame_size_of_broker (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(MrePeer) peer = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *big = big_params (100000);
  g_autofree char *fits = big_params (60000);
  guint peer_max;

  g_test_bug ("10");
  start_broker (f, 65536);
  peer = start_peer (f->path, "big");
  g_object_get (peer, "max-frame-size", &peer_max, NULL);
  g_assert_cmpuint (peer_max, ==, MRE_FRAME_DEFAULT_MAX);

  /* Refused at once, naming both sizes; nothing reaches the broker. */
  g_assert_false (mre_peer_publish_json (peer, "big", MRE_DELIVERY_YELL, 0, big, &error));
  g_assert_error (error, MRE_ERROR, MRE_ERROR_FRAME_TOO_LARGE);
  g_assert_nonnull (strstr (error->message, "100"));
  g_assert_nonnull (strstr (error->message, " 65536 "));
  g_assert_nonnull (strstr (error->message, "“big”"));
  g_clear_error (&error);
  g_assert_false (mre_peer_publish_json (peer, "big", MRE_DELIVERY_PUSH, 1, big, &error));
  g_assert_error (error, MRE_ERROR, MRE_ERROR_FRAME_TOO_LARGE);
  g_clear_error (&error);

  /* What fits goes. */
  g_assert_true (mre_peer_publish_json (peer, "fits", MRE_DELIVERY_YELL, 0, fits, &error));
  g_assert_no_error (error);
  g_assert_true (mre_peer_flush (peer, -1, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (stat_of (peer, "events_in"), ==, 1);
  g_assert_cmpint (stat_of (peer, "rejected"), ==, 0);
  mre_peer_close (peer);
}

/* Events published before the peer knew the broker's limit are sent, and
 * refused by the broker: the flush says so, for a yell and for a push. */
static void
test_refused_in_flight (Fixture       *f,
                        gconstpointer  data)
{
  MreDelivery delivery = GPOINTER_TO_INT (data);
  g_autoptr(MrePeer) peer = mre_peer_new (f->path, "early");
  g_autoptr(GError) error = NULL;
  g_autofree char *big = big_params (100000);

  g_test_bug ("10");
  start_broker (f, 65536);

  g_assert_true (mre_peer_publish_json (peer, "early.big", delivery, 0, big, &error));
  g_assert_no_error (error);
  g_assert_true (mre_peer_publish_json (peer, "early.small", delivery, 0, "[1]", &error));
  g_assert_no_error (error);
  mre_peer_start (peer, NULL, &error);
  g_assert_no_error (error);

  g_assert_false (mre_peer_flush (peer, -1, NULL, &error));
  g_assert_error (error, MRE_ERROR, MRE_ERROR_FRAME_TOO_LARGE);
  g_assert_nonnull (strstr (error->message, "“early.big”"));
  g_assert_nonnull (strstr (error->message, "65536"));
  g_clear_error (&error);

  /* Told once; the small one went through. */
  g_assert_true (mre_peer_flush (peer, -1, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (stat_of (peer, "events_in"), ==, 1);
  g_assert_cmpint (stat_of (peer, "rejected"), ==, 1);
  mre_peer_close (peer);
}

/* Item 9: flush with a timeout, close that never waits ---------------------- */

static void
test_flush_timeout_frozen_broker (Fixture       *f,
                                  gconstpointer  data)
{
  g_autoptr(MrePeer) peer = NULL;
  g_autoptr(GError) error = NULL;
  guint timeout;

  g_test_bug ("10");
  spawn_broker (f);
  peer = start_peer (f->path, "frozen");

  g_object_get (peer, "flush-timeout", &timeout, NULL);
  g_assert_cmpuint (timeout, ==, 25000);

  freeze_broker (f);

  g_assert_true (mre_peer_yell (peer, "while.frozen", &error, G_TYPE_INT, 1, G_TYPE_INVALID));
  g_assert_true (mre_peer_push (peer, "while.frozen", 1, &error, G_TYPE_INT, 2, G_TYPE_INVALID));
  g_assert_no_error (error);

  /* The argument, then the property. */
  g_assert_false (mre_peer_flush (peer, 100, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_nonnull (strstr (error->message, " 2 events "));
  g_assert_nonnull (strstr (error->message, "100 ms"));
  g_clear_error (&error);

  mre_peer_set_flush_timeout (peer, 50);
  g_assert_false (mre_peer_flush (peer, -1, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_nonnull (strstr (error->message, " 2 events "));
  g_clear_error (&error);

  /* Returns with the broker still frozen. */
  mre_peer_close (peer);
  g_assert_cmpint (mre_peer_get_state (peer), ==, MRE_PEER_STATE_CLOSED);
}

static void
test_flush_cancelled (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(MrePeer) peer = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;

  spawn_broker (f);
  peer = start_peer (f->path, "cancelled");
  freeze_broker (f);

  g_assert_true (mre_peer_push (peer, "while.frozen", 1, &error, G_TYPE_INT, 2, G_TYPE_INVALID));
  g_cancellable_cancel (cancellable);
  g_assert_false (mre_peer_flush (peer, G_MAXINT, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  mre_peer_close (peer);
}

/* Item 5: MrePeer::lost, against a fake broker ------------------------------ */

typedef struct
{
  GSocket *listener;
  GThread *thread;
  char    *error_body;   /* sent after the WELCOME, then the connection closed */
} FakeBroker;

static gboolean
read_frame (GSocket   *socket,
            GByteArray *buffer,
            MreFrame  *frame)
{
  gsize size;

  for (;;)
    {
      guint8 chunk[4096];
      gssize n;
      MreFrameParse parsed = mre_frame_parse (buffer->data, buffer->len, MRE_FRAME_DEFAULT_MAX,
                                              frame, &size, NULL);

      if (parsed == MRE_FRAME_PARSE_OK)
        return TRUE;  /* the only frame read: its bytes stay */
      g_assert_cmpint (parsed, ==, MRE_FRAME_PARSE_NEED_MORE);
      n = g_socket_receive (socket, (char *) chunk, sizeof chunk, NULL, NULL);
      if (n <= 0)
        return FALSE;
      g_byte_array_append (buffer, chunk, n);
    }
}

static void
send_frame (GSocket        *socket,
            const MreFrame *frame)
{
  g_autoptr(GBytes) bytes = mre_frame_to_bytes (frame);
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);

  g_assert_cmpint (g_socket_send (socket, data, len, NULL, NULL), ==, (gssize) len);
}

static gpointer
fake_broker_run (gpointer data)
{
  FakeBroker *fake = data;
  g_autoptr(GSocket) socket = g_socket_accept (fake->listener, NULL, NULL);
  g_autoptr(GByteArray) buffer = g_byte_array_new ();
  const char *welcome = "{\"protocol\":1,\"max_frame_size\":16777216,\"broker\":\"fake\",\"store\":\"s\"}";
  MreFrame frame = { 0 };

  g_assert_nonnull (socket);
  g_socket_set_blocking (socket, TRUE);
  g_assert_true (read_frame (socket, buffer, &frame));
  g_assert_cmpint (frame.type, ==, MRE_FRAME_HELLO);

  memset (&frame, 0, sizeof frame);
  frame.type = MRE_FRAME_WELCOME;
  frame.name = "slowpoke";
  frame.name_len = strlen ("slowpoke");
  frame.body = (const guint8 *) welcome;
  frame.body_len = strlen (welcome);
  send_frame (socket, &frame);

  /* As the broker does it (docs/PROTOCOL.md): arg 0, seq 0, no name. */
  memset (&frame, 0, sizeof frame);
  frame.type = MRE_FRAME_ERROR;
  frame.body = (const guint8 *) fake->error_body;
  frame.body_len = strlen (fake->error_body);
  send_frame (socket, &frame);

  g_socket_close (socket, NULL);
  return NULL;
}

static void
fake_broker_start (Fixture    *f,
                   FakeBroker *fake,
                   const char *error_body)
{
  g_autoptr(GSocketAddress) address = g_unix_socket_address_new (f->path);
  g_autoptr(GError) error = NULL;

  fake->listener = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, 0, &error);
  g_assert_no_error (error);
  g_socket_bind (fake->listener, address, FALSE, &error);
  g_assert_no_error (error);
  g_socket_listen (fake->listener, &error);
  g_assert_no_error (error);
  fake->error_body = g_strdup (error_body);
  fake->thread = g_thread_new ("fake broker", fake_broker_run, fake);
}

static void
fake_broker_stop (FakeBroker *fake)
{
  g_thread_join (fake->thread);
  g_socket_close (fake->listener, NULL);
  g_clear_object (&fake->listener);
  g_free (fake->error_body);
}

/* A peer on a context this thread runs, not reconnecting; not started. */
static MrePeer *
bound_peer (Fixture      *f,
            GMainContext *context)
{
  g_autoptr(MreEventLoop) loop = mre_event_loop_new_for_context (context);
  MrePeer *peer = g_object_new (MRE_TYPE_PEER, "path", f->path, "reconnect", FALSE, NULL);

  mre_object_set_event_loop (peer, loop);
  return peer;
}

typedef struct
{
  guint    n;
  guint64  dropped;
  char    *message;
} Lost;

static void
on_lost (MrePeer    *peer,
         guint64     dropped,
         const char *message,
         Lost       *lost)
{
  lost->n++;
  lost->dropped = dropped;
  g_free (lost->message);
  lost->message = g_strdup (message);
}

static const char slow_reader_body[] =
  "{\"code\":\"slow-reader\",\"message\":\"it does not read: 226265 events dropped "
  "(max-queued-bytes)\",\"dropped\":226265}";

static void
test_lost_signal (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(MrePeer) peer = NULL;
  g_autoptr(GError) error = NULL;
  FakeBroker fake = { NULL, };
  Lost lost = { 0, };

  g_test_bug ("10");
  fake_broker_start (f, &fake, slow_reader_body);
  peer = bound_peer (f, context);
  g_signal_connect (peer, "lost", G_CALLBACK (on_lost), &lost);
  mre_peer_start (peer, NULL, &error);
  g_assert_no_error (error);

  test_iterate_until (context, mre_peer_get_state (peer) == MRE_PEER_STATE_DISCONNECTED);
  g_assert_cmpuint (lost.n, ==, 1);
  g_assert_cmpuint (lost.dropped, ==, 226265);
  g_assert_cmpstr (lost.message, ==, "it does not read: 226265 events dropped (max-queued-bytes)");

  mre_peer_close (peer);
  fake_broker_stop (&fake);
  g_free (lost.message);
}

static void
test_lost_unhandled_warns (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(MrePeer) peer = NULL;
  g_autoptr(GError) error = NULL;
  FakeBroker fake = { NULL, };

  g_test_bug ("10");
  fake_broker_start (f, &fake, slow_reader_body);
  g_test_expect_message ("Mre", G_LOG_LEVEL_WARNING,
                         "The broker dropped 226265 events for peer slowpoke: it does not read:*");
  peer = bound_peer (f, context);
  mre_peer_start (peer, NULL, &error);
  g_assert_no_error (error);
  test_iterate_until (context, mre_peer_get_state (peer) == MRE_PEER_STATE_DISCONNECTED);
  g_test_assert_expected_messages ();

  mre_peer_close (peer);
  fake_broker_stop (&fake);
}

/* Issue 11, item 3: a peer's signals where the program runs --------------------- */

/* What a peer made on a thread of the test emitted, seen from its handlers. */
typedef struct
{
  Fixture      *f;
  MrePeer      *producer;     /* made on the main thread, started */
  GThread      *thread;       /* the thread that made the peer */
  GMainContext *context;      /* the context it pushed before */
  TestLog       log;          /* in the signal context, in order */
  TestLog       received;     /* MrePeer::received */
  int           misplaced;    /* atomic: handlers that ran anywhere else */
} SignalSeen;

static void
signal_seen_init (SignalSeen *seen,
                  Fixture    *f)
{
  memset (seen, 0, sizeof *seen);
  seen->f = f;
  test_log_init (&seen->log);
  test_log_init (&seen->received);
}

static void
signal_seen_clear (SignalSeen *seen)
{
  test_log_clear (&seen->log);
  test_log_clear (&seen->received);
}

/* Where every handler of the peer's own signals must run: on the thread
 * that made it, dispatching the context that thread had pushed. */
static void
check_signal_context (SignalSeen *seen)
{
  if (g_thread_self () != seen->thread || !g_main_context_is_owner (seen->context))
    g_atomic_int_inc (&seen->misplaced);
}

static void
seen_event (MrePeer    *peer,
            MreEvent   *event,
            SignalSeen *seen)
{
  g_autofree char *params = mre_event_dup_params_json (event, NULL);

  check_signal_context (seen);
  test_log_add (&seen->log, "event %s%s %s", mre_event_get_retained (event) ? "R " : "",
                mre_event_get_name (event), params);
}

static void
seen_received (MrePeer    *peer,
               MreEvent   *event,
               SignalSeen *seen)
{
  g_autofree char *params = mre_event_dup_params_json (event, NULL);

  /* The peer's own thread, which runs its own context. */
  if (g_thread_self () == seen->thread || g_main_context_is_owner (seen->context))
    g_atomic_int_inc (&seen->misplaced);
  test_log_add (&seen->received, "%s %s", mre_event_get_name (event), params);
}

static void
seen_state (MrePeer      *peer,
            MrePeerState  state,
            const GError *error,
            SignalSeen   *seen)
{
  static const char *const names[] = { "disconnected", "connecting", "connected", "closed" };

  check_signal_context (seen);
  test_log_add (&seen->log, "state %s%s", names[state], error != NULL ? " (error)" : "");
}

static void
seen_notify (MrePeer    *peer,
             GParamSpec *pspec,
             SignalSeen *seen)
{
  check_signal_context (seen);
  test_log_add (&seen->log, "notify %s", g_param_spec_get_name (pspec));
}

static void
seen_lost (MrePeer    *peer,
           guint64     dropped,
           const char *message,
           SignalSeen *seen)
{
  check_signal_context (seen);
  test_log_add (&seen->log, "lost %" G_GUINT64_FORMAT, dropped);
}

/* A peer made on the calling thread, after it pushed a context of its own
 * (in seen), not reconnecting, with a handler on each of its signals. */
static MrePeer *
seen_peer_new (SignalSeen *seen,
               const char *id)
{
  MrePeer *peer;

  seen->thread = g_thread_self ();
  seen->context = g_main_context_new ();
  g_main_context_push_thread_default (seen->context);
  peer = g_object_new (MRE_TYPE_PEER, "path", seen->f->path, "id", id, "reconnect", FALSE, NULL);
  g_signal_connect (peer, "event", G_CALLBACK (seen_event), seen);
  g_signal_connect (peer, "received", G_CALLBACK (seen_received), seen);
  g_signal_connect (peer, "state-changed", G_CALLBACK (seen_state), seen);
  g_signal_connect (peer, "notify::state", G_CALLBACK (seen_notify), seen);
  g_signal_connect (peer, "lost", G_CALLBACK (seen_lost), seen);
  return peer;
}

static void
seen_peer_free (SignalSeen *seen,
                MrePeer    *peer)
{
  g_object_unref (peer);
  g_main_context_pop_thread_default (seen->context);
  g_main_context_unref (seen->context);
}

typedef struct
{
  TestLog *log;
  guint    n;
} LogTarget;

static gboolean
log_reached (gpointer data)
{
  LogTarget *target = data;

  return test_log_count (target->log) >= target->n;
}

static void
iterate_until_logged (TestLog *log,
                      guint    n)
{
  LogTarget target = { log, n };

  test_iterate_until_deadline (log_reached, &target);
}

static gpointer
signal_context_events_run (gpointer data)
{
  SignalSeen *seen = data;
  g_autoptr(GError) error = NULL;
  MrePeer *peer = seen_peer_new (seen, "made-on-a-thread");

  /* A synchronous call made on this thread emits what it caused before
   * it returns: the state changes of start(), the retained event that
   * subscribe() replays. */
  g_assert_true (mre_peer_start (peer, NULL, &error));
  g_assert_cmpuint (test_log_count (&seen->log), ==, 4);
  g_assert_true (mre_peer_subscribe (peer, "tick", NULL, NULL, &error));
  g_assert_cmpuint (test_log_count (&seen->log), ==, 5);
  g_assert_true (mre_peer_subscribe (peer, "tock", NULL, NULL, &error));

  /* The others come when this thread runs its context. */
  mre_peer_yell (seen->producer, "tick", &error, G_TYPE_INT, 1, G_TYPE_INVALID);
  mre_peer_yell (seen->producer, "tock", &error, G_TYPE_INT, 2, G_TYPE_INVALID);
  mre_peer_yell (seen->producer, "tick", &error, G_TYPE_INT, 3, G_TYPE_INVALID);
  g_assert_no_error (error);
  iterate_until_logged (&seen->log, 8);

  /* The broker goes away: the state changes come after the events. */
  g_subprocess_force_exit (seen->f->process);
  g_subprocess_wait (seen->f->process, NULL, NULL);
  g_clear_object (&seen->f->process);
  iterate_until_logged (&seen->log, 10);
  mre_peer_close (peer);

  test_log_assert (&seen->log,
                   "notify state", "state connecting", "notify state", "state connected",
                   "event R tick [0]",
                   "event tick [1]", "event tock [2]", "event tick [3]",
                   "notify state", "state disconnected (error)",
                   "notify state", "state closed");
  test_log_assert (&seen->received, "tick [0]", "tick [1]", "tock [2]", "tick [3]");
  seen_peer_free (seen, peer);
  return NULL;
}

/* A peer not bound to a loop emits its signals in the thread-default
 * context of the thread that made it, in the order things happened;
 * MrePeer::received comes on the peer's own thread. */
static void
test_signal_context_events (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  SignalSeen seen;

  g_test_bug ("11");
  signal_seen_init (&seen, f);
  spawn_broker (f);
  seen.producer = start_peer (f->path, "producer");
  mre_peer_push (seen.producer, "tick", 1, &error, G_TYPE_INT, 0, G_TYPE_INVALID);
  g_assert_no_error (error);
  g_assert_true (mre_peer_flush (seen.producer, -1, NULL, &error));

  g_thread_join (g_thread_new ("signal context", signal_context_events_run, &seen));
  g_assert_cmpint (g_atomic_int_get (&seen.misplaced), ==, 0);

  mre_peer_close (seen.producer);
  g_object_unref (seen.producer);
  signal_seen_clear (&seen);
}

static gpointer
signal_context_lost_run (gpointer data)
{
  SignalSeen *seen = data;
  g_autoptr(GError) error = NULL;
  MrePeer *peer = seen_peer_new (seen, NULL);

  g_assert_true (mre_peer_start (peer, NULL, &error));
  iterate_until_logged (&seen->log, 7);
  test_log_assert (&seen->log,
                   "notify state", "state connecting", "notify state", "state connected",
                   "lost 226265", "notify state", "state disconnected (error)");
  mre_peer_close (peer);
  seen_peer_free (seen, peer);
  return NULL;
}

/* MrePeer::lost, in the signal context, in order with the state changes. */
static void
test_signal_context_lost (Fixture       *f,
                          gconstpointer  data)
{
  FakeBroker fake = { NULL, };
  SignalSeen seen;

  g_test_bug ("11");
  signal_seen_init (&seen, f);
  fake_broker_start (f, &fake, slow_reader_body);
  g_thread_join (g_thread_new ("signal context", signal_context_lost_run, &seen));
  g_assert_cmpint (g_atomic_int_get (&seen.misplaced), ==, 0);
  fake_broker_stop (&fake);
  signal_seen_clear (&seen);
}

/* A consumer whose slot takes the argument of an event. */

typedef struct
{
  GObject      parent_instance;
  TestLog      log;
  TestCounter  calls;
} Taker;

typedef struct
{
  GObjectClass parent_class;
} TakerClass;

GType taker_get_type (void);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Taker, g_object_unref)
G_DEFINE_TYPE (Taker, taker, G_TYPE_OBJECT)

static gboolean
taker_take (Taker       *self,
            const char  *what,
            GError     **error)
{
  test_log_add (&self->log, "%s", what);
  test_counter_inc (&self->calls);
  return TRUE;
}

static void
taker_finalize (GObject *object)
{
  Taker *self = (Taker *) object;

  test_log_clear (&self->log);
  test_counter_clear (&self->calls);
  G_OBJECT_CLASS (taker_parent_class)->finalize (object);
}

static void
taker_class_init (TakerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = taker_finalize;
  mre_slot_install (G_TYPE_FROM_CLASS (klass), "take", G_CALLBACK (taker_take), 0, 1, G_TYPE_STRING);
}

static void
taker_init (Taker *self)
{
  test_log_init (&self->log);
  test_counter_init (&self->calls);
}

static void
log_event_name (MrePeer  *peer,
                MreEvent *event,
                TestLog  *log)
{
  test_log_add (log, "%s", mre_event_get_name (event));
}

typedef struct
{
  MrePeer *peer;
  MrePeer *producer;
  GQuark   detail;
} YellWhenWaited;

/* Yells "wanted" once mre_wait_for() has connected, which it does to
 * MrePeer::received, on the peer's thread. */
static gpointer
yell_when_waited (gpointer data)
{
  YellWhenWaited *yw = data;
  g_autoptr(GError) error = NULL;

  while (!g_signal_has_handler_pending (yw->peer, g_signal_lookup ("received", MRE_TYPE_PEER),
                                        yw->detail, FALSE))
    g_usleep (1000);
  g_assert_true (mre_peer_yell (yw->producer, "wanted", &error, G_TYPE_STRING, "w", G_TYPE_INVALID));
  return NULL;
}

/* mre_connect(), mre_wait_for() and mre_disconnect() to "event::NAME" of
 * a peer take the events as they arrive: nothing waits for the signal
 * context, which nobody runs here, and nothing is queued there unless a
 * handler of that event is connected. */
static void
test_signal_context_queued_forms (Fixture       *f,
                                  gconstpointer  data)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(MreEventLoop) loop = mre_event_loop_new ();
  g_autoptr(Taker) taker = g_object_new (taker_get_type (), NULL);
  g_autoptr(MrePeer) producer = NULL;
  g_autoptr(MrePeer) peer = NULL;
  g_autoptr(MreEmission) emission = NULL;
  g_autoptr(GError) error = NULL;
  YellWhenWaited yw;
  GThread *thread;
  TestLog seen;

  g_test_bug ("11");
  test_log_init (&seen);
  spawn_broker (f);
  producer = start_peer (f->path, "producer");
  mre_object_set_event_loop (taker, loop);
  g_assert_true (mre_event_loop_start (loop, &error));

  /* The signal context: this thread's, never iterated but where said. */
  g_main_context_push_thread_default (context);
  peer = start_peer (f->path, "taker");
  g_assert_cmpuint (mre_connect (peer, "event::x", taker, "take", 0, &error), !=, 0);
  g_assert_cmpuint (mre_connect (peer, "event::marker", taker, "take", 0, &error), !=, 0);
  g_assert_no_error (error);
  /* A handler of another event queues nothing for these. */
  g_signal_connect (peer, "event::other", G_CALLBACK (log_event_name), &seen);
  g_assert_true (mre_peer_subscribe (peer, "*", NULL, NULL, &error));

  mre_peer_yell (producer, "x", &error, G_TYPE_STRING, "x1", G_TYPE_INVALID);
  mre_peer_yell (producer, "marker", &error, G_TYPE_STRING, "m1", G_TYPE_INVALID);
  g_assert_no_error (error);
  test_counter_wait (&taker->calls, 2);
  test_log_assert (&taker->log, "x1", "m1");
  g_assert_false (g_main_context_pending (context));

  /* Waiting, blocked, for an event. */
  yw = (YellWhenWaited) { peer, producer, g_quark_from_string ("wanted") };
  thread = g_thread_new ("yell when waited", yell_when_waited, &yw);
  emission = mre_wait_for (peer, "event::wanted", 30000, NULL, &error);
  g_thread_join (thread);
  g_assert_no_error (error);
  g_assert_cmpstr (mre_emission_get_signal_name (emission), ==, "event");
  g_assert_cmpstr (mre_event_get_name (g_value_get_boxed (mre_emission_get_arg (emission, 0))), ==,
                   "wanted");

  /* A handler of "event::x" is run here, by this context. */
  g_signal_connect (peer, "event::x", G_CALLBACK (log_event_name), &seen);
  mre_peer_yell (producer, "x", &error, G_TYPE_STRING, "x2", G_TYPE_INVALID);
  mre_peer_yell (producer, "marker", &error, G_TYPE_STRING, "m2", G_TYPE_INVALID);
  g_assert_no_error (error);
  test_counter_wait (&taker->calls, 4);
  test_log_assert_empty (&seen);
  g_assert_true (g_main_context_pending (context));
  test_iterate_pending (context);
  test_log_assert (&seen, "x");

  /* mre_disconnect() finds the queued connections where they are. */
  g_assert_cmpuint (mre_disconnect (peer, "event::x"), ==, 2);
  mre_peer_yell (producer, "x", &error, G_TYPE_STRING, "x3", G_TYPE_INVALID);
  mre_peer_yell (producer, "marker", &error, G_TYPE_STRING, "m3", G_TYPE_INVALID);
  g_assert_no_error (error);
  test_counter_wait (&taker->calls, 5);
  test_log_assert (&taker->log, "x1", "m1", "x2", "m2", "m3");
  g_assert_false (g_main_context_pending (context));

  mre_peer_close (peer);
  g_clear_object (&peer);
  g_main_context_pop_thread_default (context);
  mre_peer_close (producer);
  mre_event_loop_stop (loop);
  mre_event_loop_join (loop, NULL);
  test_log_clear (&seen);
}

static void
state_on_loop_thread (MrePeer      *peer,
                      MrePeerState  state,
                      const GError *error,
                      MreEventLoop *loop)
{
  g_assert_true (mre_event_loop_is_loop_thread (loop));
}

static void
count_on_loop_thread (MrePeer     *peer,
                      MreEvent    *event,
                      TestCounter *events)
{
  g_assert_true (mre_event_loop_is_loop_thread (g_object_get_data (G_OBJECT (peer), "loop")));
  test_counter_inc (events);
}

/* A peer bound to a loop does its I/O and emits on it, as before: with a
 * loop of its own thread, every signal comes there, with no hop. */
static gboolean
refuse_thread (MreEventLoop  *loop,
               gpointer       user_data,
               GError       **error)
{
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE, "no thread today");
  return FALSE;
}

/* A peer whose loop cannot get its thread used to report nothing and wait
 * for ever on a loop that never ran: its calls fail with the reason, and
 * it starts once a thread can be had. */
static void
test_start_without_thread (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(MrePeer) peer = NULL;
  g_autoptr(GError) error = NULL;

  g_test_bug ("11");
  spawn_broker (f);
  peer = mre_peer_new (f->path, "threadless");
  mre_set_thread_spawn_func (refuse_thread, NULL, NULL);

  g_assert_false (mre_peer_start (peer, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE);
  g_assert_nonnull (strstr (error->message, "no thread today"));
  g_clear_error (&error);
  g_assert_false (mre_peer_subscribe (peer, "x", NULL, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE);
  g_clear_error (&error);

  mre_set_thread_spawn_func (NULL, NULL, NULL);
  g_assert_true (mre_peer_start (peer, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (mre_peer_subscribe (peer, "x", NULL, NULL, &error));
  g_assert_no_error (error);
  mre_peer_close (peer);
}

/* A handler on the peer's own thread that waits for the broker. */
typedef struct
{
  TestCounter calls;
  GMutex      lock;
  GError     *error;
  gboolean    subscribed;
  gboolean    stats;
} SyncFromHandler;

static void
subscribe_from_handler (MrePeer  *peer,
                        MreEvent *event,
                        gpointer  user_data)
{
  SyncFromHandler *s = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) stats = NULL;
  gboolean subscribed;

  subscribed = mre_peer_subscribe (peer, "later", NULL, NULL, &error);
  stats = mre_peer_query_stats (peer, NULL, NULL);
  g_mutex_lock (&s->lock);
  s->subscribed = subscribed;
  s->stats = stats != NULL;
  g_clear_error (&s->error);
  s->error = g_steal_pointer (&error);
  g_mutex_unlock (&s->lock);
  test_counter_inc (&s->calls);
}

static void
count_second (MrePeer  *peer,
              MreEvent *event,
              gpointer  user_data)
{
  SyncFromHandler *s = user_data;

  test_counter_inc (&s->calls);
}

/* Waiting for the broker's answer from a handler of an event on the peer's
 * own thread, the thread that would read the answer once the handler
 * returned, used to hang for ever: it fails at once, saying so, and the
 * peer goes on. */
static void
test_sync_call_from_own_thread (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(MrePeer) producer = NULL;
  g_autoptr(MrePeer) peer = NULL;
  g_autoptr(GError) error = NULL;
  SyncFromHandler s = { 0 };

  g_test_bug ("11");
  test_counter_init (&s.calls);
  g_mutex_init (&s.lock);
  spawn_broker (f);
  producer = start_peer (f->path, "producer");
  peer = start_peer (f->path, "subscriber");
  g_signal_connect (peer, "received::first", G_CALLBACK (subscribe_from_handler), &s);
  g_signal_connect (peer, "received::second", G_CALLBACK (count_second), &s);
  g_assert_true (mre_peer_subscribe (peer, "first", NULL, NULL, &error));
  g_assert_true (mre_peer_subscribe (peer, "second", NULL, NULL, &error));
  g_assert_no_error (error);

  mre_peer_yell (producer, "first", &error, G_TYPE_INVALID);
  mre_peer_yell (producer, "second", &error, G_TYPE_INVALID);
  g_assert_no_error (error);
  test_counter_wait (&s.calls, 1);
  g_mutex_lock (&s.lock);
  g_assert_false (s.subscribed);
  g_assert_false (s.stats);
  g_assert_error (s.error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
  g_assert_nonnull (strstr (s.error->message, "_async"));
  g_mutex_unlock (&s.lock);

  /* The next event is handled, and the peer still answers other threads. */
  test_counter_wait (&s.calls, 2);
  g_assert_true (mre_peer_subscribe (peer, "later", NULL, NULL, &error));
  g_assert_no_error (error);

  mre_peer_close (peer);
  mre_peer_close (producer);
  g_clear_error (&s.error);
  g_mutex_clear (&s.lock);
  test_counter_clear (&s.calls);
}

static void
test_signal_context_bound (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(MreEventLoop) loop = mre_event_loop_new ();
  g_autoptr(MrePeer) producer = NULL;
  g_autoptr(MrePeer) peer = g_object_new (MRE_TYPE_PEER, "path", f->path, "id", "bound", NULL);
  g_autoptr(GError) error = NULL;
  TestCounter events;

  g_test_bug ("11");
  test_counter_init (&events);
  spawn_broker (f);
  producer = start_peer (f->path, "producer");
  mre_object_set_event_loop (peer, loop);
  g_object_set_data (G_OBJECT (peer), "loop", loop);
  g_signal_connect (peer, "state-changed", G_CALLBACK (state_on_loop_thread), loop);
  g_signal_connect (peer, "event::x", G_CALLBACK (count_on_loop_thread), &events);
  g_assert_true (mre_peer_start (peer, NULL, &error));
  g_assert_true (mre_peer_subscribe (peer, "x", NULL, NULL, &error));
  mre_peer_yell (producer, "x", &error, G_TYPE_INVALID);
  g_assert_no_error (error);
  /* This thread's context is not run: the handler runs anyway. */
  test_counter_wait (&events, 1);

  mre_peer_close (peer);
  mre_peer_close (producer);
  mre_event_loop_stop (loop);
  mre_event_loop_join (loop, NULL);
  test_counter_clear (&events);
}

/* Item 8: addresses ------------------------------------------------------------- */

static void
test_address_unix_scheme (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *address = g_strconcat ("unix:", f->path, NULL);
  g_autoptr(MrePeer) peer = NULL;
  g_autoptr(GError) error = NULL;

  f->broker = mre_broker_new (address);
  mre_broker_start (f->broker, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_test (f->path, G_FILE_TEST_EXISTS));

  peer = start_peer (address, "unix-peer");
  g_assert_cmpstr (mre_peer_get_path (peer), ==, address);
  g_assert_true (mre_peer_yell (peer, "x", &error, G_TYPE_INVALID));
  g_assert_true (mre_peer_flush (peer, -1, NULL, &error));
  g_assert_no_error (error);
  mre_peer_close (peer);

  mre_broker_stop (f->broker);
  g_assert_false (g_file_test (f->path, G_FILE_TEST_EXISTS));
}

static void
assert_dir_empty (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);

  g_assert_nonnull (dir);
  g_assert_null (g_dir_read_name (dir));
}

static void
test_address_unknown_scheme (Fixture       *f,
                             gconstpointer  data)
{
  const char *addresses[] = { "ipc:///tmp/x.sock", "tcp:127.0.0.1:5555", "unix:", NULL };
  g_autofree char *cwd = g_get_current_dir ();
  g_autofree char *work = g_build_filename (f->dir, "cwd", NULL);

  g_test_bug ("10");
  g_assert_cmpint (g_mkdir (work, 0700), ==, 0);
  g_assert_cmpint (chdir (work), ==, 0);

  for (guint i = 0; addresses[i] != NULL; i++)
    {
      g_autoptr(MrePeer) peer = mre_peer_new (addresses[i], NULL);
      g_autoptr(MrePeer) autostarting = g_object_new (MRE_TYPE_PEER, "path", addresses[i],
                                                      "autostart", TRUE, NULL);
      g_autoptr(MreBroker) broker = mre_broker_new (addresses[i]);
      g_autoptr(GError) error = NULL;

      g_assert_false (mre_peer_start (peer, NULL, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
      g_assert_nonnull (strstr (error->message, addresses[i]));
      g_assert_nonnull (strstr (error->message, "unix:"));
      g_clear_error (&error);

      g_assert_false (mre_peer_start (autostarting, NULL, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
      g_clear_error (&error);

      g_assert_false (mre_broker_start (broker, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
      g_assert_nonnull (strstr (error->message, addresses[i]));
      g_clear_error (&error);

      mre_peer_close (peer);
      mre_peer_close (autostarting);
    }

  /* Nothing was created, here or anywhere relative. */
  assert_dir_empty (work);
  g_assert_cmpint (chdir (cwd), ==, 0);
}

/* Items 7 and 11: the default bus's autostart ---------------------------------- */

/* This test's own runtime and state directories (GLib's isolated ones),
 * for the children too, and the tool under test as the broker. */
static void
autostart_env (Fixture *f)
{
  g_assert_cmpint (g_mkdir_with_parents (g_get_user_runtime_dir (), 0700), ==, 0);
  g_setenv ("XDG_RUNTIME_DIR", g_get_user_runtime_dir (), TRUE);
  g_setenv ("XDG_STATE_HOME", g_get_user_state_dir (), TRUE);
  g_setenv ("MRE_BROKER_PROGRAM", tool_path (), TRUE);
  g_setenv ("MRE_IDLE_EXIT", "1", TRUE);
  g_unsetenv ("MRE_BUS");
  g_unsetenv ("MRE_STATE_DIR");
}

static void
autostart_env_clear (void)
{
  g_unsetenv ("MRE_BROKER_PROGRAM");
  g_unsetenv ("MRE_STATE_DIR");
  g_unsetenv ("MRE_IDLE_EXIT");
}

/* The brokers exit once their last peer has been gone for a second. */
static void
wait_gone (const char *socket_path)
{
  gint64 deadline = g_get_monotonic_time () + TEST_DEADLINE_USEC;

  while (g_file_test (socket_path, G_FILE_TEST_EXISTS))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (10000);
    }
}

static guint
count_stores (const char *state)
{
  g_autoptr(GDir) dir = g_dir_open (state, 0, NULL);
  const char *name;
  guint n = 0;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *sub = g_build_filename (state, name, NULL);
      g_autofree char *store = g_build_filename (state, name, "store.db", NULL);

      if (!g_file_test (sub, G_FILE_TEST_IS_DIR))
        continue;
      g_assert_true (g_file_test (store, G_FILE_TEST_IS_REGULAR));
      n++;
    }
  return n;
}

static void
test_autostart_two_buses (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *other = g_build_filename (f->dir, "other", "bus.sock", NULL);
  g_autofree char *state = g_build_filename (g_get_user_state_dir (), "mreventloop", NULL);
  g_autofree char *default_path = NULL;
  g_autoptr(MrePeer) a = NULL;
  g_autoptr(MrePeer) b = NULL;
  g_autoptr(GError) error = NULL;

  g_test_bug ("10");
  autostart_env (f);
  default_path = mre_default_socket_path ();

  a = mre_peer_new_default ("a");
  mre_peer_start (a, NULL, &error);
  g_assert_no_error (error);
  b = g_object_new (MRE_TYPE_PEER, "path", other, "autostart", TRUE, "id", "b", NULL);
  mre_peer_start (b, NULL, &error);
  g_assert_no_error (error);

  g_assert_true (mre_peer_push (a, "x", 1, &error, G_TYPE_INT, 1, G_TYPE_INVALID));
  g_assert_true (mre_peer_push (b, "x", 1, &error, G_TYPE_INT, 2, G_TYPE_INVALID));
  g_assert_true (mre_peer_flush (a, -1, NULL, &error));
  g_assert_true (mre_peer_flush (b, -1, NULL, &error));
  g_assert_no_error (error);

  /* Each bus has a store of its own. */
  g_assert_cmpuint (count_stores (state), ==, 2);

  mre_peer_close (a);
  mre_peer_close (b);
  wait_gone (default_path);
  wait_gone (other);
  autostart_env_clear ();
}

static void
log_params (MrePeer  *peer,
            MreEvent *event,
            TestLog  *log)
{
  g_autofree char *params = mre_event_dup_params_json (event, NULL);

  test_log_add (log, "%s %s", mre_event_get_name (event), params);
}

/* The default bus's store, where an older version kept it (the state
 * directory itself), is taken into the default bus's own directory: its
 * retained events are still there. */
static void
test_autostart_adopts_old_store (Fixture       *f,
                                 gconstpointer  data)
{
  g_autofree char *base = g_build_filename (g_get_user_state_dir (), "mreventloop", NULL);
  g_autofree char *old_db = g_build_filename (base, "store.db", NULL);
  g_autofree char *default_path = NULL;
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(MreEventLoop) loop = mre_event_loop_new_for_context (context);
  g_autoptr(MrePeer) old = NULL;
  g_autoptr(MrePeer) peer = NULL;
  g_autoptr(GError) error = NULL;
  TestLog log;

  g_test_bug ("10");
  autostart_env (f);
  default_path = mre_default_socket_path ();
  test_log_init (&log);

  spawn_broker_in (f, base);
  old = start_peer (f->path, "old");
  g_assert_true (mre_peer_push (old, "kept", 1, &error, G_TYPE_INT, 42, G_TYPE_INVALID));
  g_assert_true (mre_peer_flush (old, -1, NULL, &error));
  g_assert_no_error (error);
  mre_peer_close (old);
  g_subprocess_send_signal (f->process, SIGTERM);
  g_assert_true (g_subprocess_wait_check (f->process, NULL, &error));
  g_assert_no_error (error);
  g_clear_object (&f->process);
  g_assert_true (g_file_test (old_db, G_FILE_TEST_IS_REGULAR));

  /* On this thread's context, so that the message is expected here. */
  g_test_expect_message ("Mre", G_LOG_LEVEL_MESSAGE, "Moved the store of the broker of *");
  peer = mre_peer_new_default ("new");
  mre_object_set_event_loop (peer, loop);
  g_signal_connect (peer, "event", G_CALLBACK (log_params), &log);
  mre_peer_start (peer, NULL, &error);
  g_assert_no_error (error);
  g_test_assert_expected_messages ();
  mre_peer_subscribe (peer, "kept", NULL, NULL, &error);
  g_assert_no_error (error);
  test_log_assert (&log, "kept [42]");

  g_assert_false (g_file_test (old_db, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (count_stores (base), ==, 1);

  mre_peer_close (peer);
  wait_gone (default_path);
  test_log_clear (&log);
  autostart_env_clear ();
}

static MrePeer *
autostart_fails (GError **error)
{
  g_autoptr(MrePeer) peer = mre_peer_new_default (NULL);

  g_assert_false (mre_peer_start (peer, NULL, error));
  return g_steal_pointer (&peer);
}

static void
test_autostart_broker_message (Fixture       *f,
                               gconstpointer  data)
{
  g_autofree char *file = g_build_filename (f->dir, "a-file", NULL);
  g_autoptr(MrePeer) peer = NULL;
  g_autoptr(GError) error = NULL;

  g_test_bug ("10");
  autostart_env (f);
  g_assert_true (g_file_set_contents (file, "", 0, NULL));
  g_setenv ("MRE_STATE_DIR", file, TRUE);

  /* The broker's own words, and the program that said them. */
  peer = autostart_fails (&error);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, tool_path ()));
  g_assert_nonnull (strstr (error->message, "exited with status 1"));
  g_assert_nonnull (strstr (error->message, file));
  g_assert_nonnull (strstr (error->message, g_strerror (ENOTDIR)));

  autostart_env_clear ();
}

static void
test_autostart_names_program (Fixture       *f,
                              gconstpointer  data)
{
  g_autofree char *missing = g_build_filename (f->dir, "no-such-mreventloop", NULL);
  g_autoptr(MrePeer) peer = NULL;
  g_autoptr(MrePeer) peer2 = NULL;
  g_autoptr(GError) error = NULL;

  g_test_bug ("10");
  autostart_env (f);

  g_setenv ("MRE_BROKER_PROGRAM", missing, TRUE);
  peer = autostart_fails (&error);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, missing));
  g_assert_nonnull (strstr (error->message, "MRE_BROKER_PROGRAM"));
  g_clear_error (&error);

  /* A program that runs, but is no broker. */
  g_setenv ("MRE_BROKER_PROGRAM", "/bin/true", TRUE);
  peer2 = autostart_fails (&error);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "/bin/true exited with status 0"));

  autostart_env_clear ();
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_bug_base ("issue ");

#define ADD(name, func, data) \
  g_test_add ("/peer/" name, Fixture, data, fixture_set_up, func, fixture_tear_down)
  ADD ("frame-size/broker-limit", test_frame_size_of_broker, NULL);
  ADD ("frame-size/refused-in-flight/yell", test_refused_in_flight, GINT_TO_POINTER (MRE_DELIVERY_YELL));
  ADD ("frame-size/refused-in-flight/push", test_refused_in_flight, GINT_TO_POINTER (MRE_DELIVERY_PUSH));
  ADD ("flush/timeout-frozen-broker", test_flush_timeout_frozen_broker, NULL);
  ADD ("flush/cancelled", test_flush_cancelled, NULL);
  ADD ("lost/signal", test_lost_signal, NULL);
  ADD ("lost/unhandled-warns", test_lost_unhandled_warns, NULL);
  ADD ("signal-context/events", test_signal_context_events, NULL);
  ADD ("signal-context/lost", test_signal_context_lost, NULL);
  ADD ("signal-context/queued-forms", test_signal_context_queued_forms, NULL);
  ADD ("sync-call-from-own-thread", test_sync_call_from_own_thread, NULL);
  ADD ("start-without-thread", test_start_without_thread, NULL);
  ADD ("signal-context/bound", test_signal_context_bound, NULL);
  ADD ("address/unix-scheme", test_address_unix_scheme, NULL);
  ADD ("address/unknown-scheme", test_address_unknown_scheme, NULL);
  ADD ("autostart/two-buses", test_autostart_two_buses, NULL);
  ADD ("autostart/broker-message", test_autostart_broker_message, NULL);
  ADD ("autostart/names-program", test_autostart_names_program, NULL);
  ADD ("autostart/adopts-old-store", test_autostart_adopts_old_store, NULL);
#undef ADD

  return g_test_run ();
}
