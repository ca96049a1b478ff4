/* mreventloop-broker.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * `mreventloop broker`: runs a broker in the foreground until SIGINT or
 * SIGTERM, or until it has had no peer for --idle-exit seconds.
 */

#include <stdlib.h>
#include <sys/resource.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "mreventloop-tool.h"

/* Emitted on the broker's own thread; quitting a GMainLoop is thread-safe. */
static void
broker_idle_cb (MreBroker *broker,
                gpointer   user_data)
{
  g_main_loop_quit (user_data);
}

int
tool_cmd_broker (int    argc,
                 char **argv)
{
  g_autofree char *socket_path = NULL;
  g_autofree char *state_dir = NULL;
  gint idle_exit = 0;
  gint64 max_frame_size = 0;
  gint64 max_queued_bytes = 0;
  gint64 max_queued_bytes_total = -1;
  gint64 max_connections = -1;
  gint64 max_subscriptions = -1;
  gint64 max_retained_bytes = -1;
  gint64 handshake_timeout = -1;
  const GOptionEntry entries[] = {
    { "socket", 's', G_OPTION_FLAG_NONE, G_OPTION_ARG_FILENAME, &socket_path,
      "The socket to listen on (default: the default bus)", "PATH" },
    { "state-dir", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_FILENAME, &state_dir,
      "Keep retained events in DIR, across a crash and a restart (default: in memory)", "DIR" },
    { "idle-exit", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_INT, &idle_exit,
      "Exit once no peer has been connected for SECONDS (default: never)", "SECONDS" },
    { "max-frame-size", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_INT64, &max_frame_size,
      "Refuse frames larger than N bytes, header included (default: 16 MiB)", "N" },
    { "max-queued-bytes", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_INT64, &max_queued_bytes,
      "Disconnect a peer once N bytes wait for it (default: 64 MiB)", "N" },
    { "max-queued-bytes-total", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_INT64, &max_queued_bytes_total,
      "Slow publishers down once N bytes wait for all peers together,\n"
      "                                  0 for no limit (default: 256 MiB)", "N" },
    { "max-connections", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_INT64, &max_connections,
      "Keep at most N connections open, 0 for no limit (default: 1024)", "N" },
    { "max-subscriptions", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_INT64, &max_subscriptions,
      "Allow at most N subscriptions per connection, 0 for no limit (default: 4096)", "N" },
    { "max-retained-bytes", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_INT64, &max_retained_bytes,
      "Retain at most N bytes of events per event name, dropping the oldest;\n"
      "                                  0 for no limit (default: 64 MiB)", "N" },
    { "handshake-timeout", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_INT64, &handshake_timeout,
      "Close a connection that sends no HELLO within SECONDS, 0 for never (default: 10)",
      "SECONDS" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(MreBroker) broker = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  context = g_option_context_new ("- run a broker");
  g_option_context_set_summary (context,
    "Runs a broker in the foreground until SIGINT or SIGTERM. It prints\n"
    "nothing but errors, and fails when a live broker holds the socket.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!tool_parse (context, &argc, &argv, &status))
    return status;

  if (argc > 1)
    return tool_fail_usage (context, "unexpected argument “%s”", argv[1]);
  if (idle_exit < 0)
    return tool_fail_usage (context, "--idle-exit takes a number of seconds, 0 or more");
  if (max_frame_size < 0 || max_frame_size > G_MAXUINT)
    return tool_fail_usage (context, "--max-frame-size takes a number of bytes up to %u",
                            G_MAXUINT);

  if (max_queued_bytes != 0 && max_queued_bytes < 4096)
    return tool_fail_usage (context, "--max-queued-bytes takes a number of bytes, 4096 or more");
  if (max_queued_bytes_total < -1 || (max_queued_bytes_total > 0 && max_queued_bytes_total < 4096))
    return tool_fail_usage (context,
                            "--max-queued-bytes-total takes a number of bytes, 4096 or more, or 0");
  if (max_connections < -1 || max_connections > G_MAXUINT)
    return tool_fail_usage (context, "--max-connections takes a number up to %u", G_MAXUINT);
  if (max_subscriptions < -1 || max_subscriptions > G_MAXUINT)
    return tool_fail_usage (context, "--max-subscriptions takes a number up to %u", G_MAXUINT);
  if (max_retained_bytes < -1)
    return tool_fail_usage (context, "--max-retained-bytes takes a number of bytes, 0 or more");
  if (handshake_timeout < -1 || handshake_timeout > G_MAXUINT)
    return tool_fail_usage (context, "--handshake-timeout takes a number of seconds, 0 or more");

  if (socket_path == NULL)
    socket_path = mre_default_socket_path ();

#ifdef __GLIBC__
  /* The write buffers of a burst (up to 16 MiB per connection) are given
   * back when their connection is idle: mapped, they go back to the
   * system. glibc's own threshold rises past them once one is freed, and
   * the heap keeps them (tests/soak: 486 MiB kept after a burst through 54
   * subscribers, 9 MiB with this). */
  mallopt (M_MMAP_THRESHOLD, 256 * 1024);
#endif

  /* A file descriptor per connection: as many as the hard limit allows,
   * as dbus-daemon does. */
  {
    struct rlimit limit;

    if (getrlimit (RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max)
      {
        limit.rlim_cur = limit.rlim_max;
        (void) setrlimit (RLIMIT_NOFILE, &limit);
      }
  }

  loop = g_main_loop_new (NULL, FALSE);
  broker = mre_broker_new (socket_path);
  if (max_frame_size > 0)
    mre_broker_set_max_frame_size (broker, (guint) max_frame_size);
  if (max_queued_bytes > 0)
    mre_broker_set_max_queued_bytes (broker, (guint64) max_queued_bytes);
  if (max_queued_bytes_total >= 0)
    mre_broker_set_max_queued_bytes_total (broker, (guint64) max_queued_bytes_total);
  if (max_connections >= 0)
    mre_broker_set_max_connections (broker, (guint) max_connections);
  if (max_subscriptions >= 0)
    mre_broker_set_max_subscriptions (broker, (guint) max_subscriptions);
  if (max_retained_bytes >= 0)
    mre_broker_set_max_retained_bytes (broker, (guint64) max_retained_bytes);
  if (handshake_timeout >= 0)
    mre_broker_set_handshake_timeout (broker, (guint) handshake_timeout);
  if (state_dir != NULL && state_dir[0] != '\0')
    mre_broker_set_state_directory (broker, state_dir);
  if (idle_exit > 0)
    {
      mre_broker_set_idle_timeout (broker, (guint) idle_exit);
      g_signal_connect (broker, "idle", G_CALLBACK (broker_idle_cb), loop);
    }

  /* Before listening: from then on a client may see the broker up and
   * signal it at once. */
  tool_quit_on_signals (loop);

  if (!mre_broker_start (broker, &error))
    return tool_fail (error);

  g_main_loop_run (loop);

  mre_broker_stop (broker);

  return TOOL_EXIT_OK;
}
