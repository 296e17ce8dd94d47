#!/usr/bin/env bash
# Writes the seed corpus of a fuzz target into DIR, from the project's own test data:
#   seeds.sh ldif|spn|attributes|files DIR [SOURCE_DIR]
# ldif: the fixtures and sample exports as they are. spn: every servicePrincipalName value of
# the fixtures, one per file (base64 values decoded). attributes: sPNMappings values, range
# options and objectSids of the fixtures. files: config files, allow lists and baseline reports,
# each behind the byte that selects its parser in fuzz_files.cpp (0 config, 1 allow, 2 baseline).
set -euo pipefail
target=$1 dir=$2
source=${3:-$(cd "$(dirname "$0")/.." && pwd)}
mkdir -p "$dir"
ldifs=("$source"/fixtures/*.ldif "$source"/tests/data/ldif/*.ldif)

# The values of attribute $1 in the fixtures, one per file named $2-N, base64 decoded.
values() {
  python3 - "$1" "$dir/$2" "${ldifs[@]}" <<'PY'
import base64, sys
attr, prefix, files = sys.argv[1].lower(), sys.argv[2], sys.argv[3:]
seen, n = set(), 0
for path in files:
    data = open(path, "rb").read()
    if data.startswith(b"\xff\xfe"):
        data = data[2:].decode("utf-16-le").encode()
    text = data.replace(b"\r\n", b"\n").replace(b"\n ", b"")
    for line in text.split(b"\n"):
        name, sep, value = line.partition(b":")
        if not sep or name.split(b";")[0].lower() != attr.encode():
            continue
        value = base64.b64decode(value[1:].strip()) if value.startswith(b":") else value.strip()
        if value not in seen:
            seen.add(value)
            n += 1
            open("%s-%d" % (prefix, n), "wb").write(value)
PY
}

case $target in
ldif)
  # The files whole, and cut into runs of three records: small seeds keep the fuzzer fast.
  for f in "${ldifs[@]}"; do cp "$f" "$dir/"; done
  python3 - "$dir" "${ldifs[@]}" <<'PY'
import sys
out, files = sys.argv[1], sys.argv[2:]
n = 0
for path in files:
    data = open(path, "rb").read()
    if data.startswith(b"\xff\xfe"):
        continue  # UTF-16: kept whole only
    records = [r for r in data.replace(b"\r\n", b"\n").split(b"\n\n") if r.strip()]
    for i in range(0, len(records), 3):
        n += 1
        open("%s/part-%d" % (out, n), "wb").write(b"\n\n".join(records[i:i + 3]) + b"\n")
PY
  ;;
spn)
  values servicePrincipalName spn
  ;;
attributes)
  values sPNMappings mapping
  values objectSid sid
  n=0
  for r in "range=0-1499" "range=1500-*" "range=0-*" "Range=10-5" "range=1-2;x" "range=-"; do
    n=$((n + 1))
    printf '%s' "$r" >"$dir/range-$n"
  done
  ;;
files)
  seed() { # seed NAME SELECTOR: the text on stdin, behind the selector byte
    { printf "\\x$2"; cat; } >"$dir/$1"
  }
  printf 'uri = ldaps://dc1.contoso.com\nsasl-mech = GSSAPI\nkeytab = /etc/spnscan/k.keytab\n# c\nformat = json\n' | seed config-1 00
  printf '\xef\xbb\xbfldif = a.ldif\r\nldif = "b c.ldif"\r\ndisable = malformed-spn,duplicate-spn\r\nstarttls = yes\r\n' | seed config-2 00
  printf 'password-file = /etc/spnscan/pw\n[scan]\n' | seed config-3 00
  printf '# accepted\nrule=malformed-spn account=svc_typo reason="legacy, CHG-42" expires=2027-06-30\n' | seed allow-1 01
  printf 'spn=HTTP/*.contoso.com reason=x\nid=duplicate-spn:0123456789abcdef reason="a \\"b\\""\naccount=CN=x,DC=y reason=z expires=2026-01-01\n' | seed allow-2 01
  for report in "$source"/tests/golden/*.json; do
    seed "baseline-$(basename "$report")" 02 <"$report"
  done
  printf '{"schema_version": 1, "scan": {"complete": false}, "findings": [{"id": "a:1"}]}' | seed baseline-small 02
  ;;
*)
  echo "seeds.sh: unknown target '$target' (ldif, spn, attributes or files)" >&2
  exit 2
  ;;
esac
