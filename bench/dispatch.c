/* dispatch.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/*
 * bench/dispatch: how fast a queued call gets from the enqueuing thread to
 * the loop that runs it, for mreventloop and for what a GLib program would
 * use instead, side by side in one run.
 *
 * Implementations ("impl"):
 *   g_signal_emit            direct emission to a plain handler: the floor,
 *                            nothing is queued (same thread only)
 *   g_main_context_invoke    one call per g_main_context_invoke() onto a
 *                            thread running a GMainLoop (cross-thread only:
 *                            on the owning thread it is a direct call)
 *   g_idle_add               one idle GSource per call attached to the
 *                            consumer's context
 *   mreventloop-invoke       mre_event_loop_invoke() with a trivial MreFunc
 *   mreventloop-signal-slot  g_signal_emit() of a signal declared with
 *                            mre_signal_new() and mre_connect()ed to a named
 *                            slot (mre_slot_install()) of a target whose loop
 *                            is the benchmark loop: the whole emission ->
 *                            queued slot path
 *
 * Cases:
 *   same-thread      a loop bound to a context of the benchmark thread; the
 *                    thread queues a batch, then iterates the context until
 *                    the batch ran, and so on
 *   cross-thread-1   an own-thread loop (consumer thread), one producer
 *   cross-thread-2   the same with two producer threads
 *
 * Throughput is calls run per second, from the first enqueue to the last call
 * run. Latency is paced: one call at a time carries the monotonic time at
 * which it was queued, the call stores now - then, and the producer waits
 * until it ran before queuing the next one.
 *
 * Every throughput call carries (producer << 48 | sequence number); the
 * consumer checks that each producer's calls arrive exactly once and, for
 * mreventloop, in FIFO order. Any miscount stops the benchmark with an error.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mreventloop.h>

#include "bench-common.h"

/* Calls carry a 64-bit value in their user_data pointer. */
G_STATIC_ASSERT (GLIB_SIZEOF_VOID_P == 8);

#define MAX_PRODUCERS  2
#define SEQ_BITS       48
#define SEQ_MASK       ((G_GUINT64_CONSTANT (1) << SEQ_BITS) - 1)
#define STALL_TIMEOUT  (10 * G_USEC_PER_SEC)

typedef enum
{
  IMPL_EMIT,
  IMPL_GLIB_INVOKE,
  IMPL_GLIB_IDLE,
  IMPL_MRE_INVOKE,
  IMPL_MRE_SLOT,
  N_IMPLS
} Impl;

static const char * const impl_names[N_IMPLS + 1] = {
  "g_signal_emit",
  "g_main_context_invoke",
  "g_idle_add",
  "mreventloop-invoke",
  "mreventloop-signal-slot",
  NULL
};

typedef enum
{
  CASE_SAME_THREAD,
  CASE_CROSS_THREAD_1,
  CASE_CROSS_THREAD_2,
  N_CASES
} BenchCase;

static const char * const case_names[N_CASES + 1] = {
  "same-thread",
  "cross-thread-1",
  "cross-thread-2",
  NULL
};

/* Which implementations run in which case, in the order they run. */
static const Impl same_thread_impls[] = {
  IMPL_EMIT, IMPL_GLIB_IDLE, IMPL_MRE_INVOKE, IMPL_MRE_SLOT,
};
static const Impl cross_thread_impls[] = {
  IMPL_GLIB_INVOKE, IMPL_GLIB_IDLE, IMPL_MRE_INVOKE, IMPL_MRE_SLOT,
};

typedef struct
{
  gboolean have_throughput;
  double   throughput;     /* calls/s, median run */
  double   min_throughput;
  double   max_throughput;
  gboolean have_latency;
  double   p50;            /* us */
  double   p99;            /* us */
} Result;

static Result results[N_CASES][N_IMPLS];

/* Options */
static gboolean opt_json;
static gboolean opt_quick;
static gint64 opt_calls;
static gint opt_samples;
static gint opt_batch = 1000;
static gint opt_runs;
static gboolean opt_verbose;
static char *opt_case;
static char *opt_impl;

/* ------------------------------------------------------------------------ */
/* What every call does when it runs: deliver() its value to the sink
 * (throughput) or to the latency recorder. Only the consumer thread (or,
 * same-thread, the benchmark thread) writes here. */

typedef struct
{
  guint64  count;
  guint64  total;
  guint64  next[MAX_PRODUCERS];
  guint64  sum[MAX_PRODUCERS];
  guint64  disorder;
  guint64  bad;
  gint64   end_ns;

  GMutex   lock;
  GCond    cond;
  gboolean done;
} Sink;

static Sink sink;

