/* mre-value-codec-private.h
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

#include "mre-error.h"
#include "mre-json-private.h"

G_BEGIN_DECLS

/* The value codec: GValue <-> JsonNode, for arguments that cross processes.
 * Pure functions: no I/O, no main context, no state beyond GLib's type
 * system, so that tests and fuzzers can drive them directly. Every error is
 * MRE_ERROR_TYPE_MISMATCH. See mre-value-codec.c for the mapping. */

JsonNode *mre_value_codec_encode       (const GValue  *value,
                                        GError       **error);
gboolean  mre_value_codec_decode       (JsonNode      *node,
                                        GType          type,
                                        GValue        *value,
                                        GError       **error);
gboolean  mre_value_codec_supports     (GType          type,
                                        GError       **error);
JsonNode *mre_value_codec_encode_array (const GValue  *values,
                                        guint          n_values,
                                        GError       **error);
gboolean  mre_value_codec_decode_array (JsonNode      *array,
                                        const GType   *types,
                                        guint          n_types,
                                        GValue        *values,
                                        GError       **error);
gboolean  mre_value_codec_decode_arg   (JsonNode           *node,
                                        const MreJsonLoss  *loss,
                                        GType               type,
                                        guint               index,
                                        GValue             *value,
                                        GError            **error);
char     *mre_value_codec_describe_loss (const MreJsonLoss *loss);
gboolean  mre_value_codec_decode_text  (const guint8  *text,
                                        gsize          len,
                                        GType          type,
                                        GValue        *value,
                                        GError       **error);

G_END_DECLS
