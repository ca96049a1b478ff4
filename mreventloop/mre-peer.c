/* mre-peer.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "mre-enum-types.h"
#include "mre-error.h"
#include "mre-event-loop-private.h"
#include "mre-peer-private.h"
#include "mre-signal-private.h"
#include "mre-socket-private.h"

/**
 * MrePeer:
 *
 * A connection to an [class@Mre.Broker]: it subscribes to event names and
 * publishes events, which cross processes with their arguments as JSON.
 *
 * Each event received is emitted as [signal@Mre.Peer::event], detailed by
 * its name, so that
 *
 * ```c
 * mre_connect (peer, "event::produced", consumer, "on-produced", 0, &error);
 * ```
 *
 * queues the consumer's slot with the event's arguments decoded to the
 * slot's own parameter types. A local signal is published with one call,
 * [method@Mre.Peer.forward].
 *
 * The peer does its I/O on its [class@Mre.EventLoop]: the one set with
 * [func@Mre.object_set_event_loop] before [method@Mre.Peer.start], or one
 * of its own thread.
 *
 * It emits its own signals ([signal@Mre.Peer::event],
 * [signal@Mre.Peer::state-changed], [signal@Mre.Peer::lost] and the
 * notifications of its properties) in its *signal context*, as
 * GDBusConnection and GTask do: the thread-default main context of the
 * thread that constructed it (GLib's global default context on a thread
 * that pushed none), in the order things happened. A program that makes
 * its peer on its main thread and runs a main loop there (GTK, GJS,
 * Python's `GLib.MainLoop`) gets them there, without choosing anything.
 * A synchronous call ([method@Mre.Peer.start], [method@Mre.Peer.subscribe],
 * [method@Mre.Peer.flush], [method@Mre.Peer.close]…) made on that thread
 * emits what it caused before it returns. What the peer's thread emits
 * for a context nobody iterates waits there, holding the peer, as GDBus
 * signals do; an emission no handler is connected to is not kept.
 *
 * A peer bound to a loop with [func@Mre.object_set_event_loop] emits its
 * signals on that loop instead, with no hop: bound to
 * `mre_event_loop_new_for_context (NULL)` it does everything on the main
 * context; bound to [ctor@Mre.EventLoop.new] (a loop of its own thread),
 * every signal comes on the peer's thread, C's way to take them there.
 * [signal@Mre.Peer::received] comes on the peer's thread in any case, and
 * the library's queued forms ([func@Mre.connect], [func@Mre.wait_for]…)
 * take the events from it. A program without a running loop binds the
 * peer to a context it does not run and calls [method@Mre.Peer.check]
 * now and then.
 *
 * When the broker goes away the peer tries again, waiting a little longer
 * each time (up to 2 s), subscribes again and goes on; what is published
 * meanwhile is kept, up to [property@Mre.Peer:max-pending] events, and sent
 * once connected. [property@Mre.Peer:state] tells where it stands.
 *
 * Publishing is thread-safe; the other methods may be called from any
 * thread too, with one exception: a handler that runs on the peer's own
 * thread as it handles what the broker sent ([signal@Mre.Peer::received],
 * or any signal of a peer bound to a loop of that thread) cannot wait for
 * the broker, whose answer this thread would read once the handler
 * returned. There the synchronous start, subscribe, unsubscribe, flush
 * and query_stats fail at once with %G_IO_ERROR_WOULD_BLOCK; use their
 * `_async` forms.
 *
 * Since: 0.1
 */

enum
{
  PROP_0,
  PROP_PATH,
  PROP_ID,
  PROP_STATE,
  PROP_AUTOSTART,
  PROP_RECONNECT,
  PROP_MAX_FRAME_SIZE,
  PROP_MAX_PENDING,
  PROP_FLUSH_TIMEOUT,
  N_PROPS
};

enum
{
  SIGNAL_EVENT,
  SIGNAL_RECEIVED,
  SIGNAL_STATE_CHANGED,
  SIGNAL_LOST,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (MrePeer, mre_peer, G_TYPE_OBJECT)

void
mre_peer_subscription_free (Subscription *sub)
{
  g_free (sub->pattern);
  g_free (sub->sender);
  g_clear_pointer (&sub->since, g_hash_table_unref);
  g_free (sub);
}

void
mre_peer_request_free (Request *request)
{
  g_clear_object (&request->task);
  g_free (request->key);
  g_free (request);
}

char *
mre_peer_subscription_key (const char *pattern,
                           const char *sender)
{
  return g_strconcat (pattern, "\n", sender != NULL ? sender : "", NULL);
}

/* State ----------------------------------------------------------------- */

void
mre_peer_set_state (MrePeer      *self,
                    MrePeerState  state,
                    const GError *error)
{
  if ((MrePeerState) g_atomic_int_get (&self->state) == state)
    return;

  g_atomic_int_set (&self->state, state);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
  mre_peer_signals_emit (self, signals[SIGNAL_STATE_CHANGED], 0, state, error);
}

void
mre_peer_complete_tasks (GList        **tasks,
                         const GError  *error)
{
  GList *list = g_steal_pointer (tasks);

  for (GList *l = list; l != NULL; l = l->next)
    {
      if (error != NULL)
        g_task_return_error (l->data, g_error_copy (error));
      else
        g_task_return_boolean (l->data, TRUE);
    }
  g_list_free_full (list, g_object_unref);
}

void
mre_peer_maybe_connected (MrePeer *self)
{
  if (!self->welcomed || self->resubscribing > 0)
    return;

  self->backoff_ms = 0;
  mre_peer_set_state (self, MRE_PEER_STATE_CONNECTED, NULL);
  mre_peer_complete_tasks (&self->start_tasks, NULL);
}

/* What the connection (mre-peer-connection.c) emits ---------------------- */

void
mre_peer_emit_event (MrePeer  *self,
                     GQuark    detail,
                     MreEvent *event)
{
  self->n_events++;
  g_signal_emit (self, signals[SIGNAL_RECEIVED], detail, event);
  mre_peer_signals_emit (self, signals[SIGNAL_EVENT], detail, event);
}

void
mre_peer_notify_id (MrePeer *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ID]);
}

