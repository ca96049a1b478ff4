/* mre-json.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mre-error.h"
#include "mre-json-private.h"

/* Whether @len bytes at @str are UTF-8 without NUL, as
 * g_utf8_validate_len() says: ASCII text (the common case) is checked eight
 * bytes at a time, GLib's validator does the rest. */
gboolean
mre_utf8_validate (const char *str,
                   gsize       len)
{
  const guint64 ones = G_GUINT64_CONSTANT (0x0101010101010101);
  const guint64 highs = G_GUINT64_CONSTANT (0x8080808080808080);
  gsize i = 0;

  for (; i + 8 <= len; i += 8)
    {
      guint64 word;

      memcpy (&word, str + i, 8);
      /* A byte >= 0x80, or a zero byte. */
      if ((word & highs) || ((word - ones) & ~word & highs))
        break;
    }
  for (; i < len; i++)
    if ((guchar) str[i] >= 0x80 || str[i] == '\0')
      return g_utf8_validate_len (str + i, len - i, NULL);

  return TRUE;
}

/* Writing ---------------------------------------------------------------- */

void
mre_json_write_string (GString    *out,
                       const char *str,
                       gsize       len)
{
  static const char hex[] = "0123456789abcdef";
  const char *run = str;

  g_string_append_c (out, '"');
  for (gsize i = 0; i < len; i++)
    {
      guchar c = (guchar) str[i];
      const char *escape = NULL;

      if (c >= 0x20 && c != '"' && c != '\\')
        continue;

      g_string_append_len (out, run, str + i - run);
      run = str + i + 1;
      switch (c)
        {
        case '"':  escape = "\\\""; break;
        case '\\': escape = "\\\\"; break;
        case '\n': escape = "\\n"; break;
        case '\r': escape = "\\r"; break;
        case '\t': escape = "\\t"; break;
        case '\b': escape = "\\b"; break;
        case '\f': escape = "\\f"; break;
        default:
          {
            char u[] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xf] };

            g_string_append_len (out, u, sizeof u);
          }
        }
      if (escape != NULL)
        g_string_append (out, escape);
    }
  g_string_append_len (out, run, str + len - run);
  g_string_append_c (out, '"');
}

/* The shortest text that reads back as @d, always with a '.' or an
 * exponent so that it reads back as a double. @d is finite. */
void
mre_json_write_double (GString *out,
                       double   d)
{
  char buf[40];

  for (int precision = 15; precision <= 17; precision++)
    {
      g_ascii_formatd (buf, sizeof buf, precision == 15 ? "%.15g" : precision == 16 ? "%.16g" : "%.17g", d);
      if (g_ascii_strtod (buf, NULL) == d)
        break;
    }
  g_string_append (out, buf);
  if (strpbrk (buf, ".e") == NULL)
    g_string_append (out, ".0");
}

static gboolean
write_node (GString   *out,
            JsonNode  *node,
            GError   **error);

/* Appends @str as a JSON string, or fails with MRE_ERROR_TYPE_MISMATCH if it
 * is not UTF-8. */
gboolean
mre_json_write_utf8 (GString     *out,
                     const char  *str,
                     GError     **error)
{
  gsize len = strlen (str);

  if (!mre_utf8_validate (str, len))
    {
      g_set_error (error, MRE_ERROR, MRE_ERROR_TYPE_MISMATCH,
                   "A string is not valid UTF-8 and cannot be carried as JSON");
      return FALSE;
    }
  mre_json_write_string (out, str, len);
  return TRUE;
}

