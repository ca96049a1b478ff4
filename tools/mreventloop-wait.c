/* mreventloop-wait.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * `mreventloop wait NAME [--timeout S] [--oldest] [--name]`: waits for an
 * event NAME, the latest retained one or the next one published, and
 * prints its arguments as a JSON array on one line. Exits 0 on an event
 * and 124 on timeout, like timeout(1).
 */

#include <stdio.h>

#include "mreventloop-tool.h"

typedef struct
{
  GMainLoop  *loop;
  const char *name;
  gboolean    oldest;
  guint       timeout_id;
  char       *event_name;     /* the event's name and arguments, once one arrived */
  char       *params;
  char       *replayed_name;  /* the latest retained event, while the replay lasts */
  char       *replayed_params;
  GError     *error;
  gboolean    timed_out;
} WaitState;

static void
wait_done (WaitState *state,
           char      *event_name,
           char      *params)
{
  state->event_name = event_name;
  state->params = params;
  g_main_loop_quit (state->loop);
}

/* The replay is over: its last event, if any, is the latest retained. */
static void
wait_take_replayed (WaitState *state)
{
  if (state->replayed_params == NULL || state->params != NULL)
    return;

  wait_done (state, g_steal_pointer (&state->replayed_name),
             g_steal_pointer (&state->replayed_params));
}

static void
wait_event_cb (MrePeer  *peer,
               MreEvent *event,
               gpointer  user_data)
{
  WaitState *state = user_data;
  char *params;

  if (state->params != NULL || state->error != NULL)
    return;

  /* A malformed event is reported, and the wait goes on for a good one. */
  params = tool_event_dup_params (event);
  if (params == NULL)
    return;

  /* The broker replays the retained events oldest first, all of them
   * before it acknowledges the subscription: the latest is the last one
   * before the ACK (or, after a reconnection, before the peer is
   * connected again). */
  if (mre_event_get_retained (event) && !state->oldest)
    {
      g_free (state->replayed_name);
      g_free (state->replayed_params);
      state->replayed_name = g_strdup (mre_event_get_name (event));
      state->replayed_params = params;
      return;
    }

  /* The first event, or a live one, which is newer than any replayed. */
  wait_done (state, g_strdup (mre_event_get_name (event)), params);
}

static void
wait_state_changed_cb (MrePeer      *peer,
                       MrePeerState  peer_state,
                       const GError *error,
                       gpointer      user_data)
{
  if (peer_state == MRE_PEER_STATE_CONNECTED)
    wait_take_replayed (user_data);
}

static void
wait_subscribed_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  WaitState *state = user_data;

  if (!mre_peer_subscribe_finish (MRE_PEER (object), result, &state->error))
    g_main_loop_quit (state->loop);
  else
    wait_take_replayed (state);
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

  state->timeout_id = 0;
  /* Time ran out during the replay: what was replayed is the latest. */
  if (state->replayed_params != NULL)
    {
      wait_take_replayed (state);
      return G_SOURCE_REMOVE;
    }
  state->timed_out = TRUE;
  g_main_loop_quit (state->loop);

  return G_SOURCE_REMOVE;
}

int
tool_cmd_wait (int    argc,
               char **argv)
{
  ToolPeerOptions options = { NULL, };
  double timeout = 0;
  gboolean oldest = FALSE;
  gboolean print_name = FALSE;
  const GOptionEntry entries[] = {
    { "timeout", 't', G_OPTION_FLAG_NONE, G_OPTION_ARG_DOUBLE, &timeout,
      "Give up after S seconds, with exit status 124 (default: wait forever)", "S" },
    { "oldest", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_NONE, &oldest,
      "Take the oldest retained event, not the latest", NULL },
    { "name", 'n', G_OPTION_FLAG_NONE, G_OPTION_ARG_NONE, &print_name,
      "Print the event's name, then a space, before its arguments", NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(MrePeer) peer = NULL;
  WaitState state = { NULL, };
  int status;

  context = g_option_context_new ("NAME - wait for an event");
  g_option_context_set_summary (context,
    "Waits for the event NAME (or for one whose name matches a “prefix.*”\n"
    "pattern) and prints its arguments as JSON on one line: the latest of\n"
    "the events the broker retains (the oldest with --oldest), or else the\n"
    "next one published. A malformed event (a body that is not a JSON-RPC\n"
    "notification) is reported on stderr, with its name and sender, and\n"
    "skipped. Exits 0 on an event and 124 when --timeout runs out, like\n"
    "timeout(1).");
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
  state.oldest = oldest;

  /* The timeout covers connecting (and starting the default bus) too, so
   * everything below runs on the loop, asynchronously. */
  if (timeout > 0)
    state.timeout_id = g_timeout_add ((guint) (timeout * 1000), wait_timeout_cb, &state);

  peer = tool_peer_new (&options);

  /* Connected before subscribing: the retained events arrive first. */
  g_signal_connect (peer, "event", G_CALLBACK (wait_event_cb), &state);
  g_signal_connect (peer, "state-changed", G_CALLBACK (wait_state_changed_cb), &state);
  tool_report_lost (peer);
  mre_peer_start_async (peer, NULL, wait_started_cb, &state);

  g_main_loop_run (state.loop);

  if (state.params != NULL)
    {
      if (print_name)
        printf ("%s ", state.event_name);
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
  g_clear_pointer (&state.event_name, g_free);
  g_clear_pointer (&state.params, g_free);
  g_clear_pointer (&state.replayed_name, g_free);
  g_clear_pointer (&state.replayed_params, g_free);
  g_clear_error (&state.error);
  tool_peer_options_clear (&options);

  return status;
}
