#!/usr/bin/env bash
# run.sh — the browser tests against real processes.
#
# Starts three kubesims — the demo application (plus a restricted user and a
# CRD with printer columns, tests/browser/fixtures), a 10,000-pod cluster for
# the virtualised list, and a small one the tests stop to watch its status
# change — and a fake Prometheus for the demo (fake-prometheus.py), then
# `kubilitics serve` on all three with trusted proxy headers, and runs
# tests/browser/run.mjs in headless Chromium.
# Everything listens on 127.0.0.1 and is stopped on exit.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
tmp=$(mktemp -d /tmp/kb-browser-XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

if [ ! -x /usr/bin/chromium ] || [ ! -d ui/node_modules/playwright-core ]; then
  echo "browser tests need /usr/bin/chromium and ui/node_modules (make test installs both)"
  echo "0 passed, 1 failed"
  exit 1
fi

. tools/wait-line.sh

# sim NAME ARGS… — start a kubesim whose kubeconfig context is NAME.
sim() {
  local name=$1; shift
  "$BUILD/kubesim" --listen 127.0.0.1:0 --kubeconfig-out "$tmp/$name.raw" "$@" >"$tmp/$name.out" 2>"$tmp/$name.log" &
  pids+=($!)
  eval "${name}_pid=$!"
  wait_line "$tmp/$name.out" >/dev/null || { tail "$tmp/$name.log"; exit 1; }
  # every kubesim names its cluster, context and user "kubesim…": rename
  # them (not the token) so the three files merge without shadowing
  sed -E "s/^(\s*-?\s*(name|cluster|current-context|user): )kubesim(-token)?$/\1$name\3/" \
    "$tmp/$name.raw" >"$tmp/$name.yaml"
}

sim demo --manifests examples/demo --manifests tests/browser/fixtures
sim big --nodes 100 --pods 10000 --namespaces 20 --no-controllers
sim victim

/usr/bin/python3 tests/browser/fake-prometheus.py >"$tmp/prom.out" 2>"$tmp/prom.log" &
pids+=($!)
prom_url=$(wait_line "$tmp/prom.out") || { tail "$tmp/prom.log"; exit 1; }

"$BUILD/kubilitics" serve --listen 127.0.0.1:0 --data-dir "$tmp/data" --plugins plugins \
  --kubeconfig "$tmp/demo.yaml" --kubeconfig "$tmp/big.yaml" --kubeconfig "$tmp/victim.yaml" \
  --prometheus "demo=$prom_url" --trust-proxy-headers >"$tmp/kubilitics.out" 2>"$tmp/kubilitics.log" &
pids+=($!)
url=$(wait_line "$tmp/kubilitics.out") || { tail "$tmp/kubilitics.log"; exit 1; }
# ready = every cluster has listed every type once
ready=0
for _ in $(seq 1 600); do
  curl -sf "$url/readyz" >/dev/null && { ready=1; break; }
  sleep 0.1
done
if [ $ready -ne 1 ]; then
  echo "kubilitics did not become ready in 60 s:"
  curl -s "$url/readyz"; echo
  grep -v '"msg":"request"' "$tmp/kubilitics.log" | tail -20
  echo "0 passed, 1 failed"
  exit 1
fi

export KUBILITICS_URL=$url
export KUBILITICS_CLUSTER=demo
export KUBILITICS_BIG_CLUSTER=big
export KUBILITICS_STOP_CLUSTER=victim
export KUBILITICS_STOP_CLUSTER_CMD="kill $victim_pid"
export KUBILITICS_SCALE_UP_CMD="kubectl --kubeconfig $tmp/demo.yaml -n shop scale deployment frontend --replicas=6"
export KUBILITICS_RESTRICTED_USER=ann
export KUBILITICS_FAKE_PROM_URL=$prom_url
export BROWSER_ARTIFACTS=${BROWSER_ARTIFACTS:-$BUILD/browser-artifacts}
node tests/browser/run.mjs "$@"
rc=$?
if [ $rc -ne 0 ]; then
  echo "--- kubilitics log tail"
  grep -v '"msg":"request"' "$tmp/kubilitics.log" | tail -20
fi
exit $rc
