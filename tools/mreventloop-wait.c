/* mreventloop-wait.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * `mreventloop wait NAME [--timeout S]`: waits for the next event NAME (a
 * retained one counts) and prints its arguments as a JSON array on one
 * line. Exits 0 on an event and 124 on timeout, like timeout(1).
 */

#include <stdio.h>

#include "mreventloop-tool.h"

typedef struct
{
  GMainLoop  *loop;
  const char *name;
  guint       timeout_id;
  char       *params;      /* the event's arguments, once one arrived */
  GError     *error;
  gboolean    timed_out;
} WaitState;

static void
wait_event_cb (MrePeer  *peer,
               MreEvent *event,
               gpointer  user_data)
{
  WaitState *state = user_data;

  if (state->params != NULL || state->error != NULL)
    return;

  state->params = mre_event_dup_params_json (event, &state->error);
  g_main_loop_quit (state->loop);
}

static void
wait_subscribed_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  WaitState *state = user_data;

  if (!mre_peer_subscribe_finish (MRE_PEER (object), result, &state->error))
    g_main_loop_quit (state->loop);
}

static void
wait_started_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  WaitState *state = user_data;

  if (!mre_peer_start_finish (MRE_PEER (object), result, &state->error))
    {
      g_main_loop_quit (state->loop);
      return;
    }

  mre_peer_subscribe_async (MRE_PEER (object), state->name, NULL, NULL,
                            wait_subscribed_cb, state);
}

static gboolean
wait_timeout_cb (gpointer user_data)
{
  WaitState *state = user_data;

  state->timed_out = TRUE;
  state->timeout_id = 0;
  g_main_loop_quit (state->loop);

  return G_SOURCE_REMOVE;
}

int
tool_cmd_wait (int    argc,
               char **argv)
{
  ToolPeerOptions options = { NULL, };
  double timeout = 0;
  const GOptionEntry entries[] = {
    { "timeout", 't', G_OPTION_FLAG_NONE, G_OPTION_ARG_DOUBLE, &timeout,
      "Give up after S seconds, with exit status 124 (default: wait forever)", "S" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(MrePeer) peer = NULL;
  WaitState state = { NULL, };
  int status;

  context = g_option_context_new ("NAME - wait for an event");
  g_option_context_set_summary (context,
    "Waits for the event NAME, a retained one or the next one published,\n"
    "and prints its arguments as a JSON array on one line. Exits 0 on an\n"
    "event and 124 when --timeout runs out, like timeout(1).");
  g_option_context_add_main_entries (context, entries, NULL);
  tool_peer_options_add (context, &options);
  if (!tool_parse (context, &argc, &argv, &status))
    goto out;

  if (argc < 2)
    {
      status = tool_fail_usage (context, "wait needs the name of the event");
      goto out;
    }
  if (argc > 2)
    {
      status = tool_fail_usage (context, "unexpected argument “%s”", argv[2]);
      goto out;
    }
  if (timeout < 0 || timeout > G_MAXUINT / 1000)
    {
      status = tool_fail_usage (context, "--timeout takes a number of seconds, 0 or more");
      goto out;
    }

  state.loop = g_main_loop_new (NULL, FALSE);
  state.name = argv[1];

  /* The timeout covers connecting (and starting the default bus) too, so
   * everything below runs on the loop, asynchronously. */
  if (timeout > 0)
    state.timeout_id = g_timeout_add ((guint) (timeout * 1000), wait_timeout_cb, &state);

  peer = tool_peer_new (&options);

  /* Connected before subscribing: the retained events arrive first. */
  g_signal_connect (peer, "event", G_CALLBACK (wait_event_cb), &state);
  tool_report_lost (peer);
  mre_peer_start_async (peer, NULL, wait_started_cb, &state);

  g_main_loop_run (state.loop);

  if (state.params != NULL)
    {
      printf ("%s\n", state.params);
      fflush (stdout);
      status = TOOL_EXIT_OK;
    }
  else if (state.error != NULL)
    status = tool_fail (state.error);
  else
    {
      g_printerr ("mreventloop: no event “%s” within %g seconds\n", argv[1], timeout);
      status = TOOL_EXIT_TIMEOUT;
    }

out:
  if (peer != NULL)
    {
      g_signal_handlers_disconnect_by_data (peer, &state);
      mre_peer_close (peer);
    }
  g_clear_handle_id (&state.timeout_id, g_source_remove);
  g_clear_pointer (&state.loop, g_main_loop_unref);
  g_clear_pointer (&state.params, g_free);
  g_clear_error (&state.error);
  tool_peer_options_clear (&options);

  return status;
}
