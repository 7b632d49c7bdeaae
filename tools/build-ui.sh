#!/usr/bin/env bash
# build-ui.sh — build ui/ into ui/dist, doing only the work that is due:
# `npm ci` when package-lock.json is newer than node_modules, `vite build`
# when any source is newer than ui/dist.
set -euo pipefail
cd "$(dirname "$0")/../ui"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "ui: npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi
stamp=dist/index.html
if [ ! -f "$stamp" ] || [ -n "$(find src public index.html package.json vite.config.ts tsconfig.json \
      -newer "$stamp" -print -quit 2>/dev/null)" ]; then
  echo "ui: vite build" >&2
  npm run --silent build
fi
