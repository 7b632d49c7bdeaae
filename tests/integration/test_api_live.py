"""test_api_live.py — live calls of the API against kubesim: logs (follow
ending when the pod goes, the client leaving), workload logs, metrics (and
501 without metrics.k8s.io), mutations (read-only, dry run + confirmation
token), per-user rate limits, and what a restricted user may see."""
import os
import socket
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from harness import TestFailure, check, check_eq, http, http_json, run, test, wait_for  # noqa: E402
from api_fixture import Env  # noqa: E402


def q(s):
    return urllib.parse.quote(s, safe="")


def shop_pod(env, app="cart"):
    def running():
        return [i["name"] for i in env.get("/resources/pods?namespace=shop&labelSelector=" + q("app=" + app))[2]["items"]
                if i["columns"]["STATUS"] == "Running"]
    return wait_for(running, timeout=30, what="a running %s pod" % app)[0]


class Stream:
    """A raw HTTP/1.1 GET whose chunked body is read as it arrives."""

    def __init__(self, env, path, headers=None):
        self.s = socket.create_connection((env.host, env.port), timeout=10)
        h = "".join("%s: %s\r\n" % kv for kv in (headers or {}).items())
        self.s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\n%s\r\n" % (path, h)).encode())
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            self.buf += self.s.recv(65536)
        self.head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        self.status = int(self.head.split()[1])
        self.ended = False

    def read_for(self, secs):
        """Body bytes (de-chunked) received within secs, until the final chunk."""
        deadline = time.time() + secs
        self.s.settimeout(0.2)
        while time.time() < deadline and not self.ended:
            try:
                c = self.s.recv(65536)
            except socket.timeout:
                continue
            if not c:
                break
            self.buf += c
            if self.buf.endswith(b"0\r\n\r\n"):
                self.ended = True
        return dechunk(self.buf)

    def close(self):
        self.s.close()


def dechunk(b):
    out = b""
    while b:
        line, _, rest = b.partition(b"\r\n")
        try:
            n = int(line, 16)
        except ValueError:
            break
        if n == 0 or len(rest) < n:
            out += rest[:n]
            break
        out += rest[:n]
        b = rest[n + 2:]
    return out


@test
def pod_logs_with_tail_container_and_bad_params(tmp):
    env = Env(tmp)
    pod = shop_pod(env)
    st, hdrs, body = env.raw("GET", "/pods/shop/%s/logs?tail=2" % pod)
    check_eq(st, 200, "logs: %r" % body[:300])
    check(hdrs["content-type"].startswith("text/plain"), "text/plain")
    lines = body.decode().strip().splitlines()
    check(1 <= len(lines) <= 2, "tail=2 gives at most two lines: %r" % lines)
    st, _, body = env.raw("GET", "/pods/shop/%s/logs?tail=1&timestamps=true&container=cart" % pod)
    check_eq(st, 200, "container + timestamps")
    check(body[:4].isdigit(), "a timestamp first: %r" % body[:40])
    st, _, body = env.raw("GET", "/pods/shop/%s/logs?since=5m" % pod)
    check_eq(st, 200, "since as a duration")
    for bad in ("tail=-1", "since=soon", "follow=maybe", "previous=2"):
        st, _, body = http_json("GET", env.path("/pods/shop/%s/logs?%s" % (pod, bad)))
        check_eq(st, 400, bad)
        check_eq(body["error"]["code"], "bad_request", bad)
    st, _, body = http_json("GET", env.path("/pods/shop/no-such-pod/logs"))
    check_eq(st, 404, "missing pod: %r" % body)
    check("no-such-pod" in body["error"]["message"], "the cluster's message")
    st, _, body = http_json("GET", env.path("/pods/shop/%s/logs?container=nope" % pod))
    check(st in (400, 404), "unknown container: %d %r" % (st, body))


