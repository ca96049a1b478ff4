/* test-frame.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include <mreventloop.h>

#include "mre-frame-private.h"
#include "mre-json-private.h"

static MreFrame
frame_new (guint8      type,
           guint8      flags,
           const char *name,
           const char *sender,
           const char *body)
{
  MreFrame frame = { 0 };

  frame.type = type;
  frame.flags = flags;
  frame.name = name;
  frame.name_len = strlen (name);
  frame.sender = sender;
  frame.sender_len = strlen (sender);
  frame.body = (const guint8 *) body;
  frame.body_len = strlen (body);

  return frame;
}

static void
assert_frame_equal (const MreFrame *a,
                    const MreFrame *b)
{
  g_assert_cmpuint (a->type, ==, b->type);
  g_assert_cmpuint (a->flags, ==, b->flags);
  g_assert_cmpuint (a->arg, ==, b->arg);
  g_assert_cmpuint (a->seq, ==, b->seq);
  g_assert_cmpint (a->time, ==, b->time);
  g_assert_cmpmem (a->name, a->name_len, b->name, b->name_len);
  g_assert_cmpmem (a->sender, a->sender_len, b->sender, b->sender_len);
  g_assert_cmpmem (a->body, a->body_len, b->body, b->body_len);
}

/* The bytes on the wire, as docs/PROTOCOL.md describes them and as
 * Python's struct.pack ('>BBBBIQQHHI', ...) writes them. */
static void
test_golden (void)
{
  static const guint8 header[MRE_FRAME_HEADER_SIZE] = {
    0x01, 0x06, 0x01, 0x00,                          /* version, PUBLISH, PUSH, 0 */
    0x00, 0x00, 0x00, 0x05,                          /* arg: backlog 5 */
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,  /* seq */
    0x00, 0x06, 0x0a, 0x24, 0x18, 0x1e, 0x40, 0x00,  /* time 1700000000000000 */
    0x00, 0x08, 0x00, 0x03, 0x00, 0x00, 0x00, 0x0c,  /* name 8, sender 3, body 12 */
  };
  MreFrame frame = frame_new (MRE_FRAME_PUBLISH, MRE_FRAME_FLAG_PUSH,
                              "produced", "p-1", "[\"product\"]\n");
  g_autoptr(GBytes) bytes = NULL;
  const guint8 *data;
  gsize size;

  frame.arg = 5;
  frame.seq = G_GUINT64_CONSTANT (0x0102030405060708);
  frame.time = G_GINT64_CONSTANT (1700000000000000);

  bytes = mre_frame_to_bytes (&frame);
  data = g_bytes_get_data (bytes, &size);
  g_assert_cmpuint (size, ==, MRE_FRAME_HEADER_SIZE + 8 + 3 + 12);
  g_assert_cmpmem (data, MRE_FRAME_HEADER_SIZE, header, sizeof header);
  g_assert_cmpmem (data + MRE_FRAME_HEADER_SIZE, 23, "producedp-1[\"product\"]\n", 23);
}

/* Every type round-trips, extreme field values included. */
static void
test_round_trip (void)
{
  for (guint type = 1; type <= MRE_FRAME_LAST_TYPE; type++)
    {
      MreFrame frame = frame_new (type, type == MRE_FRAME_EVENT ? MRE_FRAME_FLAGS_ALL : 0,
                                  "sensor.temperature", "peer-é", "{\"jsonrpc\":\"2.0\"}");
      MreFrame parsed;
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(GError) error = NULL;
      const guint8 *data;
      gsize size, frame_size;

      frame.arg = G_MAXUINT32;
      frame.seq = G_MAXUINT64;
      frame.time = G_MININT64;
      bytes = mre_frame_to_bytes (&frame);
      data = g_bytes_get_data (bytes, &size);

      g_assert_cmpint (mre_frame_parse (data, size, MRE_FRAME_DEFAULT_MAX, &parsed, &frame_size, &error),
                       ==, MRE_FRAME_PARSE_OK);
      g_assert_no_error (error);
      g_assert_cmpuint (frame_size, ==, size);
      g_assert_cmpuint (mre_frame_size (&parsed), ==, size);
      assert_frame_equal (&parsed, &frame);
      g_assert_nonnull (mre_frame_type_name (type));
    }
}

/* A frame with nothing but its header. */
static void
test_empty (void)
{
  MreFrame frame = frame_new (MRE_FRAME_ACK, 0, "", "", "");
  g_autoptr(GBytes) bytes = mre_frame_to_bytes (&frame);
  MreFrame parsed;
  gsize size, frame_size;
  const guint8 *data = g_bytes_get_data (bytes, &size);

  g_assert_cmpuint (size, ==, MRE_FRAME_HEADER_SIZE);
  g_assert_cmpint (mre_frame_parse (data, size, MRE_FRAME_HEADER_SIZE, &parsed, &frame_size, NULL),
                   ==, MRE_FRAME_PARSE_OK);
  assert_frame_equal (&parsed, &frame);
}

