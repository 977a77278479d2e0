#!/usr/bin/env bash
# Sets hearth up (packages + Release build, only what is missing) and runs the CLI.
# Without arguments it generates a short story with the bundled demo model.
#   scripts/hearth.sh                              # demo: a story from stories260K
#   scripts/hearth.sh chat -m path/to/model.gguf   # chat with your own GGUF
#   scripts/hearth.sh info path/to/model.gguf      # any other subcommand
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ ! -x "$here/build/bin/hearth" ] || [ -n "$(find "$here/src" "$here/include" "$here/kernels" "$here/tools" -newer "$here/build/bin/hearth" -print -quit)" ]; then
  "$here/scripts/setup.sh" "$here/build" >&2
fi
if [ "$#" -eq 0 ]; then
  set -- run -m "$here/examples/models/stories260K.gguf" -p "Once upon a time" -n 200 --temp 0.8 --seed 42
fi
exec "$here/build/bin/hearth" "$@"
