/* mre-event-private.h
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "mre-event.h"
#include "mre-frame-private.h"

G_BEGIN_DECLS

/* The most arguments decoded for a slot connected to MrePeer::event. */
#define MRE_EVENT_MAX_DECODED 16


MreEvent *mre_event_new_from_frame (const MreFrame *frame);
guint8    mre_event_get_frame_flags (MreEvent      *self);

G_END_DECLS
