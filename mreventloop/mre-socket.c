/* mre-socket.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mre-socket-private.h"

static GSocket *
unix_socket_new (GError **error)
{
  return g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM,
                       G_SOCKET_PROTOCOL_DEFAULT, error);
}

/* Addresses ------------------------------------------------------------------ */

/* The unix socket path of @address: `unix:PATH`, or a plain path. Anything
 * else that starts with a scheme (`ipc://…`, `tcp:…`) is
 * G_IO_ERROR_INVALID_ARGUMENT naming the schemes spoken, so that it never
 * becomes a relative path of that name. A scheme is what RFC 3986 calls
 * one: a letter, then letters, digits, “+”, “-” or “.”, then “:”, before
 * any “/”. Pure: creates nothing. */
char *
mre_socket_parse_address (const char  *address,
                          GError     **error)
{
  const char *p = address;
  const char *path = address;

  if (g_ascii_isalpha (*p))
    {
      while (g_ascii_isalnum (*p) || *p == '+' || *p == '-' || *p == '.')
        p++;
      if (*p == ':')
        {
          if (p - address != 4 || g_ascii_strncasecmp (address, "unix", 4) != 0)
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           "“%s” is not an address mreventloop speaks: give a unix socket "
                           "path, as “/run/user/1000/app.sock” or “unix:/run/user/1000/app.sock” "
                           "(the only scheme spoken is “unix:”)", address);
              return NULL;
            }
          path = p + 1;
        }
    }

  if (path[0] == '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "“%s” names no socket path: give one, as “unix:/run/user/1000/app.sock”",
                   address);
      return NULL;
    }

  return g_strdup (path);
}

/* Connects to the broker at @path, blocking (connecting to a unix socket
 * does not wait for the other end). G_IO_ERROR_NOT_FOUND without a socket
 * file, G_IO_ERROR_CONNECTION_REFUSED with one and no broker. */
GSocket *
mre_socket_connect (const char  *path,
                    GError     **error)
{
  g_autoptr(GSocket) socket = unix_socket_new (error);
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GError) local_error = NULL;

  if (socket == NULL)
    return NULL;

  address = g_unix_socket_address_new (path);
  if (!g_socket_connect (socket, address, NULL, &local_error))
    {
      g_set_error (error, local_error->domain, local_error->code,
                   "Cannot connect to the broker at %s: %s", path, local_error->message);
      return NULL;
    }

  return g_steal_pointer (&socket);
}

/* The directory of a broker's socket must be the broker's (or root's, such
 * as /tmp), and no one else may replace its files: not writable by group or
 * others, unless sticky. Otherwise another user could put a socket of their
 * own in the broker's place, and peers would talk to it. */
static gboolean
check_directory (const char  *dir,
                 GError     **error)
{
  struct stat st;

  if (stat (dir, &st) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Cannot check the directory %s: %s", dir, g_strerror (saved));
      return FALSE;
    }
  if (st.st_uid != getuid () && st.st_uid != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                   "The directory %s belongs to uid %d, not to uid %d: refusing to listen there",
                   dir, (int) st.st_uid, (int) getuid ());
      return FALSE;
    }
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0 && (st.st_mode & S_ISVTX) == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                   "The directory %s is writable by others (mode %04o): refusing to listen there",
                   dir, (unsigned) (st.st_mode & 07777));
      return FALSE;
    }
  return TRUE;
}

/* @listen_address: see mre_socket_parse_address(), checked before anything
 * is created. Creates the directory of its path (0700) if it is missing,
 * checks that it is safe (check_directory()), replaces a stale socket file
 * (connecting is refused: its broker is gone), refuses to take a live one,
 * binds with mode 0600 and listens. */
GSocket *
mre_socket_listen (const char  *listen_address,
                   GError     **error)
{
  g_autofree char *path = mre_socket_parse_address (listen_address, error);
  g_autofree char *dir = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GError) local_error = NULL;
  struct stat st;

  if (path == NULL)
    return NULL;

  dir = g_path_get_dirname (path);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Cannot create the directory %s: %s", dir, g_strerror (saved));
      return NULL;
    }
  if (!check_directory (dir, error))
    return NULL;

  if (lstat (path, &st) == 0)
    {
      g_autoptr(GSocket) probe = NULL;

      if (!S_ISSOCK (st.st_mode))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                       "%s exists and is not a socket", path);
          return NULL;
        }

      probe = mre_socket_connect (path, &local_error);
      if (probe != NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE,
                       "A broker is already running on %s", path);
          return NULL;
        }
      if (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      g_clear_error (&local_error);
      /* Stale: its broker is gone. */
      if (unlink (path) != 0 && errno != ENOENT)
        {
          int saved = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                       "Cannot remove the stale socket %s: %s", path, g_strerror (saved));
          return NULL;
        }
    }

  socket = unix_socket_new (error);
  if (socket == NULL)
    return NULL;

  /* On Linux, bind() gives the socket file the mode of the socket's inode
   * (less the umask): 0600 from the start, not only after the chmod below. */
  (void) fchmod (g_socket_get_fd (socket), 0600);

  address = g_unix_socket_address_new (path);
  if (!g_socket_bind (socket, address, FALSE, &local_error))
    {
      g_set_error (error, local_error->domain, local_error->code,
                   "Cannot listen on %s: %s", path, local_error->message);
      return NULL;
    }
  if (chmod (path, 0600) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Cannot set the mode of %s: %s", path, g_strerror (saved));
      unlink (path);
      return NULL;
    }
  if (lstat (path, &st) == 0)
    g_object_set_data_full (G_OBJECT (socket), "mre-socket-stat",
                            g_memdup2 (&st, sizeof st), g_free);
  g_socket_set_listen_backlog (socket, 128);
  if (!g_socket_listen (socket, error))
    {
      unlink (path);
      return NULL;
    }

  return g_steal_pointer (&socket);
}

/* Removes the socket file of @listener (listening on @listen_address),
 * unless another broker replaced it meanwhile: only if it is still the file
 * bound (same inode). */
void
mre_socket_unlink_if_ours (GSocket    *listener,
                           const char *listen_address)
{
  g_autofree char *path = mre_socket_parse_address (listen_address, NULL);
  struct stat *bound = g_object_get_data (G_OBJECT (listener), "mre-socket-stat");
  struct stat st;

  if (path != NULL && bound != NULL && lstat (path, &st) == 0 &&
      st.st_ino == bound->st_ino && st.st_dev == bound->st_dev)
    unlink (path);
}

/* $XDG_RUNTIME_DIR/mreventloop, or /tmp/mreventloop-UID. */
char *
mre_socket_default_dir (void)
{
  const char *runtime = g_getenv ("XDG_RUNTIME_DIR");

  if (runtime != NULL && runtime[0] != '\0' && g_file_test (runtime, G_FILE_TEST_IS_DIR))
    return g_build_filename (runtime, "mreventloop", NULL);

  return g_strdup_printf ("%s/mreventloop-%u", g_get_tmp_dir (), (guint) getuid ());
}
