/* test-value-codec.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <math.h>
#include <string.h>

#include <mreventloop.h>

#include "mre-event-private.h"
#include "mre-json-private.h"
#include "mre-value-codec-private.h"
#include "test-values.h"

/* TestOpaque: a property json-glib cannot serialize --------------------- */

#define TEST_TYPE_OPAQUE (test_opaque_get_type ())
G_DECLARE_FINAL_TYPE (TestOpaque, test_opaque, TEST, OPAQUE, GObject)

struct _TestOpaque
{
  GObject  parent_instance;
  gpointer data;
};

G_DEFINE_FINAL_TYPE (TestOpaque, test_opaque, G_TYPE_OBJECT)

static void
test_opaque_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  g_value_set_pointer (value, TEST_OPAQUE (object)->data);
}

static void
test_opaque_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  TEST_OPAQUE (object)->data = g_value_get_pointer (value);
}

static void
test_opaque_class_init (TestOpaqueClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = test_opaque_get_property;
  object_class->set_property = test_opaque_set_property;

  g_object_class_install_property (object_class, 1,
                                   g_param_spec_pointer ("data", NULL, NULL,
                                                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
}

static void
test_opaque_init (TestOpaque *self)
{
}

/* Helpers ---------------------------------------------------------------- */

static JsonNode *
parse (const char *text)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = json_from_string (text, &error);

  g_assert_no_error (error);
  g_assert_nonnull (node);
  return node;
}

/* Encodes @value, decodes the node and the node re-parsed from its text (the
 * wire is text), and checks that both give @value back. Returns the text. */
static char *
assert_round_trip (const GValue *value)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonNode) reparsed = NULL;
  g_auto(GValue) back = G_VALUE_INIT;
  g_auto(GValue) back_from_text = G_VALUE_INIT;
  char *text;

  node = mre_value_codec_encode (value, &error);
  g_assert_no_error (error);
  g_assert_nonnull (node);

  g_assert_true (mre_value_codec_decode (node, G_VALUE_TYPE (value), &back, &error));
  g_assert_no_error (error);
  assert_values_equal (value, &back);

  text = json_to_string (node, FALSE);
  g_test_message ("%s: %s", G_VALUE_TYPE_NAME (value), text);
  reparsed = parse (text);
  g_assert_true (mre_value_codec_decode (reparsed, G_VALUE_TYPE (value), &back_from_text, &error));
  g_assert_no_error (error);
  assert_values_equal (value, &back_from_text);

  return text;
}

static void
assert_wire (const GValue *value,
             const char   *expected_text)
{
  g_autofree char *text = assert_round_trip (value);

  g_assert_cmpstr (text, ==, expected_text);
}

static void
assert_encode_fails (const GValue *value,
                     const char   *message)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = mre_value_codec_encode (value, &error);

  g_assert_null (node);
  g_assert_error (error, MRE_ERROR, MRE_ERROR_TYPE_MISMATCH);
  if (strstr (error->message, message) == NULL)
    g_error ("“%s” does not contain “%s”", error->message, message);
}

static void
assert_decode_fails (const char *text,
                     GType       type,
                     const char *message)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = parse (text);
  GValue value = G_VALUE_INIT;

  g_assert_false (mre_value_codec_decode (node, type, &value, &error));
  g_assert_error (error, MRE_ERROR, MRE_ERROR_TYPE_MISMATCH);
  g_assert_false (G_IS_VALUE (&value));
  if (strstr (error->message, message) == NULL)
    g_error ("%s as %s: “%s” does not contain “%s”", text, g_type_name (type), error->message, message);
}

/* Round trips ------------------------------------------------------------ */

static void
test_round_trip_boolean (void)
{
  const gboolean cases[] = { TRUE, FALSE };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(GValue) value = G_VALUE_INIT;

      g_value_set_boolean (g_value_init (&value, G_TYPE_BOOLEAN), cases[i]);
      g_free (assert_round_trip (&value));
    }
}

static void
test_round_trip_char (void)
{
  const gint8 cases[] = { G_MININT8, -1, 0, 1, G_MAXINT8 };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(GValue) value = G_VALUE_INIT;

      g_value_set_schar (g_value_init (&value, G_TYPE_CHAR), cases[i]);
      g_free (assert_round_trip (&value));
    }
}

static void
test_round_trip_uchar (void)
{
  const guint8 cases[] = { 0, 1, 127, 128, 255 };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(GValue) value = G_VALUE_INIT;

      g_value_set_uchar (g_value_init (&value, G_TYPE_UCHAR), cases[i]);
      g_free (assert_round_trip (&value));
    }
}

static void
test_round_trip_int (void)
{
  const int cases[] = { G_MININT, -1, 0, 1, G_MAXINT };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(GValue) value = G_VALUE_INIT;

      g_value_set_int (g_value_init (&value, G_TYPE_INT), cases[i]);
      g_free (assert_round_trip (&value));
    }
}

static void
test_round_trip_uint (void)
{
  const guint cases[] = { 0, 1, G_MAXINT, (guint) G_MAXINT + 1, G_MAXUINT };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(GValue) value = G_VALUE_INIT;

      g_value_set_uint (g_value_init (&value, G_TYPE_UINT), cases[i]);
      g_free (assert_round_trip (&value));
    }
}

static void
test_round_trip_long (void)
{
  const glong cases[] = { G_MINLONG, -1, 0, 1, G_MAXLONG };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(GValue) value = G_VALUE_INIT;

      g_value_set_long (g_value_init (&value, G_TYPE_LONG), cases[i]);
      g_free (assert_round_trip (&value));
    }
}

static void
test_round_trip_ulong (void)
{
  const gulong cases[] = { 0, 1, G_MAXLONG, (gulong) G_MAXLONG + 1, G_MAXULONG };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(GValue) value = G_VALUE_INIT;

      g_value_set_ulong (g_value_init (&value, G_TYPE_ULONG), cases[i]);
      g_free (assert_round_trip (&value));
    }
}

