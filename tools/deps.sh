#!/usr/bin/env bash
# deps.sh — make sure the Debian packages Kubilitics builds and tests with are
# installed. As root it installs what is missing with apt-get; otherwise it
# prints the exact command to run and fails.
#   tools/deps.sh build   — what `make` needs
#   tools/deps.sh test    — plus what `make test` needs
#   tools/deps.sh bench   — plus what `make bench` needs
set -euo pipefail
what=${1:-build}

pkgs=(build-essential pkg-config clang libclang-rt-14-dev
      liblua5.4-dev lua5.4 libuv1-dev libcurl4-openssl-dev libcjson-dev libsqlite3-dev
      libssl-dev libyaml-dev zlib1g-dev node-llhttp)
# Node.js may come from outside Debian (as on these machines); only when the
# commands are missing do we ask apt for Debian's.
command -v node >/dev/null && command -v npm >/dev/null || pkgs+=(nodejs npm)
case $what in
  test) pkgs+=(lua-busted python3 python3-kubernetes curl chromium valgrind) ;;
  bench) pkgs+=(lua-busted python3 python3-kubernetes curl chromium wrk nginx-light) ;;
esac

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "missing Debian packages; run:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# Refresh the package lists once per machine (or when asked to), not on every build.
if [ ! -f /var/lib/apt/lists/lock ] || [ -z "$(ls /var/lib/apt/lists/*Packages 2>/dev/null | head -1)" ] \
   || ! apt-get install -y -qq "${missing[@]}" >/tmp/kubilitics-apt.log 2>&1; then
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/tmp/kubilitics-apt.log 2>&1 || { tail -20 /tmp/kubilitics-apt.log >&2; exit 1; }
fi
