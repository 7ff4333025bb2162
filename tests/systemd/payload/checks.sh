#!/bin/bash
# mcproxy under a real systemd 252 (PID 1 in systemd-nspawn). Run INSIDE the container by
# tests/systemd/run.sh (nsenter --target <PID1> --all). Prints "ok - …" / "not ok - …" lines.
. /opt/payload/lib.sh
CHECK_PREFIX="nspawn: "
DROPIN_DIR=/etc/systemd/system/$UNIT.d

mkdir -p /etc/mcproxy
install -m644 /opt/payload/mcp-servers.json /etc/mcproxy/mcp-servers.json
install -m644 /opt/payload/mcp-gateway.service /etc/systemd/system/$UNIT
systemctl daemon-reload

verify_unit() {
  local out
  # --man=no: the rootfs has no man(1) to resolve Documentation=man:… with.
  out=$(systemd-analyze verify --man=no "/etc/systemd/system/$UNIT" 2>&1)
  [ -z "$out" ] || { echo "$out" | diag; return 1; }
}
check "systemd-analyze verify on the installed unit prints nothing" verify_unit

# ---- Type=notify: `systemctl start` returns only after READY=1 --------------------------------
# beta's command sleeps 1.5 s before exec'ing the test server, so READY=1 can only come after that.
t0=$(date +%s%N)
systemctl start "$UNIT"; rc=$?
t1=$(date +%s%N)
active_now=$(systemctl is-active "$UNIT")
status_now=$(status_json)
start_ms=$(((t1 - t0) / 1000000))
check "systemctl start succeeds" [ "$rc" = 0 ]
echo "start took $start_ms ms; is-active said '$active_now'" | diag
check "is-active is 'active' right after start returns" [ "$active_now" = active ]
ready_in() { jq -e '(.servers | length) == 2 and all(.servers[]; .state == "ready")' >/dev/null <<<"$1"; }
check "GET /status shows 2/2 servers ready right after start returns" ready_in "$status_now"
[ -n "$status_now" ] || echo "/status was: '$status_now'" | diag
check "start waited for the slow backend (>= 1500 ms)" [ "$start_ms" -ge 1500 ]
if ! is_active; then
  dump_unit
  echo "# the unit did not start; skipping the remaining checks"
  echo "# checks done"; exit 1
fi

# ---- STATUS= ---------------------------------------------------------------------------------
check "StatusText is '2/2 servers ready, 0 session(s)'" wait_for 3 prop_is StatusText "2/2 servers ready, 0 session(s)"
status_line() { systemctl status --no-pager "$UNIT" 2>/dev/null | grep -qF "Status: \"$1"; }
check "systemctl status shows the STATUS line" status_line "2/2 servers ready"
check "MCP initialize over Streamable HTTP gives a session" mcp_init
check "StatusText counts the session ('2/2 servers ready, 1 session(s)')" \
  wait_for 3 prop_is StatusText "2/2 servers ready, 1 session(s)"

# ---- fd limits (LimitNOFILE=1024:65536) -------------------------------------------------------
soft_nofile() { [ -n "$1" ] && awk '/^Max open files/ {print $4}' "/proc/$1/limits"; }
hard_nofile() { [ -n "$1" ] && awk '/^Max open files/ {print $5}' "/proc/$1/limits"; }
# The hard limit is 65536 or, in a container, what the host allows (20000 here).
raised_to_hard() {
  local pid soft hard
  pid=$(systemctl show -P MainPID "$UNIT")
  soft=$(soft_nofile "$pid") hard=$(hard_nofile "$pid")
  echo "mcproxy: soft $soft, hard $hard" | diag
  [ -n "$soft" ] && [ "$soft" = "$hard" ] && [ "$soft" -gt 1024 ]
}
check "mcproxy raised its soft fd limit (1024) to the hard one" raised_to_hard
check "alpha's worker and backend keep the soft 1024" \
  eval '[ "$(soft_nofile "$(server_field alpha workerPid)")" = 1024 ] && [ "$(soft_nofile "$(server_field alpha backendPid)")" = 1024 ]'

