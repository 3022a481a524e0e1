#!/usr/bin/env bash
# The service tests that need more than `cargo test`: starts a throwaway PostgreSQL (Debian's
# `postgresql` package) on loopback in a temporary directory, runs the Rust API suite against
# SQLite and PostgreSQL, the SIGKILL durability test against both, and the browser test of the
# demo page in headless Chromium; stops PostgreSQL at the end, whatever happened.
#
# Needs (Debian): postgresql chromium chromium-driver python3-selenium; all four are checked
# before anything is built (scripts/ensure-deps.sh installs them).
# Usage: bash scripts/server-tests.sh        (CARGO_TARGET_DIR is honoured; PYTHON names the
#        python3 with Selenium if it is neither python3 on PATH nor /usr/bin/python3)
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET="${CARGO_TARGET_DIR:-target}"
# shellcheck source=ensure-deps.sh
source scripts/ensure-deps.sh

missing=()
PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
  missing+=(postgresql)
fi
chromium_present || missing+=(chromium)
chromedriver_present || missing+=(chromium-driver)
SELENIUM_PYTHON="$(selenium_python)" || missing+=(python3-selenium)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "server-tests: missing: ${missing[*]} (Debian: apt-get install ${missing[*]}; or" \
    "bash scripts/ensure-deps.sh as root)" >&2
  if [[ " ${missing[*]} " == *" python3-selenium "* ]]; then
    echo "server-tests: no python3 imports selenium (tried \$PYTHON, python3 on PATH," \
      "/usr/bin/python3); pip install selenium into one of them, or set PYTHON" >&2
  fi
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
cargo test -p vagvisare-integration --test cross_crate serve_durability:: -- --include-ignored
# The demo page in headless Chromium.
cargo build -p vagvisare-cli
echo "server-tests: browser tests with $SELENIUM_PYTHON"
"$SELENIUM_PYTHON" scripts/browser_test.py --binary "$TARGET/debug/vagvisare"
"$SELENIUM_PYTHON" scripts/widget_admin_browser_test.py --binary "$TARGET/debug/vagvisare"
