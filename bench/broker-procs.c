/* broker-procs.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "broker-procs.h"

/* the live children and temporary directories, for the way out on failure */
static GPtrArray *live_children;
static GPtrArray *live_tmpdirs;

static void
child_setup (gpointer user_data)
{
  /* runs in the child between fork and exec: die with the parent */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static void
on_exited (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  BenchChild *child = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  child->exited = TRUE;
}

static void
on_collected (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  BenchChild *child = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), result,
                                             &child->output, NULL, &error))
    g_printerr ("broker: reading the output of %s: %s\n", child->name, error->message);
  child->exited = TRUE;
}

BenchChild *
bench_child_spawn (const char          *name,
                   BenchChildMode       mode,
                   const char * const  *argv,
                   GError             **error)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  BenchChild *child;
  GSubprocess *process;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  process = g_subprocess_launcher_spawnv (launcher, argv, error);
  if (process == NULL)
    return NULL;

  child = g_new0 (BenchChild, 1);
  child->name = g_strdup (name);
  child->process = process;
  child->mode = mode;

  if (mode == BENCH_CHILD_LINES)
    {
      child->lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
      g_subprocess_wait_async (process, NULL, on_exited, child);
    }
  else
    {
      g_subprocess_communicate_utf8_async (process, NULL, NULL, on_collected, child);
    }

  if (live_children == NULL)
    live_children = g_ptr_array_new ();
  g_ptr_array_add (live_children, child);

  return child;
}

typedef struct
{
  gboolean  done;
  char     *line;
  GError   *error;
} ReadLine;

static void
on_line (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  ReadLine *state = user_data;

  state->line = g_data_input_stream_read_line_finish (G_DATA_INPUT_STREAM (source), result,
                                                      NULL, &state->error);
  state->done = TRUE;
}

/* Returns the child's next line of output, or NULL with @error when it
 * exits or says nothing for @timeout_us. */
char *
bench_child_read_line (BenchChild  *child,
                       gint64       timeout_us,
                       GError     **error)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  gint64 deadline = g_get_monotonic_time () + timeout_us;
  ReadLine state = { 0 };

  g_return_val_if_fail (child->mode == BENCH_CHILD_LINES, NULL);

  g_data_input_stream_read_line_async (child->lines, G_PRIORITY_DEFAULT, cancellable,
                                       on_line, &state);
  while (!state.done)
    {
      if (g_get_monotonic_time () > deadline)
        g_cancellable_cancel (cancellable);
      g_main_context_iteration (NULL, TRUE);
    }

  if (state.error != NULL)
    {
      if (g_error_matches (state.error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                     "%s said nothing for %d s", child->name,
                     (int) (timeout_us / G_USEC_PER_SEC));
      else
        g_propagate_error (error, g_steal_pointer (&state.error));
      g_clear_error (&state.error);
      return NULL;
    }
  if (state.line == NULL)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE, "%s exited", child->name);

  return state.line;
}

static void
force_exit (BenchChild *child)
{
  if (!child->exited && !child->killed)
    {
      child->killed = TRUE;
      g_subprocess_force_exit (child->process);
    }
}

static void
iterate_until_exited (BenchChild **children,
                      guint        n_children)
{
  for (guint i = 0; i < n_children; i++)
    while (!children[i]->exited)
      g_main_context_iteration (NULL, TRUE);
}

/* Waits until every child has exited; past @deadline_us (monotonic) kills
 * those still running and returns FALSE. Needs a timeout source on the
 * default context to notice the deadline (main() has one). */
gboolean
bench_children_wait (BenchChild **children,
                     guint        n_children,
                     gint64       deadline_us)
{
  for (;;)
    {
      gboolean all = TRUE;

      for (guint i = 0; i < n_children; i++)
        all &= children[i]->exited;
      if (all)
        return TRUE;

      if (g_get_monotonic_time () > deadline_us)
        {
          for (guint i = 0; i < n_children; i++)
            force_exit (children[i]);
          iterate_until_exited (children, n_children);
          return FALSE;
        }

      g_main_context_iteration (NULL, TRUE);
    }
}

/* SIGTERM, then SIGKILL after 2 s */
void
bench_child_stop (BenchChild *child)
{
  if (child->exited)
    return;

  g_subprocess_send_signal (child->process, SIGTERM);
  if (!bench_children_wait (&child, 1, g_get_monotonic_time () + 2 * G_USEC_PER_SEC))
    g_printerr ("broker: %s ignored SIGTERM and was killed\n", child->name);
  /* that was asked for: not a failure */
  child->killed = FALSE;
}

gboolean
bench_child_succeeded (BenchChild *child)
{
  return child->exited && !child->killed && g_subprocess_get_successful (child->process);
}

void
bench_child_free (BenchChild *child)
{
  if (child == NULL)
    return;

  force_exit (child);
  iterate_until_exited (&child, 1);
  g_ptr_array_remove (live_children, child);

  g_clear_object (&child->lines);
  g_clear_object (&child->process);
  g_free (child->output);
  g_free (child->name);
  g_free (child);
}

void
bench_children_kill_all (void)
{
  if (live_children == NULL)
    return;

  for (guint i = 0; i < live_children->len; i++)
    {
      BenchChild *child = g_ptr_array_index (live_children, i);

      if (!child->exited)
        kill (atoi (g_subprocess_get_identifier (child->process)), SIGKILL);
    }
}

char *
bench_tmpdir_new (GError **error)
{
  char *dir = g_dir_make_tmp ("mre-bench-broker-XXXXXX", error);

  if (dir == NULL)
    return NULL;
  if (live_tmpdirs == NULL)
    live_tmpdirs = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (live_tmpdirs, g_strdup (dir));
  return dir;
}

static void
remove_dir (const char *dir)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  const char *name;

  /* sockets, a configuration file, a broker's state directory */
  while (handle != NULL && (name = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
        remove_dir (path);
      else
        g_unlink (path);
    }
  g_rmdir (dir);
}

void
bench_tmpdir_remove (const char *dir)
{
  remove_dir (dir);
  if (live_tmpdirs != NULL)
    for (guint i = 0; i < live_tmpdirs->len; i++)
      if (g_strcmp0 (g_ptr_array_index (live_tmpdirs, i), dir) == 0)
        {
          g_ptr_array_remove_index (live_tmpdirs, i);
          break;
        }
}

void
bench_tmpdirs_remove_all (void)
{
  if (live_tmpdirs == NULL)
    return;
  for (guint i = 0; i < live_tmpdirs->len; i++)
    remove_dir (g_ptr_array_index (live_tmpdirs, i));
  g_ptr_array_set_size (live_tmpdirs, 0);
}
