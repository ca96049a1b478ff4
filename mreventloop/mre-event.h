/* mre-event.h
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined (MRE_INSIDE) && !defined (MRE_COMPILATION)
# error "Only <mreventloop.h> can be included directly."
#endif

#include <json-glib/json-glib.h>

#include "mre-version-macros.h"

G_BEGIN_DECLS

#define MRE_TYPE_EVENT (mre_event_get_type ())

typedef struct _MreEvent MreEvent;

MRE_AVAILABLE_IN_ALL
GType       mre_event_get_type      (void) G_GNUC_CONST;
MRE_AVAILABLE_IN_ALL
MreEvent   *mre_event_ref           (MreEvent     *self);
MRE_AVAILABLE_IN_ALL
void        mre_event_unref         (MreEvent     *self);
MRE_AVAILABLE_IN_ALL
const char *mre_event_get_name      (MreEvent     *self);
MRE_AVAILABLE_IN_ALL
const char *mre_event_get_sender    (MreEvent     *self);
MRE_AVAILABLE_IN_ALL
guint64     mre_event_get_seq       (MreEvent     *self);
MRE_AVAILABLE_IN_ALL
gint64      mre_event_get_time      (MreEvent     *self);
MRE_AVAILABLE_IN_ALL
gboolean    mre_event_get_pushed    (MreEvent     *self);
MRE_AVAILABLE_IN_ALL
gboolean    mre_event_get_retained  (MreEvent     *self);
MRE_AVAILABLE_IN_ALL
GBytes     *mre_event_get_body      (MreEvent     *self);
MRE_AVAILABLE_IN_ALL
JsonNode   *mre_event_get_params    (MreEvent     *self,
                                     GError      **error);
MRE_AVAILABLE_IN_ALL
char       *mre_event_dup_params_json (MreEvent   *self,
                                       GError    **error);
MRE_AVAILABLE_IN_ALL
gboolean    mre_event_get_args      (MreEvent     *self,
                                     const GType  *types,
                                     guint         n_types,
                                     GValue       *values,
                                     GError      **error);

MRE_AVAILABLE_IN_ALL
GValue     *mre_event_dup_arg       (MreEvent     *self,
                                     guint         index,
                                     GType         type,
                                     GError      **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MreEvent, mre_event_unref)

G_END_DECLS
