/* fuzz-json.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/*
 * libFuzzer target: the JSON a broker checks and a peer decodes.
 *
 * The input is a 4-byte header, then JSON text:
 *
 *   0  bits 0-4: the type mre_value_codec_decode() decodes the text to
 *      (an index into decode_types[]), bits 5-6: how many "params"
 *      mre_json_fast_decode_params() decodes (0-3)
 *   1-3  the types of those params (indices into param_types[])
 *
 * Checks:
 *  - mre_json_check() never crashes, and what it accepts json-glib parses;
 *  - mre_json_check_notification() agrees with mre_json_check() on what is
 *    JSON, and with json-glib on what is a JSON-RPC 2.0 notification (it
 *    refuses a member given twice, which json-glib reads as one);
 *  - mre_json_fast_decode_params(), on a body the broker accepted, agrees
 *    with the codec (mre_value_codec_decode_text() of each argument's text)
 *    whenever it answers: the same values, or a refusal of the argument the
 *    codec refuses first;
 *  - mre_value_codec_decode_text() to the chosen type, on a body the broker
 *    accepted, never crashes, and what it decodes and encodes again comes
 *    back, through mre_json_write() and json-glib, to the same value;
 *  - neither ever returns a value different from the text (issue 10): an
 *    integer decoded from an integer token prints as that token, a string
 *    decoded from a string token is that string whole (json-glib 1.6 wraps
 *    integers past gint64 and cuts strings at U+0000).
 */

#include "config.h"

#include <string.h>

#include <mreventloop.h>

#include "mre-json-private.h"
#include "mre-value-codec-private.h"

#include "test-values.h"
#include "fuzz-common.h"

#define HEADER_SIZE 4

static GType decode_types[24];
static guint n_decode_types;

/* The types of the fast path, and one it leaves to the codec. */
static GType param_types[7];

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  const GType types[] = {
    G_TYPE_BOOLEAN, G_TYPE_CHAR, G_TYPE_UCHAR, G_TYPE_INT, G_TYPE_UINT,
    G_TYPE_LONG, G_TYPE_ULONG, G_TYPE_INT64, G_TYPE_UINT64, G_TYPE_FLOAT,
    G_TYPE_DOUBLE, G_TYPE_STRING, G_TYPE_STRV, G_TYPE_IO_ERROR_ENUM,
    G_TYPE_IO_CONDITION, G_TYPE_BYTES, G_TYPE_VARIANT, JSON_TYPE_NODE,
    TEST_TYPE_POINT,
    G_TYPE_POINTER,  /* not carried: always refused */
  };
  const GType params[] = {
    G_TYPE_STRING, G_TYPE_BOOLEAN, G_TYPE_INT, G_TYPE_UINT, G_TYPE_INT64,
    G_TYPE_DOUBLE, G_TYPE_UINT64,
  };

  G_STATIC_ASSERT (G_N_ELEMENTS (types) <= G_N_ELEMENTS (decode_types));
  G_STATIC_ASSERT (G_N_ELEMENTS (params) == G_N_ELEMENTS (param_types));

  fuzz_init_logging ();
  memcpy (decode_types, types, sizeof types);
  n_decode_types = G_N_ELEMENTS (types);
  memcpy (param_types, params, sizeof params);
  return 0;
}

static JsonNode *
parse (const guint8 *text,
       gsize         len)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  JsonNode *root;

  /* json-glib reads up to a NUL: text holding one is not JSON anyway. */
  if (memchr (text, '\0', len) != NULL)
    return NULL;
  if (!json_parser_load_from_data (parser, (const char *) text, len, NULL))
    return NULL;
  root = json_parser_get_root (parser);
  return root != NULL ? json_node_ref (root) : NULL;
}

/* The value @value decoded from the JSON text @text is the text's value,
 * where that is easy to tell: an integer, or a string. */
