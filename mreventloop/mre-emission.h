/* mre-emission.h
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined (MRE_INSIDE) && !defined (MRE_COMPILATION)
# error "Only <mreventloop.h> can be included directly."
#endif

#include <glib-object.h>

#include "mre-version-macros.h"

G_BEGIN_DECLS

#define MRE_TYPE_EMISSION (mre_emission_get_type ())

typedef struct _MreEmission MreEmission;

MRE_AVAILABLE_IN_ALL
GType         mre_emission_get_type        (void) G_GNUC_CONST;
MRE_AVAILABLE_IN_ALL
MreEmission  *mre_emission_ref             (MreEmission *self);
MRE_AVAILABLE_IN_ALL
void          mre_emission_unref           (MreEmission *self);
MRE_AVAILABLE_IN_ALL
GObject      *mre_emission_get_instance    (MreEmission *self);
MRE_AVAILABLE_IN_ALL
const char   *mre_emission_get_signal_name (MreEmission *self);
MRE_AVAILABLE_IN_ALL
const char   *mre_emission_get_detail      (MreEmission *self);
MRE_AVAILABLE_IN_ALL
gint64        mre_emission_get_time        (MreEmission *self);
MRE_AVAILABLE_IN_ALL
guint         mre_emission_get_n_args      (MreEmission *self);
MRE_AVAILABLE_IN_ALL
const GValue *mre_emission_get_arg         (MreEmission *self,
                                            guint        index);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MreEmission, mre_emission_unref)

G_END_DECLS
