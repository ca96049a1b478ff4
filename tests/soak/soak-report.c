/* soak-report.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The checks of the soak test, as TAP, with the figures as diagnostics. */

#include <stdio.h>
#include <stdlib.h>

#include "soak-run.h"

/* When the subscribers fall behind, the broker queues what they have not
 * read (up to 8 MiB each before it pauses the publishers) and keeps
 * those buffers: at 135,000 deliveries/s, some 23 MB/s, a lag of a third
 * of a second already fills the RSS bound. On a machine of its own the
 * test does not lag so; if it lagged while other processes took at least
 * STARVED_CPUS in some second, the RSS check is skipped, not failed:
 * nothing can be told of a leak then. Lagging on an idle machine fails. */
#define LAGGED_USEC   (250 * 1000)
#define STARVED_CPUS  0.5

static gint64
stats_member (JsonNode   *stats,
              const char *name)
{
  JsonObject *object;

  if (stats == NULL || !JSON_NODE_HOLDS_OBJECT (stats))
    return -1;
  object = json_node_get_object (stats);
  return json_object_has_member (object, name) ? json_object_get_int_member (object, name) : -1;
}

static gboolean
tap (guint       number,
     gboolean    ok,
     const char *description)
{
  printf ("%s %u - %s\n", ok ? "ok" : "not ok", number, description);
  return ok;
}

static double
per_second (guint64 count,
            gint64  usec)
{
  return usec > 0 ? (double) count * G_USEC_PER_SEC / (double) usec : 0.0;
}

static void
print_latency (const char     *what,
               const SoakHist *hist)
{
  soak_diag ("latency, %s (%" G_GUINT64_FORMAT " events): p50 %" G_GUINT64_FORMAT " us, "
          "p99 %" G_GUINT64_FORMAT " us, p99.9 %" G_GUINT64_FORMAT " us, max %" G_GUINT64_FORMAT
          " us\n", what, hist->total, soak_hist_quantile (hist, 0.50),
          soak_hist_quantile (hist, 0.99), soak_hist_quantile (hist, 0.999), hist->max);
}

