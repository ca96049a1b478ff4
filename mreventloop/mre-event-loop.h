/* mre-event-loop.h
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

#include "mre-version-macros.h"

G_BEGIN_DECLS

/**
 * MreFunc:
 * @user_data: the data given when the call was queued
 * @error: return location for a #GError
 *
 * A call queued with [method@Mre.EventLoop.invoke]. It runs on the loop's
 * thread and must not assume anything else of that loop runs concurrently.
 *
 * Returns: %TRUE on success, %FALSE with @error set on failure
 *
 * Since: 0.1
 */
typedef gboolean (*MreFunc) (gpointer   user_data,
                             GError   **error);

/**
 * MreAsyncFunc:
 * @task: the completion of this call; return a boolean or an error on it
 *   exactly once, from any thread
 * @user_data: the data given when the call was queued
 *
 * A call queued with [method@Mre.EventLoop.invoke_async]. The loop runs
 * nothing else until @task has returned (with g_task_return_boolean() or
 * g_task_return_error()), so the call may finish later, for example after
 * other asynchronous I/O on the loop's context.
 *
 * Since: 0.1
 */
typedef void (*MreAsyncFunc) (GTask    *task,
                              gpointer  user_data);

#define MRE_TYPE_EVENT_LOOP (mre_event_loop_get_type ())

MRE_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (MreEventLoop, mre_event_loop, MRE, EVENT_LOOP, GObject)

/**
 * MreThreadSpawnFunc:
 * @loop: the loop being started
 * @user_data: the data given to [func@Mre.set_thread_spawn_func]
 * @error: return location for a #GError
 *
 * Starts the thread of an own-thread loop, in place of the #GThread the
 * library would make: see [func@Mre.set_thread_spawn_func]. Called on the
 * thread that calls [method@Mre.EventLoop.start] (or that starts a
 * [class@Mre.Peer] or [class@Mre.Broker] whose loop is their own), with no
 * lock of the library held.
 *
 * It must arrange that [method@Mre.EventLoop.run_thread] is called on
 * @loop exactly once, on a new thread, and return %TRUE; or fail, and
 * return %FALSE with @error set, without calling it.
 *
 * Returns: %TRUE if a thread will run @loop
 *
 * Since: 0.1
 */
typedef gboolean (*MreThreadSpawnFunc) (MreEventLoop  *loop,
                                        gpointer       user_data,
                                        GError       **error);

MRE_AVAILABLE_IN_ALL
MreEventLoop *mre_event_loop_new                   (void) G_GNUC_WARN_UNUSED_RESULT;
MRE_AVAILABLE_IN_ALL
MreEventLoop *mre_event_loop_new_for_context       (GMainContext  *context) G_GNUC_WARN_UNUSED_RESULT;
MRE_AVAILABLE_IN_ALL
GMainContext *mre_event_loop_get_context           (MreEventLoop  *self);
MRE_AVAILABLE_IN_ALL
gboolean      mre_event_loop_get_running           (MreEventLoop  *self);
MRE_AVAILABLE_IN_ALL
gboolean      mre_event_loop_get_exit_on_exception (MreEventLoop  *self);
MRE_AVAILABLE_IN_ALL
void          mre_event_loop_set_exit_on_exception (MreEventLoop  *self,
                                                    gboolean       exit_on_exception);
MRE_AVAILABLE_IN_ALL
gboolean      mre_event_loop_is_loop_thread        (MreEventLoop  *self);
MRE_AVAILABLE_IN_ALL
gboolean      mre_event_loop_start                 (MreEventLoop  *self,
                                                    GError       **error);
MRE_AVAILABLE_IN_ALL
void          mre_event_loop_stop                  (MreEventLoop  *self);
MRE_AVAILABLE_IN_ALL
gboolean      mre_event_loop_join                  (MreEventLoop  *self,
                                                    GError       **error);
MRE_AVAILABLE_IN_ALL
gboolean      mre_event_loop_run                   (MreEventLoop  *self,
                                                    GError       **error);
MRE_AVAILABLE_IN_ALL
void          mre_event_loop_run_thread            (MreEventLoop  *self);
MRE_AVAILABLE_IN_ALL
void          mre_event_loop_invoke                (MreEventLoop  *self,
                                                    MreFunc        func,
                                                    gpointer       user_data,
                                                    GDestroyNotify destroy);
MRE_AVAILABLE_IN_ALL
void          mre_event_loop_invoke_async          (MreEventLoop  *self,
                                                    MreAsyncFunc   func,
                                                    gpointer       user_data,
                                                    GDestroyNotify destroy);
MRE_AVAILABLE_IN_ALL
void          mre_event_loop_invoke_after          (MreEventLoop  *self,
                                                    guint          delay_ms,
                                                    GCancellable  *cancellable,
                                                    MreFunc        func,
                                                    gpointer       user_data,
                                                    GDestroyNotify destroy);

MRE_AVAILABLE_IN_ALL
void          mre_set_thread_spawn_func            (MreThreadSpawnFunc func,
                                                    gpointer           user_data,
                                                    GDestroyNotify     notify);

MRE_AVAILABLE_IN_ALL
MreEventLoop *mre_object_get_event_loop            (gpointer       object);
MRE_AVAILABLE_IN_ALL
void          mre_object_set_event_loop            (gpointer       object,
                                                    MreEventLoop  *loop);

G_END_DECLS
