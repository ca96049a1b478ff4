/* mre-broker-router.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "mre-broker-private.h"

/*
 * The broker's routing table. Subscriptions to exact names sit in a hash
 * table by name; prefix subscriptions (`sensor.*`, `*`) in one array that
 * every event is matched against. An event goes to each client once, even
 * when several of its subscriptions match (the client's stamp).
 *
 * Retained events are kept per name as whole EVENT frames (RETAINED set),
 * ready to be written, with an order number so that a prefix subscription
 * replays the events of several names in the order they were pushed.
 */

typedef struct
{
  MreBrokerClient *client;
  char            *pattern;
  char            *sender;      /* NULL: any */
  gsize            prefix_len;  /* for a prefix subscription */
  gboolean         is_prefix;
} Sub;

/* A retained push; @position is its place in the store, and its frame is
 * the EVENT to replay: RETAINED set, seq the position. */
typedef struct
{
  guint64  position;
  GBytes  *frame;
  char    *sender;
} Retained;

typedef struct
{
  GQueue events;   /* Retained, oldest first */
  guint  backlog;  /* of the last push; 0: unbounded */
  gsize  bytes;    /* the frames of events, for max-retained-bytes */
} Backlog;

struct _MreRouter
{
  MreBroker  *broker;
  GHashTable *exact;      /* name -> GPtrArray of Sub */
  GPtrArray  *prefixed;   /* Sub */
  GHashTable *retained;   /* name -> Backlog */
  GQueue      unrouted;   /* Retained: pushes stored, and the yells after them,
                           * routed after the commit */
  guint64     stamp;
  guint64     position;   /* of the last push stored */
  guint       n_subs;
  GByteArray *scratch;
  GString    *name;
  GPtrArray  *targets;
};

static void
sub_free (Sub *sub)
{
  g_free (sub->pattern);
  g_free (sub->sender);
  g_free (sub);
}

static Retained *
retained_new (guint64     position,
              GBytes     *frame,
              const char *sender)
{
  Retained *retained = g_new (Retained, 1);

  retained->position = position;
  retained->frame = frame;
  retained->sender = g_strdup (sender);
  return retained;
}

static void
retained_free (Retained *retained)
{
  g_bytes_unref (retained->frame);
  g_free (retained->sender);
  g_free (retained);
}

static void
backlog_free (Backlog *backlog)
{
  g_queue_clear_full (&backlog->events, (GDestroyNotify) retained_free);
  g_free (backlog);
}

MreRouter *
mre_router_new (MreBroker *broker)
{
  MreRouter *router = g_new0 (MreRouter, 1);

  router->broker = broker;
  router->exact = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) g_ptr_array_unref);
  router->prefixed = g_ptr_array_new ();
  router->retained = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                            (GDestroyNotify) backlog_free);
  router->scratch = g_byte_array_new ();
  router->name = g_string_new (NULL);
  router->targets = g_ptr_array_new ();

  return router;
}

void
mre_router_free (MreRouter *router)
{
  g_hash_table_unref (router->exact);
  g_ptr_array_unref (router->prefixed);
  g_hash_table_unref (router->retained);
  g_queue_clear_full (&router->unrouted, (GDestroyNotify) retained_free);
  g_byte_array_unref (router->scratch);
  g_string_free (router->name, TRUE);
  g_ptr_array_unref (router->targets);
  g_free (router);
}

static gboolean
sub_matches (const Sub  *sub,
             const char *name,
             const char *sender)
{
  if (sub->is_prefix ? strncmp (name, sub->pattern, sub->prefix_len) != 0
                     : strcmp (name, sub->pattern) != 0)
    return FALSE;

  return sub->sender == NULL || strcmp (sender, sub->sender) == 0;
}

static Sub *
client_find_sub (MreBrokerClient *client,
                 const char      *pattern,
                 const char      *sender)
{
  for (guint i = 0; client->subs != NULL && i < client->subs->len; i++)
    {
      Sub *sub = g_ptr_array_index (client->subs, i);

      if (strcmp (sub->pattern, pattern) == 0 && g_strcmp0 (sub->sender, sender) == 0)
        return sub;
    }
  return NULL;
}

