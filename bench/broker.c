/* broker.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/*
 * bench/broker: events between processes through a broker, for mreventloop
 * and for what a user would pick instead, side by side in one run.
 *
 * Implementations ("impl"):
 *   mreventloop         an MreBroker process; MrePeers publish yells and
 *                       receive them as "event::NAME" signals, whose
 *                       handler decodes the string with mre_event_get_args()
 *                       (bench/broker-mre.c)
 *   mreventloop-no-decode  the same, but the subscribers only count the
 *                       MreEvents of the burst and check their header's
 *                       sequence number (mre_event_get_seq()), without
 *                       decoding the argument: the transport alone.
 *                       Throughput and fan-out only.
 *   mreventloop-push    as mreventloop, but the measured events are durable
 *                       pushes (backlog BENCH_PUSH_BACKLOG), acknowledged by
 *                       a broker that keeps its store in memory; the
 *                       publisher's flush waits for the acknowledgements.
 *                       Throughput and latency only.
 *   mreventloop-push-stored  the same with the broker given a state
 *                       directory in the run's temporary directory: each
 *                       read's pushes are committed to SQLite (WAL,
 *                       synchronous=NORMAL) before they are acknowledged
 *                       and routed
 *   zmq-default-hwm     a zmq_proxy() process between an XSUB and an XPUB
 *                       socket over ipc://, PUB and SUB peers, ZeroMQ's
 *                       default high-water marks (bench/broker-zmq.c)
 *   zmq-unlimited-hwm   the same with every high-water mark 0 (unlimited)
 *   dbus                a private dbus-daemon with the session bus limits,
 *                       GDBus signals (bench/broker-dbus.c)
 *
 * Cases:
 *   throughput   one publisher process -> broker -> one subscriber process:
 *                N events of one 64-byte string (1,000,000; --quick
 *                100,000), events/s measured at the subscriber from the
 *                first event received to the last, and what was lost;
 *                also from the publisher's first event to the last one
 *                received ("end-to-end"), and to the return of the
 *                publisher's flush ("acked": for pushes, every one
 *                acknowledged). The push impls are compared with
 *                mreventloop (yells); ZeroMQ and D-Bus have nothing like
 *                an acknowledged, stored push.
 *   fan-out      the same with 4 subscriber processes: aggregate events/s
 *                (all received / first to last over all subscribers) and
 *                each subscriber's count
 *   latency      round trip ping -> broker -> pong -> broker -> ping, one
 *                at a time; p50/p99 over 20,000 samples (--quick 2,000)
 *
 * Each run has its own broker process and temporary directory. This program
 * runs every process itself: it starts copies of itself with the hidden
 * option --role (proxy, broker, pub, sub, ping, pong), which print what
 * they measured as one JSON object on stdout (bench/broker-roles.c).
 * How the processes meet, and how loss and order are counted, is told at
 * the top of bench/broker-roles.c.
 */

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib-unix.h>
#include <json-glib/json-glib.h>

#include "bench-common.h"
#include "broker-bench.h"
#include "broker-procs.h"
#include "broker-report.h"

#define READY_TIMEOUT_US (10 * G_USEC_PER_SEC)

static BenchResults results;
static char *self_exe;

/* Options */
static gboolean opt_json;
static gboolean opt_quick;
static gint64 opt_events;
static gint opt_subscribers = 4;
static gint opt_samples;
static gint opt_warmup;
static char *opt_case;
static char *opt_impl;
static char **opt_impls;   /* --impl split at commas */
/* hidden: the child processes */
static char *opt_role;
static char *opt_endpoint;
static char *opt_state_dir;
static gint opt_index;

/* the way out on failure, before bench_die() prints */
static void
cleanup (void)
{
  bench_children_kill_all ();
  bench_tmpdirs_remove_all ();
}

static gboolean
on_interrupt (gpointer user_data)
{
  bench_die ("interrupted");
  return G_SOURCE_REMOVE;
}

