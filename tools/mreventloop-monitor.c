/* mreventloop-monitor.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * `mreventloop monitor [PATTERN]`: prints every event one line each, like
 * dbus-monitor. It subscribes like any peer, so the retained events of the
 * names it matches come first, then the live ones.
 */

#include <stdio.h>

#include "mreventloop-tool.h"

/* "2026-11-23T12:44:49.123456Z": ISO 8601, UTC, microseconds. */
static char *
format_time (gint64 usec)
{
  g_autoptr(GDateTime) seconds = NULL;
  g_autofree char *text = NULL;
  gint64 whole = usec / G_USEC_PER_SEC;
  gint64 fraction = usec % G_USEC_PER_SEC;

  /* Round towards minus infinity, so times before 1970 print right too. */
  if (fraction < 0)
    {
      whole -= 1;
      fraction += G_USEC_PER_SEC;
    }

  seconds = g_date_time_new_from_unix_utc (whole);
  if (seconds == NULL)
    return g_strdup_printf ("%" G_GINT64_FORMAT, usec);

  text = g_date_time_format (seconds, "%Y-%m-%dT%H:%M:%S");

  return g_strdup_printf ("%s.%06" G_GINT64_FORMAT "Z", text, fraction);
}

static void
monitor_event_cb (MrePeer  *peer,
                  MreEvent *event,
                  gpointer  user_data)
{
  g_autofree char *time = NULL;
  g_autofree char *params = tool_event_dup_params (event);

  /* An event whose body the publisher got wrong is reported on stderr,
   * not printed with made-up arguments; the next ones are printed. */
  if (params == NULL)
    return;

  time = format_time (mre_event_get_time (event));

  printf ("%s %s %s %s\n", mre_event_get_name (event), mre_event_get_sender (event),
          time, params);
  fflush (stdout);
}

int
tool_cmd_monitor (int    argc,
                  char **argv)
{
  ToolPeerOptions options = { NULL, };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(MrePeer) peer = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(GError) error = NULL;
  const char *pattern = "*";
  int status;

  context = g_option_context_new ("[PATTERN] - print events");
  g_option_context_set_summary (context,
    "Prints every event whose name matches PATTERN (an event name, a\n"
    "“prefix.*” pattern, or “*”, the default), one line each:\n"
    "NAME SENDER TIME JSON-ARGUMENTS. Retained events come first. A\n"
    "malformed event (a body that is not a JSON-RPC notification) is\n"
    "reported on stderr, with its name and sender, and skipped. Events\n"
    "the broker dropped for this monitor (too slow a reader) are counted\n"
    "on stderr.");
  tool_peer_options_add (context, &options);
  if (!tool_parse (context, &argc, &argv, &status))
    goto out;

  if (argc > 2)
    {
      status = tool_fail_usage (context, "unexpected argument “%s”", argv[2]);
      goto out;
    }
  if (argc == 2)
    pattern = argv[1];

  loop = g_main_loop_new (NULL, FALSE);
  tool_quit_on_signals (loop);

  peer = tool_peer_connect (&options, &error);
  if (peer == NULL)
    {
      status = tool_fail (error);
      goto out;
    }

  g_signal_connect (peer, "event", G_CALLBACK (monitor_event_cb), NULL);
  tool_report_lost (peer);

  if (!mre_peer_subscribe (peer, pattern, NULL, NULL, &error))
    {
      status = tool_fail (error);
      goto out;
    }

  g_main_loop_run (loop);
  status = TOOL_EXIT_OK;

out:
  if (peer != NULL)
    mre_peer_close (peer);
  tool_peer_options_clear (&options);

  return status;
}
