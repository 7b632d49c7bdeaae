#!/usr/bin/env bash
# bench/api/run.sh — the API under load (issue 6): wrk on a 500-item list page
# and on a namespace topology of a large kubesim cluster, and many WebSocket
# subscribers under churn. Reference in the same run: /healthz of the same
# server (the HTTP layer alone). Appends to bench/RESULTS.md under "## api".
#
#   BUILD=build bench/api/run.sh
#   NODES=5000 PODS=150000 CHURN=2000 CLIENTS=1000 SECS=10 (defaults)
#   START_S=120 (kubesim start), SYNC_S=1200 (kubilitics' first sync) bound the waits
#   WATCH_WINDOW=100000: kubesim's watch history in events (its default, 10,000, is
#   about 3 s of a 150k-pod cluster under churn 2000 with its controllers, shorter
#   than the initial sync: every watch would start with 410 Gone and relist)
#
# kubilitics is pinned to CPU 0 (one core: the loop is single-threaded),
# wrk and the load driver to the other CPUs, kubesim floats.
# BASE=path/to/older/kubilitics measures it too (list, topology and the
# WebSocket run) against the same kubesim, for before/after ratios.
set -uo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
NODES=${NODES:-5000}
PODS=${PODS:-150000}
CHURN=${CHURN:-2000}
CLIENTS=${CLIENTS:-1000}
SECS=${SECS:-10}
# RESULTS=FILE appends elsewhere (trial runs)
CONNS=${CONNS:-50}
tmp=$(mktemp -d /tmp/kb-bench-api.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
ulimit -n 65536 2>/dev/null || ulimit -n 4096
ncpu=$(nproc)
other="1-$((ncpu - 1))"
[ "$ncpu" -lt 2 ] && other=0

. tools/wait-line.sh

echo "kubesim --nodes $NODES --pods $PODS --churn $CHURN (generation may take a while)"
"$BUILD/kubesim" --listen 127.0.0.1:0 --nodes "$NODES" --pods "$PODS" --churn "$CHURN" \
  --watch-window "${WATCH_WINDOW:-100000}" --kubeconfig-out "$tmp/kc.yaml" >"$tmp/sim.out" 2>"$tmp/sim.err" &
pids+=($!)
sim_t0=$(date +%s)
sim=$(wait_line "$tmp/sim.out" "${START_S:-120}") || { echo "kubesim did not start within ${START_S:-120}s: retry with smaller NODES/PODS"; tail "$tmp/sim.err"; exit 1; }
sim_start_s=$(($(date +%s) - sim_t0))
simpid=${pids[-1]}
cc -O2 -Wall -o "$tmp/wsload" bench/api/wsload.c -lpthread || exit 1
token=$(grep -o 'token: .*' "$tmp/kc.yaml" | head -1 | cut -d' ' -f2)
start_kb() { # binary name → sets kb, kbpid, cluster, sync_s, objects
  taskset -c 0 "$1" serve --kubeconfig "$tmp/kc.yaml" --listen 127.0.0.1:0 \
    --data-dir "$tmp/data-$2" --plugins plugins >"$tmp/kb-$2.out" 2>"$tmp/kb-$2.err" &
  kbpid=$!
  pids+=($kbpid)
  kb=$(wait_line "$tmp/kb-$2.out" 120) || { echo "kubilitics did not start"; tail "$tmp/kb-$2.err"; exit 1; }
  cluster=$(curl -s "$kb/api/v1/clusters" | python3 -c 'import sys,json; print(json.load(sys.stdin)[0]["id"])')
  echo "waiting for $cluster to sync ($2)"
  local t0
  t0=$(date +%s)
  until curl -s "$kb/api/v1/clusters" | grep -q '"status":"connected"'; do
    sleep 1
    if [ $(($(date +%s) - t0)) -gt "${SYNC_S:-1200}" ]; then
      echo "cluster did not sync within ${SYNC_S:-1200}s: $(curl -s "$kb/api/v1/clusters" | head -c 300)"
      echo "### $(date -u +%Y-%m-%dT%H:%MZ) — not completed: kubesim --nodes $NODES --pods $PODS; kubilitics had" \
        "not synced after ${SYNC_S:-1200}s ($(curl -s "$kb/api/v1/clusters" | python3 -c 'import sys,json; print(json.load(sys.stdin)[0].get("objects"))' 2>/dev/null) objects); load $(cut -d' ' -f1-3 /proc/loadavg)" \
        | python3 bench/record.py api "${RESULTS:-bench/RESULTS.md}"
      exit 1
    fi
  done
  sync_s=$(($(date +%s) - t0))
  objects=$(curl -s "$kb/api/v1/clusters" | python3 -c 'import sys,json; print(json.load(sys.stdin)[0]["objects"])')
}
stop_kb() { kill "$kbpid" 2>/dev/null; wait "$kbpid" 2>/dev/null; }

cpu_of() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
run_wrk() { # pid url [wrk options…] → "req/s p99ms cpu_us_per_req"
  local c0 c1 out rps p99 reqs cpu
  c0=$(cpu_of "$1")
  out=$(taskset -c "$other" wrk -t1 -c"$CONNS" -d"${SECS}s" --latency "${@:3}" "$2")
  c1=$(cpu_of "$1")
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; print v}')
  reqs=$(echo "$out" | awk '/requests in/ {print $1}')
  cpu=$(python3 -c "print(round(($c1-$c0)/$hz*1e6/max(1,${reqs:-0}),1))")
  echo "$rps $p99 $cpu"
}

