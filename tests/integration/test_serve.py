"""test_serve.py — `kubilitics serve` as a real process: health, metrics, config
errors, plugin routes with hot reload and budgets, graceful drain."""
import os
import shutil
import signal
import socket
import subprocess
import time

from harness import (BIN, ROOT, check, check_eq, http, http_json, run, start, test, wait_for)


def serve(tmp, *extra, plugins=None):
    args = [BIN("kubilitics"), "serve", "--listen", "127.0.0.1:0", "--data-dir", os.path.join(tmp, "data")]
    for p in plugins or []:
        args += ["--plugins", p]
    if plugins is None:
        empty = os.path.join(tmp, "no-plugins")
        os.makedirs(empty, exist_ok=True)
        args += ["--plugins", empty]
    return start(args + list(extra))


@test
def healthz_and_request_ids(tmp):
    srv = serve(tmp)
    status, hdrs, body = http_json("GET", srv.url + "/healthz")
    check_eq(status, 200, "status")
    check_eq(body, {"status": "ok"}, "body")
    check(len(hdrs.get("x-request-id", "")) >= 8, "a generated X-Request-Id")
    status, hdrs, _ = http("GET", srv.url + "/healthz", headers={"X-Request-Id": "trace-abc.123"})
    check_eq(hdrs.get("x-request-id"), "trace-abc.123", "X-Request-Id echoed")
    status, hdrs, _ = http("GET", srv.url + "/healthz", headers={"X-Request-Id": "bad id with spaces"})
    check(hdrs.get("x-request-id") not in (None, "bad id with spaces"), "an invalid id replaced")
    status, _, body = http_json("GET", srv.url + "/api/v1/nope")
    check_eq(status, 404, "unknown API path")
    check_eq(body["error"]["code"], "not_found", "error code")
    check_eq(body["error"]["status"], 404, "error status")
    check(body["error"]["requestId"], "requestId in the error")


@test
def metrics_exposes_http_and_process_series(tmp):
    srv = serve(tmp)
    for _ in range(3):
        http("GET", srv.url + "/healthz")
    status, hdrs, body = http("GET", srv.url + "/metrics")
    check_eq(status, 200, "status")
    check(hdrs["content-type"].startswith("text/plain; version=0.0.4"), "Prometheus content type")
    text = body.decode()
    check('http_requests_total{route="/healthz",code="200"} 3' in text, "3 healthz requests counted:\n" + text[:2000])
    for name in ("http_request_duration_seconds_bucket", "http_connections_active",
                 "process_resident_memory_bytes"):
        check(name in text, name + " present")


@test
def port_file_is_written(tmp):
    pf = os.path.join(tmp, "port")
    srv = serve(tmp, "--port-file", pf)
    port = int(open(pf).read().strip())
    check_eq(srv.url, "http://127.0.0.1:%d" % port, "url matches port file")


@test
def bad_config_exits_2_naming_file_line_and_field(tmp):
    cfg = os.path.join(tmp, "k.yaml")
    with open(cfg, "w") as f:
        f.write("listen: 127.0.0.1:0\nhttp:\n  maxConnections: lots\n")
    p = subprocess.run([BIN("kubilitics"), "serve", "--config", cfg], capture_output=True, timeout=10)
    check_eq(p.returncode, 2, "exit code")
    err = p.stderr.decode().strip().splitlines()
    check_eq(len(err), 1, "one line: %r" % err)
    check(cfg + ":3: http.maxConnections: expected an integer" in err[0], "message: " + err[0])
    p = subprocess.run([BIN("kubilitics"), "serve", "--no-such-flag"], capture_output=True, timeout=10)
    check_eq(p.returncode, 2, "unknown flag exit code")
    check(b"unknown flag --no-such-flag" in p.stderr, "unknown flag named")
    p = subprocess.run([BIN("kubilitics"), "serve", "--listen", "nonsense"], capture_output=True, timeout=10)
    check_eq(p.returncode, 2, "bad listen exit code")
    check(b"listen address" in p.stderr, "bad listen named")


def copy_hello(tmp):
    d = os.path.join(tmp, "plugins")
    os.makedirs(d)
    shutil.copy(os.path.join(ROOT, "examples/plugins/hello.lua"), d)
    return d, os.path.join(d, "hello.lua")


