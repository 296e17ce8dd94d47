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
[ ${#targets[@]} -gt 0 ] || targets=(ldif spn attributes files)
build=${FUZZ_BUILD_DIR:-build-fuzz}

CC=clang CXX=clang++ cmake -S . -B "$build" -DSPNSCAN_FUZZ=ON -DSPNSCAN_TESTS=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j2 --target "${targets[@]/#/spnscan_fuzz_}"

# run_target TARGET: fuzzes one target; its verdict goes to $build/fuzz-TARGET.status.
run_target() {
  local target=$1
  local corpus=$build/corpus/$target artifacts=$build/artifacts/$target
  local log=$build/fuzz-$target.log
  mkdir -p "$corpus" "$artifacts"
  fuzz/seeds.sh "$target" "$corpus"
  find fuzz/regressions/"$target" -type f ! -name ".*" -exec cp {} "$corpus"/ \; 2>/dev/null || true
  rm -f "$corpus/README.md"
  local dict=()
  [ -f "fuzz/$target.dict" ] && dict=("-dict=fuzz/$target.dict")
  if "$build/fuzz/spnscan_fuzz_$target" "${dict[@]}" -max_total_time="$seconds" \
      -print_final_stats=1 -artifact_prefix="$artifacts/" "$corpus" >"$log" 2>&1; then
    echo ok >"$build/fuzz-$target.status"
  else
    echo failed >"$build/fuzz-$target.status"
  fi
}

# One target per core at a time (each is single-threaded), so CI pays the time of half of them.
parallel=$(nproc 2>/dev/null || echo 1)
echo "fuzz: ${targets[*]}, ${seconds} s each, $parallel at a time" >&2
for target in "${targets[@]}"; do
  rm -f "$build/fuzz-$target.status"
  while [ "$(jobs -rp | wc -l)" -ge "$parallel" ]; do
    wait -n || true
  done
  run_target "$target" &
done
wait

status=0
for target in "${targets[@]}"; do
  log=$build/fuzz-$target.log
  if [ "$(cat "$build/fuzz-$target.status" 2>/dev/null)" = ok ]; then
    echo "fuzz: $target: $(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1)" >&2
  else
    status=1
    echo "fuzz: $target FAILED; the input is in $build/artifacts/$target/, the log in $log:" >&2
    grep -E 'ERROR|SUMMARY|Test unit written|broken promise|fuzz_' "$log" | head -20 >&2
  fi
done
exit "$status"
