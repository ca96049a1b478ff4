/* mre-connection.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "mre-connection-private.h"
#include "mre-error.h"

/* Bytes read per recv(), and at most per dispatch before other sources of
 * the context get their turn. */
#define READ_CHUNK        (64 * 1024)
#define READ_BUDGET       (1024 * 1024)
/* A write buffer that grew past this is given back once written; one that
 * grew past IDLE_BUFFER, once the connection has had nothing to write for
 * IDLE_RELEASE_MS. */
#define KEEP_BUFFER       (16 * 1024 * 1024)
#define IDLE_BUFFER       (256 * 1024)
#define IDLE_RELEASE_MS   1000

typedef struct
{
  GSource        source;
  MreConnection *conn;  /* not a ref: the connection owns the source */
  gpointer       tag;
} ConnSource;

struct _MreConnection
{
  gatomicrefcount           ref_count;
  GSocket                  *socket;
  int                       fd;
  GMainContext             *context;
  GSource                  *source;
  const MreConnectionFuncs *funcs;
  gpointer                  user_data;
  gsize                     max_frame_size;
  gboolean                  closed;       /* on the context only */

  /* Reading, on the context only. */
  GByteArray               *rbuf;
  gsize                     discard;      /* bytes of a refused frame still to skip */

  /* Writing: frames are queued to @out under @lock from any thread; the
   * writer moves @out to @wbuf and sends @wbuf from @woff. The writer is
   * the context, or a thread in mre_connection_write_now(): whoever holds
   * @write_lock (taken before @lock, never while calling out). */
  GMutex                    write_lock;
  GMutex                    lock;
  GByteArray               *out;
  guint64                   out_frames;
  gboolean                  dead;         /* under lock: no more queuing */
  gboolean                  writing;      /* under lock: the context is sending, and
                                           * takes what is queued meanwhile */
  GByteArray               *wbuf;
  gsize                     woff;
  guint64                   wbuf_frames;
  gboolean                  grown;        /* under write_lock: a buffer passed IDLE_BUFFER
                                           * since the last release */
  GSource                  *release_source;
  gboolean                  want_out;     /* G_IO_OUT is polled */
  gboolean                  paused;       /* G_IO_IN is not */
  guint64                   bytes_written; /* under write_lock */
};

static gboolean conn_dispatch (GSource    *source,
                               GSourceFunc callback,
                               gpointer    user_data);

static GSourceFuncs conn_source_funcs = {
  .dispatch = conn_dispatch,
};

MreConnection *
mre_connection_new (GSocket                  *socket,
                    GMainContext             *context,
                    gsize                     max_frame_size,
                    const MreConnectionFuncs *funcs,
                    gpointer                  user_data)
{
  MreConnection *conn = g_new0 (MreConnection, 1);
  ConnSource *source;

  g_atomic_ref_count_init (&conn->ref_count);
  conn->socket = g_object_ref (socket);
  conn->fd = g_socket_get_fd (socket);
  conn->context = g_main_context_ref (context);
  conn->funcs = funcs;
  conn->user_data = user_data;
  conn->max_frame_size = max_frame_size;
  conn->rbuf = g_byte_array_sized_new (READ_CHUNK);
  g_mutex_init (&conn->write_lock);
  g_mutex_init (&conn->lock);
  conn->out = g_byte_array_new ();
  conn->wbuf = g_byte_array_new ();

  g_socket_set_blocking (socket, FALSE);

  source = (ConnSource *) g_source_new (&conn_source_funcs, sizeof (ConnSource));
  source->conn = conn;
  source->tag = g_source_add_unix_fd (&source->source, conn->fd, G_IO_IN | G_IO_HUP | G_IO_ERR);
  g_source_set_static_name (&source->source, "MreConnection");
  conn->source = &source->source;
  g_source_attach (conn->source, context);

  return conn;
}

MreConnection *
mre_connection_ref (MreConnection *conn)
{
  g_atomic_ref_count_inc (&conn->ref_count);
  return conn;
}

void
mre_connection_unref (MreConnection *conn)
{
  if (!g_atomic_ref_count_dec (&conn->ref_count))
    return;

  mre_connection_close (conn);
  g_source_unref (conn->source);
  g_object_unref (conn->socket);
  g_main_context_unref (conn->context);
  g_byte_array_unref (conn->rbuf);
  g_byte_array_unref (conn->out);
  g_byte_array_unref (conn->wbuf);
  g_mutex_clear (&conn->lock);
  g_mutex_clear (&conn->write_lock);
  g_free (conn);
}

