/* plugin-host.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A host that runs its plugins as processes of their own, EventPy's
 * EventDispatchManager in C: it starts a broker, spawns N plugins
 * (plugin.c) with GSubprocess, listens to what they publish, pings them,
 * reports a plugin that dies and starts it again, a bounded number of
 * times.
 *
 *   EventPy                      here
 *   deploy_dispatchers()         spawn each plugin: a process, a peer, an
 *                                update loop of its own
 *   EventListener callbacks      the host's slot "on-plugin-event", fed
 *                                every "plugin.*" event by the host's peer
 *   invoke_dispatch()            the host's signal "ping", published to
 *                                every plugin, which answer "plugin.<id>.pong"
 *   end_dispatchers()            on SIGTERM/SIGINT: SIGTERM to each plugin
 *                                (which runs its finish()), wait for all
 *
 * Each plugin is spawned with PR_SET_PDEATHSIG, so it is sent SIGTERM when
 * the host dies, even by SIGKILL: no plugin outlives its host.
 *
 * Usage: plugin-host [--plugins N] [--max-restarts N] [--socket PATH]
 *                    [--plugin-program PATH] [--ping-interval MS]
 *
 * It prints one line per thing that happens, for people and for
 * plugin-host-test.sh:
 *
 *   host: broker listening on PATH
 *   host: plugin 2 started (pid 1234)
 *   host: plugin 2 (pid 1234) is up: first tick
 *   host: plugin 2 (pid 1234) answered ping 3
 *   host: plugin 2 (pid 1234) died: killed by signal 9 (Killed)
 *   host: restarting plugin 2 in 100 ms (restart 1 of 3)
 *   host: plugin 2 died 4 times; not restarting it (--max-restarts 3)
 *   host: plugin 2 (pid 1240) said goodbye after 51 updates
 *   host: plugin 2 (pid 1240) finished: exited with status 0
 *   host: stopped
 */

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib/gstdio.h>
#include <mreventloop.h>

#define STOP_GRACE_SECONDS 5

/* One plugin, across its restarts --------------------------------------- */

typedef struct _ExamplePluginHost ExamplePluginHost;

typedef struct
{
  ExamplePluginHost *host;
  guint              id;
  GSubprocess       *process;        /* NULL while not running */
  gint               pid;            /* of process, or of the last one */
  guint              restarts;
  guint              restart_source;
  gboolean           up;             /* the current process ticked */
  gboolean           answered;       /* ... and answered a ping */
} HostPlugin;

/* The host -------------------------------------------------------------- */

#define EXAMPLE_TYPE_PLUGIN_HOST (example_plugin_host_get_type ())
G_DECLARE_FINAL_TYPE (ExamplePluginHost, example_plugin_host, EXAMPLE, PLUGIN_HOST, GObject)

struct _ExamplePluginHost
{
  GObject              parent_instance;
  GPtrArray           *plugins;          /* of HostPlugin */
  GSubprocessLauncher *launcher;
  char                *program;
  char                *socket_path;
  guint                max_restarts;
  guint                ping_seq;
  guint                n_running;
  gboolean             stopping;
};

G_DEFINE_FINAL_TYPE (ExamplePluginHost, example_plugin_host, G_TYPE_OBJECT)

enum {
  PING,
  N_SIGNALS
};

static guint host_signals[N_SIGNALS];

static void host_plugin_spawn (HostPlugin *plugin);

static HostPlugin *
example_plugin_host_lookup (ExamplePluginHost *self,
                            const char        *id_text)
{
  guint64 id;

  if (!g_ascii_string_to_unsigned (id_text, 10, 1, self->plugins->len, &id, NULL))
    return NULL;

  return g_ptr_array_index (self->plugins, id - 1);
}

/* The slot "on-plugin-event": every event whose name starts with
 * "plugin.", in the order the broker routed them. It takes the MreEvent
 * itself rather than decoded arguments, to read the event's name. */
