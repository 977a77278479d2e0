#!/usr/bin/env bash
# Installs hearth into a temporary prefix, builds examples/minimal against it with
# find_package(hearth), and runs it on the demo model: the way a host application links hearth.
# usage: install_consumer_test.sh BUILD_DIR SOURCE_DIR MODEL
set -euo pipefail
build="$1"; src="$2"; model="$3"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" >/dev/null
cmake -S "$src/examples/minimal" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/build" >/dev/null
out="$("$work/build/minimal" "$model" "Once upon a time")"
echo "$out"
case "$out" in
  *"little girl named Lily"*) echo "consumer build OK" ;;
  *) echo "unexpected output from the installed-library example" >&2; exit 1 ;;
esac
