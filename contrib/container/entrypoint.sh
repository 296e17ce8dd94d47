#!/bin/sh
# Entrypoint of the spnscan fixture container: slapd in the foreground on plain ldap:// port 389,
# serving the database build-db.sh loaded at build time. It binds the port as root, then runs as
# openldap. SLAPD_LOGLEVEL (default "stats": one line per connection and operation) goes to
# the container log. Arguments starting with "-" are passed to slapd; anything else is run
# instead (e.g. "sh" for a shell).
set -eu
if [ "$#" -gt 0 ] && [ "${1#-}" = "$1" ]; then
  exec "$@"
fi
exec /usr/sbin/slapd -f /etc/ldap/spnscan/slapd.conf -h "ldap:///" -u openldap -g openldap \
  -d "${SLAPD_LOGLEVEL:-stats}" "$@"
