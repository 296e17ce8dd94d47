# Shared by bench/run_ldif.sh and bench/run_ldap.sh (sourced): the old-against-new comparison.

# pct NEW OLD: the change from OLD to NEW, "+3.2%" (or "-" without an OLD).
pct() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%+.1f%%", (a / b - 1) * 100; else print "-" }'; }

# same_findings REPORT REPORT_OLD: whether two JSON reports hold the same finding ids (an id hashes
# the rule, the SPN and the holders).
same_findings() {
  python3 - "$1" "$2" <<'PY' || true
import json, sys
ids = [sorted(f["id"] for f in json.load(open(p, encoding="utf-8"))["findings"]) for p in sys.argv[1:]]
print("new vs old findings: %s (%d and %d)" % ("the same" if ids[0] == ids[1] else "DIFFERENT",
      len(ids[0]), len(ids[1])))
PY
}
