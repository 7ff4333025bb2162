#!/usr/bin/env bash
# Builds MCProxy and runs every test: GoogleTest units and the end-to-end suite (real binary,
# real backends, the official MCP SDK client), first in a plain build, then in one built with
# AddressSanitizer and UndefinedBehaviorSanitizer; and the systemd integration checks under a
# real systemd 252 in systemd-nspawn and in a QEMU VM. Ends with "N passed, N failed".
#   scripts/test.sh            everything
#   SANITIZERS=0 scripts/test.sh   skip the sanitizer pass
#   SYSTEMD_TESTS=0 scripts/test.sh   skip the tests under a real systemd (nspawn + VM, root)
#   CONFORMANCE_TESTS=0 scripts/test.sh   skip the official MCP conformance suite
#   CHAOS_TESTS=0 scripts/test.sh   skip the chaos test (load + random faults, CHAOS_SECONDS=60)
#   FUZZ_TESTS=0 scripts/test.sh   skip the libFuzzer targets (FUZZ_SECONDS each, default 10)
#   TSAN_TESTS=0 scripts/test.sh   skip the ThreadSanitizer pass
#   BACKGROUND_BUILDS=0 scripts/test.sh   build the sanitizer and fuzz builds only when needed,
#                                         not in the background while the plain tests run
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
"$root/scripts/install-deps.sh" --test || exit 1
(cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error) >&2 || exit 1

passed=0
failed=0
logs="$root/build-logs"
mkdir -p "$logs"
rm -f "$logs"/*-build.rc  # a build's status from an earlier run must not stand for this one's

# Adds a runner's counts to the totals; a runner that printed no count at all failed to run.
count_gtest() {  # log file
  local p f
  p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) tests\?\..*/\1/p' "$1" | tail -1)
  f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) tests\?, listed below.*/\1/p' "$1" | tail -1)
  # --gtest_brief=1 prints no "listed below" summary, only a line per failed test.
  [ -n "$f" ] || f=$(grep -cE '^\[  FAILED  \] .*\([0-9]+ ms\)$' "$1")
  [ "$f" != 0 ] || f=""
  [ -n "$p" ] || [ -n "$f" ] || f=1
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
}
count_node() {  # log file
  local p f
  p=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$1" | tail -1)
  f=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$1" | tail -1)
  [ -n "$p" ] || [ -n "$f" ] || f=1
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
}

# The sanitizer and fuzz builds are made in the background, niced, while the plain build's tests
# run (those mostly wait on processes and sockets): on a 2-core machine this saves the better
# part of their build time. Each build leaves its exit status in $logs/<label>-build.rc.
background_build() {  # label build_dir [meson options...]
  local label="$1" dir="$2"
  shift 2
  nice -n 15 "$root/scripts/build.sh" "$dir" "$@" >"$logs/$label-build.log" 2>&1
  echo $? >"$logs/$label-build.rc"
}

build_done() {  # label build_dir [meson options...]: waits for the background build, or builds
  local label="$1" dir="$2"
  shift 2
  if [ -n "${background_pid:-}" ]; then
    while [ ! -f "$logs/$label-build.rc" ] && kill -0 "$background_pid" 2>/dev/null; do
      sleep 1  # polling a file another process writes; not a synchronization between tests
    done
  fi
  if [ -f "$logs/$label-build.rc" ]; then
    [ "$(cat "$logs/$label-build.rc")" = 0 ]
    return
  fi
  "$root/scripts/build.sh" "$dir" "$@" >"$logs/$label-build.log" 2>&1
}

# Prints, for each failed node test in a TAP log, its location and the first lines of its error,
# so that a failure on a machine whose logs are gone can still be read from this output.
node_failure_details() {  # log file
  awk '
    /^ *not ok / { inblock = 0; pending = 1; next }
    pending && /^ *---$/ { inblock = 1; pending = 0; shown = 0; next }
    inblock && /^ *\.\.\.$/ { inblock = 0; next }
    inblock && /^ *location:/ { print "    " $0; next }
    inblock && /^ *error:/ { shown = 1; print "    " $0; next }
    inblock && shown && /^ *(code|name|expected|actual|operator|stack|failureType):/ { shown = 0 }
    inblock && shown && shown++ <= 12 { print "    " $0 }
  ' "$1" | head -120
}

run_format_check() {  # every tracked C++ file as .clang-format writes it: one test
  echo "=== format (clang-format $(clang-format --version | grep -o '[0-9][0-9.]*' | head -1))"
  local bad
  bad=$(cd "$root" && { git ls-files '*.cpp' '*.hpp' 2>/dev/null ||
        find . -path './build*' -prune -o -path '*/node_modules' -prune -o \( -name '*.cpp' -o -name '*.hpp' \) -print; } |
        xargs clang-format --dry-run 2>&1 |
        sed -n 's/^\([^ :]*\.[ch]pp\):[0-9]*:[0-9]*: .*clang-format-violations.*/\1/p' | sort -u)
  if [ -z "$bad" ]; then
    echo "ok - every C++ file is formatted"
    passed=$((passed + 1))
  else
    echo "not ok - not formatted (run clang-format -i on them):"
    echo "$bad" | sed 's/^/    /'
    failed=$((failed + 1))
  fi
}

