#!/usr/bin/env bash
# Smoke test of a DC started by ../samba-dc.sh: checks every behaviour the README section
# "Samba AD DC" records, with ldapsearch and kinit. Usage: verify.sh --dir DIR
# Prints one PASS/FAIL line per check; exits 1 if any check failed.
set -uo pipefail

[[ $# == 2 && $1 == --dir ]] || {
    echo "usage: verify.sh --dir DIR" >&2
    exit 2
}
SUPPORT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
eval "$("$SUPPORT_DIR/samba-dc.sh" env --dir "$2")" || exit 1

# LDAPNOINIT=1 would make libldap ignore LDAPTLS_CACERT too, so the CA goes in through the
# environment and ldap.conf is neutralised by overriding what matters.
export LDAPTLS_CACERT=$CA_FILE LDAPTLS_REQCERT=demand KRB5_CONFIG
# A separate cache so the one samba-dc.sh left behind is not touched.
export KRB5CCNAME=FILE:$2/verify.ccache
# ldapsearch -y would send the trailing newline as part of the password.
password=$(<"$BIND_PASSWORD_FILE")
failures=0
out=""

# check NAME EXPECTED_RC GREP_PATTERN command...: runs the command, wants its exit status and
# a line matching the pattern in its combined output.
check() {
    local name=$1 want_rc=$2 pattern=$3 rc
    shift 3
    out=$("$@" 2>&1)
    rc=$?
    if [[ $rc == "$want_rc" ]] && grep -Eq -- "$pattern" <<<"$out"; then
        echo "PASS $name"
    else
        echo "FAIL $name (exit $rc, wanted $want_rc and /$pattern/):"
        head -n 20 <<<"$out" | sed 's/^/    /'
        failures=$((failures + 1))
    fi
}

# check_absent NAME GREP_PATTERN command...: wants exit status 0 and no line matching the pattern.
check_absent() {
    local name=$1 pattern=$2 rc
    shift 2
    out=$("$@" 2>&1)
    rc=$?
    if [[ $rc == 0 ]] && ! grep -Eq -- "$pattern" <<<"$out"; then
        echo "PASS $name"
    else
        echo "FAIL $name (exit $rc, wanted 0 and no /$pattern/):"
        grep -E -- "$pattern" <<<"$out" | sed 's/^/    /' | head -n 20
        failures=$((failures + 1))
    fi
}

simple() {
    ldapsearch -LLL -x -D "$BIND_UPN" -w "$password" "$@"
}

check "LDAPS simple bind (UPN)" 0 '^servicePrincipalName: MSSQLSvc/sql1.samdom.example.com:1433$' \
    simple -H "$LDAPS_URI" -b "$BASE_DN" '(sAMAccountName=svc_sql)' servicePrincipalName
check "LDAPS simple bind (DN)" 0 '^dnsHostName: dc1.samdom.example.com$' \
    ldapsearch -LLL -x -D "$BIND_DN" -w "$password" -H "$LDAPS_URI" -s base -b '' dnsHostName
check "StartTLS simple bind on 389" 0 '^servicePrincipalName: HTTP/web01.samdom.example.com$' \
    simple -ZZ -H "$LDAP_URI" -b "$BASE_DN" '(sAMAccountName=svc_web)' servicePrincipalName
check "plain simple bind on 389 refused" 8 'BindSimple: Transport encryption required\.' \
    simple -H "$LDAP_URI" -s base -b '' dnsHostName
check "plain simple bind on GC 3268 refused" 8 'BindSimple: Transport encryption required\.' \
    simple -H "$GC_URI" -s base -b '' dnsHostName
check "wrong password" 49 'AcceptSecurityContext error, data 52e' \
    ldapsearch -LLL -x -D "$BIND_UPN" -w wrong -H "$LDAPS_URI" -s base -b '' dnsHostName
check "password with its newline (ldapsearch -y) is wrong" 49 'data 52e' \
    ldapsearch -LLL -x -D "$BIND_UPN" -y "$BIND_PASSWORD_FILE" -H "$LDAPS_URI" -s base -b '' dnsHostName
check "kinit with keytab" 0 '' kinit -k -t "$KEYTAB" "$PRINCIPAL"
check "GSSAPI over LDAPS, maxssf=0" 0 '^servicePrincipalName: SMTPSVC/hub1.samdom.example.com$' \
    ldapsearch -LLL -N -Y GSSAPI -O maxssf=0 -H "$LDAPS_URI" -b "$BASE_DN" '(sAMAccountName=HUB1$)' servicePrincipalName
check "GSSAPI over LDAPS with sign/seal refused" 53 'Sign or Seal are not allowed if TLS is used' \
    ldapsearch -LLL -N -Y GSSAPI -H "$LDAPS_URI" -s base -b '' dnsHostName
check "GSSAPI over StartTLS, maxssf=0" 0 '^dnsHostName: dc1.samdom.example.com$' \
    ldapsearch -LLL -N -ZZ -Y GSSAPI -O maxssf=0 -H "$LDAP_URI" -s base -b '' dnsHostName
check "GSSAPI over plain 389 (sign+seal)" 0 'SASL SSF: 256' \
    ldapsearch -LLL -N -Y GSSAPI -H "$LDAP_URI" -s base -b '' dnsHostName
check "GSSAPI over plain 389 without a layer refused" 8 'SASL:\[GSSAPI\]: not allowed if TLS is used\.' \
    ldapsearch -LLL -N -Y GSSAPI -O maxssf=0 -H "$LDAP_URI" -s base -b '' dnsHostName
check "GSSAPI with host canonicalisation asks for the wrong ldap/ principal" 254 'Server not found in Kerberos database' \
    ldapsearch -LLL -Y GSSAPI -O maxssf=0 -H "$LDAPS_URI" -s base -b '' dnsHostName
check "GC 3268 StartTLS, base \"\": duplicate SMTP SPN on Administrator" 0 '^dn: CN=Administrator,CN=Users,DC=samdom,DC=example,DC=com$' \
    simple -ZZ -H "$GC_URI" -b '' '(servicePrincipalName=SMTP/hub1.samdom.example.com)' sAMAccountName
check "GC 3268: same SPN also on HUB1" 0 '^dn: CN=HUB1,CN=Computers,DC=samdom,DC=example,DC=com$' \
    simple -ZZ -H "$GC_URI" -b '' '(servicePrincipalName=SMTP/hub1.samdom.example.com)' sAMAccountName
check "GC 3269 LDAPS: alias collision HOST/web01 on WEB01" 0 '^servicePrincipalName: HOST/web01.samdom.example.com$' \
    simple -H "$GCS_URI" -b '' '(sAMAccountName=WEB01$)' servicePrincipalName
check "Administrator holds SMTPSVC/hub1 (the ldb write took)" 0 '^servicePrincipalName: SMTPSVC/hub1.samdom.example.com$' \
    simple -H "$LDAPS_URI" -b "CN=Administrator,CN=Users,$BASE_DN" -s base servicePrincipalName
check "HUB1 is enabled and has its dNSHostName" 0 '^dNSHostName: hub1.samdom.example.com$' \
    simple -H "$LDAPS_URI" -b "$BASE_DN" '(&(sAMAccountName=HUB1$)(!(userAccountControl:1.2.840.113556.1.4.803:=2)))' dNSHostName
check "WEB01 is enabled and has its dNSHostName" 0 '^dNSHostName: web01.samdom.example.com$' \
    simple -H "$LDAPS_URI" -b "$BASE_DN" '(&(sAMAccountName=WEB01$)(!(userAccountControl:1.2.840.113556.1.4.803:=2)))' dNSHostName
check "dns-dc1 holds DNS/dc1.samdom.example.com (as a BIND9_DLZ provision makes it)" 0 '^servicePrincipalName: DNS/dc1.samdom.example.com$' \
    simple -H "$LDAPS_URI" -b "$BASE_DN" '(sAMAccountName=dns-dc1)' servicePrincipalName
check "DC has ldap/ SPN (samba_spnupdate ran)" 0 '^servicePrincipalName: ldap/dc1.samdom.example.com$' \
    simple -H "$LDAPS_URI" -b "$BASE_DN" '(sAMAccountName=DC1$)' servicePrincipalName
check "domain root subtree search returns 3 continuation references" 0 '^# numReferences: 3$' \
    ldapsearch -x -D "$BIND_UPN" -w "$password" -H "$LDAPS_URI" -b "$BASE_DN" '(sAMAccountName=scanner)' dn
for ref in "CN=Configuration,$BASE_DN" "DC=DomainDnsZones,$BASE_DN" "DC=ForestDnsZones,$BASE_DN"; do
    check "reference ldaps://samdom.example.com/$ref" 0 "^ref: ldaps://samdom.example.com/$ref\$" \
        ldapsearch -x -D "$BIND_UPN" -w "$password" -H "$LDAPS_URI" -b "$BASE_DN" '(sAMAccountName=scanner)' dn
done
check_absent "GC search with base \"\" returns no references" '^# ref' \
    ldapsearch -x -D "$BIND_UPN" -w "$password" -H "$GCS_URI" -b '' '(servicePrincipalName=*)' dn

bulk=$(ldapsearch -LLL -x -D "$BIND_UPN" -w "$password" -H "$LDAPS_URI" -E pr=1000/noprompt \
    -b "OU=Bulk,$BASE_DN" '(servicePrincipalName=*)' dn 2>/dev/null | grep -c '^dn:')
if ((bulk > 0)); then
    check "unpaged search over $bulk bulk accounts is not cut at 1000 by samba" 0 "^# numEntries: $bulk\$" \
        ldapsearch -x -D "$BIND_UPN" -w "$password" -H "$LDAPS_URI" -b "OU=Bulk,$BASE_DN" '(servicePrincipalName=*)' dn
    check "samba ignores the request's size limit (-z 10): all $bulk, result 0" 0 "^# numEntries: $bulk\$" \
        ldapsearch -x -z 10 -D "$BIND_UPN" -w "$password" -H "$LDAPS_URI" -b "OU=Bulk,$BASE_DN" '(servicePrincipalName=*)' dn
    check "paged search (500 per page) returns all $bulk" 0 "^# numEntries: $bulk\$" \
        ldapsearch -x -D "$BIND_UPN" -w "$password" -H "$GCS_URI" -E pr=500/noprompt -b "OU=Bulk,$BASE_DN" '(servicePrincipalName=*)' dn
fi

many=$(ldapsearch -LLL -x -D "$BIND_UPN" -w "$password" -H "$LDAPS_URI" -b "$BASE_DN" \
    '(sAMAccountName=svc_many)' servicePrincipalName 2>/dev/null | grep -c '^servicePrincipalName:')
if ((many > 0)); then
    echo "INFO svc_many: $many SPNs returned in the plain attribute (samba does not force ranges)"
    if ((many > 1500)); then
        check "explicit range 0-1499 gives 1500 values" 0 '^servicePrincipalName;range=0-1499: ' \
            simple -H "$LDAPS_URI" -b "$BASE_DN" '(sAMAccountName=svc_many)' 'servicePrincipalName;range=0-1499'
        check "explicit range 1500-* ends in *" 0 '^servicePrincipalName;range=1500-\*: ' \
            simple -H "$LDAPS_URI" -b "$BASE_DN" '(sAMAccountName=svc_many)' 'servicePrincipalName;range=1500-*'
    fi
fi

if ((failures > 0)); then
    echo "$failures check(s) failed"
    exit 1
fi
echo "all checks passed"
