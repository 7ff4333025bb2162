# Helpers for the checks that run INSIDE the booted systemd (container or VM). Sourced, not run.
# Output: one line per check, "ok - <name>" or "not ok - <name>"; diagnostics start with "# ".
UNIT=mcp-gateway.service
BASE=http://127.0.0.1:12009
CHECK_PREFIX=${CHECK_PREFIX:-}
fails=0

ok()     { echo "ok - $CHECK_PREFIX$1"; }
not_ok() { echo "not ok - $CHECK_PREFIX$1"; fails=$((fails + 1)); }
diag()   { sed 's/^/# /'; }
# check NAME COMMAND...: runs the command, records the result.
check() {
  local name=$1; shift
  if "$@"; then ok "$name"; else not_ok "$name"; fi
}
# wait_for SECONDS COMMAND...: polls every 0.1 s.
wait_for() {
  local t=$1; shift
  local i
  for ((i = 0; i < t * 10; i++)); do "$@" && return 0; sleep 0.1; done
  "$@"
}
prop()     { systemctl show -P "$1" "$UNIT"; }
prop_is()  { [ "$(prop "$1")" = "$2" ]; }
is_active() { [ "$(systemctl is-active "$UNIT")" = active ]; }
# journal_has PATTERN [journalctl match args...]: fixed-string search in the unit's journal.
journal_has() {
  local pat=$1; shift
  journalctl -u "$UNIT" --no-pager -o cat "$@" 2>/dev/null | grep -qF -- "$pat"
}

status_json() { curl -sf --max-time 3 "$BASE/status"; }
# server_field NAME FIELD: one field of one server in GET /status ("" if absent).
server_field() {
  status_json | jq -r --arg n "$1" --arg f "$2" '.servers[] | select(.name == $n) | .[$f] // empty'
}
# all_ready N: /status lists exactly N servers and all are ready.
all_ready() {
  status_json | jq -e --argjson n "$1" '(.servers | length) == $n and all(.servers[]; .state == "ready")' >/dev/null
}
pid_alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }

# Minimal Streamable HTTP client (POST /mcp); the session id lands in $SID.
SID=
mcp_post() {  # BODY [curl args...]
  local body=$1; shift
  curl -s --max-time "${MCP_TIMEOUT:-10}" -H 'Content-Type: application/json' \
    -H 'Accept: application/json, text/event-stream' ${SID:+-H "Mcp-Session-Id: $SID"} \
    -d "$body" "$@" "$BASE/mcp"
}
mcp_init() {
  local hdr body rc
  hdr=$(mktemp)
  SID=
  body=$(mcp_post '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-03-26","capabilities":{},"clientInfo":{"name":"systemd-checks","version":"1"}}}' \
    -D "$hdr"); rc=$?
  SID=$(awk -F': *' 'tolower($1) == "mcp-session-id" {print $2}' "$hdr" | tr -d '\r')
  if [ $rc != 0 ] || [ -z "$SID" ]; then
    { echo "initialize failed: curl rc $rc"; tr -d '\r' <"$hdr"; head -c 1000 <<<"$body"; echo; } | diag
    rm -f "$hdr"; return 1
  fi
  rm -f "$hdr"
  mcp_post '{"jsonrpc":"2.0","method":"notifications/initialized"}' >/dev/null
}
# mcp_tool TOOL ARGS_JSON: prints the JSON-RPC response (SSE "data:" lines unwrapped).
mcp_tool() {
  mcp_post "{\"jsonrpc\":\"2.0\",\"id\":$RANDOM,\"method\":\"tools/call\",\"params\":{\"name\":\"$1\",\"arguments\":$2}}" |
    sed -n 's/^data: //p; /^{/p'
}
# tool_text TOOL ARGS_JSON: the first text block of a successful result.
tool_text() { mcp_tool "$1" "$2" | jq -r 'select(.result) | .result.content[0].text' 2>/dev/null; }

# ours_running: any process of the gateway still alive?
ours_running() { pgrep -x mcproxy >/dev/null || pgrep -x mcproxy-worker >/dev/null || pgrep -x mcp-test-server >/dev/null; }

# On failure, a look at the unit's journal and state (as diagnostics).
dump_unit() {
  {
    echo "--- systemctl status"; systemctl status --no-pager -l "$UNIT" 2>&1 | head -40
    echo "--- journal"; journalctl -u "$UNIT" --no-pager -o short-monotonic 2>&1 | tail -"${1:-60}"
    echo "--- /status"; status_json 2>&1 | head -c 3000; echo
  } | diag
}
