"""test_api_crd_columns.py — custom resources are listed with their CRD's
additionalPrinterColumns: a CRD and objects created in kubesim at run time,
the list endpoint's columns and columnDefinitions, the same values as
`kubectl get -o wide` against the same kubesim, and a CRD change that
recomputes the columns of objects stored before it."""
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import BIN, TestFailure, check, check_eq, http_json, run, start, test, wait_for  # noqa: E402

GROUP = "example.com"


def crd(columns, rv=None):
    c = {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
         "metadata": {"name": "widgets." + GROUP},
         "spec": {"group": GROUP, "scope": "Namespaced",
                  "names": {"kind": "Widget", "plural": "widgets", "singular": "widget", "listKind": "WidgetList"},
                  "versions": [{"name": "v1", "served": True, "storage": True,
                                "schema": {"openAPIV3Schema": {"type": "object",
                                                               "x-kubernetes-preserve-unknown-fields": True}},
                                "additionalPrinterColumns": columns}]}}
    if rv:
        c["metadata"]["resourceVersion"] = rv
    return c


COLUMNS = [
    {"name": "Replicas", "type": "integer", "jsonPath": ".spec.replicas"},
    {"name": "Phase", "type": "string", "jsonPath": ".status.phase"},
    {"name": "Port", "type": "integer", "jsonPath": ".spec.ports[0]"},
    {"name": "Tier", "type": "string", "priority": 1, "description": "service tier", "jsonPath": ".spec.tier"},
    {"name": "Ready", "type": "string", "jsonPath": '.status.conditions[?(@.type=="Ready")].status'},
    {"name": "Synced", "type": "date", "jsonPath": ".status.lastSync"},
    {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
]


def widget(name, replicas, phase, ready, tier=None, ports=(80,)):
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 180))
    w = {"apiVersion": GROUP + "/v1", "kind": "Widget", "metadata": {"name": name, "namespace": "default"},
         "spec": {"replicas": replicas, "ports": list(ports)},
         "status": {"phase": phase, "lastSync": now,
                    "conditions": [{"type": "Synced", "status": "True"}, {"type": "Ready", "status": ready}]}}
    if tier:
        w["spec"]["tier"] = tier
    return w


class Pair:
    """kubesim (admin token) + kubilitics serving it."""

    def __init__(self, tmp):
        self.kc = os.path.join(tmp, "kubeconfig.yaml")
        os.makedirs(os.path.join(tmp, "noplugins"), exist_ok=True)
        self.sim = start([BIN("kubesim"), "--listen", "127.0.0.1:0", "--kubeconfig-out", self.kc],
                         log_path=os.path.join(tmp, "kubesim.log"))
        self.kb = start([BIN("kubilitics"), "serve", "--kubeconfig", self.kc, "--listen", "127.0.0.1:0",
                         "--data-dir", os.path.join(tmp, "data"), "--plugins", os.path.join(tmp, "noplugins")],
                        log_path=os.path.join(tmp, "kubilitics.log"))
        st, _, cl = http_json("GET", self.kb.url + "/api/v1/clusters")
        check_eq(st, 200, "clusters")
        self.cluster = cl[0]["id"]
        wait_for(lambda: http_json("GET", self.kb.url + "/api/v1/clusters")[2][0]["status"] == "connected",
                 timeout=30, what="cluster connected")
        self.token = None
        for line in open(self.kc):
            if "token:" in line:
                self.token = line.split("token:", 1)[1].strip().strip('"')

    def sim_req(self, method, path, body=None):
        h = {"Content-Type": "application/json"}
        if self.token:
            h["Authorization"] = "Bearer " + self.token
        return http_json(method, self.sim.url + path, body=body, headers=h)

    def widgets(self):
        return http_json("GET", self.kb.url + "/api/v1/clusters/%s/resources/widgets.%s?namespace=default"
                         % (self.cluster, GROUP))