/* Two frames back to back, fed one byte more at a time: every prefix
 * shorter than the first frame asks for more; then both parse, in turn. */
static void
test_incremental (void)
{
  MreFrame first = frame_new (MRE_FRAME_SUBSCRIBE, 0, "sensor.*", "", "");
  MreFrame second = frame_new (MRE_FRAME_PUBLISH, 0, "sensor.t", "", "[21.5]");
  g_autoptr(GBytes) a = mre_frame_to_bytes (&first);
  g_autoptr(GBytes) b = mre_frame_to_bytes (&second);
  g_autoptr(GByteArray) stream = g_byte_array_new ();
  MreFrame parsed;
  gsize frame_size, a_size = g_bytes_get_size (a);

  g_byte_array_append (stream, g_bytes_get_data (a, NULL), a_size);
  g_byte_array_append (stream, g_bytes_get_data (b, NULL), g_bytes_get_size (b));

  for (gsize len = 0; len < a_size; len++)
    g_assert_cmpint (mre_frame_parse (stream->data, len, MRE_FRAME_DEFAULT_MAX, &parsed, &frame_size, NULL),
                     ==, MRE_FRAME_PARSE_NEED_MORE);

  g_assert_cmpint (mre_frame_parse (stream->data, stream->len, MRE_FRAME_DEFAULT_MAX, &parsed, &frame_size, NULL),
                   ==, MRE_FRAME_PARSE_OK);
  g_assert_cmpuint (frame_size, ==, a_size);
  assert_frame_equal (&parsed, &first);

  g_assert_cmpint (mre_frame_parse (stream->data + a_size, stream->len - a_size, MRE_FRAME_DEFAULT_MAX,
                                    &parsed, &frame_size, NULL),
                   ==, MRE_FRAME_PARSE_OK);
  assert_frame_equal (&parsed, &second);
}

/* The two headers docs/PROTOCOL.md gives as examples ("Frames"): p-1's
 * PUBLISH of `produced`, and the EVENT a subscriber receives for it. */
static const guint8 publish_example[MRE_FRAME_HEADER_SIZE] = {
  0x01, 0x06, 0x01, 0x00,  0x00, 0x00, 0x00, 0x05,  0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
  0x00, 0x06, 0x0a, 0x24, 0x18, 0x1e, 0x40, 0x00,  0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x3a,
};
static const guint8 event_example[MRE_FRAME_HEADER_SIZE] = {
  0x01, 0x07, 0x01, 0x00,  0x00, 0x00, 0x00, 0x00,  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
  0x00, 0x06, 0x0a, 0x24, 0x18, 0x1e, 0x40, 0x00,  0x00, 0x08, 0x00, 0x03, 0x00, 0x00, 0x00, 0x3a,
};

/* The getters read, in PROTOCOL.md's example headers, the fields it says
 * they hold. */
static void
test_header_get (void)
{
  const guint8 *h = publish_example;

  g_assert_cmpuint (mre_frame_header_get_version (h), ==, MRE_FRAME_VERSION);
  g_assert_cmpuint (mre_frame_header_get_type (h), ==, MRE_FRAME_PUBLISH);
  g_assert_cmpuint (mre_frame_header_get_flags (h), ==, MRE_FRAME_FLAG_PUSH);
  g_assert_cmpuint (mre_frame_header_get_reserved (h), ==, 0);
  g_assert_cmpuint (mre_frame_header_get_arg (h), ==, 5);
  g_assert_cmpuint (mre_frame_header_get_seq (h), ==, G_GUINT64_CONSTANT (0x0102030405060708));
  g_assert_cmpint (mre_frame_header_get_time (h), ==, G_GINT64_CONSTANT (1700000000000000));
  g_assert_cmpuint (mre_frame_header_get_name_len (h), ==, 8);
  g_assert_cmpuint (mre_frame_header_get_sender_len (h), ==, 0);
  g_assert_cmpuint (mre_frame_header_get_body_len (h), ==, 58);
  g_assert_cmpuint (mre_frame_header_get_frame_size (h), ==, 32 + 8 + 0 + 58);
  g_assert_true (mre_frame_header_get_name (h) == (const char *) h + 32);

  h = event_example;
  g_assert_cmpuint (mre_frame_header_get_version (h), ==, MRE_FRAME_VERSION);
  g_assert_cmpuint (mre_frame_header_get_type (h), ==, MRE_FRAME_EVENT);
  g_assert_cmpuint (mre_frame_header_get_flags (h), ==, MRE_FRAME_FLAG_PUSH);
  g_assert_cmpuint (mre_frame_header_get_reserved (h), ==, 0);
  g_assert_cmpuint (mre_frame_header_get_arg (h), ==, 0);
  g_assert_cmpuint (mre_frame_header_get_seq (h), ==, 1);
  g_assert_cmpint (mre_frame_header_get_time (h), ==, G_GINT64_CONSTANT (1700000000000000));
  g_assert_cmpuint (mre_frame_header_get_name_len (h), ==, 8);
  g_assert_cmpuint (mre_frame_header_get_sender_len (h), ==, 3);
  g_assert_cmpuint (mre_frame_header_get_body_len (h), ==, 58);
  g_assert_cmpuint (mre_frame_header_get_frame_size (h), ==, 32 + 8 + 3 + 58);
}

