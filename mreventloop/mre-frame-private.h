/* mre-frame-private.h
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * The frames of the broker protocol (docs/PROTOCOL.md): a 32-byte header,
 * big-endian, then the name, the sender and the body:
 *
 *    0  u8   version (MRE_FRAME_VERSION)
 *    1  u8   type (MreFrameType)
 *    2  u8   flags (MreFrameFlags)
 *    3  u8   reserved, 0
 *    4  u32  arg: backlog of a push, or the id of a request and its reply
 *    8  u64  seq: the sender's sequence number of an event
 *   16  i64  time: microseconds since the Unix epoch
 *   24  u16  name length
 *   26  u16  sender length
 *   28  u32  body length
 *   32  name (UTF-8), sender (UTF-8), body (JSON, UTF-8)
 *
 * Pure functions over bytes: no sockets, no loop.
 */

#define MRE_FRAME_VERSION      1
#define MRE_FRAME_HEADER_SIZE  32
/* The default limit of a frame, header included. */
#define MRE_FRAME_DEFAULT_MAX  (16 * 1024 * 1024)
/* Beyond this, a length is taken for garbage, not for a large frame. */
#define MRE_FRAME_HARD_MAX     ((gsize) 1 << 30)

typedef enum
{
  MRE_FRAME_HELLO = 1,
  MRE_FRAME_WELCOME,
  MRE_FRAME_SUBSCRIBE,
  MRE_FRAME_UNSUBSCRIBE,
  MRE_FRAME_ACK,
  MRE_FRAME_PUBLISH,
  MRE_FRAME_EVENT,
  MRE_FRAME_ERROR,
  MRE_FRAME_STATS,
  MRE_FRAME_STATS_REPLY,
  MRE_FRAME_SYNC,
  MRE_FRAME_LAST_TYPE = MRE_FRAME_SYNC,
} MreFrameType;

typedef enum
{
  MRE_FRAME_FLAG_PUSH     = 1 << 0,  /* PUBLISH, EVENT: a push, retained by the broker */
  MRE_FRAME_FLAG_RETAINED = 1 << 1,  /* EVENT: replayed from the retained backlog */
  MRE_FRAME_FLAGS_ALL     = MRE_FRAME_FLAG_PUSH | MRE_FRAME_FLAG_RETAINED,
} MreFrameFlags;

/* A frame; when parsed, its strings and body point into the parsed buffer
 * and are not NUL-terminated. */
typedef struct
{
  guint8        type;
  guint8        flags;
  guint32       arg;
  guint64       seq;
  gint64        time;
  const char   *name;
  guint16       name_len;
  const char   *sender;
  guint16       sender_len;
  const guint8 *body;
  guint32       body_len;
} MreFrame;

typedef enum
{
  MRE_FRAME_PARSE_OK,         /* a whole frame, of *frame_size bytes */
  MRE_FRAME_PARSE_NEED_MORE,  /* not a whole frame yet */
  MRE_FRAME_PARSE_REJECT,     /* a frame to refuse: skip *frame_size bytes, answer with an error */
  MRE_FRAME_PARSE_FATAL,      /* bytes that cannot be framed: close the connection */
} MreFrameParse;

MreFrameParse mre_frame_parse        (const guint8    *data,
                                      gsize            len,
                                      gsize            max_frame_size,
                                      MreFrame        *frame,
                                      gsize           *frame_size,
                                      GError         **error);
gsize         mre_frame_size         (const MreFrame  *frame);
void          mre_frame_write_header (const MreFrame  *frame,
                                      guint8           header[MRE_FRAME_HEADER_SIZE]);
GBytes       *mre_frame_to_bytes     (const MreFrame  *frame);
const char   *mre_frame_type_name    (guint            type);

G_END_DECLS
