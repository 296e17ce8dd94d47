#!/usr/bin/env bash
# Self-check of tests/support/ldap_responder.py with OpenLDAP's ldapsearch: proves each scenario
# behaves as documented, so client tests that rely on it fail for the client's faults only.
# Usage: tests/support/test_ldap_responder.sh   (exit 0 when all checks pass; PYTHON=... to choose)
set -u

here=$(cd "$(dirname "$0")" && pwd)
responder="$here/ldap_responder.py"
python=${PYTHON:-python3}
work=$(mktemp -d "${TMPDIR:-/tmp}/ldap_responder_test.XXXXXX")
export LDAPNOINIT=1   # no ldap.conf or ldaprc from the environment changes what ldapsearch does

passed=0
failed=0
pid=""
port=""
log=""
domain="DC=ranged,DC=test"
svc_ou="OU=Service Accounts,$domain"

cleanup() {
    if [ -n "$pid" ]; then
        kill -TERM "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    fi
    rm -rf "$work"
}
trap cleanup EXIT

ok() { passed=$((passed + 1)); echo "ok   - $1"; }
not_ok() { failed=$((failed + 1)); echo "FAIL - $1"; shift; for line in "$@"; do echo "       $line"; done; }

# abort: a responder did not start; report and stop.
abort() {
    echo "$passed passed, $failed failed (stopped early)"
    exit 1
}

# check DESCRIPTION COMMAND...: passes when the command succeeds.
check() {
    local description=$1
    shift
    if "$@"; then ok "$description"; else not_ok "$description" "command: $*"; fi
}

# expect_eq DESCRIPTION EXPECTED ACTUAL
expect_eq() {
    if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "expected: $2" "actual:   $3"; fi
}

# start SCENARIO [ARGS...]: starts the responder with --verbose, sets pid, port and log.
start() {
    local scenario=$1
    shift
    local portfile="$work/$scenario.port"
    log="$work/$scenario.log"
    rm -f "$portfile"
    "$python" "$responder" --scenario "$scenario" --portfile "$portfile" --max-seconds 60 --verbose "$@" \
        >"$work/$scenario.stdout" 2>"$log" &
    pid=$!
    local i
    for i in $(seq 100); do
        [ -s "$portfile" ] && break
        sleep 0.05
    done
    port=$(cat "$portfile" 2>/dev/null)
    if [ -z "$port" ]; then
        not_ok "$scenario: responder started" "$(cat "$log")"
        return 1
    fi
}

# stop: SIGTERM the responder and return its exit status.
stop() {
    local status
    kill -TERM "$pid" 2>/dev/null
    wait "$pid"
    status=$?
    pid=""
    return $status
}

# ls_run NAME ARGS...: ldapsearch against the responder; output in $work/NAME.{out,err}, sets rc.
ls_run() {
    local name=$1
    shift
    timeout 20 ldapsearch -x -LLL -o nettimeout=5 -H "ldap://127.0.0.1:$port" "$@" \
        >"$work/$name.out" 2>"$work/$name.err"
    rc=$?
}

count() { grep -c -- "$1" "$2"; }

# values_of FILE DN ATTR-PREFIX: the values of one entry's lines starting with ATTR-PREFIX.
values_of() {
    awk -v dn="dn: $2" -v attr="$3" '
        /^dn: / { inside = ($0 == dn) }
        inside && index($0, attr) == 1 { sub(/^[^:]*: /, ""); print }' "$1"
}

paged_spn_search() {
    ls_run "$1" -b "$domain" -E "pr=${2:-1000}/noprompt" '(servicePrincipalName=*)' servicePrincipalName
}

# ---------------------------------------------------------------------------------------------
echo "# scenario ranged"
start ranged || abort
expect_eq "ranged: PORT= line on stdout matches --portfile" "PORT=$port" "$(cat "$work/ranged.stdout")"
check "ranged: listens on 127.0.0.1 only" grep -q "listening on 127.0.0.1:$port" "$log"

ls_run rootdse -s base -b "" '(objectClass=*)' defaultNamingContext configurationNamingContext supportedControl
expect_eq "ranged: RootDSE search succeeds" 0 "$rc"
check "ranged: RootDSE defaultNamingContext" grep -qx "defaultNamingContext: $domain" "$work/rootdse.out"
check "ranged: RootDSE configurationNamingContext" \
    grep -qx "configurationNamingContext: CN=Configuration,$domain" "$work/rootdse.out"
