#!/usr/bin/env bash
# The README's second command and what CI runs: install, build, and run the whole test suite
# three ways:
#   1. spnscan.exe cross-built with MinGW (scripts/build-windows.sh, warnings are errors), then
#      the normal build (warnings are errors): unit, end-to-end, live slapd, scripted LDAP
#      server, Samba AD DC, fuzz regression replays, the test servers' self-checks, and the
#      "wine:" group holding spnscan.exe against it under Wine; beside it, the format and
#      clang-tidy gates (scripts/lint.sh);
#   2. an ASan + UBSan build: the same unit, end-to-end, live and replay tests;
#   3. each libFuzzer target for SPNSCAN_FUZZ_SECONDS (default 20) from its seeds (longer
#      campaigns: scripts/fuzz.sh SECONDS).
# A live test whose server cannot start fails (tests/e2e/servers.hpp): a suite that did not run
# is not a green suite. SPNSCAN_QUICK=1 runs step 1 only.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh

status=0

# run_suite LABEL BUILD_DIR [CMAKE_OPTION...]: builds into BUILD_DIR and runs its CTest suite.
# With $BESIDE, that command runs in the background meanwhile, and the Samba DC's group runs on
# its own after it: the DC's provisioning is the one fixture that is not reliable on a loaded
# machine (under clang-tidy's load it once planted a fifteenth finding).
run_suite() {
  local label=$1 build=$2
  shift 2
  echo "== $label ==" >&2
  BUILD_DIR=$build scripts/build.sh -DSPNSCAN_WERROR=ON "$@"
  local exclude=${CTEST_EXCLUDE:-}
  local beside_pid="" beside_log=""
  if [ -n "${BESIDE:-}" ]; then
    beside_log=$(mktemp /tmp/spnscan-beside-XXXXXX)
    bash -c "$BESIDE" >"$beside_log" 2>&1 &
    beside_pid=$!
    exclude="${exclude:+$exclude|}^e2e: live Samba"
  fi
  (cd "$build" && ctest --output-on-failure -j2 --timeout 900 ${exclude:+-E "$exclude"}) || status=1
  if [ -n "$beside_pid" ]; then
    echo "== $BESIDE ==" >&2
    wait "$beside_pid" || status=1
    cat "$beside_log" >&2
    rm -f "$beside_log"
    (cd "$build" && ctest --output-on-failure --timeout 900 -R "^e2e: live Samba") || status=1
  fi
}

echo "== spnscan.exe (MinGW) ==" >&2
windows_build=${WINDOWS_BUILD_DIR:-build-windows}
BUILD_DIR=$windows_build scripts/build-windows.sh -DSPNSCAN_WERROR=ON || status=1
# The format and clang-tidy gates run beside the suite: its live tests mostly wait on their
# servers (slapd, Samba, the container, Wine), and clang-tidy fills the two cores meanwhile.
BESIDE="BUILD_DIR=${BUILD_DIR:-build} scripts/lint.sh" \
  run_suite "tests" "${BUILD_DIR:-build}" -DSPNSCAN_WINDOWS_BUILD="$PWD/$windows_build"
if [ "${SPNSCAN_QUICK:-0}" != 1 ]; then
  # The servers' self-checks test Python and shell, not spnscan; the container, browser and
  # package checks test what ships, not memory safety: once is enough. The Samba DC's scans run
  # once too (the time budget): under ASan the same libldap paths (TLS, paging, ranged values,
  # references, failures) run against slapd and the scripted server.
  # A Debug build compiles fastest; the live tests' time is the servers' anyway.
  CTEST_EXCLUDE="^(support|container|browser|package):|^e2e: live Samba" BUILD_TYPE=Debug ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
    LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0" \
    UBSAN_OPTIONS=print_stacktrace=1 \
    run_suite "tests under ASan and UBSan" "${ASAN_BUILD_DIR:-build-asan}" -DSPNSCAN_SANITIZE=ON
  echo "== fuzzing ==" >&2
  scripts/fuzz.sh "${SPNSCAN_FUZZ_SECONDS:-20}" || status=1
fi

exit "$status"
