/* broker-report.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdio.h>
#include <string.h>

#include "bench-common.h"
#include "broker-report.h"

const char * const bench_case_names[BENCH_N_CASES + 1] = {
  "throughput",
  "fan-out",
  "latency",
  NULL
};

static const BenchImpl mre_impls[] = {
  BENCH_IMPL_MRE,
  BENCH_IMPL_MRE_NO_DECODE,
};

/* compared with BENCH_IMPL_MRE, the same with yells, not with the
 * alternatives: neither has an acknowledged, stored push */
static const BenchImpl push_impls[] = {
  BENCH_IMPL_MRE_PUSH,
  BENCH_IMPL_MRE_PUSH_STORED,
};

static const BenchImpl alternatives[] = {
  BENCH_IMPL_ZMQ_DEFAULT_HWM,
  BENCH_IMPL_ZMQ_UNLIMITED_HWM,
  BENCH_IMPL_DBUS,
};

/* ------------------------------------------------------------------------ */
/* JSON */

static void
print_json_head (BenchCase bench_case,
                 BenchImpl impl)
{
  bench_json_begin (bench_case_names[bench_case], bench_impl_names[impl]);
}

static void
print_json_value (BenchCase   bench_case,
                  BenchImpl   impl,
                  int         subscriber,
                  const char *metric,
                  double      value,
                  const char *unit)
{
  print_json_head (bench_case, impl);
  if (subscriber >= 0)
    printf ("\"subscriber\":%d,", subscriber);
  bench_json_value (metric, value, unit);
}

static void
print_json_note (BenchCase   bench_case,
                 BenchImpl   impl,
                 const char *metric,
                 const char *note)
{
  print_json_head (bench_case, impl);
  bench_json_note (metric, note);
}

static void
print_json_ratio (BenchCase   bench_case,
                  BenchImpl   impl,
                  BenchImpl   vs,
                  const char *of,
                  double      value)
{
  print_json_head (bench_case, impl);
  bench_json_ratio (bench_impl_names[vs], of, value);
}

void
bench_report_json (BenchResults results)
{
  for (guint bc = 0; bc < BENCH_N_CASES; bc++)
    for (guint i = 0; i < BENCH_N_IMPLS; i++)
      {
        const BenchResult *r = &results[bc][i];

        if (r->skipped != NULL)
          print_json_note (bc, i, "skipped", r->skipped);
        if (r->failure != NULL)
          print_json_note (bc, i, "failed", r->failure);
        if (!r->ran)
          continue;

        if (bc == BENCH_CASE_LATENCY)
          {
            print_json_value (bc, i, -1, "p50", r->p50, "us");
            print_json_value (bc, i, -1, "p99", r->p99, "us");
            print_json_value (bc, i, -1, "lost", r->lost_samples, "samples");
            continue;
          }

        print_json_value (bc, i, -1, "throughput", r->throughput, "ev/s");
        print_json_value (bc, i, -1, "sent", r->sent, "events");
        print_json_value (bc, i, -1, "received", r->received, "events");
        print_json_value (bc, i, -1, "lost", r->lost, "events");
        print_json_value (bc, i, -1, "out-of-order", r->disorder, "events");
        print_json_value (bc, i, -1, "publish-rate", r->publish_rate, "ev/s");
        print_json_value (bc, i, -1, "end-to-end", r->end_to_end, "ev/s");
        if (bench_impl_is_push (i))
          print_json_value (bc, i, -1, "acked", r->publish_rate, "ev/s");
        if (bc == BENCH_CASE_FAN_OUT)
          for (guint s = 0; s < r->n_subscribers; s++)
            {
              const BenchSubResult *sub = &r->subs[s];

              print_json_value (bc, i, s, "throughput", sub->throughput, "ev/s");
              print_json_value (bc, i, s, "received", sub->received, "events");
              print_json_value (bc, i, s, "lost",
                                r->sent > sub->received ? r->sent - sub->received : 0,
                                "events");
            }
      }

  for (guint bc = 0; bc < BENCH_N_CASES; bc++)
    for (guint m = 0; m < G_N_ELEMENTS (mre_impls); m++)
      for (guint a = 0; a < G_N_ELEMENTS (alternatives); a++)
        {
          const BenchResult *r = &results[bc][mre_impls[m]];
          const BenchResult *alt = &results[bc][alternatives[a]];

          if (!r->ran || !alt->ran)
            continue;
          if (bc == BENCH_CASE_LATENCY)
            {
              print_json_ratio (bc, mre_impls[m], alternatives[a], "p50", r->p50 / alt->p50);
              print_json_ratio (bc, mre_impls[m], alternatives[a], "p99", r->p99 / alt->p99);
            }
          else if (alt->throughput > 0)
            {
              print_json_ratio (bc, mre_impls[m], alternatives[a], "throughput",
                                r->throughput / alt->throughput);
            }
        }

  for (guint bc = 0; bc < BENCH_N_CASES; bc++)
    for (guint p = 0; p < G_N_ELEMENTS (push_impls); p++)
      {
        const BenchResult *r = &results[bc][push_impls[p]];
        const BenchResult *yell = &results[bc][BENCH_IMPL_MRE];

        if (!r->ran || !yell->ran)
          continue;
        if (bc == BENCH_CASE_LATENCY)
          {
            print_json_ratio (bc, push_impls[p], BENCH_IMPL_MRE, "p50", r->p50 / yell->p50);
            print_json_ratio (bc, push_impls[p], BENCH_IMPL_MRE, "p99", r->p99 / yell->p99);
            continue;
          }
        if (yell->throughput > 0)
          print_json_ratio (bc, push_impls[p], BENCH_IMPL_MRE, "throughput",
                            r->throughput / yell->throughput);
        if (yell->end_to_end > 0)
          print_json_ratio (bc, push_impls[p], BENCH_IMPL_MRE, "end-to-end",
                            r->end_to_end / yell->end_to_end);
        /* the yells' flush waits for the socket, not for acknowledgements */
        if (yell->publish_rate > 0)
          print_json_ratio (bc, push_impls[p], BENCH_IMPL_MRE, "acked",
                            r->publish_rate / yell->publish_rate);
      }
}

