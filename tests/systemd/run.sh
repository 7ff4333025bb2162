#!/usr/bin/env bash
# mcproxy under a REAL systemd 252, on a Debian 12 machine whose PID 1 is not systemd (CI).
#
#   tests/systemd/run.sh            nspawn checks, then the VM (cgroup v2 memory/OOM) checks
#   tests/systemd/run.sh nspawn     only the systemd-nspawn part
#   tests/systemd/run.sh vm         only the QEMU part
#
# Needs root. Installs what it needs from Debian's mirror (systemd-container, debootstrap, zstd;
# qemu-system-x86, cpio and the kernel .deb for the VM), builds a bookworm minbase rootfs once and
# caches it in $MCPROXY_SYSTEMD_CACHE (default /var/cache/mcproxy-systemd-ci), puts our binaries,
# the real unit file and a 2-server config into /opt/payload of the booted system, runs
# payload/checks.sh there via `nsenter --target <PID1> --all` (and payload/checks-oom.sh in the VM)
# and powers off. Output: "ok - <name>" / "not ok - <name>" per check, diagnostics as "# …",
# then "# pass N" and "# fail N". Exit status 0 only if nothing failed.
#
# Env: MCPROXY_BUILD_DIR (default build/, else build-dev/; built if it has no binaries),
#      MIRROR (default: the first URIs: of the machine's apt sources), KEEP_WORK=1 (keep logs).
# The recipe (and why each flag is there) is in tests/systemd/README.md.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
what=${1:-all}
case "$what" in all | nspawn | vm) ;; *) echo "usage: $0 [all|nspawn|vm]" >&2; exit 2 ;; esac

CACHE_DIR=${MCPROXY_SYSTEMD_CACHE:-/var/cache/mcproxy-systemd-ci}
SUITE=bookworm
RECIPE=2   # bump when build_rootfs changes what it puts into the rootfs
T_START=$(date +%s)

pass=0
fail=0
ok()     { echo "ok - $1"; pass=$((pass + 1)); }
not_ok() { echo "not ok - $1"; fail=$((fail + 1)); }
diag()   { sed 's/^/# /'; }
# report FILE: passes a check script's output through, counting its results; any other line
# becomes a diagnostic.
report() {
  local line
  while IFS= read -r line || [ -n "$line" ]; do
    line=${line%$'\r'}
    case "$line" in
      "ok - "*) echo "$line"; pass=$((pass + 1)) ;;
      "not ok - "*) echo "$line"; fail=$((fail + 1)) ;;
      "#"*) echo "$line" ;;
      "") ;;
      *) echo "# $line" ;;
    esac
  done <"$1"
}
elapsed() { echo $(($(date +%s) - T_START)); }
finish() {
  echo "# total $(elapsed) s"
  echo "# pass $pass"
  echo "# fail $fail"
  [ "$fail" -eq 0 ]
  exit $?
}

