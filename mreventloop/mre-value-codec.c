/* mre-value-codec.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <math.h>
#include <string.h>

#include "mre-value-codec-private.h"

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
 *                              refused. See node_set_double() for the numbers
 *                              json-glib 1.6 cannot write.
 *   gchararray                 JSON string; NULL is null
 *   GStrv                      JSON array of strings; NULL is null
 *   enums                      JSON string, the value's nick
 *   flags                      JSON array of nicks; 0 is []
 *   GBytes                     JSON string, canonical base64; NULL is null
 *   GVariant                   {"signature": "a{sv}", "value": ...}, the value
 *                              as json_gvariant_serialize() writes it; a value
 *                              json-glib would not read back exactly is refused
 *   JsonNode                   the node itself; NULL and a JSON null node both
 *                              become null, which decodes to NULL
 *   GObject subtypes           JSON object of properties, as
 *                              json_gobject_serialize() writes it; NULL is null
 *
 * Every error is MRE_ERROR_TYPE_MISMATCH. Decoding expects nodes from
 * json-glib's parser, which guarantees valid UTF-8.
 */

#define CARRIED_TYPES \
  "only fundamental types, strings, string arrays, enums, flags, GBytes, " \
  "GVariant, JsonNode and JSON-serializable objects can cross processes"

static gboolean set_error (GError     **error,
                           const char  *format,
                           ...) G_GNUC_PRINTF (2, 3);

static gboolean
set_error (GError     **error,
           const char  *format,
           ...)
{
  va_list args;

  va_start (args, format);
  g_propagate_error (error, g_error_new_valist (MRE_ERROR, MRE_ERROR_TYPE_MISMATCH, format, args));
  va_end (args);

  return FALSE;
}

static const char *
type_name (GType type)
{
  const char *name = type != G_TYPE_INVALID ? g_type_name (type) : NULL;

  return name != NULL ? name : "(invalid)";
}

static gboolean
refuse_type (GType    type,
             GError **error)
{
  return set_error (error, "Cannot carry a value of type %s: " CARRIED_TYPES, type_name (type));
}

static const char *
node_kind (JsonNode *node)
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

static gboolean
kind_mismatch (GError     **error,
               const char  *label,
               JsonNode    *node,
               const char  *expected)
{
  return set_error (error, "%s is %s, but %s was expected", label, node_kind (node), expected);
}

static gboolean
node_holds (JsonNode *node,
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

static JsonNode *
node_take_object (JsonObject *object)
{
  JsonNode *node = json_node_init (json_node_alloc (), JSON_NODE_OBJECT);

  json_node_take_object (node, object);
  return node;
}

/* Numbers ---------------------------------------------------------------- */

static gboolean
int_from_node (JsonNode    *node,
               const char  *label,
               GType        type,
               gint64       min,
               gint64       max,
               gint64      *out,
               GError     **error)
{
  gint64 i;

  if (!node_holds (node, G_TYPE_INT64))
    return kind_mismatch (error, label, node, type_name (type));

  i = json_node_get_int (node);
  if (i < min || i > max)
    return set_error (error, "Value %" G_GINT64_FORMAT " is out of range for %s", i, type_name (type));

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
  if (node_holds (node, G_TYPE_INT64))
    {
      gint64 i = json_node_get_int (node);

      if (i < 0 || (guint64) i > max)
        return set_error (error, "Value %" G_GINT64_FORMAT " is out of range for %s", i, type_name (type));
      *out = (guint64) i;
      return TRUE;
    }

  if (node_holds (node, G_TYPE_STRING))
    {
      const char *s = json_node_get_string (node);

      if (*s == '\0' || s[strspn (s, "0123456789")] != '\0')
        return set_error (error, "%s is the JSON string “%s”, but %s was expected as an integer or a string of decimal digits",
                          label, s, type_name (type));
      if (!g_ascii_string_to_unsigned (s, 10, 0, max, out, NULL))
        return set_error (error, "Value %s is out of range for %s", s, type_name (type));
      return TRUE;
    }

  return kind_mismatch (error, label, node, type_name (type));
}

/* json-glib 1.6 appends ".0" to every double it prints without a '.', so
 * where g_ascii_dtostr() gives "1e-10" the text reads "1e-10.0", which no
 * JSON parser, json-glib's included, reads back. About one in six numbers of
 * the form d×10ⁿ is printed like that (1e-10, 1e+20, 1e+100). */
static gboolean
double_text_is_broken (double d)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_ascii_dtostr (buf, sizeof buf, d);
  return strchr (buf, '.') == NULL && strchr (buf, 'e') != NULL;
}

/* Whether @i and @d are the same number, exactly */
static gboolean
int_equals_double (gint64 i,
                   double d)
{
  return d >= -0x1p63 && d < 0x1p63 && (gint64) d == i && (double) i == d;
}

/* Sets @node, a value node, to @d (finite) in a form json-glib writes as
 * valid JSON: such a number travels as the integer it equals if there is
 * one, else as a string holding the number. Every decoder of a double here
 * takes both, and so does json-glib's GVariant decoder for 'd'. */
static void
node_set_double (JsonNode *node,
                 double    d)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (!double_text_is_broken (d))
    json_node_set_double (node, d);
  else if (int_equals_double ((gint64) d, d))
    json_node_set_int (node, (gint64) d);
  else
    json_node_set_string (node, g_ascii_dtostr (buf, sizeof buf, d));
}

static gboolean
check_finite (double   d,
              GError **error)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (isfinite (d))
    return TRUE;

  return set_error (error, "Cannot carry the floating-point value %s: JSON has no NaN or infinity",
                    g_ascii_dtostr (buf, sizeof buf, d));
}

