/* mre-peer-autostart.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "mre-peer-autostart-private.h"
#include "mre-socket-private.h"

/*
 * The default bus (pyvent, elegant_events): a peer that finds no broker
 * starts one. Peers starting together take an exclusive flock() on a lock
 * file beside the socket and look again once they hold it, so that the
 * first starts the broker and the others find it running: exactly one.
 *
 * The broker is `mreventloop broker --socket PATH --idle-exit SECONDS`
 * ($MRE_BROKER_PROGRAM instead of the installed tool, for tests), detached
 * (GLib's spawn double-forks it, it calls setsid()) with its output to
 * /dev/null; it exits when no peer has been connected for $MRE_IDLE_EXIT
 * seconds (10 by default). It keeps its retained events in
 * $XDG_STATE_HOME/mreventloop, or in $MRE_STATE_DIR (none if empty); a
 * broker started for a $MRE_BUS path only in $MRE_STATE_DIR.
 */

#define STARTUP_TIMEOUT_US  (10 * G_USEC_PER_SEC)

static void
detach (gpointer user_data)
{
  setsid ();
}

/* The default bus's state directory (docs/PROTOCOL.md, "Sockets"), or
 * NULL. */
static char *
state_directory (void)
{
  const char *dir = g_getenv ("MRE_STATE_DIR");

  if (dir != NULL)
    return dir[0] != '\0' ? g_strdup (dir) : NULL;
  if (g_getenv ("MRE_BUS") != NULL)
    return NULL;
  return g_build_filename (g_get_user_state_dir (), "mreventloop", NULL);
}

static gboolean
spawn_broker (const char  *path,
              GError     **error)
{
  const char *program = g_getenv ("MRE_BROKER_PROGRAM");
  const char *idle = g_getenv ("MRE_IDLE_EXIT");
  g_autofree char *state = state_directory ();
  const char *argv[] = {
    program != NULL && program[0] != '\0' ? program : MRE_BINDIR "/mreventloop",
    "broker", "--socket", path, "--idle-exit", idle != NULL && idle[0] != '\0' ? idle : "10",
    state != NULL ? "--state-dir" : NULL, state,
    NULL
  };

  return g_spawn_async (NULL, (char **) argv, NULL,
                        G_SPAWN_STDIN_FROM_DEV_NULL | G_SPAWN_STDOUT_TO_DEV_NULL |
                        G_SPAWN_STDERR_TO_DEV_NULL,
                        detach, NULL, NULL, error);
}

static gboolean
is_absent (const GError *error)
{
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND) ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
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
  gint64 deadline;
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
                   "Cannot start the default broker: %s: %s", lock_path, g_strerror (saved));
      return NULL;
    }

  while (flock (fd, LOCK_EX) != 0 && errno == EINTR)
    ;

  /* Another peer may have started it while this one waited. */
  socket = mre_socket_connect (path, &local_error);
  if (socket == NULL && is_absent (local_error))
    {
      g_clear_error (&local_error);
      if (spawn_broker (path, &local_error))
        {
          deadline = g_get_monotonic_time () + STARTUP_TIMEOUT_US;
          do
            {
              g_clear_error (&local_error);
              g_usleep (5000);
              socket = mre_socket_connect (path, &local_error);
            }
          while (socket == NULL && is_absent (local_error) && g_get_monotonic_time () < deadline);
        }
      if (socket == NULL)
        g_prefix_error (&local_error, "Cannot start the default broker: ");
    }

  close (fd);  /* and so unlock */

  if (socket == NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return socket;
}
