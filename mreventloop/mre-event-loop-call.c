/* mre-event-loop-call.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "mre-event-loop-private.h"

/* Which loop an object runs on. */

/* The object <-> loop binding ------------------------------------------------ */

static GQuark
mre_event_loop_qdata_quark (void)
{
  static gsize quark;

  if (g_once_init_enter (&quark))
    g_once_init_leave (&quark, g_quark_from_static_string ("mre-event-loop"));

  return quark;
}

/* On an object whose loop mre_object_get_event_loop() made on demand: that
 * loop, so that the object can tell it from one it was given. */
static GQuark
mre_event_loop_made_quark (void)
{
  static gsize quark;

  if (g_once_init_enter (&quark))
    g_once_init_leave (&quark, g_quark_from_static_string ("mre-event-loop-made"));

  return quark;
}

static gpointer
ref_loop (gpointer loop,
          gpointer user_data)
{
  return loop ? g_object_ref (loop) : NULL;
}

/* Whether @object was given a loop with mre_object_set_event_loop(), rather
 * than having none yet or one that mre_object_get_event_loop() made for it.
 * A peer or broker runs on a loop it was given as the program's, and on one
 * made for it as its own (stopped with it, signals in its signal context). */
gboolean
mre_object_has_event_loop (gpointer object)
{
  gpointer loop = g_object_get_qdata (object, mre_event_loop_qdata_quark ());

  return loop != NULL && loop != g_object_get_qdata (object, mre_event_loop_made_quark ());
}

MreEventLoop *
mre_object_dup_event_loop (gpointer object)
{
  MreEventLoop *loop;

  loop = g_object_dup_qdata (object, mre_event_loop_qdata_quark (), ref_loop, NULL);
  if (loop == NULL)
    loop = g_object_ref (mre_object_get_event_loop (object));

  return loop;
}

/**
 * mre_object_get_event_loop:
 * @object: (type GObject): any object
 *
 * Gets the loop the slots of @object run on. An object that has none yet
 * gets a new loop of its own (see [ctor@Mre.EventLoop.new]), which is
 * not started: start it before expecting its slots to run.
 *
 * Returns: (transfer none): the object's loop, valid while @object keeps it
 *
 * Since: 0.1
 */
MreEventLoop *
mre_object_get_event_loop (gpointer object)
{
  MreEventLoop *loop;
  GQuark quark = mre_event_loop_qdata_quark ();

  g_return_val_if_fail (G_IS_OBJECT (object), NULL);

  while ((loop = g_object_get_qdata (object, quark)) == NULL)
    {
      MreEventLoop *fresh = mre_event_loop_new ();

      /* Marked before it is visible: never taken for a loop given. */
      g_object_set_qdata (object, mre_event_loop_made_quark (), fresh);
      if (g_object_replace_qdata (object, quark, NULL, fresh, g_object_unref, NULL))
        return fresh;
      g_object_replace_qdata (object, mre_event_loop_made_quark (), fresh, NULL, NULL, NULL);
      g_object_unref (fresh);
    }

  return loop;
}

/**
 * mre_object_set_event_loop:
 * @object: (type GObject): any object
 * @loop: the loop to run the slots of @object on
 *
 * Makes the slots of @object run on @loop. Objects that share a loop have
 * all their slot calls run one at a time, in the order they were queued.
 * Calls already queued on the previous loop stay there. Thread-safe.
 *
 * Since: 0.1
 */
void
mre_object_set_event_loop (gpointer      object,
                           MreEventLoop *loop)
{
  g_return_if_fail (G_IS_OBJECT (object));
  g_return_if_fail (MRE_IS_EVENT_LOOP (loop));

  g_object_set_qdata (object, mre_event_loop_made_quark (), NULL);
  g_object_set_qdata_full (object, mre_event_loop_qdata_quark (),
                           g_object_ref (loop), g_object_unref);
}
