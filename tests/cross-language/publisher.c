/* publisher.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/*
 * The C side of the cross-language test: as the peer "c-publisher", publishes
 * one value of every type that crosses processes (test_make_values(), the
 * values tests/test-cross.c sends) as the arguments of two events,
 * "types.numbers" and "types.others" (see event_of()).
 *
 *   publisher --socket PATH   publishes the two events, flushes, exits 0
 *   publisher --canonical     prints the values it would send in the
 *                             canonical form of expected.json, and exits
 *
 * The canonical form is defined in run.py; --canonical is how the driver
 * checks that expected.json still describes what C sends.
 */

#include <stdio.h>
#include <string.h>

#include "../test-values.h"

static void add_canonical_value (JsonBuilder  *builder,
                                 const GValue *value);

static char *
double_bits (double d)
{
  guint64 bits;

  memcpy (&bits, &d, sizeof bits);
  return g_strdup_printf ("%016" G_GINT64_MODIFIER "x", bits);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static void
add_object (JsonBuilder *builder,
            GObject     *object)
{
  g_autofree GParamSpec **pspecs = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  guint n_pspecs;

  if (object == NULL)
    {
      json_builder_add_null_value (builder);
      return;
    }

  pspecs = g_object_class_list_properties (G_OBJECT_GET_CLASS (object), &n_pspecs);
  for (guint i = 0; i < n_pspecs; i++)
    if ((pspecs[i]->flags & G_PARAM_READWRITE) == G_PARAM_READWRITE)
      g_ptr_array_add (names, (gpointer) pspecs[i]->name);
  g_ptr_array_sort (names, compare_names);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, G_OBJECT_TYPE_NAME (object));
  json_builder_set_member_name (builder, "properties");
  json_builder_begin_object (builder);
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (object), name);
      g_auto(GValue) value = G_VALUE_INIT;

      g_value_init (&value, pspec->value_type);
      g_object_get_property (object, name, &value);
      json_builder_set_member_name (builder, name);
      add_canonical_value (builder, &value);
    }
  json_builder_end_object (builder);
  json_builder_end_object (builder);
}

/* The value's canonical form (run.py) */
static void
add_canonical_value (JsonBuilder  *builder,
                     const GValue *value)
{
  GType type = G_VALUE_TYPE (value);
  g_autofree char *text = NULL;

  switch (G_TYPE_FUNDAMENTAL (type))
    {
    case G_TYPE_BOOLEAN:
      json_builder_add_boolean_value (builder, g_value_get_boolean (value));
      return;
    case G_TYPE_CHAR:
      text = g_strdup_printf ("%d", g_value_get_schar (value));
      break;
    case G_TYPE_UCHAR:
      text = g_strdup_printf ("%u", g_value_get_uchar (value));
      break;
    case G_TYPE_INT:
      text = g_strdup_printf ("%d", g_value_get_int (value));
      break;
    case G_TYPE_UINT:
      text = g_strdup_printf ("%u", g_value_get_uint (value));
      break;
    case G_TYPE_LONG:
      text = g_strdup_printf ("%ld", g_value_get_long (value));
      break;
    case G_TYPE_ULONG:
      text = g_strdup_printf ("%lu", g_value_get_ulong (value));
      break;
    case G_TYPE_INT64:
      text = g_strdup_printf ("%" G_GINT64_FORMAT, g_value_get_int64 (value));
      break;
    case G_TYPE_UINT64:
      text = g_strdup_printf ("%" G_GUINT64_FORMAT, g_value_get_uint64 (value));
      break;
    case G_TYPE_ENUM:
      text = g_strdup_printf ("%d", g_value_get_enum (value));
      break;
    case G_TYPE_FLAGS:
      text = g_strdup_printf ("%u", g_value_get_flags (value));
      break;
    case G_TYPE_FLOAT:
      text = double_bits (g_value_get_float (value));
      break;
    case G_TYPE_DOUBLE:
      text = double_bits (g_value_get_double (value));
      break;
    case G_TYPE_STRING:
      if (g_value_get_string (value) == NULL)
        json_builder_add_null_value (builder);
      else
        json_builder_add_string_value (builder, g_value_get_string (value));
      return;
    case G_TYPE_VARIANT:
      if (g_value_get_variant (value) == NULL)
        {
          json_builder_add_null_value (builder);
          return;
        }
      json_builder_begin_array (builder);
      json_builder_add_string_value (builder, g_variant_get_type_string (g_value_get_variant (value)));
      text = g_variant_print (g_value_get_variant (value), TRUE);
      json_builder_add_string_value (builder, text);
      json_builder_end_array (builder);
      return;
    case G_TYPE_OBJECT:
      add_object (builder, g_value_get_object (value));
      return;
    default:
      break;
    }

  if (text != NULL)
    {
      json_builder_add_string_value (builder, text);
      return;
    }

  if (g_value_get_boxed (value) == NULL)
    json_builder_add_null_value (builder);
  else if (type == G_TYPE_STRV)
    {
      const char * const *strv = g_value_get_boxed (value);

      json_builder_begin_array (builder);
      for (guint i = 0; strv[i] != NULL; i++)
        json_builder_add_string_value (builder, strv[i]);
      json_builder_end_array (builder);
    }
  else if (type == G_TYPE_BYTES)
    {
      gsize size;
      const guint8 *data = g_bytes_get_data (g_value_get_boxed (value), &size);
      GString *hex = g_string_new (NULL);

      for (gsize i = 0; i < size; i++)
        g_string_append_printf (hex, "%02x", data[i]);
      json_builder_add_string_value (builder, hex->str);
      g_string_free (hex, TRUE);
    }
  else if (type == JSON_TYPE_NODE)
    {
      text = json_to_string (g_value_get_boxed (value), FALSE);
      json_builder_add_string_value (builder, text);
    }
  else
    g_error ("no canonical form for %s", g_type_name (type));
}

