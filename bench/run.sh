#!/usr/bin/env bash
# run.sh — run every benchmark (bench/*/run.sh), or the ones named.
#   bench/run.sh BUILD_DIR [NAME…]
# Each benchmark measures its subject and a reference in the same run, prints
# its figures and appends them, with the machine and date, to bench/RESULTS.md.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=$(realpath "${1:-build}")
shift || true
export BUILD
names=("$@")
[ ${#names[@]} -eq 0 ] && names=($(ls -d bench/*/ | xargs -n1 basename))
rc=0
for n in "${names[@]}"; do
  [ -x "bench/$n/run.sh" ] || continue
  echo "=== bench $n"
  bash "bench/$n/run.sh" || { echo "bench $n failed"; rc=1; }
done
exit $rc
