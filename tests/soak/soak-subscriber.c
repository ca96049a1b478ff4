/* soak-subscriber.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/*
 * `soak subscriber`: --peers subscriber peers, each with its own loop
 * thread, each subscribed to every event name. A peer checks, per
 * (publisher, name), that the counters the publisher put in its pushes
 * arrive one after the other: a counter above the next expected is a gap
 * (lost pushes), one below it a duplicate. Yells are checked the same
 * way, apart. The check reads the arguments, not the frame's seq. Each
 * event's latency is now minus its time (set when it was published). See
 * soak.h for what it says to the parent.
 */

#include <stdlib.h>
#include <string.h>

#include <gio/gunixinputstream.h>

#include "soak.h"

typedef struct
{
  guint64 received, gaps, dups;
} Tally;

typedef struct
{
  MrePeer  *peer;
  GMutex    lock;
  gint64    warm_end;     /* real time; events published before are warm-up */
  guint32  *next_push;    /* per (publisher, name): the counter expected next */
  guint32  *next_yell;
  Tally     push, yell;
  guint64   bad;          /* an event of an unknown sender or name, or bad arguments */
  guint64   retained;     /* replayed from a backlog: only after a reconnection */
  SoakHist  all, steady;
} SubPeer;

static char *opt_socket;
static gint opt_first;
static gint opt_peers = 1;
static gint opt_publishers = 10;
static gint opt_names = 4;
static gint opt_payload = 64;
static gint opt_drain = 30;

static const GOptionEntry entries[] = {
  { "socket", 0, 0, G_OPTION_ARG_FILENAME, &opt_socket, "The broker's socket", "PATH" },
  { "first", 0, 0, G_OPTION_ARG_INT, &opt_first, "Index of the first subscriber", "I" },
  { "peers", 0, 0, G_OPTION_ARG_INT, &opt_peers, "Subscriber peers in this process", "N" },
  { "publishers", 0, 0, G_OPTION_ARG_INT, &opt_publishers, "Publishers in the test", "N" },
  { "names", 0, 0, G_OPTION_ARG_INT, &opt_names, "Event names", "N" },
  { "payload", 0, 0, G_OPTION_ARG_INT, &opt_payload, "Bytes of payload per event", "B" },
  { "drain", 0, 0, G_OPTION_ARG_INT, &opt_drain, "Seconds to wait for the last events", "S" },
  G_OPTION_ENTRY_NULL
};

/* "PREFIX<n>" with n < @limit. */
static gboolean
parse_index (const char *text,
             const char *prefix,
             gint        limit,
             guint      *index)
{
  gsize len = strlen (prefix);
  guint64 n;
  char *end;

  if (text == NULL || strncmp (text, prefix, len) != 0)
    return FALSE;
  n = g_ascii_strtoull (text + len, &end, 10);
  if (end == text + len || *end != '\0' || n >= (guint64) limit)
    return FALSE;
  *index = (guint) n;
  return TRUE;
}

static void
check_counter (Tally   *tally,
               guint32 *next,
               guint32  counter)
{
  tally->received++;
  if (counter == *next)
    (*next)++;
  else if (counter > *next)
    {
      tally->gaps += counter - *next;
      *next = counter + 1;
    }
  else
    tally->dups++;
}

