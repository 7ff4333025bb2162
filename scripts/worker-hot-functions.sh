#!/usr/bin/env bash
# Writes worker/hot-functions.txt: the functions an mcproxy-worker runs, which the static worker's
# link (worker/meson.build, with lld) places first and together. The kernel maps 64 KiB of a
# binary around each page a process touches, so a worker's resident text is set by how its code
# is spread, not by how much of it runs: ordered, a worker is ~550 KiB smaller.
#   scripts/worker-hot-functions.sh [BUILD_DIR]   (default: build; needs valgrind)
# Run it after changes that move a worker's work to other functions (a stale list costs memory,
# never correctness), and commit the file.
#
# How: three test-server backends behind mcproxy, each worker under callgrind (which records every
# function that ran), Streamable HTTP and SSE load from the benchmark client, then the union of the
# functions recorded. Added by hand, because callgrind cannot see them: the entry code that runs
# before it takes over, the IFUNC resolvers, and the other SIMD variants of the string functions
# that ran (valgrind's CPU lacks AVX-512, so glibc picks other variants under it than natively).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
worker="$build/worker/mcproxy-worker"
client="$build/bench/mcp-raw-latency"
command -v valgrind >/dev/null || { echo "needs valgrind (apt-get install valgrind)" >&2; exit 1; }
[ -x "$client" ] || { echo "needs $client (a build with -Dbench=true)" >&2; exit 1; }

work="$(mktemp -d)"
trap 'kill "${gateway:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
cat >"$work/valgrind-worker" <<EOF
#!/bin/sh
exec valgrind --tool=callgrind --demangle=no --quiet --callgrind-out-file="$work/cg.%p" "$worker" "\$@"
EOF
chmod +x "$work/valgrind-worker"
servers=""
for i in 0 1 2; do
  servers+="${servers:+,}\"e$i\": {\"command\": \"$build/tests/testserver/mcp-test-server\", \"args\": [\"--name\", \"e$i\"]}"
done
echo "{\"mcpServers\": {$servers}}" >"$work/config.json"

port=$((20000 + RANDOM % 20000))
MCPROXY_WORKER="$work/valgrind-worker" "$build/supervisor/mcproxy" --config "$work/config.json" \
  --listen "127.0.0.1:$port" --log >"$work/gateway.log" 2>&1 &
gateway=$!
for _ in $(seq 300); do  # callgrind starts slowly: up to 60 s for "ready"
  grep -q "NOTICE ready: 3/3" "$work/gateway.log" && break
  kill -0 "$gateway" 2>/dev/null || { cat "$work/gateway.log" >&2; exit 1; }
  sleep 0.2
done
grep -q "NOTICE ready: 3/3" "$work/gateway.log" || { echo "the workers did not get ready" >&2; exit 1; }
for transport in http sse; do
  path=mcp; [ "$transport" = sse ] && path=sse
  "$client" "$transport" --url "http://127.0.0.1:$port/$path" --tool 'e{i}__echo' --tools-mod 3 \
    --sessions 3 --duration 3 --warmup 1 >/dev/null
done
kill "$gateway"
wait "$gateway" || true
gateway=""

# lld orders every section that defines a listed name: a C local name that several objects use
# (glibc's read_int: printf's, wprintf's and scanf's) would bring them all, so only C names
# defined once are kept. C++ names defined more than once are one function's copies (clones per
# translation unit) and all of them stay.
nm --defined-only "$worker" | awk '{print $3}' | sort | uniq -c |
  awk '$1 == 1 || $2 ~ /^_Z/ { print $2 }' >"$work/symbols"
{
  # Every function callgrind named (fn= and cfn= lines define a name the first time).
  grep -ho 'fn=([0-9]*) .*' "$work"/cg.* | sed 's/^fn=([0-9]*) //' | grep -v "^0x\|^(below main)$\|'"
  # glibc's static start-up runs before callgrind takes over: it makes a link map for the
  # program and the vDSO and looks up the vDSO's clock functions.
  printf '%s\n' _start __libc_start_main __libc_start_main_impl __libc_start_call_main main \
    _dl_non_dynamic_init _dl_new_object _dl_add_to_namespace_list _dl_setup_hash \
    _dl_lookup_symbol_x do_lookup_x _dl_name_match_p
  grep '_ifunc$' "$work/symbols"
} >"$work/hot"
# The AVX2, EVEX and AVX-512 variants of each string function that ran (TSX variants left out).
for base in $(grep -o '^__[a-z]*_\(avx\|evex\|sse\)' "$work/hot" | sed 's/_\(avx\|evex\|sse\)$//' | sort -u); do
  grep -E "^${base}_(avx|evex)" "$work/symbols" | grep -v '_rtm\|no_vzeroupper' >>"$work/hot" || true
done
# Only names the binary defines, sorted (the hot part is resident as a whole, so its inner order
# hardly matters, and a sorted file changes only where the work did).
awk 'NR == FNR { defined[$0] = 1; next } defined[$0]' "$work/symbols" "$work/hot" | LC_ALL=C sort -u \
  >"$root/worker/hot-functions.txt"
echo "worker/hot-functions.txt: $(wc -l <"$root/worker/hot-functions.txt") functions"
