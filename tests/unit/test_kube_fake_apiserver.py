"""test_kube_fake_apiserver.py — a minimal API server for test_kube_http.c.

Serves one resource type (/api/v1/pods) with paginated LIST and WATCH from a
resourceVersion out of a bounded event window, plus /t/* endpoints that
misbehave on purpose and /ctl/* endpoints the test uses to change state.
Prints `listening on http://127.0.0.1:PORT` once ready. Test code only.
"""
import json
import socketserver
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlparse

lock = threading.Condition()
state = {"rv": 100, "pods": {}, "events": [], "oldest": 100, "gen": 0,
         "counts": {}, "drops": 0, "expire_continue": False, "unpaged": 0}


def bump():
    state["rv"] += 1
    return str(state["rv"])


def pod(name, rv):
    return {"metadata": {"name": name, "namespace": "ns", "resourceVersion": rv}, "spec": {}}


def event(kind, obj):
    state["events"].append((int(obj["metadata"]["resourceVersion"]), kind, obj))
    lock.notify_all()


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def send(self, code, body, headers=None):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def status(self, code, reason, msg, headers=None):
        self.send(code, {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": reason,
                         "message": msg, "code": code}, headers)

    def do_POST(self):
        self.do_GET()

    def do_GET(self):
        u = urlparse(self.path)
        q = {k: v[0] for k, v in parse_qs(u.query).items()}
        p = u.path
        with lock:
            state["counts"][p] = state["counts"].get(p, 0) + 1
            n = state["counts"][p]
        if p == "/api":
            return self.send(200, {"kind": "APIVersions", "versions": ["v1"]})
        if p == "/apis":
            return self.send(200, {"kind": "APIGroupList", "groups": [
                {"name": "example.com", "versions": [{"groupVersion": "example.com/v1", "version": "v1"}],
                 "preferredVersion": {"groupVersion": "example.com/v1", "version": "v1"}},
                {"name": "broken.example.com", "versions": [{"version": "v1"}],
                 "preferredVersion": {"version": "v1"}}]})
        if p == "/api/v1":
            return self.send(200, {"kind": "APIResourceList", "groupVersion": "v1", "resources": [
                {"name": "pods", "kind": "Pod", "namespaced": True, "verbs": ["get", "list", "watch"]},
                {"name": "pods/log", "kind": "Pod", "namespaced": True, "verbs": ["get"]},
                {"name": "secrets", "kind": "Secret", "namespaced": True, "verbs": ["get", "list", "watch"]},
                {"name": "bindings", "kind": "Binding", "namespaced": True, "verbs": ["create"]}]})
        if p == "/apis/example.com/v1":
            return self.send(200, {"kind": "APIResourceList", "groupVersion": "example.com/v1", "resources": [
                {"name": "widgets", "kind": "Widget", "namespaced": False, "verbs": ["list", "watch"]}]})
        if p == "/apis/broken.example.com/v1":
            return self.status(503, "ServiceUnavailable", "the backend is down")
        if p == "/readyz":
            return self.send(200, b"ok")
        if p == "/t/echo":
            return self.send(200, {"headers": {k: v for k, v in self.headers.items()}, "method": self.command,
                                   "body": self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()})
        if p == "/t/429":
            if n <= int(q.get("n", "2")):
                return self.status(429, "TooManyRequests", "slow down", {"Retry-After": q.get("after", "0")})
            return self.send(200, {"attempts": n})
        if p == "/t/5xx":
            return self.status(int(q.get("code", "500")), "InternalError", "boom")
        if p == "/t/count":
            return self.send(200, {"counts": state["counts"]})
        if p == "/t/slow":
            time.sleep(3)
            return self.send(200, {})
        if p == "/t/auth":
            if self.headers.get("Authorization") != "Bearer " + q.get("want", ""):
                return self.status(401, "Unauthorized", "Unauthorized")
            return self.send(200, {"ok": True})
        if p == "/api/v1/secrets":
            return self.status(403, "Forbidden", 'secrets is forbidden: User "x" cannot list resource "secrets"')
        if p.startswith("/ctl/"):
            return self.ctl(p[5:], q)
        if p == "/api/v1/pods":
            if q.get("watch") in ("1", "true"):
                return self.watch(q)
            return self.list(q)
        return self.status(404, "NotFound", "not found")

    def ctl(self, what, q):
        with lock:
            if what == "add":
                for i in range(int(q.get("count", "1"))):
                    name = q.get("name", "p") + (str(i) if "count" in q else "")
                    rv = bump()
                    kind = "MODIFIED" if name in state["pods"] else "ADDED"
                    state["pods"][name] = pod(name, rv)
                    event(kind, state["pods"][name])
            elif what == "delete":
                name = q["name"]
                obj = state["pods"].pop(name)
                obj = json.loads(json.dumps(obj))
                obj["metadata"]["resourceVersion"] = bump()
                event("DELETED", obj)
            elif what == "expire-continue":
                # Every continue token is refused as expired (410), as a busy
                # server does when pages take longer than its history; an
                # unpaged list is then sent in small chunks, metadata last.
                state["expire_continue"] = q.get("on", "1") == "1"
            elif what == "compact":
                # Forget the event window: a watch resuming from before now gets 410.
                state["events"] = []
                state["oldest"] = state["rv"]
            elif what == "drop":
                state["gen"] += 1
                lock.notify_all()
            elif what == "garbage":
                # Recorded as an event so a watch that connects after this
                # call (but from an older resourceVersion) still sees it.
                state["events"].append((int(bump()), "GARBAGE", None))
                lock.notify_all()
            elif what == "silent":
                # Mutate without recording events (as if the watch missed them).
                for name in q.get("delete", "").split(","):
                    if name:
                        state["pods"].pop(name, None)
                for name in q.get("add", "").split(","):
                    if name:
                        state["pods"][name] = pod(name, bump())
                state["events"] = []
                state["oldest"] = state["rv"]
            return self.send(200, {"rv": state["rv"], "pods": len(state["pods"]), "unpaged": state["unpaged"]})

    def list(self, q):
        if q.get("continue") and state["expire_continue"]:
            return self.status(410, "Expired", "The provided continue parameter is too old")
        if not q.get("limit") and state["expire_continue"]:
            return self.list_streamed()
        with lock:
            limit = int(q.get("limit", "0") or 0)
            names = sorted(state["pods"])
            start = int(q.get("continue") or 0)
            page = names[start:start + limit] if limit else names[start:]
            nxt = start + len(page)
            items = [state["pods"][n] for n in page]
            md = {"resourceVersion": str(state["rv"])}
            if limit and nxt < len(names):
                md["continue"] = str(nxt)
        return self.send(200, {"kind": "PodList", "apiVersion": "v1", "metadata": md, "items": items})

    def list_streamed(self):
        with lock:
            state["unpaged"] += 1
            items = [state["pods"][n] for n in sorted(state["pods"])]
            body = json.dumps({"kind": "PodList", "apiVersion": "v1", "items": items,
                               "metadata": {"resourceVersion": str(state["rv"])}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for i in range(0, len(body), 777):
            self.chunk(body[i:i + 777])
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def chunk(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def watch(self, q):
        rv = int(q.get("resourceVersion") or state["rv"])
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        with lock:
            gen = state["gen"]
            if rv < state["oldest"]:
                err = {"type": "ERROR", "object": {"kind": "Status", "code": 410, "reason": "Expired",
                                                   "message": "too old resource version"}}
                self.chunk(json.dumps(err).encode() + b"\n")
                self.wfile.write(b"0\r\n\r\n")
                return
        deadline = time.time() + int(q.get("timeoutSeconds", "30"))
        while time.time() < deadline:
            with lock:
                out = []
                for (erv, kind, obj) in state["events"]:
                    if erv > rv:
                        if kind == "GARBAGE":
                            out.append(b"this is not json\n")
                            out.append(b'{"type":"ADDED","object":{"metadata":{}}}\n')
                        else:
                            out.append(json.dumps({"type": kind, "object": obj}).encode() + b"\n")
                        rv = erv
                if state["gen"] != gen:
                    # Drop: close the connection without the final chunk.
                    if out:
                        self.chunk(b"".join(out))
                    self.close_connection = True
                    return
                if not out:
                    lock.wait(0.2)
            if out:
                try:
                    # Split the data oddly so the client must join partial lines.
                    data = b"".join(out)
                    mid = len(data) // 2 + 1
                    self.chunk(data[:mid])
                    self.chunk(data[mid:])
                except OSError:
                    return
        self.wfile.write(b"0\r\n\r\n")


class S(socketserver.ThreadingMixIn, HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


srv = S(("127.0.0.1", 0), H)
print("listening on http://127.0.0.1:%d" % srv.server_address[1], flush=True)
srv.serve_forever()
