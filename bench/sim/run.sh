#!/usr/bin/env bash
# bench/sim — kubesim at scale (issue 3's acceptance line):
#   1. start: `kubesim --nodes 5000 --pods 150000` from exec to "listening on"
#      (wall and CPU seconds), resident memory (VmHWM, VmRSS) at that point;
#   2. full paginated LIST of pods with curl (limit=500 + continue, one curl
#      per page as a client would), objects/s and MB/s, median of
#      LIST_ROUNDS rounds; references in the same run: nginx serving the
#      very same page files through the same curl loop, and `cat` of them;
#   3. watch fan-out: a second kubesim with --churn 1000, 50 watches of
#      /api/v1/pods from the current resourceVersion for WATCH_SECONDS, with
#      per-event lag (bench/sim/watchers.c: arrival − the kubesim.io/churn-ts
#      stamp churn writes) and the arrival spread across watchers.
#   4. sustained churn: `--churn CHURN2` (2000) with CHURN_WATCHERS (3)
#      watches of all pods for CHURN_SECONDS: the churn rate kubesim
#      achieved (its "churn" log line), every committed change per second,
#      the watchers' lag, kubesim's CPU and the time it waited for a CPU.
#      Reference in the same run: the same with REF_KUBESIM, by default
#      kubesim built from git REF_GIT (HEAD) into a temporary directory —
#      the simulator before the working tree's changes. An old binary has
#      no churn log line; both are compared on what a watcher sees: churn's
#      pod label edits per second (22 % of churn) and the lag.
# Usage: bench/sim/run.sh [BUILD_DIR]   (env: NODES PODS CHURN WATCHERS
#        WATCH_SECONDS LIST_ROUNDS CHURN2 CHURN_WATCHERS CHURN_SECONDS override
#        the sizes; PARTS (default "start list fanout churn") picks parts;
#        REF_KUBESIM / REF_GIT the reference; RESULTS another file)
# Appends machine, date, figures and ratios to bench/RESULTS.md under "## sim".
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=$(realpath "${1:-${BUILD:-build}}")
NODES=${NODES:-5000}
PODS=${PODS:-150000}
CHURN=${CHURN:-1000}
WATCHERS=${WATCHERS:-50}
WATCH_SECONDS=${WATCH_SECONDS:-30}
LIST_ROUNDS=${LIST_ROUNDS:-3}
CHURN2=${CHURN2:-2000}
CHURN_WATCHERS=${CHURN_WATCHERS:-3}
CHURN_SECONDS=${CHURN_SECONDS:-30}
PARTS=${PARTS:-start list fanout churn}
REF_GIT=${REF_GIT:-HEAD}
part() { [[ " $PARTS " == *" $1 "* ]]; }
KUBESIM="$BUILD/kubesim"
[ -x "$KUBESIM" ] || { echo "bench/sim: $KUBESIM not built (make bins)" >&2; exit 1; }
TMP=$(mktemp -d)
PID=""
NGX_PID_FILE="$TMP/ngx/nginx.pid"
cleanup() {
    [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true
    [ -f "$NGX_PID_FILE" ] && kill "$(cat "$NGX_PID_FILE")" 2>/dev/null || true
    rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

now() { date +%s.%N; }
secs() { echo "scale=3; ($2 - $1) / 1" | bc; }
cpu_s() { awk '{printf "%.2f", ($14 + $15) / 100}' "/proc/$1/stat"; }
mem_mib() { awk -v k="$2" '$1 == k":" {printf "%d", $2 / 1024}' "/proc/$1/status"; }

# start_kubesim ARGS… — sets PID, URL, PORT and START_S (exec → "listening on").
# KUBESIM_BIN (default $KUBESIM) picks the binary.
start_kubesim() {
    : >"$TMP/out"
    local t0 t1
    t0=$(now)
    "${KUBESIM_BIN:-$KUBESIM}" --listen 127.0.0.1:0 --nodes "$NODES" --pods "$PODS" --seed 1 "$@" >"$TMP/out" 2>"$TMP/err" &
    PID=$!
    until grep -q "listening on" "$TMP/out" 2>/dev/null; do
        kill -0 "$PID" 2>/dev/null || { echo "bench/sim: kubesim died:" >&2; tail -5 "$TMP/err" >&2; exit 1; }
        sleep 0.05
    done
    t1=$(now)
    START_S=$(secs "$t0" "$t1")
    URL=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$TMP/out" | head -1)
    PORT=${URL##*:}
}
stop_kubesim() { kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; PID=""; }

# list_pages BASE DIR — walk every page with curl, one curl per page,
# following continue as a client does; pages land in DIR/NNNNN.json and
# the URLs in DIR.urls (for the keep-alive rounds). Prints the page count.
list_pages() {
    local base=$1 dir=$2 cont="" i=0 head q
    rm -rf "$dir"
    mkdir -p "$dir"
    : >"$dir.urls"
    while :; do
        i=$((i + 1))
        local f
        f=$(printf '%s/%05d.json' "$dir" "$i")
        q="/api/v1/pods?limit=500${cont:+&continue=$cont}"
        echo "$q" >>"$dir.urls"
        curl -sf "$base$q" -o "$f"
        head=""
        read -r -N 700 head <"$f" || true
        if [[ $head =~ \"continue\":\"([^\"]+)\" ]]; then
            cont=${BASH_REMATCH[1]}
            cont=${cont//+/%2B}
            cont=${cont//\//%2F}
            cont=${cont//=/%3D}
        else
            break
        fi
    done
    echo "$i"
}

# fetch_pages BASE DIR OUT — the reference for list_pages: one curl per
# file of DIR from BASE, reading each head as list_pages does.
fetch_pages() {
    local base=$1 dir=$2 out=$3 head
    for f in "$dir"/*.json; do
        curl -sf "$base/${f##*/}" -o "$out"
        read -r -N 700 head <"$out" || true
    done
}

# fetch_all BASE URLS — every URL with one curl process over one keep-alive
# connection; prints the bytes received.
fetch_all() {
    local base=$1 urls=$2
    sed "s|^|url = \"$base|; s|\$|\"\noutput = \"/dev/null\"|" "$urls" >"$urls.curl"
    curl -s -K "$urls.curl" -w '%{size_download}\n' | awk '{n += $1} END {print n}'
}

median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

machine="$(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)"
load=$(cut -d' ' -f1-3 /proc/loadavg)

cc -O2 -o "$TMP/watchers" bench/sim/watchers.c
store_rv() { curl -sf "$URL/api/v1/namespaces?limit=1" | sed -n 's/^{[^[]*"resourceVersion":"\([0-9]*\)".*/\1/p'; }
if part start || part list; then
# ---- 1. start and memory
echo "bench/sim: starting kubesim --nodes $NODES --pods $PODS"
start_kubesim
start_s=$START_S
start_cpu=$(cpu_s "$PID")
hwm=$(mem_mib "$PID" VmHWM)
rss=$(mem_mib "$PID" VmRSS)
nobj=$(sed -n 's/.*"msg":"cluster generated".*"objects":\([0-9]*\).*/\1/p' "$TMP/err" | head -1)
gen_ms=$(sed -n 's/.*"msg":"cluster generated".*"ms":\([0-9]*\).*/\1/p' "$TMP/err" | head -1)
echo "  start ${start_s} s (generator ${gen_ms} ms, ${start_cpu} CPU s), VmHWM ${hwm} MiB, VmRSS ${rss} MiB, ${nobj} objects"

if part list; then
# ---- 2. paginated LIST, kubesim then nginx, alternating rounds
NGINX=$(command -v nginx || true)
[ -z "$NGINX" ] && [ -x /usr/sbin/nginx ] && NGINX=/usr/sbin/nginx
nport=$((20000 + $$ % 20000))
mkdir -p "$TMP/ngx"
cat >"$TMP/nginx.conf" <<NGX
worker_processes 1;
daemon on;
pid $NGX_PID_FILE;
error_log $TMP/ngx/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    client_body_temp_path $TMP/ngx/body;
    proxy_temp_path $TMP/ngx/proxy;
    fastcgi_temp_path $TMP/ngx/fastcgi;
    uwsgi_temp_path $TMP/ngx/uwsgi;
    scgi_temp_path $TMP/ngx/scgi;
    default_type application/json;
    server { listen 127.0.0.1:$nport; root $TMP/ref; }
}
NGX
k_times=() n_times=() c_times=()
# round 0: the client loop (one curl per page, following continue)
t0=$(now)
pages=$(list_pages "$URL" "$TMP/pages")
t1=$(now)
loop_s=$(secs "$t0" "$t1")
bytes=$(cat "$TMP/pages"/*.json | wc -c)
# (grep -o is very slow on one 2.6 MB line per page)
nitems=$(python3 -c 'import glob, sys
print(sum(open(f, "rb").read().count(b"{\"apiVersion\":\"v1\",\"kind\":\"Pod\",") for f in glob.glob(sys.argv[1] + "/*.json")))' "$TMP/pages")
# the reference serves exactly these bytes, under the same names
mkdir -p "$TMP/ref"
i=0
while read -r q; do
    i=$((i + 1))
    cp "$(printf '%s/%05d.json' "$TMP/pages" "$i")" "$TMP/ref/$(printf '%05d.json' "$i")"
    printf '/%05d.json\n' "$i" >>"$TMP/ref.urls"
done <"$TMP/pages.urls"
chmod -R a+rX "$TMP"
if [ -n "$NGINX" ]; then
    "$NGINX" -p "$TMP/ngx" -c "$TMP/nginx.conf" -e "$TMP/ngx/error.log" || NGINX=""
    for _ in $(seq 50); do curl -sf "http://127.0.0.1:$nport/00001.json" -o /dev/null && break; sleep 0.1; done
fi
t0=$(now)
fetch_pages "http://127.0.0.1:$nport" "$TMP/ref" "$TMP/ngx.page"
t1=$(now)
ngx_loop_s=$(secs "$t0" "$t1")
# keep-alive rounds: the same page URLs (continue tokens of round 0 name its
# snapshot) through one curl, alternating kubesim and nginx
for round in $(seq "$LIST_ROUNDS"); do
    t0=$(now)
    got=$(fetch_all "$URL" "$TMP/pages.urls")
    t1=$(now)
    [ "$got" = "$bytes" ] || echo "  warning: round $round got $got bytes, expected $bytes" >&2
    k_times+=("$(secs "$t0" "$t1")")
    if [ -n "$NGINX" ]; then
        t0=$(now)
        fetch_all "http://127.0.0.1:$nport" "$TMP/ref.urls" >/dev/null
        t1=$(now)
        n_times+=("$(secs "$t0" "$t1")")
    fi
    t0=$(now)
    cat "$TMP/ref"/*.json >/dev/null
    t1=$(now)
    c_times+=("$(secs "$t0" "$t1")")
done
list_hwm=$(mem_mib "$PID" VmHWM)
list_s=$(printf '%s\n' "${k_times[@]}" | median)
cat_s=$(printf '%s\n' "${c_times[@]}" | median)
mb=$(echo "scale=1; $bytes / 1000000" | bc)
list_mbps=$(echo "scale=1; $bytes / 1000000 / $list_s" | bc)
list_ops=$(echo "scale=0; $nitems / $list_s" | bc)
cat_mbps=$(echo "scale=0; $bytes / 1000000 / ($cat_s + 0.0005)" | bc)
loop_mbps=$(echo "scale=1; $bytes / 1000000 / $loop_s" | bc)
ngx_line="nginx not installed (apt-get install nginx-light): no HTTP reference"
if [ ${#n_times[@]} -gt 0 ]; then
    ngx_s=$(printf '%s\n' "${n_times[@]}" | median)
    ngx_mbps=$(echo "scale=1; $bytes / 1000000 / $ngx_s" | bc)
    ratio=$(echo "scale=2; $list_mbps / $ngx_mbps" | bc)
    ngx_loop_mbps=$(echo "scale=1; $bytes / 1000000 / $ngx_loop_s" | bc)
    loop_ratio=$(echo "scale=2; $loop_mbps / $ngx_loop_mbps" | bc)
    ngx_line="nginx, same files: ${ngx_mbps} MB/s keep-alive (${ratio}×), ${ngx_loop_mbps} MB/s curl per page (${loop_ratio}×)"
fi
echo "  LIST: $nitems pods in $pages pages, ${mb} MB; keep-alive ${list_s} s: ${list_ops} objects/s, ${list_mbps} MB/s; curl per page following continue ${loop_s} s, ${loop_mbps} MB/s; $ngx_line"
fi
stop_kubesim
fi

if part fanout; then
# ---- 3. watch fan-out under churn
echo "bench/sim: starting kubesim --churn $CHURN; $WATCHERS watchers for $WATCH_SECONDS s"
start_kubesim --churn "$CHURN"
sleep 3
rv=$(curl -sf "$URL/api/v1/pods?limit=1" | sed -n 's/^{[^[]*"resourceVersion":"\([0-9]*\)".*/\1/p')
wcpu0=$(cpu_s "$PID")
wrv0=$(store_rv)
wt0=$(now)
wres=$("$TMP/watchers" "$PORT" "/api/v1/pods?watch=1&resourceVersion=$rv" "$WATCHERS" "$WATCH_SECONDS")
wt1=$(now)
wrv1=$(store_rv)
wcpu1=$(cpu_s "$PID")
# what was actually committed (churn plus the controllers' reactions), all kinds
rate=$(echo "scale=0; ($wrv1 - $wrv0) / ($wt1 - $wt0)" | bc)
slow_drops=$(grep -c '"msg":"watch dropped' "$TMP/err" || true)
watch_hwm=$(mem_mib "$PID" VmHWM)
watch_rss=$(mem_mib "$PID" VmRSS)
stop_kubesim
echo "  $wres; $rate changes/s committed"
get() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $wres"; }
kcpu=$(echo "scale=0; 100 * ($wcpu1 - $wcpu0) / $WATCH_SECONDS" | bc)
verdict="no watcher fell behind"
if [ "$(get dropped)" != 0 ] || [ "$(get errors)" != 0 ] || [ "$slow_drops" != 0 ] ||
    [ "$(echo "$(get lag_p99_ms) > 1000" | bc)" = 1 ]; then
    verdict="WATCHERS FELL BEHIND"
fi

fi

# ---- 4. sustained churn, this kubesim and the reference
# churn_run BIN LABEL — one kubesim with --churn $CHURN2 and $CHURN_WATCHERS
# watchers of all pods; sets C_<figure> variables prefixed by LABEL.
churn_run() {
    local bin=$1 label=$2
    echo "bench/sim: $label: $bin --churn $CHURN2; $CHURN_WATCHERS watchers for $CHURN_SECONDS s"
    KUBESIM_BIN=$bin start_kubesim --churn "$CHURN2"
    sleep 5 # past the first burst of the controllers' sweep
    local rv c0 c1 w0 w1 r0 r1 t0 t1 res
    rv=$(curl -sf "$URL/api/v1/pods?limit=1" | sed -n 's/^{[^[]*"resourceVersion":"\([0-9]*\)".*/\1/p')
    : >"$TMP/err.mark"
    local from_line
    from_line=$(wc -l <"$TMP/err")
    c0=$(cpu_s "$PID")
    w0=$(awk '{print $2 / 1e9}' "/proc/$PID/schedstat")
    r0=$(store_rv)
    t0=$(now)
    res=$("$TMP/watchers" "$PORT" "/api/v1/pods?watch=1&resourceVersion=$rv" "$CHURN_WATCHERS" "$CHURN_SECONDS")
    t1=$(now)
    r1=$(store_rv)
    c1=$(cpu_s "$PID")
    w1=$(awk '{print $2 / 1e9}' "/proc/$PID/schedstat")
    local secs hwm achieved
    secs=$(echo "$t1 - $t0" | bc)
    hwm=$(mem_mib "$PID" VmHWM)
    # the "churn" lines logged during the run (every ~10 s): their mean
    achieved=$(tail -n +"$((from_line + 1))" "$TMP/err" | sed -n 's/.*"msg":"churn".*"achieved":\([0-9.]*\).*/\1/p' |
        awk '{s += $1; n++} END {if (n) printf "%.0f", s / n; else print "n/a"}')
    local top
    top=$(tail -n +"$((from_line + 1))" "$TMP/err" | sed -n 's/.*"msg":"churn".*"top_kinds":"\([^"]*\)".*/\1/p' | tail -1)
    local queued
    queued=$(tail -n +"$((from_line + 1))" "$TMP/err" | sed -n 's/.*"msg":"controllers".*"queued":\([0-9]*\).*/\1/p' | tail -1)
    stop_kubesim
    echo "  $res"
    eval "${label}_res=\$res ${label}_secs=\$secs ${label}_hwm=\$hwm ${label}_achieved=\$achieved"
    eval "${label}_top=\$top ${label}_queued=\${queued:-n/a}"
    eval "${label}_committed=$(echo "scale=0; ($r1 - $r0) / $secs" | bc)"
    eval "${label}_cpu=$(echo "scale=0; 100 * ($c1 - $c0) / $secs" | bc)"
    eval "${label}_wait=$(echo "scale=0; 100 * ($w1 - $w0) / $secs" | bc)"
}
if part churn; then
    REF_BIN=${REF_KUBESIM:-}
    if [ -z "$REF_BIN" ] && git rev-parse --verify -q "$REF_GIT" >/dev/null; then
        echo "bench/sim: building the reference kubesim from git $REF_GIT"
        mkdir -p "$TMP/refsrc"
        git archive --format=tar "$REF_GIT" Makefile core sim | tar -x -C "$TMP/refsrc"
        if make -s -C "$TMP/refsrc" BUILD="$TMP/refsrc/build" "$TMP/refsrc/build/kubesim" >"$TMP/refbuild.log" 2>&1; then
            REF_BIN="$TMP/refsrc/build/kubesim"
        else
            echo "  reference build failed (tail of $TMP/refbuild.log):" >&2
            tail -5 "$TMP/refbuild.log" >&2
        fi
    fi
    churn_load=$(cut -d' ' -f1-3 /proc/loadavg)
    churn_run "$KUBESIM" new
    [ -n "$REF_BIN" ] && churn_run "$REF_BIN" ref
    cget() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<" $1"; }
fi

{
    echo ""
    echo "## sim"
    echo ""
    echo "$(date -u +%Y-%m-%dT%H:%MZ), $machine; load average at start $load (shared machine)."
    echo "\`kubesim --nodes $NODES --pods $PODS --seed 1\`${nobj:+, $nobj objects}. bench/sim/run.sh (parts: $PARTS)."
    echo ""
    echo "| figure | kubesim | reference (same run) | ratio |"
    echo "|---|---|---|---|"
    if part start || part list; then
        echo "| start until \`listening on\` | ${start_s} s wall (generator ${gen_ms} ms), ${start_cpu} s CPU | target < 30 s | |"
        echo "| resident memory at start | VmHWM ${hwm} MiB, VmRSS ${rss} MiB | target < 2048 MiB | |"
    fi
    if part list; then
        echo "| paginated LIST of $nitems pods (${mb} MB), limit 500, $pages pages, one curl over keep-alive (median of $LIST_ROUNDS) | ${list_s} s, ${list_ops} objects/s, ${list_mbps} MB/s (VmHWM after: ${list_hwm} MiB) | nginx, same files, same curl: ${ngx_mbps:-n/a} MB/s; cat ${cat_mbps} MB/s | ${ratio:-n/a}× nginx |"
        echo "| the same, one curl per page following \`continue\` (a shell client) | ${loop_s} s, ${loop_mbps} MB/s | nginx, same loop: ${ngx_loop_mbps:-n/a} MB/s | ${loop_ratio:-n/a}× nginx |"
    fi
    if part fanout; then
        echo "| watch fan-out: $WATCHERS watches of pods, --churn $CHURN ($rate changes/s committed, all kinds, controllers' included), ${WATCH_SECONDS} s | events per watcher $(get events_min)–$(get events_max), dropped $(get dropped), errors $(get errors), rv gap at end $(get rv_gap_at_end); lag p50/p99/max $(get lag_p50_ms)/$(get lag_p99_ms)/$(get lag_max_ms) ms ($(get stamped) stamped events) | spread behind the first watcher p50/p99/max $(get spread_p50_ms)/$(get spread_p99_ms)/$(get spread_max_ms) ms | kubesim CPU ${kcpu}% of a core; VmHWM ${watch_hwm} MiB, VmRSS ${watch_rss} MiB |"
    fi
    if part churn; then
        refcol() { if [ -n "${REF_BIN:-}" ]; then echo "$1"; else echo "no reference"; fi; }
        echo "| sustained churn: --churn $CHURN2, $CHURN_WATCHERS watches of all pods, ${CHURN_SECONDS} s (load average $churn_load) | churn achieved ${new_achieved}/s (its log line); $new_committed changes/s committed, all kinds; kubesim CPU ${new_cpu}% of a core, waiting for a CPU ${new_wait}% of the time; VmHWM ${new_hwm} MiB; controllers' backlog at the end ${new_queued} keys | $(refcol "kubesim at git $REF_GIT: $ref_committed changes/s committed; CPU ${ref_cpu}%, waiting ${ref_wait}%") | $(echo "scale=3; ${new_achieved:-0} / $CHURN2" | bc) of the target |"
        echo "| churn's pod label edits seen by the slowest watcher (22 % of churn) | $(cget "$new_res" stamped_per_s)/s (⇒ churn ≈ $(echo "scale=0; $(cget "$new_res" stamped_per_s) / 0.22" | bc)/s); pod events $(cget "$new_res" events_per_s)/s | $(refcol "$(cget "${ref_res:-}" stamped_per_s)/s (⇒ ≈ $(echo "scale=0; $(cget "${ref_res:-x=0}" stamped_per_s) / 0.22" | bc 2>/dev/null)/s); pod events $(cget "${ref_res:-}" events_per_s)/s") | $(refcol "$(echo "scale=2; $(cget "$new_res" stamped_per_s) / ($(cget "${ref_res:-x=1}" stamped_per_s) + 0.001)" | bc 2>/dev/null)× the reference") |"
        echo "| watchers' lag, write → arrival (stamped events after 2 s) | p50/p99/max $(cget "$new_res" lag_p50_ms)/$(cget "$new_res" lag_p99_ms)/$(cget "$new_res" lag_max_ms) ms; dropped $(cget "$new_res" dropped), errors $(cget "$new_res" errors) | $(refcol "p50/p99/max $(cget "${ref_res:-}" lag_p50_ms)/$(cget "${ref_res:-}" lag_p99_ms)/$(cget "${ref_res:-}" lag_max_ms) ms") | |"
        echo ""
        echo "Changes committed per second by kind (kubesim's last churn line): ${new_top:-n/a}."
    fi
    if part fanout; then
        echo ""
        echo "Verdict (fan-out): $verdict."
    fi
} | python3 bench/record.py sim "${RESULTS:-bench/RESULTS.md}"