static void
test_round_trip_int64 (void)
{
  const struct { gint64 value; const char *text; } cases[] = {
    { G_MININT64, "-9223372036854775808" },
    { -1, "-1" },
    { 0, "0" },
    { G_MAXINT64, "9223372036854775807" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(GValue) value = G_VALUE_INIT;

      g_value_set_int64 (g_value_init (&value, G_TYPE_INT64), cases[i].value);
      assert_wire (&value, cases[i].text);
    }
}

static void
test_round_trip_uint64 (void)
{
  const struct { guint64 value; const char *text; } cases[] = {
    { 0, "0" },
    { G_MAXUINT, "4294967295" },
    { G_MAXINT64, "9223372036854775807" },
    { (guint64) G_MAXINT64 + 1, "\"9223372036854775808\"" },
    { G_MAXUINT64, "\"18446744073709551615\"" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(GValue) value = G_VALUE_INIT;

      g_value_set_uint64 (g_value_init (&value, G_TYPE_UINT64), cases[i].value);
      assert_wire (&value, cases[i].text);
    }
}

static void
test_round_trip_float (void)
{
  const float cases[] = { 0.0f, -0.0f, 0.1f, 1.5f, 1e-10f, G_MINFLOAT, 1.4e-45f, G_MAXFLOAT, -G_MAXFLOAT };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(GValue) value = G_VALUE_INIT;

      g_value_set_float (g_value_init (&value, G_TYPE_FLOAT), cases[i]);
      g_free (assert_round_trip (&value));
    }
}

static void
test_round_trip_double (void)
{
  /* g_ascii_dtostr() prints 17 significant digits, enough for every double.
   * json-glib 1.6 appends ".0" to what it prints without a '.', so integral
   * values stay doubles and -0.0 keeps its sign ("-0.0"); where that makes
   * invalid JSON ("1e-10.0") the codec writes an integer or a string. */
  const struct { double value; const char *text; } cases[] = {
    { 0.0, "0.0" },
    { -0.0, "-0.0" },
    { 0.1, "0.10000000000000001" },
    { 1.5, "1.5" },
    { 2.0, "2.0" },
    { 1e300, "1.0000000000000001e+300" },
    { 5e-324, "4.9406564584124654e-324" },
    { G_MINDOUBLE, "2.2250738585072014e-308" },
    { G_MAXDOUBLE, "1.7976931348623157e+308" },
    { -G_MAXDOUBLE, "-1.7976931348623157e+308" },
    { 9007199254740992.0, "9007199254740992.0" },
    { 1e-10, "\"1e-10\"" },
    { -1e100, "\"-1e+100\"" },
    { 1e20, "\"1e+20\"" },
    /* Issue 5: past the range of gint64, converting to it was undefined
     * (clang's UBSan, in the fuzzing build, reports it for -1e100, 1e20 and 1e19). */
    { 1e19, "\"1e+19\"" },
    { 1e17, "100000000000000000" },
    { -9e18, "-9000000000000000000" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(GValue) value = G_VALUE_INIT;

      g_value_set_double (g_value_init (&value, G_TYPE_DOUBLE), cases[i].value);
      assert_wire (&value, cases[i].text);
    }
}

/* What other JSON writers send for a double decodes too */
static void
test_round_trip_double_other_writers (void)
{
  const struct { const char *text; double value; } cases[] = {
    { "1e-10", 1e-10 },
    { "1E+20", 1e20 },
    { "100000000000000000", 1e17 },
    { "3", 3.0 },
    { "-0.0", -0.0 },
    { "\"2.5e-3\"", 2.5e-3 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) node = parse (cases[i].text);
      g_auto(GValue) value = G_VALUE_INIT;

      g_assert_true (mre_value_codec_decode (node, G_TYPE_DOUBLE, &value, &error));
      g_assert_no_error (error);
      g_assert_true (doubles_equal (g_value_get_double (&value), cases[i].value));
    }
}

static void
test_round_trip_string (void)
{
  const char *cases[] = {
    NULL,
    "",
    "hello",
    "héllo wörld — 中文 🎉",
    "quote \" backslash \\ newline \n tab \t slash /",
    "\x01\x1f control",
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(GValue) value = G_VALUE_INIT;

      g_value_set_string (g_value_init (&value, G_TYPE_STRING), cases[i]);
      g_free (assert_round_trip (&value));
    }
}

static void
test_round_trip_strv (void)
{
  const char *empty[] = { NULL };
  const char *blanks[] = { "", "", NULL };
  const char *words[] = { "a", "b c", "é", NULL };
  const char * const *cases[] = { NULL, empty, blanks, words };
  const char *texts[] = { "null", "[]", "[\"\",\"\"]", "[\"a\",\"b c\",\"é\"]" };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(GValue) value = G_VALUE_INIT;

      g_value_set_boxed (g_value_init (&value, G_TYPE_STRV), cases[i]);
      assert_wire (&value, texts[i]);
    }
}

static void
test_round_trip_enum (void)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (G_TYPE_IO_ERROR_ENUM);

  for (guint i = 0; i < klass->n_values; i++)
    {
      g_auto(GValue) value = G_VALUE_INIT;
      /* Aliases (G_IO_ERROR_CONNECTION_CLOSED is G_IO_ERROR_BROKEN_PIPE)
       * travel as the first nick of their value */
      GEnumValue *first = g_enum_get_value (klass, klass->values[i].value);
      g_autofree char *text = g_strdup_printf ("\"%s\"", first->value_nick);

      g_value_set_enum (g_value_init (&value, G_TYPE_IO_ERROR_ENUM), klass->values[i].value);
      assert_wire (&value, text);
    }
}

static void
test_round_trip_flags (void)
{
  g_autoptr(GFlagsClass) klass = g_type_class_ref (G_TYPE_APPLICATION_FLAGS);
  g_auto(GValue) value = G_VALUE_INIT;
  const guint combos[] = {
    G_APPLICATION_IS_SERVICE | G_APPLICATION_HANDLES_OPEN,
    G_APPLICATION_HANDLES_COMMAND_LINE | G_APPLICATION_SEND_ENVIRONMENT | G_APPLICATION_NON_UNIQUE,
    klass->mask,
  };

  g_value_init (&value, G_TYPE_APPLICATION_FLAGS);

  g_value_set_flags (&value, 0);
  assert_wire (&value, "[]");

  g_value_set_flags (&value, G_APPLICATION_IS_SERVICE | G_APPLICATION_HANDLES_OPEN);
  assert_wire (&value, "[\"is-service\",\"handles-open\"]");

  for (guint i = 0; i < klass->n_values; i++)
    {
      g_value_set_flags (&value, klass->values[i].value);
      g_free (assert_round_trip (&value));
    }

  for (guint i = 0; i < G_N_ELEMENTS (combos); i++)
    {
      g_value_set_flags (&value, combos[i]);
      g_free (assert_round_trip (&value));
    }
}

static void
test_round_trip_bytes (void)
{
  guint8 all[256];
  g_autoptr(GBytes) empty = g_bytes_new (NULL, 0);
  g_autoptr(GBytes) hello = g_bytes_new_static ("hello", 5);
  g_autoptr(GBytes) one = g_bytes_new_static ("\xff", 1);
  g_autoptr(GBytes) two = g_bytes_new_static ("\0\xfe", 2);
  g_autoptr(GBytes) every = NULL;
  g_auto(GValue) value = G_VALUE_INIT;

  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    all[i] = i;
  every = g_bytes_new (all, sizeof all);

  g_value_init (&value, G_TYPE_BYTES);
  assert_wire (&value, "null");
  g_value_set_boxed (&value, empty);
  assert_wire (&value, "\"\"");
  g_value_set_boxed (&value, hello);
  assert_wire (&value, "\"aGVsbG8=\"");

  g_value_set_boxed (&value, one);
  assert_wire (&value, "\"/w==\"");
  g_value_set_boxed (&value, two);
  assert_wire (&value, "\"AP4=\"");
  g_value_set_boxed (&value, every);
  g_free (assert_round_trip (&value));
}

static void
test_round_trip_variant (void)
{
  const char *cases[] = {
    "(1, 'x')",
    "{'a': <int64 1>, 'b': <'s'>, 'c': <true>, 'd': <0.5>, 'e': <2.0>, 'f': <-0.0>}",
    "{'x': <@a{sv} {'y': <int64 1>}>, 'l': <[<int64 1>, <'a'>]>, 'n': <@mv nothing>}",
    "@a{sv} {}",
    "@a{ss} {'b': '1', 'a': '2', 'é': '中'}",
    "@as ['a', '']",
    "@as []",
    "('s', {'k': <int64 3>})",
    "b'abc'",
    "@ay []",
    "[byte 0, 255]",
    "byte 255",
    "int16 -32768",
    "uint16 65535",
    "-2147483648",
    "uint32 4294967295",
    "int64 -9223372036854775808",
    "uint64 18446744073709551615",
    "0.1",
    "-0.0",
    "1e300",
    "2.2250738585072014e-308",
    "1e-10",
    "1e17",
    "1e20",
    "[1.5, 1e-10, 1e20, 1e17]",
    "true",
    "'héllo'",
    "<int64 5>",
    "<'x'>",
    "<2.0>",
    "@mi nothing",
    "@mi 5",
    "@ms 'a'",
    "@mmi nothing",
    "@mmi 5",
    "@m(id) (1, 1e-10)",
    "objectpath '/a/b'",
    "signature 'a{sv}'",
    "[objectpath '/', '/x/y']",
    "()",
    "((),)",
    "{1: 'x'}",
    "{true: 'x', false: 'y'}",
    "{uint64 18446744073709551615: 'x'}",
    "{int16 -3: [1.5, 1e-10]}",
    "[(1, 'a'), (2, 'b')]",
  };
  g_auto(GValue) value = G_VALUE_INIT;

  g_value_init (&value, G_TYPE_VARIANT);
  assert_wire (&value, "null");

  g_value_take_variant (&value, g_variant_new ("(is)", 1, "x"));
  assert_wire (&value, "{\"signature\":\"(is)\",\"value\":[1,\"x\"]}");

  /* g_variant_parse() refuses denormals */
  g_value_take_variant (&value, g_variant_new_double (5e-324));
  g_free (assert_round_trip (&value));

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      GVariant *variant = g_variant_parse (NULL, cases[i], NULL, NULL, &error);

      g_assert_no_error (error);
      g_value_take_variant (&value, variant);
      g_free (assert_round_trip (&value));
    }
}

static void
test_round_trip_json_node (void)
{
  const char *cases[] = {
    "{\"a\":[1,2.5,\"x\",null,true,{}],\"b\":{\"c\":-0.0}}",
    "\"s\"",
    "3",
    "0.5",
    "[]",
    "{}",
  };
  g_auto(GValue) value = G_VALUE_INIT;

  g_value_init (&value, JSON_TYPE_NODE);
  assert_wire (&value, "null");

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_value_take_boxed (&value, parse (cases[i]));
      assert_wire (&value, cases[i]);
    }
}