@test
def follow_streams_until_the_pod_is_deleted(tmp):
    env = Env(tmp)
    pod = shop_pod(env)
    s = Stream(env, "/api/v1/clusters/%s/pods/shop/%s/logs?follow=true&tail=1" % (env.cluster, pod))
    check_eq(s.status, 200, "follow status")
    check(b"chunked" in s.head.lower(), "chunked while following")
    first = s.read_for(1.5)
    check(first, "lines arrive while following")
    check(not s.ended, "still open while the pod runs")
    env.sim_req("DELETE", "/api/v1/namespaces/shop/pods/" + pod + "?gracePeriodSeconds=0")
    s.read_for(10)
    check(s.ended, "the stream ends (last chunk) once the pod is gone")
    s.close()


@test
def a_client_leaving_a_follow_cancels_the_upstream_call(tmp):
    env = Env(tmp, sim_args=["--request-log", os.path.join(tmp, "sim-requests.log")])
    pod = shop_pod(env)
    streams = []
    for _ in range(5):
        s = Stream(env, "/api/v1/clusters/%s/pods/shop/%s/logs?follow=true" % (env.cluster, pod))
        s.read_for(0.3)
        streams.append(s)
    for s in streams:
        s.close()
    # the server keeps working and its open connections drop back
    def settled():
        st, _, m = http("GET", env.url + "/metrics")
        for line in m.decode().splitlines():
            if line.startswith("http_connections_active "):
                return float(line.split()[-1]) <= 1
        return False
    wait_for(settled, timeout=10, what="follow connections closed")
    st, _, body = env.raw("GET", "/pods/shop/%s/logs?tail=1" % pod)
    check_eq(st, 200, "still serving")


@test
def workload_logs_merge_pods_with_prefixes(tmp):
    env = Env(tmp)
    st, _, body = env.raw("GET", "/logs/deployments/shop/cart?tail=3")
    check_eq(st, 200, "workload logs: %r" % body[:300])
    lines = body.decode().strip().splitlines()
    pods = set()
    for l in lines:
        check(l.startswith("[cart-") and "/cart] " in l, "prefixed line: %r" % l)
        pods.add(l.split("/")[0])
    check(len(pods) >= 2, "lines of both cart pods: %r" % pods)
    st, _, body = http_json("GET", env.path("/logs/deployments/shop/nope"))
    check_eq(st, 404, "missing workload")
    st, _, body = http_json("GET", env.path("/logs/gizmos/shop/nope"))
    check_eq(st, 404, "unknown kind")


@test
def metrics_from_metrics_k8s_io_with_history(tmp):
    env = Env(tmp)
    st, _, m = env.get("/metrics/pods?namespace=shop")
    check_eq(st, 200, "pod metrics: %r" % (m,))
    check(m["items"], "items")
    it = m["items"][0]
    for k in ("id", "namespace", "name", "cpuMillicores", "memoryBytes", "containers", "history"):
        check(k in it, "field " + k)
    check(it["id"].startswith("Pod/shop/"), "ID")
    check(it["history"] and len(it["history"][0]) == 3, "a sample in the history")
    st, _, n = env.get("/metrics/nodes")
    check(n["items"] and n["items"][0]["id"].startswith("Node//"), "node metrics")
    st, _, body = env.get("/metrics/widgets")
    check_eq(st, 404, "unknown metrics kind")


@test
def metrics_are_501_without_metrics_k8s_io(tmp):
    env = Env(tmp, sim_args=["--no-metrics"])
    st, _, body = env.get("/metrics/pods")
    check_eq(st, 501, "status")
    check_eq(body["error"]["code"], "metrics_unavailable", "code")
    check("metrics.k8s.io" in body["error"]["message"], "the reason: " + body["error"]["message"])


APPLY = """apiVersion: v1
kind: ConfigMap
metadata:
  name: applied
  namespace: shop
data:
  k: v
"""


