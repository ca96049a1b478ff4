/* mre-broker.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <sys/resource.h>
#include <unistd.h>

#include "mre-broker.h"
#include "mre-broker-private.h"
#include "mre-event-loop-private.h"
#include "mre-socket-private.h"

/**
 * MreBroker:
 *
 * Routes the events that [class@Mre.Peer]s publish to the peers subscribed
 * to them, over unix sockets, speaking the protocol of `docs/PROTOCOL.md`.
 *
 * A broker listens on one socket path ([ctor@Mre.Broker.new]) or two
 * ([ctor@Mre.Broker.new_split], MrEventLoop's `Broker(in_path, out_path)`),
 * and runs on its [class@Mre.EventLoop]: the one set with
 * [func@Mre.object_set_event_loop] before [method@Mre.Broker.start], or a
 * loop of its own thread. It routes on the frame header and forwards each
 * event's JSON body unchanged, checking only that it is a JSON-RPC 2.0
 * notification of the event's name (anything else is refused with an
 * ERROR frame to its publisher).
 *
 * Pushed events are retained per name (the backlog of the last push of a
 * name governs it) and replayed, oldest first, to a peer that subscribes
 * later, before its subscription is acknowledged.
 *
 * Each connection has a bounded output queue
 * ([property@Mre.Broker:max-queued-bytes]). When a peer reads more slowly
 * than events come, and its queue passes an eighth of the bound, the
 * broker stops reading from every connection until that peer caught up:
 * publishers are slowed down (their sockets fill, then
 * [method@Mre.Peer.publishv] reports %MRE_ERROR_BUSY), nothing is lost. A
 * peer that reads nothing for a second is not waited for: the others go on,
 * its queue fills, and it is disconnected, the events queued for it
 * counted as dropped. All the queues together are bounded as well
 * ([property@Mre.Broker:max-queued-bytes-total]): publishers are slowed
 * down the same way, and a peer that reads nothing for a second meanwhile
 * is disconnected. A peer disconnected for reading too slowly is sent an
 * ERROR frame (code `slow-reader`) with the number of events dropped for
 * it, after the rest of the frame it had begun to receive.
 *
 * The broker bounds what one client can make it hold:
 * [property@Mre.Broker:max-connections],
 * [property@Mre.Broker:max-subscriptions] per connection,
 * [property@Mre.Broker:max-retained-bytes] per event name, and
 * [property@Mre.Broker:handshake-timeout] for a connection that never says
 * HELLO. Only peers of the broker's own uid are admitted
 * ([property@Mre.Broker:same-uid-only]).
 *
 * Since: 0.1
 */

#define DEFAULT_MAX_QUEUED_BYTES  (G_GUINT64_CONSTANT (64) * 1024 * 1024)
/* Four times max-queued-bytes: see the property's documentation. */
#define DEFAULT_MAX_QUEUED_BYTES_TOTAL (G_GUINT64_CONSTANT (256) * 1024 * 1024)
#define DEFAULT_MAX_CONNECTIONS   1024
#define DEFAULT_MAX_SUBSCRIPTIONS 4096
#define DEFAULT_MAX_RETAINED_BYTES (G_GUINT64_CONSTANT (64) * 1024 * 1024)
#define DEFAULT_HANDSHAKE_TIMEOUT 10

enum
{
  PROP_0,
  PROP_PATH,
  PROP_OUT_PATH,
  PROP_MAX_FRAME_SIZE,
  PROP_MAX_QUEUED_BYTES,
  PROP_MAX_QUEUED_BYTES_TOTAL,
  PROP_IDLE_TIMEOUT,
  PROP_SAME_UID_ONLY,
  PROP_MAX_CONNECTIONS,
  PROP_MAX_SUBSCRIPTIONS,
  PROP_MAX_RETAINED_BYTES,
  PROP_HANDSHAKE_TIMEOUT,
  PROP_STATE_DIRECTORY,
  PROP_N_CONNECTIONS,
  N_PROPS
};

enum
{
  SIGNAL_PEER_CONNECTED,
  SIGNAL_PEER_DISCONNECTED,
  SIGNAL_IDLE,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (MreBroker, mre_broker, G_TYPE_OBJECT)


/* Connections (see mre-broker-client.c) ----------------------------------- */

static void idle_check (MreBroker *self);

/* A client closed or was dropped, and is freed: @id is its id, or NULL
 * before its handshake. */
void
mre_broker_client_gone (MreBroker  *self,
                        const char *id)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_CONNECTIONS]);
  if (id != NULL)
    g_signal_emit (self, signals[SIGNAL_PEER_DISCONNECTED], 0, id);
  idle_check (self);
}

void
mre_broker_client_welcomed (MreBroker  *self,
                            const char *id)
{
  g_signal_emit (self, signals[SIGNAL_PEER_CONNECTED], 0, id);
}

/* Accepting ----------------------------------------------------------------- */

/* How long the broker stops accepting when accept() fails (out of file
 * descriptors, say): the listener stays readable, and trying again at once
 * would spin. */
#define ACCEPT_PAUSE_MS 250

static gboolean accept_ready (GSocket      *listener,
                              GIOCondition  condition,
                              gpointer      user_data);

static void
accept_attach (MreBroker *self)
{
  for (guint i = 0; i < G_N_ELEMENTS (self->listeners) && self->listeners[i] != NULL; i++)
    {
      self->accept_sources[i] = g_socket_create_source (self->listeners[i], G_IO_IN, NULL);
      g_source_set_callback (self->accept_sources[i], G_SOURCE_FUNC (accept_ready), self, NULL);
      g_source_set_static_name (self->accept_sources[i], "MreBroker accept");
      g_source_attach (self->accept_sources[i], self->context);
    }
}