/* ------------------------------------------------------------------------ */
/* Table */

static char *
dbus_daemon_version (void)
{
  g_autofree char *out = NULL;
  const char *argv[] = { "dbus-daemon", "--version", NULL };
  char *newline;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                     NULL, NULL, &out, NULL, NULL, NULL) || out == NULL)
    return g_strdup ("no dbus-daemon");
  newline = strchr (out, '\n');
  if (newline != NULL)
    *newline = '\0';
  return g_steal_pointer (&out);
}

static char *
format_rate (double rate)
{
  if (rate <= 0)
    return g_strdup ("-");
  if (rate >= 1e5)
    return g_strdup_printf ("%.3f M/s", rate / 1e6);
  return g_strdup_printf ("%.1f k/s", rate / 1e3);
}

static char *
format_order (guint64 disorder,
              guint64 header_disorder,
              guint64 bad)
{
  if (disorder == 0 && header_disorder == 0 && bad == 0)
    return g_strdup ("ok");
  if (bad != 0)
    return g_strdup_printf ("%" G_GUINT64_FORMAT " bad", bad);
  return g_strdup_printf ("%" G_GUINT64_FORMAT " back", MAX (disorder, header_disorder));
}

#define ROW "%-11s %-23s %12s %10s %10s %10s %7s %7s %7s %12s\n"