static gboolean
write_value (GString   *out,
             JsonNode  *node,
             GError   **error)
{
  switch (json_node_get_value_type (node))
    {
    case G_TYPE_INT64:
      g_string_append_printf (out, "%" G_GINT64_FORMAT, json_node_get_int (node));
      return TRUE;

    case G_TYPE_DOUBLE:
      {
        double d = json_node_get_double (node);

        if (!isfinite (d))
          {
            g_set_error (error, MRE_ERROR, MRE_ERROR_TYPE_MISMATCH,
                         "JSON has no NaN or infinity");
            return FALSE;
          }
        mre_json_write_double (out, d);
        return TRUE;
      }

    case G_TYPE_BOOLEAN:
      g_string_append (out, json_node_get_boolean (node) ? "true" : "false");
      return TRUE;

    case G_TYPE_STRING:
      if (json_node_get_string (node) == NULL)
        {
          g_string_append (out, "null");
          return TRUE;
        }
      return mre_json_write_utf8 (out, json_node_get_string (node), error);

    default:
      g_set_error (error, MRE_ERROR, MRE_ERROR_TYPE_MISMATCH,
                   "A JSON node holds a value of type %s", g_type_name (json_node_get_value_type (node)));
      return FALSE;
    }
}

static gboolean
write_node (GString   *out,
            JsonNode  *node,
            GError   **error)
{
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_NULL:
      g_string_append (out, "null");
      return TRUE;

    case JSON_NODE_VALUE:
      return write_value (out, node, error);

    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);
        guint n = json_array_get_length (array);

        g_string_append_c (out, '[');
        for (guint i = 0; i < n; i++)
          {
            if (i > 0)
              g_string_append_c (out, ',');
            if (!write_node (out, json_array_get_element (array, i), error))
              return FALSE;
          }
        g_string_append_c (out, ']');
        return TRUE;
      }

    case JSON_NODE_OBJECT:
      {
        JsonObjectIter iter;
        const char *member;
        JsonNode *value;
        gboolean first = TRUE;

        g_string_append_c (out, '{');
        json_object_iter_init_ordered (&iter, json_node_get_object (node));
        while (json_object_iter_next_ordered (&iter, &member, &value))
          {
            if (!first)
              g_string_append_c (out, ',');
            first = FALSE;
            if (!mre_json_write_utf8 (out, member, error))
              return FALSE;
            g_string_append_c (out, ':');
            if (!write_node (out, value, error))
              return FALSE;
          }
        g_string_append_c (out, '}');
        return TRUE;
      }

    default:
      g_assert_not_reached ();
    }
}

/*
 * mre_json_write:
 *
 * Appends @node to @out as compact JSON text. Fails, with @out partly
 * written, on a string that is not UTF-8 and on a NaN or infinite double.
 */
gboolean
mre_json_write (GString   *out,
                JsonNode  *node,
                GError   **error)
{
  return write_node (out, node, error);
}

/* Checking --------------------------------------------------------------- */

typedef struct
{
  const guint8 *p;
  const guint8 *end;
  const char   *problem;
  int           max_depth;
  MreJsonLoss  *loss;     /* if not NULL, where the first loss goes */
  gboolean      escaped;  /* the last string scanned has an escape */
} Scanner;

#define SCANNER_INIT(text, end) { (text), (end), NULL, MRE_JSON_MAX_DEPTH, NULL, FALSE }

static void
skip_space (Scanner *s)
{
  while (s->p < s->end && (*s->p == ' ' || *s->p == '\n' || *s->p == '\r' || *s->p == '\t'))
    s->p++;
}

static gboolean
fail (Scanner    *s,
      const char *problem)
{
  s->problem = problem;
  return FALSE;
}

/* The value of the four hex digits at @p, or G_MAXUINT. */
static guint
scan_hex4 (const guint8 *p,
           const guint8 *end)
{
  guint value = 0;

  if (end - p < 4)
    return G_MAXUINT;
  for (int i = 0; i < 4; i++)
    {
      int digit = g_ascii_xdigit_value (p[i]);

      if (digit < 0)
        return G_MAXUINT;
      value = value << 4 | digit;
    }
  return value;
}