/* The setters write PROTOCOL.md's example headers over bytes that hold
 * something else, and turn the PUBLISH into its EVENT in place, as the
 * broker does. */
static void
test_header_set (void)
{
  guint8 header[MRE_FRAME_HEADER_SIZE];

  memset (header, 0xa5, sizeof header);
  mre_frame_header_set_version (header, MRE_FRAME_VERSION);
  mre_frame_header_set_type (header, MRE_FRAME_PUBLISH);
  mre_frame_header_set_flags (header, MRE_FRAME_FLAG_PUSH);
  mre_frame_header_set_reserved (header, 0);
  mre_frame_header_set_arg (header, 5);
  mre_frame_header_set_seq (header, G_GUINT64_CONSTANT (0x0102030405060708));
  mre_frame_header_set_time (header, G_GINT64_CONSTANT (1700000000000000));
  mre_frame_header_set_name_len (header, 8);
  mre_frame_header_set_sender_len (header, 0);
  mre_frame_header_set_body_len (header, 58);
  g_assert_cmpmem (header, sizeof header, publish_example, sizeof publish_example);

  mre_frame_header_set_type (header, MRE_FRAME_EVENT);
  mre_frame_header_set_arg (header, 0);
  mre_frame_header_set_seq (header, 1);
  mre_frame_header_set_sender_len (header, 3);
  g_assert_cmpmem (header, sizeof header, event_example, sizeof event_example);
}

/* The fields of the header, with their offsets and sizes as PROTOCOL.md's
 * table gives them (not as MreFrameOffset does: this checks it). */
typedef enum
{
  FIELD_VERSION,
  FIELD_TYPE,
  FIELD_FLAGS,
  FIELD_RESERVED,
  FIELD_ARG,
  FIELD_SEQ,
  FIELD_TIME,
  FIELD_NAME_LEN,
  FIELD_SENDER_LEN,
  FIELD_BODY_LEN,
  N_FIELDS,
} Field;

static const struct
{
  const char *name;
  gsize       offset;
  gsize       size;
  guint       offset_enum;
} fields[N_FIELDS] = {
  [FIELD_VERSION]    = { "version", 0, 1, MRE_FRAME_OFFSET_VERSION },
  [FIELD_TYPE]       = { "type", 1, 1, MRE_FRAME_OFFSET_TYPE },
  [FIELD_FLAGS]      = { "flags", 2, 1, MRE_FRAME_OFFSET_FLAGS },
  [FIELD_RESERVED]   = { "reserved", 3, 1, MRE_FRAME_OFFSET_RESERVED },
  [FIELD_ARG]        = { "arg", 4, 4, MRE_FRAME_OFFSET_ARG },
  [FIELD_SEQ]        = { "seq", 8, 8, MRE_FRAME_OFFSET_SEQ },
  [FIELD_TIME]       = { "time", 16, 8, MRE_FRAME_OFFSET_TIME },
  [FIELD_NAME_LEN]   = { "name length", 24, 2, MRE_FRAME_OFFSET_NAME_LEN },
  [FIELD_SENDER_LEN] = { "sender length", 26, 2, MRE_FRAME_OFFSET_SENDER_LEN },
  [FIELD_BODY_LEN]   = { "body length", 28, 4, MRE_FRAME_OFFSET_BODY_LEN },
};

static void
field_set (guint8  *header,
           Field    field,
           guint64  value)
{
  switch (field)
    {
    case FIELD_VERSION: mre_frame_header_set_version (header, value); break;
    case FIELD_TYPE: mre_frame_header_set_type (header, value); break;
    case FIELD_FLAGS: mre_frame_header_set_flags (header, value); break;
    case FIELD_RESERVED: mre_frame_header_set_reserved (header, value); break;
    case FIELD_ARG: mre_frame_header_set_arg (header, value); break;
    case FIELD_SEQ: mre_frame_header_set_seq (header, value); break;
    case FIELD_TIME: mre_frame_header_set_time (header, (gint64) value); break;
    case FIELD_NAME_LEN: mre_frame_header_set_name_len (header, value); break;
    case FIELD_SENDER_LEN: mre_frame_header_set_sender_len (header, value); break;
    case FIELD_BODY_LEN: mre_frame_header_set_body_len (header, value); break;
    case N_FIELDS: default: g_assert_not_reached ();
    }
}