check "ranged: RootDSE advertises paged results" grep -qx "supportedControl: 1.2.840.113556.1.4.319" "$work/rootdse.out"

paged_spn_search spn
expect_eq "ranged: paged SPN search succeeds" 0 "$rc"
expect_eq "ranged: paged SPN search returns 1107 entries" 1107 "$(count '^dn: ' "$work/spn.out")"
expect_eq "ranged: two pages (one cookie, then the empty one)" 2 "$(count '^# pagedresults: cookie=' "$work/spn.out")"
check "ranged: page sizes 1000 and 107 (log)" \
    grep -q "entries=1000 cookie=[0-9a-f]" "$log"
check "ranged: last page has 107 entries and no cookie (log)" grep -q "entries=107 cookie=-" "$log"
expect_eq "ranged: servicePrincipalName;range=0-1499 arrives on exactly svc-1501 and svc-5000" \
    "dn: CN=svc-1501,$svc_ou|dn: CN=svc-5000,$svc_ou|" \
    "$(awk '/^dn: /{dn=$0} /^servicePrincipalName;range=0-1499: /{print dn}' "$work/spn.out" | sort -u | tr '\n' '|')"
for n in 1501 5000; do
    dn="CN=svc-$n,$svc_ou"
    expect_eq "ranged: svc-$n has 1500 values in range 0-1499" 1500 \
        "$(values_of "$work/spn.out" "$dn" 'servicePrincipalName;range=0-1499: ' | wc -l)"
    expect_eq "ranged: svc-$n has no plain servicePrincipalName" 0 \
        "$(values_of "$work/spn.out" "$dn" 'servicePrincipalName: ' | wc -l)"
done
for n in 1 1499 1500; do
    expect_eq "ranged: svc-$n has $n plain values" "$n" \
        "$(values_of "$work/spn.out" "CN=svc-$n,$svc_ou" 'servicePrincipalName: ' | wc -l)"
done
expect_eq "ranged: svc-0 (no SPN) is not returned" 0 "$(count '^dn: CN=svc-0,' "$work/spn.out")"
expect_eq "ranged: svc-1500 is not ranged" 0 \
    "$(values_of "$work/spn.out" "CN=svc-1500,$svc_ou" 'servicePrincipalName;' | wc -l)"