static void
accept_detach (MreBroker *self)
{
  for (guint i = 0; i < G_N_ELEMENTS (self->accept_sources); i++)
    if (self->accept_sources[i] != NULL)
      {
        g_source_destroy (self->accept_sources[i]);
        g_clear_pointer (&self->accept_sources[i], g_source_unref);
      }
  if (self->accept_pause != NULL)
    {
      g_source_destroy (self->accept_pause);
      g_clear_pointer (&self->accept_pause, g_source_unref);
    }
}

static gboolean
accept_resume (gpointer user_data)
{
  MreBroker *self = user_data;

  g_clear_pointer (&self->accept_pause, g_source_unref);
  accept_attach (self);
  return G_SOURCE_REMOVE;
}

static void
accept_failed (MreBroker    *self,
               const GError *error)
{
  if (!self->accept_failing)
    g_message ("Cannot accept a connection: %s; trying again every %d ms",
               error->message, ACCEPT_PAUSE_MS);
  self->accept_failing = TRUE;
  accept_detach (self);
  self->accept_pause = g_timeout_source_new (ACCEPT_PAUSE_MS);
  g_source_set_callback (self->accept_pause, accept_resume, self, NULL);
  g_source_set_static_name (self->accept_pause, "MreBroker accept pause");
  g_source_attach (self->accept_pause, self->context);
}

static gboolean
accept_ready (GSocket      *listener,
              GIOCondition  condition,
              gpointer      user_data)
{
  MreBroker *self = user_data;

  for (guint n = 0; n < 64; n++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSocket) socket = g_socket_accept (listener, NULL, &error);
      g_autoptr(GCredentials) credentials = NULL;

      if (socket == NULL)
        {
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            break;
          accept_failed (self, error);  /* destroys this source */
          return G_SOURCE_REMOVE;
        }
      if (self->accept_failing)
        {
          g_message ("Accepting connections again");
          self->accept_failing = FALSE;
        }

      credentials = g_socket_get_credentials (socket, &error);
      if (credentials == NULL)
        {
          mre_broker_log (self->log, MRE_BROKER_LOG_CREDENTIALS,
                          "Refusing a connection: no peer credentials: %s", error->message);
          self->stats.refused_connections++;
          continue;
        }
      if (self->same_uid_only && g_credentials_get_unix_user (credentials, NULL) != getuid ())
        {
          mre_broker_log (self->log, MRE_BROKER_LOG_CREDENTIALS,
                          "Refusing a connection from uid %d: only uid %d is admitted",
                          (int) g_credentials_get_unix_user (credentials, NULL), (int) getuid ());
          self->stats.refused_connections++;
          continue;
        }
      if (self->max_connections > 0 && self->clients->len >= self->max_connections)
        {
          g_autofree char *message =
            g_strdup_printf ("The broker has reached max-connections (%u)",
                             self->max_connections);

          mre_broker_log (self->log, MRE_BROKER_LOG_TOO_MANY, "Refusing a connection from pid %d: %s",
                          (int) g_credentials_get_unix_pid (credentials, NULL), message);
          self->stats.refused_connections++;
          mre_broker_refuse_socket (socket, "too-many-connections", message);
          continue;
        }

      g_ptr_array_add (self->clients, mre_broker_client_new (self, socket));
      self->stats.connections_total++;
      g_clear_pointer (&self->idle_source, g_source_destroy);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_CONNECTIONS]);
    }

  return G_SOURCE_CONTINUE;
}

/* Idle exit ---------------------------------------------------------------- */

static gboolean
idle_reached (gpointer user_data)
{
  MreBroker *self = user_data;

  self->idle_source = NULL;
  g_signal_emit (self, signals[SIGNAL_IDLE], 0);
  return G_SOURCE_REMOVE;
}

static void
idle_check (MreBroker *self)
{
  if (!self->started || self->idle_timeout == 0 || self->clients->len > 0 ||
      self->idle_source != NULL)
    return;

  self->idle_source = g_timeout_source_new_seconds (self->idle_timeout);
  g_source_set_callback (self->idle_source, idle_reached, self, NULL);
  g_source_set_static_name (self->idle_source, "MreBroker idle exit");
  g_source_attach (self->idle_source, self->context);
  g_source_unref (self->idle_source);
}

/* Starting and stopping --------------------------------------------------- */

typedef struct
{
  MreBroker *self;
  GError    *error;
} StartCall;

static void
start_on_context (gpointer data)
{
  StartCall *call = data;
  MreBroker *self = call->self;

  self->log = mre_broker_log_new (self->context);
  if (!mre_broker_durable_start (self, &call->error))
    return;

  for (guint i = 0; i < G_N_ELEMENTS (self->paths) && self->paths[i] != NULL; i++)
    {
      self->listeners[i] = mre_socket_listen (self->paths[i], &call->error);
      if (self->listeners[i] == NULL)
        return;
      g_socket_set_blocking (self->listeners[i], FALSE);
    }
  accept_attach (self);

  {
    struct rlimit limit;

    if (self->max_connections > 0 && getrlimit (RLIMIT_NOFILE, &limit) == 0 &&
        limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < (rlim_t) self->max_connections + 32)
      g_message ("max-connections is %u, but this process may only open %lu files: "
                 "connections past that wait to be accepted",
                 self->max_connections, (unsigned long) limit.rlim_cur);
  }

  self->started = TRUE;
  self->rate_start = g_get_monotonic_time ();
  idle_check (self);
}

