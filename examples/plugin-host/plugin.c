/* plugin.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * One plugin of plugin-host.c: a process of its own with an update loop,
 * EventPy's EventDispatcher in C.
 *
 *   EventPy                    here
 *   init()                     main (): the plugin object, its loop, its peer
 *   update(), once a loop      example_plugin_update (), every --interval ms,
 *                              queued on the plugin's loop with
 *                              mre_event_loop_invoke_after ()
 *   finish()                   on SIGTERM: stop updating, say goodbye,
 *                              flush the peer and close it
 *
 * Each update emits the plugin's signal "tick", which its peer publishes
 * as the event "plugin.<id>.tick" (count, pid). The host's event "ping"
 * (seq) is queued as a call of the slot "on-ping", which answers with the
 * signal "pong", published as "plugin.<id>.pong" (seq, pid). The pid in
 * each event lets whoever listens tell a restarted plugin from the process
 * it replaces.
 *
 * Usage: plugin-host-plugin --id N --socket PATH [--interval MS]
 */

#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <unistd.h>

#include <glib-unix.h>
#include <mreventloop.h>

/* The plugin ----------------------------------------------------------- */

#define EXAMPLE_TYPE_PLUGIN (example_plugin_get_type ())
G_DECLARE_FINAL_TYPE (ExamplePlugin, example_plugin, EXAMPLE, PLUGIN, GObject)

struct _ExamplePlugin
{
  GObject       parent_instance;
  guint         id;
  guint         interval;     /* ms between updates */
  guint         n_updates;
  GCancellable *updates;      /* cancelled by finish */
};

G_DEFINE_FINAL_TYPE (ExamplePlugin, example_plugin, G_TYPE_OBJECT)

enum {
  TICK,
  PONG,
  FINISHED,
  N_SIGNALS
};

static guint plugin_signals[N_SIGNALS];

static gboolean example_plugin_update (gpointer   user_data,
                                       GError   **error);

static void
example_plugin_schedule_update (ExamplePlugin *self)
{
  mre_event_loop_invoke_after (mre_object_get_event_loop (self), self->interval,
                               self->updates, example_plugin_update,
                               g_object_ref (self), g_object_unref);
}

/* EventPy's update(): runs on the plugin's loop, between the slots. */
static gboolean
example_plugin_update (gpointer   user_data,
                       GError   **error)
{
  ExamplePlugin *self = user_data;

  if (g_cancellable_is_cancelled (self->updates))
    return TRUE;

  self->n_updates++;
  g_signal_emit (self, plugin_signals[TICK], 0, self->n_updates, (gint) getpid ());

  example_plugin_schedule_update (self);

  return TRUE;
}

/* The slot "on-ping": the host asks whether we are alive. */
static gboolean
example_plugin_on_ping (ExamplePlugin  *self,
                        guint           seq,
                        GError        **error)
{
  g_signal_emit (self, plugin_signals[PONG], 0, seq, (gint) getpid ());

  return TRUE;
}

/* EventPy's finish(), the part that runs on the loop. */
static gboolean
example_plugin_finish (gpointer   user_data,
                       GError   **error)
{
  ExamplePlugin *self = user_data;

  g_cancellable_cancel (self->updates);
  g_signal_emit (self, plugin_signals[FINISHED], 0, self->n_updates, (gint) getpid ());
  mre_event_loop_stop (mre_object_get_event_loop (self));

  return TRUE;
}

static void
example_plugin_dispose (GObject *object)
{
  ExamplePlugin *self = EXAMPLE_PLUGIN (object);

  g_clear_object (&self->updates);

  G_OBJECT_CLASS (example_plugin_parent_class)->dispose (object);
}

static void
example_plugin_class_init (ExamplePluginClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = example_plugin_dispose;

  /* tick (count, pid), pong (seq, pid), finished (count, pid) */
  plugin_signals[TICK] =
    mre_signal_new (G_TYPE_FROM_CLASS (klass), "tick", 2, G_TYPE_UINT, G_TYPE_INT);
  plugin_signals[PONG] =
    mre_signal_new (G_TYPE_FROM_CLASS (klass), "pong", 2, G_TYPE_UINT, G_TYPE_INT);
  plugin_signals[FINISHED] =
    mre_signal_new (G_TYPE_FROM_CLASS (klass), "finished", 2, G_TYPE_UINT, G_TYPE_INT);

  mre_slot_install (G_TYPE_FROM_CLASS (klass), "on-ping",
                    G_CALLBACK (example_plugin_on_ping), MRE_SLOT_DEFAULT,
                    1, G_TYPE_UINT);
}

