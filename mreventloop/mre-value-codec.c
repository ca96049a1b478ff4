/* mre-value-codec.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <math.h>
#include <string.h>

#include "mre-json-private.h"
#include "mre-value-codec-private.h"
#include "mre-value-codec-parts-private.h"

/*
 * The mapping. For every value encode accepts, decode (encode (v),
 * G_VALUE_TYPE (v)) gives v back, also after the node went through JSON text
 * (json_to_string() and json_from_string()):
 *
 *   gboolean                   JSON boolean
 *   gchar guchar gint guint    JSON integer, range-checked on decode
 *   glong gint64
 *   gulong guint64             JSON integer up to G_MAXINT64, above it a JSON
 *                              string of the decimal digits; decode takes both
 *   gfloat gdouble             JSON number; decode also takes a JSON integer
 *                              that converts exactly. NaN and infinities are
 *                              refused. See mre_value_codec_node_set_double()
 *                              for the numbers json-glib 1.6 cannot write.
 *   gchararray                 JSON string; NULL is null
 *   GStrv                      JSON array of strings; NULL is null
 *   enums                      JSON string, the value's nick
 *   flags                      JSON array of nicks; 0 is []
 *   GBytes                     JSON string, canonical base64; NULL is null
 *   GVariant                   see mre-value-codec-variant.c
 *   JsonNode                   the node itself; NULL and a JSON null node both
 *                              become null, which decodes to NULL
 *   GObject subtypes           see mre-value-codec-object.c
 *
 * Every error is MRE_ERROR_TYPE_MISMATCH. Decoding expects nodes from
 * json-glib's parser, which guarantees valid UTF-8. json-glib 1.6 wraps an
 * integer past gint64 and cuts a string at U+0000, so received text goes
 * through mre_json_find_loss() first: such a value is decoded from the text
 * into a type that holds it exactly (an integer into guint64, gulong or an
 * exact gdouble) or refused, never changed (mre_value_codec_decode_arg(),
 * mre_value_codec_decode_text()).
 *
 * This file holds the dispatch and the helpers the parts share
 * (mre-value-codec-parts-private.h).
 */

#define CARRIED_TYPES \
  "only fundamental types, strings, string arrays, enums, flags, GBytes, " \
  "GVariant, JsonNode and JSON-serializable objects can cross processes"

gboolean
mre_value_codec_set_error (GError     **error,
                           const char  *format,
                           ...)
{
  va_list args;

  va_start (args, format);
  g_propagate_error (error, g_error_new_valist (MRE_ERROR, MRE_ERROR_TYPE_MISMATCH, format, args));
  va_end (args);

  return FALSE;
}

const char *
mre_value_codec_type_name (GType type)
{
  const char *name = type != G_TYPE_INVALID ? g_type_name (type) : NULL;

  return name != NULL ? name : "(invalid)";
}

static gboolean
refuse_type (GType    type,
             GError **error)
{
  return mre_value_codec_set_error (error, "Cannot carry a value of type %s: " CARRIED_TYPES,
                                    mre_value_codec_type_name (type));
}

const char *
mre_value_codec_node_kind (JsonNode *node)
{
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      return "a JSON object";
    case JSON_NODE_ARRAY:
      return "a JSON array";
    case JSON_NODE_NULL:
      return "JSON null";
    case JSON_NODE_VALUE:
    default:
      break;
    }

  switch (json_node_get_value_type (node))
    {
    case G_TYPE_INT64:
      return "a JSON integer";
    case G_TYPE_DOUBLE:
      return "a JSON number with a fraction or an exponent";
    case G_TYPE_BOOLEAN:
      return "a JSON boolean";
    case G_TYPE_STRING:
      return "a JSON string";
    default:
      return "a JSON value of an unknown kind";
    }
}

gboolean
mre_value_codec_kind_mismatch (GError     **error,
                               const char  *label,
                               JsonNode    *node,
                               const char  *expected)
{
  return mre_value_codec_set_error (error, "%s is %s, but %s was expected", label, mre_value_codec_node_kind (node),
                                    expected);
}

gboolean
mre_value_codec_node_holds (JsonNode *node,
                            GType     value_type)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == value_type;
}

static JsonNode *
node_take_array (JsonArray *array)
{
  JsonNode *node = json_node_init (json_node_alloc (), JSON_NODE_ARRAY);

  json_node_take_array (node, array);
  return node;
}

JsonNode *
mre_value_codec_node_take_object (JsonObject *object)
{
  JsonNode *node = json_node_init (json_node_alloc (), JSON_NODE_OBJECT);

  json_node_take_object (node, object);
  return node;
}

/* Whether @type is a boolean, a number or a string: what this codec and
 * json_gobject_serialize() both carry as one JSON value */
