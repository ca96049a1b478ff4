/* mre-value-codec-object.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <math.h>

#include "mre-value-codec-parts-private.h"

/*
 * The GObject part of the mapping (see mre-value-codec.c for the rest):
 *
 *   GObject subtypes           JSON object of properties, as
 *                              json_gobject_serialize() writes it; NULL is null
 */

/* The property types json_gobject_serialize() and json_gobject_deserialize()
 * handle without a JsonSerializable class; json-glib warns on others. */
static gboolean
property_type_check (GType        owner,
                     GParamSpec  *pspec,
                     GHashTable  *checking,
                     GError     **error)
{
  GType type = G_PARAM_SPEC_VALUE_TYPE (pspec);

  if (mre_value_codec_is_scalar (type))
    return TRUE;

  switch (G_TYPE_FUNDAMENTAL (type))
    {
    case G_TYPE_ENUM:
    case G_TYPE_FLAGS:
      return TRUE;

    case G_TYPE_BOXED:
      if (type == G_TYPE_STRV)
        return TRUE;
      break;

    case G_TYPE_OBJECT:
      return mre_value_codec_object_type_check (type, checking, error);

    default:
      break;
    }

  return mre_value_codec_set_error (error, "Cannot carry a value of type %s: its property “%s” has type %s, which "
                                    "json-glib cannot serialize without JsonSerializable",
                                    mre_value_codec_type_name (owner), pspec->name, mre_value_codec_type_name (type));
}

gboolean
mre_value_codec_object_type_check (GType        type,
                                   GHashTable  *checking,
                                   GError     **error)
{
  g_autoptr(GTypeClass) klass = NULL;
  g_autofree GParamSpec **pspecs = NULL;
  guint n_pspecs;

  if (G_TYPE_IS_ABSTRACT (type))
    return mre_value_codec_set_error (error, "Cannot carry a value of type %s: the type is abstract, so the receiving "
                                      "side could not create one", mre_value_codec_type_name (type));

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
    return mre_value_codec_set_error (error, "Cannot carry a %s where %s is declared: the receiving side would create "
                                      "a %s and lose the rest", G_OBJECT_TYPE_NAME (object),
                                      mre_value_codec_type_name (declared), mre_value_codec_type_name (declared));

  if (JSON_IS_SERIALIZABLE (object))
    return TRUE;

  if (g_ptr_array_find (path, object, NULL))
    return mre_value_codec_set_error (error, "Cannot carry this %s: it refers back to itself through its properties, "
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
 * - doubles go through mre_value_codec_node_set_double().
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

                return mre_value_codec_set_error (error,
                                                  "Cannot carry this %s: its property “%s” is %s, and JSON has no "
                                                  "NaN or infinity", G_OBJECT_TYPE_NAME (object), pspec->name,
                                                  g_ascii_dtostr (buf, sizeof buf, d));
              }
            if (member != NULL)
              mre_value_codec_node_set_double (member, d);
            else if (writable)
              json_object_set_member (json, pspec->name, mre_value_codec_double_to_node (d, NULL));
          }
          break;

        case G_TYPE_STRING:
          if (member != NULL || writable)
            json_object_set_member (json, pspec->name, mre_value_codec_string_to_node (g_value_get_string (&value)));
          break;

        case G_TYPE_BOXED:
          if (member == NULL && writable && g_value_get_boxed (&value) != NULL)
            json_object_set_member (json, pspec->name, mre_value_codec_strv_to_node (g_value_get_boxed (&value)));
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

JsonNode *
mre_value_codec_object_to_node (const GValue  *value,
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
  g_autofree char *label = g_strdup_printf ("Property “%s” of %s", pspec->name, mre_value_codec_type_name (owner));
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
      if (!mre_value_codec_int_from_node (node, label, type, G_MININT64, G_MAXINT64, &i, error))
        return FALSE;
      if ((guint64) i > G_MAXULONG)
        return mre_value_codec_set_error (error, "Value %" G_GINT64_FORMAT " is out of range for gulong", i);
      g_value_set_ulong (&value, (gulong) i);
      break;

    case G_TYPE_UINT64:
      if (!mre_value_codec_int_from_node (node, label, type, G_MININT64, G_MAXINT64, &i, error))
        return FALSE;
      g_value_set_uint64 (&value, (guint64) i);
      break;

    /* and these as integers, not nicks */
    case G_TYPE_ENUM:
      if (!mre_value_codec_int_from_node (node, label, type, G_MININT, G_MAXINT, &i, error))
        return FALSE;
      g_value_set_enum (&value, (int) i);
      break;

    case G_TYPE_FLAGS:
      if (!mre_value_codec_int_from_node (node, label, type, 0, G_MAXUINT, &i, error))
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
        return mre_value_codec_kind_mismatch (error, label, node, "a JSON object of properties");
      *out = object_from_wire (type, json_node_get_object (node), error);
      return *out != NULL;

    case G_TYPE_BOXED:
      /* GStrv, the only boxed type property_type_check() lets through;
       * json-glib cannot set it to NULL */
      if (!JSON_NODE_HOLDS_ARRAY (node))
        return mre_value_codec_kind_mismatch (error, label, node, "a JSON array of strings (GStrv)");
      G_GNUC_FALLTHROUGH;

    /* The rest json-glib writes as this codec does */
    default:
      if (!mre_value_codec_decode_into (node, label, &value, error))
        return FALSE;
      break;
    }

  /* The property's own limits (a range, the values of its enum), which
   * g_object_set_property() would enforce by clamping with a warning */
  contents = g_strdup_value_contents (&value);
  if (g_param_value_validate (pspec, &value))
    return mre_value_codec_set_error (error, "Value %s is out of range for property “%s” of %s",
                                      contents, pspec->name, mre_value_codec_type_name (owner));

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
          ok = mre_value_codec_set_error (error, "%s has no property “%s”", mre_value_codec_type_name (type), name);
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

  return ok ? mre_value_codec_node_take_object (g_steal_pointer (&result)) : NULL;
}

gboolean
mre_value_codec_object_from_node (JsonNode    *node,
                                  const char  *label,
                                  GValue      *value,
                                  GError     **error)
{
  g_autoptr(JsonNode) wire = NULL;
  GObject *object;

  if (JSON_NODE_HOLDS_NULL (node))
    return TRUE;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return mre_value_codec_kind_mismatch (error, label, node, "a JSON object of properties");

  wire = object_from_wire (G_VALUE_TYPE (value), json_node_get_object (node), error);
  if (wire == NULL)
    return FALSE;

  object = json_gobject_deserialize (G_VALUE_TYPE (value), wire);
  if (g_object_is_floating (object))
    g_object_ref_sink (object);
  g_value_take_object (value, object);
  return TRUE;
}