static gboolean latency_mode;
static gint64 *lat_samples;
static guint lat_cap;
static guint lat_n;
static gint lat_ran;

static void
sink_reset (guint64 total)
{
  g_mutex_lock (&sink.lock);
  sink.count = 0;
  sink.total = total;
  memset (sink.next, 0, sizeof sink.next);
  memset (sink.sum, 0, sizeof sink.sum);
  sink.disorder = 0;
  sink.bad = 0;
  sink.end_ns = 0;
  sink.done = FALSE;
  g_mutex_unlock (&sink.lock);
}

static inline void
sink_record (guint64 value)
{
  guint producer = value >> SEQ_BITS;
  guint64 seq = value & SEQ_MASK;

  if (G_UNLIKELY (producer >= MAX_PRODUCERS))
    {
      sink.bad++;
      return;
    }

  if (G_UNLIKELY (seq != sink.next[producer]))
    sink.disorder++;
  sink.next[producer] = seq + 1;
  sink.sum[producer] += seq;

  if (G_UNLIKELY (++sink.count == sink.total))
    {
      sink.end_ns = bench_now_ns ();
      g_mutex_lock (&sink.lock);
      sink.done = TRUE;
      g_cond_signal (&sink.cond);
      g_mutex_unlock (&sink.lock);
    }
}

static inline void
lat_record (guint64 value)
{
  gint64 delta = bench_now_ns () - (gint64) value;

  if (lat_n < lat_cap)
    lat_samples[lat_n] = delta;
  lat_n++;
  g_atomic_int_set (&lat_ran, 1);
}

static inline void
deliver (guint64 value)
{
  if (G_UNLIKELY (latency_mode))
    lat_record (value);
  else
    sink_record (value);
}

static gboolean
glib_cb (gpointer user_data)
{
  deliver (GPOINTER_TO_SIZE (user_data));
  return G_SOURCE_REMOVE;
}