gboolean
mre_value_codec_is_scalar (GType type)
{
  switch (G_TYPE_FUNDAMENTAL (type))
    {
    case G_TYPE_BOOLEAN:
    case G_TYPE_CHAR:
    case G_TYPE_UCHAR:
    case G_TYPE_INT:
    case G_TYPE_UINT:
    case G_TYPE_LONG:
    case G_TYPE_ULONG:
    case G_TYPE_INT64:
    case G_TYPE_UINT64:
    case G_TYPE_FLOAT:
    case G_TYPE_DOUBLE:
    case G_TYPE_STRING:
      return TRUE;

    default:
      return FALSE;
    }
}

/* Numbers ---------------------------------------------------------------- */

gboolean
mre_value_codec_int_from_node (JsonNode    *node,
                               const char  *label,
                               GType        type,
                               gint64       min,
                               gint64       max,
                               gint64      *out,
                               GError     **error)
{
  gint64 i;

  if (!mre_value_codec_node_holds (node, G_TYPE_INT64))
    return mre_value_codec_kind_mismatch (error, label, node, mre_value_codec_type_name (type));

  i = json_node_get_int (node);
  if (i < min || i > max)
    return mre_value_codec_set_error (error, "Value %" G_GINT64_FORMAT " is out of range for %s", i,
                                      mre_value_codec_type_name (type));

  *out = i;
  return TRUE;
}

static JsonNode *
uint64_to_node (guint64 u)
{
  char buf[32];

  if (u <= G_MAXINT64)
    return json_node_init_int (json_node_alloc (), (gint64) u);

  /* Past what a JSON integer holds in json-glib (gint64) */
  g_snprintf (buf, sizeof buf, "%" G_GUINT64_FORMAT, u);
  return json_node_init_string (json_node_alloc (), buf);
}

static gboolean
uint64_from_node (JsonNode    *node,
                  const char  *label,
                  GType        type,
                  guint64      max,
                  guint64     *out,
                  GError     **error)
{
  if (mre_value_codec_node_holds (node, G_TYPE_INT64))
    {
      gint64 i = json_node_get_int (node);

      if (i < 0 || (guint64) i > max)
        return mre_value_codec_set_error (error, "Value %" G_GINT64_FORMAT " is out of range for %s", i,
                                          mre_value_codec_type_name (type));
      *out = (guint64) i;
      return TRUE;
    }

  if (mre_value_codec_node_holds (node, G_TYPE_STRING))
    {
      const char *s = json_node_get_string (node);

      if (*s == '\0' || s[strspn (s, "0123456789")] != '\0')
        return mre_value_codec_set_error (error,
                                          "%s is the JSON string “%s”, but %s was expected as an integer or a string "
                                          "of decimal digits", label, s, mre_value_codec_type_name (type));
      if (!g_ascii_string_to_unsigned (s, 10, 0, max, out, NULL))
        return mre_value_codec_set_error (error, "Value %s is out of range for %s", s,
                                          mre_value_codec_type_name (type));
      return TRUE;
    }

  return mre_value_codec_kind_mismatch (error, label, node, mre_value_codec_type_name (type));
}

/* json-glib 1.6 appends ".0" to every double it prints without a '.', so
 * where g_ascii_dtostr() gives "1e-10" the text reads "1e-10.0", which no
 * JSON parser, json-glib's included, reads back. About one in six numbers of
 * the form d×10ⁿ is printed like that (1e-10, 1e+20, 1e+100). */
gboolean
mre_value_codec_double_text_is_broken (double d)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_ascii_dtostr (buf, sizeof buf, d);
  return strchr (buf, '.') == NULL && strchr (buf, 'e') != NULL;
}

/* Whether @i and @d are the same number, exactly */
gboolean
mre_value_codec_int_equals_double (gint64 i,
                                   double d)
{
  return d >= -0x1p63 && d < 0x1p63 && (gint64) d == i && (double) i == d;
}

/* Sets @node, a value node, to @d (finite) in a form json-glib writes as
 * valid JSON: such a number travels as the integer it equals if there is
 * one, else as a string holding the number. Every decoder of a double here
 * takes both, and so does json-glib's GVariant decoder for 'd'. */
void
mre_value_codec_node_set_double (JsonNode *node,
                                 double    d)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  /* (gint64) d only in range: past it, the conversion is undefined. */
  if (!mre_value_codec_double_text_is_broken (d))
    json_node_set_double (node, d);
  else if (d >= -0x1p63 && d < 0x1p63 && mre_value_codec_int_equals_double ((gint64) d, d))
    json_node_set_int (node, (gint64) d);
  else
    json_node_set_string (node, g_ascii_dtostr (buf, sizeof buf, d));
}

gboolean
mre_value_codec_check_finite (double   d,
                              GError **error)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (isfinite (d))
    return TRUE;

  return mre_value_codec_set_error (error, "Cannot carry the floating-point value %s: JSON has no NaN or infinity",
                                    g_ascii_dtostr (buf, sizeof buf, d));
}

JsonNode *
mre_value_codec_double_to_node (double   d,
                                GError **error)
{
  JsonNode *node;

  if (!mre_value_codec_check_finite (d, error))
    return NULL;

  node = json_node_init (json_node_alloc (), JSON_NODE_VALUE);
  mre_value_codec_node_set_double (node, d);
  return node;
}

