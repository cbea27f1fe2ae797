#!/usr/bin/env bash
# The action's gate step: runs `claimgate gate` once with every output the inputs ask for, the
# log in `format`, and writes the step outputs (exit code, SARIF file, counts). It always ends 0:
# the action's last step fails the job with claimgate's exit code, after the outputs are set.
set -uo pipefail
out="${GITHUB_OUTPUT:-/dev/stdout}"
report="${RUNNER_TEMP:-/tmp}/claimgate-report.json"

set -f  # split on whitespace, but leave glob patterns to claimgate
args=(gate $CLAIMGATE_BUNDLES --format "$CLAIMGATE_FORMAT" --max-results "$CLAIMGATE_MAX_RESULTS")
for id in $CLAIMGATE_REQUIRE; do args+=(--require "$id"); done
set +f
[ -n "$CLAIMGATE_FORBID_LABEL" ] && args+=(--forbid-label "$CLAIMGATE_FORBID_LABEL")
[ -n "$CLAIMGATE_CLAIMED" ] && args+=(--claimed "$CLAIMGATE_CLAIMED")
[ -n "$CLAIMGATE_TEXT" ] && args+=(--text "$CLAIMGATE_TEXT")
[ -n "$CLAIMGATE_POLICY_DIR" ] && args+=(--policy-dir "$CLAIMGATE_POLICY_DIR")
[ -n "$CLAIMGATE_AT" ] && args+=(--at "$CLAIMGATE_AT")
[ -n "$CLAIMGATE_OUTPUT" ] && args+=(--write "$CLAIMGATE_FORMAT=$CLAIMGATE_OUTPUT")
[ -n "$CLAIMGATE_SARIF" ] && args+=(--write "sarif=$CLAIMGATE_SARIF")
if [ "$CLAIMGATE_SUMMARY" = "true" ] && [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  args+=(--write "markdown=$GITHUB_STEP_SUMMARY")
fi
args+=(--write "json=$report")

claimgate "${args[@]}"
code=$?
echo "exit-code=$code" >> "$out"
echo "sarif-file=$CLAIMGATE_SARIF" >> "$out"
# The counts, from the JSON report when the gate got as far as writing one.
if [ -s "$report" ]; then
  python3 - "$report" >> "$out" <<'PY' || true
import json, sys
summary = json.load(open(sys.argv[1]))["summary"]
for key in ("bundles", "passed", "failed", "errors"):
    print(f"{key}={summary[key]}")
PY
fi
exit 0
