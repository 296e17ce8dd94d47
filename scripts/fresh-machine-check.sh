#!/usr/bin/env bash
# Proves the README's quick start on a fresh Debian 12 machine: builds a minimal Debian 12
# (bookworm) root with debootstrap, copies this checkout into it (the working tree as it is now:
# tracked files with their uncommitted changes, plus untracked files that are not ignored; never
# build/), and runs the two quick-start commands in it as root, one after the other, each in a
# fresh login shell started in the copied checkout (/root/spnscan inside the root):
#
#     scripts/quickstart.sh        then        scripts/test.sh
#
# It prints each command's exit status at the end ("quickstart: exit 0", "test: exit 0") and
# exits non-zero if either failed. Full logs go to files in a log directory outside the root
# (printed at the start and at the end).
#
# Usage (as root; debootstrap is installed on this machine with apt-get if it is missing):
#     scripts/fresh-machine-check.sh [--root DIR] [--reuse] [--keep] [--only quickstart|test]
#                                    [--logs DIR] [--variant minbase|default]
#   --root DIR     where to build the root (absent or empty); default: a new temporary directory
#                  /var/tmp/spnscan-fresh-root.XXXXXX
#   --reuse        use the root that an earlier run left in --root DIR (with --keep) as it is,
#                  without debootstrap: faster, but no longer a fresh machine (packages that the
#                  earlier run installed are still there). The checkout is copied anew.
#   --keep         keep the root afterwards (default: remove it, also after a failure; a root
#                  used with --reuse is always kept)
#   --only NAME    run only one of the two commands: quickstart or test
#   --logs DIR     where the logs go; default /var/tmp/spnscan-fresh-logs.<date>-<time>
#   --variant V    debootstrap variant: minbase (default: only Essential/required packages and
#                  apt, like a container image; the strictest test of install-deps.sh) or
#                  default (also the "important" packages of a standard installation)
# Environment:
#   MIRROR=URL            Debian archive to bootstrap from; default: the one in this machine's apt
#                         sources (/etc/apt/sources.list.d/*.sources in deb822 form, or
#                         "deb URL suite ..." lines in /etc/apt/sources.list{,.d/*.list})
#   SECURITY_MIRROR=URL   security archive for bookworm-security; default: the one in this
#                         machine's apt sources, if any; "none" leaves it out
#   UPDATES=0             leave bookworm-updates out (default: in, if this machine's sources have it)
# Example: scripts/fresh-machine-check.sh --keep --root /var/tmp/spnscan-fresh-root
#
# What the root shares with this machine: /proc, /sys, /dev and /dev/pts are mounted into it
# (and a private /dev/shm), and unmounted on exit, also after a failure or Ctrl-C; processes
# still running inside the root then are ended first (the test suite's Samba DC runs in a process
# group of its own, so Ctrl-C does not reach it: the clean-up does). A `kill` of this script's
# PID alone takes effect when the running command ends. /etc/resolv.conf is copied in; /etc/hosts
# in the root is a fresh Debian one (127.0.0.1 localhost).
#
# NETWORK: a chroot shares this machine's network namespace. The tests' servers listen on
# loopback: the fixture slapd and the scripted LDAP server on free ports, but the Samba AD DC on
# FIXED ports, TCP 88 389 464 636 3268 3269 and UDP 88 464. Nothing on this machine may use
# those ports while scripts/test.sh runs (no slapd or samba of the host, no other test run at the
# same time): the script checks before it starts the test command and stops if one is taken.
#
# Services: install-deps.sh puts its own /usr/sbin/policy-rc.d in place while it installs
# slapd and samba (as on a real fresh machine, the root has none before), so no daemon starts
# from a package install; a process still running in the root after a command ended is reported
# as a failure and ended.

# The clean-up functions run from the EXIT trap only.
# shellcheck disable=SC2317
set -euo pipefail

readonly SUITE=bookworm
readonly CHROOT_CHECKOUT=/root/spnscan
readonly MARKER=.spnscan-fresh-machine-root
readonly SAMBA_TCP_PORTS=(88 389 464 636 3268 3269)
readonly SAMBA_UDP_PORTS=(88 464)
readonly CHROOT_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

