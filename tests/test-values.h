/* test-values.h
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* What the value tests share: TestPoint, an object type that crosses
 * processes, and an exact comparison of GValues. */

#pragma once

#include <math.h>

#include <mreventloop.h>

/* TestPoint: the object type carried in the tests ------------------------ */

#define TEST_TYPE_POINT (test_point_get_type ())
G_DECLARE_FINAL_TYPE (TestPoint, test_point, TEST, POINT, GObject)

struct _TestPoint
{
  GObject    parent_instance;

  int        x;
  char      *label;
  double     weight;
  char      *tag;
  TestPoint *next;
};

G_DEFINE_FINAL_TYPE (TestPoint, test_point, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_X,
  PROP_LABEL,
  PROP_WEIGHT,
  PROP_TAG,
  PROP_NEXT,
  PROP_SCALED,
  N_PROPS
};

static GParamSpec *point_properties[N_PROPS];

static inline void
test_point_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  TestPoint *self = TEST_POINT (object);

  switch (prop_id)
    {
    case PROP_X:
      g_value_set_int (value, self->x);
      break;
    case PROP_LABEL:
      g_value_set_string (value, self->label);
      break;
    case PROP_WEIGHT:
      g_value_set_double (value, self->weight);
      break;
    case PROP_TAG:
      g_value_set_string (value, self->tag);
      break;
    case PROP_NEXT:
      g_value_set_object (value, self->next);
      break;
    case PROP_SCALED:
      g_value_set_double (value, self->x * 1e-10);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static inline void
test_point_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  TestPoint *self = TEST_POINT (object);

  switch (prop_id)
    {
    case PROP_X:
      self->x = g_value_get_int (value);
      break;
    case PROP_LABEL:
      g_free (self->label);
      self->label = g_value_dup_string (value);
      break;
    case PROP_WEIGHT:
      self->weight = g_value_get_double (value);
      break;
    case PROP_TAG:
      g_free (self->tag);
      self->tag = g_value_dup_string (value);
      break;
    case PROP_NEXT:
      g_set_object (&self->next, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static inline void
test_point_dispose (GObject *object)
{
  TestPoint *self = TEST_POINT (object);

  g_clear_object (&self->next);

  G_OBJECT_CLASS (test_point_parent_class)->dispose (object);
}

static inline void
test_point_finalize (GObject *object)
{
  TestPoint *self = TEST_POINT (object);

  g_free (self->label);
  g_free (self->tag);

  G_OBJECT_CLASS (test_point_parent_class)->finalize (object);
}

static inline void
test_point_class_init (TestPointClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = test_point_get_property;
  object_class->set_property = test_point_set_property;
  object_class->dispose = test_point_dispose;
  object_class->finalize = test_point_finalize;

  point_properties[PROP_X] =
    g_param_spec_int ("x", NULL, NULL, -1000, 1000, 0,
                      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  /* The default is NULL but init() sets "unnamed": json-glib leaves out a
   * property at its default, so the codec must write it anyway. */
  point_properties[PROP_LABEL] =
    g_param_spec_string ("label", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  point_properties[PROP_WEIGHT] =
    g_param_spec_double ("weight", NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 0.0,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  /* NULL is not the default: json-glib writes a string node without a string */
  point_properties[PROP_TAG] =
    g_param_spec_string ("tag", NULL, NULL, "none",
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  point_properties[PROP_NEXT] =
    g_param_spec_object ("next", NULL, NULL, TEST_TYPE_POINT,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  /* Read-only, written by json-glib, ignored when decoding; x * 1e-10 is a
   * number json-glib 1.6 prints as invalid JSON */
  point_properties[PROP_SCALED] =
    g_param_spec_double ("scaled", NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 0.0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, point_properties);
}

static inline void
test_point_init (TestPoint *self)
{
  self->label = g_strdup ("unnamed");
  self->tag = g_strdup ("none");
}

static inline gboolean values_equal (const GValue *a,
                              const GValue *b);

static inline gboolean
objects_equal (GObject *a,
               GObject *b)
{
  g_autofree GParamSpec **pspecs = NULL;
  guint n_pspecs;

  if (a == NULL || b == NULL)
    return a == b;
  if (G_OBJECT_TYPE (a) != G_OBJECT_TYPE (b))
    return FALSE;

  pspecs = g_object_class_list_properties (G_OBJECT_GET_CLASS (a), &n_pspecs);
  for (guint i = 0; i < n_pspecs; i++)
    {
      g_auto(GValue) va = G_VALUE_INIT;
      g_auto(GValue) vb = G_VALUE_INIT;

      if ((pspecs[i]->flags & G_PARAM_READWRITE) != G_PARAM_READWRITE)
        continue;

      g_value_init (&va, pspecs[i]->value_type);
      g_value_init (&vb, pspecs[i]->value_type);
      g_object_get_property (a, pspecs[i]->name, &va);
      g_object_get_property (b, pspecs[i]->name, &vb);
      if (!values_equal (&va, &vb))
        return FALSE;
    }

  return TRUE;
}

static inline gboolean
doubles_equal (double a,
               double b)
{
  return a == b && signbit (a) == signbit (b);
}

/* Compares by type: exactly, including the sign of zero */
static inline gboolean
values_equal (const GValue *a,
              const GValue *b)
{
  GType type = G_VALUE_TYPE (a);

  if (type != G_VALUE_TYPE (b))
    return FALSE;

  switch (G_TYPE_FUNDAMENTAL (type))
    {
    case G_TYPE_BOOLEAN:
      return g_value_get_boolean (a) == g_value_get_boolean (b);
    case G_TYPE_CHAR:
      return g_value_get_schar (a) == g_value_get_schar (b);
    case G_TYPE_UCHAR:
      return g_value_get_uchar (a) == g_value_get_uchar (b);
    case G_TYPE_INT:
      return g_value_get_int (a) == g_value_get_int (b);
    case G_TYPE_UINT:
      return g_value_get_uint (a) == g_value_get_uint (b);
    case G_TYPE_LONG:
      return g_value_get_long (a) == g_value_get_long (b);
    case G_TYPE_ULONG:
      return g_value_get_ulong (a) == g_value_get_ulong (b);
    case G_TYPE_INT64:
      return g_value_get_int64 (a) == g_value_get_int64 (b);
    case G_TYPE_UINT64:
      return g_value_get_uint64 (a) == g_value_get_uint64 (b);
    case G_TYPE_FLOAT:
      return doubles_equal (g_value_get_float (a), g_value_get_float (b));
    case G_TYPE_DOUBLE:
      return doubles_equal (g_value_get_double (a), g_value_get_double (b));
    case G_TYPE_STRING:
      return g_strcmp0 (g_value_get_string (a), g_value_get_string (b)) == 0;
    case G_TYPE_ENUM:
      return g_value_get_enum (a) == g_value_get_enum (b);
    case G_TYPE_FLAGS:
      return g_value_get_flags (a) == g_value_get_flags (b);
    case G_TYPE_VARIANT:
      if (g_value_get_variant (a) == NULL || g_value_get_variant (b) == NULL)
        return g_value_get_variant (a) == g_value_get_variant (b);
      return g_variant_equal (g_value_get_variant (a), g_value_get_variant (b));
    case G_TYPE_OBJECT:
      return objects_equal (g_value_get_object (a), g_value_get_object (b));
    default:
      break;
    }

  if (g_value_get_boxed (a) == NULL || g_value_get_boxed (b) == NULL)
    return g_value_get_boxed (a) == g_value_get_boxed (b);
  if (type == G_TYPE_STRV)
    return g_strv_equal (g_value_get_boxed (a), g_value_get_boxed (b));
  if (type == G_TYPE_BYTES)
    return g_bytes_equal (g_value_get_boxed (a), g_value_get_boxed (b));
  if (type == JSON_TYPE_NODE)
    return json_node_equal (g_value_get_boxed (a), g_value_get_boxed (b));

  g_assert_not_reached ();
}

static inline void
assert_values_equal (const GValue *expected,
                     const GValue *actual)
{
  if (!values_equal (expected, actual))
    {
      g_autofree char *e = g_strdup_value_contents (expected);
      g_autofree char *a = g_strdup_value_contents (actual);

      g_error ("%s: expected %s, got %s", G_VALUE_TYPE_NAME (expected), e, a);
    }
}

/* The values every type of argument crosses with ------------------------- */

/* One value of every type that crosses processes, the extremes included:
 * initializes values[0..n) and returns n (at most TEST_MAX_VALUES). The
 * cross-process test and the cross-language test (tests/cross-language/)
 * both send these; the latter's expected.json is their decoded form. */

#define TEST_MAX_VALUES 32

static const char * const test_strv_value[] = { "a", "", "ünïcödé \"quoted\"\n", NULL };

static inline guint
test_make_values (GValue *values)
{
  static const guint8 binary[] = { 0, 1, 2, 0xff, 0xfe, 0, 'x' };
  g_autoptr(TestPoint) point = g_object_new (TEST_TYPE_POINT, "x", -7, "label", "p\tq",
                                             "weight", 0.25, "tag", NULL, NULL);
  g_autoptr(GBytes) bytes = g_bytes_new_static (binary, sizeof binary);
  g_autoptr(JsonNode) node = json_from_string ("{\"k\":[1,2.5,\"s\",null,true,{}]}", NULL);
  GVariant *variant = g_variant_new_parsed ("({'a': <int64 1>, 'b': <'x'>}, [byte 0x00, 0xff], @mi nothing, 3.5)");
  guint n = 0;

  g_value_set_boolean (g_value_init (&values[n++], G_TYPE_BOOLEAN), TRUE);
  g_value_set_schar (g_value_init (&values[n++], G_TYPE_CHAR), -128);
  g_value_set_uchar (g_value_init (&values[n++], G_TYPE_UCHAR), 255);
  g_value_set_int (g_value_init (&values[n++], G_TYPE_INT), G_MININT);
  g_value_set_uint (g_value_init (&values[n++], G_TYPE_UINT), G_MAXUINT);
  g_value_set_long (g_value_init (&values[n++], G_TYPE_LONG), G_MINLONG);
  g_value_set_ulong (g_value_init (&values[n++], G_TYPE_ULONG), G_MAXULONG);
  g_value_set_int64 (g_value_init (&values[n++], G_TYPE_INT64), G_MININT64);
  g_value_set_uint64 (g_value_init (&values[n++], G_TYPE_UINT64), G_MAXUINT64);
  g_value_set_float (g_value_init (&values[n++], G_TYPE_FLOAT), 0.1f);
  g_value_set_double (g_value_init (&values[n++], G_TYPE_DOUBLE), 1e-10);
  g_value_set_double (g_value_init (&values[n++], G_TYPE_DOUBLE), -0.0);
  g_value_set_double (g_value_init (&values[n++], G_TYPE_DOUBLE), G_MAXDOUBLE);
  g_value_set_string (g_value_init (&values[n++], G_TYPE_STRING), "some product, ünïcödé, \x01\\\"");
  g_value_set_string (g_value_init (&values[n++], G_TYPE_STRING), NULL);
  g_value_set_boxed (g_value_init (&values[n++], G_TYPE_STRV), test_strv_value);
  g_value_set_enum (g_value_init (&values[n++], G_TYPE_IO_ERROR_ENUM), G_IO_ERROR_TIMED_OUT);
  g_value_set_flags (g_value_init (&values[n++], G_TYPE_SUBPROCESS_FLAGS),
                     G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_value_set_boxed (g_value_init (&values[n++], G_TYPE_BYTES), bytes);
  g_value_set_variant (g_value_init (&values[n++], G_TYPE_VARIANT), variant);
  g_value_set_boxed (g_value_init (&values[n++], JSON_TYPE_NODE), node);
  g_value_set_object (g_value_init (&values[n++], TEST_TYPE_POINT), point);

  return n;
}