static gboolean
example_plugin_host_on_plugin_event (ExamplePluginHost  *self,
                                     MreEvent           *event,
                                     GError            **error)
{
  static const GType types[] = { G_TYPE_UINT, G_TYPE_INT };
  GValue values[G_N_ELEMENTS (types)] = { G_VALUE_INIT, G_VALUE_INIT };
  g_auto(GStrv) parts = NULL;
  g_autoptr(GError) local_error = NULL;
  HostPlugin *plugin;
  const char *kind;
  guint number;
  gint pid;

  /* "plugin.<id>.<kind>" (count or seq, pid) */
  parts = g_strsplit (mre_event_get_name (event), ".", 3);
  if (g_strv_length (parts) != 3 || (plugin = example_plugin_host_lookup (self, parts[1])) == NULL)
    return TRUE;
  kind = parts[2];

  if (!mre_event_get_args (event, types, G_N_ELEMENTS (types), values, &local_error))
    {
      /* A plugin's mistake is no reason to stop the host. */
      g_printerr ("host: ignoring “%s” from “%s”: %s\n", mre_event_get_name (event),
                  mre_event_get_sender (event), local_error->message);
      return TRUE;
    }
  number = g_value_get_uint (&values[0]);
  pid = g_value_get_int (&values[1]);

  if (g_str_equal (kind, "finished"))
    {
      printf ("host: plugin %u (pid %d) said goodbye after %u updates\n", plugin->id, pid, number);
    }
  else if (pid != plugin->pid || plugin->process == NULL)
    {
      /* Late news from a process that was replaced. */
    }
  else if (g_str_equal (kind, "tick") && !plugin->up)
    {
      plugin->up = TRUE;
      printf ("host: plugin %u (pid %d) is up: first tick\n", plugin->id, pid);
    }
  else if (g_str_equal (kind, "pong") && !plugin->answered)
    {
      plugin->answered = TRUE;
      printf ("host: plugin %u (pid %d) answered ping %u\n", plugin->id, pid, number);
    }
  fflush (stdout);

  return TRUE;
}

static void
example_plugin_host_maybe_done (ExamplePluginHost *self)
{
  if (self->stopping && self->n_running == 0)
    mre_event_loop_stop (mre_object_get_event_loop (self));
}

static gboolean
restart_cb (gpointer user_data)
{
  HostPlugin *plugin = user_data;

  plugin->restart_source = 0;
  host_plugin_spawn (plugin);

  return G_SOURCE_REMOVE;
}

/* A plugin died: report it and, within bounds, start it again. */
static void
host_plugin_died (HostPlugin *plugin)
{
  ExamplePluginHost *host = plugin->host;
  guint delay;

  if (host->stopping)
    return;

  if (plugin->restarts >= host->max_restarts)
    {
      printf ("host: plugin %u died %u times; not restarting it (--max-restarts %u)\n",
              plugin->id, plugin->restarts + 1, host->max_restarts);
      fflush (stdout);
      return;
    }

  /* Back off a little more each time, so a plugin that crashes at once
   * does not spin. */
  plugin->restarts++;
  delay = MIN (100u << MIN (plugin->restarts - 1, 5u), 2000u);
  printf ("host: restarting plugin %u in %u ms (restart %u of %u)\n",
          plugin->id, delay, plugin->restarts, host->max_restarts);
  fflush (stdout);
  plugin->restart_source = g_timeout_add (delay, restart_cb, plugin);
}

static void
host_plugin_exited_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  GSubprocess *process = G_SUBPROCESS (source);
  HostPlugin *plugin = user_data;
  ExamplePluginHost *host = plugin->host;
  g_autofree char *how = NULL;
  g_autoptr(GError) error = NULL;

  /* Cannot fail without a cancellable. */
  g_subprocess_wait_finish (process, result, &error);

  if (g_subprocess_get_if_signaled (process))
    how = g_strdup_printf ("killed by signal %d (%s)", g_subprocess_get_term_sig (process),
                           g_strsignal (g_subprocess_get_term_sig (process)));
  else
    how = g_strdup_printf ("exited with status %d", g_subprocess_get_exit_status (process));

  printf ("host: plugin %u (pid %d) %s: %s\n", plugin->id, plugin->pid,
          host->stopping ? "finished" : "died", how);
  fflush (stdout);

  /* The wait's task holds the process until this callback returns. */
  g_clear_object (&plugin->process);
  host->n_running--;

  host_plugin_died (plugin);
  example_plugin_host_maybe_done (host);
}

