/* mre-broker-log-private.h
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The broker's log of what it refuses, connection by connection, without
 * letting a flood of them flood the log: the first of each kind is logged
 * in full, the ones after it counted, and a count per kind logged every
 * MRE_BROKER_LOG_INTERVAL_S seconds while they go on ("… and 761 more
 * connections closed for bytes that are not frames in the last 5 s").
 * Nothing is logged while nothing happens. Driven by the broker's context,
 * and used on it only. */

#define MRE_BROKER_LOG_INTERVAL_S 5

typedef enum
{
  MRE_BROKER_LOG_GARBAGE,            /* bytes that cannot be read as frames */
  MRE_BROKER_LOG_BAD_HANDSHAKE,      /* a first frame other than a good HELLO */
  MRE_BROKER_LOG_HANDSHAKE_TIMEOUT,  /* no HELLO within handshake-timeout */
  MRE_BROKER_LOG_SOCKET_ERROR,       /* reading or writing the socket failed */
  MRE_BROKER_LOG_TOO_MANY,           /* over max-connections */
  MRE_BROKER_LOG_CREDENTIALS,        /* another uid, or no credentials */
  MRE_BROKER_LOG_SLOW,               /* disconnected for not reading */
  MRE_BROKER_LOG_STALLED,            /* not waited for any more */
  MRE_BROKER_LOG_N_KINDS
} MreBrokerLogKind;

typedef struct _MreBrokerLog MreBrokerLog;

MreBrokerLog *mre_broker_log_new  (GMainContext     *context);
void          mre_broker_log_free (MreBrokerLog     *log);
void          mre_broker_log      (MreBrokerLog     *log,
                                   MreBrokerLogKind  kind,
                                   const char       *format,
                                   ...) G_GNUC_PRINTF (3, 4);

G_END_DECLS
