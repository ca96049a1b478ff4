/* gtk-example.c
 *
 * Copyright 2026 The mreventloop authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A GTK 4 window on the bus:
 *
 * - its buttons publish events: each button's own "clicked" signal is
 *   forwarded by the window's peer as "gtk.button.hello" or
 *   "gtk.button.goodbye";
 * - its label shows the text of each "gtk.label" event, published by any
 *   other process (`mreventloop emit gtk.label '["Hi"]'`): the peer's
 *   "event::gtk.label" is connected to the window's named slot
 *   "show-message", which runs on GTK's main context because the window's
 *   MreEventLoop is bound to it;
 * - a status line follows the peer's connection, through the slot
 *   "show-peer-state", although the peer emits "state-changed" on a thread
 *   of its own.
 *
 * GTK is not thread-safe; the slots touch widgets freely because they run
 * on the thread that runs GTK's main context, queued like any other call.
 *
 * Usage: gtk-example [--socket PATH] [--click NAME]
 *
 * Prints "label: TEXT" and "status: TEXT" whenever the label or the
 * status line change, and "gtk-example: ready" once subscribed. --click
 * activates the button NAME ("hello" or "goodbye") once ready, as a click
 * would: for tests and for trying it out without a pointer.
 */

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include <glib-unix.h>
#include <gtk/gtk.h>
#include <mreventloop.h>

static char *socket_path;
static char *click;
static gboolean failed;

/* The window ------------------------------------------------------------ */

#define EXAMPLE_TYPE_WINDOW (example_window_get_type ())
G_DECLARE_FINAL_TYPE (ExampleWindow, example_window, EXAMPLE, WINDOW, GtkApplicationWindow)

struct _ExampleWindow
{
  GtkApplicationWindow parent_instance;
  GtkWidget           *message;   /* GtkLabel */
  GtkWidget           *status;    /* GtkLabel */
  GtkWidget           *hello;     /* GtkButton */
  GtkWidget           *goodbye;   /* GtkButton */
  MrePeer             *peer;
};

G_DEFINE_FINAL_TYPE (ExampleWindow, example_window, GTK_TYPE_APPLICATION_WINDOW)

/* The slot "show-message": the text of a "gtk.label" event, on GTK's
 * thread. */
static gboolean
example_window_show_message (ExampleWindow  *self,
                             const char     *text,
                             GError        **error)
{
  gtk_label_set_text (GTK_LABEL (self->message), text);

  return TRUE;
}

/* The slot "show-peer-state": the first argument of the peer's
 * "state-changed" (a slot may take fewer arguments than the signal has). */
static gboolean
example_window_show_peer_state (ExampleWindow  *self,
                                MrePeerState    state,
                                GError        **error)
{
  static const char *texts[] = {
    [MRE_PEER_STATE_DISCONNECTED] = "Disconnected; trying again",
    [MRE_PEER_STATE_CONNECTING] = "Connecting…",
    [MRE_PEER_STATE_CONNECTED] = "Connected",
    [MRE_PEER_STATE_CLOSED] = "Closed",
  };

  if ((guint) state < G_N_ELEMENTS (texts))
    gtk_label_set_text (GTK_LABEL (self->status), texts[state]);

  return TRUE;
}

static void
label_changed_cb (GtkLabel   *label,
                  GParamSpec *pspec,
                  gpointer    user_data)
{
  printf ("%s: %s\n", (const char *) user_data, gtk_label_get_text (label));
  fflush (stdout);
}

static void
example_window_dispose (GObject *object)
{
  ExampleWindow *self = EXAMPLE_WINDOW (object);

  if (self->peer != NULL)
    mre_peer_close (self->peer);
  g_clear_object (&self->peer);

  G_OBJECT_CLASS (example_window_parent_class)->dispose (object);
}

static void
example_window_class_init (ExampleWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = example_window_dispose;

  mre_slot_install (G_TYPE_FROM_CLASS (klass), "show-message",
                    G_CALLBACK (example_window_show_message), MRE_SLOT_DEFAULT,
                    1, G_TYPE_STRING);
  mre_slot_install (G_TYPE_FROM_CLASS (klass), "show-peer-state",
                    G_CALLBACK (example_window_show_peer_state), MRE_SLOT_DEFAULT,
                    1, MRE_TYPE_PEER_STATE);
}

static void
example_window_init (ExampleWindow *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);

  gtk_window_set_title (GTK_WINDOW (self), "mreventloop");
  gtk_window_set_default_size (GTK_WINDOW (self), 360, 160);

  self->message = gtk_label_new (NULL);
  self->status = gtk_label_new (NULL);
  gtk_widget_add_css_class (self->message, "title-1");
  gtk_widget_add_css_class (self->status, "dim-label");
  g_signal_connect (self->message, "notify::label", G_CALLBACK (label_changed_cb), "label");
  g_signal_connect (self->status, "notify::label", G_CALLBACK (label_changed_cb), "status");

  self->hello = gtk_button_new_with_label ("Hello");
  self->goodbye = gtk_button_new_with_label ("Goodbye");
  gtk_widget_set_halign (buttons, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (buttons), self->hello);
  gtk_box_append (GTK_BOX (buttons), self->goodbye);

  gtk_widget_set_margin_top (box, 18);
  gtk_widget_set_margin_bottom (box, 18);
  gtk_widget_set_margin_start (box, 18);
  gtk_widget_set_margin_end (box, 18);
  gtk_widget_set_vexpand (self->message, TRUE);
  gtk_box_append (GTK_BOX (box), self->message);
  gtk_box_append (GTK_BOX (box), buttons);
  gtk_box_append (GTK_BOX (box), self->status);
  gtk_window_set_child (GTK_WINDOW (self), box);

  gtk_label_set_text (GTK_LABEL (self->message), "No message yet");
  gtk_label_set_text (GTK_LABEL (self->status), "Not connected");
}

