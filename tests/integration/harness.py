"""harness.py — the integration-test harness.

Tests start real processes (kubesim, kubilitics) on 127.0.0.1:0, read the
`listening on http://HOST:PORT` line each prints, and talk to them over real
sockets. A test file defines functions decorated with @test and ends with
`run()`; each test gets a fresh temporary directory and every process it
started is stopped afterwards, pass or fail. The last line printed is
"N passed, N failed", which tests/run.sh sums.

    from harness import test, run, start, http_json

    @test
    def healthz_answers_ok(tmp):
        srv = start([BIN("kubilitics"), "serve", "--listen", "127.0.0.1:0"])
        status, _, body = http("GET", srv.url + "/healthz")
        check_eq(status, 200)
"""
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.abspath(os.environ.get("BUILD", os.path.join(ROOT, "build")))

_tests = []
_procs = []


def BIN(name):
    return os.path.join(BUILD, name)


def test(fn):
    _tests.append(fn)
    return fn


class TestFailure(AssertionError):
    pass


def check(cond, what="condition"):
    if not cond:
        raise TestFailure("expected " + what)


def check_eq(got, want, what="value"):
    if got != want:
        raise TestFailure("%s: expected %r, got %r" % (what, want, got))


class Proc:
    """A child process that announced `listening on http://HOST:PORT`."""

    def __init__(self, argv, env=None, ready_timeout=30, cwd=None, log_path=None):
        self.argv = argv
        self.log_path = log_path or tempfile.mktemp(prefix="kb-proc-", suffix=".log")
        self.log = open(self.log_path, "wb")
        e = dict(os.environ)
        if env:
            e.update(env)
        self.p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=self.log, env=e,
                                  cwd=cwd or ROOT, stdin=subprocess.DEVNULL)
        _procs.append(self)
        self.url = None
        self.stdout_lines = []
        deadline = time.time() + ready_timeout
        buf = b""
        while time.time() < deadline:
            r, _, _ = select.select([self.p.stdout], [], [], 0.1)
            if r:
                chunk = os.read(self.p.stdout.fileno(), 4096)
                if not chunk:
                    break
                buf += chunk
                m = re.search(rb"listening on (https?://[^\s]+)", buf)
                if m:
                    self.url = m.group(1).decode()
                    break
            elif self.p.poll() is not None:
                break
        if not self.url:
            self.stop()
            raise TestFailure("%s did not start: exit %r, stdout %r, log tail:\n%s"
                              % (os.path.basename(argv[0]), self.p.returncode, buf[-500:], self.log_tail()))

    def log_tail(self, n=20):
        try:
            with open(self.log_path, "rb") as f:
                return b"\n".join(f.read().splitlines()[-n:]).decode(errors="replace")
        except OSError:
            return ""

    def log_text(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def stop(self, sig=signal.SIGTERM, timeout=10):
        if self.p.poll() is None:
            self.p.send_signal(sig)
            try:
                self.p.wait(timeout)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        self.log.close()
        return self.p.returncode

    # After stop(): a method named signal defined earlier would shadow the
    # signal module in stop()'s default argument.
    def signal(self, sig):
        if self.p.poll() is None:
            self.p.send_signal(sig)


def start(argv, **kw):
    return Proc(argv, **kw)


def http(method, url, body=None, headers=None, timeout=10):
    """One request; returns (status, headers dict with lower-case names, body bytes)."""
    data = body
    if isinstance(body, (dict, list)):
        data = json.dumps(body).encode()
    elif isinstance(body, str):
        data = body.encode()
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()


def http_json(method, url, body=None, headers=None, timeout=10):
    status, hdrs, raw = http(method, url, body, headers, timeout)
    try:
        doc = json.loads(raw) if raw else None
    except ValueError:
        raise TestFailure("%s %s: body is not JSON: %r" % (method, url, raw[:200]))
    return status, hdrs, doc


def raw_request(host, port, data, timeout=5, read_until_close=True):
    """Send raw bytes; return everything received until close or timeout."""
    s = socket.create_connection((host, port), timeout=timeout)
    try:
        s.sendall(data)
        out = b""
        while True:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            out += chunk
            if not read_until_close:
                break
        return out
    finally:
        s.close()


def wait_for(fn, timeout=10, interval=0.05, what="condition"):
    """Poll fn until it returns a truthy value; return it or fail."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            last = fn()
        except Exception as e:  # the condition may not be reachable yet
            last = e
        if last and not isinstance(last, Exception):
            return last
        time.sleep(interval)
    raise TestFailure("timed out after %ss waiting for %s (last: %r)" % (timeout, what, last))


def run():
    only = sys.argv[1] if len(sys.argv) > 1 else None
    passed = failed = 0
    for fn in _tests:
        if only and only not in fn.__name__:
            continue
        tmp = tempfile.mkdtemp(prefix="kb-it-")
        t0 = time.time()
        try:
            fn(tmp)
            print("ok   %s (%.1fs)" % (fn.__name__, time.time() - t0), flush=True)
            passed += 1
        except Exception as e:
            print("FAIL %s (%.1fs)" % (fn.__name__, time.time() - t0), flush=True)
            if isinstance(e, TestFailure):
                print("  " + str(e).replace("\n", "\n  "), flush=True)
            else:
                traceback.print_exc(file=sys.stdout)
            failed += 1
            for p in _procs:
                tail = p.log_tail(10)
                if tail:
                    print("  --- %s log tail ---\n  %s"
                          % (os.path.basename(p.argv[0]), tail.replace("\n", "\n  ")))
        finally:
            for p in list(_procs):
                p.stop()
            _procs.clear()
            shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed), flush=True)
    sys.exit(1 if failed else 0)
