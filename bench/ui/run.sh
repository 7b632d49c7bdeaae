#!/usr/bin/env bash
# bench/ui/run.sh — the web UI in headless Chromium against real servers; bounded (≤ 10 min).
#
# Two phases, so the delta stream of the second does not load the first:
#   A: kubesims demo (reference), k1 (~1,000 topology nodes), k10 (~10,000), k50 (~50,000)
#      and one `kubilitics serve` on them; stages ref demo k1 k10 k10webgl k50;
#   B: kubesim churn (~10,000 nodes, --churn 100) and a fresh `kubilitics serve`; stage churn.
# Each stage is one run of bench/ui/bench.mjs (playwright-core driving /usr/bin/chromium;
# WebGL there is SwiftShader, software) under its own time limit: a stage that runs out is
# recorded as "did not finish in N s" and the run goes on. The figures are added to the "## ui"
# section of bench/RESULTS.md. Everything listens on 127.0.0.1 and is stopped on exit.
#   UI_PODS_1K (330) UI_PODS_10K (3300) UI_PODS_50K (16600): generated pods; kubesim adds
#   about two objects per pod (Deployments, ReplicaSets, Services, EndpointSlices,
#   ConfigMaps, Secrets), so these give ≈1,000, ≈10,000 and ≈50,000 topology nodes.
#   BENCH_UI_SCALE (1): multiplies every stage's time limit.
#   BENCH_UI_NO_RECORD=1: print the figures, leave bench/RESULTS.md alone.
set -uo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
p1=${UI_PODS_1K:-330} p10=${UI_PODS_10K:-3300} p50=${UI_PODS_50K:-16600}
scale=${BENCH_UI_SCALE:-1}
tmp=$(mktemp -d /tmp/kb-bench-ui-XXXXXX)
pids=()
t_start=$(date +%s)
stop_all() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
  pids=()
}
cleanup() {
  stop_all
  rm -rf "$tmp"
}
trap cleanup EXIT

if [ ! -x /usr/bin/chromium ] || [ ! -d ui/node_modules/playwright-core ]; then
  echo "bench/ui needs /usr/bin/chromium and ui/node_modules (cd ui && npm ci)"
  exit 1
fi
for b in kubesim kubilitics; do
  [ -x "$BUILD/$b" ] || { echo "bench/ui: $BUILD/$b missing (make BUILD=$BUILD)"; exit 1; }
done

. tools/wait-line.sh

# sim NAME ARGS… — a kubesim whose kubeconfig names cluster, context and user NAME.
sim() {
  local name=$1; shift
  local t0=$(date +%s%N)
  "$BUILD/kubesim" --listen 127.0.0.1:0 --kubeconfig-out "$tmp/$name.raw" "$@" >"$tmp/$name.out" 2>"$tmp/$name.log" &
  pids+=($!)
  wait_line "$tmp/$name.out" >/dev/null || { tail "$tmp/$name.log"; exit 1; }
  sed -E "s/^(\s*-?\s*(name|cluster|current-context|user): )kubesim(-token)?$/\1$name\3/" \
    "$tmp/$name.raw" >"$tmp/$name.yaml"
  echo "kubesim $name up in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
}

# serve DATADIR NAME… — `kubilitics serve` on the named kubesims; sets $url when ready.
serve() {
  local data=$1; shift
  local args=()
  for n in "$@"; do args+=(--kubeconfig "$tmp/$n.yaml"); done
  "$BUILD/kubilitics" serve --listen 127.0.0.1:0 --data-dir "$tmp/$data" --plugins plugins "${args[@]}" \
    >"$tmp/$data.out" 2>"$tmp/$data.log" &
  pids+=($!)
  url=$(wait_line "$tmp/$data.out") || { tail "$tmp/$data.log"; exit 1; }
  for _ in $(seq 1 1200); do
    curl -sf "$url/readyz" >/dev/null && break
    sleep 0.1
  done
  curl -sf "$url/readyz" >/dev/null || { echo "kubilitics not ready in 120 s"; curl -s "$url/readyz"; exit 1; }
}

