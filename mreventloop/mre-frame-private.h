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
 * big-endian, then the name (UTF-8), the sender (UTF-8) and the body (JSON,
 * UTF-8). The header's layout is MreFrameOffset below, and nothing outside
 * this unit knows it: other units read and write header fields in place
 * through the mre_frame_header_*() accessors.
 *
 * Pure functions over bytes: no sockets, no loop.
 */

#define MRE_FRAME_VERSION      1
#define MRE_FRAME_HEADER_SIZE  32
/* The default limit of a frame, header included. */
#define MRE_FRAME_DEFAULT_MAX  (16 * 1024 * 1024)
/* Beyond this, a length is taken for garbage, not for a large frame. */
#define MRE_FRAME_HARD_MAX     ((gsize) 1 << 30)

/* Where each field of the header starts; all integers are big-endian. */
typedef enum
{
  MRE_FRAME_OFFSET_VERSION    = 0,   /* u8   MRE_FRAME_VERSION */
  MRE_FRAME_OFFSET_TYPE       = 1,   /* u8   MreFrameType */
  MRE_FRAME_OFFSET_FLAGS      = 2,   /* u8   MreFrameFlags */
  MRE_FRAME_OFFSET_RESERVED   = 3,   /* u8   0 */
  MRE_FRAME_OFFSET_ARG        = 4,   /* u32  backlog of a push, or the id of a request and its reply */
  MRE_FRAME_OFFSET_SEQ        = 8,   /* u64  sender's sequence number, or a push's position in the store */
  MRE_FRAME_OFFSET_TIME       = 16,  /* i64  microseconds since the Unix epoch */
  MRE_FRAME_OFFSET_NAME_LEN   = 24,  /* u16  bytes of the name */
  MRE_FRAME_OFFSET_SENDER_LEN = 26,  /* u16  bytes of the sender */
  MRE_FRAME_OFFSET_BODY_LEN   = 28,  /* u32  bytes of the body */
  /* MRE_FRAME_HEADER_SIZE: the name, then the sender, then the body */
} MreFrameOffset;

G_STATIC_ASSERT (MRE_FRAME_OFFSET_BODY_LEN + 4 == MRE_FRAME_HEADER_SIZE);

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

/* Big-endian integers at @p, which need not be aligned. */
static inline guint8
mre_frame_read_u8 (const guint8 *p)
{
  return p[0];
}

static inline guint16
mre_frame_read_u16 (const guint8 *p)
{
  return (guint16) (p[0] << 8 | p[1]);
}

static inline guint32
mre_frame_read_u32 (const guint8 *p)
{
  return (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8 | p[3];
}

static inline guint64
mre_frame_read_u64 (const guint8 *p)
{
  return (guint64) mre_frame_read_u32 (p) << 32 | mre_frame_read_u32 (p + 4);
}

static inline void
mre_frame_write_u8 (guint8 *p,
                    guint8  v)
{
  p[0] = v;
}

static inline void
mre_frame_write_u16 (guint8  *p,
                     guint16  v)
{
  p[0] = v >> 8;
  p[1] = v;
}

static inline void
mre_frame_write_u32 (guint8  *p,
                     guint32  v)
{
  p[0] = v >> 24;
  p[1] = v >> 16;
  p[2] = v >> 8;
  p[3] = v;
}

static inline void
mre_frame_write_u64 (guint8  *p,
                     guint64  v)
{
  mre_frame_write_u32 (p, v >> 32);
  mre_frame_write_u32 (p + 4, v);
}

/*
 * The header's fields, read or written in place: @header is the start of
 * an encoded frame, at least MRE_FRAME_HEADER_SIZE bytes. Nothing is
 * checked; mre_frame_parse() is what validates a header. Inline, for the
 * broker's and the peer's hot paths.
 *
 * MRE_FRAME_HEADER_FIELD (field, FIELD, type, width) defines, for the
 * big-endian integer of @width at MRE_FRAME_OFFSET_FIELD:
 *
 *   type mre_frame_header_get_field (const guint8 *header);
 *   void mre_frame_header_set_field (guint8 *header, type field);
 *
 * so mre_frame_header_get_version() … mre_frame_header_set_body_len(),
 * one pair a line of the list below.
 */
#define MRE_FRAME_HEADER_FIELD(field, FIELD, type, width)                       \
  static inline type                                                            \
  mre_frame_header_get_##field (const guint8 *header)                           \
  {                                                                             \
    return (type) mre_frame_read_##width (header + MRE_FRAME_OFFSET_##FIELD);   \
  }                                                                             \
                                                                                \
  static inline void                                                            \
  mre_frame_header_set_##field (guint8 *header,                                 \
                                type    field)                                  \
  {                                                                             \
    mre_frame_write_##width (header + MRE_FRAME_OFFSET_##FIELD, field);         \
  }

MRE_FRAME_HEADER_FIELD (version,    VERSION,    guint8,  u8)
MRE_FRAME_HEADER_FIELD (type,       TYPE,       guint8,  u8)
MRE_FRAME_HEADER_FIELD (flags,      FLAGS,      guint8,  u8)
MRE_FRAME_HEADER_FIELD (reserved,   RESERVED,   guint8,  u8)
MRE_FRAME_HEADER_FIELD (arg,        ARG,        guint32, u32)
MRE_FRAME_HEADER_FIELD (seq,        SEQ,        guint64, u64)
MRE_FRAME_HEADER_FIELD (time,       TIME,       gint64,  u64)
MRE_FRAME_HEADER_FIELD (name_len,   NAME_LEN,   guint16, u16)
MRE_FRAME_HEADER_FIELD (sender_len, SENDER_LEN, guint16, u16)
MRE_FRAME_HEADER_FIELD (body_len,   BODY_LEN,   guint32, u32)

#undef MRE_FRAME_HEADER_FIELD

/* The size of the whole frame that @header starts, header included. */
static inline gsize
mre_frame_header_get_frame_size (const guint8 *header)
{
  return MRE_FRAME_HEADER_SIZE + (gsize) mre_frame_header_get_name_len (header) +
         mre_frame_header_get_sender_len (header) + mre_frame_header_get_body_len (header);
}

/* The name of the frame that @header starts, right after the header: not
 * NUL-terminated, mre_frame_header_get_name_len() bytes, valid only once
 * that many bytes follow the header. */
static inline const char *
mre_frame_header_get_name (const guint8 *header)
{
  return (const char *) header + MRE_FRAME_HEADER_SIZE;
}

MreFrameParse mre_frame_parse        (const guint8    *data,
                                      gsize            len,
                                      gsize            max_frame_size,
                                      MreFrame        *frame,
                                      gsize           *frame_size,
                                      GError         **error);
gsize         mre_frame_size         (const MreFrame  *frame);
void          mre_frame_write_header (const MreFrame  *frame,
                                      guint8           header[MRE_FRAME_HEADER_SIZE]);
void          mre_frame_write        (const MreFrame  *frame,
                                      guint8          *data);
GBytes       *mre_frame_to_bytes     (const MreFrame  *frame);
const char   *mre_frame_type_name    (guint            type);

G_END_DECLS
