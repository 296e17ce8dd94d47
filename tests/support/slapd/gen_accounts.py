#!/usr/bin/env python3
"""Writes a deterministic AD-shaped LDIF with N accounts that hold SPNs (for paging tests).

Usage: gen_accounts.py [N] [--base DC=contoso,DC=com] > accounts.ldif   (N defaults to 1200)

Every account is a computer CN=PAGEnnnnn,OU=Paging,<base> with sAMAccountName PAGEnnnnn$,
sAMAccountType 805306369, userAccountControl 4096, a SID ending in RID 10000+n and two SPNs:
HOST/pagennnnn.<dns domain> and HOST/PAGEnnnnn. More than 1000 of them exceed the fixture's
size limit (AD's MaxPageSize), so only a paged search returns them all.
"""

import argparse
import base64
import struct
import sys

DOMAIN_SUBAUTHORITIES = (21, 1004336348, 1177238915, 682003330)


def sid_b64(rid):
    """Base64 of a binary SID S-1-5-21-...-rid."""
    subs = DOMAIN_SUBAUTHORITIES + (rid,)
    raw = bytes([1, len(subs)]) + (5).to_bytes(6, "big")
    raw += b"".join(struct.pack("<I", s) for s in subs)
    return base64.b64encode(raw).decode("ascii")


def main(argv):
    parser = argparse.ArgumentParser()
    parser.add_argument("count", nargs="?", type=int, default=1200)
    parser.add_argument("--base", default="DC=contoso,DC=com")
    args = parser.parse_args(argv)
    parts = [p.split("=", 1) for p in args.base.split(",")]
    if not all(len(p) == 2 and p[0].strip().lower() == "dc" for p in parts):
        sys.stderr.write("gen_accounts.py: --base must be DC=...,DC=...\n")
        return 2
    dns_domain = ".".join(p[1].strip() for p in parts)
    out = sys.stdout
    out.write("dn: %s\nobjectClass: top\nobjectClass: domain\ndc: %s\n\n"
              % (args.base, parts[0][1].strip()))
    out.write("dn: OU=Paging,%s\nobjectClass: top\nobjectClass: organizationalUnit\nou: Paging\n\n"
              % args.base)
    for n in range(1, args.count + 1):
        name = "PAGE%05d" % n
        out.write(
            "dn: CN=%(name)s,OU=Paging,%(base)s\n"
            "objectClass: top\nobjectClass: person\nobjectClass: organizationalPerson\n"
            "objectClass: user\nobjectClass: computer\n"
            "cn: %(name)s\nsAMAccountName: %(name)s$\nsAMAccountType: 805306369\n"
            "userAccountControl: 4096\nobjectSid:: %(sid)s\n"
            "dNSHostName: %(lower)s.%(dns)s\n"
            "servicePrincipalName: HOST/%(lower)s.%(dns)s\n"
            "servicePrincipalName: HOST/%(name)s\n\n"
            % {"name": name, "lower": name.lower(), "base": args.base, "dns": dns_domain,
               "sid": sid_b64(10000 + n)})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
