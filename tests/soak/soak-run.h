/* soak-run.h
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* What the parent gathers (soak-run.c) and reports (soak-report.c). */

#pragma once

#include "soak.h"

/* Summed over the subscriber processes' "result" lines. */
typedef struct
{
  guint64 pushes;       /* received, duplicates included */
  guint64 lost;
  guint64 dups;
  guint64 yells;
  guint64 yells_lost;
  guint64 yells_dups;
  guint64 bad;
  guint64 retained;
} SoakTotals;

typedef struct
{
  const SoakOptions *options;
  char       *dir;
  char       *socket;
  char       *self;
  SoakChild  *broker;
  GPtrArray  *pubs;           /* SoakChild */
  GPtrArray  *subs;           /* SoakChild */
  MrePeer    *stats_peer;

  guint32    *expected;       /* pushes, then yells, per (publisher, name) */
  guint64     pushed;         /* all publishers */
  guint64     yelled;
  guint64     busy;           /* MRE_ERROR_BUSY met by the publishers */
  gboolean    children_ok;    /* each child said what it should and exited 0 */

  guint64    *rss;            /* KiB, [0] before publishing, [i] after i s */
  guint       n_rss;
  guint64     rss_final;      /* after the subscribers received everything */
  guint64     cpu_usec;       /* of the broker while publishing */
  double      foreign_mean;   /* CPUs taken by processes not of this test, */
  double      foreign_peak;   /* on average and in the busiest second */
  gint64      publish_usec;   /* how long publishing took, flushes included */

  SoakTotals  totals;
  SoakHist   *all;            /* latencies of every event */
  SoakHist   *steady;         /* of events published after the warm-up */
  JsonNode   *stats;          /* the broker's counters at the end */

  char       *failure;        /* why the run could not finish */
} SoakRun;

int soak_report (SoakRun *run);