static gboolean
scan_string (Scanner *s)
{
  const guint8 *start;

  s->p++;  /* '"' */
  start = s->p;
  s->escaped = FALSE;
  while (s->p < s->end)
    {
      guint8 c = *s->p;

      if (c == '"')
        {
          if (!mre_utf8_validate ((const char *) start, s->p - start))
            return fail (s, "a string is not valid UTF-8");
          s->p++;
          if (s->loss != NULL && s->loss->start == start - 1)
            s->loss->end = s->p;
          return TRUE;
        }
      if (c < 0x20)
        return fail (s, "a control character in a string");
      if (c == '\\')
        {
          s->escaped = TRUE;
          s->p++;
          if (s->p >= s->end)
            break;
          switch (*s->p)
            {
            case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
              break;
            case 'u':
              {
                guint unit = scan_hex4 (s->p + 1, s->end);

                if (unit == G_MAXUINT)
                  return fail (s, "a bad \\u escape");
                if (unit == 0 && s->loss != NULL && s->loss->kind == MRE_JSON_LOSS_NONE)
                  {
                    s->loss->kind = MRE_JSON_LOSS_NUL;
                    s->loss->start = start - 1;
                  }
                s->p += 4;
                /* RFC 8259 lets a lone surrogate through, but it is no
                 * character: json-glib refuses it, or reads it as bytes
                 * that are not UTF-8. Only pairs pass. */
                if (unit >= 0xdc00 && unit < 0xe000)
                  return fail (s, "a lone UTF-16 surrogate in a \\u escape");
                if (unit >= 0xd800 && unit < 0xdc00)
                  {
                    guint low = s->end - s->p >= 3 && s->p[1] == '\\' && s->p[2] == 'u'
                                ? scan_hex4 (s->p + 3, s->end) : G_MAXUINT;

                    if (low < 0xdc00 || low >= 0xe000)
                      return fail (s, "a lone UTF-16 surrogate in a \\u escape");
                    s->p += 6;
                  }
              }
              break;
            default:
              return fail (s, "a bad escape in a string");
            }
        }
      s->p++;
    }
  return fail (s, "an unterminated string");
}

static gboolean
scan_digits (Scanner *s)
{
  const guint8 *start = s->p;

  while (s->p < s->end && g_ascii_isdigit (*s->p))
    s->p++;
  return s->p > start;
}

/* Whether the integer token from @start to @end (digits, after an optional
 * '-') is outside the range of a gint64, and so of a json-glib node. */
static gboolean
integer_exceeds_int64 (const guint8 *start,
                       const guint8 *end)
{
  gboolean negative = *start == '-';
  const guint8 *digits = start + negative;
  const char *limit = negative ? "9223372036854775808" : "9223372036854775807";

  if (end - digits != 19)
    return end - digits > 19;
  return memcmp (digits, limit, 19) > 0;
}

static gboolean
scan_number (Scanner *s)
{
  const guint8 *start = s->p;

  if (*s->p == '-')
    s->p++;
  if (s->p < s->end && *s->p == '0')
    s->p++;
  else if (!scan_digits (s))
    return fail (s, "a bad number");
  if (s->loss != NULL && s->loss->kind == MRE_JSON_LOSS_NONE &&
      (s->p == s->end || (*s->p != '.' && *s->p != 'e' && *s->p != 'E')) &&
      integer_exceeds_int64 (start, s->p))
    {
      s->loss->kind = MRE_JSON_LOSS_INTEGER;
      s->loss->start = start;
      s->loss->end = s->p;
    }
  if (s->p < s->end && *s->p == '.')
    {
      s->p++;
      if (!scan_digits (s))
        return fail (s, "a bad number");
    }
  if (s->p < s->end && (*s->p == 'e' || *s->p == 'E'))
    {
      s->p++;
      if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
        s->p++;
      if (!scan_digits (s))
        return fail (s, "a bad number");
    }
  return TRUE;
}

static gboolean
scan_word (Scanner    *s,
           const char *word)
{
  gsize len = strlen (word);

  if ((gsize) (s->end - s->p) < len || memcmp (s->p, word, len) != 0)
    return fail (s, "an unexpected character");
  s->p += len;
  return TRUE;
}

/* One value, nested at most @s->max_depth deep, with the containers
 * iterative: an explicit stack of the open containers ('[' or '{'), so that
 * deep nesting costs no C stack. */
