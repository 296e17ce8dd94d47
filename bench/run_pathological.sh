#!/usr/bin/env bash
# Memory, time and report size on pathological accounts, which any domain user can create
# (MachineAccountQuota): they must stay linear in the input and small. See bench/README.md.
#
#   many-spns:  one adminCount=1 user holding 100,000 distinct SPNs
#   huge-value: three accounts holding the same 20 MB value
#
# usage: bench/run_pathological.sh            (SPNSCAN=path to compare another build)
# Prints, per case and format: input size, wall time, peak RSS, report size and findings.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
spnscan=${SPNSCAN:-$root/build/spnscan}
out_dir=$here/out
[[ -x $spnscan ]] || { echo "run_pathological.sh: no spnscan binary at $spnscan" >&2; exit 1; }
[[ -x /usr/bin/time ]] || { echo "run_pathological.sh: /usr/bin/time is missing (package 'time')" >&2; exit 1; }
mkdir -p "$out_dir"

many=$out_dir/path-many-spns.ldif
huge=$out_dir/path-huge-value.ldif
if [[ ! -s $many ]]; then
  python3 - "$many" <<'PY'
import sys
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write("dn: CN=svc_many,OU=Service Accounts,DC=corp,DC=example,DC=com\n"
            "objectClass: top\nobjectClass: person\nobjectClass: organizationalPerson\n"
            "objectClass: user\nsAMAccountName: svc_many\nsAMAccountType: 805306368\n"
            "userAccountControl: 512\nadminCount: 1\n")
    for i in range(100000):
        f.write("servicePrincipalName: HTTP/host%06d.corp.example.com\n" % i)
import os
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
PY
fi
if [[ ! -s $huge ]]; then
  python3 - "$huge" <<'PY'
import sys, os
value = "HTTP/" + "a" * (20 * 1024 * 1024 - 5)
with open(sys.argv[1] + ".tmp", "w") as f:
    for name in ("svc_one", "svc_two", "svc_three"):
        f.write("dn: CN=%s,OU=Service Accounts,DC=corp,DC=example,DC=com\n"
                "objectClass: user\nsAMAccountName: %s\nuserAccountControl: 512\n"
                "servicePrincipalName: %s\n\n" % (name, name, value))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
PY
fi

mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }

printf '%-11s %-5s %10s %8s %10s %12s %8s\n' case format input wall peak-RSS report findings
for case in many-spns huge-value; do
  file=$out_dir/path-$case.ldif
  input=$(stat -c %s "$file")
  cat "$file" >/dev/null # page cache
  for format in json text csv; do
    report=$out_dir/path-$case.$format
    rm -f "$report"
    start=$EPOCHREALTIME
    /usr/bin/time -f '%M' -o "$out_dir/time.txt" \
      "$spnscan" scan --ldif "$file" --format "$format" --output "$report" --fail-on never 2>/dev/null \
      || { echo "run_pathological.sh: spnscan failed on $case ($format)" >&2; exit 1; }
    end=$EPOCHREALTIME
    rss_kib=$(tail -1 "$out_dir/time.txt")
    findings=-
    if [[ $format == json ]]; then
      findings=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["findings"]))' "$report")
    fi
    printf '%-11s %-5s %10s %7.2fs %10s %12s %8s\n' "$case" "$format" "$(mib "$input")" \
      "$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')" "$(mib $((rss_kib * 1024)))" \
      "$(mib "$(stat -c %s "$report")")" "$findings"
  done
done
