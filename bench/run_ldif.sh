#!/usr/bin/env bash
# Benchmarks `spnscan scan --ldif` on a synthetic N-account export against
# `grep -c servicePrincipalName` on the same file: wall time (min, median) and peak RSS over
# RUNS runs each, side by side. See bench/README.md.
#
# usage: bench/run_ldif.sh [N]          (N defaults to 200000)
# environment:
#   SPNSCAN=path     the binary (default: <repo>/build/spnscan)
#   SPNSCAN_OLD=path another build to compare with (a refactoring's "before"): its runs
#                    alternate with SPNSCAN's and a new/old table follows
#   RUNS=5           runs per command
#   SEED=1           generator seed
#   PROFILE=full     generator profile: full (a '*' export) or spn (only what spnscan reads)
#   GREP_ONLY=1      measure grep only (for when spnscan is not built yet)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
n=${1:-200000}
runs=${RUNS:-5}
seed=${SEED:-1}
profile=${PROFILE:-full}
spnscan=${SPNSCAN:-$root/build/spnscan}
spnscan_old=${SPNSCAN_OLD:-}
grep_only=${GREP_ONLY:-0}
out_dir=$here/out

die() { echo "run_ldif.sh: $*" >&2; exit 1; }

[[ $n =~ ^[1-9][0-9]*$ ]] || die "N must be a positive number, not '$n'"
[[ $runs =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive number, not '$runs'"
[[ $profile == full || $profile == spn ]] || die "PROFILE must be full or spn, not '$profile'"
[[ -x /usr/bin/time ]] || die "/usr/bin/time is missing (Debian package 'time')"
if [[ $grep_only != 1 && ! -x $spnscan ]]; then
    die "no spnscan binary at $spnscan: build it first (cmake --build build --target spnscan), set SPNSCAN=/path/to/spnscan, or run with GREP_ONLY=1"
fi
[[ -z $spnscan_old || -x $spnscan_old ]] || die "SPNSCAN_OLD=$spnscan_old is not an executable"

mkdir -p "$out_dir"
suffix=""
[[ $seed != 1 ]] && suffix+="-s$seed"
[[ $profile != full ]] && suffix+="-$profile"
file=$out_dir/dir-$n$suffix.ldif
gen_log=$file.gen.txt

if [[ ! -s $file || ! -s $gen_log ]]; then
    echo "generating $file ..." >&2
    # Written under a temporary name first, so an interrupted run never leaves a partial file
    # that the next run would take for a complete one.
    python3 "$here/gen_directory.py" "$n" --seed "$seed" --profile "$profile" \
        >"$file.tmp" 2>"$gen_log.tmp"
    mv "$gen_log.tmp" "$gen_log"
    mv "$file.tmp" "$file"
fi
cat "$gen_log" >&2

echo "warming the page cache ..." >&2
cat "$file" >/dev/null

# One pass over the file: SPN values and their bytes, and the text spnscan keeps for each
# account that holds SPNs (DN + sAMAccountName + dNSHostName + SPN values). Folded lines are
# joined and base64 values counted at their decoded length.
read -r spn_count spn_bytes holders holder_bytes entries < <(LC_ALL=C awk '
    function vlen(v,   pad) {
        if (substr(v, 1, 1) == ":") {            # "attr:: base64"
            sub(/^: */, "", v); pad = 0
            if (v ~ /==$/) pad = 2; else if (v ~ /=$/) pad = 1
            return int(length(v) / 4) * 3 - pad
        }
        sub(/^ /, "", v); return length(v)
    }
    function take(line,   i, name) {
        if (line == "" || substr(line, 1, 1) == "#") return
        i = index(line, ":"); if (i == 0) return
        name = tolower(substr(line, 1, i - 1)); sub(/;.*/, "", name)
        if (name == "dn") { dn = vlen(substr(line, i + 1)); in_entry = 1 }
        else if (name == "samaccountname") sam = vlen(substr(line, i + 1))
        else if (name == "dnshostname") dns = vlen(substr(line, i + 1))
        else if (name == "serviceprincipalname") { n_spn++; b_spn += vlen(substr(line, i + 1)) }
    }
    function end_entry() {
        if (in_entry) {
            entries++
            if (n_spn > 0) { holders++; hbytes += dn + sam + dns + b_spn; spns += n_spn; sbytes += b_spn }
        }
        in_entry = 0; dn = sam = dns = n_spn = b_spn = 0
    }
    { sub(/\r$/, "") }
    /^ / { cur = cur substr($0, 2); next }
    { take(cur); cur = $0 }
    /^$/ { end_entry() }
    END { take(cur); end_entry(); printf "%d %d %d %d %d\n", spns, sbytes, holders, hbytes, entries }
' "$file")
file_bytes=$(stat -c %s "$file")

# measure_once NAME CMD...: runs CMD once; appends "wall_seconds max_rss_kib" to
# $out_dir/NAME.times. Wall time comes from bash's microsecond clock, because /usr/bin/time's
# %e has only 10 ms resolution; %M gives the peak RSS.
measure_once() {
    local name=$1; shift
    local tfile=$out_dir/$name.time-out t0 t1 rc=0
    t0=$EPOCHREALTIME
    /usr/bin/time -f '%e %M' -o "$tfile" "$@" >"$out_dir/$name.stdout" 2>"$out_dir/$name.stderr" || rc=$?
    t1=$EPOCHREALTIME
    if ((rc != 0)); then
        echo "run_ldif.sh: '$*' failed with exit status $rc; its stderr:" >&2
        cat "$out_dir/$name.stderr" >&2
        exit 1
    fi
    echo "$t0 $t1 $(tail -n 1 "$tfile" | awk '{print $2}')" |
        awk '{printf "%.6f %d\n", $2 - $1, $3}' >>"$out_dir/$name.times"
    rm -f "$tfile"
}

# measure NAME CMD...: runs CMD $runs times (measure_once).
measure() {
    local name=$1 r; shift
    : >"$out_dir/$name.times"
    for ((r = 1; r <= runs; r++)); do measure_once "$name" "$@"; done
}

# stats NAME: prints "min median max_rss_kib" of NAME's runs.
stats() {
    sort -n -k1,1 "$out_dir/$1.times" | awk '
        { w[NR] = $1; if ($2 > rss) rss = $2 }
        END { m = (NR % 2) ? w[(NR + 1) / 2] : (w[NR / 2] + w[NR / 2 + 1]) / 2
              printf "%.6f %.6f %d\n", w[1], m, rss }'
}

echo "measuring grep -c servicePrincipalName ($runs runs) ..." >&2
measure grep grep -c servicePrincipalName "$file"
read -r g_min g_med g_rss < <(stats grep)
grep_lines=$(cat "$out_dir/grep.stdout")

have_spnscan=0
if [[ $grep_only != 1 ]]; then
    # The report goes to a regular file, not /dev/null: a writer that replaces its target
    # through a temporary file and rename() would replace /dev/null itself when run as root.
    report=$out_dir/report-$n$suffix.json
    if [[ -n $spnscan_old ]]; then
        # Alternating, so that a change of load or clock speed falls on both binaries alike.
        report_old=$out_dir/report-$n$suffix-old.json
        echo "measuring spnscan scan --ldif, new and old alternating ($runs runs each) ..." >&2
        : >"$out_dir/spnscan.times"
        : >"$out_dir/spnscan-old.times"
        for ((r = 1; r <= runs; r++)); do
            measure_once spnscan "$spnscan" scan --ldif "$file" --format json --output "$report" \
                --fail-on never
            measure_once spnscan-old "$spnscan_old" scan --ldif "$file" --format json \
                --output "$report_old" --fail-on never
        done
        read -r o_min o_med o_rss < <(stats spnscan-old)
    else
        echo "measuring spnscan scan --ldif ($runs runs) ..." >&2
        measure spnscan "$spnscan" scan --ldif "$file" --format json --output "$report" --fail-on never
    fi
    read -r s_min s_med s_rss < <(stats spnscan)
    # Fixed cost: the same command on a 10-account directory.
    tiny=$out_dir/dir-10.ldif
    [[ -s $tiny ]] || python3 "$here/gen_directory.py" 10 >"$tiny" 2>/dev/null
    runs_saved=$runs; runs=1
    measure spnscan-tiny "$spnscan" scan --ldif "$tiny" --format json \
        --output "$out_dir/report-10.json" --fail-on never
    runs=$runs_saved
    read -r _ _ base_rss < <(stats spnscan-tiny)
    have_spnscan=1
fi

mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1fx", a / b; else print "-" }'; }
per() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
mbps() { awk -v bytes="$file_bytes" -v s="$1" 'BEGIN { if (s > 0) printf "%.0f", bytes / 1048576 / s; else print "-" }'; }

echo
echo "file        $file"
printf 'size        %d bytes (%.1f MiB), %d entries\n' "$file_bytes" \
    "$(awk -v b="$file_bytes" 'BEGIN { print b / 1048576 }')" "$entries"
printf 'SPNs        %d values, %d bytes of SPN text (grep counted %d lines)\n' \
    "$spn_count" "$spn_bytes" "$grep_lines"
printf 'holders     %d accounts with SPNs, %d bytes of DN + sAMAccountName + dNSHostName + SPNs\n' \
    "$holders" "$holder_bytes"
echo "runs        $runs per command (wall: bash clock; RSS: /usr/bin/time %M)"
echo
if ((have_spnscan)); then
    printf '%-18s %14s %14s %10s\n' "" "spnscan" "grep -c" "ratio"
    printf '%-18s %14.3f %14.3f %10s\n' "wall min (s)" "$s_min" "$g_min" "$(ratio "$s_min" "$g_min")"
    printf '%-18s %14.3f %14.3f %10s\n' "wall median (s)" "$s_med" "$g_med" "$(ratio "$s_med" "$g_med")"
    printf '%-18s %14s %14s %10s\n' "MiB/s (at min)" "$(mbps "$s_min")" "$(mbps "$g_min")" ""
    printf '%-18s %14s %14s %10s\n' "max RSS (MiB)" "$(mib "$s_rss")" "$(mib "$g_rss")" \
        "$(ratio "$s_rss" "$g_rss")"
    echo
    rss_bytes=$((s_rss * 1024))
    above=$(((s_rss - base_rss) * 1024))
    echo "spnscan RSS on a 10-account file: $(mib "$base_rss") MiB; above that: $(mib $((s_rss - base_rss))) MiB"
    printf 'RSS / SPN text bytes:              %s (above the 10-account run: %s)\n' \
        "$(per "$rss_bytes" "$spn_bytes")" "$(per "$above" "$spn_bytes")"
    printf 'RSS / SPN-holding account bytes:   %s (above the 10-account run: %s)\n' \
        "$(per "$rss_bytes" "$holder_bytes")" "$(per "$above" "$holder_bytes")"
    echo
    if [[ -n $spnscan_old ]]; then
        echo "new: $spnscan"
        echo "old: $spnscan_old"
        printf '%-18s %14s %14s %10s\n' "" "new" "old" "new/old"
        printf '%-18s %14.3f %14.3f %10s\n' "wall min (s)" "$s_min" "$o_min" "$(pct "$s_min" "$o_min")"
        printf '%-18s %14.3f %14.3f %10s\n' "wall median (s)" "$s_med" "$o_med" "$(pct "$s_med" "$o_med")"
        printf '%-18s %14s %14s %10s\n' "max RSS (MiB)" "$(mib "$s_rss")" "$(mib "$o_rss")" "$(pct "$s_rss" "$o_rss")"
        same_findings "$report" "$report_old"
        echo
    fi
    # The planted conflicts are the only ones in the file, so the report must list exactly them.
    python3 - "$report" "$gen_log" <<'EOF' || true
import collections, json, re, sys
report, gen_log = sys.argv[1], sys.argv[2]
try:
    with open(report, encoding="utf-8") as f:
        got = collections.Counter(x.get("rule", "?") for x in json.load(f).get("findings", []))
except (OSError, ValueError, AttributeError) as e:
    print("findings check: cannot read %s: %s" % (report, e))
    sys.exit(0)
line = [l for l in open(gen_log) if "findings they should give" in l][-1]
want = {k: int(v) for k, v in
        re.findall(r"([a-z-]+) (\d+)", line.split(":", 2)[2].split("(total")[0])}
ok = all(got.get(k, 0) == v for k, v in want.items()) and sum(got.values()) == sum(want.values())
print("findings check: %s: spnscan %s; planted %s" % ("OK" if ok else "DIFFERENT",
      dict(sorted(got.items())), want))
EOF
else
    printf '%-18s %14s\n' "" "grep -c"
    printf '%-18s %14.3f\n' "wall min (s)" "$g_min"
    printf '%-18s %14.3f\n' "wall median (s)" "$g_med"
    printf '%-18s %14s\n' "MiB/s (at min)" "$(mbps "$g_min")"
    printf '%-18s %14s\n' "max RSS (MiB)" "$(mib "$g_rss")"
    echo
    echo "(GREP_ONLY=1: spnscan not measured)"
fi
