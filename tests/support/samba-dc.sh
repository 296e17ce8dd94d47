#!/usr/bin/env bash
# Throwaway Samba AD domain controller for spnscan's integration tests.
#
#   samba-dc.sh start --dir DIR [--many N] [--many-spns N] [--max-runtime SECONDS]
#       Provisions SAMDOM.EXAMPLE.COM into DIR (which must be empty or absent), writes the
#       test accounts and SPNs (duplicates included) offline, starts samba on the loopback
#       interface, waits until LDAPS answers and a keytab kinit works, and prints
#       shell-eval-able variables on stdout (progress goes to stderr):
#           eval "$(tests/support/samba-dc.sh start --dir "$tmp")"
#   samba-dc.sh stop --dir DIR      stops the DC started in DIR and waits for it to exit.
#   samba-dc.sh env --dir DIR       prints the variables of a started DC again.
#
# Needs root: samba binds the privileged ports 88/389/464/636/3268/3269 on 127.0.0.1 and ::1,
# and the script appends "127.0.0.1 dc1.samdom.example.com" to /etc/hosts once (idempotent).
# It never reads or writes /etc/samba: every samba tool gets --configfile DIR/etc/smb.conf.
# See tests/support/README.md, section "Samba AD DC", for what was verified and how.
set -euo pipefail

readonly REALM=SAMDOM.EXAMPLE.COM
readonly DOMAIN=SAMDOM
readonly DNS_DOMAIN=samdom.example.com
readonly HOST_NAME=dc1
readonly DC_HOST=${HOST_NAME}.${DNS_DOMAIN}
readonly BASE_DN=DC=samdom,DC=example,DC=com
readonly PARTITION_FILE_NAME='DC=SAMDOM,DC=EXAMPLE,DC=COM.ldb'
# Fixed passwords: the DC only listens on loopback and lives for one test run.
readonly ADMIN_PASSWORD='Adm1n.Passw0rd.Samba'
readonly SCANNER_PASSWORD='Sc4nner.Passw0rd'
readonly HOSTS_MARKER='# added by spnscan tests/support/samba-dc.sh'
readonly TCP_PORTS=(88 389 464 636 3268 3269)
readonly UDP_PORTS=(88 464)
SUPPORT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly SUPPORT_DIR

die() {
    echo "samba-dc.sh: error: $*" >&2
    exit 1
}

log() {
    echo "samba-dc.sh: $*" >&2
}

usage() {
    cat >&2 <<'EOF'
usage: samba-dc.sh start --dir DIR [--many N] [--many-spns N] [--max-runtime SECONDS]
       samba-dc.sh stop --dir DIR
       samba-dc.sh env --dir DIR
EOF
    exit 2
}

# Runs a command quietly, keeping its output in DIR/setup.log and showing it on failure.
run_logged() {
    local what=$1
    shift
    {
        echo "### $what (at $((SECONDS - START_SECONDS)) s)"
        echo "\$ $*"
    } >>"$DIR/setup.log"
    if ! "$@" >>"$DIR/setup.log" 2>&1; then
        tail -n 20 "$DIR/setup.log" >&2
        die "$what failed (full output in $DIR/setup.log)"
    fi
}

check_tools() {
    local tool
    for tool in samba samba-tool samba_spnupdate ldbadd ldbmodify ldapsearch kinit openssl ss; do
        command -v "$tool" >/dev/null || die "'$tool' not found (Debian packages: samba samba-ad-dc ldb-tools ldap-utils krb5-user openssl iproute2)"
    done
}

check_ports_free() {
    local port busy
    for port in "${TCP_PORTS[@]}"; do
        busy=$(ss -Hltnp "sport = :$port" || true)
        [[ -z $busy ]] || die "TCP port $port is already in use, samba cannot bind it: $busy"
    done
    for port in "${UDP_PORTS[@]}"; do
        busy=$(ss -Hlunp "sport = :$port" || true)
        [[ -z $busy ]] || die "UDP port $port is already in use, samba cannot bind it: $busy"
    done
}

