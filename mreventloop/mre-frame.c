/* mre-frame.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "mre-error.h"
#include "mre-frame-private.h"
#include "mre-json-private.h"

static inline guint16
read_u16 (const guint8 *p)
{
  return (guint16) (p[0] << 8 | p[1]);
}

static inline guint32
read_u32 (const guint8 *p)
{
  return (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8 | p[3];
}

static inline guint64
read_u64 (const guint8 *p)
{
  return (guint64) read_u32 (p) << 32 | read_u32 (p + 4);
}

static inline void
write_u16 (guint8  *p,
           guint16  v)
{
  p[0] = v >> 8;
  p[1] = v;
}

static inline void
write_u32 (guint8  *p,
           guint32  v)
{
  p[0] = v >> 24;
  p[1] = v >> 16;
  p[2] = v >> 8;
  p[3] = v;
}

static inline void
write_u64 (guint8  *p,
           guint64  v)
{
  write_u32 (p, v >> 32);
  write_u32 (p + 4, v);
}

const char *
mre_frame_type_name (guint type)
{
  static const char * const names[] = {
    NULL, "HELLO", "WELCOME", "SUBSCRIBE", "UNSUBSCRIBE", "ACK",
    "PUBLISH", "EVENT", "ERROR", "STATS", "STATS_REPLY", "SYNC",
  };

  G_STATIC_ASSERT (G_N_ELEMENTS (names) == MRE_FRAME_LAST_TYPE + 1);

  return type >= 1 && type <= MRE_FRAME_LAST_TYPE ? names[type] : NULL;
}

gsize
mre_frame_size (const MreFrame *frame)
{
  return MRE_FRAME_HEADER_SIZE + (gsize) frame->name_len + frame->sender_len + frame->body_len;
}

/*
 * Reads one frame from the start of @data.
 *
 * The header alone decides what cannot be framed (FATAL: a wrong version,
 * a non-zero reserved byte, a length past MRE_FRAME_HARD_MAX) and what is
 * well framed but refused (REJECT: over @max_frame_size, unknown type or
 * flags). A refused frame has its header in @frame and its size in
 * @frame_size, so that the caller can skip it, even before it has all of
 * it, and answer with an error. Names that are not UTF-8 are refused once
 * the whole frame is there.
 */
MreFrameParse
mre_frame_parse (const guint8  *data,
                 gsize          len,
                 gsize          max_frame_size,
                 MreFrame      *frame,
                 gsize         *frame_size,
                 GError       **error)
{
  const guint8 *p;
  gsize size;

  g_assert (frame != NULL);
  g_assert (frame_size != NULL);

  *frame_size = 0;
  if (len < MRE_FRAME_HEADER_SIZE)
    return MRE_FRAME_PARSE_NEED_MORE;

  if (data[0] != MRE_FRAME_VERSION)
    {
      g_set_error (error, MRE_ERROR, MRE_ERROR_INVALID_FRAME,
                   "Frame of protocol version %u, but this side speaks version %u",
                   data[0], MRE_FRAME_VERSION);
      return MRE_FRAME_PARSE_FATAL;
    }
  if (data[3] != 0)
    {
      g_set_error (error, MRE_ERROR, MRE_ERROR_INVALID_FRAME,
                   "Frame header has a reserved byte of %u, not 0", data[3]);
      return MRE_FRAME_PARSE_FATAL;
    }

  memset (frame, 0, sizeof *frame);
  frame->type = data[1];
  frame->flags = data[2];
  frame->arg = read_u32 (data + 4);
  frame->seq = read_u64 (data + 8);
  frame->time = (gint64) read_u64 (data + 16);
  frame->name_len = read_u16 (data + 24);
  frame->sender_len = read_u16 (data + 26);
  frame->body_len = read_u32 (data + 28);

  size = mre_frame_size (frame);
  if (size > MRE_FRAME_HARD_MAX)
    {
      g_set_error (error, MRE_ERROR, MRE_ERROR_INVALID_FRAME,
                   "Frame of %" G_GSIZE_FORMAT " bytes is past any possible size (%" G_GSIZE_FORMAT ")",
                   size, MRE_FRAME_HARD_MAX);
      return MRE_FRAME_PARSE_FATAL;
    }

  *frame_size = size;

  if (size > max_frame_size)
    {
      g_set_error (error, MRE_ERROR, MRE_ERROR_FRAME_TOO_LARGE,
                   "Frame of %" G_GSIZE_FORMAT " bytes exceeds max-frame-size (%" G_GSIZE_FORMAT ")",
                   size, max_frame_size);
      return MRE_FRAME_PARSE_REJECT;
    }
  if (mre_frame_type_name (frame->type) == NULL)
    {
      g_set_error (error, MRE_ERROR, MRE_ERROR_PROTOCOL,
                   "Frame of unknown type %u", frame->type);
      return MRE_FRAME_PARSE_REJECT;
    }
  if (frame->flags & ~MRE_FRAME_FLAGS_ALL)
    {
      g_set_error (error, MRE_ERROR, MRE_ERROR_PROTOCOL,
                   "%s frame with unknown flags 0x%02x",
                   mre_frame_type_name (frame->type), frame->flags & ~MRE_FRAME_FLAGS_ALL);
      return MRE_FRAME_PARSE_REJECT;
    }

  if (len < size)
    return MRE_FRAME_PARSE_NEED_MORE;

  /* Only now: past the end of a shorter buffer (or NULL) is undefined. */
  p = data + MRE_FRAME_HEADER_SIZE;
  frame->name = (const char *) p;
  frame->sender = (const char *) p + frame->name_len;
  frame->body = p + frame->name_len + frame->sender_len;

  if (!mre_utf8_validate (frame->name, frame->name_len) ||
      !mre_utf8_validate (frame->sender, frame->sender_len))
    {
      g_set_error (error, MRE_ERROR, MRE_ERROR_PROTOCOL,
                   "%s frame whose name or sender is not valid UTF-8",
                   mre_frame_type_name (frame->type));
      return MRE_FRAME_PARSE_REJECT;
    }

  return MRE_FRAME_PARSE_OK;
}

void
mre_frame_write_header (const MreFrame *frame,
                        guint8          header[MRE_FRAME_HEADER_SIZE])
{
  header[0] = MRE_FRAME_VERSION;
  header[1] = frame->type;
  header[2] = frame->flags;
  header[3] = 0;
  write_u32 (header + 4, frame->arg);
  write_u64 (header + 8, frame->seq);
  write_u64 (header + 16, (guint64) frame->time);
  write_u16 (header + 24, frame->name_len);
  write_u16 (header + 26, frame->sender_len);
  write_u32 (header + 28, frame->body_len);
}

/* The whole frame in one buffer. */
GBytes *
mre_frame_to_bytes (const MreFrame *frame)
{
  gsize size = mre_frame_size (frame);
  guint8 *data = g_malloc (size);
  guint8 *p = data + MRE_FRAME_HEADER_SIZE;

  mre_frame_write_header (frame, data);
  if (frame->name_len > 0)
    memcpy (p, frame->name, frame->name_len);
  p += frame->name_len;
  if (frame->sender_len > 0)
    memcpy (p, frame->sender, frame->sender_len);
  p += frame->sender_len;
  if (frame->body_len > 0)
    memcpy (p, frame->body, frame->body_len);

  return g_bytes_new_take (data, size);
}
