#!/bin/sh
# bench/sim — kubesim at scale: start time, resident memory and full paginated
# LIST throughput of pods, against `cat` of the same bytes as the reference.
# Usage: bench/sim/run.sh [BUILD_DIR]  (NODES, PODS, CHURN override the sizes)
# Appends to bench/RESULTS.md under "## sim".
# Not yet measured here: watch fan-out to 50 watchers at --churn 1000.
set -eu
BUILD=${1:-build}
NODES=${NODES:-5000}
PODS=${PODS:-150000}
TMP=$(mktemp -d)
trap 'kill $PID 2>/dev/null || true; rm -rf "$TMP"' EXIT INT TERM

t0=$(date +%s.%N)
"$BUILD/kubesim" --listen 127.0.0.1:0 --nodes "$NODES" --pods "$PODS" --seed 1 \
    --port-file "$TMP/port" >"$TMP/out" 2>"$TMP/err" &
PID=$!
while ! grep -q "listening on" "$TMP/out" 2>/dev/null; do
    kill -0 $PID 2>/dev/null || { echo "kubesim died:"; tail -5 "$TMP/err"; exit 1; }
    sleep 0.1
done
t1=$(date +%s.%N)
URL=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$TMP/out" | head -1)
start_s=$(echo "$t1 - $t0" | bc)
hwm=$(awk '/VmHWM/{print $2}' /proc/$PID/status)
rss=$(awk '/VmRSS/{print $2}' /proc/$PID/status)

# full paginated LIST of pods, limit=500 + continue
: >"$TMP/list"
cont=""
n=0
l0=$(date +%s.%N)
while :; do
    curl -s "$URL/api/v1/pods?limit=500${cont:+&continue=$cont}" -o "$TMP/page"
    cat "$TMP/page" >>"$TMP/list"
    n=$((n + $(grep -o '"kind":"Pod"' "$TMP/page" | wc -l)))
    cont=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["metadata"].get("continue",""))' "$TMP/page")
    [ -n "$cont" ] || break
done
l1=$(date +%s.%N)
bytes=$(stat -c %s "$TMP/list")
list_s=$(echo "$l1 - $l0" | bc)
# reference: reading the same bytes with cat
r0=$(date +%s.%N); cat "$TMP/list" >/dev/null; r1=$(date +%s.%N)
ref_s=$(echo "$r1 - $r0 + 0.000001" | bc)

mbps=$(echo "scale=1; $bytes / 1048576 / $list_s" | bc)
ops=$(echo "scale=0; $n / $list_s" | bc)
refmbps=$(echo "scale=1; $bytes / 1048576 / $ref_s" | bc)
{
    echo ""
    echo "## sim"
    echo ""
    echo "$(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores ($(uname -m)), kubesim --nodes $NODES --pods $PODS"
    echo ""
    echo "| figure | value |"
    echo "|---|---|"
    echo "| start until listening | ${start_s} s |"
    echo "| VmHWM / VmRSS | $((hwm / 1024)) / $((rss / 1024)) MiB |"
    echo "| paginated LIST of $n pods (limit 500, curl) | ${list_s} s, ${ops} objects/s, ${mbps} MB/s |"
    echo "| reference: cat of the same $((bytes / 1048576)) MiB | ${refmbps} MB/s |"
} | tee -a "$(dirname "$0")/../RESULTS.md"