ensure_hosts_entry() {
    if ! grep -Eq "^[[:space:]]*127\.0\.0\.1[[:space:]]([^#]*[[:space:]])?${DC_HOST//./\\.}([[:space:]]|$)" /etc/hosts; then
        [[ -w /etc/hosts ]] || die "/etc/hosts is not writable; add '127.0.0.1 $DC_HOST' to it (needs root)"
        log "appending '127.0.0.1 $DC_HOST' to /etc/hosts"
        printf '127.0.0.1 %s %s\n' "$DC_HOST" "$HOSTS_MARKER" >>/etc/hosts
    fi
    local resolved
    resolved=$(getent ahostsv4 "$DC_HOST" | awk 'NR == 1 { print $1 }')
    [[ $resolved == 127.0.0.1 ]] || die "$DC_HOST resolves to '${resolved}', expected 127.0.0.1 (check /etc/hosts and /etc/nsswitch.conf)"
}

provision() {
    # interfaces/bind interfaces only: listen on loopback only. server services: only the LDAP
    # server (389, 636, 3268, 3269) and the KDC (88, 464); no smbd, DNS, NBT, RPC or winbindd.
    # allow_sasl_over_tls: like Windows, accept GSSAPI without sign/seal inside TLS; samba 4.17's
    # default ("yes") refuses that with "SASL:[GSSAPI]: Sign or Seal are required." and refuses
    # sign/seal inside TLS too, so GSSAPI over LDAPS could not work at all. Simple binds on plain
    # 389 stay refused either way. The directory options keep every socket, pid and log file inside DIR.
    run_logged "samba-tool domain provision" \
        samba-tool domain provision \
        --targetdir="$DIR" \
        --realm="$REALM" --domain="$DOMAIN" --host-name="$HOST_NAME" \
        --server-role=dc --dns-backend=SAMBA_INTERNAL \
        --adminpass="$ADMIN_PASSWORD" \
        --option="interfaces = lo" \
        --option="bind interfaces only = yes" \
        --option="server services = ldap kdc" \
        --option="ldap server require strong auth = allow_sasl_over_tls" \
        --option="tls enabled = yes" \
        --option="tls keyfile = $DIR/tls/dc-key.pem" \
        --option="tls certfile = $DIR/tls/dc-cert.pem" \
        --option="tls cafile = $DIR/tls/ca.pem" \
        --option="log file = $DIR/log/log.%m" \
        --option="pid directory = $DIR/run" \
        --option="ncalrpc dir = $DIR/run/ncalrpc" \
        --option="winbindd socket directory = $DIR/run/winbindd" \
        --option="ntp signd socket directory = $DIR/run/ntp_signd"
}

# Our own CA and server certificate instead of the one samba generates at first start: that one
# appears only once samba runs, has no subjectAltName, a 4096-bit key (slow to make) and a random,
# often negative, serial number that some TLS clients reject (Go: "x509: negative serial number").
make_certificates() {
    local tls=$DIR/tls
    mkdir -p "$tls"
    run_logged "create test CA" openssl req -new -newkey rsa:2048 -nodes -keyout "$tls/ca-key.pem" \
        -subj "/O=spnscan tests/CN=spnscan throwaway test CA" -out "$tls/ca.csr"
    run_logged "self-sign test CA" openssl x509 -req -in "$tls/ca.csr" -signkey "$tls/ca-key.pem" \
        -days 30 -set_serial 1 -extfile "$SUPPORT_DIR/samba/ca-cert.ext" -out "$tls/ca.pem"
    run_logged "create DC key" openssl req -new -newkey rsa:2048 -nodes -keyout "$tls/dc-key.pem" \
        -subj "/O=spnscan tests/CN=$DC_HOST" -out "$tls/dc.csr"
    run_logged "sign DC certificate" openssl x509 -req -in "$tls/dc.csr" -CA "$tls/ca.pem" \
        -CAkey "$tls/ca-key.pem" -days 30 -set_serial 2 \
        -extfile "$SUPPORT_DIR/samba/server-cert.ext" -out "$tls/dc-cert.pem"
    # Samba refuses a private key file that others can read.
    chmod 0600 "$tls/ca-key.pem" "$tls/dc-key.pem"
}

