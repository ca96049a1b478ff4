/* soak-publisher.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/*
 * `soak publisher`: --peers publisher peers, each with its own loop
 * thread (the peer's default) and a thread of its own that publishes:
 * pushes to the event names in turn, each carrying the publisher's own
 * counter of that name (0, 1, 2, ...) and a payload, and every
 * --yell-every pushes a yell, with its own counter, to the same name.
 * Paced at --rate events/s per peer, or with --rate 0 as fast as the bus
 * takes them: on MRE_ERROR_BUSY (64 MiB wait in the peer) it flushes and
 * goes on. See soak.h for what it says to the parent.
 */

#include <stdlib.h>
#include <string.h>

#include <gio/gunixinputstream.h>

#include "soak.h"

typedef struct
{
  MrePeer  *peer;
  guint     index;
  GThread  *thread;
  guint32  *pushed;     /* per name */
  guint32  *yelled;     /* per name */
  guint64   busy;
  char     *error;      /* why it stopped early */
} PubPeer;

static char *opt_socket;
static gint opt_first;
static gint opt_peers = 1;
static gint opt_names = 4;
static gint opt_rate;
static gint opt_seconds = 60;
static gint opt_yell_every = 4;
static gint opt_payload = 64;
static gint opt_backlog = 16;

static const GOptionEntry entries[] = {
  { "socket", 0, 0, G_OPTION_ARG_FILENAME, &opt_socket, "The broker's socket", "PATH" },
  { "first", 0, 0, G_OPTION_ARG_INT, &opt_first, "Index of the first publisher", "I" },
  { "peers", 0, 0, G_OPTION_ARG_INT, &opt_peers, "Publisher peers in this process", "N" },
  { "names", 0, 0, G_OPTION_ARG_INT, &opt_names, "Event names", "N" },
  { "rate", 0, 0, G_OPTION_ARG_INT, &opt_rate, "Pushes/s per peer, 0: unpaced", "R" },
  { "seconds", 0, 0, G_OPTION_ARG_INT, &opt_seconds, "How long to publish", "S" },
  { "yell-every", 0, 0, G_OPTION_ARG_INT, &opt_yell_every, "A yell every N pushes, 0: none", "N" },
  { "payload", 0, 0, G_OPTION_ARG_INT, &opt_payload, "Bytes of payload per event", "B" },
  { "backlog", 0, 0, G_OPTION_ARG_INT, &opt_backlog, "The backlog of each push", "N" },
  G_OPTION_ENTRY_NULL
};

static char **names;
static char *payload;
static gint64 start_time;  /* monotonic, set before the threads start */

/* Publishes one event; on MRE_ERROR_BUSY, waits until the peer's queue
 * is written and tries again. FALSE, with p->error set, on any other
 * error. */
static gboolean
publish (PubPeer     *p,
         MreDelivery  delivery,
         guint        name,
         guint32      counter)
{
  for (;;)
    {
      g_autoptr(GError) error = NULL;
      gboolean ok;

      if (delivery == MRE_DELIVERY_PUSH)
        ok = mre_peer_push (p->peer, names[name], (guint) opt_backlog, &error,
                            G_TYPE_UINT, counter, G_TYPE_STRING, payload, G_TYPE_INVALID);
      else
        ok = mre_peer_yell (p->peer, names[name], &error,
                            G_TYPE_UINT, counter, G_TYPE_STRING, payload, G_TYPE_INVALID);
      if (ok)
        return TRUE;
      if (!g_error_matches (error, MRE_ERROR, MRE_ERROR_BUSY))
        {
          p->error = g_strdup_printf ("%s: %s", delivery == MRE_DELIVERY_PUSH ? "push" : "yell",
                                      error->message);
          return FALSE;
        }
      p->busy++;
      g_clear_error (&error);
      if (!mre_peer_flush (p->peer, -1, NULL, &error))
        {
          p->error = g_strdup_printf ("flush: %s", error->message);
          return FALSE;
        }
    }
}

