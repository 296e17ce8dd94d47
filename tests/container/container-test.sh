#!/usr/bin/env bash
# Builds the fixture slapd container (contrib/container/Containerfile) with rootful podman, runs
# it on a free loopback port and checks that spnscan finds the same findings in it as in
# fixtures/contoso.ldif offline.
#
# Usage (as root): tests/container/container-test.sh [SPNSCAN]   (default: $SPNSCAN)
#
#  1. If docker.io/library/debian:bookworm-slim is not in podman's storage, makes it locally
#     (no registry needed): debootstrap --variant=minbase bookworm from $DEBIAN_MIRROR (default
#     http://deb.debian.org/debian), imported with `podman import`. A few minutes, once.
#  2. podman build --pull=never, the repository root as context (layers cached after the first).
#  3. podman run -p 127.0.0.1:PORT:389 and waits (at most $WAIT_SECONDS, default 60) until the
#     rootDSE answers; then the image's HEALTHCHECK must pass too.
#  4. spnscan scan of ldap://127.0.0.1:PORT and of the LDIF, both --format json: the sorted
#     finding ids must be equal and not empty.
#  5. The container is always removed; the images stay cached for the next run.
#
# podman runs with tests/container/containers.conf (CONTAINERS_CONF): runc, cgroupfs, file
# events, nofile 1024 and nproc 4096, netavark. Needs podman, runc, netavark, iptables,
# debootstrap (first run only), ldapsearch and python3. Exits 0 when every step passed, 1 with
# a message saying which step failed otherwise; a missing tool or a container that does not
# run is a failure, never a skip.
set -eu -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
base_image=docker.io/library/debian:bookworm-slim
image=localhost/spnscan-fixture-slapd:test
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
wait_seconds=${WAIT_SECONDS:-60}
name=spnscan-container-test-$$
t_start=$(date +%s)

say() { printf 'container-test: %s\n' "$*" >&2; }
die() {
  say "FAILED: $*"
  exit 1
}
step() { say "[$(($(date +%s) - t_start))s] $*"; }
# Last lines of a log file, indented, for failure messages.
show_log() { tail -n "${2:-40}" "$1" 2>/dev/null | sed 's/^/    /' >&2 || true; }

spnscan=${1:-${SPNSCAN:-}}
[ -n "$spnscan" ] || die "usage: $0 SPNSCAN_BINARY (or set SPNSCAN)"
[ -x "$spnscan" ] || die "spnscan binary '$spnscan' is not executable"
[ "$(id -u)" -eq 0 ] || die "must run as root (rootful podman; debootstrap for the base image)"
for tool in podman runc ldapsearch python3; do
  command -v "$tool" >/dev/null || die "'$tool' not found (scripts/install-deps.sh installs it)"
done