static void
check_value_is_text (const guint8 *text,
                     gsize         len,
                     const GValue *value)
{
  const guint8 *end = text + len;
  g_autofree char *printed = NULL;
  g_autofree char *token = NULL;

  while (text < end && g_ascii_isspace (*text))
    text++;
  while (end > text && g_ascii_isspace (end[-1]))
    end--;
  if (text == end)
    return;
  token = g_strndup ((const char *) text, end - text);

  switch (G_TYPE_FUNDAMENTAL (G_VALUE_TYPE (value)))
    {
    case G_TYPE_CHAR:
      printed = g_strdup_printf ("%d", g_value_get_schar (value));
      break;
    case G_TYPE_UCHAR:
      printed = g_strdup_printf ("%u", g_value_get_uchar (value));
      break;
    case G_TYPE_INT:
      printed = g_strdup_printf ("%d", g_value_get_int (value));
      break;
    case G_TYPE_UINT:
      printed = g_strdup_printf ("%u", g_value_get_uint (value));
      break;
    case G_TYPE_LONG:
      printed = g_strdup_printf ("%ld", g_value_get_long (value));
      break;
    case G_TYPE_ULONG:
      printed = g_strdup_printf ("%lu", g_value_get_ulong (value));
      break;
    case G_TYPE_INT64:
      printed = g_strdup_printf ("%" G_GINT64_FORMAT, g_value_get_int64 (value));
      break;
    case G_TYPE_UINT64:
      printed = g_strdup_printf ("%" G_GUINT64_FORMAT, g_value_get_uint64 (value));
      break;
    case G_TYPE_STRING:
      if (*text == '"' && g_value_get_string (value) != NULL)
        {
          gsize n;
          g_autofree char *whole = mre_json_unescape (text, end, &n);

          if (n != strlen (g_value_get_string (value)) || memcmp (whole, g_value_get_string (value), n) != 0)
            g_error ("The string %s decoded as “%s”", token, g_value_get_string (value));
        }
      return;
    default:
      return;
    }

  /* An integer token: no fraction, no exponent; "-0" is 0. */
  if (strpbrk (token, ".eE\"") == NULL && strcmp (token, printed) != 0 && strcmp (token, "-0") != 0)
    g_error ("The integer %s decoded as %s", token, printed);
}

static void
check_fast_path (const guint8 *text,
                 gsize         len,
                 const GType  *types,
                 guint         n_types)
{
  GValue fast[3] = { G_VALUE_INIT, G_VALUE_INIT, G_VALUE_INIT };
  g_autoptr(GError) error = NULL;
  const guint8 *start, *end, *p;
  MreJsonFast answer = mre_json_fast_decode_params (text, len, types, n_types, fast, &error);
  guint refused = G_MAXUINT;

  if (answer == MRE_JSON_FAST_GIVE_UP)
    {
      g_assert_null (error);
      for (guint i = 0; i < n_types; i++)
        g_assert_false (G_IS_VALUE (&fast[i]));
      return;
    }

  /* The shortcut answered: the codec, from each argument's text, must give
   * the same values, or refuse the same argument first. */
  if (answer == MRE_JSON_FAST_FAILED)
    {
      g_assert_error (error, MRE_ERROR, MRE_ERROR_TYPE_MISMATCH);
      g_assert_true (g_str_has_prefix (error->message, "Argument "));
      refused = (guint) g_ascii_strtoull (error->message + strlen ("Argument "), NULL, 10) - 1;
      g_assert_cmpuint (refused, <, n_types);
    }
  if (!mre_json_find_member (text, len, "params", &start, &end, NULL, NULL) || start == NULL)
    g_error ("The fast path answered on a body without params");
  /* The codec refuses the same argument, after decoding the ones before. */
  g_assert_true (*start == '[');
  p = start + 1;
  for (guint i = 0; i < n_types; i++)
    {
      GValue slow = G_VALUE_INIT;
      g_autoptr(GError) slow_error = NULL;
      const guint8 *value_end;

      while (g_ascii_isspace (*p) || *p == ',')
        p++;
      value_end = mre_json_skip_value (p, end);
      g_assert_nonnull (value_end);
      if (!mre_value_codec_decode_text (p, value_end - p, types[i], &slow, &slow_error))
        {
          if (i != refused)
            g_error ("The fast path decoded argument %u, which the codec refuses: %s", i + 1,
                     slow_error->message);
          return;
        }
      if (i == refused)
        g_error ("The fast path refused argument %u, which the codec decodes: %s", i + 1, error->message);
      check_value_is_text (p, value_end - p, &slow);
      if (answer == MRE_JSON_FAST_DONE)
        {
          assert_values_equal (&slow, &fast[i]);
          g_value_unset (&fast[i]);
        }
      g_value_unset (&slow);
      p = value_end;
    }
}

