#!/usr/bin/env bash
# Rewrites tests/golden/ from the real pipeline (tests/unit/test_report_golden.cpp): run it after
# a deliberate change of wording or format, then review `git diff tests/golden`.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
TARGET=spnscan_unit_tests BUILD_DIR=$build scripts/build.sh
SPNSCAN_UPDATE_GOLDEN=1 "$build/tests/spnscan_unit_tests" "[golden]"
git --no-pager diff --stat tests/golden
