"""test_kubesim_api.py — kubesim's wire behaviour over real sockets: Status
errors with the real reasons, list semantics (selectors, pages, continue,
410), watch streams (resume, 410, selector transitions), patches, CRDs,
RBAC, faults and the request log."""
import base64
import http.client
import json
import os
import socket
import time
import urllib.parse

from harness import BIN, check, check_eq, http_json, run, start, test, wait_for, TestFailure
from harness import http as http_raw

TOKENS = 'admin-token,admin,1,"system:masters"\nbob-token,bob,2,"devs"\n'


def kubesim(tmp, *extra, tokens=True):
    argv = [BIN("kubesim"), "--listen", "127.0.0.1:0", "--no-controllers",
            "--kubeconfig-out", os.path.join(tmp, "kc")]
    if tokens:
        path = os.path.join(tmp, "tokens.csv")
        with open(path, "w") as f:
            f.write(TOKENS)
        argv += ["--tokens", path]
    return start(argv + list(extra))


def H(token="admin-token", **extra):
    h = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
    h.update(extra)
    return h


def pod(name, labels=None, node=None, phase=None):
    p = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": labels or {}},
         "spec": {"containers": [{"name": "c", "image": "nginx"}]}}
    if node:
        p["spec"]["nodeName"] = node
    return p


def create_pod(url, name, ns="default", **kw):
    st, _, doc = http_json("POST", url + "/api/v1/namespaces/%s/pods" % ns, pod(name, **kw), H())
    check_eq(st, 201, "create %s: %r" % (name, doc))
    return doc


def watch_lines(url, path, n, timeout=5, headers=None):
    """Open a watch and return its first n events (or fewer at timeout)."""
    u = urllib.parse.urlparse(url)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    c.request("GET", path, headers=headers or H())
    r = c.getresponse()
    out = []
    deadline = time.time() + timeout
    buf = b""
    try:
        while len(out) < n and time.time() < deadline:
            chunk = r.read1(65536) if hasattr(r, "read1") else r.read(1)
            if not chunk:
                break
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                if line.strip():
                    out.append(json.loads(line))
    except socket.timeout:
        pass
    c.close()
    return r.status, out


@test
def unknown_object_is_a_not_found_status(tmp):
    s = kubesim(tmp)
    st, _, doc = http_json("GET", s.url + "/api/v1/namespaces/default/pods/nope", headers=H())
    check_eq(st, 404)
    check_eq(doc["kind"], "Status")
    check_eq(doc["reason"], "NotFound")
    check_eq(doc["message"], 'pods "nope" not found')
    check_eq(doc["details"], {"name": "nope", "kind": "pods"})
    check_eq(doc["code"], 404)


@test
def second_create_is_already_exists(tmp):
    s = kubesim(tmp)
    create_pod(s.url, "a")
    st, _, doc = http_json("POST", s.url + "/api/v1/namespaces/default/pods", pod("a"), H())
    check_eq(st, 409)
    check_eq(doc["reason"], "AlreadyExists")


@test
def create_in_missing_namespace_is_not_found(tmp):
    s = kubesim(tmp)
    st, _, doc = http_json("POST", s.url + "/api/v1/namespaces/ghost/pods", pod("a"), H())
    check_eq(st, 404)
    check_eq(doc["message"], 'namespaces "ghost" not found')


@test
def invalid_name_is_unprocessable(tmp):
    s = kubesim(tmp)
    st, _, doc = http_json("POST", s.url + "/api/v1/namespaces/default/pods", pod("Bad_Name"), H())
    check_eq(st, 422)
    check_eq(doc["reason"], "Invalid")


@test
def stale_update_is_conflict(tmp):
    s = kubesim(tmp)
    p = create_pod(s.url, "a")
    p["metadata"]["labels"] = {"x": "1"}
    st, _, fresh = http_json("PUT", s.url + "/api/v1/namespaces/default/pods/a", p, H())
    check_eq(st, 200)
    check(int(fresh["metadata"]["resourceVersion"]) > int(p["metadata"]["resourceVersion"]), "rv moves")
    st, _, doc = http_json("PUT", s.url + "/api/v1/namespaces/default/pods/a", p, H())
    check_eq(st, 409)
    check_eq(doc["reason"], "Conflict")
    check("the object has been modified" in doc["message"], "conflict message")