static void
check_decode (const guint8 *json,
              gsize         len,
              GType         type)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) encoded = NULL;
  g_autoptr(JsonNode) reparsed = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  GValue value = G_VALUE_INIT;
  GValue back = G_VALUE_INIT;

  if (!mre_value_codec_decode_text (json, len, type, &value, &error))
    {
      g_assert_error (error, MRE_ERROR, MRE_ERROR_TYPE_MISMATCH);
      g_assert_false (G_IS_VALUE (&value));
      return;
    }
  g_assert_true (G_VALUE_HOLDS (&value, type));
  check_value_is_text (json, len, &value);

  /* What crossed once crosses again, unchanged, if the codec takes it:
   * it refuses to encode some values it decodes (a JsonNode holding a
   * number json-glib 1.6 would write as invalid JSON). */
  encoded = mre_value_codec_encode (&value, &error);
  if (encoded == NULL)
    {
      g_assert_error (error, MRE_ERROR, MRE_ERROR_TYPE_MISMATCH);
      g_value_unset (&value);
      return;
    }
  if (!mre_json_write (text, encoded, &error))
    g_error ("%s decoded, but cannot be written: %s", g_type_name (type), error->message);
  reparsed = parse ((const guint8 *) text->str, text->len);
  if (reparsed == NULL)
    g_error ("%s decoded, but json-glib cannot read it back from %s", g_type_name (type), text->str);
  if (!mre_value_codec_decode_text ((const guint8 *) text->str, text->len, type, &back, &error))
    g_error ("%s decoded, but not from its own JSON %s: %s", g_type_name (type), text->str, error->message);
  assert_values_equal (&value, &back);

  g_value_unset (&value);
  g_value_unset (&back);
}

/* Whether json-glib reads @root as a JSON-RPC 2.0 notification of
 * @method. */
static gboolean
is_notification (JsonNode   *root,
                 const char *method)
{
  JsonObject *object;
  JsonNode *member;

  if (!JSON_NODE_HOLDS_OBJECT (root))
    return FALSE;
  object = json_node_get_object (root);
  member = json_object_get_member (object, "jsonrpc");
  if (member == NULL || json_node_get_value_type (member) != G_TYPE_STRING ||
      g_strcmp0 (json_node_get_string (member), "2.0") != 0)
    return FALSE;
  member = json_object_get_member (object, "method");
  if (member == NULL || json_node_get_value_type (member) != G_TYPE_STRING ||
      g_strcmp0 (json_node_get_string (member), method) != 0)
    return FALSE;
  member = json_object_get_member (object, "params");
  if (member != NULL && !JSON_NODE_HOLDS_ARRAY (member) && !JSON_NODE_HOLDS_OBJECT (member))
    return FALSE;
  return !json_object_has_member (object, "id");
}

static void
check_notification (const guint8 *text,
                    gsize         len,
                    JsonNode     *root,
                    gboolean      checked)
{
  g_autoptr(GError) error = NULL;
  const char *method = "m";
  JsonNode *member;
  gboolean accepted;

  /* The name of the frame: the method json-glib reads, if there is one. */
  if (root != NULL && JSON_NODE_HOLDS_OBJECT (root) &&
      (member = json_object_get_member (json_node_get_object (root), "method")) != NULL &&
      json_node_get_value_type (member) == G_TYPE_STRING && json_node_get_string (member) != NULL)
    method = json_node_get_string (member);

  accepted = mre_json_check_notification (text, len, method, strlen (method), &error);
  if (!checked)
    {
      g_assert_false (accepted);
      g_assert_error (error, MRE_ERROR, MRE_ERROR_INVALID_FRAME);
      return;
    }
  if (accepted)
    {
      if (!is_notification (root, method))
        g_error ("mre_json_check_notification() accepts what json-glib reads as no notification");
      return;
    }
  g_assert_error (error, MRE_ERROR, MRE_ERROR_PROTOCOL);
  /* json-glib cuts a string at a \u0000: its method is then not the one
   * in the text. */
  if (is_notification (root, method) && strstr (error->message, " twice") == NULL &&
      strstr (error->message, " two ") == NULL &&
      g_strstr_len ((const char *) text, len, "\\u0000") == NULL)
    g_error ("mre_json_check_notification() refuses a notification: %s", error->message);
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  const guint8 *text;
  g_autoptr(JsonNode) root = NULL;
  GType types[3];
  guint n_types;
  gsize len;
  gboolean checked;

  if (size < HEADER_SIZE)
    return 0;
  text = data + HEADER_SIZE;
  len = size - HEADER_SIZE;

  n_types = (data[0] >> 5) & 3;
  for (guint i = 0; i < n_types; i++)
    types[i] = param_types[data[1 + i] % G_N_ELEMENTS (param_types)];

  checked = mre_json_check (text, len, NULL);
  root = parse (text, len);
  /* What the broker lets through, peers can read. */
  if (checked && root == NULL)
    g_error ("mre_json_check() accepts what json-glib cannot parse");

  check_notification (text, len, root, checked);

  /* A peer only ever decodes bodies that the broker checked. */
  if (checked)
    check_fast_path (text, len, types, n_types);

  /* Only what reaches a peer: json-glib reads some text the broker refuses
   * ("\udc00" in a member name) as strings that are not UTF-8, and then
   * its GVariant decoder fails with a critical (docs/FUZZING.md). */
  if (checked)
    check_decode (text, len, decode_types[(data[0] & 0x1f) % n_decode_types]);

  return 0;
}