static gboolean
scan_value (Scanner *s)
{
  char stack[MRE_JSON_MAX_DEPTH];
  int depth = 0;

  g_assert (s->max_depth <= MRE_JSON_MAX_DEPTH);

  for (;;)
    {
      skip_space (s);
      if (s->p >= s->end)
        return fail (s, "the text ends early");

      /* A value. */
      switch (*s->p)
        {
        case '"':
          if (!scan_string (s))
            return FALSE;
          break;
        case '-': case '0': case '1': case '2': case '3': case '4':
        case '5': case '6': case '7': case '8': case '9':
          if (!scan_number (s))
            return FALSE;
          break;
        case 't':
          if (!scan_word (s, "true"))
            return FALSE;
          break;
        case 'f':
          if (!scan_word (s, "false"))
            return FALSE;
          break;
        case 'n':
          if (!scan_word (s, "null"))
            return FALSE;
          break;
        case '[':
        case '{':
          if (depth == s->max_depth)
            return fail (s, "nesting too deep");
          stack[depth++] = (char) *s->p++;
          skip_space (s);
          if (s->p < s->end && *s->p == (stack[depth - 1] == '[' ? ']' : '}'))
            {
              s->p++;
              depth--;
              break;
            }
          if (stack[depth - 1] == '{')
            goto member;
          continue;
        default:
          return fail (s, "an unexpected character");
        }

      /* After a value: close containers, or go on to the next element. */
      for (;;)
        {
          if (depth == 0)
            return TRUE;
          skip_space (s);
          if (s->p >= s->end)
            return fail (s, "the text ends early");
          if (*s->p == (stack[depth - 1] == '[' ? ']' : '}'))
            {
              s->p++;
              depth--;
              continue;
            }
          if (*s->p != ',')
            return fail (s, "a missing comma");
          s->p++;
          if (stack[depth - 1] == '[')
            break;
          goto member;
        }
      continue;

    member:
      skip_space (s);
      if (s->p >= s->end || *s->p != '"')
        return fail (s, "an object key that is not a string");
      if (!scan_string (s))
        return FALSE;
      skip_space (s);
      if (s->p >= s->end || *s->p != ':')
        return fail (s, "a missing colon");
      s->p++;
    }
}

/* The end of the JSON value at @p, or NULL if there is none. */
const guint8 *
mre_json_skip_value (const guint8 *p,
                     const guint8 *end)
{
  Scanner s = SCANNER_INIT (p, end);

  return scan_value (&s) ? s.p : NULL;
}

static gboolean
set_not_json (Scanner       *s,
              const guint8  *text,
              GError       **error)
{
  g_set_error (error, MRE_ERROR, MRE_ERROR_INVALID_FRAME,
               "The body is not JSON: %s at byte %" G_GSIZE_FORMAT,
               s->problem, (gsize) (s->p - text));
  return FALSE;
}

/*
 * mre_json_check:
 *
 * Whether @text is one JSON value (RFC 8259), in UTF-8, nested at most
 * MRE_JSON_MAX_DEPTH deep, without building it: what the broker needs to
 * refuse a body it would otherwise forward. MRE_ERROR_INVALID_FRAME names
 * the problem and its offset.
 */
gboolean
mre_json_check (const guint8  *text,
                gsize          len,
                GError       **error)
{
  Scanner s = SCANNER_INIT (text, text + len);

  if (scan_value (&s))
    {
      skip_space (&s);
      if (s.p == s.end)
        return TRUE;
      s.problem = "text after the value";
    }

  return set_not_json (&s, text, error);
}


/* Notifications ----------------------------------------------------------- */

/* Whether the content of a JSON string, from @p to @end (without its
 * quotes, checked by scan_string(), which said whether it is @escaped), is
 * the @want_len bytes at @want once its escapes are decoded. Allocates
 * nothing. */