static gboolean
mre_cb (gpointer   user_data,
        GError   **error)
{
  deliver (GPOINTER_TO_SIZE (user_data));
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* The emitter and the slot target */

#define BENCH_TYPE_EMITTER (bench_emitter_get_type ())
G_DECLARE_FINAL_TYPE (BenchEmitter, bench_emitter, BENCH, EMITTER, GObject)

struct _BenchEmitter
{
  GObject parent_instance;
};

G_DEFINE_FINAL_TYPE (BenchEmitter, bench_emitter, G_TYPE_OBJECT)

static guint tick_signal;

static void
bench_emitter_class_init (BenchEmitterClass *klass)
{
  tick_signal = mre_signal_new (G_TYPE_FROM_CLASS (klass), "tick", 1, G_TYPE_UINT64);
}

static void
bench_emitter_init (BenchEmitter *self)
{
}

static void
bench_emitter_tick_handler (BenchEmitter *emitter,
                            guint64       value,
                            gpointer      user_data)
{
  deliver (value);
}

#define BENCH_TYPE_TARGET (bench_target_get_type ())
G_DECLARE_FINAL_TYPE (BenchTarget, bench_target, BENCH, TARGET, GObject)

struct _BenchTarget
{
  GObject parent_instance;
};

G_DEFINE_FINAL_TYPE (BenchTarget, bench_target, G_TYPE_OBJECT)

static gboolean
bench_target_on_tick (BenchTarget  *self,
                      guint64       value,
                      GError      **error)
{
  deliver (value);
  return TRUE;
}

static void
bench_target_class_init (BenchTargetClass *klass)
{
  mre_slot_install (G_TYPE_FROM_CLASS (klass), "on-tick",
                    G_CALLBACK (bench_target_on_tick), MRE_SLOT_DEFAULT,
                    1, G_TYPE_UINT64);
}

static void
bench_target_init (BenchTarget *self)
{
}

/* ------------------------------------------------------------------------ */
/* A consumer: where the calls of one implementation run. */

typedef struct
{
  Impl          impl;
  gboolean      own_thread;
  guint         n_producers;
  GMainContext *context;
  GMainLoop    *main_loop;
  GThread      *thread;
  MreEventLoop *loop;
  BenchTarget  *target;
  BenchEmitter *emitters[MAX_PRODUCERS];
} Consumer;

static gpointer
glib_consumer_thread (gpointer data)
{
  Consumer *c = data;

  g_main_context_push_thread_default (c->context);
  g_main_loop_run (c->main_loop);
  g_main_context_pop_thread_default (c->context);

  return NULL;
}

/* @bound_context: the benchmark thread's context (same-thread), or NULL
 * for a consumer thread of its own. */
static void
consumer_init (Consumer     *c,
               Impl          impl,
               GMainContext *bound_context,
               guint         n_producers)
{
  g_autoptr(GError) error = NULL;

  memset (c, 0, sizeof *c);
  c->impl = impl;
  c->own_thread = bound_context == NULL;
  c->n_producers = n_producers;

  switch (impl)
    {
    case IMPL_EMIT:
      g_assert (!c->own_thread);
      for (guint i = 0; i < n_producers; i++)
        {
          c->emitters[i] = g_object_new (BENCH_TYPE_EMITTER, NULL);
          g_signal_connect (c->emitters[i], "tick",
                            G_CALLBACK (bench_emitter_tick_handler), NULL);
        }
      break;

    case IMPL_GLIB_INVOKE:
    case IMPL_GLIB_IDLE:
      if (c->own_thread)
        {
          c->context = g_main_context_new ();
          c->main_loop = g_main_loop_new (c->context, FALSE);
          c->thread = g_thread_new ("glib-consumer", glib_consumer_thread, c);
          /* g_main_loop_quit() before g_main_loop_run() would be lost. */
          while (!g_main_loop_is_running (c->main_loop))
            g_thread_yield ();
        }
      else
        {
          c->context = g_main_context_ref (bound_context);
        }
      break;

    case IMPL_MRE_INVOKE:
    case IMPL_MRE_SLOT:
      if (c->own_thread)
        c->loop = mre_event_loop_new ();
      else
        c->loop = mre_event_loop_new_for_context (bound_context);
      c->context = g_main_context_ref (mre_event_loop_get_context (c->loop));
      if (!mre_event_loop_start (c->loop, &error))
        bench_die ("mre_event_loop_start: %s", error->message);

      if (impl == IMPL_MRE_SLOT)
        {
          c->target = g_object_new (BENCH_TYPE_TARGET, NULL);
          mre_object_set_event_loop (c->target, c->loop);
          for (guint i = 0; i < n_producers; i++)
            {
              c->emitters[i] = g_object_new (BENCH_TYPE_EMITTER, NULL);
              if (mre_connect (c->emitters[i], "tick", c->target, "on-tick",
                               MRE_CONNECT_DEFAULT, &error) == 0)
                bench_die ("mre_connect: %s", error ? error->message : "returned 0");
            }
        }
      break;

    case N_IMPLS:
    default:
      g_assert_not_reached ();
    }
}

static inline void
consumer_enqueue (Consumer *c,
                  guint     producer,
                  guint64   value)
{
  switch (c->impl)
    {
    case IMPL_EMIT:
    case IMPL_MRE_SLOT:
      g_signal_emit (c->emitters[producer], tick_signal, 0, value);
      break;

    case IMPL_GLIB_INVOKE:
      g_main_context_invoke (c->context, glib_cb, GSIZE_TO_POINTER (value));
      break;

    case IMPL_GLIB_IDLE:
      {
        /* g_idle_add(), but onto the consumer's context */
        GSource *source = g_idle_source_new ();

        g_source_set_callback (source, glib_cb, GSIZE_TO_POINTER (value), NULL);
        g_source_attach (source, c->context);
        g_source_unref (source);
      }
      break;

    case IMPL_MRE_INVOKE:
      mre_event_loop_invoke (c->loop, mre_cb, GSIZE_TO_POINTER (value), NULL);
      break;

    case N_IMPLS:
    default:
      g_assert_not_reached ();
    }
}

/* Same-thread only: iterates @context until *@counter reaches @target,
 * failing when nothing moves for STALL_TIMEOUT. */
static void
iterate_until (GMainContext   *context,
               const guint64  *counter,
               guint64         target,
               const char     *what)
{
  guint64 last = *counter;
  gint64 last_progress = 0;
  guint spins = 0;

  while (*counter < target)
    {
      g_main_context_iteration (context, FALSE);

      if (*counter != last)
        {
          last = *counter;
          spins = 0;
          last_progress = 0;
        }
      else if (++spins % 4096 == 0)
        {
          gint64 now = g_get_monotonic_time ();

          if (last_progress == 0)
            last_progress = now;
          else if (now - last_progress > STALL_TIMEOUT)
            bench_die ("%s: only %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
                       " queued calls ran (no progress for %d s)",
                       what, *counter, target, (int) (STALL_TIMEOUT / G_USEC_PER_SEC));
        }
    }
}

static gboolean
loop_stopped (MreEventLoop *loop)
{
  return !mre_event_loop_get_running (loop);
}

static void
consumer_clear (Consumer *c)
{
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < MAX_PRODUCERS; i++)
    {
      if (c->emitters[i] == NULL)
        continue;
      if (c->impl == IMPL_MRE_SLOT)
        mre_disconnect (c->emitters[i], "tick");
      g_clear_object (&c->emitters[i]);
    }

  if (c->loop != NULL)
    {
      mre_event_loop_stop (c->loop);
      if (c->own_thread)
        {
          if (!mre_event_loop_join (c->loop, &error))
            bench_die ("mre_event_loop_join: %s", error ? error->message : "failed");
        }
      else
        {
          gint64 deadline = g_get_monotonic_time () + STALL_TIMEOUT;

          while (!loop_stopped (c->loop))
            {
              g_main_context_iteration (c->context, FALSE);
              if (g_get_monotonic_time () > deadline)
                bench_die ("a bound loop did not stop after mre_event_loop_stop()");
            }
        }
    }
  g_clear_object (&c->target);
  g_clear_object (&c->loop);

  if (c->main_loop != NULL)
    {
      g_main_loop_quit (c->main_loop);
      g_thread_join (c->thread);
      g_clear_pointer (&c->main_loop, g_main_loop_unref);
    }
  g_clear_pointer (&c->context, g_main_context_unref);
}

