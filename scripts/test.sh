#!/usr/bin/env bash
# Sets up, builds and runs every test: first the Release build, then the whole suite again
# under AddressSanitizer + UndefinedBehaviorSanitizer. Exit status 0 only if both pass.
# Shared models/reference data are read from ../shared (or HEARTH_SHARED_DIR); tests that need
# a missing file are skipped with its path.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jobs="$(nproc)"

"$here/scripts/setup.sh" "$here/build"
echo "== tests (Release) =="
ctest --test-dir "$here/build" --output-on-failure -j"$jobs"

if [ "${HEARTH_SKIP_SANITIZE:-0}" != 1 ]; then
  echo "== tests (ASan + UBSan) =="
  "$here/scripts/setup.sh" "$here/build-asan" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DHEARTH_SANITIZE=address,undefined -DHEARTH_BUILD_BENCH=OFF
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir "$here/build-asan" --output-on-failure -j"$jobs"
fi
