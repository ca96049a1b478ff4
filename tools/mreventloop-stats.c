/* mreventloop-stats.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * `mreventloop stats`: prints the broker's counters (connections, events
 * in and out, events/s, dropped, retained…) as pretty JSON, or with
 * --peers its connected peers as a table.
 */

#include <stdio.h>
#include <string.h>

#include "mreventloop-tool.h"

/* The columns of `--peers`: the members of each object of `peers`. */
static const char * const peer_columns[] = {
  "id", "queued_bytes", "dropped", "slow_disconnects", "subscriptions", "events_in", "events_out",
};

/* An id as one cell: control characters escaped, so that a line is a row. */
static char *
peer_cell_id (const char *id)
{
  GString *cell = g_string_new (NULL);

  for (const char *p = id; *p != '\0'; p++)
    {
      if ((guchar) *p < 0x20 || *p == 0x7f)
        g_string_append_printf (cell, "\\x%02x", (guchar) *p);
      else
        g_string_append_c (cell, *p);
    }
  return g_string_free (cell, FALSE);
}

static int
compare_rows (gconstpointer a,
              gconstpointer b)
{
  char * const *ra = *(char ** const *) a;
  char * const *rb = *(char ** const *) b;

  return g_utf8_collate (ra[0], rb[0]);
}

/* Prints the `peers` of @stats as a table: a header, then a row per peer
 * sorted by id, the id left-aligned, the counts right-aligned. */
static gboolean
print_peers (JsonNode  *stats,
             GError   **error)
{
  JsonObject *object = json_node_get_object (stats);
  JsonArray *peers;
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  gsize widths[G_N_ELEMENTS (peer_columns)];

  if (!json_object_has_member (object, "peers") ||
      !JSON_NODE_HOLDS_ARRAY (json_object_get_member (object, "peers")))
    {
      g_set_error (error, MRE_ERROR, MRE_ERROR_PROTOCOL,
                   "The broker's counters have no list of peers: it is older than this tool");
      return FALSE;
    }
  peers = json_object_get_array_member (object, "peers");

  for (guint c = 0; c < G_N_ELEMENTS (peer_columns); c++)
    widths[c] = strlen (peer_columns[c]);
  for (guint i = 0; i < json_array_get_length (peers); i++)
    {
      JsonNode *node = json_array_get_element (peers, i);
      JsonObject *peer;
      char **row = g_new0 (char *, G_N_ELEMENTS (peer_columns) + 1);

      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          g_strfreev (row);
          continue;
        }
      peer = json_node_get_object (node);
      row[0] = peer_cell_id (json_object_get_string_member_with_default (peer, "id", ""));
      for (guint c = 1; c < G_N_ELEMENTS (peer_columns); c++)
        {
          gint64 value = json_object_get_int_member_with_default (peer, peer_columns[c], 0);

          row[c] = g_strdup_printf ("%" G_GINT64_FORMAT, value);
        }
      for (guint c = 0; c < G_N_ELEMENTS (peer_columns); c++)
        widths[c] = MAX (widths[c], (gsize) g_utf8_strlen (row[c], -1));
      g_ptr_array_add (rows, row);
    }
  g_ptr_array_sort (rows, compare_rows);

  for (guint c = 0; c < G_N_ELEMENTS (peer_columns); c++)
    printf (c == 0 ? "%-*s" : "  %*s", (int) widths[c], peer_columns[c]);
  printf ("\n");
  for (guint i = 0; i < rows->len; i++)
    {
      char **row = g_ptr_array_index (rows, i);

      /* printf pads bytes, not characters: pad the id by hand. */
      printf ("%s%*s", row[0], (int) (widths[0] - g_utf8_strlen (row[0], -1)), "");
      for (guint c = 1; c < G_N_ELEMENTS (peer_columns); c++)
        printf ("  %*s", (int) widths[c], row[c]);
      printf ("\n");
    }
  fflush (stdout);
  return TRUE;
}

int
tool_cmd_stats (int    argc,
                char **argv)
{
  ToolPeerOptions options = { NULL, };
  gboolean show_peers = FALSE;
  const GOptionEntry entries[] = {
    { "peers", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_NONE, &show_peers,
      "Print the connected peers as a table instead", NULL },
    G_OPTION_ENTRY_NULL
  };
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
    "slow_disconnects, rejected, retained (per event name), queued_bytes,\n"
    "max_queued_bytes_total and peers (see docs/PROTOCOL.md).\n"
    "\n"
    "With --peers, prints one line per connected peer instead: its id, the\n"
    "bytes queued for it, the events dropped for its id and the times its\n"
    "id was disconnected as a slow reader (since the broker started), its\n"
    "subscriptions, and the events it published (in) and was sent (out).");
  g_option_context_add_main_entries (context, entries, NULL);
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

  if (show_peers)
    {
      if (!print_peers (stats, &error))
        {
          status = tool_fail (error);
          goto out;
        }
      status = TOOL_EXIT_OK;
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
