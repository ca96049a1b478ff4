/* broker-report.h
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The figures of bench/broker, and how they are printed. */

#pragma once

#include "broker-bench.h"

G_BEGIN_DECLS

typedef enum
{
  BENCH_CASE_THROUGHPUT,
  BENCH_CASE_FAN_OUT,
  BENCH_CASE_LATENCY,
  BENCH_N_CASES
} BenchCase;

extern const char * const bench_case_names[BENCH_N_CASES + 1];

typedef struct
{
  guint64  received;
  double   throughput;       /* ev/s, from its first DATA to its last */
  guint64  disorder;         /* DATA numbered below one seen before */
  guint64  gaps;             /* places where numbers were skipped */
  guint64  bad;              /* unreadable payloads */
  guint64  header_disorder;  /* mreventloop: event seq not previous + 1 */
  gboolean end_seen;
  gboolean stalled;
  gint64   first_ns;
  gint64   last_ns;
} BenchSubResult;

typedef struct
{
  gboolean       ran;        /* the figures are valid */
  char          *skipped;    /* why it did not run */
  char          *failure;    /* why the run failed */

  /* throughput and fan-out */
  guint          n_subscribers;
  guint64        sent;
  double         publish_rate;  /* ev/s the publisher handed over (pushes: and
                                 * had acknowledged), up to its flush */
  gint64         pub_start_ns;  /* the publisher's first event */
  double         end_to_end;    /* received / (last DATA - pub_start_ns) */
  guint64        busy_retries;
  BenchSubResult subs[BENCH_MAX_SUBSCRIBERS];
  guint64        received;      /* all subscribers */
  guint64        lost;          /* sent x subscribers - received */
  guint64        disorder;
  double         throughput;    /* received / (last DATA - first DATA) */

  /* latency */
  guint          samples;
  guint          lost_samples;
  double         p50;
  double         p99;
  double         min;
  double         max;
  double         mean;
} BenchResult;

typedef BenchResult BenchResults[BENCH_N_CASES][BENCH_N_IMPLS];

typedef struct
{
  guint64  n_events;
  guint    n_subscribers;
  guint    n_samples;
  guint    n_warmup;
  double   elapsed;          /* s */
  double   foreign_cpus;     /* other processes' load, or < 0 */
} BenchReportInfo;

void     bench_report_json   (BenchResults           results);
void     bench_report_table  (BenchResults           results,
                              const BenchReportInfo *info);
/* mreventloop lost, reordered or failed something */
gboolean bench_report_faults (BenchResults           results);

G_END_DECLS
