/* mreventloop-json.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The check `mreventloop emit` makes of its JSON-ARGS before it connects:
 * strict JSON (RFC 8259), one array or object and nothing after it, read
 * in one pass without building a tree, so that a typo is reported with
 * its line and column and never starts a broker, whatever the size of the
 * text. Numbers of any size and strings holding any character (U+0000
 * too) pass: the text is then published as it is, never re-serialised.
 */

#include <string.h>

#include "mreventloop-tool.h"

/* A broker refuses a body nested deeper than 512 levels (the library's
 * MRE_JSON_MAX_DEPTH), and the body's object is the first of them. */
#define TOOL_JSON_MAX_DEPTH 511

typedef struct
{
  const char *text;
  gsize       length;
  gsize       pos;
  GByteArray *stack;  /* the open containers, '[' or '{', innermost last */
} Checker;

static inline gboolean
at_end (const Checker *c)
{
  return c->pos >= c->length;
}

static inline char
peek (const Checker *c)
{
  return at_end (c) ? '\0' : c->text[c->pos];
}

static void
skip_space (Checker *c)
{
  while (!at_end (c))
    {
      switch (c->text[c->pos])
        {
        case ' ':
        case '\t':
        case '\n':
        case '\r':
          c->pos++;
          break;
        default:
          return;
        }
    }
}

/* “x”, U+000A or “the end”, for the messages. */
static char *
describe_at (const Checker *c,
             gsize          pos)
{
  gunichar ch;

  if (pos >= c->length)
    return g_strdup ("the end of the text");

  /* The whole text is valid UTF-8 by now (see tool_json_check()). */
  ch = g_utf8_get_char (c->text + pos);
  if (ch < 0x20 || ch == 0x7f)
    return g_strdup_printf ("U+%04X", ch);

  return g_strdup_printf ("“%.*s”", (int) (g_utf8_next_char (c->text + pos) - (c->text + pos)),
                          c->text + pos);
}

/* The line and column of byte @pos of @text, counted from 1, the column
 * in characters, as editors count them. */
static void
position_of (const char *text,
             gsize       pos,
             gsize      *line,
             gsize      *column)
{
  *line = 1;
  *column = 1;

  for (gsize i = 0; i < pos; i++)
    {
      if (text[i] == '\n')
        {
          (*line)++;
          *column = 1;
        }
      else if (((guchar) text[i] & 0xc0) != 0x80)
        (*column)++;
    }
}

/* Sets @error to “ORIGIN are not JSON: line L, column C: WHAT, found X”. */
static gboolean
fail_at (const Checker  *c,
         gsize           pos,
         const char     *origin,
         GError        **error,
         const char     *what)
{
  g_autofree char *found = describe_at (c, pos);
  gsize line, column;

  position_of (c->text, MIN (pos, c->length), &line, &column);
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
               "%s are not JSON: line %" G_GSIZE_FORMAT ", column %" G_GSIZE_FORMAT
               ": %s, found %s",
               origin, line, column, what, found);

  return FALSE;
}

static gboolean
check_string (Checker     *c,
              const char  *origin,
              GError     **error)
{
  g_assert (peek (c) == '"');
  c->pos++;

  while (!at_end (c))
    {
      guchar ch = (guchar) c->text[c->pos];

      if (ch == '"')
        {
          c->pos++;
          return TRUE;
        }
      if (ch < 0x20)
        return fail_at (c, c->pos, origin, error,
                        "a control character in a string must be escaped");
      if (ch != '\\')
        {
          c->pos++;
          continue;
        }

      c->pos++;
      switch (peek (c))
        {
        case '"':
        case '\\':
        case '/':
        case 'b':
        case 'f':
        case 'n':
        case 'r':
        case 't':
          c->pos++;
          break;

        case 'u':
          c->pos++;
          for (int i = 0; i < 4; i++, c->pos++)
            if (!g_ascii_isxdigit (peek (c)))
              return fail_at (c, c->pos, origin, error,
                              "expected four hexadecimal digits after “\\u”");
          break;

        default:
          return fail_at (c, c->pos, origin, error,
                          "expected an escape (one of “\"\\/bfnrtu”) after “\\”");
        }
    }

  return fail_at (c, c->pos, origin, error, "expected “\"” to end the string");
}

static gboolean
check_digits (Checker     *c,
              const char  *origin,
              GError     **error)
{
  if (!g_ascii_isdigit (peek (c)))
    return fail_at (c, c->pos, origin, error, "expected a digit");
  while (g_ascii_isdigit (peek (c)))
    c->pos++;

  return TRUE;
}

/* Any number the grammar allows: its size is the receiver's business. */
static gboolean
check_number (Checker     *c,
              const char  *origin,
              GError     **error)
{
  if (peek (c) == '-')
    c->pos++;

  if (peek (c) == '0')
    c->pos++;
  else if (!check_digits (c, origin, error))
    return FALSE;

  if (peek (c) == '.')
    {
      c->pos++;
      if (!check_digits (c, origin, error))
        return FALSE;
    }

  if (peek (c) == 'e' || peek (c) == 'E')
    {
      c->pos++;
      if (peek (c) == '+' || peek (c) == '-')
        c->pos++;
      if (!check_digits (c, origin, error))
        return FALSE;
    }

  if (g_ascii_isalnum (peek (c)) || peek (c) == '.')
    return fail_at (c, c->pos, origin, error, "expected the number to end");

  return TRUE;
}

