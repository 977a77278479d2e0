#!/usr/bin/env bash
# Installs hearth's build dependencies (Debian/Ubuntu packages) and builds it in Release.
# Usage: scripts/setup.sh [BUILD_DIR] [extra cmake args...]   (default BUILD_DIR: build)
# Set HEARTH_SKIP_APT=1 to skip the package step (e.g. no root).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$here/build}"
shift || true

packages=(build-essential cmake ninja-build pkg-config
          libeigen3-dev libxsimd-dev libgtest-dev libgmock-dev libbenchmark-dev libfmt-dev
          nlohmann-json3-dev libcpp-httplib-dev libcli11-dev)

. "$here/scripts/install_packages.sh"
install_packages "${packages[@]}"

cmake -S "$here" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build "$build" -j"$(nproc)"
