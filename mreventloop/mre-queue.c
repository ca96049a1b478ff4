/* mre-queue.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "mre-queue-private.h"

void
mre_queue_init (MreQueue *queue)
{
  g_mutex_init (&queue->lock);
  queue->incoming = g_array_sized_new (FALSE, FALSE, sizeof (MreQueueItem), 64);
  queue->draining = g_array_sized_new (FALSE, FALSE, sizeof (MreQueueItem), 64);
  queue->drain_pos = 0;
}

static void
destroy_items (GArray *items,
               guint   from)
{
  for (guint i = from; i < items->len; i++)
    {
      MreQueueItem *item = &g_array_index (items, MreQueueItem, i);

      if (item->destroy != NULL)
        item->destroy (item->data);
    }
  g_array_set_size (items, 0);
}

/* Drops every item left, calling its destroy notify. Not thread-safe:
 * only when no producer can reach the queue any more. */
void
mre_queue_clear (MreQueue *queue)
{
  destroy_items (queue->draining, queue->drain_pos);
  destroy_items (queue->incoming, 0);
  g_clear_pointer (&queue->draining, g_array_unref);
  g_clear_pointer (&queue->incoming, g_array_unref);
  g_mutex_clear (&queue->lock);
}

/* Thread-safe. Returns TRUE when the consumer has to be woken up. */
gboolean
mre_queue_push (MreQueue           *queue,
                const MreQueueItem *item)
{
  gboolean wake;

  g_mutex_lock (&queue->lock);
  g_array_append_vals (queue->incoming, item, 1);
  g_atomic_int_set (&queue->n_incoming, queue->incoming->len);
  wake = !queue->armed;
  queue->armed = TRUE;
  g_mutex_unlock (&queue->lock);

  return wake;
}

/* Consumer only. Returns the oldest item, or NULL if there is none. The
 * pointer stays valid until mre_queue_pop(). */
MreQueueItem *
mre_queue_peek (MreQueue *queue)
{
  if (queue->drain_pos == queue->draining->len)
    {
      GArray *tmp;

      g_array_set_size (queue->draining, 0);
      queue->drain_pos = 0;

      g_mutex_lock (&queue->lock);
      tmp = queue->incoming;
      queue->incoming = queue->draining;
      queue->draining = tmp;
      g_atomic_int_set (&queue->n_incoming, 0);
      g_mutex_unlock (&queue->lock);

      if (queue->draining->len == 0)
        return NULL;
    }

  return &g_array_index (queue->draining, MreQueueItem, queue->drain_pos);
}

/* Consumer only: forgets the item returned by mre_queue_peek(). The caller
 * has already run or destroyed it. */
void
mre_queue_pop (MreQueue *queue)
{
  g_assert (queue->drain_pos < queue->draining->len);
  queue->drain_pos++;
}

/* How long, in pause instructions, a consumer that ran out of items
 * watches for the next one before it goes to sleep: a producer that
 * queues items back to back then costs no wake-up (a syscall on each side
 * and a context switch) per item. A few microseconds, once per burst. */
#define LINGER_SPINS 256

static inline void
cpu_relax (void)
{
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause ();
#elif defined(__aarch64__)
  __asm__ __volatile__ ("yield");
#endif
}

/* Consumer only, with the queue drained. Returns TRUE if an item arrived
 * within a short spin. */
gboolean
mre_queue_linger (MreQueue *queue)
{
  for (guint i = 0; i < LINGER_SPINS; i++)
    {
      if (g_atomic_int_get (&queue->n_incoming) > 0)
        return TRUE;
      cpu_relax ();
    }

  return FALSE;
}

/* Consumer only, before it sleeps. Returns TRUE if the queue is empty;
 * the next push then wakes the consumer. Returns FALSE if items are left,
 * and the consumer must come back for them without being woken. */
gboolean
mre_queue_disarm (MreQueue *queue)
{
  gboolean empty;

  if (queue->drain_pos < queue->draining->len)
    return FALSE;

  g_mutex_lock (&queue->lock);
  empty = queue->incoming->len == 0;
  if (empty)
    queue->armed = FALSE;
  g_mutex_unlock (&queue->lock);

  return empty;
}
