"""test_kube_sync.py — core/kube against real kubesim processes.

Drives bench/sync/kubesync (built here from build/libkcore.a if needed),
which syncs every served resource type of each cluster and prints JSON
report lines. Until `kubilitics serve` wires core/kube, this is how the
cluster-access acceptance checks run: counts match kubesim's own lists,
a killed kubesim turns `disconnected` and resyncs after a restart
(deletions included), faults (429 + Retry-After, dropped watches) still
converge, and a broken kubeconfig context is one line while the others load.
"""
import json
import os
import select
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import BIN, BUILD, ROOT, check, check_eq, http_json, run, start, test, TestFailure  # noqa: E402

PKGS = "lua5.4 libuv libcurl libcjson sqlite3 openssl yaml-0.1 zlib"


def kubesync_bin():
    out = BIN("kubesync")
    src = os.path.join(ROOT, "bench", "sync", "kubesync.c")
    lib = os.path.join(BUILD, "libkcore.a")
    if not os.path.exists(lib):
        raise TestFailure("missing %s (make bins first)" % lib)
    if not os.path.exists(out) or os.path.getmtime(out) < max(os.path.getmtime(src), os.path.getmtime(lib)):
        flags = subprocess.check_output(["pkg-config", "--cflags", "--libs"] + PKGS.split()).decode().split()
        subprocess.check_call(["cc", "-std=c11", "-D_GNU_SOURCE", "-O2", "-g", "-I" + os.path.join(ROOT, "core"),
                               src, lib] + flags + ["-lm", "-lpthread", "-o", out])
    return out