static gboolean
keepalive (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/* ------------------------------------------------------------------------ */
/* Which implementations can run here */

static char *
impl_unavailable (BenchImpl impl)
{
  g_autofree char *dbus_daemon = NULL;

  switch (impl)
    {
    case BENCH_IMPL_MRE:
    case BENCH_IMPL_MRE_NO_DECODE:
    case BENCH_IMPL_MRE_PUSH:
    case BENCH_IMPL_MRE_PUSH_STORED:
#ifdef HAVE_MRE_BROKER
      return NULL;
#else
      return g_strdup ("not built: bench/broker-mre.c is not in the build");
#endif

    case BENCH_IMPL_ZMQ_DEFAULT_HWM:
    case BENCH_IMPL_ZMQ_UNLIMITED_HWM:
#ifdef HAVE_ZMQ
      return NULL;
#else
      return g_strdup ("not built: libzmq was not found at build time");
#endif

    case BENCH_IMPL_DBUS:
      dbus_daemon = g_find_program_in_path ("dbus-daemon");
      return dbus_daemon != NULL ? NULL : g_strdup ("dbus-daemon is not in PATH");

    case BENCH_N_IMPLS:
    default:
      g_assert_not_reached ();
    }
}

/* ------------------------------------------------------------------------ */
/* The broker process of a run */

typedef struct
{
  BenchChild *child;
  char       *endpoint;   /* what the peers are given */
} Broker;

static gboolean
expect_ready (BenchChild  *child,
              GError     **error)
{
  g_autofree char *line = bench_child_read_line (child, READY_TIMEOUT_US, error);

  if (line == NULL)
    return FALSE;
  if (strcmp (line, "ready") != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "%s said \"%s\" instead of \"ready\"", child->name, line);
      return FALSE;
    }
  return TRUE;
}

static gboolean
broker_start (BenchImpl    impl,
              const char  *dir,
              Broker      *broker,
              GError     **error)
{
  g_autofree char *impl_arg = g_strdup_printf ("--impl=%s", bench_impl_names[impl]);
  g_autofree char *endpoint_arg = NULL;
  g_autofree char *state_dir_arg = NULL;

  memset (broker, 0, sizeof *broker);

  if (impl == BENCH_IMPL_DBUS)
    {
      g_autofree char *dbus_daemon = g_find_program_in_path ("dbus-daemon");
      g_autofree char *socket_path = g_build_filename (dir, "bus", NULL);
      g_autofree char *config = bench_dbus_write_config (dir, socket_path, error);
      g_autofree char *config_arg = NULL;

      if (config == NULL)
        return FALSE;
      config_arg = g_strdup_printf ("--config-file=%s", config);

      {
        const char *argv[] = {
          dbus_daemon, config_arg, "--print-address", "--nofork", "--nopidfile", NULL
        };

        broker->child = bench_child_spawn ("dbus-daemon", BENCH_CHILD_LINES, argv, error);
      }
      if (broker->child == NULL)
        return FALSE;
      /* it prints its address once it listens */
      broker->endpoint = bench_child_read_line (broker->child, READY_TIMEOUT_US, error);
      return broker->endpoint != NULL;
    }

  if (bench_impl_is_mre (impl))
    broker->endpoint = g_build_filename (dir, "mre.sock", NULL);
  else
    broker->endpoint = g_strdup (dir);
  endpoint_arg = g_strdup_printf ("--endpoint=%s", broker->endpoint);
  /* removed with the run's directory */
  if (impl == BENCH_IMPL_MRE_PUSH_STORED)
    state_dir_arg = g_strdup_printf ("--state-dir=%s/state", dir);

  {
    const char *argv[] = {
      self_exe, bench_impl_is_mre (impl) ? "--role=broker" : "--role=proxy",
      impl_arg, endpoint_arg, state_dir_arg, NULL
    };

    broker->child = bench_child_spawn (bench_impl_is_mre (impl) ? "broker" : "zmq proxy",
                                       BENCH_CHILD_LINES, argv, error);
  }

  return broker->child != NULL && expect_ready (broker->child, error);
}

static void
broker_clear (Broker *broker)
{
  if (broker->child != NULL)
    {
      bench_child_stop (broker->child);
      g_clear_pointer (&broker->child, bench_child_free);
    }
  g_clear_pointer (&broker->endpoint, g_free);
}

