/* mre-signal.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <gobject/gvaluecollector.h>

#include "mre-emission-private.h"
#include "mre-error.h"
#include "mre-event-loop.h"
#include "mre-signal-private.h"

/**
 * mre_signal_newv: (rename-to mre_signal_new)
 * @itype: the type that emits the signal
 * @name: the signal's name, for example `"produced"`
 * @n_params: the number of parameters
 * @param_types: (array length=n_params) (nullable): the #GType of each parameter
 *
 * Declares a signal of @itype, the common case of g_signal_newv() in one
 * line: %G_SIGNAL_RUN_LAST, detailed, no class handler, no return value,
 * typed parameters. Call it from class_init.
 *
 * Returns: the signal id
 *
 * Since: 0.1
 */
guint
mre_signal_newv (GType        itype,
                 const char  *name,
                 guint        n_params,
                 const GType *param_types)
{
  g_return_val_if_fail (G_TYPE_IS_INSTANTIATABLE (itype) || G_TYPE_IS_INTERFACE (itype), 0);
  g_return_val_if_fail (name != NULL, 0);
  g_return_val_if_fail (n_params == 0 || param_types != NULL, 0);

  return g_signal_newv (name, itype,
                        G_SIGNAL_RUN_LAST | G_SIGNAL_DETAILED,
                        NULL, NULL, NULL, NULL,
                        G_TYPE_NONE, n_params, (GType *) param_types);
}

/**
 * mre_signal_new: (skip)
 * @itype: the type that emits the signal, usually `G_TYPE_FROM_CLASS (klass)`
 * @name: the signal's name, for example `"produced"`
 * @n_params: the number of parameters
 * @...: the #GType of each parameter
 *
 * Declares a signal of @itype in one line; see [func@Mre.signal_newv].
 *
 * |[<!-- language="C" -->
 * mre_signal_new (G_TYPE_FROM_CLASS (klass), "produced", 1, G_TYPE_STRING);
 * ]|
 *
 * Returns: the signal id
 *
 * Since: 0.1
 */
guint
mre_signal_new (GType       itype,
                const char *name,
                guint       n_params,
                ...)
{
  g_autofree GType *param_types = g_new (GType, n_params + 1);
  va_list args;

  va_start (args, n_params);
  for (guint i = 0; i < n_params; i++)
    param_types[i] = va_arg (args, GType);
  va_end (args);

  return mre_signal_newv (itype, name, n_params, param_types);
}

/* Collects @n_values arguments of @types from @args into @values (zeroed,
 * caller-allocated), as g_signal_emit() does: strings and boxed values are
 * borrowed, not copied. On failure, unsets what it collected and reports
 * MRE_ERROR_TYPE_MISMATCH, naming @what ("signal “produced”"). */
gboolean
mre_values_collect (GValue        *values,
                    const GType   *types,
                    guint          n_values,
                    va_list       *args,
                    const char    *what,
                    GError       **error)
{
  for (guint i = 0; i < n_values; i++)
    {
      g_autofree char *collect_error = NULL;

      G_VALUE_COLLECT_INIT (&values[i], types[i] & ~G_SIGNAL_TYPE_STATIC_SCOPE, *args,
                            G_VALUE_NOCOPY_CONTENTS, &collect_error);
      if (collect_error != NULL)
        {
          g_set_error (error, MRE_ERROR, MRE_ERROR_TYPE_MISMATCH,
                       "Argument %u of %s: %s", i + 1, what, collect_error);
          /* As g_signal_emit_valist(): the failed value is left alone. */
          while (i--)
            g_value_unset (&values[i]);
          return FALSE;
        }
    }

  return TRUE;
}

gboolean
mre_signal_parse (gpointer      instance,
              const char   *detailed_signal,
              GSignalQuery *query,
              GQuark       *detail,
              GError      **error)
{
  guint signal_id;

  if (!g_signal_parse_name (detailed_signal, G_TYPE_FROM_INSTANCE (instance),
                            &signal_id, detail, TRUE))
    {
      g_set_error (error, MRE_ERROR, MRE_ERROR_NO_SUCH_SIGNAL,
                   "%s has no signal “%s”",
                   G_OBJECT_TYPE_NAME (instance), detailed_signal);
      return FALSE;
    }

  g_signal_query (signal_id, query);
  return TRUE;
}