run_suite() {  # label build_dir [meson options...]
  local label="$1" dir="$2"
  shift 2
  echo "=== $label: build ($dir)"
  if ! build_done "$label" "$dir" "$@"; then
    tail -50 "$logs/$label-build.log"
    echo "$label: build failed"
    failed=$((failed + 1))
    return
  fi
  echo "=== $label: unit tests"
  "$dir/tests/unit/unit-tests" --gtest_brief=1 >"$logs/$label-unit.log" 2>&1
  grep -E '^\[  (PASSED|FAILED) |FAILED|runtime error|AddressSanitizer' "$logs/$label-unit.log" | head -40
  count_gtest "$logs/$label-unit.log"
  if [ -x "$dir/bench/raw-client-tests" ]; then  # the benchmark client's own parsers
    "$dir/bench/raw-client-tests" --gtest_brief=1 >"$logs/$label-raw-client.log" 2>&1
    grep -E '^\[  (PASSED|FAILED) |FAILED|runtime error|AddressSanitizer' "$logs/$label-raw-client.log" | head -20
    count_gtest "$logs/$label-raw-client.log"
  fi
  echo "=== $label: end-to-end tests"
  MCPROXY_BUILD_DIR="$dir" timeout 900 "$root/tests/e2e/run.sh" >"$logs/$label-e2e.log" 2>&1
  grep -E '^not ok|^ +not ok|^# (pass|fail)' "$logs/$label-e2e.log" | head -40
  node_failure_details "$logs/$label-e2e.log"
  count_node "$logs/$label-e2e.log"
}

run_conformance() {  # the official MCP conformance suites through the plain build's gateway
  echo "=== conformance suite through the gateway"
  MCPROXY_BUILD_DIR="$root/build" timeout 300 "$root/tests/conformance/run.sh" \
    >"$logs/conformance.log" 2>&1
  grep -E '^not ok|^# (pass|fail)' "$logs/conformance.log"
  count_node "$logs/conformance.log"
  echo "=== conformance 0.2.0-alpha.12: requirement sets 2026-07-28 and 2025-11-25"
  MCPROXY_BUILD_DIR="$root/build" timeout 400 "$root/tests/conformance/run-2026.sh" \
    >"$logs/conformance-2026.log" 2>&1
  grep -E '^not ok|^# (pass|fail)' "$logs/conformance-2026.log"
  count_node "$logs/conformance-2026.log"
}

# The systemd checks mostly wait on a booting container and a QEMU VM (one core, and on a
# fresh machine on fetching a Debian rootfs), so they run beside the conformance and chaos
# tests; their results are counted once they end.
start_systemd() {  # the plain build's binaries under a real systemd (nspawn and a QEMU VM)
  (
    "$root/tests/systemd/verify-units.sh" >"$logs/systemd-verify.log" 2>&1
    MCPROXY_BUILD_DIR="$root/build" timeout 900 "$root/tests/systemd/run.sh" all \
      >"$logs/systemd-run.log" 2>&1
  ) &
  systemd_pid=$!
}

finish_systemd() {
  wait "$systemd_pid"
  echo "=== systemd: unit files"
  grep -E '^not ok|^# (pass|fail)' "$logs/systemd-verify.log"
  count_node "$logs/systemd-verify.log"
  echo "=== systemd: nspawn and VM"
  grep -E '^not ok|^# (pass|fail)' "$logs/systemd-run.log"
  count_node "$logs/systemd-run.log"
}

run_fuzz() {  # the libFuzzer targets (tests/fuzz) in their own clang build, a short budget each
  local start=$SECONDS
  echo "=== fuzz: build-fuzz, ${FUZZ_SECONDS:-10} s per target"
  FUZZ_SECONDS="${FUZZ_SECONDS:-10}" timeout 600 "$root/tests/fuzz/run.sh" >"$logs/fuzz.log" 2>&1
  grep -E '^(not )?ok|^#   |^# (pass|fail)' "$logs/fuzz.log"
  count_node "$logs/fuzz.log"
  echo "fuzz: $((SECONDS - start)) s"
}

