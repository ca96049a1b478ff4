/* mre-json-fast.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mre-json-private.h"
#include "mre-value-codec-private.h"

/*
 * The common case of receiving an event, without json-glib: positional
 * arguments of the plain types (strings, integers, doubles, booleans) read
 * straight from the body into GValues. Parsing the body into a JsonNode
 * tree costs three times as much as the rest of receiving an event.
 *
 * This is only a shortcut: whatever it does not recognise at once (another
 * type, named arguments, a number that needs the codec's rules, a count that
 * does not match) makes it give up, and the caller goes the general way,
 * which also gives the errors. So it never decides anything the value codec
 * would decide differently. The one error it gives itself is the codec's
 * own, for a value json-glib would change (an integer past gint64, a string
 * holding U+0000): mre_value_codec_decode_arg() decides it from the text.
 */

typedef enum
{
  READ_GIVE_UP,
  READ_DONE,
  READ_LOSS,  /* a token json-glib would change: the codec decides */
} ReadResult;

static const guint8 *
skip_space (const guint8 *p,
            const guint8 *end)
{
  while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
    p++;
  return p;
}

/* The JSON string from @p ('"') to @end (past its closing '"'), which
 * mre_json_skip_value() checked, unescaped; NULL if it holds U+0000,
 * which a NUL-terminated string cannot. */
static char *
read_string (const guint8 *p,
             const guint8 *end)
{
  char *str;
  gsize len;

  if (memchr (p + 1, '\\', end - p - 2) == NULL)
    return g_strndup ((const char *) p + 1, end - p - 2);

  str = mre_json_unescape (p, end, &len);
  if (strlen (str) != len)
    g_clear_pointer (&str, g_free);
  return str;
}

/* An integer token: an optional '-' and digits, nothing else. */
static gboolean
is_integer (const guint8 *p,
            const guint8 *end)
{
  if (p < end && *p == '-')
    p++;
  if (p == end)
    return FALSE;
  for (; p < end; p++)
    if (!g_ascii_isdigit (*p))
      return FALSE;
  return TRUE;
}

static ReadResult
read_value (const guint8 *p,
            const guint8 *end,
            GType         type,
            GValue       *value,
            MreJsonLoss  *loss)
{
  char buf[32];
  gint64 i;
  double d;

  switch (type)
    {
    case G_TYPE_STRING:
      if (*p == 'n')
        {
          g_value_init (value, G_TYPE_STRING);
          return READ_DONE;
        }
      if (*p == '"')
        {
          char *str = read_string (p, end);

          if (str == NULL)
            {
              *loss = (MreJsonLoss) { MRE_JSON_LOSS_NUL, p, end, TRUE };
              return READ_LOSS;
            }
          g_value_init (value, G_TYPE_STRING);
          g_value_take_string (value, str);
          return READ_DONE;
        }
      return READ_GIVE_UP;

    case G_TYPE_BOOLEAN:
      if (*p != 't' && *p != 'f')
        return READ_GIVE_UP;
      g_value_init (value, G_TYPE_BOOLEAN);
      g_value_set_boolean (value, *p == 't');
      return READ_DONE;

    case G_TYPE_INT:
    case G_TYPE_UINT:
    case G_TYPE_INT64:
      if (!is_integer (p, end))
        return READ_GIVE_UP;
      i = 0;
      errno = ERANGE;
      if (end - p < (gssize) sizeof buf)
        {
          memcpy (buf, p, end - p);
          buf[end - p] = '\0';
          errno = 0;
          i = g_ascii_strtoll (buf, NULL, 10);
        }
      if (errno != 0)
        {
          /* Past gint64: json-glib would wrap it. */
          *loss = (MreJsonLoss) { MRE_JSON_LOSS_INTEGER, p, end, TRUE };
          return READ_LOSS;
        }
      if (type == G_TYPE_INT && (i < G_MININT || i > G_MAXINT))
        return READ_GIVE_UP;
      if (type == G_TYPE_UINT && (i < 0 || i > G_MAXUINT))
        return READ_GIVE_UP;
      g_value_init (value, type);
      if (type == G_TYPE_INT)
        g_value_set_int (value, (int) i);
      else if (type == G_TYPE_UINT)
        g_value_set_uint (value, (guint) i);
      else
        g_value_set_int64 (value, i);
      return READ_DONE;

    case G_TYPE_DOUBLE:
      /* An integer token may not convert exactly: the codec's rules apply. */
      if ((*p != '-' && !g_ascii_isdigit (*p)) || end - p >= (gssize) sizeof buf ||
          is_integer (p, end))
        return READ_GIVE_UP;
      memcpy (buf, p, end - p);
      buf[end - p] = '\0';
      d = g_ascii_strtod (buf, NULL);
      /* Past the range of a double (1e400): the codec refuses it. */
      if (!isfinite (d))
        return READ_GIVE_UP;
      g_value_init (value, G_TYPE_DOUBLE);
      g_value_set_double (value, d);
      return READ_DONE;

    default:
      return READ_GIVE_UP;
    }
}

