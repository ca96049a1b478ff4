#!/usr/bin/env bash
# fuzz/run.sh
#
# Copyright 2026 The mreventloop authors
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Runs each fuzz target of a -Dfuzzing=true build for a bounded time over
# its seed corpus, one after the other (they are not meant to share CPUs),
# and fails on any crash, leak, timeout or sanitizer report. See
# docs/FUZZING.md.
#
#   fuzz/run.sh [BUILD_DIR/fuzz] [TARGET...]
#
# FUZZ_SECONDS (default 60): how long each target runs.
# FUZZ_WORKDIR (default a new temporary directory): where the units the
#   fuzzer finds, the logs and the artifacts of a crash go; kept on failure.
#   Replay an artifact with: BUILD_DIR/fuzz/fuzz-TARGET ARTIFACT

set -euo pipefail

srcdir=$(cd "$(dirname "$0")" && pwd)
bindir=${1:-$srcdir/../build-fuzz/fuzz}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(frame json handshake)
seconds=${FUZZ_SECONDS:-60}
workdir=${FUZZ_WORKDIR:-$(mktemp -d -t mre-fuzz-XXXXXX)}

# A UBSan report is a finding, not a warning; so is a leak. These replace
# what the environment says (CI's sanitizer step turns leak checks off);
# FUZZ_ASAN_OPTIONS and FUZZ_UBSAN_OPTIONS add to them.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1${FUZZ_ASAN_OPTIONS:+:$FUZZ_ASAN_OPTIONS}
export UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1${FUZZ_UBSAN_OPTIONS:+:$FUZZ_UBSAN_OPTIONS}
export G_DEBUG=fatal-criticals

summary=()
status=0
for target in "${targets[@]}"; do
  exe=$bindir/fuzz-$target
  if [ ! -x "$exe" ]; then
    echo "fuzz/run.sh: no $exe: build with -Dfuzzing=true (docs/FUZZING.md)" >&2
    exit 2
  fi
  mkdir -p "$workdir/$target/corpus" "$workdir/$target/artifacts"
  dict=()
  case $target in
    json|handshake) dict=(-dict="$srcdir/json.dict") ;;
  esac
  log=$workdir/$target/log

  printf '\n=== fuzz-%s: %s s ===\n' "$target" "$seconds"
  set +e
  "$exe" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 \
         -artifact_prefix="$workdir/$target/artifacts/" "${dict[@]}" \
         "$workdir/$target/corpus" "$srcdir/corpus/$target" 2>&1 | tee "$log" |
    grep -v -E -e '^#[0-9]+[[:space:]]+(NEW|REDUCE|pulse)' -e 'Uses:'
  result=${PIPESTATUS[0]}
  set -e

  done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$done_line")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$done_line")
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
  if [ "$result" -ne 0 ] || grep -q -e 'ERROR: AddressSanitizer' -e 'ERROR: LeakSanitizer' \
                                   -e 'runtime error:' -e 'SUMMARY: ' "$log"; then
    summary+=("fuzz-$target: FAILED (exit $result), see $log and $workdir/$target/artifacts/")
    status=1
  else
    summary+=("fuzz-$target: ok, ${runs:-?} runs, ${rate:-?} exec/s, cov: ${cov:-?} ft: ${ft:-?}")
  fi
done

printf '\n=== fuzzing summary ===\n'
printf '%s\n' "${summary[@]}"
if [ "$status" -eq 0 ] && [ -z "${FUZZ_WORKDIR:-}" ]; then
  rm -rf "$workdir"
fi
exit "$status"