/* The JSON number grammar, so that strings g_ascii_strtod() also reads
 * (" 1", "0x10", "inf") are not taken for numbers. */
gboolean
mre_value_codec_is_json_number (const char *s)
{
  if (*s == '-')
    s++;

  if (*s == '0')
    s++;
  else if (g_ascii_isdigit (*s))
    s += strspn (s, "0123456789");
  else
    return FALSE;

  if (*s == '.')
    {
      s++;
      if (!g_ascii_isdigit (*s))
        return FALSE;
      s += strspn (s, "0123456789");
    }

  if (*s == 'e' || *s == 'E')
    {
      s++;
      if (*s == '+' || *s == '-')
        s++;
      if (!g_ascii_isdigit (*s))
        return FALSE;
      s += strspn (s, "0123456789");
    }

  return *s == '\0';
}

static gboolean
double_from_node (JsonNode    *node,
                  const char  *label,
                  GType        type,
                  double      *out,
                  GError     **error)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  double d;

  if (mre_value_codec_node_holds (node, G_TYPE_DOUBLE))
    {
      d = json_node_get_double (node);
    }
  else if (mre_value_codec_node_holds (node, G_TYPE_INT64))
    {
      gint64 i = json_node_get_int (node);

      d = (double) i;
      if (!mre_value_codec_int_equals_double (i, d))
        return mre_value_codec_set_error (error, "Value %" G_GINT64_FORMAT " cannot be represented exactly as %s", i,
                                          mre_value_codec_type_name (type));
    }
  else if (mre_value_codec_node_holds (node, G_TYPE_STRING))
    {
      const char *s = json_node_get_string (node);

      if (!mre_value_codec_is_json_number (s))
        return mre_value_codec_set_error (error, "%s is the JSON string “%s”, but %s was expected", label, s,
                                          mre_value_codec_type_name (type));
      d = g_ascii_strtod (s, NULL);
    }
  else
    {
      return mre_value_codec_kind_mismatch (error, label, node, mre_value_codec_type_name (type));
    }

  if (!isfinite (d) || (type == G_TYPE_FLOAT && (d > G_MAXFLOAT || d < -G_MAXFLOAT)))
    return mre_value_codec_set_error (error, "Value %s is out of range for %s", g_ascii_dtostr (buf, sizeof buf, d),
                                      mre_value_codec_type_name (type));

  *out = d;
  return TRUE;
}

/* Strings, enums, flags, bytes, JsonNode ---------------------------------- */

JsonNode *
mre_value_codec_string_to_node (const char *s)
{
  if (s == NULL)
    return json_node_new (JSON_NODE_NULL);

  return json_node_init_string (json_node_alloc (), s);
}

JsonNode *
mre_value_codec_strv_to_node (const char * const *strv)
{
  JsonArray *array;

  if (strv == NULL)
    return json_node_new (JSON_NODE_NULL);

  array = json_array_sized_new (g_strv_length ((char **) strv));
  for (guint i = 0; strv[i] != NULL; i++)
    json_array_add_string_element (array, strv[i]);

  return node_take_array (array);
}

static gboolean
strv_from_node (JsonNode     *node,
                const char   *label,
                char       ***out,
                GError      **error)
{
  g_autoptr(GStrvBuilder) builder = NULL;
  JsonArray *array;
  guint length;

  if (JSON_NODE_HOLDS_NULL (node))
    {
      *out = NULL;
      return TRUE;
    }

  if (!JSON_NODE_HOLDS_ARRAY (node))
    return mre_value_codec_kind_mismatch (error, label, node, "a JSON array of strings (GStrv)");

  array = json_node_get_array (node);
  length = json_array_get_length (array);
  builder = g_strv_builder_new ();

  for (guint i = 0; i < length; i++)
    {
      JsonNode *element = json_array_get_element (array, i);

      if (!mre_value_codec_node_holds (element, G_TYPE_STRING))
        return mre_value_codec_set_error (error, "%s holds %s at index %u, but a GStrv takes only strings",
                                          label, mre_value_codec_node_kind (element), i);
      g_strv_builder_add (builder, json_node_get_string (element));
    }

  *out = g_strv_builder_end (builder);
  return TRUE;
}

static JsonNode *
enum_to_node (const GValue  *value,
              GError       **error)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (G_VALUE_TYPE (value));
  GEnumValue *enum_value = g_enum_get_value (klass, g_value_get_enum (value));

  if (enum_value == NULL)
    {
      mre_value_codec_set_error (error, "Cannot carry %d as %s: the enumeration has no such value",
                                 g_value_get_enum (value), G_VALUE_TYPE_NAME (value));
      return NULL;
    }

  return json_node_init_string (json_node_alloc (), enum_value->value_nick);
}

