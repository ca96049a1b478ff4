/* soak.h
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/*
 * The soak test (tests/soak/soak.c): what its three kinds of process share.
 * The parent starts `mreventloop broker` and re-runs its own program as
 * the children: `soak publisher ...` hosts publisher peers, `soak
 * subscriber ...` subscriber peers. They talk over the children's stdin
 * and stdout, one line a message:
 *
 *   child → parent   "ready"                  every peer connected (and subscribed)
 *   parent → sub     "warm T"                 events published from real time T (µs) on
 *                                             are past the warm-up
 *   parent → pub     "go"                     start publishing
 *   pub → parent     "pushed I c0 c1 ..."     one line per publisher I: pushes per name,
 *                    "yelled I c0 c1 ..."     yells per name,
 *                    "busy I B"               times MRE_ERROR_BUSY was met;
 *                    "done"                   then waits for EOF on stdin
 *   parent → sub     "expect c..."            pushes, then yells, per (publisher, name)
 *   sub → parent     "result KEY V ..."       counts, "hist-all"/"hist-steady" latencies,
 *                    "done"                   then waits for EOF on stdin
 */

#pragma once

#include <mreventloop.h>

#define SOAK_PUB_PREFIX "soak-pub-"
#define SOAK_SUB_PREFIX "soak-sub-"
#define SOAK_NAME_PREFIX "soak."

/* A latency histogram in µs: exact below 128, then 64 buckets per power
 * of two (at most 1.6% wide), up to 2^41 µs. Each subscriber peer fills
 * its own; the parent merges them. */
#define SOAK_HIST_BUCKETS 2368

typedef struct
{
  guint64 count[SOAK_HIST_BUCKETS];
  guint64 total;
  guint64 max;
} SoakHist;

void     soak_hist_add         (SoakHist       *hist,
                                guint64         usec);
void     soak_hist_merge       (SoakHist       *into,
                                const SoakHist *from);
guint64  soak_hist_quantile    (const SoakHist *hist,
                                double          q);
char    *soak_hist_to_string   (const SoakHist *hist);
gboolean soak_hist_parse       (SoakHist       *hist,
                                const char     *text);

/* Helpers of the children. */
char    *soak_read_line        (GDataInputStream *in);
void     soak_say              (const char       *format,
                                ...) G_GNUC_PRINTF (1, 2);
char    *soak_event_name       (guint             index);
void     soak_diag             (const char       *format,
                                ...) G_GNUC_PRINTF (1, 2);

/* The parent's side of a child process (soak-child.c). */
typedef struct
{
  GSubprocess      *proc;
  GOutputStream    *in;     /* its stdin, NULL for the broker */
  GDataInputStream *out;    /* its stdout, NULL for the broker */
  GPid              pid;
} SoakChild;

SoakChild *soak_child_spawn      (const char * const  *argv,
                                  gboolean             pipes,
                                  GError             **error);
gboolean   soak_child_send       (SoakChild           *child,
                                  const char          *line);
char      *soak_child_read_line  (SoakChild           *child);
void       soak_child_close_stdin (SoakChild          *child);
gboolean   soak_child_wait_ok    (SoakChild           *child);
void       soak_child_free       (SoakChild           *child);
guint64    soak_proc_rss_kib     (GPid                 pid);
guint64    soak_proc_cpu_usec    (GPid                 pid);
guint64    soak_system_busy_usec (void);

/* The parent (soak-run.c), with the options of soak.c. */
typedef struct
{
  gint  seconds;      /* of publishing */
  gint  warmup;       /* seconds, from the start of publishing */
  gint  rate;         /* pushes/s of all publishers together; 0: unpaced */
  gint  publishers;
  gint  subscribers;
  gint  names;
  gint  pub_procs;
  gint  sub_procs;
  gint  yell_every;
  gint  payload;
  gint  backlog;
  gint  drain;
  gint  rss_bound;    /* KiB */
  char *tool;
} SoakOptions;

int        soak_run              (const SoakOptions   *options);

/* The children: argc and argv after the role. */
int      soak_run_publisher    (int    argc,
                                char **argv);
int      soak_run_subscriber   (int    argc,
                                char **argv);
