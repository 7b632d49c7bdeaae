#!/usr/bin/env python3
"""fake-prometheus.py — a Prometheus-shaped test fixture (not product code) for
the browser tests: it answers /api/v1/query and /api/v1/query_range on
127.0.0.1 with made-up but deterministic samples, so the detail panel's
Prometheus charts can be checked end to end through `kubilitics serve`.

- Range queries: one series with a sample every `step` from `start` to `end`;
  the value depends only on the sample's time, and every 20th sample is NaN
  (the UI must show a gap there, not a value).
- GET /control?fail=1 makes every query that names a `node=` label answer a
  Prometheus error (`bad_data`, so Kubilitics answers 502 prometheus_error);
  /control?fail=0 ends that. The browser test uses it to check the error view
  and its Retry.

Prints "listening on http://127.0.0.1:PORT" once ready (run.sh waits for it).
"""
import json
import math
import sys
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STATE = {"fail_nodes": False}


def value(query, t):
    base = 64 * 1024 * 1024 if "memory" in query else 0.2
    return base * (1.0 + 0.5 * math.sin(t / 600.0))


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def send_json(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        u = urllib.parse.urlsplit(self.path)
        q = {k: v[0] for k, v in urllib.parse.parse_qs(u.query).items()}
        if u.path == "/control":
            STATE["fail_nodes"] = q.get("fail") == "1"
            return self.send_json(200, {"failNodes": STATE["fail_nodes"]})
        query = q.get("query", "")
        if STATE["fail_nodes"] and 'node="' in query:
            return self.send_json(400, {"status": "error", "errorType": "bad_data",
                                        "error": "fake Prometheus: node queries are failing on purpose"})
        if u.path == "/api/v1/query_range":
            try:
                start, end, step = float(q["start"]), float(q["end"]), float(q["step"])
            except (KeyError, ValueError):
                return self.send_json(400, {"status": "error", "errorType": "bad_data", "error": "bad range"})
            values = []
            t = start
            i = 0
            while t <= end and i < 11000:
                v = "NaN" if i % 20 == 10 else "%.6f" % value(query, t)
                values.append([t, v])
                t += step
                i += 1
            return self.send_json(200, {"status": "success", "data": {"resultType": "matrix", "result": [
                {"metric": {}, "values": values}]}})
        if u.path == "/api/v1/query":
            t = float(q.get("time", "0") or 0)
            return self.send_json(200, {"status": "success", "data": {"resultType": "vector", "result": [
                {"metric": {}, "value": [t, "%.6f" % value(query, t)]}]}})
        self.send_json(404, {"status": "error", "errorType": "not_found", "error": "no such path"})


def main():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    print("listening on http://127.0.0.1:%d" % srv.server_address[1], flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    sys.exit(0)


if __name__ == "__main__":
    main()
