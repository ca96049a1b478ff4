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

/* Running code on a loop's context (mre-event-loop-call.c) ------------------ */

/* These run on the loop's GMainContext directly, beside the loop's FIFO of
 * slot calls, not in it: for the library's own work on that thread (the
 * I/O of a broker or peer), never for a slot. */

typedef void (*MreContextFunc) (gpointer data);

void          mre_event_loop_call_later    (MreEventLoop    *self,
                                            GSourceFunc      func,
                                            gpointer         data,
                                            const char      *static_name);
gboolean      mre_event_loop_try_acquire   (MreEventLoop    *self,
                                            gboolean        *acquired);
void          mre_event_loop_call_sync     (MreEventLoop    *self,
                                            MreContextFunc   func,
                                            gpointer         data);

/* Which loop an object runs on ---------------------------------------------- */

MreEventLoop *mre_object_dup_event_loop    (gpointer         object);
MreEventLoop *mre_object_start_event_loop  (gpointer         object,
                                            gboolean        *own_loop,
                                            GError         **error);
void          mre_event_loop_stop_own      (MreEventLoop    *self);

G_END_DECLS
