#!/usr/bin/env bash
# run.sh — run every test suite and print the total on the last line.
#   tests/run.sh [BUILD_DIR]
# Suites: C unit tests (plain build and ASan+UBSan build), busted specs for
# lua/ and plugins/, integration tests against real processes, browser tests.
# Each suite prints "N passed, N failed" last; this script sums them.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=$(realpath "${1:-build}")
export BUILD
total_pass=0 total_fail=0 total_skip=0
logdir=$BUILD/test-logs
mkdir -p "$logdir"

# run_suite NAME CMD… — runs CMD, shows its output, adds its closing counts.
run_suite() {
  local name=$1; shift
  local log=$logdir/$name.log
  echo "=== $name"
  "$@" >"$log" 2>&1
  local rc=$?
  grep -E '^(FAIL|not ok)|^  ' "$log" | head -60
  local line
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
  if [ -z "$line" ]; then
    echo "  $name: no summary line (exit $rc) — counted as one failure; log: $log"
    tail -20 "$log" | sed 's/^/  | /'
    total_fail=$((total_fail + 1))
    return
  fi
  local p f s
  p=$(sed -E 's/^([0-9]+) passed.*/\1/' <<<"$line")
  f=$(sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/' <<<"$line")
  s=$(grep -oE '[0-9]+ skipped' <<<"$line" | grep -oE '[0-9]+' || echo 0)
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
    echo "  $name: exit $rc with no failed test — counted as one failure"
    tail -20 "$log" | sed 's/^/  | /'
    f=1
  fi
  echo "  $line"
  total_pass=$((total_pass + p)); total_fail=$((total_fail + f)); total_skip=$((total_skip + ${s:-0}))
}

# A C test binary per suite, plain and sanitized.
for t in "$BUILD"/tests/test_*; do
  [ -x "$t" ] && run_suite "unit-$(basename "$t")" "$t"
done
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
for t in "$BUILD"/asan/tests/test_*; do
  [ -x "$t" ] && run_suite "asan-$(basename "$t")" "$t"
done
unset ASAN_OPTIONS UBSAN_OPTIONS

# busted prints TAP; turn it into the common summary line.
if ls tests/lua/*_spec.lua >/dev/null 2>&1; then
  run_suite lua bash -c '
    export LUA_PATH="./lua/?.lua;./lua/?/init.lua;./tests/lua/?.lua;;"
    lua5.4 /usr/bin/busted -o TAP tests/lua > "$0" 2>&1; rc=$?
    cat "$0"
    p=$(grep -c "^ok " "$0"); f=$(grep -c "^not ok " "$0")
    echo "$p passed, $f failed"; exit $rc' "$logdir/lua.tap"
fi

for t in tests/integration/test_*.py; do
  [ -f "$t" ] && run_suite "it-$(basename "$t" .py)" /usr/bin/python3 "$t"
done

if [ -f tests/browser/run.sh ]; then
  run_suite browser bash tests/browser/run.sh
fi

echo
if [ "$total_skip" -gt 0 ]; then
  echo "$total_pass passed, $total_fail failed, $total_skip skipped"
else
  echo "$total_pass passed, $total_fail failed"
fi
[ "$total_fail" -eq 0 ]