static void
stop_on_context (gpointer data)
{
  MreBroker *self = data;

  accept_detach (self);
  for (guint i = 0; i < G_N_ELEMENTS (self->listeners); i++)
    {
      if (self->listeners[i] != NULL)
        {
          mre_socket_unlink_if_ours (self->listeners[i], self->paths[i]);
          g_socket_close (self->listeners[i], NULL);
          g_clear_object (&self->listeners[i]);
        }
    }
  g_clear_pointer (&self->idle_source, g_source_destroy);

  while (self->clients->len > 0)
    {
      mre_broker_client_detach (g_ptr_array_index (self->clients, self->clients->len - 1));
      g_ptr_array_remove_index (self->clients, self->clients->len - 1);
    }
  mre_broker_flow_stop (self);
  mre_broker_durable_stop (self);
  g_clear_pointer (&self->log, mre_broker_log_free);
  self->started = FALSE;
}

/**
 * mre_broker_start:
 * @self: a broker
 * @error: return location for a #GError
 *
 * Listens on the broker's path(s) and routes from now on, on the broker's
 * loop (started here if the broker made its own). A socket file whose
 * broker is gone is replaced; one with a live broker is not.
 *
 * Returns: %TRUE if listening, or %FALSE with %G_IO_ERROR_ADDRESS_IN_USE
 *   (another broker is running there) or another #GIOError
 *
 * Since: 0.1
 */
gboolean
mre_broker_start (MreBroker  *self,
                  GError    **error)
{
  StartCall call = { self, NULL };

  g_return_val_if_fail (MRE_IS_BROKER (self), FALSE);
  g_return_val_if_fail (!self->started, FALSE);

  if (self->loop == NULL)
    {
      self->loop = mre_object_start_event_loop (self, &self->own_loop, error);
      if (self->loop == NULL)
        return FALSE;
      self->context = g_main_context_ref (mre_event_loop_get_context (self->loop));
    }

  mre_event_loop_call_sync (self->loop, start_on_context, &call);
  if (call.error != NULL)
    {
      mre_event_loop_call_sync (self->loop, stop_on_context, self);
      g_propagate_error (error, call.error);
      return FALSE;
    }

  return TRUE;
}

/**
 * mre_broker_stop:
 * @self: a broker
 *
 * Stops listening, removes the socket file(s) and closes every connection.
 * Peers see the broker go away, and reconnect if another one starts.
 *
 * Since: 0.1
 */
void
mre_broker_stop (MreBroker *self)
{
  g_return_if_fail (MRE_IS_BROKER (self));

  if (self->context != NULL)
    mre_event_loop_call_sync (self->loop, stop_on_context, self);
}

/* Statistics ------------------------------------------------------------------- */

void
mre_broker_count_out (MreBroker *self,
                      guint64    n)
{
  self->stats.events_out += n;
}

typedef struct
{
  MreBroker *self;
  JsonNode  *stats;
} StatsCall;

static void
stats_on_context (gpointer data)
{
  StatsCall *call = data;
  MreBroker *self = call->self;
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();
  gint64 now = g_get_monotonic_time ();

  if (now - self->rate_start >= G_USEC_PER_SEC)
    {
      self->events_per_second = self->rate_events * (double) G_USEC_PER_SEC / (now - self->rate_start);
      self->rate_start = now;
      self->rate_events = 0;
    }

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "connections");
  json_builder_add_int_value (builder, self->clients->len);
  json_builder_set_member_name (builder, "connections_total");
  json_builder_add_int_value (builder, self->stats.connections_total);
  json_builder_set_member_name (builder, "subscriptions");
  json_builder_add_int_value (builder, mre_router_count_subscriptions (self->router));
  json_builder_set_member_name (builder, "events_in");
  json_builder_add_int_value (builder, self->stats.events_in);
  json_builder_set_member_name (builder, "events_out");
  json_builder_add_int_value (builder, self->stats.events_out);
  json_builder_set_member_name (builder, "events_per_second");
  json_builder_add_double_value (builder, self->events_per_second);
  json_builder_set_member_name (builder, "dropped");
  json_builder_add_int_value (builder, self->stats.dropped);
  json_builder_set_member_name (builder, "slow_disconnects");
  json_builder_add_int_value (builder, self->stats.slow_disconnects);
  json_builder_set_member_name (builder, "rejected");
  json_builder_add_int_value (builder, self->stats.rejected);
  json_builder_set_member_name (builder, "flow_control_pauses");
  json_builder_add_int_value (builder, self->stats.pauses);
  json_builder_set_member_name (builder, "refused_connections");
  json_builder_add_int_value (builder, self->stats.refused_connections);
  json_builder_set_member_name (builder, "handshake_timeouts");
  json_builder_add_int_value (builder, self->stats.handshake_timeouts);
  json_builder_set_member_name (builder, "retained_evicted");
  json_builder_add_int_value (builder, self->stats.retained_evicted);
  json_builder_set_member_name (builder, "push_duplicates");
  json_builder_add_int_value (builder, self->stats.push_duplicates);
  json_builder_set_member_name (builder, "sessions");
  json_builder_add_int_value (builder, g_hash_table_size (self->sessions));
  json_builder_set_member_name (builder, "retained");
  mre_router_add_retained_counts (self->router, builder);
  json_builder_set_member_name (builder, "queued_bytes");
  json_builder_add_int_value (builder, self->queued_total);
  json_builder_set_member_name (builder, "queued_bytes_peak");
  json_builder_add_int_value (builder, self->queued_peak);
  json_builder_set_member_name (builder, "max_queued_bytes_total");
  json_builder_add_int_value (builder, self->max_queued_bytes_total);
  json_builder_set_member_name (builder, "peers");
  mre_broker_add_peer_stats (self, builder);
  json_builder_end_object (builder);

  call->stats = json_builder_get_root (builder);
}

