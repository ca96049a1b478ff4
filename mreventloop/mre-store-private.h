/* mre-store-private.h
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * The broker's state directory (docs/PROTOCOL.md, "Durable push"): the
 * retained events and the last sequence number of each session, in
 * DIR/store.db, an SQLite database in WAL mode. The directory is locked
 * (DIR/lock, flock()) for as long as the store is open.
 *
 * Writes go into one transaction, opened by the first write and ended by
 * mre_store_commit(). Used on the broker's context only.
 */

typedef struct _MreStore MreStore;

typedef void (*MreStoreRetainedFunc) (guint64       position,
                                      const char   *name,
                                      const char   *sender,
                                      GBytes       *frame,
                                      gpointer      user_data);
typedef void (*MreStoreSessionFunc)  (const char   *session,
                                      guint64       seq,
                                      gint64        used,
                                      gpointer      user_data);

MreStore   *mre_store_open            (const char           *dir,
                                       GError              **error);
void        mre_store_close           (MreStore             *store);
const char *mre_store_get_id          (MreStore             *store);
gboolean    mre_store_load            (MreStore             *store,
                                       MreStoreRetainedFunc  retained,
                                       MreStoreSessionFunc   session,
                                       gpointer              user_data,
                                       GError              **error);
void        mre_store_add_retained    (MreStore             *store,
                                       guint64               position,
                                       const char           *name,
                                       const char           *sender,
                                       const guint8         *frame,
                                       gsize                 size);
void        mre_store_remove_retained (MreStore             *store,
                                       guint64               position);
void        mre_store_set_session     (MreStore             *store,
                                       const char           *session,
                                       guint64               seq,
                                       gint64                used);
void        mre_store_remove_session  (MreStore             *store,
                                       const char           *session);
gboolean    mre_store_commit          (MreStore             *store);

G_END_DECLS
