#!/usr/bin/env bash
# bench/sync/run.sh — two measurements, both recorded in bench/RESULTS.md
# under "## sync":
#
# 1. In-process ingest (bench/sync/ingest.c): a kubesim of SYNC_INGEST_PODS
#    pods is listed once in limit=500 pages, the pages are saved, and the
#    reflector → store path digests them in this process, in CPU seconds,
#    against cJSON parsing the same bytes (whole pages, and item by item) in
#    the same run. Repeatable and quick (about a minute).
# 2. `kubilitics serve` syncing a large kubesim: time to full sync, CPU
#    seconds, JSON ingested per second and peak RSS, against the official
#    Python client on the same cluster in the same run; then churn at
#    SYNC_CHURN changes/s and the write→apply lag (p50/p99) and memory
#    growth. The work is in bench/sync/sync.py.
#   SYNC_INGEST_PODS (30000; 0 skips part 1) SYNC_INGEST_ROUNDS (5)
#   SYNC_INGEST_ONLY=1 stops after part 1
#   SYNC_NODES (5000) SYNC_PODS (150000) SYNC_NAMESPACES (50)
#   SYNC_CHURN (2000; 0 skips the churn phase) SYNC_CHURN_SECONDS (60)
#   SYNC_NOTE: a sentence added to the entries (e.g. what else loaded the machine)
set -euo pipefail
cd "$(dirname "$0")/../.."
export BUILD=${BUILD:-build}
out=$(mktemp)
work=$(mktemp -d)
simpid=
cleanup() {
    [ -n "$simpid" ] && kill "$simpid" 2>/dev/null || true
    rm -rf "$out" "$work"
}
trap cleanup EXIT

# Append an entry (a file of markdown) at the end of the "## sync" section.
record() {
    python3 - "$1" <<'PY'
import re, sys
entry = open(sys.argv[1]).read()
path = "bench/RESULTS.md"
text = open(path).read()
m = re.search(r"^## sync.*$", text, re.M)
if not m:
    text = text.rstrip("\n") + "\n\n## sync\n" + entry
else:
    nxt = re.search(r"^## ", text[m.end():], re.M)
    at = m.end() + nxt.start() if nxt else len(text)
    text = text[:at].rstrip("\n") + "\n" + entry + ("\n" + text[at:] if nxt else "")
open(path, "w").write(text)
PY
}

# ---- part 1: in-process ingest
ipods=${SYNC_INGEST_PODS:-30000}
if [ "$ipods" != 0 ]; then
    inodes=$(( ipods / 30 > 10 ? ipods / 30 : 10 ))
    "$BUILD/kubesim" --listen 127.0.0.1:0 --nodes "$inodes" --pods "$ipods" --namespaces 50 \
        >"$work/sim.out" 2>"$work/sim.log" &
    simpid=$!
    url=
    for _ in $(seq 1 600); do
        url=$(grep -o 'http://[0-9.:]*' "$work/sim.out" 2>/dev/null | head -1 || true)
        [ -n "$url" ] && break
        sleep 0.5
    done
    [ -n "$url" ] || { echo "kubesim did not start"; exit 1; }
    mkdir -p "$work/pages"
    python3 - "$url" "$work/pages" <<'PY'
import json, sys, urllib.parse, urllib.request
base, d = sys.argv[1], sys.argv[2]
cont, i = None, 0
while True:
    u = base + "/api/v1/pods?limit=500" + ("&continue=" + urllib.parse.quote(cont) if cont else "")
    b = urllib.request.urlopen(u).read()
    open("%s/pods-%05d.json" % (d, i), "wb").write(b)
    i += 1
    cont = json.loads(b)["metadata"].get("continue")
    if not cont:
        break
