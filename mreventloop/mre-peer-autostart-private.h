/* mre-peer-autostart-private.h
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

GSocket *mre_peer_autostart_connect (const char  *path,
                                     GError     **error);

G_END_DECLS