@test
def mutations_are_refused_when_read_only(tmp):
    env = Env(tmp)  # readOnly is the default
    st, _, body = http_json("POST", env.path("/apply?dryRun=true"), body=APPLY)
    check_eq(st, 403, "apply")
    check_eq(body["error"]["code"], "read_only", "code")
    st, _, body = http_json("DELETE", env.path("/resources/configmaps/shop/shop-settings"))
    check_eq(st, 403, "delete")
    check_eq(body["error"]["code"], "read_only", "code")
    st, _, cm = env.get("/resources/configmaps/shop/shop-settings")
    check_eq(st, 200, "nothing changed")


@test
def mutations_need_a_dry_run_token_and_run_as_the_user(tmp):
    cfg = os.path.join(tmp, "kubilitics.yaml")
    with open(cfg, "w") as f:
        f.write("readOnly: false\n")
    env = Env(tmp, kb_args=["--config", cfg])
    st, _, body = http_json("POST", env.path("/apply"), body=APPLY)
    check_eq(st, 428, "no token: %r" % (body,))
    check_eq(body["error"]["code"], "confirmation_required", "code")
    st, _, dry = http_json("POST", env.path("/apply?dryRun=true"), body=APPLY)
    check_eq(st, 200, "dry run: %r" % (dry,))
    check_eq(dry["dryRun"], True, "dryRun")
    check_eq(dry["object"]["metadata"]["name"], "applied", "the object as it would be")
    st, _, _ = env.get("/resources/configmaps/shop/applied")
    check_eq(st, 404, "a dry run changes nothing")
    tok = dry["confirmToken"]
    st, _, body = http_json("POST", env.path("/apply"), body=APPLY.replace("v\n", "w\n"),
                            headers={"X-Confirm-Token": tok})
    check_eq(st, 403, "a token for another body")
    st, _, body = http_json("POST", env.path("/apply"), body=APPLY, headers={"X-Confirm-Token": tok, "X-Remote-User": "ann"})
    check_eq(st, 403, "a token for another user")
    st, _, done = http_json("POST", env.path("/apply"), body=APPLY, headers={"X-Confirm-Token": tok})
    check(st in (200, 201), "apply: %d %r" % (st, done))
    st, _, cm = env.get("/resources/configmaps/shop/applied")
    check_eq(cm["data"], {"k": "v"}, "applied")
    # delete: as ann, who may only view shop, the cluster refuses with its own words
    st, _, dry = http_json("DELETE", env.path("/resources/configmaps/shop/applied?dryRun=true"),
                           headers={"X-Remote-User": "ann"})
    check_eq(st, 403, "ann may not delete: %r" % (dry,))
    check("ann" in dry["error"]["message"], "the cluster's message names the user")
    st, _, dry = http_json("DELETE", env.path("/resources/configmaps/shop/applied?dryRun=true"))
    check_eq(st, 200, "delete dry run")
    st, _, done = http_json("DELETE", env.path("/resources/configmaps/shop/applied"),
                            headers={"X-Confirm-Token": dry["confirmToken"]})
    check_eq(st, 200, "delete: %r" % (done,))
    wait_for(lambda: env.get("/resources/configmaps/shop/applied")[0] == 404, what="deleted")
    st, _, body = http_json("POST", env.path("/apply?dryRun=true"), body="kind: [")
    check_eq(st, 400, "bad YAML")
    st, _, body = http_json("POST", env.path("/apply?dryRun=true"), body="kind: ConfigMap\n")
    check_eq(st, 400, "missing apiVersion/name")


@test
def users_are_rate_limited_with_retry_after(tmp):
    env = Env(tmp)
    statuses = []
    retry = None
    for _ in range(160):
        st, hdrs, _ = http("GET", env.url + "/api/v1/clusters", headers={"X-Remote-User": "bob"})
        statuses.append(st)
        if st == 429:
            retry = hdrs.get("retry-after")
    check(429 in statuses, "bob was limited: %r" % sorted(set(statuses)))
    check(retry and int(retry) >= 1, "Retry-After: %r" % retry)
    st, _, _ = http("GET", env.url + "/api/v1/clusters", headers={"X-Remote-User": "carol"})
    check_eq(st, 200, "another user is not")


