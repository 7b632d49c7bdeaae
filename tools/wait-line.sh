# tools/wait-line.sh — sourced by the scripts that start kubesim and
# kubilitics in the background (bench/api, bench/ui, tests/browser).
# wait_line FILE [SECONDS]: wait (60 s by default) until FILE holds
# "listening on URL", as both programs print once they serve; prints URL.
wait_line() {
  local tries=$(( ${2:-60} * 10 )) url
  for _ in $(seq 1 "$tries"); do
    url=$(grep -o 'listening on [^ ]*' "$1" 2>/dev/null | head -1 | cut -d' ' -f3)
    [ -n "$url" ] && { echo "$url"; return 0; }
    sleep 0.1
  done
  echo "timed out waiting for $1" >&2
  return 1
}
