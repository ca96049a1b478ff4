/* soak-run.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/*
 * The parent of the soak test: starts the broker and the children,
 * samples the broker's RSS and CPU every second while the publishers
 * publish, and gathers what each child counted; soak-report.c checks it
 * and prints the TAP.
 */

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "soak-run.h"

#define READY_USEC (30 * G_USEC_PER_SEC)

static gboolean
fail (SoakRun    *run,
      const char *format,
      ...) G_GNUC_PRINTF (2, 3);

static gboolean
fail (SoakRun    *run,
      const char *format,
      ...)
{
  va_list args;

  if (run->failure != NULL)
    return FALSE;
  va_start (args, format);
  run->failure = g_strdup_vprintf (format, args);
  va_end (args);
  return FALSE;
}

/* The broker, and a peer of our own that waits until it listens, and asks
 * it for its counters at the end. */
static gboolean
start_broker (SoakRun *run)
{
  const char *argv[] = { run->options->tool, "broker", "--socket", run->socket, NULL };
  g_autoptr(GError) error = NULL;
  gint64 deadline = g_get_monotonic_time () + READY_USEC;

  run->broker = soak_child_spawn (argv, FALSE, &error);
  if (run->broker == NULL)
    return fail (run, "cannot start %s: %s", run->options->tool, error->message);

  for (;;)
    {
      g_autoptr(MrePeer) peer = mre_peer_new (run->socket, "soak-stats");

      g_clear_error (&error);
      if (mre_peer_start (peer, NULL, &error))
        {
          run->stats_peer = g_steal_pointer (&peer);
          return TRUE;
        }
      mre_peer_close (peer);
      if (g_get_monotonic_time () > deadline)
        return fail (run, "the broker does not listen on %s: %s", run->socket, error->message);
      g_usleep (20000);
    }
}

static void
add_printf (GStrvBuilder *argv,
            const char   *format,
            ...) G_GNUC_PRINTF (2, 3);

static void
add_printf (GStrvBuilder *argv,
            const char   *format,
            ...)
{
  va_list args;
  g_autofree char *arg = NULL;

  va_start (args, format);
  arg = g_strdup_vprintf (format, args);
  va_end (args);
  g_strv_builder_add (argv, arg);
}

/* @count peers of @role, as evenly as possible over @procs processes;
 * waits until each process says "ready". */
static gboolean
start_children (SoakRun    *run,
                const char *role,
                gint        count,
                gint        procs,
                GPtrArray  *children)
{
  const SoakOptions *o = run->options;

  for (gint j = 0; j < procs; j++)
    {
      g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
      g_auto(GStrv) argv = NULL;
      g_autoptr(GError) error = NULL;
      gint first = j * count / procs;
      gint last = (j + 1) * count / procs;
      SoakChild *child;

      g_strv_builder_add_many (builder, run->self, role, NULL);
      add_printf (builder, "--socket=%s", run->socket);
      add_printf (builder, "--first=%d", first);
      add_printf (builder, "--peers=%d", last - first);
      add_printf (builder, "--names=%d", o->names);
      add_printf (builder, "--payload=%d", o->payload);
      if (g_str_equal (role, "publisher"))
        {
          /* Per peer; at least 1, since 0 is unpaced. */
          add_printf (builder, "--rate=%d", o->rate > 0 ? MAX (1, o->rate / o->publishers) : 0);
          add_printf (builder, "--seconds=%d", o->seconds);
          add_printf (builder, "--yell-every=%d", o->yell_every);
          add_printf (builder, "--backlog=%d", o->backlog);
        }
      else
        {
          add_printf (builder, "--publishers=%d", o->publishers);
          add_printf (builder, "--drain=%d", o->drain);
        }
      argv = g_strv_builder_end (builder);
      child = soak_child_spawn ((const char * const *) argv, TRUE, &error);
      if (child == NULL)
        return fail (run, "cannot start a %s: %s", role, error->message);
      g_ptr_array_add (children, child);
    }

  for (guint j = 0; j < children->len; j++)
    {
      g_autofree char *line = soak_child_read_line (g_ptr_array_index (children, j));

      if (g_strcmp0 (line, "ready") != 0)
        return fail (run, "%s process %u did not start (it said “%s”)", role, j,
                     line != NULL ? line : "nothing");
    }
  return TRUE;
}