run_tsan() {  # ThreadSanitizer (gcc): the units and the concurrency-heavy end-to-end files
  local dir="$root/build-tsan" start=$SECONDS reports
  echo "=== tsan: build ($dir)"
  if ! build_done tsan "$dir" "${tsan_options[@]}"; then
    tail -50 "$logs/tsan-build.log"
    echo "tsan: build failed"
    failed=$((failed + 1))
    return
  fi
  # The suppressions file says why each of its entries is not a race of ours.
  export TSAN_OPTIONS="${TSAN_OPTIONS:-second_deadlock_stack=1 suppressions=$root/tests/tsan-suppressions.txt}"
  echo "=== tsan: unit tests"
  "$dir/tests/unit/unit-tests" --gtest_brief=1 >"$logs/tsan-unit.log" 2>&1
  grep -E '^\[  (PASSED|FAILED) |FAILED|ThreadSanitizer' "$logs/tsan-unit.log" | head -40
  count_gtest "$logs/tsan-unit.log"
  # A report does not fail a GoogleTest test; each one counts as a failure here.
  reports=$(grep -c 'WARNING: ThreadSanitizer' "$logs/tsan-unit.log")
  failed=$((failed + reports))
  echo "=== tsan: end-to-end tests (concurrency, transports, crash)"
  # The gateway's stderr, which its workers share, is checked for reports by every e2e test.
  MCPROXY_BUILD_DIR="$dir" timeout 600 "$root/tests/e2e/run.sh" concurrency transports crash \
    >"$logs/tsan-e2e.log" 2>&1
  grep -E '^not ok|^ +not ok|^# (pass|fail)|ThreadSanitizer' "$logs/tsan-e2e.log" | head -40
  node_failure_details "$logs/tsan-e2e.log"
  count_node "$logs/tsan-e2e.log"
  echo "tsan: $((SECONDS - start)) s"
}

run_chaos() {  # tests/chaos: load from 16 sessions on 10 backends with random faults (plain build)
  local start=$SECONDS
  echo "=== chaos: ${CHAOS_SECONDS:-60} s of load and faults (plain build)"
  MCPROXY_BUILD_DIR="$root/build" CHAOS_REPORT="$logs/chaos.json" \
    timeout $((${CHAOS_SECONDS:-60} + 600)) "$root/tests/chaos/run.sh" >"$logs/chaos.log" 2>&1
  grep -E '^not ok|^ +not ok|^# (pass|fail)|^# (chaos seed|calls|faults|violations|supervisor|baseline)' \
    "$logs/chaos.log" | head -40
  count_node "$logs/chaos.log"
  echo "chaos: $((SECONDS - start)) s (figures: $logs/chaos.json, gateway log: $logs/chaos.gateway.log)"
}

export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0"
# -g1: line tables are all a sanitizer report needs; full debug info doubles the build time.
# -Wno-maybe-uninitialized: with -fsanitize=address and -O2, GCC 12 warns inside libstdc++'s
# <regex> (std::function moved out of a _State it considers uninitialized; GCC bug 105562).
# -Dbench=false: the benchmark client is not what these builds check, and they are on the
# critical path of this script.
asan_options=(-Db_sanitize=address,undefined -Dbuildtype=debugoptimized -Db_lundef=false -Dbench=false
              "-Dcpp_args=-g1 -fno-omit-frame-pointer -Wno-maybe-uninitialized")
# -Wno-tsan: GCC 12 warns that TSan does not model std::atomic_thread_fence, which Asio's
# std_fenced_block puts around handler calls; Asio hands handlers between threads under its
# scheduler's mutex, which TSan does see.
tsan_options=(-Db_sanitize=thread -Dbuildtype=debugoptimized -Dbench=false "-Dcpp_args=-g1 -Wno-tsan")
# The plain build first, alone (its tests need it); the background builds then start at once and
# overlap the plain tests too. run_suite finds the build's status in plain-build.rc.
"$root/scripts/build.sh" "$root/build" >"$logs/plain-build.log" 2>&1
echo $? >"$logs/plain-build.rc"
if [ "${BACKGROUND_BUILDS:-1}" != 0 ]; then
  (
    if [ "${SANITIZERS:-1}" != 0 ]; then background_build sanitizers "$root/build-asan" "${asan_options[@]}"; fi
    if [ "${TSAN_TESTS:-1}" != 0 ]; then background_build tsan "$root/build-tsan" "${tsan_options[@]}"; fi
    if [ "${FUZZ_TESTS:-1}" != 0 ]; then
      FUZZ_BUILD_ONLY=1 nice -n 15 "$root/tests/fuzz/run.sh" >"$logs/fuzz-build.log" 2>&1
    fi
  ) &
  background_pid=$!
fi
run_format_check
run_suite plain "$root/build"
if [ "${SYSTEMD_TESTS:-1}" != 0 ]; then start_systemd; fi
if [ "${CONFORMANCE_TESTS:-1}" != 0 ]; then run_conformance; fi
if [ "${CHAOS_TESTS:-1}" != 0 ]; then run_chaos; fi
if [ "${SYSTEMD_TESTS:-1}" != 0 ]; then finish_systemd; fi
if [ "${SANITIZERS:-1}" != 0 ]; then run_suite sanitizers "$root/build-asan" "${asan_options[@]}"; fi
if [ "${TSAN_TESTS:-1}" != 0 ]; then run_tsan; fi
# The fuzz build is the last of the background chain; run.sh must not build alongside it.
[ -z "${background_pid:-}" ] || wait "$background_pid"
if [ "${FUZZ_TESTS:-1}" != 0 ]; then run_fuzz; fi
echo "logs: $logs"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