/* NULL and a JSON null node are one on the wire, and decode to NULL */
static void
test_round_trip_json_node_null (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_auto(GValue) value = G_VALUE_INIT;
  g_auto(GValue) back = G_VALUE_INIT;

  g_value_init (&value, JSON_TYPE_NODE);
  g_value_take_boxed (&value, json_node_new (JSON_NODE_NULL));

  node = mre_value_codec_encode (&value, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_NULL (node));
  g_assert_true (mre_value_codec_decode (node, JSON_TYPE_NODE, &back, &error));
  g_assert_no_error (error);
  g_assert_null (g_value_get_boxed (&back));
}

static TestPoint *
point_new (int         x,
           const char *label,
           double      weight)
{
  return g_object_new (TEST_TYPE_POINT, "x", x, "label", label, "weight", weight, NULL);
}

static void
test_round_trip_object (void)
{
  g_autoptr(TestPoint) fresh = g_object_new (TEST_TYPE_POINT, NULL);
  g_autoptr(TestPoint) plain = point_new (-5, "é", 0.1);
  g_autoptr(TestPoint) unlabelled = point_new (1000, NULL, -0.0);
  g_autoptr(TestPoint) untagged = point_new (1, "x", 1e-10);
  g_autoptr(TestPoint) heavy = point_new (-1000, "", 1e20);
  g_autoptr(TestPoint) integral = point_new (7, "i", 1e17);
  g_autoptr(TestPoint) head = point_new (1, "head", 1.5);
  g_autoptr(TestPoint) tail = point_new (2, "tail", 2.5);
  g_autoptr(GObject) bare = g_object_new (G_TYPE_OBJECT, NULL);
  TestPoint *cases[] = { fresh, plain, unlabelled, untagged, heavy, integral, head };
  g_auto(GValue) value = G_VALUE_INIT;

  g_object_set (untagged, "tag", NULL, NULL);
  g_object_set (head, "next", tail, NULL);

  g_value_init (&value, TEST_TYPE_POINT);
  assert_wire (&value, "null");

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_value_set_object (&value, cases[i]);
      g_free (assert_round_trip (&value));
    }

  g_value_unset (&value);
  g_value_init (&value, G_TYPE_OBJECT);
  g_value_set_object (&value, bare);
  assert_wire (&value, "{}");
}

static void
test_round_trip_array (void)
{
  const char *strv[] = { "a", "", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonNode) reparsed = NULL;
  g_autofree char *text = NULL;
  GValue values[5] = { G_VALUE_INIT, G_VALUE_INIT, G_VALUE_INIT, G_VALUE_INIT, G_VALUE_INIT };
  GValue back[5] = { G_VALUE_INIT, G_VALUE_INIT, G_VALUE_INIT, G_VALUE_INIT, G_VALUE_INIT };
  GType types[5];

  g_value_set_int (g_value_init (&values[0], G_TYPE_INT), 7);
  g_value_set_string (g_value_init (&values[1], G_TYPE_STRING), "x");
  g_value_set_boxed (g_value_init (&values[2], G_TYPE_STRV), strv);
  g_value_set_double (g_value_init (&values[3], G_TYPE_DOUBLE), 1e-10);
  g_value_set_uint64 (g_value_init (&values[4], G_TYPE_UINT64), G_MAXUINT64);
  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    types[i] = G_VALUE_TYPE (&values[i]);

  node = mre_value_codec_encode_array (values, G_N_ELEMENTS (values), &error);
  g_assert_no_error (error);
  text = json_to_string (node, FALSE);
  g_assert_cmpstr (text, ==, "[7,\"x\",[\"a\",\"\"],\"1e-10\",\"18446744073709551615\"]");

  reparsed = parse (text);
  g_assert_true (mre_value_codec_decode_array (reparsed, types, G_N_ELEMENTS (types), back, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    {
      assert_values_equal (&values[i], &back[i]);
      g_value_unset (&values[i]);
      g_value_unset (&back[i]);
    }

  /* No arguments */
  g_clear_pointer (&node, json_node_unref);
  node = mre_value_codec_encode_array (NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (node)), ==, 0);
  g_assert_true (mre_value_codec_decode_array (node, NULL, 0, NULL, &error));
  g_assert_no_error (error);
}

/* Refusals --------------------------------------------------------------- */

static void
test_supports_refused (void)
{
  const GType refused[] = {
    G_TYPE_INVALID,
    G_TYPE_NONE,
    G_TYPE_POINTER,
    G_TYPE_PARAM,
    G_TYPE_PARAM_INT,
    G_TYPE_GTYPE,
    G_TYPE_INTERFACE,
    G_TYPE_FILE,
    G_TYPE_ENUM,
    G_TYPE_FLAGS,
    G_TYPE_BOXED,
    G_TYPE_HASH_TABLE,
    G_TYPE_ERROR,
    G_TYPE_VARIANT_TYPE,
    G_TYPE_DATE_TIME,
  };

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *expected = g_strdup_printf ("Cannot carry a value of type %s: only fundamental types, "
                                                   "strings, string arrays, enums, flags, GBytes, GVariant, "
                                                   "JsonNode and JSON-serializable objects can cross processes",
                                                   refused[i] ? g_type_name (refused[i]) : "(invalid)");

      g_assert_false (mre_value_codec_supports (refused[i], &error));
      g_assert_error (error, MRE_ERROR, MRE_ERROR_TYPE_MISMATCH);
      g_assert_cmpstr (error->message, ==, expected);
    }
}

static void
test_supports_accepted (void)
{
  const GType accepted[] = {
    G_TYPE_BOOLEAN, G_TYPE_CHAR, G_TYPE_UCHAR, G_TYPE_INT, G_TYPE_UINT, G_TYPE_LONG,
    G_TYPE_ULONG, G_TYPE_INT64, G_TYPE_UINT64, G_TYPE_FLOAT, G_TYPE_DOUBLE, G_TYPE_STRING,
    G_TYPE_STRV, G_TYPE_IO_ERROR_ENUM, G_TYPE_APPLICATION_FLAGS, G_TYPE_BYTES, G_TYPE_VARIANT,
    JSON_TYPE_NODE, G_TYPE_OBJECT, TEST_TYPE_POINT,
  };

  for (guint i = 0; i < G_N_ELEMENTS (accepted); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_true (mre_value_codec_supports (accepted[i], &error));
      g_assert_no_error (error);
    }
}

static void
test_supports_object (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (mre_value_codec_supports (TEST_TYPE_OPAQUE, &error));
  g_assert_error (error, MRE_ERROR, MRE_ERROR_TYPE_MISMATCH);
  g_assert_cmpstr (error->message, ==,
                   "Cannot carry a value of type TestOpaque: its property “data” has type gpointer, "
                   "which json-glib cannot serialize without JsonSerializable");
  g_clear_error (&error);

  g_assert_false (mre_value_codec_supports (G_TYPE_INPUT_STREAM, &error));
  g_assert_error (error, MRE_ERROR, MRE_ERROR_TYPE_MISMATCH);
  g_assert_nonnull (strstr (error->message, "GInputStream: the type is abstract"));
}

static void
test_encode_refused_types (void)
{
  g_autoptr(TestOpaque) opaque = g_object_new (TEST_TYPE_OPAQUE, NULL);
  g_auto(GValue) value = G_VALUE_INIT;

  g_value_set_pointer (g_value_init (&value, G_TYPE_POINTER), &value);
  assert_encode_fails (&value, "Cannot carry a value of type gpointer: only fundamental types");
  g_value_unset (&value);

  g_value_set_gtype (g_value_init (&value, G_TYPE_GTYPE), G_TYPE_INT);
  assert_encode_fails (&value, "Cannot carry a value of type GType: only fundamental types");
  g_value_unset (&value);

  g_value_set_object (g_value_init (&value, TEST_TYPE_OPAQUE), opaque);
  assert_encode_fails (&value, "its property “data” has type gpointer");
}

