#!/usr/bin/env bash
# Installs what spnscan needs to build and to run its whole test suite on Debian 12:
# the compiler and libraries, and the servers the tests start themselves (slapd, Samba AD DC,
# MIT Kerberos clients). Idempotent; needs root (or sudo).
set -euo pipefail

# Installed with --no-install-recommends, so everything a fresh machine lacks is named here,
# including what is only a Recommends of another package. scripts/fresh-machine-check.sh proves
# the list on a freshly debootstrapped Debian 12 root.
packages=(
  # build
  build-essential cmake pkg-config
  libldap2-dev libsasl2-dev libsasl2-modules-gssapi-mit
  libcli11-dev catch2 nlohmann-json3-dev libfmt-dev
  # lookalike-spn: ICU's spoof checker (Unicode TS #39 confusables)
  libicu-dev
  # fuzz targets and sanitizer builds with clang: libclang-rt-14-dev holds the libFuzzer and
  # sanitizer runtimes (only a Recommends of clang's libclang-common-14-dev)
  clang libclang-rt-14-dev
  # the lint gate (scripts/lint.sh): clang-format 14, clang-tidy 14 (run-clang-tidy)
  clang-format clang-tidy
  # spnscan.exe (scripts/build-windows.sh): MinGW-w64 with winldap.h and libwldap32.a, groff for
  # the man pages as text in the zip; Wine 8.0 (64-bit) runs it in the "wine:" tests
  g++-mingw-w64-x86-64-posix groff-base wine wine64
  # tests: servers and clients they drive
  ldap-utils slapd ldb-tools krb5-user openssl
  # Samba AD DC (tests/support/samba-dc.sh). samba-ad-provision holds the templates
  # `samba-tool domain provision` reads (/usr/share/samba/setup): only a Recommends of samba
  # and samba-ad-dc, and without it every Samba test skips.
  samba samba-ad-dc samba-ad-provision
  # ss (samba-dc.sh checks the DC's fixed ports are free); not in a minimal Debian
  iproute2
  python3 time
  # the HTML report in a real browser (tests/browser/chromium-render.sh)
  chromium
  # the .deb: cpack's DEB generator needs `file` for dpkg-shlibdeps (tests/packaging/deb-check.sh)
  file dpkg-dev
  # the fixture directory as an OpenLDAP container (tests/container/container-test.sh): podman
  # with runc (crun refuses these machines' hybrid cgroup v1), its network stack, and debootstrap
  # to build the debian:bookworm-slim base image locally (no registry is reachable)
  podman runc netavark iptables debootstrap
)

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

# Installing slapd and samba must not start the system's own daemons: they would take the
# ports (389, 636, 88, 3268) the tests' private servers need, and nothing here uses them.
made_policy=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
  $sudo chmod 755 /usr/sbin/policy-rc.d
  made_policy=1
fi
cleanup() {
  if [ "$made_policy" -eq 1 ]; then
    $sudo rm -f /usr/sbin/policy-rc.d
  fi
}
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
echo "spnscan: installing ${missing[*]}" >&2
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