@test
def a_restricted_user_sees_only_their_namespace(tmp):
    env = Env(tmp)
    st, _, all_pods = env.get("/resources/pods")
    check(len({i["namespace"] for i in all_pods["items"]}) > 1, "the server sees several namespaces")
    st, _, pods = env.get("/resources/pods", user="ann")
    check_eq(st, 200, "ann's list")
    check(pods["items"] and {i["namespace"] for i in pods["items"]} == {"shop"}, "only shop")
    # a kind the user may list nowhere asked for is a 403 that says so
    st, _, nodes = env.get("/resources/nodes", user="ann")
    check_eq((st, nodes["error"]["code"]), (403, "forbidden"), "nodes (cluster-scoped, not granted)")
    check('"ann" may not list nodes' in nodes["error"]["message"], "the message names the user and what they lack")
    st, _, sec = env.get("/resources/secrets?namespace=shop", user="ann")
    check_eq(st, 403, "secrets in shop (view does not grant them)")
    st, _, pay = env.get("/resources/pods?namespace=payments", user="ann")
    check_eq(st, 403, "pods in a namespace ann cannot see")
    st, _, t = env.get("/topology", user="ann")
    check(t["nodes"] and {n["namespace"] for n in t["nodes"]} == {"shop"}, "topology: only shop")
    check("Secret" not in {n["kind"] for n in t["nodes"]}, "topology: no secrets")
    ids = {n["id"] for n in t["nodes"]}
    check(all(e["source"] in ids and e["target"] in ids for e in t["edges"]), "no edge to what is hidden")
    st, _, t = env.get("/topology?namespace=payments", user="ann")
    check_eq((t["nodes"], t["edges"]), ([], []), "payments: nothing, not even a count")
    st, _, f = env.get("/topology?focus=" + q("Deployment.apps/shop/cart") + "&depth=3", user="ann")
    check_eq(st, 200, "focus")
    check({n["namespace"] for n in f["nodes"]} == {"shop"}, "focus: only shop objects")
    pay = env.get("/resources/deployments?namespace=payments")[2]["items"][0]["id"]
    st, _, body = env.get("/topology?focus=" + q(pay), user="ann")
    check_eq(st, 404, "a focus in payments does not exist for ann")
    st, _, ev = env.get("/events", user="ann")
    check({i["namespace"] for i in ev["items"]} <= {"shop"}, "events: only shop")
    pod = env.get("/resources/pods?namespace=payments")[2]["items"][0]["name"]
    st, _, body = env.get("/resources/pods/payments/" + pod, user="ann")
    check_eq(st, 403, "live GET in payments")
    check_eq(body["error"]["code"], "forbidden", "code")
    check('User "ann"' in body["error"]["message"], "the cluster's message: " + body["error"]["message"])
    st, _, body = env.raw("GET", "/pods/payments/%s/logs?tail=1" % pod, user="ann")
    check_eq(st, 403, "logs in payments")
    st, _, _ = env.raw("GET", "/pods/shop/%s/logs?tail=1" % shop_pod(env), user="ann")
    check_eq(st, 200, "logs in shop")
    # groups travel too: a group with cluster-admin rights sees everything
    st, _, pods = env.get("/resources/pods", headers={"X-Remote-User": "root", "X-Remote-Group": "system:masters"})
    check(len({i["namespace"] for i in pods["items"]}) > 1, "system:masters sees all")
    st, _, body = env.get("/resources/pods", headers={"X-Remote-User": "bad\x01user"})
    check_eq(st, 400, "an unusable proxy header")
    log = open(os.path.join(tmp, "kubilitics.log")).read()
    check('"user":"ann"' in log and '"cluster":"%s"' % env.cluster in log, "the access log names user and cluster")


@test
def proxy_headers_are_ignored_unless_trusted(tmp):
    env = Env(tmp, trust=False)
    st, _, pods = env.get("/resources/pods", user="ann")
    check(len({i["namespace"] for i in pods["items"]}) > 1, "X-Remote-User ignored: the server's own view")


run()