static void
print_throughput_row (BenchCase          bench_case,
                      BenchImpl          impl,
                      const BenchResult *r)
{
  g_autofree char *rate = format_rate (r->throughput);
  g_autofree char *pub_rate = format_rate (r->publish_rate);
  g_autofree char *sent = g_strdup_printf ("%" G_GUINT64_FORMAT, r->sent * r->n_subscribers);
  g_autofree char *received = g_strdup_printf ("%" G_GUINT64_FORMAT, r->received);
  g_autofree char *lost = g_strdup_printf ("%" G_GUINT64_FORMAT, r->lost);
  g_autofree char *loss = g_strdup_printf ("%.2f%%", 100.0 * r->lost / MAX (1, r->sent * r->n_subscribers));
  guint64 header_disorder = 0, bad = 0;
  guint n_stalled = 0;
  g_autofree char *order = NULL;
  g_autofree char *end = NULL;

  for (guint s = 0; s < r->n_subscribers; s++)
    {
      header_disorder += r->subs[s].header_disorder;
      bad += r->subs[s].bad;
      n_stalled += !r->subs[s].end_seen;
    }
  order = format_order (r->disorder, header_disorder, bad);
  end = n_stalled == 0 ? g_strdup ("seen") : g_strdup_printf ("%u stall", n_stalled);

  printf (ROW, bench_case_names[bench_case], bench_impl_names[impl], rate, sent, received,
          lost, loss, order, end, pub_rate);

  if (bench_case != BENCH_CASE_FAN_OUT)
    return;

  for (guint s = 0; s < r->n_subscribers; s++)
    {
      const BenchSubResult *sub = &r->subs[s];
      g_autofree char *label = g_strdup_printf ("  subscriber %u", s);
      g_autofree char *sub_rate = format_rate (sub->throughput);
      g_autofree char *sub_sent = g_strdup_printf ("%" G_GUINT64_FORMAT, r->sent);
      g_autofree char *sub_received = g_strdup_printf ("%" G_GUINT64_FORMAT, sub->received);
      guint64 sub_lost_n = r->sent > sub->received ? r->sent - sub->received : 0;
      g_autofree char *sub_lost = g_strdup_printf ("%" G_GUINT64_FORMAT, sub_lost_n);
      g_autofree char *sub_loss = g_strdup_printf ("%.2f%%", 100.0 * sub_lost_n / MAX (1, r->sent));
      g_autofree char *sub_order = format_order (sub->disorder, sub->header_disorder, sub->bad);

      printf (ROW, "", label, sub_rate, sub_sent, sub_received, sub_lost, sub_loss, sub_order,
              sub->end_seen ? "seen" : "stall", "");
    }
}

static char *
format_ratio (double value,
              double base)
{
  if (value <= 0 || base <= 0)
    return g_strdup ("-");
  return g_strdup_printf ("%.2fx", value / base);
}

/* Durable push against the same events yelled */
static void
print_push_table (BenchResults results)
{
  const BenchResult *yell = &results[BENCH_CASE_THROUGHPUT][BENCH_IMPL_MRE];
  const BenchResult *yell_latency = &results[BENCH_CASE_LATENCY][BENCH_IMPL_MRE];
  gboolean any = FALSE;

  for (guint p = 0; p < G_N_ELEMENTS (push_impls); p++)
    any |= results[BENCH_CASE_THROUGHPUT][push_impls[p]].ran ||
           results[BENCH_CASE_LATENCY][push_impls[p]].ran;
  if (!any)
    return;

  printf ("\ndurable push (backlog %d) against yells, one publisher -> broker -> one subscriber;\n"
          "  subscriber: first event received to last; end-to-end: publisher's first event to\n"
          "  the last one received; acked: publisher's first event to the return of its flush\n"
          "  (pushes: every one acknowledged; yells: written to the socket); ratio: / mreventloop\n"
          "  (ZeroMQ and D-Bus have no acknowledged, stored push to compare with)\n",
          BENCH_PUSH_BACKLOG);
  printf ("%-24s %12s %12s %12s %8s %8s %8s %8s %8s\n", "impl", "subscriber", "end-to-end",
          "acked", "ratio", "ratio", "ratio", "p50 us", "p99 us");
  printf ("%-24s %12s %12s %12s %8s %8s %8s %8s %8s\n", "------------------------",
          "------------", "------------", "------------", "--------", "--------", "--------",
          "--------", "--------");

  for (guint i = 0; i <= G_N_ELEMENTS (push_impls); i++)
    {
      BenchImpl impl = i == 0 ? BENCH_IMPL_MRE : push_impls[i - 1];
      const BenchResult *r = &results[BENCH_CASE_THROUGHPUT][impl];
      const BenchResult *l = &results[BENCH_CASE_LATENCY][impl];
      g_autofree char *rate = format_rate (r->ran ? r->throughput : 0);
      g_autofree char *e2e = format_rate (r->ran ? r->end_to_end : 0);
      g_autofree char *acked = format_rate (r->ran ? r->publish_rate : 0);
      g_autofree char *ratio = format_ratio (r->ran ? r->throughput : 0,
                                             yell->ran ? yell->throughput : 0);
      g_autofree char *e2e_ratio = format_ratio (r->ran ? r->end_to_end : 0,
                                                 yell->ran ? yell->end_to_end : 0);
      g_autofree char *acked_ratio = format_ratio (r->ran ? r->publish_rate : 0,
                                                   yell->ran ? yell->publish_rate : 0);
      g_autofree char *p50 = l->ran ? g_strdup_printf ("%.1f", l->p50) : g_strdup ("-");
      g_autofree char *p99 = l->ran ? g_strdup_printf ("%.1f", l->p99) : g_strdup ("-");

      if (!r->ran && !l->ran)
        continue;
      printf ("%-24s %12s %12s %12s %8s %8s %8s %8s %8s\n", bench_impl_names[impl], rate, e2e,
              acked, ratio, e2e_ratio, acked_ratio, p50, p99);
      if (impl != BENCH_IMPL_MRE && l->ran && yell_latency->ran)
        printf ("%-24s %12s %12s %12s %8s %8s %8s %7.2fx %7.2fx\n", "", "", "", "", "", "", "",
                l->p50 / yell_latency->p50, l->p99 / yell_latency->p99);
    }
}

