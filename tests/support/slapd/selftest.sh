#!/bin/bash
# Self-test of tests/support/slapd-fixture.sh: starts the fixture in its modes and checks, with the
# OpenLDAP command-line tools, every behaviour tests rely on. Prints "ok"/"not ok" lines (TAP-like)
# and exits non-zero if any check failed.
#   tests/support/slapd/selftest.sh        (the expected counts are those of sample.ldif)
set -u
here=$(cd "$(dirname "$0")" && pwd)
fixture="$here/../slapd-fixture.sh"
ldif=$here/sample.ldif
work=$(mktemp -d /tmp/slapd-selftest.XXXXXX)
failures=0
started=()

cleanup() {
    for d in "${started[@]}"; do "$fixture" stop --dir "$d" >/dev/null 2>&1; done
    rm -rf "$work"
}
trap cleanup EXIT

ok() { echo "ok - $1"; }
not_ok() { echo "not ok - $1"; failures=$((failures + 1)); }
# check NAME EXPECTED_STATUS COMMAND...: the command's exit status must be EXPECTED_STATUS.
check() {
    local name=$1 want=$2
    shift 2
    "$@" >"$work/out" 2>&1
    local got=$?
    if [ "$got" -eq "$want" ]; then ok "$name"; else not_ok "$name (exit $got, want $want)"; sed 's/^/#   /' "$work/out"; fi
}
# count_dn NAME WANT COMMAND...: the command must print exactly WANT "dn:" lines.
count_dn() {
    local name=$1 want=$2
    shift 2
    local got
    got=$("$@" 2>/dev/null | grep -c '^dn:')
    if [ "$got" -eq "$want" ]; then ok "$name"; else not_ok "$name ($got entries, want $want)"; fi
}
start() {  # start DIR ARGS...: starts the fixture and evals its variables
    local dir=$1
    shift
    local t0 t1
    t0=$(date +%s.%N)
    if ! "$fixture" start --dir "$dir" "$@" >"$work/env" 2>"$work/err"; then
        not_ok "start $*"; sed 's/^/#   /' "$work/err"; return 1
    fi
    t1=$(date +%s.%N)
    started+=("$dir")
    eval "$(cat "$work/env")"
    ok "start $* ($(echo "$t1 - $t0" | bc) s)"
}
# OpenLDAP tools: LDAPNOINIT=1 ignores ldap.conf/ldaprc, but also LDAPTLS_* variables, so TLS
# commands use tls_env (no system files, CA from the fixture) instead.
plain() { env LDAPNOINIT=1 "$@"; }
tls_env() { env -u LDAPNOINIT LDAPCONF=/dev/null LDAPRC=/nonexistent LDAPTLS_REQCERT=demand \
    LDAPTLS_CACERT="$CA_FILE" "$@"; }

# --- default mode: TLS, sample LDIF -------------------------------------------------------
start "$work/a" --ldif "$ldif" || exit 1
check "rootDSE anonymous over ldap://" 0 plain ldapsearch -x -H "$LDAP_URI" -b "" -s base -LLL namingContexts
count_dn "(servicePrincipalName=*) finds the SPN holders" 7 \
    plain ldapsearch -x -H "$LDAP_URI" -b "$BASE_DN" -LLL '(servicePrincipalName=*)' 1.1
count_dn "SPN equality is case-insensitive" 2 \
    plain ldapsearch -x -H "$LDAP_URI" -b "$BASE_DN" -LLL '(servicePrincipalName=smtpsvc/hub1)' 1.1
count_dn "SPN substring filter" 3 \
    plain ldapsearch -x -H "$LDAP_URI" -b "$BASE_DN" -LLL '(servicePrincipalName=HTTP/*)' 1.1
count_dn "sAMAccountName case-insensitive substring" 1 \
    plain ldapsearch -x -H "$LDAP_URI" -b "$BASE_DN" -LLL '(sAMAccountName=admin*)' 1.1
count_dn "(objectClass=user) includes computer, MSA and gMSA subclasses" 7 \
    plain ldapsearch -x -H "$LDAP_URI" -b "$BASE_DN" -LLL '(objectClass=user)' 1.1
