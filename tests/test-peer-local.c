/* test-peer-local.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* elegant_events' ways with a peer (issue 11, item 4), against a real
 * `mreventloop broker` process (the tool named by $MREVENTLOOP_TOOL):
 * mre_peer_trigger_locally() reaches this peer's handlers only, and a peer
 * driven by mre_peer_check() sends what it publishes without waiting for
 * its next check. */

#include <signal.h>
#include <stdio.h>
#include <string.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <glib/gstdio.h>

#include "test-util.h"

/* How long a test waits for what should happen before it fails (a bound
 * so that a bug fails instead of hanging, not a measure). */
#define PATIENCE_MS 20000

typedef struct
{
  char        *dir;
  char        *path;
  GSubprocess *broker;
} Fixture;

/* A failed assertion aborts the test without its tear-down: the broker
 * goes with it all the same. */
static void
die_with_parent (gpointer data)
{
#ifdef __linux__
  prctl (PR_SET_PDEATHSIG, SIGKILL);
#endif
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_autoptr(GError) error = NULL;
  const char *tool = g_getenv ("MREVENTLOOP_TOOL");

  g_assert_nonnull (tool);
  f->dir = g_dir_make_tmp ("mre-peer-local-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "bus.sock", NULL);

  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  f->broker = g_subprocess_launcher_spawn (launcher, &error, tool, "broker", "--socket", f->path, NULL);
  g_assert_no_error (error);
  test_wait_for_broker (f->broker, f->path);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_subprocess_force_exit (f->broker);
  g_subprocess_wait (f->broker, NULL, NULL);
  g_clear_object (&f->broker);
  g_unlink (f->path);
  g_rmdir (f->dir);
  g_free (f->path);
  g_free (f->dir);
}

/* A started peer bound to @context: it does its I/O and emits its signals
 * only when @context is iterated. */
static MrePeer *
bound_peer (Fixture      *f,
            GMainContext *context,
            const char   *id)
{
  g_autoptr(MreEventLoop) loop = mre_event_loop_new_for_context (context);
  g_autoptr(GError) error = NULL;
  MrePeer *peer = mre_peer_new (f->path, id);

  mre_object_set_event_loop (peer, loop);
  mre_peer_start (peer, NULL, &error);
  g_assert_no_error (error);
  return peer;
}

static void
subscribe (MrePeer    *peer,
           const char *pattern)
{
  g_autoptr(GError) error = NULL;

  mre_peer_subscribe (peer, pattern, NULL, NULL, &error);
  g_assert_no_error (error);
}

static gboolean
set_flag (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates @context until @count events are in @log, or fails after
 * PATIENCE_MS. */
static void
iterate_until_logged (GMainContext *context,
                      TestLog      *log,
                      guint         count)
{
  g_autoptr(GSource) timeout = g_timeout_source_new (PATIENCE_MS);
  gboolean expired = FALSE;

  g_source_set_callback (timeout, set_flag, &expired, NULL);
  g_source_attach (timeout, context);
  while (test_log_count (log) < count && !expired)
    g_main_context_iteration (context, TRUE);
  g_source_destroy (timeout);
  g_assert_cmpuint (test_log_count (log), >=, count);
}

typedef struct
{
  TestLog  log;
  gint64   time;
  char    *sender;
  gboolean pushed;
  gboolean retained;
  guint64  seq;
} Seen;

static void
on_event (MrePeer  *peer,
          MreEvent *event,
          Seen     *seen)
{
  g_autofree char *params = mre_event_dup_params_json (event, NULL);

  test_log_add (&seen->log, "%s %s", mre_event_get_name (event), params);
  seen->time = mre_event_get_time (event);
  g_free (seen->sender);
  seen->sender = g_strdup (mre_event_get_sender (event));
  seen->pushed = mre_event_get_pushed (event);
  seen->retained = mre_event_get_retained (event);
  seen->seq = mre_event_get_seq (event);
}

static void
seen_clear (Seen *seen)
{
  test_log_clear (&seen->log);
  g_free (seen->sender);
}

/* mre_peer_trigger_locally(): this peer's handlers get the event, with its
 * arguments and time, on the peer's context and never inside the call;
 * another peer subscribed to the name does not, which its FIFO shows: an
 * event the first peer publishes afterwards reaches it first and alone. */
static void
test_trigger_locally (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(MrePeer) here = NULL;
  g_autoptr(MrePeer) other = NULL;
  g_autoptr(GError) error = NULL;
  Seen seen = { 0 }, other_seen = { 0 };
  gint64 before, after;

  g_test_bug ("11");
  test_log_init (&seen.log);
  test_log_init (&other_seen.log);
  here = bound_peer (f, context, "here");
  other = bound_peer (f, context, "other");
  g_signal_connect (here, "event::found", G_CALLBACK (on_event), &seen);
  g_signal_connect (other, "event", G_CALLBACK (on_event), &other_seen);
  subscribe (other, "found");
  subscribe (other, "after");

  /* Not subscribed to "found": a local event reaches its handlers all the
   * same. Queued, not emitted here. */
  g_assert_true (mre_peer_trigger_locally (here, "found", "[1,\"x\"]", 1234567, &error));
  g_assert_no_error (error);
  test_log_assert_empty (&seen.log);
  iterate_until_logged (context, &seen.log, 1);
  test_log_assert (&seen.log, "found [1,\"x\"]");
  g_assert_cmpint (seen.time, ==, 1234567);
  g_assert_cmpstr (seen.sender, ==, "here");
  g_assert_false (seen.pushed);
  g_assert_false (seen.retained);
  g_assert_cmpuint (seen.seq, ==, 0);

  /* Time 0 is now; named arguments; in the order triggered. */
  before = g_get_real_time ();
  g_assert_true (mre_peer_trigger_locally (here, "found", "{\"a\":2}", 0, &error));
  g_assert_true (mre_peer_trigger_locally (here, "found", "[3]", 0, &error));
  after = g_get_real_time ();
  g_assert_no_error (error);
  iterate_until_logged (context, &seen.log, 3);
  test_log_assert (&seen.log, "found [1,\"x\"]", "found {\"a\":2}", "found [3]");
  g_assert_cmpint (seen.time, >=, before);
  g_assert_cmpint (seen.time, <=, after);

  /* The other peer: only what went through the broker. */
  g_assert_true (mre_peer_yell (here, "after", &error, G_TYPE_INT, 4, G_TYPE_INVALID));
  g_assert_no_error (error);
  iterate_until_logged (context, &other_seen.log, 1);
  test_log_assert (&other_seen.log, "after [4]");

  /* Refused: not a name, not JSON params. */
  g_assert_false (mre_peer_trigger_locally (here, "a*", "[]", 0, &error));
  g_assert_error (error, MRE_ERROR, MRE_ERROR_PROTOCOL);
  g_clear_error (&error);
  g_assert_false (mre_peer_trigger_locally (here, "found", "[1,", 0, &error));
  g_assert_error (error, MRE_ERROR, MRE_ERROR_TYPE_MISMATCH);
  g_clear_error (&error);

  mre_peer_close (here);
  mre_peer_close (other);
  seen_clear (&seen);
  seen_clear (&other_seen);
}

/* A peer that was never started has no loop to emit on: refused, with a
 * reason. */
static void
test_trigger_locally_unstarted (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(MrePeer) peer = mre_peer_new (f->path, "idle");
  g_autoptr(GError) error = NULL;

  g_test_bug ("11");
  g_assert_false (mre_peer_trigger_locally (peer, "found", "[]", 0, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED);
}

/* A peer driven by mre_peer_check() whose context nobody iterates: what it
 * publishes reaches another process's peer (here another peer, on a
 * context of its own, through the broker process) without a check, in
 * order, yells and pushes. A burst larger than the socket takes stays in
 * order too: what the socket did not take goes with the flush. */
static void
test_check_driven_publish (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GMainContext) checked_context = g_main_context_new ();
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(MrePeer) checked = NULL;
  g_autoptr(MrePeer) receiver = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *filler = NULL;
  g_autoptr(GPtrArray) expected = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) logged = NULL;
  Seen seen = { 0 };
  guint n_burst = 2000;

  g_test_bug ("11");
  test_log_init (&seen.log);
  checked = bound_peer (f, checked_context, "checked");
  receiver = bound_peer (f, context, "receiver");
  g_signal_connect (receiver, "event", G_CALLBACK (on_event), &seen);
  subscribe (receiver, "tick");
  subscribe (receiver, "state");

  g_assert_true (mre_peer_yell (checked, "tick", &error, G_TYPE_INT, 1, G_TYPE_INVALID));
  g_assert_true (mre_peer_push (checked, "state", 1, &error, G_TYPE_STRING, "ready", G_TYPE_INVALID));
  g_assert_true (mre_peer_yell (checked, "tick", &error, G_TYPE_INT, 2, G_TYPE_INVALID));
  g_assert_no_error (error);
  iterate_until_logged (context, &seen.log, 3);
  test_log_assert (&seen.log, "tick [1]", "state [\"ready\"]", "tick [2]");
  test_log_clear (&seen.log);
  test_log_init (&seen.log);

  /* About 2 MB, more than a unix socket holds. */
  filler = g_strnfill (1000, 'y');
  for (guint i = 0; i < n_burst; i++)
    {
      g_autofree char *params = g_strdup_printf ("[%u,\"%s\"]", i, filler);

      g_assert_true (mre_peer_publish_json (checked, "tick", MRE_DELIVERY_YELL, 0, params, &error));
      g_assert_no_error (error);
      g_ptr_array_add (expected, g_strdup_printf ("tick %s", params));
    }
  /* The first ones arrive before anything runs the publisher's context. */
  iterate_until_logged (context, &seen.log, 1);
  g_assert_true (mre_peer_flush (checked, PATIENCE_MS, NULL, &error));
  g_assert_no_error (error);
  iterate_until_logged (context, &seen.log, n_burst);
  g_ptr_array_add (expected, NULL);
  logged = test_log_dup (&seen.log);
  g_assert_cmpstrv (logged, (const char * const *) expected->pdata);

  mre_peer_close (checked);
  mre_peer_close (receiver);
  seen_clear (&seen);
}

#define N_PUBLISHERS 4
#define N_EACH       500

typedef struct
{
  MrePeer *peer;
  guint    index;
  int     *done;
} Publisher;

static gpointer
publish_thread (gpointer data)
{
  Publisher *publisher = data;

  for (guint i = 0; i < N_EACH; i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_true (mre_peer_yell (publisher->peer, "tick", &error,
                                    G_TYPE_UINT, publisher->index, G_TYPE_UINT, i, G_TYPE_INVALID));
      g_assert_no_error (error);
    }
  g_atomic_int_inc (publisher->done);
  return NULL;
}

/* Threads publish on a check()-driven peer while this thread checks it:
 * the publishers' writes and the context's share the socket, and every
 * event arrives, each thread's in order. */
static void
test_check_driven_publish_threads (Fixture       *f,
                                   gconstpointer  data)
{
  g_autoptr(GMainContext) checked_context = g_main_context_new ();
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(MrePeer) checked = NULL;
  g_autoptr(MrePeer) receiver = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) logged = NULL;
  Publisher publishers[N_PUBLISHERS];
  GThread *threads[N_PUBLISHERS];
  guint next[N_PUBLISHERS] = { 0 };
  int done = 0;
  Seen seen = { 0 };

  g_test_bug ("11");
  test_log_init (&seen.log);
  checked = bound_peer (f, checked_context, "checked");
  receiver = bound_peer (f, context, "receiver");
  g_signal_connect (receiver, "event", G_CALLBACK (on_event), &seen);
  subscribe (receiver, "tick");

  for (guint t = 0; t < N_PUBLISHERS; t++)
    {
      publishers[t] = (Publisher) { checked, t, &done };
      threads[t] = g_thread_new ("publisher", publish_thread, &publishers[t]);
    }
  while (g_atomic_int_get (&done) < N_PUBLISHERS)
    mre_peer_check (checked);
  for (guint t = 0; t < N_PUBLISHERS; t++)
    g_thread_join (threads[t]);
  g_assert_true (mre_peer_flush (checked, PATIENCE_MS, NULL, &error));
  g_assert_no_error (error);

  iterate_until_logged (context, &seen.log, N_PUBLISHERS * N_EACH);
  logged = test_log_dup (&seen.log);
  g_assert_cmpuint (g_strv_length (logged), ==, N_PUBLISHERS * N_EACH);
  for (guint i = 0; logged[i] != NULL; i++)
    {
      guint t, n;

      g_assert_cmpint (sscanf (logged[i], "tick [%u,%u]", &t, &n), ==, 2);
      g_assert_cmpuint (t, <, N_PUBLISHERS);
      g_assert_cmpuint (n, ==, next[t]);
      next[t]++;
    }

  mre_peer_close (checked);
  mre_peer_close (receiver);
  seen_clear (&seen);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_bug_base ("issue ");

#define ADD(name, func) \
  g_test_add ("/peer-local/" name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("trigger-locally/this-process-only", test_trigger_locally);
  ADD ("trigger-locally/unstarted", test_trigger_locally_unstarted);
  ADD ("check-driven/publish-without-check", test_check_driven_publish);
  ADD ("check-driven/publish-from-threads", test_check_driven_publish_threads);
#undef ADD

  return g_test_run ();
}