@test
def bad_token_is_unauthorized(tmp):
    s = kubesim(tmp)
    st, _, doc = http_json("GET", s.url + "/api/v1/pods", headers=H("wrong"))
    check_eq(st, 401)
    check_eq(doc["reason"], "Unauthorized")


@test
def user_without_rbac_is_forbidden_until_bound(tmp):
    s = kubesim(tmp)
    st, _, doc = http_json("GET", s.url + "/api/v1/namespaces/default/pods", headers=H("bob-token"))
    check_eq(st, 403)
    check_eq(doc["reason"], "Forbidden")
    check_eq(doc["message"], 'pods is forbidden: User "bob" cannot list resource "pods" in API group "" '
                             'in the namespace "default"')
    rb = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
          "metadata": {"name": "devs-view"},
          "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
          "subjects": [{"kind": "Group", "name": "devs", "apiGroup": "rbac.authorization.k8s.io"}]}
    st, _, _ = http_json("POST", s.url + "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings",
                         rb, H())
    check_eq(st, 201)
    st, _, _ = http_json("GET", s.url + "/api/v1/namespaces/default/pods", headers=H("bob-token"))
    check_eq(st, 200)
    st, _, _ = http_json("GET", s.url + "/api/v1/namespaces/kube-system/pods", headers=H("bob-token"))
    check_eq(st, 403)
    st, _, _ = http_json("POST", s.url + "/api/v1/namespaces/default/pods", pod("x"), H("bob-token"))
    check_eq(st, 403)


@test
def impersonation_needs_the_impersonate_verb(tmp):
    s = kubesim(tmp)
    st, _, doc = http_json("GET", s.url + "/api/v1/namespaces/default/pods",
                           headers=H("bob-token", **{"Impersonate-User": "admin"}))
    check_eq(st, 403)
    check("cannot impersonate" in doc["message"], "impersonation refused: %r" % doc)
    st, _, doc = http_json("GET", s.url + "/api/v1/namespaces/default/pods",
                           headers=H(**{"Impersonate-User": "bob"}))
    check_eq(st, 403)  # admin may impersonate; bob may not list