/* ------------------------------------------------------------------------ */
/* The role processes of a run */

static BenchChild *
spawn_role (const char *role,
            BenchImpl   impl,
            const char *endpoint,
            guint       index,
            guint       n_subscribers)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *name = g_strdup_printf ("%s %u", role, index);
  BenchChild *child;

  g_ptr_array_add (argv, g_strdup (self_exe));
  g_ptr_array_add (argv, g_strdup_printf ("--role=%s", role));
  g_ptr_array_add (argv, g_strdup_printf ("--impl=%s", bench_impl_names[impl]));
  g_ptr_array_add (argv, g_strdup_printf ("--endpoint=%s", endpoint));
  g_ptr_array_add (argv, g_strdup_printf ("--index=%u", index));
  g_ptr_array_add (argv, g_strdup_printf ("--subscribers=%u", n_subscribers));
  g_ptr_array_add (argv, g_strdup_printf ("--events=%" G_GINT64_FORMAT, opt_events));
  g_ptr_array_add (argv, g_strdup_printf ("--samples=%d", opt_samples));
  g_ptr_array_add (argv, g_strdup_printf ("--warmup=%d", opt_warmup));
  g_ptr_array_add (argv, NULL);

  child = bench_child_spawn (name, BENCH_CHILD_COLLECT,
                             (const char * const *) argv->pdata, &error);
  if (child == NULL)
    bench_die ("cannot start %s: %s", name, error->message);
  return child;
}

/* The child's JSON object, or NULL with @error. */
static JsonObject *
child_result (BenchChild  *child,
              GError     **error)
{
  g_autoptr(JsonNode) root = NULL;

  if (child->output == NULL || child->output[0] == '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s %s and printed no result",
                   child->name, child->killed ? "was killed" : "failed");
      return NULL;
    }

  root = json_from_string (child->output, error);
  if (root == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s printed no JSON object",
                   child->name);
      return NULL;
    }
  return json_object_ref (json_node_get_object (root));
}

static gint64
member_int (JsonObject *object,
            const char *name)
{
  return json_object_get_int_member_with_default (object, name, 0);
}

static gboolean
member_bool (JsonObject *object,
             const char *name)
{
  return json_object_get_boolean_member_with_default (object, name, FALSE);
}

static double
member_double (JsonObject *object,
               const char *name)
{
  return json_object_get_double_member_with_default (object, name, 0);
}

static void
fail (BenchResult *r,
      GError      *error)
{
  if (r->failure == NULL)
    r->failure = g_strdup (error->message);
}

/* The run's temporary directory and its broker; FALSE, with the failure
 * in @r and nothing left behind, when the broker did not start. */
static gboolean
run_begin (BenchImpl     impl,
           BenchResult  *r,
           char        **dir,
           Broker       *broker)
{
  g_autoptr(GError) error = NULL;

  *dir = bench_tmpdir_new (&error);
  if (*dir == NULL)
    bench_die ("cannot make a temporary directory: %s", error->message);

  if (!broker_start (impl, *dir, broker, &error))
    {
      fail (r, error);
      broker_clear (broker);
      bench_tmpdir_remove (*dir);
      return FALSE;
    }
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Throughput and fan-out */

static void
collect_throughput (BenchResult  *r,
                    BenchChild   *pub,
                    BenchChild  **subs,
                    guint         n_subs)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) pub_result = child_result (pub, &error);
  gint64 first = G_MAXINT64, last = 0;

  if (pub_result == NULL)
    {
      fail (r, error);
      return;
    }
  r->sent = member_int (pub_result, "sent");
  r->busy_retries = member_int (pub_result, "busy_retries");
  r->pub_start_ns = member_int (pub_result, "start_ns");
  r->publish_rate = r->sent * 1e9 /
                    MAX (1, member_int (pub_result, "end_ns") - r->pub_start_ns);

  r->n_subscribers = n_subs;
  for (guint i = 0; i < n_subs; i++)
    {
      g_autoptr(JsonObject) o = child_result (subs[i], &error);
      BenchSubResult *s = &r->subs[i];

      if (o == NULL)
        {
          fail (r, error);
          return;
        }
      s->received = member_int (o, "received");
      s->first_ns = member_int (o, "first_ns");
      s->last_ns = member_int (o, "last_ns");
      s->disorder = member_int (o, "disorder");
      s->gaps = member_int (o, "gaps");
      s->bad = member_int (o, "bad");
      s->header_disorder = member_int (o, "header_disorder");
      s->end_seen = member_bool (o, "end_seen");
      s->stalled = member_bool (o, "stalled");
      if (s->received > 1)
        s->throughput = s->received * 1e9 / MAX (1, s->last_ns - s->first_ns);

      r->received += s->received;
      r->disorder += s->disorder;
      if (s->received > 0)
        {
          first = MIN (first, s->first_ns);
          last = MAX (last, s->last_ns);
        }
    }

  r->lost = r->sent * n_subs > r->received ? r->sent * n_subs - r->received : 0;
  if (r->received > 1 && last > first)
    r->throughput = r->received * 1e9 / (last - first);
  /* CLOCK_MONOTONIC is one clock for every process of the machine */
  if (r->received > 0 && last > r->pub_start_ns)
    r->end_to_end = r->received * 1e9 / (last - r->pub_start_ns);
  r->ran = TRUE;
}