# Follow the ranges of svc-5000 until the range ends in *, the way the client must.
dn="CN=svc-5000,$svc_ou"
values_of "$work/spn.out" "$dn" 'servicePrincipalName;range=0-1499: ' >"$work/all5000"
low=1500
ranges=""
for step in 1 2 3 4 5; do
    ls_run "range$step" -s base -b "$dn" '(objectClass=*)' "servicePrincipalName;range=$low-*"
    [ "$rc" = 0 ] || break
    got=$(grep -o '^servicePrincipalName;range=[0-9]*-[0-9*]*' "$work/range$step.out" | sort -u)
    ranges="$ranges ${got#servicePrincipalName;range=}"
    grep '^servicePrincipalName;range=' "$work/range$step.out" | sed 's/^[^:]*: //' >>"$work/all5000"
    case $got in
        *-\*) break ;;
    esac
    low=$(( ${got##*-} + 1 ))
done
expect_eq "ranged: svc-5000 follow-up ranges" " 1500-2999 3000-4499 4500-*" "$ranges"
seq 0 4999 | sed 's|^|HTTP/svc-5000-|; s|$|.ranged.test|' | sort >"$work/expected5000"
sort "$work/all5000" >"$work/got5000"
check "ranged: svc-5000 ranges together give exactly its 5000 values" cmp -s "$work/expected5000" "$work/got5000"
expect_eq "ranged: a ranged follow-up returns at most 1500 values" 1500 \
    "$(count '^servicePrincipalName;range=1500-2999: ' "$work/range1.out")"

ls_run r1501 -s base -b "CN=svc-1501,$svc_ou" '(objectClass=*)' 'servicePrincipalName;range=1500-*'
expect_eq "ranged: svc-1501 range=1500-* is the end" "servicePrincipalName;range=1500-*: HTTP/svc-1501-1500.ranged.test" \
    "$(grep '^servicePrincipalName' "$work/r1501.out")"
ls_run low -s base -b "$dn" '(objectClass=*)' 'servicePrincipalName;range=7-9'
expect_eq "ranged: range=7-9 honoured" "7 8 9" \
    "$(sed -n 's|^servicePrincipalName;range=7-9: HTTP/svc-5000-\([0-9]*\).ranged.test$|\1|p' "$work/low.out" | tr '\n' ' ' | sed 's/ $//')"
ls_run tail -s base -b "$dn" '(objectClass=*)' 'servicePrincipalName;range=4990-6000'
expect_eq "ranged: range=4990-6000 becomes 4990-* with 10 values" 10 \
    "$(count '^servicePrincipalName;range=4990-\*: ' "$work/tail.out")"
ls_run small -s base -b "CN=svc-1,$svc_ou" '(objectClass=*)' 'servicePrincipalName;range=0-*'
expect_eq "ranged: an explicit range on 1 value is answered ranged" \
    "servicePrincipalName;range=0-*: HTTP/svc-1-0.ranged.test" "$(grep '^servicePrincipalName' "$work/small.out")"

ls_run entry -s base -b "CN=svc-1,$svc_ou" '(objectClass=*)'
for attr in 'sAMAccountName: svc-1' 'objectClass: user' 'userAccountControl: 512' 'sAMAccountType: 805306368' \
            'objectSid:: AQUAAAAAAAUVAAAAxzU6Qo5rdIRVoa7GTQQAAA=='; do
    check "ranged: svc-1 carries '$attr'" grep -qx -- "$attr" "$work/entry.out"
done
ls_run admin -b "$domain" '(sAMAccountName=Administrator)' objectSid
expect_eq "ranged: Administrator objectSid is S-1-5-21-...-500" "S-1-5-21-1111111111-2222222222-3333333333-500" \
    "$("$python" -c '
import base64, struct, sys
raw = base64.b64decode(sys.argv[1])
count = raw[1]
subs = struct.unpack("<%dI" % count, raw[8:8 + 4 * count])
print("S-%d-%d-%s" % (raw[0], int.from_bytes(raw[2:8], "big"), "-".join(map(str, subs))))
' "$(sed -n 's/^objectSid:: //p' "$work/admin.out")")"

ls_run nopage -b "$domain" '(servicePrincipalName=*)' sAMAccountName
expect_eq "ranged: unpaged search ends with sizeLimitExceeded (4)" 4 "$rc"
expect_eq "ranged: unpaged search returns 1000 entries" 1000 "$(count '^dn: ' "$work/nopage.out")"

paged_spn_search big 5000
expect_eq "ranged: page size 5000 is capped at 1000 (still 2 pages)" "0 1107 2" \
    "$rc $(count '^dn: ' "$work/big.out") $(count '^# pagedresults: cookie=' "$work/big.out")"
paged_spn_search small 500
expect_eq "ranged: page size 500 gives 3 pages" "0 1107 3" \
    "$rc $(count '^dn: ' "$work/small.out") $(count '^# pagedresults: cookie=' "$work/small.out")"

ls_run tls -ZZ -s base -b "" '(objectClass=*)'
check "ranged: StartTLS (-ZZ) is refused and fatal" test "$rc" -ne 0
check "ranged: StartTLS answered 52 (log)" grep -q "ExtendedRequest 1.3.6.1.4.1.1466.20037 -> 52" "$log"

ls_run nobase -b "CN=nobody,$domain" '(objectClass=*)'
expect_eq "ranged: unknown base gives noSuchObject (32)" 32 "$rc"
ls_run mappings -s base -b "CN=Directory Service,CN=Windows NT,CN=Services,CN=Configuration,$domain" \
    '(objectClass=*)' sPNMappings
check "ranged: sPNMappings readable" grep -q '^sPNMappings: host=alerter,appmgmt,' "$work/mappings.out"
ls_run ncboundary -b "$domain" '(objectClass=nTDSService)' dn
expect_eq "ranged: domain subtree search stops at the configuration NC" "0 0" "$rc $(count '^dn: ' "$work/ncboundary.out")"
ls_run bad -D "CN=Administrator,CN=Users,$domain" -w secret -b "$domain" \
    '(&(objectCategory=computer)(!(userAccountControl:1.2.840.113556.1.4.803:=8192))(|(sAMAccountName=DC1$)(sAMAccountName=WS0*)))' dn
expect_eq "ranged: objectCategory shorthand, bitwise and substring filters (DC1 excluded)" "0 999" \
    "$rc $(count '^dn: ' "$work/bad.out")"
check "ranged: passwords are not logged" bash -c "! grep -q secret '$log'"

start_time=$(date +%s)
stop
expect_eq "ranged: SIGTERM exits with status 0" 0 "$?"
check "ranged: SIGTERM exit is prompt" test $(( $(date +%s) - start_time )) -le 2

# ---------------------------------------------------------------------------------------------
echo "# scenario ranged-duplicate"
start ranged-duplicate --accounts 10 || abort
paged_spn_search dup
check "ranged-duplicate: svc-dup holds the hidden duplicate" grep -qx 'servicePrincipalName: http/SVC-5000-4321.ranged.test' "$work/dup.out"
expect_eq "ranged-duplicate: the duplicate is not in the first range" 0 "$(count 'svc-5000-4321' "$work/dup.out" | tr -d ' ')"
ls_run dup3000 -s base -b "CN=svc-5000,$svc_ou" '(objectClass=*)' 'servicePrincipalName;range=3000-*'
check "ranged-duplicate: range 3000-4499 holds the original" \
    grep -qx 'servicePrincipalName;range=3000-4499: HTTP/svc-5000-4321.ranged.test' "$work/dup3000.out"
stop

# ---------------------------------------------------------------------------------------------
echo "# scenario paged-fail-page2"
start paged-fail-page2 || abort
paged_spn_search pf2
expect_eq "paged-fail-page2: search ends with 53" 53 "$rc"
expect_eq "paged-fail-page2: page 1 arrived (1000 entries)" 1000 "$(count '^dn: ' "$work/pf2.out")"
check "paged-fail-page2: AD's diagnostic text" \
    grep -q '00000057: LdapErr: DSID-0C090A71, comment: Error processing control, data 0, v4563' "$work/pf2.err"
stop

echo "# scenario time-limit"
start time-limit || abort
paged_spn_search tl
expect_eq "time-limit: page 2 ends with timeLimitExceeded (3) after 1000 entries" "3 1000" \
    "$rc $(count '^dn: ' "$work/tl.out")"
stop

# ---------------------------------------------------------------------------------------------
echo "# scenario drop-after-first-page"
start drop-after-first-page || abort
paged_spn_search dafp
expect_eq "drop-after-first-page: connection lost (ldapsearch -1 = 255)" 255 "$rc"
expect_eq "drop-after-first-page: page 1 arrived" 1000 "$(count '^dn: ' "$work/dafp.out")"
check "drop-after-first-page: ldapsearch reports it" grep -q "Can't contact LDAP server" "$work/dafp.err"
ls_run dafp2 -s base -b "" '(objectClass=*)' defaultNamingContext
expect_eq "drop-after-first-page: the server still accepts new connections" 0 "$rc"
stop

echo "# scenario disconnect-notice"
start disconnect-notice || abort
paged_spn_search dn
expect_eq "disconnect-notice: notice of disconnection (52) after page 1" "52 1000" \
    "$rc $(count '^dn: ' "$work/dn.out")"
stop

echo "# scenario drop-mid-page"
start drop-mid-page || abort
paged_spn_search dmp
expect_eq "drop-mid-page: connection lost after 5 entries" "255 5" "$rc $(count '^dn: ' "$work/dmp.out")"
stop

# ---------------------------------------------------------------------------------------------
echo "# scenario stall"
start stall || abort
t0=$(date +%s)
timeout 3 ldapsearch -x -LLL -o nettimeout=2 -H "ldap://127.0.0.1:$port" -s base -b "" '(objectClass=*)' \
    >"$work/stall.out" 2>&1
rc=$?
expect_eq "stall: nothing is answered (killed by timeout)" 124 "$rc"
check "stall: timed out within 5 s" test $(( $(date +%s) - t0 )) -le 5
check "stall: the connection was accepted" grep -q "stalling" "$log"
stop

echo "# scenario stall-search"
start stall-search || abort
ls_run ssroot -s base -b "" '(objectClass=*)' defaultNamingContext
expect_eq "stall-search: RootDSE answered" 0 "$rc"
timeout 3 ldapsearch -x -LLL -o nettimeout=2 -H "ldap://127.0.0.1:$port" -b "$domain" -E pr=1000/noprompt \
    '(servicePrincipalName=*)' servicePrincipalName >"$work/ss.out" 2>&1
rc=$?
expect_eq "stall-search: paged search never answered (killed by timeout)" "124 0" "$rc $(count '^dn: ' "$work/ss.out")"
stop

# ---------------------------------------------------------------------------------------------
echo "# scenario size-limit"
start size-limit || abort
paged_spn_search sl
expect_eq "size-limit: paged control ignored, 1000 entries then 4" "4 1000 0" \
    "$rc $(count '^dn: ' "$work/sl.out") $(count '^# pagedresults' "$work/sl.out")"
stop

echo "# scenario referrals"
start referrals --accounts 10 || abort
paged_spn_search ref
expect_eq "referrals: entries still arrive and the search succeeds" "0 17" "$rc $(count '^dn: ' "$work/ref.out")"
for url in "ldap://ranged.test/CN=Configuration,$domain" \
           "ldap://DomainDnsZones.ranged.test/DC=DomainDnsZones,$domain" \
           "ldap://ForestDnsZones.ranged.test/DC=ForestDnsZones,$domain"; do
    check "referrals: reference $url" grep -qx "# ref$url" "$work/ref.out"
done
check "referrals: ldapsearch did not chase them (one connection)" bash -c "! grep -q 'conn=2' '$log'"
stop

# ---------------------------------------------------------------------------------------------
echo "# scenario bind-fail"
start bind-fail || abort
ls_run bf -D "CN=Administrator,CN=Users,$domain" -w wrong -s base -b "" '(objectClass=*)'
expect_eq "bind-fail: invalidCredentials (49)" 49 "$rc"
check "bind-fail: AD's data 52e text" grep -q \
    '80090308: LdapErr: DSID-0C09042F, comment: AcceptSecurityContext error, data 52e, v4563' "$work/bf.err"
stop

echo "# scenario strong-auth"
start strong-auth || abort
ls_run sa -D "CN=Administrator,CN=Users,$domain" -w x -s base -b "" '(objectClass=*)'
expect_eq "strong-auth: strongerAuthRequired (8)" 8 "$rc"
stop

echo "# scenario busy"
start busy || abort
ls_run busyroot -s base -b "" '(objectClass=*)' defaultNamingContext
expect_eq "busy: RootDSE answered" 0 "$rc"
paged_spn_search busy
expect_eq "busy: search answers busy (51)" 51 "$rc"
stop

echo "# scenario range-fail"
start range-fail || abort
paged_spn_search rf
expect_eq "range-fail: the paged search works" "0 1107" "$rc $(count '^dn: ' "$work/rf.out")"
ls_run rf2 -s base -b "CN=svc-5000,$svc_ou" '(objectClass=*)' 'servicePrincipalName;range=1500-*'
expect_eq "range-fail: the ranged follow-up answers unavailable (52)" 52 "$rc"
stop

echo "# scenario no-starttls"
start no-starttls --accounts 0 || abort
ls_run nst -ZZ -s base -b "" '(objectClass=*)'
check "no-starttls: -ZZ fails" test "$rc" -ne 0
check "no-starttls: nothing but StartTLS was asked (no cleartext search)" bash -c "! grep -q SearchRequest '$log'"
ls_run nst2 -Z -s base -b "" '(objectClass=*)' defaultNamingContext
expect_eq "no-starttls: -Z (TLS optional) carries on in cleartext" 0 "$rc"
stop

# ---------------------------------------------------------------------------------------------
echo "# --max-seconds"
t0=$(date +%s)
"$python" "$responder" --scenario stall --max-seconds 1 >/dev/null 2>"$work/max.err"
rc=$?
expect_eq "--max-seconds: exits by itself with 124" 124 "$rc"
check "--max-seconds: within 3 s" test $(( $(date +%s) - t0 )) -le 3
"$python" "$responder" --scenario nonsense >/dev/null 2>&1
expect_eq "unknown scenario: usage error (2)" 2 "$?"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