static gboolean
enum_from_node (JsonNode    *node,
                const char  *label,
                GValue      *value,
                GError     **error)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (G_VALUE_TYPE (value));
  GEnumValue *enum_value;
  const char *nick;

  if (!mre_value_codec_node_holds (node, G_TYPE_STRING))
    {
      g_autofree char *expected = g_strdup_printf ("a nick of %s", G_VALUE_TYPE_NAME (value));

      return mre_value_codec_kind_mismatch (error, label, node, expected);
    }

  nick = json_node_get_string (node);
  enum_value = g_enum_get_value_by_nick (klass, nick);
  if (enum_value == NULL)
    return mre_value_codec_set_error (error, "“%s” is not a value of %s", nick, G_VALUE_TYPE_NAME (value));

  g_value_set_enum (value, enum_value->value);
  return TRUE;
}

static JsonNode *
flags_to_node (const GValue  *value,
               GError       **error)
{
  g_autoptr(GFlagsClass) klass = g_type_class_ref (G_VALUE_TYPE (value));
  g_autoptr(JsonArray) array = json_array_new ();
  guint remaining = g_value_get_flags (value);

  /* Each step takes the first value of the class whose bits are all set;
   * decoding ORs the nicks, which gives back exactly the bits taken. */
  while (remaining != 0)
    {
      GFlagsValue *flags_value = g_flags_get_first_value (klass, remaining);

      if (flags_value == NULL)
        {
          mre_value_codec_set_error (error, "Cannot carry the flags 0x%x of %s: the bits 0x%x have no nick",
                                     g_value_get_flags (value), G_VALUE_TYPE_NAME (value), remaining);
          return NULL;
        }

      json_array_add_string_element (array, flags_value->value_nick);
      remaining &= ~flags_value->value;
    }

  return node_take_array (g_steal_pointer (&array));
}

static gboolean
flags_from_node (JsonNode    *node,
                 const char  *label,
                 GValue      *value,
                 GError     **error)
{
  g_autoptr(GFlagsClass) klass = g_type_class_ref (G_VALUE_TYPE (value));
  JsonArray *array;
  guint length;
  guint flags = 0;

  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      g_autofree char *expected = g_strdup_printf ("a JSON array of nicks of %s", G_VALUE_TYPE_NAME (value));

      return mre_value_codec_kind_mismatch (error, label, node, expected);
    }

  array = json_node_get_array (node);
  length = json_array_get_length (array);

  for (guint i = 0; i < length; i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      GFlagsValue *flags_value;
      const char *nick;

      if (!mre_value_codec_node_holds (element, G_TYPE_STRING))
        return mre_value_codec_set_error (error, "%s holds %s at index %u, but %s takes only nicks",
                                          label, mre_value_codec_node_kind (element), i, G_VALUE_TYPE_NAME (value));

      nick = json_node_get_string (element);
      flags_value = g_flags_get_value_by_nick (klass, nick);
      if (flags_value == NULL)
        return mre_value_codec_set_error (error, "“%s” is not a flag of %s", nick, G_VALUE_TYPE_NAME (value));
      flags |= flags_value->value;
    }

  g_value_set_flags (value, flags);
  return TRUE;
}

static JsonNode *
bytes_to_node (GBytes *bytes)
{
  g_autofree char *base64 = NULL;
  gconstpointer data;
  gsize size;

  if (bytes == NULL)
    return json_node_new (JSON_NODE_NULL);

  data = g_bytes_get_data (bytes, &size);
  base64 = g_base64_encode (data, size);
  return json_node_init_string (json_node_alloc (), base64);
}

static int
base64_digit (char c)
{
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '+')
    return 62;
  if (c == '/')
    return 63;
  return -1;
}

/* g_base64_decode() skips what is not base64 and never fails. Take only
 * canonical base64, so that each byte string has exactly one encoding. */
static gboolean
base64_check (const char  *s,
              const char  *label,
              GError     **error)
{
  gsize length = strlen (s);
  gsize n_pad = 0;

  if (length % 4 != 0)
    return mre_value_codec_set_error (error,
                                      "%s is not valid base64: its length %" G_GSIZE_FORMAT " is not a multiple of 4",
                                      label, length);

  while (n_pad < 2 && n_pad < length && s[length - 1 - n_pad] == '=')
    n_pad++;

  for (gsize i = 0; i < length - n_pad; i++)
    {
      if (base64_digit (s[i]) < 0)
        return mre_value_codec_set_error (error,
                                          "%s is not valid base64: unexpected character at offset %" G_GSIZE_FORMAT,
                                          label, i);
    }

  /* The bits after the last byte */
  if (n_pad > 0 && (base64_digit (s[length - 1 - n_pad]) & (n_pad == 1 ? 0x3 : 0xf)) != 0)
    return mre_value_codec_set_error (error, "%s is not canonical base64: the bits after the last byte are not zero",
                                      label);

  return TRUE;
}

static gboolean
bytes_from_node (JsonNode    *node,
                 const char  *label,
                 GBytes     **out,
                 GError     **error)
{
  const char *s;
  guchar *data;
  gsize size;

  if (JSON_NODE_HOLDS_NULL (node))
    {
      *out = NULL;
      return TRUE;
    }

  if (!mre_value_codec_node_holds (node, G_TYPE_STRING))
    return mre_value_codec_kind_mismatch (error, label, node, "GBytes (a base64 string)");

  s = json_node_get_string (node);
  if (!base64_check (s, label, error))
    return FALSE;

  if (*s == '\0')
    {
      *out = g_bytes_new (NULL, 0);
      return TRUE;
    }

  data = g_base64_decode (s, &size);
  *out = g_bytes_new_take (data, size);
  return TRUE;
}

