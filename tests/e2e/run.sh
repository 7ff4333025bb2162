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

set +e
node --test --test-concurrency=1 --test-reporter=tap "${files[@]}"
status=$?
exit "$status"
