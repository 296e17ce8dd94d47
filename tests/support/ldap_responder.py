#!/usr/bin/env python3
"""Scripted LDAPv3 server that plays Active Directory's hard cases for spnscan's tests.

Neither slapd nor Samba send ranged values (`servicePrincipalName;range=0-1499`) unasked, and
neither can be told to fail on page two, so this small server does it on 127.0.0.1 only.

Usage:
    ldap_responder.py --scenario NAME [--port 0] [--portfile FILE] [--max-seconds 120]
                      [--accounts 1100] [--verbose]

It binds 127.0.0.1:PORT (0 = a free port), writes the port to --portfile (atomically: written to
a temporary file then renamed), prints `PORT=n` on stdout, then serves one thread per connection
until SIGTERM/SIGINT (exit 0) or --max-seconds (exit 124, so a forgotten server is noticed).
With --verbose it logs one line per request and per result to stderr.

Only the Python standard library is used (its own BER codec), so any python3 runs it.

Directory (all scenarios; deterministic, see build_directory()):
    DC=ranged,DC=test                                    domain NC root
      CN=Users: Administrator (RID 500, no SPN, adminCount 1), krbtgt (RID 502, disabled,
                kadmin/changepw)
      OU=Domain Controllers: DC1 (ldap/, HOST/, GC/, RestrictedKrbHost/ ... 8 SPNs)
      OU=Service Accounts: svc-0, svc-1, svc-1499, svc-1500, svc-1501, svc-5000 (users, the
                number is the SPN count; values `HTTP/svc-N-i.ranged.test`, i = 0..N-1)
      CN=Computers: WS0001..WS<accounts> (computers, `HOST/wsNNNN.ranged.test` and `HOST/WSNNNN`)
    CN=Configuration,DC=ranged,DC=test                   configuration NC (a separate NC: a subtree
      search at the domain root does not return it)
      CN=Directory Service,CN=Windows NT,CN=Services,... with the default sPNMappings value
With the default --accounts 1100, `(servicePrincipalName=*)` at the domain root matches 1107
entries: krbtgt, DC1, svc-1/1499/1500/1501/5000 and the 1100 workstations.

AD rules played (MaxPageSize 1000, MaxValRange 1500):
  * A value list longer than 1500 is sent ONLY as `attr;range=0-1499`: 1500 values come plain,
    1501 come ranged. An explicit `attr;range=L-H` (H a number or *) returns values L..min(H,
    L+1499, last) named `attr;range=L-X`, X being `*` when the last value is included. A low bound
    past the last value leaves the attribute out (AD's exact answer there is not documented).
  * Searches without the paged control stop after 1000 entries with sizeLimitExceeded (4).
  * Paged results (1.2.840.113556.1.4.319): page size capped at 1000; cookies are opaque and valid
    on their own connection only; an unknown cookie gets 53 with AD's "Error processing control".
  * StartTLS and every other extended operation are refused: StartTLS with 52 unavailable, others
    with 2 protocolError. Writes get 53. Binds other than LDAPv3 get 2; SASL binds get 7.
  * Critical controls other than paging get 12 unavailableCriticalExtension.

Scenarios:
  ranged                everything above, no faults (also `no-starttls`: same thing)
  ranged-duplicate      ranged plus user svc-dup holding `http/SVC-5000-4321.ranged.test`, a
                        case-different copy of a value of svc-5000 that only the range 3000-4499
                        follow-up returns
  paged-fail-page2      any paged request carrying a cookie (page 2 on) ends with 53 and
                        "00000057: LdapErr: DSID-0C090A71, comment: Error processing control, data 0,
                        v4563" (what AD says for a stale cookie)
  drop-after-first-page after the first page's SearchResultDone of a paged search that has more
                        pages, the TCP connection is closed (the server keeps accepting)
  drop-mid-page         a subtree/one-level search sends 5 entries, then the connection is closed
  disconnect-notice     like drop-after-first-page but first sends a Notice of Disconnection
                        (messageID 0, 1.3.6.1.4.1.1466.20036, resultCode 52)
  stall                 TCP accepted, nothing is ever answered (input is read and discarded)
  stall-search          bind and RootDSE are answered; any other search is never answered
  size-limit            the paged control is ignored (no response control): 1000 entries then 4
  referrals             a subtree search at DC=ranged,DC=test also sends, before its final
                        SearchResultDone, SearchResultReferences to ldap://ranged.test/CN=Configuration,
                        DC=ranged,DC=test, ldap://DomainDnsZones.ranged.test/DC=DomainDnsZones,...
                        and ldap://ForestDnsZones.ranged.test/DC=ForestDnsZones,DC=ranged,DC=test
  bind-fail             every bind gets 49 with "80090308: LdapErr: DSID-0C09042F, comment:
                        AcceptSecurityContext error, data 52e, v4563"
  strong-auth           every bind gets 8 strongerAuthRequired (DC requiring LDAP signing)
  busy                  RootDSE answered; every other search gets 51 busy
  time-limit            paged requests carrying a cookie get 3 timeLimitExceeded (MaxQueryDuration)
  range-fail            base-scope searches asking for an `attr;range=...` get 52 unavailable
"""

import argparse
import os
import select
import signal
import socket
import struct
import sys
import threading
import time

MAX_PAGE_SIZE = 1000        # AD's MaxPageSize default
MAX_VAL_RANGE = 1500        # AD's MaxValRange default (Windows 2003 and later)
MAX_REQUEST_BYTES = 1 << 20  # no legitimate request in these tests comes near this
DROP_MID_PAGE_AFTER = 5

OID_PAGED = "1.2.840.113556.1.4.319"
OID_STARTTLS = "1.3.6.1.4.1.1466.20037"
OID_NOTICE_OF_DISCONNECTION = "1.3.6.1.4.1.1466.20036"

