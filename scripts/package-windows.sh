#!/usr/bin/env bash
# Makes the Windows release zip from a cross-build (scripts/build-windows.sh runs it through the
# build's windows-zip target): spnscan.exe, the man pages as text, the README, the licence and
# the notices of what the static .exe carries inside it.
#   package-windows.sh EXE BUILD_DIR VERSION
set -euo pipefail
exe=$1 build=$2 version=$3
source_dir=$(cd "$(dirname "$0")/.." && pwd)
name=spnscan-$version-windows-x64
stage=$build/$name
rm -rf "$stage" "$build/$name.zip"
mkdir -p "$stage"
cp "$exe" "$stage/spnscan.exe"

# Text files with CRLF line ends, for every Windows editor.
crlf() { sed 's/\r$//; s/$/\r/' "$1" > "$2"; }
# The man pages as plain text: no overstrike, no escape sequences.
for page in spnscan.1 spnscan.conf.5; do
  groff -man -Tutf8 -P-c -P-b -P-u -P-o "$source_dir/man/$page" 2>/dev/null > "$stage/$page.tmp"
  [ -s "$stage/$page.tmp" ] || { echo "package-windows.sh: groff made nothing of man/$page" >&2; exit 1; }
  crlf "$stage/$page.tmp" "$stage/$page.txt"
  rm "$stage/$page.tmp"
done
crlf "$source_dir/README.md" "$stage/README.md"
crlf "$source_dir/LICENSE" "$stage/LICENSE.txt"

# The static .exe holds CLI11, nlohmann-json, {fmt}, the MinGW-w64 runtime (winpthreads) and
# libstdc++/libgcc (GCC Runtime Library Exception), and data derived from Unicode's confusables:
# their licences as Debian ships them.
{
  echo "spnscan.exe contains the following software; their licences follow."
  for package in libcli11-dev nlohmann-json3-dev libfmt-dev mingw-w64-common \
                 gcc-mingw-w64-base libicu72; do
    file=/usr/share/doc/$package/copyright
    if [ ! -s "$file" ]; then
      echo "package-windows.sh: $file is missing (install $package)" >&2
      exit 1
    fi
    printf '\n==== %s (Debian: %s) ====\n\n' "$package" "$file"
    cat "$file"
  done
} > "$stage/notices.tmp"
crlf "$stage/notices.tmp" "$stage/THIRD-PARTY-NOTICES.txt"
rm "$stage/notices.tmp"

(cd "$build" && cmake -E tar cf "$name.zip" --format=zip "$name")
echo "$build/$name.zip"
