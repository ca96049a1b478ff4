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
 * would decide differently.
 */

static const guint8 *
skip_space (const guint8 *p,
            const guint8 *end)
{
  while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
    p++;
  return p;
}

static int
hex_value (guint8 c)
{
  return g_ascii_xdigit_value (c);
}

static gboolean
read_u16 (const guint8 *p,
          gunichar     *out)
{
  *out = 0;
  for (int i = 0; i < 4; i++)
    {
      int v = hex_value (p[i]);

      if (v < 0)
        return FALSE;
      *out = *out << 4 | v;
    }
  return TRUE;
}

/* The JSON string from @p ('"') to @end (past its closing '"'), which
 * mre_json_skip_value() checked, unescaped. NULL on an escape that is not
 * plain (a lone surrogate, a NUL). */
static char *
read_string (const guint8 *p,
             const guint8 *end)
{
  const guint8 *last = end - 1;  /* the closing quote */
  GString *out;

  p++;
  if (memchr (p, '\\', last - p) == NULL)
    return g_strndup ((const char *) p, last - p);

  out = g_string_sized_new (last - p);
  while (p < last)
    {
      const guint8 *backslash = memchr (p, '\\', last - p);
      gunichar c;

      if (backslash == NULL)
        {
          g_string_append_len (out, (const char *) p, last - p);
          break;
        }
      g_string_append_len (out, (const char *) p, backslash - p);
      p = backslash + 1;
      switch (*p++)
        {
        case '"':  g_string_append_c (out, '"'); break;
        case '\\': g_string_append_c (out, '\\'); break;
        case '/':  g_string_append_c (out, '/'); break;
        case 'b':  g_string_append_c (out, '\b'); break;
        case 'f':  g_string_append_c (out, '\f'); break;
        case 'n':  g_string_append_c (out, '\n'); break;
        case 'r':  g_string_append_c (out, '\r'); break;
        case 't':  g_string_append_c (out, '\t'); break;
        case 'u':
          if (!read_u16 (p, &c))
            goto give_up;
          p += 4;
          if (c >= 0xd800 && c < 0xdc00)
            {
              gunichar low;

              if (last - p < 6 || p[0] != '\\' || p[1] != 'u' || !read_u16 (p + 2, &low) ||
                  low < 0xdc00 || low >= 0xe000)
                goto give_up;
              p += 6;
              c = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00);
            }
          else if ((c >= 0xdc00 && c < 0xe000) || c == 0)
            goto give_up;
          g_string_append_unichar (out, c);
          break;
        default:
          goto give_up;
        }
    }
  return g_string_free (out, FALSE);

give_up:
  g_string_free (out, TRUE);
  return NULL;
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

static gboolean
read_value (const guint8 *p,
            const guint8 *end,
            GType         type,
            GValue       *value)
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
          return TRUE;
        }
      if (*p == '"')
        {
          char *str = read_string (p, end);

          if (str == NULL)
            return FALSE;
          g_value_init (value, G_TYPE_STRING);
          g_value_take_string (value, str);
          return TRUE;
        }
      return FALSE;

    case G_TYPE_BOOLEAN:
      if (*p != 't' && *p != 'f')
        return FALSE;
      g_value_init (value, G_TYPE_BOOLEAN);
      g_value_set_boolean (value, *p == 't');
      return TRUE;

    case G_TYPE_INT:
    case G_TYPE_UINT:
    case G_TYPE_INT64:
      if (!is_integer (p, end) || end - p >= (gssize) sizeof buf)
        return FALSE;
      memcpy (buf, p, end - p);
      buf[end - p] = '\0';
      errno = 0;
      i = g_ascii_strtoll (buf, NULL, 10);
      if (errno != 0)
        return FALSE;
      if (type == G_TYPE_INT && (i < G_MININT || i > G_MAXINT))
        return FALSE;
      if (type == G_TYPE_UINT && (i < 0 || i > G_MAXUINT))
        return FALSE;
      g_value_init (value, type);
      if (type == G_TYPE_INT)
        g_value_set_int (value, (int) i);
      else if (type == G_TYPE_UINT)
        g_value_set_uint (value, (guint) i);
      else
        g_value_set_int64 (value, i);
      return TRUE;

    case G_TYPE_DOUBLE:
      /* An integer token may not convert exactly: the codec's rules apply. */
      if ((*p != '-' && !g_ascii_isdigit (*p)) || end - p >= (gssize) sizeof buf ||
          is_integer (p, end))
        return FALSE;
      memcpy (buf, p, end - p);
      buf[end - p] = '\0';
      d = g_ascii_strtod (buf, NULL);
      /* Past the range of a double (1e400): the codec refuses it. */
      if (!isfinite (d))
        return FALSE;
      g_value_init (value, G_TYPE_DOUBLE);
      g_value_set_double (value, d);
      return TRUE;

    default:
      return FALSE;
    }
}

/*
 * mre_json_fast_decode_params:
 *
 * Decodes the "params" array of the JSON-RPC notification @body to @types,
 * if it can do so at once; otherwise returns FALSE with @values untouched,
 * and the caller takes the general way.
 */
gboolean
mre_json_fast_decode_params (const guint8 *body,
                             gsize         len,
                             const GType  *types,
                             guint         n_types,
                             GValue       *values)
{
  const guint8 *end = body + len;
  const guint8 *p = skip_space (body, end);
  const guint8 *params = NULL;
  guint n = 0;

  for (guint i = 0; i < n_types; i++)
    if (types[i] != G_TYPE_STRING && types[i] != G_TYPE_BOOLEAN && types[i] != G_TYPE_INT &&
        types[i] != G_TYPE_UINT && types[i] != G_TYPE_INT64 && types[i] != G_TYPE_DOUBLE)
      return FALSE;

  /* The top-level object: find "params", once. */
  if (p == end || *p++ != '{')
    return FALSE;
  for (;;)
    {
      const guint8 *key, *key_end, *value_end;

      p = skip_space (p, end);
      if (p < end && *p == '}' && params == NULL)
        return FALSE;
      key = p;
      key_end = mre_json_skip_value (p, end);
      /* An escaped key may name "params" for json-glib ("params\u0000"
       * does, as it stops at a NUL): such keys go the general way. */
      if (key_end == NULL || *key != '"' || memchr (key, '\\', key_end - key) != NULL)
        return FALSE;
      p = skip_space (key_end, end);
      if (p == end || *p++ != ':')
        return FALSE;
      p = skip_space (p, end);
      value_end = mre_json_skip_value (p, end);
      if (value_end == NULL)
        return FALSE;
      if (key_end - key == 8 && memcmp (key, "\"params\"", 8) == 0)
        {
          if (params != NULL || *p != '[')
            return FALSE;
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
      return FALSE;
    }

  /* The arguments. */
  p = skip_space (params + 1, end);
  if (*p == ']')
    return n_types == 0;
  for (;;)
    {
      const guint8 *value_end = mre_json_skip_value (p, end);

      if (value_end == NULL || n == n_types || !read_value (p, value_end, types[n], &values[n]))
        goto give_up;
      n++;
      p = skip_space (value_end, end);
      if (*p == ']')
        break;
      if (*p != ',')
        goto give_up;
      p = skip_space (p + 1, end);
    }
  if (n == n_types)
    return TRUE;

give_up:
  while (n > 0)
    g_value_unset (&values[--n]);
  return FALSE;
}
