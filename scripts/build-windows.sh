#!/usr/bin/env bash
# Cross-builds spnscan.exe for 64-bit Windows with Debian's MinGW-w64 (cmake/mingw-w64-x86_64.cmake)
# into ${BUILD_DIR:-build-windows}: the static spnscan.exe, spnscan_platform_tests.exe (the
# Windows platform code's tests, run under Wine by the Linux build's "wine:" tests) and the
# release zip spnscan-VERSION-windows-x64.zip (exe, man pages as text, README, licences).
#   scripts/build-windows.sh [CMAKE_OPTION...]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build-windows}
cmake -S . -B "$build" -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64-x86_64.cmake \
  -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build "$build" -j2
