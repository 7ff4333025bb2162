#!/usr/bin/env bash
# Configures (once) and builds one build directory.
#   scripts/build.sh [BUILD_DIR] [extra meson options...]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${1:-$root/build}"
shift || true
if [ ! -f "$dir/build.ninja" ]; then
  meson setup "$dir" "$root" "$@" >&2
fi
ninja -C "$dir" >&2