run_ws() { # → the driver's JSON line, with the server's CPU seconds added
  local c0 c1 w0 w1 out
  c0=$(cpu_of "$kbpid")
  w0=$(awk '{print $2}' "/proc/$kbpid/schedstat") # ns waited for a CPU while runnable
  out=$(taskset -c "$other" "$tmp/wsload" --kb "${kb#http://}" --sim "${sim#http://}" --token "$token" \
    --cluster "$cluster" --clients "$CLIENTS" --namespaces "$nslist" --probes 200 --server-pid "$kbpid" \
    2>"$tmp/wsload.err" | tail -1)
  c1=$(cpu_of "$kbpid")
  w1=$(awk '{print $2}' "/proc/$kbpid/schedstat")
  [ -z "$out" ] && { tail "$tmp/wsload.err" >&2; out='{}'; }
  echo "$out" | python3 -c "import sys,json; d=json.load(sys.stdin); d['server_cpu_s']=($c1-$c0)/$hz; d['server_runq_wait_s']=($w1-$w0)/1e9; print(json.dumps(d))"
}

pick_ns() { # the namespace with the most pods, and the 20 largest for the subscribers
  python3 - "$kb" "$cluster" <<'EOF2'
import json, sys, urllib.request
kb, c = sys.argv[1], sys.argv[2]
get = lambda p: json.load(urllib.request.urlopen(kb + "/api/v1/clusters/" + c + p))
nss = [i["name"] for i in get("/resources/namespaces?limit=5000")["items"]]
counts = []
for n in nss:
    d = get("/resources/pods?limit=1&namespace=" + n)
    counts.append((len(d["items"]) + d["remaining"], n))
counts.sort(reverse=True)
print(counts[0][1], counts[0][0], ",".join(n for k, n in counts[:20] if k > 0))
EOF2
}

if [ -n "${BASE:-}" ]; then
  start_kb "$BASE" base
  read -r ns nspods nslist < <(pick_ns)
  list="$kb/api/v1/clusters/$cluster/resources/pods?namespace=$ns&limit=500"
  topo="$kb/api/v1/clusters/$cluster/topology?namespace=$ns"
  echo "BASE wrk: list page"
  read -r bl_rps bl_p99 bl_cpu < <(run_wrk "$kbpid" "$list")
  echo "BASE wrk: namespace topology"
  read -r bt_rps bt_p99 bt_cpu < <(run_wrk "$kbpid" "$topo")
  echo "BASE WebSocket"
  bws=$(run_ws)
  echo "$bws"
  stop_kb
fi

start_kb "$BUILD/kubilitics" new
read -r ns nspods nslist < <(pick_ns)
echo "namespace $ns holds $nspods pods"
list="$kb/api/v1/clusters/$cluster/resources/pods?namespace=$ns&limit=500"
topo="$kb/api/v1/clusters/$cluster/topology?namespace=$ns"
curl -s "$list" >"$tmp/list.json"
bytes_list=$(wc -c <"$tmp/list.json")
# the same page for a client that takes gzip: a repeat comes from the kept
# page, gzipped (unless the second or the page's pods changed in between)
bytes_list_gz=$bytes_list
for _ in $(seq 1 20); do
  if curl -s -D "$tmp/gz.h" -H 'Accept-Encoding: gzip' "$list" -o "$tmp/list.gz" &&
    grep -qi '^content-encoding: gzip' "$tmp/gz.h"; then
    bytes_list_gz=$(wc -c <"$tmp/list.gz")
    break
  fi
done
bytes_topo=$(curl -s "$topo" | wc -c)