/* ------------------------------------------------------------------------ */
/* Throughput */

typedef struct
{
  Consumer *consumer;
  guint     index;
  guint64   n_calls;
  GThread  *thread;
} Producer;

static gint producers_ready;
static gint producers_go;

static gpointer
producer_thread (gpointer data)
{
  Producer *p = data;
  Consumer *c = p->consumer;
  guint64 base = (guint64) p->index << SEQ_BITS;

  g_atomic_int_inc (&producers_ready);
  while (!g_atomic_int_get (&producers_go))
    g_thread_yield ();

  for (guint64 i = 0; i < p->n_calls; i++)
    consumer_enqueue (c, p->index, base | i);

  return NULL;
}

/* Returns the seconds from the first enqueue to the last call run. */
static double
run_same_thread (Consumer *c,
                 guint64   n_calls)
{
  gint64 start, end;

  sink_reset (n_calls);
  start = bench_now_ns ();

  if (c->impl == IMPL_EMIT)
    {
      for (guint64 i = 0; i < n_calls; i++)
        consumer_enqueue (c, 0, i);
    }
  else
    {
      for (guint64 i = 0; i < n_calls; i += opt_batch)
        {
          guint64 batch_end = MIN (i + opt_batch, n_calls);

          for (guint64 j = i; j < batch_end; j++)
            consumer_enqueue (c, 0, j);
          iterate_until (c->context, &sink.count, batch_end, impl_names[c->impl]);
        }
    }

  end = bench_now_ns ();
  if (sink.count != n_calls)
    bench_die ("%s same-thread: %" G_GUINT64_FORMAT " calls ran, %" G_GUINT64_FORMAT " queued",
               impl_names[c->impl], sink.count, n_calls);

  return (end - start) / 1e9;
}

static double
run_cross_thread (Consumer *c,
                  guint64   n_per_producer)
{
  Producer producers[MAX_PRODUCERS];
  guint64 last_count = 0;
  gint64 last_progress;
  gint64 start;

  sink_reset (n_per_producer * c->n_producers);
  g_atomic_int_set (&producers_ready, 0);
  g_atomic_int_set (&producers_go, 0);

  for (guint i = 0; i < c->n_producers; i++)
    {
      producers[i].consumer = c;
      producers[i].index = i;
      producers[i].n_calls = n_per_producer;
      producers[i].thread = g_thread_new ("producer", producer_thread, &producers[i]);
    }
  while (g_atomic_int_get (&producers_ready) < (gint) c->n_producers)
    g_thread_yield ();

  start = bench_now_ns ();
  g_atomic_int_set (&producers_go, 1);

  last_progress = g_get_monotonic_time ();
  g_mutex_lock (&sink.lock);
  while (!sink.done)
    {
      gint64 now = g_get_monotonic_time ();
      guint64 count = ((volatile Sink *) &sink)->count;

      if (count != last_count)
        {
          last_count = count;
          last_progress = now;
        }
      else if (now - last_progress > STALL_TIMEOUT)
        bench_die ("%s %u producer(s): only %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
                   " queued calls ran (no progress for %d s)",
                   impl_names[c->impl], c->n_producers, count, sink.total,
                   (int) (STALL_TIMEOUT / G_USEC_PER_SEC));
      g_cond_wait_until (&sink.cond, &sink.lock, now + G_USEC_PER_SEC);
    }
  g_mutex_unlock (&sink.lock);

  for (guint i = 0; i < c->n_producers; i++)
    g_thread_join (producers[i].thread);

  return (sink.end_ns - start) / 1e9;
}

