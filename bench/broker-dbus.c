/* broker-dbus.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/*
 * The D-Bus side of bench/broker: signals through a private dbus-daemon
 * (started by the parent with the configuration written here), sent and
 * received with GDBus as a GLib program would.
 *
 * An event is the broadcast signal org.mreventloop.Bench.NAME on the object
 * path /org/mreventloop/Bench with one string argument, the 64-byte payload;
 * a subscription is g_dbus_connection_signal_subscribe() on that interface,
 * member and path (dbus-daemon's AddMatch).
 *
 * GDBus queues what g_dbus_connection_emit_signal() sends, without a bound,
 * for its worker thread to write. The publisher flushes every FLUSH_EVERY
 * signals, so that this queue stays short and a fast publisher waits for
 * the bus instead of filling its own memory; nothing is dropped either way.
 */

#include <string.h>

#include "broker-bench.h"

#define BENCH_PATH      "/org/mreventloop/Bench"
#define BENCH_INTERFACE "org.mreventloop.Bench"
#define FLUSH_EVERY     1024

static const char * const members[BENCH_N_TOPICS] = {
  "Warm", "Ready", "Data", "End", "Done", "Ping", "Pong",
};

/* Those of /usr/share/dbus-1/session.conf (dbus 1.14), the limits of the
 * session bus a desktop program talks to; dbus-daemon's built-in defaults,
 * which the system bus keeps, are lower (127 MB queues). */
const char bench_dbus_limits[] =
  "  <limit name=\"max_incoming_bytes\">1000000000</limit>\n"
  "  <limit name=\"max_incoming_unix_fds\">250000000</limit>\n"
  "  <limit name=\"max_outgoing_bytes\">1000000000</limit>\n"
  "  <limit name=\"max_outgoing_unix_fds\">250000000</limit>\n"
  "  <limit name=\"max_message_size\">1000000000</limit>\n"
  "  <limit name=\"max_completed_connections\">100000</limit>\n"
  "  <limit name=\"max_incomplete_connections\">10000</limit>\n"
  "  <limit name=\"max_connections_per_user\">100000</limit>\n"
  "  <limit name=\"max_match_rules_per_connection\">50000</limit>\n"
  "  <limit name=\"max_replies_per_connection\">50000</limit>\n";

typedef struct
{
  BenchPeer        parent;
  GDBusConnection *connection;
  guint            keepalive_id;
  guint            subscriptions[BENCH_N_TOPICS];
  guint            unflushed;
} DbusPeer;

char *
bench_dbus_write_config (const char  *dir,
                         const char  *socket_path,
                         GError     **error)
{
  g_autofree char *escaped = g_markup_escape_text (socket_path, -1);
  g_autofree char *config = NULL;
  char *path = g_build_filename (dir, "bus.conf", NULL);

  config = g_strdup_printf (
    "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
    " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
    "<busconfig>\n"
    "  <type>session</type>\n"
    "  <listen>unix:path=%s</listen>\n"
    "  <auth>EXTERNAL</auth>\n"
    "  <policy context=\"default\">\n"
    "    <allow send_destination=\"*\" eavesdrop=\"true\"/>\n"
    "    <allow eavesdrop=\"true\"/>\n"
    "    <allow own=\"*\"/>\n"
    "  </policy>\n"
    "%s"
    "</busconfig>\n",
    escaped, bench_dbus_limits);

  if (!g_file_set_contents (path, config, -1, error))
    g_clear_pointer (&path, g_free);
  return path;
}

static void
on_signal (GDBusConnection *connection,
           const char      *sender_name,
           const char      *object_path,
           const char      *interface_name,
           const char      *signal_name,
           GVariant        *parameters,
           gpointer         user_data)
{
  DbusPeer *self = user_data;
  const char *payload;
  BenchTopic topic = BENCH_N_TOPICS;

  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(s)")))
    return;
  for (guint i = 0; i < BENCH_N_TOPICS; i++)
    if (strcmp (signal_name, members[i]) == 0)
      topic = i;
  if (topic == BENCH_N_TOPICS)
    return;

  g_variant_get (parameters, "(&s)", &payload);
  self->parent.deliver (topic, payload, strlen (payload), self->parent.user_data);
}

static gboolean
dbus_peer_subscribe (BenchPeer   *peer,
                     BenchTopic   topic,
                     GError     **error)
{
  DbusPeer *self = (DbusPeer *) peer;

  if (self->subscriptions[topic] == 0)
    self->subscriptions[topic] =
      g_dbus_connection_signal_subscribe (self->connection, NULL, BENCH_INTERFACE,
                                          members[topic], BENCH_PATH, NULL,
                                          G_DBUS_SIGNAL_FLAGS_NONE,
                                          on_signal, self, NULL);
  return TRUE;
}

static gboolean
dbus_peer_flush (BenchPeer  *peer,
                 GError    **error)
{
  DbusPeer *self = (DbusPeer *) peer;

  self->unflushed = 0;
  return g_dbus_connection_flush_sync (self->connection, NULL, error);
}

static gboolean
dbus_peer_publish (BenchPeer   *peer,
                   BenchTopic   topic,
                   const char  *payload,
                   GError     **error)
{
  DbusPeer *self = (DbusPeer *) peer;

  if (!g_dbus_connection_emit_signal (self->connection, NULL, BENCH_PATH, BENCH_INTERFACE,
                                      members[topic], g_variant_new ("(s)", payload), error))
    return FALSE;

  if (++self->unflushed >= FLUSH_EVERY)
    return dbus_peer_flush (peer, error);
  return TRUE;
}

static void
dbus_peer_pump (BenchPeer *peer)
{
  /* GDBus hands signals to the thread-default context (the global default
   * here), and the keep-alive timeout wakes it at least every
   * BENCH_PUMP_MS */
  g_main_context_iteration (NULL, TRUE);
}

static void
dbus_peer_free (BenchPeer *peer)
{
  DbusPeer *self = (DbusPeer *) peer;

  for (guint i = 0; i < BENCH_N_TOPICS; i++)
    if (self->subscriptions[i] != 0)
      g_dbus_connection_signal_unsubscribe (self->connection, self->subscriptions[i]);
  if (self->connection != NULL)
    {
      g_dbus_connection_flush_sync (self->connection, NULL, NULL);
      g_dbus_connection_close_sync (self->connection, NULL, NULL);
    }
  g_clear_object (&self->connection);
  g_clear_handle_id (&self->keepalive_id, g_source_remove);
  g_free (self);
}

static const BenchPeerClass dbus_peer_class = {
  dbus_peer_subscribe,
  dbus_peer_publish,
  dbus_peer_flush,
  dbus_peer_pump,
  dbus_peer_free,
};

static gboolean
keepalive (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

BenchPeer *
bench_dbus_peer_new (const char  *address,
                     GError     **error)
{
  DbusPeer *self = g_new0 (DbusPeer, 1);

  self->parent.klass = &dbus_peer_class;
  self->connection = g_dbus_connection_new_for_address_sync (
    address,
    G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
    G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
    NULL, NULL, error);
  if (self->connection == NULL)
    {
      dbus_peer_free (&self->parent);
      return NULL;
    }
  g_dbus_connection_set_exit_on_close (self->connection, FALSE);
  self->keepalive_id = g_timeout_add (BENCH_PUMP_MS, keepalive, NULL);

  return &self->parent;
}