# nginx on the same CPU serving a file of the list page's size
ngx=""
if command -v nginx >/dev/null; then
  mkdir -p "$tmp/www" "$tmp/ngx"
  cp "$tmp/list.json" "$tmp/www/list.json"
  gzip -1 -c "$tmp/list.json" >"$tmp/www/list.json.gz" # the reference for gzip: the same bytes, pre-compressed
  chmod a+rx "$tmp" "$tmp/www" && chmod a+r "$tmp/www/list.json" "$tmp/www/list.json.gz" # nginx may read as another user
  ngport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  cat >"$tmp/ngx/nginx.conf" <<EOF2
daemon off; master_process off; worker_processes 1; pid $tmp/ngx/nginx.pid; error_log $tmp/ngx/error.log;
events { worker_connections 4096; }
http { access_log off; sendfile on; tcp_nopush on; keepalive_requests 1000000;
  client_body_temp_path $tmp/ngx; proxy_temp_path $tmp/ngx; fastcgi_temp_path $tmp/ngx;
  uwsgi_temp_path $tmp/ngx; scgi_temp_path $tmp/ngx;
  server { listen 127.0.0.1:$ngport; root $tmp/www; gzip_static on; } }
EOF2
  taskset -c 0 nginx -p "$tmp/ngx" -c "$tmp/ngx/nginx.conf" 2>"$tmp/ngx/start.err" &
  ngxpid=$!
  pids+=($ngxpid)
  sleep 1
  curl -sf "http://127.0.0.1:$ngport/list.json" >/dev/null && ngx="http://127.0.0.1:$ngport/list.json"
fi

echo "wrk: /healthz (reference)"
read -r h_rps h_p99 h_cpu < <(run_wrk "$kbpid" "$kb/healthz")
if [ -n "$ngx" ]; then
  echo "wrk: nginx static file of $bytes_list bytes (reference)"
  read -r n_rps n_p99 n_cpu < <(run_wrk "$ngxpid" "$ngx")
  echo "wrk: nginx gzip_static of the same file (reference)"
  read -r nz_rps nz_p99 nz_cpu < <(run_wrk "$ngxpid" "$ngx" -H "Accept-Encoding: gzip")
  bytes_ngx_gz=$(wc -c <"$tmp/www/list.json.gz")
  kill "$ngxpid" 2>/dev/null
fi
echo "wrk: list page ($bytes_list bytes)"
read -r l_rps l_p99 l_cpu < <(run_wrk "$kbpid" "$list")
echo "wrk: list page, Accept-Encoding: gzip ($bytes_list_gz bytes)"
read -r lz_rps lz_p99 lz_cpu < <(run_wrk "$kbpid" "$list" -H "Accept-Encoding: gzip")
echo "wrk: namespace topology ($bytes_topo bytes)"
read -r t_rps t_p99 t_cpu < <(run_wrk "$kbpid" "$topo")
echo "wrk: namespace topology with If-None-Match (304)"
etag=$(curl -si "$topo" | awk -F': ' 'tolower($1)=="etag" {print $2}' | tr -d '\r')
read -r e_rps e_p99 e_cpu < <(run_wrk "$kbpid" "$topo" -H "If-None-Match: $etag")

echo "WebSocket: $CLIENTS clients over $(echo "$nslist" | tr ',' '\n' | wc -l) namespaces, churn $CHURN/s"
ws=$(run_ws)
echo "$ws"
stop_kb
wsf() { echo "$ws" | python3 -c "import sys,json; d=json.load(sys.stdin); print(round(d.get('$1', -1), ${2:-1}))"; }
bwsf() { echo "$bws" | python3 -c "import sys,json; d=json.load(sys.stdin); print(round(d.get('$1', -1), ${2:-1}))"; }