/* Prints the figures and the TAP results; the exit status. */
int
soak_report (SoakRun *run)
{
  const SoakOptions *o = run->options;
  const SoakTotals *t = &run->totals;
  gboolean finished = run->failure == NULL;
  guint64 expected_pushes = run->pushed * (guint64) o->subscribers;
  guint64 expected_yells = run->yelled * (guint64) o->subscribers;
  guint64 rss_warm = 0, rss_max = 0;
  gboolean push_ok, broker_ok, rss_ok, yell_ok, ok = TRUE;

  if (!finished)
    soak_diag ("the run did not finish: %s\n", run->failure);

  if (run->rss != NULL && (guint) o->warmup < run->n_rss)
    {
      rss_warm = run->rss[o->warmup];
      for (guint i = (guint) o->warmup + 1; i < run->n_rss; i++)
        rss_max = MAX (rss_max, run->rss[i]);
      rss_max = MAX (rss_max, run->rss_final);
    }

  soak_diag ("pushed %" G_GUINT64_FORMAT " events (%.0f/s), yelled %" G_GUINT64_FORMAT
          "; MRE_ERROR_BUSY met %" G_GUINT64_FORMAT " times\n",
          run->pushed, per_second (run->pushed, run->publish_usec), run->yelled, run->busy);
  soak_diag ("pushes delivered %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
          " (%d subscribers), lost %" G_GUINT64_FORMAT ", duplicates %" G_GUINT64_FORMAT
          ", replayed %" G_GUINT64_FORMAT ", undecodable %" G_GUINT64_FORMAT "\n",
          t->pushes, expected_pushes, o->subscribers, t->lost, t->dups, t->retained, t->bad);
  soak_diag ("yells delivered %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT ", lost %"
          G_GUINT64_FORMAT " (allowed), duplicates %" G_GUINT64_FORMAT "\n",
          t->yells, expected_yells, t->yells_lost, t->yells_dups);
  soak_diag ("deliveries %.0f/s (pushes and yells, to all subscribers)\n",
          per_second (t->pushes + t->yells, run->publish_usec));
  if (run->steady != NULL)
    {
      print_latency ("after the warm-up", run->steady);
      print_latency ("whole run", run->all);
    }
  soak_diag ("broker RSS: %" G_GUINT64_FORMAT " KiB before publishing, %" G_GUINT64_FORMAT
          " KiB at the end of the warm-up (%d s), at most %" G_GUINT64_FORMAT
          " KiB after it (bound %" G_GUINT64_FORMAT " KiB), %" G_GUINT64_FORMAT
          " KiB at the end\n",
          run->rss != NULL ? run->rss[0] : 0, rss_warm, o->warmup, rss_max,
          rss_warm + (guint64) o->rss_bound, run->rss_final);
  if (finished && run->pushed > 0)
    {
      /* What the RSS bound catches: a leak of this much per event routed
       * after the warm-up (per event in, and per delivery). */
      double after = (double) (o->seconds - o->warmup) / o->seconds;
      double in = (double) (run->pushed + run->yelled) * after;
      double out = (double) (t->pushes + t->yells) * after;

      soak_diag ("the RSS bound catches a leak of %.1f bytes per event in, %.2f per delivery\n",
              o->rss_bound * 1024.0 / MAX (in, 1.0), o->rss_bound * 1024.0 / MAX (out, 1.0));
    }
  soak_diag ("other processes took %.2f CPUs on average, %.2f in the busiest second",
             run->foreign_mean, run->foreign_peak);
  soak_diag ("broker CPU: %.1f s in %d s (%.0f%% of one CPU)\n",
          (double) run->cpu_usec / G_USEC_PER_SEC, o->seconds,
          100.0 * (double) run->cpu_usec / ((double) o->seconds * G_USEC_PER_SEC));
  soak_diag ("broker counters: events_in %" G_GINT64_FORMAT ", events_out %" G_GINT64_FORMAT
          ", dropped %" G_GINT64_FORMAT ", slow_disconnects %" G_GINT64_FORMAT
          ", flow_control_pauses %" G_GINT64_FORMAT "\n",
          stats_member (run->stats, "events_in"), stats_member (run->stats, "events_out"),
          stats_member (run->stats, "dropped"), stats_member (run->stats, "slow_disconnects"),
          stats_member (run->stats, "flow_control_pauses"));

  push_ok = finished && run->pushed > 0 && t->pushes == expected_pushes && t->lost == 0 &&
            t->dups == 0 && t->bad == 0 && t->retained == 0;
  ok &= tap (1, push_ok, "every push reached every subscriber once, in order");

  broker_ok = finished && stats_member (run->stats, "dropped") == 0 &&
              stats_member (run->stats, "slow_disconnects") == 0;
  ok &= tap (2, broker_ok, "the broker dropped nothing and disconnected no subscriber");

  /* Flat: after the warm-up the broker holds the same 65 connections, 4
   * names of at most --backlog retained events and its queues; what may
   * still move is the queued bytes and malloc's free lists. The bound
   * (8 MiB by default) is the flow-control mark of one connection (an
   * eighth of max-queued-bytes): the broker may legitimately hold that
   * much for one slow subscriber before it pauses its publishers. At the
   * default rate a leak of some 70 bytes per event routed (1.3 bytes per
   * delivery) after the warm-up exceeds it: the figures above say how
   * much for the run made. */
  rss_ok = finished && rss_warm > 0 && rss_max <= rss_warm + (guint64) o->rss_bound;
  if (!rss_ok && finished && rss_warm > 0 && run->foreign_peak >= STARVED_CPUS &&
      run->steady->max > LAGGED_USEC)
    {
      /* Not this test's failure, nor a pass: see LAGGED_USEC. */
      printf ("ok 3 - the broker's RSS is flat after the warm-up # SKIP other processes took "
              "up to %.1f CPUs and the subscribers fell up to %" G_GUINT64_FORMAT " ms behind: "
              "the broker's queues held the backlog, which its RSS cannot tell from a leak\n",
              run->foreign_peak, run->steady->max / 1000);
    }
  else
    ok &= tap (3, rss_ok, "the broker's RSS is flat after the warm-up");

  yell_ok = finished && t->yells_dups == 0 && t->yells + t->yells_lost == expected_yells;
  ok &= tap (4, yell_ok, "no yell duplicated or out of order (lost ones are reported)");

  ok &= tap (5, finished && run->children_ok, "every child process exited cleanly");
  fflush (stdout);

  return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