static gboolean
send_all (SoakRun    *run,
          GPtrArray  *children,
          const char *line)
{
  for (guint j = 0; j < children->len; j++)
    if (!soak_child_send (g_ptr_array_index (children, j), line))
      return fail (run, "a child is gone: cannot send it “%.20s”", line);
  return TRUE;
}

/* The CPU time of this test's processes: this one, the broker, the
 * children. */
static guint64
own_cpu_usec (SoakRun *run)
{
  GPtrArray *groups[] = { run->pubs, run->subs };
  guint64 usec = soak_proc_cpu_usec (getpid ()) + soak_proc_cpu_usec (run->broker->pid);

  for (guint g = 0; g < G_N_ELEMENTS (groups); g++)
    for (guint j = 0; j < groups[g]->len; j++)
      usec += soak_proc_cpu_usec (((SoakChild *) g_ptr_array_index (groups[g], j))->pid);
  return usec;
}

/* Starts the publishers and samples the broker every second until they
 * have published for the time asked; and the CPU that other processes
 * took meanwhile, which the verdict on the RSS needs (soak-report.c). */
static gboolean
publish (SoakRun *run)
{
  const SoakOptions *o = run->options;
  gint64 go = g_get_real_time ();
  gint64 start = g_get_monotonic_time ();
  g_autofree char *warm = g_strdup_printf ("warm %" G_GINT64_FORMAT,
                                           go + (gint64) o->warmup * G_USEC_PER_SEC);
  guint64 cpu_start, own, busy, own_start, busy_start;

  run->n_rss = (guint) o->seconds + 1;
  run->rss = g_new0 (guint64, run->n_rss);
  run->rss[0] = soak_proc_rss_kib (run->broker->pid);
  cpu_start = soak_proc_cpu_usec (run->broker->pid);
  own = own_start = own_cpu_usec (run);
  busy = busy_start = soak_system_busy_usec ();

  if (!send_all (run, run->subs, warm) || !send_all (run, run->pubs, "go"))
    return FALSE;

  for (guint i = 1; i < run->n_rss; i++)
    {
      gint64 delay = start + (gint64) i * G_USEC_PER_SEC - g_get_monotonic_time ();

      if (delay > 0)
        g_usleep ((gulong) delay);
      run->rss[i] = soak_proc_rss_kib (run->broker->pid);
      if (run->rss[i] == 0)
        return fail (run, "the broker is gone after %u s", i);
      {
        guint64 own_now = own_cpu_usec (run);
        guint64 busy_now = soak_system_busy_usec ();
        double foreign = ((double) busy_now - (double) busy - ((double) own_now - (double) own)) /
                         G_USEC_PER_SEC;

        run->foreign_peak = MAX (run->foreign_peak, foreign);
        own = own_now;
        busy = busy_now;
      }
      if (i % 10 == 0 || i == (guint) o->warmup)
        soak_diag ("%3u s: broker RSS %" G_GUINT64_FORMAT " KiB%s", i, run->rss[i],
                   i == (guint) o->warmup ? " (end of the warm-up)" : "");
    }
  run->cpu_usec = soak_proc_cpu_usec (run->broker->pid) - cpu_start;
  run->foreign_mean = MAX (0.0, ((double) busy - (double) busy_start -
                                 ((double) own - (double) own_start)) /
                                ((double) (run->n_rss - 1) * G_USEC_PER_SEC));
  return TRUE;
}

/* "pushed I c...", "yelled I c...", "busy I B", ..., "done" from each
 * publisher process. */