/* A JsonNode is carried as it is, so a number json-glib 1.6 cannot write
 * (see mre_value_codec_double_text_is_broken()) cannot be rewritten: it is
 * refused. */
static gboolean
json_check_numbers (JsonNode  *node,
                    GError   **error)
{
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_VALUE:
      if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
        {
          char buf[G_ASCII_DTOSTR_BUF_SIZE];
          double d = json_node_get_double (node);

          if (!mre_value_codec_check_finite (d, error))
            return FALSE;
          if (mre_value_codec_double_text_is_broken (d))
            return mre_value_codec_set_error (error,
                                              "Cannot carry a JsonNode holding the number %s: json-glib 1.6 writes "
                                              "it as invalid JSON; pass it as a gdouble argument instead",
                                              g_ascii_dtostr (buf, sizeof buf, d));
        }
      return TRUE;

    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);
        guint length = json_array_get_length (array);

        for (guint i = 0; i < length; i++)
          {
            if (!json_check_numbers (json_array_get_element (array, i), error))
              return FALSE;
          }
        return TRUE;
      }

    case JSON_NODE_OBJECT:
      {
        GList *values = json_object_get_values (json_node_get_object (node));
        gboolean ok = TRUE;

        for (const GList *l = values; ok && l != NULL; l = l->next)
          ok = json_check_numbers (l->data, error);
        g_list_free (values);
        return ok;
      }

    case JSON_NODE_NULL:
    default:
      return TRUE;
    }
}

static JsonNode *
json_node_to_node (JsonNode  *json,
                   GError   **error)
{
  if (json == NULL)
    return json_node_new (JSON_NODE_NULL);

  if (!json_check_numbers (json, error))
    return NULL;

  return json_node_copy (json);
}

/* Entry points ------------------------------------------------------------ */

/* Returns: whether values of @type can be carried; otherwise sets @error to
 * a sentence naming the type (and for an object type, the property at fault).
 * Used when connecting and publishing, to refuse early. */
gboolean
mre_value_codec_supports (GType    type,
                          GError **error)
{
  g_autoptr(GHashTable) checking = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (mre_value_codec_is_scalar (type))
    return TRUE;

  switch (G_TYPE_FUNDAMENTAL (type))
    {
    case G_TYPE_VARIANT:
      return TRUE;

    case G_TYPE_ENUM:
    case G_TYPE_FLAGS:
      /* not G_TYPE_ENUM and G_TYPE_FLAGS themselves */
      if (!G_TYPE_IS_ABSTRACT (type))
        return TRUE;
      break;

    case G_TYPE_BOXED:
      if (type == G_TYPE_STRV || type == G_TYPE_BYTES || type == JSON_TYPE_NODE)
        return TRUE;
      break;

    case G_TYPE_OBJECT:
      checking = g_hash_table_new (NULL, NULL);
      return mre_value_codec_object_type_check (type, checking, error);

    default:
      break;
    }

  return refuse_type (type, error);
}

/* Returns: (transfer full): @value as JSON, or %NULL with @error set for a
 * value that cannot be carried: a type supports() refuses, NaN or infinity,
 * an enum or flags value without a nick, a GVariant json-glib would not give
 * back exactly, an object graph with a cycle or an instance of a subtype. */