@test
def plugin_route_hot_reloads_and_broken_edit_keeps_old_version(tmp):
    d, path = copy_hello(tmp)
    srv = serve(tmp, plugins=[d])
    url = srv.url + "/api/v1/plugins/hello/hello"
    status, _, body = http_json("GET", url)
    check_eq(status, 200, "hello status")
    check_eq(body.get("message"), "hello", "hello message")
    src = open(path).read()
    check('message = "hello"' in src, "hello.lua answers with message = \"hello\"")
    with open(path, "w") as f:
        f.write(src.replace('message = "hello"', 'message = "bonjour"', 1))
    t0 = time.time()
    wait_for(lambda: http_json("GET", url)[2].get("message") == "bonjour", timeout=3, what="edited answer")
    check(time.time() - t0 < 1.5, "reload within a second (took %.2fs)" % (time.time() - t0))
    with open(path, "w") as f:
        f.write("return { name = 'hello', version = '1.0.0', routes = { {method = 'GET' path = '/x'} } }\n")
    wait_for(lambda: b"hello.lua:1" in open(srv.log_path, "rb").read(), timeout=3, what="error logged with file:line")
    time.sleep(0.3)
    status, _, body = http_json("GET", url)
    check_eq(body.get("message"), "bonjour", "old version still answering")
    _, _, m = http("GET", srv.url + "/metrics")
    check("plugin_reload_failures_total 1" in m.decode(), "reload failure counted in /metrics")
    _, _, plugins = http_json("GET", srv.url + "/api/v1/plugins")
    check("hello.lua:1" in str(plugins), "reload error visible in /api/v1/plugins")


@test
def runaway_plugins_are_stopped_and_server_keeps_answering(tmp):
    d = os.path.join(tmp, "plugins")
    os.makedirs(d)
    with open(os.path.join(d, "spin.lua"), "w") as f:
        f.write("""return { name = "spin", version = "0.1.0", routes = {
  { method = "GET", path = "/loop", handler = function(req) while true do end end },
  { method = "GET", path = "/eat", handler = function(req)
      local t = {} ; local i = 0
      while true do i = i + 1; t[i] = string.rep("x", 1024) .. i end end },
  { method = "GET", path = "/ok", handler = function(req) return { status = 200, body = "fine" } end },
} }
""")
    srv = serve(tmp, "--plugin-timeout-ms", "200", plugins=[d])
    for route in ("loop", "eat"):
        t0 = time.time()
        status, _, body = http_json("GET", srv.url + "/api/v1/plugins/spin/" + route, timeout=20)
        check_eq(status, 503, route + " status")
        check_eq(body["error"]["code"], "plugin_budget_exceeded", route + " code")
        check(time.time() - t0 < 10, "%s stopped in time" % route)
        status, _, _ = http("GET", srv.url + "/healthz")
        check_eq(status, 200, "healthz after " + route)
    status, _, body = http("GET", srv.url + "/api/v1/plugins/spin/ok")
    check_eq((status, body), (200, b"fine"), "the plugin still serves its other routes")
    _, _, m = http("GET", srv.url + "/metrics")
    check('plugin_budget_kills_total{plugin="spin"} 2' in m.decode(), "kills counted:\n" + m.decode()[-1500:])


@test
def sigterm_drains_in_flight_request_then_exits_0(tmp):
    srv = serve(tmp)
    host, port = srv.url[len("http://"):].rsplit(":", 1)
    s = socket.create_connection((host, int(port)))
    # a request whose body is still arriving when the drain starts
    s.sendall(b"POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nab")
    time.sleep(0.2)
    srv.signal(signal.SIGTERM)
    time.sleep(0.2)
    # new connections are refused once draining
    refused = False
    try:
        socket.create_connection((host, int(port)), timeout=1).close()
    except OSError:
        refused = True
    check(refused, "new connections refused while draining")
    s.sendall(b"cd")
    reply = s.recv(4096)
    check(reply.startswith(b"HTTP/1.1 405") or reply.startswith(b"HTTP/1.1 200"), "in-flight request answered: %r" % reply[:80])
    s.close()
    rc = srv.p.wait(10)
    check_eq(rc, 0, "exit code after drain")


run()