/**
 * mre_broker_dup_stats:
 * @self: a broker
 *
 * The broker's counters, as a `stats` request gets them (see
 * `docs/PROTOCOL.md`): `connections`, `subscriptions`, `events_in`,
 * `events_out`, `events_per_second`, `dropped`, `slow_disconnects`,
 * `rejected`, `flow_control_pauses`, `refused_connections`,
 * `handshake_timeouts`, `retained_evicted`, `push_duplicates`, `sessions`,
 * `retained` (event name to the number of events retained),
 * `queued_bytes` (queued for all connections now), `queued_bytes_peak`,
 * `max_queued_bytes_total`, and `peers`: one object per connection that
 * said HELLO, with its `id`, `queued_bytes`, `subscriptions`, `events_in`,
 * `events_out`, and the `dropped` events and `slow_disconnects` of its id
 * since the broker started.
 *
 * Called from a thread other than the broker's, it waits for the broker's
 * loop to answer.
 *
 * Returns: (transfer full): a JSON object
 *
 * Since: 0.1
 */
JsonNode *
mre_broker_dup_stats (MreBroker *self)
{
  StatsCall call = { self, NULL };

  g_return_val_if_fail (MRE_IS_BROKER (self), NULL);

  if (self->context == NULL)
    stats_on_context (&call);
  else
    mre_event_loop_call_sync (self->loop, stats_on_context, &call);

  return call.stats;
}

/* GObject ------------------------------------------------------------------- */

static void
mre_broker_finalize (GObject *object)
{
  MreBroker *self = MRE_BROKER (object);

  if (self->started)
    mre_broker_stop (self);
  g_ptr_array_unref (self->clients);
  mre_broker_flow_finalize (self);
  mre_router_free (self->router);
  mre_broker_durable_finalize (self);
  if (self->own_loop)
    mre_event_loop_stop_own (self->loop);
  g_clear_object (&self->loop);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_free (self->paths[0]);
  g_free (self->paths[1]);

  G_OBJECT_CLASS (mre_broker_parent_class)->finalize (object);
}

