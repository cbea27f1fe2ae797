#!/usr/bin/env bash
# Side-by-side speed of OPA, rego-cpp, regorus (interpreter and RVM) and claimgate's whole
# pipeline on the same pack and the same evidence documents (docs/performance.md).
#
#   bash bench/compare.sh [--rounds N] [--seconds S] [--json FILE]
#
# Makes a venv under the cargo target directory with the two reference engines from PyPI
# (OPA v1.20.2 as `opa-golib-python-bindings`, rego-cpp as `regopy`), builds claimgate's
# `engines` example in release, and runs bench/compare.py. Needs python3 (3.11 or newer) with
# venv, cargo, and network access for the first pip install.
set -euo pipefail

cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
venv="$target/bench-venv"

if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
# The OPA package declares Python >= 3.14 but works on 3.11 (docs/performance.md).
"$venv/bin/pip" install --quiet --disable-pip-version-check --ignore-requires-python \
    opa-golib-python-bindings==0.4.4 regopy==1.5.2

cargo build --release --locked --example engines

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')" >&2
echo "date:    $(date -u +%Y-%m-%dT%H:%M:%SZ)" >&2
echo "regorus: $(grep -A1 '^name = "regorus"$' Cargo.lock | sed -n 's/^version = "\(.*\)"/\1/p')," \
    "opa-golib-python-bindings $("$venv/bin/pip" show opa-golib-python-bindings | sed -n 's/^Version: //p')," \
    "regopy $("$venv/bin/pip" show regopy | sed -n 's/^Version: //p')" >&2

exec "$venv/bin/python" bench/compare.py --engines "$target/release/examples/engines" "$@"
