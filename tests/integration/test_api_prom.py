"""test_api_prom.py — a cluster's Prometheus through named queries, against a
Prometheus-shaped fixture server written here (a test fixture, not product
code) on 127.0.0.1: the exact PromQL it receives, range queries, normalised
series, access (a user bound to `shop` only), 400 for unknown queries and
bad label values (nothing reaches Prometheus), 501 without a Prometheus,
502 when it is down, 504 past the timeout, and a Prometheus named when a
cluster is registered through the API."""
import json
import os
import socket
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(__file__))
from harness import check, check_eq, http_json, run, test, wait_for  # noqa: E402
from api_fixture import Env  # noqa: E402


class FakeProm:
    """Answers /api/v1/query and /api/v1/query_range; records every request."""

    def __init__(self, delay=0.0):
        self.requests = []
        self.delay = delay
        fake = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                u = urllib.parse.urlsplit(self.path)
                q = {k: v[0] for k, v in urllib.parse.parse_qs(u.query).items()}
                fake.requests.append({"path": u.path, "query": q, "headers": dict(self.headers)})
                if fake.delay:
                    time.sleep(fake.delay)
                if u.path == "/prom/api/v1/query":
                    body = {"status": "success", "data": {"resultType": "vector", "result": [
                        {"metric": {"pod": "frontend-1"}, "value": [1700000000.25, "0.125"]},
                        {"metric": {"pod": "frontend-2"}, "value": [1700000000.25, "NaN"]}]}}
                elif u.path == "/prom/api/v1/query_range":
                    body = {"status": "success", "data": {"resultType": "matrix", "result": [
                        {"metric": {}, "values": [[1700000000, "1"], [1700000060, "2.5"]]}]}}
                else:
                    self.send_response(404)
                    self.end_headers()
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.srv.daemon_threads = True
        self.url = "http://127.0.0.1:%d/prom" % self.srv.server_address[1]
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def close(self):
        self.srv.shutdown()
        self.srv.server_close()


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def err(resp, status, code, what):
    st, _, body = resp
    check_eq(st, status, what + " status (%r)" % (body,))
    check_eq(body["error"]["code"], code, what + " code")
    return body["error"]["message"]


@test
def named_queries_send_exactly_their_promql(tmp):
    prom = FakeProm()
    try:
        env = Env(tmp, kb_args=["--prometheus", "kubesim=" + prom.url])
        st, _, lst = env.get("/metrics/query")
        check_eq(st, 200, "query list")
        check_eq(lst["available"], True, "available")
        names = [q["name"] for q in lst["queries"]]
        for n in ("pod_cpu", "pod_memory", "pod_restarts", "namespace_cpu", "node_cpu", "node_memory"):
            check(n in names, "%s listed in %r" % (n, names))
        check(http_json("GET", env.url + "/api/v1/clusters/" + env.cluster)[2]["prometheus"], "cluster says prometheus")

        st, _, d = env.get("/metrics/query/pod_cpu?namespace=shop&pod=frontend-1")
        check_eq(st, 200, "pod_cpu: %r" % (d,))
        r = prom.requests[-1]
        check_eq(r["path"], "/prom/api/v1/query", "instant query path")
        want = ('sum by (pod) (rate(container_cpu_usage_seconds_total{namespace="shop",pod="frontend-1",'
                'container!="",container!="POD"}[5m]))')
        check_eq(r["query"], {"query": want}, "the exact PromQL and nothing else")
        check("Authorization" not in r["headers"], "no cluster credentials sent to Prometheus")
        check_eq(d["promql"], want, "promql echoed")
        check_eq((d["query"], d["unit"], d["resultType"]), ("pod_cpu", "cores", "vector"), "header fields")
        check_eq(d["series"], [{"labels": {"pod": "frontend-1"}, "points": [[1700000000250, 0.125]]},
                               {"labels": {"pod": "frontend-2"}, "points": [[1700000000250, None]]}], "series")

        t0 = int(time.time())
        st, _, d = env.get("/metrics/query/node_memory?node=node-1&range=1h&step=5m")
        check_eq(st, 200, "range query: %r" % (d,))
        r = prom.requests[-1]
        check_eq(r["path"], "/prom/api/v1/query_range", "range path")
        check_eq(r["query"]["query"], 'sum(container_memory_working_set_bytes{node="node-1",id="/"})', "node PromQL")
        check_eq(r["query"]["step"], "300", "step")
        end = int(r["query"]["end"])
        check(abs(end - t0) <= 5 and int(r["query"]["start"]) == end - 3600, "start/end: %r" % (r["query"],))
        check_eq(d["series"], [{"labels": {}, "points": [[1700000000000, 1], [1700000060000, 2.5]]}], "matrix")
        check_eq((d["rangeSeconds"], d["stepSeconds"]), (3600, 300), "range echoed")

        # a workload's pods come from the store
        st, _, d = env.get("/metrics/query/workload_cpu?namespace=shop&workload=Deployment/frontend")
        check_eq(st, 200, "workload_cpu: %r" % (d,))
        q = prom.requests[-1]["query"]["query"]
        pods = sorted(env.sim_pods("shop", "app=frontend"))
        check(pods, "frontend pods exist")
        sel = q.split('pod=~"')[1].split('"')[0]
        check_eq(sorted(sel.split("|")), pods, "the workload's pods, anchored")
        err(env.get("/metrics/query/workload_cpu?namespace=shop&workload=Deployment/nope"), 404, "not_found",
            "unknown workload")
    finally:
        prom.close()


