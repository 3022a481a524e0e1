#!/usr/bin/env bash
# Checks that a fresh clone holds what the README promises a newcomer (run by `make test`):
# the licence texts Cargo.toml names, a changelog, SweFAQ's dev split where the Makefile looks for
# it (with its CC BY 4.0 attribution), CI running nothing but the README's test command, the
# dependency check as that command's first step, the service's data folder ignored by git, a
# browser test that finds its Selenium wherever it is installed, and a release binary without
# debug information.
#
# Usage: bash scripts/repo-check.sh        (exit 1 with one line per failed check)
set -euo pipefail
cd "$(dirname "$0")/.."

failures=0
fail() {
  echo "repo-check: $*" >&2
  failures=$((failures + 1))
}

# Licences: Cargo.toml's licence expression, and both texts.
grep -qx 'license = "MIT OR Apache-2.0"' Cargo.toml || fail "Cargo.toml's licence is not MIT OR Apache-2.0"
grep -q 'Permission is hereby granted, free of charge' LICENSE-MIT 2>/dev/null || fail "LICENSE-MIT is missing or not the MIT text"
grep -q 'Version 2.0, January 2004' LICENSE-APACHE 2>/dev/null &&
  grep -q 'END OF TERMS AND CONDITIONS' LICENSE-APACHE || fail "LICENSE-APACHE is missing or not the Apache-2.0 text"

# A changelog with a place for what is not released yet.
grep -q '^## \[Unreleased\]' CHANGELOG.md 2>/dev/null || fail "CHANGELOG.md has no [Unreleased] section"

# SweFAQ: the Makefile's default is inside the repository and holds both files, with attribution.
swefaq="$(sed -n 's/^SWEFAQ ?= *//p' Makefile)"
case "$swefaq" in
  "" | /* | ../*) fail "the Makefile's SWEFAQ default ('$swefaq') is not a path inside the repository" ;;
esac
for f in guides.jsonl queries.jsonl; do
  [ -s "$swefaq/$f" ] && git ls-files --error-unmatch "$swefaq/$f" >/dev/null 2>&1 ||
    fail "$swefaq/$f is not in the repository (make eval-swefaq needs it)"
done
grep -q 'CC BY 4.0' data/swefaq/README.md 2>/dev/null && grep -q 'Språkbanken Text' data/swefaq/README.md ||
  fail "data/swefaq/README.md does not credit Språkbanken Text and CC BY 4.0"
if git ls-files | grep -i corona >/dev/null; then
  fail "corona-dev has no licence and must not be in the repository"
fi

# CI runs the README's test command and nothing else.
ci="$(grep -v -e '^#' -e '^[[:space:]]*$' .ci/run)"
expected='set -euo pipefail
cd "$(dirname "$0")/.."
make test'
[ "$ci" = "$expected" ] || fail ".ci/run does more than 'make test': $(echo "$ci" | tr '\n' ';')"
grep -q '^    make test ' README.md || fail "the README's first screen does not show 'make test'"

# `make test` checks the packages first, before anything is built.
first="$(make --no-print-directory -n test 2>/dev/null | sed -n 1p)"
[ "$first" = "bash scripts/ensure-deps.sh" ] || fail "make test's first step is '$first', not the dependency check"

# The service's data folder, made inside the checkout, is not offered to git.
git check-ignore -q vagvisare-data/guides.idx || fail ".gitignore does not ignore vagvisare-data/"

# The browser test runs with a python3 that imports selenium, not a fixed path.
if grep -qE '^[[:space:]]*/usr/bin/python3 ' scripts/server-tests.sh; then
  fail "scripts/server-tests.sh runs the browser test with a fixed /usr/bin/python3"
fi

# The release profile: no debug information in what users build, line tables where profiling needs them.
release="$(sed -n '/^\[profile.release\]/,/^\[/p' Cargo.toml)"
grep -q '^debug = false' <<<"$release" || fail "[profile.release] keeps debug information"
grep -q '^\[profile.profiling\]' Cargo.toml || fail "no [profile.profiling] with line tables for perf"

# "Use it from Rust" says how to depend on the unpublished crate.
grep -q '^vagvisare = { git = ' README.md || fail "the README gives no git dependency line for the crate"

# The dependency check stops, in seconds and with the command to run, when it may not install.
out="$(PYTHON=/nonexistent/python3 VAGVISARE_NO_INSTALL=1 timeout 60 bash scripts/ensure-deps.sh 2>&1)" && status=0 || status=$?
if [ "$status" != 1 ] || ! grep -q 'apt-get install -y .*python3-venv' <<<"$out"; then
  fail "ensure-deps.sh without a usable python3 did not stop with the install command (exit $status): $out"
fi

if [ "$failures" -gt 0 ]; then
  echo "repo-check: $failures check(s) failed" >&2
  exit 1
fi
echo "repo-check: all checks passed"