export CONTAINERS_CONF="$here/containers.conf"
work=$(mktemp -d "${TMPDIR:-/tmp}/spnscan-container-test.XXXXXX")
base_root=""
cleanup() {
  podman rm -f -t 0 "$name" >/dev/null 2>&1 || true
  [ -z "$base_root" ] || rm -rf "$base_root"
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A podman that cannot work at all (configuration, storage, runtime) fails here, clearly.
if ! podman info >"$work/info.log" 2>&1; then
  show_log "$work/info.log"
  die "podman does not work: 'podman info' failed (above: its output)"
fi

# ---- 1. base image ------------------------------------------------------------------------------
set +e
podman image exists "$base_image" 2>"$work/exists.log"
rc=$?
set -e
if [ "$rc" -eq 0 ]; then
  step "base image $base_image: in podman storage"
elif [ "$rc" -ne 1 ]; then
  show_log "$work/exists.log"
  die "podman image exists $base_image failed (exit $rc; above: its output)"
else
  command -v debootstrap >/dev/null || die "'debootstrap' not found (needed once to make $base_image)"
  step "base image $base_image not in podman storage: debootstrap --variant=minbase bookworm from $mirror (a few minutes)"
  base_root=$(mktemp -d /var/tmp/spnscan-bookworm-root.XXXXXX)
  if ! debootstrap --variant=minbase bookworm "$base_root/root" "$mirror" >"$work/debootstrap.log" 2>&1; then
    show_log "$work/debootstrap.log"
    die "debootstrap of the base image failed (above: the end of its log)"
  fi
  root=$base_root/root
  # Like the official image: apt sources for bookworm, -updates and -security (deb822), no
  # package lists or caches, no host name or resolver of this machine.
  rm -f "$root/etc/apt/sources.list"
  cat >"$root/etc/apt/sources.list.d/debian.sources" <<'EOF'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb
  : >"$root/etc/resolv.conf"
  : >"$root/etc/hostname"
  if ! tar --numeric-owner -C "$root" -c . |
    podman import \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'CMD ["bash"]' \
      --change 'LABEL org.opencontainers.image.description="Debian bookworm minbase made locally by debootstrap (spnscan tests/container)"' \
      - "$base_image" >"$work/import.log" 2>&1; then
    show_log "$work/import.log"
    die "podman import of the debootstrapped root failed"
  fi
  rm -rf "$base_root"
  base_root=""
  step "base image $base_image imported"
fi

# ---- 2. image -----------------------------------------------------------------------------------
step "podman build $image (contrib/container/Containerfile, context $repo)"
# --format docker keeps the HEALTHCHECK (the OCI image format has no field for it).
if ! podman build --pull=never --format docker -f "$repo/contrib/container/Containerfile" \
  --ignorefile "$repo/contrib/container/Containerfile.dockerignore" \
  -t "$image" "$repo" >"$work/build.log" 2>&1; then
  show_log "$work/build.log" 60
  die "podman build failed (above: the end of its log)"
fi
grep -h '^build-db.sh:' "$work/build.log" | sed 's/^/    /' >&2 || true

# ---- 3. run -------------------------------------------------------------------------------------
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
port=""
for attempt in 1 2 3; do
  candidate=$(free_port)
  if podman run -d --name "$name" -p "127.0.0.1:$candidate:389" "$image" >"$work/run.log" 2>&1; then
    port=$candidate
    break
  fi
  podman rm -f -t 0 "$name" >/dev/null 2>&1 || true
  # Another process may have taken the port in between: try another one.
  grep -qi 'address already in use' "$work/run.log" || break
  say "port $candidate was taken (attempt $attempt), trying another"
done
if [ -z "$port" ]; then
  show_log "$work/run.log"
  die "podman run failed (above: its output)"
fi
uri=ldap://127.0.0.1:$port
step "container $name running, published on $uri; waiting for the rootDSE (at most ${wait_seconds}s)"

rootdse() {
  LDAPNOINIT=1 ldapsearch -x -LLL -o nettimeout=2 -l 2 -H "$uri" -b "" -s base namingContexts
}
deadline=$(($(date +%s) + wait_seconds))
until rootdse >"$work/rootdse.out" 2>&1; do
  state=$(podman inspect -f '{{.State.Status}}' "$name" 2>/dev/null || echo missing)
  if [ "$state" != running ]; then
    podman logs "$name" >"$work/container.log" 2>&1 || true
    show_log "$work/container.log"
    die "container is $state (exit code $(podman inspect -f '{{.State.ExitCode}}' "$name" 2>/dev/null || echo '?')) before slapd answered on $uri; above: podman logs"
  fi
  if [ "$(date +%s)" -ge "$deadline" ]; then
    podman logs "$name" >"$work/container.log" 2>&1 || true
    show_log "$work/container.log"
    show_log "$work/rootdse.out" 5
    die "slapd did not answer on $uri within ${wait_seconds}s; above: podman logs and ldapsearch's output"
  fi
  sleep 0.5
done
grep -qi '^namingContexts: DC=contoso,DC=com$' "$work/rootdse.out" ||
  { show_log "$work/rootdse.out"; die "the rootDSE on $uri does not name DC=contoso,DC=com"; }
step "slapd answers on $uri"
if ! podman healthcheck run "$name" >"$work/health.log" 2>&1; then
  show_log "$work/health.log"
  die "the image's HEALTHCHECK fails although the rootDSE answers on $uri"
fi

# ---- 4. scans -----------------------------------------------------------------------------------
set +e
"$spnscan" scan -H "$uri" -b DC=contoso,DC=com --format json -o "$work/live.json" --fail-on never \
  >"$work/live.log" 2>&1
rc=$?
set -e
if [ "$rc" -ne 0 ]; then
  show_log "$work/live.log"
  podman logs "$name" >"$work/container.log" 2>&1 || true
  show_log "$work/container.log" 20
  die "live scan of $uri exited $rc (above: its output, then podman logs)"
fi
set +e
"$spnscan" scan --ldif "$repo/fixtures/contoso.ldif" --format json -o "$work/offline.json" \
  --fail-on never >"$work/offline.log" 2>&1
rc=$?
set -e
if [ "$rc" -ne 0 ]; then
  show_log "$work/offline.log"
  die "offline scan of fixtures/contoso.ldif exited $rc (above: its output)"
fi
step "both scans done; comparing finding ids"
python3 - "$work/live.json" "$work/offline.json" <<'EOF'
import json
import sys


def ids(path):
    with open(path, encoding="utf-8") as f:
        return sorted(finding["id"] for finding in json.load(f)["findings"])


live, offline = ids(sys.argv[1]), ids(sys.argv[2])
if not offline:
    sys.exit("container-test: FAILED: the offline scan has no finding")
if live != offline:
    only_live = sorted(set(live) - set(offline))
    only_offline = sorted(set(offline) - set(live))
    sys.exit("container-test: FAILED: finding ids differ: %d live, %d offline; only live: %s; "
             "only offline: %s" % (len(live), len(offline), only_live, only_offline))
print("container-test: %d findings, the same ids live (slapd in podman) and offline (LDIF)"
      % len(live), file=sys.stderr)
EOF
step "PASSED"