static gboolean
string_equals (const guint8 *p,
               const guint8 *end,
               gboolean      escaped,
               const char   *want,
               gsize         want_len)
{
  const guint8 *w = (const guint8 *) want;
  const guint8 *w_end = w + want_len;

  if (!escaped)
    return (gsize) (end - p) == want_len && memcmp (p, want, want_len) == 0;

  while (p < end)
    {
      char decoded[6];
      gsize n = 1;

      if (*p != '\\')
        {
          if (w == w_end || *w != *p)
            return FALSE;
          p++;
          w++;
          continue;
        }
      p++;
      switch (*p++)
        {
        case 'b': decoded[0] = '\b'; break;
        case 'f': decoded[0] = '\f'; break;
        case 'n': decoded[0] = '\n'; break;
        case 'r': decoded[0] = '\r'; break;
        case 't': decoded[0] = '\t'; break;
        case 'u':
          {
            gunichar c = scan_hex4 (p, end);

            p += 4;
            if (c >= 0xd800 && c < 0xdc00)
              {
                c = 0x10000 + ((c - 0xd800) << 10) + (scan_hex4 (p + 2, end) - 0xdc00);
                p += 6;
              }
            n = g_unichar_to_utf8 (c, decoded);
          }
          break;
        default:  /* '"', '\\' and '/' stand for themselves */
          decoded[0] = (char) p[-1];
          break;
        }
      if ((gsize) (w_end - w) < n || memcmp (w, decoded, n) != 0)
        return FALSE;
      w += n;
    }
  return w == w_end;
}

/* The members of a notification that are looked at. */
enum
{
  MEMBER_JSONRPC,
  MEMBER_METHOD,
  MEMBER_PARAMS,
  MEMBER_ID,
  N_MEMBERS,
  MEMBER_OTHER = N_MEMBERS
};

static const char *const member_names[N_MEMBERS] = { "jsonrpc", "method", "params", "id" };
static const gsize member_lengths[N_MEMBERS] = { 7, 6, 6, 2 };

/* Which member the key from @p to @end (its content, checked by
 * scan_string()) names. */
static guint
which_member (const guint8 *p,
              const guint8 *end,
              gboolean      escaped)
{
  /* Unescaped, the common case: compares of constant sizes, inlined. */
  if (!escaped)
    switch (end - p)
      {
      case 7:
        return memcmp (p, "jsonrpc", 7) == 0 ? MEMBER_JSONRPC : MEMBER_OTHER;
      case 6:
        return memcmp (p, "method", 6) == 0 ? MEMBER_METHOD :
               memcmp (p, "params", 6) == 0 ? MEMBER_PARAMS : MEMBER_OTHER;
      case 2:
        return memcmp (p, "id", 2) == 0 ? MEMBER_ID : MEMBER_OTHER;
      default:
        return MEMBER_OTHER;
      }

  for (guint i = 0; i < N_MEMBERS; i++)
    if (string_equals (p, end, escaped, member_names[i], member_lengths[i]))
      return i;
  return MEMBER_OTHER;
}

/*
 * mre_json_check_notification:
 *
 * mre_json_check(), and in the same pass over @text, whether it is a
 * JSON-RPC 2.0 notification of @method (docs/PROTOCOL.md, "Bodies"): an
 * object with "jsonrpc": "2.0", a string "method" that is @method once its
 * escapes are decoded, "params" absent, an array or an object, no "id",
 * and none of these twice. Allocates nothing: it runs on every PUBLISH the
 * broker receives.
 *
 * Fails with MRE_ERROR_INVALID_FRAME, as mre_json_check(), on text that is
 * not JSON, and with MRE_ERROR_PROTOCOL, saying what is wrong, on JSON that
 * is not such a notification.
 */