gboolean
mre_router_has_subscription (MreRouter       *router,
                             MreBrokerClient *client,
                             const char      *pattern,
                             const char      *sender)
{
  return client_find_sub (client, pattern, sender) != NULL;
}

static gboolean
client_has_other_match (MreBrokerClient *client,
                        const Sub       *except,
                        const char      *name,
                        const char      *sender)
{
  for (guint i = 0; i < client->subs->len; i++)
    {
      Sub *sub = g_ptr_array_index (client->subs, i);

      if (sub != except && sub_matches (sub, name, sender))
        return TRUE;
    }
  return FALSE;
}

static int
retained_compare (gconstpointer a,
                  gconstpointer b)
{
  const Retained *ra = *(Retained * const *) a;
  const Retained *rb = *(Retained * const *) b;

  return ra->position < rb->position ? -1 : ra->position > rb->position;
}

static void
collect_retained (const Sub       *sub,
                  MreBrokerClient *client,
                  const char      *name,
                  Backlog         *backlog,
                  JsonObject      *since,
                  GPtrArray       *replay)
{
  guint64 after = 0;

  if (since != NULL && json_object_has_member (since, name))
    after = json_object_get_int_member (since, name);

  for (GList *l = backlog->events.head; l != NULL; l = l->next)
    {
      Retained *retained = l->data;

      if (retained->position > after &&
          sub_matches (sub, name, retained->sender) &&
          !client_has_other_match (client, sub, name, retained->sender))
        g_ptr_array_add (replay, retained);
    }
}

/* Adds the subscription and queues the retained events it matches (those
 * another subscription of the client did not already match, and those
 * past the positions of @since, name -> position), oldest first, each
 * with @request in arg. Returns FALSE if the client was disconnected
 * meanwhile (its queue filled), and so is gone. */
gboolean
mre_router_subscribe (MreRouter       *router,
                      MreBrokerClient *client,
                      const char      *pattern,
                      const char      *sender,
                      guint32          request,
                      JsonObject      *since)
{
  g_autoptr(GPtrArray) replay = NULL;
  gsize len = strlen (pattern);
  Sub *sub;

  if (client_find_sub (client, pattern, sender) != NULL)
    return TRUE;

  sub = g_new0 (Sub, 1);
  sub->client = client;
  sub->pattern = g_strdup (pattern);
  sub->sender = g_strdup (sender);
  sub->is_prefix = pattern[len - 1] == '*';
  sub->prefix_len = sub->is_prefix ? len - 1 : len;

  if (client->subs == NULL)
    client->subs = g_ptr_array_new ();
  g_ptr_array_add (client->subs, sub);
  router->n_subs++;

  if (sub->is_prefix)
    g_ptr_array_add (router->prefixed, sub);
  else
    {
      GPtrArray *subs = g_hash_table_lookup (router->exact, pattern);

      if (subs == NULL)
        {
          subs = g_ptr_array_new ();
          g_hash_table_insert (router->exact, g_strdup (pattern), subs);
        }
      g_ptr_array_add (subs, sub);
    }

  /* The replay. */
  replay = g_ptr_array_new ();
  if (sub->is_prefix)
    {
      GHashTableIter iter;
      gpointer name, backlog;

      g_hash_table_iter_init (&iter, router->retained);
      while (g_hash_table_iter_next (&iter, &name, &backlog))
        collect_retained (sub, client, name, backlog, since, replay);
      g_ptr_array_sort (replay, retained_compare);
    }
  else
    {
      Backlog *backlog = g_hash_table_lookup (router->retained, pattern);

      if (backlog != NULL)
        collect_retained (sub, client, pattern, backlog, since, replay);
    }

  for (guint i = 0; i < replay->len; i++)
    {
      Retained *retained = g_ptr_array_index (replay, i);
      gsize size;
      const guint8 *data = g_bytes_get_data (retained->frame, &size);

      g_byte_array_set_size (router->scratch, 0);
      g_byte_array_append (router->scratch, data, size);
      mre_frame_header_set_arg (router->scratch->data, request);
      if (!mre_broker_client_send (client, router->scratch->data, size))
        return FALSE;
      client->events_out++;
      mre_broker_count_out (router->broker, 1);
    }

  return TRUE;
}