static void
mark_dead (MreConnection *conn)
{
  g_mutex_lock (&conn->lock);
  conn->dead = TRUE;
  g_mutex_unlock (&conn->lock);
}

/* Closes the socket, without calling funcs->closed. On the context. */
void
mre_connection_close (MreConnection *conn)
{
  if (conn->closed)
    return;

  conn->closed = TRUE;
  mark_dead (conn);
  if (conn->release_source != NULL)
    {
      g_source_destroy (conn->release_source);
      g_clear_pointer (&conn->release_source, g_source_unref);
    }
  g_source_destroy (conn->source);
  /* Not under a writer's feet: its fd could be another file's by then. */
  g_mutex_lock (&conn->write_lock);
  g_socket_close (conn->socket, NULL);
  g_mutex_unlock (&conn->write_lock);
}

gboolean
mre_connection_is_closed (MreConnection *conn)
{
  return conn->closed;
}

GSocket *
mre_connection_get_socket (MreConnection *conn)
{
  return conn->socket;
}

void
mre_connection_set_max_frame_size (MreConnection *conn,
                                   gsize          max_frame_size)
{
  conn->max_frame_size = max_frame_size;
}

static void
fail (MreConnection *conn,
      GError        *error)
{
  if (!conn->closed)
    {
      mre_connection_close (conn);
      conn->funcs->closed (conn, error, conn->user_data);
    }
  g_clear_error (&error);
}

/* Queuing ---------------------------------------------------------------- */

/* Appends @len bytes (one or more whole frames) to the output. Thread-safe.
 * Returns FALSE if the connection is closed. */
gboolean
mre_connection_queue_bytes (MreConnection *conn,
                            const guint8  *data,
                            gsize          len)
{
  gboolean was_empty;

  g_mutex_lock (&conn->lock);
  if (conn->dead)
    {
      g_mutex_unlock (&conn->lock);
      return FALSE;
    }
  was_empty = conn->out->len == 0 && !conn->writing;
  g_byte_array_append (conn->out, data, len);
  conn->out_frames++;
  g_mutex_unlock (&conn->lock);

  /* The first frame of a batch schedules the write; the ones after it, and
   * the ones queued while the context sends, ride along. Setting the ready
   * time wakes the context if needed. */
  if (was_empty)
    g_source_set_ready_time (conn->source, 0);

  return TRUE;
}

gboolean
mre_connection_queue (MreConnection  *conn,
                      const MreFrame *frame)
{
  guint8 header[MRE_FRAME_HEADER_SIZE];
  gboolean was_empty;
  GByteArray *out;

  mre_frame_write_header (frame, header);

  g_mutex_lock (&conn->lock);
  if (conn->dead)
    {
      g_mutex_unlock (&conn->lock);
      return FALSE;
    }
  out = conn->out;
  was_empty = out->len == 0 && !conn->writing;
  g_byte_array_append (out, header, sizeof header);
  g_byte_array_append (out, (const guint8 *) frame->name, frame->name_len);
  g_byte_array_append (out, (const guint8 *) frame->sender, frame->sender_len);
  g_byte_array_append (out, frame->body, frame->body_len);
  conn->out_frames++;
  g_mutex_unlock (&conn->lock);

  if (was_empty)
    g_source_set_ready_time (conn->source, 0);

  return TRUE;
}

/* Bytes queued and not yet written. Thread-safe. */
guint64
mre_connection_get_queued_bytes (MreConnection *conn)
{
  guint64 queued;

  g_mutex_lock (&conn->lock);
  queued = conn->out->len + (conn->wbuf->len - conn->woff);
  g_mutex_unlock (&conn->lock);

  return queued;
}

/* Frames queued and not yet written whole: those of @out, and those of
 * @wbuf that end past what was written. On the context. */
