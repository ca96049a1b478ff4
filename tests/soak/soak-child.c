/* soak-child.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The parent's side of its children: spawning them so that they die with
 * it, line by line talk over their stdin and stdout, killing and reaping
 * them, and what /proc says of the broker. */

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "soak.h"

/* In the child, before exec: SIGKILL when the parent dies, whatever way. */
static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

SoakChild *
soak_child_spawn (const char * const  *argv,
                  gboolean             pipes,
                  GError             **error)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  SoakChild *child;
  GSubprocess *proc;

  launcher = g_subprocess_launcher_new (pipes ? G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                                G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                              : G_SUBPROCESS_FLAGS_NONE);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  proc = g_subprocess_launcher_spawnv (launcher, argv, error);
  if (proc == NULL)
    return NULL;

  child = g_new0 (SoakChild, 1);
  child->proc = proc;
  child->pid = (GPid) atoi (g_subprocess_get_identifier (proc));
  if (pipes)
    {
      child->in = g_object_ref (g_subprocess_get_stdin_pipe (proc));
      child->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (proc));
    }
  return child;
}

gboolean
soak_child_send (SoakChild  *child,
                 const char *line)
{
  g_autofree char *text = g_strconcat (line, "\n", NULL);

  return g_output_stream_write_all (child->in, text, strlen (text), NULL, NULL, NULL) &&
         g_output_stream_flush (child->in, NULL, NULL);
}

/* The next line the child says, or NULL once it exited or closed its
 * stdout. */
char *
soak_child_read_line (SoakChild *child)
{
  return soak_read_line (child->out);
}

/* The end of its input: the child closes its peers and exits. */
void
soak_child_close_stdin (SoakChild *child)
{
  if (child->in != NULL)
    g_output_stream_close (child->in, NULL, NULL);
}

/* Waits for the child; TRUE if it exited with status 0. */
gboolean
soak_child_wait_ok (SoakChild *child)
{
  return g_subprocess_wait_check (child->proc, NULL, NULL);
}

/* Kills the child if it still runs, reaps it and frees @child. */
void
soak_child_free (SoakChild *child)
{
  if (child == NULL)
    return;
  g_subprocess_force_exit (child->proc);
  g_subprocess_wait (child->proc, NULL, NULL);
  g_clear_object (&child->in);
  g_clear_object (&child->out);
  g_clear_object (&child->proc);
  g_free (child);
}

static char *
proc_file (GPid        pid,
           const char *name)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/%s", (int) pid, name);
  char *contents = NULL;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return NULL;
  return contents;
}

/* VmRSS of @pid in KiB, 0 if it is gone. */
guint64
soak_proc_rss_kib (GPid pid)
{
  g_autofree char *status = proc_file (pid, "status");
  const char *line;

  if (status == NULL || (line = strstr (status, "VmRSS:")) == NULL)
    return 0;
  return g_ascii_strtoull (line + strlen ("VmRSS:"), NULL, 10);
}

/* User and system CPU time of @pid, in µs; 0 if it is gone. */
guint64
soak_proc_cpu_usec (GPid pid)
{
  g_autofree char *stat = proc_file (pid, "stat");
  g_auto(GStrv) fields = NULL;
  const char *after_comm;
  long ticks = sysconf (_SC_CLK_TCK);

  /* "pid (comm) state ...": comm may hold spaces, so count from its ')'. */
  if (stat == NULL || (after_comm = strrchr (stat, ')')) == NULL || ticks <= 0)
    return 0;
  fields = g_strsplit (after_comm + 2, " ", -1);
  /* Fields 14 and 15 of the line, utime and stime, are the 12th and 13th
   * after comm. */
  if (g_strv_length (fields) < 13)
    return 0;
  return (g_ascii_strtoull (fields[11], NULL, 10) + g_ascii_strtoull (fields[12], NULL, 10)) *
         G_USEC_PER_SEC / (guint64) ticks;
}

/* CPU time all CPUs spent running processes since boot, in µs
 * (/proc/stat). */
guint64
soak_system_busy_usec (void)
{
  g_autofree char *stat = NULL;
  g_auto(GStrv) fields = NULL;
  long ticks = sysconf (_SC_CLK_TCK);
  guint64 busy = 0;

  if (!g_file_get_contents ("/proc/stat", &stat, NULL, NULL) || ticks <= 0)
    return 0;
  /* "cpu  user nice system idle iowait irq softirq steal ...": user,
   * nice, system and steal (a hypervisor's other guests take CPU too).
   * Interrupts are left out: part of them is this test's own traffic,
   * charged to no process. */
  *strchr (stat, '\n') = '\0';
  fields = g_strsplit_set (stat, " ", -1);
  for (guint i = 1, n = 0; fields[i] != NULL && n < 8; i++)
    {
      if (fields[i][0] == '\0')
        continue;
      if (n <= 2 || n == 7)
        busy += g_ascii_strtoull (fields[i], NULL, 10);
      n++;
    }
  return busy * G_USEC_PER_SEC / (guint64) ticks;
}