log() { printf 'fresh-machine-check: %s\n' "$*" >&2; }
die() {
  printf 'fresh-machine-check: error: %s\n' "$*" >&2
  exit 1
}
usage() {
  sed -n '/^# Usage/,/^# Example/p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

root=""
reuse=0
keep=0
only=""
logs=""
variant=minbase
while (($# > 0)); do
  case $1 in
    --root) (($# >= 2)) || usage; root=$2; shift 2 ;;
    --root=*) root=${1#*=}; shift ;;
    --reuse) reuse=1; shift ;;
    --keep) keep=1; shift ;;
    --only) (($# >= 2)) || usage; only=$2; shift 2 ;;
    --only=*) only=${1#*=}; shift ;;
    --logs) (($# >= 2)) || usage; logs=$2; shift 2 ;;
    --logs=*) logs=${1#*=}; shift ;;
    --variant) (($# >= 2)) || usage; variant=$2; shift 2 ;;
    --variant=*) variant=${1#*=}; shift ;;
    -h | --help) usage ;;
    *) log "unknown argument: $1"; usage ;;
  esac
done
case $only in
  "") commands=(quickstart test) ;;
  quickstart | test) commands=("$only") ;;
  *) die "--only takes quickstart or test, not '$only'" ;;
esac
case $variant in
  minbase | default) ;;
  *) die "--variant takes minbase or default, not '$variant'" ;;
esac
((EUID == 0)) || die "must run as root (debootstrap, chroot, mounts; the tests need root too)"
if ((reuse)) && [[ -z $root ]]; then
  die "--reuse needs --root DIR (the root an earlier run kept)"
fi

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
git -C "$repo" rev-parse --show-toplevel >/dev/null 2>&1 || die "$repo is not a git checkout"
repo=$(git -C "$repo" rev-parse --show-toplevel)

# ---- apt sources of this machine -------------------------------------------------------------

# Prints "URI SUITE COMPONENTS..." for every "deb" source of this machine, deb822 and one-line.
host_sources() {
  local f
  shopt -s nullglob
  for f in /etc/apt/sources.list.d/*.sources; do
    # deb822: stanzas separated by blank lines; fields Types, URIs, Suites, Components, Enabled.
    awk '
      function flush() {
        if (types ~ /(^| )deb( |$)/ && enabled != "no") {
          nu = split(uris, u, " "); ns = split(suites, s, " ")
          for (i = 1; i <= nu; i++) for (j = 1; j <= ns; j++) print u[i], s[j], comps
        }
        types = uris = suites = comps = ""; enabled = "yes"; field = ""
      }
      BEGIN { enabled = "yes" }
      /^[ \t]*#/ { next }
      /^[ \t]*$/ { flush(); next }
      /^[ \t]/ { # continuation line
        v = $0; sub(/^[ \t]+/, "", v)
        if (field == "uris") uris = uris " " v; else if (field == "suites") suites = suites " " v
        else if (field == "components") comps = comps " " v
        next
      }
      {
        name = tolower($0); sub(/:.*/, "", name)
        v = $0; sub(/^[^:]*:[ \t]*/, "", v); sub(/[ \t]+$/, "", v)
        field = name
        if (name == "types") types = v; else if (name == "uris") uris = v
        else if (name == "suites") suites = v; else if (name == "components") comps = v
        else if (name == "enabled") enabled = tolower(v)
      }
      END { flush() }
    ' "$f"
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f $f ]] || continue
    # deb [options] URI SUITE COMPONENTS...
    sed -e 's/#.*//' -e 's/\[[^]]*\]//' "$f" | awk '$1 == "deb" && NF >= 3 {
      line = $2 " " $3; for (i = 4; i <= NF; i++) line = line " " $i; print line }'
  done
  shopt -u nullglob
}

# The Debian archive and security archive of this machine, and whether it has -updates.
find_mirrors() {
  local uri suite rest
  host_mirror="" host_security="" host_updates=0
  while read -r uri suite rest; do
    uri=${uri%/}
    case $suite in
      *-security | */updates) [[ -n $host_security ]] || host_security=$uri ;;
      *-backports | *-proposed-updates | experimental) ;;
      *-updates) host_updates=1 ;;
      *) [[ -n $host_mirror ]] || host_mirror=$uri ;;
    esac
  done < <(host_sources)
}

find_mirrors
mirror=${MIRROR:-$host_mirror}
mirror=${mirror%/}
[[ -n $mirror ]] || die "no Debian mirror found in /etc/apt/sources.list{,.d/*} (set MIRROR=http://deb.debian.org/debian)"
case $mirror in
  mirror+* | file:* | cdrom:*) die "can not bootstrap from '$mirror' (set MIRROR=http://...)" ;;
esac
security=${SECURITY_MIRROR:-$host_security}
[[ $security != none ]] || security=""
security=${security%/}
updates=$host_updates
[[ ${UPDATES:-} != 0 ]] || updates=0

