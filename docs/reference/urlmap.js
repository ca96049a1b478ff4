// urlmap.js
//
// Copyright 2026 The mreventloop authors
//
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Where gi-docgen's links to other namespaces point.
baseURLs = [
  [ 'GLib', 'https://docs.gtk.org/glib/' ],
  [ 'GObject', 'https://docs.gtk.org/gobject/' ],
  [ 'Gio', 'https://docs.gtk.org/gio/' ],
  [ 'Json', 'https://gnome.pages.gitlab.gnome.org/json-glib/' ],
]
