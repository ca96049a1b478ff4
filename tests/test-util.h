/* test-util.h
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Small helpers shared by the test programs: a thread-safe log of what
 * happened, a gate that holds a call until the test opens it, and a counter
 * a test thread can wait on. None of them sleeps: every wait is on a
 * condition, with a generous deadline only so that a bug fails the test
 * instead of hanging it. */

#pragma once

#include <gio/gunixsocketaddress.h>
#include <mreventloop.h>

#define TEST_DEADLINE_USEC (60 * G_USEC_PER_SEC)

/* TestLog --------------------------------------------------------------- */

typedef struct
{
  GMutex     lock;
  GPtrArray *entries;
} TestLog;

static inline void
test_log_init (TestLog *log)
{
  g_mutex_init (&log->lock);
  log->entries = g_ptr_array_new_with_free_func (g_free);
}

static inline void
test_log_clear (TestLog *log)
{
  g_clear_pointer (&log->entries, g_ptr_array_unref);
  g_mutex_clear (&log->lock);
}

static inline void test_log_add (TestLog    *log,
                                 const char *format,
                                 ...) G_GNUC_PRINTF (2, 3);

static inline void
test_log_add (TestLog    *log,
              const char *format,
              ...)
{
  va_list args;
  char *entry;

  va_start (args, format);
  entry = g_strdup_vprintf (format, args);
  va_end (args);

  g_mutex_lock (&log->lock);
  g_ptr_array_add (log->entries, entry);
  g_mutex_unlock (&log->lock);
}

static inline guint
test_log_count (TestLog *log)
{
  guint n;

  g_mutex_lock (&log->lock);
  n = log->entries->len;
  g_mutex_unlock (&log->lock);

  return n;
}

/* A NULL-terminated copy of the entries so far. */
static inline char **
test_log_dup (TestLog *log)
{
  char **strv;

  g_mutex_lock (&log->lock);
  strv = g_new0 (char *, log->entries->len + 1);
  for (guint i = 0; i < log->entries->len; i++)
    strv[i] = g_strdup (g_ptr_array_index (log->entries, i));
  g_mutex_unlock (&log->lock);

  return strv;
}

static inline void
test_log_assert_strv (TestLog           *log,
                      const char * const *expected)
{
  g_auto(GStrv) seen = test_log_dup (log);

  g_assert_cmpstrv (seen, expected);
}

/* test_log_assert (&log, "started", "active", …); */
#define test_log_assert(log, ...) \
  G_STMT_START { \
    const char * const _expected[] = { __VA_ARGS__, NULL }; \
    test_log_assert_strv ((log), _expected); \
  } G_STMT_END

#define test_log_assert_empty(log) \
  g_assert_cmpuint (test_log_count (log), ==, 0)

/* TestGate -------------------------------------------------------------- */

typedef struct
{
  GMutex   lock;
  GCond    cond;
  gboolean open;
} TestGate;

static inline void
test_gate_init (TestGate *gate)
{
  g_mutex_init (&gate->lock);
  g_cond_init (&gate->cond);
  gate->open = FALSE;
}

static inline void
test_gate_clear (TestGate *gate)
{
  g_cond_clear (&gate->cond);
  g_mutex_clear (&gate->lock);
}

static inline void
test_gate_open (TestGate *gate)
{
  g_mutex_lock (&gate->lock);
  gate->open = TRUE;
  g_cond_broadcast (&gate->cond);
  g_mutex_unlock (&gate->lock);
}

static inline void
test_gate_wait (TestGate *gate)
{
  gint64 deadline = g_get_monotonic_time () + TEST_DEADLINE_USEC;

  g_mutex_lock (&gate->lock);
  while (!gate->open)
    {
      if (!g_cond_wait_until (&gate->cond, &gate->lock, deadline))
        {
          g_mutex_unlock (&gate->lock);
          g_error ("gate was never opened");
        }
    }
  g_mutex_unlock (&gate->lock);
}

/* TestCounter ----------------------------------------------------------- */

typedef struct
{
  GMutex lock;
  GCond  cond;
  guint  value;
} TestCounter;

static inline void
test_counter_init (TestCounter *counter)
{
  g_mutex_init (&counter->lock);
  g_cond_init (&counter->cond);
  counter->value = 0;
}