static guint64
field_get (const guint8 *header,
           Field         field)
{
  switch (field)
    {
    case FIELD_VERSION: return mre_frame_header_get_version (header);
    case FIELD_TYPE: return mre_frame_header_get_type (header);
    case FIELD_FLAGS: return mre_frame_header_get_flags (header);
    case FIELD_RESERVED: return mre_frame_header_get_reserved (header);
    case FIELD_ARG: return mre_frame_header_get_arg (header);
    case FIELD_SEQ: return mre_frame_header_get_seq (header);
    case FIELD_TIME: return (guint64) mre_frame_header_get_time (header);
    case FIELD_NAME_LEN: return mre_frame_header_get_name_len (header);
    case FIELD_SENDER_LEN: return mre_frame_header_get_sender_len (header);
    case FIELD_BODY_LEN: return mre_frame_header_get_body_len (header);
    case N_FIELDS: default: g_assert_not_reached ();
    }
}

/* Each field is big-endian, at its offset, and its setter writes its own
 * bytes and no others. */
static void
test_header_layout (void)
{
  static const guint8 big_endian[8] = { 0x81, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08 };
  gsize end = 0;

  for (Field f = 0; f < N_FIELDS; f++)
    {
      guint8 header[MRE_FRAME_HEADER_SIZE], before[MRE_FRAME_HEADER_SIZE];
      guint64 value = 0;

      g_test_message ("%s", fields[f].name);
      g_assert_cmpuint (fields[f].offset_enum, ==, fields[f].offset);
      /* The fields tile the header. */
      g_assert_cmpuint (fields[f].offset, ==, end);
      end = fields[f].offset + fields[f].size;

      for (gsize i = 0; i < fields[f].size; i++)
        value = value << 8 | big_endian[i];
      for (gsize i = 0; i < sizeof header; i++)
        before[i] = header[i] = 0xa0 + i;

      field_set (header, f, value);
      g_assert_cmpuint (field_get (header, f), ==, value);
      g_assert_cmpmem (header + fields[f].offset, fields[f].size, big_endian, fields[f].size);
      g_assert_cmpmem (header, fields[f].offset, before, fields[f].offset);
      g_assert_cmpmem (header + end, sizeof header - end, before + end, sizeof header - end);

      /* And a getter reads its own bytes only. */
      memset (header, 0xff, sizeof header);
      memset (header + fields[f].offset, 0, fields[f].size);
      g_assert_cmpuint (field_get (header, f), ==, 0);
    }
  g_assert_cmpuint (end, ==, MRE_FRAME_HEADER_SIZE);
}

/* Every field keeps every value of its type, the extremes included. */
static void
test_header_round_trip (void)
{
  static const guint64 values[] = {
    0, 1, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff,
    G_MAXINT32, (guint64) G_MAXINT32 + 1, G_MAXUINT32, (guint64) G_MAXUINT32 + 1,
    G_MAXINT64, (guint64) G_MAXINT64 + 1, G_MAXUINT64 - 1, G_MAXUINT64,
    G_GUINT64_CONSTANT (0x0123456789abcdef), G_GUINT64_CONSTANT (0xfedcba9876543210),
  };
  static const gint64 times[] = { G_MININT64, -1, 0, 1, G_MAXINT64 };

  for (Field f = 0; f < N_FIELDS; f++)
    for (guint i = 0; i < G_N_ELEMENTS (values); i++)
      {
        guint64 max = fields[f].size == 8 ? G_MAXUINT64
                                           : (G_GUINT64_CONSTANT (1) << (8 * fields[f].size)) - 1;
        guint8 header[MRE_FRAME_HEADER_SIZE] = { 0 };

        if (values[i] > max)
          continue;
        field_set (header, f, values[i]);
        g_assert_cmpuint (field_get (header, f), ==, values[i]);
      }

  /* time is signed. */
  for (guint i = 0; i < G_N_ELEMENTS (times); i++)
    {
      guint8 header[MRE_FRAME_HEADER_SIZE] = { 0 };

      mre_frame_header_set_time (header, times[i]);
      g_assert_cmpint (mre_frame_header_get_time (header), ==, times[i]);
    }
}

/* The accessors agree with mre_frame_parse() and mre_frame_to_bytes(): on
 * an encoded frame, and on one changed in place (as the router changes
 * the retained copy of a push). */