# ---- journald fields --------------------------------------------------------------------------
marker="marker-$$-$RANDOM"
check "tools/call alpha__log_stderr over HTTP" [ "$(tool_text alpha__log_stderr "{\"text\":\"$marker\"}")" = logged ]
check "journalctl -u $UNIT MCP_SERVER=alpha finds 'stderr: $marker'" \
  wait_for 5 journal_has "stderr: $marker" MCP_SERVER=alpha
not_in_beta() { ! journal_has "$marker" MCP_SERVER=beta; }
check "MCP_SERVER=beta does not match alpha's line" not_in_beta
entry_fields() {
  journalctl -u "$UNIT" MCP_SERVER=alpha -o json --no-pager | jq -s -e --arg m "stderr: $marker" '
    map(select(.MESSAGE == $m)) | length == 1 and all(.[]; .SYSLOG_IDENTIFIER == "mcproxy-worker"
      and ._TRANSPORT == "journal" and (.PRIORITY | test("^[0-7]$")))' >/dev/null
}
check "that entry: once, SYSLOG_IDENTIFIER=mcproxy-worker, _TRANSPORT=journal, PRIORITY set" entry_fields
check "beta's startup banner under MCP_SERVER=beta" journal_has "stderr: beta-banner" MCP_SERVER=beta
sup_native() {
  [ -n "$(journalctl -u "$UNIT" SYSLOG_IDENTIFIER=mcproxy _TRANSPORT=journal -o cat --no-pager)" ]
}
check "supervisor entries: SYSLOG_IDENTIFIER=mcproxy via the native protocol" sup_native
session_field() {  # some MCP_SESSION value is our session id or a prefix of it
  local s
  [ -n "$SID" ] || return 1
  for s in $(journalctl -u "$UNIT" -o json --no-pager | jq -r 'select(.MCP_SESSION) | .MCP_SESSION' | sort -u); do
    [[ "$SID" == "$s"* ]] && return 0
  done
  return 1
}
check "an entry carries MCP_SESSION of our session" wait_for 3 session_field
no_stream_lines() {
  local n
  n=$(journalctl -u "$UNIT" _TRANSPORT=stdout -o cat --no-pager | wc -l)
  [ "$n" = 0 ] || { journalctl -u "$UNIT" _TRANSPORT=stdout -o cat --no-pager | head -5 | diag; return 1; }
}
check "no unstructured stdout/stderr lines from the unit" no_stream_lines

# ---- kill -9 of a backend -------------------------------------------------------------------
main0=$(prop MainPID); nr0=$(prop NRestarts)
b_alpha=$(server_field alpha backendPid); b_beta=$(server_field beta backendPid)
r_alpha=$(server_field alpha restarts)
echo "alpha backend $b_alpha, beta backend $b_beta, MainPID $main0" | diag
kill -9 "$b_alpha"
replaced() {
  local b
  b=$(server_field alpha backendPid)
  [ -n "$b" ] && [ "$b" != "$b_alpha" ] && [ "$(server_field alpha state)" = ready ]
}
check "kill -9 backend: alpha gets a new backendPid and is ready again" wait_for 10 replaced
check "kill -9 backend: the old backend is gone" wait_for 2 eval '! pid_alive "$b_alpha"'
check "kill -9 backend: unit still active, same MainPID, NRestarts unchanged" \
  eval 'is_active && [ "$(prop MainPID)" = "$main0" ] && [ "$(prop NRestarts)" = "$nr0" ]'
check "kill -9 backend: alpha's restarts counter went up" \
  eval '[ "$(server_field alpha restarts)" -gt "$r_alpha" ]'
check "kill -9 backend: beta untouched (same backendPid)" eval '[ "$(server_field beta backendPid)" = "$b_beta" ]'
new_alpha=$(server_field alpha backendPid)
check "kill -9 backend: alpha__whoami answers from the new backend" \
  eval '[ "$(tool_text alpha__whoami "{}")" = "$new_alpha" ]'

# ---- reload: systemctl reload applies an edited config --------------------------------------
b_alpha=$(server_field alpha backendPid); b_beta=$(server_field beta backendPid)
install -m644 /opt/payload/mcp-servers-reload.json /etc/mcproxy/mcp-servers.json.new
mv /etc/mcproxy/mcp-servers.json.new /etc/mcproxy/mcp-servers.json
systemctl reload "$UNIT"; rc=$?
check "systemctl reload succeeds" [ "$rc" = 0 ]
check "reload: gamma appears in /status and all 3 are ready" wait_for 10 all_ready 3
status_starts() { [[ "$(prop StatusText)" == "$1"* ]]; }
check "reload: StatusText becomes '3/3 servers ready, …'" wait_for 5 status_starts "3/3 servers ready"
check "reload: mcproxy handled the SIGHUP (journal 'reloaded (SIGHUP)')" wait_for 5 journal_has "reloaded (SIGHUP)"
check "reload: systemd logged Reloaded" journal_has "Reloaded "
check "reload: same MainPID, alpha and beta keep their backends" \
  eval '[ "$(prop MainPID)" = "$main0" ] && [ "$(server_field alpha backendPid)" = "$b_alpha" ] && [ "$(server_field beta backendPid)" = "$b_beta" ]'
check "reload: unit active" is_active

# ---- watchdog: a stalled supervisor is killed and restarted ---------------------------------
mkdir -p "$DROPIN_DIR"
printf '[Service]\nEnvironment=MCPROXY_TEST_HOOKS=1\nWatchdogSec=2\n' >"$DROPIN_DIR/50-watchdog-test.conf"
systemctl daemon-reload
systemctl restart "$UNIT"
check "watchdog: restarted with the test drop-in (WatchdogUSec=2s, active)" \
  eval 'is_active && prop_is WatchdogUSec 2s'
main1=$(prop MainPID); nr1=$(prop NRestarts)
old_pids=$( (pgrep -x mcproxy-worker; pgrep -x mcp-test-server) | tr '\n' ' ')
sleep 3   # longer than WatchdogSec: a healthy mcproxy keeps pinging
check "watchdog: a healthy mcproxy survives 3 s with WatchdogSec=2 (same MainPID)" \
  eval 'is_active && [ "$(prop MainPID)" = "$main1" ] && ! journal_has "Watchdog timeout"'
kill -USR2 "$main1"
check "watchdog: SIGUSR2 stall -> 'Watchdog timeout (limit 2s)!' in the journal" \
  wait_for 8 journal_has "Watchdog timeout (limit 2s)!"
check "watchdog: journal shows \"Failed with result 'watchdog'\"" \
  wait_for 8 journal_has "Failed with result 'watchdog'"
nrestarts_up() { [ "$(prop NRestarts)" -ge $((nr1 + 1)) ]; }
check "watchdog: Restart=on-failure restarted it (NRestarts >= 1)" wait_for 10 nrestarts_up
check "watchdog: active again with a new MainPID and 3/3 servers ready" \
  wait_for 15 eval 'is_active && [ "$(prop MainPID)" != "$main1" ] && all_ready 3'
old_gone() { local p; for p in $old_pids; do pid_alive "$p" && return 1; done; return 0; }
check "watchdog: no worker or backend of the killed instance is left" wait_for 5 old_gone
echo "journal around the watchdog kill:" | diag
journalctl -u "$UNIT" --no-pager -o short-monotonic | grep -E 'Watchdog|Killing|Failed|Scheduled|Started|result' | tail -12 | diag

# ---- stop: nothing left behind ---------------------------------------------------------------
cg=$(prop ControlGroup)
cgdir=
for d in /sys/fs/cgroup/unified"$cg" /sys/fs/cgroup"$cg" /sys/fs/cgroup/systemd"$cg"; do
  [ -f "$d/cgroup.procs" ] && { cgdir=$d; break; }
done
unit_pids=$( [ -n "$cgdir" ] && cat "$cgdir/cgroup.procs" | tr '\n' ' ')
echo "unit cgroup $cgdir: pids $unit_pids; shm: $(ls /dev/shm | tr '\n' ' ')" | diag
since=$(date +%s)
t0=$(date +%s%N)
systemctl stop "$UNIT"; rc=$?
t1=$(date +%s%N)
stop_ms=$(((t1 - t0) / 1000000))
check "systemctl stop succeeds" [ "$rc" = 0 ]
check "stop: unit inactive with Result=success" eval 'prop_is ActiveState inactive && prop_is Result success'
echo "stop took $stop_ms ms" | diag
check "stop: took < 5 s (no stop timeout)" [ "$stop_ms" -lt 5000 ]
no_sigkill() { ! journalctl -u "$UNIT" -S "@$since" --no-pager -o cat | grep -q 'SIGKILL'; }
check "stop: systemd did not have to SIGKILL anything" no_sigkill
check "stop: no mcproxy / mcproxy-worker / mcp-test-server process left" eval '! ours_running'
pids_gone() { local p; for p in $unit_pids; do pid_alive "$p" && return 1; done; return 0; }
check "stop: every pid that was in the unit's cgroup is gone" pids_gone
cg_empty() { [ -z "$cgdir" ] || [ ! -e "$cgdir" ] || [ -z "$(cat "$cgdir/cgroup.procs" 2>/dev/null)" ]; }
check "stop: the unit's cgroup is gone or empty" cg_empty
no_shm() { ! ls /dev/shm/mcproxy-* >/dev/null 2>&1; }
check "stop: no /dev/shm/mcproxy-* segment left" no_shm
no_shm || ls -la /dev/shm | diag

[ "$fails" -gt 0 ] && dump_unit 80
rm -rf "$DROPIN_DIR"
echo "# checks done"
exit $((fails > 0))
