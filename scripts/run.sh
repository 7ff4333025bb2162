#!/usr/bin/env bash
# Builds MCProxy and runs it on the bundled config (config/mcp-servers.json: two instances of
# the project's own test MCP server, so it works offline), at http://127.0.0.1:12009.
#   scripts/run.sh [extra mcproxy arguments, e.g. --listen 0.0.0.0:12009]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh" "$root/build"
exec "$root/build/supervisor/mcproxy" --config "$root/config/mcp-servers.json" \
  --listen 127.0.0.1:12009 --log "$@"