static JsonNode *
double_to_node (double   d,
                GError **error)
{
  JsonNode *node;

  if (!check_finite (d, error))
    return NULL;

  node = json_node_init (json_node_alloc (), JSON_NODE_VALUE);
  node_set_double (node, d);
  return node;
}

/* The JSON number grammar, so that strings g_ascii_strtod() also reads
 * (" 1", "0x10", "inf") are not taken for numbers. */
static gboolean
is_json_number (const char *s)
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

  if (node_holds (node, G_TYPE_DOUBLE))
    {
      d = json_node_get_double (node);
    }
  else if (node_holds (node, G_TYPE_INT64))
    {
      gint64 i = json_node_get_int (node);

      d = (double) i;
      if (!int_equals_double (i, d))
        return set_error (error, "Value %" G_GINT64_FORMAT " cannot be represented exactly as %s", i, type_name (type));
    }
  else if (node_holds (node, G_TYPE_STRING))
    {
      const char *s = json_node_get_string (node);

      if (!is_json_number (s))
        return set_error (error, "%s is the JSON string “%s”, but %s was expected", label, s, type_name (type));
      d = g_ascii_strtod (s, NULL);
    }
  else
    {
      return kind_mismatch (error, label, node, type_name (type));
    }

  if (!isfinite (d) || (type == G_TYPE_FLOAT && (d > G_MAXFLOAT || d < -G_MAXFLOAT)))
    return set_error (error, "Value %s is out of range for %s", g_ascii_dtostr (buf, sizeof buf, d), type_name (type));

  *out = d;
  return TRUE;
}

/* Strings, enums, flags, bytes, JsonNode ---------------------------------- */

static JsonNode *
string_to_node (const char *s)
{
  if (s == NULL)
    return json_node_new (JSON_NODE_NULL);

  return json_node_init_string (json_node_alloc (), s);
}

