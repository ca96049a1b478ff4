/* bench-common.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "bench-common.h"

static const char *program_name = "bench";
static BenchCleanupFunc die_cleanup;

void
bench_init (const char       *program,
            BenchCleanupFunc  cleanup)
{
  program_name = program;
  die_cleanup = cleanup;
}

void
bench_die (const char *format,
           ...)
{
  va_list args;

  if (die_cleanup != NULL)
    die_cleanup ();

  fflush (stdout);
  g_printerr ("%s: FAILED: ", program_name);
  va_start (args, format);
  vfprintf (stderr, format, args);
  va_end (args);
  g_printerr ("\n");
  exit (EXIT_FAILURE);
}

gboolean
bench_parse_options (int                 *argc,
                     char              ***argv,
                     const char          *parameter_string,
                     const char          *summary,
                     const GOptionEntry  *entries)
{
  g_autoptr(GOptionContext) option_context = NULL;
  g_autoptr(GError) error = NULL;

  option_context = g_option_context_new (parameter_string);
  g_option_context_set_summary (option_context, summary);
  g_option_context_add_main_entries (option_context, entries, NULL);
  if (!g_option_context_parse (option_context, argc, argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return FALSE;
    }
  return TRUE;
}

gboolean
bench_option_is_known (const char         *option,
                       const char         *value,
                       const char * const *names)
{
  if (value == NULL || g_strv_contains (names, value))
    return TRUE;

  g_printerr ("unknown --%s %s\n", option, value);
  return FALSE;
}

/* ------------------------------------------------------------------------ */
/* Statistics */

static int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a;
  gint64 y = *(const gint64 *) b;

  return (x > y) - (x < y);
}

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;

  return (x > y) - (x < y);
}

void
bench_sort_ns (gint64 *values,
               gsize   n)
{
  qsort (values, n, sizeof (gint64), compare_gint64);
}

void
bench_sort_doubles (double *values,
                    gsize   n)
{
  qsort (values, n, sizeof (double), compare_double);
}

/* nearest rank, in us */
double
bench_percentile_us (const gint64 *sorted_ns,
                     guint         n,
                     guint         percent)
{
  guint rank = (guint) (((guint64) n * percent + 99) / 100);

  return sorted_ns[MAX (rank, 1) - 1] / 1000.0;
}

/* ------------------------------------------------------------------------ */
/* The other processes' load */

/* CPU time in ms used by the whole machine (from /proc/stat) */
static gint64
machine_busy_ms (void)
{
  g_autofree char *contents = NULL;
  guint64 user, nice, system, idle, iowait, irq, softirq, steal;
  long ticks = sysconf (_SC_CLK_TCK);

  if (!g_file_get_contents ("/proc/stat", &contents, NULL, NULL) ||
      sscanf (contents, "cpu %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
              " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
              " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT,
              &user, &nice, &system, &idle, &iowait, &irq, &softirq, &steal) != 8 ||
      ticks <= 0)
    return -1;

  return (gint64) ((user + nice + system + irq + softirq + steal) * 1000 / ticks);
}

/* CPU time in ms used by this process and its children that have been
 * waited for */
static gint64
own_busy_ms (void)
{
  struct rusage self, children;

  if (getrusage (RUSAGE_SELF, &self) != 0 || getrusage (RUSAGE_CHILDREN, &children) != 0)
    return -1;

  return (gint64) (self.ru_utime.tv_sec + self.ru_stime.tv_sec +
                   children.ru_utime.tv_sec + children.ru_stime.tv_sec) * 1000 +
         (self.ru_utime.tv_usec + self.ru_stime.tv_usec +
          children.ru_utime.tv_usec + children.ru_stime.tv_usec) / 1000;
}

void
bench_cpu_load_start (BenchCpuLoad *self)
{
  self->machine_ms = machine_busy_ms ();
  self->own_ms = own_busy_ms ();
  self->start_us = g_get_monotonic_time ();
}

double
bench_cpu_load_elapsed (const BenchCpuLoad *self)
{
  return (g_get_monotonic_time () - self->start_us) / (double) G_USEC_PER_SEC;
}

double
bench_cpu_load_foreign (const BenchCpuLoad *self,
                        double              elapsed)
{
  gint64 machine_ms = machine_busy_ms ();
  gint64 own_ms = own_busy_ms ();

  if (self->machine_ms < 0 || machine_ms < 0 || self->own_ms < 0 || own_ms < 0 ||
      elapsed <= 0)
    return -1;

  return MAX (0, (machine_ms - self->machine_ms) - (own_ms - self->own_ms)) /
         (elapsed * 1000.0);
}

/* ------------------------------------------------------------------------ */
/* The table */

static char *
cpu_model (void)
{
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;

  if (!g_file_get_contents ("/proc/cpuinfo", &contents, NULL, NULL))
    return g_strdup ("unknown");

  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (g_str_has_prefix (lines[i], "model name"))
        {
          const char *colon = strchr (lines[i], ':');

          if (colon != NULL)
            return g_strstrip (g_strdup (colon + 1));
        }
    }

  return g_strdup ("unknown");
}

void
bench_print_machine (int         indent,
                     const char *versions,
                     double      elapsed,
                     double      foreign_cpus)
{
  g_autofree char *cpu = cpu_model ();

  printf ("%-*s%u CPUs, %s; GLib %u.%u.%u; %srun took %.1f s\n",
          indent, "machine:", g_get_num_processors (), cpu,
          glib_major_version, glib_minor_version, glib_micro_version,
          versions != NULL ? versions : "", elapsed);
  if (foreign_cpus >= 0)
    printf ("%*sother processes kept %.2f CPUs busy on average during the run\n",
            indent, "", foreign_cpus);
  if (foreign_cpus > 0.05)
    printf ("%-*sthe machine was not idle: figures are unreliable\n", indent, "WARNING:");
}

/* ------------------------------------------------------------------------ */
/* JSON lines */

static char *
json_string (const char *s)
{
  GString *out = g_string_new ("\"");

  for (const char *p = s; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_printf (out, "\\%c", *p);
      else if ((guchar) *p < 0x20)
        g_string_append_printf (out, "\\u%04x", (guchar) *p);
      else
        g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
  return g_string_free (out, FALSE);
}

void
bench_json_begin (const char *bench_case,
                  const char *impl)
{
  printf ("{\"bench\":\"%s\",\"case\":\"%s\",\"impl\":\"%s\",",
          program_name, bench_case, impl);
}

void
bench_json_value (const char *metric,
                  double      value,
                  const char *unit)
{
  gboolean integral = strcmp (unit, "us") != 0;

  printf ("\"metric\":\"%s\",\"value\":%.*f,\"unit\":\"%s\"}\n",
          metric, integral ? 0 : 3, value, unit);
}

void
bench_json_ratio (const char *vs,
                  const char *of,
                  double      value)
{
  printf ("\"metric\":\"ratio\",\"vs\":\"%s\",\"of\":\"%s\",\"value\":%.3f}\n",
          vs, of, value);
}

void
bench_json_note (const char *metric,
                 const char *note)
{
  g_autofree char *quoted = json_string (note);

  printf ("\"metric\":\"%s\",\"note\":%s}\n", metric, quoted);
}
