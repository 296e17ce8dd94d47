#!/usr/bin/env python3
"""Writes a synthetic Active Directory export of N accounts as `ldapsearch -L` would.

    bench/gen_directory.py N [--seed S] [--profile full|spn] > dir.ldif

The domain is corp.example.com (DC=corp,DC=example,DC=com). About 70 % of the accounts
are computers: mostly workstations with HOST/ and RestrictedKrbHost/ for the short
name and the FQDN, and some servers that also have TERMSRV/, WSMAN/ or MSSQLSvc/. The
other 30 % are users, and about 3 % of them are service users with MSSQLSvc/ or HTTP/.
About 0.1 % of N conflicts are planted in user accounts: duplicate SPNs, SMTP/ SPNs on
users and HTTP/ alias collisions with a computer's HOST/. Their counts, and the findings
spnscan should report for them, go to stderr.

The same N, seed and profile always give the same bytes. The output is written entry by
entry: memory stays small whatever N is, apart from a list of computer names the planted
conflicts are taken from.

--profile full (the default) writes the attributes a `ldapsearch '*'` export of AD has:
cn, description, distinguishedName, whenCreated, whenChanged, uSNCreated, uSNChanged,
objectGUID, pwdLastSet, lastLogonTimestamp, memberOf, userPrincipalName, operatingSystem,
objectCategory and so on. spnscan reads none of them, so this measures how fast the
reader skips them. --profile spn writes only the attributes spnscan asks a directory for.
"""

import argparse
import base64
import random
import struct
import sys

DOMAIN = "corp.example.com"
BASE = "DC=corp,DC=example,DC=com"
NETBIOS = "CORP"
DOMAIN_SUBAUTH = (21, 3623811015, 3361044348, 30300820)
SITES = 20
FOLD = 78  # OpenLDAP 2.5's ldapsearch folds lines longer than 78 columns

SPN_MAPPINGS = (
    "host=alerter,appmgmt,cisvc,clipsrv,browser,dhcp,dnscache,replicator,eventlog,"
    "eventsystem,policyagent,oakley,dmserver,dns,mcsvc,fax,msiserver,ias,messenger,"
    "netlogon,netman,netdde,netddedsm,nmagent,plugplay,protectedstorage,rasman,"
    "rpclocator,rpc,rpcss,remoteaccess,rsvp,samss,scardsvr,scesrv,seclogon,scm,dcom,"
    "cifs,spooler,snmp,schedule,tapisrv,trksvr,trkwks,ups,time,wins,www,http,w3svc,"
    "iisadmin,msdtc")

FIRST = ("James Mary John Patricia Robert Jennifer Michael Linda William Elizabeth David "
         "Barbara Richard Susan Joseph Jessica Thomas Sarah Charles Karen Daniel Nancy "
         "Matthew Lisa Anthony Betty Mark Sandra Paul Ashley Steven Kimberly Andrew Emily "
         "Kenneth Donna Joshua Michelle Kevin Carol").split()
LAST = ("Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez "
        "Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson "
        "White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright "
        "Scott Torres Nguyen Hill Flores").split()
DEPTS = ("Finance Sales Marketing HR IT Legal Operations Engineering Support Logistics "
         "Purchasing Research").split()
WS_OS = (("Windows 10 Enterprise", "10.0 (19045)"), ("Windows 11 Enterprise", "10.0 (22631)"))
SRV_OS = (("Windows Server 2016 Standard", "10.0 (14393)"),
          ("Windows Server 2019 Standard", "10.0 (17763)"),
          ("Windows Server 2022 Standard", "10.0 (20348)"))
USER_OC = ("top", "person", "organizationalPerson", "user")
COMPUTER_OC = USER_OC + ("computer",)
OBJECT_CATEGORY = {
    "user": "CN=Person,CN=Schema,CN=Configuration," + BASE,
    "computer": "CN=Computer,CN=Schema,CN=Configuration," + BASE,
}


def fold(line):
    """Returns the line folded the way ldapsearch folds it, with its newline."""
    if len(line) <= FOLD:
        return line + "\n"
    parts = [line[:FOLD]]
    rest = line[FOLD:]
    step = FOLD - 1
    while rest:
        parts.append(" " + rest[:step])
        rest = rest[step:]
    return "\n".join(parts) + "\n"


def b64(name, data):
    return fold("%s:: %s" % (name, base64.b64encode(data).decode("ascii")))