# stage NAME LIMIT_S — one bench.mjs stage; its JSON (or why there is none) in $tmp/NAME.json.
stage() {
  local name=$1 limit=$2
  local hard
  hard=$(awk -v l="$limit" -v s="$scale" 'BEGIN { printf "%d", l * s + 30 }')
  KUBILITICS_URL=$url BENCH_ARTIFACTS="$BUILD/bench-ui" BENCH_UI_SCALE=$scale \
    timeout -k 5 "$hard" node bench/ui/bench.mjs "$name" >"$tmp/$name.json" 2>"$tmp/$name.err"
  local rc=$?
  cat "$tmp/$name.err" >&2
  if [ $rc -ne 0 ] || [ ! -s "$tmp/$name.json" ]; then
    if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then why="did not finish in $hard s"; else why="bench.mjs exited $rc"; fi
    printf '{"%s":{"didNotFinish":"%s"}}\n' "$name" "$why" >"$tmp/$name.json"
  fi
}

load0=$(cut -d' ' -f1-3 /proc/loadavg)
echo "== phase A (load $load0)"
sim demo --manifests examples/demo
sim k1 --nodes 10 --pods "$p1" --namespaces 5 --no-controllers
sim k10 --nodes 100 --pods "$p10" --namespaces 20 --no-controllers
sim k50 --nodes 200 --pods "$p50" --namespaces 50 --no-controllers
serve dataA demo k1 k10 k50
for s in ref:30 demo:60 k1:60 k10:90 k10webgl:60 k50:150; do stage "${s%%:*}" "${s##*:}"; done
stop_all

echo "== phase B"
sim churn --nodes 100 --pods "$p10" --namespaces 20 --no-controllers --churn 100
serve dataB churn
stage churn 90
stop_all
load1=$(cut -d' ' -f1-3 /proc/loadavg)
echo "bench/ui: $(( $(date +%s) - t_start )) s in all (load $load0 → $load1)"

machine="$(uname -sr), $(nproc) × $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
/usr/bin/python3 - "$tmp" "$machine" "$load0" "$load1" "${BENCH_UI_NO_RECORD:-0}" <<'PY'
import json, os, re, sys, time
tmp, machine, load0, load1, norecord = sys.argv[1:6]
r = {}
for name in ["ref", "demo", "k1", "k10", "k10webgl", "k50", "churn"]:
    try:
        with open(os.path.join(tmp, name + ".json")) as f:
            d = json.loads(f.read().strip().splitlines()[-1])
        r["chromium"] = d.pop("chromium", r.get("chromium", "?"))
        r.update(d)
    except Exception as e:
        r[name] = {"didNotFinish": "no output (%s)" % e}
print(json.dumps(r, indent=1))

ok = lambda c: "✓" if c else "✗"
def g(d, *ks, default=None):
    for k in ks:
        if not isinstance(d, dict) or k not in d:
            return default
        d = d[k]
    return d
def dnf(name):
    d = r.get(name, {})
    return d.get("didNotFinish") or d.get("error")
def ms(x):
    return "%.1f ms" % x if isinstance(x, (int, float)) else "—"
def frames(f):
    if not isinstance(f, dict): return "—"
    return "%.1f / %.1f ms (%.0f fps)" % (f["meanMs"], f["p95Ms"], f["fps"])
def ratio(a, b):
    return "%.2f×" % (a / b) if isinstance(a, (int, float)) and isinstance(b, (int, float)) and b else "—"
def nodes(name):
    return g(r, name, "nodes", "store", default=0)

rows = []
def row(measure, figure, ref="", rat="", target=""):
    rows.append("| %s | %s | %s | %s | %s |" % (measure, figure, ref, rat, target))

ref_f = g(r, "ref", "frames")
row("empty page: animation-frame interval (the floor here)", frames(ref_f) if ref_f else dnf("ref") or "—")
d = r.get("demo", {})
if dnf("demo") and "firstPaintMedianMs" not in d:
    row("first topology paint, demo", dnf("demo"), "", "", "≤ 1 s ✗")