static void
test_header_agrees_with_parse (void)
{
  MreFrame frame = frame_new (MRE_FRAME_EVENT, MRE_FRAME_FLAG_PUSH,
                              "sensor.temperature", "peer-é", "{\"jsonrpc\":\"2.0\"}");
  MreFrame parsed;
  g_autoptr(GBytes) bytes = NULL;
  g_autofree guint8 *data = NULL;
  gsize size, frame_size;

  frame.arg = 0xdeadbeef;
  frame.seq = G_GUINT64_CONSTANT (0x1122334455667788);
  frame.time = -42;
  bytes = mre_frame_to_bytes (&frame);
  data = g_bytes_unref_to_data (g_steal_pointer (&bytes), &size);

  g_assert_cmpuint (mre_frame_header_get_version (data), ==, MRE_FRAME_VERSION);
  g_assert_cmpuint (mre_frame_header_get_type (data), ==, frame.type);
  g_assert_cmpuint (mre_frame_header_get_flags (data), ==, frame.flags);
  g_assert_cmpuint (mre_frame_header_get_reserved (data), ==, 0);
  g_assert_cmpuint (mre_frame_header_get_arg (data), ==, frame.arg);
  g_assert_cmpuint (mre_frame_header_get_seq (data), ==, frame.seq);
  g_assert_cmpint (mre_frame_header_get_time (data), ==, frame.time);
  g_assert_cmpuint (mre_frame_header_get_name_len (data), ==, frame.name_len);
  g_assert_cmpuint (mre_frame_header_get_sender_len (data), ==, frame.sender_len);
  g_assert_cmpuint (mre_frame_header_get_body_len (data), ==, frame.body_len);
  g_assert_cmpuint (mre_frame_header_get_frame_size (data), ==, size);
  g_assert_cmpmem (mre_frame_header_get_name (data), mre_frame_header_get_name_len (data),
                   frame.name, frame.name_len);

  mre_frame_header_set_flags (data, mre_frame_header_get_flags (data) | MRE_FRAME_FLAG_RETAINED);
  mre_frame_header_set_arg (data, 7);
  mre_frame_header_set_seq (data, G_MAXUINT64);
  mre_frame_header_set_time (data, G_MININT64);
  g_assert_cmpint (mre_frame_parse (data, size, MRE_FRAME_DEFAULT_MAX, &parsed, &frame_size, NULL),
                   ==, MRE_FRAME_PARSE_OK);
  g_assert_cmpuint (frame_size, ==, size);
  frame.flags |= MRE_FRAME_FLAG_RETAINED;
  frame.arg = 7;
  frame.seq = G_MAXUINT64;
  frame.time = G_MININT64;
  assert_frame_equal (&parsed, &frame);
}

/* mre_frame_write() writes what mre_frame_to_bytes() returns, empty
 * strings (without pointers) included. */
static void
test_write (void)
{
  MreFrame frames[] = {
    frame_new (MRE_FRAME_PUBLISH, MRE_FRAME_FLAG_PUSH, "produced", "p-1", "[\"product\"]"),
    frame_new (MRE_FRAME_ACK, 0, "", "", ""),
  };

  frames[0].arg = 5;
  frames[0].seq = 9;
  frames[0].time = 1;
  frames[1].name = frames[1].sender = NULL;
  frames[1].body = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (frames); i++)
    {
      g_autoptr(GBytes) bytes = mre_frame_to_bytes (&frames[i]);
      gsize size = mre_frame_size (&frames[i]);
      g_autofree guint8 *data = g_malloc (size);

      mre_frame_write (&frames[i], data);
      g_assert_cmpmem (data, size, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
    }
}

static guint8 *
header_of (const MreFrame *frame)
{
  guint8 *header = g_malloc (MRE_FRAME_HEADER_SIZE);

  mre_frame_write_header (frame, header);
  return header;
}

/* Bytes that cannot be framed close the connection. */
static void
test_fatal (void)
{
  MreFrame frame = frame_new (MRE_FRAME_PUBLISH, 0, "x", "", "[]");
  g_autofree guint8 *header = header_of (&frame);
  MreFrame parsed;
  gsize frame_size;
  g_autoptr(GError) error = NULL;

  /* Another protocol version, or plain text. */
  header[0] = 2;
  g_assert_cmpint (mre_frame_parse (header, MRE_FRAME_HEADER_SIZE, MRE_FRAME_DEFAULT_MAX,
                                    &parsed, &frame_size, &error), ==, MRE_FRAME_PARSE_FATAL);
  g_assert_error (error, MRE_ERROR, MRE_ERROR_INVALID_FRAME);
  g_clear_error (&error);
  g_assert_cmpint (mre_frame_parse ((const guint8 *) "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n", 36,
                                    MRE_FRAME_DEFAULT_MAX, &parsed, &frame_size, &error),
                   ==, MRE_FRAME_PARSE_FATAL);
  g_assert_error (error, MRE_ERROR, MRE_ERROR_INVALID_FRAME);
  g_clear_error (&error);

  /* A reserved byte that is not 0. */
  header[0] = MRE_FRAME_VERSION;
  header[3] = 7;
  g_assert_cmpint (mre_frame_parse (header, MRE_FRAME_HEADER_SIZE, MRE_FRAME_DEFAULT_MAX,
                                    &parsed, &frame_size, &error), ==, MRE_FRAME_PARSE_FATAL);
  g_assert_error (error, MRE_ERROR, MRE_ERROR_INVALID_FRAME);
  g_clear_error (&error);

  /* A length no frame can have. */
  header[3] = 0;
  header[28] = 0xff;
  g_assert_cmpint (mre_frame_parse (header, MRE_FRAME_HEADER_SIZE, MRE_FRAME_DEFAULT_MAX,
                                    &parsed, &frame_size, &error), ==, MRE_FRAME_PARSE_FATAL);
  g_assert_error (error, MRE_ERROR, MRE_ERROR_INVALID_FRAME);
}

/* A frame over the limit is refused from its header alone, with its size
 * (to skip it) and its request id (to answer it). */
