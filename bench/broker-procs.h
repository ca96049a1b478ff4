/* broker-procs.h
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/*
 * The child processes of bench/broker and the run's temporary directory:
 * spawned with GSubprocess, killed by the kernel if the parent dies
 * (PR_SET_PDEATHSIG), and by bench_children_kill_all() when it fails.
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum
{
  /* stdout is read line by line with bench_child_read_line() (brokers) */
  BENCH_CHILD_LINES,
  /* stdout is collected until the child exits, into ->output (roles) */
  BENCH_CHILD_COLLECT,
} BenchChildMode;

typedef struct
{
  char             *name;
  GSubprocess      *process;
  BenchChildMode    mode;
  GDataInputStream *lines;
  char             *output;
  gboolean          exited;
  gboolean          killed;   /* we had to: it did not exit in time */
} BenchChild;

BenchChild *bench_child_spawn      (const char          *name,
                                    BenchChildMode       mode,
                                    const char * const  *argv,
                                    GError             **error);
char       *bench_child_read_line  (BenchChild          *child,
                                    gint64               timeout_us,
                                    GError             **error);
gboolean    bench_children_wait    (BenchChild         **children,
                                    guint                n_children,
                                    gint64               deadline_us);
void        bench_child_stop       (BenchChild          *child);
gboolean    bench_child_succeeded  (BenchChild          *child);
void        bench_child_free       (BenchChild          *child);
void        bench_children_kill_all (void);

char       *bench_tmpdir_new       (GError             **error);
void        bench_tmpdir_remove    (const char          *dir);
void        bench_tmpdirs_remove_all (void);

G_END_DECLS