/*
 * mre_json_fast_decode_params:
 *
 * Decodes the "params" array of the JSON-RPC notification @body to @types,
 * if it can do so at once (MRE_JSON_FAST_DONE, @values set); or refuses a
 * value json-glib would change, with the error the general way gives
 * (MRE_JSON_FAST_FAILED, @values untouched); otherwise returns
 * MRE_JSON_FAST_GIVE_UP with @values untouched, and the caller takes the
 * general way.
 */
MreJsonFast
mre_json_fast_decode_params (const guint8  *body,
                             gsize          len,
                             const GType   *types,
                             guint          n_types,
                             GValue        *values,
                             GError       **error)
{
  const guint8 *end = body + len;
  const guint8 *p = skip_space (body, end);
  const guint8 *params = NULL;
  g_autoptr(GError) refused = NULL;
  gboolean complete = FALSE;
  guint n = 0;

  for (guint i = 0; i < n_types; i++)
    if (types[i] != G_TYPE_STRING && types[i] != G_TYPE_BOOLEAN && types[i] != G_TYPE_INT &&
        types[i] != G_TYPE_UINT && types[i] != G_TYPE_INT64 && types[i] != G_TYPE_DOUBLE)
      return MRE_JSON_FAST_GIVE_UP;

  /* The top-level object: find "params", once. */
  if (p == end || *p++ != '{')
    return MRE_JSON_FAST_GIVE_UP;
  for (;;)
    {
      const guint8 *key, *key_end, *value_end;

      p = skip_space (p, end);
      if (p < end && *p == '}' && params == NULL)
        return MRE_JSON_FAST_GIVE_UP;
      key = p;
      key_end = mre_json_skip_value (p, end);
      /* An escaped key may name "params" for json-glib ("params\u0000"
       * does, as it stops at a NUL): such keys go the general way. */
      if (key_end == NULL || *key != '"' || memchr (key, '\\', key_end - key) != NULL)
        return MRE_JSON_FAST_GIVE_UP;
      p = skip_space (key_end, end);
      if (p == end || *p++ != ':')
        return MRE_JSON_FAST_GIVE_UP;
      p = skip_space (p, end);
      value_end = mre_json_skip_value (p, end);
      if (value_end == NULL)
        return MRE_JSON_FAST_GIVE_UP;
      if (key_end - key == 8 && memcmp (key, "\"params\"", 8) == 0)
        {
          if (params != NULL || *p != '[')
            return MRE_JSON_FAST_GIVE_UP;
          params = p;
        }
      p = skip_space (value_end, end);
      if (p < end && *p == ',')
        {
          p++;
          continue;
        }
      if (p < end && *p == '}' && skip_space (p + 1, end) == end && params != NULL)
        break;
      return MRE_JSON_FAST_GIVE_UP;
    }

  /* The arguments. The first refused one is the codec's answer too, once
   * the count matches and every other one is read: it decodes them in
   * order, after checking the count. */
  p = skip_space (params + 1, end);
  if (*p == ']')
    return n_types == 0 ? MRE_JSON_FAST_DONE : MRE_JSON_FAST_GIVE_UP;
  for (;;)
    {
      const guint8 *value_end = mre_json_skip_value (p, end);
      MreJsonLoss loss;

      if (value_end == NULL || n == n_types)
        goto give_up;
      switch (read_value (p, value_end, types[n], &values[n], &loss))
        {
        case READ_DONE:
          break;
        case READ_LOSS:
          if (refused == NULL)
            mre_value_codec_decode_arg (NULL, &loss, types[n], n, &values[n], &refused);
          break;
        case READ_GIVE_UP:
        default:
          goto give_up;
        }
      n++;
      p = skip_space (value_end, end);
      if (*p == ']')
        break;
      if (*p != ',')
        goto give_up;
      p = skip_space (p + 1, end);
    }
  if (n == n_types && refused == NULL)
    return MRE_JSON_FAST_DONE;
  complete = n == n_types;

give_up:
  for (guint i = 0; i < n; i++)
    if (G_IS_VALUE (&values[i]))
      g_value_unset (&values[i]);
  if (complete)
    {
      g_propagate_error (error, g_steal_pointer (&refused));
      return MRE_JSON_FAST_FAILED;
    }
  return MRE_JSON_FAST_GIVE_UP;
}