static void
run_throughput (BenchCase bench_case,
                BenchImpl impl)
{
  BenchResult *r = &results[bench_case][impl];
  guint n_subs = bench_case == BENCH_CASE_FAN_OUT ? (guint) opt_subscribers : 1;
  BenchChild *subs[BENCH_MAX_SUBSCRIBERS];
  BenchChild *pub;
  g_autofree char *dir = NULL;
  Broker broker;
  gint64 deadline;

  if (!run_begin (impl, r, &dir, &broker))
    return;

  for (guint i = 0; i < n_subs; i++)
    subs[i] = spawn_role ("sub", impl, broker.endpoint, i, n_subs);
  pub = spawn_role ("pub", impl, broker.endpoint, 0, n_subs);

  /* A backstop only: the subscribers stop by themselves after the end
   * marker or BENCH_STALL_US without events. */
  deadline = g_get_monotonic_time () +
             (60 + opt_events * n_subs / 10000) * G_USEC_PER_SEC;
  if (!bench_children_wait (subs, n_subs, deadline))
    r->failure = g_strdup ("the subscribers did not finish in time and were killed");
  /* the publisher stops once each subscriber answered the end marker; one
   * that gave up does not answer */
  bench_children_wait (&pub, 1, g_get_monotonic_time () + 5 * G_USEC_PER_SEC);
  broker_clear (&broker);

  collect_throughput (r, pub, subs, n_subs);
  if (r->failure == NULL && !bench_child_succeeded (pub) && !pub->killed)
    r->failure = g_strdup ("the publisher failed");
  for (guint i = 0; i < n_subs; i++)
    if (r->failure == NULL && !bench_child_succeeded (subs[i]))
      r->failure = g_strdup_printf ("subscriber %u failed", i);

  bench_child_free (pub);
  for (guint i = 0; i < n_subs; i++)
    bench_child_free (subs[i]);
  bench_tmpdir_remove (dir);
}

/* ------------------------------------------------------------------------ */
/* Latency */

static void
run_latency (BenchImpl impl)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) o = NULL;
  BenchResult *r = &results[BENCH_CASE_LATENCY][impl];
  BenchChild *ping, *pong;
  g_autofree char *dir = NULL;
  Broker broker;
  gint64 deadline;

  if (!run_begin (impl, r, &dir, &broker))
    return;

  pong = spawn_role ("pong", impl, broker.endpoint, 0, 1);
  ping = spawn_role ("ping", impl, broker.endpoint, 0, 1);

  deadline = g_get_monotonic_time () +
             (120 + (opt_samples + opt_warmup) / 200) * G_USEC_PER_SEC;
  if (!bench_children_wait (&ping, 1, deadline))
    r->failure = g_strdup ("ping did not finish in time and was killed");
  bench_children_wait (&pong, 1, g_get_monotonic_time () + 5 * G_USEC_PER_SEC);
  broker_clear (&broker);

  o = child_result (ping, &error);
  if (o == NULL)
    fail (r, error);
  else if (r->failure == NULL && !bench_child_succeeded (ping))
    r->failure = g_strdup ("ping failed");
  else if (member_int (o, "samples") == 0)
    r->failure = g_strdup ("no sample: every ping was lost");
  else
    {
      r->samples = member_int (o, "samples");
      r->lost_samples = member_int (o, "lost");
      r->p50 = member_double (o, "p50_us");
      r->p99 = member_double (o, "p99_us");
      r->min = member_double (o, "min_us");
      r->max = member_double (o, "max_us");
      r->mean = member_double (o, "mean_us");
      r->ran = TRUE;
    }

  bench_child_free (ping);
  bench_child_free (pong);
  bench_tmpdir_remove (dir);
}

