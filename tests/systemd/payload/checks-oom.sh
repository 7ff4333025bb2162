#!/bin/bash
# cgroup v2 memory checks: run at boot INSIDE the QEMU VM (real cgroup v2 with the memory
# controller; nspawn on a cgroup-v1 host cannot enforce MemoryMax). Prints "ok - …" lines.
# A drop-in puts MemoryMax=150M on the service; a backend allocating 300 MB must be OOM-killed
# by the kernel while the unit stays active (OOMPolicy=continue) and mcproxy restarts the backend.
. /opt/payload/lib.sh
CHECK_PREFIX="vm: "
DROPIN_DIR=/etc/systemd/system/$UNIT.d

check "cgroup v2 with the memory controller" eval '[ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ] && grep -qw memory /sys/fs/cgroup/cgroup.controllers'

mkdir -p /etc/mcproxy "$DROPIN_DIR"
install -m644 /opt/payload/mcp-servers.json /etc/mcproxy/mcp-servers.json
install -m644 /opt/payload/mcp-gateway.service /etc/systemd/system/$UNIT
printf '[Service]\nMemoryMax=150M\nMemorySwapMax=0\n' >"$DROPIN_DIR/50-memory-test.conf"
systemctl daemon-reload

systemctl start "$UNIT"; rc=$?
check "systemctl start with MemoryMax=150M succeeds, 2/2 ready" eval '[ "$rc" = 0 ] && is_active && all_ready 2'
if ! is_active; then dump_unit; echo "# checks done"; exit 1; fi
cg=/sys/fs/cgroup$(prop ControlGroup)
check "memory.max of the unit's cgroup is 150M" eval '[ "$(cat "$cg/memory.max")" = 157286400 ]'
check "OOMPolicy=continue on the unit" prop_is OOMPolicy continue
oom_kills() { awk '$1 == "oom_kill" {print $2}' "$cg/memory.events"; }
oom0=$(oom_kills)
echo "memory.current $(cat "$cg/memory.current"), oom_kill $oom0, procs: $(tr '\n' ' ' <"$cg/cgroup.procs")" | diag

main0=$(prop MainPID); nr0=$(prop NRestarts)
b_alpha=$(server_field alpha backendPid); b_beta=$(server_field beta backendPid)
r_alpha=$(server_field alpha restarts)
check "MCP initialize over Streamable HTTP" mcp_init
t0=$(date +%s)
resp=$(MCP_TIMEOUT=90 mcp_tool alpha__alloc '{"mb":300}')
t1=$(date +%s)
echo "alloc 300 answered after $((t1 - t0)) s: $(head -c 400 <<<"$resp")" | diag
check "alloc 300 gets an answer (an error, not 'allocated')" \
  eval '[ -n "$resp" ] && ! grep -q "allocated 300" <<<"$resp"'
oom_up() { [ "$(oom_kills)" -gt "$oom0" ]; }
check "the kernel OOM-killed inside the unit (memory.events oom_kill went up)" wait_for 10 oom_up
check "the allocating backend is gone" wait_for 5 eval '! pid_alive "$b_alpha"'
check "systemd logged the OOM kill" wait_for 5 journal_has "killed by the OOM killer"
check "unit still active: same MainPID, NRestarts unchanged (OOMPolicy=continue)" \
  eval 'is_active && [ "$(prop MainPID)" = "$main0" ] && [ "$(prop NRestarts)" = "$nr0" ]'
replaced() {
  local b
  b=$(server_field alpha backendPid)
  [ -n "$b" ] && [ "$b" != "$b_alpha" ] && [ "$(server_field alpha state)" = ready ]
}
check "mcproxy restarted the backend (new backendPid, ready)" wait_for 30 replaced
check "alpha's restarts counter went up" eval '[ "$(server_field alpha restarts)" -gt "$r_alpha" ]'
echo "alpha lastExit: $(server_field alpha lastExit)" | diag
check "beta untouched (same backendPid)" eval '[ "$(server_field beta backendPid)" = "$b_beta" ]'
new_alpha=$(server_field alpha backendPid)
check "alpha__whoami answers from the new backend" eval '[ "$(tool_text alpha__whoami "{}")" = "$new_alpha" ]'
journalctl -u "$UNIT" --no-pager -o short-monotonic | grep -iE 'oom|kill|exit' | tail -10 | diag
journalctl -k --no-pager -o cat | grep -iE 'out of memory|oom-kill|Killed process' | tail -4 | diag

systemctl stop "$UNIT"; rc=$?
check "systemctl stop succeeds, nothing of ours left" eval '[ "$rc" = 0 ] && prop_is ActiveState inactive && ! ours_running'

[ "$fails" -gt 0 ] && dump_unit 80
echo "# checks done"
exit $((fails > 0))