ratio() { python3 -c "print(round(${1:-0}/max(1e-9,${2:-0}),2) if ${2:-0} else 'n/a')"; }
machine="$(uname -sr), $(nproc) × $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
{
  echo
  echo "### $(date -u +%Y-%m-%dT%H:%MZ) — $machine"
  echo "kubesim --nodes $NODES --pods $PODS --churn $CHURN --watch-window ${WATCH_WINDOW:-100000} (started in ${sim_start_s}s; $objects objects in kubilitics'"
  echo "store, synced in ${sync_s}s); kubilitics and nginx pinned to CPU 0, wrk -t1 -c$CONNS -d${SECS}s and the"
  echo "WebSocket driver (bench/api/wsload.c) on CPUs $other; the churn keeps running during every measurement."
  echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
  echo
  echo "| target | bytes | req/s | p99 ms | server CPU µs/req |"
  echo "|---|---:|---:|---:|---:|"
  echo "| /healthz (reference) | 15 | $h_rps | $h_p99 | $h_cpu |"
  [ -n "$ngx" ] && echo "| nginx, static file of the list page's size (reference) | $bytes_list | $n_rps | $n_p99 | $n_cpu |"
  [ -n "${BASE:-}" ] && echo "| before: pods list page, limit=500, namespace $ns | $bytes_list | $bl_rps | $bl_p99 | $bl_cpu |"
  echo "| pods list page, limit=500, namespace $ns ($nspods pods) | $bytes_list | $l_rps | $l_p99 | $l_cpu |"
  [ -n "$ngx" ] && echo "| nginx gzip_static, the same file gzipped (reference) | $bytes_ngx_gz | $nz_rps | $nz_p99 | $nz_cpu |"
  echo "| same page, Accept-Encoding: gzip | $bytes_list_gz | $lz_rps | $lz_p99 | $lz_cpu |"
  [ -n "${BASE:-}" ] && echo "| before: namespace topology ($ns) | $bytes_topo | $bt_rps | $bt_p99 | $bt_cpu |"
  echo "| namespace topology ($ns) | $bytes_topo | $t_rps | $t_p99 | $t_cpu |"
  echo "| same, If-None-Match → 304 | 0 | $e_rps | $e_p99 | $e_cpu |"
  echo
  echo -n "Ratios: list/healthz $(ratio "$l_rps" "$h_rps")×"
  [ -n "$ngx" ] && echo -n ", list/nginx-static $(ratio "$l_rps" "$n_rps")× (CPU per request $(ratio "$l_cpu" "$n_cpu")×)"
  [ -n "$ngx" ] && echo -n ", gzip list/nginx gzip_static $(ratio "$lz_rps" "$nz_rps")×"
  [ -n "${BASE:-}" ] && echo -n ", list after/before $(ratio "$l_rps" "$bl_rps")×, topology after/before $(ratio "$t_rps" "$bt_rps")×"
  echo ". Target: ≥ 20,000 list req/s on one core."
  if [ -n "$ngx" ]; then
    echo "Bytes moved: nginx $(python3 -c "print(round($n_rps*$bytes_list/1e9,2))") GB/s, kubilitics $(python3 -c "print(round($l_rps*$bytes_list/1e9,2))") GB/s;"
    echo "20,000 pages/s of this size would be $(python3 -c "print(round(20000*$bytes_list/1e9,2))") GB/s."
  fi
  echo
  echo "WebSocket: $CLIENTS clients over $(wsf namespaces 0) namespaces; server RSS per idle socket $(wsf bytes_per_idle_ws 0) bytes"
  echo "(subscribed: $(wsf bytes_per_subscribed_ws 0)). Delivery latency from a ConfigMap write to kubesim to each subscriber"
  echo "of its namespace (200 probes over 10 s): p50 $(wsf latency_ms_p50) ms, p90 $(wsf latency_ms_p90) ms, p99 $(wsf latency_ms_p99) ms, max"
  echo "$(wsf latency_ms_max) ms over $(wsf deliveries 0) deliveries ($(wsf missed 0) missed, $(wsf resyncs 0) resyncs); subscribers received"
  echo "$(wsf messages_per_s 0) messages/s ($(wsf mbytes_per_s 1) MB/s); server CPU during the WebSocket phase $(wsf server_cpu_s) s,"
  echo "and $(wsf server_runq_wait_s) s spent runnable but waiting for CPU 0 (other processes pinned or scheduled there);"
  echo "watch relists by kubilitics during the whole run: $(grep -c '"kube reflector relisting"' "$tmp/kb-new.err")."
  echo "Reference in the same run — kubesim's own share (a plain watch on its ConfigMaps, read by the"
  echo "same driver): p50 $(wsf sim_latency_ms_p50) ms, p90 $(wsf sim_latency_ms_p90) ms, p99 $(wsf sim_latency_ms_p99) ms over $(wsf sim_events 0) probes."
  if [ -n "${BASE:-}" ]; then
    echo "Before (BASE, same kubesim, same driver): p50 $(bwsf latency_ms_p50) ms, p99 $(bwsf latency_ms_p99) ms, $(bwsf missed 0) missed,"
    echo "$(bwsf messages_per_s 0) messages/s, server CPU $(bwsf server_cpu_s) s, runnable-waiting $(bwsf server_runq_wait_s) s (kubesim's share then: p99 $(bwsf sim_latency_ms_p99) ms)."
  fi
  echo "Targets: p99 ≤ 100 ms, ≤ 16 KiB per idle WebSocket."
} | python3 bench/record.py api "${RESULTS:-bench/RESULTS.md}"
