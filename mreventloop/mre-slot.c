/* mre-slot.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "mre-error.h"
#include "mre-event-loop-private.h"
#include "mre-signal-private.h"
#include "mre-slot-private.h"

/* Calls a synchronous C slot directly with the values of its arguments,
 * for the common signatures; others go through the closure. */
typedef gboolean (*SlotCaller) (GCallback      callback,
                                gpointer       self,
                                const GValue  *args,
                                GError       **error);

/* Named slots are kept per type for the life of the process, like
 * signals, so a looked-up MreSlotInfo never goes away. */
struct _MreSlotInfo
{
  GType         owner;
  GQuark        name;
  GClosure     *closure;
  GCallback     callback;  /* the C function, if any */
  SlotCaller    caller;    /* a direct caller of it, if its signature has one */
  MreSlotFlags  flags;
  gboolean      c_abi;     /* a C function: trailing GError ** or GTask *, returns gboolean */
  guint         n_params;
  GType        *param_types;
};

/*
 * Direct callers. Through g_cclosure_marshal_generic() every call would
 * prepare a libffi call interface again; a slot of up to two arguments
 * that are pointers (strings, objects, boxed, variants), int-sized
 * (gboolean, gint, guint, enums, flags), 64-bit integers or doubles is
 * called through a function pointer of its exact C type instead.
 */
typedef enum { KIND_P, KIND_I, KIND_L, KIND_D, KIND_OTHER } ArgKind;

#define T_P gpointer
#define T_I gint
#define T_L gint64
#define T_D gdouble
#define V_P(v) ((v)->data[0].v_pointer)
#define V_I(v) value_as_int (v)
#define V_L(v) ((v)->data[0].v_int64)
#define V_D(v) ((v)->data[0].v_double)

static inline gint
value_as_int (const GValue *value)
{
  switch (G_TYPE_FUNDAMENTAL (G_VALUE_TYPE (value)))
    {
    case G_TYPE_UINT:
      return (gint) value->data[0].v_uint;
    case G_TYPE_ENUM:
      return (gint) value->data[0].v_long;
    case G_TYPE_FLAGS:
      return (gint) value->data[0].v_ulong;
    default:
      return value->data[0].v_int;
    }
}

static ArgKind
arg_kind (GType type)
{
  switch (G_TYPE_FUNDAMENTAL (type))
    {
    case G_TYPE_STRING:
    case G_TYPE_POINTER:
    case G_TYPE_OBJECT:
    case G_TYPE_INTERFACE:
    case G_TYPE_BOXED:
    case G_TYPE_PARAM:
    case G_TYPE_VARIANT:
      return KIND_P;
    case G_TYPE_BOOLEAN:
    case G_TYPE_INT:
    case G_TYPE_UINT:
    case G_TYPE_ENUM:
    case G_TYPE_FLAGS:
      return KIND_I;
    case G_TYPE_INT64:
    case G_TYPE_UINT64:
      return KIND_L;
    case G_TYPE_DOUBLE:
      return KIND_D;
    default:
      return KIND_OTHER;
    }
}

static gboolean
call_0 (GCallback callback, gpointer self, const GValue *args, GError **error)
{
  return ((gboolean (*) (gpointer, GError **)) callback) (self, error);
}