guint64
mre_connection_count_unsent (MreConnection *conn)
{
  guint64 unsent;
  gsize pos = 0;

  g_mutex_lock (&conn->write_lock);
  g_mutex_lock (&conn->lock);
  unsent = conn->out_frames + conn->wbuf_frames;
  g_mutex_unlock (&conn->lock);

  /* Walk @wbuf by the frames' own lengths; the ones wholly written left. */
  while (pos + MRE_FRAME_HEADER_SIZE <= conn->wbuf->len)
    {
      MreFrame frame;
      gsize size;

      if (mre_frame_parse (conn->wbuf->data + pos, MRE_FRAME_HEADER_SIZE, MRE_FRAME_HARD_MAX,
                           &frame, &size, NULL) == MRE_FRAME_PARSE_FATAL)
        break;
      size = mre_frame_size (&frame);
      if (pos + size > conn->woff)
        break;
      pos += size;
      unsent--;
    }
  g_mutex_unlock (&conn->write_lock);

  return unsent;
}

/* Counts the whole frames of @data, and those of type @type among them. */
static void
count_frames (const guint8 *data,
              gsize         len,
              guint8        type,
              guint64      *frames,
              guint64      *of_type)
{
  for (gsize pos = 0; pos + MRE_FRAME_HEADER_SIZE <= len;
       pos += mre_frame_header_get_frame_size (data + pos))
    {
      (*frames)++;
      *of_type += mre_frame_header_get_type (data + pos) == type;
    }
}

/* Drops every frame queued and not yet begun on the socket; a frame of
 * which some bytes are written is kept, so that the other end never gets
 * half a frame. Returns how many of the frames dropped are of @type. Once
 * per connection at most (the broker drops a slow reader): it walks the
 * queue. On the context. */
guint64
mre_connection_drop_unsent (MreConnection *conn,
                            guint8         type)
{
  guint64 frames = 0, of_type = 0;
  gsize keep = 0;

  g_mutex_lock (&conn->write_lock);
  g_mutex_lock (&conn->lock);
  /* @wbuf holds whole frames from its start: keep up to the end of the one
   * that @woff is in (none if it is at a frame's start). */
  while (keep < conn->woff)
    keep += mre_frame_header_get_frame_size (conn->wbuf->data + keep);
  count_frames (conn->wbuf->data + keep, conn->wbuf->len - keep, type, &frames, &of_type);
  conn->wbuf_frames -= frames;
  g_byte_array_set_size (conn->wbuf, keep);
  frames = 0;
  count_frames (conn->out->data, conn->out->len, type, &frames, &of_type);
  g_byte_array_set_size (conn->out, 0);
  conn->out_frames = 0;
  g_mutex_unlock (&conn->lock);
  g_mutex_unlock (&conn->write_lock);

  return of_type;
}

/* Writing ---------------------------------------------------------------- */

static void
update_events (MreConnection *conn)
{
  ConnSource *source = (ConnSource *) conn->source;

  if (conn->closed)
    return;
  g_source_modify_unix_fd (conn->source, source->tag,
                           G_IO_HUP | G_IO_ERR | (conn->paused ? 0 : G_IO_IN) |
                           (conn->want_out ? G_IO_OUT : 0));
}

static void
want_out (MreConnection *conn,
          gboolean       want)
{
  if (conn->want_out == want)
    return;
  conn->want_out = want;
  update_events (conn);
}

/* Stops or resumes reading (flow control); on the context. */
void
mre_connection_set_reading (MreConnection *conn,
                            gboolean       reading)
{
  if (conn->paused == !reading)
    return;
  conn->paused = !reading;
  update_events (conn);
}

/* Bytes written to the socket so far; on the context. */
guint64
mre_connection_get_bytes_written (MreConnection *conn)
{
  guint64 written;

  g_mutex_lock (&conn->write_lock);
  written = conn->bytes_written;
  g_mutex_unlock (&conn->write_lock);
  return written;
}

static void
report_written (MreConnection *conn,
                guint64        before,
                guint64        after)
{
  if (after != before && conn->funcs->written != NULL && !conn->closed)
    conn->funcs->written (conn, conn->user_data);
}

/* A burst's buffers are not kept for the next one: once the connection has
 * had nothing to write for a while, they are given back. */
static gboolean
release_buffers (gpointer data)
{
  MreConnection *conn = data;

  g_mutex_lock (&conn->write_lock);
  g_mutex_lock (&conn->lock);
  if (conn->out->len == 0 && !conn->writing && conn->wbuf->len == 0)
    {
      g_byte_array_unref (conn->out);
      conn->out = g_byte_array_new ();
      g_byte_array_unref (conn->wbuf);
      conn->wbuf = g_byte_array_new ();
      conn->grown = FALSE;
    }
  g_mutex_unlock (&conn->lock);
  g_mutex_unlock (&conn->write_lock);
  g_clear_pointer (&conn->release_source, g_source_unref);
  return G_SOURCE_REMOVE;
}

