/* bench-common.h
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/*
 * What the benchmark programs (bench/dispatch, bench/broker) share: their
 * options' parsing, the clock, the statistics of their samples, what the
 * other processes of the machine used during a run, the machine's lines of
 * the table, the JSON lines of --json, and the way out on failure.
 *
 * Only the main thread calls these, except bench_now_ns() (any thread).
 */

#pragma once

#include <time.h>

#include <glib.h>

G_BEGIN_DECLS

/* What bench_die() runs before it prints, e.g. to kill child processes. */
typedef void (*BenchCleanupFunc) (void);

/* @program: the program's name, which bench_die() prints and the "bench"
 * field of every JSON line carries; @cleanup: (nullable) */
void     bench_init             (const char         *program,
                                 BenchCleanupFunc    cleanup);
/* Runs the cleanup, prints "PROGRAM: FAILED: " and the message on stderr,
 * and exits with EXIT_FAILURE. */
void     bench_die              (const char         *format,
                                 ...) G_GNUC_PRINTF (1, 2) G_GNUC_NORETURN;

/* Parses the command line with @entries; @parameter_string and @summary
 * as for g_option_context_new() and g_option_context_set_summary(). On an
 * error says it on stderr and returns FALSE. */
gboolean bench_parse_options    (int                *argc,
                                 char             ***argv,
                                 const char         *parameter_string,
                                 const char         *summary,
                                 const GOptionEntry *entries);
/* TRUE when @value is NULL (the option was not given) or one of @names;
 * otherwise says "unknown --@option @value" on stderr and returns FALSE. */
gboolean bench_option_is_known  (const char         *option,
                                 const char         *value,
                                 const char * const *names);

/* CLOCK_MONOTONIC is the clock of g_get_monotonic_time(), and one clock
 * for every process of the machine; we read it in ns because same-thread
 * latencies are well below a microsecond. */
static inline gint64
bench_now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (gint64) ts.tv_sec * G_GINT64_CONSTANT (1000000000) + ts.tv_nsec;
}

/* Statistics: ascending sorts, and the nearest-rank percentile of samples
 * in ns, in us */
void     bench_sort_ns          (gint64             *values,
                                 gsize               n);
void     bench_sort_doubles     (double             *values,
                                 gsize               n);
double   bench_percentile_us    (const gint64       *sorted_ns,
                                 guint               n,
                                 guint               percent);

/* How many CPUs the other processes of the machine kept busy during a run:
 * the CPU time of the whole machine (/proc/stat) less that of this process
 * and of its children that have been waited for. */
typedef struct
{
  gint64 start_us;     /* monotonic */
  gint64 machine_ms;   /* at the start, or -1 */
  gint64 own_ms;       /* at the start, or -1 */
} BenchCpuLoad;

void     bench_cpu_load_start   (BenchCpuLoad       *self);
/* seconds since bench_cpu_load_start() */
double   bench_cpu_load_elapsed (const BenchCpuLoad *self);
/* the average number of CPUs other processes kept busy over @elapsed
 * seconds since the start, or -1 if unknown */
double   bench_cpu_load_foreign (const BenchCpuLoad *self,
                                 double              elapsed);

/* The table's "machine:" line (CPUs, CPU model, GLib, then @versions as
 * given, e.g. "ZeroMQ 4.3.4; ", and the run's duration), and the lines on
 * the other processes' load; their text starts at column @indent. */
void     bench_print_machine    (int                 indent,
                                 const char         *versions,
                                 double              elapsed,
                                 double              foreign_cpus);

/* The JSON lines of --json, one object a line:
 *   {"bench":PROGRAM,"case":CASE,"impl":IMPL, ...}
 * bench_json_begin() prints the head; the caller may add members
 * ("name":value,) and ends the line with one of the others, or prints the
 * rest itself. Values in "us" have three decimals, the others (counts,
 * events per second) none. */
void     bench_json_begin       (const char         *bench_case,
                                 const char         *impl);
void     bench_json_value       (const char         *metric,
                                 double              value,
                                 const char         *unit);
void     bench_json_ratio       (const char         *vs,
                                 const char         *of,
                                 double              value);
void     bench_json_note        (const char         *metric,
                                 const char         *note);

G_END_DECLS
