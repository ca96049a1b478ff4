#!/bin/sh
# gtk-test.sh
#
# Copyright 2026 The mreventloop authors
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Runs gtk-example headless and checks, from other processes, that:
#
# - a click on its "Hello" button (--click hello) reaches
#   `mreventloop monitor` as the event "gtk.button.hello";
# - `mreventloop emit gtk.label '["…"]'` changes its label (it prints
#   "label: TEXT" on each change of the GtkLabel's text);
# - its status line follows the peer's connection, set by a slot on GTK's
#   thread from the peer's own thread: "Connected", then, once the broker
#   is gone, "Disconnected; trying again";
# - it exits 0 on SIGTERM.
#
# The display is GTK's broadway backend (gtk4-broadwayd, Debian package
# libgtk-4-bin) or else an X server in memory (Xvfb, package xvfb); with
# neither the test is skipped (exit status 77). MRE_GTK_TEST_BACKEND=
# broadway or x11 picks one.
#
# Usage: gtk-test.sh TOOL APP   (as meson test runs it)

set -eu

if [ $# -ne 2 ]; then
  echo "usage: $0 TOOL APP" >&2
  exit 2
fi
tool=$1
app=$2

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mreventloop-gtk.XXXXXX")
socket=$tmp/bus.sock
pids=
app_pid=
broker_pid=

cleanup () {
  for pid in $app_pid $pids; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail () {
  echo "gtk-test: $*" >&2
  for f in "$tmp"/*.log; do
    [ -f "$f" ] && { echo "--- $(basename "$f")" >&2; cat "$f" >&2; }
  done
  exit 1
}

# Waits up to 10 s for the shell test "$@" to hold.
wait_for () {
  i=0
  until "$@"; do
    i=$((i + 1))
    [ $i -lt 200 ] || return 1
    sleep 0.05
  done
}

logged () {
  grep -q "$1" "$2"
}

# A display ---------------------------------------------------------------

# The display's sockets go to a directory of our own, so that tests in
# parallel do not meet; broadway serves its web page on a unix socket, not
# on a TCP port.
mkdir -m 700 "$tmp/run"
export XDG_RUNTIME_DIR="$tmp/run"
export XDG_STATE_HOME="$tmp/state"

start_broadway () {
  command -v gtk4-broadwayd >/dev/null 2>&1 || return 1
  gtk4-broadwayd --unixsocket "$tmp/run/http.sock" :5 >"$tmp/display.log" 2>&1 &
  pids="$pids $!"
  # broadwayd names its socket after the display number plus one.
  wait_for test -S "$tmp/run/broadway6.socket" || fail "gtk4-broadwayd did not start"
  export GDK_BACKEND=broadway BROADWAY_DISPLAY=:5
  unset DISPLAY WAYLAND_DISPLAY
}

start_xvfb () {
  command -v Xvfb >/dev/null 2>&1 || return 1
  # Xvfb picks a free display and writes its number once it takes clients.
  Xvfb -displayfd 3 -nolisten tcp -screen 0 640x480x24 3>"$tmp/display" 2>"$tmp/display.log" &
  pids="$pids $!"
  wait_for test -s "$tmp/display" || fail "Xvfb did not start"
  export GDK_BACKEND=x11 DISPLAY=":$(cat "$tmp/display")"
  unset WAYLAND_DISPLAY
}

case ${MRE_GTK_TEST_BACKEND:-} in
  broadway) start_broadway || { echo "gtk-test: no gtk4-broadwayd; skipped"; exit 77; } ;;
  x11) start_xvfb || { echo "gtk-test: no Xvfb; skipped"; exit 77; } ;;
  *) start_broadway || start_xvfb ||
       { echo "gtk-test: neither gtk4-broadwayd (libgtk-4-bin) nor Xvfb (xvfb); skipped"; exit 77; } ;;
esac
echo "gtk-test: display backend $GDK_BACKEND"

# Software drawing, no accessibility bus, no dconf: nothing that a
# headless machine lacks.
export GSK_RENDERER=cairo GTK_A11Y=none GSETTINGS_BACKEND=memory

# A broker, and a monitor subscribed before the window comes --------------

"$tool" broker --socket "$socket" 2>"$tmp/broker.log" &
broker_pid=$!
pids="$pids $broker_pid"
wait_for test -S "$socket" || fail "the broker did not come up on $socket"

"$tool" monitor 'gtk.*' --socket "$socket" >"$tmp/monitor.log" 2>&1 &
pids="$pids $!"
subscribed () {
  "$tool" stats --socket "$socket" 2>/dev/null | grep -q '"subscriptions" : [1-9]'
}
wait_for subscribed || fail "the monitor did not subscribe"

# The window --------------------------------------------------------------

"$app" --socket "$socket" --click hello >"$tmp/app.log" 2>&1 &
app_pid=$!
wait_for logged '^gtk-example: ready$' "$tmp/app.log" || fail "the window did not get ready"
logged '^label: No message yet$' "$tmp/app.log" || fail "the label did not start empty"
wait_for logged '^status: Connected$' "$tmp/app.log" || fail "the status line did not say Connected"

wait_for logged '^gtk\.button\.hello gtk-example [^ ]* \[\]$' "$tmp/monitor.log" ||
  fail "the click on Hello did not reach the monitor"

for text in "Hello from another process" "Grüße, second message ✓"; do
  "$tool" emit gtk.label "[\"$text\"]" --socket "$socket" ||
    fail "mreventloop emit failed"
  wait_for logged "^label: $text\$" "$tmp/app.log" ||
    fail "the label did not change to \"$text\""
done

# The broker goes: the peer notices on its own thread, the slot on GTK's
# thread says so.
kill "$broker_pid"
wait "$broker_pid" 2>/dev/null || true
wait_for logged '^status: Disconnected; trying again$' "$tmp/app.log" ||
  fail "the status line did not follow the broker going away"

kill -TERM "$app_pid"
status=0
wait "$app_pid" || status=$?
app_pid=
[ $status -eq 0 ] || fail "gtk-example exited with status $status after SIGTERM"

cat "$tmp/app.log" "$tmp/monitor.log"
echo "gtk-test: OK"
