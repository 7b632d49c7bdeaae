"""test_topology_demo.py — the topology of examples/demo is exactly what a careful
reader of its manifests draws (examples/demo/README.md), and it follows changes."""
import collections
import json
import os
import re
import subprocess

from harness import BIN, ROOT, check, check_eq, http_json, run, start, test, wait_for

EXPECTED = os.path.join(ROOT, "tests/integration/data/demo-edges.txt")


def norm(i):
    """Replace the generated parts of names by the placeholders of the data file."""
    i = re.sub(r"postgres-backup-[0-9]+-[a-z0-9]{5}$", "postgres-backup-<job>-<pod>", i)
    i = re.sub(r"postgres-backup-[0-9]+$", "postgres-backup-<job>", i)
    i = re.sub(r"-[a-z0-9]{10}-[a-z0-9]{5}$", "-<rs>-<pod>", i)
    i = re.sub(r"-[a-z0-9]{10}$", "-<hash>", i)
    i = re.sub(r"pvc-[0-9a-f-]{36}", "pvc-<uid>", i)
    i = re.sub(r"(EndpointSlice\.discovery\.k8s\.io/[^/]+/[^/]+)-[a-z0-9]{5}$", r"\1-<s>", i)
    i = re.sub(r"(log-agent)-[a-z0-9]{5}$", r"\1-<p>", i)
    return i


def expected():
    want = collections.Counter()
    for line in open(EXPECTED):
        if line.startswith("#") or not line.strip():
            continue
        n, s, t, g = line.split()
        want[(s, t, g)] = int(n)
    return want


def demo(tmp):
    kc = os.path.join(tmp, "kc.yaml")
    sim = start([BIN("kubesim"), "--listen", "127.0.0.1:0", "--manifests", "examples/demo", "--kubeconfig-out", kc])
    srv = start([BIN("kubilitics"), "serve", "--listen", "127.0.0.1:0", "--data-dir", os.path.join(tmp, "d"),
                 "--plugins", "plugins", "--kubeconfig", kc])
    return sim, srv, kc


def topology(srv, q=""):
    status, _, t = http_json("GET", srv.url + "/api/v1/clusters/kubesim/topology?limit=100000" + q)
    check_eq(status, 200, "topology status")
    return t


def split(t):
    """(checked edges, runs-on edges, backup-job edges) of a topology."""
    main, runs_on, job = collections.Counter(), [], []
    for e in t["edges"]:
        k = (norm(e["source"]), e["type"], norm(e["target"]))
        if e["type"] == "runs-on":
            runs_on.append(e)
        elif "postgres-backup-<job>" in k[0] or "postgres-backup-<job>" in k[2]:
            job.append(k)
        else:
            main[k] += 1
    return main, runs_on, job


@test
def demo_edges_are_exactly_those_a_careful_reader_draws(tmp):
    sim, srv, _ = demo(tmp)
    want = expected()
    # the controllers need a few seconds to create every ReplicaSet and Pod
    last = {}

    def settled():
        last["t"] = topology(srv)
        return split(last["t"])[0] == want
    try:
        wait_for(settled, timeout=30, interval=0.5, what="the demo's edges")
    except AssertionError:
        got = split(last["t"])[0]
        missing = sorted("%d %s %s %s" % ((want[k],) + k) for k in want if got[k] != want[k])
        extra = sorted("%d %s %s %s" % ((got[k],) + k) for k in got if got[k] != want[k])
        raise AssertionError("edges differ from examples/demo/README.md\nexpected:\n  %s\ngot:\n  %s"
                             % ("\n  ".join(missing), "\n  ".join(extra)))
    t = last["t"]
    _, runs_on, job = split(t)
    nodes = {n["id"]: n for n in t["nodes"]}
    pods = [i for i in nodes if i.startswith("Pod/")]
    placed = collections.Counter(e["source"] for e in runs_on)
    for p in pods:
        check_eq(placed[p], 1, "runs-on edges of " + p)
    check(all(e["target"].startswith("Node//") for e in runs_on), "runs-on points at Nodes")
    # the backup Job, when the CronJob has made one, is drawn completely
    if job:
        check_eq(sorted(set(t for _, t, _ in job)), ["owns", "references", "uses"], "backup job edge types")
    # Events are not topology nodes
    check(not any(n["kind"] in ("Event", "Event.events.k8s.io") for n in nodes.values()), "no Event nodes")
    # nothing the demo references is absent, so no node reports a missing target
    check(not [n["id"] for n in nodes.values() if n.get("missing")], "no missing references in the demo")


@test
def scaling_and_deleting_change_the_edges_without_a_restart(tmp):
    sim, srv, kc = demo(tmp)
    wait_for(lambda: split(topology(srv, "&namespace=shop"))[0][
        ("Service/shop/frontend", "selects", "Pod/shop/frontend-<rs>-<pod>")] == 3, timeout=30, what="3 frontend pods")
    subprocess.run(["kubectl", "--kubeconfig", kc, "-n", "shop", "scale", "deployment", "frontend", "--replicas=5"],
                   check=True, capture_output=True, timeout=30)
    wait_for(lambda: split(topology(srv, "&namespace=shop"))[0][
        ("Service/shop/frontend", "selects", "Pod/shop/frontend-<rs>-<pod>")] == 5, timeout=15,
        what="the Service to select 5 frontend pods")
    # deleting the Service takes its node and edges with it
    subprocess.run(["kubectl", "--kubeconfig", kc, "-n", "shop", "delete", "service", "frontend"],
                   check=True, capture_output=True, timeout=30)

    def gone():
        t = topology(srv, "&namespace=shop")
        return not any(e["source"] == "Service/shop/frontend" for e in t["edges"]) and \
            "Service/shop/frontend" not in {n["id"] for n in t["nodes"]}
    wait_for(gone, timeout=15, what="the Service and its edges to disappear")
    # the Ingress now routes to a Service that does not exist: missing, not drawn
    t = topology(srv, "&namespace=shop")
    ing = {n["id"]: n for n in t["nodes"]}["Ingress.networking.k8s.io/shop/shop"]
    check("Service/shop/frontend" in ing.get("missing", []), "the deleted backend is reported missing: %r" % ing)


run()
