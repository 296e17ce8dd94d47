#!/usr/bin/env bash
# Writes the seed corpus of a fuzz target into DIR, from the project's own test data:
#   seeds.sh ldif|spn|attributes DIR [SOURCE_DIR]
# ldif: the fixtures and sample exports as they are. spn: every servicePrincipalName value of
# the fixtures, one per file (base64 values decoded). attributes: sPNMappings values, range
# options and objectSids of the fixtures.
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
*)
  echo "seeds.sh: unknown target '$target' (ldif, spn or attributes)" >&2
  exit 2
  ;;
esac
