"""api_fixture.py — kubesim + kubilitics pairs for the API integration tests.

    env = Env(tmp)                     # kubesim with examples/demo, a token file with
                                       # an admin (the server's identity) and "ann",
                                       # who is bound to the view role in shop only
    env.get("/resources/pods")         # GET /api/v1/clusters/<id>/resources/pods
    env.sim_delete("/api/v1/namespaces/shop/pods/x")   # change the cluster directly
"""
import json
import os
import time
import urllib.parse

from harness import BIN, ROOT, TestFailure, http, http_json, start, wait_for

TOKENS = 'admin-token,admin,1,"system:masters"\nann-token,ann,2,""\n'
ANN_RBAC = """apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: ann-view
  namespace: shop
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: view
subjects:
  - kind: User
    name: ann
    apiGroup: rbac.authorization.k8s.io
"""


class Env:
    def __init__(self, tmp, sim_args=(), kb_args=(), trust=True, env=None):
        self.tmp = tmp
        rbac = os.path.join(tmp, "rbac")
        os.makedirs(rbac, exist_ok=True)
        with open(os.path.join(rbac, "ann.yaml"), "w") as f:
            f.write(ANN_RBAC)
        tokens = os.path.join(tmp, "tokens.csv")
        with open(tokens, "w") as f:
            f.write(TOKENS)
        self.kubeconfig = os.path.join(tmp, "kubeconfig.yaml")
        self.sim = start([BIN("kubesim"), "--listen", "127.0.0.1:0", "--manifests", os.path.join(ROOT, "examples", "demo"),
                          "--manifests", rbac, "--tokens", tokens, "--kubeconfig-out", self.kubeconfig] + list(sim_args),
                         log_path=os.path.join(tmp, "kubesim.log"))
        plugins = os.path.join(ROOT, "plugins")
        args = [BIN("kubilitics"), "serve", "--kubeconfig", self.kubeconfig, "--listen", "127.0.0.1:0",
                "--data-dir", os.path.join(tmp, "data"), "--plugins", plugins]
        if trust:
            args.append("--trust-proxy-headers")
        self.kb = start(args + list(kb_args), log_path=os.path.join(tmp, "kubilitics.log"), env=env)
        self.url = self.kb.url
        host, port = self.url.split("//")[1].split(":")
        self.host, self.port = host, int(port)
        status, _, clusters = http_json("GET", self.url + "/api/v1/clusters")
        if status != 200:
            raise TestFailure("GET /api/v1/clusters answered %d: the API is not wired into `kubilitics serve` "
                              "(core/app/app.c must call api_new)" % status)
        self.cluster = clusters[0]["id"]
        wait_for(lambda: http_json("GET", self.url + "/api/v1/clusters")[2][0]["status"] == "connected",
                 timeout=30, what="cluster connected")
        # the demo's pods are running once every Deployment reports ready replicas
        wait_for(lambda: self.pods_running("shop") >= 3, timeout=30, what="shop pods running")

    def pods_running(self, ns):
        st, _, d = self.get("/resources/pods?namespace=" + ns)
        return sum(1 for i in d["items"] if i["columns"].get("STATUS") == "Running") if st == 200 else 0

    # ---- talking to kubilitics ----
    def path(self, p):
        return self.url + "/api/v1/clusters/" + self.cluster + p

    def get(self, p, user=None, headers=None):
        h = dict(headers or {})
        if user:
            h["X-Remote-User"] = user
        return http_json("GET", self.path(p), headers=h)

    def raw(self, method, p, body=None, user=None, headers=None, timeout=10):
        h = dict(headers or {})
        if user:
            h["X-Remote-User"] = user
        return http(method, self.path(p), body=body, headers=h, timeout=timeout)

    # ---- talking to kubesim directly (as the admin) ----
    def sim_req(self, method, path, body=None, ctype="application/json"):
        h = {"Authorization": "Bearer admin-token"}
        if body is not None:
            h["Content-Type"] = ctype
        return http_json(method, self.sim.url + path, body=body, headers=h)

    def sim_pods(self, ns, selector=None):
        q = "?labelSelector=" + urllib.parse.quote(selector) if selector else ""
        st, _, d = self.sim_req("GET", "/api/v1/namespaces/%s/pods%s" % (ns, q))
        return [p["metadata"]["name"] for p in d["items"]]

    def wait_store(self, fn, what, timeout=10):
        return wait_for(fn, timeout=timeout, what=what)
