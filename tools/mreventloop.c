/* mreventloop.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The `mreventloop` command: runs a broker and talks to one from a shell.
 *
 *   mreventloop broker  [--socket PATH] [--idle-exit SECONDS] [--max-frame-size N]
 *   mreventloop monitor [PATTERN]
 *   mreventloop emit    NAME [JSON-ARGS|-|@FILE] [--push N]
 *   mreventloop wait    NAME [--timeout S] [--oldest] [--name]
 *   mreventloop stats
 *
 * Each subcommand lives in a file of its own (mreventloop-SUBCOMMAND.c);
 * this one dispatches and holds what they share.
 */

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib-unix.h>

#include "mreventloop-tool.h"

typedef struct
{
  const char *name;
  int       (*run) (int argc, char **argv);
  const char *summary;
} ToolCommand;

static const ToolCommand commands[] = {
  { "broker",  tool_cmd_broker,  "Run a broker in the foreground" },
  { "monitor", tool_cmd_monitor, "Print every event, one line each" },
  { "emit",    tool_cmd_emit,    "Publish one event" },
  { "wait",    tool_cmd_wait,    "Wait for an event and print its arguments" },
  { "stats",   tool_cmd_stats,   "Print the broker's counters as JSON" },
};

static void
print_usage (FILE *stream)
{
  fprintf (stream,
           "Usage:\n"
           "  mreventloop COMMAND [OPTION…]\n"
           "\n"
           "Commands:\n");
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (stream, "  %-9s %s\n", commands[i].name, commands[i].summary);
  fprintf (stream,
           "\n"
           "Every command takes --socket PATH (default: the default bus) and --help.\n");
}

void
tool_peer_options_add (GOptionContext  *context,
                       ToolPeerOptions *options)
{
  const GOptionEntry entries[] = {
    { "socket", 's', G_OPTION_FLAG_NONE, G_OPTION_ARG_FILENAME, &options->socket_path,
      "The broker's socket (default: the default bus, started when none runs)", "PATH" },
    { "id", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_STRING, &options->id,
      "The peer id to ask the broker for (default: one the broker chooses)", "ID" },
    G_OPTION_ENTRY_NULL
  };

  g_option_context_add_main_entries (context, entries, NULL);
}

void
tool_peer_options_clear (ToolPeerOptions *options)
{
  g_clear_pointer (&options->socket_path, g_free);
  g_clear_pointer (&options->id, g_free);
}

/* Parses the options of a subcommand. On a usage error, prints it and
 * sets @status; `--help` has printed its text and exited already. */
gboolean
tool_parse (GOptionContext   *context,
            int              *argc,
            char           ***argv,
            int              *status)
{
  g_autoptr(GError) error = NULL;

  if (!g_option_context_parse (context, argc, argv, &error))
    {
      *status = tool_fail_usage (context, "%s", error->message);
      return FALSE;
    }

  return TRUE;
}

/* A peer of the bus at options->socket_path, or of the default bus, whose
 * broker is started when none answers. It does its I/O and emits its
 * signals on this thread's default context, which the subcommand runs. */
MrePeer *
tool_peer_new (const ToolPeerOptions *options)
{
  g_autoptr(MreEventLoop) loop = mre_event_loop_new_for_context (NULL);
  MrePeer *peer;

  /* Started here, so that it stays ours: a peer that starts its loop also
   * stops and joins it when finalized, which a loop bound to a context
   * nobody iterates any more never finishes. */
  mre_event_loop_start (loop, NULL);

  if (options->socket_path != NULL)
    peer = mre_peer_new (options->socket_path, options->id);
  else
    peer = mre_peer_new_default (options->id);

  mre_object_set_event_loop (peer, loop);

  return peer;
}

/* A new peer (see tool_peer_new()), started. */
MrePeer *
tool_peer_connect (const ToolPeerOptions  *options,
                   GError                **error)
{
  g_autoptr(MrePeer) peer = tool_peer_new (options);

  if (!mre_peer_start (peer, NULL, error))
    return NULL;

  return g_steal_pointer (&peer);
}

/* MrePeer::lost: said on stderr; the subcommand goes on. */
static void
report_lost (MrePeer    *peer,
             guint64     dropped,
             const char *message,
             gpointer    user_data)
{
  g_printerr ("mreventloop: the broker dropped %" G_GUINT64_FORMAT " events for this peer: %s\n",
              dropped, message);
}

void
tool_report_lost (MrePeer *peer)
{
  g_signal_connect (peer, "lost", G_CALLBACK (report_lost), NULL);
}

int
tool_fail (const GError *error)
{
  g_printerr ("mreventloop: %s\n", error->message);
  return TOOL_EXIT_FAILURE;
}

int
tool_fail_usage (GOptionContext *context,
                 const char     *format,
                 ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_printerr ("mreventloop: %s\n", message);
  g_printerr ("Try “%s --help” for more information.\n", g_get_prgname ());

  return TOOL_EXIT_USAGE;
}

/* The arguments of @event as JSON text (see mre_event_dup_params_json()),
 * or NULL for an event whose body is not a notification, which is then
 * reported on stderr, with its name and sender: one bad publisher must
 * not end a monitor or a wait that goes on with the good events. */
char *
tool_event_dup_params (MreEvent *event)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *prefix = NULL;
  char *params = mre_event_dup_params_json (event, &error);
  const char *reason;

  if (params != NULL)
    return params;

  /* The library's message may name the event already. */
  prefix = g_strdup_printf ("Event “%s” from “%s”: ", mre_event_get_name (event),
                            mre_event_get_sender (event));
  reason = g_str_has_prefix (error->message, prefix)
           ? error->message + strlen (prefix) : error->message;
  g_printerr ("mreventloop: skipped a malformed event “%s” from “%s”: %s\n",
              mre_event_get_name (event), mre_event_get_sender (event), reason);

  return NULL;
}

static gboolean
quit_cb (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_CONTINUE;
}

/* SIGINT and SIGTERM end @loop's run: a clean exit, status 0. */
void
tool_quit_on_signals (GMainLoop *loop)
{
  g_unix_signal_add (SIGINT, quit_cb, loop);
  g_unix_signal_add (SIGTERM, quit_cb, loop);
}

int
main (int   argc,
      char *argv[])
{
  const char *name;

  setlocale (LC_ALL, "");

  if (argc < 2)
    {
      g_printerr ("mreventloop: missing command\n\n");
      print_usage (stderr);
      return TOOL_EXIT_USAGE;
    }

  name = argv[1];

  if (strcmp (name, "--help") == 0 || strcmp (name, "-h") == 0 ||
      strcmp (name, "help") == 0)
    {
      print_usage (stdout);
      return TOOL_EXIT_OK;
    }

  if (strcmp (name, "--version") == 0)
    {
      g_print ("mreventloop %s\n", MRE_VERSION_S);
      return TOOL_EXIT_OK;
    }

  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      if (strcmp (name, commands[i].name) == 0)
        {
          g_autofree char *prgname = g_strdup_printf ("mreventloop %s", name);

          /* Usage lines then read “mreventloop emit …”; set once only,
           * as GLib asks. */
          g_set_prgname (prgname);

          return commands[i].run (argc - 1, argv + 1);
        }
    }

  g_printerr ("mreventloop: unknown command “%s”\n\n", name);
  print_usage (stderr);

  return TOOL_EXIT_USAGE;
}