gboolean
mre_json_check_notification (const guint8  *text,
                             gsize          len,
                             const char    *method,
                             gsize          method_len,
                             GError       **error)
{
  Scanner s = SCANNER_INIT (text, text + len);
  const char *wrong = NULL;  /* why the JSON is no notification */
  const char *twice = NULL;
  gboolean seen[N_MEMBERS] = { FALSE, };

  skip_space (&s);
  if (s.p == s.end || *s.p != '{')
    {
      if (!scan_value (&s))
        return set_not_json (&s, text, error);
      wrong = "it is not a JSON object";
      goto end;
    }

  s.p++;
  /* Inside the object, values may nest one level less. */
  s.max_depth = MRE_JSON_MAX_DEPTH - 1;
  skip_space (&s);
  if (s.p < s.end && *s.p == '}')
    {
      s.p++;
      goto end;
    }

  for (;;)
    {
      const guint8 *key;
      const guint8 *value;
      guint member = MEMBER_OTHER;

      skip_space (&s);
      key = s.p + 1;
      if (s.p >= s.end || *s.p != '"')
        {
          fail (&s, "an object key that is not a string");
          return set_not_json (&s, text, error);
        }
      if (!scan_string (&s))
        return set_not_json (&s, text, error);
      member = which_member (key, s.p - 1, s.escaped);

      skip_space (&s);
      if (s.p >= s.end || *s.p != ':')
        {
          fail (&s, "a missing colon");
          return set_not_json (&s, text, error);
        }
      s.p++;
      skip_space (&s);
      value = s.p;
      /* A string at once: most members are. */
      if ((s.p < s.end && *s.p == '"') ? !scan_string (&s) : !scan_value (&s))
        return set_not_json (&s, text, error);

      if (member != MEMBER_OTHER)
        {
          /* Readers differ on which of two they take: said first. */
          if (seen[member])
            twice = member_names[member];
          seen[member] = TRUE;
        }
      if (member != MEMBER_OTHER && wrong == NULL)
        {
          switch (member)
            {
            case MEMBER_JSONRPC:
              if (*value != '"' || !string_equals (value + 1, s.p - 1, s.escaped, "2.0", 3))
                wrong = "its “jsonrpc” is not \"2.0\"";
              break;
            case MEMBER_METHOD:
              if (*value != '"')
                wrong = "its “method” is not a string";
              else if (!string_equals (value + 1, s.p - 1, s.escaped, method, method_len))
                wrong = "its “method” is not the event name of the frame";
              break;
            case MEMBER_PARAMS:
              if (*value != '[' && *value != '{')
                wrong = "its “params” is neither an array nor an object";
              break;
            case MEMBER_ID:
              wrong = "it has an “id”, which makes it a request";
              break;
            default:
              g_assert_not_reached ();
            }
        }

      skip_space (&s);
      if (s.p >= s.end)
        {
          fail (&s, "the text ends early");
          return set_not_json (&s, text, error);
        }
      if (*s.p == '}')
        {
          s.p++;
          break;
        }
      if (*s.p != ',')
        {
          fail (&s, "a missing comma");
          return set_not_json (&s, text, error);
        }
      s.p++;
    }

end:
  skip_space (&s);
  if (s.p != s.end)
    {
      s.problem = "text after the value";
      return set_not_json (&s, text, error);
    }

  if (wrong == NULL && !seen[MEMBER_JSONRPC])
    wrong = "it has no “jsonrpc”";
  else if (wrong == NULL && !seen[MEMBER_METHOD])
    wrong = "it has no “method”";
  if (wrong == NULL && twice == NULL)
    return TRUE;

  if (twice != NULL)
    g_set_error (error, MRE_ERROR, MRE_ERROR_PROTOCOL,
                 "The body is not a JSON-RPC 2.0 notification: it has two “%s” members", twice);
  else
    g_set_error (error, MRE_ERROR, MRE_ERROR_PROTOCOL,
                 "The body is not a JSON-RPC 2.0 notification: %s", wrong);
  return FALSE;
}

/* Values json-glib cannot hold ------------------------------------------- */

/*
 * mre_json_find_loss:
 *
 * Finds the first token of the JSON value @text that json-glib 1.6 would
 * change while parsing it: an integer outside the range of a gint64 (it
 * wraps) or a string holding U+0000 (it cuts it there). @text is valid
 * JSON (checked by mre_json_check() or the broker). One pass over the
 * text, much cheaper than json-glib's parse it guards.
 *
 * Returns: whether there is such a token, then described by @loss
 */