static inline void
test_counter_clear (TestCounter *counter)
{
  g_cond_clear (&counter->cond);
  g_mutex_clear (&counter->lock);
}

static inline void
test_counter_inc (TestCounter *counter)
{
  g_mutex_lock (&counter->lock);
  counter->value++;
  g_cond_broadcast (&counter->cond);
  g_mutex_unlock (&counter->lock);
}

static inline guint
test_counter_get (TestCounter *counter)
{
  guint value;

  g_mutex_lock (&counter->lock);
  value = counter->value;
  g_mutex_unlock (&counter->lock);

  return value;
}

/* Blocks until the counter has reached at least @value. */
static inline void
test_counter_wait (TestCounter *counter,
                   guint        value)
{
  gint64 deadline = g_get_monotonic_time () + TEST_DEADLINE_USEC;

  g_mutex_lock (&counter->lock);
  while (counter->value < value)
    {
      if (!g_cond_wait_until (&counter->cond, &counter->lock, deadline))
        {
          g_mutex_unlock (&counter->lock);
          g_error ("counter stuck at %u, waiting for %u", counter->value, value);
        }
    }
  g_mutex_unlock (&counter->lock);
}

static inline gboolean
test_deadline_passed (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates the calling thread's default main context until @reached
 * returns TRUE for @data, failing the test past TEST_DEADLINE_USEC. For
 * conditions made true by something dispatched in that context, such as
 * the handlers of a peer's own signals on the thread that made the peer. */
static inline void
test_iterate_until_deadline (gboolean (*reached) (gpointer data),
                             gpointer   data)
{
  GMainContext *context = g_main_context_ref_thread_default ();
  GSource *deadline = g_timeout_source_new_seconds (TEST_DEADLINE_USEC / G_USEC_PER_SEC);
  gboolean passed = FALSE;

  g_source_set_callback (deadline, test_deadline_passed, &passed, NULL);
  g_source_attach (deadline, context);
  while (!reached (data) && !passed)
    g_main_context_iteration (context, TRUE);
  g_source_destroy (deadline);
  g_source_unref (deadline);
  g_main_context_unref (context);

  if (!reached (data))
    g_error ("condition not reached before the deadline");
}

typedef struct
{
  TestCounter *counter;
  guint        value;
} TestCounterTarget;

static inline gboolean
test_counter_reached (gpointer data)
{
  TestCounterTarget *target = data;

  return test_counter_get (target->counter) >= target->value;
}

/* test_counter_wait() for a counter a handler increments in the calling
 * thread's default main context, which this iterates meanwhile. */
static inline void
test_counter_wait_iterating (TestCounter *counter,
                             guint        value)
{
  TestCounterTarget target = { counter, value };

  test_iterate_until_deadline (test_counter_reached, &target);
}

/* Main contexts --------------------------------------------------------- */

/* Iterates @context (which must be owned by the calling thread, or free)
 * until @condition holds. Only for conditions that are made true by
 * something dispatched on @context, so that the blocking iteration wakes. */
#define test_iterate_until(context, condition) \
  G_STMT_START { \
    while (!(condition)) \
      g_main_context_iteration ((context), TRUE); \
  } G_STMT_END

/* Dispatches whatever is ready on @context right now, without blocking. */
static inline void
test_iterate_pending (GMainContext *context)
{
  while (g_main_context_iteration (context, FALSE))
    ;
}

/* Brokers ---------------------------------------------------------------- */

/* Waits until the broker @process serves at @path (the socket file exists
 * from bind(), before listen()); fails the test if the process ends or
 * the deadline passes first. */
static inline void
test_wait_for_broker (GSubprocess *process,
                      const char  *path)
{
  gint64 deadline = g_get_monotonic_time () + TEST_DEADLINE_USEC;

  for (;;)
    {
      g_autoptr(GSocket) probe = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, 0, NULL);
      g_autoptr(GSocketAddress) address = g_unix_socket_address_new (path);

      if (g_socket_connect (probe, address, NULL, NULL))
        return;
      g_assert_nonnull (g_subprocess_get_identifier (process));
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (10000);
    }
}
