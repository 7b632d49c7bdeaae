"""test_api_ws.py — the WebSocket /api/v1/ws and its SSE fallback against
kubesim: deltas within the latency budget, message validation, resume with
`since` (exactly the missed changes), resync when too old, a restricted
user's deltas, cluster status pushes, and a client that stops reading."""
import json
import os
import re
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import check, check_eq, http, run, test, wait_for  # noqa: E402
from api_fixture import Env  # noqa: E402
from api_wsclient import WSClient, WSClosed  # noqa: E402


# A position in the cluster's change stream: "RV" or "RV.N" (docs/api.md).
POSITION = re.compile(r"^[0-9]+(\.[0-9]+)?$")


def connect(env, user=None, **kw):
    h = {"X-Remote-User": user} if user else {}
    return WSClient(env.host, env.port, "/api/v1/ws", headers=h, **kw)


def subscribe(ws, env, sid="s1", **fields):
    msg = {"op": "subscribe", "id": sid, "cluster": env.cluster}
    msg.update(fields)
    ws.send_json(msg)
    m, seen = ws.recv_until(lambda m: m.get("sub") == sid and m.get("type") in ("subscribed", "error", "resync"))
    check(m is not None, "an answer to subscribe: %r" % seen)
    return m


def make_cm(env, name, ns="shop"):
    st, _, body = env.sim_req("POST", "/api/v1/namespaces/%s/configmaps" % ns,
                              body={"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": ns}})
    check(st == 201, "configmap %s created: %d %r" % (name, st, body))


def upserted(m, node_id):
    return m.get("type") == "delta" and any(n["id"] == node_id for n in m["nodes"]["upsert"])


def removed(m, node_id):
    return m.get("type") == "delta" and node_id in m["nodes"]["remove"]


@test
def deltas_arrive_within_100ms_p99(tmp):
    env = Env(tmp)
    ws = connect(env)
    sub = subscribe(ws, env, namespace="shop")
    check_eq(sub["type"], "subscribed", "subscribed")
    check(POSITION.match(sub["resourceVersion"]), "the current resourceVersion: %r" % sub["resourceVersion"])
    lat = []
    for i in range(100):
        t0 = time.time()
        make_cm(env, "lat-%d" % i)
        m, seen = ws.recv_until(lambda m: upserted(m, "ConfigMap/shop/lat-%d" % i), timeout=5)
        check(m is not None, "delta for lat-%d: %r" % (i, seen[-3:]))
        lat.append(time.time() - t0)
        check_eq(m["sub"], "s1", "sub")
        check(POSITION.match(m["resourceVersion"]) and int(m["resourceVersion"].split(".")[0]) > 0, "resourceVersion")
    lat.sort()
    p99 = lat[98]
    print("  delta latency p50 %.1f ms, p99 %.1f ms (change written to kubesim → delta read)" %
          (lat[49] * 1000, p99 * 1000))
    check(p99 < 0.1, "p99 %.1f ms < 100 ms" % (p99 * 1000))
    # deletion: node and edges removed
    env.sim_req("DELETE", "/api/v1/namespaces/shop/configmaps/lat-0")
    m, _ = ws.recv_until(lambda m: removed(m, "ConfigMap/shop/lat-0"))
    check(m is not None, "removal delta")
    # out-of-scope changes do not arrive
    make_cm(env, "elsewhere", ns="payments")
    make_cm(env, "marker")
    m, seen = ws.recv_until(lambda m: upserted(m, "ConfigMap/shop/marker"))
    check(not any(upserted(x, "ConfigMap/payments/elsewhere") for x in seen), "namespace scope respected")
    ws.close()


