"""api_wsclient.py — a minimal RFC 6455 WebSocket client (stdlib only) for
the API's integration tests and the bench driver.

Client frames are masked with os.urandom keys as the RFC requires; the
server's frames are read unmasked. Text messages are returned decoded;
pings are answered with pongs; a close frame is answered and reported.

    ws = WSClient("127.0.0.1", port, "/api/v1/ws", headers={"X-Remote-User": "ann"})
    ws.send_json({"op": "subscribe", "id": "s1", "cluster": "c1"})
    msg = ws.recv_json(timeout=5)       # None on timeout
    ws.close()
"""
import base64
import hashlib
import json
import os
import select
import socket
import struct
import time

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class WSClosed(Exception):
    def __init__(self, code, reason):
        Exception.__init__(self, "closed %s %r" % (code, reason))
        self.code = code
        self.reason = reason


class WSClient:
    def __init__(self, host, port, path="/api/v1/ws", headers=None, timeout=10, rcvbuf=None):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            # before connect, so the window the server sees is small from the start
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(timeout)
        self.sock.connect((host, port))
        key = base64.b64encode(os.urandom(16)).decode()
        lines = ["GET %s HTTP/1.1" % path, "Host: %s:%d" % (host, port), "Upgrade: websocket",
                 "Connection: Upgrade", "Sec-WebSocket-Key: " + key, "Sec-WebSocket-Version: 13"]
        for k, v in (headers or {}).items():
            lines.append("%s: %s" % (k, v))
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise IOError("connection closed during the handshake: %r" % buf)
            buf += chunk
        head, self.buf = buf.split(b"\r\n\r\n", 1)
        status = head.split(b"\r\n")[0]
        self.status = int(status.split()[1])
        self.head = head.decode(errors="replace")
        if self.status != 101:
            # read the error body the server sent instead of switching
            self.body = self.buf
            raise IOError("handshake answered %d: %s" % (self.status, self.head + "\n" + self.buf.decode(errors="replace")))
        want = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
        if ("sec-websocket-accept: " + want).lower() not in self.head.lower():
            raise IOError("bad Sec-WebSocket-Accept in %r" % self.head)
        self.closed = None

    # ---- frames ----
    def _send_frame(self, opcode, payload):
        header = bytes([0x80 | opcode])
        n = len(payload)
        if n < 126:
            header += bytes([0x80 | n])
        elif n < 65536:
            header += bytes([0x80 | 126]) + struct.pack("!H", n)
        else:
            header += bytes([0x80 | 127]) + struct.pack("!Q", n)
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(header + mask + masked)

    def send_text(self, text):
        self._send_frame(1, text.encode() if isinstance(text, str) else text)

    def send_json(self, obj):
        self.send_text(json.dumps(obj))

    def send_raw(self, opcode, payload):
        self._send_frame(opcode, payload)

    def _fill(self, n, deadline):
        while len(self.buf) < n:
            left = deadline - time.time()
            if left <= 0:
                return False
            r, _, _ = select.select([self.sock], [], [], left)
            if not r:
                return False
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise WSClosed(1006, "connection lost")
            self.buf += chunk
        return True

    def _take(self, n):
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def recv(self, timeout=5):
        """Next text message (str), or None on timeout. Raises WSClosed."""
        deadline = time.time() + timeout
        parts = b""
        while True:
            if not self._fill(2, deadline):
                return None
            b0, b1 = self.buf[0], self.buf[1]
            n = b1 & 0x7F
            off = 2
            if n == 126:
                if not self._fill(4, deadline):
                    return None
                n = struct.unpack("!H", self.buf[2:4])[0]
                off = 4
            elif n == 127:
                if not self._fill(10, deadline):
                    return None
                n = struct.unpack("!Q", self.buf[2:10])[0]
                off = 10
            if not self._fill(off + n, deadline):
                return None
            self._take(off)
            payload = self._take(n)
            op = b0 & 0x0F
            fin = b0 & 0x80
            if op == 9:
                self._send_frame(10, payload)
                continue
            if op == 10:
                continue
            if op == 8:
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
                reason = payload[2:].decode(errors="replace")
                try:
                    self._send_frame(8, payload[:2])
                except OSError:
                    pass
                self.closed = (code, reason)
                raise WSClosed(code, reason)
            parts += payload
            if fin:
                return parts.decode()

    def recv_json(self, timeout=5):
        m = self.recv(timeout)
        return json.loads(m) if m is not None else None

    def recv_until(self, pred, timeout=10):
        """Messages until pred(msg) is true; returns (msg, seen) or (None, seen)."""
        deadline = time.time() + timeout
        seen = []
        while time.time() < deadline:
            m = self.recv_json(max(0.01, deadline - time.time()))
            if m is None:
                break
            seen.append(m)
            if pred(m):
                return m, seen
        return None, seen

    def close(self, code=1000):
        try:
            self._send_frame(8, struct.pack("!H", code))
        except OSError:
            pass
        try:
            self.sock.close()
        except OSError:
            pass