static void
test_encode_non_finite (void)
{
  g_autoptr(TestPoint) point = point_new (1, "p", 1.0);
  g_auto(GValue) value = G_VALUE_INIT;

  /* The property's range refuses NaN; a getter might return one anyway */
  point->weight = NAN;

  g_value_set_double (g_value_init (&value, G_TYPE_DOUBLE), NAN);
  assert_encode_fails (&value, "Cannot carry the floating-point value nan: JSON has no NaN or infinity");
  g_value_set_double (&value, -INFINITY);
  assert_encode_fails (&value, "Cannot carry the floating-point value -inf");
  g_value_unset (&value);

  g_value_set_float (g_value_init (&value, G_TYPE_FLOAT), INFINITY);
  assert_encode_fails (&value, "Cannot carry the floating-point value inf");
  g_value_unset (&value);

  g_value_take_variant (g_value_init (&value, G_TYPE_VARIANT), g_variant_new ("(sd)", "x", NAN));
  assert_encode_fails (&value, "Cannot carry the floating-point value nan");
  g_value_unset (&value);

  g_value_take_boxed (g_value_init (&value, JSON_TYPE_NODE), json_node_init_double (json_node_alloc (), NAN));
  assert_encode_fails (&value, "Cannot carry the floating-point value nan");
  g_value_unset (&value);

  g_value_set_object (g_value_init (&value, TEST_TYPE_POINT), point);
  assert_encode_fails (&value, "Cannot carry this TestPoint: its property “weight” is nan");
}

static void
test_encode_without_nick (void)
{
  g_auto(GValue) value = G_VALUE_INIT;

  g_value_set_enum (g_value_init (&value, G_TYPE_IO_ERROR_ENUM), 9999);
  assert_encode_fails (&value, "Cannot carry 9999 as GIOErrorEnum: the enumeration has no such value");
  g_value_unset (&value);

  g_value_set_flags (g_value_init (&value, G_TYPE_APPLICATION_FLAGS), G_APPLICATION_IS_SERVICE | (1u << 30));
  assert_encode_fails (&value, "Cannot carry the flags 0x40000001 of GApplicationFlags: the bits 0x40000000 have no nick");
}

