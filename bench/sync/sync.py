"""sync.py — bench/sync's driver (run by bench/sync/run.sh).

Phase 1, full sync: a generated kubesim (SYNC_NODES / SYNC_PODS); `kubilitics
serve` starts against it and the clock runs until /readyz answers 200 (every
watched type listed and watching). Measured on the kubilitics process: wall
time, CPU seconds (utime + stime from /proc), peak RSS (VmHWM), JSON bytes
received (kube_response_bytes_total). Then the reference on the same
cluster: the official Python client (python3-kubernetes, /usr/bin/python3)
lists every type kubilitics watched, limit=500 pages, and keeps each object
as an informer's cache would.

Phase 2, churn: a fresh kubesim of the same size with --churn SYNC_CHURN
(its changes carry the annotation kubesim.io/churn-ts = the write's wall
clock in µs). kubilitics runs with --log-level debug, whose "kube event
applied" lines give each applied event's resourceVersion and wall clock in
µs. A raw watch of pods, configmaps and deployments here records, for every
version whose churn-ts changed, resourceVersion → write time; the join gives
write→apply lag per change. RSS is sampled throughout to see growth.

To tell kubesim's delays from ours, the watch here also notes when each
churn write reached it (kubesim's watch-send time, plus this process's own
delay): write→seen lag is kubesim's share, write→apply lag the whole. The
kubilitics event-loop lag histogram (kubilitics_loop_lag_seconds) is read
from /metrics at the start and end of the churn phase, and its "event loop
stalled" warnings are collected.

Prints one JSON document with every figure on stdout. SYNC_KEEP=1 keeps the
temporary directory (logs of every process). SYNC_SKIP_SYNC=1 skips phase 1
(churn only). SYNC_PERF=1 records `perf record -g` of kubilitics during the
churn phase into the temporary directory (kb.perf.data; implies SYNC_KEEP).
"""
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.abspath(os.environ.get("BUILD", os.path.join(ROOT, "build")))
NODES = int(os.environ.get("SYNC_NODES", "5000"))
PODS = int(os.environ.get("SYNC_PODS", "150000"))
NAMESPACES = int(os.environ.get("SYNC_NAMESPACES", "50"))
CHURN = int(os.environ.get("SYNC_CHURN", "2000"))
CHURN_SECONDS = int(os.environ.get("SYNC_CHURN_SECONDS", "60"))
CLK = os.sysconf("SC_CLK_TCK")


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def started(proc, out_path, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            m = re.search(r"listening on (https?://\S+)", open(out_path).read())
            if m:
                return m.group(1)
        except OSError:
            pass
        if proc.poll() is not None:
            raise SystemExit("%s exited: %s" % (proc.args[0], proc.returncode))
        time.sleep(0.2)
    raise SystemExit("%s did not start within %d s" % (proc.args[0], timeout))


def kubesim(tmp, name, *extra):
    kc = os.path.join(tmp, name + ".kubeconfig")
    out = os.path.join(tmp, name + ".out")
    t0 = time.time()
    p = subprocess.Popen([os.path.join(BUILD, "kubesim"), "--listen", "127.0.0.1:0", "--nodes", str(NODES),
                          "--pods", str(PODS), "--namespaces", str(NAMESPACES), "--kubeconfig-out", kc] + list(extra),
                         stdout=open(out, "w"), stderr=open(os.path.join(tmp, name + ".log"), "w"))
    try:
        url = started(p, out, 900)
    except BaseException:
        p.kill()
        p.wait()
        raise
    log("kubesim %s ready in %.0f s at %s" % (name, time.time() - t0, url))
    return p, url, kc, time.time() - t0


def proc_stats(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / CLK
    hwm = rss = 0
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                hwm = int(line.split()[1]) * 1024
            elif line.startswith("VmRSS:"):
                rss = int(line.split()[1]) * 1024
    return cpu, hwm, rss


def get(url, timeout=10):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except OSError:
        return 0, b""


def kubilitics(tmp, name, kc, *extra):
    out = os.path.join(tmp, name + ".out")
    errp = os.path.join(tmp, name + ".log")
    t0 = time.time()
    p = subprocess.Popen([os.path.join(BUILD, "kubilitics"), "serve", "--kubeconfig", kc, "--listen", "127.0.0.1:0",
                          "--data-dir", os.path.join(tmp, name + ".data"), "--plugins", os.path.join(ROOT, "plugins")]
                         + list(extra), stdout=open(out, "w"), stderr=open(errp, "w"))
    try:
        url = started(p, out, 60)
        while True:
            st, body = get(url + "/readyz")
            if st == 200:
                break
            if p.poll() is not None or time.time() - t0 > 1800:
                raise SystemExit("kubilitics did not sync: %r" % body[:300])
            time.sleep(0.1)
        wall = time.time() - t0
        cpu, hwm, rss = proc_stats(p.pid)
        ready = json.loads(body)["checks"]["clusters"][0]
        _, metrics = get(url + "/metrics")
        m = re.search(rb'^kube_response_bytes_total\{cluster="[^"]+"\} (\S+)$', metrics, re.M)
        st, detail = get(url + "/api/v1/clusters/" + ready["id"])
        types = json.loads(detail).get("types") if st == 200 else None
        return p, url, {"seconds": round(wall, 2), "cpuSeconds": round(cpu, 2), "peakRssBytes": hwm,
                        "rssBytes": rss, "objects": ready["objects"],
                        "types": ready.get("resourceTypes", ready.get("types")),
                        "bytesIn": int(float(m.group(1))) if m else None}, types
    except BaseException:
        # not yet in the caller's list of processes to stop: stop it here
        p.kill()
        p.wait()
        raise


REFERENCE = r'''
import json, resource, sys, time
from kubernetes import client, config
config.load_kube_config(sys.argv[1])
paths = json.loads(sys.argv[2])
api = client.ApiClient()
t0 = time.time()
cache = {}
n = 0
for path in paths:
    cont = None
    while True:
        q = [("limit", 500)] + ([("continue", cont)] if cont else [])
        resp = api.call_api(path, "GET", query_params=q, auth_settings=["BearerToken"],
                            _preload_content=False, _return_http_data_only=True)
        doc = json.loads(resp.data)
        for it in doc.get("items") or []:
            md = it["metadata"]
            cache[(path, md.get("namespace"), md["name"])] = it
            n += 1
        cont = (doc.get("metadata") or {}).get("continue")
        if not cont:
            break
wall = time.time() - t0
ru = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"seconds": round(wall, 2), "objects": len(cache), "cpuSeconds": round(ru.ru_utime + ru.ru_stime, 2),
                  "peakRssBytes": ru.ru_maxrss * 1024}))
'''


def reference(kc, types):
    paths = []
    for t in types:
        base = "/api/%s" % t["version"] if not t["group"] else "/apis/%s/%s" % (t["group"], t["version"])
        paths.append("%s/%s" % (base, t["resource"]))
    out = subprocess.check_output(["/usr/bin/python3", "-c", REFERENCE, kc, json.dumps(paths)], timeout=3600)
    return json.loads(out)


class ChurnWatch:
    """rv → churn write time (µs): the first version seen carrying each new
    churn-ts is the churn write itself (later versions of the object carry
    the same value: a controller's follow-up, not the write). Only writes
    made after the watch began count, so none was missed."""
    RV = re.compile(rb'"resourceVersion":"(\d+)"')
    TS = re.compile(rb'"kubesim\.io/churn-ts":"(\d+)"')
    UID = re.compile(rb'"uid":"([^"]+)"')  # the first one is metadata.uid

    def __init__(self, url, paths):
        self.host, self.port = url.split("//")[1].split(":")
        self.writes = {}
        self.recv = {}  # rv → when this watch read it (µs)
        self.seen = set()
        self.t0_us = int((time.time() + 0.5) * 1e6)  # the watches are open by then
        self.stop = False
        self.threads = [threading.Thread(target=self.run, args=(p,), daemon=True) for p in paths]
        for t in self.threads:
            t.start()

    def run(self, path):
        c = http.client.HTTPConnection(self.host, int(self.port), timeout=3600)
        c.request("GET", path + "?limit=1")
        rv = json.loads(c.getresponse().read())["metadata"]["resourceVersion"]
        # from now on, without the initial state (150,000 pods through Python would take minutes)
        c.request("GET", path + "?watch=1&allowWatchBookmarks=false&resourceVersion=" + rv)
        r = c.getresponse()
        while not self.stop:
            line = r.readline()
            if not line:
                return
            ts = self.TS.search(line)
            rv = self.RV.search(line)
            if not ts or not rv:
                continue
            t = int(ts.group(1))
            if t < self.t0_us:
                continue
            km = self.UID.search(line)
            key = (km.group(1) if km else None, t)
            if key not in self.seen:
                self.seen.add(key)
                self.writes[rv.group(1).decode()] = t
                self.recv[rv.group(1).decode()] = int(time.time() * 1e6)


def pct(v, p):
    return v[min(len(v) - 1, int(len(v) * p / 100))] if v else None


def loop_lag(url):
    """kubilitics_loop_lag_seconds from /metrics: {"le": count}, sum, count."""
    _, body = get(url + "/metrics")
    out = {"buckets": {}, "sum": 0.0, "count": 0}
    for line in body.decode(errors="replace").splitlines():
        m = re.match(r'kubilitics_loop_lag_seconds_bucket\{le="([^"]+)"\} (\S+)', line)
        if m:
            out["buckets"][m.group(1)] = int(float(m.group(2)))
        elif line.startswith("kubilitics_loop_lag_seconds_sum "):
            out["sum"] = float(line.split()[1])
        elif line.startswith("kubilitics_loop_lag_seconds_count "):
            out["count"] = int(float(line.split()[1]))
    return out


def lag_diff(a, b):
    """The histogram's observations between two scrapes, as counts per range."""
    les = sorted(b["buckets"], key=lambda k: float("inf") if k == "+Inf" else float(k))
    prev, rows = 0, []
    for le in les:
        n = b["buckets"][le] - a["buckets"].get(le, 0)
        rows.append([le, n - prev])
        prev = n
    return {"count": b["count"] - a["count"], "sumSeconds": round(b["sum"] - a["sum"], 3), "perBucket": rows}


def main():
    tmp = tempfile.mkdtemp(prefix="bench-sync-")
    res = {"nodes": NODES, "pods": PODS, "churn": CHURN, "churnSeconds": CHURN_SECONDS, "cpus": os.cpu_count()}
    procs = []
    try:
        if not os.environ.get("SYNC_SKIP_SYNC"):
            sim, url, kc, gen = kubesim(tmp, "sim")
            procs.append(sim)
            res["kubesimStartSeconds"] = round(gen, 1)
            kb, _, ours, types = kubilitics(tmp, "kb", kc)
            procs.append(kb)
            kb.send_signal(signal.SIGTERM)
            kb.wait(60)
            log("kubilitics: %s" % json.dumps(ours))
            res["kubilitics"] = ours
            ref = reference(kc, types or [])
            log("python client: %s" % json.dumps(ref))
            res["python"] = ref
            sim.send_signal(signal.SIGTERM)
            sim.wait(120)

        if CHURN > 0:
            # A longer history than kubesim's default 10,000 changes (a few
            # seconds at this rate; kube-apiserver keeps ~5 minutes), so
            # paged lists mostly finish before their continue token expires.
            sim, url, kc, _ = kubesim(tmp, "churn", "--churn", str(CHURN), "--watch-window", "100000")
            procs.append(sim)
            kb, kurl, synced, _ = kubilitics(tmp, "kbc", kc, "--log-level", "debug")
            procs.append(kb)
            res["syncUnderChurn"] = synced
            watch = ChurnWatch(url, ["/api/v1/pods", "/api/v1/configmaps", "/apis/apps/v1/deployments"])
            time.sleep(3)  # the watch's initial ADDED burst
            perf = None
            if os.environ.get("SYNC_PERF"):
                perf = subprocess.Popen(["perf", "record", "-g", "-F", "499", "-o", os.path.join(tmp, "kb.perf.data"),
                                         "-p", str(kb.pid)], stdout=subprocess.DEVNULL,
                                        stderr=open(os.path.join(tmp, "perf.log"), "w"))
                procs.append(perf)
            lag0 = loop_lag(kurl)
            t_start = time.time()
            rss = []
            while time.time() - t_start < CHURN_SECONDS:
                rss.append(proc_stats(kb.pid)[2])
                time.sleep(2)
            t_end = time.time()
            cpu_end = proc_stats(kb.pid)[0]
            lag1 = loop_lag(kurl)
            if perf:
                perf.send_signal(signal.SIGINT)
                perf.wait(120)
            watch.stop = True
            kb.send_signal(signal.SIGTERM)
            kb.wait(60)
            lags, simlags, applied, stalls, slow = [], [], 0, [], {}
            pat = re.compile(r'"msg":"kube event applied".*"rv":"(\d+)","us":(\d+)')
            stall = re.compile(r'"ts":"([^"]+)".*"msg":"event loop stalled".*"ms":(\d+)')
            with open(os.path.join(tmp, "kbc.log")) as f:
                for line in f:
                    sm = stall.search(line)
                    if sm:
                        stalls.append([sm.group(1), int(sm.group(2))])
                        continue
                    m = pat.search(line)
                    if not m:
                        continue
                    us = int(m.group(2))
                    if us < t_start * 1e6 or us > t_end * 1e6:
                        continue
                    applied += 1
                    w = watch.writes.get(m.group(1))
                    if w:
                        lags.append((us - w) / 1000.0)
                        seen = watch.recv.get(m.group(1))
                        if seen:
                            simlags.append((seen - w) / 1000.0)
                        # per second of write time: the worst lag, ours and as seen here
                        sec = int(w / 1e6 - t_start)
                        row = slow.setdefault(sec, [0.0, 0.0])
                        row[0] = max(row[0], (us - w) / 1000.0)
                        row[1] = max(row[1], (seen - w) / 1000.0 if seen else 0.0)
            lags.sort()
            simlags.sort()
            res["churnPhase"] = {
                "seconds": round(t_end - t_start, 1), "eventsApplied": applied,
                "eventsPerSecond": round(applied / (t_end - t_start)),
                "lagSamples": len(lags), "lagMsP50": pct(lags, 50), "lagMsP99": pct(lags, 99),
                "lagMsMax": lags[-1] if lags else None,
                "seenLagMsP50": pct(simlags, 50), "seenLagMsP99": pct(simlags, 99),
                "seenLagMsMax": simlags[-1] if simlags else None,
                "loopLag": lag_diff(lag0, lag1), "loopStalls": stalls,
                "tChurnStart": round(t_start, 3),
                "slowSeconds": [[k, round(v[0], 1), round(v[1], 1)] for k, v in sorted(slow.items()) if v[0] > 100],
                "rssStartBytes": rss[0], "rssEndBytes": rss[-1], "rssMaxBytes": max(rss),
                "cpuSecondsTotal": round(cpu_end, 1)}
            log("churn: %s" % json.dumps(res["churnPhase"]))
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        if os.environ.get("SYNC_KEEP") or os.environ.get("SYNC_PERF"):
            log("kept %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps(res))


if __name__ == "__main__":
    main()