class Sync:
    """A running kubesync; reads its report lines."""

    def __init__(self, args, tmp):
        self.log = open(os.path.join(tmp, "kubesync.log"), "wb")
        self.p = subprocess.Popen([kubesync_bin()] + args, stdout=subprocess.PIPE, stderr=self.log,
                                  stdin=subprocess.DEVNULL)
        self.buf = b""
        self.errors = []
        self.last = None

    def lines(self, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            r, _, _ = select.select([self.p.stdout], [], [], 0.2)
            if not r:
                if self.p.poll() is not None:
                    return
                continue
            chunk = os.read(self.p.stdout.fileno(), 1 << 20)
            if not chunk:
                return
            self.buf += chunk
            while b"\n" in self.buf:
                line, self.buf = self.buf.split(b"\n", 1)
                doc = json.loads(line)
                if doc["type"] == "error":
                    self.errors.append(doc)
                if doc["type"] == "report":
                    self.last = doc
                yield doc

    def wait(self, cond, timeout, what):
        for doc in self.lines(timeout):
            if doc["type"] == "report" and cond(doc):
                return doc
        raise TestFailure("timed out waiting for %s; last report: %s" % (what, json.dumps(self.last)[:2000]))

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(10)
            except subprocess.TimeoutExpired:
                self.p.kill()
        self.log.close()


def kubesim(tmp, name, *extra, port=0):
    kc = os.path.join(tmp, name + ".kubeconfig")
    p = start([BIN("kubesim"), "--listen", "127.0.0.1:%d" % port, "--kubeconfig-out", kc] + list(extra))
    return p, kc


def token_of(kc):
    for line in open(kc):
        if "token:" in line:
            return line.split("token:", 1)[1].strip()
    return None


def server_counts(url, token, resources):
    """What kubesim itself lists, per resource ("pods", "deployments.apps")."""
    out = {}
    for r in resources:
        name, _, group = r.partition(".")
        if group:
            # Ask discovery for the group's preferred version.
            _, _, g = http_json("GET", url + "/apis/" + group, headers={"Authorization": "Bearer " + token})
            path = "/apis/%s/%s" % (group, g["preferredVersion"]["version"])
        else:
            path = "/api/v1"
        _, _, body = http_json("GET", url + path + "/" + name, headers={"Authorization": "Bearer " + token})
        out[r] = len(body.get("items") or [])
    return out


CHECKED = ["pods", "namespaces", "nodes", "services", "configmaps", "secrets", "deployments.apps",
           "replicasets.apps", "endpointslices.discovery.k8s.io"]


def counts_of(report, cid):
    for c in report["clusters"]:
        if c["id"] == cid:
            return c
    return None


def matches(report, cid, want):
    c = counts_of(report, cid)
    return c is not None and c["synced"] and all(c["objects"].get(k) == v for k, v in want.items())


@test
def synced_counts_equal_what_kubesim_lists(tmp):
    sim, kc = kubesim(tmp, "a", "--nodes", "5", "--pods", "300", "--namespaces", "4")
    s = Sync(["--kubeconfig", kc, "--report-ms", "200", "--timeout-s", "60"], tmp)
    try:
        want = server_counts(sim.url, token_of(kc), CHECKED)
        check(want["pods"] >= 300, "kubesim made its pods")
        s.wait(lambda r: matches(r, "kubesim", server_counts(sim.url, token_of(kc), CHECKED)), 30,
               "counts to match kubesim")
        check_eq(counts_of(s.last, "kubesim")["status"], "connected", "status")
    finally:
        s.stop()


@test
def broken_context_is_one_line_and_others_still_load(tmp):
    sim, kc = kubesim(tmp, "a", "--pods", "20")
    bad = os.path.join(tmp, "bad.kubeconfig")
    with open(bad, "w") as f:
        f.write("contexts:\n- name: broken\n  context:\n    cluster: kubesim\n    user: nope\n"
                "- name: missing-ca\n  context:\n    cluster: with-ca\n"
                "clusters:\n- name: with-ca\n  cluster:\n    server: https://127.0.0.1:1\n"
                "    certificate-authority: /nonexistent/ca.crt\n")
    s = Sync(["--kubeconfig", bad, "--kubeconfig", kc, "--all-contexts", "--report-ms", "200"], tmp)
    try:
        s.wait(lambda r: (counts_of(r, "kubesim") or {}).get("synced"), 30, "kubesim to sync")
        msgs = {e["context"]: e["error"] for e in s.errors}
        check_eq(sorted(msgs), ["broken", "missing-ca"], "contexts that failed")
        check_eq(msgs["broken"], "kubeconfig %s:5: contexts[0].context.user: user \"nope\" not found" % bad,
                 "broken context message")
        check(msgs["missing-ca"].startswith("kubeconfig %s:13: clusters[0].cluster.certificate-authority: "
                                            "file /nonexistent/ca.crt:" % bad), "missing CA message names file:line")
    finally:
        s.stop()


@test
def killed_cluster_disconnects_then_resyncs_with_deletions(tmp):
    # The same token file for both runs, so the restarted kubesim accepts
    # the credential the client already holds.
    tokens = os.path.join(tmp, "tokens.csv")
    with open(tokens, "w") as f:
        f.write('restart-test-token,admin,uid-1,"system:masters"\n')
    sim, kc = kubesim(tmp, "a", "--pods", "120", "--namespaces", "3", "--tokens", tokens)
    port = int(sim.url.rsplit(":", 1)[1])
    s = Sync(["--kubeconfig", kc, "--report-ms", "200"], tmp)
    try:
        s.wait(lambda r: (counts_of(r, "kubesim") or {}).get("synced"), 30, "first sync")
        before = counts_of(s.last, "kubesim")["objects"]["pods"]
        check(before >= 120, "pods synced")
        sim.stop(signal.SIGKILL)
        t0 = time.time()
        s.wait(lambda r: counts_of(r, "kubesim")["status"] == "disconnected", 10, "disconnected within 10 s")
        check(time.time() - t0 < 10, "disconnected within 10 s")
        # Restart on the same port with fewer pods: the relist must delete.
        sim2, kc2 = kubesim(tmp, "b", "--pods", "40", "--namespaces", "2", "--tokens", tokens, port=port)
        want = None

        def ok(r):
            nonlocal want
            c = counts_of(r, "kubesim")
            if c["status"] not in ("connected", "syncing"):
                return False
            want = server_counts(sim2.url, token_of(kc2), ["pods", "namespaces"])
            return c["status"] == "connected" and all(c["objects"].get(k) == v for k, v in want.items())
        s.wait(ok, 60, "resync to the restarted kubesim's counts")
        check(counts_of(s.last, "kubesim")["objects"]["pods"] < before, "deletions delivered")
    finally:
        s.stop()


@test
def faults_429_and_dropped_watches_still_converge(tmp):
    sim, kc = kubesim(tmp, "a", "--pods", "150", "--namespaces", "3", "--churn", "20",
                      "--faults", "list:*=429:1@0.3;watch:*=drop@2s")
    s = Sync(["--kubeconfig", kc, "--report-ms", "300", "--qps", "20", "--burst", "20",
              "--resources", "pods,namespaces,deployments.apps,replicasets.apps"], tmp)
    try:
        s.wait(lambda r: (counts_of(r, "kubesim") or {}).get("synced"), 60, "sync despite faults")
        c = counts_of(s.last, "kubesim")
        check(c["retries"] > 0, "429s were retried (%r)" % c)
        # With churn going, compare a few times until a report agrees with kubesim.
        tok = token_of(kc)
        s.wait(lambda r: matches(r, "kubesim", server_counts(sim.url, tok, ["pods", "namespaces"])), 60,
               "counts to converge under churn and faults")
    finally:
        s.stop()


if __name__ == "__main__":
    if not os.path.exists(BIN("kubesim")):
        print("kubesim not built; skipping")
        print("0 passed, 0 failed, 4 skipped")
        sys.exit(0)
    run()
