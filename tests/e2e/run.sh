#!/usr/bin/env bash
# Runs the mcproxy end-to-end suite from the repository root.
#   tests/e2e/run.sh                 # all files
#   tests/e2e/run.sh crash naming    # only tests/e2e/crash.test.mjs and naming.test.mjs
# Needs: node >= 20, the build in ${MCPROXY_BUILD_DIR:-<repo>/build}, and
# tests/e2e/node_modules (installed here with `npm ci` if missing).
# Exits with node's status; the TAP reporter prints the "# pass N" / "# fail N" summary.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

if [ ! -d "$here/node_modules/@modelcontextprotocol/sdk" ]; then
  (cd "$here" && npm ci --no-audit --no-fund) >&2
fi

files=()
if [ "$#" -gt 0 ]; then
  for name in "$@"; do files+=("tests/e2e/${name%.test.mjs}.test.mjs"); done
else
  files=(tests/e2e/*.test.mjs)
fi

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
set +e
node --test --test-concurrency=1 --test-reporter=tap "${files[@]}" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# node exits non-zero for errors that its counters miss (an exception while a file is
# loaded or a describe() body runs): make such a run count as failed for summary parsers.
fails=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$log" | tail -1)
if [ "$status" -ne 0 ] && [ "${fails:-0}" -eq 0 ]; then
  echo "# run.sh: node exited with status $status but counted no failing test"
  echo "# fail 1"
fi
exit "$status"