def create(p):
    st, _, b = p.sim_req("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd(COLUMNS))
    check(st in (200, 201), "create CRD: %d %r" % (st, b))
    # the type is served once discovery shows it
    wait_for(lambda: p.sim_req("GET", "/apis/%s/v1/namespaces/default/widgets" % GROUP)[0] == 200, timeout=10,
             what="widgets served by kubesim")
    for w in (widget("alpha", 3, "Running", "True", tier="gold", ports=(8080, 9090)),
              widget("beta", 1, "Pending", "False")):
        st, _, b = p.sim_req("POST", "/apis/%s/v1/namespaces/default/widgets" % GROUP, w)
        check(st in (200, 201), "create widget: %d %r" % (st, b))


def listed(p, n):
    def ok():
        st, _, d = p.widgets()
        if st != 200 or len(d.get("items", [])) != n:
            return None
        if not all("REPLICAS" in i["columns"] for i in d["items"]):
            return None
        return d
    return wait_for(ok, timeout=30, what="%d widgets listed with printer columns" % n)


def kubectl_rows(kc):
    k = shutil.which("kubectl")
    if not k:
        raise TestFailure("kubectl not on PATH")
    out = subprocess.run([k, "--kubeconfig", kc, "get", "widgets." + GROUP, "-n", "default", "-o", "wide"],
                         capture_output=True, text=True, timeout=30)
    if out.returncode != 0:
        raise TestFailure("kubectl get widgets: %s" % out.stderr.strip())
    lines = out.stdout.rstrip().splitlines()
    # cells may be blank: cut each line at the header's column starts
    starts = [i for i, ch in enumerate(lines[0]) if ch != " " and (i == 0 or lines[0][i - 1] == " ")]
    header = lines[0].split()
    rows = {}
    for ln in lines[1:]:
        cells = [ln[a:b].strip() for a, b in zip(starts, starts[1:] + [len(ln) + 1])]
        rows[cells[0]] = dict(zip(header, cells))
    return header, rows


@test
def crd_printer_columns_are_the_list_columns(tmp):
    p = Pair(tmp)
    create(p)
    d = listed(p, 2)
    rows = {i["name"]: i["columns"] for i in d["items"]}
    a, b = rows["alpha"], rows["beta"]
    check_eq(list(a.keys()), ["REPLICAS", "PHASE", "PORT", "TIER", "READY", "AGE", "SYNCED"], "column order")
    check_eq((a["REPLICAS"], a["PHASE"], a["PORT"], a["TIER"], a["READY"]), ("3", "Running", "8080", "gold", "True"),
             "alpha's cells")
    check_eq((b["REPLICAS"], b["PHASE"], b["TIER"], b["READY"]), ("1", "Pending", "", "False"), "beta's cells (nothing found: blank, as kubectl shows it)")
    check(a["SYNCED"].endswith("m") and a["SYNCED"][:-1].isdigit() and 2 <= int(a["SYNCED"][:-1]) <= 4,
          "a date column is an age, like AGE: %r" % a["SYNCED"])
    defs = {c["name"]: c for c in d["columnDefinitions"]}
    check_eq([c["name"] for c in d["columnDefinitions"]],
             ["REPLICAS", "PHASE", "PORT", "TIER", "READY", "SYNCED", "AGE"], "definitions, AGE last")
    check_eq(defs["TIER"]["priority"], 1, "Tier is -o wide")
    check_eq(defs["TIER"]["description"], "service tier", "description")
    check_eq(defs["REPLICAS"]["type"], "integer", "type")
    check_eq(defs["READY"]["jsonPath"], '.status.conditions[?(@.type=="Ready")].status', "jsonPath")
    # kubectl against the same kubesim shows the same values, the filter
    # column included
    header, krows = kubectl_rows(p.kc)
    for col in ("REPLICAS", "PHASE", "PORT", "TIER", "READY"):
        check(col in header, "kubectl -o wide header has %s: %r" % (col, header))
        for name in ("alpha", "beta"):
            check_eq(rows[name][col], krows[name][col], "%s of %s vs kubectl" % (col, name))
    # one object changes: its row follows
    st, _, w = p.sim_req("GET", "/apis/%s/v1/namespaces/default/widgets/beta" % GROUP)
    w["spec"]["replicas"] = 7
    w["status"]["conditions"][1]["status"] = "True"
    st, _, _ = p.sim_req("PUT", "/apis/%s/v1/namespaces/default/widgets/beta" % GROUP, w)
    check_eq(st, 200, "update beta")
    wait_for(lambda: {i["name"]: i["columns"] for i in p.widgets()[2]["items"]}["beta"]["REPLICAS"] == "7",
             timeout=10, what="beta's new replicas listed")
    check_eq({i["name"]: i["columns"] for i in p.widgets()[2]["items"]}["beta"]["READY"], "True", "beta Ready")


@test
def crd_change_recomputes_the_columns_of_stored_objects(tmp):
    p = Pair(tmp)
    create(p)
    listed(p, 2)
    st, _, cur = p.sim_req("GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets." + GROUP)
    check_eq(st, 200, "get CRD")
    cols = [{"name": "Replicas", "type": "integer", "jsonPath": ".spec.replicas"},
            {"name": "Ports", "type": "string", "jsonPath": ".spec.ports[*]"}]
    st, _, b = p.sim_req("PUT", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets." + GROUP,
                         crd(cols, rv=cur["metadata"].get("resourceVersion")))
    check_eq(st, 200, "update CRD: %r" % (b,))

    def recomputed():
        st, _, d = p.widgets()
        if st != 200 or len(d["items"]) != 2:
            return None
        rows = {i["name"]: i["columns"] for i in d["items"]}
        return rows if rows["alpha"].get("PORTS") == "8080,9090" and rows["beta"].get("PORTS") == "80" else None
    rows = wait_for(recomputed, timeout=30, what="objects stored before the CRD change get its new columns")
    check_eq(list(rows["alpha"].keys()), ["REPLICAS", "PORTS", "AGE"], "new column set")
    d = p.widgets()[2]
    check_eq([c["name"] for c in d["columnDefinitions"]], ["REPLICAS", "PORTS", "AGE"], "new definitions")


@test
def builtin_kinds_keep_their_columns_and_mark_wide_ones(tmp):
    p = Pair(tmp)
    st, _, d = http_json("GET", p.kb.url + "/api/v1/clusters/%s/resources/pods" % p.cluster)
    check_eq(st, 200, "pods")
    defs = {c["name"]: c["priority"] for c in d["columnDefinitions"]}
    check_eq(defs, {"READY": 0, "STATUS": 0, "RESTARTS": 0, "NODE": 1, "IP": 1, "AGE": 0}, "pod column definitions")


if __name__ == "__main__":
    run()