@test
def bad_messages_get_errors_and_the_socket_stays_open(tmp):
    env = Env(tmp)
    ws = connect(env)
    cases = [
        ("this is not json", "not valid JSON"),
        ("[]", "JSON object"),
        (json.dumps({"op": "dance", "id": "x"}), "unknown op"),
        (json.dumps({"op": "subscribe", "id": "x"}), "\"cluster\" is required"),
        (json.dumps({"op": "subscribe", "id": "x", "cluster": env.cluster, "depth": 40}), "depth"),
        (json.dumps({"op": "subscribe", "id": "x", "cluster": env.cluster, "focus": "nope"}), "focus"),
        (json.dumps({"op": "subscribe", "id": "x", "cluster": "no-such-cluster"}), "no-such-cluster"),
        (json.dumps({"op": "unsubscribe", "id": "never"}), "no subscription"),
    ]
    for text, want in cases:
        ws.send_text(text)
        m = ws.recv_json(5)
        check(m and m["type"] == "error" and want in m["message"], "%s → error naming %r, got %r" % (text, want, m))
    ws.send_raw(2, b"\x00\x01binary")
    m = ws.recv_json(5)
    check(m and m["type"] == "error", "binary frame refused: %r" % (m,))
    check_eq(subscribe(ws, env, "ok")["type"], "subscribed", "still usable")
    check_eq(subscribe(ws, env, "ok")["type"], "error", "duplicate id")
    for i in range(31):
        subscribe(ws, env, "n%d" % i)
    m = subscribe(ws, env, "one-too-many")
    check(m["type"] == "error" and "at most" in m["message"], "subscription limit: %r" % m)
    ws.send_json({"op": "unsubscribe", "id": "ok"})
    m, _ = ws.recv_until(lambda m: m.get("type") == "unsubscribed")
    check(m is not None, "unsubscribed")
    ws.close()
    st, _, _ = http("GET", env.url + "/healthz")
    check_eq(st, 200, "server fine")


@test
def reconnect_with_since_gets_exactly_the_missed_changes(tmp):
    env = Env(tmp)
    ws = connect(env)
    make_cm(env, "before")
    sub = subscribe(ws, env, namespace="shop")
    m, _ = ws.recv_until(lambda m: upserted(m, "ConfigMap/shop/before"), timeout=2)
    # the last resourceVersion this client saw
    make_cm(env, "seen")
    m, _ = ws.recv_until(lambda m: upserted(m, "ConfigMap/shop/seen"))
    check(m is not None, "delta for seen")
    since = m["resourceVersion"]
    ws.close()
    # changes while away
    make_cm(env, "missed-1")
    make_cm(env, "missed-2")
    env.sim_req("DELETE", "/api/v1/namespaces/shop/configmaps/before")
    make_cm(env, "elsewhere", ns="payments")
    wait_for(lambda: env.get("/resources/configmaps/shop/missed-2")[0] == 200, what="store caught up")
    time.sleep(0.3)
    ws = connect(env)
    ws.send_json({"op": "subscribe", "id": "s1", "cluster": env.cluster, "namespace": "shop", "since": since})
    up, rm = set(), set()
    end = time.time() + 2
    while time.time() < end:
        m = ws.recv_json(0.3)
        if not m:
            continue
        check(m.get("type") != "resync", "no resync: the ring reaches back")
        if m.get("type") == "delta":
            up |= {n["id"] for n in m["nodes"]["upsert"]}
            rm |= set(m["nodes"]["remove"])
    cms_up = {i for i in up if i.startswith("ConfigMap/")}
    check_eq(cms_up, {"ConfigMap/shop/missed-1", "ConfigMap/shop/missed-2"}, "exactly the missed configmaps")
    check("ConfigMap/shop/before" in rm, "the missed deletion")
    check("ConfigMap/shop/seen" not in up, "nothing from before since")
    ws.close()