/* [type name, canonical value] */
static void
add_canonical (JsonBuilder  *builder,
               const GValue *value)
{
  json_builder_begin_array (builder);
  json_builder_add_string_value (builder, G_VALUE_TYPE_NAME (value));
  add_canonical_value (builder, value);
  json_builder_end_array (builder);
}

/* The events: the booleans and numbers in one, the other types in the
 * other, each in the order of test_make_values(). Two events, because a
 * slot fed by a peer takes at most 16 arguments (MRE_EVENT_MAX_DECODED)
 * and there are more types than that. */
static const char *
event_of (const GValue *value)
{
  switch (G_TYPE_FUNDAMENTAL (G_VALUE_TYPE (value)))
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
      return "types.numbers";
    default:
      return "types.others";
    }
}

static const char * const event_names[] = { "types.numbers", "types.others" };

#define SENDER "c-publisher"

/* {"events": {NAME: {"sender": SENDER, "args": [canonical...]}, ...}} */
static int
print_canonical (void)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;
  GValue values[TEST_MAX_VALUES] = { G_VALUE_INIT };
  guint n = test_make_values (values);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "events");
  json_builder_begin_object (builder);
  for (guint e = 0; e < G_N_ELEMENTS (event_names); e++)
    {
      json_builder_set_member_name (builder, event_names[e]);
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "sender");
      json_builder_add_string_value (builder, SENDER);
      json_builder_set_member_name (builder, "args");
      json_builder_begin_array (builder);
      for (guint i = 0; i < n; i++)
        if (g_str_equal (event_of (&values[i]), event_names[e]))
          add_canonical (builder, &values[i]);
      json_builder_end_array (builder);
      json_builder_end_object (builder);
    }
  json_builder_end_object (builder);
  json_builder_end_object (builder);

  for (guint i = 0; i < n; i++)
    g_value_unset (&values[i]);

  root = json_builder_get_root (builder);
  text = json_to_string (root, FALSE);
  printf ("%s\n", text);
  return 0;
}

static int
publish (const char *socket_path)
{
  g_autoptr(MrePeer) peer = mre_peer_new (socket_path, SENDER);
  g_autoptr(GError) error = NULL;
  GValue values[TEST_MAX_VALUES] = { G_VALUE_INIT };
  guint n = test_make_values (values);
  gboolean ok = mre_peer_start (peer, NULL, &error);

  for (guint e = 0; ok && e < G_N_ELEMENTS (event_names); e++)
    {
      GValue args[TEST_MAX_VALUES] = { G_VALUE_INIT };
      guint n_args = 0;

      /* Shallow copies: values[] keeps the references */
      for (guint i = 0; i < n; i++)
        if (g_str_equal (event_of (&values[i]), event_names[e]))
          args[n_args++] = values[i];
      g_assert (n_args <= 16);

      ok = mre_peer_publishv (peer, event_names[e], MRE_DELIVERY_YELL, 0, args, n_args, &error);
      if (ok)
        printf ("published %s with %u arguments\n", event_names[e], n_args);
    }
  ok = ok && mre_peer_flush (peer, -1, NULL, &error);

  for (guint i = 0; i < n; i++)
    g_value_unset (&values[i]);

  if (!ok)
    {
      fprintf (stderr, "publisher: %s\n", error->message);
      return 1;
    }
  return 0;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new ("- publish every argument type");
  g_autoptr(GError) error = NULL;
  g_autofree char *socket_path = NULL;
  gboolean canonical = FALSE;
  GOptionEntry entries[] = {
    { "socket", 's', 0, G_OPTION_ARG_FILENAME, &socket_path, "The broker's socket", "PATH" },
    { "canonical", 0, 0, G_OPTION_ARG_NONE, &canonical, "Print the values' canonical form and exit", NULL },
    { NULL }
  };

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "publisher: %s\n", error->message);
      return 2;
    }

  if (canonical)
    return print_canonical ();
  if (socket_path == NULL)
    {
      fprintf (stderr, "publisher: --socket PATH or --canonical is required\n");
      return 2;
    }
  return publish (socket_path);
}
