#!/usr/bin/env bash
# One interleaved run of hearth against llama.cpp (the ../shared/peer script) on the same files:
# pp512 at hearth's avx2 / avxvnni / default levels against llama.cpp builds reduced to its
# haswell / alderlake variants / its own choice, then tg128 at the default level, -t 1 and 2.
# Usage: bench/compare_levels.sh HEARTH_BIN PEER_DIR MODEL.gguf...
#   PEER_DIR holds llamacpp.mjs and node_modules (npm install node-llama-cpp); the script makes
#   PEER_DIR-haswell and PEER_DIR-alderlake copies with the other libggml-cpu-*.so deleted.
set -euo pipefail
hearth="$1"; peer="$2"; shift 2
libs() { echo "$1"/node_modules/@node-llama-cpp/linux-x64/bins/linux-x64; }
for v in haswell alderlake; do
  if [ ! -d "$peer-$v" ]; then
    cp -r "$peer" "$peer-$v"
    find "$(libs "$peer-$v")" -name 'libggml-cpu-*.so' ! -name "libggml-cpu-$v.so" -delete
  fi
done
median() { python3 -c 'import json,sys,statistics; print(round(statistics.median(json.load(sys.stdin)[sys.argv[1]]), 2))' "$1"; }
hearth_tps() { HEARTH_ISA="$1" "$hearth" bench -m "$2" $3 -r 3 -t "$4" 2>&1 | grep -E "\| +$4 \| (pp|tg)" | awk -F'|' '{gsub(/ /, "", $4); print $4}'; }
peer_tps() { (cd "$1" && node llamacpp.mjs bench "$2" $3 -t "$4" -r 3 2>/dev/null | tail -1 | median "$5"); }
date -u
for model in "$@"; do
  for t in 1 2; do
    for pair in avx2:-haswell avxvnni:-alderlake default:; do
      isa="${pair%%:*}"; dir="$peer${pair#*:}"
      echo "pp512 $(basename "$model") -t $t $isa: hearth $(hearth_tps "$isa" "$model" "-p 512 -n 0" "$t")" \
           "llama.cpp$(basename "$dir" | sed "s|^$(basename "$peer")||") $(peer_tps "$dir" "$model" "-p 512 -n 0" "$t" pp_tps)"
    done
    echo "tg128 $(basename "$model") -t $t: hearth $(hearth_tps default "$model" "-p 0 -n 128" "$t")" \
         "llama.cpp $(peer_tps "$peer" "$model" "-p 0 -n 128" "$t" tg_tps)"
  done
done
date -u
