/* mre-connection-private.h
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

#include "mre-frame-private.h"

G_BEGIN_DECLS

/*
 * One stream socket speaking frames, on one GMainContext: reads and parses
 * frames as they arrive and hands each to a callback on that context;
 * queues frames to send from any thread into one buffer that is written
 * with as few send() calls as possible (frames queued while the socket is
 * busy, or during one dispatch of the context, go out together).
 */

typedef struct _MreConnection MreConnection;

typedef struct
{
  /* A whole frame; its pointers are valid during the call only. */
  void (*frame)   (MreConnection  *conn,
                   const MreFrame *frame,
                   gpointer        user_data);
  /* A frame refused by mre_frame_parse(): its header fields are set, its
   * name, sender and body may not be (NULL, 0). The connection goes on. */
  void (*reject)  (MreConnection  *conn,
                   const MreFrame *frame,
                   const GError   *error,
                   gpointer        user_data);
  /* The other end closed (@error NULL), or reading or writing failed, or
   * bytes could not be framed. Called once; not after mre_connection_close(). */
  void (*closed)  (MreConnection  *conn,
                   const GError   *error,
                   gpointer        user_data);
  /* Optional: everything queued has been written. */
  void (*drained) (MreConnection  *conn,
                   gpointer        user_data);
  /* Optional: some bytes were written (after each batch of send()s). */
  void (*written) (MreConnection  *conn,
                   gpointer        user_data);
  /* Optional: the frames of a read have all been handed out, and the
   * connection is still open. */
  void (*read_done) (MreConnection *conn,
                     gpointer       user_data);
} MreConnectionFuncs;

MreConnection *mre_connection_new              (GSocket                  *socket,
                                                GMainContext             *context,
                                                gsize                     max_frame_size,
                                                const MreConnectionFuncs *funcs,
                                                gpointer                  user_data);
MreConnection *mre_connection_ref              (MreConnection            *conn);
void           mre_connection_unref            (MreConnection            *conn);
void           mre_connection_close            (MreConnection            *conn);
gboolean       mre_connection_is_closed        (MreConnection            *conn);
GSocket       *mre_connection_get_socket       (MreConnection            *conn);
gboolean       mre_connection_queue            (MreConnection            *conn,
                                                const MreFrame           *frame);
gboolean       mre_connection_queue_bytes      (MreConnection            *conn,
                                                const guint8             *data,
                                                gsize                     len);
guint64        mre_connection_get_queued_bytes (MreConnection            *conn);
guint64        mre_connection_count_unsent     (MreConnection            *conn);
guint64        mre_connection_drop_unsent      (MreConnection            *conn,
                                                guint8                    type);
guint64        mre_connection_get_bytes_written (MreConnection           *conn);
void           mre_connection_write_now        (MreConnection            *conn);
void           mre_connection_set_reading      (MreConnection            *conn,
                                                gboolean                  reading);
void           mre_connection_set_max_frame_size (MreConnection          *conn,
                                                  gsize                   max_frame_size);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MreConnection, mre_connection_unref)

G_END_DECLS