/* The broker dropped @dropped events for this peer and closes the
 * connection (an ERROR "slow-reader"). Said out loud when nobody listens:
 * events were lost. */
void
mre_peer_emit_lost (MrePeer    *self,
                    guint64     dropped,
                    const char *message)
{
  if (!g_signal_has_handler_pending (self, signals[SIGNAL_LOST], 0, FALSE))
    g_warning ("The broker dropped %" G_GUINT64_FORMAT " events for peer %s: %s",
               dropped, self->id != NULL ? self->id : "(no id)", message);
  mre_peer_signals_emit (self, signals[SIGNAL_LOST], 0, dropped, message);
}

/* Starting ------------------------------------------------------------------- */

static gboolean
ensure_loop (MrePeer  *self,
             GError  **error)
{
  G_LOCK_DEFINE_STATIC (ensure_loop);
  gboolean ok = TRUE;

  /* Set once, last, by whichever thread first gets here. */
  if (g_atomic_pointer_get (&self->loop) != NULL)
    return TRUE;

  /* The peer's loop (see mre_object_start_event_loop()), stopped with the
   * peer if it is its own. One that cannot start is tried again next time. */
  G_LOCK (ensure_loop);
  if (self->loop == NULL)
    {
      gboolean own_loop;
      MreEventLoop *loop = mre_object_start_event_loop (self, &own_loop, error);

      ok = loop != NULL;
      if (ok)
        {
          self->own_loop = own_loop;
          self->context = g_main_context_ref (mre_event_loop_get_context (loop));
          mre_peer_signals_bind (self);
          g_atomic_pointer_set (&self->loop, loop);
        }
    }
  G_UNLOCK (ensure_loop);

  return ok;
}

static void
start_on_context (gpointer data)
{
  GTask *task = data;
  MrePeer *self = g_task_get_source_object (task);

  if ((MrePeerState) g_atomic_int_get (&self->state) == MRE_PEER_STATE_CLOSED)
    {
      g_task_return_new_error (task, MRE_ERROR, MRE_ERROR_DISCONNECTED, "The peer is closed");
      g_object_unref (task);
      return;
    }
  if ((MrePeerState) g_atomic_int_get (&self->state) == MRE_PEER_STATE_CONNECTED)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }

  if (self->socket_path == NULL)
    {
      GError *error = NULL;

      self->socket_path = mre_socket_parse_address (self->path, &error);
      if (self->socket_path == NULL)
        {
          g_task_return_error (task, error);
          g_object_unref (task);
          return;
        }
    }

  self->start_tasks = g_list_prepend (self->start_tasks, task);
  if (!self->started)
    {
      self->started = TRUE;
      mre_peer_connect (self);
    }
}

static gboolean
start_idle (gpointer data)
{
  start_on_context (data);
  return G_SOURCE_REMOVE;
}

/* Runs @func with @task (transfer full) on the peer's context, later, from
 * any thread; or fails @task now if the peer's loop cannot start. */