static gboolean
collect_publishers (SoakRun *run)
{
  const SoakOptions *o = run->options;
  guint n = (guint) (o->publishers * o->names);
  gint64 start = g_get_monotonic_time ();

  run->expected = g_new0 (guint32, 2 * n);
  for (guint j = 0; j < run->pubs->len; j++)
    {
      for (;;)
        {
          g_autofree char *line = soak_child_read_line (g_ptr_array_index (run->pubs, j));
          g_auto(GStrv) words = NULL;
          guint64 index;
          gboolean yells;

          if (line == NULL)
            return fail (run, "publisher process %u ended without its counts", j);
          if (g_str_equal (line, "done"))
            break;
          words = g_strsplit (line, " ", -1);
          if (g_str_equal (words[0], "error"))
            return fail (run, "publisher process %u: %s", j, line);
          if (g_strv_length (words) < 3 || (index = g_ascii_strtoull (words[1], NULL, 10)) >=
              (guint64) o->publishers)
            return fail (run, "publisher process %u said “%s”", j, line);
          if (g_str_equal (words[0], "busy"))
            {
              run->busy += g_ascii_strtoull (words[2], NULL, 10);
              continue;
            }
          yells = g_str_equal (words[0], "yelled");
          if ((!yells && !g_str_equal (words[0], "pushed")) ||
              g_strv_length (words) != 2 + (guint) o->names)
            return fail (run, "publisher process %u said “%s”", j, line);
          for (gint name = 0; name < o->names; name++)
            {
              guint32 count = (guint32) g_ascii_strtoull (words[2 + name], NULL, 10);

              run->expected[(yells ? n : 0) + index * (guint) o->names + (guint) name] = count;
              if (yells)
                run->yelled += count;
              else
                run->pushed += count;
            }
        }
    }
  /* The time the last publisher took to flush after its last event. */
  run->publish_usec = (gint64) o->seconds * G_USEC_PER_SEC + (g_get_monotonic_time () - start);
  return TRUE;
}

static gboolean
parse_result (SoakTotals *totals,
              const char *line)
{
  SoakTotals t = { 0 };

  if (sscanf (line, "result pushes %" G_GUINT64_FORMAT " lost %" G_GUINT64_FORMAT
                    " dups %" G_GUINT64_FORMAT " yells %" G_GUINT64_FORMAT
                    " yells-lost %" G_GUINT64_FORMAT " yells-dups %" G_GUINT64_FORMAT
                    " bad %" G_GUINT64_FORMAT " retained %" G_GUINT64_FORMAT,
              &t.pushes, &t.lost, &t.dups, &t.yells, &t.yells_lost, &t.yells_dups,
              &t.bad, &t.retained) != 8)
    return FALSE;
  totals->pushes += t.pushes;
  totals->lost += t.lost;
  totals->dups += t.dups;
  totals->yells += t.yells;
  totals->yells_lost += t.yells_lost;
  totals->yells_dups += t.yells_dups;
  totals->bad += t.bad;
  totals->retained += t.retained;
  return TRUE;
}

/* Tells each subscriber process what was published, and reads what it
 * received. */
static gboolean
collect_subscribers (SoakRun *run)
{
  guint n = (guint) (2 * run->options->publishers * run->options->names);
  g_autoptr(GString) expect = g_string_new ("expect");

  for (guint i = 0; i < n; i++)
    g_string_append_printf (expect, " %u", run->expected[i]);
  if (!send_all (run, run->subs, expect->str))
    return FALSE;

  run->all = g_new0 (SoakHist, 1);
  run->steady = g_new0 (SoakHist, 1);
  for (guint j = 0; j < run->subs->len; j++)
    {
      SoakChild *child = g_ptr_array_index (run->subs, j);
      g_autofree char *result = soak_child_read_line (child);
      g_autofree char *all = soak_child_read_line (child);
      g_autofree char *steady = soak_child_read_line (child);
      g_autofree char *done = soak_child_read_line (child);

      if (result == NULL || !parse_result (&run->totals, result) ||
          all == NULL || !g_str_has_prefix (all, "hist-all ") ||
          !soak_hist_parse (run->all, all + strlen ("hist-all ")) ||
          steady == NULL || !g_str_has_prefix (steady, "hist-steady ") ||
          !soak_hist_parse (run->steady, steady + strlen ("hist-steady ")) ||
          g_strcmp0 (done, "done") != 0)
        return fail (run, "subscriber process %u did not report (it said “%.60s”)", j,
                     result != NULL ? result : "nothing");
    }
  run->rss_final = soak_proc_rss_kib (run->broker->pid);
  return TRUE;
}

