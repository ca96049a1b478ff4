/* mre-json-private.h
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* JSON text without JsonGenerator: json-glib 1.6's generator writes some
 * doubles as invalid JSON (1e-10 as "1e-10.0") and aborts on a string node
 * holding NULL; and it is the slow part of a publish. */

/* The deepest nesting mre_json_check() accepts. */
#define MRE_JSON_MAX_DEPTH 512

/* A token json-glib 1.6 changes while parsing it (mre_json_find_loss()). */
typedef enum
{
  MRE_JSON_LOSS_NONE,
  MRE_JSON_LOSS_INTEGER,  /* an integer outside gint64: json-glib wraps it */
  MRE_JSON_LOSS_NUL,      /* a string holding \u0000: json-glib cuts it there */
} MreJsonLossKind;

typedef struct
{
  MreJsonLossKind  kind;
  const guint8    *start;  /* the token: the integer, or the string with its quotes */
  const guint8    *end;
  gboolean         whole;  /* whether the token is the whole value */
} MreJsonLoss;

/* What mre_json_fast_decode_params() did. */
typedef enum
{
  MRE_JSON_FAST_GIVE_UP,  /* nothing: take the general way */
  MRE_JSON_FAST_DONE,     /* the values are set */
  MRE_JSON_FAST_FAILED,   /* the error is set, as the general way would */
} MreJsonFast;

gboolean mre_utf8_validate     (const char    *str,
                                gsize          len);
gboolean mre_json_write        (GString       *out,
                                JsonNode      *node,
                                GError       **error);
gboolean mre_json_write_utf8   (GString       *out,
                                const char    *str,
                                GError       **error);
void     mre_json_write_string (GString       *out,
                                const char    *str,
                                gsize          len);
void     mre_json_write_double (GString       *out,
                                double         d);
gboolean mre_json_check        (const guint8  *text,
                                gsize          len,
                                GError       **error);
gboolean mre_json_check_notification (const guint8  *text,
                                      gsize          len,
                                      const char    *method,
                                      gsize          method_len,
                                      GError       **error);
const guint8 *mre_json_skip_value (const guint8 *p,
                                   const guint8 *end);
gboolean mre_json_find_loss     (const guint8  *text,
                                 gsize          len,
                                 MreJsonLoss   *loss);
char    *mre_json_unescape      (const guint8  *start,
                                 const guint8  *end,
                                 gsize         *len);
gboolean mre_json_find_member   (const guint8  *text,
                                 gsize          len,
                                 const char    *name,
                                 const guint8 **start,
                                 const guint8 **end,
                                 gboolean      *nul_key,
                                 GError       **error);
void     mre_json_append_compact (GString      *out,
                                  const guint8 *start,
                                  const guint8 *end);
gboolean mre_json_check_params  (const guint8  *text,
                                 gsize          len,
                                 const guint8 **start,
                                 const guint8 **end,
                                 GError       **error);
MreJsonFast mre_json_fast_decode_params (const guint8 *body,
                                         gsize         len,
                                         const GType  *types,
                                         guint         n_types,
                                         GValue       *values,
                                         GError      **error);

G_END_DECLS
