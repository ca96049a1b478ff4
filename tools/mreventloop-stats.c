/* mreventloop-stats.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * `mreventloop stats`: prints the broker's counters (connections, events
 * in and out, events/s, dropped, retained…) as pretty JSON.
 */

#include <stdio.h>

#include "mreventloop-tool.h"

int
tool_cmd_stats (int    argc,
                char **argv)
{
  ToolPeerOptions options = { NULL, };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(MrePeer) peer = NULL;
  g_autoptr(JsonNode) stats = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  int status;

  context = g_option_context_new ("- print the broker's counters");
  g_option_context_set_summary (context,
    "Prints the broker's counters as a JSON object: connections,\n"
    "subscriptions, events_in, events_out, events_per_second, dropped,\n"
    "slow_disconnects, rejected and retained (per event name).");
  tool_peer_options_add (context, &options);
  if (!tool_parse (context, &argc, &argv, &status))
    goto out;

  if (argc > 1)
    {
      status = tool_fail_usage (context, "unexpected argument “%s”", argv[1]);
      goto out;
    }

  peer = tool_peer_connect (&options, &error);
  if (peer == NULL ||
      (stats = mre_peer_query_stats (peer, NULL, &error)) == NULL)
    {
      status = tool_fail (error);
      goto out;
    }

  text = json_to_string (stats, TRUE);
  printf ("%s\n", text);
  fflush (stdout);
  status = TOOL_EXIT_OK;

out:
  if (peer != NULL)
    mre_peer_close (peer);
  tool_peer_options_clear (&options);

  return status;
}