/* Queued sources: "queued connections to signal A take signal B". A type
 * that emits a signal twice, once where the event happens and once later
 * where its handlers run (MrePeer::received, then MrePeer::event in the
 * peer's signal context), registers the pair in its class_init, and what
 * queues calls elsewhere (mre-connect.c, mre-wait.c) connects to the
 * first: the hop to the second emission's context would only delay it. */
typedef struct
{
  guint signal_id;
  guint source_id;
} QueuedSource;

static GMutex queued_sources_lock;
static GArray *queued_sources;  /* QueuedSource */

/* Queued connections to @signal_id take @source_id instead: a signal of
 * the same type, with the same parameters, emitted for the same
 * occurrences, earlier and on the thread where they happen. */
void
mre_signal_set_queued_source (guint signal_id,
                              guint source_id)
{
  QueuedSource pair = { signal_id, source_id };
  GSignalQuery query, source;

  g_signal_query (signal_id, &query);
  g_signal_query (source_id, &source);
  g_assert (query.itype == source.itype && query.n_params == source.n_params);

  g_mutex_lock (&queued_sources_lock);
  if (queued_sources == NULL)
    queued_sources = g_array_new (FALSE, FALSE, sizeof (QueuedSource));
  g_array_append_val (queued_sources, pair);
  g_mutex_unlock (&queued_sources_lock);
}

/* The signal queued connections to @signal_id take, or 0 for itself. */
guint
mre_signal_get_queued_source (guint signal_id)
{
  guint source_id = 0;

  g_mutex_lock (&queued_sources_lock);
  for (guint i = 0; queued_sources != NULL && i < queued_sources->len; i++)
    {
      QueuedSource *pair = &g_array_index (queued_sources, QueuedSource, i);

      if (pair->signal_id == signal_id)
        source_id = pair->source_id;
    }
  g_mutex_unlock (&queued_sources_lock);

  return source_id;
}

/* mre_signal_parse() for a queued connection: @query is of the signal it
 * takes (see mre_signal_set_queued_source()), but for its name, the one
 * asked for, which errors name. */
gboolean
mre_signal_parse_queued (gpointer       instance,
                         const char    *detailed_signal,
                         GSignalQuery  *query,
                         GQuark        *detail,
                         GError       **error)
{
  const char *name;
  guint source_id;

  if (!mre_signal_parse (instance, detailed_signal, query, detail, error))
    return FALSE;

  source_id = mre_signal_get_queued_source (query->signal_id);
  if (source_id != 0)
    {
      name = query->signal_name;
      g_signal_query (source_id, query);
      query->signal_name = name;
    }
  return TRUE;
}

static gboolean
delayed_emit_run (gpointer   data,
                  GError   **error)
{
  MreEmission *emission = data;

  g_signal_emitv (emission->values, emission->signal_id, emission->detail, NULL);
  return TRUE;
}

/**
 * mre_emit_afterv: (rename-to mre_emit_after)
 * @loop: the loop to emit on
 * @delay_ms: the delay in milliseconds
 * @instance: (type GObject): the object to emit @detailed_signal on
 * @detailed_signal: a signal name, with an optional `::detail`
 * @args: (array length=n_args) (nullable): the signal's arguments
 * @n_args: the number of arguments
 * @error: return location for a #GError
 *
 * Emits @detailed_signal on @instance after @delay_ms, from @loop's thread
 * (in its FIFO, like a call), with a copy of @args, like aioevt's
 * `emit_after`. Thread-safe.
 *
 * Returns: %TRUE if scheduled; %FALSE with %MRE_ERROR_NO_SUCH_SIGNAL or
 *   %MRE_ERROR_TYPE_MISMATCH if @args do not fit the signal
 *
 * Since: 0.1
 */