static gboolean
query_stats (SoakRun *run)
{
  g_autoptr(GError) error = NULL;

  run->stats = mre_peer_query_stats (run->stats_peer, NULL, &error);
  if (run->stats == NULL)
    return fail (run, "the broker's counters: %s", error->message);
  return TRUE;
}

/* Lets every child close its peers and exit, and checks that each did. */
static void
finish_children (SoakRun *run)
{
  GPtrArray *groups[] = { run->pubs, run->subs };

  for (guint g = 0; g < G_N_ELEMENTS (groups); g++)
    for (guint j = 0; j < groups[g]->len; j++)
      soak_child_close_stdin (g_ptr_array_index (groups[g], j));
  run->children_ok = TRUE;
  for (guint g = 0; g < G_N_ELEMENTS (groups); g++)
    for (guint j = 0; j < groups[g]->len; j++)
      if (!soak_child_wait_ok (g_ptr_array_index (groups[g], j)))
        run->children_ok = FALSE;
}

/* A run that hangs (a child that never answers) is stopped: the children
 * die with this process. */
static gpointer
watchdog (gpointer data)
{
  gint64 seconds = GPOINTER_TO_INT (data);

  g_usleep ((gulong) (seconds * G_USEC_PER_SEC));
  printf ("Bail out! the soak test did not finish within %" G_GINT64_FORMAT " s\n", seconds);
  fflush (stdout);
  _exit (EXIT_FAILURE);
}

static void
run_clear (SoakRun *run)
{
  if (run->stats_peer != NULL)
    mre_peer_close (run->stats_peer);
  g_clear_object (&run->stats_peer);
  /* The peers first, the broker last. */
  g_clear_pointer (&run->subs, g_ptr_array_unref);
  g_clear_pointer (&run->pubs, g_ptr_array_unref);
  g_clear_pointer (&run->broker, soak_child_free);
  if (run->socket != NULL)
    g_unlink (run->socket);
  if (run->dir != NULL)
    g_rmdir (run->dir);
  g_free (run->socket);
  g_free (run->dir);
  g_free (run->self);
  g_free (run->expected);
  g_free (run->rss);
  g_free (run->all);
  g_free (run->steady);
  g_clear_pointer (&run->stats, json_node_unref);
  g_free (run->failure);
}

int
soak_run (const SoakOptions *options)
{
  SoakRun run = { .options = options };
  g_autoptr(GError) error = NULL;
  int status;

  g_thread_unref (g_thread_new ("soak-watchdog", watchdog,
                                GINT_TO_POINTER (options->seconds + 2 * options->drain + 120)));
  printf ("1..5\n");
  soak_diag ("%d publishers and %d subscribers (in %d and %d processes) over %d event names, "
          "%d s (%d s of warm-up), %s\n",
          options->publishers, options->subscribers, options->pub_procs, options->sub_procs,
          options->names, options->seconds, options->warmup,
          options->rate > 0 ? "paced" : "as fast as the bus takes them");
  fflush (stdout);

  run.self = g_file_read_link ("/proc/self/exe", &error);
  run.dir = g_dir_make_tmp ("mre-soak-XXXXXX", &error);
  if (run.self == NULL || run.dir == NULL)
    {
      printf ("Bail out! %s\n", error->message);
      run_clear (&run);
      return EXIT_FAILURE;
    }
  run.socket = g_build_filename (run.dir, "broker.sock", NULL);
  run.pubs = g_ptr_array_new_with_free_func ((GDestroyNotify) soak_child_free);
  run.subs = g_ptr_array_new_with_free_func ((GDestroyNotify) soak_child_free);

  if (start_broker (&run) &&
      start_children (&run, "subscriber", options->subscribers, options->sub_procs, run.subs) &&
      start_children (&run, "publisher", options->publishers, options->pub_procs, run.pubs) &&
      publish (&run) &&
      collect_publishers (&run) &&
      collect_subscribers (&run) &&
      query_stats (&run))
    finish_children (&run);

  status = soak_report (&run);
  run_clear (&run);
  return status;
}
