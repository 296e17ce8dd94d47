#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan) into build-fuzz/ and runs each for a
# while; fails when one crashes or breaks one of its checks. CI runs it after the tests.
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     (default: 60 s, every target)
# A crash leaves its input in build-fuzz/artifacts/<target>/: add it to
# fuzz/regressions/<target>/ with the fix, so every build replays it (fuzz/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(ldif spn attributes)
build=${FUZZ_BUILD_DIR:-build-fuzz}

CC=clang CXX=clang++ cmake -S . -B "$build" -DSPNSCAN_FUZZ=ON -DSPNSCAN_TESTS=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j2 --target "${targets[@]/#/spnscan_fuzz_}"

status=0
for target in "${targets[@]}"; do
  corpus=$build/corpus/$target
  artifacts=$build/artifacts/$target
  mkdir -p "$corpus" "$artifacts"
  fuzz/seeds.sh "$target" "$corpus"
  find fuzz/regressions/"$target" -type f ! -name ".*" -exec cp {} "$corpus"/ \; 2>/dev/null || true
  rm -f "$corpus/README.md"
  dict=()
  [ -f "fuzz/$target.dict" ] && dict=("-dict=fuzz/$target.dict")
  log=$build/fuzz-$target.log
  echo "fuzz: $target for ${seconds} s" >&2
  if "$build/fuzz/spnscan_fuzz_$target" "${dict[@]}" -max_total_time="$seconds" \
      -print_final_stats=1 -artifact_prefix="$artifacts/" "$corpus" >"$log" 2>&1; then
    grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1 >&2 || true
  else
    status=1
    echo "fuzz: $target FAILED; the input is in $artifacts/, the log in $log:" >&2
    grep -E 'ERROR|SUMMARY|Test unit written' "$log" | head -20 >&2
  fi
done
exit "$status"