static void
test_reject_too_large (void)
{
  MreFrame frame = frame_new (MRE_FRAME_PUBLISH, 0, "big", "", "");
  g_autofree guint8 *header = NULL;
  MreFrame parsed;
  gsize frame_size;
  g_autoptr(GError) error = NULL;

  frame.body_len = 20000000;
  frame.arg = 42;
  header = header_of (&frame);

  g_assert_cmpint (mre_frame_parse (header, MRE_FRAME_HEADER_SIZE, MRE_FRAME_DEFAULT_MAX,
                                    &parsed, &frame_size, &error), ==, MRE_FRAME_PARSE_REJECT);
  g_assert_error (error, MRE_ERROR, MRE_ERROR_FRAME_TOO_LARGE);
  g_assert_nonnull (strstr (error->message, "20000035 bytes exceeds max-frame-size (16777216)"));
  g_assert_cmpuint (frame_size, ==, MRE_FRAME_HEADER_SIZE + 3 + 20000000);
  g_assert_cmpuint (parsed.arg, ==, 42);
  g_assert_cmpuint (parsed.type, ==, MRE_FRAME_PUBLISH);
}

/* Well-framed frames that break the protocol are refused; the stream can
 * go on after them. */
static void
test_reject_protocol (void)
{
  MreFrame frame = frame_new (MRE_FRAME_PUBLISH, 0, "x", "", "[]");
  g_autoptr(GBytes) bytes = NULL;
  g_autofree guint8 *data = NULL;
  MreFrame parsed;
  gsize size, frame_size;
  g_autoptr(GError) error = NULL;
  guint8 bad_types[] = { 0, MRE_FRAME_LAST_TYPE + 1, 255 };

  bytes = mre_frame_to_bytes (&frame);
  size = g_bytes_get_size (bytes);
  data = g_memdup2 (g_bytes_get_data (bytes, NULL), size);

  for (guint i = 0; i < G_N_ELEMENTS (bad_types); i++)
    {
      data[1] = bad_types[i];
      g_assert_cmpint (mre_frame_parse (data, size, MRE_FRAME_DEFAULT_MAX, &parsed, &frame_size, &error),
                       ==, MRE_FRAME_PARSE_REJECT);
      g_assert_error (error, MRE_ERROR, MRE_ERROR_PROTOCOL);
      g_assert_cmpuint (frame_size, ==, size);
      g_clear_error (&error);
    }

  data[1] = MRE_FRAME_PUBLISH;
  data[2] = 0x80;
  g_assert_cmpint (mre_frame_parse (data, size, MRE_FRAME_DEFAULT_MAX, &parsed, &frame_size, &error),
                   ==, MRE_FRAME_PARSE_REJECT);
  g_assert_error (error, MRE_ERROR, MRE_ERROR_PROTOCOL);
  g_clear_error (&error);

  /* A name that is not UTF-8 is only known once the frame is whole. */
  data[2] = 0;
  data[MRE_FRAME_HEADER_SIZE] = 0xff;
  g_assert_cmpint (mre_frame_parse (data, size - 1, MRE_FRAME_DEFAULT_MAX, &parsed, &frame_size, &error),
                   ==, MRE_FRAME_PARSE_NEED_MORE);
  g_assert_no_error (error);
  g_assert_cmpint (mre_frame_parse (data, size, MRE_FRAME_DEFAULT_MAX, &parsed, &frame_size, &error),
                   ==, MRE_FRAME_PARSE_REJECT);
  g_assert_error (error, MRE_ERROR, MRE_ERROR_PROTOCOL);
  g_assert_cmpuint (frame_size, ==, size);
  g_clear_error (&error);

  /* Nor may a name hold a NUL. */
  data[MRE_FRAME_HEADER_SIZE] = '\0';
  g_assert_cmpint (mre_frame_parse (data, size, MRE_FRAME_DEFAULT_MAX, &parsed, &frame_size, &error),
                   ==, MRE_FRAME_PARSE_REJECT);
  g_assert_error (error, MRE_ERROR, MRE_ERROR_PROTOCOL);
  g_clear_error (&error);
}

/* mre_utf8_validate() answers as g_utf8_validate_len(), eight bytes at a
 * time or not. */