gboolean
mre_emit_afterv (MreEventLoop  *loop,
                 guint          delay_ms,
                 gpointer       instance,
                 const char    *detailed_signal,
                 const GValue  *args,
                 guint          n_args,
                 GError       **error)
{
  g_autofree GValue *values = NULL;
  GSignalQuery query;
  GQuark detail;
  MreEmission *emission;

  g_return_val_if_fail (MRE_IS_EVENT_LOOP (loop), FALSE);
  g_return_val_if_fail (G_IS_OBJECT (instance), FALSE);
  g_return_val_if_fail (detailed_signal != NULL, FALSE);
  g_return_val_if_fail (n_args == 0 || args != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!mre_signal_parse (instance, detailed_signal, &query, &detail, error))
    return FALSE;

  if (n_args != query.n_params)
    {
      g_set_error (error, MRE_ERROR, MRE_ERROR_TYPE_MISMATCH,
                   "Signal “%s” of %s takes %u argument(s), not %u",
                   query.signal_name, G_OBJECT_TYPE_NAME (instance), query.n_params, n_args);
      return FALSE;
    }
  for (guint i = 0; i < n_args; i++)
    {
      GType expected = query.param_types[i] & ~G_SIGNAL_TYPE_STATIC_SCOPE;

      if (!g_type_is_a (G_VALUE_TYPE (&args[i]), expected))
        {
          g_set_error (error, MRE_ERROR, MRE_ERROR_TYPE_MISMATCH,
                       "Signal “%s” of %s takes %s as argument %u, not %s",
                       query.signal_name, G_OBJECT_TYPE_NAME (instance),
                       g_type_name (expected), i + 1, G_VALUE_TYPE_NAME (&args[i]));
          return FALSE;
        }
    }

  values = g_new0 (GValue, n_args + 1);
  g_value_init (&values[0], G_OBJECT_TYPE (instance));
  g_value_set_object (&values[0], instance);
  if (n_args > 0)
    memcpy (&values[1], args, n_args * sizeof (GValue));

  emission = mre_emission_new (query.signal_id, detail, n_args + 1, values);
  g_value_unset (&values[0]);
  mre_event_loop_invoke_after (loop, delay_ms, NULL, delayed_emit_run, emission,
                               (GDestroyNotify) mre_emission_unref);

  return TRUE;
}

/**
 * mre_emit_after: (skip)
 * @loop: the loop to emit on
 * @delay_ms: the delay in milliseconds
 * @instance: (type GObject): the object to emit @detailed_signal on
 * @detailed_signal: a signal name, with an optional `::detail`
 * @error: return location for a #GError
 * @...: the signal's arguments, as for g_signal_emit()
 *
 * Emits @detailed_signal on @instance after @delay_ms, from @loop's
 * thread; see [func@Mre.emit_afterv]. Thread-safe.
 *
 * Returns: %TRUE if scheduled; %FALSE with %MRE_ERROR_NO_SUCH_SIGNAL or
 *   %MRE_ERROR_TYPE_MISMATCH
 *
 * Since: 0.1
 */
gboolean
mre_emit_after (MreEventLoop  *loop,
                guint          delay_ms,
                gpointer       instance,
                const char    *detailed_signal,
                GError       **error,
                ...)
{
  g_autofree GValue *args = NULL;
  GSignalQuery query;
  GQuark detail;
  gboolean ret;
  g_autofree char *what = NULL;
  gboolean collected;
  va_list va;

  g_return_val_if_fail (G_IS_OBJECT (instance), FALSE);
  g_return_val_if_fail (detailed_signal != NULL, FALSE);

  if (!mre_signal_parse (instance, detailed_signal, &query, &detail, error))
    return FALSE;

  what = g_strdup_printf ("signal “%s”", query.signal_name);
  args = g_new0 (GValue, query.n_params + 1);
  va_start (va, error);
  collected = mre_values_collect (args, query.param_types, query.n_params, &va, what, error);
  va_end (va);
  if (!collected)
    return FALSE;

  ret = mre_emit_afterv (loop, delay_ms, instance, detailed_signal, args, query.n_params, error);
  for (guint i = 0; i < query.n_params; i++)
    g_value_unset (&args[i]);

  return ret;
}