/* On the peer's loop thread. */
static void
on_event (MrePeer  *peer,
          MreEvent *event,
          SubPeer  *s)
{
  gint64 now = g_get_real_time ();
  gint64 time = mre_event_get_time (event);
  GType types[2] = { G_TYPE_UINT, G_TYPE_STRING };
  GValue values[2] = { G_VALUE_INIT, G_VALUE_INIT };
  guint64 latency = now > time ? (guint64) (now - time) : 0;
  gboolean ok;
  guint pub, name;
  guint32 counter = 0;

  ok = parse_index (mre_event_get_sender (event), SOAK_PUB_PREFIX, opt_publishers, &pub) &&
       parse_index (mre_event_get_name (event), SOAK_NAME_PREFIX, opt_names, &name) &&
       mre_event_get_args (event, types, 2, values, NULL);
  if (ok)
    {
      counter = g_value_get_uint (&values[0]);
      ok = g_value_get_string (&values[1]) != NULL &&
           strlen (g_value_get_string (&values[1])) == (gsize) opt_payload;
      g_value_unset (&values[0]);
      g_value_unset (&values[1]);
    }

  g_mutex_lock (&s->lock);
  if (!ok)
    s->bad++;
  else
    {
      guint slot = pub * (guint) opt_names + name;

      if (mre_event_get_retained (event))
        s->retained++;
      if (mre_event_get_pushed (event))
        check_counter (&s->push, &s->next_push[slot], counter);
      else
        check_counter (&s->yell, &s->next_yell[slot], counter);
      soak_hist_add (&s->all, latency);
      if (time >= s->warm_end)
        soak_hist_add (&s->steady, latency);
    }
  g_mutex_unlock (&s->lock);
}

/* Whether @s has every push of @expected (and, with @yells, every yell). */
static gboolean
complete (SubPeer *s,
          guint32 *expected,
          gboolean yells)
{
  guint n = (guint) (opt_publishers * opt_names);
  gboolean done = TRUE;

  g_mutex_lock (&s->lock);
  for (guint i = 0; i < n && done; i++)
    done = s->next_push[i] >= expected[i] && (!yells || s->next_yell[i] >= expected[n + i]);
  g_mutex_unlock (&s->lock);
  return done;
}

/* Waits for every push (up to --drain seconds), then up to 2 s more for
 * yells, which may be lost; TRUE if every push came. */
static gboolean
wait_complete (SubPeer *subs,
               guint32 *expected)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) opt_drain * G_USEC_PER_SEC;
  gboolean pushes = FALSE;

  for (gint64 now = g_get_monotonic_time (); now < deadline; now = g_get_monotonic_time ())
    {
      gboolean all = TRUE;

      for (gint i = 0; i < opt_peers && all; i++)
        all = complete (&subs[i], expected, pushes);
      if (all && pushes)
        return TRUE;
      if (all)
        {
          pushes = TRUE;
          deadline = MIN (deadline, now + 2 * G_USEC_PER_SEC);
          continue;
        }
      g_usleep (10000);
    }
  return pushes;
}

static void
report (SubPeer *subs,
        guint32 *expected)
{
  guint n = (guint) (opt_publishers * opt_names);
  Tally push = { 0 }, yell = { 0 };
  guint64 push_tail = 0, yell_tail = 0, bad = 0, retained = 0;
  g_autofree SoakHist *all = g_new0 (SoakHist, 1);
  g_autofree SoakHist *steady = g_new0 (SoakHist, 1);
  g_autofree char *all_text = NULL;
  g_autofree char *steady_text = NULL;

  for (gint i = 0; i < opt_peers; i++)
    {
      SubPeer *s = &subs[i];

      g_mutex_lock (&s->lock);
      for (guint j = 0; j < n; j++)
        {
          /* What never came after the last one received is lost too. */
          if (s->next_push[j] < expected[j])
            push_tail += expected[j] - s->next_push[j];
          if (s->next_yell[j] < expected[n + j])
            yell_tail += expected[n + j] - s->next_yell[j];
        }
      push.received += s->push.received;
      push.gaps += s->push.gaps;
      push.dups += s->push.dups;
      yell.received += s->yell.received;
      yell.gaps += s->yell.gaps;
      yell.dups += s->yell.dups;
      bad += s->bad;
      retained += s->retained;
      soak_hist_merge (all, &s->all);
      soak_hist_merge (steady, &s->steady);
      g_mutex_unlock (&s->lock);
    }

  soak_say ("result pushes %" G_GUINT64_FORMAT " lost %" G_GUINT64_FORMAT
            " dups %" G_GUINT64_FORMAT " yells %" G_GUINT64_FORMAT
            " yells-lost %" G_GUINT64_FORMAT " yells-dups %" G_GUINT64_FORMAT
            " bad %" G_GUINT64_FORMAT " retained %" G_GUINT64_FORMAT,
            push.received, push.gaps + push_tail, push.dups,
            yell.received, yell.gaps + yell_tail, yell.dups, bad, retained);
  all_text = soak_hist_to_string (all);
  steady_text = soak_hist_to_string (steady);
  soak_say ("hist-all %s", all_text);
  soak_say ("hist-steady %s", steady_text);
}