DOMAIN_DN = "DC=ranged,DC=test"
CONFIG_DN = "CN=Configuration," + DOMAIN_DN
SCHEMA_DN = "CN=Schema," + CONFIG_DN
DOMAIN_DNS_ZONES_DN = "DC=DomainDnsZones," + DOMAIN_DN
FOREST_DNS_ZONES_DN = "DC=ForestDnsZones," + DOMAIN_DN
DOMAIN_SID_SUBAUTH = (21, 1111111111, 2222222222, 3333333333)

AD_STALE_COOKIE_TEXT = "00000057: LdapErr: DSID-0C090A71, comment: Error processing control, data 0, v4563"
AD_BAD_PASSWORD_TEXT = ("80090308: LdapErr: DSID-0C09042F, comment: AcceptSecurityContext error, "
                        "data 52e, v4563")
AD_SIGNING_REQUIRED_TEXT = ("00002028: LdapErr: DSID-0C090259, comment: The server requires binds to "
                            "turn on integrity checking if SSL\\TLS are not already active on the "
                            "connection, data 0, v4563")

REFERRAL_URLS = [
    "ldap://ranged.test/" + CONFIG_DN,
    "ldap://DomainDnsZones.ranged.test/" + DOMAIN_DNS_ZONES_DN,
    "ldap://ForestDnsZones.ranged.test/" + FOREST_DNS_ZONES_DN,
]

DEFAULT_SPN_MAPPINGS = (
    "host=alerter,appmgmt,cisvc,clipsrv,browser,dhcp,dnscache,replicator,eventlog,eventsystem,"
    "policyagent,oakley,dmserver,dns,mcsvc,fax,msiserver,ias,messenger,netlogon,netman,netdde,"
    "netddedsm,nmagent,plugplay,protectedstorage,rasman,rpclocator,rpc,rpcss,remoteaccess,rsvp,"
    "samss,scardsvr,scesrv,seclogon,scm,dcom,cifs,spooler,snmp,schedule,tapisrv,trksvr,trkwks,ups,"
    "time,wins,www,http,w3svc,iisadmin,msdtc")

SCENARIOS = [
    "ranged", "no-starttls", "ranged-duplicate", "paged-fail-page2", "drop-after-first-page",
    "drop-mid-page", "disconnect-notice", "stall", "stall-search", "size-limit", "referrals",
    "bind-fail", "strong-auth", "busy", "time-limit", "range-fail",
]

# LDAP result codes used here (RFC 4511 4.1.9).
SUCCESS, OPERATIONS_ERROR, PROTOCOL_ERROR, TIME_LIMIT, SIZE_LIMIT = 0, 1, 2, 3, 4
AUTH_METHOD_NOT_SUPPORTED, STRONGER_AUTH_REQUIRED = 7, 8
UNAVAILABLE_CRITICAL_EXTENSION, NO_SUCH_OBJECT, INVALID_CREDENTIALS = 12, 32, 49
BUSY, UNAVAILABLE, UNWILLING_TO_PERFORM = 51, 52, 53

SCOPES = {0: "base", 1: "one", 2: "sub"}


# ---------------------------------------------------------------------------------------------
# BER (the LDAP subset: definite lengths, low tag numbers are all LDAP needs but long ones parse)

class BerError(Exception):
    """Malformed request: answered with a Notice of Disconnection."""


def ber_len(n):
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def tlv(tag, content):
    return bytes([tag]) + ber_len(len(content)) + content


