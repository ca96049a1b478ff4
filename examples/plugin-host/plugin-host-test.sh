#!/bin/sh
# plugin-host-test.sh
#
# Copyright 2026 The mreventloop authors
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Runs plugin-host and checks, from outside, what it promises:
#
# 1. Three plugins come up (they tick and answer pings). Plugin 2 is killed
#    with SIGKILL: the host reports its death and restarts it, and the new
#    process is heard from, by the host (which names its pid) and by
#    `mreventloop wait` in another process (the pid in the tick it gets).
#    On SIGTERM the host stops each plugin, exits 0, and leaves no process
#    nor socket behind.
# 2. With --max-restarts 1, a plugin killed twice is not started a third
#    time. Then the host itself is killed with SIGKILL: its plugins follow
#    it (PR_SET_PDEATHSIG), none is left.
#
# Usage: plugin-host-test.sh TOOL HOST PLUGIN   (as meson test runs it)

set -eu

if [ $# -ne 3 ]; then
  echo "usage: $0 TOOL HOST PLUGIN" >&2
  exit 2
fi
tool=$1
host=$2
plugin=$3

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mreventloop-plugin-host.XXXXXX")
host_pid=
log=

# Every process that may be ours: the host, and each plugin it started.
all_plugin_pids () {
  cat "$tmp"/*.log 2>/dev/null | sed -n 's/^host: plugin [0-9]* started (pid \([0-9]*\))$/\1/p'
}

cleanup () {
  [ -n "$host_pid" ] && kill -KILL "$host_pid" 2>/dev/null || true
  for pid in $(all_plugin_pids); do
    alive "$pid" && kill -KILL "$pid" 2>/dev/null || true
  done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail () {
  echo "plugin-host-test: $*" >&2
  for f in "$tmp"/*.log "$tmp"/*.out; do
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

# Whether PID is a live plugin: not gone, not a zombie left to a parent
# that does not reap, and still our program (not a reused pid).
alive () {
  [ -r "/proc/$1/stat" ] || return 1
  state=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) || return 1
  [ -n "$state" ] && [ "$state" != Z ] || return 1
  tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -q plugin-host-plugin
}

none_alive () {
  for pid in $(all_plugin_pids); do
    if alive "$pid"; then
      return 1
    fi
  done
}

logged () {
  grep -q "$1" "$log"
}

# The pid of the Nth process started for plugin ID.
pid_of () {
  sed -n "s/^host: plugin $1 started (pid \([0-9]*\))\$/\1/p" "$log" | sed -n "$2p"
}

has_pid_of () {
  [ -n "$(pid_of "$1" "$2")" ]
}

wait_up () {
  pid=$(pid_of "$1" "$2")
  wait_for logged "^host: plugin $1 (pid $pid) is up: first tick\$" ||
    fail "plugin $1 (pid $pid) never ticked"
  wait_for logged "^host: plugin $1 (pid $pid) answered ping [0-9]*\$" ||
    fail "plugin $1 (pid $pid) never answered a ping"
}

# Prints the pid carried by the next "plugin.ID.tick" on SOCKET, as a
# process other than the host hears it.
tick_pid () {
  "$tool" wait "plugin.$1.tick" --timeout 5 --socket "$2" >"$tmp/wait.out" 2>&1 ||
    fail "no plugin.$1.tick reached mreventloop wait"
  sed -n 's/^\[[0-9]*,\([0-9]*\)\]$/\1/p' "$tmp/wait.out"
}

start_host () {
  log=$tmp/$1.log
  shift
  "$host" --plugin-program "$plugin" --ping-interval 100 "$@" >"$log" 2>&1 &
  host_pid=$!
}

# 1. A plugin killed, restarted and heard from; a clean stop --------------

socket=$tmp/one.sock
start_host one --plugins 3 --socket "$socket"
wait_for logged "^host: broker listening on $socket\$" || fail "the broker did not start"
for id in 1 2 3; do
  wait_for has_pid_of $id 1 || fail "plugin $id did not start"
  wait_up $id 1
done

old=$(pid_of 2 1)
[ "$(tick_pid 2 "$socket")" = "$old" ] || fail "plugin 2's tick did not carry pid $old"

echo "plugin-host-test: killing plugin 2 (pid $old)"
kill -KILL "$old"

wait_for logged "^host: plugin 2 (pid $old) died: killed by signal 9 " ||
  fail "the host did not report the death of plugin 2"
wait_for logged '^host: restarting plugin 2 in [0-9]* ms (restart 1 of 3)$' ||
  fail "the host did not restart plugin 2"
wait_for has_pid_of 2 2 || fail "plugin 2 was not started again"
new=$(pid_of 2 2)
[ "$new" != "$old" ] || fail "plugin 2 restarted with the pid of the dead one"
wait_up 2 2
[ "$(tick_pid 2 "$socket")" = "$new" ] ||
  fail "plugin.2.tick did not come from the restarted process (pid $new)"
! alive "$old" || fail "the killed plugin (pid $old) is still there"

for id in 1 3; do
  [ -z "$(pid_of $id 2)" ] || fail "plugin $id was restarted, but nobody killed it"
done

kill -TERM "$host_pid"
status=0
wait "$host_pid" || status=$?
host_pid=
[ $status -eq 0 ] || fail "the host exited with status $status after SIGTERM"
for id in 1 2 3; do
  pid=$(pid_of $id \$)
  logged "^host: plugin $id (pid $pid) finished: exited with status 0\$" ||
    fail "plugin $id (pid $pid) did not finish cleanly"
done
logged '^host: stopped$' || fail "the host did not say it stopped"
none_alive || fail "a plugin outlived the host"
[ ! -e "$socket" ] || fail "the broker's socket was left behind"

# 2. Restarts are bounded; the host killed takes its plugins along ----------

socket=$tmp/two.sock
start_host two --plugins 2 --max-restarts 1 --socket "$socket"
for id in 1 2; do
  wait_for has_pid_of $id 1 || fail "plugin $id did not start"
  wait_up $id 1
done

kill -KILL "$(pid_of 1 1)"
wait_for has_pid_of 1 2 || fail "plugin 1 was not restarted"
wait_up 1 2
kill -KILL "$(pid_of 1 2)"
wait_for logged '^host: plugin 1 died 2 times; not restarting it (--max-restarts 1)$' ||
  fail "the host did not give up on plugin 1"
[ -z "$(pid_of 1 3)" ] || fail "plugin 1 was restarted more than --max-restarts times"

echo "plugin-host-test: killing the host (pid $host_pid)"
kill -KILL "$host_pid"
wait "$host_pid" 2>/dev/null || true
host_pid=
wait_for none_alive || fail "plugins outlived their host: $(all_plugin_pids | while read -r p; do alive "$p" && echo "$p"; done)"

cat "$tmp/one.log" "$tmp/two.log"
echo "plugin-host-test: OK"