@test
def a_list_then_since_its_resourceversion_misses_nothing(tmp):
    env = Env(tmp)
    make_cm(env, "before-list")
    wait_for(lambda: env.get("/resources/configmaps/shop/before-list")[0] == 200, what="store has before-list")
    st, _, page = env.get("/resources/configmaps?namespace=shop")
    check_eq(st, 200, "list")
    rv = page["resourceVersion"]
    check(POSITION.match(rv), "a list's resourceVersion is a position: %r" % rv)
    check("ConfigMap/shop/before-list" in {i["id"] for i in page["items"]}, "the list shows before-list")
    st, _, topo = env.get("/topology?namespace=shop")
    check_eq(st, 200, "topology")
    check(POSITION.match(topo["resourceVersion"]), "topology's too: %r" % topo["resourceVersion"])
    # changes between the list and the subscription
    make_cm(env, "after-list")
    env.sim_req("DELETE", "/api/v1/namespaces/shop/configmaps/before-list")
    wait_for(lambda: env.get("/resources/configmaps/shop/after-list")[0] == 200, what="store has after-list")
    time.sleep(0.3)
    ws = connect(env)
    sub = subscribe(ws, env, namespace="shop", since=rv)
    check_eq(sub["type"], "subscribed", "subscribed since the list's resourceVersion")
    up, rm = set(), set()
    end = time.time() + 2
    while time.time() < end:
        m = ws.recv_json(0.3)
        if not m:
            continue
        check(m.get("type") != "resync", "no resync: the list's position is in the ring")
        if m.get("type") == "delta":
            up |= {n["id"] for n in m["nodes"]["upsert"]}
            rm |= set(m["nodes"]["remove"])
    check_eq({i for i in up if i.startswith("ConfigMap/")}, {"ConfigMap/shop/after-list"}, "exactly what came after")
    check("ConfigMap/shop/before-list" in rm, "the deletion after the list")
    ws.close()
    # with nothing in between, a list and a subscription name the same
    # position (kubesim's controllers may write meanwhile: a few tries; a
    # new limit each time, as a page kept from an earlier identical
    # request may carry the position it was made at)
    same = []
    for i in range(10):
        ws = connect(env)
        a = env.get("/resources/configmaps?namespace=shop&limit=%d" % (100 + i))[2]["resourceVersion"]
        b = subscribe(ws, env, namespace="shop")["resourceVersion"]
        ws.close()
        same.append((a, b))
        if a == b:
            break
    check(same[-1][0] == same[-1][1], "list and subscribe positions agree: %r" % same)


@test
def since_too_old_or_after_a_restart_asks_for_a_resync(tmp):
    env = Env(tmp, kb_args=[])
    ws = connect(env)
    # the server connected before the cluster synced: the changes of its
    # first list cannot tell what was deleted before it, so a since from
    # then (or from another server's life) is answered with a resync
    m = subscribe(ws, env, since="1")
    check_eq(m["type"], "subscribed", "subscribed")
    r, seen = ws.recv_until(lambda x: x.get("type") == "resync", timeout=3)
    check(r is not None and r["sub"] == "s1", "resync for a since older than the ring: %r" % seen[:2])
    check(not any(x.get("type") == "delta" for x in seen), "no partial replay before the resync")
    ws.close()


@test
def a_restricted_user_gets_only_their_namespace_deltas(tmp):
    env = Env(tmp)
    # the administrator subscribes to the same scope at the same time: the
    # two must never share what is sent
    admin = connect(env)
    check_eq(subscribe(admin, env)["type"], "subscribed", "the administrator subscribes to the whole cluster")
    ws = connect(env, user="ann")
    check_eq(subscribe(ws, env)["type"], "subscribed", "ann subscribes to the whole cluster")
    make_cm(env, "hidden", ns="payments")
    make_cm(env, "visible", ns="shop")
    m, _ = admin.recv_until(lambda m: upserted(m, "ConfigMap/payments/hidden"), timeout=5)
    check(m is not None, "the administrator sees the payments change")
    admin.close()
    m, seen = ws.recv_until(lambda m: upserted(m, "ConfigMap/shop/visible"), timeout=5)
    check(m is not None, "a shop delta: %r" % seen)
    for x in seen:
        if x.get("type") != "delta":
            continue
        for n in x["nodes"]["upsert"]:
            check_eq(n["namespace"], "shop", "node namespace")
        for e in x["edges"]["upsert"] + x["edges"]["remove"]:
            check(e["source"].split("/")[1] == "shop" and e["target"].split("/")[1] == "shop", "edge inside shop: %r" % e)
        for rid in x["nodes"]["remove"]:
            check_eq(rid.split("/")[1], "shop", "removal inside shop")
    ws.close()
    # a focus in a namespace ann may not list does not exist for her
    ws = connect(env, user="ann")
    pay = env.get("/resources/deployments?namespace=payments")[2]["items"][0]["id"]
    m = subscribe(ws, env, "f", focus=pay)
    check(m["type"] == "error", "focus outside ann's namespaces: %r" % m)
    ws.close()


@test
def focus_subscriptions_follow_the_neighbourhood(tmp):
    env = Env(tmp)
    ws = connect(env)
    check_eq(subscribe(ws, env, "f", focus="Deployment.apps/shop/cart", depth=2)["type"], "subscribed", "focus")
    pods = env.sim_pods("shop", "app=cart")
    env.sim_req("DELETE", "/api/v1/namespaces/shop/pods/%s?gracePeriodSeconds=0" % pods[0])
    m, seen = ws.recv_until(lambda m: m.get("type") == "resync" or removed(m, "Pod/shop/" + pods[0]), timeout=5)
    check(m is not None, "the deleted pod's removal reaches the focus subscriber: %r" % seen)
    make_cm(env, "unrelated")
    m, seen = ws.recv_until(lambda m: upserted(m, "ConfigMap/shop/unrelated"), timeout=1)
    check(m is None, "objects outside the neighbourhood do not arrive")
    ws.close()