static void
test_encode_refused_variant (void)
{
  const struct { const char *variant; const char *message; } cases[] = {
    { "handle 3", "handles (h) index file descriptors" },
    { "{objectpath '/a': 1}", "json-glib cannot use “o” as a dictionary key" },
    { "{1.5: 'x'}", "json-glib cannot use “d” as a dictionary key" },
    /* A variant (v) comes back with the type its JSON suggests */
    { "<5>", "would not convert it back exactly" },
    { "{'a': <[1, 2]>}", "would not convert it back exactly" },
    { "<(int64 1, 'a')>", "would not convert it back exactly" },
    { "<<int64 1>>", "would not convert it back exactly" },
    { "{'a': <handle 1>}", "would not convert it back exactly" },
    { "<{1.5: <2.5>}>", "would not convert it back exactly" },
    /* Just Nothing comes back as Nothing */
    { "@mmi just nothing", "would not convert it back exactly" },
    /* One JSON member for both keys */
    { "@a{ii} {1: 2, 1: 3}", "would not convert it back exactly" },
    { "{'a': <1.5>, 'a': <@a{sv} {}>}", "would not convert it back exactly" },
    { "{'a': <[<1.5>]>, 'a': <'x'>}", "would not convert it back exactly" },
    { "{'a': <{'b': <1.5>}>, 'a': <'x'>}", "would not convert it back exactly" },
    /* Neither an integer nor a string would come back as a double */
    { "<1e-10>", "Cannot carry the double 1e-10 inside a variant (v)" },
    { "{'a': <1e20>}", "Cannot carry the double 1e+20 inside a variant (v)" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_auto(GValue) value = G_VALUE_INIT;

      g_value_init (&value, G_TYPE_VARIANT);
      g_value_take_variant (&value, g_variant_parse (NULL, cases[i].variant, NULL, NULL, &error));
      g_assert_no_error (error);
      assert_encode_fails (&value, cases[i].message);
    }
}

static void
test_encode_refused_json_node (void)
{
  g_auto(GValue) value = G_VALUE_INIT;

  g_value_init (&value, JSON_TYPE_NODE);
  g_value_take_boxed (&value, parse ("{\"a\": [1, 1e-10]}"));
  assert_encode_fails (&value, "Cannot carry a JsonNode holding the number 1e-10: json-glib 1.6 writes it as invalid JSON");
}

static void
test_encode_refused_object (void)
{
  g_autoptr(TestPoint) point = point_new (1, "p", 1.0);
  g_autoptr(TestPoint) other = point_new (2, "q", 2.0);
  g_auto(GValue) value = G_VALUE_INIT;

  /* The receiving side would create a bare GObject */
  g_value_set_object (g_value_init (&value, G_TYPE_OBJECT), point);
  assert_encode_fails (&value, "Cannot carry a TestPoint where GObject is declared");
  g_value_unset (&value);

  g_value_init (&value, TEST_TYPE_POINT);
  g_value_set_object (&value, point);
  g_object_set (point, "next", point, NULL);
  assert_encode_fails (&value, "Cannot carry this TestPoint: it refers back to itself through its properties");
  g_object_set (point, "next", other, NULL);
  g_object_set (other, "next", point, NULL);
  assert_encode_fails (&value, "it refers back to itself");

  /* Break the cycles, or the points leak */
  g_object_set (point, "next", NULL, NULL);
  g_object_set (other, "next", NULL, NULL);
}

static void
test_encode_array_error (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  GValue values[2] = { G_VALUE_INIT, G_VALUE_INIT };

  g_value_set_int (g_value_init (&values[0], G_TYPE_INT), 1);
  g_value_set_double (g_value_init (&values[1], G_TYPE_DOUBLE), NAN);

  node = mre_value_codec_encode_array (values, 2, &error);
  g_assert_null (node);
  g_assert_error (error, MRE_ERROR, MRE_ERROR_TYPE_MISMATCH);
  g_assert_cmpstr (error->message, ==, "Argument 2: Cannot carry the floating-point value nan: JSON has no NaN or infinity");

  g_value_unset (&values[0]);
  g_value_unset (&values[1]);
}

/* Decoding what does not fit --------------------------------------------- */

static void
test_decode_mismatch (void)
{
  const struct { const char *json; GType type; const char *message; } cases[] = {
    { "\"12\"", G_TYPE_INT64, "Argument is a JSON string, but gint64 was expected" },
    { "300", G_TYPE_UCHAR, "Value 300 is out of range for guchar" },
    { "-1", G_TYPE_UCHAR, "Value -1 is out of range for guchar" },
    { "128", G_TYPE_CHAR, "Value 128 is out of range for gchar" },
    { "1.5", G_TYPE_INT, "Argument is a JSON number with a fraction or an exponent, but gint was expected" },
    { "3.0", G_TYPE_INT, "but gint was expected" },
    { "2147483648", G_TYPE_INT, "Value 2147483648 is out of range for gint" },
    { "-1", G_TYPE_UINT, "Value -1 is out of range for guint" },
    { "null", G_TYPE_INT, "Argument is JSON null, but gint was expected" },
    { "-1", G_TYPE_UINT64, "Value -1 is out of range for guint64" },
    { "\"-1\"", G_TYPE_UINT64, "is the JSON string “-1”, but guint64 was expected" },
    { "\" 1\"", G_TYPE_UINT64, "is the JSON string “ 1”" },
    { "\"\"", G_TYPE_UINT64, "is the JSON string “”" },
    { "\"18446744073709551616\"", G_TYPE_UINT64, "Value 18446744073709551616 is out of range for guint64" },
    { "[]", G_TYPE_ULONG, "Argument is a JSON array, but gulong was expected" },
    { "1", G_TYPE_BOOLEAN, "Argument is a JSON integer, but gboolean was expected" },
    { "\"true\"", G_TYPE_BOOLEAN, "Argument is a JSON string, but gboolean was expected" },
    { "9007199254740993", G_TYPE_DOUBLE, "Value 9007199254740993 cannot be represented exactly as gdouble" },
    { "\"0x10\"", G_TYPE_DOUBLE, "Argument is the JSON string “0x10”, but gdouble was expected" },
    { "\"inf\"", G_TYPE_DOUBLE, "is the JSON string “inf”" },
    { "\"1e999\"", G_TYPE_DOUBLE, "Value inf is out of range for gdouble" },
    { "1e39", G_TYPE_FLOAT, "is out of range for gfloat" },
    { "true", G_TYPE_FLOAT, "Argument is a JSON boolean, but gfloat was expected" },
    { "true", G_TYPE_STRING, "Argument is a JSON boolean, but a string was expected" },
    { "[\"a\", 1]", G_TYPE_STRV, "Argument holds a JSON integer at index 1, but a GStrv takes only strings" },
    { "[\"a\", null]", G_TYPE_STRV, "Argument holds JSON null at index 1" },
    { "\"a\"", G_TYPE_STRV, "Argument is a JSON string, but a JSON array of strings (GStrv) was expected" },
    { "\"no-such-error\"", G_TYPE_IO_ERROR_ENUM, "“no-such-error” is not a value of GIOErrorEnum" },
    { "\"G_IO_ERROR_FAILED\"", G_TYPE_IO_ERROR_ENUM, "is not a value of GIOErrorEnum" },
    { "1", G_TYPE_IO_ERROR_ENUM, "Argument is a JSON integer, but a nick of GIOErrorEnum was expected" },
    { "[\"is-service\", \"no-such-flag\"]", G_TYPE_APPLICATION_FLAGS, "“no-such-flag” is not a flag of GApplicationFlags" },
    { "[\"is-service\", 4]", G_TYPE_APPLICATION_FLAGS, "Argument holds a JSON integer at index 1, but GApplicationFlags takes only nicks" },
    { "\"is-service\"", G_TYPE_APPLICATION_FLAGS, "but a JSON array of nicks of GApplicationFlags was expected" },
    { "5", G_TYPE_BYTES, "Argument is a JSON integer, but GBytes (a base64 string) was expected" },
    { "\"abc\"", G_TYPE_BYTES, "Argument is not valid base64: its length 3 is not a multiple of 4" },
    { "\"ab!d\"", G_TYPE_BYTES, "Argument is not valid base64: unexpected character at offset 2" },
    { "\"ab d\"", G_TYPE_BYTES, "unexpected character at offset 2" },
    { "\"A===\"", G_TYPE_BYTES, "unexpected character at offset 1" },
    { "\"====\"", G_TYPE_BYTES, "unexpected character at offset 0" },
    { "\"a=bc\"", G_TYPE_BYTES, "unexpected character at offset 1" },
    { "\"QR==\"", G_TYPE_BYTES, "Argument is not canonical base64: the bits after the last byte are not zero" },
    { "\"QUF=\"", G_TYPE_BYTES, "not canonical base64" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    assert_decode_fails (cases[i].json, cases[i].type, cases[i].message);
}

static void
test_decode_mismatch_variant (void)
{
  const struct { const char *json; const char *message; } cases[] = {
    { "1", "Argument is a JSON integer, but a GVariant (a JSON object with “signature” and “value”) was expected" },
    { "{\"signature\": \"i\"}", "Argument is not a GVariant: a JSON object with exactly a string “signature” and a “value” was expected" },
    { "{\"signature\": \"i\", \"value\": 1, \"extra\": 2}", "Argument is not a GVariant" },
    { "{\"signature\": 105, \"value\": 1}", "Argument is not a GVariant" },
    { "{\"signature\": \"zz\", \"value\": 1}", "Argument has the GVariant signature “zz”, which is not a valid type string" },
    { "{\"signature\": \"h\", \"value\": 3}", "handles (h) index file descriptors" },
    { "{\"signature\": \"a{os}\", \"value\": {}}", "json-glib cannot use “o” as a dictionary key" },
    { "{\"signature\": \"o\", \"value\": \"not a path\"}", "Argument holds “not a path”, which is not a valid object path" },
    { "{\"signature\": \"ao\", \"value\": [\"/a\", \"b\"]}", "Argument holds “b”, which is not a valid object path" },
    { "{\"signature\": \"(sg)\", \"value\": [\"x\", \"a{\"]}", "Argument holds “a{”, which is not a valid GVariant signature" },
    { "{\"signature\": \"ai\", \"value\": {\"a\": 1}}", "Argument does not fit its GVariant signature ai" },
    { "{\"signature\": \"(ii)\", \"value\": [1]}", "Argument does not fit its GVariant signature (ii): a JSON array of 1 elements where (ii) was expected" },
    { "{\"signature\": \"s\", \"value\": 1}", "Argument does not fit its GVariant signature s" },
    /* json-glib wraps these, or reads them out of strings */
    { "{\"signature\": \"y\", \"value\": 300}", "a number is out of range or written as a string" },
    { "{\"signature\": \"u\", \"value\": -1}", "a number is out of range" },
    { "{\"signature\": \"i\", \"value\": \"5\"}", "Argument does not fit its GVariant signature i: a JSON string where i was expected" },
    /* json-glib 1.6 would leak the key it built */
    { "{\"signature\": \"a{si}\", \"value\": {\"k\": \"x\"}}", "Argument does not fit its GVariant signature a{si}: a JSON string where i was expected" },
    { "{\"signature\": \"a{is}\", \"value\": {\"x\": \"k\"}}", "Argument does not fit its GVariant signature a{is}" },
    { "{\"signature\": \"{sv}\", \"value\": {}}", "a JSON object where {sv} was expected" },
    { "{\"signature\": \"b\", \"value\": \"true\"}", "does not fit its GVariant signature b" },
    { "{\"signature\": \"d\", \"value\": \"abc\"}", "does not fit its GVariant signature d" },
    { "{\"signature\": \"a{is}\", \"value\": {\"007\": \"x\"}}", "a dictionary key is not written the way json-glib writes it" },
    { "{\"signature\": \"a{ys}\", \"value\": {\"300\": \"x\"}}", "does not fit its GVariant signature a{ys}" },
    { "{\"signature\": \"v\", \"value\": 1e-10}", "Cannot carry the double 1e-10 inside a variant (v)" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    assert_decode_fails (cases[i].json, G_TYPE_VARIANT, cases[i].message);
}

/* What other JSON writers send for a variant decodes too */
static void
test_decode_variant_other_writers (void)
{
  const struct { const char *json; const char *variant; } cases[] = {
    { "{\"signature\": \"d\", \"value\": 1e-10}", "1e-10" },
    { "{\"signature\": \"d\", \"value\": 1e17}", "1e17" },
    { "{\"signature\": \"d\", \"value\": 3}", "3.0" },
    { "{\"signature\": \"ad\", \"value\": [1E+20, 0.5]}", "[1e20, 0.5]" },
    { "{\"signature\": \"v\", \"value\": [1, \"a\"]}", "<[<int64 1>, <'a'>]>" },
    { "{\"signature\": \"mi\", \"value\": null}", "@mi nothing" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) node = parse (cases[i].json);
      g_autoptr(GVariant) expected = g_variant_parse (NULL, cases[i].variant, NULL, NULL, &error);
      g_auto(GValue) value = G_VALUE_INIT;

      g_assert_no_error (error);
      g_assert_true (mre_value_codec_decode (node, G_TYPE_VARIANT, &value, &error));
      g_assert_no_error (error);
      g_assert_true (g_variant_equal (g_value_get_variant (&value), expected));
    }
}

static void
test_decode_mismatch_object (void)
{
  const struct { const char *json; const char *message; } cases[] = {
    { "[]", "Argument is a JSON array, but a JSON object of properties was expected" },
    { "{\"nope\": 1}", "TestPoint has no property “nope”" },
    { "{\"x\": \"1\"}", "Property “x” of TestPoint is a JSON string, but gint was expected" },
    { "{\"x\": 1.5}", "Property “x” of TestPoint is a JSON number with a fraction or an exponent, but gint was expected" },
    { "{\"x\": 3000000000}", "Value 3000000000 is out of range for gint" },
    { "{\"x\": 5000}", "Value 5000 is out of range for property “x” of TestPoint" },
    { "{\"label\": 1}", "Property “label” of TestPoint is a JSON integer, but a string was expected" },
    { "{\"weight\": \"heavy\"}", "Property “weight” of TestPoint is the JSON string “heavy”, but gdouble was expected" },
    { "{\"next\": 1}", "Property “next” of TestPoint is a JSON integer, but a JSON object of properties was expected" },
    { "{\"next\": {\"x\": true}}", "Property “x” of TestPoint is a JSON boolean, but gint was expected" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    assert_decode_fails (cases[i].json, TEST_TYPE_POINT, cases[i].message);

  assert_decode_fails ("{}", TEST_TYPE_OPAQUE, "its property “data” has type gpointer");
}

/* The read-only members json-glib writes are skipped */
static void
test_decode_object_read_only (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = parse ("{\"x\": 3, \"scaled\": 99}");
  g_auto(GValue) value = G_VALUE_INIT;
  TestPoint *point;

  g_assert_true (mre_value_codec_decode (node, TEST_TYPE_POINT, &value, &error));
  g_assert_no_error (error);
  point = g_value_get_object (&value);
  g_assert_cmpint (point->x, ==, 3);
  g_assert_cmpstr (point->label, ==, "unnamed");
}

static void
test_decode_array_count (void)
{
  const GType types[] = { G_TYPE_INT, G_TYPE_STRING, G_TYPE_BOOLEAN };
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) two = parse ("[1, \"x\"]");
  g_autoptr(JsonNode) object = parse ("{}");
  GValue values[3] = { G_VALUE_INIT, G_VALUE_INIT, G_VALUE_INIT };

  g_assert_false (mre_value_codec_decode_array (two, types, 3, values, &error));
  g_assert_error (error, MRE_ERROR, MRE_ERROR_TYPE_MISMATCH);
  g_assert_cmpstr (error->message, ==, "Expected 3 arguments, but the JSON array holds 2");
  g_clear_error (&error);

  g_assert_false (mre_value_codec_decode_array (two, types, 1, values, &error));
  g_assert_cmpstr (error->message, ==, "Expected 1 argument, but the JSON array holds 2");
  g_clear_error (&error);

  g_assert_false (mre_value_codec_decode_array (object, types, 0, values, &error));
  g_assert_cmpstr (error->message, ==, "The argument list is a JSON object, but a JSON array was expected");

  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    g_assert_false (G_IS_VALUE (&values[i]));
}

/* A failure leaves every value unset, including those decoded before it */
static void
test_decode_array_mismatch (void)
{
  const struct { const char *json; GType types[3]; const char *message; } cases[] = {
    { "[1, \"x\", true]", { G_TYPE_INT, G_TYPE_INT, G_TYPE_BOOLEAN }, "Argument 2 is a JSON string, but gint was expected" },
    { "[1, \"x\", 300]", { G_TYPE_INT, G_TYPE_STRING, G_TYPE_UCHAR }, "Argument 3: Value 300 is out of range for guchar" },
    { "[1, \"x\", 1]", { G_TYPE_INT, G_TYPE_STRING, G_TYPE_POINTER }, "Argument 3: Cannot carry a value of type gpointer" },
    { "[\"?\", \"x\", 1]", { G_TYPE_BYTES, G_TYPE_STRING, G_TYPE_INT }, "Argument 1 is not valid base64" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) node = parse (cases[i].json);
      GValue values[3] = { G_VALUE_INIT, G_VALUE_INIT, G_VALUE_INIT };

      g_assert_false (mre_value_codec_decode_array (node, cases[i].types, 3, values, &error));
      g_assert_error (error, MRE_ERROR, MRE_ERROR_TYPE_MISMATCH);
      if (!g_str_has_prefix (error->message, cases[i].message))
        g_error ("“%s” does not start with “%s”", error->message, cases[i].message);
      for (guint j = 0; j < G_N_ELEMENTS (values); j++)
        g_assert_false (G_IS_VALUE (&values[j]));
    }
}

/* The receiving shortcut (mre-json-fast.c) --------------------------------- */

/* For each body and types, the shortcut either gives up or gives exactly
 * what the codec gives from json-glib's parse of the same body. */
static void
test_fast_path_agrees (void)
{
  static const struct {
    const char *body;
    GType types[3];
    guint n_types;
    gboolean fast;  /* whether the shortcut takes it */
  } cases[] = {
    { "{\"jsonrpc\":\"2.0\",\"method\":\"m\",\"params\":[\"a\\\"b\\u00e9\\ud83d\\ude00\\n\",3,true]}",
      { G_TYPE_STRING, G_TYPE_INT, G_TYPE_BOOLEAN }, 3, TRUE },
    { " { \"params\" : [ -2147483648 , 4294967295 , 0.1 ] , \"method\":\"m\" } ",
      { G_TYPE_INT, G_TYPE_UINT, G_TYPE_DOUBLE }, 3, TRUE },
    { "{\"params\":[null,-9223372036854775808,1e-10]}",
      { G_TYPE_STRING, G_TYPE_INT64, G_TYPE_DOUBLE }, 3, TRUE },
    { "{\"params\":[]}", { 0 }, 0, TRUE },
    /* Left to the codec: */
    { "{\"params\":[2147483648]}", { G_TYPE_INT }, 1, FALSE },          /* out of range */
    { "{\"params\":[9007199254740993]}", { G_TYPE_DOUBLE }, 1, FALSE }, /* not exact */
    { "{\"params\":[1.5]}", { G_TYPE_INT }, 1, FALSE },
    { "{\"params\":[\"1e-10\"]}", { G_TYPE_DOUBLE }, 1, FALSE },
    /* Issue 5 (found by fuzz/fuzz-json): the fast path took this for an
     * infinity, which the codec refuses. */
    { "{\"params\":[1e400]}", { G_TYPE_DOUBLE }, 1, FALSE },
    { "{\"params\":[-9.9e254743]}", { G_TYPE_DOUBLE }, 1, FALSE },
    /* Issue 5 (fuzz/fuzz-json): json-glib reads the second key as "params"
     * too, and takes its value; the fast path took the first. */
    { "{\"params\":[1],\"params\\u0000\":[2]}", { G_TYPE_INT }, 1, FALSE },
    { "{\"params\":[1,2]}", { G_TYPE_INT }, 1, FALSE },                  /* count */
    { "{\"params\":[1]}", { G_TYPE_INT, G_TYPE_INT }, 2, FALSE },
    { "{\"params\":{\"a\":1}}", { G_TYPE_INT }, 1, FALSE },            /* named */
    { "{\"params\":[1],\"params\":[2]}", { G_TYPE_INT }, 1, FALSE },   /* twice */
    { "{\"params\":[\"\\ud800\"]}", { G_TYPE_STRING }, 1, FALSE },   /* lone surrogate */
    { "{\"params\":[\"\\u0000\"]}", { G_TYPE_STRING }, 1, FALSE },
    { "{\"params\":[1]}", { G_TYPE_UINT64 }, 1, FALSE },                 /* other types */
    { "{\"method\":\"m\"}", { 0 }, 0, FALSE },
  };

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      GValue fast[3] = { G_VALUE_INIT, G_VALUE_INIT, G_VALUE_INIT };
      GValue slow[3] = { G_VALUE_INIT, G_VALUE_INIT, G_VALUE_INIT };
      const char *body = cases[c].body;
      gboolean took = mre_json_fast_decode_params ((const guint8 *) body, strlen (body),
                                                   cases[c].types, cases[c].n_types, fast,
                                                   NULL) == MRE_JSON_FAST_DONE;
      g_autoptr(JsonNode) root = NULL;
      JsonNode *params;

      g_test_message ("case %u: %s", c, body);
      g_assert_cmpint (took, ==, cases[c].fast);
      if (!took)
        continue;

      root = parse (body);
      params = json_object_get_member (json_node_get_object (root), "params");
      g_assert_true (mre_value_codec_decode_array (params, cases[c].types, cases[c].n_types, slow, NULL));
      for (guint i = 0; i < cases[c].n_types; i++)
        {
          assert_values_equal (&slow[i], &fast[i]);
          g_value_unset (&slow[i]);
          g_value_unset (&fast[i]);
        }
    }
}

/* Issue 10, item 3: values never change on the way ------------------------ */

/* An event as a peer receives it, with @params_json as its params. */
static MreEvent *
event_new (const char *params_json)
{
  g_autofree char *body = g_strdup_printf ("{\"jsonrpc\":\"2.0\",\"method\":\"e\",\"params\":%s}", params_json);
  MreFrame frame = { 0, };

  frame.name = "e";
  frame.name_len = 1;
  frame.sender = "s";
  frame.sender_len = 1;
  frame.body = (const guint8 *) body;
  frame.body_len = strlen (body);
  return mre_event_new_from_frame (&frame);
}

/* Decodes @json, one argument, to @type every way a peer does: the
 * event's fast path and general path (mre_event_get_args(), with a second
 * argument the fast path cannot take so that it goes the general way too),
 * mre_event_dup_arg() and mre_value_codec_decode_text(). Each gives
 * @expected (as text, from g_strdup_value_contents()) or fails with
 * MRE_ERROR_TYPE_MISMATCH and a message holding @message. */
static void
check_decode_exact (const char *json,
                    GType       type,
                    const char *expected,
                    const char *message)
{
  g_autofree char *pair = g_strdup_printf ("[%s,{}]", json);
  g_autofree char *single = g_strdup_printf ("[%s]", json);
  MreEvent *events[] = { event_new (single), event_new (pair) };
  const GType types[] = { type, JSON_TYPE_NODE };

  g_test_message ("%s to %s", json, g_type_name (type));
  for (guint e = 0; e < G_N_ELEMENTS (events); e++)
    {
      GValue values[2] = { G_VALUE_INIT, G_VALUE_INIT };
      GValue value = G_VALUE_INIT;
      g_autoptr(GError) error = NULL;
      g_autoptr(GError) arg_error = NULL;
      g_autoptr(GError) text_error = NULL;
      GValue *arg;
      gboolean ok = mre_event_get_args (events[e], types, e + 1, values, &error);
      gboolean text_ok = mre_value_codec_decode_text ((const guint8 *) json, strlen (json), type, &value,
                                                      &text_error);

      arg = mre_event_dup_arg (events[e], 0, type, &arg_error);
      if (expected != NULL)
        {
          g_autofree char *got = NULL;
          g_autofree char *got_arg = NULL;
          g_autofree char *got_text = NULL;

          g_assert_no_error (error);
          g_assert_no_error (arg_error);
          g_assert_no_error (text_error);
          g_assert_true (ok && text_ok);
          got = g_strdup_value_contents (&values[0]);
          got_arg = g_strdup_value_contents (arg);
          got_text = g_strdup_value_contents (&value);
          g_assert_cmpstr (got, ==, expected);
          g_assert_cmpstr (got_arg, ==, expected);
          g_assert_cmpstr (got_text, ==, expected);
          for (guint i = 0; i < e + 1; i++)
            g_value_unset (&values[i]);
          g_value_unset (&value);
          g_value_unset (arg);
          g_free (arg);
        }
      else
        {
          g_assert_false (ok);
          g_assert_false (text_ok);
          g_assert_null (arg);
          g_assert_error (error, MRE_ERROR, MRE_ERROR_TYPE_MISMATCH);
          g_assert_error (arg_error, MRE_ERROR, MRE_ERROR_TYPE_MISMATCH);
          g_assert_error (text_error, MRE_ERROR, MRE_ERROR_TYPE_MISMATCH);
          g_assert_false (G_IS_VALUE (&values[0]) || G_IS_VALUE (&values[1]) || G_IS_VALUE (&value));
          g_test_message ("  %s", error->message);
          g_assert_true (g_str_has_prefix (error->message, "Argument 1"));
          g_assert_true (g_str_has_prefix (arg_error->message, "Argument 1"));
          g_assert_nonnull (strstr (error->message, message));
          g_assert_nonnull (strstr (arg_error->message, message));
          g_assert_nonnull (strstr (text_error->message, message));
        }
      mre_event_unref (events[e]);
    }
}

/* Every integer type, at its limits and one past them, and integers past
 * 64 bits: decoded exactly or refused, never wrapped (json-glib 1.6 reads
 * 18446744073709551615 as -1). */
static void
test_exact_integers (void)
{
  const struct {
    const char *json;
    GType type;
    const char *expected;  /* NULL: refused */
  } cases[] = {
    { "-128", G_TYPE_CHAR, "-128" },
    { "127", G_TYPE_CHAR, "127" },
    { "-129", G_TYPE_CHAR, NULL },
    { "128", G_TYPE_CHAR, NULL },
    { "0", G_TYPE_UCHAR, "0" },
    { "255", G_TYPE_UCHAR, "255" },
    { "-1", G_TYPE_UCHAR, NULL },
    { "256", G_TYPE_UCHAR, NULL },
    { "-2147483648", G_TYPE_INT, "-2147483648" },
    { "2147483647", G_TYPE_INT, "2147483647" },
    { "-2147483649", G_TYPE_INT, NULL },
    { "2147483648", G_TYPE_INT, NULL },
    { "4294967295", G_TYPE_UINT, "4294967295" },
    { "4294967296", G_TYPE_UINT, NULL },
    { "-1", G_TYPE_UINT, NULL },
    { "-9223372036854775808", G_TYPE_INT64, "-9223372036854775808" },
    { "9223372036854775807", G_TYPE_INT64, "9223372036854775807" },
    { "-9223372036854775809", G_TYPE_INT64, NULL },
    { "9223372036854775808", G_TYPE_INT64, NULL },
    { "18446744073709551615", G_TYPE_INT64, NULL },
    { "18446744073709551616", G_TYPE_INT64, NULL },
    { "-18446744073709551616", G_TYPE_INT64, NULL },
    { "123456789012345678901234567890", G_TYPE_INT64, NULL },
    { "-9223372036854775808", G_TYPE_LONG, "-9223372036854775808" },
    { "9223372036854775808", G_TYPE_LONG, NULL },
    { "18446744073709551615", G_TYPE_INT, NULL },
    { "18446744073709551615", G_TYPE_UINT, NULL },
    { "18446744073709551615", G_TYPE_CHAR, NULL },
    { "18446744073709551615", G_TYPE_UCHAR, NULL },
    { "0", G_TYPE_UINT64, "0" },
    { "9223372036854775807", G_TYPE_UINT64, "9223372036854775807" },
    { "9223372036854775808", G_TYPE_UINT64, "9223372036854775808" },
    { "18446744073709551615", G_TYPE_UINT64, "18446744073709551615" },
    { "18446744073709551615", G_TYPE_ULONG, "18446744073709551615" },
    { "18446744073709551616", G_TYPE_UINT64, NULL },
    { "-1", G_TYPE_UINT64, NULL },
    { "-9223372036854775809", G_TYPE_UINT64, NULL },
    { "123456789012345678901234567890", G_TYPE_UINT64, NULL },
    /* A double takes an integer it holds exactly, 2^64 does, 2^64-1 not. */
    { "18446744073709551616", G_TYPE_DOUBLE, "18446744073709551616.000000" },
    { "18446744073709551615", G_TYPE_DOUBLE, NULL },
    { "-9223372036854775809", G_TYPE_DOUBLE, NULL },
    /* Other types, and values holding such an integer. */
    { "18446744073709551615", G_TYPE_STRING, NULL },
    { "18446744073709551615", G_TYPE_BOOLEAN, NULL },
    { "18446744073709551615", JSON_TYPE_NODE, NULL },
    { "18446744073709551615", G_TYPE_VARIANT, NULL },
    { "[1,18446744073709551615]", JSON_TYPE_NODE, NULL },
    { "{\"a\":[-9223372036854775809]}", JSON_TYPE_NODE, NULL },
    { "[18446744073709551615]", G_TYPE_STRV, NULL },
  };

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autofree char *message = NULL;

      switch (G_TYPE_FUNDAMENTAL (cases[c].type))
        {
        case G_TYPE_CHAR: case G_TYPE_UCHAR: case G_TYPE_INT: case G_TYPE_UINT:
        case G_TYPE_LONG: case G_TYPE_ULONG: case G_TYPE_INT64: case G_TYPE_UINT64:
          message = g_strdup_printf ("Value %s is out of range for %s", cases[c].json, g_type_name (cases[c].type));
          break;
        case G_TYPE_DOUBLE:
          message = g_strdup ("cannot be represented exactly as gdouble");
          break;
        default:
          message = g_strdup_printf ("which %s cannot hold", g_type_name (cases[c].type));
        }
      check_decode_exact (cases[c].json, cases[c].type, cases[c].expected, message);
    }
}

/* A string holding U+0000 cannot be a NUL-terminated gchararray, nor
 * anything else json-glib cuts at the NUL: refused, never cut. */
static void
test_exact_nul_strings (void)
{
  check_decode_exact ("\"a\\u0000b\"", G_TYPE_STRING, NULL,
                      "is a JSON string holding U+0000 (\\u0000), which a NUL-terminated gchararray cannot hold");
  check_decode_exact ("\"\\u0000\"", G_TYPE_STRING, NULL, "NUL-terminated gchararray");
  check_decode_exact ("[\"a\\u0000b\"]", G_TYPE_STRV, NULL, "with U+0000 (\\u0000), which GStrv cannot hold");
  check_decode_exact ("\"a\\u0000b\"", JSON_TYPE_NODE, NULL, "which JsonNode cannot hold");
  check_decode_exact ("{\"k\\u0000\":1}", JSON_TYPE_NODE, NULL, "which JsonNode cannot hold");
  check_decode_exact ("\"a\\u0000b\"", G_TYPE_VARIANT, NULL, "which GVariant cannot hold");
  check_decode_exact ("\"a\\u0000b\"", G_TYPE_IO_ERROR_ENUM, NULL, "which GIOErrorEnum cannot hold");
  /* What json-glib keeps, passes: an escaped backslash before "u0000". */
  check_decode_exact ("\"a\\\\u0000b\"", G_TYPE_STRING, "\"a\\\\u0000b\"", NULL);
  check_decode_exact ("\"\\u00e9\"", G_TYPE_STRING, "\"\\303\\251\"", NULL);
}

/* The other arguments of such an event decode as before, and the event's
 * params come out as received, byte for byte. */
static void
test_exact_params_text (void)
{
  static const struct { const char *body; const char *params; } cases[] = {
    { "{\"jsonrpc\":\"2.0\",\"method\":\"e\",\"params\":[18446744073709551615,\"a\\u0000b\"]}",
      "[18446744073709551615,\"a\\u0000b\"]" },
    { "{ \"jsonrpc\" : \"2.0\",\n \"method\":\"e\", \"params\" : [ 1.50 , -0, 1E+2, \"\\u00e9 \\/ x\" ,\t{ \"a\" : [ ] } ] }",
      "[1.50,-0,1E+2,\"\\u00e9 \\/ x\",{\"a\":[]}]" },
    { "{\"method\":\"e\",\"params\":{\"big\":123456789012345678901234567890}}",
      "{\"big\":123456789012345678901234567890}" },
    { "{\"jsonrpc\":\"2.0\",\"method\":\"e\"}", "[]" },
    /* json-glib takes the last of two members of one name: so does this. */
    { "{\"params\":[1],\"par\\u0061ms\":[2]}", "[2]" },
  };
  const GType types[] = { G_TYPE_UINT64, G_TYPE_STRING, G_TYPE_INT };

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      MreFrame frame = { 0, };
      g_autoptr(GError) error = NULL;
      g_autofree char *text = NULL;
      MreEvent *event;

      frame.name = "e";
      frame.name_len = 1;
      frame.sender = "s";
      frame.sender_len = 1;
      frame.body = (const guint8 *) cases[c].body;
      frame.body_len = strlen (cases[c].body);
      event = mre_event_new_from_frame (&frame);
      text = mre_event_dup_params_json (event, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (text, ==, cases[c].params);
      mre_event_unref (event);
    }

  /* The fast path refuses such a value itself, as the codec does. */
  {
    const char *body = "{\"params\":[\"x\",18446744073709551615]}";
    const GType fast_types[] = { G_TYPE_STRING, G_TYPE_INT64 };
    GValue values[2] = { G_VALUE_INIT, G_VALUE_INIT };
    g_autoptr(GError) error = NULL;

    g_assert_cmpint (mre_json_fast_decode_params ((const guint8 *) body, strlen (body), fast_types, 2, values,
                                                  &error), ==, MRE_JSON_FAST_FAILED);
    g_assert_error (error, MRE_ERROR, MRE_ERROR_TYPE_MISMATCH);
    g_assert_cmpstr (error->message, ==, "Argument 2: Value 18446744073709551615 is out of range for gint64");
    g_assert_false (G_IS_VALUE (&values[0]) || G_IS_VALUE (&values[1]));
  }

  /* An argument json-glib reads unchanged decodes beside one it does not;
   * the JsonNode of all of them is refused, not changed. */
  {
    MreEvent *event = event_new ("[18446744073709551615,\"a\\u0000b\",7]");
    MreEvent *plain = event_new ("[18446744073709551615,\"ab\",7]");
    GValue values[3] = { G_VALUE_INIT, G_VALUE_INIT, G_VALUE_INIT };
    g_autoptr(GError) error = NULL;
    g_autoptr(GError) params_error = NULL;

    g_assert_false (mre_event_get_args (event, types, 3, values, &error));
    g_assert_error (error, MRE_ERROR, MRE_ERROR_TYPE_MISMATCH);
    g_assert_true (g_str_has_prefix (error->message, "Argument 2 is a JSON string holding U+0000"));
    g_assert_null (mre_event_get_params (event, &params_error));
    g_assert_error (params_error, MRE_ERROR, MRE_ERROR_TYPE_MISMATCH);

    g_assert_true (mre_event_get_args (plain, types, 3, values, NULL));
    g_assert_cmpuint (g_value_get_uint64 (&values[0]), ==, G_MAXUINT64);
    g_assert_cmpstr (g_value_get_string (&values[1]), ==, "ab");
    g_assert_cmpint (g_value_get_int (&values[2]), ==, 7);
    for (guint i = 0; i < 3; i++)
      g_value_unset (&values[i]);
    mre_event_unref (event);
    mre_event_unref (plain);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/value-codec/round-trip/boolean", test_round_trip_boolean);
  g_test_add_func ("/value-codec/round-trip/char", test_round_trip_char);
  g_test_add_func ("/value-codec/round-trip/uchar", test_round_trip_uchar);
  g_test_add_func ("/value-codec/round-trip/int", test_round_trip_int);
  g_test_add_func ("/value-codec/round-trip/uint", test_round_trip_uint);
  g_test_add_func ("/value-codec/round-trip/long", test_round_trip_long);
  g_test_add_func ("/value-codec/round-trip/ulong", test_round_trip_ulong);
  g_test_add_func ("/value-codec/round-trip/int64", test_round_trip_int64);
  g_test_add_func ("/value-codec/round-trip/uint64", test_round_trip_uint64);
  g_test_add_func ("/value-codec/round-trip/float", test_round_trip_float);
  g_test_add_func ("/value-codec/round-trip/double", test_round_trip_double);
  g_test_add_func ("/value-codec/round-trip/double/other-writers", test_round_trip_double_other_writers);
  g_test_add_func ("/value-codec/round-trip/string", test_round_trip_string);
  g_test_add_func ("/value-codec/round-trip/strv", test_round_trip_strv);
  g_test_add_func ("/value-codec/round-trip/enum", test_round_trip_enum);
  g_test_add_func ("/value-codec/round-trip/flags", test_round_trip_flags);
  g_test_add_func ("/value-codec/round-trip/bytes", test_round_trip_bytes);
  g_test_add_func ("/value-codec/round-trip/variant", test_round_trip_variant);
  g_test_add_func ("/value-codec/round-trip/json-node", test_round_trip_json_node);
  g_test_add_func ("/value-codec/round-trip/json-node/null", test_round_trip_json_node_null);
  g_test_add_func ("/value-codec/round-trip/object", test_round_trip_object);
  g_test_add_func ("/value-codec/round-trip/array", test_round_trip_array);
  g_test_add_func ("/value-codec/supports/refused", test_supports_refused);
  g_test_add_func ("/value-codec/supports/accepted", test_supports_accepted);
  g_test_add_func ("/value-codec/supports/object", test_supports_object);
  g_test_add_func ("/value-codec/encode/refused-types", test_encode_refused_types);
  g_test_add_func ("/value-codec/encode/non-finite", test_encode_non_finite);
  g_test_add_func ("/value-codec/encode/without-nick", test_encode_without_nick);
  g_test_add_func ("/value-codec/encode/refused-variant", test_encode_refused_variant);
  g_test_add_func ("/value-codec/encode/refused-json-node", test_encode_refused_json_node);
  g_test_add_func ("/value-codec/encode/refused-object", test_encode_refused_object);
  g_test_add_func ("/value-codec/encode/array-error", test_encode_array_error);
  g_test_add_func ("/value-codec/decode/mismatch", test_decode_mismatch);
  g_test_add_func ("/value-codec/decode/mismatch/variant", test_decode_mismatch_variant);
  g_test_add_func ("/value-codec/decode/variant-other-writers", test_decode_variant_other_writers);
  g_test_add_func ("/value-codec/decode/mismatch/object", test_decode_mismatch_object);
  g_test_add_func ("/value-codec/decode/object-read-only", test_decode_object_read_only);
  g_test_add_func ("/value-codec/decode/array-count", test_decode_array_count);
  g_test_add_func ("/value-codec/decode/array-mismatch", test_decode_array_mismatch);
  g_test_add_func ("/value-codec/fast-path-agrees", test_fast_path_agrees);
  g_test_add_func ("/value-codec/exact/integers", test_exact_integers);
  g_test_add_func ("/value-codec/exact/nul-strings", test_exact_nul_strings);
  g_test_add_func ("/value-codec/exact/params-text", test_exact_params_text);

  return g_test_run ();
}