write_krb5_conf() {
    cat >"$DIR/krb5.conf" <<EOF
# Kerberos client configuration for the throwaway DC (written by samba-dc.sh).
[libdefaults]
	default_realm = $REALM
	dns_lookup_kdc = false
	dns_lookup_realm = false
	rdns = false
	dns_canonicalize_hostname = false

[realms]
	$REALM = {
		kdc = 127.0.0.1
		admin_server = 127.0.0.1
	}

[domain_realm]
	.$DNS_DOMAIN = $REALM
	$DNS_DOMAIN = $REALM
EOF
}

# Every samba-tool call works offline on the database files, before samba runs.
samba_tool() {
    samba-tool "$@" --configfile="$DIR/etc/smb.conf" -H "tdb://$DIR/private/sam.ldb"
}

create_accounts() {
    run_logged "create user scanner" samba_tool user create scanner "$SCANNER_PASSWORD" \
        --description="spnscan test bind account"
    run_logged "create computer HUB1" samba_tool computer create HUB1 \
        --service-principal-name="SMTP/hub1.$DNS_DOMAIN" \
        --service-principal-name="SMTPSVC/hub1.$DNS_DOMAIN" \
        --service-principal-name="HOST/hub1.$DNS_DOMAIN"
    run_logged "create user svc_web" samba_tool user create svc_web --random-password
    run_logged "add SPN to svc_web" samba_tool spn add "HTTP/web01.$DNS_DOMAIN" svc_web
    # HOST/web01 collides with svc_web's HTTP/web01 through the sPNMappings alias host=...,http,...:
    # samba refuses it (check_spn_alias_collision), so it is written below with ldbmodify.
    run_logged "create computer WEB01" samba_tool computer create WEB01
    run_logged "create user svc_sql" samba_tool user create svc_sql --random-password
    run_logged "add SPN to svc_sql" samba_tool spn add "MSSQLSvc/sql1.$DNS_DOMAIN:1433" svc_sql
    # What a BIND9_DLZ provision creates (setup/provision_dns_add_samba.ldif): user dns-dc1 with
    # DNS/dc1.samdom.example.com while DC1$ holds HOST/dc1...; "dns" is a host alias in
    # sPNMappings, yet the pair is by design and must not be reported. Samba accepts this SPN.
    run_logged "create user dns-$HOST_NAME" samba_tool user create "dns-$HOST_NAME" --random-password \
        --description="DNS Service Account for $HOST_NAME"
    run_logged "add SPN to dns-$HOST_NAME" samba_tool spn add "DNS/$DC_HOST" "dns-$HOST_NAME"
}

# samba-tool computer create leaves a pre-staged account: disabled (userAccountControl 4098)
# and without dNSHostName. A joined Exchange or web server's account is enabled and carries its
# DNS name, which is how a scanner tells that SMTP/hub1.samdom.example.com names HUB1$. Written
# through sam.ldb, so samba's own checks apply (it accepts the same change over LDAP too).
complete_machine_accounts() {
    local name
    for name in "$@"; do
        printf 'dn: CN=%s,CN=Computers,%s\nchangetype: modify\nreplace: dNSHostName\n' "$name" "$BASE_DN"
        printf 'dNSHostName: %s.%s\n-\nreplace: userAccountControl\nuserAccountControl: 4096\n\n' "${name,,}" "$DNS_DOMAIN"
    done >"$DIR/machines.ldif"
    run_logged "give $* their dNSHostName and enable them" \
        ldbmodify --nosync --configfile="$DIR/etc/smb.conf" -H "tdb://$DIR/private/sam.ldb" "$DIR/machines.ldif"
}