/* ------------------------------------------------------------------------ */

static void
run_one (BenchCase bench_case,
         BenchImpl impl)
{
  BenchResult *r = &results[bench_case][impl];

  if ((opt_case != NULL && g_strcmp0 (opt_case, bench_case_names[bench_case]) != 0) ||
      (opt_impls != NULL && !g_strv_contains ((const char * const *) opt_impls,
                                              bench_impl_names[impl])))
    return;

  /* the round trips decode their payload in both: nothing to add */
  if (bench_case == BENCH_CASE_LATENCY && impl == BENCH_IMPL_MRE_NO_DECODE)
    return;
  /* what a push costs is measured between one publisher and one
   * subscriber; four more runs of a million events would only lengthen
   * the run */
  if (bench_case == BENCH_CASE_FAN_OUT && bench_impl_is_push (impl))
    return;

  r->skipped = impl_unavailable (impl);
  if (r->skipped != NULL)
    return;

  if (!opt_json && isatty (STDERR_FILENO))
    g_printerr ("running %s %s...\n", bench_case_names[bench_case], bench_impl_names[impl]);

  if (bench_case == BENCH_CASE_LATENCY)
    run_latency (impl);
  else
    run_throughput (bench_case, impl);

  if (r->failure != NULL)
    g_printerr ("broker: %s %s: %s\n", bench_case_names[bench_case],
                bench_impl_names[impl], r->failure);
}

static int
run_role (void)
{
  BenchRoleOptions options = {
    .endpoint = opt_endpoint,
    .index = opt_index,
    .n_subscribers = opt_subscribers,
    .n_events = opt_events,
    .n_samples = opt_samples,
    .n_warmup = opt_warmup,
  };
  guint impl;

  for (impl = 0; impl < BENCH_N_IMPLS; impl++)
    if (g_strcmp0 (opt_impl, bench_impl_names[impl]) == 0)
      break;
  if (impl == BENCH_N_IMPLS || opt_endpoint == NULL)
    {
      g_printerr ("--role needs --impl and --endpoint\n");
      return EXIT_FAILURE;
    }
  options.impl = impl;

#ifdef HAVE_ZMQ
  if (strcmp (opt_role, "proxy") == 0)
    return bench_zmq_proxy_run (opt_endpoint, impl == BENCH_IMPL_ZMQ_UNLIMITED_HWM);
#endif
#ifdef HAVE_MRE_BROKER
  if (strcmp (opt_role, "broker") == 0)
    return bench_mre_broker_run (opt_endpoint, opt_state_dir);
#endif
  if (strcmp (opt_role, "pub") == 0)
    return bench_role_pub (&options);
  if (strcmp (opt_role, "sub") == 0)
    return bench_role_sub (&options);
  if (strcmp (opt_role, "ping") == 0)
    return bench_role_ping (&options);
  if (strcmp (opt_role, "pong") == 0)
    return bench_role_pong (&options);

  g_printerr ("unknown --role %s\n", opt_role);
  return EXIT_FAILURE;
}