static void
host_plugin_spawn (HostPlugin *plugin)
{
  ExamplePluginHost *host = plugin->host;
  g_autofree char *id = g_strdup_printf ("%u", plugin->id);
  g_autoptr(GError) error = NULL;

  g_assert (plugin->process == NULL);

  plugin->up = FALSE;
  plugin->answered = FALSE;
  plugin->process = g_subprocess_launcher_spawn (host->launcher, &error, host->program,
                                                 "--id", id, "--socket", host->socket_path,
                                                 NULL);
  if (plugin->process == NULL)
    {
      printf ("host: plugin %u failed to start: %s\n", plugin->id, error->message);
      fflush (stdout);
      host_plugin_died (plugin);
      return;
    }

  plugin->pid = atoi (g_subprocess_get_identifier (plugin->process));
  host->n_running++;
  printf ("host: plugin %u started (pid %d)\n", plugin->id, plugin->pid);
  fflush (stdout);

  g_subprocess_wait_async (plugin->process, NULL, host_plugin_exited_cb, plugin);
}

static gboolean
ping_cb (gpointer user_data)
{
  ExamplePluginHost *self = user_data;

  if (self->stopping)
    return G_SOURCE_REMOVE;

  g_signal_emit (self, host_signals[PING], 0, ++self->ping_seq);

  return G_SOURCE_CONTINUE;
}

static gboolean
force_exit_cb (gpointer user_data)
{
  ExamplePluginHost *self = user_data;

  for (guint i = 0; i < self->plugins->len; i++)
    {
      HostPlugin *plugin = g_ptr_array_index (self->plugins, i);

      if (plugin->process != NULL)
        {
          printf ("host: plugin %u (pid %d) did not finish within %d s; killing it\n",
                  plugin->id, plugin->pid, STOP_GRACE_SECONDS);
          g_subprocess_force_exit (plugin->process);
        }
    }
  fflush (stdout);

  return G_SOURCE_REMOVE;
}

/* EventPy's end_dispatchers(): each plugin runs its finish() on SIGTERM. */
static gboolean
terminate_cb (gpointer user_data)
{
  ExamplePluginHost *self = user_data;

  if (self->stopping)
    return G_SOURCE_CONTINUE;

  self->stopping = TRUE;
  printf ("host: stopping %u plugins\n", self->n_running);
  fflush (stdout);

  for (guint i = 0; i < self->plugins->len; i++)
    {
      HostPlugin *plugin = g_ptr_array_index (self->plugins, i);

      g_clear_handle_id (&plugin->restart_source, g_source_remove);
      if (plugin->process != NULL)
        g_subprocess_send_signal (plugin->process, SIGTERM);
    }

  g_timeout_add_seconds (STOP_GRACE_SECONDS, force_exit_cb, self);
  example_plugin_host_maybe_done (self);

  return G_SOURCE_CONTINUE;
}

static void
example_plugin_host_finalize (GObject *object)
{
  ExamplePluginHost *self = EXAMPLE_PLUGIN_HOST (object);

  g_ptr_array_unref (self->plugins);
  g_clear_object (&self->launcher);
  g_free (self->program);
  g_free (self->socket_path);

  G_OBJECT_CLASS (example_plugin_host_parent_class)->finalize (object);
}

static void
example_plugin_host_class_init (ExamplePluginHostClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = example_plugin_host_finalize;

  host_signals[PING] = mre_signal_new (G_TYPE_FROM_CLASS (klass), "ping", 1, G_TYPE_UINT);

  mre_slot_install (G_TYPE_FROM_CLASS (klass), "on-plugin-event",
                    G_CALLBACK (example_plugin_host_on_plugin_event), MRE_SLOT_DEFAULT,
                    1, MRE_TYPE_EVENT);
}

static void
example_plugin_host_init (ExamplePluginHost *self)
{
  self->plugins = g_ptr_array_new_with_free_func (g_free);
}

/* The program ----------------------------------------------------------- */

static pid_t host_pid;

/* Runs in each plugin between fork and exec: async-signal-safe calls only.
 * The plugin gets SIGTERM when the host dies; if the host died before the
 * prctl() took effect, the plugin is an orphan already and leaves now. */
