#!/usr/bin/env python3
"""Evaluate a Rego pack's rules with OPA, for claimgate's differential test (engine/tests/opa.rs).

Reads one request on stdin and writes one JSON answer on stdout, so one process serves every input:

    request: {"packs": [[{"file": "claims/claims.rego", "text": "package ..."}, ...], ...],
              "cases": [{"name": "bundles/full_pass#claims", "pack": 0, "input": {...},
                         "rules": ["data.claimgate.claims.allow", ...]}, ...]}
    answer:  {"engine": "OPA (opa-golib-python-bindings 0.4.4)",
              "results": [{"name": ..., "rules": {"data.claimgate.claims.allow": {"value": [...]},
                                                  "data.claimgate.claims.x": "undefined",
                                                  "data.claimgate.claims.y": {"error": "..."}}}]}

Each input is evaluated once as the whole `data.claimgate` document (every rule at once); only
when that fails (an error in some rule) is each rule evaluated on its own, so an error stays with
the rule that raised it. Exit code 3: the OPA package is not installed (the answer says how to
install it). By hand:  CLAIMGATE_OPA_DUMP=/tmp/req.json cargo test --test main opa::
then  python3 engine/tests/opa/differential.py < /tmp/req.json
"""

import json
import re
import sys

PACKAGE = "opa-golib-python-bindings"
INSTALL = f"python3 -m pip install --user --ignore-requires-python {PACKAGE}==0.4.4"


def main():
    request = json.load(sys.stdin)  # all of it first: the caller writes before it reads
    try:
        from opa_bindings import OpaEngine, OpaError, OpaUndefinedError
    except ImportError as e:
        json.dump({"missing": f"{PACKAGE} is not importable ({e}); install it: {INSTALL}"}, sys.stdout)
        return 3
    try:
        from importlib.metadata import version

        engine_name = f"OPA ({PACKAGE} {version(PACKAGE)})"
    except Exception:
        engine_name = f"OPA ({PACKAGE})"

    prints = []
    engines = []
    for modules in request["packs"]:
        opa = OpaEngine()
        opa.print_handler = lambda message, location: prints.append(f"{location}: {message}")
        for m in modules:
            opa.add_policy(m["file"], m["text"])
        engines.append(opa)

    def document(opa, path, input):
        """One rule (or tree) as claimgate's RuleValue: {"value": v}, "undefined" or {"error": m}."""
        try:
            return {"value": opa.eval_document(path, input)}
        except OpaUndefinedError:
            return "undefined"
        except OpaError as e:
            return {"error": str(e)}

    results = []
    for case in request["cases"]:
        opa = engines[case["pack"]]
        rules = case["rules"]
        roots = {parts(r)[0] for r in rules}
        values = {}
        if len(roots) == 1:
            # Every rule at once: data.<root> holds each rule's value, an undefined one absent.
            root = roots.pop()
            tree = document(opa, root, case["input"])
            if isinstance(tree, dict) and "value" in tree:
                for rule in rules:
                    v = tree["value"]
                    for part in parts(rule)[1:]:
                        v = v.get(part, _ABSENT) if isinstance(v, dict) else _ABSENT
                    values[rule] = "undefined" if v is _ABSENT else {"value": v}
        for rule in rules:
            if rule not in values:
                values[rule] = document(opa, rule.removeprefix("data."), case["input"])
        results.append({"name": case["name"], "rules": values})
    json.dump({"engine": engine_name, "results": results, "prints": prints}, sys.stdout)
    return 0


_ABSENT = object()


def parts(rule):
    """`data.a.b["c.d"]` as ["a", "b", "c.d"]."""
    return [a or json.loads(b) for a, b in re.findall(r'\.([A-Za-z_][A-Za-z0-9_]*)|\[("(?:[^"\\]|\\.)*")\]', rule)]

if __name__ == "__main__":
    sys.exit(main())