static void
test_utf8 (void)
{
  static const char *cases[] = {
    "", "a", "abcdefgh", "abcdefghijklmnop", "abcdefg\xc3\xa9", "\xc3\xa9" "abcdefghij",
    "abcdefgh\xff", "abcdefghijk\xed\xa0\x80", "\xf0\x9f\x98\x80 ok",
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    g_assert_cmpint (mre_utf8_validate (cases[i], strlen (cases[i])), ==,
                     g_utf8_validate_len (cases[i], strlen (cases[i]), NULL));

  g_assert_false (mre_utf8_validate ("abc\0defghijk", 12));
  g_assert_false (mre_utf8_validate ("abcdefghij\0k", 12));
  g_assert_false (mre_utf8_validate ("\0", 1));
}

/* Issue 5 (found by fuzz/fuzz-frame): a read of nothing yet, or of less
 * than a header, computed a pointer past the buffer (past NULL when empty),
 * which UBSan reports. */
static void
test_incremental_nothing_yet (void)
{
  static const guint8 short_read[] = { MRE_FRAME_VERSION, MRE_FRAME_HELLO, 0, 0 };
  MreFrame parsed;
  gsize frame_size = 1;

  g_assert_cmpint (mre_frame_parse (NULL, 0, MRE_FRAME_DEFAULT_MAX, &parsed, &frame_size, NULL),
                   ==, MRE_FRAME_PARSE_NEED_MORE);
  g_assert_cmpuint (frame_size, ==, 0);
  g_assert_cmpint (mre_frame_parse (short_read, sizeof short_read, MRE_FRAME_DEFAULT_MAX, &parsed,
                                    &frame_size, NULL),
                   ==, MRE_FRAME_PARSE_NEED_MORE);
  g_assert_cmpuint (frame_size, ==, 0);
}

/* Issue 5 (found by fuzz/fuzz-json): the broker forwarded bodies with a
 * lone UTF-16 surrogate escape, which json-glib refuses or reads as bytes
 * that are not UTF-8: a peer could not read them, or read a string that
 * is not UTF-8. Pairs pass. */
static void
test_json_check_surrogates (void)
{
  static const char * const good[] = {
    "[\"\\ud83d\\ude00\"]", "{\"\\uD83D\\uDE00\":1}", "[\"\\ud7ff\\ue000\"]",
  };
  static const char * const bad[] = {
    "[\"\\ud800\"]", "[\"\\udc00\"]", "[\"\\udfff\\ud800\"]", "[\"\\ud83dx\"]",
    "{\"proto\\ud800col\": 3}", "[\"\\ud83d\\u0041\"]", "[\"\\ud83d\\n\"]", "[\"\\ud83d\\ud83d\"]",
    "[\"\\ud83d\\", "[\"\\ud83d\\ude0\"]",
  };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr(GError) error = NULL;

      g_test_message ("%s", good[i]);
      g_assert_true (mre_json_check ((const guint8 *) good[i], strlen (good[i]), &error));
      g_assert_no_error (error);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;

      g_test_message ("%s", bad[i]);
      g_assert_false (mre_json_check ((const guint8 *) bad[i], strlen (bad[i]), &error));
      g_assert_error (error, MRE_ERROR, MRE_ERROR_INVALID_FRAME);
    }
}

/* Issue 10, item 4: the broker routes a body only if it is a JSON-RPC 2.0
 * notification of the frame's event name; names and strings compare once
 * their escapes are decoded. */