#define CALLER1(A) \
  static gboolean \
  call_##A (GCallback callback, gpointer self, const GValue *args, GError **error) \
  { \
    return ((gboolean (*) (gpointer, T_##A, GError **)) callback) \
      (self, V_##A (&args[0]), error); \
  }
#define CALLER2(A, B) \
  static gboolean \
  call_##A##B (GCallback callback, gpointer self, const GValue *args, GError **error) \
  { \
    return ((gboolean (*) (gpointer, T_##A, T_##B, GError **)) callback) \
      (self, V_##A (&args[0]), V_##B (&args[1]), error); \
  }

CALLER1 (P) CALLER1 (I) CALLER1 (L) CALLER1 (D)
CALLER2 (P, P) CALLER2 (P, I) CALLER2 (P, L) CALLER2 (P, D)
CALLER2 (I, P) CALLER2 (I, I) CALLER2 (I, L) CALLER2 (I, D)
CALLER2 (L, P) CALLER2 (L, I) CALLER2 (L, L) CALLER2 (L, D)
CALLER2 (D, P) CALLER2 (D, I) CALLER2 (D, L) CALLER2 (D, D)

static const SlotCaller callers1[4] = { call_P, call_I, call_L, call_D };
static const SlotCaller callers2[4][4] = {
  { call_PP, call_PI, call_PL, call_PD },
  { call_IP, call_II, call_IL, call_ID },
  { call_LP, call_LI, call_LL, call_LD },
  { call_DP, call_DI, call_DL, call_DD },
};

static SlotCaller
find_caller (guint        n_params,
             const GType *param_types)
{
  ArgKind a, b;

  if (n_params == 0)
    return call_0;
  if (n_params > 2 || (a = arg_kind (param_types[0])) == KIND_OTHER)
    return NULL;
  if (n_params == 1)
    return callers1[a];
  if ((b = arg_kind (param_types[1])) == KIND_OTHER)
    return NULL;
  return callers2[a][b];
}

static GRWLock slots_lock;
static GHashTable *slots_by_type;  /* GType -> GHashTable (GQuark -> MreSlotInfo) */

static void
slot_register (GType         type,
               const char   *name,
               GClosure     *closure,
               GCallback     callback,
               gboolean      c_abi,
               MreSlotFlags  flags,
               guint         n_params,
               const GType  *param_types)
{
  MreSlotInfo *slot;
  GHashTable *table;

  slot = g_new0 (MreSlotInfo, 1);
  slot->owner = type;
  slot->name = g_quark_from_string (name);
  slot->closure = g_closure_ref (closure);
  g_closure_sink (closure);
  if (G_CLOSURE_NEEDS_MARSHAL (closure))
    g_closure_set_marshal (closure, g_cclosure_marshal_generic);
  slot->flags = flags;
  slot->callback = callback;
  slot->c_abi = c_abi;
  slot->n_params = n_params;
  slot->param_types = g_new (GType, n_params + 1);
  for (guint i = 0; i < n_params; i++)
    slot->param_types[i] = param_types[i] & ~G_SIGNAL_TYPE_STATIC_SCOPE;
  if (callback != NULL && !(flags & MRE_SLOT_ASYNC))
    slot->caller = find_caller (n_params, slot->param_types);

  g_rw_lock_writer_lock (&slots_lock);
  if (slots_by_type == NULL)
    slots_by_type = g_hash_table_new (NULL, NULL);
  table = g_hash_table_lookup (slots_by_type, GSIZE_TO_POINTER (type));
  if (table == NULL)
    {
      table = g_hash_table_new (NULL, NULL);
      g_hash_table_insert (slots_by_type, GSIZE_TO_POINTER (type), table);
    }
  if (g_hash_table_contains (table, GUINT_TO_POINTER (slot->name)))
    g_critical ("%s: type %s already has a slot named “%s”; the new one replaces it",
                G_STRFUNC, g_type_name (type), name);
  /* A replaced slot may still be in use by a connection: keep it. */
  g_hash_table_insert (table, GUINT_TO_POINTER (slot->name), slot);
  g_rw_lock_writer_unlock (&slots_lock);
}

static gboolean
slot_name_is_valid (const char *name)
{
  return name != NULL && name[0] != '\0' && g_utf8_validate (name, -1, NULL);
}

/**
 * mre_slot_install: (skip)
 * @type: the type that gets the slot, usually `G_TYPE_FROM_CLASS (klass)`
 * @name: the slot's name, for example `"on-produced"`
 * @callback: the C function of the slot
 * @flags: whether the slot is synchronous or asynchronous
 * @n_params: the number of parameters, not counting the instance
 * @...: the #GType of each parameter
 *
 * Declares a named slot of @type, usually from its class_init. A named slot
 * can be connected to a signal by name with [func@Mre.connect] and queued
 * with [func@Mre.invoke]; subclasses inherit it. Calls to it run on the
 * loop of the target object (see [func@Mre.object_get_event_loop]).
 *
 * A synchronous slot's function has the form
 * `gboolean (*) (Type *self, T1 arg1, …, GError **error)` and reports
 * failure by returning %FALSE with @error set; an asynchronous one
 * (%MRE_SLOT_ASYNC) has the form `void (*) (Type *self, T1 arg1, …, GTask *task)`
 * and is complete once @task (transfer none) has returned a boolean or an
 * error, from any thread; the loop runs nothing else until then. A failure
 * goes to the loop as [property@Mre.EventLoop:exit-on-exception] says.
 *
 * |[<!-- language="C" -->
 * mre_slot_install (G_TYPE_FROM_CLASS (klass), "on-produced",
 *                   G_CALLBACK (consumer_on_produced),
 *                   MRE_SLOT_DEFAULT, 1, G_TYPE_STRING);
 * ]|
 *
 * Since: 0.1
 */
void
mre_slot_install (GType         type,
                  const char   *name,
                  GCallback     callback,
                  MreSlotFlags  flags,
                  guint         n_params,
                  ...)
{
  g_autofree GType *param_types = NULL;
  va_list args;

  g_return_if_fail (G_TYPE_IS_OBJECT (type));
  g_return_if_fail (slot_name_is_valid (name));
  g_return_if_fail (callback != NULL);

  param_types = g_new (GType, n_params + 1);
  va_start (args, n_params);
  for (guint i = 0; i < n_params; i++)
    param_types[i] = va_arg (args, GType);
  va_end (args);

  slot_register (type, name, g_cclosure_new (callback, NULL, NULL), callback, TRUE,
                 flags, n_params, param_types);
}

/**
 * mre_slot_install_closure: (rename-to mre_slot_install)
 * @type: the type that gets the slot
 * @name: the slot's name, for example `"on-produced"`
 * @closure: the slot's body
 * @flags: whether the slot is synchronous or asynchronous
 * @n_params: the number of parameters, not counting the instance
 * @param_types: (array length=n_params) (nullable): the #GType of each
 *   parameter; %NULL when @n_params is 0
 *
 * Declares a named slot of @type whose body is a #GClosure, for language
 * bindings. The closure is invoked with the target object, the arguments
 * and, for an %MRE_SLOT_ASYNC slot, the #GTask to complete; its return
 * value is ignored. A synchronous closure slot cannot fail: use
 * [func@Mre.slot_install_full], or make it asynchronous and return an
 * error on its task.
 *
 * Since: 0.1
 */
void
mre_slot_install_closure (GType         type,
                          const char   *name,
                          GClosure     *closure,
                          MreSlotFlags  flags,
                          guint         n_params,
                          const GType  *param_types)
{
  g_return_if_fail (G_TYPE_IS_OBJECT (type));
  g_return_if_fail (slot_name_is_valid (name));
  g_return_if_fail (closure != NULL);
  g_return_if_fail (n_params == 0 || param_types != NULL);

  slot_register (type, name, closure, NULL, FALSE, flags, n_params, param_types);
}

const MreSlotInfo *
mre_slot_lookup (GType       type,
                 const char *name)
{
  const MreSlotInfo *slot = NULL;
  GQuark quark = g_quark_try_string (name);

  if (quark == 0)
    return NULL;

  g_rw_lock_reader_lock (&slots_lock);
  for (GType t = type; slots_by_type != NULL && t != 0 && slot == NULL; t = g_type_parent (t))
    {
      GHashTable *table = g_hash_table_lookup (slots_by_type, GSIZE_TO_POINTER (t));

      if (table != NULL)
        slot = g_hash_table_lookup (table, GUINT_TO_POINTER (quark));
    }
  g_rw_lock_reader_unlock (&slots_lock);

  return slot;
}

/* A slot given as an MreSlotFunc: a closure that calls it the way C slots
 * are called through their closure (the target, the arguments, then the
 * GError **; a gboolean back). */
typedef struct
{
  GClosure        closure;
  MreSlotFunc     func;
  gpointer        user_data;
  GDestroyNotify  destroy;
  GQuark          name;
} FuncClosure;

static void
func_closure_marshal (GClosure     *closure,
                      GValue       *return_value,
                      guint         n_param_values,
                      const GValue *param_values,
                      gpointer      invocation_hint,
                      gpointer      marshal_data)
{
  FuncClosure *fc = (FuncClosure *) closure;
  GError **error = g_value_get_pointer (&param_values[n_param_values - 1]);

  GObject *target = g_value_get_object (&param_values[0]);
  gboolean ok;

  ok = fc->func (target, param_values + 1, n_param_values - 2, fc->user_data, error);
  /* A binding's exception that is not a GError (PyGObject prints it and
   * returns FALSE): at least say which slot it was. */
  if (!ok && error != NULL && *error == NULL)
    g_set_error (error, MRE_ERROR, MRE_ERROR_FAILED,
                 "Slot “%s” of %s returned FALSE without setting an error",
                 g_quark_to_string (fc->name), G_OBJECT_TYPE_NAME (target));
  g_value_set_boolean (return_value, ok);
}

static void
func_closure_finalize (gpointer  data,
                       GClosure *closure)
{
  FuncClosure *fc = (FuncClosure *) closure;

  if (fc->destroy != NULL)
    fc->destroy (fc->user_data);
}

/**
 * mre_slot_install_full:
 * @type: the type that gets the slot
 * @name: the slot's name, for example `"on-produced"`
 * @func: (scope notified) (closure user_data) (destroy destroy): the slot's body
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data when the slot is gone
 * @n_params: the number of parameters, not counting the instance
 * @param_types: (array length=n_params) (nullable): the #GType of each
 *   parameter; %NULL when @n_params is 0
 *
 * Declares a synchronous named slot of @type whose body is an
 * [callback@Mre.SlotFunc], for language bindings: unlike a closure slot
 * ([func@Mre.slot_install_closure]), it can fail, by returning %FALSE with
 * an error (a Python or JavaScript slot raises or throws a `GLib.Error`),
 * which the loop handles as a failing C slot's (see
 * [property@Mre.EventLoop:exit-on-exception]).
 *
 * Since: 0.1
 */
void
mre_slot_install_full (GType           type,
                       const char     *name,
                       MreSlotFunc     func,
                       gpointer        user_data,
                       GDestroyNotify  destroy,
                       guint           n_params,
                       const GType    *param_types)
{
  FuncClosure *fc;

  g_return_if_fail (G_TYPE_IS_OBJECT (type));
  g_return_if_fail (slot_name_is_valid (name));
  g_return_if_fail (func != NULL);
  g_return_if_fail (param_types != NULL || n_params == 0);

  fc = (FuncClosure *) g_closure_new_simple (sizeof (FuncClosure), NULL);
  fc->func = func;
  fc->user_data = user_data;
  fc->destroy = destroy;
  fc->name = g_quark_from_string (name);
  g_closure_set_marshal (&fc->closure, func_closure_marshal);
  g_closure_add_finalize_notifier (&fc->closure, NULL, func_closure_finalize);

  slot_register (type, name, &fc->closure, NULL, TRUE, MRE_SLOT_DEFAULT, n_params, param_types);
}

/**
 * mre_slot_exists:
 * @type: a #GObject type
 * @name: a slot name
 *
 * Checks whether @type, or one of its ancestors, declares a slot @name.
 *
 * Returns: %TRUE if the slot exists
 *
 * Since: 0.1
 */
gboolean
mre_slot_exists (GType       type,
                 const char *name)
{
  g_return_val_if_fail (name != NULL, FALSE);

  return mre_slot_lookup (type, name) != NULL;
}

/* Checks that arguments of @types may be passed to @slot. With
 * @allow_extra, as for a signal connected to a slot, trailing arguments
 * the slot does not take are dropped. */
gboolean
mre_slot_check_args (const MreSlotInfo  *slot,
                     guint               n_types,
                     const GType        *types,
                     gboolean            allow_extra,
                     const char         *source,
                     GError            **error)
{
  if (n_types < slot->n_params || (!allow_extra && n_types > slot->n_params))
    {
      g_set_error (error, MRE_ERROR, MRE_ERROR_TYPE_MISMATCH,
                   "Slot “%s” of %s takes %u argument(s), but %s gives %u",
                   g_quark_to_string (slot->name), g_type_name (slot->owner),
                   slot->n_params, source, n_types);
      return FALSE;
    }

  for (guint i = 0; i < slot->n_params; i++)
    {
      GType given = types[i] & ~G_SIGNAL_TYPE_STATIC_SCOPE;

      if (!g_type_is_a (given, slot->param_types[i]))
        {
          g_set_error (error, MRE_ERROR, MRE_ERROR_TYPE_MISMATCH,
                       "Slot “%s” of %s takes %s as argument %u, but %s gives %s",
                       g_quark_to_string (slot->name), g_type_name (slot->owner),
                       g_type_name (slot->param_types[i]), i + 1, source,
                       g_type_name (given));
          return FALSE;
        }
    }

  return TRUE;
}

const GType *
mre_slot_get_param_types (const MreSlotInfo *slot,
                          guint             *n_params)
{
  *n_params = slot->n_params;
  return slot->param_types;
}

/* One queued call of a slot: one allocation, with a copy of the
 * arguments the slot takes. */
typedef struct
{
  const MreSlotInfo *slot;
  GObject           *target;
  GValue             args[];
} SlotCall;

static void
slot_call_free (gpointer data)
{
  SlotCall *call = data;

  for (guint i = 0; i < call->slot->n_params; i++)
    g_value_unset (&call->args[i]);
  g_object_unref (call->target);
  g_free (call);
}

/* Lays out the closure's parameters: the target, the arguments (borrowed,
 * not copied) and one trailing value. */
static GValue *
slot_call_params (SlotCall *call,
                  GValue   *params,
                  GType     trailing_type)
{
  guint n = call->slot->n_params;

  memset (params, 0, (n + 2) * sizeof (GValue));
  g_value_init (&params[0], G_OBJECT_TYPE (call->target));
  g_value_set_object (&params[0], call->target);
  memcpy (&params[1], call->args, n * sizeof (GValue));
  if (trailing_type != G_TYPE_INVALID)
    g_value_init (&params[n + 1], trailing_type);

  return params;
}

static gboolean
slot_call_run (gpointer   data,
               GError   **error)
{
  SlotCall *call = data;
  guint n = call->slot->n_params;
  GValue *params;
  GValue ret = G_VALUE_INIT;

  if (call->slot->caller != NULL)
    return call->slot->caller (call->slot->callback, call->target, call->args, error);

  params = g_newa (GValue, n + 2);

  if (!call->slot->c_abi)
    {
      slot_call_params (call, params, G_TYPE_INVALID);
      g_closure_invoke (call->slot->closure, NULL, n + 1, params, NULL);
      g_value_unset (&params[0]);
      return TRUE;
    }

  slot_call_params (call, params, G_TYPE_POINTER);
  g_value_set_pointer (&params[n + 1], error);
  g_value_init (&ret, G_TYPE_BOOLEAN);
  g_closure_invoke (call->slot->closure, &ret, n + 2, params, NULL);
  g_value_unset (&params[0]);

  return g_value_get_boolean (&ret);
}

static void
slot_call_run_async (GTask    *task,
                     gpointer  data)
{
  SlotCall *call = data;
  guint n = call->slot->n_params;
  GValue *params = g_newa (GValue, n + 2);

  slot_call_params (call, params, G_TYPE_TASK);
  g_value_set_object (&params[n + 1], task);
  g_closure_invoke (call->slot->closure, NULL, n + 2, params, NULL);
  g_value_unset (&params[n + 1]);
  g_value_unset (&params[0]);
}

/* Queues a call of @slot on the loop of @target_owned, whose reference it
 * takes and keeps until the call ran, with a copy of the first arguments of
 * @args, as many as the slot takes. Thread-safe. */
void
mre_slot_queue (const MreSlotInfo *slot,
                GObject           *target_owned,
                guint              n_args,
                const GValue      *args)
{
  g_autoptr(MreEventLoop) loop = mre_object_dup_event_loop (target_owned);
  SlotCall *call;

  g_assert (n_args >= slot->n_params);

  call = g_malloc (sizeof (SlotCall) + slot->n_params * sizeof (GValue));
  call->slot = slot;
  call->target = target_owned;
  for (guint i = 0; i < slot->n_params; i++)
    {
      call->args[i] = (GValue) G_VALUE_INIT;
      g_value_init (&call->args[i], G_VALUE_TYPE (&args[i]));
      g_value_copy (&args[i], &call->args[i]);
    }

  if (slot->flags & MRE_SLOT_ASYNC)
    mre_event_loop_invoke_async (loop, slot_call_run_async, call, slot_call_free);
  else
    mre_event_loop_invoke (loop, slot_call_run, call, slot_call_free);
}

static const MreSlotInfo *
lookup_or_error (GObject     *target,
                 const char  *name,
                 GError     **error)
{
  const MreSlotInfo *slot = mre_slot_lookup (G_OBJECT_TYPE (target), name);

  if (slot == NULL)
    g_set_error (error, MRE_ERROR, MRE_ERROR_NO_SUCH_SLOT,
                 "%s has no slot named “%s”", G_OBJECT_TYPE_NAME (target), name);

  return slot;
}

/**
 * mre_invokev: (rename-to mre_invoke)
 * @target: (type GObject): the object whose slot to call
 * @slot: the slot's name
 * @args: (array length=n_args) (nullable): the arguments
 * @n_args: the number of arguments
 * @error: return location for a #GError
 *
 * Queues a call of the named slot @slot of @target on @target's loop, with
 * a copy of @args. Thread-safe.
 *
 * Returns: %TRUE if queued; %FALSE with %MRE_ERROR_NO_SUCH_SLOT or
 *   %MRE_ERROR_TYPE_MISMATCH if @target has no such slot or @args do not
 *   fit its parameters
 *
 * Since: 0.1
 */
gboolean
mre_invokev (gpointer       target,
             const char    *slot,
             const GValue  *args,
             guint          n_args,
             GError       **error)
{
  const MreSlotInfo *info;
  g_autofree GType *types = NULL;

  g_return_val_if_fail (G_IS_OBJECT (target), FALSE);
  g_return_val_if_fail (slot != NULL, FALSE);
  g_return_val_if_fail (n_args == 0 || args != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!(info = lookup_or_error (target, slot, error)))
    return FALSE;

  types = g_new (GType, n_args + 1);
  for (guint i = 0; i < n_args; i++)
    types[i] = G_VALUE_TYPE (&args[i]);
  if (!mre_slot_check_args (info, n_args, types, FALSE, "the call", error))
    return FALSE;

  mre_slot_queue (info, g_object_ref (target), n_args, args);

  return TRUE;
}

/**
 * mre_invoke: (skip)
 * @target: (type GObject): the object whose slot to call
 * @slot: the slot's name
 * @error: return location for a #GError
 * @...: the arguments, of the slot's parameter types
 *
 * Queues a call of the named slot @slot of @target on @target's loop with
 * the given arguments, collected like g_signal_emit() does. Thread-safe.
 *
 * Returns: %TRUE if queued; %FALSE with %MRE_ERROR_NO_SUCH_SLOT if @target
 *   has no such slot
 *
 * Since: 0.1
 */
gboolean
mre_invoke (gpointer     target,
            const char  *slot,
            GError     **error,
            ...)
{
  const MreSlotInfo *info;
  g_autofree GValue *values = NULL;
  g_autofree char *what = NULL;
  gboolean collected;
  va_list args;

  g_return_val_if_fail (G_IS_OBJECT (target), FALSE);
  g_return_val_if_fail (slot != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!(info = lookup_or_error (target, slot, error)))
    return FALSE;

  what = g_strdup_printf ("slot “%s”", slot);
  values = g_new0 (GValue, info->n_params + 1);
  va_start (args, error);
  collected = mre_values_collect (values, info->param_types, info->n_params, &args, what, error);
  va_end (args);
  if (!collected)
    return FALSE;

  mre_slot_queue (info, g_object_ref (target), info->n_params, values);
  for (guint i = 0; i < info->n_params; i++)
    g_value_unset (&values[i]);

  return TRUE;
}
