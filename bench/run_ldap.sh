#!/usr/bin/env bash
# Benchmarks `spnscan scan` over LDAP against `ldapsearch -E pr=1000/noprompt` reading the same
# attributes from the same private slapd (tests/support/slapd-fixture.sh) loaded with the
# synthetic N-account directory: wall time (min, median), CPU time and peak RSS over RUNS runs
# each, alternating, in one run of this script. See bench/README.md, section "LDAP benchmark".
#
# usage: bench/run_ldap.sh [N]          (N defaults to 200000)
# environment:
#   SPNSCAN=path     the binary (default: <repo>/build/spnscan)
#   SPNSCAN_OLD=path another build to compare with (a refactoring's "before"): it runs in the
#                    same alternation and a new/old table follows
#   RUNS=5           timed runs per command
#   KEEP=1           leave slapd running at the end (the next run reuses it)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
n=${1:-200000}
runs=${RUNS:-5}
keep=${KEEP:-0}
spnscan=${SPNSCAN:-$root/build/spnscan}
spnscan_old=${SPNSCAN_OLD:-}
fixture=$root/tests/support/slapd-fixture.sh
out_dir=$here/out
# What spnscan asks for (src/source/ldap/ldap_source.cpp, k_attr_names); ldapsearch asks the same.
attrs=(objectClass sAMAccountName sAMAccountType userAccountControl objectSid adminCount
       dNSHostName servicePrincipalName sPNMappings msDS-AllowedToDelegateTo
       msDS-SupportedEncryptionTypes pwdLastSet whenCreated msDS-AdditionalDnsHostName
       msDS-AdditionalSamAccountName dSHeuristics)
filter='(|(servicePrincipalName=*)(msDS-AllowedToDelegateTo=*)(&(objectClass=group)(isCriticalSystemObject=TRUE)))'

die() { echo "run_ldap.sh: $*" >&2; exit 1; }