static void
test_json_check_notification (void)
{
  static const char * const good[] = {
    "{\"jsonrpc\":\"2.0\",\"method\":\"p.é\",\"params\":[\"product\"]}",
    " {\"params\" : {\"a\": [1]}, \"method\": \"p.é\", \"jsonrpc\": \"2.0\"}\n",
    "{\"jsonrpc\":\"2.0\",\"method\":\"p.é\"}",
    "{\"jsonrpc\":\"2.0\",\"method\":\"p.é\",\"params\":[],\"extra\":{\"id\":1}}",
    "{\"j\\u0073onrpc\":\"2\\u002e0\",\"method\":\"p\\u002e\\u00e9\",\"params\":[]}",
    "{\"jsonrpc\":\"2.0\",\"method\":\"p.\\u00E9\",\"params\":[]}",
  };
  static const char * const not_notification[] = {
    "[\"product\"]", "\"p.é\"", "3", "null",
    "{}",
    "{\"method\":\"p.é\",\"params\":[]}",
    "{\"jsonrpc\":\"1.0\",\"method\":\"p.é\",\"params\":[]}",
    "{\"jsonrpc\":2.0,\"method\":\"p.é\",\"params\":[]}",
    "{\"jsonrpc\":\"2.0\",\"params\":[]}",
    "{\"jsonrpc\":\"2.0\",\"method\":[\"p.é\"],\"params\":[]}",
    "{\"jsonrpc\":\"2.0\",\"method\":\"other\",\"params\":[]}",
    "{\"jsonrpc\":\"2.0\",\"method\":\"p.é.\",\"params\":[]}",
    "{\"jsonrpc\":\"2.0\",\"method\":\"p.\",\"params\":[]}",
    "{\"jsonrpc\":\"2.0\",\"method\":\"p.\\u00e8\",\"params\":[]}",
    "{\"jsonrpc\":\"2.0\",\"method\":\"p.é\",\"params\":3}",
    "{\"jsonrpc\":\"2.0\",\"method\":\"p.é\",\"params\":\"[]\"}",
    "{\"jsonrpc\":\"2.0\",\"method\":\"p.é\",\"params\":null}",
    "{\"jsonrpc\":\"2.0\",\"method\":\"p.é\",\"params\":[],\"id\":1}",
    "{\"jsonrpc\":\"2.0\",\"method\":\"p.é\",\"params\":[],\"i\\u0064\":null}",
    "{\"jsonrpc\":\"2.0\",\"method\":\"p.é\",\"method\":\"other\",\"params\":[]}",
  };
  static const char * const not_json[] = {
    "", " ", "{", "{\"jsonrpc\":\"2.0\",\"method\":\"p.é\",\"params\":[]", "[\"product\"] x",
    "{\"jsonrpc\":\"2.0\",\"method\":\"p.é\",\"params\":[]} {}",
    "{\"jsonrpc\" \"2.0\"}", "{\"jsonrpc\":\"2.0\" \"method\":1}", "{jsonrpc:1}",
    "{\"id\":1,}", "{\"method\":\"\\ud800\"}", "[\"product\"",
  };
  g_autoptr(GString) deep = g_string_new ("{\"jsonrpc\":\"2.0\",\"method\":\"p.é\",\"params\":");
  const char *name = "p.é";

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr(GError) error = NULL;

      g_test_message ("%s", good[i]);
      g_assert_true (mre_json_check_notification ((const guint8 *) good[i], strlen (good[i]),
                                                  name, strlen (name), &error));
      g_assert_no_error (error);
    }
  for (guint i = 0; i < G_N_ELEMENTS (not_notification); i++)
    {
      g_autoptr(GError) error = NULL;

      g_test_message ("%s", not_notification[i]);
      g_assert_false (mre_json_check_notification ((const guint8 *) not_notification[i],
                                                   strlen (not_notification[i]), name, strlen (name),
                                                   &error));
      g_assert_error (error, MRE_ERROR, MRE_ERROR_PROTOCOL);
      g_assert_true (g_str_has_prefix (error->message, "The body is not a JSON-RPC 2.0 notification: "));
    }
  for (guint i = 0; i < G_N_ELEMENTS (not_json); i++)
    {
      g_autoptr(GError) error = NULL;

      g_test_message ("%s", not_json[i]);
      g_assert_false (mre_json_check_notification ((const guint8 *) not_json[i], strlen (not_json[i]),
                                                   name, strlen (name), &error));
      g_assert_error (error, MRE_ERROR, MRE_ERROR_INVALID_FRAME);
    }

  /* A member twice is said first: readers differ on which they take. */
  {
    const char *twice = "{\"jsonrpc\":\"2.0\",\"method\":\"other\",\"params\":3,\"method\":\"p.é\"}";
    g_autoptr(GError) error = NULL;

    g_assert_false (mre_json_check_notification ((const guint8 *) twice, strlen (twice),
                                                 name, strlen (name), &error));
    g_assert_cmpstr (error->message, ==,
                     "The body is not a JSON-RPC 2.0 notification: it has two “method” members");
  }

  /* The object counts as one level of MRE_JSON_MAX_DEPTH. */
  for (guint i = 0; i < MRE_JSON_MAX_DEPTH - 1; i++)
    g_string_append_c (deep, '[');
  for (guint i = 0; i < MRE_JSON_MAX_DEPTH - 1; i++)
    g_string_append_c (deep, ']');
  g_string_append_c (deep, '}');
  g_assert_true (mre_json_check ((const guint8 *) deep->str, deep->len, NULL));
  g_assert_true (mre_json_check_notification ((const guint8 *) deep->str, deep->len,
                                              name, strlen (name), NULL));
  g_string_insert_c (deep, deep->len - 1, ']');
  g_string_insert_c (deep, strlen ("{\"jsonrpc\":\"2.0\",\"method\":\"p.é\",\"params\":"), '[');
  g_assert_false (mre_json_check ((const guint8 *) deep->str, deep->len, NULL));
  g_assert_false (mre_json_check_notification ((const guint8 *) deep->str, deep->len,
                                               name, strlen (name), NULL));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/frame/golden", test_golden);
  g_test_add_func ("/frame/round-trip", test_round_trip);
  g_test_add_func ("/frame/empty", test_empty);
  g_test_add_func ("/frame/incremental", test_incremental);
  g_test_add_func ("/frame/incremental/nothing-yet", test_incremental_nothing_yet);
  g_test_add_func ("/frame/header/get", test_header_get);
  g_test_add_func ("/frame/header/set", test_header_set);
  g_test_add_func ("/frame/header/layout", test_header_layout);
  g_test_add_func ("/frame/header/round-trip", test_header_round_trip);
  g_test_add_func ("/frame/header/agrees-with-parse", test_header_agrees_with_parse);
  g_test_add_func ("/frame/write", test_write);
  g_test_add_func ("/frame/fatal", test_fatal);
  g_test_add_func ("/frame/reject/too-large", test_reject_too_large);
  g_test_add_func ("/frame/reject/protocol", test_reject_protocol);
  g_test_add_func ("/frame/utf8", test_utf8);
  g_test_add_func ("/frame/json-check/surrogates", test_json_check_surrogates);
  g_test_add_func ("/frame/json-check/notification", test_json_check_notification);

  return g_test_run ();
}
