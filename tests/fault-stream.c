/* fault-stream.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/*
 * The two ends of a long stream, for test-faults.py's broker-kill test:
 * the test SIGKILLs and restarts the broker under them and then checks what
 * each end says it sent and received. Public API only, as any program.
 *
 *   fault-stream publish SOCKET N [--rate R]
 *
 *     For i in 0 .. N-1: pushes "stream.push" (backlog unbounded) and yells
 *     "stream.yell", both with the argument i, R values of i a second
 *     (default 10,000; time spent waiting for the broker is not caught up). A
 *     push that is refused (disconnected with max-pending events waiting,
 *     or busy) is tried again until it is taken; a yell that is refused is
 *     counted as not sent. Prints "progress I" every 250 values, then
 *     flushes (again while disconnected), prints one JSON line, and exits
 *     once its stdin is closed (at once with </dev/null).
 *
 *   fault-stream subscribe SOCKET N [--stall S]
 *
 *     Subscribes to "stream.*", prints "ready", and counts how often each
 *     i arrived by push and by yell; prints "progress I" every 250
 *     distinct pushes received. Once its stdin is closed (at once with
 *     </dev/null) it waits until it has every push, then half a second for
 *     late duplicates, or S seconds (default 10) without a new push, and
 *     prints one JSON line.
 *
 * Both print "connected" each time their peer is connected (to a new
 * broker), and each change of its state on stderr. Each exits 0 when it
 * ran to its end, whatever it counted: judging the counts against the
 * promise is the test's business.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib-unix.h>

#include <mreventloop.h>

#define PROGRESS_EVERY 250
#define SETTLE_US      (G_USEC_PER_SEC / 2)
#define GIVE_UP_US     (60 * G_USEC_PER_SEC)

static double opt_rate = 10000;
static double opt_stall = 10;

static const GOptionEntry entries[] = {
  { "rate", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_DOUBLE, &opt_rate,
    "publish: values of i a second, 0 for as fast as taken (default: 10000)", "R" },
  { "stall", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_DOUBLE, &opt_stall,
    "subscribe: give up after S seconds without a new push (default: 10)", "S" },
  G_OPTION_ENTRY_NULL
};

static double
seconds_since (gint64 start)
{
  return (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC;
}

/* Each change of a peer's state, on stderr: what a failure report shows;
 * and "connected" on stdout, which the test counts. */
static void
log_state (MrePeer      *peer,
           MrePeerState  state,
           const GError *error)
{
  static const char *const names[] = { "disconnected", "connecting", "connected", "closed" };

  if (state == MRE_PEER_STATE_CONNECTED)
    {
      printf ("connected\n");
      fflush (stdout);
    }
  /* CLOCK_MONOTONIC, as the test's time.monotonic(). */
  g_printerr ("%.3f %s: %s%s%s\n", seconds_since (0), mre_peer_get_id (peer),
              state < G_N_ELEMENTS (names) ? names[state] : "?",
              error != NULL ? ": " : "", error != NULL ? error->message : "");
}

/* Publishing ---------------------------------------------------------------- */

typedef struct
{
  guint   push_retries;      /* pushes refused and tried again */
  guint   busy;              /* of which MRE_ERROR_BUSY */
  guint   yells_sent;
  guint   yells_failed;
  guint   flush_retries;
} PublishCounts;

/* For a refusal a publisher is expected to wait out: TRUE after waiting. */
static gboolean
wait_out (MrePeer       *peer,
          const GError  *error,
          PublishCounts *counts)
{
  if (g_error_matches (error, MRE_ERROR, MRE_ERROR_BUSY))
    {
      counts->busy++;
      /* Fails while disconnected; then the retry waits instead. */
      if (mre_peer_flush (peer, -1, NULL, NULL))
        return TRUE;
    }
  else if (!g_error_matches (error, MRE_ERROR, MRE_ERROR_DISCONNECTED))
    return FALSE;

  g_usleep (5 * 1000);
  return TRUE;
}

