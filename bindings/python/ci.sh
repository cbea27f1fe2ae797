#!/usr/bin/env bash
# Builds the Python package's wheel once, installs it in a venv with the pinned test
# dependencies, and runs its tests against the installed wheel: the API against the command
# line, and the Spark (local[2]) and Ray examples on a generated corpus of 2,000+ bundles.
#
#   bash bindings/python/ci.sh
#
# Needs python3 with venv, and Java 17 for Spark (installed from Debian when missing and
# apt-get is there). Compares with target/release/claimgate (built here when missing).
set -euo pipefail
cd "$(dirname "$0")/../.."
target="${CARGO_TARGET_DIR:-target}"

if ! command -v java >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null
fi
java -version 2>&1 | head -n 1

venv="$(mkdir -p "$target" && cd "$target" && pwd)/python-venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv" || {
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    python3 -m venv "$venv"
  }
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check -r bindings/python/requirements-test.txt

[ -x "$target/release/claimgate" ] || cargo build --release --locked --bin claimgate
rm -rf "$target/wheels"
"$venv/bin/maturin" build --release --locked -m bindings/python/Cargo.toml -o "$target/wheels"
"$venv/bin/pip" install --quiet --disable-pip-version-check --force-reinstall --no-deps "$target"/wheels/claimgate-*.whl

# The tests import the installed package, never the source tree.
CLAIMGATE_BIN="$(cd "$target/release" && pwd)/claimgate"
export CLAIMGATE_BIN
cd bindings/python
"$venv/bin/python" -m pytest -q -p no:cacheprovider
