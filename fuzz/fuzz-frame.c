/* fuzz-frame.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/*
 * libFuzzer target: mre_frame_parse() over arbitrary bytes, read the way a
 * connection reads them (frame after frame, skipping refused ones), with
 * every prefix of each frame fed first as a partial read would; and what
 * parsed must come back the same through mre_frame_to_bytes().
 */

#include "config.h"

#include <string.h>

#include <mreventloop.h>

#include "mre-frame-private.h"

#include "fuzz-common.h"

/* Small enough that fuzzed lengths reach REJECT for being too large. */
#define MAX_FRAME_SIZE 4096

static void
check_round_trip (const MreFrame *frame,
                  const guint8   *data,
                  gsize           frame_size)
{
  g_autoptr(GBytes) bytes = mre_frame_to_bytes (frame);
  gsize len;
  const guint8 *copy = g_bytes_get_data (bytes, &len);
  MreFrame again;
  gsize again_size;

  g_assert_cmpuint (len, ==, frame_size);
  g_assert_cmpuint (mre_frame_size (frame), ==, frame_size);
  g_assert_true (memcmp (copy, data, len) == 0);

  g_assert_cmpint (mre_frame_parse (copy, len, MAX_FRAME_SIZE, &again, &again_size, NULL),
                   ==, MRE_FRAME_PARSE_OK);
  g_assert_cmpuint (again_size, ==, frame_size);
  g_assert_cmpuint (again.type, ==, frame->type);
  g_assert_cmpuint (again.flags, ==, frame->flags);
  g_assert_cmpuint (again.arg, ==, frame->arg);
  g_assert_cmpuint (again.seq, ==, frame->seq);
  g_assert_cmpint (again.time, ==, frame->time);
  g_assert_cmpmem (again.name, again.name_len, frame->name, frame->name_len);
  g_assert_cmpmem (again.sender, again.sender_len, frame->sender, frame->sender_len);
  g_assert_cmpmem (again.body, again.body_len, frame->body, frame->body_len);
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  fuzz_init_logging ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  gsize offset = 0;

  while (offset < size)
    {
      const guint8 *p = data + offset;
      gsize left = size - offset;
      g_autoptr(GError) error = NULL;
      MreFrame frame;
      gsize frame_size;
      MreFrameParse result;

      result = mre_frame_parse (p, left, MAX_FRAME_SIZE, &frame, &frame_size, &error);

      /* Every shorter read of the same bytes needs more, or already knows
       * what the whole one says about the header. Each prefix is copied to
       * a buffer of its own size, so that ASan sees a read past it. */
      gsize last_cut = MIN (left, frame_size > 0 ? frame_size : MRE_FRAME_HEADER_SIZE + 1);

      for (gsize cut = 0; cut < last_cut; cut++)
        {
          g_autofree guint8 *prefix = g_memdup2 (p, cut);
          g_autoptr(GError) prefix_error = NULL;
          MreFrame partial;
          gsize partial_size;
          MreFrameParse partial_result;

          partial_result = mre_frame_parse (prefix, cut, MAX_FRAME_SIZE, &partial, &partial_size,
                                            &prefix_error);
          if (cut < MRE_FRAME_HEADER_SIZE)
            {
              g_assert_cmpint (partial_result, ==, MRE_FRAME_PARSE_NEED_MORE);
              g_assert_cmpuint (partial_size, ==, 0);
              continue;
            }
          if (result == MRE_FRAME_PARSE_FATAL)
            g_assert_cmpint (partial_result, ==, MRE_FRAME_PARSE_FATAL);
          else if (partial_result == MRE_FRAME_PARSE_REJECT)
            g_assert_cmpint (result, ==, MRE_FRAME_PARSE_REJECT);
          else
            g_assert_cmpint (partial_result, ==, MRE_FRAME_PARSE_NEED_MORE);
          if (result != MRE_FRAME_PARSE_FATAL)
            g_assert_cmpuint (partial_size, ==, frame_size);
          /* Past 8 prefixes, test only a few more: the cost is quadratic. */
          if (cut >= MRE_FRAME_HEADER_SIZE + 8 && cut + 8 < frame_size)
            cut += (frame_size - cut) / 2;
        }

      switch (result)
        {
        case MRE_FRAME_PARSE_OK:
          g_assert_no_error (error);
          g_assert_cmpuint (frame_size, >=, MRE_FRAME_HEADER_SIZE);
          g_assert_cmpuint (frame_size, <=, left);
          g_assert_nonnull (mre_frame_type_name (frame.type));
          g_assert_true (g_utf8_validate_len (frame.name, frame.name_len, NULL));
          g_assert_true (g_utf8_validate_len (frame.sender, frame.sender_len, NULL));
          check_round_trip (&frame, p, frame_size);
          offset += frame_size;
          break;

        case MRE_FRAME_PARSE_REJECT:
          g_assert_true (g_error_matches (error, MRE_ERROR, MRE_ERROR_FRAME_TOO_LARGE) ||
                         g_error_matches (error, MRE_ERROR, MRE_ERROR_PROTOCOL));
          g_assert_cmpuint (frame_size, >=, MRE_FRAME_HEADER_SIZE);
          /* The connection skips it, reading on as it arrives. */
          offset += MIN (frame_size, left);
          break;

        case MRE_FRAME_PARSE_FATAL:
          g_assert_error (error, MRE_ERROR, MRE_ERROR_INVALID_FRAME);
          return 0;

        case MRE_FRAME_PARSE_NEED_MORE:
          g_assert_no_error (error);
          return 0;

        default:
          g_assert_not_reached ();
        }
    }

  return 0;
}