static void
peer_invoke (MrePeer     *self,
             GSourceFunc  func,
             GTask       *task)
{
  GError *error = NULL;

  if (!ensure_loop (self, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  mre_event_loop_call_later (self->loop, func, task, "MrePeer call");
}

/**
 * mre_peer_start_async:
 * @self: a peer
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when connected, or when it failed
 * @user_data: data for @callback
 *
 * Connects to the broker (on the default bus, starting one if none runs),
 * and completes when the handshake is done. From then on the peer stays
 * connected, reconnecting as needed, until [method@Mre.Peer.close].
 *
 * Since: 0.1
 */
void
mre_peer_start_async (MrePeer             *self,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (MRE_IS_PEER (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, mre_peer_start_async);
  g_task_set_return_on_cancel (task, TRUE);
  peer_invoke (self, start_idle, task);
}

/**
 * mre_peer_start_finish:
 * @self: a peer
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes [method@Mre.Peer.start_async].
 *
 * Returns: %TRUE when connected, or %FALSE with the reason (for example
 *   %G_IO_ERROR_NOT_FOUND: no socket at the peer's path;
 *   %G_IO_ERROR_INVALID_ARGUMENT: an address that is not a unix socket
 *   path)
 *
 * Since: 0.1
 */
gboolean
mre_peer_start_finish (MrePeer       *self,
                       GAsyncResult  *result,
                       GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Synchronous calls: @func run with a task on the peer's context, as the
 * asynchronous calls do, and the task waited for. If this thread can run
 * the peer's context, it runs it (the task completes there); otherwise it
 * runs a context of its own, where the task completes (see
 * mre_event_loop_try_acquire()). */
static void
sync_done (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
  g_main_context_wakeup (g_main_context_get_thread_default ());
}

GTask *
mre_peer_sync_call (MrePeer        *self,
                    GCancellable   *cancellable,
                    GSourceFunc     func,
                    gpointer        task_data,
                    GDestroyNotify  task_data_destroy)
{
  GAsyncResult *result = NULL;
  GError *error = NULL;
  GMainContext *context;
  GTask *task;
  gboolean acquired;

  /* No loop to run the call, or one whose thread would read the answer
   * only once the handler calling this returned: fails now. */
  if (!ensure_loop (self, &error))
    ;
  else if (mre_event_loop_is_loop_thread (self->loop) && self->frame_depth > 0)
    error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK,
                                 "Waiting for the broker in a handler that runs on the peer's "
                                 "own thread would never end: this thread reads the answer "
                                 "once the handler returns. Use the _async form there");
  if (error != NULL)
    {
      task = g_task_new (self, cancellable, NULL, NULL);
      if (task_data_destroy != NULL)
        task_data_destroy (task_data);
      g_task_return_error (task, error);
      return task;
    }

  if (mre_event_loop_try_acquire (self->loop, &acquired))
    context = g_main_context_ref (self->context);
  else
    context = g_main_context_new ();

  g_main_context_push_thread_default (context);
  task = g_task_new (self, cancellable, sync_done, &result);
  g_task_set_task_data (task, task_data, task_data_destroy);
  mre_event_loop_call_later (self->loop, func, task, "MrePeer call");
  while (result == NULL)
    g_main_context_iteration (context, TRUE);
  g_main_context_pop_thread_default (context);

  if (acquired)
    g_main_context_release (context);
  g_main_context_unref (context);
  mre_peer_signals_flush_here (self);

  return G_TASK (result);
}

/**
 * mre_peer_start:
 * @self: a peer
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * The synchronous form of [method@Mre.Peer.start_async].
 *
 * Returns: %TRUE when connected, or %FALSE with the reason
 *
 * Since: 0.1
 */
gboolean
mre_peer_start (MrePeer       *self,
                GCancellable  *cancellable,
                GError       **error)
{
  g_autoptr(GTask) task = NULL;

  g_return_val_if_fail (MRE_IS_PEER (self), FALSE);

  task = mre_peer_sync_call (self, cancellable, start_idle, NULL, NULL);
  return g_task_propagate_boolean (task, error);
}

/**
 * mre_peer_get_flush_timeout:
 * @self: a peer
 *
 * Gets how long [method@Mre.Peer.flush] waits when given -1.
 *
 * Returns: [property@Mre.Peer:flush-timeout], in milliseconds
 *
 * Since: 0.1
 */
guint
mre_peer_get_flush_timeout (MrePeer *self)
{
  g_return_val_if_fail (MRE_IS_PEER (self), 0);
  return (guint) g_atomic_int_get (&self->flush_timeout);
}

/**
 * mre_peer_set_flush_timeout:
 * @self: a peer
 * @timeout_ms: milliseconds, at most %G_MAXINT (which waits for ever)
 *
 * Sets [property@Mre.Peer:flush-timeout]. Thread-safe.
 *
 * Since: 0.1
 */
void
mre_peer_set_flush_timeout (MrePeer *self,
                            guint    timeout_ms)
{
  g_return_if_fail (MRE_IS_PEER (self));
  g_return_if_fail (timeout_ms <= G_MAXINT);

  if ((guint) g_atomic_int_exchange (&self->flush_timeout, timeout_ms) != timeout_ms)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FLUSH_TIMEOUT]);
}

static void
close_on_context (gpointer data)
{
  MrePeer *self = data;
  g_autoptr(GError) error = g_error_new (MRE_ERROR, MRE_ERROR_DISCONNECTED, "The peer was closed");

  self->started = FALSE;
  self->reconnect = FALSE;
  if (self->retry_source != NULL)
    {
      g_source_destroy (self->retry_source);
      self->retry_source = NULL;
    }
  if (self->conn != NULL)
    mre_peer_disconnected (self, error);
  mre_peer_complete_tasks (&self->start_tasks, error);
  mre_peer_set_state (self, MRE_PEER_STATE_CLOSED, NULL);
}

/**
 * mre_peer_close:
 * @self: a peer
 *
 * Closes the connection for good: no reconnecting, and publishing fails
 * from now on. What was published and not yet written to the socket is
 * lost; call [method@Mre.Peer.flush] first to send it. Never waits for
 * the broker: a flush waiting in another thread fails with
 * %MRE_ERROR_DISCONNECTED.
 *
 * Since: 0.1
 */
void
mre_peer_close (MrePeer *self)
{
  g_return_if_fail (MRE_IS_PEER (self));

  if (self->context != NULL)
    {
      mre_event_loop_call_sync (self->loop, close_on_context, self);
      mre_peer_signals_flush_here (self);
    }
  else
    g_atomic_int_set (&self->state, MRE_PEER_STATE_CLOSED);
}

/* Subscribing ------------------------------------------------------------------ */

typedef struct
{
  RequestKind  kind;
  char        *pattern;
  char        *sender;
} SubscribeCall;

static void
subscribe_call_free (gpointer data)
{
  SubscribeCall *call = data;

  g_free (call->pattern);
  g_free (call->sender);
  g_free (call);
}

/* The task's data is a SubscribeCall. */
static gboolean
subscribe_idle (gpointer data)
{
  GTask *task = data;
  SubscribeCall *call = g_task_get_task_data (task);
  MrePeer *self = g_task_get_source_object (task);
  Request *request;

  if (self->conn == NULL)
    {
      g_task_return_new_error (task, MRE_ERROR, MRE_ERROR_DISCONNECTED, "Not connected to a broker");
      g_object_unref (task);
      return G_SOURCE_REMOVE;
    }

  request = g_new0 (Request, 1);
  request->kind = call->kind;
  request->task = task;
  request->key = mre_peer_subscription_key (call->pattern, call->sender);
  if (call->kind == REQUEST_SUBSCRIBE && !g_hash_table_contains (self->subs, request->key))
    {
      Subscription *sub = g_new0 (Subscription, 1);

      sub->pattern = g_strdup (call->pattern);
      sub->sender = g_strdup (call->sender);
      g_hash_table_insert (self->subs, g_strdup (request->key), sub);
    }
  else if (call->kind == REQUEST_UNSUBSCRIBE)
    g_hash_table_remove (self->subs, request->key);

  mre_peer_send_request (self, call->kind == REQUEST_SUBSCRIBE ? MRE_FRAME_SUBSCRIBE : MRE_FRAME_UNSUBSCRIBE,
                         call->pattern, call->sender, NULL, request);
  return G_SOURCE_REMOVE;
}

/* A SubscribeCall for @pattern and @sender, or NULL with an error if the
 * broker would refuse them. */
static SubscribeCall *
subscribe_call_new (RequestKind   kind,
                    const char   *pattern,
                    const char   *sender,
                    GError      **error)
{
  SubscribeCall *call;
  gsize len = strlen (pattern);
  const char *star = strchr (pattern, '*');

  if (len == 0 || len > G_MAXUINT16 || !g_utf8_validate (pattern, len, NULL) ||
      (star != NULL && star != pattern + len - 1) ||
      (sender != NULL && (strlen (sender) > G_MAXUINT16 || !g_utf8_validate (sender, -1, NULL))))
    {
      g_set_error (error, MRE_ERROR, MRE_ERROR_PROTOCOL,
                   "“%s” is not an event name, a prefix ending in “*”, or “*”", pattern);
      return NULL;
    }

  call = g_new0 (SubscribeCall, 1);
  call->kind = kind;
  call->pattern = g_strdup (pattern);
  call->sender = sender != NULL && sender[0] != '\0' ? g_strdup (sender) : NULL;
  return call;
}

/**
 * mre_peer_subscribe_async:
 * @self: a started peer
 * @pattern: an event name, a prefix ending in `*` (`sensor.*`), or `*`
 * @sender: (nullable): the id of the only publisher wanted, or %NULL for all
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the broker acknowledged
 * @user_data: data for @callback
 *
 * Subscribes to the events @pattern matches. The broker first sends the
 * events it retains for them (pushed, see [method@Mre.Peer.publishv]),
 * oldest first, then acknowledges: when the call completes, the retained
 * events have been received (and emitted: [signal@Mre.Peer::received] on
 * the peer's thread, [signal@Mre.Peer::event] in the signal context before
 * the callback runs there) and every later event will be. Subscriptions
 * survive reconnections.
 *
 * Since: 0.1
 */
void
mre_peer_subscribe_async (MrePeer             *self,
                          const char          *pattern,
                          const char          *sender,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  GError *error = NULL;
  SubscribeCall *call;
  GTask *task;

  g_return_if_fail (MRE_IS_PEER (self));
  g_return_if_fail (pattern != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, mre_peer_subscribe_async);
  call = subscribe_call_new (REQUEST_SUBSCRIBE, pattern, sender, &error);
  if (call == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  g_task_set_task_data (task, call, subscribe_call_free);
  peer_invoke (self, subscribe_idle, task);
}

/**
 * mre_peer_subscribe_finish:
 * @self: a peer
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes [method@Mre.Peer.subscribe_async].
 *
 * Returns: %TRUE once subscribed, or %FALSE with %MRE_ERROR_DISCONNECTED
 *   or %MRE_ERROR_PROTOCOL (a pattern the broker refuses)
 *
 * Since: 0.1
 */
gboolean
mre_peer_subscribe_finish (MrePeer       *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static gboolean
subscribe_sync (MrePeer       *self,
                RequestKind    kind,
                const char    *pattern,
                const char    *sender,
                GCancellable  *cancellable,
                GError       **error)
{
  SubscribeCall *call = subscribe_call_new (kind, pattern, sender, error);
  g_autoptr(GTask) task = NULL;

  if (call == NULL)
    return FALSE;
  task = mre_peer_sync_call (self, cancellable, subscribe_idle, call, subscribe_call_free);
  return g_task_propagate_boolean (task, error);
}

/**
 * mre_peer_subscribe:
 * @self: a started peer
 * @pattern: an event name, a prefix ending in `*`, or `*`
 * @sender: (nullable): the id of the only publisher wanted, or %NULL
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * The synchronous form of [method@Mre.Peer.subscribe_async].
 *
 * Returns: %TRUE once subscribed, or %FALSE with the reason
 *
 * Since: 0.1
 */
gboolean
mre_peer_subscribe (MrePeer       *self,
                    const char    *pattern,
                    const char    *sender,
                    GCancellable  *cancellable,
                    GError       **error)
{
  g_return_val_if_fail (MRE_IS_PEER (self), FALSE);
  g_return_val_if_fail (pattern != NULL, FALSE);

  return subscribe_sync (self, REQUEST_SUBSCRIBE, pattern, sender, cancellable, error);
}

/**
 * mre_peer_unsubscribe:
 * @self: a started peer
 * @pattern: a pattern given to [method@Mre.Peer.subscribe]
 * @sender: (nullable): the sender given with it
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Ends a subscription; when it returns, no event of it arrives any more.
 *
 * Returns: %TRUE, or %FALSE with %MRE_ERROR_DISCONNECTED
 *
 * Since: 0.1
 */
gboolean
mre_peer_unsubscribe (MrePeer       *self,
                      const char    *pattern,
                      const char    *sender,
                      GCancellable  *cancellable,
                      GError       **error)
{
  g_return_val_if_fail (MRE_IS_PEER (self), FALSE);
  g_return_val_if_fail (pattern != NULL, FALSE);

  return subscribe_sync (self, REQUEST_UNSUBSCRIBE, pattern, sender, cancellable, error);
}

/* Statistics -------------------------------------------------------------------- */

static gboolean
stats_idle (gpointer data)
{
  GTask *task = data;
  MrePeer *self = g_task_get_source_object (task);
  Request *request;

  if (self->conn == NULL)
    {
      g_task_return_new_error (task, MRE_ERROR, MRE_ERROR_DISCONNECTED, "Not connected to a broker");
      g_object_unref (task);
      return G_SOURCE_REMOVE;
    }

  request = g_new0 (Request, 1);
  request->kind = REQUEST_STATS;
  request->task = task;
  mre_peer_send_request (self, MRE_FRAME_STATS, NULL, NULL, NULL, request);

  return G_SOURCE_REMOVE;
}

/**
 * mre_peer_query_stats:
 * @self: a started peer
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Asks the broker for its counters (see [method@Mre.Broker.dup_stats]).
 *
 * Returns: (transfer full): a JSON object, or %NULL with
 *   %MRE_ERROR_DISCONNECTED
 *
 * Since: 0.1
 */
JsonNode *
mre_peer_query_stats (MrePeer       *self,
                      GCancellable  *cancellable,
                      GError       **error)
{
  g_autoptr(GTask) task = NULL;

  g_return_val_if_fail (MRE_IS_PEER (self), NULL);

  task = mre_peer_sync_call (self, cancellable, stats_idle, NULL, NULL);
  return g_task_propagate_pointer (task, error);
}

/* Checking ------------------------------------------------------------------------ */

/**
 * mre_peer_check:
 * @self: a peer
 *
 * For programs without a running loop: handles what arrived from the
 * broker (emitting [signal@Mre.Peer::event] for each event) and what waits
 * to be sent, without blocking, by iterating the peer's context. The peer
 * must be bound to a loop whose context no other thread runs, for example
 * `mre_object_set_event_loop (peer, mre_event_loop_new_for_context (ctx))`
 * with a context of the caller's own.
 *
 * What such a peer publishes does not wait for the next check: the
 * publishing call writes it to the socket, in order, unless the socket is
 * full (then the rest goes with the next check, or [method@Mre.Peer.flush]),
 * so that the other peers get it while this one does other work.
 *
 * Returns: the number of events emitted
 *
 * Since: 0.1
 */
guint
mre_peer_check (MrePeer *self)
{
  g_autoptr(GError) error = NULL;
  guint64 before;

  g_return_val_if_fail (MRE_IS_PEER (self), 0);

  if (!ensure_loop (self, &error))
    {
      g_warning ("mre_peer_check(): %s", error->message);
      return 0;
    }
  if (!g_main_context_acquire (self->context))
    {
      g_critical ("mre_peer_check(): the peer's context runs in another thread");
      return 0;
    }
  before = self->n_events;
  while (g_main_context_iteration (self->context, FALSE))
    ;
  g_main_context_release (self->context);

  return (guint) (self->n_events - before);
}

/* GObject ---------------------------------------------------------------------- */

static void
mre_peer_dispose (GObject *object)
{
  MrePeer *self = MRE_PEER (object);

  /* Its handlers go with it: what they would get is dropped. */
  mre_peer_signals_dispose (self);
  if (self->context != NULL && (MrePeerState) g_atomic_int_get (&self->state) != MRE_PEER_STATE_CLOSED)
    mre_event_loop_call_sync (self->loop, close_on_context, self);

  G_OBJECT_CLASS (mre_peer_parent_class)->dispose (object);
}

static void
mre_peer_finalize (GObject *object)
{
  MrePeer *self = MRE_PEER (object);

  /* A loop of the peer's own: stopped (and joined). */
  if (self->own_loop)
    mre_event_loop_stop_own (self->loop);
  mre_peer_signals_finalize (self);
  g_clear_object (&self->loop);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_queue_clear_full (&self->pending, (GDestroyNotify) g_bytes_unref);
  g_queue_clear_full (&self->unacked, (GDestroyNotify) g_bytes_unref);
  g_hash_table_unref (self->subs);
  g_hash_table_unref (self->requests);
  g_mutex_clear (&self->lock);
  g_free (self->path);
  g_free (self->socket_path);
  g_free (self->id);
  g_clear_error (&self->refused);
  g_free (self->session);
  g_free (self->store_id);

  G_OBJECT_CLASS (mre_peer_parent_class)->finalize (object);
}

static void
mre_peer_get_property (GObject    *object,
                       guint       prop_id,
                       GValue     *value,
                       GParamSpec *pspec)
{
  MrePeer *self = MRE_PEER (object);

  switch (prop_id)
    {
    case PROP_PATH:
      g_value_set_string (value, self->path);
      break;
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case PROP_STATE:
      g_value_set_enum (value, mre_peer_get_state (self));
      break;
    case PROP_AUTOSTART:
      g_value_set_boolean (value, self->autostart);
      break;
    case PROP_RECONNECT:
      g_value_set_boolean (value, self->reconnect);
      break;
    case PROP_MAX_FRAME_SIZE:
      g_value_set_uint (value, self->max_frame_size);
      break;
    case PROP_MAX_PENDING:
      g_value_set_uint (value, self->max_pending);
      break;
    case PROP_FLUSH_TIMEOUT:
      g_value_set_uint (value, mre_peer_get_flush_timeout (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mre_peer_set_property (GObject      *object,
                       guint         prop_id,
                       const GValue *value,
                       GParamSpec   *pspec)
{
  MrePeer *self = MRE_PEER (object);

  switch (prop_id)
    {
    case PROP_PATH:
      self->path = g_value_dup_string (value);
      break;
    case PROP_ID:
      self->id = g_value_dup_string (value);
      break;
    case PROP_AUTOSTART:
      self->autostart = g_value_get_boolean (value);
      break;
    case PROP_RECONNECT:
      self->reconnect = g_value_get_boolean (value);
      break;
    case PROP_MAX_FRAME_SIZE:
      self->max_frame_size = g_value_get_uint (value);
      g_atomic_int_set (&self->frame_limit, self->max_frame_size);
      break;
    case PROP_MAX_PENDING:
      self->max_pending = g_value_get_uint (value);
      break;
    case PROP_FLUSH_TIMEOUT:
      mre_peer_set_flush_timeout (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mre_peer_constructed (GObject *object)
{
  MrePeer *self = MRE_PEER (object);

  G_OBJECT_CLASS (mre_peer_parent_class)->constructed (object);

  mre_peer_signals_constructed (self);
  if (self->path == NULL)
    {
      self->path = mre_default_socket_path ();
      self->autostart = TRUE;
    }
  if (self->id != NULL && self->id[0] == '\0')
    g_clear_pointer (&self->id, g_free);
}

static void
mre_peer_class_init (MrePeerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = mre_peer_constructed;
  object_class->dispose = mre_peer_dispose;
  object_class->finalize = mre_peer_finalize;
  object_class->get_property = mre_peer_get_property;
  object_class->set_property = mre_peer_set_property;
  object_class->dispatch_properties_changed = mre_peer_signals_dispatch_notify;

  /**
   * MrePeer:path:
   *
   * The broker's address: a unix socket path, or `unix:PATH`; %NULL at
   * construction for the default bus (see [func@Mre.default_socket_path]).
   *
   * Since: 0.1
   */
  properties[PROP_PATH] =
    g_param_spec_string ("path", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * MrePeer:id:
   *
   * The peer's id, sent with each event it publishes: the one asked for at
   * construction, or, if none, the one the broker chose (known once
   * connected).
   *
   * Since: 0.1
   */
  properties[PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_EXPLICIT_NOTIFY |
                         G_PARAM_STATIC_STRINGS);

  /**
   * MrePeer:state:
   *
   * Where the connection stands. Notified, before
   * [signal@Mre.Peer::state-changed], in the peer's signal context.
   *
   * Since: 0.1
   */
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, MRE_TYPE_PEER_STATE, MRE_PEER_STATE_DISCONNECTED,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * MrePeer:autostart:
   *
   * Whether to start a broker (`mreventloop broker --idle-exit`, or
   * `$MRE_BROKER_PROGRAM`) when none answers at the path; %TRUE for the
   * default bus. See [ctor@Mre.Peer.new_default].
   *
   * Since: 0.1
   */
  properties[PROP_AUTOSTART] =
    g_param_spec_boolean ("autostart", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * MrePeer:reconnect:
   *
   * Whether to connect again, with a growing delay, after losing the
   * broker. %TRUE by default.
   *
   * Since: 0.1
   */
  properties[PROP_RECONNECT] =
    g_param_spec_boolean ("reconnect", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * MrePeer:max-frame-size:
   *
   * The largest frame the peer publishes or accepts, header included: a
   * larger publish fails with %MRE_ERROR_FRAME_TOO_LARGE before anything
   * is sent. Once connected, the broker's own limit (announced in its
   * WELCOME) applies too, if it is smaller.
   *
   * Since: 0.1
   */
  properties[PROP_MAX_FRAME_SIZE] =
    g_param_spec_uint ("max-frame-size", NULL, NULL,
                       MRE_FRAME_HEADER_SIZE + 64, MRE_FRAME_HARD_MAX, MRE_FRAME_DEFAULT_MAX,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * MrePeer:max-pending:
   *
   * How many events are kept while disconnected, to be sent once connected
   * again: those published meanwhile, and the pushes the broker had not
   * acknowledged yet. One more fails with %MRE_ERROR_DISCONNECTED.
   *
   * Since: 0.1
   */
  properties[PROP_MAX_PENDING] =
    g_param_spec_uint ("max-pending", NULL, NULL, 0, G_MAXUINT, MRE_PEER_DEFAULT_MAX_PENDING,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * MrePeer:flush-timeout:
   *
   * How long, in milliseconds, [method@Mre.Peer.flush] waits when given
   * -1 (as Python's `with peer:` does on leaving), before it fails with
   * %G_IO_ERROR_TIMED_OUT; %G_MAXINT waits for ever. 25 s by default, as
   * GDBus's calls.
   *
   * Since: 0.1
   */
  properties[PROP_FLUSH_TIMEOUT] =
    g_param_spec_uint ("flush-timeout", NULL, NULL, 0, G_MAXINT, MRE_PEER_DEFAULT_FLUSH_TIMEOUT_MS,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * MrePeer::event:
   * @self: the peer
   * @event: the event
   *
   * An event the peer subscribed to arrived; the detail is its name.
   * Emitted in the peer's signal context (see [class@Mre.Peer]: the
   * thread-default main context of the thread that made the peer, or the
   * loop the peer is bound to), in the order the broker sent the events,
   * in order with [signal@Mre.Peer::state-changed] and the other signals.
   *
   * Queued connections to this signal, [func@Mre.connect] and its
   * variants, [func@Mre.keep_track_of] and [func@Mre.wait_for], take the
   * events from [signal@Mre.Peer::received] instead, as they arrive: they
   * hand them on to their own loop or thread without waiting for the signal
   * context to run.
   *
   * Since: 0.1
   */
  signals[SIGNAL_EVENT] =
    g_signal_new ("event", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_DETAILED,
                  0, NULL, NULL, g_cclosure_marshal_VOID__BOXED, G_TYPE_NONE, 1,
                  MRE_TYPE_EVENT | G_SIGNAL_TYPE_STATIC_SCOPE);
  g_signal_set_va_marshaller (signals[SIGNAL_EVENT], G_TYPE_FROM_CLASS (klass),
                              g_cclosure_marshal_VOID__BOXEDv);

  /**
   * MrePeer::received:
   * @self: the peer
   * @event: the event
   *
   * An event the peer subscribed to arrived; the detail is its name.
   * Emitted on the peer's own thread (the thread of its loop) as each event
   * is read, in the order the broker sent them, before the event is handed
   * to [signal@Mre.Peer::event]. For C code that hands events on by
   * itself, without a hop through the signal context: a handler must be
   * quick and thread-safe, and take a reference on @event to keep it.
   *
   * Not for GJS, which cannot run JavaScript on that thread: connect to
   * [signal@Mre.Peer::event] or use [func@Mre.connect]. (Python's
   * `Peer.on()` takes its own-thread callbacks from here.)
   *
   * Since: 0.1
   */
  signals[SIGNAL_RECEIVED] =
    g_signal_new ("received", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_DETAILED,
                  0, NULL, NULL, g_cclosure_marshal_VOID__BOXED, G_TYPE_NONE, 1,
                  MRE_TYPE_EVENT | G_SIGNAL_TYPE_STATIC_SCOPE);
  g_signal_set_va_marshaller (signals[SIGNAL_RECEIVED], G_TYPE_FROM_CLASS (klass),
                              g_cclosure_marshal_VOID__BOXEDv);
  mre_signal_set_queued_source (signals[SIGNAL_EVENT], signals[SIGNAL_RECEIVED]);

  /**
   * MrePeer::state-changed:
   * @self: the peer
   * @state: the new state
   * @error: (nullable): why the connection was lost, for
   *   %MRE_PEER_STATE_DISCONNECTED
   *
   * The connection's state changed. Emitted in the peer's signal
   * context, after [property@Mre.Peer:state] was notified.
   *
   * Since: 0.1
   */
  signals[SIGNAL_STATE_CHANGED] =
    g_signal_new ("state-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, MRE_TYPE_PEER_STATE,
                  G_TYPE_ERROR | G_SIGNAL_TYPE_STATIC_SCOPE);

  /**
   * MrePeer::lost:
   * @self: the peer
   * @dropped: how many events the broker dropped for this peer
   * @message: the broker's sentence saying why
   *
   * The broker dropped events meant for this peer, because the peer read
   * too slowly (its queue at the broker reached `max-queued-bytes`), and
   * is closing the connection; the peer then connects again, subscribes
   * again and receives what the broker retains, but the events dropped are
   * gone. Emitted in the peer's signal context, before the disconnection.
   * When no handler is connected, the peer logs a warning with the count
   * and the message instead.
   *
   * Since: 0.1
   */
  signals[SIGNAL_LOST] =
    g_signal_new ("lost", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_UINT64, G_TYPE_STRING);
}

static void
mre_peer_init (MrePeer *self)
{
  self->reconnect = TRUE;
  self->max_frame_size = MRE_FRAME_DEFAULT_MAX;
  self->frame_limit = MRE_FRAME_DEFAULT_MAX;
  self->flush_timeout = MRE_PEER_DEFAULT_FLUSH_TIMEOUT_MS;
  self->max_pending = MRE_PEER_DEFAULT_MAX_PENDING;
  self->max_queued_bytes = MRE_PEER_DEFAULT_MAX_QUEUED_BYTES;
  g_mutex_init (&self->lock);
  mre_peer_signals_init (self);
  self->session = g_uuid_string_random ();
  self->subs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                      (GDestroyNotify) mre_peer_subscription_free);
  self->requests = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) mre_peer_request_free);
}

/**
 * mre_peer_new:
 * @path: the broker's address: its unix socket path, or `unix:PATH`
 * @id: (nullable): the peer's id, or %NULL to get one from the broker
 *
 * Creates a peer of the broker listening on @path. It does not connect
 * before [method@Mre.Peer.start], which fails with
 * %G_IO_ERROR_INVALID_ARGUMENT for an address of another scheme
 * (`ipc://…`, `tcp:…`).
 *
 * Returns: (transfer full): a new peer; call [method@Mre.Peer.start]
 *
 * Since: 0.1
 */
MrePeer *
mre_peer_new (const char *path,
              const char *id)
{
  g_return_val_if_fail (path != NULL, NULL);

  return g_object_new (MRE_TYPE_PEER, "path", path, "id", id, NULL);
}

/**
 * mre_peer_new_default:
 * @id: (nullable): the peer's id, or %NULL to get one from the broker
 *
 * A peer of the default bus ([func@Mre.default_socket_path]): when it
 * starts and no broker answers there, it starts one, exactly one even when
 * several peers start at once; that broker exits after its last peer left.
 *
 * The broker started is `mreventloop broker` of the installed tool, or the
 * program `$MRE_BROKER_PROGRAM` names: `meson devenv` sets it to the build
 * tree's tool, so that a program run from a build tree starts the broker
 * it was built with. The broker's stderr goes to a log file beside the
 * socket (`default.sock.log`); if it exits or does not listen within 10 s,
 * [method@Mre.Peer.start] fails with an error naming the program and
 * quoting the broker's last lines. It keeps its retained events in a
 * directory of the socket's own under `$XDG_STATE_HOME/mreventloop`
 * (`$MRE_STATE_DIR` names another parent, or, empty, none), so that buses
 * auto-started on other sockets run side by side.
 *
 * Returns: (transfer full): a new peer; call [method@Mre.Peer.start]
 *
 * Since: 0.1
 */
MrePeer *
mre_peer_new_default (const char *id)
{
  return g_object_new (MRE_TYPE_PEER, "id", id, NULL);
}

/**
 * mre_default_socket_path:
 *
 * The socket of the default bus: `$MRE_BUS` if set, else
 * `$XDG_RUNTIME_DIR/mreventloop/default.sock`, or
 * `/tmp/mreventloop-UID/default.sock` without `XDG_RUNTIME_DIR`. Its
 * broker is started as [ctor@Mre.Peer.new_default] says
 * (`$MRE_BROKER_PROGRAM`, which `meson devenv` sets).
 *
 * Returns: (transfer full) (type filename): the path
 *
 * Since: 0.1
 */
char *
mre_default_socket_path (void)
{
  g_autofree char *dir = NULL;
  const char *bus = g_getenv ("MRE_BUS");

  if (bus != NULL && bus[0] != '\0')
    return g_strdup (bus);

  dir = mre_socket_default_dir ();
  return g_build_filename (dir, "default.sock", NULL);
}

/**
 * mre_peer_get_id:
 * @self: a peer
 *
 * Gets the peer's id: the one it was given, or, once connected, the one
 * the broker chose.
 *
 * Returns: (nullable): [property@Mre.Peer:id]
 *
 * Since: 0.1
 */
const char *
mre_peer_get_id (MrePeer *self)
{
  g_return_val_if_fail (MRE_IS_PEER (self), NULL);
  return self->id;
}

/**
 * mre_peer_get_path:
 * @self: a peer
 *
 * Gets the path of the broker's socket.
 *
 * Returns: (type filename): [property@Mre.Peer:path]
 *
 * Since: 0.1
 */
const char *
mre_peer_get_path (MrePeer *self)
{
  g_return_val_if_fail (MRE_IS_PEER (self), NULL);
  return self->path;
}

/**
 * mre_peer_get_state:
 * @self: a peer
 *
 * Gets the state of the peer's connection to its broker.
 *
 * Returns: [property@Mre.Peer:state]
 *
 * Since: 0.1
 */
MrePeerState
mre_peer_get_state (MrePeer *self)
{
  g_return_val_if_fail (MRE_IS_PEER (self), MRE_PEER_STATE_DISCONNECTED);
  return (MrePeerState) g_atomic_int_get (&self->state);
}