static gboolean
check_literal (Checker     *c,
               const char  *origin,
               GError     **error)
{
  static const char * const literals[] = { "true", "false", "null" };

  for (gsize i = 0; i < G_N_ELEMENTS (literals); i++)
    {
      gsize len = strlen (literals[i]);

      if (c->length - c->pos >= len && memcmp (c->text + c->pos, literals[i], len) == 0 &&
          !g_ascii_isalnum (c->pos + len < c->length ? c->text[c->pos + len] : '\0'))
        {
          c->pos += len;
          return TRUE;
        }
    }

  return fail_at (c, c->pos, origin, error,
                  "expected a value (an object, array, string, number, true, false or null)");
}

/* A member's name and its colon; the value follows. */
static gboolean
check_member_name (Checker     *c,
                   const char  *origin,
                   GError     **error)
{
  if (peek (c) != '"')
    return fail_at (c, c->pos, origin, error, "expected a member name in double quotes");
  if (!check_string (c, origin, error))
    return FALSE;
  skip_space (c);
  if (peek (c) != ':')
    return fail_at (c, c->pos, origin, error, "expected “:” after the member name");
  c->pos++;
  skip_space (c);

  return TRUE;
}

static gboolean
check_text (Checker     *c,
            const char  *origin,
            GError     **error)
{
  skip_space (c);
  if (peek (c) != '[' && peek (c) != '{')
    return fail_at (c, c->pos, origin, error,
                    "expected “[” or “{”: the arguments are one JSON array, or one object of named arguments");

  /* A loop over the values, not a recursion: the nesting is as deep as
   * the text likes. */
  for (;;)
    {
      char open;

      /* A value. */
      switch (peek (c))
        {
        case '[':
        case '{':
          if (c->stack->len >= TOOL_JSON_MAX_DEPTH)
            {
              gsize line, column;

              position_of (c->text, c->pos, &line, &column);
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "%s are nested too deep for a broker: line %" G_GSIZE_FORMAT
                           ", column %" G_GSIZE_FORMAT ": level %d, where %d is the most",
                           origin, line, column, TOOL_JSON_MAX_DEPTH + 1, TOOL_JSON_MAX_DEPTH);
              return FALSE;
            }
          open = c->text[c->pos++];
          skip_space (c);
          if (peek (c) == (open == '[' ? ']' : '}'))
            {
              c->pos++;
              break;
            }
          g_byte_array_append (c->stack, (const guint8 *) &open, 1);
          if (open == '{' && !check_member_name (c, origin, error))
            return FALSE;
          continue;

        case '"':
          if (!check_string (c, origin, error))
            return FALSE;
          break;

        case '-':
        case '0': case '1': case '2': case '3': case '4':
        case '5': case '6': case '7': case '8': case '9':
          if (!check_number (c, origin, error))
            return FALSE;
          break;

        default:
          if (!check_literal (c, origin, error))
            return FALSE;
          break;
        }

      /* What follows a value: a comma, the end of its container, or the
       * end of the text. */
      for (;;)
        {
          skip_space (c);
          if (c->stack->len == 0)
            {
              if (!at_end (c))
                return fail_at (c, c->pos, origin, error,
                                "expected the end of the text after the arguments");
              return TRUE;
            }

          open = (char) c->stack->data[c->stack->len - 1];
          if (peek (c) == ',')
            {
              c->pos++;
              skip_space (c);
              if (open == '{' && !check_member_name (c, origin, error))
                return FALSE;
              break;
            }
          if (peek (c) == (open == '[' ? ']' : '}'))
            {
              c->pos++;
              g_byte_array_set_size (c->stack, c->stack->len - 1);
              continue;
            }

          return fail_at (c, c->pos, origin, error,
                          open == '[' ? "expected “,” or “]” after an element of an array"
                                      : "expected “,” or “}” after a member of an object");
        }
    }
}

/* Checks that @text, @length bytes, is one JSON array or object and nothing
 * else but white space, as RFC 8259 writes JSON. @origin starts the
 * message (“The arguments in “FILE””). Sets G_IO_ERROR_INVALID_DATA with
 * the line and column of the first fault. */
gboolean
tool_json_check (const char  *text,
                 gsize        length,
                 const char  *origin,
                 GError     **error)
{
  g_autoptr(GByteArray) stack = g_byte_array_new ();
  Checker c = { text, length, 0, stack };
  const char *end;

  if (!g_utf8_validate_len (text, length, &end))
    {
      gsize line, column;

      position_of (text, (gsize) (end - text), &line, &column);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "%s are not JSON: line %" G_GSIZE_FORMAT ", column %" G_GSIZE_FORMAT
                   ": %s",
                   origin, line, column,
                   *end == '\0' ? "a NUL byte, which JSON text cannot hold (write “\\u0000” in a string)"
                                : "a byte that is not UTF-8, which JSON text must be");
      return FALSE;
    }

  return check_text (&c, origin, error);
}