else:
    row("**first topology paint, demo** (%d nodes, %s renderer), median of 3 (%s)" % (nodes("demo"), d.get("mode", "?"), ", ".join("%d" % x for x in d.get("firstPaintMs", []))),
        "%d ms" % d["firstPaintMedianMs"], "%s ms (WebGL renderer, forced)" % g(d, "webgl", "firstPaintMs", default="—"), ratio(d["firstPaintMedianMs"], g(d, "webgl", "firstPaintMs")),
        "≤ 1 s %s" % ok(d["firstPaintMedianMs"] <= 1000))
    row("demo: pan, mean / p95", frames(d.get("pan")), frames(ref_f) + " (empty page)", ratio(g(d, "pan", "meanMs"), g(ref_f, "meanMs")))
    row("demo: pan in the WebGL renderer (forced), mean / p95", frames(g(d, "webgl", "pan")), ms(g(d, "pan", "meanMs")) + " (%s)" % d.get("mode", "?"), ratio(g(d, "webgl", "pan", "meanMs"), g(d, "pan", "meanMs")))
k1 = r.get("k1", {})
row("pan, %d nodes (%s renderer), mean / p95" % (nodes("k1"), k1.get("mode", "?")), frames(k1.get("pan")) if k1.get("pan") else dnf("k1") or "—")
row("pan, %d nodes in the WebGL renderer (forced), %s frames" % (nodes("k1"), g(k1, "webgl", "pan", "frames", default="?")), frames(g(k1, "webgl", "pan")) if g(k1, "webgl", "pan") else dnf("k1") or "—",
    ms(g(k1, "pan", "meanMs")) + " (%s)" % k1.get("mode", "?"), ratio(g(k1, "webgl", "pan", "meanMs"), g(k1, "pan", "meanMs")))
k10 = r.get("k10", {})
if k10.get("firstPaintMs") is not None:
    row("first paint, %d nodes / %d relations (%s); complete picture (relations, labels)" % (nodes("k10"), g(k10, "nodes", "edges", default=0), k10.get("mode", "?")),
        "%d ms; %s" % (k10["firstPaintMs"], "%d ms" % k10["settledMs"] if "settledMs" in k10 else "—"), "%s ms (demo)" % d.get("firstPaintMedianMs", "—"), ratio(k10["firstPaintMs"], d.get("firstPaintMedianMs")))
pan10 = k10.get("pan")
row("**pan, %d nodes** (every frame draws every node on screen), mean / p95" % nodes("k10"), frames(pan10) if pan10 else dnf("k10") or "—",
    "%s (%d nodes); %s (empty page)" % (ms(g(k1, "pan", "meanMs")), nodes("k1"), ms(g(ref_f, "meanMs"))),
    "%s; %s" % (ratio(g(pan10, "meanMs"), g(k1, "pan", "meanMs")), ratio(g(pan10, "meanMs"), g(ref_f, "meanMs"))),
    "≥ 30 fps %s" % ok(g(pan10, "fps", default=0) >= 30))
kw = r.get("k10webgl", {})
row("pan, %d nodes forced into WebGL (sigma, no large-graph mode), %s frames" % (nodes("k10"), g(kw, "pan", "frames", default="?")),
    frames(kw.get("pan")) if kw.get("pan") else (dnf("k10webgl") or "—"), ms(g(pan10, "meanMs")) + " (points)", ratio(g(kw, "pan", "meanMs"), g(pan10, "meanMs")))
row("still camera, %d nodes (after the picture completed), mean / p95" % nodes("k10"), frames(k10.get("idle")))
ch = r.get("churn", {})
if ch.get("idle"):
    row("deltas streaming (%.0f messages/s, --churn 100), %d nodes, still camera: mean / p95" % (ch.get("deltaMessagesPerSec", 0), nodes("churn")), frames(ch["idle"]),
        ms(g(k10, "idle", "meanMs")) + " (10k still, no deltas)", ratio(g(ch, "idle", "meanMs"), g(k10, "idle", "meanMs")))
    row("deltas streaming (%.0f messages/s) while panning: mean / p95" % ch.get("deltaMessagesPerSecPanning", 0), frames(ch.get("pan")),
        ms(g(pan10, "meanMs")) + " (10k pan, no deltas)", ratio(g(ch, "pan", "meanMs"), g(pan10, "meanMs")), "≥ 30 fps %s" % ok(g(ch, "pan", "fps", default=0) >= 30))
