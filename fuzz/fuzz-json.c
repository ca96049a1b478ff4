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
 *    with json-glib + mre_value_codec_decode_array() whenever it answers;
 *  - mre_value_codec_decode() to the chosen type, on a body the broker
 *    accepted, never crashes, and what it decodes and encodes again comes
 *    back, through mre_json_write() and json-glib, to the same value.
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

static void
check_fast_path (const guint8 *text,
                 gsize         len,
                 JsonNode     *root,
                 const GType  *types,
                 guint         n_types)
{
  GValue fast[3] = { G_VALUE_INIT, G_VALUE_INIT, G_VALUE_INIT };
  GValue slow[3] = { G_VALUE_INIT, G_VALUE_INIT, G_VALUE_INIT };
  g_autoptr(GError) error = NULL;
  JsonNode *params;

  if (!mre_json_fast_decode_params (text, len, types, n_types, fast))
    {
      for (guint i = 0; i < n_types; i++)
        g_assert_false (G_IS_VALUE (&fast[i]));
      return;
    }

  /* The shortcut answered: the general way must give the same values. */
  g_assert_nonnull (root);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  params = json_object_get_member (json_node_get_object (root), "params");
  g_assert_nonnull (params);
  if (!mre_value_codec_decode_array (params, types, n_types, slow, &error))
    g_error ("The fast path decoded what the codec refuses: %s", error->message);
  for (guint i = 0; i < n_types; i++)
    {
      assert_values_equal (&slow[i], &fast[i]);
      g_value_unset (&slow[i]);
      g_value_unset (&fast[i]);
    }
}

static void
check_decode (JsonNode *root,
              GType     type)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) encoded = NULL;
  g_autoptr(JsonNode) reparsed = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  GValue value = G_VALUE_INIT;
  GValue back = G_VALUE_INIT;

  if (!mre_value_codec_decode (root, type, &value, &error))
    {
      g_assert_error (error, MRE_ERROR, MRE_ERROR_TYPE_MISMATCH);
      g_assert_false (G_IS_VALUE (&value));
      return;
    }
  g_assert_true (G_VALUE_HOLDS (&value, type));

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
  if (!mre_value_codec_decode (reparsed, type, &back, &error))
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
    check_fast_path (text, len, root, types, n_types);

  /* Only what reaches a peer: json-glib reads some text the broker refuses
   * ("\udc00" in a member name) as strings that are not UTF-8, and then
   * its GVariant decoder fails with a critical (docs/FUZZING.md). */
  if (checked)
    check_decode (root, decode_types[(data[0] & 0x1f) % n_decode_types]);

  return 0;
}
