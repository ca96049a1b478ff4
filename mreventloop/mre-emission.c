/* mre-emission.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "mre-emission-private.h"

/**
 * MreEmission:
 *
 * One emission of a signal: its instance, name, detail, time and a copy of
 * its arguments, as returned by [func@Mre.wait_for]. Immutable and
 * reference counted; safe to pass between threads.
 *
 * Since: 0.1
 */

G_DEFINE_BOXED_TYPE (MreEmission, mre_emission, mre_emission_ref, mre_emission_unref)

/* Copies @values: strings are duplicated, objects and boxed values
 * referenced or copied, so the emitter may free its own right after. */
MreEmission *
mre_emission_new (guint         signal_id,
                  GQuark        detail,
                  guint         n_values,
                  const GValue *values)
{
  MreEmission *self;

  g_assert (n_values > 0);

  self = g_malloc0 (sizeof (MreEmission) + n_values * sizeof (GValue));
  g_atomic_ref_count_init (&self->ref_count);
  self->signal_id = signal_id;
  self->detail = detail;
  self->time = g_get_real_time ();
  self->n_values = n_values;

  for (guint i = 0; i < n_values; i++)
    {
      g_value_init (&self->values[i], G_VALUE_TYPE (&values[i]));
      g_value_copy (&values[i], &self->values[i]);
    }

  return self;
}

/**
 * mre_emission_ref:
 * @self: a #MreEmission
 *
 * Takes a reference on @self.
 *
 * Returns: (transfer full): @self
 *
 * Since: 0.1
 */
MreEmission *
mre_emission_ref (MreEmission *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

/**
 * mre_emission_unref:
 * @self: (transfer full): a #MreEmission
 *
 * Drops a reference on @self, freeing it with the last one.
 *
 * Since: 0.1
 */
void
mre_emission_unref (MreEmission *self)
{
  g_return_if_fail (self != NULL);

  if (g_atomic_ref_count_dec (&self->ref_count))
    {
      for (guint i = 0; i < self->n_values; i++)
        g_value_unset (&self->values[i]);
      g_free (self);
    }
}

/**
 * mre_emission_get_instance:
 * @self: a #MreEmission
 *
 * Gets the object that emitted the signal.
 *
 * Returns: (transfer none): the emitter
 *
 * Since: 0.1
 */
GObject *
mre_emission_get_instance (MreEmission *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return g_value_get_object (&self->values[0]);
}

/**
 * mre_emission_get_signal_name:
 * @self: a #MreEmission
 *
 * Gets the name of the signal emitted, without its detail.
 *
 * Returns: the signal's name
 *
 * Since: 0.1
 */
const char *
mre_emission_get_signal_name (MreEmission *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->signal_id ? g_signal_name (self->signal_id) : NULL;
}

/**
 * mre_emission_get_detail:
 * @self: a #MreEmission
 *
 * Gets the detail the signal was emitted with, if any.
 *
 * Returns: (nullable): the detail, or %NULL
 *
 * Since: 0.1
 */
const char *
mre_emission_get_detail (MreEmission *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return g_quark_to_string (self->detail);
}

/**
 * mre_emission_get_time:
 * @self: a #MreEmission
 *
 * Gets when the signal was emitted, as g_get_real_time() gave it then.
 *
 * Returns: microseconds since the Unix epoch
 *
 * Since: 0.1
 */
gint64
mre_emission_get_time (MreEmission *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->time;
}

/**
 * mre_emission_get_n_args:
 * @self: a #MreEmission
 *
 * Gets the number of arguments of the emission, not counting the instance.
 *
 * Returns: the number of arguments
 *
 * Since: 0.1
 */
guint
mre_emission_get_n_args (MreEmission *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->n_values - 1;
}

/**
 * mre_emission_get_arg:
 * @self: a #MreEmission
 * @index: the position of the argument, from 0
 *
 * Gets one argument of the emission.
 *
 * A binding that wraps the value without copying it must copy it before
 * @self goes: PyGObject (3.42) wraps a boxed value held in a returned
 * #GValue with neither a copy nor a reference, even a caller-allocated
 * one, so the Python overrides copy each argument themselves.
 *
 * Returns: (transfer none): the argument, valid as long as @self
 *
 * Since: 0.1
 */
const GValue *
mre_emission_get_arg (MreEmission *self,
                      guint        index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index + 1 < self->n_values, NULL);

  return &self->values[index + 1];
}
