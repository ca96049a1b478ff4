/* soak.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/*
 * The soak test (issue 5): 64 peers over 4 event names, 10 publishers and
 * 54 subscribers, for 60 s through a real `mreventloop broker` process.
 * Checks that no push is lost, duplicated or reordered, and that the
 * broker's RSS stays flat after the warm-up; reports p50/p99 latency,
 * throughput and the yells lost (allowed: a yell is at most once). TAP on
 * stdout; exits non-zero on failure. Not in the default suite:
 *
 *   meson test -C build --suite soak --verbose
 *   build/tests/soak/soak --seconds 10        (MREVENTLOOP_TOOL or --tool)
 *
 * Processes: the broker; --pub-procs processes of publisher peers and
 * --sub-procs of subscriber peers (this program again, `soak publisher`
 * and `soak subscriber`, see soak.h). Each peer is an MrePeer with its own
 * loop thread and its own connection, so the broker sees 64 peers, as it
 * would 64 processes; grouping them spares 56 processes' start-up and
 * memory on a 2-core machine, where they would only compete for the same
 * two CPUs. Every child dies with this process (PR_SET_PDEATHSIG) and is
 * killed and reaped at the end, also on failure.
 *
 * Paced, not as fast as the bus takes them. Unpaced, each publisher runs
 * up to 64 MiB ahead of the broker (MRE_ERROR_BUSY only then), and the
 * broker holds up to its flow-control mark, 8 MiB, for each of the 54
 * subscribers: what is measured is those queues (latencies of minutes,
 * a broker of half a GiB), not the bus. At a fixed rate the latency is
 * the bus's, and a leak shows against a steady RSS. The default, 2,000
 * pushes/s and 500 yells/s in, 135,000 deliveries/s out, keeps a 2-core
 * machine about 70% busy: paced, nearly every event costs a wakeup of
 * each subscriber's thread (some 10 µs of CPU per delivery, most of it in
 * the kernel). From about 6,000/s on, a stall of a second on such a
 * machine leaves a backlog that the broker's queues take, and the RSS
 * check fails for want of CPU, not for a leak. --rate 0 still runs it
 * unpaced, to probe.
 */

#include "soak.h"

static SoakOptions opt = {
  .seconds = 60,
  .warmup = 10,
  .rate = 2000,
  .publishers = 10,
  .subscribers = 54,
  .names = 4,
  .pub_procs = 2,
  .sub_procs = 6,
  .yell_every = 4,
  .payload = 64,
  .backlog = 16,
  .drain = 30,
  .rss_bound = 8192,
};

static const GOptionEntry entries[] = {
  { "seconds", 0, 0, G_OPTION_ARG_INT, &opt.seconds, "How long to publish (default 60)", "S" },
  { "warmup", 0, 0, G_OPTION_ARG_INT, &opt.warmup, "Seconds of warm-up (default 10)", "S" },
  { "rate", 0, 0, G_OPTION_ARG_INT, &opt.rate,
    "Pushes/s of all publishers together (default 2000); 0: as fast as the bus takes them", "R" },
  { "publishers", 0, 0, G_OPTION_ARG_INT, &opt.publishers, "Publisher peers (default 10)", "N" },
  { "subscribers", 0, 0, G_OPTION_ARG_INT, &opt.subscribers, "Subscriber peers (default 54)", "N" },
  { "names", 0, 0, G_OPTION_ARG_INT, &opt.names, "Event names (default 4)", "N" },
  { "pub-procs", 0, 0, G_OPTION_ARG_INT, &opt.pub_procs, "Processes of publishers (default 2)", "N" },
  { "sub-procs", 0, 0, G_OPTION_ARG_INT, &opt.sub_procs, "Processes of subscribers (default 6)", "N" },
  { "yell-every", 0, 0, G_OPTION_ARG_INT, &opt.yell_every,
    "A yell after every N pushes (default 4); 0: none", "N" },
  { "payload", 0, 0, G_OPTION_ARG_INT, &opt.payload, "Bytes of payload per event (default 64)", "B" },
  { "backlog", 0, 0, G_OPTION_ARG_INT, &opt.backlog, "Backlog of each push (default 16)", "N" },
  { "drain", 0, 0, G_OPTION_ARG_INT, &opt.drain,
    "Seconds to wait for the last events after publishing (default 30)", "S" },
  { "rss-bound", 0, 0, G_OPTION_ARG_INT, &opt.rss_bound,
    "KiB the broker's RSS may grow after the warm-up (default 8192)", "KIB" },
  { "tool", 0, 0, G_OPTION_ARG_FILENAME, &opt.tool,
    "The mreventloop tool (default: $MREVENTLOOP_TOOL, or mreventloop on PATH)", "PATH" },
  G_OPTION_ENTRY_NULL
};

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;

  if (argc > 1 && g_str_equal (argv[1], "publisher"))
    return soak_run_publisher (argc - 1, argv + 1);
  if (argc > 1 && g_str_equal (argv[1], "subscriber"))
    return soak_run_subscriber (argc - 1, argv + 1);

  context = g_option_context_new ("- the soak test of the broker");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("soak: %s\n", error->message);
      return 2;
    }
  if (opt.seconds < 2 || opt.publishers < 1 || opt.subscribers < 1 || opt.names < 1 ||
      opt.pub_procs < 1 || opt.pub_procs > opt.publishers || opt.sub_procs < 1 ||
      opt.sub_procs > opt.subscribers || opt.rate < 0 || opt.rss_bound < 0)
    {
      g_printerr ("soak: bad options (see --help)\n");
      return 2;
    }
  if (opt.warmup >= opt.seconds)
    opt.warmup = MAX (1, opt.seconds / 6);
  if (opt.tool == NULL)
    opt.tool = g_strdup (g_getenv ("MREVENTLOOP_TOOL") != NULL ? g_getenv ("MREVENTLOOP_TOOL")
                                                               : "mreventloop");
  return soak_run (&opt);
}
