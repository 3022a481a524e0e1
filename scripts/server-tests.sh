#!/usr/bin/env bash
# The service tests that need more than `cargo test`: starts a throwaway PostgreSQL (Debian's
# `postgresql` package) on loopback in a temporary directory, runs the Rust API suite against
# SQLite and PostgreSQL, the SIGKILL durability test against both, and the browser test of the
# demo page in headless Chromium; stops PostgreSQL at the end, whatever happened.
#
# Needs (Debian): postgresql chromium chromium-driver python3-selenium.
# Usage: bash scripts/server-tests.sh        (CARGO_TARGET_DIR is honoured)
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET="${CARGO_TARGET_DIR:-target}"

PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
  echo "server-tests: PostgreSQL is not installed (apt-get install postgresql)" >&2
  exit 1
fi

TMP="$(mktemp -d /tmp/vagvisare-pg.XXXXXX)"
PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
AS_PG=()
if [ "$(id -u)" = 0 ]; then
  # PostgreSQL refuses to run as root: run it as the `postgres` user the package created.
  chown postgres:postgres "$TMP"
  AS_PG=(runuser -u postgres --)
fi

stop_postgres() {
  "${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$TMP/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$TMP"
}
trap stop_postgres EXIT

"${AS_PG[@]}" "$PG_BIN/initdb" -D "$TMP/data" -U vagvisare --auth=trust -E UTF8 --locale=C.UTF-8 >"$TMP/initdb.log"
"${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$TMP/data" -l "$TMP/postgres.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -c port=$PORT -c unix_socket_directories=$TMP -c fsync=on -c max_connections=200" \
  start >/dev/null
echo "server-tests: PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT"

export VAGVISARE_TEST_PG_URL="postgres://vagvisare@127.0.0.1:$PORT/postgres"

# The API suite against SQLite and PostgreSQL.
cargo test -p vagvisare-server
# SIGKILL in the middle of writes, against SQLite and PostgreSQL (the binary as a child process).
cargo test -p vagvisare-cli --test serve_durability -- --include-ignored
# The demo page in headless Chromium.
cargo build -p vagvisare-cli
/usr/bin/python3 scripts/browser_test.py --binary "$TARGET/debug/vagvisare"
/usr/bin/python3 scripts/widget_admin_browser_test.py --binary "$TARGET/debug/vagvisare"