@test
def bad_input_never_reaches_prometheus(tmp):
    prom = FakeProm()
    try:
        env = Env(tmp, kb_args=["--prometheus", "kubesim=" + prom.url])
        before = len(prom.requests)
        m = err(env.get("/metrics/query/up"), 400, "bad_request", "unknown query")
        check("pod_cpu" in m, "names the queries: %s" % m)
        for qs in ('pod_cpu?namespace=shop&pod=' + urllib.parse.quote('x"}) or vector(1) #'),
                   "pod_cpu?namespace=Shop&pod=a", "pod_cpu?namespace=shop", "node_cpu?node=n1&pod=a",
                   "namespace_cpu?namespace=shop&range=1y", "namespace_cpu?namespace=shop&step=1m",
                   "workload_cpu?namespace=shop&workload=Secret/x"):
            err(env.get("/metrics/query/" + qs), 400, "bad_request", qs)
        check_eq(len(prom.requests), before, "nothing was sent to Prometheus")
    finally:
        prom.close()


@test
def only_people_who_may_list_pods_there_may_ask(tmp):
    prom = FakeProm()
    try:
        env = Env(tmp, kb_args=["--prometheus", "kubesim=" + prom.url])
        st, _, d = env.get("/metrics/query/namespace_cpu?namespace=shop", user="ann")
        check_eq(st, 200, "ann in shop: %r" % (d,))
        check_eq(prom.requests[-1]["query"]["query"],
                 'sum(rate(container_cpu_usage_seconds_total{namespace="shop",container!="",container!="POD"}[5m]))',
                 "namespace PromQL")
        n = len(prom.requests)
        m = err(env.get("/metrics/query/namespace_cpu?namespace=payments", user="ann"), 403, "forbidden",
                "ann outside shop")
        check("ann" in m and "payments" in m, "names user and namespace: %s" % m)
        err(env.get("/metrics/query/node_cpu?node=node-1", user="ann"), 403, "forbidden", "ann and nodes")
        check_eq(len(prom.requests), n, "refused queries were not sent")
    finally:
        prom.close()


@test
def without_prometheus_501_down_502_slow_504(tmp):
    slow = FakeProm(delay=3.0)
    try:
        env = Env(tmp, kb_args=["--prometheus", "kubesim=http://127.0.0.1:%d" % closed_port(),
                                "--prometheus-timeout-ms", "1000"])
        m = err(env.get("/metrics/query/namespace_cpu?namespace=shop"), 502, "prometheus_unreachable", "down")
        check("kubesim" in m, m)
        kc = open(env.kubeconfig).read()
        # registered through the API: one without Prometheus, one with the slow one
        st, _, b = http_json("POST", env.url + "/api/v1/clusters", body={"kubeconfig": kc, "name": "plain"})
        check_eq(st, 201, "register plain")
        check_eq(b["prometheus"], False, "plain has none")
        st, _, lst = http_json("GET", env.url + "/api/v1/clusters/plain/metrics/query")
        check_eq((st, lst["available"]), (200, False), "list says unavailable")
        check("prometheus" in lst["reason"], lst["reason"])
        m = err(http_json("GET", env.url + "/api/v1/clusters/plain/metrics/query/namespace_cpu?namespace=shop"),
                501, "metrics_unavailable", "no Prometheus")
        check("no Prometheus" in m, m)
        st, _, b = http_json("POST", env.url + "/api/v1/clusters",
                             body={"kubeconfig": kc, "name": "slow", "prometheus": slow.url})
        check_eq(st, 201, "register with prometheus: %r" % (b,))
        check_eq(b["prometheus"], True, "slow has one")
        t0 = time.time()
        err(http_json("GET", env.url + "/api/v1/clusters/slow/metrics/query/namespace_cpu?namespace=shop",
                      timeout=15), 504, "timeout", "slow")
        check(time.time() - t0 < 3.0, "answered at the timeout, not after Prometheus")
        # removing the cluster answers a query in flight
        got = {}
        t = threading.Thread(target=lambda: got.update(r=http_json(
            "GET", env.url + "/api/v1/clusters/slow/metrics/query/namespace_cpu?namespace=shop", timeout=15)))
        t.start()
        wait_for(lambda: len(slow.requests) >= 2, timeout=5, what="the second query reached Prometheus")
        check_eq(http_json("DELETE", env.url + "/api/v1/clusters/slow")[0], 204, "remove slow")
        t.join(15)
        m = err(got["r"], 404, "not_found", "query in flight when its cluster went")
        check("removed" in m, m)
        st, _, b = http_json("POST", env.url + "/api/v1/clusters",
                             body={"kubeconfig": kc, "name": "bad", "prometheus": "ftp://x"})
        check_eq(st, 400, "a bad Prometheus URL refuses the registration")
        check_eq(http_json("GET", env.url + "/api/v1/clusters/bad")[0], 404, "and keeps nothing")
    finally:
        slow.close()


if __name__ == "__main__":
    run()
