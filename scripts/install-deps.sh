#!/usr/bin/env bash
# Installs what building (and, with --test, testing) MCProxy needs on Debian 12.
# Idempotent: packages already present are not fetched again.
set -euo pipefail

# lld: links the static worker with its hot functions first (worker/meson.build).
build_packages=(g++ meson ninja-build pkg-config libasio-dev libcpp-httplib-dev rapidjson-dev libssl-dev libgcrypt20-dev
                libboost-dev libsystemd-dev lld)
# clang and its runtimes (libFuzzer, sanitizers; a Recommends only) build tests/fuzz.
# clang-format: the format check of every C++ file against .clang-format.
test_packages=(libgtest-dev libgmock-dev nodejs npm procps clang libclang-rt-dev clang-format)

want=("${build_packages[@]}")
if [ "${1:-}" = "--test" ]; then want+=("${test_packages[@]}"); fi

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node may come from outside Debian's packages (as on CI machines); any node >= 20 will do.
if command -v node >/dev/null && [ "$(node -p 'process.versions.node.split(".")[0]')" -ge 20 ]; then
  missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
fi
missing=($(printf '%s\n' "${missing[@]}" | grep -v '^$' || true))

if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing: ${missing[*]}" >&2
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