/* Every producer's calls ran exactly once; for mreventloop also in FIFO
 * order. Call it once no more call can run (after consumer_clear() for the
 * timed run), so a late duplicate is caught too. */
static void
sink_verify (Impl        impl,
             BenchCase   bench_case,
             guint       n_producers,
             guint64     n_per_producer)
{
  const char *what = impl_names[impl];
  const char *where = case_names[bench_case];
  gboolean fifo_required = impl == IMPL_MRE_INVOKE || impl == IMPL_MRE_SLOT;

  if (sink.bad != 0)
    bench_die ("%s %s: %" G_GUINT64_FORMAT " calls ran with a corrupted argument",
               what, where, sink.bad);
  if (sink.count != n_per_producer * n_producers)
    bench_die ("%s %s: %" G_GUINT64_FORMAT " calls ran, %" G_GUINT64_FORMAT " were queued",
               what, where, sink.count, n_per_producer * n_producers);

  if (sink.disorder == 0)
    {
      /* each producer's calls ran as 0, 1, 2, ... next - 1 */
      for (guint p = 0; p < n_producers; p++)
        if (sink.next[p] != n_per_producer)
          bench_die ("%s %s: producer %u: %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " calls ran",
                     what, where, p, sink.next[p], n_per_producer);
      return;
    }

  if (fifo_required)
    bench_die ("%s %s: FIFO order violated (%" G_GUINT64_FORMAT " calls out of order)",
               what, where, sink.disorder);

  /* GLib makes no FIFO promise; fall back to a count + checksum test. */
  for (guint p = 0; p < n_producers; p++)
    if (sink.sum[p] != n_per_producer * (n_per_producer - 1) / 2)
      bench_die ("%s %s: producer %u: calls lost or run twice", what, where, p);
  g_printerr ("dispatch: note: %s %s ran %" G_GUINT64_FORMAT " calls out of order\n",
              what, where, sink.disorder);
}

/* ------------------------------------------------------------------------ */
/* Latency */

static void
run_latency (Consumer *c,
             guint     n_warmup,
             guint     n_samples,
             double   *p50,
             double   *p99)
{
  guint total = n_warmup + n_samples;
  gint64 *sorted;

  g_assert (total <= lat_cap);

  lat_n = 0;
  latency_mode = TRUE;

  for (guint i = 0; i < total; i++)
    {
      gint64 deadline = 0;
      guint spins = 0;

      g_atomic_int_set (&lat_ran, 0);
      consumer_enqueue (c, 0, (guint64) bench_now_ns ());

      /* EMIT has run it already; the queued ones need their loop */
      while (!g_atomic_int_get (&lat_ran))
        {
          if (c->own_thread)
            g_thread_yield ();
          else
            g_main_context_iteration (c->context, FALSE);

          if (++spins % 4096 == 0)
            {
              gint64 now = g_get_monotonic_time ();

              if (deadline == 0)
                deadline = now + STALL_TIMEOUT;
              else if (now > deadline)
                bench_die ("%s latency: call %u never ran", impl_names[c->impl], i);
            }
        }
    }

  latency_mode = FALSE;

  if (lat_n != total)
    bench_die ("%s latency: %u calls ran, %u were queued", impl_names[c->impl], lat_n, total);

  sorted = g_memdup2 (lat_samples + n_warmup, n_samples * sizeof (gint64));
  bench_sort_ns (sorted, n_samples);
  *p50 = bench_percentile_us (sorted, n_samples, 50);
  *p99 = bench_percentile_us (sorted, n_samples, 99);
  g_free (sorted);
}

/* ------------------------------------------------------------------------ */
/* One implementation in one case */

