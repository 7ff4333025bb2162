#!/usr/bin/env bash
# Static checks of the shipped systemd files; no booted systemd needed (cheap: run on every build).
#   1. `systemd-analyze verify` on systemd/mcp-gateway.service, configured the way meson does it
#      and with ExecStart pointing at an existing mcproxy binary (a missing executable is the one
#      thing verify fails on by itself). systemd-analyze only WARNS (rc 0) on parse errors such as
#      a misspelt key or a bad value, so ANY output counts as a failure. The build's configured
#      copy (build/systemd/mcp-gateway.service) is verified too when present.
#   2. `quadlet -dryrun` on systemd/mcp-gateway.container with trixie's podman (Debian 12's podman
#      4.3 has no quadlet): its .deb is fetched with apt-get download against a private trixie
#      sources list (the machine's apt sources are not touched) and only the quadlet binary is kept.
#      Then `systemd-analyze verify` on the generated unit (podman path swapped for a stub).
# Output: "ok - …" / "not ok - …", then "# pass N" and "# fail N". Needs root only to apt-get
# install systemd (for systemd-analyze) and procps (/bin/kill) when they are missing.
#   SKIP_QUADLET=1 skips part 2 (it downloads ~25 MB the first time; cached afterwards).
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
CACHE_DIR=${MCPROXY_SYSTEMD_CACHE:-/var/cache/mcproxy-systemd-ci}