# Writes SPNs that samba refuses as duplicates straight into the domain partition file. Without
# the sam.ldb module stack no uniqueness check runs; the file's own @INDEXLIST keeps the
# servicePrincipalName index right, so searches still find the values.
write_duplicate_spns() {
    local partition=$DIR/private/sam.ldb.d/$PARTITION_FILE_NAME
    [[ -f $partition ]] || die "domain partition file not found: $partition"
    cat >"$DIR/duplicates.ldif" <<EOF
dn: CN=Administrator,CN=Users,$BASE_DN
changetype: modify
add: servicePrincipalName
servicePrincipalName: SMTP/hub1.$DNS_DOMAIN
servicePrincipalName: SMTPSVC/hub1.$DNS_DOMAIN

dn: CN=WEB01,CN=Computers,$BASE_DN
changetype: modify
add: servicePrincipalName
servicePrincipalName: HOST/web01.$DNS_DOMAIN
EOF
    run_logged "write duplicate SPNs into $PARTITION_FILE_NAME" \
        ldbmodify --nosync --configfile="$DIR/etc/smb.conf" -H "tdb://$partition" "$DIR/duplicates.ldif"
}

# The cases beyond duplicates (issue 9), as an administrator meets them: accounts made with
# samba-tool, then the attributes written straight into the partition files (like the duplicates
# above), because samba refuses or manages most of them: pwdLastSet is the DC's own, the
# look-alike and stale SPNs fail its checks, and dSHeuristics written through a running DC would
# switch its uniqueness checks off for the other tests' writes.
create_beyond_duplicates_accounts() {
    local name
    for name in svc_deleg svc_rc4 svc_old svc_kl svc_fake; do
        run_logged "create user $name" samba_tool user create "$name" --random-password
    done
    run_logged "add SPN to svc_rc4" samba_tool spn add "MSSQLSvc/crm.$DNS_DOMAIN:1433" svc_rc4
    run_logged "add SPN to svc_old" samba_tool spn add "HTTP/timesheet.$DNS_DOMAIN" svc_old
    for name in APP5 FILE2; do
        run_logged "create computer $name" samba_tool computer create "$name"
    done
    complete_machine_accounts APP5 FILE2
}

write_beyond_duplicates() {
    local partition=$DIR/private/sam.ldb.d/$PARTITION_FILE_NAME
    local config=$DIR/private/sam.ldb.d/CN=CONFIGURATION,$PARTITION_FILE_NAME
    [[ -f $config ]] || die "configuration partition file not found: $config"
    # HTTP/web01<U+200B ZERO WIDTH SPACE>.samdom.example.com and
    # MSSQLSvc/sql1.s<U+0430 CYRILLIC SMALL LETTER A>mdom.example.com:1433, base64 for ldbmodify.
    local zw cyr
    zw=$(printf 'HTTP/web01\xe2\x80\x8b.%s' "$DNS_DOMAIN" | base64 -w0)
    cyr=$(printf 'MSSQLSvc/sql1.s\xd0\xb0mdom.example.com:1433' | base64 -w0)
    cat >"$DIR/beyond.ldif" <<EOF
dn: CN=svc_deleg,CN=Users,$BASE_DN
changetype: modify
add: msDS-AllowedToDelegateTo
msDS-AllowedToDelegateTo: cifs/oldfs.$DNS_DOMAIN
msDS-AllowedToDelegateTo: MSSQLSvc/sql1.$DNS_DOMAIN:1433
msDS-AllowedToDelegateTo: cifs/web01.$DNS_DOMAIN

dn: CN=svc_rc4,CN=Users,$BASE_DN
changetype: modify
replace: msDS-SupportedEncryptionTypes
msDS-SupportedEncryptionTypes: 4

dn: CN=svc_old,CN=Users,$BASE_DN
changetype: modify
replace: pwdLastSet
pwdLastSet: 128541600000000000

dn: CN=svc_kl,CN=Users,$BASE_DN
changetype: modify
add: servicePrincipalName
servicePrincipalName:: $zw

dn: CN=svc_fake,CN=Users,$BASE_DN
changetype: modify
add: servicePrincipalName
servicePrincipalName:: $cyr

dn: CN=APP5,CN=Computers,$BASE_DN
changetype: modify
add: servicePrincipalName
servicePrincipalName: HOST/app5.$DNS_DOMAIN
servicePrincipalName: HOST/APP5
servicePrincipalName: HOST/oldapp.$DNS_DOMAIN
servicePrincipalName: HOST/OLDAPP

dn: CN=FILE2,CN=Computers,$BASE_DN
changetype: modify
add: msDS-AdditionalDnsHostName
msDS-AdditionalDnsHostName: files.$DNS_DOMAIN
-
add: servicePrincipalName
servicePrincipalName: HOST/file2.$DNS_DOMAIN
servicePrincipalName: HOST/FILE2
servicePrincipalName: HOST/files.$DNS_DOMAIN
EOF
    run_logged "write the beyond-duplicates cases into $PARTITION_FILE_NAME" \
        ldbmodify --nosync --configfile="$DIR/etc/smb.conf" -H "tdb://$partition" "$DIR/beyond.ldif"
    cat >"$DIR/heuristics.ldif" <<EOF
dn: CN=Directory Service,CN=Windows NT,CN=Services,CN=Configuration,$BASE_DN
changetype: modify
replace: dSHeuristics
dSHeuristics: 000000000100000000022
EOF
    run_logged "write dSHeuristics (SPN uniqueness check off) into the configuration partition" \
        ldbmodify --nosync --configfile="$DIR/etc/smb.conf" -H "tdb://$config" "$DIR/heuristics.ldif"
}