@test
def cluster_status_is_pushed_to_every_socket(tmp):
    env = Env(tmp)
    ws = connect(env)
    kc = open(env.kubeconfig).read()
    http("POST", env.url + "/api/v1/clusters", body={"kubeconfig": kc, "name": "other"})
    m, seen = ws.recv_until(lambda m: m.get("type") == "cluster" and m.get("id") == "other", timeout=10)
    check(m is not None and m["status"], "a status push for the new cluster: %r" % seen)
    ws.close()


@test
def sse_fallback_carries_the_same_payloads(tmp):
    env = Env(tmp)
    s = socket.create_connection((env.host, env.port), timeout=10)
    s.sendall(("GET /api/v1/events/stream?cluster=%s&namespace=shop HTTP/1.1\r\nHost: x\r\n\r\n" % env.cluster).encode())
    buf = b""
    while b"\r\n\r\n" not in buf:
        buf += s.recv(65536)
    head = buf.split(b"\r\n\r\n", 1)[0].decode()
    check(" 200 " in head.split("\r\n")[0] and "text/event-stream" in head, "an event stream: " + head)
    make_cm(env, "via-sse")
    s.settimeout(0.2)
    deadline = time.time() + 5
    got = None
    while time.time() < deadline and got is None:
        try:
            buf += s.recv(65536)
        except socket.timeout:
            continue
        for line in buf.split(b"\n"):
            if line.startswith(b"data: "):
                try:
                    m = json.loads(line[6:])
                except ValueError:
                    continue
                if upserted(m, "ConfigMap/shop/via-sse"):
                    got = m
    check(got is not None and got["sub"] == "sse", "the delta over SSE: %r" % buf[-400:])
    s.close()
    st, _, body = http("GET", env.url + "/api/v1/events/stream")
    check_eq(st, 400, "cluster required")
    st, _, body = http("GET", env.url + "/api/v1/events/stream?cluster=nope")
    check_eq(st, 404, "unknown cluster")


def metric(env, name):
    st, _, m = http("GET", env.url + "/metrics")
    for line in m.decode().splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    return 0


def rss(env):
    st, _, m = http("GET", env.url + "/metrics")
    for line in m.decode().splitlines():
        if line.startswith("process_resident_memory_bytes "):
            return float(line.split()[-1])
    return 0


@test
def a_client_that_stops_reading_costs_bounded_memory_and_is_resynced(tmp):
    env = Env(tmp, sim_args=["--nodes", "20", "--pods", "4000", "--churn", "2000"])
    wait_for(lambda: env.get("/resources/pods?limit=1")[2]["remaining"] > 3000, timeout=60, what="pods synced")
    before = rss(env)
    ws = connect(env, rcvbuf=4096)
    check_eq(subscribe(ws, env)["type"], "subscribed", "subscribed to everything")
    time.sleep(15)  # not reading, under 2,000 changes/s
    after = rss(env)
    grew = (after - before) / 1e6
    held = metric(env, "api_ws_held_clients")
    outbox = metric(env, "api_ws_outbox_bytes")
    print("  server RSS %.1f MB -> %.1f MB while a client did not read; held %d, outbox %.0f KiB" %
          (before / 1e6, after / 1e6, held, outbox / 1024))
    check(held == 1, "the client is held back, not queued for")
    check(outbox <= 1 << 20, "its outbox stays within its budget")
    check(grew < 64, "bounded memory: grew %.1f MB" % grew)
    # reading again: the client is told to resync (or was dropped with 1008)
    try:
        m, seen = ws.recv_until(lambda m: m.get("type") == "resync", timeout=30)
        check(m is not None, "a resync after falling behind (%d messages)" % len(seen))
    except WSClosed as e:
        check_eq(e.code, 1008, "dropped with 1008")
    ws.close()
    check(metric(env, "api_ws_resyncs_total") >= 1, "resyncs counted")


run()