# ---- work directories --------------------------------------------------------------------------

made_root=0
if [[ -z $root ]]; then
  root=$(mktemp -d /var/tmp/spnscan-fresh-root.XXXXXX)
  made_root=1
else
  root=$(realpath -m -- "$root")
  [[ $root != / ]] || die "--root / is this machine"
  case $root in
    *[[:space:]]*) die "--root must not contain white space: '$root'" ;;
  esac
  if ((reuse)); then
    keep=1
    [[ -f $root/$MARKER ]] || die "--reuse: $root holds no complete root of an earlier run (no $MARKER)"
  else
    if [[ -e $root ]] && [[ -n $(ls -A "$root") ]]; then
      die "--root $root is not empty (give a new directory, or --reuse to use a root kept by --keep)"
    fi
    # Absent or empty: this run fills it, so it is this run's to remove.
    made_root=1
    mkdir -p "$root"
  fi
fi
chmod 0755 "$root"

stamp=$(date +%Y%m%d-%H%M%S)
logs=${logs:-/var/tmp/spnscan-fresh-logs.$stamp}
mkdir -p "$logs"
logs=$(realpath "$logs")

# ---- clean-up: processes, mounts, the root -----------------------------------------------------

# PIDs of processes whose root directory is the chroot.
root_processes() {
  local p r
  for p in /proc/[0-9]*; do
    r=$(readlink "$p/root" 2>/dev/null) || continue
    if [[ $r == "$root" ]]; then
      printf '%s\n' "${p#/proc/}"
    fi
  done
}

