#!/bin/sh
# bench/http/run.sh [BUILD] — core/http against nginx, same machine, same run.
#
# Builds bench/http/server.c (core/http + core/base + llhttp at -O2), pins it
# to CPU 0 with taskset, and runs wrk (pinned to the other CPUs) with 100
# connections for $BENCH_SECONDS (default 10) against /healthz and a 4 KiB
# static file; then nginx (1 worker, CPU 0, access_log off, as this user with
# a config in a temp dir) on the same file and an equivalent /healthz, in
# $BENCH_ROUNDS (default 3) alternating rounds, reporting medians. Prints
# requests/s, p99 latency and the ratio, and appends them to bench/RESULTS.md
# under "## http".
set -eu
cd "$(dirname "$0")/../.."
build=${1:-build}
secs=${BENCH_SECONDS:-10}
conns=${BENCH_CONNECTIONS:-100}

need() {
    command -v "$1" >/dev/null 2>&1 && return 0
    [ -x "/usr/sbin/$1" ] && return 0
    if [ "$(id -u)" = 0 ]; then
        apt-get install -y "$2" >/dev/null
    else
        echo "bench/http: $1 missing; run: sudo apt-get install -y $2" >&2
        exit 1
    fi
}
need wrk wrk
need nginx nginx-light
need taskset util-linux
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

