/* mre-slot.h
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

#include "mre-event-loop.h"
#include "mre-version-macros.h"

G_BEGIN_DECLS

/**
 * MreSlotFlags:
 * @MRE_SLOT_DEFAULT: a synchronous slot: it is complete when it returns.
 * @MRE_SLOT_ASYNC: an asynchronous slot: it receives a #GTask as its last
 *   argument and is complete once that task has returned. The loop runs
 *   nothing else until then.
 *
 * How a named slot completes.
 *
 * Since: 0.1
 */
typedef enum /*< flags >*/
{
  MRE_SLOT_DEFAULT = 0,
  MRE_SLOT_ASYNC   = 1 << 0,
} MreSlotFlags;

MRE_AVAILABLE_IN_ALL
void          mre_slot_install          (GType          type,
                                         const char    *name,
                                         GCallback      callback,
                                         MreSlotFlags   flags,
                                         guint          n_params,
                                         ...);
MRE_AVAILABLE_IN_ALL
void          mre_slot_install_closure  (GType          type,
                                         const char    *name,
                                         GClosure      *closure,
                                         MreSlotFlags   flags,
                                         guint          n_params,
                                         const GType   *param_types);
/**
 * MreSlotFunc:
 * @target: the object whose slot runs
 * @args: (array length=n_args): the slot's arguments
 * @n_args: the number of @args
 * @user_data: (closure): the data given to [func@Mre.slot_install_full]
 * @error: return location for a #GError
 *
 * The body of a slot declared with [func@Mre.slot_install_full].
 *
 * Returns: %TRUE, or %FALSE with @error set
 *
 * Since: 0.1
 */
typedef gboolean (*MreSlotFunc) (GObject       *target,
                                 const GValue  *args,
                                 guint          n_args,
                                 gpointer       user_data,
                                 GError       **error);

MRE_AVAILABLE_IN_ALL
void          mre_slot_install_full     (GType           type,
                                         const char     *name,
                                         MreSlotFunc     func,
                                         gpointer        user_data,
                                         GDestroyNotify  destroy,
                                         guint           n_params,
                                         const GType    *param_types);
MRE_AVAILABLE_IN_ALL
gboolean      mre_slot_exists           (GType          type,
                                         const char    *name);
MRE_AVAILABLE_IN_ALL
gboolean      mre_invoke                (gpointer       target,
                                         const char    *slot,
                                         GError       **error,
                                         ...);
MRE_AVAILABLE_IN_ALL
gboolean      mre_invokev               (gpointer       target,
                                         const char    *slot,
                                         const GValue  *args,
                                         guint          n_args,
                                         GError       **error);

G_END_DECLS
