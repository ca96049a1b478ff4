/* mre-value-codec-variant.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "mre-value-codec-parts-private.h"

/*
 * The GVariant part of the mapping (see mre-value-codec.c for the rest):
 *
 *   GVariant                   {"signature": "a{sv}", "value": ...}, the value
 *                              as json_gvariant_serialize() writes it; a value
 *                              json-glib would not read back exactly is refused
 */

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
        return mre_value_codec_set_error (error,
                                          "Cannot carry a GVariant of type %s: handles (h) index file descriptors, "
                                          "which do not cross processes as JSON", signature);
      if (*p == '{' && strchr ("bynqiuxts", p[1]) == NULL)
        return mre_value_codec_set_error (error, "Cannot carry a GVariant of type %s: json-glib cannot use “%c” as a "
                                          "dictionary key; use strings or integers", signature, p[1]);
    }

  return TRUE;
}

/* The member name json_gvariant_serialize() gives a dictionary key, for
 * the key types variant_type_check() allows; %NULL for others, which only a
 * variant (v) can hold (and then fails the check in
 * mre_value_codec_variant_to_node()) */
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
 * @variant, with mre_value_codec_node_set_double(). Inside a variant (v) the
 * type is guessed back from the JSON, so there a number that would change
 * form is refused. Repeated dictionary keys share one member, so a node may
 * not match its value; such a variant is refused after this by
 * mre_value_codec_variant_to_node(). */
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

        if (!mre_value_codec_check_finite (d, error))
          return FALSE;
        if (in_variant && mre_value_codec_double_text_is_broken (d))
          return mre_value_codec_set_error (error,
                                            "Cannot carry the double %s inside a variant (v): json-glib 1.6 cannot "
                                            "write it as a JSON number, and in any other form it would come back as "
                                            "another type", g_ascii_dtostr (buf, sizeof buf, d));
        if (JSON_NODE_HOLDS_VALUE (node))
          mre_value_codec_node_set_double (node, d);
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

JsonNode *
mre_value_codec_variant_to_node (GVariant  *variant,
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
      mre_value_codec_set_error (error,
                                 "Cannot carry this GVariant of type %s: json-glib would not convert it back exactly "
                                 "(a variant (v) may hold only int64, double, string, boolean, av and a{sv} with "
                                 "such values; a maybe in a maybe and repeated dictionary keys are lost)", signature);
      return NULL;
    }

  object = json_object_new ();
  json_object_set_string_member (object, "signature", signature);
  json_object_set_member (object, "value", g_steal_pointer (&json));
  return mre_value_codec_node_take_object (object);
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
      fits = mre_value_codec_node_holds (node, G_TYPE_BOOLEAN);
      break;

    case 'y':
    case 'n':
    case 'q':
    case 'i':
    case 'u':
    case 'x':
    case 't':
      fits = mre_value_codec_node_holds (node, G_TYPE_INT64);
      break;

    case 'd':
      fits = mre_value_codec_node_holds (node, G_TYPE_DOUBLE) || mre_value_codec_node_holds (node, G_TYPE_INT64) ||
             (mre_value_codec_node_holds (node, G_TYPE_STRING) &&
              mre_value_codec_is_json_number (json_node_get_string (node)));
      break;

    case 's':
      fits = mre_value_codec_node_holds (node, G_TYPE_STRING);
      break;

    case 'o':
    case 'g':
      fits = mre_value_codec_node_holds (node, G_TYPE_STRING);
      if (fits && !(type_string[0] == 'o' ? g_variant_is_object_path (json_node_get_string (node))
                                          : g_variant_is_signature (json_node_get_string (node))))
        return mre_value_codec_set_error (error, "%s holds “%s”, which is not a valid %s",
                                          label, json_node_get_string (node),
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
            return mre_value_codec_set_error (error,
                                              "%s does not fit its GVariant signature %s: a JSON array of %u "
                                              "elements where %s was expected", label, signature,
                                              json_array_get_length (array), type_string);

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
    return mre_value_codec_set_error (error, "%s does not fit its GVariant signature %s: %s where %s was expected",
                                      label, signature, mre_value_codec_node_kind (node), type_string);

  return TRUE;
}

