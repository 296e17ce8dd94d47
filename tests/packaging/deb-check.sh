#!/usr/bin/env bash
# The .deb, as a user gets it: `cpack -G DEB` from the build directory, then the package is
# unpacked into an empty directory tree (dpkg-deb -x, no root needed, nothing on the machine
# changes) and checked:
#   - its Depends come from dpkg-shlibdeps and name the libraries the binary links;
#   - the installed binary runs: --version, and a scan of the installed fixture finds its 27
#     findings (exit 1);
#   - the man pages, the bash completion and the cron/systemd examples are where Debian puts them.
# Usage: deb-check.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
work=$(mktemp -d /tmp/spnscan-deb-XXXXXX)
trap 'rm -rf "$work"' EXIT

(cd "$build" && cpack -G DEB -B "$work/out" >"$work/cpack.log" 2>&1) || {
  cat "$work/cpack.log" >&2
  exit 1
}
deb=$(find "$work/out" -maxdepth 1 -name 'spnscan_*.deb' | head -n 1)
[ -n "$deb" ] || { echo "cpack made no .deb" >&2; cat "$work/cpack.log" >&2; exit 1; }
dpkg-deb -x "$deb" "$work/root"

fail=0
check() { # check DESCRIPTION COMMAND...
  local what=$1
  shift
  if "$@"; then echo "ok: $what"; else echo "FAILED: $what" >&2; fail=1; fi
}

depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
# Every library the binary links (NEEDED) must come from a package the .deb depends on.
while read -r soname; do
  package=$(dpkg -S "*/$soname" 2>/dev/null | head -n 1 | cut -d: -f1)
  check "Depends covers $soname (package ${package:-unknown})" \
    grep -qE "(^|, )${package//+/\\+}( |,|$)" <<<"$depends"
done < <(readelf -d "$work/root/usr/bin/spnscan" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
check "Depends names libldap" grep -q 'libldap' <<<"$depends"
check "the package is for $(dpkg --print-architecture)" \
  test "$(dpkg-deb -f "$deb" Architecture)" = "$(dpkg --print-architecture)"

bin=$work/root/usr/bin/spnscan
check "the binary is in /usr/bin" test -x "$bin"
version=$("$bin" --version)
check "--version runs from the unpacked tree ($version)" grep -q '^spnscan ' <<<"$version"
status=0
XDG_CONFIG_HOME=/nonexistent "$bin" scan --no-config --format json \
  --ldif "$work/root/usr/share/doc/spnscan/examples/fixtures/contoso.ldif" >"$work/scan.json" || status=$?
check "the installed fixture scan exits 1 (findings)" test "$status" -eq 1
check "the installed fixture scan finds the 39 findings" \
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(len(r["findings"]) != 39 or not r["scan"]["complete"])' \
  "$work/scan.json"
check "installs spnscan(1)" bash -c 'ls "$1"/usr/share/man/man1/spnscan.1* >/dev/null' _ "$work/root"
check "installs spnscan.conf(5)" bash -c 'ls "$1"/usr/share/man/man5/spnscan.conf.5* >/dev/null' _ "$work/root"
for file in usr/share/bash-completion/completions/spnscan usr/libexec/spnscan/spnscan-nightly \
    usr/share/doc/spnscan/examples/spnscan-nightly.timer usr/share/doc/spnscan/README.md; do
  check "installs /$file" test -e "$work/root/$file"
done
exit "$fail"
