#!/bin/sh
# Runs once while the image is built (contrib/container/Containerfile): makes the patched
# core.schema, checks slapd.conf and loads the fixture LDIF into the mdb database, so the
# container starts serving at once. Usage: build-db.sh LDIF
set -eu

conf=/etc/ldap/spnscan/slapd.conf
db=/var/lib/ldap/contoso
ldif=$1

# core.schema as in tests/support/slapd/fixture.py: AD's person needs only cn, and
# organizationalUnit is left out (fixtures/ad-subset.schema redefines it with the same OID).
sed -e "/NAME 'person'/,/^\$/{s/MUST ( sn \\\$ cn )/MUST cn/;s/MAY ( userPassword/MAY ( sn \$ userPassword/;}" \
    -e "/^objectclass ( 2\\.5\\.6\\.5 NAME 'organizationalUnit'/,/^\$/d" \
    /etc/ldap/schema/core.schema >/etc/ldap/spnscan/core.schema
if ! grep -q 'MAY ( sn \$ userPassword' /etc/ldap/spnscan/core.schema ||
   grep -q "NAME 'organizationalUnit'" /etc/ldap/spnscan/core.schema; then
  echo "build-db.sh: /etc/ldap/schema/core.schema is not as expected; cannot patch it" >&2
  exit 1
fi

mkdir -p "$db"
slapd -Ttest -f "$conf" -u
# slapadd refuses a leading "version: 1" line ("entry -1 has no dn"): drop it (only that one).
awk '!done && /^version:/ { done = 1; next }
     !done && !/^#/ && NF { done = 1 }
     { print }' "$ldif" | slapadd -q -f "$conf"
chown -R openldap:openldap "$db"
# Say what was loaded (shown in the build log).
slapcat -f "$conf" -a '(servicePrincipalName=*)' | grep -c '^dn:' |
  sed 's/^/build-db.sh: entries holding an SPN: /'
