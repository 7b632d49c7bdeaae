"""test_kubesim_kubectl.py — the machine's real kubectl (every kubectl.1.NN
found, plus plain kubectl) against kubesim with the kubeconfig it writes:
get, get -w, -o yaml, describe, logs -f, apply, scale, delete, auth can-i,
--as impersonation and api-resources."""
import glob
import os
import shutil
import subprocess
import time

from harness import BIN, check, check_eq, run, start, test, wait_for, TestFailure

KUBECTLS = sorted(set(filter(None, [shutil.which("kubectl")] + glob.glob("/usr/bin/kubectl.1.*") +
                              glob.glob("/usr/local/bin/kubectl.1.*"))))

APP = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: nginx:1.25
        ports:
        - containerPort: 80
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
  - port: 80
"""


def kubesim(tmp, *extra):
    kc = os.path.join(tmp, "kc")
    s = start([BIN("kubesim"), "--listen", "127.0.0.1:0", "--kubeconfig-out", kc] + list(extra))
    return s, kc


def kubectl(kc, *args, binary=None, timeout=30, check_rc=True):
    p = subprocess.run([binary or KUBECTLS[0], "--kubeconfig", kc] + list(args), capture_output=True, text=True,
                       timeout=timeout)
    if check_rc and p.returncode != 0:
        raise TestFailure("kubectl %s failed (%d): %s" % (" ".join(args), p.returncode, p.stderr.strip()))
    return p


def apply_app(tmp, kc, binary=None):
    path = os.path.join(tmp, "app.yaml")
    with open(path, "w") as f:
        f.write(APP)
    return kubectl(kc, "apply", "-f", path, binary=binary)


def running_pods(kc):
    out = kubectl(kc, "get", "pods", "-l", "app=web", "--no-headers").stdout
    return [l for l in out.splitlines() if " Running " in l]


@test
def every_kubectl_gets_namespaces_and_nodes_with_real_columns(tmp):
    check(KUBECTLS, "a kubectl on PATH")
    s, kc = kubesim(tmp)
    for k in KUBECTLS:
        out = kubectl(kc, "get", "namespaces", binary=k).stdout.splitlines()
        check_eq(out[0].split(), ["NAME", "STATUS", "AGE"], k)
        check(any(l.startswith("kube-system ") and " Active " in l for l in out), "kube-system Active via " + k)
        nodes = kubectl(kc, "get", "nodes", binary=k).stdout.splitlines()
        check_eq(nodes[0].split(), ["NAME", "STATUS", "ROLES", "AGE", "VERSION"], k)
        check(len(nodes) >= 2, "nodes listed via " + k)


@test
def apply_creates_then_reports_unchanged_without_disabling_validation(tmp):
    s, kc = kubesim(tmp)
    for k in KUBECTLS:
        out = apply_app(tmp, kc, binary=k).stdout
        check("deployment.apps/web" in out, out)
    out = apply_app(tmp, kc).stdout
    check("deployment.apps/web unchanged" in out, out)
    check("service/web unchanged" in out, out)
    wait_for(lambda: len(running_pods(kc)) == 2, what="two Running pods")
    header = kubectl(kc, "get", "pods").stdout.splitlines()[0].split()
    check_eq(header, ["NAME", "READY", "STATUS", "RESTARTS", "AGE"])
    svc = kubectl(kc, "get", "svc", "web", "--no-headers").stdout.split()
    check_eq(svc[1], "ClusterIP")
    check(svc[2].startswith("10.96."), "cluster IP allocated: %r" % svc)


@test
def get_yaml_describe_and_logs_follow(tmp):
    s, kc = kubesim(tmp)
    apply_app(tmp, kc)
    wait_for(lambda: running_pods(kc), what="a Running pod")
    pod = running_pods(kc)[0].split()[0]
    y = kubectl(kc, "get", "pod", pod, "-o", "yaml").stdout
    check("kind: Pod" in y and "resourceVersion:" in y and "uid:" in y, y[:300])
    d = kubectl(kc, "describe", "pod", pod).stdout
    check("Events:" in d and "Scheduled" in d, "describe shows the pod's events:\n" + d[-800:])
    logs = kubectl(kc, "logs", pod, "--tail=3").stdout
    check_eq(len(logs.splitlines()), 3)
    p = subprocess.Popen([KUBECTLS[0], "--kubeconfig", kc, "logs", "-f", pod, "--tail=1"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    time.sleep(8)  # new lines come every 1.5-6 s
    p.terminate()
    out, _ = p.communicate(timeout=10)
    check(len(out.splitlines()) >= 2, "logs -f streamed new lines: %r" % out)


@test
def scale_then_delete_collects_the_pods(tmp):
    s, kc = kubesim(tmp)
    apply_app(tmp, kc)
    out = kubectl(kc, "scale", "deployment", "web", "--replicas=4").stdout
    check("scaled" in out, out)
    wait_for(lambda: len(running_pods(kc)) == 4, what="four Running pods")
    out = kubectl(kc, "delete", "deployment", "web").stdout
    check('deployment.apps "web" deleted' in out, out)
    wait_for(lambda: kubectl(kc, "get", "pods,rs", "-l", "app=web", "--no-headers").stdout.strip() == "",
             what="pods and replica sets collected")


@test
def get_watch_prints_new_pods(tmp):
    s, kc = kubesim(tmp)
    w = subprocess.Popen([KUBECTLS[0], "--kubeconfig", kc, "get", "pods", "-w"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    time.sleep(1.5)
    apply_app(tmp, kc)
    wait_for(lambda: len(running_pods(kc)) == 2, what="two Running pods")
    time.sleep(1)
    w.terminate()
    out, _ = w.communicate(timeout=10)
    check(any(l.startswith("web-") and "Running" in l for l in out.splitlines()), "watch shows Running pods:\n" + out)


@test
def auth_can_i_and_impersonation(tmp):
    s, kc = kubesim(tmp)
    check_eq(kubectl(kc, "auth", "can-i", "create", "pods").stdout.strip(), "yes")
    p = kubectl(kc, "auth", "can-i", "create", "pods", "--as=bob", check_rc=False)
    check_eq(p.stdout.strip(), "no")
    p = kubectl(kc, "get", "pods", "--as=bob", check_rc=False)
    check(p.returncode != 0 and 'User "bob" cannot list resource "pods"' in p.stderr, p.stderr)
    kubectl(kc, "create", "rolebinding", "bob-view", "--clusterrole=view", "--user=bob")
    p = kubectl(kc, "get", "pods", "--as=bob")
    check_eq(p.returncode, 0)
    check_eq(kubectl(kc, "auth", "can-i", "list", "pods", "--as=bob").stdout.strip(), "yes")
    check_eq(kubectl(kc, "auth", "can-i", "delete", "pods", "--as=bob", check_rc=False).stdout.strip(), "no")


@test
def api_resources_lists_groups_and_short_names(tmp):
    s, kc = kubesim(tmp)
    out = kubectl(kc, "api-resources").stdout
    lines = {}
    for l in out.splitlines()[1:]:
        lines.setdefault(l.split()[0], l)  # core "pods" first, metrics.k8s.io later
    check("deploy" in lines["deployments"].split(), lines.get("deployments"))
    check("po" in lines["pods"].split(), lines.get("pods"))
    check("customresourcedefinitions" in lines, "CRDs listed")


@test
def tls_with_token_and_client_certificate_contexts(tmp):
    s, kc = kubesim(tmp, "--tls", "--no-controllers")
    check(s.url.startswith("https://"), s.url)
    out = kubectl(kc, "get", "ns", "default", "--no-headers").stdout
    check(out.startswith("default "), out)
    who = kubectl(kc, "--context", "kubesim-cert", "auth", "whoami").stdout
    check("kubesim-admin" in who and "system:masters" in who, who)
    p = kubectl(kc, "--context", "kubesim-cert", "--token", "wrong", "get", "pods", check_rc=False)
    check(p.returncode != 0 and "Unauthorized" in p.stderr, p.stderr)


@test
def not_found_error_reads_like_a_real_server(tmp):
    s, kc = kubesim(tmp)
    p = kubectl(kc, "get", "pod", "nope", check_rc=False)
    check_eq(p.returncode, 1)
    check_eq(p.stderr.strip(), 'Error from server (NotFound): pods "nope" not found')


run()