static JsonNode *
strv_to_node (const char * const *strv)
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
    return kind_mismatch (error, label, node, "a JSON array of strings (GStrv)");

  array = json_node_get_array (node);
  length = json_array_get_length (array);
  builder = g_strv_builder_new ();

  for (guint i = 0; i < length; i++)
    {
      JsonNode *element = json_array_get_element (array, i);

      if (!node_holds (element, G_TYPE_STRING))
        return set_error (error, "%s holds %s at index %u, but a GStrv takes only strings",
                          label, node_kind (element), i);
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
      set_error (error, "Cannot carry %d as %s: the enumeration has no such value",
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

  if (!node_holds (node, G_TYPE_STRING))
    {
      g_autofree char *expected = g_strdup_printf ("a nick of %s", G_VALUE_TYPE_NAME (value));

      return kind_mismatch (error, label, node, expected);
    }

  nick = json_node_get_string (node);
  enum_value = g_enum_get_value_by_nick (klass, nick);
  if (enum_value == NULL)
    return set_error (error, "“%s” is not a value of %s", nick, G_VALUE_TYPE_NAME (value));

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
          set_error (error, "Cannot carry the flags 0x%x of %s: the bits 0x%x have no nick",
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

      return kind_mismatch (error, label, node, expected);
    }

  array = json_node_get_array (node);
  length = json_array_get_length (array);

  for (guint i = 0; i < length; i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      GFlagsValue *flags_value;
      const char *nick;

      if (!node_holds (element, G_TYPE_STRING))
        return set_error (error, "%s holds %s at index %u, but %s takes only nicks",
                          label, node_kind (element), i, G_VALUE_TYPE_NAME (value));

      nick = json_node_get_string (element);
      flags_value = g_flags_get_value_by_nick (klass, nick);
      if (flags_value == NULL)
        return set_error (error, "“%s” is not a flag of %s", nick, G_VALUE_TYPE_NAME (value));
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
    return set_error (error, "%s is not valid base64: its length %" G_GSIZE_FORMAT " is not a multiple of 4",
                      label, length);

  while (n_pad < 2 && n_pad < length && s[length - 1 - n_pad] == '=')
    n_pad++;

  for (gsize i = 0; i < length - n_pad; i++)
    {
      if (base64_digit (s[i]) < 0)
        return set_error (error, "%s is not valid base64: unexpected character at offset %" G_GSIZE_FORMAT,
                          label, i);
    }

  /* The bits after the last byte */
  if (n_pad > 0 && (base64_digit (s[length - 1 - n_pad]) & (n_pad == 1 ? 0x3 : 0xf)) != 0)
    return set_error (error, "%s is not canonical base64: the bits after the last byte are not zero", label);

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

  if (!node_holds (node, G_TYPE_STRING))
    return kind_mismatch (error, label, node, "GBytes (a base64 string)");

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
 * (see double_text_is_broken()) cannot be rewritten: it is refused. */
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

          if (!check_finite (d, error))
            return FALSE;
          if (double_text_is_broken (d))
            return set_error (error, "Cannot carry a JsonNode holding the number %s: json-glib 1.6 writes it "
                              "as invalid JSON; pass it as a gdouble argument instead",
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

/* GVariant ---------------------------------------------------------------- */

/* Refuses, for any value, the types json-glib cannot carry: handles, and
 * dictionary keys it cannot write as a member name and read back (doubles
 * lose digits; object paths and signatures make its decoder fail with
 * criticals). */
static gboolean
variant_type_check (const char  *signature,
                    GError     **error)
{
  for (const char *p = signature; *p != '\0'; p++)
    {
      if (*p == 'h')
        return set_error (error, "Cannot carry a GVariant of type %s: handles (h) index file descriptors, "
                          "which do not cross processes as JSON", signature);
      if (*p == '{' && strchr ("bynqiuxts", p[1]) == NULL)
        return set_error (error, "Cannot carry a GVariant of type %s: json-glib cannot use “%c” as a "
                          "dictionary key; use strings or integers", signature, p[1]);
    }

  return TRUE;
}

/* The member name json_gvariant_serialize() gives a dictionary key, for
 * the key types variant_type_check() allows; %NULL for others, which only a
 * variant (v) can hold (and then fails the check in variant_to_node()) */
static char *
variant_key_name (GVariant *key)
{
  switch (g_variant_classify (key))
    {
    case G_VARIANT_CLASS_BOOLEAN:
      return g_strdup (g_variant_get_boolean (key) ? "true" : "false");
    case G_VARIANT_CLASS_BYTE:
      return g_strdup_printf ("%u", g_variant_get_byte (key));
    case G_VARIANT_CLASS_INT16:
      return g_strdup_printf ("%d", g_variant_get_int16 (key));
    case G_VARIANT_CLASS_UINT16:
      return g_strdup_printf ("%u", g_variant_get_uint16 (key));
    case G_VARIANT_CLASS_INT32:
      return g_strdup_printf ("%d", g_variant_get_int32 (key));
    case G_VARIANT_CLASS_UINT32:
      return g_strdup_printf ("%u", g_variant_get_uint32 (key));
    case G_VARIANT_CLASS_INT64:
      return g_strdup_printf ("%" G_GINT64_FORMAT, g_variant_get_int64 (key));
    case G_VARIANT_CLASS_UINT64:
      return g_strdup_printf ("%" G_GUINT64_FORMAT, g_variant_get_uint64 (key));
    case G_VARIANT_CLASS_STRING:
      return g_strdup (g_variant_get_string (key, NULL));
    default:
      return NULL;
    }
}

/* Rewrites the doubles in @node, the JSON json_gvariant_serialize() made of
 * @variant, with node_set_double(). Inside a variant (v) the type is guessed
 * back from the JSON, so there a number that would change form is refused.
 * Repeated dictionary keys share one member, so a node may not match its
 * value; such a variant is refused after this by variant_to_node(). */
static gboolean
variant_to_wire (GVariant  *variant,
                 JsonNode  *node,
                 gboolean   in_variant,
                 GError   **error)
{
  switch (g_variant_classify (variant))
    {
    case G_VARIANT_CLASS_DOUBLE:
      {
        char buf[G_ASCII_DTOSTR_BUF_SIZE];
        double d = g_variant_get_double (variant);

        if (!check_finite (d, error))
          return FALSE;
        if (in_variant && double_text_is_broken (d))
          return set_error (error, "Cannot carry the double %s inside a variant (v): json-glib 1.6 cannot write "
                            "it as a JSON number, and in any other form it would come back as another type",
                            g_ascii_dtostr (buf, sizeof buf, d));
        if (JSON_NODE_HOLDS_VALUE (node))
          node_set_double (node, d);
        return TRUE;
      }

    case G_VARIANT_CLASS_MAYBE:
      {
        g_autoptr(GVariant) child = g_variant_get_maybe (variant);

        return child == NULL || variant_to_wire (child, node, in_variant, error);
      }

    case G_VARIANT_CLASS_VARIANT:
      {
        g_autoptr(GVariant) child = g_variant_get_variant (variant);

        return variant_to_wire (child, node, TRUE, error);
      }

    case G_VARIANT_CLASS_DICT_ENTRY:
      {
        g_autoptr(GVariant) key = g_variant_get_child_value (variant, 0);
        g_autoptr(GVariant) child = g_variant_get_child_value (variant, 1);
        g_autofree char *name = variant_key_name (key);
        JsonNode *member;

        if (name == NULL || !JSON_NODE_HOLDS_OBJECT (node))
          return TRUE;

        member = json_object_get_member (json_node_get_object (node), name);
        return member == NULL || variant_to_wire (child, member, in_variant, error);
      }

    case G_VARIANT_CLASS_ARRAY:
    case G_VARIANT_CLASS_TUPLE:
      {
        gsize n_children = g_variant_n_children (variant);
        JsonArray *array = JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;

        if (strpbrk (g_variant_get_type_string (variant), "dv") == NULL)
          return TRUE;

        for (gsize i = 0; i < n_children; i++)
          {
            g_autoptr(GVariant) child = g_variant_get_child_value (variant, i);
            gboolean ok = TRUE;

            /* An array of dictionary entries is one JSON object */
            if (g_variant_classify (child) == G_VARIANT_CLASS_DICT_ENTRY)
              ok = variant_to_wire (child, node, in_variant, error);
            else if (array != NULL && i < json_array_get_length (array))
              ok = variant_to_wire (child, json_array_get_element (array, i), in_variant, error);
            if (!ok)
              return FALSE;
          }
        return TRUE;
      }

    default:
      return TRUE;
    }
}

static JsonNode *
variant_to_json (GVariant  *variant,
                 GError   **error)
{
  g_autoptr(JsonNode) node = json_gvariant_serialize (variant);

  if (!variant_to_wire (variant, node, FALSE, error))
    return NULL;

  return g_steal_pointer (&node);
}

static JsonNode *
variant_to_node (GVariant  *variant,
                 GError   **error)
{
  g_autoptr(JsonNode) json = NULL;
  g_autoptr(GVariant) back = NULL;
  JsonObject *object;
  const char *signature;

  if (variant == NULL)
    return json_node_new (JSON_NODE_NULL);

  signature = g_variant_get_type_string (variant);
  if (!variant_type_check (signature, error))
    return NULL;

  json = variant_to_json (variant, error);
  if (json == NULL)
    return NULL;

  /* json-glib's mapping loses what JSON does not tell apart: a variant (v)
   * comes back with a type guessed from its JSON, Just Nothing of a maybe in
   * a maybe as Nothing, repeated dictionary keys as one. Refuse such a value
   * rather than deliver another one. */
  back = json_gvariant_deserialize (json, signature, NULL);
  if (back != NULL)
    g_variant_ref_sink (back);
  if (back == NULL || !g_variant_equal (back, variant))
    {
      set_error (error, "Cannot carry this GVariant of type %s: json-glib would not convert it back exactly "
                 "(a variant (v) may hold only int64, double, string, boolean, av and a{sv} with such "
                 "values; a maybe in a maybe and repeated dictionary keys are lost)", signature);
      return NULL;
    }

  object = json_object_new ();
  json_object_set_string_member (object, "signature", signature);
  json_object_set_member (object, "value", g_steal_pointer (&json));
  return node_take_object (object);
}

/* Checks that @node has the shape of @type, so that json_gvariant_deserialize()
 * fails only on a dictionary key. json-glib 1.6 leaks what it built of a
 * dictionary entry whose value does not fit, and hands object paths and
 * signatures to g_variant_new_object_path() and g_variant_new_signature()
 * unchecked, which fail with a critical on a malformed string. */
static gboolean
variant_json_check (JsonNode            *node,
                    const GVariantType  *type,
                    const char          *label,
                    const char          *signature,
                    GError             **error)
{
  g_autofree char *type_string = g_variant_type_dup_string (type);
  gboolean fits;

  switch (type_string[0])
    {
    case 'b':
      fits = node_holds (node, G_TYPE_BOOLEAN);
      break;

    case 'y':
    case 'n':
    case 'q':
    case 'i':
    case 'u':
    case 'x':
    case 't':
      fits = node_holds (node, G_TYPE_INT64);
      break;

    case 'd':
      fits = node_holds (node, G_TYPE_DOUBLE) || node_holds (node, G_TYPE_INT64) ||
             (node_holds (node, G_TYPE_STRING) && is_json_number (json_node_get_string (node)));
      break;

    case 's':
      fits = node_holds (node, G_TYPE_STRING);
      break;

    case 'o':
    case 'g':
      fits = node_holds (node, G_TYPE_STRING);
      if (fits && !(type_string[0] == 'o' ? g_variant_is_object_path (json_node_get_string (node))
                                          : g_variant_is_signature (json_node_get_string (node))))
        return set_error (error, "%s holds “%s”, which is not a valid %s", label, json_node_get_string (node),
                          type_string[0] == 'o' ? "object path" : "GVariant signature");
      break;

    case 'm':
      return JSON_NODE_HOLDS_NULL (node) ||
             variant_json_check (node, g_variant_type_element (type), label, signature, error);

    case 'a':
      if (g_variant_type_is_dict_entry (g_variant_type_element (type)))
        {
          GList *values;
          gboolean ok = TRUE;

          fits = JSON_NODE_HOLDS_OBJECT (node);
          if (!fits)
            break;

          values = json_object_get_values (json_node_get_object (node));
          for (const GList *l = values; ok && l != NULL; l = l->next)
            ok = variant_json_check (l->data, g_variant_type_value (g_variant_type_element (type)),
                                     label, signature, error);
          g_list_free (values);
          return ok;
        }

      fits = JSON_NODE_HOLDS_ARRAY (node);
      if (fits)
        {
          JsonArray *array = json_node_get_array (node);
          guint length = json_array_get_length (array);

          for (guint i = 0; i < length; i++)
            {
              if (!variant_json_check (json_array_get_element (array, i), g_variant_type_element (type),
                                       label, signature, error))
                return FALSE;
            }
        }
      break;

    case '(':
      fits = JSON_NODE_HOLDS_ARRAY (node);
      if (fits)
        {
          JsonArray *array = json_node_get_array (node);
          const GVariantType *item = g_variant_type_first (type);

          if (json_array_get_length (array) != g_variant_type_n_items (type))
            return set_error (error, "%s does not fit its GVariant signature %s: a JSON array of %u elements "
                              "where %s was expected", label, signature, json_array_get_length (array),
                              type_string);

          for (guint i = 0; item != NULL; i++, item = g_variant_type_next (item))
            {
              if (!variant_json_check (json_array_get_element (array, i), item, label, signature, error))
                return FALSE;
            }
        }
      break;

    case '{':
      fits = JSON_NODE_HOLDS_OBJECT (node) && json_object_get_size (json_node_get_object (node)) == 1;
      if (fits)
        {
          GList *values = json_object_get_values (json_node_get_object (node));
          gboolean ok = variant_json_check (values->data, g_variant_type_value (type), label, signature, error);

          g_list_free (values);
          return ok;
        }
      break;

    /* 'v' takes any JSON: json-glib guesses the type */
    default:
      return TRUE;
    }

  if (!fits)
    return set_error (error, "%s does not fit its GVariant signature %s: %s where %s was expected",
                      label, signature, node_kind (node), type_string);

  return TRUE;
}

/* Whether @input says what @canonical, the JSON this codec writes, says.
 * Besides equal JSON, that is an integer where a double is written, and the
 * number itself where double_to_node() wrote an integer or a string (as other
 * JSON writers put it). */
static gboolean
wire_equal (JsonNode *canonical,
            JsonNode *input)
{
  if (JSON_NODE_TYPE (canonical) != JSON_NODE_TYPE (input))
    return FALSE;

  switch (JSON_NODE_TYPE (canonical))
    {
    case JSON_NODE_ARRAY:
      {
        JsonArray *a = json_node_get_array (canonical);
        JsonArray *b = json_node_get_array (input);
        guint length = json_array_get_length (a);

        if (json_array_get_length (b) != length)
          return FALSE;
        for (guint i = 0; i < length; i++)
          {
            if (!wire_equal (json_array_get_element (a, i), json_array_get_element (b, i)))
              return FALSE;
          }
        return TRUE;
      }

    case JSON_NODE_OBJECT:
      {
        JsonObject *a = json_node_get_object (canonical);
        JsonObject *b = json_node_get_object (input);
        GList *members;
        gboolean ok;

        if (json_object_get_size (a) != json_object_get_size (b))
          return FALSE;

        members = json_object_get_members (a);
        ok = TRUE;
        for (const GList *l = members; ok && l != NULL; l = l->next)
          {
            JsonNode *other = json_object_get_member (b, l->data);

            ok = other != NULL && wire_equal (json_object_get_member (a, l->data), other);
          }
        g_list_free (members);
        return ok;
      }

    case JSON_NODE_VALUE:
      break;

    case JSON_NODE_NULL:
    default:
      return TRUE;
    }

  switch (json_node_get_value_type (canonical))
    {
    case G_TYPE_DOUBLE:
      if (node_holds (input, G_TYPE_INT64))
        return int_equals_double (json_node_get_int (input), json_node_get_double (canonical));
      return node_holds (input, G_TYPE_DOUBLE) &&
             json_node_get_double (input) == json_node_get_double (canonical);

    case G_TYPE_INT64:
      if (node_holds (input, G_TYPE_DOUBLE))
        return int_equals_double (json_node_get_int (canonical), json_node_get_double (input));
      return node_holds (input, G_TYPE_INT64) && json_node_get_int (input) == json_node_get_int (canonical);

    case G_TYPE_STRING:
      if (node_holds (input, G_TYPE_DOUBLE))
        return is_json_number (json_node_get_string (canonical)) &&
               g_ascii_strtod (json_node_get_string (canonical), NULL) == json_node_get_double (input);
      return node_holds (input, G_TYPE_STRING) &&
             g_strcmp0 (json_node_get_string (input), json_node_get_string (canonical)) == 0;

    case G_TYPE_BOOLEAN:
      return node_holds (input, G_TYPE_BOOLEAN) &&
             json_node_get_boolean (input) == json_node_get_boolean (canonical);

    default:
      return FALSE;
    }
}

static gboolean
variant_from_node (JsonNode    *node,
                   const char  *label,
                   GValue      *value,
                   GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GVariant) variant = NULL;
  g_autoptr(JsonNode) canonical = NULL;
  JsonObject *object;
  JsonNode *signature_node;
  JsonNode *value_node;
  const char *signature;

  if (JSON_NODE_HOLDS_NULL (node))
    return TRUE;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return kind_mismatch (error, label, node, "a GVariant (a JSON object with “signature” and “value”)");

  object = json_node_get_object (node);
  signature_node = json_object_get_member (object, "signature");
  value_node = json_object_get_member (object, "value");
  if (json_object_get_size (object) != 2 || value_node == NULL ||
      signature_node == NULL || !node_holds (signature_node, G_TYPE_STRING))
    return set_error (error, "%s is not a GVariant: a JSON object with exactly a string “signature” and a "
                      "“value” was expected", label);

  signature = json_node_get_string (signature_node);
  if (!g_variant_type_string_is_valid (signature))
    return set_error (error, "%s has the GVariant signature “%s”, which is not a valid type string",
                      label, signature);

  if (!variant_type_check (signature, error))
    return FALSE;

  if (!variant_json_check (value_node, G_VARIANT_TYPE (signature), label, signature, error))
    return FALSE;

  variant = json_gvariant_deserialize (value_node, signature, &local_error);
  if (variant == NULL)
    return set_error (error, "%s does not fit its GVariant signature %s: %s", label, signature,
                      local_error != NULL ? local_error->message : "json-glib gave no reason");
  g_variant_ref_sink (variant);

  /* json-glib wraps integers that are out of range for their type and reads
   * numbers out of strings: take only JSON this codec would have written. */
  canonical = variant_to_json (variant, error);
  if (canonical == NULL)
    return FALSE;
  if (!wire_equal (canonical, value_node))
    return set_error (error, "%s does not fit its GVariant signature %s: a number is out of range or written "
                      "as a string, or a dictionary key is not written the way json-glib writes it",
                      label, signature);

  g_value_take_variant (value, g_steal_pointer (&variant));
  return TRUE;
}

/* GObject ----------------------------------------------------------------- */

static gboolean decode_into (JsonNode    *node,
                             const char  *label,
                             GValue      *value,
                             GError     **error);

static gboolean object_type_check (GType        type,
                                   GHashTable  *checking,
                                   GError     **error);

/* The property types json_gobject_serialize() and json_gobject_deserialize()
 * handle without a JsonSerializable class; json-glib warns on others. */
static gboolean
property_type_check (GType        owner,
                     GParamSpec  *pspec,
                     GHashTable  *checking,
                     GError     **error)
{
  GType type = G_PARAM_SPEC_VALUE_TYPE (pspec);

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
    case G_TYPE_ENUM:
    case G_TYPE_FLAGS:
      return TRUE;

    case G_TYPE_BOXED:
      if (type == G_TYPE_STRV)
        return TRUE;
      break;

    case G_TYPE_OBJECT:
      return object_type_check (type, checking, error);

    default:
      break;
    }

  return set_error (error, "Cannot carry a value of type %s: its property “%s” has type %s, which "
                    "json-glib cannot serialize without JsonSerializable",
                    type_name (owner), pspec->name, type_name (type));
}

static gboolean
object_type_check (GType        type,
                   GHashTable  *checking,
                   GError     **error)
{
  g_autoptr(GTypeClass) klass = NULL;
  g_autofree GParamSpec **pspecs = NULL;
  guint n_pspecs;

  if (G_TYPE_IS_ABSTRACT (type))
    return set_error (error, "Cannot carry a value of type %s: the type is abstract, so the receiving "
                      "side could not create one", type_name (type));

  /* Such a class maps its own properties */
  if (g_type_is_a (type, JSON_TYPE_SERIALIZABLE))
    return TRUE;

  /* A type met again holds itself (a list, a tree): it is being checked */
  if (!g_hash_table_add (checking, GSIZE_TO_POINTER (type)))
    return TRUE;

  klass = g_type_class_ref (type);
  pspecs = g_object_class_list_properties (G_OBJECT_CLASS (klass), &n_pspecs);
  for (guint i = 0; i < n_pspecs; i++)
    {
      if ((pspecs[i]->flags & G_PARAM_READABLE) != 0 &&
          !property_type_check (type, pspecs[i], checking, error))
        return FALSE;
    }

  return TRUE;
}

/* json_gobject_deserialize() creates the declared type, and
 * json_gobject_serialize() recurses forever into a cycle: check the
 * instances before serializing. */
static gboolean
object_graph_check (GObject    *object,
                    GType       declared,
                    GPtrArray  *path,
                    GError    **error)
{
  g_autofree GParamSpec **pspecs = NULL;
  guint n_pspecs;

  if (G_OBJECT_TYPE (object) != declared)
    return set_error (error, "Cannot carry a %s where %s is declared: the receiving side would create "
                      "a %s and lose the rest", G_OBJECT_TYPE_NAME (object), type_name (declared),
                      type_name (declared));

  if (JSON_IS_SERIALIZABLE (object))
    return TRUE;

  if (g_ptr_array_find (path, object, NULL))
    return set_error (error, "Cannot carry this %s: it refers back to itself through its properties, "
                      "which JSON cannot express", G_OBJECT_TYPE_NAME (object));

  g_ptr_array_add (path, object);

  pspecs = g_object_class_list_properties (G_OBJECT_GET_CLASS (object), &n_pspecs);
  for (guint i = 0; i < n_pspecs; i++)
    {
      g_autoptr(GObject) child = NULL;

      if ((pspecs[i]->flags & G_PARAM_READABLE) == 0 ||
          !g_type_is_a (pspecs[i]->value_type, G_TYPE_OBJECT))
        continue;

      g_object_get (object, pspecs[i]->name, &child, NULL);
      if (child != NULL && !object_graph_check (child, pspecs[i]->value_type, path, error))
        return FALSE;
    }

  g_ptr_array_remove_index (path, path->len - 1);
  return TRUE;
}

/* The JSON json_gobject_serialize() writes for a property value of these
 * fundamental types: every integer, enum and flags value as a JSON integer,
 * a guint64 wrapped into a gint64. */
static JsonNode *
json_glib_scalar_node (const GValue *value)
{
  gint64 i;

  switch (G_TYPE_FUNDAMENTAL (G_VALUE_TYPE (value)))
    {
    case G_TYPE_BOOLEAN:
      return json_node_init_boolean (json_node_alloc (), g_value_get_boolean (value));
    case G_TYPE_CHAR:
      i = g_value_get_schar (value);
      break;
    case G_TYPE_UCHAR:
      i = g_value_get_uchar (value);
      break;
    case G_TYPE_INT:
      i = g_value_get_int (value);
      break;
    case G_TYPE_UINT:
      i = g_value_get_uint (value);
      break;
    case G_TYPE_LONG:
      i = g_value_get_long (value);
      break;
    case G_TYPE_ULONG:
      i = (gint64) g_value_get_ulong (value);
      break;
    case G_TYPE_INT64:
      i = g_value_get_int64 (value);
      break;
    case G_TYPE_UINT64:
      i = (gint64) g_value_get_uint64 (value);
      break;
    case G_TYPE_ENUM:
      i = g_value_get_enum (value);
      break;
    case G_TYPE_FLAGS:
      i = g_value_get_flags (value);
      break;
    default:
      g_assert_not_reached ();
    }

  return json_node_init_int (json_node_alloc (), i);
}

/* Completes what json_gobject_serialize() wrote of @object into @json:
 * - it skips properties at their default, which the receiving side's
 *   instance may not have (an init() that sets another value), so every
 *   readable and writable property is written;
 * - it writes a NULL string that is not the default as a string node
 *   without a string, which its generator cannot print: that becomes null;
 * - doubles go through node_set_double().
 * A NULL GStrv stays left out: json-glib cannot read null for it. */
static gboolean
object_to_wire (GObject     *object,
                JsonObject  *json,
                GError     **error)
{
  g_autofree GParamSpec **pspecs = NULL;
  guint n_pspecs;

  if (JSON_IS_SERIALIZABLE (object))
    return TRUE;

  pspecs = g_object_class_list_properties (G_OBJECT_GET_CLASS (object), &n_pspecs);
  for (guint i = 0; i < n_pspecs; i++)
    {
      GParamSpec *pspec = pspecs[i];
      g_auto(GValue) value = G_VALUE_INIT;
      JsonNode *member;
      gboolean writable = (pspec->flags & G_PARAM_WRITABLE) != 0;

      if ((pspec->flags & G_PARAM_READABLE) == 0)
        continue;

      member = json_object_get_member (json, pspec->name);
      g_value_init (&value, pspec->value_type);
      g_object_get_property (object, pspec->name, &value);

      switch (G_TYPE_FUNDAMENTAL (pspec->value_type))
        {
        case G_TYPE_FLOAT:
        case G_TYPE_DOUBLE:
          {
            double d = G_VALUE_HOLDS_FLOAT (&value) ? g_value_get_float (&value) : g_value_get_double (&value);

            if (!isfinite (d))
              {
                char buf[G_ASCII_DTOSTR_BUF_SIZE];

                return set_error (error, "Cannot carry this %s: its property “%s” is %s, and JSON has no "
                                  "NaN or infinity", G_OBJECT_TYPE_NAME (object), pspec->name,
                                  g_ascii_dtostr (buf, sizeof buf, d));
              }
            if (member != NULL)
              node_set_double (member, d);
            else if (writable)
              json_object_set_member (json, pspec->name, double_to_node (d, NULL));
          }
          break;

        case G_TYPE_STRING:
          if (member != NULL || writable)
            json_object_set_member (json, pspec->name, string_to_node (g_value_get_string (&value)));
          break;

        case G_TYPE_BOXED:
          if (member == NULL && writable && g_value_get_boxed (&value) != NULL)
            json_object_set_member (json, pspec->name, strv_to_node (g_value_get_boxed (&value)));
          break;

        case G_TYPE_OBJECT:
          if (g_value_get_object (&value) == NULL)
            {
              if (member == NULL && writable)
                json_object_set_null_member (json, pspec->name);
            }
          else if (member != NULL &&
                   !object_to_wire (g_value_get_object (&value), json_node_get_object (member), error))
            {
              return FALSE;
            }
          break;

        default:
          if (member == NULL && writable)
            json_object_set_member (json, pspec->name, json_glib_scalar_node (&value));
          break;
        }
    }

  return TRUE;
}

static JsonNode *
object_to_node (const GValue  *value,
                GError       **error)
{
  g_autoptr(GPtrArray) path = NULL;
  g_autoptr(JsonNode) node = NULL;
  GObject *object = g_value_get_object (value);

  if (object == NULL)
    return json_node_new (JSON_NODE_NULL);

  path = g_ptr_array_new ();
  if (!object_graph_check (object, G_VALUE_TYPE (value), path, error))
    return NULL;

  node = json_gobject_serialize (object);
  if (!object_to_wire (object, json_node_get_object (node), error))
    return NULL;

  return g_steal_pointer (&node);
}

static JsonNode *object_from_wire (GType        type,
                                   JsonObject  *json,
                                   GError     **error);

/* Checks what json_gobject_deserialize() takes without a word (it truncates
 * integers and warns on a mismatch) and sets @out to the member to give it. */
static gboolean
property_from_wire (GType        owner,
                    GParamSpec  *pspec,
                    JsonNode    *node,
                    JsonNode   **out,
                    GError     **error)
{
  g_autofree char *label = g_strdup_printf ("Property “%s” of %s", pspec->name, type_name (owner));
  g_autofree char *contents = NULL;
  g_auto(GValue) value = G_VALUE_INIT;
  GType type = pspec->value_type;
  gint64 i;

  *out = NULL;
  g_value_init (&value, type);

  switch (G_TYPE_FUNDAMENTAL (type))
    {
    /* json-glib writes these as a gint64, wrapped past G_MAXINT64 */
    case G_TYPE_ULONG:
      if (!int_from_node (node, label, type, G_MININT64, G_MAXINT64, &i, error))
        return FALSE;
      if ((guint64) i > G_MAXULONG)
        return set_error (error, "Value %" G_GINT64_FORMAT " is out of range for gulong", i);
      g_value_set_ulong (&value, (gulong) i);
      break;

    case G_TYPE_UINT64:
      if (!int_from_node (node, label, type, G_MININT64, G_MAXINT64, &i, error))
        return FALSE;
      g_value_set_uint64 (&value, (guint64) i);
      break;

    /* and these as integers, not nicks */
    case G_TYPE_ENUM:
      if (!int_from_node (node, label, type, G_MININT, G_MAXINT, &i, error))
        return FALSE;
      g_value_set_enum (&value, (int) i);
      break;

    case G_TYPE_FLAGS:
      if (!int_from_node (node, label, type, 0, G_MAXUINT, &i, error))
        return FALSE;
      g_value_set_flags (&value, (guint) i);
      break;

    case G_TYPE_OBJECT:
      if (JSON_NODE_HOLDS_NULL (node))
        {
          *out = json_node_new (JSON_NODE_NULL);
          return TRUE;
        }
      if (!JSON_NODE_HOLDS_OBJECT (node))
        return kind_mismatch (error, label, node, "a JSON object of properties");
      *out = object_from_wire (type, json_node_get_object (node), error);
      return *out != NULL;

    case G_TYPE_BOXED:
      /* GStrv, the only boxed type property_type_check() lets through;
       * json-glib cannot set it to NULL */
      if (!JSON_NODE_HOLDS_ARRAY (node))
        return kind_mismatch (error, label, node, "a JSON array of strings (GStrv)");
      G_GNUC_FALLTHROUGH;

    /* The rest json-glib writes as this codec does */
    default:
      if (!decode_into (node, label, &value, error))
        return FALSE;
      break;
    }

  /* The property's own limits (a range, the values of its enum), which
   * g_object_set_property() would enforce by clamping with a warning */
  contents = g_strdup_value_contents (&value);
  if (g_param_value_validate (pspec, &value))
    return set_error (error, "Value %s is out of range for property “%s” of %s",
                      contents, pspec->name, type_name (owner));

  /* json-glib reads a double only from a JSON number */
  if (G_VALUE_HOLDS_FLOAT (&value))
    *out = json_node_init_double (json_node_alloc (), g_value_get_float (&value));
  else if (G_VALUE_HOLDS_DOUBLE (&value))
    *out = json_node_init_double (json_node_alloc (), g_value_get_double (&value));
  else
    *out = json_node_copy (node);

  return TRUE;
}

static JsonNode *
object_from_wire (GType        type,
                  JsonObject  *json,
                  GError     **error)
{
  g_autoptr(GTypeClass) klass = NULL;
  g_autoptr(JsonObject) result = NULL;
  GList *members;
  gboolean ok = TRUE;

  /* Such a class reads its own properties */
  if (g_type_is_a (type, JSON_TYPE_SERIALIZABLE))
    return json_node_init_object (json_node_alloc (), json);

  klass = g_type_class_ref (type);
  result = json_object_new ();
  members = json_object_get_members (json);

  for (const GList *l = members; ok && l != NULL; l = l->next)
    {
      const char *name = l->data;
      GParamSpec *pspec = g_object_class_find_property (G_OBJECT_CLASS (klass), name);
      JsonNode *member;

      if (pspec == NULL)
        {
          ok = set_error (error, "%s has no property “%s”", type_name (type), name);
          break;
        }

      /* json_gobject_serialize() writes read-only properties too */
      if ((pspec->flags & G_PARAM_WRITABLE) == 0)
        continue;

      ok = property_from_wire (type, pspec, json_object_get_member (json, name), &member, error);
      if (ok)
        json_object_set_member (result, name, member);
    }

  g_list_free (members);

  return ok ? node_take_object (g_steal_pointer (&result)) : NULL;
}

static gboolean
object_from_node (JsonNode    *node,
                  const char  *label,
                  GValue      *value,
                  GError     **error)
{
  g_autoptr(JsonNode) wire = NULL;
  GObject *object;

  if (JSON_NODE_HOLDS_NULL (node))
    return TRUE;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return kind_mismatch (error, label, node, "a JSON object of properties");

  wire = object_from_wire (G_VALUE_TYPE (value), json_node_get_object (node), error);
  if (wire == NULL)
    return FALSE;

  object = json_gobject_deserialize (G_VALUE_TYPE (value), wire);
  if (g_object_is_floating (object))
    g_object_ref_sink (object);
  g_value_take_object (value, object);
  return TRUE;
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
      return object_type_check (type, checking, error);

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
      return double_to_node (g_value_get_float (value), error);
    case G_TYPE_DOUBLE:
      return double_to_node (g_value_get_double (value), error);
    case G_TYPE_STRING:
      return string_to_node (g_value_get_string (value));
    case G_TYPE_ENUM:
      return enum_to_node (value, error);
    case G_TYPE_FLAGS:
      return flags_to_node (value, error);
    case G_TYPE_VARIANT:
      return variant_to_node (g_value_get_variant (value), error);
    case G_TYPE_OBJECT:
      return object_to_node (value, error);
    default:
      break;
    }

  if (type == G_TYPE_STRV)
    return strv_to_node (g_value_get_boxed (value));
  if (type == G_TYPE_BYTES)
    return bytes_to_node (g_value_get_boxed (value));

  g_assert (type == JSON_TYPE_NODE);
  return json_node_to_node (g_value_get_boxed (value), error);
}

/* @value is initialized to its type and holds its zero value */
static gboolean
decode_into (JsonNode    *node,
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
      if (!node_holds (node, G_TYPE_BOOLEAN))
        return kind_mismatch (error, label, node, "gboolean");
      g_value_set_boolean (value, json_node_get_boolean (node));
      return TRUE;

    case G_TYPE_CHAR:
      if (!int_from_node (node, label, type, G_MININT8, G_MAXINT8, &i, error))
        return FALSE;
      g_value_set_schar (value, (gint8) i);
      return TRUE;

    case G_TYPE_UCHAR:
      if (!int_from_node (node, label, type, 0, G_MAXUINT8, &i, error))
        return FALSE;
      g_value_set_uchar (value, (guchar) i);
      return TRUE;

    case G_TYPE_INT:
      if (!int_from_node (node, label, type, G_MININT, G_MAXINT, &i, error))
        return FALSE;
      g_value_set_int (value, (int) i);
      return TRUE;

    case G_TYPE_UINT:
      if (!int_from_node (node, label, type, 0, G_MAXUINT, &i, error))
        return FALSE;
      g_value_set_uint (value, (guint) i);
      return TRUE;

    case G_TYPE_LONG:
      if (!int_from_node (node, label, type, G_MINLONG, G_MAXLONG, &i, error))
        return FALSE;
      g_value_set_long (value, (glong) i);
      return TRUE;

    case G_TYPE_INT64:
      if (!int_from_node (node, label, type, G_MININT64, G_MAXINT64, &i, error))
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
      if (node_holds (node, G_TYPE_STRING))
        g_value_set_string (value, json_node_get_string (node));
      else if (!JSON_NODE_HOLDS_NULL (node))
        return kind_mismatch (error, label, node, "a string");
      return TRUE;

    case G_TYPE_ENUM:
      return enum_from_node (node, label, value, error);

    case G_TYPE_FLAGS:
      return flags_from_node (node, label, value, error);

    case G_TYPE_VARIANT:
      return variant_from_node (node, label, value, error);

    case G_TYPE_OBJECT:
      return object_from_node (node, label, value, error);

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
  if (decode_into (node, label, value, error))
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
    return kind_mismatch (error, "The argument list", array, "a JSON array");

  json = json_node_get_array (array);
  length = json_array_get_length (json);
  if (length != n_types)
    return set_error (error, "Expected %u argument%s, but the JSON array holds %u",
                      n_types, n_types == 1 ? "" : "s", length);

  for (guint i = 0; i < n_types; i++)
    {
      g_autofree char *label = g_strdup_printf ("Argument %u", i + 1);
      g_autoptr(GError) local_error = NULL;

      if (decode_value (json_array_get_element (json, i), types[i], label, &values[i], &local_error))
        continue;

      while (i-- > 0)
        g_value_unset (&values[i]);

      /* Name the argument, unless the message starts with it */
      if (!g_str_has_prefix (local_error->message, label) || local_error->message[strlen (label)] != ' ')
        g_prefix_error (&local_error, "%s: ", label);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  return TRUE;
}
