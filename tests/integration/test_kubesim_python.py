"""test_kubesim_python.py — the official Python client (Debian's
python3-kubernetes, for /usr/bin/python3) against kubesim: list, create,
watch with resourceVersion resume, paging, and the errors it maps."""
import os
import sys

from harness import BIN, check, check_eq, run, start, test, TestFailure

try:
    from kubernetes import client, config, watch
    from kubernetes.client.rest import ApiException
except ImportError:  # the suite says why instead of failing obscurely
    print("python3-kubernetes is not installed (apt-get install -y python3-kubernetes)")
    print("0 passed, 1 failed")
    sys.exit(1)


def kubesim(tmp, *extra):
    kc = os.path.join(tmp, "kc")
    s = start([BIN("kubesim"), "--listen", "127.0.0.1:0", "--kubeconfig-out", kc, "--no-controllers"] + list(extra))
    api = config.new_client_from_config(config_file=kc)
    return s, api


def new_pod(name, labels=None):
    return client.V1Pod(metadata=client.V1ObjectMeta(name=name, labels=labels or {}),
                        spec=client.V1PodSpec(containers=[client.V1Container(name="c", image="nginx")]))


@test
def python_client_creates_and_lists_pods(tmp):
    s, api = kubesim(tmp)
    v1 = client.CoreV1Api(api)
    v1.create_namespaced_pod("default", new_pod("a", {"app": "web"}))
    v1.create_namespaced_pod("default", new_pod("b", {"app": "db"}))
    pods = v1.list_namespaced_pod("default", label_selector="app=web")
    check_eq([p.metadata.name for p in pods.items], ["a"])
    check(int(pods.metadata.resource_version) > 0, "list resourceVersion")
    nss = [n.metadata.name for n in v1.list_namespace().items]
    check_eq(nss, ["default", "kube-node-lease", "kube-public", "kube-system"])


@test
def python_client_pages_with_limit_and_continue(tmp):
    s, api = kubesim(tmp)
    v1 = client.CoreV1Api(api)
    for i in range(5):
        v1.create_namespaced_config_map("default", client.V1ConfigMap(metadata=client.V1ObjectMeta(name="cm%d" % i)))
    names, cont = [], None
    while True:
        page = v1.list_namespaced_config_map("default", limit=2, _continue=cont)
        names += [c.metadata.name for c in page.items]
        cont = page.metadata._continue
        if not cont:
            break
    check_eq(names, ["cm0", "cm1", "cm2", "cm3", "cm4"])


@test
def python_watch_resumes_from_resource_version(tmp):
    s, api = kubesim(tmp)
    v1 = client.CoreV1Api(api)
    first = v1.create_namespaced_pod("default", new_pod("a"))
    rv = first.metadata.resource_version
    v1.create_namespaced_pod("default", new_pod("b"))
    v1.delete_namespaced_pod("a", "default")
    w = watch.Watch()
    seen = []
    for ev in w.stream(v1.list_namespaced_pod, "default", resource_version=rv, timeout_seconds=2):
        seen.append((ev["type"], ev["object"].metadata.name))
        if len(seen) == 2:
            w.stop()
    check_eq(seen, [("ADDED", "b"), ("DELETED", "a")])


@test
def python_client_sees_conflict_and_not_found(tmp):
    s, api = kubesim(tmp)
    v1 = client.CoreV1Api(api)
    p = v1.create_namespaced_pod("default", new_pod("a"))
    p.metadata.labels = {"x": "1"}
    v1.replace_namespaced_pod("a", "default", p)
    try:
        v1.replace_namespaced_pod("a", "default", p)
        raise TestFailure("stale replace succeeded")
    except ApiException as e:
        check_eq(e.status, 409)
    try:
        v1.read_namespaced_pod("nope", "default")
        raise TestFailure("missing pod was found")
    except ApiException as e:
        check_eq(e.status, 404)


@test
def python_watch_from_compacted_version_reports_410(tmp):
    s, api = kubesim(tmp, "--watch-window", "4")
    v1 = client.CoreV1Api(api)
    first = v1.create_namespaced_pod("default", new_pod("a"))
    for i in range(8):
        v1.create_namespaced_pod("default", new_pod("p%d" % i))
    w = watch.Watch()
    try:
        for ev in w.stream(v1.list_namespaced_pod, "default", resource_version=first.metadata.resource_version,
                           timeout_seconds=2):
            if ev["type"] == "ERROR":
                check_eq(ev["raw_object"]["code"], 410)
                break
    except ApiException as e:  # newer clients raise on the ERROR event
        check_eq(e.status, 410)


@test
def python_apps_api_scales_a_deployment(tmp):
    s, api = kubesim(tmp)
    apps = client.AppsV1Api(api)
    d = client.V1Deployment(
        metadata=client.V1ObjectMeta(name="web"),
        spec=client.V1DeploymentSpec(
            replicas=1, selector=client.V1LabelSelector(match_labels={"app": "web"}),
            template=client.V1PodTemplateSpec(metadata=client.V1ObjectMeta(labels={"app": "web"}),
                                              spec=client.V1PodSpec(containers=[client.V1Container(name="c", image="i")]))))
    apps.create_namespaced_deployment("default", d)
    apps.patch_namespaced_deployment_scale("web", "default", {"spec": {"replicas": 3}})
    check_eq(apps.read_namespaced_deployment("web", "default").spec.replicas, 3)
    check_eq(apps.read_namespaced_deployment_scale("web", "default").spec.replicas, 3)


@test
def python_client_list_from_a_future_version_is_a_504_timeout(tmp):
    import json
    s, api = kubesim(tmp)
    v1 = client.CoreV1Api(api)
    cur = int(v1.list_namespace().metadata.resource_version)
    try:
        v1.list_namespaced_pod("default", resource_version=str(cur + 100), resource_version_match="NotOlderThan")
        raise TestFailure("a list from a future resourceVersion succeeded")
    except ApiException as e:
        check_eq(e.status, 504)
        body = json.loads(e.body)
        check_eq(body["reason"], "Timeout")
        check_eq(body["details"]["causes"][0]["reason"], "ResourceVersionTooLarge")
        check_eq(e.headers.get("Retry-After"), "1")


run()
