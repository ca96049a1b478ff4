/* mre-value-codec-parts-private.h
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

#include "mre-error.h"

G_BEGIN_DECLS

/* Between the parts of the value codec, for the codec only: the dispatch and
 * shared helpers in mre-value-codec.c, GVariant in mre-value-codec-variant.c,
 * GObject in mre-value-codec-object.c. The API is mre-value-codec-private.h.
 *
 * Every function that fails sets @error to MRE_ERROR_TYPE_MISMATCH and
 * returns FALSE (or NULL); @label names the value in messages ("Argument 2"). */

/* mre-value-codec.c: errors and node kinds */
gboolean    mre_value_codec_set_error             (GError             **error,
                                                   const char          *format,
                                                   ...) G_GNUC_PRINTF (2, 3);
const char *mre_value_codec_type_name             (GType                type);
const char *mre_value_codec_node_kind             (JsonNode            *node);
gboolean    mre_value_codec_kind_mismatch         (GError             **error,
                                                   const char          *label,
                                                   JsonNode            *node,
                                                   const char          *expected);
gboolean    mre_value_codec_node_holds            (JsonNode            *node,
                                                   GType                value_type);
JsonNode   *mre_value_codec_node_take_object      (JsonObject          *object);
gboolean    mre_value_codec_is_scalar             (GType                type);

/* mre-value-codec.c: numbers */
gboolean    mre_value_codec_int_from_node         (JsonNode            *node,
                                                   const char          *label,
                                                   GType                type,
                                                   gint64               min,
                                                   gint64               max,
                                                   gint64              *out,
                                                   GError             **error);
gboolean    mre_value_codec_int_equals_double     (gint64               i,
                                                   double               d);
gboolean    mre_value_codec_double_text_is_broken (double               d);
void        mre_value_codec_node_set_double       (JsonNode            *node,
                                                   double               d);
gboolean    mre_value_codec_check_finite          (double               d,
                                                   GError             **error);
JsonNode   *mre_value_codec_double_to_node        (double               d,
                                                   GError             **error);
gboolean    mre_value_codec_is_json_number        (const char          *s);

/* mre-value-codec.c: strings, and the dispatch of a decode */
JsonNode   *mre_value_codec_string_to_node        (const char          *s);
JsonNode   *mre_value_codec_strv_to_node          (const char * const  *strv);
gboolean    mre_value_codec_decode_into           (JsonNode            *node,
                                                   const char          *label,
                                                   GValue              *value,
                                                   GError             **error);

/* mre-value-codec-variant.c */
JsonNode   *mre_value_codec_variant_to_node       (GVariant            *variant,
                                                   GError             **error);
gboolean    mre_value_codec_variant_from_node     (JsonNode            *node,
                                                   const char          *label,
                                                   GValue              *value,
                                                   GError             **error);

/* mre-value-codec-object.c */
gboolean    mre_value_codec_object_type_check     (GType                type,
                                                   GHashTable          *checking,
                                                   GError             **error);
JsonNode   *mre_value_codec_object_to_node        (const GValue        *value,
                                                   GError             **error);
gboolean    mre_value_codec_object_from_node      (JsonNode            *node,
                                                   const char          *label,
                                                   GValue              *value,
                                                   GError             **error);

G_END_DECLS