PY
    kill "$simpid"
    wait "$simpid" 2>/dev/null || true
    simpid=
    cc -std=c11 -D_GNU_SOURCE -O2 -g -Icore bench/sync/ingest.c "$BUILD/libkcore.a" \
        $(pkg-config --cflags --libs lua5.4 libuv libcurl libcjson sqlite3 openssl yaml-0.1 zlib) -lm -lpthread \
        -o "$BUILD/bench_ingest"
    # (log lines may share stdout: the figures are the line with "machine")
    "$BUILD/bench_ingest" --rounds "${SYNC_INGEST_ROUNDS:-5}" "$work"/pages/*.json 2>"$work/ingest.log" |
        grep '^{"machine"' >"$work/ingest.json"
    cat "$work/ingest.json"
    python3 - "$work/ingest.json" >"$work/entry.md" <<'PY'
import json, os, re, sys, time
r = json.load(open(sys.argv[1]))
cpu = "unknown"
try:
    names = re.findall(r"^model name\s*:\s*(.*)$", open("/proc/cpuinfo").read(), re.M)
    cpu = "%d × %s" % (len(names), names[0]) if names else "?"
except OSError:
    pass
print("\n### %s — in-process ingest, %s, %s, load average %s (bench/sync/ingest.c)\n" % (
    time.strftime("%Y-%m-%dT%H:%MZ", time.gmtime()), r["machine"], cpu, r["loadavg"]))
print("%d kubesim pod list pages (limit=500), %d pods, %.0f MB of JSON, fed %d times through a reflector "
      "(kube_reflector__ingest_page) into a store (store_apply_event), every object an ADDED as in an initial sync; "
      "the references parse the same bytes with the system cJSON in the same run. CPU seconds of the process, "
      "fastest of %d rounds.\n" % (r["pages"], r["objects"], r["bytes"] / 1e6, r["rounds"], r["rounds"]))
print("| | MB of JSON per CPU-second | vs cJSON whole pages | vs cJSON item by item |")
print("|---|---:|---:|---:|")
mb = r["bytes"] / 1e6
print("| kubilitics ingest: reflector → store (median round %.0f) | %.0f | %.2f× | %.2f× |" % (
    r["ingestMBpsMedian"], r["ingestMBps"], r["ingestVsRef"], r["ingestVsRefItem"]))
print("| base/jsonarena parse alone, whole pages | %.0f | %.2f× | |" % (r["arenaParseMBps"], r["arenaVsRef"]))
print("| reference: cJSON_Parse + cJSON_Delete, whole pages | %.0f | 1× | |" % r["refMBps"])
print("| reference: cJSON_Parse + cJSON_Delete, item by item | %.0f | | 1× |" % r["refItemMBps"])
if os.environ.get("SYNC_NOTE"):
    print("\n" + os.environ["SYNC_NOTE"])
PY
    cat "$work/entry.md"
    record "$work/entry.md"
fi
[ "${SYNC_INGEST_ONLY:-0}" = 1 ] && exit 0

# ---- part 2: kubilitics serve against a large kubesim
python3 bench/sync/sync.py >"$out"
cat "$out"
python3 - "$out" "$work/serve.md" <<'PY'
import json, os, platform, re, sys, time
r = json.load(open(sys.argv[1]))
a, b = r["kubilitics"], r["python"]
cpu = "unknown"
try:
    names = re.findall(r"^model name\s*:\s*(.*)$", open("/proc/cpuinfo").read(), re.M)
    cpu = "%d × %s" % (len(names), names[0]) if names else platform.machine()
except OSError:
    pass
mib = lambda n: n / 1048576
lines = ["", "### %s — %s, %s (kubilitics serve; bench/sync/run.sh)" % (
    time.strftime("%Y-%m-%dT%H:%MZ", time.gmtime()), platform.system() + " " + platform.release(), cpu), "",
    "kubesim --nodes %d --pods %d: %d objects over %d watched types (kubesim took %.0f s to generate and serve them); "
    "kubesim, kubilitics and the reference share the same cores. Reference: the official Python client "
    "(python3-kubernetes) listing every type kubilitics watches in limit=500 pages and keeping each object, as an "
    "informer's cache does; it is given the raw JSON (`_preload_content=False` + `json.loads`), its fastest use — "
    "turning 460k objects into the client's model classes would take tens of minutes (see the earlier entry)." % (
        r["nodes"], r["pods"], a["objects"], a["types"], r["kubesimStartSeconds"]), "",
    "| | kubilitics serve | python kubernetes client | ratio |", "|---|---|---|---|",
    "| time to full sync (start → /readyz 200) | %.1f s | %.1f s | %.1f× faster |" % (
        a["seconds"], b["seconds"], b["seconds"] / a["seconds"]),
    "| CPU seconds | %.1f | %.1f | %.1f× less |" % (a["cpuSeconds"], b["cpuSeconds"], b["cpuSeconds"] / a["cpuSeconds"]),
    "| peak RSS | %.0f MiB | %.0f MiB | %.1f× less |" % (mib(a["peakRssBytes"]), mib(b["peakRssBytes"]),
                                                       b["peakRssBytes"] / a["peakRssBytes"]),
    "| objects held | %d | %d | |" % (a["objects"], b["objects"]),
]
if a.get("bytesIn"):
    lines.append("| JSON ingested | %.0f MB: %.0f MB/s of wall time, %.0f MB per CPU-second | | |" % (
        a["bytesIn"] / 1e6, a["bytesIn"] / 1e6 / a["seconds"], a["bytesIn"] / 1e6 / a["cpuSeconds"]))
c = r.get("churnPhase")
if c:
    s = r["syncUnderChurn"]
    lines += ["", "Churn: a fresh kubesim of the same size with `--churn %d`; kubilitics synced it in %.1f s "
              "(debug logging on) and then ran %.0f s under churn: %d events applied (%d/s, the controllers' "
              "reactions included)." % (r["churn"], s["seconds"], c["seconds"], c["eventsApplied"], c["eventsPerSecond"]),
              "",
              "| write → applied lag (%d changes carrying kubesim.io/churn-ts) | p50 %.1f ms | p99 %.1f ms | max %.1f ms |" % (
                  c["lagSamples"], c["lagMsP50"] or 0, c["lagMsP99"] or 0, c["lagMsMax"] or 0),
              "|---|---|---|---|",
              "| RSS during churn | start %.0f MiB | end %.0f MiB | max %.0f MiB |" % (
                  mib(c["rssStartBytes"]), mib(c["rssEndBytes"]), mib(c["rssMaxBytes"]))]
    if c.get("seenLagMsP99") is not None:
        lines.insert(-1, "| write → seen by a plain watch of kubesim (kubesim's own share) | p50 %.1f ms | p99 %.1f ms "
                     "| max %.1f ms |" % (c["seenLagMsP50"], c["seenLagMsP99"], c["seenLagMsMax"]))
    ll = c.get("loopLag")
    if ll and ll["count"]:
        n = ll["count"]
        cum, parts = 0, []
        for le, k in ll["perBucket"]:
            cum += k
            if le in ("0.001", "0.01", "0.1", "0.25"):
                parts.append("≤ %g ms %.1f %%" % (float(le) * 1000, 100.0 * cum / n))
        worst = max((float("inf") if le == "+Inf" else float(le)) for le, k in ll["perBucket"] if k)
        lines += ["", "Event loop during the churn phase (`kubilitics_loop_lag_seconds`, a timer due every 100 ms): "
                  "%d samples, %s; worst bucket ≤ %g ms; stalls over 250 ms logged during the whole run: %s." % (
                      n, ", ".join(parts), worst * 1000,
                      ", ".join("%d ms at %s" % (ms, ts[11:19]) for ts, ms in c.get("loopStalls", [])) or "none")]
if os.environ.get("SYNC_NOTE"):
    lines += ["", os.environ["SYNC_NOTE"]]
entry = "\n".join(lines) + "\n"
open(sys.argv[2], "w").write(entry)
print(entry)
PY
record "$work/serve.md"
