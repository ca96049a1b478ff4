/* mre-emission-private.h
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "mre-emission.h"

G_BEGIN_DECLS

struct _MreEmission
{
  gatomicrefcount ref_count;
  guint           signal_id;
  GQuark          detail;
  gint64          time;
  guint           n_values;  /* the instance and the arguments */
  GValue          values[];
};

MreEmission *mre_emission_new (guint         signal_id,
                               GQuark        detail,
                               guint         n_values,
                               const GValue *values);

G_END_DECLS