@test
def self_subject_access_review_answers_for_the_caller(tmp):
    s = kubesim(tmp)
    body = {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
            "spec": {"resourceAttributes": {"namespace": "default", "verb": "list", "resource": "pods"}}}
    st, _, doc = http_json("POST", s.url + "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", body, H())
    check_eq(st, 201)
    check_eq(doc["status"]["allowed"], True)
    st, _, doc = http_json("POST", s.url + "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", body,
                           H("bob-token"))
    check_eq(st, 201)
    check_eq(doc["status"]["allowed"], False)
    rr = {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectRulesReview", "spec": {"namespace": "default"}}
    st, _, doc = http_json("POST", s.url + "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews", rr, H("bob-token"))
    check_eq(st, 201)
    check(any("selfsubjectaccessreviews" in r.get("resources", []) for r in doc["status"]["resourceRules"]),
          "basic-user rules listed")


@test
def label_and_field_selectors_filter_lists(tmp):
    s = kubesim(tmp)
    create_pod(s.url, "a", labels={"app": "web", "tier": "fe"}, node="n1")
    create_pod(s.url, "b", labels={"app": "web"}, node="n2")
    create_pod(s.url, "c", labels={"app": "db"})

    def names(q):
        st, _, doc = http_json("GET", s.url + "/api/v1/pods?" + q, headers=H())
        check_eq(st, 200, q)
        return sorted(i["metadata"]["name"] for i in doc["items"])
    check_eq(names("labelSelector=app%3Dweb"), ["a", "b"])
    check_eq(names("labelSelector=app+in+(web,db),!tier"), ["b", "c"])
    check_eq(names("labelSelector=app!%3Dweb"), ["c"])
    check_eq(names("labelSelector=tier+notin+(fe)"), ["b", "c"])
    check_eq(names("fieldSelector=spec.nodeName%3Dn2"), ["b"])
    check_eq(names("fieldSelector=spec.nodeName%3D"), ["c"])
    check_eq(names("fieldSelector=metadata.name!%3Da,metadata.namespace%3Ddefault"), ["b", "c"])
    st, _, doc = http_json("GET", s.url + "/api/v1/pods?fieldSelector=spec.bogus%3D1", headers=H())
    check_eq(st, 400)
    check_eq(doc["message"], "field label not supported: spec.bogus")
    st, _, doc = http_json("GET", s.url + "/api/v1/pods?labelSelector=app+in+web", headers=H())
    check_eq(st, 400)


@test
def pages_follow_continue_tokens_over_one_snapshot(tmp):
    s = kubesim(tmp)
    for i in range(7):
        create_pod(s.url, "p%d" % i)
    st, _, first = http_json("GET", s.url + "/api/v1/namespaces/default/pods?limit=3", headers=H())
    check_eq(len(first["items"]), 3)
    check_eq(first["metadata"]["remainingItemCount"], 4)
    rv = first["metadata"]["resourceVersion"]
    # Changes after the first page do not show in the next ones.
    http_json("DELETE", s.url + "/api/v1/namespaces/default/pods/p5", headers=H())
    create_pod(s.url, "p3a")
    seen = [i["metadata"]["name"] for i in first["items"]]
    cont = first["metadata"]["continue"]
    while cont:
        st, _, page = http_json("GET", s.url + "/api/v1/namespaces/default/pods?limit=3&continue=" +
                                urllib.parse.quote(cont), headers=H())
        check_eq(st, 200)
        check_eq(page["metadata"]["resourceVersion"], rv)
        seen += [i["metadata"]["name"] for i in page["items"]]
        cont = page["metadata"].get("continue")
    check_eq(seen, ["p0", "p1", "p2", "p3", "p4", "p5", "p6"])


@test
def expired_continue_token_is_gone(tmp):
    s = kubesim(tmp, "--watch-window", "5")
    for i in range(4):
        create_pod(s.url, "p%d" % i)
    st, _, first = http_json("GET", s.url + "/api/v1/namespaces/default/pods?limit=2", headers=H())
    for i in range(10):
        create_pod(s.url, "q%d" % i)
    st, _, doc = http_json("GET", s.url + "/api/v1/namespaces/default/pods?limit=2&continue=" +
                           urllib.parse.quote(first["metadata"]["continue"]), headers=H())
    check_eq(st, 410)
    check_eq(doc["reason"], "Expired")
    st, _, doc = http_json("GET", s.url + "/api/v1/pods?continue=garbage!", headers=H())
    check_eq(st, 400)


@test
def watch_resumes_from_a_resource_version(tmp):
    s = kubesim(tmp)
    a = create_pod(s.url, "a")
    rv = a["metadata"]["resourceVersion"]
    create_pod(s.url, "b")
    http_json("DELETE", s.url + "/api/v1/namespaces/default/pods/a", headers=H())
    st, evs = watch_lines(s.url, "/api/v1/namespaces/default/pods?watch=1&resourceVersion=" + rv, 2)
    check_eq(st, 200)
    check_eq([(e["type"], e["object"]["metadata"]["name"]) for e in evs], [("ADDED", "b"), ("DELETED", "a")])


@test
def watch_from_a_compacted_version_gets_an_expired_error_event(tmp):
    s = kubesim(tmp, "--watch-window", "5")
    a = create_pod(s.url, "a")
    for i in range(10):
        create_pod(s.url, "p%d" % i)
    st, evs = watch_lines(s.url, "/api/v1/pods?watch=true&resourceVersion=" + a["metadata"]["resourceVersion"], 1)
    check_eq(st, 200)
    check_eq(evs[0]["type"], "ERROR")
    check_eq(evs[0]["object"]["code"], 410)
    check_eq(evs[0]["object"]["reason"], "Expired")


@test
def watch_without_version_starts_with_the_current_state_and_applies_selectors(tmp):
    s = kubesim(tmp)
    create_pod(s.url, "a", labels={"app": "web"})
    create_pod(s.url, "b", labels={"app": "db"})
    # A label change moves b into the selector: ADDED; a out: DELETED.
    import threading
    result = {}

    def w():
        result["r"] = watch_lines(s.url, "/api/v1/namespaces/default/pods?watch=1&labelSelector=app%3Dweb", 3)
    t = threading.Thread(target=w)
    t.start()
    time.sleep(0.5)
    for name, app in (("b", "web"), ("a", "db")):
        patch = {"metadata": {"labels": {"app": app}}}
        st, _, _ = http_json("PATCH", s.url + "/api/v1/namespaces/default/pods/" + name, patch,
                             H(**{"Content-Type": "application/merge-patch+json"}))
        check_eq(st, 200)
    t.join(10)
    st, evs = result["r"]
    check_eq([(e["type"], e["object"]["metadata"]["name"]) for e in evs],
             [("ADDED", "a"), ("ADDED", "b"), ("DELETED", "a")])


@test
def watch_sends_bookmarks_and_honours_timeout(tmp):
    s = kubesim(tmp)
    t0 = time.time()
    st, evs = watch_lines(s.url, "/api/v1/pods?watch=1&allowWatchBookmarks=true&timeoutSeconds=2&resourceVersion=1",
                          10, timeout=8)
    check(time.time() - t0 < 5, "stream ended at timeoutSeconds")
    check(any(e["type"] == "BOOKMARK" for e in evs), "a bookmark arrived: %r" % evs)


@test
def patches_merge_strategic_and_json(tmp):
    s = kubesim(tmp)
    d = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "w"},
         "spec": {"replicas": 1, "selector": {"matchLabels": {"a": "b"}},
                  "template": {"metadata": {"labels": {"a": "b"}},
                               "spec": {"containers": [{"name": "c1", "image": "i1"}, {"name": "c2", "image": "i2"}]}}}}
    st, _, _ = http_json("POST", s.url + "/apis/apps/v1/namespaces/default/deployments", d, H())
    check_eq(st, 201)
    url = s.url + "/apis/apps/v1/namespaces/default/deployments/w"
    smp = {"spec": {"template": {"spec": {"containers": [{"name": "c2", "image": "i2b"}]}}}}
    st, _, doc = http_json("PATCH", url, smp, H(**{"Content-Type": "application/strategic-merge-patch+json"}))
    check_eq(st, 200)
    check_eq([c["image"] for c in doc["spec"]["template"]["spec"]["containers"]], ["i1", "i2b"])
    check_eq(doc["metadata"]["generation"], 2)
    jp = [{"op": "test", "path": "/spec/replicas", "value": 1}, {"op": "replace", "path": "/spec/replicas", "value": 4}]
    st, _, doc = http_json("PATCH", url, jp, H(**{"Content-Type": "application/json-patch+json"}))
    check_eq(st, 200)
    check_eq(doc["spec"]["replicas"], 4)
    st, _, doc = http_json("PATCH", url, [{"op": "test", "path": "/spec/replicas", "value": 9}],
                           H(**{"Content-Type": "application/json-patch+json"}))
    check_eq(st, 422)
    st, _, doc = http_json("PATCH", url + "/scale", {"spec": {"replicas": 2}},
                           H(**{"Content-Type": "application/merge-patch+json"}))
    check_eq(st, 200)
    check_eq(doc["kind"], "Scale")
    check_eq(doc["spec"]["replicas"], 2)