void
bench_report_table (BenchResults           results,
                    const BenchReportInfo *info)
{
  g_autofree char *dbus = dbus_daemon_version ();
  g_autofree char *zmq = NULL;
  g_autofree char *versions = NULL;
  guint n_ratios = 0;

#ifdef HAVE_ZMQ
  zmq = bench_zmq_version ();
#else
  zmq = g_strdup ("not built");
#endif

  printf ("broker: %" G_GUINT64_FORMAT " events of one %d-byte string per throughput run, "
          "%u subscribers in fan-out, %u round trips (after %u) for latency\n",
          info->n_events, BENCH_PAYLOAD_LEN, info->n_subscribers, info->n_samples,
          info->n_warmup);
  versions = g_strdup_printf ("ZeroMQ %s; %s; ", zmq, dbus);
  bench_print_machine ((int) strlen ("machine: "), versions, info->elapsed, info->foreign_cpus);
  printf ("dbus: a private dbus-daemon with the session bus limits (max_incoming_bytes and\n"
          "      max_outgoing_bytes 1000000000); zmq: ZeroMQ's default high-water marks are\n"
          "      1000 messages per socket and direction\n");
  printf ("throughput: received per second at the subscriber(s), first event to last;\n"
          "            sent counts each subscriber's copy; end: the end marker was seen, or\n"
          "            the subscriber stopped after %d s without events; order: events that\n"
          "            came after a higher-numbered one (\"back\"); publisher: rate at which\n"
          "            the publisher handed its events over\n\n",
          (int) (BENCH_STALL_US / G_USEC_PER_SEC));

  printf (ROW, "case", "impl", "throughput", "sent", "received", "lost", "loss", "order",
          "end", "publisher");
  printf (ROW, "-----------", "-----------------------", "------------", "----------",
          "----------", "----------", "-------", "-------", "-------", "------------");
  for (guint bc = BENCH_CASE_THROUGHPUT; bc <= BENCH_CASE_FAN_OUT; bc++)
    for (guint i = 0; i < BENCH_N_IMPLS; i++)
      {
        const BenchResult *r = &results[bc][i];

        if (r->ran)
          print_throughput_row (bc, i, r);
        else if (r->skipped != NULL || r->failure != NULL)
          printf ("%-11s %-23s %s: %s\n", bench_case_names[bc], bench_impl_names[i],
                  r->skipped != NULL ? "skipped" : "FAILED",
                  r->skipped != NULL ? r->skipped : r->failure);
        if (r->ran && r->failure != NULL)
          printf ("%-11s %-23s but: %s\n", "", "", r->failure);
        if (r->ran && r->busy_retries > 0)
          printf ("%-11s %-23s the publisher flushed and retried %" G_GUINT64_FORMAT
                  " times on MRE_ERROR_BUSY\n", "", "", r->busy_retries);
      }

  printf ("\n%-11s %-23s %10s %10s %10s %10s %10s %8s %6s\n",
          "case", "impl", "p50 us", "p99 us", "min us", "mean us", "max us", "samples", "lost");
  printf ("%-11s %-23s %10s %10s %10s %10s %10s %8s %6s\n",
          "-----------", "-----------------------", "----------", "----------", "----------",
          "----------", "----------", "--------", "------");
  for (guint i = 0; i < BENCH_N_IMPLS; i++)
    {
      const BenchResult *r = &results[BENCH_CASE_LATENCY][i];

      if (r->ran)
        printf ("%-11s %-23s %10.1f %10.1f %10.1f %10.1f %10.1f %8u %6u\n",
                bench_case_names[BENCH_CASE_LATENCY], bench_impl_names[i],
                r->p50, r->p99, r->min, r->mean, r->max, r->samples, r->lost_samples);
      else if (r->skipped != NULL || r->failure != NULL)
        printf ("%-11s %-23s %s: %s\n", bench_case_names[BENCH_CASE_LATENCY],
                bench_impl_names[i], r->skipped != NULL ? "skipped" : "FAILED",
                r->skipped != NULL ? r->skipped : r->failure);
    }

  printf ("\nratios: mreventloop / alternative (throughput: > 1 is faster; latency: < 1 is faster)\n");
  printf ("%-11s %-23s %-23s %10s %8s %8s\n", "case", "impl", "vs", "throughput", "p50", "p99");
  printf ("%-11s %-23s %-23s %10s %8s %8s\n", "-----------", "-----------------------",
          "-----------------------", "----------", "--------", "--------");
  for (guint bc = 0; bc < BENCH_N_CASES; bc++)
    for (guint m = 0; m < G_N_ELEMENTS (mre_impls); m++)
      for (guint a = 0; a < G_N_ELEMENTS (alternatives); a++)
        {
          const BenchResult *r = &results[bc][mre_impls[m]];
          const BenchResult *alt = &results[bc][alternatives[a]];

          if (!r->ran || !alt->ran)
            continue;
          n_ratios++;
          if (bc == BENCH_CASE_LATENCY)
            printf ("%-11s %-23s %-23s %10s %7.2fx %7.2fx\n", bench_case_names[bc],
                    bench_impl_names[mre_impls[m]], bench_impl_names[alternatives[a]], "-",
                    r->p50 / alt->p50, r->p99 / alt->p99);
          else if (alt->throughput > 0)
            printf ("%-11s %-23s %-23s %9.2fx %8s %8s\n", bench_case_names[bc],
                    bench_impl_names[mre_impls[m]], bench_impl_names[alternatives[a]],
                    r->throughput / alt->throughput, "-", "-");
        }
  if (n_ratios == 0)
    printf ("(none: mreventloop or its alternatives did not run)\n");
  printf ("a throughput ratio compares what arrived per second: read it with the loss\n");

  print_push_table (results);
}

gboolean
bench_report_faults (BenchResults results)
{
  gboolean faults = FALSE;

  for (guint bc = 0; bc < BENCH_N_CASES; bc++)
    for (guint i = 0; i < BENCH_N_IMPLS; i++)
      {
        const BenchResult *r = &results[bc][i];

        if (r->failure != NULL)
          faults = TRUE;
        if (!bench_impl_is_mre (i) || !r->ran)
          continue;
        /* we promise to lose nothing and to keep the order */
        if (r->lost != 0 || r->disorder != 0 || r->lost_samples != 0)
          {
            g_printerr ("broker: mreventloop %s lost or reordered events\n",
                        bench_case_names[bc]);
            faults = TRUE;
          }
        for (guint s = 0; s < r->n_subscribers; s++)
          if (r->subs[s].header_disorder != 0 || r->subs[s].bad != 0)
            {
              g_printerr ("broker: mreventloop %s subscriber %u: event numbers out of order\n",
                          bench_case_names[bc], s);
              faults = TRUE;
            }
      }
  return faults;
}
