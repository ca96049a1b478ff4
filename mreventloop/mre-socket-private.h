/* mre-socket-private.h
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Addresses and unix socket paths of brokers. */

char     *mre_socket_parse_address (const char    *address,
                                    GError       **error);
GSocket  *mre_socket_connect       (const char    *path,
                                    GError       **error);
GSocket  *mre_socket_listen        (const char    *listen_address,
                                    GError       **error);
void      mre_socket_unlink_if_ours (GSocket      *listener,
                                     const char   *listen_address);
char     *mre_socket_default_dir   (void);

G_END_DECLS
