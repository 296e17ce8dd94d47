#!/usr/bin/env bash
# The format and lint gates (what CI checks before the tests): every tracked C++ file must be
# formatted as .clang-format says (clang-format 14; `scripts/lint.sh --fix` reformats), and
# clang-tidy (.clang-tidy) must find nothing in the sources and the headers they include.
# (The Windows code is built whole, warnings as errors, by scripts/test.sh's MinGW build.)
# Needs a configured build/ (compile_commands.json): scripts/build.sh makes one.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
# Every C++ file of the project: git's list in a clone; in a copy without git (a release
# tarball, scripts/fresh-machine-check.sh) the same folders searched.
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files '*.cpp' '*.hpp')
else
  mapfile -t files < <(find src tests fuzz bench \( -name '*.cpp' -o -name '*.hpp' \) -type f | sort)
fi

if [ "${1:-}" = "--fix" ]; then
  clang-format -i "${files[@]}"
  exit 0
fi

status=0
echo "lint: clang-format" >&2
if ! clang-format --dry-run -Werror "${files[@]}" 2>/tmp/spnscan-format.$$; then
  echo "lint: these files are not formatted (scripts/lint.sh --fix):" >&2
  grep -o '^[^:]*\.[ch]pp' /tmp/spnscan-format.$$ | sort -u >&2
  status=1
fi
rm -f /tmp/spnscan-format.$$

echo "lint: clang-tidy" >&2
[ -f "$build/compile_commands.json" ] || { echo "lint: no $build/compile_commands.json: run scripts/build.sh" >&2; exit 1; }
run-clang-tidy-14 -p "$build" -j 2 -quiet -extra-arg=-Wno-unknown-warning-option 'src/spnscan/.*\.cpp' >/tmp/spnscan-tidy.$$ 2>&1 || true
if grep -qE 'warning:|error:' /tmp/spnscan-tidy.$$; then
  grep -E 'warning:|error:' /tmp/spnscan-tidy.$$ | sed 's/\x1b\[[0-9;]*m//g' | sort -u >&2
  status=1
fi
rm -f /tmp/spnscan-tidy.$$

exit "$status"