else:
    row("deltas streaming, %d nodes" % nodes("churn"), dnf("churn") or "—")
row("JS heap after GC, %d nodes" % nodes("k10"), ms(k10.get("heapMB")).replace("ms", "MB"), ms(d.get("heapMB")).replace("ms", "MB") + " (demo page)", ratio(k10.get("heapMB"), d.get("heapMB")))
k50 = r.get("k50", {})
row("JS heap after GC, %d nodes / %d relations" % (nodes("k50"), g(k50, "nodes", "edges", default=0)), ms(k50.get("heapMB")).replace("ms", "MB") if k50.get("heapMB") else dnf("k50") or "—",
    ms(d.get("heapMB")).replace("ms", "MB") + " (demo page)", ratio(k50.get("heapMB"), d.get("heapMB")))
if k50.get("firstPaintMs") is not None:
    drawn = g(k50, "nodes", "drawn", default=0)
    row("**%d nodes: first paint; complete picture; pan mean / p95**" % nodes("k50"),
        "%d ms; %s; %s" % (k50["firstPaintMs"], "%d ms" % k50["settledMs"] if "settledMs" in k50 else "—", frames(k50.get("pan"))),
        "%d ms (10k first paint)" % k10.get("firstPaintMs", 0), ratio(k50["firstPaintMs"], k10.get("firstPaintMs")),
        "renders at all %s (%d of %d nodes drawn)" % (ok(drawn >= nodes("k50") > 0), drawn, nodes("k50")))
else:
    row("%d nodes render" % nodes("k50"), dnf("k50") or "—", "", "", "renders at all ✗")

def lodline(name):
    l = g(r, name, "lodStill")
    if not l: return None
    return "%s: %s nodes on screen as %ss, %s" % (name, "{:,}".format(l["nodesOnScreen"]), l["shape"],
        ("relations hidden (%s)" % l["edgesHidden"]) if l["edgesHidden"] else "%s relations drawn" % "{:,}".format(l["edgesDrawn"]))
lods = [x for x in (lodline("k10"), lodline("k50")) if x]
errs = sum(len(g(r, n, "errors", default=[]) or []) for n in ["demo", "k1", "k10", "k10webgl", "k50", "churn"])
unfinished = [("%s: %s" % (n, dnf(n))) for n in ["ref", "demo", "k1", "k10", "k10webgl", "k50", "churn"] if dnf(n)]

out = []
out.append("### %s — %s; load average %s at the start, %s at the end\n" % (time.strftime("%Y-%m-%dT%H:%MZ", time.gmtime()), machine, load0, load1))
out.append("`bench/ui/run.sh`: headless Chromium %s (Debian's, driven by playwright-core), 1400×900, against `kubilitics serve` on kubesims "
           "(demo; generated clusters of %s, %s and %s topology nodes; a second phase with `--churn 100`). WebGL renderer: `%s` — "
           "**SwiftShader, software rendering on the CPU**; a GPU does far better, the large-graph renderer does not need one. "
           "Frame times are animation-frame intervals while the camera moves every frame (as a drag does) or stays still. "
           "The 2D (points) renderer draws graphs of 5,000 nodes and more, and every graph where WebGL is software-rendered, as here; "
           "`render=webgl` rows force sigma's WebGL renderer (what a GPU gets) for comparison. "
           "Each stage has a time limit; references are measured in the same run.\n" % (
    r.get("chromium", "?"), "{:,}".format(nodes("k1")), "{:,}".format(nodes("k10")), "{:,}".format(nodes("k50")), g(r, "ref", "gl", default="?")))
out.append("| measure | figure | reference (same run) | ratio | target |")
out.append("|---|---:|---:|---:|---|")
out.extend(rows)
out.append("")
if lods: out.append("Level of detail with the camera still — " + "; ".join(lods) + ".")
out.append("Page errors during the run: %d.%s" % (errs, (" Unfinished: " + "; ".join(unfinished) + ".") if unfinished else " Every stage finished."))
section = "\n".join(out) + "\n"
print(section)
if norecord == "1":
    sys.exit(0)
sys.path.insert(0, "bench")
import record
record.insert("ui", section)
print("recorded in bench/RESULTS.md under \"## ui\"")
PY