static void
remove_sub (MreRouter *router,
            Sub       *sub)
{
  if (sub->is_prefix)
    g_ptr_array_remove_fast (router->prefixed, sub);
  else
    {
      GPtrArray *subs = g_hash_table_lookup (router->exact, sub->pattern);

      g_ptr_array_remove_fast (subs, sub);
      if (subs->len == 0)
        g_hash_table_remove (router->exact, sub->pattern);
    }
  router->n_subs--;
  sub_free (sub);
}

void
mre_router_unsubscribe (MreRouter       *router,
                        MreBrokerClient *client,
                        const char      *pattern,
                        const char      *sender)
{
  Sub *sub = client_find_sub (client, pattern, sender);

  if (sub == NULL)
    return;
  g_ptr_array_remove_fast (client->subs, sub);
  remove_sub (router, sub);
}

void
mre_router_remove_client (MreRouter       *router,
                          MreBrokerClient *client)
{
  if (client->subs == NULL)
    return;

  for (guint i = 0; i < client->subs->len; i++)
    remove_sub (router, g_ptr_array_index (client->subs, i));
  g_clear_pointer (&client->subs, g_ptr_array_unref);
}

static void
add_targets (MreRouter  *router,
             GPtrArray  *subs,
             const char *name,
             const char *sender)
{
  for (guint i = 0; subs != NULL && i < subs->len; i++)
    {
      Sub *sub = g_ptr_array_index (subs, i);

      if (sub->client->stamp != router->stamp && sub_matches (sub, name, sender))
        {
          sub->client->stamp = router->stamp;
          g_ptr_array_add (router->targets, sub->client);
        }
    }
}

static void
drop_oldest (MreRouter *router,
             Backlog   *backlog)
{
  Retained *oldest = g_queue_pop_head (&backlog->events);

  if (router->broker->store != NULL)
    mre_store_remove_retained (router->broker->store, oldest->position);
  backlog->bytes -= g_bytes_get_size (oldest->frame);
  retained_free (oldest);
}

static Backlog *
backlog_lookup (MreRouter  *router,
                const char *name)
{
  Backlog *backlog = g_hash_table_lookup (router->retained, name);

  if (backlog == NULL)
    {
      backlog = g_new0 (Backlog, 1);
      g_hash_table_insert (router->retained, g_strdup (name), backlog);
    }
  return backlog;
}

/* A retained event of the store, read back at start: oldest first. */
void
mre_router_load_retained (MreRouter  *router,
                          guint64     position,
                          const char *name,
                          const char *sender,
                          GBytes     *frame)
{
  Backlog *backlog = backlog_lookup (router, name);

  g_queue_push_tail (&backlog->events, retained_new (position, g_bytes_ref (frame), sender));
  backlog->bytes += g_bytes_get_size (frame);
  router->position = MAX (router->position, position);
}

/* Forgets the retained events (they are in the store, which closes). */
void
mre_router_forget_retained (MreRouter *router)
{
  g_hash_table_remove_all (router->retained);
  g_queue_clear_full (&router->unrouted, (GDestroyNotify) retained_free);
  router->position = 0;
}

/* Retains the push @frame (an EVENT, seq its position), in the store too
 * if the broker has one. */
static Retained *
retain (MreRouter      *router,
        const char     *name,
        const char     *sender,
        const guint8   *frame,
        gsize           size,
        guint           backlog_size)
{
  Backlog *backlog = backlog_lookup (router, name);
  guint8 *copy = g_memdup2 (frame, size);
  Retained *retained;

  mre_frame_header_set_flags (copy, mre_frame_header_get_flags (copy) | MRE_FRAME_FLAG_RETAINED);
  retained = retained_new (router->position, g_bytes_new_take (copy, size), sender);
  g_queue_push_tail (&backlog->events, retained);
  backlog->bytes += size;
  if (router->broker->store != NULL)
    mre_store_add_retained (router->broker->store, retained->position, name, sender, copy, size);

  /* The backlog of the last push governs the name's buffer. */
  backlog->backlog = backlog_size;
  while (backlog->backlog > 0 && backlog->events.length > backlog->backlog)
    drop_oldest (router, backlog);

  /* max-retained-bytes: the oldest go first; the newest push is always
   * kept (it is at most max-frame-size). */
  while (router->broker->max_retained_bytes > 0 &&
         backlog->bytes > router->broker->max_retained_bytes &&
         backlog->events.length > 1)
    {
      drop_oldest (router, backlog);
      router->broker->stats.retained_evicted++;
    }
  return retained;
}

