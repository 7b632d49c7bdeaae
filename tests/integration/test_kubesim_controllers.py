"""kubesim's controllers over real HTTP: the demo comes alive, scaling, jobs,
crash loops, volumes, namespace deletion, garbage collection, logs, metrics."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import BIN, ROOT, check, check_eq, http, http_json, run, start, test, wait_for  # noqa: E402


def kubesim(*extra):
    return start([BIN("kubesim"), "--listen", "127.0.0.1:0",
                  "--manifests", os.path.join(ROOT, "examples", "demo")] + list(extra))


def items(srv, path):
    st, _, doc = http_json("GET", srv.url + path)
    check_eq(st, 200, "GET " + path)
    return doc["items"]


def running(pods):
    return [p for p in pods if p.get("status", {}).get("phase") == "Running"]


@test
def demo_deployments_get_replicasets_and_running_pods(tmp):
    srv = kubesim()
    wait_for(lambda: len(running(items(srv, "/api/v1/namespaces/shop/pods?labelSelector=app%3Dfrontend"))) == 3,
             timeout=15, what="3 running frontend pods")
    rs = items(srv, "/apis/apps/v1/namespaces/shop/replicasets?labelSelector=app%3Dfrontend")
    check_eq(len(rs), 1, "frontend ReplicaSets")
    check("pod-template-hash" in rs[0]["metadata"]["labels"], "pod-template-hash label")
    pod = items(srv, "/api/v1/namespaces/shop/pods?labelSelector=app%3Dfrontend")[0]
    ref = pod["metadata"]["ownerReferences"][0]
    check_eq((ref["kind"], ref["controller"]), ("ReplicaSet", True), "owner")


@test
def scaling_a_deployment_changes_its_pods(tmp):
    srv = kubesim()
    wait_for(lambda: len(running(items(srv, "/api/v1/namespaces/shop/pods?labelSelector=app%3Dcart"))) == 2,
             timeout=15, what="cart pods")
    st, _, _ = http("PATCH", srv.url + "/apis/apps/v1/namespaces/shop/deployments/cart",
                    body=json.dumps({"spec": {"replicas": 4}}),
                    headers={"Content-Type": "application/merge-patch+json"})
    check_eq(st, 200, "patch status")
    wait_for(lambda: len(running(items(srv, "/api/v1/namespaces/shop/pods?labelSelector=app%3Dcart"))) == 4,
             timeout=15, what="4 cart pods")


@test
def a_job_completes_and_crash_pods_loop(tmp):
    srv = kubesim()
    job = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "once", "namespace": "shop"},
           "spec": {"template": {"spec": {"restartPolicy": "Never",
                                          "containers": [{"name": "job", "image": "busybox:1.36"}]}}}}
    st, _, _ = http_json("POST", srv.url + "/apis/batch/v1/namespaces/shop/jobs", job,
                         headers={"Content-Type": "application/json"})
    check_eq(st, 201, "create job")

    def done():
        _, _, j = http_json("GET", srv.url + "/apis/batch/v1/namespaces/shop/jobs/once")
        return j.get("status", {}).get("succeeded") == 1
    wait_for(done, timeout=20, what="job succeeded")

    def looping():
        for p in items(srv, "/api/v1/namespaces/payments/pods?labelSelector=app%3Dfraud-scorer"):
            for cs in p.get("status", {}).get("containerStatuses", []):
                if cs.get("restartCount", 0) >= 1 and \
                        cs.get("state", {}).get("waiting", {}).get("reason") == "CrashLoopBackOff":
                    return True
        return False
    wait_for(looping, timeout=20, what="CrashLoopBackOff with restarts")


@test
def pvc_binds_and_namespace_deletion_empties_it(tmp):
    srv = kubesim()

    def bound():
        _, _, c = http_json("GET", srv.url + "/api/v1/namespaces/shop/persistentvolumeclaims/data-postgres-0")
        return c and c.get("status", {}).get("phase") == "Bound"
    wait_for(bound, timeout=15, what="postgres PVC bound")
    st, _, _ = http("DELETE", srv.url + "/api/v1/namespaces/payments")
    check(st in (200, 202), "namespace delete accepted")
    wait_for(lambda: http("GET", srv.url + "/api/v1/namespaces/payments")[0] == 404, timeout=15,
             what="namespace gone")
    check_eq(len(items(srv, "/api/v1/namespaces/payments/pods")), 0, "pods left in payments")


@test
def deleting_a_deployment_collects_its_replicasets_and_pods(tmp):
    srv = kubesim()
    wait_for(lambda: len(running(items(srv, "/api/v1/namespaces/shop/pods?labelSelector=app%3Dredis"))) == 1,
             timeout=15, what="redis pod")
    http("DELETE", srv.url + "/apis/apps/v1/namespaces/shop/deployments/redis")
    wait_for(lambda: not items(srv, "/api/v1/namespaces/shop/pods?labelSelector=app%3Dredis") and
             not items(srv, "/apis/apps/v1/namespaces/shop/replicasets?labelSelector=app%3Dredis"),
             timeout=15, what="redis ReplicaSet and pods collected")


@test
def logs_and_metrics_are_served(tmp):
    srv = kubesim()
    wait_for(lambda: running(items(srv, "/api/v1/namespaces/shop/pods?labelSelector=app%3Dredis")),
             timeout=15, what="redis pod")
    name = items(srv, "/api/v1/namespaces/shop/pods?labelSelector=app%3Dredis")[0]["metadata"]["name"]
    st, _, body = http("GET", srv.url + "/api/v1/namespaces/shop/pods/%s/log?tailLines=2" % name)
    check_eq(st, 200, "log status")
    check(b"Ready to accept connections" in body or body.count(b"\n") == 2, "redis-style log lines")
    st, _, doc = http_json("GET", srv.url + "/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods")
    check_eq(st, 200, "pod metrics")
    check(any(i["containers"] and i["containers"][0]["usage"]["cpu"].endswith("n") for i in doc["items"]),
          "cpu usage in nanocores")
    st, _, _ = http("GET", srv.url + "/apis/metrics.k8s.io/v1beta1/nodes")
    check_eq(st, 200, "node metrics")


@test
def no_metrics_flag_serves_none(tmp):
    srv = kubesim("--no-metrics")
    st, _, _ = http("GET", srv.url + "/apis/metrics.k8s.io/v1beta1/nodes")
    check(st == 404, "metrics absent with --no-metrics (got %r)" % st)


if __name__ == "__main__":
    run()