/* "expect c..." : 2 × publishers × names counters, pushes then yells. */
static guint32 *
parse_expect (const char *line)
{
  guint n = (guint) (2 * opt_publishers * opt_names);
  g_auto(GStrv) words = NULL;
  guint32 *expected;

  if (line == NULL || !g_str_has_prefix (line, "expect "))
    return NULL;
  words = g_strsplit (line + strlen ("expect "), " ", -1);
  if (g_strv_length (words) != n)
    return NULL;
  expected = g_new0 (guint32, n);
  for (guint i = 0; i < n; i++)
    expected[i] = (guint32) g_ascii_strtoull (words[i], NULL, 10);
  return expected;
}

int
soak_run_subscriber (int    argc,
                     char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new ("- soak subscribers");
  g_autoptr(GDataInputStream) in = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *warm = NULL;
  g_autofree char *expect = NULL;
  g_autofree guint32 *expected = NULL;
  guint n_slots;
  SubPeer *subs;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || opt_socket == NULL ||
      opt_peers < 1 || opt_publishers < 1 || opt_names < 1)
    {
      g_printerr ("soak subscriber: %s\n", error != NULL ? error->message : "bad options");
      return EXIT_FAILURE;
    }
  n_slots = (guint) (opt_publishers * opt_names);

  /* Never moved: each handler holds a pointer to its element. */
  subs = g_new0 (SubPeer, opt_peers);
  for (gint i = 0; i < opt_peers; i++)
    {
      SubPeer *s = &subs[i];
      g_autofree char *id = g_strdup_printf (SOAK_SUB_PREFIX "%02d", opt_first + i);

      g_mutex_init (&s->lock);
      s->warm_end = G_MAXINT64;
      s->next_push = g_new0 (guint32, n_slots);
      s->next_yell = g_new0 (guint32, n_slots);
      s->peer = mre_peer_new (opt_socket, id);
      /* Counted on the peer's thread as they arrive: this thread only
       * waits for the end. */
      g_signal_connect (s->peer, "received", G_CALLBACK (on_event), s);
      if (!mre_peer_start (s->peer, NULL, &error))
        {
          g_printerr ("soak subscriber %s: %s\n", id, error->message);
          return EXIT_FAILURE;
        }
      for (gint n = 0; n < opt_names; n++)
        {
          g_autofree char *name = soak_event_name ((guint) n);

          if (!mre_peer_subscribe (s->peer, name, NULL, NULL, &error))
            {
              g_printerr ("soak subscriber %s: %s\n", id, error->message);
              return EXIT_FAILURE;
            }
        }
    }
  soak_say ("ready");

  in = g_data_input_stream_new (g_unix_input_stream_new (0, FALSE));
  warm = soak_read_line (in);
  if (warm == NULL || !g_str_has_prefix (warm, "warm "))
    return EXIT_FAILURE;
  for (gint i = 0; i < opt_peers; i++)
    {
      g_mutex_lock (&subs[i].lock);
      subs[i].warm_end = g_ascii_strtoll (warm + strlen ("warm "), NULL, 10);
      g_mutex_unlock (&subs[i].lock);
    }

  expect = soak_read_line (in);
  expected = parse_expect (expect);
  if (expected == NULL)
    return EXIT_FAILURE;
  wait_complete (subs, expected);
  report (subs, expected);
  soak_say ("done");

  for (;;)
    {
      g_autofree char *rest = soak_read_line (in);

      if (rest == NULL)
        break;
    }

  for (gint i = 0; i < opt_peers; i++)
    {
      SubPeer *s = &subs[i];

      mre_peer_close (s->peer);
      g_object_unref (s->peer);
      g_mutex_clear (&s->lock);
      g_free (s->next_push);
      g_free (s->next_yell);
    }
  g_free (subs);
  return EXIT_SUCCESS;
}
