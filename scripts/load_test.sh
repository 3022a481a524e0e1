#!/usr/bin/env bash
# Load test of suggest on loopback: `vagvisare serve` (release build, bundled guides, SQLite) with
# 2 worker threads pinned to 2 cores, and wrk replaying a realistic keystroke mix: every prefix of
# every labelled query in data/eval, in typing order, as `GET /api/suggest?limit=5&q=…`.
#
# Prints requests per second and p50/p90/p99 latency for 1 connection (one person typing) and for
# 16 and 64 connections (many people typing). wrk runs on the same machine, so on a 2-core machine
# it competes with the server: the figures are a lower bound. Bounded: each run lasts DURATION s.
#
# Needs: wrk (Debian), python3. Usage: bash scripts/load_test.sh [DURATION_SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${1:-20}"
TARGET="${CARGO_TARGET_DIR:-target}"
command -v wrk >/dev/null || { echo "load_test: install wrk (apt-get install wrk)" >&2; exit 1; }

cargo build --release -q -p vagvisare-cli
WORK="$(mktemp -d /tmp/vagvisare-load.XXXXXX)"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# The keystroke stream.
python3 - "$WORK/paths.txt" data/eval/*.jsonl <<'PY'
import json, sys, urllib.parse
out = open(sys.argv[1], "w", encoding="utf-8")
count = 0
for name in sys.argv[2:]:
    for line in open(name, encoding="utf-8"):
        if not line.strip():
            continue
        query = json.loads(line)["query"]
        for end in range(1, len(query) + 1):
            out.write("/api/suggest?limit=5&q=" + urllib.parse.quote(query[:end], safe="") + "\n")
            count += 1
print(f"load_test: {count} keystrokes from {len(sys.argv) - 2} files", file=sys.stderr)
PY

CORES="0-$(( $(nproc) > 1 ? 1 : 0 ))"
taskset -c "$CORES" "$TARGET/release/vagvisare" serve --addr 127.0.0.1:0 --data-dir "$WORK/data" \
  --threads 2 --quiet 2>"$WORK/serve.log" &
SERVER_PID=$!
for _ in $(seq 1 600); do
  grep -q "listening on http://" "$WORK/serve.log" && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/serve.log" >&2; exit 1; }
  sleep 0.1
done
ADDR="$(sed -n 's/.*listening on http:\/\///p' "$WORK/serve.log" | head -n 1)"
[ -n "$ADDR" ] || { echo "load_test: the server did not start" >&2; exit 1; }

echo "load_test: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), server on cores $CORES with 2 worker threads"
# Warm-up: one pass over part of the stream.
wrk -t1 -c4 -d3s -s scripts/load_test.lua "http://$ADDR" -- "$WORK/paths.txt" >/dev/null
for connections in 1 16 64; do
  threads=$(( connections < 2 ? 1 : 2 ))
  echo "--- $connections connection(s), $DURATION s"
  wrk -t"$threads" -c"$connections" -d"${DURATION}s" --timeout 10s -s scripts/load_test.lua \
    "http://$ADDR" -- "$WORK/paths.txt" | sed -n '/^requests /,$p'
done
