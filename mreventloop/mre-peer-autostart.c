/* mre-peer-autostart.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "mre-peer.h"
#include "mre-peer-autostart-private.h"
#include "mre-socket-private.h"

/*
 * The default bus (pyvent, elegant_events): a peer that finds no broker
 * starts one. Peers starting together take an exclusive flock() on a lock
 * file beside the socket and look again once they hold it, so that the
 * first starts the broker and the others find it running: exactly one.
 *
 * The broker is `mreventloop broker --socket PATH --idle-exit SECONDS`:
 * $MRE_BROKER_PROGRAM if set (`meson devenv` sets it to the build tree's
 * tool), else the installed tool. It runs in a session of its own
 * (setsid()), GIO reaps it when it exits, its stdin and stdout are
 * /dev/null and its stderr goes to PATH.log, beside the socket, whose
 * last lines an error quotes when it exits or never listens. It exits
 * when no peer has been connected for $MRE_IDLE_EXIT seconds (10 by
 * default). It keeps its retained events in a directory of its socket's
 * own (state_directory()), so that buses on other sockets run beside it.
 */

#define STARTUP_TIMEOUT_US  (10 * G_USEC_PER_SEC)
#define LOG_LINES_QUOTED    4

static void
detach (gpointer user_data)
{
  setsid ();
}

/* The state directory of the broker of @path (docs/PROTOCOL.md,
 * "Sockets"), or NULL for none: under $MRE_STATE_DIR (none if it is set
 * empty), else, unless $MRE_BUS is set, under $XDG_STATE_HOME/mreventloop;
 * there, a directory named after the socket file and a hash of its whole
 * path (`default-0123456789ab`), one per socket. */
static char *
state_directory (const char  *path,
                 char       **base_out)
{
  const char *env = g_getenv ("MRE_STATE_DIR");
  g_autofree char *base = NULL;
  g_autofree char *name = g_path_get_basename (path);
  g_autofree char *hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, path, -1);
  g_autofree char *dir = NULL;
  char *state;

  if (env != NULL && env[0] == '\0')
    return NULL;
  if (env != NULL)
    base = g_strdup (env);
  else if (g_getenv ("MRE_BUS") == NULL)
    base = g_build_filename (g_get_user_state_dir (), "mreventloop", NULL);
  else
    return NULL;

  if (g_str_has_suffix (name, ".sock"))
    name[strlen (name) - strlen (".sock")] = '\0';
  if (strlen (name) > 64)
    name[64] = '\0';
  hash[12] = '\0';
  dir = g_strdup_printf ("%s-%s", name, hash);
  state = g_build_filename (base, dir, NULL);
  *base_out = g_steal_pointer (&base);
  return state;
}

/* Until the state directory was per socket, an auto-started broker kept
 * its store in @base itself: the first one to start on that layout, the
 * default bus's under $XDG_STATE_HOME (any bus's under $MRE_STATE_DIR),
 * takes it into @state, so that its retained events are not left behind.
 * Only if no broker holds @base (its lock file, see mre-store.c). Under the
 * socket's lock, before its broker starts. */
static void
adopt_old_store (const char *path,
                 const char *base,
                 const char *state)
{
  static const char * const files[] = { "store.db-shm", "store.db-wal", "store.db" };
  g_autofree char *old_db = g_build_filename (base, "store.db", NULL);
  g_autofree char *new_db = g_build_filename (state, "store.db", NULL);
  g_autofree char *lock_path = g_build_filename (base, "lock", NULL);
  g_autofree char *default_path = NULL;
  int fd;

  if (!g_file_test (old_db, G_FILE_TEST_IS_REGULAR) || g_file_test (new_db, G_FILE_TEST_EXISTS))
    return;
  if (g_getenv ("MRE_STATE_DIR") == NULL &&
      g_strcmp0 (path, default_path = mre_default_socket_path ()) != 0)
    return;

  fd = open (lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0 || flock (fd, LOCK_EX | LOCK_NB) != 0)
    {
      if (fd >= 0)
        close (fd);
      return;  /* an older broker still runs on it: it stays its */
    }

  if (g_mkdir_with_parents (state, 0700) == 0)
    {
      for (guint i = 0; i < G_N_ELEMENTS (files); i++)
        {
          g_autofree char *from = g_build_filename (base, files[i], NULL);
          g_autofree char *to = g_build_filename (state, files[i], NULL);

          if (g_rename (from, to) != 0 && errno != ENOENT)
            g_warning ("Cannot move the store %s to %s: %s", from, to, g_strerror (errno));
        }
      g_message ("Moved the store of the broker of %s from %s to %s, its own directory",
                 path, base, state);
    }
  close (fd);
}

static const char *
broker_program (void)
{
  const char *program = g_getenv ("MRE_BROKER_PROGRAM");

  return program != NULL && program[0] != '\0' ? program : MRE_BINDIR "/mreventloop";
}