pass=0
fail=0
ok()     { echo "ok - $1"; pass=$((pass + 1)); }
not_ok() { echo "not ok - $1"; fail=$((fail + 1)); }
diag()   { sed 's/^/# /'; }
finish() { echo "# pass $pass"; echo "# fail $fail"; [ "$fail" -eq 0 ]; exit $?; }
WORK=$(mktemp -d /tmp/mcproxy-verify.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

missing=()
command -v systemd-analyze >/dev/null || missing+=(systemd)
[ -x /bin/kill ] || missing+=(procps)
if [ ${#missing[@]} -gt 0 ]; then
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; } \
    >"$WORK/apt.log" 2>&1 || { not_ok "setup: apt-get install ${missing[*]}"; diag <"$WORK/apt.log"; finish; }
fi

# verify_quiet NAME UNIT_PATH: systemd-analyze verify must succeed AND print nothing.
# --man=no: whether man(1) can open Documentation=man:… pages is not what we test here.
verify_quiet() {
  local out rc
  out=$(systemd-analyze verify --man=no "$2" 2>&1); rc=$?
  if [ $rc = 0 ] && [ -z "$out" ]; then ok "$1"; else not_ok "$1 (rc $rc)"; echo "$out" | diag; fi
}

# An existing mcproxy binary for ExecStart; a stub if nothing is built (verify only needs the
# path to be an executable file).
BIN_DIR=
for d in "${MCPROXY_BUILD_DIR:-$root/build}" "$root/build" "$root/build-dev"; do
  [ -x "$d/supervisor/mcproxy" ] && { BIN_DIR=$d/supervisor; break; }
done
if [ -z "$BIN_DIR" ]; then
  BIN_DIR=$WORK/bin; mkdir -p "$BIN_DIR"
  printf '#!/bin/sh\nexit 0\n' >"$BIN_DIR/mcproxy"; chmod +x "$BIN_DIR/mcproxy"
  echo "# no built mcproxy found: ExecStart points at a stub"
fi

# ---- 1. the service unit -------------------------------------------------------------------
mkdir -p "$WORK/unit"
# The substitution systemd/meson.build does, with BINDIR = the directory holding mcproxy.
sed -e "s|@BINDIR@|$BIN_DIR|g" -e 's|@SYSCONFDIR@|/etc|g' "$root/systemd/mcp-gateway.service" \
  >"$WORK/unit/mcp-gateway.service"
if grep -q '@[A-Z_]*@' "$WORK/unit/mcp-gateway.service"; then
  not_ok "systemd/mcp-gateway.service: every @VAR@ is one meson substitutes"
  grep -n '@[A-Z_]*@' "$WORK/unit/mcp-gateway.service" | diag
else
  ok "systemd/mcp-gateway.service: every @VAR@ is one meson substitutes"
fi
verify_quiet "systemd-analyze verify systemd/mcp-gateway.service prints nothing" "$WORK/unit/mcp-gateway.service"

for built in "$root"/build/systemd/mcp-gateway.service; do
  [ -f "$built" ] || continue
  mkdir -p "$WORK/built"
  sed -E "s|^ExecStart=[^ ]*/mcproxy |ExecStart=$BIN_DIR/mcproxy |" "$built" >"$WORK/built/mcp-gateway.service"
  verify_quiet "systemd-analyze verify build/systemd/mcp-gateway.service (ExecStart adjusted) prints nothing" \
    "$WORK/built/mcp-gateway.service"
done

# The rule above really catches what verify only warns about.
mkdir -p "$WORK/bad"
sed 's/^OOMPolicy=continue/OOMPolicy=bogus/' "$WORK/unit/mcp-gateway.service" >"$WORK/bad/mcp-gateway.service"
out=$(systemd-analyze verify --man=no "$WORK/bad/mcp-gateway.service" 2>&1)
[ -n "$out" ] && ok "a bad value (OOMPolicy=bogus) produces output, so it would fail" ||
  not_ok "a bad value (OOMPolicy=bogus) produces output, so it would fail"

# ---- 2. the quadlet ------------------------------------------------------------------------
if [ "${SKIP_QUADLET:-0}" = 1 ]; then echo "# quadlet: skipped (SKIP_QUADLET=1)"; finish; fi
QUADLET=$CACHE_DIR/quadlet-trixie/usr/libexec/podman/quadlet
if [ ! -x "$QUADLET" ]; then
  MIRROR=${MIRROR:-$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null)}
  MIRROR=${MIRROR:-http://deb.debian.org/debian}
  A=$WORK/apt-trixie
  mkdir -p "$A/lists/partial" "$A/cache/archives/partial" "$A/parts" "$A/deb"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $MIRROR trixie main" >"$A/trixie.list"
  opts=(-o Dir::Etc::sourcelist="$A/trixie.list" -o Dir::Etc::sourceparts="$A/parts"
        -o Dir::State::Lists="$A/lists" -o Dir::Cache="$A/cache" -o APT::Get::List-Cleanup=0)
  t=$(date +%s)
  if apt-get "${opts[@]}" update -qq >"$WORK/apt-trixie.log" 2>&1 &&
     (cd "$A/deb" && apt-get "${opts[@]}" download podman >>"$WORK/apt-trixie.log" 2>&1) &&
     mkdir -p "$A/x" && dpkg-deb -x "$A"/deb/podman_*.deb "$A/x" && [ -x "$A/x/usr/libexec/podman/quadlet" ]; then
    mkdir -p "$(dirname "$QUADLET")"
    cp "$A/x/usr/libexec/podman/quadlet" "$QUADLET"
    echo "# quadlet: $(basename "$A"/deb/podman_*.deb) fetched in $(($(date +%s) - t)) s, cached as $QUADLET"
  else
    not_ok "quadlet: fetch trixie's podman .deb"; tail -15 "$WORK/apt-trixie.log" | diag; finish
  fi
fi
Q=$WORK/quadlet
mkdir -p "$Q/units" "$Q/out"
cp "$root/systemd/mcp-gateway.container" "$Q/units/"
QUADLET_UNIT_DIRS=$Q/units "$QUADLET" -dryrun >"$Q/dryrun.out" 2>"$Q/dryrun.all"; rc=$?
# Its only normal stderr line is "quadlet-generator[PID]: Loading source unit file …".
grep -v 'Loading source unit file' "$Q/dryrun.all" >"$Q/dryrun.err"
if [ $rc = 0 ] && [ ! -s "$Q/dryrun.err" ]; then
  ok "quadlet -dryrun systemd/mcp-gateway.container: rc 0, no warnings"
else
  not_ok "quadlet -dryrun systemd/mcp-gateway.container: rc 0, no warnings (rc $rc)"; diag <"$Q/dryrun.err"
fi
# The dry run prints "---mcp-gateway.service---" followed by the generated unit.
awk '/^---.*---$/ {on = ($0 == "---mcp-gateway.service---"); next} on' "$Q/dryrun.out" >"$Q/out/gen.service"
gen=$Q/out/gen.service
has() { grep -qE -- "$1" "$gen"; }
if [ -s "$gen" ] && has '^Type=notify' && has '^NotifyAccess=all' && has '--sdnotify=container' &&
   has '--publish 12009:12009' && has '-v /etc/mcproxy:/etc/mcproxy:ro' && has '--init' &&
   has 'localhost/mcproxy:latest --config /etc/mcproxy/mcp-servers.json --listen 0.0.0.0:12009'; then
  ok "quadlet: generated unit is Type=notify with the port, the config volume, --init and our Exec"
else
  not_ok "quadlet: generated unit is Type=notify with the port, the config volume, --init and our Exec"
  diag <"$Q/dryrun.out"
fi
# systemd-analyze verify needs the executables to exist: point /usr/bin/podman at a stub.
printf '#!/bin/sh\nexit 0\n' >"$Q/out/podman"; chmod +x "$Q/out/podman"
sed "s|/usr/bin/podman|$Q/out/podman|g" "$gen" >"$Q/out/mcp-gateway.service"
verify_quiet "systemd-analyze verify on the quadlet-generated unit prints nothing" "$Q/out/mcp-gateway.service"
# A misspelt key must make quadlet fail (so the check above means something).
sed 's/^Notify=true/Notifyy=true/' "$root/systemd/mcp-gateway.container" >"$Q/units/mcp-gateway.container"
if QUADLET_UNIT_DIRS=$Q/units "$QUADLET" -dryrun >/dev/null 2>&1; then
  not_ok "quadlet -dryrun rejects a misspelt key"
else
  ok "quadlet -dryrun rejects a misspelt key"
fi
finish
