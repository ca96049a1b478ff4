/* mreventloop-emit.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * `mreventloop emit NAME [JSON-ARGS] [--push N]`: publishes one event, a
 * yell, or a push retained with a backlog of N, and exits once the broker
 * has it.
 */

#include <stdlib.h>

#include "mreventloop-tool.h"

typedef struct
{
  gboolean push;
  guint    backlog;
} EmitOptions;

static gboolean
parse_push (const char  *option_name,
            const char  *value,
            gpointer     data,
            GError     **error)
{
  EmitOptions *options = data;
  guint64 backlog;

  if (!g_ascii_string_to_unsigned (value, 10, 0, G_MAXUINT, &backlog, NULL))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "%s takes a backlog, a number of 0 or more (0: unbounded), not “%s”",
                   option_name, value);
      return FALSE;
    }

  options->push = TRUE;
  options->backlog = (guint) backlog;

  return TRUE;
}

int
tool_cmd_emit (int    argc,
               char **argv)
{
  ToolPeerOptions options = { NULL, };
  EmitOptions emit = { FALSE, 0 };
  const GOptionEntry entries[] = {
    { "push", 'p', G_OPTION_FLAG_NONE, G_OPTION_ARG_CALLBACK, parse_push,
      "Push, retained in a backlog of N (0: unbounded); default: a yell", "N" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GOptionGroup) group = NULL;
  g_autoptr(MrePeer) peer = NULL;
  g_autoptr(GError) error = NULL;
  const char *name;
  const char *params = "[]";
  int status;

  context = g_option_context_new ("NAME [JSON-ARGS] - publish an event");
  g_option_context_set_summary (context,
    "Publishes the event NAME with JSON-ARGS, one JSON array of its\n"
    "arguments (default: []), or an object of named ones, for example:\n"
    "emit produced '[\"some product\", 3]'");
  /* The main group's user data is NULL, so --push gets a group of its own
   * whose callbacks receive &emit. */
  group = g_option_group_new ("emit", "Emit options", "Show emit options", &emit, NULL);
  g_option_group_add_entries (group, entries);
  g_option_context_set_main_group (context, g_steal_pointer (&group));
  tool_peer_options_add (context, &options);

  if (!tool_parse (context, &argc, &argv, &status))
    goto out;

  if (argc < 2)
    {
      status = tool_fail_usage (context, "emit needs the name of the event");
      goto out;
    }
  if (argc > 3)
    {
      status = tool_fail_usage (context, "unexpected argument “%s”; "
                                "give the arguments as one JSON array", argv[3]);
      goto out;
    }
  name = argv[1];
  if (argc == 3)
    params = argv[2];

  peer = tool_peer_connect (&options, &error);
  if (peer == NULL ||
      !mre_peer_publish_json (peer, name,
                              emit.push ? MRE_DELIVERY_PUSH : MRE_DELIVERY_YELL,
                              emit.backlog, params, &error) ||
      !mre_peer_flush (peer, -1, NULL, &error))
    {
      status = tool_fail (error);
      goto out;
    }

  status = TOOL_EXIT_OK;

out:
  if (peer != NULL)
    mre_peer_close (peer);
  tool_peer_options_clear (&options);

  return status;
}
