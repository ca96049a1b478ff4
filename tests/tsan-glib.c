/* tsan-glib.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Linked into the tests of a ThreadSanitizer build only (-Db_sanitize=thread).
 *
 * ThreadSanitizer learns the order of two threads' memory accesses from
 * the synchronisation it sees: instrumented atomics and the pthread calls
 * it intercepts. Debian's GLib is not instrumented, and on Linux GLib's
 * GMutex and GCond are not pthread objects: they are built on the futex
 * system call and GLib's own atomics (gthread-posix.c, USE_NATIVE_MUTEX).
 * So TSan does not see a GMutex lock or unlock at all, and reports every
 * access that a GMutex orders as a data race: hundreds of reports in
 * mre-queue.c and mre-event-loop.c, all false.
 *
 * A suppression cannot fix that: the reported frames are ours, and
 * suppressing them would hide real races in the same functions. Instead
 * this file defines the GLib functions whose synchronisation TSan misses;
 * the executable's definition wins over libglib's for every call from our
 * code. Each forwards to GLib's own (dlsym RTLD_NEXT) and tells TSan what
 * it did, with the annotation interface of <sanitizer/tsan_interface.h>:
 * a GMutex becomes a mutex to TSan, with its lock-order (deadlock)
 * checking, and a g_once_init_leave() publishes what the initialiser
 * wrote. Nothing else changes: GLib still does the locking.
 *
 * GRWLock and GRecMutex are pthread objects in GLib 2.74, and GThread
 * uses pthread_create() and pthread_join(): TSan intercepts those itself.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <dlfcn.h>
#include <glib.h>
#include <glib-object.h>
#include <sanitizer/tsan_interface.h>

#define REAL(name)                                                      \
  static __typeof__ (name) *real_##name;                                \
  if (G_UNLIKELY (real_##name == NULL))                                 \
    real_##name = (__typeof__ (name) *) dlsym (RTLD_NEXT, #name)

void
g_mutex_init (GMutex *mutex)
{
  REAL (g_mutex_init);
  real_g_mutex_init (mutex);
  __tsan_mutex_create (mutex, 0);
}

void
g_mutex_clear (GMutex *mutex)
{
  REAL (g_mutex_clear);
  __tsan_mutex_destroy (mutex, 0);
  real_g_mutex_clear (mutex);
}

void
g_mutex_lock (GMutex *mutex)
{
  REAL (g_mutex_lock);
  __tsan_mutex_pre_lock (mutex, 0);
  real_g_mutex_lock (mutex);
  __tsan_mutex_post_lock (mutex, 0, 0);
}

gboolean
g_mutex_trylock (GMutex *mutex)
{
  gboolean locked;

  REAL (g_mutex_trylock);
  __tsan_mutex_pre_lock (mutex, __tsan_mutex_try_lock);
  locked = real_g_mutex_trylock (mutex);
  __tsan_mutex_post_lock (mutex,
                          __tsan_mutex_try_lock |
                          (locked ? 0 : __tsan_mutex_try_lock_failed), 0);
  return locked;
}

void
g_mutex_unlock (GMutex *mutex)
{
  REAL (g_mutex_unlock);
  __tsan_mutex_pre_unlock (mutex, 0);
  real_g_mutex_unlock (mutex);
  __tsan_mutex_post_unlock (mutex, 0);
}

/* A wait releases the mutex and takes it again before it returns. */
void
g_cond_wait (GCond  *cond,
             GMutex *mutex)
{
  REAL (g_cond_wait);
  __tsan_mutex_pre_unlock (mutex, 0);
  __tsan_mutex_post_unlock (mutex, 0);
  real_g_cond_wait (cond, mutex);
  __tsan_mutex_pre_lock (mutex, 0);
  __tsan_mutex_post_lock (mutex, 0, 0);
  __tsan_acquire (cond);
}

gboolean
g_cond_wait_until (GCond  *cond,
                   GMutex *mutex,
                   gint64  end_time)
{
  gboolean signalled;

  REAL (g_cond_wait_until);
  __tsan_mutex_pre_unlock (mutex, 0);
  __tsan_mutex_post_unlock (mutex, 0);
  signalled = real_g_cond_wait_until (cond, mutex, end_time);
  __tsan_mutex_pre_lock (mutex, 0);
  __tsan_mutex_post_lock (mutex, 0, 0);
  __tsan_acquire (cond);
  return signalled;
}

void
g_cond_signal (GCond *cond)
{
  REAL (g_cond_signal);
  __tsan_release (cond);
  real_g_cond_signal (cond);
}

void
g_cond_broadcast (GCond *cond)
{
  REAL (g_cond_broadcast);
  __tsan_release (cond);
  real_g_cond_broadcast (cond);
}

/* g_once_init_enter() is a macro whose fast path is an atomic load in our
 * code, which TSan sees; the store that publishes the value is in GLib,
 * which it does not. A release on the same address pairs them. */
void
(g_once_init_leave) (volatile void *location,
                     gsize          result)
{
  REAL (g_once_init_leave);
  __tsan_release ((void *) location);
  real_g_once_init_leave (location, result);
}

gboolean
(g_once_init_enter) (volatile void *location)
{
  gboolean enter;

  REAL (g_once_init_enter);
  enter = real_g_once_init_enter (location);
  __tsan_acquire ((void *) location);
  return enter;
}

/* The last g_main_context_unref() frees the context, its wake-up eventfd
 * and its arrays. Its reference count is a GLib atomic, which TSan does
 * not see: when the last reference is dropped on another thread than the
 * one that polled the context (mre_wait_for() lets a GTask or a closure
 * finalised on the emitting thread drop it), every free is reported as a
 * race with the poll. Each unref releases and acquires the context, like
 * the atomic decrement it stands for; this orders only what threads did
 * with the context before they dropped their references. */
void
g_main_context_unref (GMainContext *context)
{
  REAL (g_main_context_unref);
  __tsan_release (context);
  __tsan_acquire (context);
  real_g_main_context_unref (context);
}
