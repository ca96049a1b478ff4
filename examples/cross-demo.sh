#!/bin/sh
# cross-demo.sh
#
# Copyright 2026 The mreventloop authors
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# MrEventLoop's "Crossing Sockets" across three processes: a broker on a
# socket of its own in a temporary directory, cross-producer and
# cross-consumer. The consumer requests a product, the producer produces
# "some product", the consumer consumes it. Checks the output, cleans up
# and exits 0 when all went as it should.
#
# Usage:
#   examples/cross-demo.sh [BUILDDIR]            (default BUILDDIR: build)
#   examples/cross-demo.sh TOOL PRODUCER CONSUMER   (as meson test runs it)

set -eu

case $# in
  0|1)
    build=${1:-build}
    tool=$build/tools/mreventloop
    producer=$build/examples/cross-producer
    consumer=$build/examples/cross-consumer
    ;;
  3)
    tool=$1
    producer=$2
    consumer=$3
    ;;
  *)
    echo "usage: $0 [BUILDDIR] | $0 TOOL PRODUCER CONSUMER" >&2
    exit 2
    ;;
esac

for program in "$tool" "$producer" "$consumer"; do
  if [ ! -x "$program" ]; then
    echo "cross-demo: $program is missing; build first (meson setup build && ninja -C build)" >&2
    exit 1
  fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mreventloop-demo.XXXXXX")
socket=$tmp/bus.sock
broker_pid=
producer_pid=

cleanup () {
  for pid in $producer_pid $broker_pid; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail () {
  echo "cross-demo: $*" >&2
  for log in "$tmp"/*.log; do
    [ -f "$log" ] && { echo "--- $(basename "$log")" >&2; cat "$log" >&2; }
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

# Broker(in_socket_path, out_socket_path)
"$tool" broker --socket "$socket" 2>"$tmp/broker.log" &
broker_pid=$!
wait_for test -S "$socket" || fail "the broker did not come up on $socket"

# The producer says "ready" once subscribed: no request is lost after that.
"$producer" --socket "$socket" >"$tmp/producer.log" 2>&1 &
producer_pid=$!
wait_for grep -q '^producer: ready' "$tmp/producer.log" || fail "the producer did not get ready"

"$consumer" --socket "$socket" >"$tmp/consumer.log" 2>&1 || fail "the consumer failed"

# The producer serves one request, then exits on its own.
wait "$producer_pid" || { producer_pid=; fail "the producer failed"; }
producer_pid=

cat "$tmp/producer.log" "$tmp/consumer.log"

grep -q '^producer: produced "some product"$' "$tmp/producer.log" ||
  fail "the producer did not produce"
grep -q '^consumer: consumed "some product"$' "$tmp/consumer.log" ||
  fail "the consumer did not consume \"some product\""

echo "cross-demo: OK"