/* Whether @input says what @canonical, the JSON this codec writes, says.
 * Besides equal JSON, that is an integer where a double is written, and the
 * number itself where mre_value_codec_double_to_node() wrote an integer or a
 * string (as other JSON writers put it). */
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
      if (mre_value_codec_node_holds (input, G_TYPE_INT64))
        return mre_value_codec_int_equals_double (json_node_get_int (input), json_node_get_double (canonical));
      return mre_value_codec_node_holds (input, G_TYPE_DOUBLE) &&
             json_node_get_double (input) == json_node_get_double (canonical);

    case G_TYPE_INT64:
      if (mre_value_codec_node_holds (input, G_TYPE_DOUBLE))
        return mre_value_codec_int_equals_double (json_node_get_int (canonical), json_node_get_double (input));
      return mre_value_codec_node_holds (input, G_TYPE_INT64) &&
             json_node_get_int (input) == json_node_get_int (canonical);

    case G_TYPE_STRING:
      if (mre_value_codec_node_holds (input, G_TYPE_DOUBLE))
        return mre_value_codec_is_json_number (json_node_get_string (canonical)) &&
               g_ascii_strtod (json_node_get_string (canonical), NULL) == json_node_get_double (input);
      return mre_value_codec_node_holds (input, G_TYPE_STRING) &&
             g_strcmp0 (json_node_get_string (input), json_node_get_string (canonical)) == 0;

    case G_TYPE_BOOLEAN:
      return mre_value_codec_node_holds (input, G_TYPE_BOOLEAN) &&
             json_node_get_boolean (input) == json_node_get_boolean (canonical);

    default:
      return FALSE;
    }
}

gboolean
mre_value_codec_variant_from_node (JsonNode    *node,
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
    return mre_value_codec_kind_mismatch (error, label, node,
                                          "a GVariant (a JSON object with “signature” and “value”)");

  object = json_node_get_object (node);
  signature_node = json_object_get_member (object, "signature");
  value_node = json_object_get_member (object, "value");
  if (json_object_get_size (object) != 2 || value_node == NULL ||
      signature_node == NULL || !mre_value_codec_node_holds (signature_node, G_TYPE_STRING))
    return mre_value_codec_set_error (error,
                                      "%s is not a GVariant: a JSON object with exactly a string “signature” and a "
                                      "“value” was expected", label);

  signature = json_node_get_string (signature_node);
  if (!g_variant_type_string_is_valid (signature))
    return mre_value_codec_set_error (error, "%s has the GVariant signature “%s”, which is not a valid type string",
                                      label, signature);

  if (!variant_type_check (signature, error))
    return FALSE;

  if (!variant_json_check (value_node, G_VARIANT_TYPE (signature), label, signature, error))
    return FALSE;

  variant = json_gvariant_deserialize (value_node, signature, &local_error);
  if (variant == NULL)
    return mre_value_codec_set_error (error, "%s does not fit its GVariant signature %s: %s", label, signature,
                                      local_error != NULL ? local_error->message : "json-glib gave no reason");
  g_variant_ref_sink (variant);

  /* json-glib wraps integers that are out of range for their type and reads
   * numbers out of strings: take only JSON this codec would have written. */
  canonical = variant_to_json (variant, error);
  if (canonical == NULL)
    return FALSE;
  if (!wire_equal (canonical, value_node))
    return mre_value_codec_set_error (error,
                                      "%s does not fit its GVariant signature %s: a number is out of range or "
                                      "written as a string, or a dictionary key is not written the way json-glib "
                                      "writes it", label, signature);

  g_value_take_variant (value, g_steal_pointer (&variant));
  return TRUE;
}
