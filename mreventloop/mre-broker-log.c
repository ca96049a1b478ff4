/* mre-broker-log.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "mre-broker-log-private.h"

/*
 * The log of the connections the broker refuses or drops. A client that
 * opens a thousand connections of garbage must not write a thousand lines:
 * each kind has a timer, running while that kind happens. The first of a
 * kind is logged in full and starts the timer; the ones after it are only
 * counted; each time the timer fires it logs the count, or, if there was
 * none, stops, so that the next one is logged in full again.
 */

typedef struct
{
  MreBrokerLogKind  kind;
  GSource          *timer;  /* NULL: quiet; the next one is logged in full */
  gint64            since;  /* monotonic time the count began */
  guint64           count;  /* not logged yet */
} Kind;

struct _MreBrokerLog
{
  GMainContext *context;
  Kind          kinds[MRE_BROKER_LOG_N_KINDS];
};

/* What happened to the connections counted, in a summary line. */
static const char *const phrases[MRE_BROKER_LOG_N_KINDS] = {
  [MRE_BROKER_LOG_GARBAGE] = "closed for bytes that are not whole frames",
  [MRE_BROKER_LOG_BAD_HANDSHAKE] = "closed for a bad handshake",
  [MRE_BROKER_LOG_HANDSHAKE_TIMEOUT] = "closed for sending no HELLO within handshake-timeout",
  [MRE_BROKER_LOG_SOCKET_ERROR] = "closed on a socket error",
  [MRE_BROKER_LOG_TOO_MANY] = "refused over max-connections",
  [MRE_BROKER_LOG_CREDENTIALS] = "refused for their credentials",
  [MRE_BROKER_LOG_SLOW] = "closed for not reading (max-queued-bytes)",
  [MRE_BROKER_LOG_STALLED] = "not waited for any more, reading nothing",
};

static void
log_count (Kind   *kind,
           gint64  now)
{
  gint64 seconds = (now - kind->since + G_USEC_PER_SEC / 2) / G_USEC_PER_SEC;

  g_message ("… and %" G_GUINT64_FORMAT " more connection%s %s in the last %" G_GINT64_FORMAT " s",
             kind->count, kind->count == 1 ? "" : "s", phrases[kind->kind], MAX (seconds, 1));
  kind->count = 0;
  kind->since = now;
}

static gboolean
interval_ended (gpointer user_data)
{
  Kind *kind = user_data;

  if (kind->count == 0)
    {
      g_clear_pointer (&kind->timer, g_source_unref);
      return G_SOURCE_REMOVE;
    }
  log_count (kind, g_get_monotonic_time ());
  return G_SOURCE_CONTINUE;
}

MreBrokerLog *
mre_broker_log_new (GMainContext *context)
{
  MreBrokerLog *log = g_new0 (MreBrokerLog, 1);

  log->context = g_main_context_ref (context);
  for (guint i = 0; i < MRE_BROKER_LOG_N_KINDS; i++)
    log->kinds[i].kind = i;
  return log;
}

/* Logs the counts not logged yet, and stops. */
void
mre_broker_log_free (MreBrokerLog *log)
{
  gint64 now = g_get_monotonic_time ();

  for (guint i = 0; i < MRE_BROKER_LOG_N_KINDS; i++)
    {
      Kind *kind = &log->kinds[i];

      if (kind->timer == NULL)
        continue;
      if (kind->count > 0)
        log_count (kind, now);
      g_source_destroy (kind->timer);
      g_clear_pointer (&kind->timer, g_source_unref);
    }
  g_main_context_unref (log->context);
  g_free (log);
}

/*
 * mre_broker_log:
 * @log: (nullable): the broker's log; %NULL logs in full
 * @kind: what happened to the connection
 * @format: the line, for the first of @kind in a while
 *
 * Logs, with g_message(), the line of one connection refused or dropped,
 * or counts it if one of @kind was logged less than
 * MRE_BROKER_LOG_INTERVAL_S seconds ago. On the log's context.
 */
void
mre_broker_log (MreBrokerLog     *log,
                MreBrokerLogKind  kind,
                const char       *format,
                ...)
{
  Kind *k;
  va_list args;

  g_assert (kind < MRE_BROKER_LOG_N_KINDS);

  k = log != NULL ? &log->kinds[kind] : NULL;
  if (k != NULL && k->timer != NULL)
    {
      k->count++;
      return;
    }

  va_start (args, format);
  g_logv (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE, format, args);
  va_end (args);

  if (k == NULL)
    return;
  k->since = g_get_monotonic_time ();
  k->count = 0;
  k->timer = g_timeout_source_new_seconds (MRE_BROKER_LOG_INTERVAL_S);
  g_source_set_callback (k->timer, interval_ended, k, NULL);
  g_source_set_static_name (k->timer, "MreBroker log summary");
  g_source_attach (k->timer, log->context);
}