JsonNode *
mre_value_codec_encode (const GValue  *value,
                        GError       **error)
{
  GType type;

  g_return_val_if_fail (G_IS_VALUE (value), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  type = G_VALUE_TYPE (value);
  if (!mre_value_codec_supports (type, error))
    return NULL;

  switch (G_TYPE_FUNDAMENTAL (type))
    {
    case G_TYPE_BOOLEAN:
      return json_node_init_boolean (json_node_alloc (), g_value_get_boolean (value));
    case G_TYPE_CHAR:
      return json_node_init_int (json_node_alloc (), g_value_get_schar (value));
    case G_TYPE_UCHAR:
      return json_node_init_int (json_node_alloc (), g_value_get_uchar (value));
    case G_TYPE_INT:
      return json_node_init_int (json_node_alloc (), g_value_get_int (value));
    case G_TYPE_UINT:
      return json_node_init_int (json_node_alloc (), g_value_get_uint (value));
    case G_TYPE_LONG:
      return json_node_init_int (json_node_alloc (), g_value_get_long (value));
    case G_TYPE_INT64:
      return json_node_init_int (json_node_alloc (), g_value_get_int64 (value));
    case G_TYPE_ULONG:
      return uint64_to_node (g_value_get_ulong (value));
    case G_TYPE_UINT64:
      return uint64_to_node (g_value_get_uint64 (value));
    case G_TYPE_FLOAT:
      return mre_value_codec_double_to_node (g_value_get_float (value), error);
    case G_TYPE_DOUBLE:
      return mre_value_codec_double_to_node (g_value_get_double (value), error);
    case G_TYPE_STRING:
      return mre_value_codec_string_to_node (g_value_get_string (value));
    case G_TYPE_ENUM:
      return enum_to_node (value, error);
    case G_TYPE_FLAGS:
      return flags_to_node (value, error);
    case G_TYPE_VARIANT:
      return mre_value_codec_variant_to_node (g_value_get_variant (value), error);
    case G_TYPE_OBJECT:
      return mre_value_codec_object_to_node (value, error);
    default:
      break;
    }

  if (type == G_TYPE_STRV)
    return mre_value_codec_strv_to_node (g_value_get_boxed (value));
  if (type == G_TYPE_BYTES)
    return bytes_to_node (g_value_get_boxed (value));

  g_assert (type == JSON_TYPE_NODE);
  return json_node_to_node (g_value_get_boxed (value), error);
}

/* @value is initialized to its type and holds its zero value */
gboolean
mre_value_codec_decode_into (JsonNode    *node,
                             const char  *label,
                             GValue      *value,
                             GError     **error)
{
  GType type = G_VALUE_TYPE (value);
  gint64 i;
  guint64 u;
  double d;

  switch (G_TYPE_FUNDAMENTAL (type))
    {
    case G_TYPE_BOOLEAN:
      if (!mre_value_codec_node_holds (node, G_TYPE_BOOLEAN))
        return mre_value_codec_kind_mismatch (error, label, node, "gboolean");
      g_value_set_boolean (value, json_node_get_boolean (node));
      return TRUE;

    case G_TYPE_CHAR:
      if (!mre_value_codec_int_from_node (node, label, type, G_MININT8, G_MAXINT8, &i, error))
        return FALSE;
      g_value_set_schar (value, (gint8) i);
      return TRUE;

    case G_TYPE_UCHAR:
      if (!mre_value_codec_int_from_node (node, label, type, 0, G_MAXUINT8, &i, error))
        return FALSE;
      g_value_set_uchar (value, (guchar) i);
      return TRUE;

    case G_TYPE_INT:
      if (!mre_value_codec_int_from_node (node, label, type, G_MININT, G_MAXINT, &i, error))
        return FALSE;
      g_value_set_int (value, (int) i);
      return TRUE;

    case G_TYPE_UINT:
      if (!mre_value_codec_int_from_node (node, label, type, 0, G_MAXUINT, &i, error))
        return FALSE;
      g_value_set_uint (value, (guint) i);
      return TRUE;

    case G_TYPE_LONG:
      if (!mre_value_codec_int_from_node (node, label, type, G_MINLONG, G_MAXLONG, &i, error))
        return FALSE;
      g_value_set_long (value, (glong) i);
      return TRUE;

    case G_TYPE_INT64:
      if (!mre_value_codec_int_from_node (node, label, type, G_MININT64, G_MAXINT64, &i, error))
        return FALSE;
      g_value_set_int64 (value, i);
      return TRUE;

    case G_TYPE_ULONG:
      if (!uint64_from_node (node, label, type, G_MAXULONG, &u, error))
        return FALSE;
      g_value_set_ulong (value, (gulong) u);
      return TRUE;

    case G_TYPE_UINT64:
      if (!uint64_from_node (node, label, type, G_MAXUINT64, &u, error))
        return FALSE;
      g_value_set_uint64 (value, u);
      return TRUE;

    case G_TYPE_FLOAT:
      if (!double_from_node (node, label, type, &d, error))
        return FALSE;
      g_value_set_float (value, (float) d);
      return TRUE;

    case G_TYPE_DOUBLE:
      if (!double_from_node (node, label, type, &d, error))
        return FALSE;
      g_value_set_double (value, d);
      return TRUE;

    case G_TYPE_STRING:
      if (mre_value_codec_node_holds (node, G_TYPE_STRING))
        g_value_set_string (value, json_node_get_string (node));
      else if (!JSON_NODE_HOLDS_NULL (node))
        return mre_value_codec_kind_mismatch (error, label, node, "a string");
      return TRUE;

    case G_TYPE_ENUM:
      return enum_from_node (node, label, value, error);

    case G_TYPE_FLAGS:
      return flags_from_node (node, label, value, error);

    case G_TYPE_VARIANT:
      return mre_value_codec_variant_from_node (node, label, value, error);

    case G_TYPE_OBJECT:
      return mre_value_codec_object_from_node (node, label, value, error);

    default:
      break;
    }

  if (type == G_TYPE_STRV)
    {
      char **strv = NULL;

      if (!strv_from_node (node, label, &strv, error))
        return FALSE;
      g_value_take_boxed (value, strv);
      return TRUE;
    }

  if (type == G_TYPE_BYTES)
    {
      GBytes *bytes = NULL;

      if (!bytes_from_node (node, label, &bytes, error))
        return FALSE;
      g_value_take_boxed (value, bytes);
      return TRUE;
    }

  g_assert (type == JSON_TYPE_NODE);
  if (!JSON_NODE_HOLDS_NULL (node))
    g_value_set_boxed (value, node);
  return TRUE;
}

static gboolean
decode_value (JsonNode    *node,
              GType        type,
              const char  *label,
              GValue      *value,
              GError     **error)
{
  if (!mre_value_codec_supports (type, error))
    return FALSE;

  g_value_init (value, type);
  if (mre_value_codec_decode_into (node, label, value, error))
    return TRUE;

  g_value_unset (value);
  return FALSE;
}

/* Decodes @node into @value, which must be zero-filled and which this
 * initializes to @type. On error @value is left unset. */
gboolean
mre_value_codec_decode (JsonNode  *node,
                        GType      type,
                        GValue    *value,
                        GError   **error)
{
  g_return_val_if_fail (node != NULL, FALSE);
  g_return_val_if_fail (value != NULL && G_VALUE_TYPE (value) == G_TYPE_INVALID, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return decode_value (node, type, "Argument", value, error);
}

/* Returns: (transfer full): a JSON array of the @n_values values encoded,
 * the "params" of a JSON-RPC message; %NULL with @error naming the first
 * argument that cannot be carried (counting from 1). */
JsonNode *
mre_value_codec_encode_array (const GValue  *values,
                              guint          n_values,
                              GError       **error)
{
  g_autoptr(JsonArray) array = NULL;

  g_return_val_if_fail (values != NULL || n_values == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  array = json_array_sized_new (n_values);
  for (guint i = 0; i < n_values; i++)
    {
      JsonNode *node = mre_value_codec_encode (&values[i], error);

      if (node == NULL)
        {
          g_prefix_error (error, "Argument %u: ", i + 1);
          return NULL;
        }
      json_array_add_element (array, node);
    }

  return node_take_array (g_steal_pointer (&array));
}

/* Tokens json-glib changes ------------------------------------------------- */

/* The token of @loss, for a message: cut short past 40 bytes. */
static char *
loss_token (const MreJsonLoss *loss)
{
  gsize len = loss->end - loss->start;

  if (loss->kind == MRE_JSON_LOSS_INTEGER && len > 40)
    return g_strdup_printf ("%.*s… (%" G_GSIZE_FORMAT " digits)", 24, (const char *) loss->start,
                            len - (*loss->start == '-'));
  if (loss->kind == MRE_JSON_LOSS_INTEGER)
    return g_strndup ((const char *) loss->start, len);
  return NULL;
}

/* What @loss is, for a message: "the JSON integer 18446744073709551615" or
 * "a JSON string with U+0000 (\u0000)". */
char *
mre_value_codec_describe_loss (const MreJsonLoss *loss)
{
  g_autofree char *token = loss_token (loss);

  if (loss->kind == MRE_JSON_LOSS_INTEGER)
    return g_strdup_printf ("the JSON integer %s", token);
  return g_strdup ("a JSON string with U+0000 (\\u0000)");
}

/* The integer token @digits (beyond gint64) as a double, if it is one
 * exactly. */
static gboolean
big_integer_to_double (const char *digits,
                       double     *out)
{
  g_autofree char *back = NULL;
  double d = g_ascii_strtod (digits, NULL);

  if (!isfinite (d))
    return FALSE;
  /* Past 2^63 every double is an integer, printed exactly by "%.0f". */
  back = g_strdup_printf ("%.0f", d);
  *out = d;
  return strcmp (back, digits) == 0;
}

/* Decodes a value json-glib cannot parse unchanged, described by @loss: an
 * integer it would wrap, or a value holding one or a string with U+0000,
 * which no JsonNode holds. Only an integer into a type that holds it
 * exactly succeeds. */
static gboolean
decode_loss (const MreJsonLoss  *loss,
             GType               type,
             const char         *label,
             GValue             *value,
             GError            **error)
{
  g_autofree char *token = loss_token (loss);
  g_autofree char *what = NULL;
  const char *type_name = mre_value_codec_type_name (type);

  if (!mre_value_codec_supports (type, error))
    return FALSE;

  if (loss->kind == MRE_JSON_LOSS_INTEGER && loss->whole)
    {
      g_autofree char *digits = g_strndup ((const char *) loss->start, loss->end - loss->start);
      guint64 u;
      double d;

      switch (G_TYPE_FUNDAMENTAL (type))
        {
        case G_TYPE_ULONG:
        case G_TYPE_UINT64:
          if (*digits != '-' &&
              g_ascii_string_to_unsigned (digits, 10, 0, type == G_TYPE_ULONG ? G_MAXULONG : G_MAXUINT64,
                                          &u, NULL))
            {
              g_value_init (value, type);
              if (G_TYPE_FUNDAMENTAL (type) == G_TYPE_ULONG)
                g_value_set_ulong (value, (gulong) u);
              else
                g_value_set_uint64 (value, u);
              return TRUE;
            }
          G_GNUC_FALLTHROUGH;
        case G_TYPE_CHAR:
        case G_TYPE_UCHAR:
        case G_TYPE_INT:
        case G_TYPE_UINT:
        case G_TYPE_LONG:
        case G_TYPE_INT64:
          return mre_value_codec_set_error (error, "Value %s is out of range for %s", token, type_name);

        case G_TYPE_FLOAT:
        case G_TYPE_DOUBLE:
          if (!big_integer_to_double (digits, &d) ||
              (G_TYPE_FUNDAMENTAL (type) == G_TYPE_FLOAT && (d > G_MAXFLOAT || d < -G_MAXFLOAT)))
            return mre_value_codec_set_error (error, "Value %s cannot be represented exactly as %s", token,
                                              type_name);
          g_value_init (value, type);
          if (G_TYPE_FUNDAMENTAL (type) == G_TYPE_FLOAT)
            g_value_set_float (value, (float) d);
          else
            g_value_set_double (value, d);
          return TRUE;

        default:
          return mre_value_codec_set_error (error, "%s is the JSON integer %s, which %s cannot hold", label, token,
                                            type_name);
        }
    }

  if (loss->kind == MRE_JSON_LOSS_NUL && loss->whole && G_TYPE_FUNDAMENTAL (type) == G_TYPE_STRING)
    return mre_value_codec_set_error (error, "%s is a JSON string holding U+0000 (\\u0000), which a "
                                      "NUL-terminated %s cannot hold", label, type_name);

  what = mre_value_codec_describe_loss (loss);
  return mre_value_codec_set_error (error, "%s holds %s, which %s cannot hold", label, what, type_name);
}

/*
 * mre_value_codec_decode_arg:
 *
 * Decodes argument @index (from 0) of an event to @type into @value, which
 * must be zero-filled and is left unset on error: @node is json-glib's
 * parse of it, @loss (if not NULL) the token of its text that json-glib
 * changed (mre_json_find_loss()), so that the value is decoded from the
 * text or refused, never changed. @error names the argument (from 1).
 */
gboolean
mre_value_codec_decode_arg (JsonNode           *node,
                            const MreJsonLoss  *loss,
                            GType               type,
                            guint               index,
                            GValue             *value,
                            GError            **error)
{
  g_autofree char *label = g_strdup_printf ("Argument %u", index + 1);
  g_autoptr(GError) local_error = NULL;

  if (loss != NULL && loss->kind != MRE_JSON_LOSS_NONE
      ? decode_loss (loss, type, label, value, &local_error)
      : decode_value (node, type, label, value, &local_error))
    return TRUE;

  /* Name the argument, unless the message starts with it */
  if (!g_str_has_prefix (local_error->message, label) || local_error->message[strlen (label)] != ' ')
    g_prefix_error (&local_error, "%s: ", label);
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

/*
 * mre_value_codec_decode_text:
 *
 * mre_value_codec_decode() of the JSON text @text, one value that
 * mre_json_check() accepts: a value json-glib would change while parsing
 * it is decoded from the text or refused.
 */
gboolean
mre_value_codec_decode_text (const guint8  *text,
                             gsize          len,
                             GType          type,
                             GValue        *value,
                             GError       **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) parse_error = NULL;
  MreJsonLoss loss;

  g_return_val_if_fail (value != NULL && G_VALUE_TYPE (value) == G_TYPE_INVALID, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (mre_json_find_loss (text, len, &loss))
    return decode_loss (&loss, type, "Argument", value, error);

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, (const char *) text, len, &parse_error) ||
      json_parser_get_root (parser) == NULL)
    return mre_value_codec_set_error (error, "Argument is not JSON: %s",
                                      parse_error != NULL ? parse_error->message : "no value");
  return decode_value (json_parser_get_root (parser), type, "Argument", value, error);
}

/* Decodes the JSON array @array into @values, @n_types zero-filled GValues
 * which this initializes to @types. On error, every one of @values is left
 * unset and @error names the argument at fault (counting from 1), or both
 * counts when the array holds another number of arguments. */
gboolean
mre_value_codec_decode_array (JsonNode     *array,
                              const GType  *types,
                              guint         n_types,
                              GValue       *values,
                              GError      **error)
{
  JsonArray *json;
  guint length;

  g_return_val_if_fail (array != NULL, FALSE);
  g_return_val_if_fail (types != NULL || n_types == 0, FALSE);
  g_return_val_if_fail (values != NULL || n_types == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!JSON_NODE_HOLDS_ARRAY (array))
    return mre_value_codec_kind_mismatch (error, "The argument list", array, "a JSON array");

  json = json_node_get_array (array);
  length = json_array_get_length (json);
  if (length != n_types)
    return mre_value_codec_set_error (error, "Expected %u argument%s, but the JSON array holds %u",
                                      n_types, n_types == 1 ? "" : "s", length);

  for (guint i = 0; i < n_types; i++)
    {
      if (mre_value_codec_decode_arg (json_array_get_element (json, i), NULL, types[i], i, &values[i], error))
        continue;

      while (i-- > 0)
        g_value_unset (&values[i]);
      return FALSE;
    }

  return TRUE;
}