/* The last lines the broker wrote to @log_path, quoted, or "". */
static char *
broker_said (const char *log_path)
{
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GString) said = g_string_new (NULL);
  guint n, first, quoted = 0;

  if (!g_file_get_contents (log_path, &contents, NULL, NULL))
    return g_strdup ("");
  lines = g_strsplit (g_strstrip (contents), "\n", -1);
  n = g_strv_length (lines);
  first = n > LOG_LINES_QUOTED ? n - LOG_LINES_QUOTED : 0;
  for (guint i = first; i < n; i++)
    {
      if (lines[i][0] == '\0')
        continue;
      g_string_append (said, quoted++ == 0 ? "; it said: “" : " / ");
      g_string_append (said, g_strstrip (lines[i]));
    }
  if (quoted > 0)
    g_string_append_printf (said, "” (%s)", log_path);
  return g_string_free (g_steal_pointer (&said), FALSE);
}

static GSubprocess *
spawn_broker (const char  *path,
              const char  *log_path,
              GError     **error)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  const char *idle = g_getenv ("MRE_IDLE_EXIT");
  g_autofree char *base = NULL;
  g_autofree char *state = state_directory (path, &base);
  const char *argv[] = {
    broker_program (),
    "broker", "--socket", path, "--idle-exit", idle != NULL && idle[0] != '\0' ? idle : "10",
    state != NULL ? "--state-dir" : NULL, state,
    NULL
  };
  int fd = open (log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Cannot create the broker's log %s: %s", log_path, g_strerror (saved));
      return NULL;
    }
  g_subprocess_launcher_take_stderr_fd (launcher, fd);
  if (state != NULL)
    adopt_old_store (path, base, state);
  g_subprocess_launcher_set_child_setup (launcher, detach, NULL, NULL);

  return g_subprocess_launcher_spawnv (launcher, argv, error);
}

static gboolean
is_absent (const GError *error)
{
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND) ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
}

/* Starts the broker of @path and waits until it listens, it exits, or
 * STARTUP_TIMEOUT_US passed. Under the lock. */
static GSocket *
start_broker (const char  *path,
              GError     **error)
{
  g_autofree char *log_path = g_strconcat (path, ".log", NULL);
  g_autoptr(GSubprocess) broker = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *said = NULL;
  GSocket *socket = NULL;
  gint64 deadline;

  broker = spawn_broker (path, log_path, &local_error);
  if (broker == NULL)
    {
      g_set_error (error, local_error->domain, local_error->code,
                   "Cannot start a broker for %s with %s (set MRE_BROKER_PROGRAM to run another): %s",
                   path, broker_program (), local_error->message);
      return NULL;
    }

  deadline = g_get_monotonic_time () + STARTUP_TIMEOUT_US;
  do
    {
      g_clear_error (&local_error);
      g_usleep (5000);
      socket = mre_socket_connect (path, &local_error);
    }
  while (socket == NULL && is_absent (local_error) &&
         g_subprocess_get_identifier (broker) != NULL && g_get_monotonic_time () < deadline);

  if (socket != NULL)
    return socket;
  if (!is_absent (local_error))
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                  "Cannot connect to the broker %s started: ", broker_program ());
      return NULL;
    }

  if (g_subprocess_get_identifier (broker) != NULL)
    {
      /* It is of no use to anyone, and would hold the socket's state. */
      g_subprocess_force_exit (broker);
      g_subprocess_wait (broker, NULL, NULL);
      said = broker_said (log_path);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                   "Cannot start a broker for %s: %s did not listen within %d s, and was killed%s",
                   path, broker_program (), (int) (STARTUP_TIMEOUT_US / G_USEC_PER_SEC), said);
      return NULL;
    }

  g_subprocess_wait (broker, NULL, NULL);
  said = broker_said (log_path);
  if (g_subprocess_get_if_exited (broker))
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                 "Cannot start a broker for %s: %s exited with status %d%s",
                 path, broker_program (), g_subprocess_get_exit_status (broker), said);
  else
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                 "Cannot start a broker for %s: %s was killed by signal %d%s",
                 path, broker_program (), g_subprocess_get_term_sig (broker), said);
  return NULL;
}

/* Connects to the broker at @path, starting it if none answers. Blocks
 * while the broker starts (a few milliseconds). */
GSocket *
mre_peer_autostart_connect (const char  *path,
                            GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *lock_path = g_strconcat (path, ".lock", NULL);
  GSocket *socket;
  int fd;

  socket = mre_socket_connect (path, &local_error);
  if (socket != NULL)
    return socket;
  if (!is_absent (local_error))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  g_clear_error (&local_error);

  if (g_mkdir_with_parents (dir, 0700) != 0 ||
      (fd = open (lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Cannot start a broker for %s: %s: %s", path, lock_path, g_strerror (saved));
      return NULL;
    }

  while (flock (fd, LOCK_EX) != 0 && errno == EINTR)
    ;

  /* Another peer may have started it while this one waited. */
  socket = mre_socket_connect (path, &local_error);
  if (socket == NULL && is_absent (local_error))
    {
      g_clear_error (&local_error);
      socket = start_broker (path, &local_error);
    }

  close (fd);  /* and so unlock */

  if (socket == NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return socket;
}
