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
  gsize size;

  g_assert (frame != NULL);
  g_assert (frame_size != NULL);

  *frame_size = 0;
  if (len < MRE_FRAME_HEADER_SIZE)
    return MRE_FRAME_PARSE_NEED_MORE;

  if (mre_frame_header_get_version (data) != MRE_FRAME_VERSION)
    {
      g_set_error (error, MRE_ERROR, MRE_ERROR_INVALID_FRAME,
                   "Frame of protocol version %u, but this side speaks version %u",
                   mre_frame_header_get_version (data), MRE_FRAME_VERSION);
      return MRE_FRAME_PARSE_FATAL;
    }
  if (mre_frame_header_get_reserved (data) != 0)
    {
      g_set_error (error, MRE_ERROR, MRE_ERROR_INVALID_FRAME,
                   "Frame header has a reserved byte of %u, not 0",
                   mre_frame_header_get_reserved (data));
      return MRE_FRAME_PARSE_FATAL;
    }

  memset (frame, 0, sizeof *frame);
  frame->type = mre_frame_header_get_type (data);
  frame->flags = mre_frame_header_get_flags (data);
  frame->arg = mre_frame_header_get_arg (data);
  frame->seq = mre_frame_header_get_seq (data);
  frame->time = mre_frame_header_get_time (data);
  frame->name_len = mre_frame_header_get_name_len (data);
  frame->sender_len = mre_frame_header_get_sender_len (data);
  frame->body_len = mre_frame_header_get_body_len (data);

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
  frame->name = mre_frame_header_get_name (data);
  frame->sender = frame->name + frame->name_len;
  frame->body = (const guint8 *) frame->sender + frame->sender_len;

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
  mre_frame_header_set_version (header, MRE_FRAME_VERSION);
  mre_frame_header_set_type (header, frame->type);
  mre_frame_header_set_flags (header, frame->flags);
  mre_frame_header_set_reserved (header, 0);
  mre_frame_header_set_arg (header, frame->arg);
  mre_frame_header_set_seq (header, frame->seq);
  mre_frame_header_set_time (header, frame->time);
  mre_frame_header_set_name_len (header, frame->name_len);
  mre_frame_header_set_sender_len (header, frame->sender_len);
  mre_frame_header_set_body_len (header, frame->body_len);
}

/* Writes the whole frame to @data, mre_frame_size() bytes. */
void
mre_frame_write (const MreFrame *frame,
                 guint8         *data)
{
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
}

/* The whole frame in one buffer. */
GBytes *
mre_frame_to_bytes (const MreFrame *frame)
{
  gsize size = mre_frame_size (frame);
  guint8 *data = g_malloc (size);

  mre_frame_write (frame, data);
  return g_bytes_new_take (data, size);
}
