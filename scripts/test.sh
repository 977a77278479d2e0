#!/usr/bin/env bash
# Sets up, builds and runs every test: the Release build's whole suite, the kernel tests
# cross-compiled for aarch64 (NEON) under qemu, then the whole suite again under AddressSanitizer
# + UndefinedBehaviorSanitizer. Exit status 0 only if all pass.
# HEARTH_SKIP_ARM=1 / HEARTH_SKIP_SANITIZE=1 skip a stage.
# Shared models/reference data are read from ../shared (or HEARTH_SHARED_DIR); tests that need
# a missing file are skipped with its path.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jobs="$(nproc)"

"$here/scripts/setup.sh" "$here/build"

# The server's integration tests need node + npm, Chromium and the pinned npm clients
# (tests/server/package-lock.json), installed into the build directory, never globally.
. "$here/scripts/install_packages.sh"
# Node.js may come from NodeSource (its nodejs ships npm, and Debian's npm package then cannot
# be installed beside it): ask apt for node and npm only when the commands are missing.
command -v node >/dev/null && command -v npm >/dev/null || install_packages nodejs npm
install_packages chromium
node_dir="$here/build/server-test-node"
mkdir -p "$node_dir"
cp "$here/tests/server/package.json" "$here/tests/server/package-lock.json" "$node_dir/"
if ! (cd "$node_dir" && npm ci --no-audit --no-fund --loglevel=error); then
  echo "error: npm ci for the server tests failed in $node_dir" >&2
  exit 1
fi

echo "== tests (Release) =="
ctest --test-dir "$here/build" --output-on-failure -j"$jobs"

if [ "${HEARTH_SKIP_ARM:-0}" != 1 ]; then
  # NEON kernels: cross-compiled for aarch64 and run under qemu (kernel-level tests only: the
  # model-level tests would take too long emulated, and they run natively above).
  echo "== tests (aarch64 NEON under qemu) =="
  . "$here/scripts/install_packages.sh"
  install_packages g++-aarch64-linux-gnu qemu-user
  cmake -S "$here" -B "$here/build-arm" -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_TOOLCHAIN_FILE="$here/cmake/aarch64-linux-gnu.cmake" -DHEARTH_BUILD_BENCH=OFF -DHEARTH_BUILD_TOOLS=OFF >/dev/null
  cmake --build "$here/build-arm" -j"$jobs" --target hearth_tests
  qemu-aarch64 -L /usr/aarch64-linux-gnu "$here/build-arm/tests/hearth_tests" --gtest_brief=1 \
      --gtest_filter='Kernel*:Matmul*:BlockGemm*:Attention*:ThreadPool*:Quantize*:Gguf*:Ops*'
fi

if [ "${HEARTH_SKIP_SANITIZE:-0}" != 1 ]; then
  echo "== tests (ASan + UBSan) =="
  "$here/scripts/setup.sh" "$here/build-asan" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DHEARTH_SANITIZE=address,undefined -DHEARTH_BUILD_BENCH=OFF -DHEARTH_NODE_MODULES="$node_dir/node_modules"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir "$here/build-asan" --output-on-failure -j"$jobs"
fi