static void
plugin_child_setup (gpointer user_data)
{
  if (prctl (PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid () != host_pid)
    _exit (EXIT_FAILURE);
}

static char *
default_plugin_program (void)
{
  g_autofree char *self_exe = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *dir = NULL;

  if (self_exe == NULL)
    return g_strdup ("plugin-host-plugin");

  dir = g_path_get_dirname (self_exe);
  return g_build_filename (dir, "plugin-host-plugin", NULL);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *socket_path = NULL;
  g_autofree char *program = NULL;
  g_autofree char *tmp_dir = NULL;
  gint n_plugins = 3;
  gint max_restarts = 3;
  gint ping_interval = 500;
  const GOptionEntry entries[] = {
    { "plugins", 'n', G_OPTION_FLAG_NONE, G_OPTION_ARG_INT, &n_plugins,
      "How many plugins to run (default: 3)", "N" },
    { "max-restarts", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_INT, &max_restarts,
      "Restart a plugin that died at most N times (default: 3)", "N" },
    { "socket", 's', G_OPTION_FLAG_NONE, G_OPTION_ARG_FILENAME, &socket_path,
      "Where the broker listens (default: in a new temporary directory)", "PATH" },
    { "plugin-program", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_FILENAME, &program,
      "The plugin to run (default: plugin-host-plugin beside this program)", "PATH" },
    { "ping-interval", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_INT, &ping_interval,
      "Milliseconds between two pings (default: 500)", "MS" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(ExamplePluginHost) host = NULL;
  g_autoptr(MreEventLoop) loop = NULL;
  g_autoptr(MreBroker) broker = NULL;
  g_autoptr(MrePeer) peer = NULL;
  g_autoptr(GError) error = NULL;
  int status = EXIT_SUCCESS;

  context = g_option_context_new ("- run plugins as processes, restart those that die");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    goto fail;
  if (n_plugins < 1 || max_restarts < 0 || ping_interval < 1)
    {
      g_printerr ("plugin-host: --plugins and --ping-interval take 1 or more, "
                  "--max-restarts 0 or more\n");
      return EXIT_FAILURE;
    }

  if (socket_path == NULL)
    {
      tmp_dir = g_dir_make_tmp ("mreventloop-plugin-host-XXXXXX", &error);
      if (tmp_dir == NULL)
        goto fail;
      socket_path = g_build_filename (tmp_dir, "bus.sock", NULL);
    }
  if (program == NULL)
    program = default_plugin_program ();

  /* The broker routes on a thread of its own. */
  broker = mre_broker_new (socket_path);
  if (!mre_broker_start (broker, &error))
    goto fail;
  printf ("host: broker listening on %s\n", socket_path);
  fflush (stdout);

  host = g_object_new (EXAMPLE_TYPE_PLUGIN_HOST, NULL);
  host->program = g_steal_pointer (&program);
  host->socket_path = g_strdup (socket_path);
  host->max_restarts = (guint) max_restarts;

  /* The host's slots, its process watches, its timers and its signal
   * handlers all run on the main thread's default context. */
  loop = mre_event_loop_new_for_context (NULL);
  mre_object_set_event_loop (host, loop);

  peer = mre_peer_new (socket_path, "host");
  if (!mre_peer_start (peer, NULL, &error))
    goto fail;
  if (mre_connect (peer, "event", host, "on-plugin-event", MRE_CONNECT_DEFAULT, &error) == 0)
    goto fail;
  if (!mre_peer_subscribe (peer, "plugin.*", NULL, NULL, &error))
    goto fail;
  if (mre_peer_forward (peer, host, "ping", "ping", MRE_DELIVERY_YELL, 0, &error) == 0)
    goto fail;

  g_unix_signal_add (SIGTERM, terminate_cb, host);
  g_unix_signal_add (SIGINT, terminate_cb, host);

  host_pid = getpid ();
  host->launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_subprocess_launcher_set_child_setup (host->launcher, plugin_child_setup, NULL, NULL);

  for (gint i = 1; i <= n_plugins; i++)
    {
      HostPlugin *plugin = g_new0 (HostPlugin, 1);

      plugin->host = host;
      plugin->id = (guint) i;
      g_ptr_array_add (host->plugins, plugin);
      host_plugin_spawn (plugin);
    }

  g_timeout_add (ping_interval, ping_cb, host);

  if (!mre_event_loop_run (loop, &error))
    {
      g_printerr ("plugin-host: %s\n", error->message);
      g_clear_error (&error);
      status = EXIT_FAILURE;
    }

  mre_peer_close (peer);
  mre_broker_stop (broker);
  if (tmp_dir != NULL)
    g_rmdir (tmp_dir);

  printf ("host: stopped\n");
  fflush (stdout);

  return status;

fail:
  g_printerr ("plugin-host: %s\n", error->message);
  if (tmp_dir != NULL)
    {
      g_unlink (socket_path);
      g_rmdir (tmp_dir);
    }
  return EXIT_FAILURE;
}
