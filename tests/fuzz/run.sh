#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan, in their own build directory) and runs each
# for a short budget, starting from the seed corpus in tests/fuzz/corpus/<target>/. Prints one
# TAP line per target and ends with "# pass N" and "# fail N".
#   tests/fuzz/run.sh                   every target, FUZZ_SECONDS (default 15) each
#   tests/fuzz/run.sh sse config        only these targets
#   FUZZ_SECONDS=300 tests/fuzz/run.sh  a longer run (tests/fuzz/README.md has figures)
#   FUZZ_BUILD_DIR=...                  build directory (default build-fuzz)
#   FUZZ_BUILD_ONLY=1                   build the targets, run nothing
# New inputs a run finds go to $FUZZ_BUILD_DIR/corpus/<target>/, never into the repository; a
# crashing input is saved as $FUZZ_BUILD_DIR/artifacts/<target>-crash-* and its log is printed.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${FUZZ_BUILD_DIR:-$root/build-fuzz}"
seconds="${FUZZ_SECONDS:-15}"
all_targets=(jsonrpc sse line_framer config http_request)
targets=("$@")
[ "${#targets[@]}" -gt 0 ] || targets=("${all_targets[@]}")

if ! command -v clang++ >/dev/null; then
  echo "not ok 1 - clang++ not found (scripts/install-deps.sh --test installs it)"
  echo "# pass 0"
  echo "# fail 1"
  exit 1
fi

# -g1: line tables are all a report needs, and the build takes a third less time than with -g.
# The project's code gets coverage instrumentation (fuzzer-no-link) and the sanitizers; only
# the targets link libFuzzer's main (tests/fuzz/meson.build). UBSan findings abort, so that
# libFuzzer reports them as crashes; the one check left out in a third-party header is explained
# in tests/fuzz/ubsan-ignorelist.txt.
cpp_args="-g1 -fsanitize=fuzzer-no-link -fno-sanitize-recover=undefined"
cpp_args+=" -fsanitize-ignorelist=$root/tests/fuzz/ubsan-ignorelist.txt"
if [ ! -f "$build/build.ninja" ]; then
  setup_log=$(mktemp)
  if ! CXX=clang++ meson setup "$build" "$root" -Dfuzzers=true -Dunit_tests=false \
      -Dbuildtype=debugoptimized -Db_sanitize=address,undefined -Db_lundef=false \
      "-Dcpp_args=$cpp_args" >"$setup_log" 2>&1; then
    tail -40 "$setup_log"; rm -f "$setup_log"
    echo "not ok 1 - meson setup of the fuzz build"
    echo "# pass 0"
    echo "# fail 1"
    exit 1
  fi
  rm -f "$setup_log"
fi
if ! ninja -C "$build" "${targets[@]/#/tests/fuzz/fuzz-}" >"$build/fuzz-build.log" 2>&1; then
  tail -40 "$build/fuzz-build.log"
  echo "not ok 1 - build of the fuzz targets"
  echo "# pass 0"
  echo "# fail 1"
  exit 1
fi

# scripts/test.sh builds ahead in the background and runs the targets later.
if [ "${FUZZ_BUILD_ONLY:-0}" = 1 ]; then exit 0; fi

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:symbolize=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
pass=0
fail=0
n=0
mkdir -p "$build/artifacts"
for t in "${targets[@]}"; do
  n=$((n + 1))
  seeds="$root/tests/fuzz/corpus/$t"
  work="$build/corpus/$t"
  log="$build/fuzz-$t.log"
  mkdir -p "$work"
  dict=()
  [ -f "$root/tests/fuzz/$t.dict" ] && dict=("-dict=$root/tests/fuzz/$t.dict")
  # The first corpus directory receives what the run finds; the seeds are only read. Every
  # seed runs first, so an input that once crashed a target is replayed on each run.
  "$build/tests/fuzz/fuzz-$t" "$work" "$seeds" "${dict[@]}" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -print_final_stats=1 -artifact_prefix="$build/artifacts/$t-" >"$log" 2>&1
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\)/\1/p' "$log" | tail -1)
  cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1)
  if [ "$rc" -eq 0 ] && [ -n "$execs" ]; then
    pass=$((pass + 1))
    echo "ok $n - $t (${execs} execs)"
    echo "#   $t: $cov, corpus $(find "$work" -type f | wc -l) inputs"
  else
    fail=$((fail + 1))
    echo "not ok $n - $t (${execs:-0} execs, exit $rc)"
    grep -E 'ERROR: |fuzz property violated|runtime error|SUMMARY|Test unit written' "$log" \
      | head -20 | sed 's/^/#   /'
  fi
done
echo "# pass $pass"
echo "# fail $fail"
[ "$fail" -eq 0 ]
