#!/usr/bin/env python3
"""Side-by-side speed of Rego engines on claimgate's pack (docs/performance.md).

Run through `bash bench/compare.sh`, which makes the venv and builds the Rust side. The Rust
program (`engine/examples/engines.rs`, `engines serve`) gives the pack's modules and, for each
bundle of testdata/bundles, the two inputs claimgate's Rego sees (the evidence document, and the
same with `decisions` added), as claimgate's doc-hidden probe API computes them. This script
loads the same modules into OPA (PyPI `opa-golib-python-bindings`) and rego-cpp (PyPI `regopy`),
then times every engine on the same documents, alternating them in rounds, and prints one table.

One *document* is what claimgate evaluates for one bundle: the verifier decision
(`data.claimgate.verifier.<name>.decision`) on the evidence document, then the outcome rule
(`data.claimgate_engine.outcome`) on the evidence with decisions. Rates are documents per second;
the ratio is to OPA's rate in the same round, median over rounds.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

from opa_bindings import OpaEngine, OpaError, OpaUndefinedError
import regopy
from regopy import rego_shared

# (name, what is timed, reference engine for the ratio)
ROWS = [
    ("opa", "OPA: both queries, prepared once, input as a Python dict", "opa"),
    ("rego-cpp", "rego-cpp: both queries, bundle built once, input as JSON text", "opa"),
    ("regorus", "regorus interpreter: both queries, clone of a prepared engine", "opa"),
    ("rvm", "regorus RVM: both queries, compiled once", "opa"),
    ("claimgate", "claimgate decide + receipt + JSON, bundle in memory", "opa"),
    ("opa-verifiers", "OPA: verifier decision only", "opa-verifiers"),
    ("rego-cpp-verifiers", "rego-cpp: verifier decision only", "opa-verifiers"),
    ("regorus-verifiers", "regorus interpreter: verifier decision only", "opa-verifiers"),
    ("rvm-verifiers", "regorus RVM: verifier decision only", "opa-verifiers"),
    ("opa-floor", "OPA floor: one-line policy, same two inputs", "opa-floor"),
    ("rego-cpp-floor", "rego-cpp floor", "opa-floor"),
    ("regorus-floor", "regorus interpreter floor", "opa-floor"),
    ("rvm-floor", "regorus RVM floor", "opa-floor"),
]
RUST = {"regorus", "rvm", "claimgate", "regorus-verifiers", "rvm-verifiers", "regorus-floor", "rvm-floor"}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--engines", required=True, help="the built `engines` example")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=1.5, help="per engine per round")
    ap.add_argument("--json", help="also write every measurement to this file")
    args = ap.parse_args()

    rust = subprocess.Popen([args.engines, "serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    header = json.loads(rust.stdout.readline())
    docs = header["docs"]
    for d in docs:
        d["verifiers_obj"] = json.loads(d["verifiers"])
        d["claims_obj"] = json.loads(d["claims"])
    verifier_rules = header["verifier_rules"]
    outcome = header["outcome_rule"]
    floor = header["floor"]

    # OPA: one engine per policy; each query string is prepared on first use and reused.
    opa = OpaEngine()
    for m in header["modules"]:
        opa.add_policy(m["file"], m["text"])
    opa_floor = OpaEngine()
    opa_floor.add_policy("floor.rego", floor["module"])

    def opa_value(engine, rule, input):
        try:
            return {"value": engine.eval_document(rule.removeprefix("data."), input)}
        except OpaUndefinedError:
            return "undefined"
        except OpaError:
            return "error"

    # rego-cpp: the bundle is built once with an entrypoint per query; each evaluation sets the
    # input from JSON text and queries one entrypoint through the C API (regopy's Output parses
    # the answer itself and raises on rego-cpp's invalid JSON, so the raw text is read here).
    def entry(rule):
        return rule.removeprefix("data.").replace(".", "/")

    rc = regopy.Interpreter()
    rc.strict_built_in_errors = True
    for m in header["modules"]:
        rc.add_module(m["file"], m["text"])
    rc_bundle = rc.build(None, [entry(r) for r in verifier_rules + [outcome]])
    rc_floor = regopy.Interpreter()
    rc_floor.add_module("floor.rego", floor["module"])
    rc_floor_bundle = rc_floor.build(None, [entry(floor["rule"])])

    def rc_value(interp, bundle, rule, text):
        interp.set_input_term(text)
        impl = rego_shared.rego_bundle_query_entrypoint(interp._impl, bundle._impl, entry(rule))
        try:
            ok = rego_shared.rego_output_ok(impl)
            out = rego_shared.rego_output_string(impl)
        finally:
            rego_shared.rego_free_output(impl)
        if not ok:
            return "error"
        if out == "undefined":
            return "undefined"
        try:
            return {"value": json.loads(out)["expressions"][0]}
        except ValueError:
            return {"invalid_json": out}

    python = {
        "opa": lambda d: {
            "verifiers": [opa_value(opa, r, d["verifiers_obj"]) for r in verifier_rules],
            "outcome": opa_value(opa, outcome, d["claims_obj"]),
        },
        "opa-verifiers": lambda d: {"verifiers": [opa_value(opa, r, d["verifiers_obj"]) for r in verifier_rules]},
        "opa-floor": lambda d: [opa_value(opa_floor, floor["rule"], d[k]) for k in ("verifiers_obj", "claims_obj")],
        "rego-cpp": lambda d: {
            "verifiers": [rc_value(rc, rc_bundle, r, d["verifiers"]) for r in verifier_rules],
            "outcome": rc_value(rc, rc_bundle, outcome, d["claims"]),
        },
        "rego-cpp-verifiers": lambda d: {
            "verifiers": [rc_value(rc, rc_bundle, r, d["verifiers"]) for r in verifier_rules]
        },
        "rego-cpp-floor": lambda d: [
            rc_value(rc_floor, rc_floor_bundle, floor["rule"], d[k]) for k in ("verifiers", "claims")
        ],
    }

    def measure(name, seconds):
        if name in RUST:
            rust.stdin.write(f"run {name} {seconds}\n")
            rust.stdin.flush()
            return json.loads(rust.stdout.readline())
        fn = python[name]
        start = time.perf_counter()
        try:
            results = [fn(d) for d in docs]
        except Exception as e:  # an engine that cannot run the pack is reported, not hidden
            return {"engine": name, "error": repr(e)}
        count = len(docs)
        while time.perf_counter() - start < seconds:
            for d in docs:
                fn(d)
            count += len(docs)
        return {"engine": name, "docs": count, "seconds": time.perf_counter() - start, "results": results}

    print(f"OPA {opa_version()}, rego-cpp {regopy.build_info()}", file=sys.stderr)
    names = [r[0] for r in ROWS]
    # Warm-up round, not counted: the first evaluation prepares queries and fills caches.
    for n in names:
        measure(n, 0.2)
    rates = {n: [] for n in names}
    ratios = {n: [] for n in names}
    first = {}
    errors = {}
    unstable = []
    for rnd in range(args.rounds):
        got = {}
        for n in names:
            m = measure(n, args.seconds)
            if "error" in m:
                errors[n] = m["error"]
                continue
            got[n] = m["docs"] / m["seconds"]
            if n not in first:
                first[n] = m["results"]
            elif m["results"] != first[n]:
                unstable.append((rnd, n))
        for n, ref in ((r[0], r[2]) for r in ROWS):
            if n in got:
                rates[n].append(got[n])
                if ref in got:
                    ratios[n].append(got[n] / got[ref])
        print(f"round {rnd + 1}/{args.rounds}: " + ", ".join(f"{n} {got[n]:.0f}" for n in names if n in got), file=sys.stderr)
    rust.stdin.write("quit\n")
    rust.stdin.flush()
    rust.wait()

    differences = agreement(first, docs)

    print()
    print(f"{len(docs)} documents (testdata/bundles), {2 * len(docs)} inputs; "
          f"{args.rounds} rounds of {args.seconds} s per engine, engines alternated in each round")
    print(f"input JSON: {min(len(d['verifiers']) for d in docs)}-{max(len(d['claims']) for d in docs)} bytes")
    print()
    print("| engine, what is timed | docs/s (median) | µs per doc | ratio to OPA (same round, median) | docs/s over rounds |")
    print("|---|---:|---:|---:|---|")
    for n, what, ref in ROWS:
        if n in errors and not rates[n]:
            print(f"| {what} | — | — | — | does not run: {oneline(errors[n])} |")
            continue
        med = statistics.median(rates[n])
        ratio = f"{statistics.median(ratios[n]):.2f}x" if ratios[n] else "—"
        if ref != "opa" and n != ref:
            ratio += f" (of {ref})"
        elif n == ref:
            ratio = "1.00x" if n == "opa" else f"1.00x ({n})"
        spread = f"{min(rates[n]):,.0f}–{max(rates[n]):,.0f}"
        print(f"| {what} | {med:,.0f} | {1e6 / med:,.0f} | {ratio} | {spread} |")
    print()
    for n, e in sorted(errors.items()):
        print(f"NOTE: {n} did not run: {oneline(e)}")
    for rnd, n in unstable:
        print(f"WARNING: {n} gave other results in round {rnd + 1} than in round 1")
    total = 0
    for n, (count, compared, example, invalid) in differences.items():
        total += count
        if count:
            why = f" ({invalid} of them not valid JSON as the engine wrote them)" if invalid else ""
            print(f"WARNING: {n} differs from OPA on {count} of {compared} values{why}; first: {example}")
        else:
            print(f"agree: {n} and OPA on all {compared} values")
    print(f"differences from OPA: {total}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"rates": rates, "ratios": ratios, "errors": errors, "differences": differences}, f, indent=1)
    return 0


def opa_version():
    """The OPA module version linked into the bindings' shared library (it has no runtime)."""
    import opa_bindings
    import re

    lib = os.path.join(os.path.dirname(opa_bindings.__file__), "libopabridge.so")
    with open(lib, "rb") as f:
        found = re.search(rb"open-policy-agent/opa@(v[0-9.]+)", f.read())
    return found.group(1).decode() if found else "(version not found)"