@test
def crd_makes_its_resource_servable_and_discoverable(tmp):
    s = kubesim(tmp)
    crd = {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
           "metadata": {"name": "widgets.acme.io"},
           "spec": {"group": "acme.io", "scope": "Namespaced",
                    "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "shortNames": ["wd"]},
                    "versions": [{"name": "v1", "served": True, "storage": True,
                                  "schema": {"openAPIV3Schema": {"type": "object"}}}]}}
    st, _, _ = http_json("POST", s.url + "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd, H())
    check_eq(st, 201)
    st, _, doc = http_json("GET", s.url + "/apis/acme.io/v1", headers=H())
    check_eq(st, 200)
    check_eq(doc["resources"][0]["name"], "widgets")
    st, _, groups = http_json("GET", s.url + "/apis", headers=H())
    check("acme.io" in [g["name"] for g in groups["groups"]], "group listed")
    w = {"apiVersion": "acme.io/v1", "kind": "Widget", "metadata": {"name": "w1"}, "spec": {"size": 3}}
    st, _, _ = http_json("POST", s.url + "/apis/acme.io/v1/namespaces/default/widgets", w, H())
    check_eq(st, 201)
    st, _, _ = http_json("DELETE", s.url + "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.acme.io",
                         headers=H())
    check_eq(st, 200)
    st, _, _ = http_json("GET", s.url + "/apis/acme.io/v1/namespaces/default/widgets", headers=H())
    check_eq(st, 404)


@test
def deletecollection_and_owner_garbage_collection(tmp):
    s = kubesim(tmp)
    st, _, cm = http_json("POST", s.url + "/api/v1/namespaces/default/configmaps",
                          {"metadata": {"name": "owner"}}, H())
    ref = [{"apiVersion": "v1", "kind": "ConfigMap", "name": "owner", "uid": cm["metadata"]["uid"]}]
    for i in range(3):
        p = pod("d%d" % i, labels={"del": "yes"})
        p["metadata"]["ownerReferences"] = ref
        http_json("POST", s.url + "/api/v1/namespaces/default/pods", p, H())
    create_pod(s.url, "keep")
    st, _, _ = http_json("DELETE", s.url + "/api/v1/namespaces/default/configmaps/owner", headers=H())
    check_eq(st, 200)
    st, _, doc = http_json("GET", s.url + "/api/v1/namespaces/default/pods", headers=H())
    check_eq([i["metadata"]["name"] for i in doc["items"]], ["keep"])
    st, _, doc = http_json("DELETE", s.url + "/api/v1/namespaces/default/pods", headers=H())
    check_eq(st, 200)
    check_eq(len(doc["items"]), 1)


@test
def faults_give_429_with_retry_after_and_the_request_log_records_it(tmp):
    log = os.path.join(tmp, "req.log")
    s = kubesim(tmp, "--faults", "list:/api/v1/pods=429:2@1.0;*:/api/v1/namespaces/default/configmaps=503",
                "--request-log", log)
    st, h, doc = http_json("GET", s.url + "/api/v1/pods", headers=H())
    check_eq(st, 429)
    check_eq(h.get("retry-after"), "2")
    check_eq(doc["reason"], "TooManyRequests")
    st, _, _ = http_json("GET", s.url + "/api/v1/namespaces/default/configmaps", headers=H())
    check_eq(st, 503)
    st, _, _ = http_json("GET", s.url + "/api/v1/namespaces/default/pods", headers=H())
    check_eq(st, 200)
    lines = [json.loads(l) for l in open(log)]
    check_eq([(l["verb"], l["status"]) for l in lines[-3:]], [("list", 429), ("list", 503), ("list", 200)])
    check_eq(lines[-1]["user"], "admin")


@test
def faults_force_410_on_watch_resume(tmp):
    s = kubesim(tmp, "--faults", "watch:*=gone")
    st, evs = watch_lines(s.url, "/api/v1/pods?watch=1&resourceVersion=1", 1)
    check_eq(evs[0]["type"], "ERROR")
    check_eq(evs[0]["object"]["code"], 410)


@test
def table_output_has_kubectl_columns(tmp):
    s = kubesim(tmp)
    create_pod(s.url, "a")
    st, _, doc = http_json("GET", s.url + "/api/v1/namespaces/default/pods",
                           headers=H(Accept="application/json;as=Table;v=v1;g=meta.k8s.io,application/json"))
    check_eq(st, 200)
    check_eq(doc["kind"], "Table")
    check_eq([c["name"] for c in doc["columnDefinitions"] if c["priority"] == 0],
             ["Name", "Ready", "Status", "Restarts", "Age"])
    check_eq(doc["rows"][0]["cells"][:3], ["a", "0/1", "Pending"])


@test
def discovery_lists_core_and_groups(tmp):
    s = kubesim(tmp)
    st, _, v = http_json("GET", s.url + "/version", headers=H())
    check_eq(v["major"], "1")
    st, _, api = http_json("GET", s.url + "/api/v1", headers=H())
    names = [r["name"] for r in api["resources"]]
    for n in ("pods", "pods/log", "pods/status", "namespaces", "nodes", "events"):
        check(n in names, n + " in /api/v1")
    st, _, apps = http_json("GET", s.url + "/apis/apps/v1", headers=H())
    check("deployments/scale" in [r["name"] for r in apps["resources"]], "scale subresource listed")


def check_too_large(status_doc, want, what):
    """The Status kube-apiserver answers for a resourceVersion its cache has
    not reached (storage.NewTooLargeResourceVersionError)."""
    check_eq(status_doc["kind"], "Status", what)
    check_eq(status_doc["code"], 504, what + " code")
    check_eq(status_doc["reason"], "Timeout", what + " reason")
    check(status_doc["message"].startswith("Timeout: Too large resource version: %d, current: " % want),
          "%s message: %r" % (what, status_doc["message"]))
    check_eq(status_doc["details"]["causes"], [{"reason": "ResourceVersionTooLarge",
                                                "message": "Too large resource version"}], what + " causes")
    check_eq(status_doc["details"]["retryAfterSeconds"], 1, what + " retryAfterSeconds")


@test
def list_from_a_future_version_waits_then_is_a_too_large_timeout(tmp):
    s = kubesim(tmp)
    cur = int(http_json("GET", s.url + "/api/v1/namespaces", headers=H())[2]["metadata"]["resourceVersion"])
    want = cur + 1000
    for q in ("resourceVersion=%d" % want, "resourceVersion=%d&resourceVersionMatch=NotOlderThan" % want):
        t0 = time.time()
        st, hdrs, doc = http_json("GET", s.url + "/api/v1/pods?" + q, headers=H())
        waited = time.time() - t0
        check_eq(st, 504, q)
        check(2.5 <= waited < 6, "%s: answered after %.2fs, the cache's 3 s wait" % (q, waited))
        check_eq(hdrs.get("retry-after"), "1", q + " Retry-After")
        check_too_large(doc, want, q)
    # Exact has no cache to wait for: at once
    t0 = time.time()
    st, _, doc = http_json("GET", s.url + "/api/v1/pods?resourceVersionMatch=Exact&resourceVersion=%d" % want,
                           headers=H())
    check_eq(st, 504)
    check(time.time() - t0 < 1.5, "Exact answered at once")
    check_too_large(doc, want, "Exact")


@test
def list_from_a_version_reached_while_waiting_is_served(tmp):
    s = kubesim(tmp)
    a = create_pod(s.url, "a")
    want = int(a["metadata"]["resourceVersion"]) + 1
    import threading
    threading.Timer(0.7, lambda: create_pod(s.url, "b")).start()
    t0 = time.time()
    st, _, doc = http_json("GET", s.url + "/api/v1/namespaces/default/pods?resourceVersion=%d" % want, headers=H())
    check_eq(st, 200, "list once the store reached %d: %r" % (want, doc))
    check(0.5 < time.time() - t0 < 2.5, "it waited for the write")
    check_eq(sorted(p["metadata"]["name"] for p in doc["items"]), ["a", "b"])
    check(int(doc["metadata"]["resourceVersion"]) >= want, "not older than asked")


@test
def watch_list_from_a_future_version_gets_a_too_large_error_event(tmp):
    s = kubesim(tmp)
    create_pod(s.url, "a")
    cur = int(http_json("GET", s.url + "/api/v1/pods", headers=H())[2]["metadata"]["resourceVersion"])
    want = cur + 50
    t0 = time.time()
    st, evs = watch_lines(s.url, "/api/v1/pods?watch=1&sendInitialEvents=true&allowWatchBookmarks=true"
                          "&resourceVersionMatch=NotOlderThan&resourceVersion=%d" % want, 2, timeout=8)
    check_eq(st, 200, "the error comes on the stream")
    check(2.5 <= time.time() - t0 < 7, "after the 3 s wait")
    check_eq(len(evs), 1, "one event then the end: %r" % evs)
    check_eq(evs[0]["type"], "ERROR")
    check_too_large(evs[0]["object"], want, "watch-list")


@test
def watch_list_from_an_older_version_sends_the_state_then_the_end_bookmark(tmp):
    s = kubesim(tmp)
    a = create_pod(s.url, "a")
    create_pod(s.url, "b")
    st, evs = watch_lines(s.url, "/api/v1/namespaces/default/pods?watch=1&sendInitialEvents=true&allowWatchBookmarks"
                          "=true&resourceVersionMatch=NotOlderThan&resourceVersion=" + a["metadata"]["resourceVersion"],
                          3)
    check_eq(st, 200)
    check_eq([(e["type"], e["object"]["metadata"].get("name")) for e in evs[:2]], [("ADDED", "a"), ("ADDED", "b")])
    check_eq(evs[2]["type"], "BOOKMARK")
    check_eq(evs[2]["object"]["metadata"]["annotations"], {"k8s.io/initial-events-end": "true"})


@test
def plain_watch_from_a_future_version_waits_for_the_changes_after_it(tmp):
    # kube-apiserver does not wait or fail here: the watch is established
    # and delivers what comes after the resourceVersion.
    s = kubesim(tmp)
    a = create_pod(s.url, "a")
    future = int(a["metadata"]["resourceVersion"]) + 1
    import threading
    threading.Timer(0.5, lambda: (create_pod(s.url, "b"), create_pod(s.url, "c"))).start()
    t0 = time.time()
    st, evs = watch_lines(s.url, "/api/v1/namespaces/default/pods?watch=1&resourceVersion=%d" % future, 1, timeout=5)
    check_eq(st, 200)
    check(time.time() - t0 < 2.5, "no 3 s wait")
    check_eq([(e["type"], e["object"]["metadata"]["name"]) for e in evs], [("ADDED", "c")])


@test
def token_file_changes_rotate_tokens_without_a_restart(tmp):
    s = kubesim(tmp)
    path = os.path.join(tmp, "tokens.csv")
    url = s.url + "/api/v1/namespaces"
    check_eq(http_json("GET", url, headers=H("bob-token"))[0], 403, "bob is known (no RBAC)")
    check_eq(http_json("GET", url, headers=H("carol-token"))[0], 401, "carol not yet")
    # rotate: bob's token goes, carol's comes (rewritten in place)
    with open(path, "w") as f:
        f.write('admin-token,admin,1,"system:masters"\ncarol-token,carol,3,"system:masters"\n')
    wait_for(lambda: http_json("GET", url, headers=H("carol-token"))[0] == 200, timeout=5, what="carol accepted")
    check_eq(http_json("GET", url, headers=H("bob-token"))[0], 401, "bob's removed token is refused")
    check_eq(http_json("GET", url, headers=H("admin-token"))[0], 200, "admin unchanged")
    # a broken file keeps the tokens in force
    with open(path, "w") as f:
        f.write("no-user-here\n")
    time.sleep(1)
    check_eq(http_json("GET", url, headers=H("carol-token"))[0], 200, "a bad file changes nothing")
    check("token file not reloaded" in s.log_text(), "the bad file is logged")
    # replaced by rename, as a rotation tool would
    tmpf = path + ".new"
    with open(tmpf, "w") as f:
        f.write('admin-token,admin,1,"system:masters"\ndave-token,dave,4,"system:masters"\n')
    os.rename(tmpf, path)
    wait_for(lambda: http_json("GET", url, headers=H("dave-token"))[0] == 200, timeout=5, what="dave accepted")
    check_eq(http_json("GET", url, headers=H("carol-token"))[0], 401, "carol's token is gone")


@test
def metrics_report_the_churn_rate(tmp):
    s = start([BIN("kubesim"), "--listen", "127.0.0.1:0", "--pods", "60", "--churn", "50", "--seed", "3"])
    st, _, body = http_raw("GET", s.url + "/metrics")
    check_eq(st, 200)
    text = body.decode()
    check("kubesim_churn_target_per_second 50" in text, text[:300])
    def done():
        st, _, b = http_raw("GET", s.url + "/metrics")
        for line in b.decode().splitlines():
            if line.startswith("kubesim_churn_changes_total "):
                return int(line.split()[1]) >= 50
        return False
    wait_for(done, timeout=10, what="churn changes counted")


run()
