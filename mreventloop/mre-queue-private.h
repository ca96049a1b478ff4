/* mre-queue-private.h
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  MRE_ITEM_SYNC,   /* func is an MreFunc */
  MRE_ITEM_ASYNC,  /* func is an MreAsyncFunc */
  MRE_ITEM_STOP,   /* a stop marker; data is the run generation it stops */
} MreItemKind;

typedef struct
{
  MreItemKind     kind;
  gpointer        func;
  gpointer        data;
  GDestroyNotify  destroy;
} MreQueueItem;

/*
 * MreQueue: a FIFO for many producers and one consumer.
 *
 * Producers append to `incoming` under the lock. The consumer owns
 * `draining` and, once it is used up, swaps the two arrays under the lock,
 * so one lock round-trip hands over a whole batch and no item is
 * allocated on its own.
 *
 * `armed` says the consumer has been woken, or is draining and will look
 * at `incoming` again before it sleeps: only the push that finds it unset
 * wakes the consumer, once per batch rather than once per item.
 */
typedef struct
{
  GMutex   lock;
  GArray  *incoming;
  int      n_incoming;  /* atomic copy of incoming->len, read without the lock */
  gboolean armed;
  GArray  *draining;
  guint    drain_pos;
} MreQueue;

void          mre_queue_init      (MreQueue           *queue);
void          mre_queue_clear     (MreQueue           *queue);
gboolean      mre_queue_push      (MreQueue           *queue,
                                   const MreQueueItem *item);
MreQueueItem *mre_queue_peek      (MreQueue           *queue);
void          mre_queue_pop       (MreQueue           *queue);
gboolean      mre_queue_disarm    (MreQueue           *queue);
gboolean      mre_queue_linger    (MreQueue           *queue);

G_END_DECLS