def oneline(s, limit=160):
    s = " ".join(str(s).split())
    return s if len(s) <= limit else s[:limit] + "…"


def normal(v):
    """Numbers by value (`2.0` equals `2`), as the differential test compares."""
    if isinstance(v, float) and v.is_integer() and abs(v) < 9e15:
        return int(v)
    if isinstance(v, list):
        return [normal(x) for x in v]
    if isinstance(v, dict):
        return {k: normal(x) for k, x in v.items()}
    return v


def agreement(first, docs):
    """For each engine, against OPA on the same query: (differences, values compared, first)."""
    out = {}
    pairs = [
        ("rego-cpp", "opa"), ("regorus", "opa"), ("rvm", "opa"),
        ("rego-cpp-verifiers", "opa-verifiers"), ("regorus-verifiers", "opa-verifiers"),
        ("rvm-verifiers", "opa-verifiers"),
        ("rego-cpp-floor", "opa-floor"), ("regorus-floor", "opa-floor"), ("rvm-floor", "opa-floor"),
    ]
    for n, ref in pairs:
        if n not in first or ref not in first:
            continue
        count = compared = invalid = 0
        example = None
        for d, ours, theirs in zip(docs, first[n], first[ref]):
            if isinstance(ours, dict):
                a = ours["verifiers"] + ([ours["outcome"]] if "outcome" in ours else [])
                b = theirs["verifiers"] + ([theirs["outcome"]] if "outcome" in theirs else [])
            else:
                a, b = ours, theirs
            for x, y in zip(a, b):
                compared += 1
                if normal(x) != normal(y):
                    count += 1
                    invalid += isinstance(x, dict) and "invalid_json" in x
                    if example is None:
                        example = f"{d['name']}: {oneline(json.dumps(x), 200)} vs OPA {oneline(json.dumps(y), 200)}"
        out[n] = (count, compared, example, invalid)
    # claimgate's pipeline may only narrow what the claim rules allow (requirements, floor rules).
    if "claimgate" in first and "opa" in first:
        count = 0
        example = None
        for d, ours, theirs in zip(docs, first["claimgate"], first["opa"]):
            rego_allow = set((theirs["outcome"].get("value") or {}).get("claims", {}).get("allow") or [])
            wider = set(ours["allowed"]) - rego_allow
            if wider:
                count += 1
                example = example or f"{d['name']}: allows {sorted(wider)} that OPA's outcome does not"
        out["claimgate (allowed ⊆ OPA's claims.allow)"] = (count, len(docs), example, 0)
    return out


if __name__ == "__main__":
    sys.exit(main())
