/* mre-slot-private.h
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "mre-slot.h"

G_BEGIN_DECLS

typedef struct _MreSlotInfo MreSlotInfo;

const MreSlotInfo *mre_slot_lookup          (GType               type,
                                             const char         *name);
gboolean           mre_slot_check_args      (const MreSlotInfo  *slot,
                                             guint               n_types,
                                             const GType        *types,
                                             gboolean            allow_extra,
                                             const char         *source,
                                             GError            **error);
const GType       *mre_slot_get_param_types (const MreSlotInfo  *slot,
                                             guint              *n_params);
void               mre_slot_queue           (const MreSlotInfo  *slot,
                                             GObject            *target_owned,
                                             guint               n_args,
                                             const GValue       *args);

G_END_DECLS
