#!/usr/bin/env bash
# The Python package end to end: a fresh virtual environment in a temporary
# directory, `pip install ".[frames]"` (maturin builds the binary with the
# release profile, into CARGO_TARGET_DIR, by default the repo's target/, so an
# existing `cargo build --release` is reused), pytest, then the tests of
# python/tests against the installed command and module; last, a wheel is
# built and its size printed. Needs only Python 3 (>= 3.9) with venv, cargo,
# and PyPI for maturin, polars and pytest.
#
#   bash scripts/python-test.sh            # PYTHON=python3.12 to pick another
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
# cargo --locked, as in .ci/run: the build uses Cargo.lock as it is.
export MATURIN_PEP517_ARGS="${MATURIN_PEP517_ARGS:---locked}"
python=${PYTHON:-python3}
# The installed binary is what is tested, not one named by the caller.
unset UPLIFT_BIN

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
start=$SECONDS

"$python" -m venv "$tmp/venv"
py=$tmp/venv/bin/python
"$py" -m pip --version
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1

echo "== pip install .[frames] pytest (cargo target dir: $CARGO_TARGET_DIR)"
t=$SECONDS
"$py" -m pip install --quiet "$root[frames]" pytest
echo "installed in $((SECONDS - t)) s: $("$tmp/venv/bin/uplift" --version)," \
    "polars $("$py" -c 'import polars; print(polars.__version__)')"

echo "== python/tests"
# From outside the work tree, so that `import uplift` is the installed package.
(cd "$tmp" && "$py" -m pytest -q -p no:cacheprovider "$root/python/tests")

echo "== wheel"
t=$SECONDS
"$py" -m pip wheel --quiet --no-deps -w "$tmp/wheel" "$root"
wheel=$(ls "$tmp"/wheel/*.whl)
echo "$(basename "$wheel"): $(du -b "$wheel" | cut -f1) bytes (built in $((SECONDS - t)) s)"
"$py" -m zipfile -l "$wheel"

echo "python package: done in $((SECONDS - start)) s"
