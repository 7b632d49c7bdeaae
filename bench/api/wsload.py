#!/usr/bin/env python3
"""wsload.py — many WebSocket subscribers against kubilitics, for bench/api.

    wsload.py --url http://127.0.0.1:PORT --sim http://127.0.0.1:SIMPORT --token T
              --cluster ID --clients 1000 --namespaces ns1,ns2,… --probes 200

1. Opens --clients WebSockets (no subscription yet) and reports the server's
   resident memory before and after: the cost of an idle socket.
2. Subscribes client i to namespace i mod len(namespaces).
3. Writes --probes ConfigMaps into those namespaces (round robin, spaced over
   the run) straight to kubesim and records, for every subscriber of that
   namespace, the time from the write's answer to the delta naming the
   ConfigMap: the delivery latency under whatever churn kubesim generates.
Prints one JSON line with the figures.
"""
import argparse
import json
import os
import selectors
import socket
import struct
import sys
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tests", "integration"))
from api_wsclient import WSClient  # noqa: E402


def metric(url, name):
    with urllib.request.urlopen(url + "/metrics", timeout=30) as r:
        for line in r.read().decode().splitlines():
            if line.startswith(name + " "):
                return float(line.split()[-1])
    return 0.0


class Reader:
    """Non-blocking frame reader for one client (server frames are unmasked)."""

    def __init__(self, ws, ns):
        self.ws = ws
        self.sock = ws.sock
        self.ns = ns
        self.buf = ws.buf
        self.sock.setblocking(False)

    def messages(self):
        try:
            chunk = self.sock.recv(1 << 20)
        except BlockingIOError:
            return []
        if not chunk:
            raise EOFError
        self.buf += chunk
        out = []
        while len(self.buf) >= 2:
            n = self.buf[1] & 0x7F
            off = 2
            if n == 126:
                if len(self.buf) < 4:
                    break
                n = struct.unpack("!H", self.buf[2:4])[0]
                off = 4
            elif n == 127:
                if len(self.buf) < 10:
                    break
                n = struct.unpack("!Q", self.buf[2:10])[0]
                off = 10
            if len(self.buf) < off + n:
                break
            op = self.buf[0] & 0x0F
            payload = self.buf[off:off + n]
            self.buf = self.buf[off + n:]
            if op == 9:  # ping → pong (masked, as a client must)
                self.ws.sock.setblocking(True)
                self.ws._send_frame(10, payload)
                self.sock.setblocking(False)
            elif op == 1:
                out.append(payload)
        return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--sim", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--cluster", required=True)
    ap.add_argument("--clients", type=int, default=1000)
    ap.add_argument("--namespaces", required=True)
    ap.add_argument("--probes", type=int, default=200)
    ap.add_argument("--probe-interval", type=float, default=0.05)
    a = ap.parse_args()
    host, port = a.url.split("//")[1].split(":")
    port = int(port)
    nss = a.namespaces.split(",")
    time.sleep(1)
    rss0 = metric(a.url, "process_resident_memory_bytes")
    clients = []
    for i in range(a.clients):
        clients.append(WSClient(host, port, "/api/v1/ws"))
    time.sleep(2)
    rss1 = metric(a.url, "process_resident_memory_bytes")
    per_idle = (rss1 - rss0) / a.clients
    readers = []
    sel = selectors.DefaultSelector()
    for i, ws in enumerate(clients):
        ns = nss[i % len(nss)]
        ws.send_json({"op": "subscribe", "id": "s", "cluster": a.cluster, "namespace": ns})
        r = Reader(ws, ns)
        readers.append(r)
        sel.register(r.sock, selectors.EVENT_READ, r)
    # wait for every subscription to be acknowledged
    acked = 0
    deadline = time.time() + 60
    while acked < len(readers) and time.time() < deadline:
        for key, _ in sel.select(0.5):
            for m in key.data.messages():
                if b'"subscribed"' in m:
                    acked += 1
    rss2 = metric(a.url, "process_resident_memory_bytes")
    # probes
    pending = {}  # configmap ID → (t_written, set of readers still waiting)
    subs_of = {}
    for r in readers:
        subs_of.setdefault(r.ns, []).append(r)
    lat = []
    missed = 0
    messages = 0
    next_probe = time.time()
    sent = 0
    end_by = time.time() + a.probes * a.probe_interval + 30
    while time.time() < end_by and (sent < a.probes or pending):
        now = time.time()
        if sent < a.probes and now >= next_probe:
            ns = nss[sent % len(nss)]
            name = "wsload-%d-%d" % (os.getpid(), sent)
            body = json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": ns}}).encode()
            req = urllib.request.Request(a.sim + "/api/v1/namespaces/%s/configmaps" % ns, data=body, method="POST",
                                         headers={"Authorization": "Bearer " + a.token, "Content-Type": "application/json"})
            urllib.request.urlopen(req, timeout=10).read()
            pending["ConfigMap/%s/%s" % (ns, name)] = (time.time(), set(id(r) for r in subs_of[ns]))
            sent += 1
            next_probe += a.probe_interval
        for key, _ in sel.select(0.005):
            r = key.data
            for m in r.messages():
                messages += 1
                if b"wsload-" not in m:
                    continue
                t = time.time()
                for pid, (t0, waiting) in list(pending.items()):
                    if id(r) in waiting and pid.encode() in m:
                        waiting.discard(id(r))
                        lat.append(t - t0)
                        if not waiting:
                            del pending[pid]
        for pid, (t0, waiting) in list(pending.items()):
            if time.time() - t0 > 10:
                missed += len(waiting)
                del pending[pid]
    lat.sort()
    pct = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))] * 1000 if lat else -1
    print(json.dumps({"clients": a.clients, "namespaces": len(nss), "rss_before_mb": rss0 / 1e6,
                      "rss_idle_mb": rss1 / 1e6, "rss_subscribed_mb": rss2 / 1e6,
                      "bytes_per_idle_ws": per_idle, "bytes_per_subscribed_ws": (rss2 - rss0) / a.clients,
                      "acked": acked, "probes": sent, "deliveries": len(lat), "missed": missed,
                      "latency_ms_p50": pct(0.5), "latency_ms_p99": pct(0.99), "latency_ms_max": pct(1.0),
                      "messages": messages}))
    for ws in clients:
        try:
            ws.sock.close()
        except OSError:
            pass


if __name__ == "__main__":
    main()
