"""test_api_resources.py — clusters, resource lists and details, topology and
events of the API against a real kubesim, over real sockets."""
import gzip
import json
import os
import sys
import threading
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from harness import check, check_eq, http, http_json, run, test, wait_for  # noqa: E402
from api_fixture import Env  # noqa: E402


def q(s):
    return urllib.parse.quote(s, safe="")


def check_error(status, hdrs, body, want_status, want_code, what):
    check_eq(status, want_status, what + " status")
    check(isinstance(body, dict) and "error" in body, what + ": an error body, got %r" % (body,))
    e = body["error"]
    check_eq(e["code"], want_code, what + " code")
    check_eq(e["status"], want_status, what + " error.status")
    check(e.get("requestId") and e["requestId"] == hdrs.get("x-request-id"), what + ": requestId = X-Request-Id")
    return e


@test
def clusters_are_listed_added_and_removed(tmp):
    env = Env(tmp)
    st, _, cl = http_json("GET", env.url + "/api/v1/clusters")
    check_eq(st, 200, "list")
    for k in ("id", "name", "server", "status", "error", "version", "objects", "lastSync"):
        check(k in cl[0], "field %s in %r" % (k, cl[0]))
    kc = open(env.kubeconfig).read()
    st, hdrs, body = http_json("POST", env.url + "/api/v1/clusters", body={"kubeconfig": kc, "name": "second"})
    check_eq(st, 201, "register an uploaded kubeconfig: %r" % (body,))
    check_eq(body["id"], "second", "id")
    check_eq(hdrs.get("location"), "/api/v1/clusters/second", "Location")
    st, hdrs, body = http_json("POST", env.url + "/api/v1/clusters", body={"kubeconfig": kc, "name": "second"})
    check_error(st, hdrs, body, 409, "conflict", "same id twice")
    st, hdrs, body = http_json("POST", env.url + "/api/v1/clusters", body={"context": "no-such-context"})
    check_error(st, hdrs, body, 400, "bad_request", "unknown context")
    st, hdrs, body = http_json("POST", env.url + "/api/v1/clusters", body="[1,2")
    check_error(st, hdrs, body, 400, "bad_request", "malformed body")
    st, hdrs, body = http_json("POST", env.url + "/api/v1/clusters", body={"context": 7})
    check_error(st, hdrs, body, 400, "bad_request", "context not a string")
    wait_for(lambda: http_json("GET", env.url + "/api/v1/clusters/second")[2].get("status") == "connected",
             timeout=30, what="second cluster connected")
    st, _, _ = http("DELETE", env.url + "/api/v1/clusters/second")
    check_eq(st, 204, "delete")
    st, hdrs, body = http_json("GET", env.url + "/api/v1/clusters/second/resources/pods")
    e = check_error(st, hdrs, body, 404, "not_found", "removed cluster")
    check("second" in e["message"], "the message names the cluster: " + e["message"])
    st, hdrs, body = http_json("DELETE", env.url + "/api/v1/clusters/second")
    check_error(st, hdrs, body, 404, "not_found", "delete twice")
    big = "x" * (2 << 20)
    st, _, _ = http("POST", env.url + "/api/v1/clusters", body=big)
    check_eq(st, 413, "oversized body")


