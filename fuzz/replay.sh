#!/usr/bin/env bash
# Replays a fuzz target's regression inputs and its seed corpus once each (CTest runs this for
# every target, in every build): replay.sh REPLAY_BINARY TARGET SOURCE_DIR
set -euo pipefail
binary=$1 target=$2 source=$3
inputs=()
while IFS= read -r -d '' file; do
  inputs+=("$file")
done < <(find "$source/fuzz/regressions/$target" -type f ! -name README.md ! -name ".*" -print0 2>/dev/null)
seeds=$(mktemp -d /tmp/spnscan-seeds-XXXXXX)
trap 'rm -rf "$seeds"' EXIT
"$source/fuzz/seeds.sh" "$target" "$seeds" "$source"
while IFS= read -r -d '' file; do
  inputs+=("$file")
done < <(find "$seeds" -type f -print0)
[ ${#inputs[@]} -gt 0 ] || { echo "replay.sh: no inputs for $target" >&2; exit 1; }
exec "$binary" "${inputs[@]}"