static void
run_one (BenchCase     bench_case,
         Impl          impl,
         GMainContext *bench_context)
{
  guint n_producers = bench_case == CASE_CROSS_THREAD_2 ? 2 : 1;
  guint64 n_per_run = opt_calls / ((guint64) n_producers * opt_runs);
  guint64 n_warmup = MAX (opt_calls / n_producers / 20, 1000);
  guint n_lat_warmup = CLAMP (opt_samples / 20, 50, 1000);
  gboolean same_thread = bench_case == CASE_SAME_THREAD;
  Result *r = &results[bench_case][impl];
  g_autofree double *rates = NULL;
  Consumer c;

  if ((opt_case != NULL && g_strcmp0 (opt_case, case_names[bench_case]) != 0) ||
      (opt_impl != NULL && g_strcmp0 (opt_impl, impl_names[impl]) != 0))
    return;

  if (!opt_json && isatty (STDERR_FILENO))
    g_printerr ("running %s %s...\n", case_names[bench_case], impl_names[impl]);

  consumer_init (&c, impl, same_thread ? bench_context : NULL, n_producers);

  /* warm-up: caches, allocator, the consumer thread is up and polling */
  if (same_thread)
    run_same_thread (&c, n_warmup);
  else
    run_cross_thread (&c, n_warmup);
  sink_verify (impl, bench_case, n_producers, n_warmup);

  /* the case's calls in opt_runs runs; the median run is reported */
  rates = g_new (double, opt_runs);
  for (gint run = 0; run < opt_runs; run++)
    {
      double seconds;

      if (same_thread)
        seconds = run_same_thread (&c, n_per_run);
      else
        seconds = run_cross_thread (&c, n_per_run);
      rates[run] = (n_per_run * n_producers) / seconds;
      if (opt_verbose)
        g_printerr ("  %s %s run %d: %.3f M/s\n", case_names[bench_case],
                    impl_names[impl], run + 1, rates[run] / 1e6);

      if (run + 1 < opt_runs)
        sink_verify (impl, bench_case, n_producers, n_per_run);
    }
  bench_sort_doubles (rates, opt_runs);
  r->have_throughput = TRUE;
  r->throughput = rates[opt_runs / 2];
  r->min_throughput = rates[0];
  r->max_throughput = rates[opt_runs - 1];

  /* paced latency: one producer */
  if (bench_case != CASE_CROSS_THREAD_2)
    {
      run_latency (&c, n_lat_warmup, opt_samples, &r->p50, &r->p99);
      r->have_latency = TRUE;
    }

  consumer_clear (&c);

  /* nothing can run any more: catch late duplicates of the last run too */
  sink_verify (impl, bench_case, n_producers, n_per_run);
  if (r->have_latency && lat_n != n_lat_warmup + (guint) opt_samples)
    bench_die ("%s %s latency: %u calls ran, %u were queued", impl_names[impl],
               case_names[bench_case], lat_n, n_lat_warmup + (guint) opt_samples);
}

/* ------------------------------------------------------------------------ */
/* Output */

typedef struct
{
  BenchCase   bench_case;
  Impl        impl;
  Impl        vs;
  double      min_ratio;
  const char *label;
} Target;

static const Target targets[] = {
  { CASE_CROSS_THREAD_1, IMPL_MRE_SLOT,   IMPL_GLIB_INVOKE, 5.0,  ">= 5x" },
  { CASE_CROSS_THREAD_1, IMPL_MRE_INVOKE, IMPL_GLIB_INVOKE, 5.0,  ">= 5x" },
  { CASE_CROSS_THREAD_2, IMPL_MRE_SLOT,   IMPL_GLIB_INVOKE, 5.0,  ">= 5x" },
  { CASE_CROSS_THREAD_2, IMPL_MRE_INVOKE, IMPL_GLIB_INVOKE, 5.0,  ">= 5x" },
  { CASE_SAME_THREAD,    IMPL_MRE_SLOT,   IMPL_EMIT,        0.25, ">= 0.25x (within 4x)" },
  { CASE_SAME_THREAD,    IMPL_MRE_INVOKE, IMPL_EMIT,        0.25, ">= 0.25x (within 4x)" },
};

static const Impl mre_impls[] = { IMPL_MRE_INVOKE, IMPL_MRE_SLOT };
static const Impl alternatives[] = { IMPL_EMIT, IMPL_GLIB_INVOKE, IMPL_GLIB_IDLE };

static BenchCpuLoad load;

static void
print_json_value (BenchCase   bench_case,
                  Impl        impl,
                  const char *metric,
                  double      value,
                  const char *unit)
{
  bench_json_begin (case_names[bench_case], impl_names[impl]);
  bench_json_value (metric, value, unit);
}

static void
print_json_ratio (BenchCase   bench_case,
                  Impl        impl,
                  Impl        vs,
                  const char *of,
                  double      value)
{
  bench_json_begin (case_names[bench_case], impl_names[impl]);
  bench_json_ratio (impl_names[vs], of, value);
}