static const GOptionEntry entries[] = {
  { "json", 0, 0, G_OPTION_ARG_NONE, &opt_json,
    "Print one JSON object per line instead of a table", NULL },
  { "quick", 0, 0, G_OPTION_ARG_NONE, &opt_quick,
    "Short run for smoke checks", NULL },
  { "events", 'n', 0, G_OPTION_ARG_INT64, &opt_events,
    "Events per throughput run (default 1000000, 100000 with --quick)", "N" },
  { "subscribers", 0, 0, G_OPTION_ARG_INT, &opt_subscribers,
    "Subscriber processes in the fan-out case (default 4)", "N" },
  { "samples", 's', 0, G_OPTION_ARG_INT, &opt_samples,
    "Round trips measured per implementation (default 20000, 2000 with --quick)", "N" },
  { "warmup", 0, 0, G_OPTION_ARG_INT, &opt_warmup,
    "Round trips before those measured (default 200)", "N" },
  { "case", 0, 0, G_OPTION_ARG_STRING, &opt_case,
    "Run only this case (throughput, fan-out, latency)", "CASE" },
  { "impl", 0, 0, G_OPTION_ARG_STRING, &opt_impl,
    "Run only these implementations, separated by commas (mreventloop, mreventloop-no-decode, "
    "mreventloop-push, mreventloop-push-stored, zmq-default-hwm, zmq-unlimited-hwm, dbus)",
    "IMPL" },
  { "role", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &opt_role, NULL, NULL },
  { "endpoint", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &opt_endpoint, NULL, NULL },
  { "index", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &opt_index, NULL, NULL },
  { "state-dir", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_FILENAME, &opt_state_dir, NULL, NULL },
  { NULL }
};

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  BenchReportInfo info = { 0 };
  BenchCpuLoad load;
  gboolean faults;

  bench_init ("broker", cleanup);

  if (!bench_parse_options (&argc, &argv, "- mreventloop broker benchmark",
        "Throughput, fan-out and round-trip latency of events between processes through\n"
        "MreBroker, side by side with a ZeroMQ XSUB/XPUB proxy and D-Bus signals, and\n"
        "what durable push (acknowledged, optionally stored) costs over a yell.",
        entries))
    return EXIT_FAILURE;

  if (opt_events == 0)
    opt_events = opt_quick ? 100000 : 1000000;
  if (opt_samples == 0)
    opt_samples = opt_quick ? 2000 : 20000;
  if (opt_warmup == 0)
    opt_warmup = 200;
  if (opt_events < 1 || opt_samples < 1 || opt_warmup < 0 ||
      opt_subscribers < 1 || opt_subscribers > BENCH_MAX_SUBSCRIBERS)
    {
      g_printerr ("--events and --samples must be at least 1, --subscribers 1 .. %d\n",
                  BENCH_MAX_SUBSCRIBERS);
      return EXIT_FAILURE;
    }

  if (opt_role != NULL)
    return run_role ();

  if (!bench_option_is_known ("case", opt_case, bench_case_names))
    return EXIT_FAILURE;
  if (opt_impl != NULL)
    {
      opt_impls = g_strsplit (opt_impl, ",", -1);
      for (guint i = 0; opt_impls[i] != NULL; i++)
        if (!bench_option_is_known ("impl", opt_impls[i], bench_impl_names))
          return EXIT_FAILURE;
    }

  self_exe = g_file_read_link ("/proc/self/exe", &error);
  if (self_exe == NULL)
    bench_die ("cannot find this program: %s", error->message);

  g_unix_signal_add (SIGINT, on_interrupt, NULL);
  g_unix_signal_add (SIGTERM, on_interrupt, NULL);
  g_timeout_add (100, keepalive, NULL);

  bench_cpu_load_start (&load);

  for (guint bc = 0; bc < BENCH_N_CASES; bc++)
    for (guint impl = 0; impl < BENCH_N_IMPLS; impl++)
      run_one (bc, impl);

  info.elapsed = bench_cpu_load_elapsed (&load);
  info.foreign_cpus = bench_cpu_load_foreign (&load, info.elapsed);
  info.n_events = opt_events;
  info.n_subscribers = opt_subscribers;
  info.n_samples = opt_samples;
  info.n_warmup = opt_warmup;

  if (opt_json)
    bench_report_json (results);
  else
    bench_report_table (results, &info);

  faults = bench_report_faults (results);
  g_free (self_exe);
  g_strfreev (opt_impls);

  return faults ? EXIT_FAILURE : EXIT_SUCCESS;
}