/* Sends what is queued, @wbuf then @out, until both are empty or the
 * socket is full. Under write_lock. Returns 0 once everything is written,
 * EAGAIN when the socket is full, or the errno of a failed send(). */
static int
send_queued (MreConnection *conn)
{
  for (;;)
    {
      ssize_t n;

      if (conn->woff == conn->wbuf->len)
        {
          GByteArray *swap;

          g_mutex_lock (&conn->lock);
          conn->writing = conn->out->len > 0;
          conn->grown |= conn->wbuf->len > IDLE_BUFFER;
          if (conn->wbuf->len > KEEP_BUFFER)
            {
              g_byte_array_unref (conn->wbuf);
              conn->wbuf = g_byte_array_new ();
            }
          g_byte_array_set_size (conn->wbuf, 0);
          conn->woff = 0;
          swap = conn->wbuf;
          conn->wbuf = conn->out;
          conn->wbuf_frames = conn->out_frames;
          conn->out = swap;
          conn->out_frames = 0;
          g_mutex_unlock (&conn->lock);

          if (conn->wbuf->len == 0)
            return 0;
        }

      n = send (conn->fd, conn->wbuf->data + conn->woff, conn->wbuf->len - conn->woff,
                MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0)
        {
          g_mutex_lock (&conn->lock);
          conn->woff += n;
          g_mutex_unlock (&conn->lock);
          conn->bytes_written += n;
          continue;
        }
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return EAGAIN;
      return n < 0 ? errno : EIO;
    }
}

/* Sends what is queued until done or the socket is full, then tells the
 * owner. On the context. Returns FALSE if the connection failed (and was
 * closed). */
static gboolean
conn_write (MreConnection *conn)
{
  guint64 before, after;
  gboolean grown;
  int result;

  g_mutex_lock (&conn->write_lock);
  before = conn->bytes_written;
  result = send_queued (conn);
  after = conn->bytes_written;
  grown = conn->grown;
  g_mutex_unlock (&conn->write_lock);

  if (result == EAGAIN)
    {
      want_out (conn, TRUE);
      report_written (conn, before, after);
      return !conn->closed;
    }
  if (result != 0)
    {
      fail (conn, g_error_new (G_IO_ERROR, g_io_error_from_errno (result),
                               "Cannot write to the socket: %s", g_strerror (result)));
      return FALSE;
    }

  if (grown && conn->release_source == NULL)
    {
      conn->release_source = g_timeout_source_new (IDLE_RELEASE_MS);
      g_source_set_callback (conn->release_source, release_buffers, conn, NULL);
      g_source_set_static_name (conn->release_source, "MreConnection buffers");
      g_source_attach (conn->release_source, conn->context);
    }
  want_out (conn, FALSE);
  report_written (conn, before, after);
  if (conn->funcs->drained != NULL && !conn->closed)
    conn->funcs->drained (conn, conn->user_data);
  return !conn->closed;
}

/* Sends what is queued now, on the calling thread, rather than when the
 * context next runs: for a connection whose context may not run soon (a
 * peer driven by mre_peer_check()). Thread-safe; waits while another
 * thread writes (never for the socket: what it does not take now stays
 * queued, in order), and calls none of the funcs: the context, when it
 * runs, carries on from where this stopped, and reports `drained` or the
 * failure. */
void
mre_connection_write_now (MreConnection *conn)
{
  gboolean dead;

  g_mutex_lock (&conn->write_lock);
  g_mutex_lock (&conn->lock);
  dead = conn->dead;
  g_mutex_unlock (&conn->lock);
  if (!dead)
    send_queued (conn);
  g_mutex_unlock (&conn->write_lock);

  /* The context's next dispatch writes the rest and tells the owner. */
  if (!dead)
    g_source_set_ready_time (conn->source, 0);
}

/* Reading ---------------------------------------------------------------- */

/* Parses and hands out the whole frames at the start of rbuf, then keeps
 * the rest. Returns FALSE if the connection was closed meanwhile. */
