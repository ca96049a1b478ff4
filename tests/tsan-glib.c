/* tsan-glib.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Linked into the tests and the mreventloop tool of a ThreadSanitizer build
 * only (-Db_sanitize=thread).
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

/* Declares real_NAME, GLib's NAME, looked up once. Any thread may be the
 * first: the cache is an atomic, which TSan sees. */
#define REAL(name)                                                      \
  static __typeof__ (name) *cached_##name;                              \
  __typeof__ (name) *real_##name =                                      \
    __atomic_load_n (&cached_##name, __ATOMIC_ACQUIRE);                 \
  if (G_UNLIKELY (real_##name == NULL))                                 \
    {                                                                   \
      real_##name = (__typeof__ (name) *) dlsym (RTLD_NEXT, #name);     \
      __atomic_store_n (&cached_##name, real_##name, __ATOMIC_RELEASE); \
    }

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

/* g_main_context_invoke() hands a function and its data to the thread
 * that owns the context, through the context's own lock and wake-up,
 * inside GLib: TSan sees neither. The function is wrapped so that the
 * hand-off is a release by the caller and an acquire where it runs.
 * GLib's g_main_context_invoke() is g_main_context_invoke_full() with the
 * default priority. */
typedef struct
{
  GSourceFunc    func;
  gpointer       data;
  GDestroyNotify notify;
} Invoke;

static gboolean
invoke_run (gpointer user_data)
{
  Invoke *invoke = user_data;

  __tsan_acquire (invoke);
  return invoke->func (invoke->data);
}

static void
invoke_free (gpointer user_data)
{
  Invoke *invoke = user_data;

  if (invoke->notify != NULL)
    invoke->notify (invoke->data);
  g_free (invoke);
}

void
g_main_context_invoke_full (GMainContext   *context,
                            gint            priority,
                            GSourceFunc     function,
                            gpointer        data,
                            GDestroyNotify  notify)
{
  Invoke *invoke = g_new (Invoke, 1);

  REAL (g_main_context_invoke_full);
  invoke->func = function;
  invoke->data = data;
  invoke->notify = notify;
  __tsan_release (invoke);
  real_g_main_context_invoke_full (context, priority, invoke_run, invoke, invoke_free);
}

void
g_main_context_invoke (GMainContext *context,
                       GSourceFunc   function,
                       gpointer      data)
{
  g_main_context_invoke_full (context, G_PRIORITY_DEFAULT, function, data, NULL);
}

/* An idle or timeout source attached to a context of another thread hands
 * its callback's data over through the context's lock, inside GLib. The
 * attach is a release of the source, and the callback, wrapped, starts
 * with an acquire of it. Only idle and timeout sources: their callbacks
 * are GSourceFuncs (an fd or child watch's is not), and nothing in this
 * project looks their sources up by user data. */
typedef struct
{
  GSource        *source;
  GSourceFunc     func;
  gpointer        data;
  GDestroyNotify  notify;
} Callback;

static gboolean
callback_run (gpointer user_data)
{
  Callback *callback = user_data;

  __tsan_acquire (callback);
  __tsan_acquire (callback->source);
  return callback->func (callback->data);
}

static void
callback_free (gpointer user_data)
{
  Callback *callback = user_data;

  if (callback->notify != NULL)
    callback->notify (callback->data);
  g_free (callback);
}

void
g_source_set_callback (GSource        *source,
                       GSourceFunc     func,
                       gpointer        data,
                       GDestroyNotify  notify)
{
  Callback *callback;

  REAL (g_source_set_callback);
  if (source->source_funcs != &g_idle_funcs && source->source_funcs != &g_timeout_funcs)
    {
      real_g_source_set_callback (source, func, data, notify);
      return;
    }

  callback = g_new (Callback, 1);
  callback->source = source;
  callback->func = func;
  callback->data = data;
  callback->notify = notify;
  __tsan_release (callback);
  real_g_source_set_callback (source, callback_run, callback, callback_free);
}

guint
g_source_attach (GSource      *source,
                 GMainContext *context)
{
  REAL (g_source_attach);
  __tsan_release (source);
  return real_g_source_attach (source, context);
}

/* GObject's reference count is a GLib atomic too: the thread that drops
 * the last reference finalises the object, after what other threads did
 * with it before they dropped theirs. As in an annotated shared_ptr, every
 * unref is a release, and the one that finds a single reference left (so
 * drops the last) acquires before it finalises. */
void
g_object_unref (gpointer object)
{
  gboolean last;

  REAL (g_object_unref);
  /* Read before the release: after it, the object may be finalised by
   * another thread that dropped the last reference. */
  last = g_atomic_int_get (&((GObject *) object)->ref_count) == 1;
  __tsan_release (object);
  if (last)
    __tsan_acquire (object);
  real_g_object_unref (object);
}

/* Without G_DISABLE_CHECKS, g_atomic_ref_count_dec() is a function of
 * GLib's, not the inline atomic: TSan does not see the decrement, so an
 * MreEvent or MreEmission freed by the thread that drops the last
 * reference (the peer's thread) is reported as a race with what another
 * thread read before it dropped its own (a handler in the peer's signal
 * context). As for g_object_unref() above: every decrement releases, the
 * last one acquires before the caller frees. */
gboolean
g_atomic_ref_count_dec (gatomicrefcount *arc)
{
  gboolean last;

  REAL (g_atomic_ref_count_dec);
  __tsan_release ((void *) arc);
  last = real_g_atomic_ref_count_dec (arc);
  if (last)
    __tsan_acquire ((void *) arc);
  return last;
}

/* g_strerror() keeps the UTF-8 message of each errno value it was asked
 * for in a table of GLib's, filled under a lock of GLib's own, and returns
 * the kept string: the first thread to ask for ECONNREFUSED writes it,
 * the next ones read it (g_socket_connect() failing in two peers' loops),
 * and TSan sees no order between them. Asking for every value once,
 * before main() and any thread, fills the table in advance. */
__attribute__((constructor)) static void
fill_strerror_table (void)
{
  /* Kept in a volatile: g_strerror() is declared G_GNUC_CONST, and its
   * result unused, the call would be dropped. */
  const char * volatile message;

  for (int errnum = 0; errnum < 134; errnum++)
    message = g_strerror (errnum);
  (void) message;
}
