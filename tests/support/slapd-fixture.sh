#!/bin/sh
# Starts/stops a private slapd for spnscan's live-LDAP tests; see tests/support/README.md.
#   slapd-fixture.sh start --ldif FILE --dir TMPDIR [--suffix DN] [--no-tls] [--retcode]
#                          [--writable] [--lifetime S]
#   slapd-fixture.sh stop --dir TMPDIR
exec python3 "$(dirname "$0")/slapd/fixture.py" "$@"