/* Queues the EVENT @data to every client subscribed to @name from @sender. */
static void
route (MreRouter    *router,
       const char   *name,
       const char   *sender,
       const guint8 *data,
       gsize         size)
{
  guint64 delivered = 0;

  router->stamp++;
  g_ptr_array_set_size (router->targets, 0);
  add_targets (router, g_hash_table_lookup (router->exact, name), name, sender);
  add_targets (router, router->prefixed, name, sender);

  /* A client dropped here (its queue full) is routed to no more, and
   * appears once only in targets: nothing after it refers to it. */
  for (guint i = 0; i < router->targets->len; i++)
    {
      MreBrokerClient *client = g_ptr_array_index (router->targets, i);

      if (mre_broker_client_send (client, data, size))
        {
          client->events_out++;
          delivered++;
        }
    }
  mre_broker_count_out (router->broker, delivered);
}

/* Queues the EVENT for @publish to every client subscribed to it, and
 * retains it if it is a push. With a store, a push is routed by
 * mre_router_flush(), once committed: no peer gets a push that a crash
 * could take back; a yell that follows it waits as well, in its place. */
void
mre_router_publish (MreRouter      *router,
                    const MreFrame *publish,
                    const char     *sender)
{
  MreFrame event = *publish;
  gboolean push = (publish->flags & MRE_FRAME_FLAG_PUSH) != 0;
  const char *name;
  gsize size;
  guint8 *data;

  g_string_overwrite_len (router->name, 0, publish->name, publish->name_len);
  g_string_truncate (router->name, publish->name_len);
  name = router->name->str;

  event.type = MRE_FRAME_EVENT;
  event.flags = publish->flags & MRE_FRAME_FLAG_PUSH;
  event.arg = 0;
  if (push)
    event.seq = ++router->position;
  event.sender = sender;
  event.sender_len = strlen (sender);
  size = mre_frame_size (&event);
  g_byte_array_set_size (router->scratch, size);
  data = router->scratch->data;
  mre_frame_write (&event, data);

  if (!push && router->unrouted.length == 0)
    route (router, name, sender, data, size);
  else if (!push)
    g_queue_push_tail (&router->unrouted, retained_new (0, g_bytes_new (data, size), sender));
  else
    {
      Retained *retained = retain (router, name, sender, data, size, publish->arg);

      if (router->broker->store == NULL)
        route (router, name, sender, data, size);
      else
        g_queue_push_tail (&router->unrouted,
                           retained_new (retained->position, g_bytes_ref (retained->frame), sender));
    }
}

/* Routes the pushes stored since the last call, and the yells behind
 * them, as live events. */
void
mre_router_flush (MreRouter *router)
{
  Retained *retained;

  while ((retained = g_queue_pop_head (&router->unrouted)) != NULL)
    {
      gsize size;
      const guint8 *data = g_bytes_get_data (retained->frame, &size);
      gsize name_len = mre_frame_header_get_name_len (data);

      /* A push's retained copy, without RETAINED. */
      g_byte_array_set_size (router->scratch, 0);
      g_byte_array_append (router->scratch, data, size);
      mre_frame_header_set_flags (router->scratch->data,
                                  mre_frame_header_get_flags (router->scratch->data) &
                                  ~MRE_FRAME_FLAG_RETAINED);
      g_string_overwrite_len (router->name, 0, mre_frame_header_get_name (data), name_len);
      g_string_truncate (router->name, name_len);
      route (router, router->name->str, retained->sender, router->scratch->data, size);
      retained_free (retained);
    }
}

guint
mre_router_count_subscriptions (MreRouter *router)
{
  return router->n_subs;
}

void
mre_router_add_retained_counts (MreRouter   *router,
                                JsonBuilder *builder)
{
  GHashTableIter iter;
  gpointer name, backlog;

  json_builder_begin_object (builder);
  g_hash_table_iter_init (&iter, router->retained);
  while (g_hash_table_iter_next (&iter, &name, &backlog))
    {
      json_builder_set_member_name (builder, name);
      json_builder_add_int_value (builder, ((Backlog *) backlog)->events.length);
    }
  json_builder_end_object (builder);
}