static gpointer
publish_thread (gpointer data)
{
  PubPeer *p = data;
  gint64 end = start_time + (gint64) opt_seconds * G_USEC_PER_SEC;
  guint64 sent = 0;

  for (;;)
    {
      gint64 now = g_get_monotonic_time ();
      guint64 due;

      if (now >= end)
        break;
      /* Paced: everything due by now, from a fixed start (no drift when a
       * sleep overslept); unpaced: a batch, then look at the clock. */
      due = opt_rate > 0 ? (guint64) (now - start_time) * (guint64) opt_rate / G_USEC_PER_SEC + 1
                         : sent + 256;
      while (sent < due)
        {
          guint name = (guint) (sent % (guint64) opt_names);

          if (!publish (p, MRE_DELIVERY_PUSH, name, p->pushed[name]))
            return NULL;
          p->pushed[name]++;
          if (opt_yell_every > 0 && sent % (guint64) opt_yell_every == 0)
            {
              if (!publish (p, MRE_DELIVERY_YELL, name, p->yelled[name]))
                return NULL;
              p->yelled[name]++;
            }
          sent++;
        }
      if (opt_rate > 0)
        {
          gint64 next = start_time + (gint64) (sent * G_USEC_PER_SEC / (guint64) opt_rate);

          now = g_get_monotonic_time ();
          if (next > now && end > now)
            g_usleep ((gulong) (MIN (next, end) - now));
        }
    }
  return NULL;
}

static char *
counts_line (const char *what,
             guint       index,
             guint32    *counts)
{
  GString *line = g_string_new (what);

  g_string_append_printf (line, " %u", index);
  for (gint n = 0; n < opt_names; n++)
    g_string_append_printf (line, " %u", counts[n]);
  return g_string_free (line, FALSE);
}

int
soak_run_publisher (int    argc,
                    char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new ("- soak publishers");
  g_autoptr(GDataInputStream) in = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  PubPeer *pubs;
  int status = EXIT_SUCCESS;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || opt_socket == NULL ||
      opt_peers < 1 || opt_names < 1 || opt_rate < 0 || opt_payload < 0)
    {
      g_printerr ("soak publisher: %s\n", error != NULL ? error->message : "bad options");
      return EXIT_FAILURE;
    }

  names = g_new0 (char *, opt_names + 1);
  for (gint n = 0; n < opt_names; n++)
    names[n] = soak_event_name ((guint) n);
  payload = g_strnfill ((gsize) opt_payload, 'p');

  pubs = g_new0 (PubPeer, opt_peers);
  for (gint i = 0; i < opt_peers; i++)
    {
      g_autofree char *id = g_strdup_printf (SOAK_PUB_PREFIX "%02d", opt_first + i);

      pubs[i].index = (guint) (opt_first + i);
      pubs[i].pushed = g_new0 (guint32, opt_names);
      pubs[i].yelled = g_new0 (guint32, opt_names);
      pubs[i].peer = mre_peer_new (opt_socket, id);
      if (!mre_peer_start (pubs[i].peer, NULL, &error))
        {
          g_printerr ("soak publisher %s: %s\n", id, error->message);
          return EXIT_FAILURE;
        }
    }
  soak_say ("ready");

  in = g_data_input_stream_new (g_unix_input_stream_new (0, FALSE));
  line = soak_read_line (in);
  if (g_strcmp0 (line, "go") != 0)
    return EXIT_FAILURE;

  start_time = g_get_monotonic_time ();
  for (gint i = 0; i < opt_peers; i++)
    pubs[i].thread = g_thread_new ("soak-publish", publish_thread, &pubs[i]);

  for (gint i = 0; i < opt_peers; i++)
    {
      PubPeer *p = &pubs[i];
      g_autofree char *pushed = NULL;
      g_autofree char *yelled = NULL;

      g_thread_join (p->thread);
      if (p->error == NULL && !mre_peer_flush (p->peer, -1, NULL, &error))
        p->error = g_strdup_printf ("flush: %s", error->message);
      if (p->error != NULL)
        {
          g_printerr ("soak publisher %u: %s\n", p->index, p->error);
          soak_say ("error %u %s", p->index, p->error);
          status = EXIT_FAILURE;
        }
      pushed = counts_line ("pushed", p->index, p->pushed);
      yelled = counts_line ("yelled", p->index, p->yelled);
      soak_say ("%s", pushed);
      soak_say ("%s", yelled);
      soak_say ("busy %u %" G_GUINT64_FORMAT, p->index, p->busy);
    }
  soak_say ("done");

  /* Connected until the parent has what it needs from the subscribers. */
  for (;;)
    {
      g_autofree char *rest = soak_read_line (in);

      if (rest == NULL)
        break;
    }

  for (gint i = 0; i < opt_peers; i++)
    {
      mre_peer_close (pubs[i].peer);
      g_object_unref (pubs[i].peer);
      g_free (pubs[i].pushed);
      g_free (pubs[i].yelled);
      g_free (pubs[i].error);
    }
  g_free (pubs);
  g_strfreev (names);
  g_free (payload);
  return status;
}