# Adds N computer accounts BULK0001.. in OU=Bulk through sam.ldb (so SIDs and defaults are
# filled in), in one ldbadd transaction: samba-tool per account would be far slower.
create_many_computers() {
    local count=$1 width=${#1} i name
    ((width >= 4)) || width=4
    {
        printf 'dn: OU=Bulk,%s\nobjectClass: organizationalUnit\n\n' "$BASE_DN"
        for ((i = 1; i <= count; i++)); do
            printf -v name 'BULK%0*d' "$width" "$i"
            printf 'dn: CN=%s,OU=Bulk,%s\nobjectClass: computer\nsAMAccountName: %s$\n' "$name" "$BASE_DN" "$name"
            printf 'userAccountControl: 4096\ndNSHostName: %s.%s\n' "${name,,}" "$DNS_DOMAIN"
            printf 'servicePrincipalName: HOST/%s.%s\nservicePrincipalName: HOST/%s\n\n' "${name,,}" "$DNS_DOMAIN" "$name"
        done
    } >"$DIR/bulk.ldif"
    run_logged "add $count bulk computers" \
        ldbadd --nosync --configfile="$DIR/etc/smb.conf" -H "tdb://$DIR/private/sam.ldb" "$DIR/bulk.ldif"
}

# The DC's own SPNs (ldap/dc1..., GC/..., ...) are normally added by samba's dnsupdate service,
# which is off here; without ldap/dc1.samdom.example.com GSSAPI binds fail with "Server not found
# in Kerberos database". samba_spnupdate adds them offline from private/spn_update_list.
add_dc_spns() {
    run_logged "add the DC's own SPNs" samba_spnupdate --configfile="$DIR/etc/smb.conf" --verbose
}

# Adds user svc_many holding COUNT SPNs HTTP/many<i>.samdom.example.com. Samba never forces
# ranged retrieval on such an attribute, but answers explicit servicePrincipalName;range=... requests.
create_account_with_many_spns() {
    local count=$1 i
    {
        printf 'dn: CN=svc_many,CN=Users,%s\nobjectClass: user\nsAMAccountName: svc_many\n' "$BASE_DN"
        for ((i = 1; i <= count; i++)); do
            printf 'servicePrincipalName: HTTP/many%d.%s\n' "$i" "$DNS_DOMAIN"
        done
    } >"$DIR/svc_many.ldif"
    run_logged "add svc_many with $count SPNs" \
        ldbadd --nosync --configfile="$DIR/etc/smb.conf" -H "tdb://$DIR/private/sam.ldb" "$DIR/svc_many.ldif"
}

export_keytab() {
    run_logged "export keytab for scanner" samba-tool domain exportkeytab "$DIR/scanner.keytab" \
        --principal="scanner@$REALM" --configfile="$DIR/etc/smb.conf"
    chmod 0600 "$DIR/scanner.keytab"
}

print_env() {
    local name
    local name value
    for name in SAMBA_PID DC_HOST LDAP_URI LDAPS_URI GC_URI GCS_URI CA_FILE BASE_DN BIND_DN BIND_UPN \
        BIND_PASSWORD_FILE BIND_PASSWORD ADMIN_PASSWORD_FILE KRB5_CONFIG KEYTAB PRINCIPAL KRB5CCNAME SAMBA_LOG; do
        # Single quotes, with ' written as '\'': readable, and safe for eval whatever DIR holds.
        value=${!name}
        printf "%s='%s'\n" "$name" "${value//\'/\'\\\'\'}"
    done
}

# The variables are read by name in print_env.
# shellcheck disable=SC2034
set_env_values() {
    SAMBA_PID=${1:-}
    LDAP_URI=ldap://$DC_HOST
    LDAPS_URI=ldaps://$DC_HOST
    GC_URI=ldap://$DC_HOST:3268
    GCS_URI=ldaps://$DC_HOST:3269
    CA_FILE=$DIR/tls/ca.pem
    BIND_DN=CN=scanner,CN=Users,$BASE_DN
    BIND_UPN=scanner@$DNS_DOMAIN
    BIND_PASSWORD_FILE=$DIR/scanner.password
    BIND_PASSWORD=$SCANNER_PASSWORD
    ADMIN_PASSWORD_FILE=$DIR/admin.password
    KRB5_CONFIG=$DIR/krb5.conf
    KEYTAB=$DIR/scanner.keytab
    PRINCIPAL=scanner@$REALM
    KRB5CCNAME=FILE:$DIR/ccache
    SAMBA_LOG=$DIR/samba.log
}

wait_until_ready() {
    local pid=$1 deadline=$((SECONDS + 90))
    while ((SECONDS < deadline)); do
        if ! kill -0 "$pid" 2>/dev/null; then
            tail -n 30 "$DIR/samba.log" >&2 || true
            die "samba exited during start-up (log: $DIR/samba.log)"
        fi
        # Not LDAPNOINIT=1 here: it also makes libldap ignore the LDAPTLS_* variables.
        if LDAPTLS_CACERT=$CA_FILE LDAPTLS_REQCERT=demand ldapsearch -x -LLL -o nettimeout=2 -H "$LDAPS_URI" \
            -s base -b '' dnsHostName >/dev/null 2>&1; then
            return 0
        fi
        sleep 0.5
    done
    tail -n 30 "$DIR/samba.log" >&2 || true
    die "LDAPS did not answer on $LDAPS_URI within 90 s (log: $DIR/samba.log)"
}

cmd_start() {
    local many=$1 many_spns=$2 max_runtime=$3
    check_tools
    ((EUID == 0)) || die "must run as root (privileged ports, /etc/hosts)"
    # Samba's messaging sockets live under DIR and a unix socket path is at most 107 bytes.
    ((${#DIR} <= 70)) || die "--dir path is too long for samba's unix sockets (${#DIR} > 70 characters): $DIR"
    if [[ -e $DIR ]] && [[ -n $(ls -A "$DIR") ]]; then
        die "--dir $DIR is not empty; give a fresh directory"
    fi
    check_ports_free
    ensure_hosts_entry
    mkdir -p "$DIR/log" "$DIR/run"
    : >"$DIR/setup.log"

    log "provisioning $REALM in $DIR"
    provision
    make_certificates
    write_krb5_conf
    add_dc_spns
    create_accounts
    complete_machine_accounts HUB1 WEB01
    write_duplicate_spns
    create_beyond_duplicates_accounts
    write_beyond_duplicates
    if ((many > 0)); then
        log "adding $many bulk computer accounts"
        create_many_computers "$many"
    fi
    if ((many_spns > 0)); then
        log "adding svc_many with $many_spns SPNs"
        create_account_with_many_spns "$many_spns"
    fi
    export_keytab
    (
        umask 077
        printf '%s\n' "$SCANNER_PASSWORD" >"$DIR/scanner.password"
        printf '%s\n' "$ADMIN_PASSWORD" >"$DIR/admin.password"
    )

    set_env_values ""
    log "starting samba (log: $DIR/samba.log)"
    # -F keeps samba in the foreground without tying it to stdin (with -i samba exits at EOF on
    # a stdin pipe); --maximum-runtime ends a DC that a killed test run never stopped.
    KRB5_CONFIG=$KRB5_CONFIG samba -F --debug-stdout -M single --maximum-runtime="$max_runtime" \
        --configfile="$DIR/etc/smb.conf" </dev/null >"$DIR/samba.log" 2>&1 &
    local pid=$!
    echo "$pid" >"$DIR/samba-dc.pid"
    # A start that fails from here on must not leave samba holding the ports.
    trap 'kill -TERM '"$pid"' 2>/dev/null || true' EXIT
    wait_until_ready "$pid"
    # Proves the KDC answers too, and leaves a ticket cache for GSSAPI tests.
    if ! KRB5_CONFIG=$KRB5_CONFIG KRB5CCNAME=$KRB5CCNAME kinit -k -t "$KEYTAB" "$PRINCIPAL" >>"$DIR/setup.log" 2>&1; then
        tail -n 5 "$DIR/setup.log" >&2
        die "kinit with $KEYTAB failed against the DC's KDC"
    fi
    trap - EXIT
    set_env_values "$pid"
    # 0600: the variables include the bind password.
    (
        umask 077
        print_env >"$DIR/samba-dc.env"
    )
    cat "$DIR/samba-dc.env"
    log "DC ready in $((SECONDS - START_SECONDS)) s"
}

cmd_stop() {
    local pidfile=$DIR/samba-dc.pid pid
    # Idempotent, so a test fixture's cleanup can always call it, even after a failed start.
    if [[ ! -f $pidfile ]]; then
        log "no $pidfile: nothing to stop"
        return 0
    fi
    pid=$(<"$pidfile")
    # Only signal the PID if it still is samba, so a recycled PID is left alone.
    if [[ $(cat "/proc/$pid/comm" 2>/dev/null || true) != samba ]]; then
        log "samba (pid $pid) is not running"
        rm -f "$pidfile"
        return 0
    fi
    kill -TERM "$pid"
    local deadline=$((SECONDS + 20))
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
        sleep 0.2
    done
    if kill -0 "$pid" 2>/dev/null; then
        log "samba (pid $pid) ignored SIGTERM for 20 s; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        while kill -0 "$pid" 2>/dev/null; do
            sleep 0.2
        done
    fi
    rm -f "$pidfile"
    log "samba (pid $pid) stopped"
}

cmd_env() {
    [[ -f $DIR/samba-dc.env ]] || die "no $DIR/samba-dc.env: no DC was started with --dir $DIR"
    cat "$DIR/samba-dc.env"
}

main() {
    (($# >= 1)) || usage
    local command=$1
    shift
    DIR=""
    local many=0 many_spns=0 max_runtime=3600
    while (($# > 0)); do
        case $1 in
        --dir)
            (($# >= 2)) || usage
            DIR=$2
            shift 2
            ;;
        --many)
            (($# >= 2)) || usage
            [[ $2 =~ ^[0-9]+$ ]] || die "--many needs a number, got '$2'"
            many=$2
            shift 2
            ;;
        --many-spns)
            (($# >= 2)) || usage
            [[ $2 =~ ^[0-9]+$ ]] || die "--many-spns needs a number, got '$2'"
            many_spns=$2
            shift 2
            ;;
        --max-runtime)
            (($# >= 2)) || usage
            [[ $2 =~ ^[1-9][0-9]*$ ]] || die "--max-runtime needs a positive number of seconds, got '$2'"
            max_runtime=$2
            shift 2
            ;;
        *)
            usage
            ;;
        esac
    done
    [[ -n $DIR ]] || usage
    START_SECONDS=$SECONDS
    # Absolute path: it is written into smb.conf and krb5.conf.
    DIR=$(realpath -m -- "$DIR")
    case $command in
    start) cmd_start "$many" "$many_spns" "$max_runtime" ;;
    stop) cmd_stop ;;
    env) cmd_env ;;
    *) usage ;;
    esac
}

main "$@"
