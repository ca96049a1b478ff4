/* mreventloop-emit.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * `mreventloop emit NAME [JSON-ARGS|-|@FILE] [--push N]`: publishes one
 * event, a yell, or a push retained with a backlog of N, and exits once
 * the broker has it. The arguments are the JSON text itself, standard
 * input (`-`) or a file (`@FILE`); they are checked before anything
 * connects, and published as they are.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* Reads standard input to its end into @bytes. */
static gboolean
read_stdin (GByteArray  *bytes,
            GError     **error)
{
  guint8 buffer[65536];

  for (;;)
    {
      gssize n = read (STDIN_FILENO, buffer, sizeof buffer);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved_errno = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                       "Cannot read the arguments from standard input: %s",
                       g_strerror (saved_errno));
          return FALSE;
        }
      if (n == 0)
        return TRUE;

      g_byte_array_append (bytes, buffer, (guint) n);
    }
}

/* The JSON-ARGS text @arg stands for, NUL-terminated, in @text and
 * @length: @arg itself, standard input for “-”, or the file FILE for
 * “@FILE”. @origin names where it came from, for the messages (NULL:
 * the command line). */
static gboolean
read_params (const char  *arg,
             char       **text,
             gsize       *length,
             char       **origin,
             GError     **error)
{
  if (g_str_equal (arg, "-"))
    {
      g_autoptr(GByteArray) bytes = g_byte_array_new ();

      if (!read_stdin (bytes, error))
        return FALSE;
      *length = bytes->len;
      g_byte_array_append (bytes, (const guint8 *) "", 1);
      *text = (char *) g_byte_array_free (g_steal_pointer (&bytes), FALSE);
      *origin = g_strdup ("Standard input");
    }
  else if (arg[0] == '@')
    {
      g_autofree char *display = g_filename_display_name (arg + 1);

      if (!g_file_get_contents (arg + 1, text, length, error))
        {
          g_prefix_error (error, "Cannot read the arguments: ");
          return FALSE;
        }
      *origin = g_strdup_printf ("“%s”", display);
    }
  else
    {
      *text = g_strdup (arg);
      *length = strlen (arg);
      *origin = NULL;
    }

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
  g_autofree char *params = NULL;
  g_autofree char *origin = NULL;
  gsize length;
  const char *name;
  int status;

  context = g_option_context_new ("NAME [JSON-ARGS|-|@FILE] - publish an event");
  g_option_context_set_summary (context,
    "Publishes the event NAME with JSON-ARGS, one JSON array of its\n"
    "arguments, or an object of named ones, for example:\n"
    "emit produced '[\"some product\", 3]'\n"
    "\n"
    "“-” reads JSON-ARGS from standard input, “@FILE” from the file FILE\n"
    "(for arguments too large for a command line). Without JSON-ARGS, the\n"
    "arguments are [] when standard input is a terminal, and otherwise an\n"
    "error (give “-” to read standard input). JSON-ARGS must be strict\n"
    "JSON, one array or object and nothing after it; it is checked before\n"
    "anything connects, and published as it is, byte for byte.\n"
    "\n"
    "Exits 0 once the broker has the event, 1 if it is refused (an event\n"
    "larger than the broker's max-frame-size, say) or cannot be sent.");
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
  if (argc == 2 && !isatty (STDIN_FILENO))
    {
      /* Not a silent []: `emit x < file` means the file. */
      status = tool_fail_usage (context, "no JSON-ARGS, and standard input is not a terminal; "
                                "give the arguments (“[]” for none), or “-” to read them "
                                "from standard input");
      goto out;
    }
  name = argv[1];

  /* Checked before connecting: a typo never starts a broker. */
  if (!read_params (argc == 3 ? argv[2] : "[]", &params, &length, &origin, &error))
    {
      status = tool_fail (error);
      goto out;
    }
  if (!mre_check_params_json (params, length, &error))
    {
      if (origin != NULL)
        g_prefix_error (&error, "%s: ", origin);
      status = tool_fail (error);
      goto out;
    }

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
