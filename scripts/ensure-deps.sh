#!/usr/bin/env bash
# What `make test` needs besides Rust, checked in a second or two before anything is built:
#
#   make, a C compiler   build-essential
#   python3-venv/-dev    the Python package's tests (bindings/python/run-tests.sh)
#   postgresql           the service's tests against PostgreSQL (scripts/server-tests.sh)
#   chromium, chromium-driver, python3-selenium   the browser test of the demo page
#
# Each piece is checked by what the tests use (a command on PATH, a module a python3 imports),
# so one installed some other way counts. Run as root on Debian, the missing packages are
# installed with apt-get; otherwise it names them, prints the one command that installs them,
# and exits 1. VAGVISARE_NO_INSTALL=1 makes root only check, too.
#
# Rust (cargo with rustfmt and clippy, at least the workspace's rust-version) is checked but
# never installed: Debian's own is too old, and rustup installs it per user.
#
# Sourced (`source scripts/ensure-deps.sh`), it only defines the functions below;
# scripts/server-tests.sh uses selenium_python and chromium_pieces from it.
#
# Usage: bash scripts/ensure-deps.sh

# The python3 that the browser test runs with: $PYTHON, then python3 on PATH, then Debian's
# /usr/bin/python3 (where python3-selenium installs), the first that imports selenium.
selenium_python() {
  local candidate path
  for candidate in "${PYTHON:-}" python3 /usr/bin/python3; do
    [ -n "$candidate" ] || continue
    path="$(command -v "$candidate" 2>/dev/null)" || continue
    if "$path" -c 'import selenium.webdriver' >/dev/null 2>&1; then
      echo "$path"
      return 0
    fi
  done
  return 1
}

# The browser and its driver, where scripts/browser_test.py looks for them.
chromium_present() { command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; }
chromedriver_present() { command -v chromedriver >/dev/null 2>&1 || [ -x /usr/bin/chromedriver ]; }

postgresql_present() {
  local bin
  for bin in /usr/lib/postgresql/*/bin/initdb; do
    [ -x "$bin" ] && return 0
  done
  return 1
}

# The python3 that bindings/python/run-tests.sh makes its venv with.
venv_present() { "${PYTHON:-python3}" -c 'import venv, ensurepip' >/dev/null 2>&1; }
python_headers_present() {
  "${PYTHON:-python3}" -c '
import os, sys, sysconfig
sys.exit(0 if os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")) else 1)
' >/dev/null 2>&1
}

# Prints the Debian packages, among those the tests need, whose piece is not there.
missing_packages() {
  command -v make >/dev/null 2>&1 && command -v cc >/dev/null 2>&1 || echo build-essential
  venv_present || echo python3-venv
  python_headers_present || echo python3-dev
  postgresql_present || echo postgresql
  chromium_present || echo chromium
  chromedriver_present || echo chromium-driver
  selenium_python >/dev/null || echo python3-selenium
}

# Prints what is wrong with the Rust toolchain, if anything (one line each).
rust_problems() {
  if ! command -v cargo >/dev/null 2>&1; then
    echo "cargo is not on PATH: install Rust with rustup (https://rustup.rs), then open a new shell"
    return
  fi
  local want have
  want="$(sed -n 's/^rust-version *= *"\(.*\)"/\1/p' Cargo.toml | head -n 1)"
  have="$(rustc --version 2>/dev/null | awk '{print $2}')"
  if [ -n "$want" ] && [ "$(printf '%s\n%s\n' "$want" "$have" | sort -V | head -n 1)" != "$want" ]; then
    echo "rustc $have is older than the workspace's rust-version $want: rustup update stable"
  fi
  local component
  for component in fmt clippy; do
    cargo "$component" --version >/dev/null 2>&1 ||
      echo "cargo $component is missing: rustup component add $([ "$component" = fmt ] && echo rustfmt || echo clippy)"
  done
}

main() {
  set -euo pipefail
  cd "$(dirname "${BASH_SOURCE[0]}")/.."

  local problems
  problems="$(rust_problems)"
  if [ -n "$problems" ]; then
    echo "ensure-deps: the Rust toolchain is not ready:" >&2
    echo "$problems" | sed 's/^/  /' >&2
    exit 1
  fi

  local missing
  mapfile -t missing < <(missing_packages)
  if [ "${#missing[@]}" -eq 0 ]; then
    echo "ensure-deps: everything the tests need is installed"
    return 0
  fi

  local install="apt-get install -y ${missing[*]}"
  if [ "$(id -u)" != 0 ] || [ "${VAGVISARE_NO_INSTALL:-}" = 1 ] || ! command -v apt-get >/dev/null 2>&1; then
    {
      echo "ensure-deps: missing for the tests: ${missing[*]}"
      if command -v apt-get >/dev/null 2>&1; then
        echo "  install them (Debian) with:  sudo $install"
      else
        echo "  (Debian package names; install the same with this system's package manager)"
      fi
      echo "  then run make test again"
    } >&2
    exit 1
  fi

  echo "ensure-deps: installing ${missing[*]} (apt-get, as root)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" </dev/null

  mapfile -t missing < <(missing_packages)
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "ensure-deps: still missing after apt-get install: ${missing[*]}" >&2
    exit 1
  fi
  echo "ensure-deps: installed"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  main "$@"
fi