def sid(rid):
    subs = DOMAIN_SUBAUTH + (rid,)
    return (struct.pack("<BB", 1, len(subs)) + (5).to_bytes(6, "big")
            + struct.pack("<%dI" % len(subs), *subs))


class Generator:
    """Holds the random stream and what planted conflicts need to remember."""

    def __init__(self, n, seed, profile, out):
        self.n = n
        self.rng = random.Random(seed)
        self.full = profile == "full"
        self.out = out
        self.entries = 0
        self.usn = 12000
        self.stats = {"computers": 0, "workstations": 0, "servers": 0, "domain_controllers": 0,
                      "users": 0, "service_users": 0, "spn_values": 0, "spn_bytes": 0}
        self.planted = {"duplicate-spn": 0, "smtp-spn-on-non-machine-account": 0,
                        "spn-alias-collision": 0}
        self.expected = dict.fromkeys(self.planted, 0)
        self.computer_fqdns = []   # every computer so far, for alias and SMTP plants
        self.used_fqdns = set()    # computers a plant already used: each plant stays one conflict
        self.user_spn_pool = []    # service users' SPNs not yet copied, for duplicates
        self.plant_rate = 0.001 / 0.3  # ~0.1 % of N, all in user accounts
        self.plant_kind = 0

    # --- small value makers -------------------------------------------------------------
    def guid(self):
        return self.rng.getrandbits(128).to_bytes(16, "little")

    def gentime(self, year_from, year_to):
        r = self.rng
        return "%04d%02d%02d%02d%02d%02d.0Z" % (r.randint(year_from, year_to), r.randint(1, 12),
                                                r.randint(1, 28), r.randint(0, 23),
                                                r.randint(0, 59), r.randint(0, 59))

    def filetime(self):
        # 2023-2025 in 100 ns ticks since 1601
        return str(133170048000000000 + self.rng.randrange(0, 946080000000000))

    def member_of(self, site, kind):
        k = self.rng.choice((0, 1, 1, 2, 2, 3, 4, 5)) if kind == "user" else self.rng.choice(
            (0, 0, 1, 1, 2, 3))
        groups = []
        for _ in range(k):
            dept = self.rng.choice(DEPTS)
            if kind == "user":
                g = "GG-%s-Site%02d-%s" % (dept, site, self.rng.choice(("Staff", "Share-RW", "VPN")))
            else:
                g = "GG-Site%02d-%s" % (site, self.rng.choice(("Workstations", "Patch-Ring1",
                                                               "Patch-Ring2", "BitLocker")))
            groups.append("CN=%s,OU=Groups,%s" % (g, BASE))
        return sorted(set(groups))

    # --- writing --------------------------------------------------------------------------
    def ufn(self, dn):
        rdns = [r.split("=", 1) for r in dn.split(",")]
        head = [v for k, v in rdns if k != "DC"]
        return ", ".join(head + [DOMAIN])

    def write_entry(self, dn, lines):
        self.entries += 1
        self.out.write("# %s\n%s%s\n" % (self.ufn(dn), fold("dn: " + dn), "".join(lines)))

    def account(self, dn, cn, kind, rid, sam, uac, spns, *, site, desc=None, dns=None,
                admin=None, person=None, os_pair=None):
        """Writes one user or computer account with the attributes of the profile."""
        r = self.rng
        ocs = COMPUTER_OC if kind == "computer" else USER_OC
        L = ["objectClass: %s\n" % c for c in ocs]
        L.append(fold("cn: " + cn))
        if self.full:
            if desc:
                L.append(fold("description: " + desc))
            if person:
                L.append(fold("sn: " + person[1]))
                L.append(fold("givenName: " + person[0]))
                L.append(fold("displayName: %s %s" % person))
            L.append(fold("distinguishedName: " + dn))
            L.append("instanceType: 4\n")
            L.append("whenCreated: %s\n" % self.gentime(2012, 2022))
            L.append("whenChanged: %s\n" % self.gentime(2023, 2025))
            self.usn += r.randint(1, 40)
            L.append("uSNCreated: %d\n" % self.usn)
            L.append("uSNChanged: %d\n" % (self.usn + r.randint(100, 900000)))
            for g in self.member_of(site, kind):
                L.append(fold("memberOf: " + g))
            L.append(fold("name: " + cn))
            L.append(b64("objectGUID", self.guid()))
        L.append("userAccountControl: %d\n" % uac)
        if self.full:
            L.append("pwdLastSet: %s\n" % self.filetime())
            L.append("primaryGroupID: %d\n" % (515 if kind == "computer" else 513))
        if admin is not None:
            L.append("adminCount: %d\n" % admin)
        L.append(b64("objectSid", sid(rid)))
        L.append(fold("sAMAccountName: " + sam))
        L.append("sAMAccountType: %d\n" % (805306369 if kind == "computer" else 805306368))
        if self.full and kind == "user":
            L.append(fold("userPrincipalName: %s@%s" % (sam, DOMAIN)))
        if self.full and os_pair:
            L.append(fold("operatingSystem: " + os_pair[0]))
            L.append("operatingSystemVersion: %s\n" % os_pair[1])
        if dns:
            L.append(fold("dNSHostName: " + dns))
        for s in spns:
            L.append(fold("servicePrincipalName: " + s))
            self.stats["spn_values"] += 1
            self.stats["spn_bytes"] += len(s)
        if self.full:
            L.append(fold("objectCategory: " + OBJECT_CATEGORY[kind]))
            if r.random() < 0.9:
                L.append("lastLogonTimestamp: %s\n" % self.filetime())
        self.write_entry(dn, L)

    def container(self, dn, oc, desc=None):
        name = dn.split(",", 1)[0].split("=", 1)[1]
        L = ["objectClass: top\n", "objectClass: %s\n" % oc,
             fold(("ou: " if oc == "organizationalUnit" else "cn: ") + name)]
        if desc and self.full:
            L.append(fold("description: " + desc))
        if self.full:
            L.append(fold("distinguishedName: " + dn))
            L.append(b64("objectGUID", self.guid()))
        self.write_entry(dn, L)

    # --- the directory --------------------------------------------------------------------
    def header(self):
        self.out.write(
            "version: 1\n\n#\n# LDAPv3\n# base <%s> with scope subtree\n"
            "# filter: (objectClass=*)\n# requesting: %s\n#\n"
            "# synthetic directory from bench/gen_directory.py: %d accounts\n#\n\n"
            % (BASE, "ALL" if self.full else
               "objectClass cn sAMAccountName sAMAccountType userAccountControl objectSid "
               "adminCount dNSHostName servicePrincipalName sPNMappings "
               "msDS-AllowedToDelegateTo msDS-SupportedEncryptionTypes pwdLastSet whenCreated "
               "msDS-AdditionalDnsHostName msDS-AdditionalSamAccountName dSHeuristics", self.n))

    def structure(self):
        self.write_entry(BASE, ["objectClass: top\n", "objectClass: domain\n", "dc: corp\n"])
        self.container("OU=Domain Controllers," + BASE, "organizationalUnit",
                       "Default container for domain controllers")
        self.container("OU=Service Accounts," + BASE, "organizationalUnit", "Service users")
        self.container("OU=Groups," + BASE, "organizationalUnit", "Security groups")
        for s in range(SITES):
            site = "OU=Site%02d,%s" % (s, BASE)
            self.container(site, "organizationalUnit", "Branch office %02d" % s)
            for sub in ("Workstations", "Servers", "Users"):
                self.container("OU=%s,%s" % (sub, site), "organizationalUnit")
        self.container("CN=Configuration," + BASE, "container")
        self.container("CN=Services,CN=Configuration," + BASE, "container")
        self.container("CN=Windows NT,CN=Services,CN=Configuration," + BASE, "container")
        self.write_entry("CN=Directory Service,CN=Windows NT,CN=Services,CN=Configuration," + BASE,
                         ["objectClass: top\n", "objectClass: nTDSService\n",
                          "cn: Directory Service\n", fold("sPNMappings: " + SPN_MAPPINGS)])
        # The domain's Read-only Domain Controllers group (RID 521), where AD puts it: its
        # whenCreated is when the domain got AES keys. Written without the random generator, so
        # the accounts (and the planted findings) stay what they were.
        self.write_entry("CN=Users," + BASE, ["objectClass: top\n", "objectClass: container\n",
                                              "cn: Users\n"])
        self.write_entry("CN=Read-only Domain Controllers,CN=Users," + BASE,
                         ["objectClass: top\n", "objectClass: group\n",
                          "cn: Read-only Domain Controllers\n", b64("objectSid", sid(521)),
                          "sAMAccountName: Read-only Domain Controllers\n",
                          "isCriticalSystemObject: TRUE\n", "whenCreated: 20080601120000.0Z\n"])

    def domain_controller(self, k):
        name = "DC%02d" % (k + 1)
        fqdn = "%s.%s" % (name.lower(), DOMAIN)
        guid = "%08x-%04x-4%03x-8%03x-%012x" % (self.rng.getrandbits(32), self.rng.getrandbits(16),
                                                self.rng.getrandbits(12), self.rng.getrandbits(12),
                                                self.rng.getrandbits(48))
        spns = ["Dfsr-12F9A27C-BF97-4787-9364-D31B6C55EB04/" + fqdn,
                "ldap/%s/ForestDnsZones.%s" % (fqdn, DOMAIN),
                "ldap/%s/DomainDnsZones.%s" % (fqdn, DOMAIN), "DNS/" + fqdn,
                "GC/%s/%s" % (fqdn, DOMAIN), "RestrictedKrbHost/" + fqdn,
                "RestrictedKrbHost/" + name, "RPC/%s._msdcs.%s" % (guid, DOMAIN),
                "HOST/%s/%s" % (name, NETBIOS), "HOST/%s/%s" % (fqdn, NETBIOS), "HOST/" + name,
                "HOST/" + fqdn, "HOST/%s/%s" % (fqdn, DOMAIN),
                "E3514235-4B06-11D1-AB04-00C04FC2DCD2/%s/%s" % (guid, DOMAIN),
                "ldap/%s/%s" % (name, NETBIOS), "ldap/%s._msdcs.%s" % (guid, DOMAIN),
                "ldap/%s/%s" % (fqdn, NETBIOS), "ldap/" + name, "ldap/" + fqdn,
                "ldap/%s/%s" % (fqdn, DOMAIN)]
        self.stats["domain_controllers"] += 1
        self.stats["computers"] += 1
        self.account("CN=%s,OU=Domain Controllers,%s" % (name, BASE), name, "computer", 1000 + k,
                     name + "$", 0x82000, spns, site=0, dns=fqdn, os_pair=SRV_OS[2])

    def computer(self, i, rid, site):
        r = self.rng
        server = r.random() < 0.10
        name = ("SRV%06d" if server else "WS%06d") % i
        fqdn = "%s.%s" % (name.lower(), DOMAIN)
        spns = ["HOST/" + name, "HOST/" + fqdn, "RestrictedKrbHost/" + name,
                "RestrictedKrbHost/" + fqdn]
        desc = None
        if server:
            self.stats["servers"] += 1
            if r.random() < 0.5:
                spns += ["TERMSRV/" + name, "TERMSRV/" + fqdn]
            if r.random() < 0.6:
                spns += ["WSMAN/" + name, "WSMAN/" + fqdn]
            if r.random() < 0.1:
                spns += ["MSSQLSvc/%s:1433" % fqdn, "MSSQLSvc/" + fqdn]
                desc = "SQL Server (runs as NT Service\\MSSQLSERVER)"
            else:
                desc = "%s application server" % r.choice(DEPTS)
            ou, os_pair = "Servers", r.choice(SRV_OS)
        else:
            self.stats["workstations"] += 1
            if r.random() < 0.3:
                desc = "%s desk %d" % (r.choice(DEPTS), r.randint(1, 400))
            ou, os_pair = "Workstations", r.choice(WS_OS)
        self.stats["computers"] += 1
        self.computer_fqdns.append(fqdn)
        self.account("CN=%s,OU=%s,OU=Site%02d,%s" % (name, ou, site, BASE), name, "computer", rid,
                     name + "$", 4096, spns, site=site, desc=desc, dns=fqdn, os_pair=os_pair)

    def unused_computer(self):
        """Returns the FQDN of an earlier computer no plant has used yet."""
        while True:
            fqdn = self.rng.choice(self.computer_fqdns)
            if fqdn not in self.used_fqdns:
                self.used_fqdns.add(fqdn)
                return fqdn

    def plant(self):
        """Returns (SPNs, description) for a planted conflict, or None when none fits yet."""
        r = self.rng
        for _ in range(3):
            kind = self.plant_kind % 3
            self.plant_kind += 1
            if kind == 0 and self.user_spn_pool:
                spn = self.user_spn_pool.pop(r.randrange(len(self.user_spn_pool)))
                self.planted["duplicate-spn"] += 1
                self.expected["duplicate-spn"] += 1
                return [spn], "planted: duplicate of another service user's SPN"
            if kind == 1 and self.computer_fqdns:
                fqdn = self.unused_computer()
                self.planted["smtp-spn-on-non-machine-account"] += 1
                self.expected["smtp-spn-on-non-machine-account"] += 2
                return (["SMTP/" + fqdn, "SMTPSVC/" + fqdn],
                        "planted: SMTP/ and SMTPSVC/ of a server on a user")
            if kind == 2 and self.computer_fqdns:
                fqdn = self.unused_computer()
                self.planted["spn-alias-collision"] += 1
                self.expected["spn-alias-collision"] += 1
                return ["HTTP/" + fqdn], "planted: HTTP/ for a computer that holds HOST/"
        return None

    def user(self, i, rid, site):
        r = self.rng
        self.stats["users"] += 1
        planted = self.plant() if r.random() < self.plant_rate else None
        if planted or r.random() < 0.03:
            self.stats["service_users"] += 1
            if planted:
                spns, desc = planted
                name = "svc_x%06d" % i
            elif r.random() < 0.6:
                host = "sql%06d.%s" % (i, DOMAIN)
                spns = ["MSSQLSvc/%s:1433" % host, "MSSQLSvc/" + host]
                name, desc = "svc_sql%06d" % i, "SQL Server service account"
                self.user_spn_pool.append(spns[0])
            else:
                host = "app%06d" % i
                spns = ["HTTP/%s.%s" % (host, DOMAIN), "HTTP/" + host]
                name, desc = "svc_web%06d" % i, "IIS application pool identity"
                self.user_spn_pool.append(spns[0])
            self.account("CN=%s,OU=Service Accounts,%s" % (name, BASE), name, "user", rid, name,
                         66048, spns, site=site, desc=desc)
            return
        first, last = r.choice(FIRST), r.choice(LAST)
        sam = ("%s.%s%d" % (first, last, i)).lower()
        disabled = r.random() < 0.08
        admin = 1 if r.random() < 0.005 else None
        self.account("CN=%s %s %d,OU=Users,OU=Site%02d,%s" % (first, last, i, site, BASE),
                     "%s %s %d" % (first, last, i), "user", rid, sam,
                     514 if disabled else 512, [], site=site,
                     desc=("%s, %s" % (r.choice(DEPTS), "Site%02d" % site)) if r.random() < 0.4
                     else None, admin=admin, person=(first, last))

    def run(self):
        self.header()
        self.structure()
        dcs = max(1, min(20, self.n // 20000))
        for k in range(dcs):
            self.domain_controller(k)
        for i in range(self.n - dcs):
            site = self.rng.randrange(SITES)
            if self.rng.random() < 0.7:
                self.computer(i, 1103 + i, site)
            else:
                self.user(i, 1103 + i, site)
        self.out.write("# search result\n\n# numResponses: %d\n# numEntries: %d\n"
                       % (self.entries + 1, self.entries))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("n", type=int, help="number of accounts (computers + users)")
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    p.add_argument("--profile", choices=("full", "spn"), default="full",
                   help="full: every attribute of a '*' export; spn: only what spnscan reads")
    a = p.parse_args()
    if a.n < 1:
        p.error("N must be at least 1")
    out = open(sys.stdout.fileno(), "w", encoding="ascii", newline="\n", buffering=1 << 20,
               closefd=False)
    g = Generator(a.n, a.seed, a.profile, out)
    try:
        g.run()
        out.flush()
    except BrokenPipeError:
        sys.exit(1)
    s = g.stats
    err = sys.stderr
    err.write("gen_directory: %d entries: %d accounts = %d computers (%d workstations, %d servers, "
              "%d DCs) + %d users (%d service users)\n"
              % (g.entries, a.n, s["computers"], s["workstations"], s["servers"],
                 s["domain_controllers"], s["users"], s["service_users"]))
    err.write("gen_directory: %d SPN values, %d bytes of SPN text\n" % (s["spn_values"],
                                                                       s["spn_bytes"]))
    err.write("gen_directory: planted conflicts: %s\n" % ", ".join(
        "%s %d" % kv for kv in g.planted.items()))
    err.write("gen_directory: findings they should give: %s (total %d)\n" % (", ".join(
        "%s %d" % kv for kv in g.expected.items()), sum(g.expected.values())))


if __name__ == "__main__":
    main()
