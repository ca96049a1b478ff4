/* mre-event-loop-private.h
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "mre-event-loop.h"

G_BEGIN_DECLS

/* Whether @self runs a thread of its own (made by mre_event_loop_new()),
 * rather than being bound to a context someone else iterates. */
gboolean mre_event_loop_has_own_thread (MreEventLoop *self);

/* Which loop an object runs on (mre-event-loop-call.c) ---------------------- */

MreEventLoop *mre_object_dup_event_loop    (gpointer         object);
gboolean      mre_object_has_event_loop    (gpointer         object);

G_END_DECLS