static void
example_plugin_init (ExamplePlugin *self)
{
  self->updates = g_cancellable_new ();
}

/* The program ----------------------------------------------------------- */

static gboolean
terminate_cb (gpointer user_data)
{
  ExamplePlugin *plugin = user_data;
  static gboolean finishing;

  /* Queued behind the slots already waiting, like any call. The handler
   * stays: a second SIGTERM (the host's, after a terminal's) changes
   * nothing. */
  if (!finishing)
    mre_event_loop_invoke (mre_object_get_event_loop (plugin), example_plugin_finish,
                           g_object_ref (plugin), g_object_unref);
  finishing = TRUE;

  return G_SOURCE_CONTINUE;
}

/* Publishes @signal_name of @plugin as "plugin.<id>.<kind>". */
static gboolean
forward (MrePeer        *peer,
         ExamplePlugin  *plugin,
         const char     *signal_name,
         GError        **error)
{
  g_autofree char *name = g_strdup_printf ("plugin.%u.%s", plugin->id, signal_name);

  return mre_peer_forward (peer, plugin, signal_name, name, MRE_DELIVERY_YELL, 0, error) != 0;
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *socket_path = NULL;
  gint id = 0;
  gint interval = 100;
  const GOptionEntry entries[] = {
    { "id", 'i', G_OPTION_FLAG_NONE, G_OPTION_ARG_INT, &id,
      "The plugin's number, 1 or more", "N" },
    { "socket", 's', G_OPTION_FLAG_NONE, G_OPTION_ARG_FILENAME, &socket_path,
      "The broker's socket", "PATH" },
    { "interval", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_INT, &interval,
      "Milliseconds between two updates (default: 100)", "MS" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(ExamplePlugin) plugin = NULL;
  g_autoptr(MreEventLoop) loop = NULL;
  g_autoptr(MrePeer) peer = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *peer_id = NULL;

  context = g_option_context_new ("- a plugin of plugin-host");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    goto fail;
  if (id < 1 || socket_path == NULL || interval < 1)
    {
      g_printerr ("plugin-host-plugin: --id N (1 or more) and --socket PATH are required\n");
      return EXIT_FAILURE;
    }

  plugin = g_object_new (EXAMPLE_TYPE_PLUGIN, NULL);
  plugin->id = (guint) id;
  plugin->interval = (guint) interval;

  /* EventPy runs each dispatcher's loop in a process of its own: here it
   * is this process's main thread, whose default context also watches
   * SIGTERM. The peer does its socket I/O on a thread of its own. */
  loop = mre_event_loop_new_for_context (NULL);
  mre_object_set_event_loop (plugin, loop);

  /* From here on a SIGTERM runs finish(), once the loop runs. */
  g_unix_signal_add (SIGTERM, terminate_cb, plugin);
  g_unix_signal_add (SIGINT, terminate_cb, plugin);

  peer_id = g_strdup_printf ("plugin-%d", id);
  peer = mre_peer_new (socket_path, peer_id);
  if (!mre_peer_start (peer, NULL, &error))
    goto fail;

  if (!forward (peer, plugin, "tick", &error) ||
      !forward (peer, plugin, "pong", &error) ||
      !forward (peer, plugin, "finished", &error))
    goto fail;

  if (mre_connect (peer, "event::ping", plugin, "on-ping", MRE_CONNECT_DEFAULT, &error) == 0)
    goto fail;
  if (!mre_peer_subscribe (peer, "ping", NULL, NULL, &error))
    goto fail;

  /* The first update runs as soon as the loop does. */
  mre_event_loop_invoke (loop, example_plugin_update, g_object_ref (plugin), g_object_unref);

  if (!mre_event_loop_run (loop, &error))
    goto fail;

  /* The rest of finish(): the goodbye reaches the broker before we go. */
  if (!mre_peer_flush (peer, -1, NULL, &error))
    goto fail;
  mre_peer_close (peer);

  printf ("plugin %d: finished after %u updates\n", id, plugin->n_updates);
  fflush (stdout);

  return EXIT_SUCCESS;

fail:
  g_printerr ("plugin-host-plugin %d: %s\n", id, error->message);
  return EXIT_FAILURE;
}
