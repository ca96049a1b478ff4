/* mre-broker.h
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined (MRE_INSIDE) && !defined (MRE_COMPILATION)
# error "Only <mreventloop.h> can be included directly."
#endif

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "mre-version-macros.h"

G_BEGIN_DECLS

#define MRE_TYPE_BROKER (mre_broker_get_type ())

MRE_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (MreBroker, mre_broker, MRE, BROKER, GObject)

MRE_AVAILABLE_IN_ALL
MreBroker  *mre_broker_new                (const char   *path) G_GNUC_WARN_UNUSED_RESULT;
MRE_AVAILABLE_IN_ALL
MreBroker  *mre_broker_new_split          (const char   *in_path,
                                           const char   *out_path) G_GNUC_WARN_UNUSED_RESULT;
MRE_AVAILABLE_IN_ALL
gboolean    mre_broker_start              (MreBroker    *self,
                                           GError      **error);
MRE_AVAILABLE_IN_ALL
void        mre_broker_stop               (MreBroker    *self);
MRE_AVAILABLE_IN_ALL
const char *mre_broker_get_path           (MreBroker    *self);
MRE_AVAILABLE_IN_ALL
const char *mre_broker_get_out_path       (MreBroker    *self);
MRE_AVAILABLE_IN_ALL
guint       mre_broker_get_max_frame_size (MreBroker    *self);
MRE_AVAILABLE_IN_ALL
void        mre_broker_set_max_frame_size (MreBroker    *self,
                                           guint         max_frame_size);
MRE_AVAILABLE_IN_ALL
guint64     mre_broker_get_max_queued_bytes (MreBroker  *self);
MRE_AVAILABLE_IN_ALL
void        mre_broker_set_max_queued_bytes (MreBroker  *self,
                                             guint64     max_queued_bytes);
MRE_AVAILABLE_IN_ALL
guint64     mre_broker_get_max_queued_bytes_total (MreBroker *self);
MRE_AVAILABLE_IN_ALL
void        mre_broker_set_max_queued_bytes_total (MreBroker *self,
                                                   guint64    max_queued_bytes_total);
MRE_AVAILABLE_IN_ALL
guint       mre_broker_get_idle_timeout   (MreBroker    *self);
MRE_AVAILABLE_IN_ALL
void        mre_broker_set_idle_timeout   (MreBroker    *self,
                                           guint         seconds);
MRE_AVAILABLE_IN_ALL
gboolean    mre_broker_get_same_uid_only  (MreBroker    *self);
MRE_AVAILABLE_IN_ALL
void        mre_broker_set_same_uid_only  (MreBroker    *self,
                                           gboolean      same_uid_only);
MRE_AVAILABLE_IN_ALL
guint       mre_broker_get_max_connections (MreBroker   *self);
MRE_AVAILABLE_IN_ALL
void        mre_broker_set_max_connections (MreBroker   *self,
                                            guint        max_connections);
MRE_AVAILABLE_IN_ALL
guint       mre_broker_get_max_subscriptions (MreBroker *self);
MRE_AVAILABLE_IN_ALL
void        mre_broker_set_max_subscriptions (MreBroker *self,
                                              guint      max_subscriptions);
MRE_AVAILABLE_IN_ALL
guint64     mre_broker_get_max_retained_bytes (MreBroker *self);
MRE_AVAILABLE_IN_ALL
void        mre_broker_set_max_retained_bytes (MreBroker *self,
                                               guint64    max_retained_bytes);
MRE_AVAILABLE_IN_ALL
guint       mre_broker_get_handshake_timeout (MreBroker *self);
MRE_AVAILABLE_IN_ALL
void        mre_broker_set_handshake_timeout (MreBroker *self,
                                              guint      seconds);
MRE_AVAILABLE_IN_ALL
const char *mre_broker_get_state_directory (MreBroker   *self);
MRE_AVAILABLE_IN_ALL
void        mre_broker_set_state_directory (MreBroker   *self,
                                            const char  *directory);
MRE_AVAILABLE_IN_ALL
guint       mre_broker_get_n_connections  (MreBroker    *self);
MRE_AVAILABLE_IN_ALL
JsonNode   *mre_broker_dup_stats          (MreBroker    *self);

G_END_DECLS
