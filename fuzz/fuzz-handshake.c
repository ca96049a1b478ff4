/* fuzz-handshake.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/*
 * libFuzzer target: a real MreBroker reads the input from a peer, as it
 * arrives on a real unix socket: the handshake, then whatever frames follow
 * (subscriptions, publishing, statistics, refused frames, garbage).
 *
 * Each input gets a new broker, so that a finding replays alone. It runs on
 * a loop bound to a context that this thread iterates: no second thread,
 * nothing left to chance. The peer writes the input, closes its writing
 * side and reads until the broker closes: a broker that keeps a connection
 * whose peer is gone, or that does not answer within 5 s, is a finding; so
 * is a crash, a leak (libFuzzer's leak check between inputs), a critical
 * or a warning.
 */

#include "config.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib/gstdio.h>
#include <mreventloop.h>


#include "fuzz-common.h"

#define TIMEOUT_US (5 * G_USEC_PER_SEC)

static GMainContext *context;
static MreEventLoop *loop;
static char *dir;
static char *path;

static void
remove_dir (void)
{
  g_unlink (path);
  g_rmdir (dir);
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  g_autoptr(GError) error = NULL;

  fuzz_init_logging ();
  dir = g_dir_make_tmp ("mre-fuzz-handshake-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (dir, "bus", NULL);
  atexit (remove_dir);

  context = g_main_context_new ();
  loop = mre_event_loop_new_for_context (context);
  return 0;
}

static int
connect_to (const char *socket_path)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpuint (strlen (socket_path), <, sizeof addr.sun_path);
  strcpy (addr.sun_path, socket_path);
  if (connect (fd, (struct sockaddr *) &addr, sizeof addr) != 0)
    g_error ("Cannot connect to %s: %s", socket_path, g_strerror (errno));
  g_unix_set_fd_nonblocking (fd, TRUE, NULL);
  return fd;
}

/* Writes @data to @fd, then reads until the broker closes. Returns the
 * bytes the broker sent. */
static gsize
exchange (int           fd,
          const guint8 *data,
          gsize         size)
{
  gint64 deadline = g_get_monotonic_time () + TIMEOUT_US;
  gsize written = 0;
  gsize received = 0;
  gboolean shut = FALSE;

  for (;;)
    {
      gboolean progress = FALSE;
      guint8 buf[16384];
      gssize n;

      if (g_get_monotonic_time () > deadline)
        g_error ("The broker neither closed nor answered within %d s (%" G_GSIZE_FORMAT
                 " of %" G_GSIZE_FORMAT " bytes written)",
                 (int) (TIMEOUT_US / G_USEC_PER_SEC), written, size);

      if (written < size)
        {
          n = send (fd, data + written, size - written, MSG_NOSIGNAL | MSG_DONTWAIT);
          if (n > 0)
            {
              written += n;
              progress = TRUE;
            }
          else if (errno != EAGAIN && errno != EWOULDBLOCK)
            written = size;  /* the broker closed: the rest is not read */
        }
      if (written == size && !shut)
        {
          shutdown (fd, SHUT_WR);
          shut = TRUE;
          progress = TRUE;
        }

      while (g_main_context_iteration (context, FALSE))
        progress = TRUE;

      n = recv (fd, buf, sizeof buf, MSG_DONTWAIT);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
        return received;
      if (n > 0)
        {
          received += n;
          progress = TRUE;
        }

      if (!progress)
        {
          struct pollfd pfd = { .fd = fd, .events = POLLIN };

          poll (&pfd, 1, 1);
        }
    }
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autoptr(MreBroker) broker = mre_broker_new (path);
  g_autoptr(GError) error = NULL;
  int fd;

  /* Small, so that the fuzzer reaches frames refused for their size. */
  mre_broker_set_max_frame_size (broker, 2048);
  mre_object_set_event_loop (broker, loop);
  if (!mre_broker_start (broker, &error))
    g_error ("Cannot start a broker on %s: %s", path, error->message);

  fd = connect_to (path);
  exchange (fd, data, size);
  close (fd);

  g_assert_cmpuint (mre_broker_get_n_connections (broker), ==, 0);
  mre_broker_stop (broker);
  while (g_main_context_iteration (context, FALSE))
    ;

  return 0;
}