def ber_int(value, tag=0x02):
    length = max(1, (value.bit_length() + 8) // 8)
    return tlv(tag, value.to_bytes(length, "big", signed=True))


def ber_enum(value):
    return ber_int(value, 0x0A)


def ber_str(value, tag=0x04):
    if isinstance(value, str):
        value = value.encode("utf-8")
    return tlv(tag, value)


def ber_seq(*parts, tag=0x30):
    return tlv(tag, b"".join(parts))


def ber_read(data, pos):
    """Returns (tag, content, next_pos) for the element at data[pos:]."""
    if pos >= len(data):
        raise BerError("element expected, data ended")
    tag = data[pos]
    pos += 1
    if tag & 0x1F == 0x1F:  # high tag number form
        while True:
            if pos >= len(data):
                raise BerError("truncated tag")
            more = data[pos] & 0x80
            pos += 1
            if not more:
                break
    if pos >= len(data):
        raise BerError("truncated length")
    first = data[pos]
    pos += 1
    if first < 0x80:
        length = first
    elif first == 0x80:
        raise BerError("indefinite length is not allowed in LDAP")
    else:
        count = first & 0x7F
        if count > 4 or pos + count > len(data):
            raise BerError("bad length")
        length = int.from_bytes(data[pos:pos + count], "big")
        pos += count
    if pos + length > len(data):
        raise BerError("element longer than its container")
    return tag, data[pos:pos + length], pos + length


def ber_items(data):
    """Splits constructed content into [(tag, content)]."""
    items, pos = [], 0
    while pos < len(data):
        tag, content, pos = ber_read(data, pos)
        items.append((tag, content))
    return items


def ber_to_int(content):
    if not content:
        raise BerError("empty integer")
    return int.from_bytes(content, "big", signed=True)


def expect(item, tag, what):
    if item[0] != tag:
        raise BerError("%s: tag 0x%02x expected, got 0x%02x" % (what, tag, item[0]))
    return item[1]


def text(content):
    return content.decode("utf-8", "replace")


# ---------------------------------------------------------------------------------------------
# Filters (RFC 4511 4.5.1), decoded to tuples, evaluated with three-valued logic (None = Undefined)

def decode_filter(tag, content):
    if tag in (0xA0, 0xA1):
        return ("and" if tag == 0xA0 else "or", [decode_filter(t, c) for t, c in ber_items(content)])
    if tag == 0xA2:
        items = ber_items(content)
        if len(items) != 1:
            raise BerError("not filter needs one operand")
        return ("not", decode_filter(*items[0]))
    if tag in (0xA3, 0xA5, 0xA6, 0xA8):
        items = ber_items(content)
        if len(items) != 2:
            raise BerError("attribute value assertion needs two parts")
        kind = {0xA3: "=", 0xA5: ">=", 0xA6: "<=", 0xA8: "~="}[tag]
        return (kind, text(expect(items[0], 0x04, "attr")), expect(items[1], 0x04, "value"))
    if tag == 0xA4:
        items = ber_items(content)
        if len(items) != 2:
            raise BerError("substrings filter needs type and substrings")
        parts = [({0x80: "initial", 0x81: "any", 0x82: "final"}.get(t, "?"), c)
                 for t, c in ber_items(expect(items[1], 0x30, "substrings"))]
        return ("substr", text(expect(items[0], 0x04, "attr")), parts)
    if tag == 0x87:
        return ("present", text(content))
    if tag == 0xA9:
        fields = {t: c for t, c in ber_items(content)}
        return ("ext", text(fields.get(0x81, b"")), text(fields.get(0x82, b"")),
                fields.get(0x83, b""), fields.get(0x84, b"\x00") != b"\x00")
    raise BerError("unknown filter choice 0x%02x" % tag)


def escape_filter_value(value):
    out = []
    for byte in value:
        ch = chr(byte)
        if byte < 0x20 or byte > 0x7E or ch in "*()\\":
            out.append("\\%02x" % byte)
        else:
            out.append(ch)
    return "".join(out)


def filter_to_str(f):
    kind = f[0]
    if kind in ("and", "or"):
        return "(%s%s)" % ("&" if kind == "and" else "|", "".join(filter_to_str(x) for x in f[1]))
    if kind == "not":
        return "(!%s)" % filter_to_str(f[1])
    if kind == "present":
        return "(%s=*)" % f[1]
    if kind == "substr":
        initial = "".join(escape_filter_value(v) for k, v in f[2] if k == "initial")
        anys = "".join("*" + escape_filter_value(v) for k, v in f[2] if k == "any")
        final = "".join(escape_filter_value(v) for k, v in f[2] if k == "final")
        return "(%s=%s%s*%s)" % (f[1], initial, anys, final)
    if kind == "ext":
        return "(%s%s%s:=%s)" % (f[2], ":dn" if f[4] else "", (":" + f[1]) if f[1] else "",
                                 escape_filter_value(f[3]))
    return "(%s%s%s)" % (f[1], kind, escape_filter_value(f[2]))


def base_attr(description):
    return description.split(";", 1)[0].lower()


def match_filter(f, entry):
    kind = f[0]
    if kind == "and":
        results = [match_filter(x, entry) for x in f[1]]
        return False if False in results else (None if None in results else True)
    if kind == "or":
        results = [match_filter(x, entry) for x in f[1]]
        return True if True in results else (None if None in results else False)
    if kind == "not":
        result = match_filter(f[1], entry)
        return None if result is None else not result
    if kind == "present":
        return base_attr(f[1]) in entry.attrs
    if kind == "ext":
        return match_extensible(f, entry)
    attr = base_attr(f[1])
    values = entry.values(attr)
    if kind == "substr":
        return any(match_substrings(v, f[2]) for v in values)
    assertion = f[2]
    if attr == "objectcategory" and b"=" not in assertion:
        # AD expands `objectCategory=computer` to the class's defaultObjectCategory DN.
        assertion = ("CN=%s,%s" % (assertion.decode("utf-8", "replace").capitalize(), SCHEMA_DN)).encode()
    for value in values:
        if kind in ("=", "~="):
            if attr == "objectsid":
                if value == assertion:
                    return True
            elif value.lower() == assertion.lower():
                return True
        else:
            try:
                left, right = int(value), int(assertion)
            except ValueError:
                left, right = value.lower(), assertion.lower()
            if (left >= right) if kind == ">=" else (left <= right):
                return True
    return False


def match_substrings(value, parts):
    value = value.lower()
    pos = 0
    for kind, piece in parts:
        piece = piece.lower()
        if kind == "initial":
            if not value.startswith(piece):
                return False
            pos = len(piece)
        elif kind == "any":
            found = value.find(piece, pos)
            if found < 0:
                return False
            pos = found + len(piece)
        elif kind == "final":
            if len(value) - len(piece) < pos or not value.endswith(piece):
                return False
    return True


def match_extensible(f, entry):
    rule, attr, assertion = f[1], base_attr(f[2]), f[3]
    if rule in ("1.2.840.113556.1.4.803", "1.2.840.113556.1.4.804"):
        try:
            mask = int(assertion)
        except ValueError:
            return None
        for value in entry.values(attr):
            try:
                number = int(value)
            except ValueError:
                continue
            if rule.endswith("803") and number & mask == mask:
                return True
            if rule.endswith("804") and number & mask:
                return True
        return False
    if not rule:
        return any(v.lower() == assertion.lower() for v in entry.values(attr))
    return None


# ---------------------------------------------------------------------------------------------
# Directory data

def norm_dn(dn):
    """Lower-cased DN with the spaces around RDN separators removed (enough for these tests)."""
    parts, current, escaped = [], [], False
    for ch in dn:
        if escaped:
            current.append(ch)
            escaped = False
        elif ch == "\\":
            current.append(ch)
            escaped = True
        elif ch == ",":
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    out = []
    for part in parts:
        if "=" in part:
            name, value = part.split("=", 1)
            out.append(name.strip().lower() + "=" + value.strip().lower())
        else:
            out.append(part.strip().lower())
    return ",".join(out) if dn.strip() else ""


class Entry:
    """One directory object: DN and attributes (lower-cased name -> (display name, [bytes]))."""

    def __init__(self, dn, attrs):
        self.dn = dn
        self.ndn = norm_dn(dn)
        self.attrs = {}
        for name, values in attrs:
            if isinstance(values, (str, bytes, int)):
                values = [values]
            encoded = [v if isinstance(v, bytes) else str(v).encode("utf-8") for v in values]
            if encoded:
                self.attrs[name.lower()] = (name, encoded)

    def values(self, lower_name):
        found = self.attrs.get(lower_name)
        return found[1] if found else []


def sid_bytes(subauthorities):
    """Binary SID: revision 1, count, authority 5 (NT), little-endian sub-authorities."""
    return (bytes([1, len(subauthorities)]) + (5).to_bytes(6, "big")
            + struct.pack("<%dI" % len(subauthorities), *subauthorities))


def object_sid(rid):
    return sid_bytes(DOMAIN_SID_SUBAUTH + (rid,))


USER_CLASSES = ["top", "person", "organizationalPerson", "user"]
COMPUTER_CLASSES = USER_CLASSES + ["computer"]


def account(dn, sam, rid, spns, computer=False, uac=None, extra=()):
    cn = dn.split(",", 1)[0].split("=", 1)[1]
    attrs = [
        ("objectClass", COMPUTER_CLASSES if computer else USER_CLASSES),
        ("cn", cn),
        ("distinguishedName", dn),
        ("objectCategory", "CN=%s,%s" % ("Computer" if computer else "Person", SCHEMA_DN)),
        ("sAMAccountName", sam),
        ("sAMAccountType", 805306369 if computer else 805306368),
        ("userAccountControl", uac if uac is not None else (4096 if computer else 512)),
        ("objectSid", object_sid(rid)),
        ("servicePrincipalName", spns),
    ]
    attrs.extend(extra)
    return Entry(dn, attrs)


def container(dn, classes):
    name, value = dn.split(",", 1)[0].split("=", 1)
    return Entry(dn, [("objectClass", classes), (name, value), ("distinguishedName", dn)])


def build_directory(scenario, accounts):
    """Deterministic data: see the module docstring."""
    entries = [
        Entry(DOMAIN_DN, [("objectClass", ["top", "domain", "domainDNS"]), ("dc", "ranged"),
                          ("distinguishedName", DOMAIN_DN), ("objectSid", sid_bytes(DOMAIN_SID_SUBAUTH))]),
        container("CN=Users," + DOMAIN_DN, ["top", "container"]),
        container("CN=Computers," + DOMAIN_DN, ["top", "container"]),
        container("OU=Domain Controllers," + DOMAIN_DN, ["top", "organizationalUnit"]),
        container("OU=Service Accounts," + DOMAIN_DN, ["top", "organizationalUnit"]),
        account("CN=Administrator,CN=Users," + DOMAIN_DN, "Administrator", 500, [],
                extra=[("adminCount", 1)]),
        account("CN=krbtgt,CN=Users," + DOMAIN_DN, "krbtgt", 502, ["kadmin/changepw"], uac=514),
        account("CN=DC1,OU=Domain Controllers," + DOMAIN_DN, "DC1$", 1000, [
            "ldap/dc1.ranged.test", "ldap/dc1.ranged.test/ranged.test", "ldap/DC1",
            "HOST/dc1.ranged.test", "HOST/DC1", "GC/dc1.ranged.test/ranged.test",
            "RestrictedKrbHost/dc1.ranged.test", "RestrictedKrbHost/DC1"],
                computer=True, uac=532480, extra=[("dNSHostName", "dc1.ranged.test")]),
    ]
    for offset, count in enumerate([0, 1, 1499, 1500, 1501, 5000]):
        name = "svc-%d" % count
        entries.append(account("CN=%s,OU=Service Accounts,%s" % (name, DOMAIN_DN), name, 1100 + offset,
                               ["HTTP/%s-%d.ranged.test" % (name, i) for i in range(count)]))
    if scenario == "ranged-duplicate":
        entries.append(account("CN=svc-dup,OU=Service Accounts," + DOMAIN_DN, "svc-dup", 1199,
                               ["http/SVC-5000-4321.ranged.test"]))
    for i in range(1, accounts + 1):
        host = "WS%04d" % i
        entries.append(account("CN=%s,CN=Computers,%s" % (host, DOMAIN_DN), host + "$", 2000 + i,
                               ["HOST/%s.ranged.test" % host.lower(), "HOST/" + host], computer=True,
                               extra=[("dNSHostName", host.lower() + ".ranged.test")]))
    services = "CN=Services," + CONFIG_DN
    windows_nt = "CN=Windows NT," + services
    entries += [
        container(CONFIG_DN, ["top", "configuration"]),
        container(services, ["top", "container"]),
        container(windows_nt, ["top", "container"]),
        Entry("CN=Directory Service," + windows_nt,
              [("objectClass", ["top", "nTDSService"]), ("cn", "Directory Service"),
               ("distinguishedName", "CN=Directory Service," + windows_nt),
               ("sPNMappings", DEFAULT_SPN_MAPPINGS)]),
    ]
    return entries


NAMING_CONTEXTS = [DOMAIN_DN, CONFIG_DN, SCHEMA_DN, DOMAIN_DNS_ZONES_DN, FOREST_DNS_ZONES_DN]


def root_dse():
    return Entry("", [
        ("currentTime", "20240101000000.0Z"),
        ("subschemaSubentry", "CN=Aggregate," + SCHEMA_DN),
        ("dsServiceName", "CN=NTDS Settings,CN=DC1,CN=Servers,CN=Default-First-Site-Name,CN=Sites,"
         + CONFIG_DN),
        ("namingContexts", NAMING_CONTEXTS),
        ("defaultNamingContext", DOMAIN_DN),
        ("schemaNamingContext", SCHEMA_DN),
        ("configurationNamingContext", CONFIG_DN),
        ("rootDomainNamingContext", DOMAIN_DN),
        ("supportedControl", [
            OID_PAGED, "1.2.840.113556.1.4.801", "1.2.840.113556.1.4.473",
            "1.2.840.113556.1.4.528", "1.2.840.113556.1.4.417", "1.2.840.113556.1.4.619",
            "1.2.840.113556.1.4.841", "1.2.840.113556.1.4.529", "1.2.840.113556.1.4.805",
            "1.2.840.113556.1.4.521", "1.2.840.113556.1.4.970", "1.2.840.113556.1.4.1338",
            "1.2.840.113556.1.4.474", "1.2.840.113556.1.4.1339", "1.2.840.113556.1.4.1340",
            "1.2.840.113556.1.4.1413", "2.16.840.1.113730.3.4.9", "2.16.840.1.113730.3.4.10"]),
        ("supportedLDAPVersion", ["3", "2"]),
        ("supportedLDAPPolicies", ["MaxPageSize", "MaxValRange", "MaxQueryDuration"]),
        ("supportedExtension", [OID_STARTTLS]),
        ("supportedSASLMechanisms", ["GSSAPI", "GSS-SPNEGO", "EXTERNAL", "DIGEST-MD5"]),
        ("supportedCapabilities", ["1.2.840.113556.1.4.800", "1.2.840.113556.1.4.1670",
                                   "1.2.840.113556.1.4.1791", "1.2.840.113556.1.4.1935",
                                   "1.2.840.113556.1.4.2080", "1.2.840.113556.1.4.2237"]),
        ("dnsHostName", "dc1.ranged.test"),
        ("ldapServiceName", "ranged.test:dc1$@RANGED.TEST"),
        ("serverName", "CN=DC1,CN=Servers,CN=Default-First-Site-Name,CN=Sites," + CONFIG_DN),
        ("isSynchronized", "TRUE"),
        ("isGlobalCatalogReady", "TRUE"),
        ("domainFunctionality", "7"),
        ("forestFunctionality", "7"),
        ("domainControllerFunctionality", "7"),
    ])


class Directory:
    def __init__(self, scenario, accounts):
        self.entries = build_directory(scenario, accounts)
        self.by_ndn = {e.ndn: e for e in self.entries}
        self.nc_roots = sorted((norm_dn(dn) for dn in NAMING_CONTEXTS), key=len, reverse=True)
        self.root_dse = root_dse()

    def naming_context(self, ndn):
        for root in self.nc_roots:
            if ndn == root or ndn.endswith("," + root):
                return root
        return None

    def best_match(self, ndn):
        parts = ndn.split(",")
        for i in range(1, len(parts)):
            candidate = self.by_ndn.get(",".join(parts[i:]))
            if candidate:
                return candidate.dn
        return ""

    def in_scope(self, base_ndn, scope):
        """Entries under base_ndn for the scope, limited to the base's naming context like AD."""
        if base_ndn == "":
            return list(self.entries)  # GC-like: the whole forest
        if scope == 0:
            return [self.by_ndn[base_ndn]]
        nc = self.naming_context(base_ndn)
        depth = base_ndn.count(",")
        out = []
        for entry in self.entries:
            if entry.ndn != base_ndn and not entry.ndn.endswith("," + base_ndn):
                continue
            if self.naming_context(entry.ndn) != nc:
                continue
            if scope == 1 and entry.ndn.count(",") != depth + 1:
                continue
            out.append(entry)
        return out


def parse_range(option):
    """`range=L-H` or `range=L-*` -> (L, H or None); anything else -> False."""
    if not option.lower().startswith("range="):
        return False
    low, sep, high = option[6:].partition("-")
    if not sep or not low.isdigit() or not (high == "*" or high.isdigit()):
        return False
    return int(low), (None if high == "*" else int(high))


def select_attributes(entry, requested, types_only):
    """[(description, [values])] for an entry, applying AD's range rules."""
    wanted = [r for r in requested if r]
    out, seen = [], set()

    def add(description, values):
        if description.lower() not in seen:
            seen.add(description.lower())
            out.append((description, [] if types_only else values))

    def add_plain(name, values):
        if len(values) > MAX_VAL_RANGE:
            add("%s;range=0-%d" % (name, MAX_VAL_RANGE - 1), values[:MAX_VAL_RANGE])
        else:
            add(name, values)

    all_user = not wanted or "*" in wanted
    if all_user:
        for name, values in entry.attrs.values():
            add_plain(name, values)
    for description in wanted:
        if description in ("*", "1.1", "+"):
            continue
        pieces = description.split(";")
        found = entry.attrs.get(pieces[0].lower())
        if not found:
            continue
        name, values = found
        ranges = [r for r in (parse_range(p) for p in pieces[1:]) if r is not False]
        if not ranges:
            add_plain(name, values)
            continue
        low, high = ranges[0]
        last_index = len(values) - 1
        if low > last_index:
            continue
        stop = last_index if high is None else min(high, last_index)
        stop = min(stop, low + MAX_VAL_RANGE - 1)
        add("%s;range=%d-%s" % (name, low, "*" if stop == last_index else str(stop)),
            values[low:stop + 1])
    return out


# ---------------------------------------------------------------------------------------------
# Responses

def message(msgid, op, controls=b""):
    return ber_seq(ber_int(msgid), op, controls)


def ldap_result(code, diagnostic="", matched=""):
    return ber_enum(code) + ber_str(matched) + ber_str(diagnostic)


def search_entry(entry_dn, attributes):
    attr_list = b"".join(ber_seq(ber_str(d), ber_seq(*[ber_str(v) for v in vals], tag=0x31))
                         for d, vals in attributes)
    return tlv(0x64, ber_str(entry_dn) + ber_seq(attr_list))


def paged_control(cookie):
    value = ber_seq(ber_int(0), ber_str(cookie))
    return ber_seq(ber_seq(ber_str(OID_PAGED), ber_str(value)), tag=0xA0)


class StopConnection(Exception):
    """Raised to end a connection (drops, unbind, protocol errors)."""


class Server:
    def __init__(self, args):
        self.args = args
        self.scenario = args.scenario
        self.directory = Directory(args.scenario, args.accounts)
        self.log_lock = threading.Lock()
        self.connection_count = 0
        self.stopping = False

    def log(self, line):
        if self.args.verbose:
            with self.log_lock:
                sys.stderr.write("ldap_responder[%s] %s\n" % (self.scenario, line))
                sys.stderr.flush()


class Connection:
    def __init__(self, server, sock, number):
        self.server = server
        self.sock = sock
        self.number = number
        self.buffer = b""
        self.pages = {}         # cookie -> [entries, position, size_limit_hit]
        self.cookie_serial = 0
        self.first_page_done = False

    def log(self, line):
        self.server.log("conn=%d %s" % (self.number, line))

    # -- I/O ----------------------------------------------------------------------------------

    def read_message(self):
        """The next complete LDAPMessage's content, or None at EOF."""
        while True:
            need = self.message_size()
            if need is not None and len(self.buffer) >= need[0] + need[1]:
                content = self.buffer[need[0]:need[0] + need[1]]
                self.buffer = self.buffer[need[0] + need[1]:]
                return content
            chunk = self.sock.recv(65536)
            if not chunk:
                return None
            self.buffer += chunk

    def message_size(self):
        """(header length, content length) of the buffered message, None while the header is incomplete."""
        data = self.buffer
        if len(data) < 2:
            return None
        if data[0] != 0x30:
            raise BerError("LDAPMessage must be a SEQUENCE (got tag 0x%02x)" % data[0])
        first = data[1]
        if first < 0x80:
            return 2, first
        count = first & 0x7F
        if count == 0:
            raise BerError("indefinite length is not allowed in LDAP")
        if count > 4:
            raise BerError("length of %d bytes" % count)
        if len(data) < 2 + count:
            return None
        length = int.from_bytes(data[2:2 + count], "big")
        if length > MAX_REQUEST_BYTES:
            raise BerError("request of %d bytes is too large" % length)
        return 2 + count, length

    def send(self, data):
        self.sock.sendall(data)

    def discard_forever(self):
        """Reads and drops input until the peer closes: the stalled server's behaviour."""
        while True:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise StopConnection("peer closed while stalled")

    # -- dispatch -----------------------------------------------------------------------------

    def serve(self):
        if self.server.scenario == "stall":
            self.log("accepted, stalling (never answers)")
            self.discard_forever()
        while True:
            try:
                raw = self.read_message()
                if raw is None:
                    raise StopConnection("peer closed")
                self.dispatch(raw)
            except BerError as error:
                self.log("malformed request: %s" % error)
                self.send(message(0, tlv(0x78, ldap_result(PROTOCOL_ERROR, "malformed request: %s" % error)
                                         + ber_str(OID_NOTICE_OF_DISCONNECTION, 0x8A))))
                raise StopConnection("protocol error")

    def dispatch(self, raw):
        items = ber_items(raw)
        if len(items) < 2:
            raise BerError("LDAPMessage needs messageID and protocolOp")
        msgid = ber_to_int(expect(items[0], 0x02, "messageID"))
        op_tag, op = items[1]
        controls = []
        if len(items) > 2 and items[2][0] == 0xA0:
            controls = self.decode_controls(items[2][1])
        if op_tag == 0x60:
            self.on_bind(msgid, op)
        elif op_tag == 0x42:
            self.log("msg=%d UnbindRequest" % msgid)
            raise StopConnection("unbind")
        elif op_tag == 0x63:
            self.on_search(msgid, op, controls)
        elif op_tag == 0x50:
            self.log("msg=%d AbandonRequest id=%d (ignored)" % (msgid, ber_to_int(op)))
        elif op_tag == 0x77:
            self.on_extended(msgid, op)
        elif op_tag in (0x66, 0x68, 0x4A, 0x6C, 0x6E):
            names = {0x66: "Modify", 0x68: "Add", 0x4A: "Del", 0x6C: "ModDN", 0x6E: "Compare"}
            self.log("msg=%d %sRequest -> 53 (read-only server)" % (msgid, names[op_tag]))
            self.send(message(msgid, tlv(op_tag + 1 if op_tag != 0x4A else 0x6B,
                                         ldap_result(UNWILLING_TO_PERFORM, "ldap_responder is read-only"))))
        else:
            raise BerError("unknown protocolOp 0x%02x" % op_tag)

    def decode_controls(self, content):
        controls = []
        for tag, body in ber_items(content):
            if tag != 0x30:
                raise BerError("control must be a SEQUENCE")
            parts = ber_items(body)
            if not parts:
                raise BerError("control without type")
            oid = text(expect(parts[0], 0x04, "controlType"))
            critical, value = False, None
            for ptag, pbody in parts[1:]:
                if ptag == 0x01:
                    critical = pbody != b"\x00"
                elif ptag == 0x04:
                    value = pbody
            controls.append((oid, critical, value))
        return controls

    # -- operations ---------------------------------------------------------------------------

    def on_bind(self, msgid, op):
        items = ber_items(op)
        if len(items) < 3:
            raise BerError("BindRequest needs version, name, authentication")
        version = ber_to_int(expect(items[0], 0x02, "version"))
        name = text(expect(items[1], 0x04, "name"))
        auth_tag = items[2][0]
        method = {0x80: "simple", 0xA3: "sasl"}.get(auth_tag, "0x%02x" % auth_tag)
        scenario = self.server.scenario
        if scenario == "bind-fail":
            code, diagnostic = INVALID_CREDENTIALS, AD_BAD_PASSWORD_TEXT
        elif scenario == "strong-auth":
            code, diagnostic = STRONGER_AUTH_REQUIRED, AD_SIGNING_REQUIRED_TEXT
        elif version != 3:
            code, diagnostic = PROTOCOL_ERROR, "ldap_responder speaks LDAPv3 only (bind version %d)" % version
        elif method != "simple":
            code, diagnostic = AUTH_METHOD_NOT_SUPPORTED, "ldap_responder supports simple bind only"
        else:
            code, diagnostic = SUCCESS, ""
        # The password is never logged, only whether one was given.
        anonymous = method == "simple" and not items[2][1]
        self.log('msg=%d BindRequest v%d %s name="%s"%s -> %d' % (
            msgid, version, method, name, " (no password)" if anonymous else "", code))
        self.send(message(msgid, tlv(0x61, ldap_result(code, diagnostic))))

    def on_extended(self, msgid, op):
        fields = {t: c for t, c in ber_items(op)}
        oid = text(fields.get(0x80, b""))
        if oid == OID_STARTTLS:
            code, diagnostic = UNAVAILABLE, "ldap_responder has no TLS: StartTLS refused"
        else:
            code, diagnostic = PROTOCOL_ERROR, "unsupported extended operation %s" % oid
        self.log("msg=%d ExtendedRequest %s -> %d" % (msgid, oid, code))
        self.send(message(msgid, tlv(0x78, ldap_result(code, diagnostic))))

    def done(self, msgid, code, diagnostic="", controls=b"", matched="", note=""):
        self.log("msg=%d   -> SearchResultDone %d%s%s" % (msgid, code, note,
                                                        (' "%s"' % diagnostic.encode("unicode_escape").decode("ascii"))
                                                        if diagnostic else ""))
        self.send(message(msgid, tlv(0x65, ldap_result(code, diagnostic, matched)), controls))

    def stall(self, msgid, what):
        self.log("msg=%d   -> stalled (%s is never answered)" % (msgid, what))
        self.discard_forever()

    def on_search(self, msgid, op, controls):
        items = ber_items(op)
        if len(items) != 8:
            raise BerError("SearchRequest needs 8 fields, got %d" % len(items))
        base = text(expect(items[0], 0x04, "baseObject"))
        scope = ber_to_int(expect(items[1], 0x0A, "scope"))
        size_limit = ber_to_int(expect(items[3], 0x02, "sizeLimit"))
        types_only = expect(items[5], 0x01, "typesOnly") != b"\x00"
        search_filter = decode_filter(*items[6])
        attrs = [text(expect(i, 0x04, "attribute")) for i in ber_items(expect(items[7], 0x30, "attributes"))]
        if scope not in SCOPES:
            raise BerError("bad scope %d" % scope)

        paged = None
        control_notes = []
        unsupported_critical = None
        for oid, critical, value in controls:
            if oid == OID_PAGED:
                if value is None:
                    raise BerError("paged results control without value")
                parts = ber_items(expect(ber_read(value, 0)[:2], 0x30, "paged value"))
                if len(parts) != 2:
                    raise BerError("paged results value needs size and cookie")
                paged = (ber_to_int(expect(parts[0], 0x02, "size")), expect(parts[1], 0x04, "cookie"))
                control_notes.append("paged(size=%d,cookie=%s)" % (paged[0], paged[1].hex() or "-"))
            else:
                control_notes.append("%s%s" % (oid, "!" if critical else ""))
                if critical:
                    unsupported_critical = oid
        self.log('msg=%d SearchRequest base="%s" scope=%s filter=%s attrs=%s%s%s' % (
            msgid, base, SCOPES[scope], filter_to_str(search_filter), ",".join(attrs) or "(all)",
            " sizelimit=%d" % size_limit if size_limit else "",
            (" controls=" + ",".join(control_notes)) if control_notes else ""))

        directory = self.server.directory
        scenario = self.server.scenario
        is_root_dse = base == "" and scope == 0
        if is_root_dse:
            selected = select_attributes(directory.root_dse, attrs, types_only)
            self.send(message(msgid, search_entry("", selected)))
            self.done(msgid, SUCCESS, note=" (RootDSE)")
            return
        if scenario == "stall-search":
            self.stall(msgid, "the search")
        if scenario == "busy":
            self.done(msgid, BUSY, "ldap_responder scenario busy: the server is busy")
            return
        if scenario == "range-fail" and scope == 0 and any(
                parse_range(p) is not False for a in attrs for p in a.split(";")[1:]):
            self.done(msgid, UNAVAILABLE, "ldap_responder scenario range-fail: range retrieval unavailable")
            return
        if unsupported_critical:
            self.done(msgid, UNAVAILABLE_CRITICAL_EXTENSION,
                      "critical control %s is not supported" % unsupported_critical)
            return
        if scenario == "size-limit":
            paged = None  # a server that ignores the control

        base_ndn = norm_dn(base)
        if base_ndn and base_ndn not in directory.by_ndn:
            matched = directory.best_match(base_ndn)
            self.done(msgid, NO_SUCH_OBJECT,
                      "0000208D: NameErr: DSID-0310028C, problem 2001 (NO_OBJECT), data 0, best match of:\n"
                      "\t'%s'\n" % matched, matched=matched)
            return

        if paged is not None and paged[1]:
            self.continue_paged(msgid, paged, attrs, types_only)
            return

        matches = [e for e in directory.in_scope(base_ndn, scope) if match_filter(search_filter, e)]
        size_hit = False
        if size_limit and len(matches) > size_limit:
            matches, size_hit = matches[:size_limit], True
        references = REFERRAL_URLS if (scenario == "referrals" and scope == 2
                                       and base_ndn == norm_dn(DOMAIN_DN)) else []
        if paged is None:
            if len(matches) > MAX_PAGE_SIZE:
                matches, size_hit = matches[:MAX_PAGE_SIZE], True
            self.send_entries(msgid, matches, attrs, types_only, scope)
            self.send_references(msgid, references)
            self.done(msgid, SIZE_LIMIT if size_hit else SUCCESS,
                      "Size Limit Exceeded" if size_hit else "", note=" entries=%d" % len(matches))
            return
        size = paged[0]
        if size <= 0:
            self.done(msgid, SUCCESS, controls=paged_control(b""), note=" entries=0 (page size 0)")
            return
        state = [matches, 0, size_hit, references]
        self.send_page(msgid, state, size, attrs, types_only, scope)

    def continue_paged(self, msgid, paged, attrs, types_only):
        size, cookie = paged
        scenario = self.server.scenario
        if scenario == "paged-fail-page2":
            self.pages.pop(cookie, None)
            self.done(msgid, UNWILLING_TO_PERFORM, AD_STALE_COOKIE_TEXT)
            return
        if scenario == "time-limit":
            self.pages.pop(cookie, None)
            self.done(msgid, TIME_LIMIT, "ldap_responder scenario time-limit: MaxQueryDuration exceeded")
            return
        state = self.pages.pop(cookie, None)
        if state is None:
            self.done(msgid, UNWILLING_TO_PERFORM, AD_STALE_COOKIE_TEXT, note=" (unknown cookie)")
            return
        if size <= 0:
            self.done(msgid, SUCCESS, controls=paged_control(b""), note=" (paged search abandoned)")
            return
        self.send_page(msgid, state, size, attrs, types_only, 2)

    def send_page(self, msgid, state, size, attrs, types_only, scope):
        matches, position, size_hit, references = state
        size = min(size, MAX_PAGE_SIZE)
        page = matches[position:position + size]
        position += len(page)
        self.send_entries(msgid, page, attrs, types_only, scope)
        more = position < len(matches)
        cookie = b""
        if more:
            self.cookie_serial += 1
            cookie = struct.pack(">4sII", b"RNGD", self.number, self.cookie_serial) + os.urandom(4)
            self.pages[cookie] = [matches, position, size_hit, references]
        else:
            self.send_references(msgid, references)
        code = SIZE_LIMIT if (size_hit and not more) else SUCCESS
        self.done(msgid, code, "Size Limit Exceeded" if code == SIZE_LIMIT else "",
                  controls=paged_control(cookie),
                  note=" entries=%d cookie=%s" % (len(page), cookie.hex() or "-"))
        if more and not self.first_page_done:
            self.first_page_done = True
            if self.server.scenario == "drop-after-first-page":
                raise StopConnection("scenario drop-after-first-page: dropped after page 1")
            if self.server.scenario == "disconnect-notice":
                self.send(message(0, tlv(0x78, ldap_result(
                    UNAVAILABLE, "ldap_responder scenario disconnect-notice: server shutting down")
                    + ber_str(OID_NOTICE_OF_DISCONNECTION, 0x8A))))
                raise StopConnection("scenario disconnect-notice: notice sent after page 1")

    def send_entries(self, msgid, entries, attrs, types_only, scope):
        drop = self.server.scenario == "drop-mid-page" and scope != 0
        chunk = []
        for count, entry in enumerate(entries):
            if drop and count == DROP_MID_PAGE_AFTER:
                self.send(b"".join(chunk))
                raise StopConnection("scenario drop-mid-page: dropped after %d entries" % count)
            chunk.append(message(msgid, search_entry(entry.dn, select_attributes(entry, attrs, types_only))))
        self.send(b"".join(chunk))

    def send_references(self, msgid, urls):
        for url in urls:
            self.send(message(msgid, ber_seq(ber_str(url), tag=0x73)))
        if urls:
            self.log("msg=%d   -> %d SearchResultReference(s)" % (msgid, len(urls)))


def connection_thread(server, sock, number):
    conn = Connection(server, sock, number)
    reason = "closed"
    try:
        conn.serve()
    except StopConnection as stop:
        reason = str(stop)
    except (OSError, BerError) as error:
        reason = "error: %s" % error
    finally:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        sock.close()
        conn.log("connection ended (%s)" % reason)


def write_portfile(path, port):
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w") as handle:
        handle.write("%d\n" % port)
    os.replace(tmp, path)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Scripted AD-like LDAP server for spnscan tests "
                                                 "(127.0.0.1 only). See the module docstring.")
    parser.add_argument("--scenario", required=True, choices=SCENARIOS)
    parser.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1; 0 picks a free one")
    parser.add_argument("--portfile", help="write the chosen port here (atomically)")
    parser.add_argument("--max-seconds", type=float, default=120.0,
                        help="exit with status 124 after this long (default 120)")
    parser.add_argument("--accounts", type=int, default=1100,
                        help="number of small computer accounts (default 1100: two pages)")
    parser.add_argument("--verbose", action="store_true", help="log each request to stderr")
    args = parser.parse_args(argv)
    if args.accounts < 0 or args.accounts > 9999:
        parser.error("--accounts must be between 0 and 9999")

    server = Server(args)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", args.port))
    listener.listen(16)
    port = listener.getsockname()[1]

    def on_signal(signum, _frame):
        server.stopping = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    if args.portfile:
        write_portfile(args.portfile, port)
    sys.stdout.write("PORT=%d\n" % port)
    sys.stdout.flush()
    server.log("listening on 127.0.0.1:%d (max %gs)" % (port, args.max_seconds))

    deadline = time.monotonic() + args.max_seconds
    while not server.stopping:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            server.log("max-seconds reached, exiting")
            sys.stderr.write("ldap_responder: --max-seconds %g reached, exiting\n" % args.max_seconds)
            return 124
        try:
            ready, _, _ = select.select([listener], [], [], min(0.2, remaining))
        except InterruptedError:
            continue
        if not ready:
            continue
        try:
            sock, peer = listener.accept()
        except OSError:
            continue
        server.connection_count += 1
        server.log("conn=%d accepted from %s:%d" % (server.connection_count, peer[0], peer[1]))
        thread = threading.Thread(target=connection_thread, args=(server, sock, server.connection_count),
                                  daemon=True)
        thread.start()
    server.log("signal received, exiting")
    listener.close()
    return 0


if __name__ == "__main__":
    # os._exit: daemon threads blocked in recv() must not delay the exit.
    status = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