static void
print_json (void)
{
  for (guint bc = 0; bc < N_CASES; bc++)
    for (guint i = 0; i < N_IMPLS; i++)
      {
        const Result *r = &results[bc][i];

        if (r->have_throughput)
          print_json_value (bc, i, "throughput", r->throughput, "ev/s");
        if (r->have_latency)
          {
            print_json_value (bc, i, "p50", r->p50, "us");
            print_json_value (bc, i, "p99", r->p99, "us");
          }
      }

  for (guint bc = 0; bc < N_CASES; bc++)
    for (guint m = 0; m < G_N_ELEMENTS (mre_impls); m++)
      for (guint a = 0; a < G_N_ELEMENTS (alternatives); a++)
        {
          const Result *r = &results[bc][mre_impls[m]];
          const Result *alt = &results[bc][alternatives[a]];

          if (r->have_throughput && alt->have_throughput)
            print_json_ratio (bc, mre_impls[m], alternatives[a], "throughput",
                              r->throughput / alt->throughput);
          if (r->have_latency && alt->have_latency)
            {
              print_json_ratio (bc, mre_impls[m], alternatives[a], "p50", r->p50 / alt->p50);
              print_json_ratio (bc, mre_impls[m], alternatives[a], "p99", r->p99 / alt->p99);
            }
        }

  for (guint t = 0; t < G_N_ELEMENTS (targets); t++)
    {
      const Target *target = &targets[t];
      const Result *r = &results[target->bench_case][target->impl];
      const Result *alt = &results[target->bench_case][target->vs];
      double ratio;

      if (!r->have_throughput || !alt->have_throughput)
        continue;
      ratio = r->throughput / alt->throughput;

      bench_json_begin (case_names[target->bench_case], impl_names[target->impl]);
      printf ("\"metric\":\"target\",\"vs\":\"%s\",\"of\":\"throughput\","
              "\"value\":%.3f,\"min\":%.2f,\"met\":%s}\n",
              impl_names[target->vs], ratio, target->min_ratio,
              ratio >= target->min_ratio ? "true" : "false");
    }
}

static void
print_table (double elapsed)
{
  double foreign = bench_cpu_load_foreign (&load, elapsed);

  printf ("dispatch: %" G_GINT64_FORMAT " calls per throughput case (median of %d runs), "
          "%d latency samples, same-thread batches of %d\n",
          opt_calls, opt_runs, opt_samples, opt_batch);
  bench_print_machine ((int) strlen ("dispatch: "), NULL, elapsed, foreign);
  printf ("every queued call was checked to run exactly once (mreventloop: in FIFO order)\n");
  printf ("spread: (fastest run - slowest run) / median run\n\n");

  printf ("%-15s %-24s %14s %8s %10s %10s\n",
          "case", "impl", "throughput", "spread", "p50 us", "p99 us");
  printf ("%-15s %-24s %14s %8s %10s %10s\n", "---------------", "------------------------",
          "--------------", "--------", "----------", "----------");
  for (guint bc = 0; bc < N_CASES; bc++)
    for (guint i = 0; i < N_IMPLS; i++)
      {
        const Result *r = &results[bc][i];
        char p50[32] = "-", p99[32] = "-";

        if (!r->have_throughput)
          continue;
        if (r->have_latency)
          {
            g_snprintf (p50, sizeof p50, "%.2f", r->p50);
            g_snprintf (p99, sizeof p99, "%.2f", r->p99);
          }
        printf ("%-15s %-24s %10.2f M/s %7.0f%% %10s %10s\n",
                case_names[bc], impl_names[i], r->throughput / 1e6,
                100.0 * (r->max_throughput - r->min_throughput) / r->throughput,
                p50, p99);
      }

  printf ("\nratios: mreventloop / alternative (throughput: > 1 is faster; latency: < 1 is faster)\n");
  printf ("%-15s %-24s %-22s %10s %8s %8s\n", "case", "impl", "vs", "throughput", "p50", "p99");
  printf ("%-15s %-24s %-22s %10s %8s %8s\n", "---------------", "------------------------",
          "----------------------", "----------", "--------", "--------");
  for (guint bc = 0; bc < N_CASES; bc++)
    for (guint m = 0; m < G_N_ELEMENTS (mre_impls); m++)
      for (guint a = 0; a < G_N_ELEMENTS (alternatives); a++)
        {
          const Result *r = &results[bc][mre_impls[m]];
          const Result *alt = &results[bc][alternatives[a]];
          char p50[32] = "-", p99[32] = "-";

          if (!r->have_throughput || !alt->have_throughput)
            continue;
          if (r->have_latency && alt->have_latency)
            {
              g_snprintf (p50, sizeof p50, "%.2fx", r->p50 / alt->p50);
              g_snprintf (p99, sizeof p99, "%.2fx", r->p99 / alt->p99);
            }
          printf ("%-15s %-24s %-22s %9.2fx %8s %8s\n",
                  case_names[bc], impl_names[mre_impls[m]], impl_names[alternatives[a]],
                  r->throughput / alt->throughput, p50, p99);
        }

  printf ("\ntargets (throughput ratio)\n");
  for (guint t = 0; t < G_N_ELEMENTS (targets); t++)
    {
      const Target *target = &targets[t];
      const Result *r = &results[target->bench_case][target->impl];
      const Result *alt = &results[target->bench_case][target->vs];
      double ratio;

      if (!r->have_throughput || !alt->have_throughput)
        continue;
      ratio = r->throughput / alt->throughput;

      printf ("  %-8s %-15s %-24s %6.2fx %-22s (target %s)\n",
              ratio >= target->min_ratio ? "MET" : "NOT MET",
              case_names[target->bench_case], impl_names[target->impl],
              ratio, impl_names[target->vs], target->label);
    }
}

