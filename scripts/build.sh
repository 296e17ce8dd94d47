#!/usr/bin/env bash
# Configures and builds spnscan with both cores into build/ (BUILD_DIR overrides).
# Extra arguments go to cmake's configure step, e.g. -DSPNSCAN_SANITIZE=ON; TARGET=spnscan builds
# only the tool.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo} "$@" >/dev/null
cmake --build "$build" -j2 ${TARGET:+--target "$TARGET"}