/* Connecting ------------------------------------------------------------ */

static void
fail (GtkApplication *app,
      GError         *error)
{
  g_printerr ("gtk-example: %s\n", error->message);
  failed = TRUE;
  g_application_quit (G_APPLICATION (app));
}

static void
subscribed_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(ExampleWindow) self = user_data;
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));
  g_autoptr(GError) error = NULL;

  if (!mre_peer_subscribe_finish (MRE_PEER (source), result, &error))
    {
      fail (app, error);
      return;
    }

  printf ("gtk-example: ready\n");
  fflush (stdout);

  if (g_strcmp0 (click, "hello") == 0)
    gtk_widget_activate (self->hello);
  else if (g_strcmp0 (click, "goodbye") == 0)
    gtk_widget_activate (self->goodbye);
}

/* Runs on GTK's main context, the one that called start_async. */
static void
started_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(ExampleWindow) self = user_data;
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));
  g_autoptr(GError) error = NULL;

  if (!mre_peer_start_finish (MRE_PEER (source), result, &error))
    {
      fail (app, error);
      return;
    }

  /* Asynchronous, like every call made from GTK's thread: the window
   * keeps drawing meanwhile. */
  mre_peer_subscribe_async (self->peer, "gtk.label", NULL, NULL, subscribed_cb,
                            g_object_ref (self));
}

static gboolean
example_window_connect (ExampleWindow  *self,
                        GError        **error)
{
  g_autoptr(MreEventLoop) loop = NULL;

  /* The window's slots run on GTK's main context (the default one),
   * which gtk_application's main loop iterates. Started here, the loop
   * takes calls from now on; it has no thread of its own. */
  loop = mre_event_loop_new_for_context (NULL);
  if (!mre_event_loop_start (loop, error))
    return FALSE;
  mre_object_set_event_loop (self, loop);

  /* The peer does its socket I/O on a thread of its own, so a busy bus
   * never stalls a frame. */
  self->peer = socket_path != NULL ? mre_peer_new (socket_path, "gtk-example")
                                   : mre_peer_new_default ("gtk-example");

  if (mre_connect (self->peer, "event::gtk.label", self, "show-message",
                   MRE_CONNECT_DEFAULT, error) == 0 ||
      mre_connect (self->peer, "state-changed", self, "show-peer-state",
                   MRE_CONNECT_DEFAULT, error) == 0)
    return FALSE;

  /* A button's own "clicked" signal becomes an event, argument-less. */
  if (mre_peer_forward (self->peer, self->hello, "clicked", "gtk.button.hello",
                        MRE_DELIVERY_YELL, 0, error) == 0 ||
      mre_peer_forward (self->peer, self->goodbye, "clicked", "gtk.button.goodbye",
                        MRE_DELIVERY_YELL, 0, error) == 0)
    return FALSE;

  mre_peer_start_async (self->peer, NULL, started_cb, g_object_ref (self));

  return TRUE;
}

/* The application --------------------------------------------------------- */

static void
activate_cb (GtkApplication *app,
             gpointer        user_data)
{
  ExampleWindow *window;
  g_autoptr(GError) error = NULL;

  window = g_object_new (EXAMPLE_TYPE_WINDOW, "application", app, NULL);
  gtk_window_present (GTK_WINDOW (window));

  if (!example_window_connect (window, &error))
    fail (app, error);
}

static gboolean
quit_cb (gpointer user_data)
{
  g_application_quit (user_data);

  return G_SOURCE_CONTINUE;
}

int
main (int   argc,
      char *argv[])
{
  const GOptionEntry entries[] = {
    { "socket", 's', G_OPTION_FLAG_NONE, G_OPTION_ARG_FILENAME, &socket_path,
      "The broker's socket (default: the default bus)", "PATH" },
    { "click", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_STRING, &click,
      "Once connected, click the button NAME (hello or goodbye)", "NAME" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GtkApplication) app = NULL;
  g_autoptr(GError) error = NULL;
  char *app_argv[] = { argv[0], NULL };
  int status;

  context = g_option_context_new ("- a GTK window on the bus");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("gtk-example: %s\n", error->message);
      return EXIT_FAILURE;
    }

  app = gtk_application_new ("org.mreventloop.GtkExample", G_APPLICATION_NON_UNIQUE);
  g_signal_connect (app, "activate", G_CALLBACK (activate_cb), NULL);
  g_unix_signal_add (SIGTERM, quit_cb, app);
  g_unix_signal_add (SIGINT, quit_cb, app);

  /* Our options are parsed; GApplication gets none of them. */
  status = g_application_run (G_APPLICATION (app), 1, app_argv);

  g_free (socket_path);
  g_free (click);

  return failed ? EXIT_FAILURE : status;
}