/* ------------------------------------------------------------------------ */

static const GOptionEntry entries[] = {
  { "json", 0, 0, G_OPTION_ARG_NONE, &opt_json,
    "Print one JSON object per line instead of a table", NULL },
  { "quick", 0, 0, G_OPTION_ARG_NONE, &opt_quick,
    "Short run (a few seconds) for smoke checks", NULL },
  { "verbose", 'v', 0, G_OPTION_ARG_NONE, &opt_verbose,
    "Print every throughput run on stderr", NULL },
  { "calls", 'n', 0, G_OPTION_ARG_INT64, &opt_calls,
    "Calls per throughput case (default 2000000, 200000 with --quick)", "N" },
  { "samples", 's', 0, G_OPTION_ARG_INT, &opt_samples,
    "Latency samples per implementation (default 20000, 2000 with --quick)", "N" },
  { "runs", 'r', 0, G_OPTION_ARG_INT, &opt_runs,
    "Runs the calls of a throughput case are split into; the median is reported "
    "(default 5, 3 with --quick)", "N" },
  { "batch", 'b', 0, G_OPTION_ARG_INT, &opt_batch,
    "Calls queued per batch in the same-thread case (default 1000)", "N" },
  { "case", 0, 0, G_OPTION_ARG_STRING, &opt_case,
    "Run only this case (same-thread, cross-thread-1, cross-thread-2), e.g. to profile", "CASE" },
  { "impl", 0, 0, G_OPTION_ARG_STRING, &opt_impl,
    "Run only this implementation (g_signal_emit, g_main_context_invoke, g_idle_add, "
    "mreventloop-invoke, mreventloop-signal-slot)", "IMPL" },
  { NULL }
};

int
main (int    argc,
      char **argv)
{
  GMainContext *bench_context;

  bench_init ("dispatch", NULL);

  if (!bench_parse_options (&argc, &argv, "- mreventloop queued dispatch benchmark",
        "Throughput and enqueue-to-run latency of mreventloop queued calls and slots,\n"
        "side by side with g_signal_emit, g_main_context_invoke and g_idle_add.",
        entries))
    return EXIT_FAILURE;

  if (opt_calls == 0)
    opt_calls = opt_quick ? 200000 : 2000000;
  if (opt_samples == 0)
    opt_samples = opt_quick ? 2000 : 20000;
  if (opt_runs == 0)
    opt_runs = opt_quick ? 3 : 5;
  if (opt_runs < 1 || opt_calls < MAX_PRODUCERS * opt_runs || opt_calls > (gint64) SEQ_MASK ||
      opt_samples < 1 || opt_batch < 1)
    {
      g_printerr ("--calls must be 2 x --runs .. 2^48; --runs, --samples and --batch at least 1\n");
      return EXIT_FAILURE;
    }

  if (!bench_option_is_known ("case", opt_case, case_names) ||
      !bench_option_is_known ("impl", opt_impl, impl_names))
    return EXIT_FAILURE;

  lat_cap = CLAMP (opt_samples / 20, 50, 1000) + opt_samples;
  lat_samples = g_new (gint64, lat_cap);
  memset (lat_samples, 0, lat_cap * sizeof (gint64));

  g_type_ensure (BENCH_TYPE_EMITTER);
  g_type_ensure (BENCH_TYPE_TARGET);

  /* same-thread case: the benchmark thread's own context */
  bench_context = g_main_context_new ();
  g_main_context_push_thread_default (bench_context);

  bench_cpu_load_start (&load);

  for (guint i = 0; i < G_N_ELEMENTS (same_thread_impls); i++)
    run_one (CASE_SAME_THREAD, same_thread_impls[i], bench_context);
  for (guint bc = CASE_CROSS_THREAD_1; bc <= CASE_CROSS_THREAD_2; bc++)
    for (guint i = 0; i < G_N_ELEMENTS (cross_thread_impls); i++)
      run_one (bc, cross_thread_impls[i], bench_context);

  if (opt_json)
    print_json ();
  else
    print_table (bench_cpu_load_elapsed (&load));

  g_main_context_pop_thread_default (bench_context);
  g_main_context_unref (bench_context);
  g_free (lat_samples);

  return EXIT_SUCCESS;
}