[[ $n =~ ^[1-9][0-9]*$ ]] || die "N must be a positive number, not '$n'"
[[ $runs =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive number, not '$runs'"
[[ -x /usr/bin/time ]] || die "/usr/bin/time is missing (Debian package 'time')"
command -v ldapsearch >/dev/null || die "ldapsearch is missing (Debian package 'ldap-utils')"
[[ -x /usr/sbin/slapd ]] || die "/usr/sbin/slapd is missing (Debian package 'slapd')"
[[ -x $spnscan ]] || die "no spnscan binary at $spnscan: build it first (cmake --build build --target spnscan) or set SPNSCAN=/path/to/spnscan"
[[ -z $spnscan_old || -x $spnscan_old ]] || die "SPNSCAN_OLD=$spnscan_old is not an executable"

mkdir -p "$out_dir"
file=$out_dir/dir-$n.ldif
gen_log=$file.gen.txt
slapd_dir=$out_dir/slapd-$n

# Same file and names as run_ldif.sh (seed 1, profile full), so the two scripts share it.
if [[ ! -s $file || ! -s $gen_log ]]; then
    echo "generating $file ..." >&2
    # Written under a temporary name first, so an interrupted run never leaves a partial file.
    python3 "$here/gen_directory.py" "$n" --profile full >"$file.tmp" 2>"$gen_log.tmp"
    mv "$gen_log.tmp" "$gen_log"
    mv "$file.tmp" "$file"
fi

# slapd_running: true when $slapd_dir/fixture.env names a live slapd started with that
# directory's config, loaded after the LDIF was last written.
slapd_running() {
    local env_file=$slapd_dir/fixture.env pid
    [[ -s $env_file && $env_file -nt $file ]] || return 1
    pid=$(sed -n "s/^SLAPD_PID='\{0,1\}\([0-9]*\)'\{0,1\}$/\1/p" "$env_file")
    [[ -n $pid && -r /proc/$pid/cmdline ]] || return 1
    tr '\0' ' ' </proc/"$pid"/cmdline | grep -qF -- "$slapd_dir/slapd.conf"
}

if slapd_running; then
    echo "reusing the running slapd in $slapd_dir" >&2
    reused=1
else
    # A fixture directory can be started once (its database must be empty): start afresh.
    if [[ -e $slapd_dir ]]; then
        "$fixture" stop --dir "$slapd_dir" >/dev/null 2>&1 || true
        rm -rf "$slapd_dir"
    fi
    mkdir -p "$slapd_dir"
    echo "starting slapd with $file (slapadd takes ~25 s for 200000 accounts) ..." >&2
    "$fixture" start --ldif "$file" --dir "$slapd_dir" --lifetime 3600 >/dev/null ||
        die "the slapd fixture did not start (see above)"
    reused=0
fi
# shellcheck disable=SC1091  # written by the fixture: KEY='value' lines
source "$slapd_dir/fixture.env"
if [[ $keep == 1 ]]; then
    trap 'echo "KEEP=1: slapd (pid $SLAPD_PID) left running in $slapd_dir; stop it with $fixture stop --dir $slapd_dir" >&2' EXIT
else
    trap '"$fixture" stop --dir "$slapd_dir" >/dev/null 2>&1 || true' EXIT
fi

clk_tck=$(getconf CLK_TCK)
# slapd_cpu: slapd's user+system CPU ticks so far (fields 14 and 15 of /proc/PID/stat).
slapd_cpu() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' /proc/"$SLAPD_PID"/stat; }

# Both clients skip ldap.conf and ldaprc: the same libldap defaults for both.
export LDAPNOINIT=1
report=$out_dir/ldap-report.json
spnscan_cmd=("$spnscan" scan -H "$LDAP_URI" --format json -o "$report" --fail-on never)
report_old=$out_dir/ldap-report-old.json
spnscan_old_cmd=("$spnscan_old" scan -H "$LDAP_URI" --format json -o "$report_old" --fail-on never)
ldapsearch_cmd=(ldapsearch -x -LLL -H "$LDAP_URI" -b "$BASE_DN" -E pr=1000/noprompt "$filter"
                "${attrs[@]}")

# measure NAME OUT CMD...: runs CMD once with stdout to OUT; appends "wall_seconds max_rss_kib
# cpu_seconds slapd_cpu_seconds" to $out_dir/ldap-NAME.times. Wall time comes from bash's
# microsecond clock (/usr/bin/time's %e has 10 ms steps), peak RSS and the client's user+system
# CPU from /usr/bin/time, slapd's CPU from /proc.
measure() {
    local name=$1 stdout=$2; shift 2
    local tfile=$out_dir/ldap-$name.time-out rc=0 t0 t1 c0 c1
    c0=$(slapd_cpu)
    t0=$EPOCHREALTIME
    /usr/bin/time -f '%e %M %U %S' -o "$tfile" "$@" >"$stdout" 2>"$out_dir/ldap-$name.stderr" || rc=$?
    t1=$EPOCHREALTIME
    c1=$(slapd_cpu)
    if ((rc != 0)); then
        echo "run_ldap.sh: '$*' failed with exit status $rc; its stderr:" >&2
        cat "$out_dir/ldap-$name.stderr" >&2
        exit 1
    fi
    tail -n 1 "$tfile" | awk -v t0="$t0" -v t1="$t1" -v c0="$c0" -v c1="$c1" -v hz="$clk_tck" \
        '{ printf "%.6f %d %.2f %.2f\n", t1 - t0, $2, $3 + $4, (c1 - c0) / hz }' \
        >>"$out_dir/ldap-$name.times"
    rm -f "$tfile"
}

# stats NAME: prints "wall_min wall_median max_rss_kib cpu_median slapd_cpu_median".
stats() {
    awk '
        function median(a, k,   i, j, t) {
            for (i = 2; i <= k; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
            return (k % 2) ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
        }
        { w[NR] = $1; c[NR] = $3; s[NR] = $4; if ($2 > rss) rss = $2 }
        END { wm = median(w, NR); printf "%.6f %.6f %d %.2f %.2f\n", w[1], wm, rss, median(c, NR), median(s, NR) }
    ' "$out_dir/ldap-$1.times"
}

echo "warming the page cache and slapd (one untimed run of each) ..." >&2
cat "$file" >/dev/null
measure warmup-ldapsearch "$out_dir/ldap-ldapsearch.ldif" "${ldapsearch_cmd[@]}"
measure warmup-spnscan /dev/null "${spnscan_cmd[@]}"
[[ -z $spnscan_old ]] || measure warmup-spnscan-old /dev/null "${spnscan_old_cmd[@]}"
rm -f "$out_dir"/ldap-warmup-*.times
ldapsearch_entries=$(grep -c '^dn:' "$out_dir/ldap-ldapsearch.ldif" || true)

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
: >"$out_dir/ldap-spnscan.times"
: >"$out_dir/ldap-ldapsearch.times"
: >"$out_dir/ldap-spnscan-old.times"
for ((r = 1; r <= runs; r++)); do
    echo "run $r/$runs: spnscan, ldapsearch${spnscan_old:+, old spnscan} ..." >&2
    measure spnscan /dev/null "${spnscan_cmd[@]}"
    measure ldapsearch /dev/null "${ldapsearch_cmd[@]}"
    [[ -z $spnscan_old ]] || measure spnscan-old /dev/null "${spnscan_old_cmd[@]}"
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
read -r s_min s_med s_rss s_cpu s_srv < <(stats spnscan)
read -r l_min l_med l_rss l_cpu l_srv < <(stats ldapsearch)

echo "offline scan of the same LDIF (spnscan scan --ldif) ..." >&2
offline=$out_dir/ldap-offline-report.json
"$spnscan" scan --ldif "$file" --format json -o "$offline" --fail-on never \
    >/dev/null 2>"$out_dir/ldap-offline.stderr" || die "spnscan scan --ldif failed: $(cat "$out_dir/ldap-offline.stderr")"

mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }'; }

echo
echo "server      $LDAP_URI, base $BASE_DN, slapd pid $SLAPD_PID ($( ((reused)) && echo reused || echo "started, slapadd ${SLAPD_LOAD_SECONDS:-?} s"))"
echo "directory   $file ($(stat -c %s "$file") bytes, profile full)"
echo "search      $filter, subtree, paged 1000, ${#attrs[@]} attributes: ${attrs[*]}"
echo "transport   anonymous bind over ldap:// on loopback: TLS costs are excluded from both sides"
echo "runs        $runs timed runs each, alternating, after one untimed warm-up run of each"
echo "            (wall: bash clock; RSS, CPU: /usr/bin/time; slapd CPU: /proc/$SLAPD_PID/stat)"
echo "load avg    $load_before before, $load_after after (2 cores shared)"
echo
printf '%-22s %12s %12s %8s\n' "" "spnscan" "ldapsearch" "ratio"
printf '%-22s %12.3f %12.3f %8s\n' "wall min (s)" "$s_min" "$l_min" "$(ratio "$s_min" "$l_min")"
printf '%-22s %12.3f %12.3f %8s\n' "wall median (s)" "$s_med" "$l_med" "$(ratio "$s_med" "$l_med")"
printf '%-22s %12.2f %12.2f %8s\n' "client CPU median (s)" "$s_cpu" "$l_cpu" "$(ratio "$s_cpu" "$l_cpu")"
printf '%-22s %12.2f %12.2f %8s\n' "slapd CPU median (s)" "$s_srv" "$l_srv" ""
printf '%-22s %12s %12s %8s\n' "max RSS (MiB)" "$(mib "$s_rss")" "$(mib "$l_rss")" "$(ratio "$s_rss" "$l_rss")"
echo
if [[ -n $spnscan_old ]]; then
    read -r o_min o_med o_rss o_cpu o_srv < <(stats spnscan-old)
    echo "new: $spnscan"
    echo "old: $spnscan_old"
    printf '%-22s %12s %12s %8s\n' "" "new" "old" "new/old"
    printf '%-22s %12.3f %12.3f %8s\n' "wall min (s)" "$s_min" "$o_min" "$(pct "$s_min" "$o_min")"
    printf '%-22s %12.3f %12.3f %8s\n' "wall median (s)" "$s_med" "$o_med" "$(pct "$s_med" "$o_med")"
    printf '%-22s %12.2f %12.2f %8s\n' "client CPU median (s)" "$s_cpu" "$o_cpu" "$(pct "$s_cpu" "$o_cpu")"
    printf '%-22s %12s %12s %8s\n' "max RSS (MiB)" "$(mib "$s_rss")" "$(mib "$o_rss")" "$(pct "$s_rss" "$o_rss")"
    same_findings "$report" "$report_old"
    echo
fi
verdict() { awk -v r="$1" 'BEGIN { print (r <= 1.2) ? "met" : "NOT met" }'; }
echo "target spnscan <= 1.2x ldapsearch wall: $(verdict "$(awk -v a="$s_min" -v b="$l_min" 'BEGIN { print a / b }')") at the min," \
     "$(verdict "$(awk -v a="$s_med" -v b="$l_med" 'BEGIN { print a / b }')") at the median"
echo

# What spnscan reported over LDAP, and whether its findings are those of the offline scan.
# Finding ids are computed from lower-cased DNs, so slapd's lower-case attribute types in DNs
# (cn=..., ou=...) do not change them.
python3 - "$report" "$offline" "$ldapsearch_entries" <<'EOF'
import collections, json, sys
live_path, offline_path, ldapsearch_entries = sys.argv[1], sys.argv[2], int(sys.argv[3])
live, offline = (json.load(open(p, encoding="utf-8")) for p in (live_path, offline_path))
ls, os_ = live["scan"], offline["scan"]
print("spnscan over LDAP: %d accounts, %d SPNs, %d findings, complete=%s, sPNMappings from %s"
      % (ls["accounts"], ls["spns"], len(live["findings"]), ls["complete"], ls["spn_mappings"]))
print("ldapsearch:        %d entries" % ldapsearch_entries)
print("offline --ldif:    %d accounts, %d SPNs, %d findings, sPNMappings from %s"
      % (os_["accounts"], os_["spns"], len(offline["findings"]), os_["spn_mappings"]))
for w in ls.get("warnings", []):
    print("  LDAP scan warning: %s" % w)
live_ids = sorted(f["id"] for f in live["findings"])
offline_ids = sorted(f["id"] for f in offline["findings"])
if live_ids == offline_ids:
    rules = collections.Counter(f["rule"] for f in live["findings"])
    print("findings check: OK: the %d finding ids equal the offline scan's (%s)"
          % (len(live_ids), ", ".join("%s %d" % kv for kv in sorted(rules.items()))))
else:
    only_live = sorted(set(live_ids) - set(offline_ids))
    only_offline = sorted(set(offline_ids) - set(live_ids))
    print("findings check: DIFFERENT: %d over LDAP, %d offline; only over LDAP: %s; only offline: %s"
          % (len(live_ids), len(offline_ids), only_live[:5], only_offline[:5]))
    sys.exit(1)
EOF