@test
def lists_come_from_the_store_with_columns_and_filters(tmp):
    env = Env(tmp)
    st, _, d = env.get("/resources/pods?namespace=shop")
    check_eq(st, 200, "pods")
    check(d["items"], "pods in shop")
    it = d["items"][0]
    for k in ("id", "kind", "namespace", "name", "uid", "created", "status", "columns"):
        check(k in it, "item field " + k)
    check_eq(it["kind"], "Pod", "kind")
    check(it["id"].startswith("Pod/shop/"), "ID form")
    for c in ("READY", "STATUS", "RESTARTS", "AGE"):
        check(c in it["columns"], "column " + c)
    check(all(i["namespace"] == "shop" for i in d["items"]), "namespace filter")
    # every spelling kubectl accepts
    for kind in ("pods", "Pod", "pod", "PODS", "pods.v1"):
        st, _, d2 = env.get("/resources/%s?namespace=shop" % kind)
        check_eq(st, 200, kind)
        check_eq(len(d2["items"]), len(d["items"]), "same list for " + kind)
    st, _, dep = env.get("/resources/Deployment.apps?namespace=shop")
    check_eq(dep["kind"], "Deployment.apps", "grouped kind")
    check(all(i["id"].startswith("Deployment.apps/shop/") for i in dep["items"]), "grouped IDs")
    st, _, nodes = env.get("/resources/nodes")
    check(nodes["items"] and all(i["namespace"] == "" and i["id"].startswith("Node//") for i in nodes["items"]),
          "cluster-scoped IDs")
    # label selector
    app = dep["items"][0]["labels"].get("app")
    st, _, sel = env.get("/resources/pods?namespace=shop&labelSelector=" + q("app=" + app))
    check(sel["items"] and all(i["labels"].get("app") == app for i in sel["items"]), "label selector")
    st, _, sel = env.get("/resources/pods?labelSelector=" + q("app in (nope-a,nope-b)"))
    check_eq(sel["items"], [], "selector that matches nothing")
    # field selectors
    name = d["items"][0]["name"]
    st, _, fs = env.get("/resources/pods?fieldSelector=" + q("metadata.name=" + name))
    check_eq([i["name"] for i in fs["items"]], [name], "metadata.name")
    st, _, fs = env.get("/resources/pods?fieldSelector=" + q("metadata.namespace!=shop"))
    check(fs["items"] and all(i["namespace"] != "shop" for i in fs["items"]), "metadata.namespace!=")
    node = d["items"][0]["columns"]["NODE"]
    st, _, fs = env.get("/resources/pods?fieldSelector=" + q("spec.nodeName=" + node))
    check(fs["items"] and all(i["columns"]["NODE"] == node for i in fs["items"]), "spec.nodeName")
    st, hdrs, body = env.get("/resources/pods?fieldSelector=" + q("status.phase=Running"))
    e = check_error(st, hdrs, body, 400, "bad_request", "unsupported field")
    check("status.phase" in e["message"], "names the field: " + e["message"])
    # sort
    st, _, s1 = env.get("/resources/pods?sort=-name")
    names = [i["name"] for i in s1["items"]]
    check_eq(names, sorted(names, reverse=True), "sort=-name")
    st, _, s2 = env.get("/resources/pods?sort=created")
    check(len(s2["items"]) == len(s1["items"]), "sort=created")


@test
def bad_list_input_gets_the_contract_error(tmp):
    env = Env(tmp)
    cases = [
        ("/resources/gizmos", 404, "not_found", "gizmos"),
        ("/resources/pods?labelSelector=" + q("a in (b"), 400, "bad_request", "labelSelector"),
        ("/resources/pods?limit=0", 400, "bad_request", "limit"),
        ("/resources/pods?limit=abc", 400, "bad_request", "limit"),
        ("/resources/pods?continue=garbage", 400, "bad_request", "continue"),
        ("/resources/pods?sort=size", 400, "bad_request", "sort"),
    ]
    for path, want, code, word in cases:
        st, hdrs, body = env.get(path)
        e = check_error(st, hdrs, body, want, code, path)
        check(word in e["message"], "%s: message names %s: %s" % (path, word, e["message"]))
        check_eq(e.get("cluster"), env.cluster, path + ": the error names the cluster")
    st, hdrs, body = http_json("GET", env.url + "/api/v1/clusters/nope/resources/pods")
    e = check_error(st, hdrs, body, 404, "not_found", "unknown cluster")
    check("nope" in e["message"], "names the cluster")