gboolean
mre_json_find_loss (const guint8 *text,
                    gsize         len,
                    MreJsonLoss  *loss)
{
  Scanner s = SCANNER_INIT (text, text + len);
  const guint8 *value;

  memset (loss, 0, sizeof *loss);
  s.loss = loss;
  skip_space (&s);
  value = s.p;
  scan_value (&s);
  if (loss->kind == MRE_JSON_LOSS_NONE)
    return FALSE;
  loss->whole = loss->start == value && loss->end == s.p;
  return TRUE;
}

/*
 * mre_json_unescape:
 *
 * The string of the JSON string token from @start ('"') to @end (past its
 * closing '"'), which the scanner checked, with every escape decoded,
 * U+0000 included; @len gets its length in bytes.
 *
 * Returns: (transfer full): the bytes, NUL-terminated
 */
char *
mre_json_unescape (const guint8 *start,
                   const guint8 *end,
                   gsize        *len)
{
  const guint8 *p = start + 1;
  const guint8 *last = end - 1;
  GString *out = g_string_sized_new (last - p);

  while (p < last)
    {
      const guint8 *backslash = memchr (p, '\\', last - p);
      guint unit;

      if (backslash == NULL)
        {
          g_string_append_len (out, (const char *) p, last - p);
          break;
        }
      g_string_append_len (out, (const char *) p, backslash - p);
      p = backslash + 1;
      switch (*p++)
        {
        case 'b': g_string_append_c (out, '\b'); break;
        case 'f': g_string_append_c (out, '\f'); break;
        case 'n': g_string_append_c (out, '\n'); break;
        case 'r': g_string_append_c (out, '\r'); break;
        case 't': g_string_append_c (out, '\t'); break;
        case 'u':
          unit = scan_hex4 (p, last);
          p += 4;
          if (unit >= 0xd800 && unit < 0xdc00 && last - p >= 6)
            {
              unit = 0x10000 + ((unit - 0xd800) << 10) + (scan_hex4 (p + 2, last) - 0xdc00);
              p += 6;
            }
          if (unit == 0)
            g_string_append_len (out, "", 1);
          else
            g_string_append_unichar (out, unit);
          break;
        default:  /* '"', '\\', '/' */
          g_string_append_c (out, p[-1]);
          break;
        }
    }
  *len = out->len;
  return g_string_free (out, FALSE);
}

/*
 * mre_json_find_member:
 *
 * Finds the member @name of the JSON object @text as json-glib does: by its
 * name with the escapes decoded, the last one if there are several. Checks
 * the whole text on the way. @nul_key, if not NULL, is set to whether a
 * member name holds U+0000 (json-glib would cut it, and might take it for
 * another member).
 *
 * Returns: %FALSE with MRE_ERROR_INVALID_FRAME if @text is not a JSON
 *   object; else %TRUE, with @start and @end the member's value, or NULL
 *   if there is no such member
 */
