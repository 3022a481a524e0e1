#!/usr/bin/env bash
# Installs the Python package `vagvisare` with pip (a release build, as a user would) into a venv,
# then runs its pytest suite (README examples included) and mypy.stubtest against the installed
# module. Run from anywhere; needs python3 (with venv and headers), cargo, and PyPI for pip.
#
#   VAGVISARE_VENV   the venv to use (default: <target dir>/py-venv; made if missing)
#   CARGO_TARGET_DIR honoured for the builds (default: the workspace's target/)
#   VAGVISARE_PY_PROFILE  cargo profile of the builds (default: release, as `pip install` makes
#                    it; `make test` uses dev, which shares the test build and saves CI minutes)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

target="${CARGO_TARGET_DIR:-$root/target}"
venv="${VAGVISARE_VENV:-$target/py-venv}"
python="${PYTHON:-python3}"

if ! "$python" -c 'import venv, ensurepip' >/dev/null 2>&1; then
  echo "run-tests.sh: $python lacks venv/ensurepip (Debian: apt-get install python3-venv python3-dev)" >&2
  exit 1
fi
if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv"
fi
py="$venv/bin/python"

echo "== installing test tools into $venv"
"$py" -m pip install -q --disable-pip-version-check 'pytest>=7' 'mypy>=1.10' 'flask>=2.3' 'django>=4.2'

profile="${VAGVISARE_PY_PROFILE:-release}"
if [ "$profile" = release ]; then
  cli_build=(--release)
  cli_dir=release
else
  # maturin's PEP 517 backend takes its build arguments from this variable.
  export MATURIN_PEP517_ARGS="--profile $profile"
  cli_build=(--profile "$profile")
  cli_dir=$([ "$profile" = dev ] && echo debug || echo "$profile")
fi

echo "== pip install ./bindings/python ($profile build; cargo's progress below, the whole output in $target/pip-install.log)"
# pip shows a build backend's output only with -v; of it, cargo's progress lines are shown.
log="$target/pip-install.log"
mkdir -p "$target"
if ! "$py" -m pip install -v --disable-pip-version-check --force-reinstall --no-deps ./bindings/python 2>&1 |
  tee "$log" | awk '/^ *(Compiling|Finished|Built wheel|Successfully installed)/ { print; fflush() }'; then
  echo "run-tests.sh: pip install failed; the end of $log:" >&2
  tail -n 40 "$log" >&2
  exit 1
fi

echo "== building the CLI for the cross-check test"
cargo build "${cli_build[@]}" -q -p vagvisare-cli
export VAGVISARE_CLI="$target/$cli_dir/vagvisare"

echo "== mypy.stubtest vagvisare"
# From a directory without the package's sources, so the installed module and stubs are checked.
(cd "$target" && "$py" -m mypy.stubtest vagvisare)

echo "== pytest bindings/python/tests"
"$py" -m pytest -q -p no:cacheprovider bindings/python/tests