# Ends what still runs inside the root: TERM, then KILL after 10 s.
end_root_processes() {
  local pids pid i
  mapfile -t pids < <(root_processes)
  ((${#pids[@]} > 0)) || return 0
  log "ending ${#pids[@]} process(es) still running in the root: $(for pid in "${pids[@]}"; do
    printf '%s(%s) ' "$pid" "$(cat "/proc/$pid/comm" 2>/dev/null)"; done)"
  kill -TERM "${pids[@]}" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    mapfile -t pids < <(root_processes)
    ((${#pids[@]} > 0)) || return 0
    sleep 0.2
  done
  kill -KILL "${pids[@]}" 2>/dev/null || true
  sleep 1
}

# Mount points at or below the root, deepest first.
root_mounts() {
  awk -v r="$root" '{ m = $5; gsub(/\\040/, " ", m); if (m == r || index(m, r "/") == 1) print m }' \
    /proc/self/mountinfo | sort -r
}

unmount_all() {
  local m
  while read -r m; do
    [[ -n $m ]] || continue
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || log "could not unmount $m"
  done < <(root_mounts)
}

cleaned=0
cleanup() {
  local rc=$?
  set +e
  # A second Ctrl-C must not cut the clean-up short and leave the mounts behind.
  trap '' INT TERM HUP
  trap - EXIT
  if ((cleaned == 0)); then
    cleaned=1
    end_root_processes
    unmount_all
    if [[ -n $(root_mounts) ]]; then
      log "still mounted below $root (NOT removing it):"
      root_mounts >&2
    elif ((keep == 0)); then
      if ((made_root)); then
        log "removing $root (--keep keeps it)"
        rm -rf --one-file-system -- "$root"
      fi
    else
      log "root kept in $root (reuse it with: $0 --root $root --reuse)"
    fi
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT
trap 'log "terminated"; exit 143' TERM
trap 'log "hang-up"; exit 129' HUP

# Each mount is made private (the binds: slaves of this machine's /dev) so that, where this
# machine's mounts are shared (systemd), neither mounting nor unmounting below the root reaches
# this machine's own /dev/pts or /dev/shm.
mount_all() {
  # The root is a mount point of its own, as a real machine's / is: podman's storage remounts
  # "/" while it unpacks an image layer, which fails (EINVAL) on a plain directory.
  mountpoint -q "$root" || { mount --bind "$root" "$root" && mount --make-private "$root"; }
  mountpoint -q "$root/proc" || { mount -t proc proc "$root/proc" && mount --make-private "$root/proc"; }
  mountpoint -q "$root/sys" || { mount -t sysfs sysfs "$root/sys" && mount --make-private "$root/sys"; }
  # podman (tests/container/) runs its containers in cgroups: this machine's hierarchy, bound
  # with its submounts (cgroup v1 has one per controller).
  mountpoint -q "$root/sys/fs/cgroup" || { mount --rbind /sys/fs/cgroup "$root/sys/fs/cgroup" &&
    mount --make-rslave "$root/sys/fs/cgroup"; }
  mountpoint -q "$root/dev" || { mount --bind /dev "$root/dev" && mount --make-rslave "$root/dev"; }
  mountpoint -q "$root/dev/pts" || { mount --bind /dev/pts "$root/dev/pts" && mount --make-rslave "$root/dev/pts"; }
  # Private shared memory for the root (/dev is bound without its submounts).
  mountpoint -q "$root/dev/shm" || { mount -t tmpfs -o mode=1777,nosuid,nodev shm "$root/dev/shm" &&
    mount --make-private "$root/dev/shm"; }
}

elapsed() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }
declare -A phase_seconds=()
phase_order=()
phase_done() {
  phase_seconds[$1]=$2
  phase_order+=("$1")
  log "$1 took $(elapsed "$2")"
}

log "checkout: $repo"
log "root:     $root"
log "logs:     $logs"
log "mirror:   $mirror ($SUITE$( ((updates)) && echo ", $SUITE-updates")$([[ -n $security ]] && echo "; security: $security $SUITE-security"))"

# ---- 1. debootstrap ----------------------------------------------------------------------------

if ((reuse)); then
  log "reusing the root in $root (NOT a fresh machine: earlier runs' packages are installed)"
else
  if ! command -v debootstrap >/dev/null; then
    log "installing debootstrap on this machine (apt-get)"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >"$logs/host-apt.log" 2>&1 ||
      { tail -n 20 "$logs/host-apt.log" >&2; die "apt-get update failed (log: $logs/host-apt.log)"; }
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap \
      >>"$logs/host-apt.log" 2>&1 ||
      { tail -n 20 "$logs/host-apt.log" >&2; die "installing debootstrap failed (log: $logs/host-apt.log)"; }
  fi
  keyring=()
  if [[ -f /usr/share/keyrings/debian-archive-keyring.gpg ]]; then
    keyring=(--keyring=/usr/share/keyrings/debian-archive-keyring.gpg)
  fi
  include=()
  [[ $mirror != https:* ]] || include=(--include=ca-certificates)
  variant_args=()
  [[ $variant == default ]] || variant_args=(--variant="$variant")
  log "debootstrap $SUITE ($variant) from $mirror (log: $logs/debootstrap.log); takes a few minutes"
  start=$SECONDS
  if ! debootstrap "${variant_args[@]}" "${keyring[@]}" "${include[@]}" --components=main \
    "$SUITE" "$root" "$mirror" >"$logs/debootstrap.log" 2>&1; then
    tail -n 30 "$logs/debootstrap.log" >&2
    [[ ! -f $root/debootstrap/debootstrap.log ]] || tail -n 30 "$root/debootstrap/debootstrap.log" >&2
    die "debootstrap failed (log: $logs/debootstrap.log)"
  fi

  # apt sources as on a Debian 12 machine installed from this mirror.
  rm -f "$root/etc/apt/sources.list"
  {
    printf 'Types: deb\nURIs: %s\nSuites: %s%s\nComponents: main\n' "$mirror" "$SUITE" \
      "$( ((updates)) && echo " $SUITE-updates")"
    printf 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n'
    if [[ -n $security ]]; then
      printf '\nTypes: deb\nURIs: %s\nSuites: %s-security\nComponents: main\n' "$security" "$SUITE"
      printf 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n'
    fi
  } >"$root/etc/apt/sources.list.d/debian.sources"

  # Name resolution (the archive) and a fresh Debian /etc/hosts.
  cp -L /etc/resolv.conf "$root/etc/resolv.conf"
  host_name=$(hostname 2>/dev/null || echo localhost)
  cat >"$root/etc/hosts" <<EOF
127.0.0.1	localhost
127.0.1.1	$host_name

# The following lines are desirable for IPv6 capable hosts
::1     localhost ip6-localhost ip6-loopback
ff02::1 ip6-allnodes
ff02::2 ip6-allrouters
EOF
  # debootstrap leaves a policy-rc.d on some versions; a fresh machine has none.
  [[ ! -e $root/usr/sbin/policy-rc.d ]] || log "note: debootstrap left $root/usr/sbin/policy-rc.d; removing it (a fresh machine has none)"
  rm -f "$root/usr/sbin/policy-rc.d"
  touch "$root/$MARKER"
  phase_done debootstrap $((SECONDS - start))
fi

# ---- 2. copy the checkout ----------------------------------------------------------------------

start=$SECONDS
dest=$root$CHROOT_CHECKOUT
rm -rf --one-file-system -- "$dest"
mkdir -p "$dest"
# Tracked files as they are in the working tree (deleted ones left out) and untracked files
# that .gitignore does not ignore; never build/ (nor other build*/ trees).
(
  cd "$repo"
  git ls-files -z --cached --others --exclude-standard |
    while IFS= read -r -d '' f; do
      case $f in build/* | build-*/*) continue ;; esac
      if [[ -e $f || -L $f ]] && [[ ! -d $f || -L $f ]]; then printf '%s\0' "$f"; fi
    done |
    tar --null --no-recursion -T - -cf -
) | tar -xf - -C "$dest"
files=$(find "$dest" -type f | wc -l)
changed=$(git -C "$repo" status --porcelain --untracked-files=normal | grep -cv '^??' || true)
untracked=$(git -C "$repo" ls-files --others --exclude-standard | wc -l)
log "copied the checkout to $CHROOT_CHECKOUT in the root: $files files (working tree: $changed changed tracked, $untracked untracked; commit $(git -C "$repo" rev-parse --short HEAD))"
phase_done copy $((SECONDS - start))

# ---- 3. the quick-start commands ---------------------------------------------------------------

mount_all

check_samba_ports_free() {
  local port busy=()
  # /proc/net/tcp{,6}: LISTEN sockets (state 0A); /proc/net/udp{,6}: any bound socket.
  for port in "${SAMBA_TCP_PORTS[@]}"; do
    if awk -v p="$(printf '%04X' "$port")" 'FNR > 1 && $4 == "0A" { split($2, a, ":"); if (a[2] == p) f = 1 }
        END { exit !f }' /proc/net/tcp /proc/net/tcp6 2>/dev/null; then
      busy+=("tcp/$port")
    fi
  done
  for port in "${SAMBA_UDP_PORTS[@]}"; do
    if awk -v p="$(printf '%04X' "$port")" 'FNR > 1 { split($2, a, ":"); if (a[2] == p) f = 1 }
        END { exit !f }' /proc/net/udp /proc/net/udp6 2>/dev/null; then
      busy+=("udp/$port")
    fi
  done
  if ((${#busy[@]} > 0)); then
    if command -v ss >/dev/null; then
      ss -Hltunp | grep -E ":($(IFS='|'; echo "${SAMBA_TCP_PORTS[*]}"))\b" >&2 || true
    fi
    die "port(s) ${busy[*]} in use on this machine: the test suite's Samba AD DC needs them (the root shares this machine's network); stop what holds them"
  fi
}

declare -A status=()
leftovers=0
for name in "${commands[@]}"; do
  script=scripts/$name.sh
  [[ -x $dest/$script ]] || die "$script is not in the copied checkout (or not executable)"
  [[ $name != test ]] || check_samba_ports_free
  log "running $script in the root (log: $logs/$name.log)"
  start=$SECONDS
  rc=0
  # A fresh login shell as root, with a clean environment (nothing of this shell's leaks in).
  # `cd` first: the commands are run from the checkout, as the README says.
  chroot "$root" /usr/bin/env -i HOME=/root USER=root LOGNAME=root SHELL=/bin/bash \
    TERM="${TERM:-dumb}" LANG=C.UTF-8 PATH="$CHROOT_PATH" \
    /bin/bash -l -c "cd $CHROOT_CHECKOUT && exec $script" </dev/null 2>&1 |
    tee "$logs/$name.log" || rc=${PIPESTATUS[0]}
  # PIPESTATUS[0]: chroot's status (the pipeline's own could be tee's).
  status[$name]=$rc
  phase_done "$name" $((SECONDS - start))
  log "$name: exit $rc"
  mapfile -t left < <(root_processes)
  if ((${#left[@]} > 0)); then
    leftovers=1
    log "$name left process(es) running in the root:"
    for pid in "${left[@]}"; do
      printf '  %s %s\n' "$pid" "$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" >&2
    done
    end_root_processes
  fi
done

# ---- summary -----------------------------------------------------------------------------------

overall=0
echo
echo "fresh-machine-check: Debian 12 $variant root $root, checkout $CHROOT_CHECKOUT in it"
for p in "${phase_order[@]}"; do
  printf '  %-12s %s\n' "$p" "$(elapsed "${phase_seconds[$p]}")"
done
for name in "${commands[@]}"; do
  printf '%s: exit %s   (log: %s)\n' "$name" "${status[$name]}" "$logs/$name.log"
  [[ ${status[$name]} -eq 0 ]] || overall=1
done
if ((leftovers)); then
  echo "processes were left running in the root after a command (see above): counted as a failure"
  overall=1
fi
echo "logs: $logs"
exit "$overall"
