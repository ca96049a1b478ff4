/* soak-hist.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The latency histogram of soak.h, and the helpers that print and read
 * the lines of the parent and the children. */

#include <stdio.h>
#include <stdlib.h>

#include "soak.h"

#define SOAK_HIST_MAX_USEC ((G_GUINT64_CONSTANT (1) << 41) - 1)

static guint
bucket_of (guint64 usec)
{
  guint shift;

  if (usec < 128)
    return (guint) usec;
  usec = MIN (usec, SOAK_HIST_MAX_USEC);
  shift = (guint) (63 - __builtin_clzll (usec)) - 6;
  /* usec >> shift is in [64, 128): the 64 buckets of that power of two. */
  return 64 * shift + (guint) (usec >> shift);
}

/* The largest value of @bucket: a quantile is never reported lower than
 * the latencies it stands for. */
static guint64
bucket_top (guint bucket)
{
  guint shift;

  if (bucket < 128)
    return bucket;
  shift = bucket / 64 - 1;
  return (((guint64) (bucket % 64 + 64) + 1) << shift) - 1;
}

void
soak_hist_add (SoakHist *hist,
               guint64   usec)
{
  hist->count[bucket_of (usec)]++;
  hist->total++;
  hist->max = MAX (hist->max, usec);
}

void
soak_hist_merge (SoakHist       *into,
                 const SoakHist *from)
{
  for (guint i = 0; i < SOAK_HIST_BUCKETS; i++)
    into->count[i] += from->count[i];
  into->total += from->total;
  into->max = MAX (into->max, from->max);
}

/* The smallest bucket top below which at least @q of the values lie; 0
 * for an empty histogram. */
guint64
soak_hist_quantile (const SoakHist *hist,
                    double          q)
{
  guint64 rank = (guint64) (q * (double) hist->total + 0.999999);
  guint64 seen = 0;

  if (hist->total == 0)
    return 0;
  rank = CLAMP (rank, 1, hist->total);
  for (guint i = 0; i < SOAK_HIST_BUCKETS; i++)
    {
      seen += hist->count[i];
      if (seen >= rank)
        return MIN (bucket_top (i), hist->max);
    }
  return hist->max;
}

/* "max=M B:C B:C ...", the buckets that are not empty. */
char *
soak_hist_to_string (const SoakHist *hist)
{
  GString *out = g_string_new (NULL);

  g_string_append_printf (out, "max=%" G_GUINT64_FORMAT, hist->max);
  for (guint i = 0; i < SOAK_HIST_BUCKETS; i++)
    if (hist->count[i] > 0)
      g_string_append_printf (out, " %u:%" G_GUINT64_FORMAT, i, hist->count[i]);
  return g_string_free (out, FALSE);
}

/* Adds what soak_hist_to_string() wrote to @hist. */
gboolean
soak_hist_parse (SoakHist   *hist,
                 const char *text)
{
  g_auto(GStrv) words = g_strsplit (text, " ", -1);

  if (words[0] == NULL || !g_str_has_prefix (words[0], "max="))
    return FALSE;
  hist->max = MAX (hist->max, g_ascii_strtoull (words[0] + 4, NULL, 10));
  for (guint i = 1; words[i] != NULL; i++)
    {
      char *end;
      guint64 bucket = g_ascii_strtoull (words[i], &end, 10);
      guint64 count;

      if (*end != ':' || bucket >= SOAK_HIST_BUCKETS)
        return FALSE;
      count = g_ascii_strtoull (end + 1, NULL, 10);
      hist->count[bucket] += count;
      hist->total += count;
    }
  return TRUE;
}

/* A line of @in without its newline, or NULL at the end or on an error. */
char *
soak_read_line (GDataInputStream *in)
{
  return g_data_input_stream_read_line (in, NULL, NULL, NULL);
}

void
soak_say (const char *format,
          ...)
{
  va_list args;

  va_start (args, format);
  vprintf (format, args);
  va_end (args);
  putchar ('\n');
  fflush (stdout);
}

/* A figure of the parent: a TAP diagnostic on stdout, and the same line
 * on stderr, which meson shows with --verbose and --print-errorlogs
 * (its TAP parser keeps the diagnostics for the log file). */
void
soak_diag (const char *format,
           ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  g_strchomp (text);
  printf ("# %s\n", text);
  fflush (stdout);
  fprintf (stderr, "%s\n", text);
}

char *
soak_event_name (guint index)
{
  return g_strdup_printf (SOAK_NAME_PREFIX "%u", index);
}