static int
role_publish (const char *path,
              guint       n)
{
  g_autoptr(MrePeer) peer = mre_peer_new (path, "stream-pub");
  g_autoptr(MreEventLoop) event_loop = mre_event_loop_new ();
  g_autoptr(GError) error = NULL;
  PublishCounts counts = { 0 };
  gint64 start, paced_since, refused_since;
  char buffer[256];

  /* The peer runs on a loop thread of its own, bound to it so that its
   * state changes are logged there as they happen: this thread runs no
   * main loop. Publishing is thread-safe. */
  mre_object_set_event_loop (peer, event_loop);
  g_signal_connect (peer, "state-changed", G_CALLBACK (log_state), NULL);
  if (!mre_peer_start (peer, NULL, &error))
    {
      g_printerr ("fault-stream publish: %s\n", error->message);
      return EXIT_FAILURE;
    }

  start = paced_since = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    {
      refused_since = 0;
      while (!mre_peer_push (peer, "stream.push", MRE_BACKLOG_UNBOUNDED, &error,
                             G_TYPE_UINT, i, G_TYPE_INVALID))
        {
          if (refused_since == 0)
            refused_since = g_get_monotonic_time ();
          if (!wait_out (peer, error, &counts) ||
              g_get_monotonic_time () - refused_since > GIVE_UP_US)
            {
              g_printerr ("fault-stream publish: push %u: %s\n", i, error->message);
              return EXIT_FAILURE;
            }
          counts.push_retries++;
          g_clear_error (&error);
        }

      if (mre_peer_yell (peer, "stream.yell", &error, G_TYPE_UINT, i, G_TYPE_INVALID))
        counts.yells_sent++;
      else if (g_error_matches (error, MRE_ERROR, MRE_ERROR_DISCONNECTED) ||
               g_error_matches (error, MRE_ERROR, MRE_ERROR_BUSY))
        {
          counts.yells_failed++;
          g_clear_error (&error);
        }
      else
        {
          g_printerr ("fault-stream publish: yell %u: %s\n", i, error->message);
          return EXIT_FAILURE;
        }

      if ((i + 1) % PROGRESS_EVERY == 0)
        {
          printf ("progress %u\n", i + 1);
          fflush (stdout);
        }

      /* A steady pace. A stall (the broker away) is not caught up: it
       * makes the stream longer, not denser. */
      if (opt_rate > 0 && (i + 1) % 50 == 0)
        {
          gint64 due = paced_since + (gint64) ((i + 1) * (G_USEC_PER_SEC / opt_rate));
          gint64 now = g_get_monotonic_time ();

          if (due > now)
            g_usleep (due - now);
          else if (now - due > G_USEC_PER_SEC / 10)
            paced_since += now - due;
        }
    }

  /* Every push taken by the broker (acknowledged, once pushes are). */
  refused_since = g_get_monotonic_time ();
  while (!mre_peer_flush (peer, -1, NULL, &error))
    {
      if (!g_error_matches (error, MRE_ERROR, MRE_ERROR_DISCONNECTED) ||
          g_get_monotonic_time () - refused_since > GIVE_UP_US)
        {
          g_printerr ("fault-stream publish: flush: %s\n", error->message);
          return EXIT_FAILURE;
        }
      counts.flush_retries++;
      g_clear_error (&error);
      g_usleep (20 * 1000);
    }

  printf ("{\"role\": \"publish\", \"n\": %u, \"pushes\": %u, \"push_retries\": %u, "
          "\"busy\": %u, \"yells_sent\": %u, \"yells_failed\": %u, \"flush_retries\": %u, "
          "\"seconds\": %.3f}\n",
          n, n, counts.push_retries, counts.busy, counts.yells_sent, counts.yells_failed,
          counts.flush_retries, seconds_since (start));
  fflush (stdout);

  /* Stays connected (and reconnects) until told to go, so that the test
   * may go on killing brokers until the subscriber has it all. */
  for (;;)
    {
      gssize len = read (STDIN_FILENO, buffer, sizeof buffer);

      if (len == 0 || (len < 0 && errno != EINTR))
        break;
    }
  mre_peer_close (peer);
  mre_event_loop_stop (event_loop);
  mre_event_loop_join (event_loop, NULL);

  return EXIT_SUCCESS;
}

/* Subscribing --------------------------------------------------------------- */

typedef struct
{
  GMainLoop *loop;
  guint      n;
  guint8    *pushes;         /* times each i arrived by push, saturating */
  guint8    *yells;          /* and by yell */
  guint      push_distinct;
  guint      push_duplicates;
  guint      push_out_of_order;  /* a new i below the highest seen */
  gint64     push_highest;
  guint      yell_distinct;
  guint      yell_duplicates;
  guint      retained;       /* events that came as a replay */
  guint      invalid;        /* events that were not a stream value */
  guint      connects;       /* times the peer got connected */
  gint64     start;
  gint64     last_push;      /* monotonic time of the last new push */
  gint64     complete_at;    /* monotonic time the last missing push came */
  gboolean   stdin_closed;
} Counter;

static void
count (guint8 *times,
       guint  *distinct,
       guint  *duplicates,
       guint   i)
{
  if (times[i] == 0)
    (*distinct)++;
  else
    (*duplicates)++;
  if (times[i] < G_MAXUINT8)
    times[i]++;
}

static void
on_event (MrePeer  *peer,
          MreEvent *event,
          Counter  *counter)
{
  const GType types[] = { G_TYPE_UINT };
  GValue value[1] = { G_VALUE_INIT };
  const char *name = mre_event_get_name (event);
  guint i;

  if (!mre_event_get_args (event, types, 1, value, NULL))
    {
      counter->invalid++;
      return;
    }
  i = g_value_get_uint (value);
  g_value_unset (value);
  if (i >= counter->n)
    {
      counter->invalid++;
      return;
    }
  if (mre_event_get_retained (event))
    counter->retained++;

  if (g_str_equal (name, "stream.push"))
    {
      if (counter->pushes[i] == 0)
        {
          counter->last_push = g_get_monotonic_time ();
          if ((gint64) i < counter->push_highest)
            counter->push_out_of_order++;
          counter->push_highest = MAX (counter->push_highest, (gint64) i);
        }
      count (counter->pushes, &counter->push_distinct, &counter->push_duplicates, i);
      if (counter->pushes[i] == 1 && counter->push_distinct % PROGRESS_EVERY == 0)
        {
          printf ("progress %u\n", counter->push_distinct);
          fflush (stdout);
        }
      if (counter->push_distinct == counter->n && counter->complete_at == 0)
        counter->complete_at = g_get_monotonic_time ();
    }
  else if (g_str_equal (name, "stream.yell"))
    count (counter->yells, &counter->yell_distinct, &counter->yell_duplicates, i);
  else
    counter->invalid++;
}