@test
def pages_are_stable_while_objects_come_and_go(tmp):
    env = Env(tmp)
    st, _, full = env.get("/resources/configmaps?limit=5000")
    everything = [i["id"] for i in full["items"]]
    check(len(everything) >= 6, "enough configmaps to page: %d" % len(everything))
    st, _, p1 = env.get("/resources/configmaps?limit=3")
    check_eq(len(p1["items"]), 3, "first page")
    check(p1["continue"], "a continue token")
    check_eq(p1["remaining"], len(everything) - 3, "remaining")
    # objects before and after the cursor change between the pages
    first = p1["items"][0]
    env.sim_req("DELETE", "/api/v1/namespaces/%s/configmaps/%s" % (first["namespace"], first["name"]))
    env.sim_req("POST", "/api/v1/namespaces/shop/configmaps",
                body={"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "zzz-late", "namespace": "shop"}})
    env.wait_store(lambda: any(i["name"] == "zzz-late" for i in env.get("/resources/configmaps?limit=5000")[2]["items"]),
                   "new configmap in the store")
    seen = [i["id"] for i in p1["items"]]
    cont = p1["continue"]
    while cont:
        st, hdrs, p = env.get("/resources/configmaps?limit=3&continue=" + q(cont))
        check_eq(st, 200, "next page: %r" % (p,))
        seen += [i["id"] for i in p["items"]]
        cont = p["continue"]
    check_eq(len(seen), len(set(seen)), "nothing returned twice")
    for i in everything[3:]:
        check(i in seen, "%s (present throughout) was not skipped" % i)
    check("ConfigMap/shop/zzz-late" in seen, "an object added after the cursor shows up")
    # the token belongs to its query
    st, hdrs, body = env.get("/resources/configmaps?limit=3&namespace=shop&continue=" + q(p1["continue"]))
    e = check_error(st, hdrs, body, 400, "bad_request", "token of another query")
    check("different query" in e["message"], e["message"])


@test
def detail_is_live_redacted_and_yaml_on_request(tmp):
    env = Env(tmp)
    # a secret with values, created directly in the cluster
    env.sim_req("POST", "/api/v1/namespaces/shop/secrets", body={
        "apiVersion": "v1", "kind": "Secret", "metadata": {"name": "api-key", "namespace": "shop", "annotations": {
            "kubectl.kubernetes.io/last-applied-configuration": '{"data":{"key":"c2VjcmV0"}}'}},
        "data": {"key": "c2VjcmV0"}, "stringData": {"plain": "hunter2"}})
    st, _, sec = env.get("/resources/secrets/shop/api-key")
    check_eq(st, 200, "secret detail")
    raw = str(sec)
    check("c2VjcmV0" not in raw and "hunter2" not in raw, "no secret value leaves: %s" % raw)
    for v in (sec.get("data") or {}).values():
        check_eq(v, "<redacted>", "data value")
    check_eq(sec["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"], "<redacted>",
             "last-applied annotation")
    check("managedFields" not in sec["metadata"], "managedFields dropped")
    st, hdrs, body = env.raw("GET", "/resources/deployments/shop/cart?format=yaml")
    check_eq(st, 200, "yaml")
    check(hdrs["content-type"].startswith("application/yaml"), "yaml content type")
    check(b"kind: Deployment\n" in body and b"  name: cart\n" in body, "yaml body: %r" % body[:300])
    st, hdrs, body = env.raw("GET", "/resources/deployments/shop/cart", headers={"Accept": "application/yaml"})
    check(hdrs["content-type"].startswith("application/yaml"), "Accept: application/yaml")
    node = env.get("/resources/nodes")[2]["items"][0]["name"]
    for form in ("/resources/Node//" + node, "/resources/nodes/" + node):
        st, _, n = env.get(form)
        check_eq(st, 200, form)
        check_eq(n["metadata"]["name"], node, form)
    st, hdrs, body = env.get("/resources/pods/shop/no-such-pod")
    e = check_error(st, hdrs, body, 404, "not_found", "missing object")
    check("no-such-pod" in e["message"], "the cluster's message: " + e["message"])
    st, hdrs, body = env.get("/resources/pods/no-such-pod")
    check_error(st, hdrs, body, 400, "bad_request", "namespaced kind without a namespace")


@test
def identical_concurrent_live_gets_share_one_call(tmp):
    env = Env(tmp)
    out = []

    def one():
        out.append(env.get("/resources/deployments/shop/cart")[0])
    for _ in range(5):
        ts = [threading.Thread(target=one) for _ in range(20)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
    check(all(s == 200 for s in out), "all answered: %r" % out)
    st, _, m = http("GET", env.url + "/metrics")
    line = [l for l in m.decode().splitlines() if l.startswith("api_live_coalesced_total")]
    check(line and float(line[0].split()[-1]) > 0, "some requests were coalesced: %r" % line)


@test
def topology_scopes_formats_and_etag(tmp):
    env = Env(tmp)
    st, hdrs, t = env.get("/topology?namespace=shop")
    check_eq(st, 200, "topology")
    for k in ("cluster", "resourceVersion", "truncated", "nodes", "edges"):
        check(k in t, "field " + k)
    check(t["nodes"] and all(n["namespace"] == "shop" for n in t["nodes"]), "namespace scope")
    ids = {n["id"] for n in t["nodes"]}
    check(all(e["source"] in ids and e["target"] in ids for e in t["edges"]), "edges between members")
    etag = hdrs.get("etag")
    check(etag, "an ETag")
    st, hdrs2, body = env.raw("GET", "/topology?namespace=shop", headers={"If-None-Match": etag})
    check_eq(st, 304, "unchanged scope")
    check_eq(body, b"", "no body on 304")
    # a change in the cluster changes the tag
    env.sim_req("POST", "/api/v1/namespaces/shop/configmaps",
                body={"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "etag-bump", "namespace": "shop"}})
    wait_for(lambda: env.raw("GET", "/topology?namespace=shop", headers={"If-None-Match": etag})[0] == 200,
             what="a new ETag after a change")
    # a change elsewhere in the cluster leaves this scope's tag valid
    st, hdrs, _ = env.raw("GET", "/topology?namespace=shop")
    etag = hdrs.get("etag")
    env.sim_req("POST", "/api/v1/namespaces/default/configmaps",
                body={"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "elsewhere", "namespace": "default"}})
    wait_for(lambda: any(i["name"] == "elsewhere" for i in env.get("/resources/configmaps?namespace=default")[2]["items"]),
             what="the other namespace's change in the store")
    st, _, body = env.raw("GET", "/topology?namespace=shop", headers={"If-None-Match": etag})
    check_eq(st, 304, "a scope untouched by the change keeps its tag")
    st, _, f = env.get("/topology?focus=" + q("Deployment.apps/shop/cart") + "&depth=2")
    check_eq(st, 200, "focus")
    check("Deployment.apps/shop/cart" in {n["id"] for n in f["nodes"]}, "focus node present")
    check(any(n["kind"] == "Pod" for n in f["nodes"]), "pods two hops away")
    st, _, k = env.get("/topology?namespace=shop&kinds=pods,Service")
    check(k["nodes"] and {n["kind"] for n in k["nodes"]} <= {"Pod", "Service"}, "kinds filter")
    st, _, l = env.get("/topology?namespace=shop&limit=3")
    check_eq(len(l["nodes"]), 3, "limit")
    check_eq(l["truncated"], True, "truncated")
    st, hdrs, svg = env.raw("GET", "/topology.svg?namespace=shop")
    check_eq(st, 200, "svg")
    check(hdrs["content-type"].startswith("image/svg+xml") and svg.startswith(b"<svg"), "svg body")
    st, hdrs, dot = env.raw("GET", "/topology.dot?namespace=shop")
    check(dot.startswith(b"digraph"), "dot body")
    for path, want, code in [("/topology?focus=" + q("Pod/shop/nope"), 404, "not_found"),
                             ("/topology?focus=nonsense", 400, "bad_request"),
                             ("/topology?depth=99", 400, "bad_request"),
                             ("/topology?kinds=gizmos", 400, "bad_request"),
                             ("/topology?labelSelector=" + q("a in (b"), 400, "bad_request"),
                             ("/topology?limit=-1", 400, "bad_request")]:
        st, hdrs, body = env.get(path)
        check_error(st, hdrs, body, want, code, path)


@test
def events_are_queryable_by_object_namespace_and_type(tmp):
    env = Env(tmp)
    wait_for(lambda: env.get("/events")[2]["items"], timeout=20, what="events")
    st, _, ev = env.get("/events?limit=1000")
    it = ev["items"][0]
    for k in ("id", "object", "type", "reason", "message", "count", "first", "last"):
        check(k in it, "event field " + k)
    lasts = [i["last"] for i in ev["items"]]
    check_eq(lasts, sorted(lasts, reverse=True), "newest first")
    st, _, shop = env.get("/events?namespace=shop")
    check(shop["items"] and all(i["namespace"] == "shop" for i in shop["items"]), "namespace filter")
    # the crash-looping workload of the demo produces warnings for its pods
    wait_for(lambda: env.get("/events?type=Warning&namespace=payments")[2]["items"], timeout=30,
             what="warnings in payments")
    st, _, w = env.get("/events?type=Warning")
    check(all(i["type"] == "Warning" for i in w["items"]), "type filter")
    pod_obj = w["items"][0]["object"]
    st, _, byobj = env.get("/events?object=" + q(pod_obj))
    check(byobj["items"] and all(i["object"] == pod_obj for i in byobj["items"]), "object filter")
    # a Deployment's ID includes the events of its pods (through its ReplicaSet)
    ns = pod_obj.split("/")[1]
    deps = env.get("/resources/deployments?namespace=" + ns)[2]["items"]
    found = False
    for d in deps:
        st, _, de = env.get("/events?object=" + q(d["id"]))
        if any(i["object"].startswith("Pod/") for i in de["items"]):
            found = True
    check(found, "a workload's events include its pods'")
    for path in ("/events?type=Fatal", "/events?object=nonsense", "/events?limit=0", "/events?since=yesterday"):
        st, hdrs, body = env.get(path)
        check_error(st, hdrs, body, 400, "bad_request", path)


@test
def repeated_lists_show_every_change_and_only_what_the_asker_may_see(tmp):
    # an identical request may be answered from a kept page: it must still
    # show a change at once, and never what another asker's page showed
    env = Env(tmp)
    url = "/resources/configmaps?namespace=shop&limit=2"
    st, _, p1 = env.get(url)
    check_eq(st, 200, "list")
    check_eq(env.get(url)[2], p1, "the same answer while nothing changed")
    shown = p1["items"][0]
    st, _, _ = http_json("PATCH", env.sim.url + "/api/v1/namespaces/shop/configmaps/" + shown["name"],
                         body={"metadata": {"labels": {"kept": "no"}}},
                         headers={"Authorization": "Bearer admin-token",
                                  "Content-Type": "application/merge-patch+json"})
    check_eq(st, 200, "patched")
    def relabelled():
        items = env.get(url)[2]["items"]
        return any(i["id"] == shown["id"] and i["labels"].get("kept") == "no" for i in items)
    env.wait_store(relabelled, "the change on the repeated page", timeout=5)
    # a new object after the page: only "remaining" says so
    before = env.get(url)[2]["remaining"]
    env.sim_req("POST", "/api/v1/namespaces/shop/configmaps",
                body={"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "zzzz-new", "namespace": "shop"}})
    env.wait_store(lambda: env.get(url)[2]["remaining"] == before + 1, "remaining counts the new object", timeout=5)
    # the same URL for everyone: the admin's page first, then ann's
    every = "/resources/configmaps?limit=500"
    st, _, admin = env.get(every)
    check({i["namespace"] for i in admin["items"]} - {"shop"}, "the admin sees other namespaces")
    st, _, ann = env.get(every, user="ann")
    check_eq(st, 200, "ann lists")
    check_eq({i["namespace"] for i in ann["items"]}, {"shop"}, "ann sees only shop")
    check_eq(ann["remaining"], 0, "and no count of the rest")
    st, _, again = env.get(every)
    check_eq(len(again["items"]), len(admin["items"]), "the admin's page is still whole")


@test
def a_kept_page_goes_gzipped_to_clients_that_take_gzip(tmp):
    env = Env(tmp)
    url = "/resources/pods?limit=500"
    st, hdrs, plain = env.raw("GET", url)
    check_eq(st, 200, "list")
    check("Accept-Encoding" in hdrs.get("vary", ""), "Vary names Accept-Encoding: %r" % hdrs)
    # a repeat is served from the kept page (unless the wall-clock second or
    # the pods changed in between: then the next repeat is)
    got = {}
    def gzipped():
        st, hdrs, body = env.raw("GET", url, headers={"Accept-Encoding": "gzip"})
        check_eq(st, 200, "repeat with gzip")
        got["body"] = body
        return hdrs.get("content-encoding") == "gzip"
    wait_for(gzipped, timeout=5, what="a kept page sent gzipped")
    body = got["body"]
    check(len(body) < len(plain) / 3, "a fraction of the bytes: %d of %d" % (len(body), len(plain)))
    ids = lambda doc: [i["id"] for i in doc["items"]]
    check_eq(ids(json.loads(gzip.decompress(body))), ids(json.loads(plain)), "the same page once unpacked")
    st, hdrs, again = env.raw("GET", url, headers={"Accept-Encoding": "gzip;q=0, identity"})
    check(hdrs.get("content-encoding") is None, "q=0 refuses gzip: %r" % hdrs.get("content-encoding"))
    check_eq(ids(json.loads(again)), ids(json.loads(plain)), "plain again")


run()