WORK=$(mktemp -d /tmp/mcproxy-systemd.XXXXXX)
NSPAWN_PID=
LEADER=
QEMU_PID=
cleanup() {
  if [ -n "$NSPAWN_PID" ] && kill -0 "$NSPAWN_PID" 2>/dev/null; then
    [ -n "$LEADER" ] && kill -RTMIN+4 "$LEADER" 2>/dev/null   # systemd: clean poweroff
    for _ in $(seq 100); do kill -0 "$NSPAWN_PID" 2>/dev/null || break; sleep 0.1; done
    # Killing the container's PID 1 takes its whole PID namespace down with it.
    [ -n "$LEADER" ] && kill -KILL "$LEADER" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$NSPAWN_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$NSPAWN_PID" 2>/dev/null
  fi
  if [ -n "$QEMU_PID" ] && kill -0 "$QEMU_PID" 2>/dev/null; then
    kill -TERM "$QEMU_PID" 2>/dev/null; sleep 1; kill -KILL "$QEMU_PID" 2>/dev/null
  fi
  wait 2>/dev/null
  if [ "${KEEP_WORK:-0}" = 1 ] || [ "$fail" -gt 0 ]; then
    echo "# logs kept in $WORK" >&2
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT
trap 'not_ok "run.sh: interrupted by a signal"; finish' INT TERM HUP

[ "$(id -u)" = 0 ] || { not_ok "setup: running as root (systemd-nspawn and qemu need it)"; finish; }

# ---- host packages ---------------------------------------------------------------------------
apt_updated=0
need_pkgs() {  # installs the packages of the given commands/paths that are missing
  local missing=() cmd pkg
  while [ $# -gt 0 ]; do
    cmd=$1 pkg=$2; shift 2
    command -v "$cmd" >/dev/null 2>&1 || [ -e "$cmd" ] || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local t=$(date +%s)
  if [ $apt_updated = 0 ]; then apt-get update -qq >>"$WORK/apt.log" 2>&1; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" \
    >>"$WORK/apt.log" 2>&1 || return 1
  echo "# apt-get install ${missing[*]}: $(($(date +%s) - t)) s"
}
if ! need_pkgs systemd-nspawn systemd-container debootstrap debootstrap zstd zstd; then
  not_ok "setup: apt-get install systemd-container debootstrap zstd"; tail -20 "$WORK/apt.log" | diag; finish
fi
if [ "$what" != nspawn ] && ! need_pkgs qemu-system-x86_64 qemu-system-x86 cpio cpio; then
  not_ok "setup: apt-get install qemu-system-x86 cpio"; tail -20 "$WORK/apt.log" | diag; finish
fi
MIRROR=${MIRROR:-$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null)}
[ -n "$MIRROR" ] || MIRROR=$(awk '$1 == "deb" && $2 !~ /^\[/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null)
MIRROR=${MIRROR:-http://deb.debian.org/debian}

# ---- our binaries ----------------------------------------------------------------------------
bins_in() { [ -x "$1/supervisor/mcproxy" ] && [ -x "$1/worker/mcproxy-worker" ] && [ -x "$1/tests/testserver/mcp-test-server" ]; }
BUILD_DIR=${MCPROXY_BUILD_DIR:-}
if [ -z "$BUILD_DIR" ]; then
  BUILD_DIR=$root/build
  bins_in "$BUILD_DIR" || ! bins_in "$root/build-dev" || BUILD_DIR=$root/build-dev
fi
if ! bins_in "$BUILD_DIR"; then
  echo "# building $BUILD_DIR"
  if ! { "$root/scripts/install-deps.sh" && "$root/scripts/build.sh" "$BUILD_DIR"; } >"$WORK/build.log" 2>&1; then
    not_ok "setup: build mcproxy in $BUILD_DIR"; tail -30 "$WORK/build.log" | diag; finish
  fi
fi
BINS=("$BUILD_DIR/supervisor/mcproxy" "$BUILD_DIR/worker/mcproxy-worker" "$BUILD_DIR/worker/mcproxy-remote-worker" "$BUILD_DIR/tests/testserver/mcp-test-server")
echo "# binaries from $BUILD_DIR"

# ---- rootfs: bookworm minbase + systemd + the runtime libraries our binaries link -------------
# The libraries come from `ldd` of the binaries, mapped to their Debian packages on this (Debian 12)
# host, so a new dependency (or an ASan build's libasan) is picked up without editing this list.
lib_pkgs() {
  local lib p
  for lib in $(ldd "${BINS[@]}" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// {print $3}' | sort -u); do
    p=$(dpkg -S "$lib" 2>/dev/null || dpkg -S "$(readlink -f "$lib")" 2>/dev/null ||
        dpkg -S "/usr$lib" 2>/dev/null || dpkg -S "${lib#/usr}" 2>/dev/null)
    [ -n "$p" ] && echo "${p%%:*}"
  done | sort -u
}
PKGS=$( (printf '%s\n' systemd systemd-sysv dbus procps curl jq; lib_pkgs) | sort -u | tr '\n' ' ')
echo "# rootfs packages: $PKGS"
KEY=$(printf '%s\n' "$RECIPE" "$SUITE" "$MIRROR" $PKGS | sha256sum | cut -c1-12)
ROOT=$CACHE_DIR/rootfs-$SUITE-$KEY
TARBALL=$ROOT.tar.zst
mkdir -p "$CACHE_DIR"
build_rootfs() {
  if [ -f "$ROOT.ok" ] && [ -x "$ROOT/lib/systemd/systemd" ]; then echo "# rootfs: $ROOT (cached)"; return 0; fi
  rm -rf "$ROOT" "$ROOT.tmp" "$ROOT.ok"
  mkdir -p "$ROOT.tmp"
  if [ -f "$TARBALL" ] && tar -C "$ROOT.tmp" --zstd -xpf "$TARBALL" 2>>"$WORK/rootfs.log"; then
    echo "# rootfs: extracted $TARBALL"
  else
    rm -rf "$ROOT.tmp" "$TARBALL"; mkdir -p "$ROOT.tmp"
    local t=$(date +%s)
    debootstrap --variant=minbase --include="$(echo $PKGS | tr ' ' ,)" "$SUITE" "$ROOT.tmp" "$MIRROR" \
      >"$WORK/rootfs.log" 2>&1 || return 1
    rm -rf "$ROOT.tmp"/var/cache/apt/archives/*.deb "$ROOT.tmp"/var/lib/apt/lists/* \
      "$ROOT.tmp"/usr/share/doc/* "$ROOT.tmp"/usr/share/man/* "$ROOT.tmp"/usr/share/locale/*
    echo mcproxy-ci >"$ROOT.tmp/etc/hostname"   # debootstrap copies the host's name
    tar -C "$ROOT.tmp" --zstd -cpf "$TARBALL.tmp" . && mv "$TARBALL.tmp" "$TARBALL"
    echo "# rootfs: debootstrap $SUITE from $MIRROR in $(($(date +%s) - t)) s, cached as $TARBALL"
  fi
  mv "$ROOT.tmp" "$ROOT" && touch "$ROOT.ok"
  # Keep the cache to the current package set.
  for old in "$CACHE_DIR"/rootfs-*; do
    case "$old" in "$ROOT" | "$ROOT".*) ;; *) rm -rf "$old" ;; esac
  done
}
exec 9>"$CACHE_DIR/.lock"
flock 9
if ! build_rootfs; then
  not_ok "setup: debootstrap $SUITE rootfs"; tail -20 "$WORK/rootfs.log" | diag; finish
fi

# ---- payload: binaries, the real unit (ExecStart -> /opt/payload/bin), configs, checks -------
P=$WORK/payload
mkdir -p "$P/bin"
cp "${BINS[@]}" "$P/bin/"
cp "$here"/payload/*.sh "$P/"
# Same substitution meson does (unit_conf in systemd/meson.build), with our payload paths.
sed -e 's|@BINDIR@|/opt/payload/bin|g' -e 's|@SYSCONFDIR@|/etc|g' "$root/systemd/mcp-gateway.service" \
  >"$P/mcp-gateway.service"
if grep -q '@[A-Z_]*@' "$P/mcp-gateway.service" || ! grep -q '^ExecStart=/opt/payload/bin/mcproxy ' "$P/mcp-gateway.service"; then
  not_ok "setup: unit template substitution"; grep -n 'Exec\|@' "$P/mcp-gateway.service" | diag; finish
fi
# alpha starts at once; beta sleeps 1.5 s first (so READY=1 must wait for it) and prints a banner.
cat >"$P/mcp-servers.json" <<'JSON'
{
  "mcpServers": {
    "alpha": {"command": "/opt/payload/bin/mcp-test-server", "args": ["--name", "alpha"]},
    "beta": {"command": "/bin/sh",
             "args": ["-c", "sleep 1.5; exec /opt/payload/bin/mcp-test-server --name beta --stderr-banner beta-banner"]}
  }
}
JSON
jq '.mcpServers.gamma = {"command": "/opt/payload/bin/mcp-test-server", "args": ["--name", "gamma"]}' \
  "$P/mcp-servers.json" >"$P/mcp-servers-reload.json" 2>/dev/null ||
  sed 's|^  }$|  ,"gamma": {"command": "/opt/payload/bin/mcp-test-server", "args": ["--name", "gamma"]}\n  }|' \
    "$P/mcp-servers.json" >"$P/mcp-servers-reload.json"
chmod -R a+rX "$P"

# ---- part 1: systemd-nspawn ------------------------------------------------------------------
run_nspawn() {
  local t0=$(date +%s) machine="mcproxy-ci-$$" state= rc
  # --register=no --keep-unit: there is no machined / host bus. --volatile=overlay: writes go to a
  # tmpfs, $ROOT stays pristine. --private-network: only lo.
  setsid systemd-nspawn -D "$ROOT" -b --register=no --keep-unit --volatile=overlay --private-network \
    --console=pipe --machine="$machine" --bind-ro="$P":/opt/payload \
    >"$WORK/nspawn-console.log" 2>&1 </dev/null &
  NSPAWN_PID=$!
  for _ in $(seq 100); do
    LEADER=$(pgrep -P "$NSPAWN_PID" | head -1)
    [ -n "$LEADER" ] && [ "$(cat /proc/"$LEADER"/comm 2>/dev/null)" = systemd ] && break
    LEADER=; sleep 0.1
  done
  if [ -z "$LEADER" ]; then
    not_ok "nspawn: container boots systemd"; tail -30 "$WORK/nspawn-console.log" | diag; return
  fi
  for _ in $(seq 300); do   # the manager's socket appears a little after exec
    state=$(timeout 60 nsenter --target "$LEADER" --all systemctl is-system-running --wait 2>/dev/null)
    [ -n "$state" ] && break; sleep 0.1
  done
  echo "# container $machine: systemd $(nsenter --target "$LEADER" --all systemctl --version | awk 'NR==1{print $2}'), state '$state' after $(($(date +%s) - t0)) s"
  case "$state" in
    running | degraded) ok "nspawn: container boots systemd to running" ;;
    *) not_ok "nspawn: container boots systemd to running"; tail -30 "$WORK/nspawn-console.log" | diag; return ;;
  esac
  [ "$state" = degraded ] && nsenter --target "$LEADER" --all systemctl --failed --no-pager 2>&1 | diag
  # In the background + wait, so that a signal to this script is handled at once.
  timeout 180 nsenter --target "$LEADER" --all /opt/payload/checks.sh >"$WORK/nspawn-checks.out" 2>&1 &
  wait $!; rc=$?
  report "$WORK/nspawn-checks.out"
  grep -q '^# checks done' "$WORK/nspawn-checks.out" && ok "nspawn: check script ran to the end (rc $rc)" ||
    not_ok "nspawn: check script ran to the end (rc $rc)"
  # Clean poweroff of the container.
  kill -RTMIN+4 "$LEADER"
  for _ in $(seq 150); do kill -0 "$NSPAWN_PID" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$NSPAWN_PID" 2>/dev/null; then
    not_ok "nspawn: container powers off within 15 s"
  else
    wait "$NSPAWN_PID"; rc=$?
    [ $rc = 0 ] && ok "nspawn: container powers off within 15 s" ||
      { not_ok "nspawn: container powers off within 15 s (systemd-nspawn rc $rc)"; tail -20 "$WORK/nspawn-console.log" | diag; }
    NSPAWN_PID= LEADER=
  fi
  echo "# nspawn part: $(($(date +%s) - t0)) s"
}

# ---- part 2: QEMU VM (TCG) with Debian's kernel; the rootfs is the initramfs ------------------
run_vm() {
  local t0=$(date +%s) kernel pkg
  # /dev/kvm here may be PVM (kvm_pvm), on which the stock kernel hangs: always use TCG.
  kernel=$(ls "$CACHE_DIR"/vmlinuz-* 2>/dev/null | head -1)
  if [ -z "$kernel" ]; then
    pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
    if [ -z "$pkg" ]; then apt-get update -qq >>"$WORK/apt.log" 2>&1
      pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}'); fi
    mkdir -p "$WORK/kernel"
    if [ -n "$pkg" ] && (cd "$WORK/kernel" && apt-get download "$pkg" >>"$WORK/apt.log" 2>&1) &&
       dpkg-deb --fsys-tarfile "$WORK"/kernel/"$pkg"_*.deb | tar -C "$WORK/kernel" -x --wildcards './boot/vmlinuz-*'; then
      kernel=$(ls "$WORK"/kernel/boot/vmlinuz-* | head -1)
      cp "$kernel" "$CACHE_DIR/" && kernel=$CACHE_DIR/$(basename "$kernel")
      rm -rf "$WORK/kernel"
      echo "# kernel: $pkg downloaded in $(($(date +%s) - t0)) s"
    else
      not_ok "vm: download Debian's kernel (${pkg:-linux-image-amd64})"; tail -10 "$WORK/apt.log" | diag; return
    fi
  fi
  # Initramfs = the cached rootfs archive + a small archive with this run's payload (the kernel
  # unpacks concatenated archives in order).
  if [ ! -f "$ROOT.cpio.zst" ]; then
    (cd "$ROOT" && find . -xdev | cpio -o -H newc --quiet | zstd -q -3 -T0 >"$ROOT.cpio.zst.tmp") &&
      mv "$ROOT.cpio.zst.tmp" "$ROOT.cpio.zst"
  fi
  local O=$WORK/vm-overlay
  mkdir -p "$O/opt" "$O/etc/systemd/system/multi-user.target.wants"
  cp -a "$P" "$O/opt/payload"
  cat >"$O/etc/systemd/system/mcproxy-vm-checks.service" <<'UNIT'
[Unit]
Description=mcproxy cgroup v2 checks, then power off
After=multi-user.target
[Service]
Type=oneshot
ExecStart=/bin/sh -c '/opt/payload/checks-oom.sh; echo "# vm checks exit $$?"'
StandardOutput=tty
StandardError=tty
TTYPath=/dev/ttyS1
TimeoutStartSec=400
ExecStopPost=/bin/systemctl poweroff --no-block
UNIT
  ln -s ../mcproxy-vm-checks.service "$O/etc/systemd/system/multi-user.target.wants/mcproxy-vm-checks.service"
  ln -s /dev/null "$O/etc/systemd/system/serial-getty@ttyS0.service"
  ln -s /dev/null "$O/etc/systemd/system/serial-getty@ttyS1.service"
  (cd "$O" && find . -mindepth 1 | cpio -o -H newc --quiet -R 0:0 | zstd -q -3 >"$WORK/overlay.cpio.zst")
  cat "$ROOT.cpio.zst" "$WORK/overlay.cpio.zst" >"$WORK/initrd"
  local tb=$(date +%s)
  : >"$WORK/vm-results.log"
  timeout 400 qemu-system-x86_64 -accel tcg,thread=multi -cpu max -smp "$(nproc)" -m 1536 \
    -kernel "$kernel" -initrd "$WORK/initrd" -nographic -no-reboot -nodefaults \
    -append "console=ttyS0 rdinit=/lib/systemd/systemd panic=-1 quiet loglevel=3" \
    -serial file:"$WORK/vm-console.log" -serial file:"$WORK/vm-results.log" >"$WORK/qemu.log" 2>&1 &
  QEMU_PID=$!
  wait "$QEMU_PID"; local rc=$?
  QEMU_PID=
  rm -f "$WORK/initrd" "$WORK/overlay.cpio.zst"
  report "$WORK/vm-results.log"
  if grep -q '^# checks done' "$WORK/vm-results.log"; then
    ok "vm: check script ran to the end"
  else
    not_ok "vm: check script ran to the end"
    { cat "$WORK/qemu.log"; tail -30 "$WORK/vm-console.log"; } | diag
  fi
  [ $rc = 0 ] && ok "vm: powers off by itself" || not_ok "vm: powers off by itself (qemu rc $rc; 124 = timeout)"
  echo "# vm part: $(($(date +%s) - t0)) s (boot + checks $(($(date +%s) - tb)) s)"
}

[ "$what" != vm ] && run_nspawn
[ "$what" != nspawn ] && run_vm
finish