static void
on_state_changed (MrePeer      *peer,
                  MrePeerState  state,
                  const GError *error,
                  Counter      *counter)
{
  if (state == MRE_PEER_STATE_CONNECTED)
    counter->connects++;
  log_state (peer, state, error);
}

static gboolean
on_stdin (gint          fd,
          GIOCondition  condition,
          gpointer      user_data)
{
  Counter *counter = user_data;
  char buffer[256];
  gssize len = read (fd, buffer, sizeof buffer);

  if (len > 0 || (len < 0 && errno == EINTR))
    return G_SOURCE_CONTINUE;
  counter->stdin_closed = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
check_done (gpointer user_data)
{
  Counter *counter = user_data;
  gint64 now = g_get_monotonic_time ();

  if (!counter->stdin_closed)
    return G_SOURCE_CONTINUE;
  if ((counter->complete_at != 0 && now - counter->complete_at >= SETTLE_US) ||
      now - counter->last_push >= (gint64) (opt_stall * G_USEC_PER_SEC))
    {
      g_main_loop_quit (counter->loop);
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static void
print_missing (guint8 *times,
               guint   n)
{
  guint shown = 0;

  printf ("[");
  for (guint i = 0; i < n && shown < 20; i++)
    if (times[i] == 0)
      printf ("%s%u", shown++ > 0 ? ", " : "", i);
  printf ("]");
}

static int
role_subscribe (const char *path,
                guint       n)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(MreEventLoop) event_loop = mre_event_loop_new_for_context (NULL);
  g_autoptr(MrePeer) peer = mre_peer_new (path, "stream-sub");
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *pushes = g_new0 (guint8, n);
  g_autofree guint8 *yells = g_new0 (guint8, n);
  Counter counter = { 0 };

  counter.loop = loop;
  counter.n = n;
  counter.pushes = pushes;
  counter.yells = yells;
  counter.push_highest = -1;

  /* Events are counted on this thread, the one that runs the loop. */
  mre_object_set_event_loop (peer, event_loop);
  mre_event_loop_start (event_loop, NULL);
  g_signal_connect (peer, "state-changed", G_CALLBACK (on_state_changed), &counter);
  g_signal_connect (peer, "event", G_CALLBACK (on_event), &counter);
  if (!mre_peer_start (peer, NULL, &error) ||
      !mre_peer_subscribe (peer, "stream.*", NULL, NULL, &error))
    {
      g_printerr ("fault-stream subscribe: %s\n", error->message);
      return EXIT_FAILURE;
    }
  printf ("ready\n");
  fflush (stdout);

  counter.start = counter.last_push = g_get_monotonic_time ();
  g_unix_fd_add (STDIN_FILENO, G_IO_IN | G_IO_HUP | G_IO_ERR, on_stdin, &counter);
  g_timeout_add (50, check_done, &counter);
  g_main_loop_run (loop);
  mre_peer_close (peer);

  printf ("{\"role\": \"subscribe\", \"n\": %u, \"pushes\": %u, \"push_duplicates\": %u, "
          "\"push_missing\": %u, \"push_out_of_order\": %u, \"first_missing_pushes\": ",
          n, counter.push_distinct, counter.push_duplicates, n - counter.push_distinct,
          counter.push_out_of_order);
  print_missing (pushes, n);
  printf (", \"yells\": %u, \"yell_duplicates\": %u, \"yells_missing\": %u, "
          "\"retained\": %u, \"invalid\": %u, \"connects\": %u, \"seconds\": %.3f}\n",
          counter.yell_distinct, counter.yell_duplicates, n - counter.yell_distinct,
          counter.retained, counter.invalid, counter.connects, seconds_since (counter.start));
  fflush (stdout);

  return EXIT_SUCCESS;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  guint64 n;

  context = g_option_context_new ("publish|subscribe SOCKET N - the ends of a long stream");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("fault-stream: %s\n", error->message);
      return EXIT_FAILURE;
    }
  if (argc != 4 || !g_ascii_string_to_unsigned (argv[3], 10, 1, G_MAXUINT32, &n, &error))
    {
      g_printerr ("usage: fault-stream publish|subscribe SOCKET N%s%s\n",
                  error != NULL ? ": " : "", error != NULL ? error->message : "");
      return EXIT_FAILURE;
    }

  if (g_str_equal (argv[1], "publish"))
    return role_publish (argv[2], (guint) n);
  if (g_str_equal (argv[1], "subscribe"))
    return role_subscribe (argv[2], (guint) n);

  g_printerr ("fault-stream: unknown role “%s”\n", argv[1]);
  return EXIT_FAILURE;
}