count_dn "AD bitwise AND rule 1.2.840.113556.1.4.803 on userAccountControl" 1 \
    plain ldapsearch -x -H "$LDAP_URI" -b "$BASE_DN" -LLL '(userAccountControl:1.2.840.113556.1.4.803:=2)' 1.1
check "attribute names come back spelled like AD" 0 sh -c \
    "env LDAPNOINIT=1 ldapsearch -x -H '$LDAP_URI' -b '$BASE_DN' -LLL '(samaccountname=HUB1\$)' serviceprincipalname samaccountname objectsid | grep -q '^servicePrincipalName: HOST/HUB1\$' && env LDAPNOINIT=1 ldapsearch -x -H '$LDAP_URI' -b '$BASE_DN' -LLL '(samaccountname=HUB1\$)' objectsid | grep -q '^objectSid:: '"
count_dn "sPNMappings readable on CN=Directory Service" 1 \
    plain ldapsearch -x -H "$LDAP_URI" -b "CN=Directory Service,CN=Windows NT,CN=Services,CN=Configuration,$BASE_DN" -s base -LLL '(sPNMappings=host=*)' 1.1
check "simple bind as reader (password file has a trailing newline)" 0 sh -c \
    "[ \"\$(cat '$READER_PASSWORD_FILE')\" = readerpw ] && [ \"\$(stat -c %a '$READER_PASSWORD_FILE')\" = 600 ] && env LDAPNOINIT=1 ldapwhoami -x -H '$LDAP_URI' -D '$READER_DN' -w \"\$(cat '$READER_PASSWORD_FILE')\""
check "simple bind with a wrong password fails with 49" 49 plain ldapwhoami -x -H "$LDAP_URI" -D "$READER_DN" -w wrong
check "reader's userPassword is not readable" 0 sh -c \
    "! env LDAPNOINIT=1 ldapsearch -x -H '$LDAP_URI' -D '$READER_DN' -w readerpw -b '$READER_DN' -s base -LLL userPassword | grep -q userPassword"
check "SASL EXTERNAL over ldapi maps to $EXTERNAL_DN" 0 sh -c \
    "env LDAPNOINIT=1 ldapwhoami -Q -Y EXTERNAL -H '$LDAPI_URI' | grep -qi '^dn:$EXTERNAL_DN\$'"
check "StartTLS to localhost verifies against CA_FILE" 0 tls_env ldapsearch -x -ZZ -H "ldap://localhost:$LDAP_PORT" -b "" -s base -LLL 1.1
check "StartTLS to 127.0.0.1 fails the host name check" 1 tls_env ldapsearch -x -ZZ -H "$LDAP_URI" -b "" -s base -LLL 1.1
check "ldaps://localhost verifies" 0 tls_env ldapsearch -x -H "$LDAPS_URI" -b "" -s base -LLL 1.1
check "ldaps://127.0.0.1 fails the host name check" 255 tls_env ldapsearch -x -H "ldaps://127.0.0.1:$LDAPS_PORT" -b "" -s base -LLL 1.1
check "ldaps without the test CA fails" 255 env -u LDAPNOINIT LDAPCONF=/dev/null LDAPRC=/nonexistent LDAPTLS_REQCERT=demand \
    ldapsearch -x -H "$LDAPS_URI" -b "" -s base -LLL 1.1
check "simple bind over ldaps" 0 tls_env ldapwhoami -x -H "$LDAPS_URI" -D "$READER_DN" -w readerpw
check "SASL EXTERNAL with the client certificate over ldaps" 0 sh -c \
    "env -u LDAPNOINIT LDAPCONF=/dev/null LDAPRC=/nonexistent LDAPTLS_CACERT='$CA_FILE' LDAPTLS_CERT='$CLIENT_CERT' LDAPTLS_KEY='$CLIENT_KEY' ldapwhoami -Q -Y EXTERNAL -H '$LDAPS_URI' | grep -qi '^dn:$TLS_CLIENT_DN\$'"
check "stop" 0 "$fixture" stop --dir "$work/a"
check "server is gone after stop" 255 plain ldapsearch -x -H "$LDAP_URI" -b "" -s base -LLL 1.1