static void
mre_broker_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  MreBroker *self = MRE_BROKER (object);

  switch (prop_id)
    {
    case PROP_PATH:
      g_value_set_string (value, self->paths[0]);
      break;
    case PROP_OUT_PATH:
      g_value_set_string (value, self->paths[1]);
      break;
    case PROP_MAX_FRAME_SIZE:
      g_value_set_uint (value, self->max_frame_size);
      break;
    case PROP_MAX_QUEUED_BYTES:
      g_value_set_uint64 (value, self->max_queued_bytes);
      break;
    case PROP_MAX_QUEUED_BYTES_TOTAL:
      g_value_set_uint64 (value, self->max_queued_bytes_total);
      break;
    case PROP_IDLE_TIMEOUT:
      g_value_set_uint (value, self->idle_timeout);
      break;
    case PROP_SAME_UID_ONLY:
      g_value_set_boolean (value, self->same_uid_only);
      break;
    case PROP_MAX_CONNECTIONS:
      g_value_set_uint (value, self->max_connections);
      break;
    case PROP_MAX_SUBSCRIPTIONS:
      g_value_set_uint (value, self->max_subscriptions);
      break;
    case PROP_MAX_RETAINED_BYTES:
      g_value_set_uint64 (value, self->max_retained_bytes);
      break;
    case PROP_HANDSHAKE_TIMEOUT:
      g_value_set_uint (value, self->handshake_timeout);
      break;
    case PROP_STATE_DIRECTORY:
      g_value_set_string (value, self->state_directory);
      break;
    case PROP_N_CONNECTIONS:
      g_value_set_uint (value, mre_broker_get_n_connections (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mre_broker_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  MreBroker *self = MRE_BROKER (object);

  switch (prop_id)
    {
    case PROP_PATH:
      self->paths[0] = g_value_dup_string (value);
      break;
    case PROP_OUT_PATH:
      self->paths[1] = g_value_dup_string (value);
      break;
    case PROP_MAX_FRAME_SIZE:
      mre_broker_set_max_frame_size (self, g_value_get_uint (value));
      break;
    case PROP_MAX_QUEUED_BYTES:
      mre_broker_set_max_queued_bytes (self, g_value_get_uint64 (value));
      break;
    case PROP_MAX_QUEUED_BYTES_TOTAL:
      mre_broker_set_max_queued_bytes_total (self, g_value_get_uint64 (value));
      break;
    case PROP_IDLE_TIMEOUT:
      mre_broker_set_idle_timeout (self, g_value_get_uint (value));
      break;
    case PROP_SAME_UID_ONLY:
      mre_broker_set_same_uid_only (self, g_value_get_boolean (value));
      break;
    case PROP_MAX_CONNECTIONS:
      mre_broker_set_max_connections (self, g_value_get_uint (value));
      break;
    case PROP_MAX_SUBSCRIPTIONS:
      mre_broker_set_max_subscriptions (self, g_value_get_uint (value));
      break;
    case PROP_MAX_RETAINED_BYTES:
      mre_broker_set_max_retained_bytes (self, g_value_get_uint64 (value));
      break;
    case PROP_HANDSHAKE_TIMEOUT:
      mre_broker_set_handshake_timeout (self, g_value_get_uint (value));
      break;
    case PROP_STATE_DIRECTORY:
      mre_broker_set_state_directory (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mre_broker_class_init (MreBrokerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = mre_broker_finalize;
  object_class->get_property = mre_broker_get_property;
  object_class->set_property = mre_broker_set_property;

  /**
   * MreBroker:path:
   *
   * The unix socket path the broker listens on; with
   * [property@Mre.Broker:out-path], the first of two.
   *
   * Since: 0.1
   */
  properties[PROP_PATH] =
    g_param_spec_string ("path", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * MreBroker:out-path:
   *
   * A second socket path the broker listens on (MrEventLoop's `out_path`),
   * or %NULL. Both paths speak the whole protocol.
   *
   * Since: 0.1
   */
  properties[PROP_OUT_PATH] =
    g_param_spec_string ("out-path", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * MreBroker:max-frame-size:
   *
   * The largest frame accepted, header included; larger ones are refused
   * with an error frame. Set it before [method@Mre.Broker.start].
   *
   * Since: 0.1
   */
  properties[PROP_MAX_FRAME_SIZE] =
    g_param_spec_uint ("max-frame-size", NULL, NULL,
                       MRE_FRAME_HEADER_SIZE + 64, MRE_FRAME_HARD_MAX, MRE_FRAME_DEFAULT_MAX,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * MreBroker:max-queued-bytes:
   *
   * The most bytes queued for one peer and not yet read by it; a peer that
   * reaches it is disconnected (after an ERROR frame, code `slow-reader`)
   * and what was queued for it is counted as dropped. 64 MiB by default.
   * Set it before [method@Mre.Broker.start].
   *
   * Since: 0.1
   */
  properties[PROP_MAX_QUEUED_BYTES] =
    g_param_spec_uint64 ("max-queued-bytes", NULL, NULL,
                         4096, G_MAXUINT64, DEFAULT_MAX_QUEUED_BYTES,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * MreBroker:max-queued-bytes-total:
   *
   * The most bytes queued for all peers together and not yet read by them,
   * as [property@Mre.Broker:max-queued-bytes] bounds one peer's; 0 for no
   * limit. Readers are never disconnected for it: at three quarters of it
   * the broker stops reading from every connection, which slows the
   * publishers down, until the total is back under half of it. The last
   * quarter is room for what the read in progress still routes (the
   * frames of one read, times the subscribers of each; see
   * `docs/RELIABILITY.md`, "What is bounded, and by how much"). A
   * peer that reads nothing for a second while the broker waits is
   * disconnected (ERROR `slow-reader`), the one with the most queued
   * first, until the total is under half: a stalled peer neither holds
   * the others up for longer nor takes the broker past the bound.
   *
   * 256 MiB by default: four times max-queued-bytes, so that one peer
   * still reaches its own bound, and 32 times its flow-control mark, so
   * that 32 subscribers each hold a full mark before the total slows
   * anyone down (a burst through 54 subscribers held some 470 MiB
   * without it). The benchmarks (at most 4 subscribers) and the soak test
   * (54 paced subscribers) stay well under it. Set it before
   * [method@Mre.Broker.start].
   *
   * Since: 0.1
   */
  properties[PROP_MAX_QUEUED_BYTES_TOTAL] =
    g_param_spec_uint64 ("max-queued-bytes-total", NULL, NULL,
                         0, G_MAXUINT64, DEFAULT_MAX_QUEUED_BYTES_TOTAL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * MreBroker:idle-timeout:
   *
   * Seconds without any connection after which [signal@Mre.Broker::idle]
   * is emitted (the `mreventloop broker --idle-exit` tool then exits); 0,
   * the default, never.
   *
   * Since: 0.1
   */
  properties[PROP_IDLE_TIMEOUT] =
    g_param_spec_uint ("idle-timeout", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * MreBroker:same-uid-only:
   *
   * Whether only processes of the broker's own uid may connect (checked
   * with the socket's peer credentials). %TRUE by default.
   *
   * Since: 0.1
   */
  properties[PROP_SAME_UID_ONLY] =
    g_param_spec_boolean ("same-uid-only", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * MreBroker:max-connections:
   *
   * The most connections open at once; 0 for no limit. A connection over
   * it is sent an ERROR frame (code `too-many-connections`), if its socket
   * takes it at once, and closed, and a line is logged. 1024 by default.
   * Set it before [method@Mre.Broker.start].
   *
   * Since: 0.1
   */
  properties[PROP_MAX_CONNECTIONS] =
    g_param_spec_uint ("max-connections", NULL, NULL, 0, G_MAXUINT, DEFAULT_MAX_CONNECTIONS,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * MreBroker:max-subscriptions:
   *
   * The most subscriptions one connection may hold; 0 for no limit. A
   * SUBSCRIBE over it is answered with an ERROR frame (code
   * `too-many-subscriptions`) and the connection stays. 4096 by default.
   * Set it before [method@Mre.Broker.start].
   *
   * Since: 0.1
   */
  properties[PROP_MAX_SUBSCRIPTIONS] =
    g_param_spec_uint ("max-subscriptions", NULL, NULL, 0, G_MAXUINT, DEFAULT_MAX_SUBSCRIPTIONS,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * MreBroker:max-retained-bytes:
   *
   * The most bytes of retained events kept for one event name, counted as
   * the EVENT frames replayed, headers included; 0 for no limit. A push
   * that takes a name past it drops that name's oldest retained events
   * until it fits; the newest push is always kept. 64 MiB by default.
   * Set it before [method@Mre.Broker.start].
   *
   * Since: 0.1
   */
  properties[PROP_MAX_RETAINED_BYTES] =
    g_param_spec_uint64 ("max-retained-bytes", NULL, NULL,
                         0, G_MAXUINT64, DEFAULT_MAX_RETAINED_BYTES,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * MreBroker:handshake-timeout:
   *
   * Seconds a new connection has to send its HELLO; one that has not is
   * sent an ERROR frame (code `handshake-timeout`) and closed, which frees
   * its slot of [property@Mre.Broker:max-connections]. 0 for never; 10 by
   * default. Set it before [method@Mre.Broker.start].
   *
   * Since: 0.1
   */
  properties[PROP_HANDSHAKE_TIMEOUT] =
    g_param_spec_uint ("handshake-timeout", NULL, NULL, 0, G_MAXUINT, DEFAULT_HANDSHAKE_TIMEOUT,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * MreBroker:state-directory:
   *
   * The directory where the broker keeps its retained events and the
   * sessions of the peers whose pushes it acknowledged, so that they
   * survive a crash and a restart (`store.db`, an SQLite database; see
   * "Durable push" in `docs/PROTOCOL.md`). Made, with mode 0700, if
   * missing; one broker at a time uses it. The database and the files
   * SQLite keeps beside it are mode 0600, whatever the umask. %NULL (the
   * default) keeps them in memory only. Set it before
   * [method@Mre.Broker.start].
   *
   * Since: 0.1
   */
  properties[PROP_STATE_DIRECTORY] =
    g_param_spec_string ("state-directory", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * MreBroker:n-connections:
   *
   * The number of open connections. Notified on the broker's loop.
   *
   * Since: 0.1
   */
  properties[PROP_N_CONNECTIONS] =
    g_param_spec_uint ("n-connections", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * MreBroker::peer-connected:
   * @self: the broker
   * @id: the peer's id
   *
   * A peer completed its handshake. Emitted on the broker's loop.
   *
   * Since: 0.1
   */
  signals[SIGNAL_PEER_CONNECTED] =
    g_signal_new ("peer-connected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  /**
   * MreBroker::peer-disconnected:
   * @self: the broker
   * @id: the peer's id
   *
   * A peer's connection closed. Emitted on the broker's loop.
   *
   * Since: 0.1
   */
  signals[SIGNAL_PEER_DISCONNECTED] =
    g_signal_new ("peer-disconnected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  /**
   * MreBroker::idle:
   * @self: the broker
   *
   * There has been no connection for [property@Mre.Broker:idle-timeout]
   * seconds. Emitted on the broker's loop.
   *
   * Since: 0.1
   */
  signals[SIGNAL_IDLE] =
    g_signal_new ("idle", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
mre_broker_init (MreBroker *self)
{
  self->max_frame_size = MRE_FRAME_DEFAULT_MAX;
  self->max_queued_bytes = DEFAULT_MAX_QUEUED_BYTES;
  self->max_queued_bytes_total = DEFAULT_MAX_QUEUED_BYTES_TOTAL;
  self->same_uid_only = TRUE;
  self->max_connections = DEFAULT_MAX_CONNECTIONS;
  self->max_subscriptions = DEFAULT_MAX_SUBSCRIPTIONS;
  self->max_retained_bytes = DEFAULT_MAX_RETAINED_BYTES;
  self->handshake_timeout = DEFAULT_HANDSHAKE_TIMEOUT;
  self->clients = g_ptr_array_new_with_free_func ((GDestroyNotify) mre_broker_client_free);
  self->router = mre_router_new (self);
  mre_broker_flow_init (self);
  mre_broker_durable_init (self);
}

/**
 * mre_broker_new:
 * @path: the unix socket path to listen on, or `unix:PATH` (another
 *   scheme fails [method@Mre.Broker.start] with
 *   %G_IO_ERROR_INVALID_ARGUMENT)
 *
 * Creates a broker that will listen on @path. [method@Mre.Broker.start]
 * makes it listen.
 *
 * Returns: (transfer full): a new broker, not listening yet
 *
 * Since: 0.1
 */
MreBroker *
mre_broker_new (const char *path)
{
  g_return_val_if_fail (path != NULL, NULL);

  return g_object_new (MRE_TYPE_BROKER, "path", path, NULL);
}

/**
 * mre_broker_new_split:
 * @in_path: a unix socket path to listen on
 * @out_path: another one
 *
 * MrEventLoop's `Broker(in_path, out_path)`: a broker listening on two
 * paths, for programs that keep publishers and subscribers apart. Both
 * paths speak the whole protocol.
 *
 * Returns: (transfer full): a new broker, not listening yet
 *
 * Since: 0.1
 */
MreBroker *
mre_broker_new_split (const char *in_path,
                      const char *out_path)
{
  g_return_val_if_fail (in_path != NULL, NULL);
  g_return_val_if_fail (out_path != NULL, NULL);

  return g_object_new (MRE_TYPE_BROKER, "path", in_path, "out-path", out_path, NULL);
}

/**
 * mre_broker_get_path:
 * @self: a broker
 *
 * Gets the path of the socket the broker listens on.
 *
 * Returns: the broker's (first) socket path
 *
 * Since: 0.1
 */
const char *
mre_broker_get_path (MreBroker *self)
{
  g_return_val_if_fail (MRE_IS_BROKER (self), NULL);
  return self->paths[0];
}

/**
 * mre_broker_get_out_path:
 * @self: a broker
 *
 * Gets the second socket path of a broker made with
 * [ctor@Mre.Broker.new_split].
 *
 * Returns: (nullable): the broker's second socket path, if it has one
 *
 * Since: 0.1
 */
const char *
mre_broker_get_out_path (MreBroker *self)
{
  g_return_val_if_fail (MRE_IS_BROKER (self), NULL);
  return self->paths[1];
}

/**
 * mre_broker_get_max_frame_size:
 * @self: a broker
 *
 * Gets the largest frame, header included, the broker accepts.
 *
 * Returns: [property@Mre.Broker:max-frame-size]
 *
 * Since: 0.1
 */
guint
mre_broker_get_max_frame_size (MreBroker *self)
{
  g_return_val_if_fail (MRE_IS_BROKER (self), 0);
  return self->max_frame_size;
}

/**
 * mre_broker_set_max_frame_size:
 * @self: a broker, not started
 * @max_frame_size: the largest frame accepted, in bytes
 *
 * Sets [property@Mre.Broker:max-frame-size].
 *
 * Since: 0.1
 */
void
mre_broker_set_max_frame_size (MreBroker *self,
                               guint      max_frame_size)
{
  g_return_if_fail (MRE_IS_BROKER (self));
  g_return_if_fail (!self->started);

  if (self->max_frame_size == max_frame_size)
    return;
  self->max_frame_size = max_frame_size;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_FRAME_SIZE]);
}

/**
 * mre_broker_get_max_queued_bytes:
 * @self: a broker
 *
 * Gets how many bytes the broker queues for one peer before it
 * disconnects that peer.
 *
 * Returns: [property@Mre.Broker:max-queued-bytes]
 *
 * Since: 0.1
 */
guint64
mre_broker_get_max_queued_bytes (MreBroker *self)
{
  g_return_val_if_fail (MRE_IS_BROKER (self), 0);
  return self->max_queued_bytes;
}

/**
 * mre_broker_set_max_queued_bytes:
 * @self: a broker, not started
 * @max_queued_bytes: the most bytes queued for one peer
 *
 * Sets [property@Mre.Broker:max-queued-bytes].
 *
 * Since: 0.1
 */
void
mre_broker_set_max_queued_bytes (MreBroker *self,
                                 guint64    max_queued_bytes)
{
  g_return_if_fail (MRE_IS_BROKER (self));
  g_return_if_fail (!self->started);

  if (self->max_queued_bytes == max_queued_bytes)
    return;
  self->max_queued_bytes = max_queued_bytes;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_QUEUED_BYTES]);
}

/**
 * mre_broker_get_max_queued_bytes_total:
 * @self: a broker
 *
 * Gets how many bytes the broker queues for all peers together before it
 * stops reading from them.
 *
 * Returns: [property@Mre.Broker:max-queued-bytes-total], 0 for no limit
 *
 * Since: 0.1
 */
guint64
mre_broker_get_max_queued_bytes_total (MreBroker *self)
{
  g_return_val_if_fail (MRE_IS_BROKER (self), 0);
  return self->max_queued_bytes_total;
}

/**
 * mre_broker_set_max_queued_bytes_total:
 * @self: a broker, not started
 * @max_queued_bytes_total: the most bytes queued for all peers together,
 *   or 0 for no limit
 *
 * Sets [property@Mre.Broker:max-queued-bytes-total].
 *
 * Since: 0.1
 */
void
mre_broker_set_max_queued_bytes_total (MreBroker *self,
                                       guint64    max_queued_bytes_total)
{
  g_return_if_fail (MRE_IS_BROKER (self));
  g_return_if_fail (!self->started);

  if (self->max_queued_bytes_total == max_queued_bytes_total)
    return;
  self->max_queued_bytes_total = max_queued_bytes_total;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_QUEUED_BYTES_TOTAL]);
}

/**
 * mre_broker_get_idle_timeout:
 * @self: a broker
 *
 * Gets how long the broker waits, once its last peer is gone, before it
 * emits [signal@Mre.Broker::idle].
 *
 * Returns: [property@Mre.Broker:idle-timeout], in seconds
 *
 * Since: 0.1
 */
guint
mre_broker_get_idle_timeout (MreBroker *self)
{
  g_return_val_if_fail (MRE_IS_BROKER (self), 0);
  return self->idle_timeout;
}

/**
 * mre_broker_set_idle_timeout:
 * @self: a broker, not started
 * @seconds: seconds without connections before [signal@Mre.Broker::idle],
 *   or 0 for never
 *
 * Sets [property@Mre.Broker:idle-timeout].
 *
 * Since: 0.1
 */
void
mre_broker_set_idle_timeout (MreBroker *self,
                             guint      seconds)
{
  g_return_if_fail (MRE_IS_BROKER (self));
  g_return_if_fail (!self->started);

  if (self->idle_timeout == seconds)
    return;
  self->idle_timeout = seconds;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IDLE_TIMEOUT]);
}

/**
 * mre_broker_get_same_uid_only:
 * @self: a broker
 *
 * Gets whether the broker admits connections from its own uid only.
 *
 * Returns: [property@Mre.Broker:same-uid-only]
 *
 * Since: 0.1
 */
gboolean
mre_broker_get_same_uid_only (MreBroker *self)
{
  g_return_val_if_fail (MRE_IS_BROKER (self), TRUE);
  return self->same_uid_only;
}

/**
 * mre_broker_set_same_uid_only:
 * @self: a broker, not started
 * @same_uid_only: whether to admit only the broker's own uid
 *
 * Sets [property@Mre.Broker:same-uid-only].
 *
 * Since: 0.1
 */
void
mre_broker_set_same_uid_only (MreBroker *self,
                              gboolean   same_uid_only)
{
  g_return_if_fail (MRE_IS_BROKER (self));
  g_return_if_fail (!self->started);

  same_uid_only = !!same_uid_only;
  if (self->same_uid_only == same_uid_only)
    return;
  self->same_uid_only = same_uid_only;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SAME_UID_ONLY]);
}

/**
 * mre_broker_get_max_connections:
 * @self: a broker
 *
 * Gets the most connections the broker keeps open at once.
 *
 * Returns: [property@Mre.Broker:max-connections]
 *
 * Since: 0.1
 */
guint
mre_broker_get_max_connections (MreBroker *self)
{
  g_return_val_if_fail (MRE_IS_BROKER (self), 0);
  return self->max_connections;
}

/**
 * mre_broker_set_max_connections:
 * @self: a broker, not started
 * @max_connections: the most connections open at once, or 0 for no limit
 *
 * Sets [property@Mre.Broker:max-connections].
 *
 * Since: 0.1
 */
void
mre_broker_set_max_connections (MreBroker *self,
                                guint max_connections)
{
  g_return_if_fail (MRE_IS_BROKER (self));
  g_return_if_fail (!self->started);

  if (self->max_connections == max_connections)
    return;
  self->max_connections = max_connections;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_CONNECTIONS]);
}

/**
 * mre_broker_get_max_subscriptions:
 * @self: a broker
 *
 * Gets the most subscriptions one connection may hold.
 *
 * Returns: [property@Mre.Broker:max-subscriptions]
 *
 * Since: 0.1
 */
guint
mre_broker_get_max_subscriptions (MreBroker *self)
{
  g_return_val_if_fail (MRE_IS_BROKER (self), 0);
  return self->max_subscriptions;
}

/**
 * mre_broker_set_max_subscriptions:
 * @self: a broker, not started
 * @max_subscriptions: the most subscriptions of one connection, or 0 for no limit
 *
 * Sets [property@Mre.Broker:max-subscriptions].
 *
 * Since: 0.1
 */
void
mre_broker_set_max_subscriptions (MreBroker *self,
                                  guint max_subscriptions)
{
  g_return_if_fail (MRE_IS_BROKER (self));
  g_return_if_fail (!self->started);

  if (self->max_subscriptions == max_subscriptions)
    return;
  self->max_subscriptions = max_subscriptions;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_SUBSCRIPTIONS]);
}

/**
 * mre_broker_get_max_retained_bytes:
 * @self: a broker
 *
 * Gets the most bytes of retained events kept per event name.
 *
 * Returns: [property@Mre.Broker:max-retained-bytes]
 *
 * Since: 0.1
 */
guint64
mre_broker_get_max_retained_bytes (MreBroker *self)
{
  g_return_val_if_fail (MRE_IS_BROKER (self), 0);
  return self->max_retained_bytes;
}

/**
 * mre_broker_set_max_retained_bytes:
 * @self: a broker, not started
 * @max_retained_bytes: the most bytes retained per event name, or 0 for no limit
 *
 * Sets [property@Mre.Broker:max-retained-bytes].
 *
 * Since: 0.1
 */
void
mre_broker_set_max_retained_bytes (MreBroker *self,
                                   guint64 max_retained_bytes)
{
  g_return_if_fail (MRE_IS_BROKER (self));
  g_return_if_fail (!self->started);

  if (self->max_retained_bytes == max_retained_bytes)
    return;
  self->max_retained_bytes = max_retained_bytes;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_RETAINED_BYTES]);
}

/**
 * mre_broker_get_handshake_timeout:
 * @self: a broker
 *
 * Gets how long a new connection has to send its HELLO.
 *
 * Returns: [property@Mre.Broker:handshake-timeout], in seconds
 *
 * Since: 0.1
 */
guint
mre_broker_get_handshake_timeout (MreBroker *self)
{
  g_return_val_if_fail (MRE_IS_BROKER (self), 0);
  return self->handshake_timeout;
}

/**
 * mre_broker_set_handshake_timeout:
 * @self: a broker, not started
 * @seconds: seconds a connection has to send HELLO, or 0 for never
 *
 * Sets [property@Mre.Broker:handshake-timeout].
 *
 * Since: 0.1
 */
void
mre_broker_set_handshake_timeout (MreBroker *self,
                                  guint seconds)
{
  g_return_if_fail (MRE_IS_BROKER (self));
  g_return_if_fail (!self->started);

  if (self->handshake_timeout == seconds)
    return;
  self->handshake_timeout = seconds;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HANDSHAKE_TIMEOUT]);
}

/**
 * mre_broker_get_state_directory:
 * @self: a broker
 *
 * Gets the directory where the broker keeps its retained events.
 *
 * Returns: (nullable) (type filename): [property@Mre.Broker:state-directory]
 *
 * Since: 0.1
 */
const char *
mre_broker_get_state_directory (MreBroker *self)
{
  g_return_val_if_fail (MRE_IS_BROKER (self), NULL);
  return self->state_directory;
}

/**
 * mre_broker_set_state_directory:
 * @self: a broker, not started
 * @directory: (nullable) (type filename): a directory, or %NULL to keep
 *   retained events in memory only
 *
 * Sets [property@Mre.Broker:state-directory].
 *
 * Since: 0.1
 */
void
mre_broker_set_state_directory (MreBroker  *self,
                                const char *directory)
{
  g_return_if_fail (MRE_IS_BROKER (self));
  g_return_if_fail (!self->started);

  if (g_strcmp0 (self->state_directory, directory) == 0)
    return;
  g_free (self->state_directory);
  self->state_directory = g_strdup (directory);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE_DIRECTORY]);
}

/**
 * mre_broker_get_n_connections:
 * @self: a broker
 *
 * Gets the number of peers connected now.
 *
 * Returns: [property@Mre.Broker:n-connections]
 *
 * Since: 0.1
 */
guint
mre_broker_get_n_connections (MreBroker *self)
{
  g_return_val_if_fail (MRE_IS_BROKER (self), 0);
  return g_atomic_int_get (&self->clients->len);
}