gboolean
mre_json_find_member (const guint8  *text,
                      gsize          len,
                      const char    *name,
                      const guint8 **start,
                      const guint8 **end,
                      gboolean      *nul_key,
                      GError       **error)
{
  Scanner s = SCANNER_INIT (text, text + len);
  gsize name_len = strlen (name);

  *start = *end = NULL;
  if (nul_key != NULL)
    *nul_key = FALSE;

  skip_space (&s);
  if (s.p >= s.end || *s.p != '{')
    {
      g_set_error (error, MRE_ERROR, MRE_ERROR_INVALID_FRAME, "The body is not a JSON object");
      return FALSE;
    }
  s.p++;
  skip_space (&s);
  if (s.p < s.end && *s.p == '}')
    s.p++;
  else
    for (;;)
      {
        const guint8 *key = s.p, *value;
        gboolean matches;

        if (s.p >= s.end || *s.p != '"')
          {
            fail (&s, "an object key that is not a string");
            goto bad;
          }
        if (!scan_string (&s))
          goto bad;
        if (memchr (key, '\\', s.p - key) == NULL)
          matches = (gsize) (s.p - key) == name_len + 2 && memcmp (key + 1, name, name_len) == 0;
        else
          {
            gsize key_len;
            g_autofree char *decoded = mre_json_unescape (key, s.p, &key_len);

            matches = key_len == name_len && memcmp (decoded, name, name_len) == 0;
            if (nul_key != NULL && memchr (decoded, '\0', key_len) != NULL)
              *nul_key = TRUE;
          }
        skip_space (&s);
        if (s.p >= s.end || *s.p != ':')
          {
            fail (&s, "a missing colon");
            goto bad;
          }
        s.p++;
        skip_space (&s);
        value = s.p;
        if (!scan_value (&s))
          goto bad;
        if (matches)
          {
            *start = value;
            *end = s.p;
          }
        skip_space (&s);
        if (s.p < s.end && *s.p == ',')
          {
            s.p++;
            skip_space (&s);
            continue;
          }
        if (s.p < s.end && *s.p == '}')
          {
            s.p++;
            break;
          }
        fail (&s, s.p < s.end ? "a missing comma" : "the text ends early");
        goto bad;
      }

  skip_space (&s);
  if (s.p == s.end)
    return TRUE;
  s.problem = "text after the value";

bad:
  *start = *end = NULL;
  g_set_error (error, MRE_ERROR, MRE_ERROR_INVALID_FRAME,
               "The body is not JSON: %s at byte %" G_GSIZE_FORMAT,
               s.problem, (gsize) (s.p - text));
  return FALSE;
}

/*
 * mre_json_append_compact:
 *
 * Appends the JSON text from @start to @end, which the scanner checked,
 * with the whitespace between tokens dropped: every token byte for byte,
 * on one line.
 */
void
mre_json_append_compact (GString      *out,
                         const guint8 *start,
                         const guint8 *end)
{
  const guint8 *run = start;
  gboolean in_string = FALSE;

  for (const guint8 *p = start; p < end; p++)
    {
      if (in_string)
        {
          if (*p == '\\')
            p++;
          else if (*p == '"')
            in_string = FALSE;
        }
      else if (*p == '"')
        in_string = TRUE;
      else if (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')
        {
          g_string_append_len (out, (const char *) run, p - run);
          run = p + 1;
        }
    }
  g_string_append_len (out, (const char *) run, end - run);
}

/*
 * mre_json_check_params:
 *
 * Whether @text is the params of a JSON-RPC notification: one JSON array or
 * object, nested shallow enough that the whole notification passes
 * mre_json_check(). @start and @end get the value without the whitespace
 * around it.
 *
 * Returns: %TRUE, or %FALSE with MRE_ERROR_TYPE_MISMATCH naming the
 *   problem, its line and column, and its offset
 */
gboolean
mre_json_check_params (const guint8  *text,
                       gsize          len,
                       const guint8 **start,
                       const guint8 **end,
                       GError       **error)
{
  Scanner s = SCANNER_INIT (text, text + len);

  /* The notification's object is one level more. */
  s.max_depth = MRE_JSON_MAX_DEPTH - 1;
  skip_space (&s);
  *start = s.p;
  if (s.p < s.end && *s.p != '[' && *s.p != '{')
    {
      g_set_error (error, MRE_ERROR, MRE_ERROR_TYPE_MISMATCH,
                   "The arguments are neither a JSON array nor a JSON object");
      return FALSE;
    }
  if (scan_value (&s))
    {
      *end = s.p;
      skip_space (&s);
      if (s.p == s.end)
        return TRUE;
      s.problem = "text after the value";
    }

  {
    gsize line = 1, column = 1;

    /* Where a person looks: lines, and characters (not bytes) within. */
    for (const guint8 *p = text; p < s.p; p++)
      {
        if (*p == '\n')
          line++, column = 1;
        else if ((*p & 0xC0) != 0x80)
          column++;
      }
    g_set_error (error, MRE_ERROR, MRE_ERROR_TYPE_MISMATCH,
                 "The arguments are not JSON: %s at line %" G_GSIZE_FORMAT
                 ", column %" G_GSIZE_FORMAT " (byte %" G_GSIZE_FORMAT ")",
                 s.problem, line, column, (gsize) (s.p - text));
  }
  return FALSE;
}