# --- paging: 1,200 accounts ----------------------------------------------------------------
python3 "$here/gen_accounts.py" 1200 >"$work/paging.ldif"
start "$work/b" --ldif "$work/paging.ldif" || exit 1
check "unpaged search ends with 4 sizeLimitExceeded" 4 plain ldapsearch -x -H "$LDAP_URI" -b "$BASE_DN" '(servicePrincipalName=*)' 1.1
count_dn "unpaged search returns 1000 entries first" 1000 \
    plain ldapsearch -x -H "$LDAP_URI" -b "$BASE_DN" '(servicePrincipalName=*)' 1.1
count_dn "paged search (pr=1000) returns all 1200" 1200 \
    plain ldapsearch -x -H "$LDAP_URI" -b "$BASE_DN" -E pr=1000/noprompt '(servicePrincipalName=*)' 1.1
count_dn "paged search (pr=300) returns all 1200" 1200 \
    plain ldapsearch -x -H "$LDAP_URI" -b "$BASE_DN" -E pr=300/noprompt '(servicePrincipalName=*)' 1.1
check "page size above 1000 is refused with 11 adminLimitExceeded" 11 \
    plain ldapsearch -x -H "$LDAP_URI" -b "$BASE_DN" -E pr=1001/noprompt '(servicePrincipalName=*)' 1.1
check "EXTERNAL identity has the same 1000 limit" 4 plain ldapsearch -Q -Y EXTERNAL -H "$LDAPI_URI" -b "$BASE_DN" '(servicePrincipalName=*)' 1.1
check "stop" 0 "$fixture" stop --dir "$work/b"

# --- --no-tls ------------------------------------------------------------------------------
start "$work/c" --ldif "$ldif" --no-tls || exit 1
check "--no-tls: -ZZ fails (StartTLS not offered)" 1 plain ldapsearch -x -ZZ -H "$LDAP_URI" -b "" -s base -LLL 1.1
check "--no-tls: LDAPS_URI and CA_FILE are empty" 0 test -z "$LDAPS_URI$CA_FILE"
check "stop" 0 "$fixture" stop --dir "$work/c"

# --- --retcode ----------------------------------------------------------------------------
python3 - "$work/paging.ldif" >"$work/fault.ldif" <<'EOF'
import sys
text = open(sys.argv[1]).read()
marker = "dn: CN=PAGE01100,OU=Paging,DC=contoso,DC=com\n"
end = text.index("\n\n", text.index(marker))
sys.stdout.write(text[:end] + "\nobjectClass: errAuxObject\nerrCode: 51\n"
                 "errText: fixture: busy in the middle of a search" + text[end:])
EOF
start "$work/d" --ldif "$work/fault.ldif" --retcode || exit 1
check "--retcode: cn=busy gives 51" 51 plain ldapsearch -x -H "$LDAP_URI" -b "cn=busy,$RETCODE_BASE" -s base 1.1
check "--retcode: cn=unavailable gives 52" 52 plain ldapsearch -x -H "$LDAP_URI" -b "cn=unavailable,$RETCODE_BASE" -s base 1.1
check "--retcode: cn=strongerAuthRequired gives 8" 8 plain ldapsearch -x -H "$LDAP_URI" -b "cn=strongerAuthRequired,$RETCODE_BASE" -s base 1.1
check "--retcode: bind as cn=invalidCredentials gives 49" 49 plain ldapwhoami -x -H "$LDAP_URI" -D "cn=invalidCredentials,$RETCODE_BASE" -w x
check "--retcode: cn=disconnect drops the connection" 255 plain ldapsearch -x -H "$LDAP_URI" -b "cn=disconnect,$RETCODE_BASE" -s base 1.1
check "--retcode: errAuxObject entry fails a paged search on page 2 with 51" 51 \
    plain ldapsearch -x -H "$LDAP_URI" -b "$BASE_DN" -E pr=1000/noprompt '(servicePrincipalName=*)' 1.1
count_dn "--retcode: ... after 1099 entries" 1099 \
    plain ldapsearch -x -H "$LDAP_URI" -b "$BASE_DN" -E pr=1000/noprompt '(servicePrincipalName=*)' 1.1
check "stop" 0 "$fixture" stop --dir "$work/d"

if [ "$failures" -eq 0 ]; then echo "# all checks passed"; else echo "# $failures check(s) failed"; fi
[ "$failures" -eq 0 ]