tmp=$(mktemp -d /tmp/kb-bench-http.XXXXXX)
srv_pid=""
ngx_started=""
cleanup() {
    [ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null || true
    [ -n "$ngx_started" ] && [ -f "$tmp/nginx.pid" ] && kill "$(cat "$tmp/nginx.pid")" 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

mkdir -p "$tmp/www/static" "$build/bench"
# nginx workers started by root drop to an unprivileged user: let it read.
chmod 755 "$tmp" "$tmp/www" "$tmp/www/static"
head -c 4096 /dev/urandom | base64 -w 76 | head -c 4096 >"$tmp/www/static/4k.txt"
chmod 644 "$tmp/www/static/4k.txt"
bin="$build/bench/http-server"
cc -std=c11 -D_GNU_SOURCE -O2 -g -DNDEBUG -Icore -I/usr/share/include/llhttp \
    $(pkg-config --cflags libuv openssl zlib) -o "$bin" bench/http/server.c core/http/*.c core/base/*.c \
    /usr/share/llhttp/*.c $(pkg-config --libs libuv openssl zlib) -lm -lpthread

ncpu=$(nproc)
load_cpus="1-$((ncpu - 1))"
[ "$ncpu" -lt 2 ] && load_cpus=0
threads=$((ncpu > 2 ? ncpu - 1 : 1))
[ "$threads" -gt 4 ] && threads=4

# wrk_run URL PID → "RPS P99_MS CPU_US_PER_REQUEST". The server's own CPU
# time per request (user + system, from /proc) does not depend on how much
# CPU the load generator got, so it still compares the servers on a busy box.
wrk_run() {
    t0=$(awk '{print $14 + $15}' "/proc/$2/stat")
    out=$(taskset -c "$load_cpus" wrk -t"$threads" -c"$conns" -d"${secs}s" --latency "$1")
    t1=$(awk '{print $14 + $15}' "/proc/$2/stat")
    rps=$(echo "$out" | awk '/^Requests\/sec:/ {print $2}')
    p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
    reqs=$(echo "$out" | awk '/requests in/ {print $1}')
    cpu=$(awk -v a="$t0" -v b="$t1" -v n="$reqs" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", (b - a) / hz * 1e6 / n }')
    errs=$(echo "$out" | awk '/Non-2xx|Socket errors/ {print}' | tr '\n' ' ')
    [ -n "$errs" ] && echo "bench/http: $1: $errs" >&2
    echo "$rps $(to_ms "$p99") $cpu"
}
to_ms() {
    case "$1" in
    *us) echo "$1" | sed 's/us$//' | awk '{printf "%.3f", $1 / 1000}' ;;
    *ms) echo "$1" | sed 's/ms$//' | awk '{printf "%.3f", $1}' ;;
    *s) echo "$1" | sed 's/s$//' | awk '{printf "%.3f", $1 * 1000}' ;;
    *) echo "?" ;;
    esac
}

start_kb() {
    taskset -c 0 "$bin" "$tmp/www/static" >"$tmp/port" &
    srv_pid=$!
    for _ in $(seq 50); do [ -s "$tmp/port" ] && break; sleep 0.1; done
    port=$(cat "$tmp/port")
    curl -sf "http://127.0.0.1:$port/static/4k.txt" -o "$tmp/check" 2>/dev/null && cmp -s "$tmp/check" "$tmp/www/static/4k.txt" ||
        { echo "bench/http: server did not serve the file" >&2; exit 1; }
}
stop_kb() { kill "$srv_pid"; wait "$srv_pid" 2>/dev/null || true; srv_pid=""; rm -f "$tmp/port"; }

nport=$((20000 + $$ % 20000))
mkdir -p "$tmp/ngx"
cat >"$tmp/nginx.conf" <<NGX
worker_processes 1;
daemon on;
pid $tmp/nginx.pid;
error_log $tmp/ngx/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_requests 1000000;
    client_body_temp_path $tmp/ngx/body;
    proxy_temp_path $tmp/ngx/proxy;
    fastcgi_temp_path $tmp/ngx/fastcgi;
    uwsgi_temp_path $tmp/ngx/uwsgi;
    scgi_temp_path $tmp/ngx/scgi;
    types { text/plain txt; }
    default_type application/octet-stream;
    server {
        listen 127.0.0.1:$nport;
        root $tmp/www;
        location = /healthz { default_type text/plain; return 200 "ok"; }
    }
}
NGX
start_ngx() {
    taskset -c 0 "$NGINX" -p "$tmp/ngx" -c "$tmp/nginx.conf" -e "$tmp/ngx/error.log"
    ngx_started=1
    for _ in $(seq 50); do curl -sf "http://127.0.0.1:$nport/static/4k.txt" -o "$tmp/check" && break; sleep 0.1; done
    cmp -s "$tmp/check" "$tmp/www/static/4k.txt" || { echo "bench/http: nginx did not serve the file" >&2; exit 1; }
}
stop_ngx() {
    kill "$(cat "$tmp/nginx.pid")" 2>/dev/null || true
    for _ in $(seq 50); do [ -f "$tmp/nginx.pid" ] || break; sleep 0.1; done
    ngx_started=""
}

# Rounds alternate the two servers so a noisy neighbour hurts both alike;
# the median round of each figure is reported.
rounds=${BENCH_ROUNDS:-3}
: >"$tmp/kb_h"; : >"$tmp/kb_f"; : >"$tmp/ng_h"; : >"$tmp/ng_f"
for _ in $(seq "$rounds"); do
    start_kb
    wrk_run "http://127.0.0.1:$port/healthz" "$srv_pid" >>"$tmp/kb_h"
    wrk_run "http://127.0.0.1:$port/static/4k.txt" "$srv_pid" >>"$tmp/kb_f"
    stop_kb
    start_ngx
    worker=$(pgrep -P "$(cat "$tmp/nginx.pid")" | head -1)
    wrk_run "http://127.0.0.1:$nport/healthz" "$worker" >>"$tmp/ng_h"
    wrk_run "http://127.0.0.1:$nport/static/4k.txt" "$worker" >>"$tmp/ng_f"
    stop_ngx
done
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
for v in kb_h kb_f ng_h ng_f; do
    eval "${v}_rps=\$(cut -d' ' -f1 \"\$tmp/$v\" | median)"
    eval "${v}_p99=\$(cut -d' ' -f2 \"\$tmp/$v\" | median)"
    eval "${v}_cpu=\$(cut -d' ' -f3 \"\$tmp/$v\" | median)"
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "?" }'; }
h_ratio=$(ratio "$kb_h_rps" "$ng_h_rps")
f_ratio=$(ratio "$kb_f_rps" "$ng_f_rps")
h_cratio=$(ratio "$ng_h_cpu" "$kb_h_cpu")
f_cratio=$(ratio "$ng_f_cpu" "$kb_f_cpu")
busy=$(uptime | sed 's/.*load average: //')

cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
block=$(cat <<EOT

### $(date -u +%Y-%m-%dT%H:%MZ) — $(uname -sr), $ncpu × $cpu
wrk -t$threads -c$conns -d${secs}s on CPUs $load_cpus, median of $rounds alternating rounds; servers pinned to CPU 0; $(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2), $("$NGINX" -v 2>&1 | sed 's/.*: //').

Load average at the end: $busy. "CPU µs/req" is the server's own user+system time per request;
its ratio (nginx ÷ core/http) is > 1 when core/http spends less CPU per request.

| target | core/http req/s | p99 ms | CPU µs/req | nginx req/s | p99 ms | CPU µs/req | req/s ratio | CPU ratio |
|---|---:|---:|---:|---:|---:|---:|---:|---:|
| /healthz | $kb_h_rps | $kb_h_p99 | $kb_h_cpu | $ng_h_rps | $ng_h_p99 | $ng_h_cpu | ${h_ratio}× | ${h_cratio}× |
| 4 KiB static file | $kb_f_rps | $kb_f_p99 | $kb_f_cpu | $ng_f_rps | $ng_f_p99 | $ng_f_cpu | ${f_ratio}× | ${f_cratio}× |
EOT
)
echo "$block"

printf '%s\n' "$block" | python3 bench/record.py http >/dev/null