static gboolean
conn_parse (MreConnection *conn)
{
  gsize pos = 0;
  gboolean alive = TRUE;

  while (alive && pos < conn->rbuf->len)
    {
      g_autoptr(GError) error = NULL;
      MreFrame frame;
      gsize size = 0;

      if (conn->discard > 0)
        {
          gsize skip = MIN (conn->discard, conn->rbuf->len - pos);

          pos += skip;
          conn->discard -= skip;
          continue;
        }

      switch (mre_frame_parse (conn->rbuf->data + pos, conn->rbuf->len - pos,
                               conn->max_frame_size, &frame, &size, &error))
        {
        case MRE_FRAME_PARSE_OK:
          conn->funcs->frame (conn, &frame, conn->user_data);
          pos += size;
          break;

        case MRE_FRAME_PARSE_NEED_MORE:
          goto done;

        case MRE_FRAME_PARSE_REJECT:
          /* The refused frame's bytes may not all be here: skip them as
           * they come, never buffer them; but wait for its name (at most
           * 64 KiB), so that the answer can name it. */
          if (conn->rbuf->len - pos < (gsize) MRE_FRAME_HEADER_SIZE + frame.name_len)
            goto done;
          frame.name = mre_frame_header_get_name (conn->rbuf->data + pos);
          if (size > conn->rbuf->len - pos)
            {
              frame.sender = NULL;
              frame.sender_len = 0;
              frame.body = NULL;
              frame.body_len = 0;
            }
          conn->funcs->reject (conn, &frame, error, conn->user_data);
          conn->discard = size;
          break;

        case MRE_FRAME_PARSE_FATAL:
          fail (conn, g_steal_pointer (&error));
          return FALSE;
        }
      alive = !conn->closed;
    }

done:
  if (!alive)
    return FALSE;
  if (pos > 0)
    g_byte_array_remove_range (conn->rbuf, 0, pos);
  return TRUE;
}

static gboolean
conn_read (MreConnection *conn)
{
  gsize total = 0;

  while (total < READ_BUDGET)
    {
      gsize old_len = conn->rbuf->len;
      ssize_t n;

      g_byte_array_set_size (conn->rbuf, old_len + READ_CHUNK);
      n = recv (conn->fd, conn->rbuf->data + old_len, READ_CHUNK, MSG_DONTWAIT);
      g_byte_array_set_size (conn->rbuf, old_len + MAX (n, 0));

      if (n == 0)
        {
          if (conn->rbuf->len > 0 && conn->discard == 0)
            fail (conn, g_error_new (MRE_ERROR, MRE_ERROR_INVALID_FRAME,
                                     "The connection ended in the middle of a frame"));
          else
            fail (conn, NULL);
          return FALSE;
        }
      if (n < 0)
        {
          int saved = errno;

          if (saved == EINTR)
            continue;
          if (saved == EAGAIN || saved == EWOULDBLOCK)
            return TRUE;
          fail (conn, g_error_new (G_IO_ERROR, g_io_error_from_errno (saved),
                                   "Cannot read from the socket: %s", g_strerror (saved)));
          return FALSE;
        }

      total += n;
      if (!conn_parse (conn))
        return FALSE;
      /* Paused by a frame of this read (flow control): what the socket
       * holds waits, so that a pause costs at most one chunk's frames. */
      if ((gsize) n < READ_CHUNK || conn->paused)
        return TRUE;
    }

  return TRUE;
}

static gboolean
conn_dispatch (GSource     *source,
               GSourceFunc  callback,
               gpointer     user_data)
{
  ConnSource *cs = (ConnSource *) source;
  g_autoptr(MreConnection) conn = mre_connection_ref (cs->conn);
  GIOCondition revents = g_source_query_unix_fd (source, cs->tag);

  if (((revents & G_IO_IN) && !conn->paused) || (revents & (G_IO_HUP | G_IO_ERR)))
    {
      if (!conn_read (conn))
        return G_SOURCE_CONTINUE;
      if (conn->funcs->read_done != NULL)
        conn->funcs->read_done (conn, conn->user_data);
      if (conn->closed)
        return G_SOURCE_CONTINUE;
    }

  /* Write only when a frame was queued (the ready time is set) or the
   * socket became writable again: a read alone has nothing to send. Unset
   * the ready time before taking the queue, so that a frame queued from
   * now on sets it again. */
  if (g_source_get_ready_time (source) == -1 && !(revents & G_IO_OUT))
    return G_SOURCE_CONTINUE;
  g_source_set_ready_time (source, -1);
  conn_write (conn);

  return G_SOURCE_CONTINUE;
}
