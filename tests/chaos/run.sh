#!/usr/bin/env bash
# Runs the chaos test (tests/chaos/chaos.test.mjs) against the build in
# ${MCPROXY_BUILD_DIR:-<repo>/build}, with the SDK installed for tests/e2e (npm ci there if
# missing). Settings come from the environment (CHAOS_SECONDS, CHAOS_FAULTS or
# CHAOS_FAULT_RATE, CHAOS_SEED, ...; see tests/chaos/README.md). Prints TAP, ending with the
# "# pass N" / "# fail N" summary.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

if [ ! -d "$root/tests/e2e/node_modules/@modelcontextprotocol/sdk" ]; then
  (cd "$root/tests/e2e" && npm ci --no-audit --no-fund) >&2
fi

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
set +e
node --test --test-reporter=tap tests/chaos/chaos.test.mjs 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# node exits non-zero for errors its counters miss (an exception while the file loads): make
# such a run count as failed for summary parsers, as tests/e2e/run.sh does.
fails=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$log" | tail -1)
if [ "$status" -ne 0 ] && [ "${fails:-0}" -eq 0 ]; then
  echo "# run.sh: node exited with status $status but counted no failing test"
  echo "# fail 1"
fi
exit "$status"
