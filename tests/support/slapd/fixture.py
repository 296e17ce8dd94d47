#!/usr/bin/env python3
"""Private OpenLDAP slapd for spnscan's live-LDAP tests (python3 stdlib only).

Usage (normally through tests/support/slapd-fixture.sh):
  slapd-fixture.sh start --ldif FILE --dir TMPDIR [--suffix DN] [--no-tls] [--retcode]
                         [--no-schema-check] [--loglevel LEVEL] [--lifetime SECONDS]
  slapd-fixture.sh stop --dir TMPDIR

`start` prints shell-eval-able NAME=value lines (also saved to TMPDIR/fixture.env) and leaves
slapd running in the background; `stop` ends it. See tests/support/README.md.
"""

import argparse
import base64
import hashlib
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.parse

SLAPD = "/usr/sbin/slapd"
SLAPADD = "/usr/sbin/slapadd"
LDAPSEARCH = "ldapsearch"
MODULE_PATH = "/usr/lib/ldap"
SYSTEM_SCHEMA_DIR = "/etc/ldap/schema"
REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
AD_SCHEMA = os.path.join(REPO_ROOT, "fixtures", "ad-subset.schema")

READER_PASSWORD = "readerpw"
# AD's MaxPageSize: unpaged searches stop here with sizeLimitExceeded, paged ones page at it.
MAX_PAGE_SIZE = 1000
# AD's MaxQueryDuration (seconds).
MAX_QUERY_DURATION = 120
START_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0
# sun_path in struct sockaddr_un is 108 bytes including the NUL.
MAX_SOCKET_PATH = 107

# Result codes the --retcode overlay serves under ou=RetCodes,<suffix> (name, code, extra options).
RETCODE_ITEMS = [
    ("timeLimitExceeded", 0x03, ""),
    ("sizeLimitExceeded", 0x04, ""),
    ("strongerAuthRequired", 0x08, ""),
    ("adminLimitExceeded", 0x0B, ""),
    ("unavailableCriticalExtension", 0x0C, ""),
    ("invalidCredentials", 0x31, ""),
    ("busy", 0x33, ""),
    ("unavailable", 0x34, ""),
    ("unwillingToPerform", 0x35, ""),
    ("sleep5", 0x00, "sleeptime=5"),
    ("sleep60", 0x00, "sleeptime=60"),
    ("busyAfter5", 0x33, "sleeptime=5"),
    ("disconnect", 0x34, "flags=disconnect"),
    ("postDisconnect", 0x00, "flags=post-disconnect"),
]


class FixtureError(Exception):
    """A failure reported to the caller as one message and exit status 1."""


def clean_env():
    """Environment for the OpenLDAP tools: no ldap.conf/ldaprc or LDAPTLS_* leaking in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LDAP")}
    env["LDAPNOINIT"] = "1"
    return env


def run(cmd, what, **kwargs):
    """Runs a tool to completion, raising FixtureError with its output when it fails."""
    proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, env=clean_env(), **kwargs)
    if proc.returncode != 0:
        raise FixtureError("%s failed (exit %d): %s\n%s" % (
            what, proc.returncode, " ".join(shlex.quote(c) for c in cmd),
            proc.stdout.decode("utf-8", "replace")))
    return proc.stdout.decode("utf-8", "replace")


def free_ports(count):
    """Asks the kernel for `count` distinct free loopback ports (they stay free until slapd binds)."""
    socks = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def first_dn(ldif_path):
    """The DN of the first record of an LDIF file (handles folding and dn:: base64)."""
    with open(ldif_path, "rb") as f:
        data = f.read(1 << 20)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    lines = data.replace(b"\r\n", b"\n").split(b"\n")
    logical = []
    for line in lines:
        if line.startswith(b" ") and logical:
            logical[-1] += line[1:]
        else:
            logical.append(line)
    for line in logical:
        if line.startswith(b"#") or not line.strip() or line.lower().startswith(b"version:"):
            continue
        if line[:4].lower() == b"dn::":
            return base64.b64decode(line[4:].strip()).decode("utf-8")
        if line[:3].lower() == b"dn:":
            return line[3:].strip().decode("utf-8")
        break
    raise FixtureError("%s: no dn: line in the first record; pass --suffix" % ldif_path)


def conf_quote(value):
    """Quotes a value for slapd.conf (backslash and double quote escaped)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def version_line_span(head):
    """(start, end) of a leading "version: 1" line in the first bytes of an LDIF, or None."""
    pos = 0
    if head.startswith(b"\xef\xbb\xbf"):
        pos = 3
    while pos < len(head):
        end = head.find(b"\n", pos)
        end = len(head) if end < 0 else end + 1
        line = head[pos:end]
        if line.startswith(b"#") or not line.strip():
            pos = end
            continue
        if line.lower().startswith(b"version:"):
            return pos, end
        return None
    return None


def load_ldif(slapadd, ldif):
    """slapadd an LDIF; a leading "version: 1" line (which slapadd rejects) is dropped on the fly."""
    with open(ldif, "rb") as f:
        head = f.read(1 << 16)
    span = version_line_span(head)
    if span is None:
        run(slapadd + ["-l", ldif], "slapadd %s" % ldif)
        return
    proc = subprocess.Popen(slapadd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, env=clean_env())
    # Read slapadd's output in a thread-free way: it only writes on errors, after reading input.
    try:
        with open(ldif, "rb") as f:
            proc.stdin.write(head[:span[0]])
            f.seek(span[1])
            while True:
                chunk = f.read(1 << 20)
                if not chunk:
                    break
                proc.stdin.write(chunk)
        proc.stdin.close()
    except BrokenPipeError:
        pass
    out = proc.stdout.read().decode("utf-8", "replace")
    if proc.wait() != 0:
        raise FixtureError("slapadd %s failed (exit %d; its line numbers count from the line after "
                           "\"version:\"):\n%s" % (ldif, proc.returncode, out))


def ssha(password):
    """{SSHA} hash of a password, the format slappasswd produces by default."""
    salt = os.urandom(8)
    digest = hashlib.sha1(password.encode("utf-8") + salt).digest()
    return "{SSHA}" + base64.b64encode(digest + salt).decode("ascii")


def write_file(path, text, mode=0o644):
    """Writes a file with the given mode from the start (no window with wider permissions)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(path, mode)


def patched_core_schema(dest):
    """Copies core.schema with AD's person (only cn mandatory) and without organizationalUnit."""
    with open(os.path.join(SYSTEM_SCHEMA_DIR, "core.schema"), encoding="utf-8") as f:
        text = f.read()
    start = text.find("NAME 'person'")
    old = "MUST ( sn $ cn )\n\tMAY ( userPassword"
    pos = text.find(old, start)
    if start < 0 or pos < 0 or pos - start > 200:
        raise FixtureError("core.schema: person definition not as expected; cannot relax sn")
    text = text[:pos] + "MUST cn\n\tMAY ( sn $ userPassword" + text[pos + len(old):]
    # organizationalUnit is redefined (same OID, plus AD's "top" attributes) in ad-subset.schema.
    start = text.find("objectclass ( 2.5.6.5 NAME 'organizationalUnit'")
    end = text.find("\n\n", start)
    if start < 0 or end < 0:
        raise FixtureError("core.schema: organizationalUnit definition not found")
    text = text[:start] + "# organizationalUnit: see fixtures/ad-subset.schema" + text[end:]
    write_file(dest, "# core.schema with AD's person (sn optional), without organizationalUnit "
               "(generated)\n" + text)


def localhost_names():
    """Names the server certificate must carry for ldaps://localhost to verify.

    libldap checks a certificate for "localhost" against the machine's own name instead
    (ldap_pvt_tls_check_hostname uses ldap_int_hostname, the canonical gethostname()), so the
    certificate holds localhost plus that name; it never holds an IP address, so 127.0.0.1 fails.
    """
    names = ["localhost"]
    host = socket.gethostname()
    candidates = [host]
    try:
        candidates.append(socket.getaddrinfo(host, None, 0, 0, 0, socket.AI_CANONNAME)[0][3])
    except (OSError, IndexError):
        pass
    for name in candidates:
        if name and name not in names and all(c.isalnum() or c in "-." for c in name):
            names.append(name)
    return names


def make_tls(tls_dir):
    """Test CA, server cert (SAN DNS:localhost only) and client cert, EC P-256 for speed."""
    os.makedirs(tls_dir, exist_ok=True)
    p = lambda name: os.path.join(tls_dir, name)
    newkey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    run(["openssl", "req", "-x509", "-new"] + newkey + [
        "-keyout", p("ca.key"), "-out", p("ca.pem"), "-days", "30", "-sha256",
        "-subj", "/O=spnscan tests/CN=spnscan test CA",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        "-addext", "subjectKeyIdentifier=hash"], "openssl (CA)")
    write_file(p("server.ext"),
               "basicConstraints=critical,CA:FALSE\n"
               "keyUsage=critical,digitalSignature,keyAgreement\n"
               "extendedKeyUsage=serverAuth\n"
               "authorityKeyIdentifier=keyid\n"
               "subjectAltName=%s\n" % ",".join("DNS:" + n for n in localhost_names()))
    write_file(p("client.ext"),
               "basicConstraints=critical,CA:FALSE\n"
               "keyUsage=critical,digitalSignature,keyAgreement\n"
               "extendedKeyUsage=clientAuth\n"
               "authorityKeyIdentifier=keyid\n")
    for name, subj in (("server", "/CN=localhost"), ("client", "/CN=spnscan-test-client")):
        run(["openssl", "req", "-new"] + newkey + [
            "-keyout", p(name + ".key"), "-out", p(name + ".csr"), "-subj", subj],
            "openssl (%s key)" % name)
        run(["openssl", "x509", "-req", "-in", p(name + ".csr"), "-CA", p("ca.pem"),
             "-CAkey", p("ca.key"), "-set_serial", str(int.from_bytes(os.urandom(8), "big")),
             "-days", "30", "-sha256", "-extfile", p(name + ".ext"), "-out", p(name + ".pem")],
            "openssl (%s cert)" % name)
    for key in ("ca.key", "server.key", "client.key"):
        os.chmod(p(key), 0o600)
    return {"ca": p("ca.pem"), "cert": p("server.pem"), "key": p("server.key"),
            "client_cert": p("client.pem"), "client_key": p("client.key")}


def slapd_conf(d, suffix, tls, retcode, writable=False):
    """Text of the private slapd.conf."""
    admin_dn = "cn=admin," + suffix
    lines = [
        "# Generated by tests/support/slapd-fixture.sh: private test server, do not edit.",
        "modulepath " + MODULE_PATH,
        "moduleload back_mdb.so",
    ]
    if retcode:
        lines.append("moduleload retcode.so")
    lines += [
        "include " + conf_quote(os.path.join(d, "schema", "core.schema")),
        "include " + conf_quote(AD_SCHEMA),
        "include " + conf_quote(os.path.join(SYSTEM_SCHEMA_DIR, "cosine.schema")),
        "pidfile " + conf_quote(os.path.join(d, "slapd.pid")),
        "argsfile " + conf_quote(os.path.join(d, "slapd.args")),
        "sizelimit %d" % MAX_PAGE_SIZE,
        "timelimit %d" % MAX_QUERY_DURATION,
        # ldapi:// EXTERNAL as the user who runs the tests, mapped to an admin identity.
        'authz-regexp "^gidNumber=%d\\\\+uidNumber=%d,cn=peercred,cn=external,cn=auth$" %s'
        % (os.getgid(), os.getuid(), conf_quote(admin_dn)),
    ]
    if tls:
        lines += [
            "TLSCACertificateFile " + conf_quote(tls["ca"]),
            "TLSCertificateFile " + conf_quote(tls["cert"]),
            "TLSCertificateKeyFile " + conf_quote(tls["key"]),
            # Client certificates are optional; when given they must chain to the test CA.
            "TLSVerifyClient allow",
            'authz-regexp "^cn=spnscan-test-client$" %s' % conf_quote("cn=tls-client," + suffix),
        ]
    lines += [
        "access to dn.base=\"\" by * read",
        "access to dn.base=\"cn=Subschema\" by * read",
        "",
        "database mdb",
        "suffix " + conf_quote(suffix),
        "directory " + conf_quote(os.path.join(d, "db")),
    ]
    if writable:
        # The ldapi:// EXTERNAL identity (admin_dn) may write: tests that apply spnscan's LDIF
        # fixes with ldapmodify need it. Never set for the read-only scans.
        lines.append("rootdn " + conf_quote(admin_dn))
    lines += [
        "maxsize 4294967296",
        # A throw-away test database: no fsync per write (slapadd without -q is 100x faster).
        "dbnosync",
        # AD-like limits: 1000 entries unpaged (then sizeLimitExceeded), pages of at most 1000,
        # no total limit for paged searches.
        "limits * size.soft=%d size.hard=%d size.pr=%d size.prtotal=unlimited"
        % (MAX_PAGE_SIZE, MAX_PAGE_SIZE, MAX_PAGE_SIZE),
        "index objectClass eq",
        "index servicePrincipalName eq,pres",
        "index sAMAccountName eq",
        "access to attrs=userPassword by anonymous auth by * none",
        "access to * by * read",
    ]
    if retcode:
        lines += [
            "overlay retcode",
            "retcode-parent " + conf_quote("ou=RetCodes," + suffix),
            "retcode-indir",
        ]
        for name, code, extra in RETCODE_ITEMS:
            item = 'retcode-item "cn=%s" 0x%02x' % (name, code)
            if extra:
                item += " " + extra
            lines.append(item)
    return "\n".join(lines) + "\n"


def pid_alive(pid):
    """True while pid exists and is not a zombie (orphans may be reaped late in containers)."""
    try:
        with open("/proc/%d/stat" % pid, encoding="ascii", errors="replace") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        return state not in ("Z", "X")
    except (FileNotFoundError, IndexError, ProcessLookupError):
        return False


def is_our_slapd(pid, conf):
    """True when pid is a slapd started with this fixture's config (guards against pid reuse)."""
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            args = f.read().split(b"\0")
    except OSError:
        return False
    return conf.encode() in args


def tail(path, limit=12000):
    """Last `limit` characters of a log file, for failure messages."""
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - limit))
            return f.read().decode("utf-8", "replace")
    except OSError as e:
        return "(no log: %s)" % e


def wait_until_answering(proc, uri, log_path):
    """Polls the rootDSE until slapd answers; returns False if slapd died (e.g. port taken)."""
    deadline = time.monotonic() + START_TIMEOUT
    cmd = [LDAPSEARCH, "-x", "-H", uri, "-b", "", "-s", "base", "-LLL", "-o", "nettimeout=2",
           "1.1"]
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        rc = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=clean_env()).returncode
        if rc == 0:
            return True
        time.sleep(0.05)
    proc.terminate()
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        proc.kill()
    raise FixtureError("slapd did not answer on %s within %.0f s; log %s:\n%s"
                       % (uri, START_TIMEOUT, log_path, tail(log_path)))


def start_watchdog(d, seconds, pid):
    """Stops the server after `seconds` even if the test that started it crashed (or removed d)."""
    script = 'sleep %d; exec %s %s stop --dir %s --pid %d' % (
        seconds, shlex.quote(sys.executable), shlex.quote(os.path.abspath(__file__)),
        shlex.quote(d), pid)
    watchdog = subprocess.Popen(["/bin/sh", "-c", script], stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True, close_fds=True)
    write_file(os.path.join(d, "watchdog.pid"), "%d\n" % watchdog.pid)


def stop_watchdog(d):
    """Ends the watchdog of `d` (its process group: sh and its sleep), if it is still there."""
    path = os.path.join(d, "watchdog.pid")
    try:
        with open(path, encoding="ascii") as f:
            pid = int(f.read().strip())
    except (OSError, ValueError):
        return
    os.unlink(path)
    if pid == os.getpid() or pid == os.getppid() or not pid_alive(pid):
        return
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            if d.encode() not in f.read():
                return
        os.killpg(pid, signal.SIGTERM)
    except (OSError, ProcessLookupError):
        pass


def cmd_start(args):
    d = os.path.abspath(args.dir)
    socket_path = os.path.join(d, "ldapi")
    if len(socket_path.encode()) > MAX_SOCKET_PATH:
        raise FixtureError("%s: path too long for a unix socket (max %d bytes); use a shorter --dir"
                           % (socket_path, MAX_SOCKET_PATH))
    os.makedirs(d, exist_ok=True)
    conf = os.path.join(d, "slapd.conf")
    pid_file = os.path.join(d, "fixture.pid")
    if os.path.exists(pid_file):
        with open(pid_file, encoding="ascii") as f:
            old = f.read().strip()
        if old.isdigit() and pid_alive(int(old)) and is_our_slapd(int(old), conf):
            raise FixtureError("%s: a fixture slapd (pid %s) is already running; stop it first"
                               % (d, old))
    db_dir = os.path.join(d, "db")
    if os.path.isdir(db_dir) and os.listdir(db_dir):
        raise FixtureError("%s: database directory is not empty; use a fresh --dir" % db_dir)
    ldif = os.path.abspath(args.ldif)
    if not os.path.isfile(ldif):
        raise FixtureError("%s: no such LDIF file" % ldif)
    suffix = args.suffix or first_dn(ldif)

    os.makedirs(db_dir, exist_ok=True)
    os.makedirs(os.path.join(d, "schema"), exist_ok=True)
    patched_core_schema(os.path.join(d, "schema", "core.schema"))
    tls = None if args.no_tls else make_tls(os.path.join(d, "tls"))
    write_file(conf, slapd_conf(d, suffix, tls, args.retcode, args.writable))
    run([SLAPD, "-Ttest", "-f", conf, "-u"], "slapd -Ttest (config check)")

    reader_dn = "cn=reader," + suffix
    password_file = os.path.join(d, "reader.pw")
    write_file(password_file, READER_PASSWORD + "\n", 0o600)
    reader_ldif = os.path.join(d, "reader.ldif")
    write_file(reader_ldif,
               "dn: %s\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\n"
               "cn: reader\ndescription: spnscan test fixture: simple-bind test user\n"
               "userPassword: %s\n" % (reader_dn, ssha(READER_PASSWORD)), 0o600)
    # -q (quick) is much faster for big files, but slapadd -q rejects entries carrying
    # errAuxObject ("no structural object class provided"), so --retcode loads without it.
    slapadd = [SLAPADD, "-f", conf] if args.retcode else [SLAPADD, "-q", "-f", conf]
    if args.no_schema_check:
        slapadd.append("-s")
    t0 = time.monotonic()
    load_ldif(slapadd, ldif)
    run(slapadd + ["-l", reader_ldif], "slapadd (reader entry)")
    load_seconds = time.monotonic() - t0

    log_path = os.path.join(d, "slapd.log")
    ldapi_uri = "ldapi://" + urllib.parse.quote(socket_path, safe="")
    for _attempt in range(3):
        port, tls_port = free_ports(2)
        ldap_uri = "ldap://127.0.0.1:%d" % port
        urls = [ldap_uri + "/"]
        if tls:
            urls.append("ldaps://127.0.0.1:%d/" % tls_port)
        urls.append(ldapi_uri + "/")
        if os.path.exists(socket_path):
            os.unlink(socket_path)
        with open(log_path, "ab") as log:
            proc = subprocess.Popen([SLAPD, "-f", conf, "-h", " ".join(urls), "-d", args.loglevel],
                                    stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                    env=clean_env(), start_new_session=True, close_fds=True)
        if wait_until_answering(proc, ldap_uri, log_path):
            break
        if "Address already in use" not in tail(log_path, 4000):
            raise FixtureError("slapd exited with status %s; log %s:\n%s"
                               % (proc.returncode, log_path, tail(log_path)))
    else:
        raise FixtureError("slapd could not bind a free port in 3 attempts; log %s:\n%s"
                           % (log_path, tail(log_path)))
    write_file(pid_file, "%d\n" % proc.pid)
    if args.lifetime > 0:
        start_watchdog(d, args.lifetime, proc.pid)

    values = [
        ("SLAPD_PID", str(proc.pid)),
        ("SLAPD_DIR", d),
        ("SLAPD_LOG", log_path),
        ("LDAP_URI", ldap_uri),
        ("LDAP_PORT", str(port)),
        ("LDAPS_URI", "ldaps://localhost:%d" % tls_port if tls else ""),
        ("LDAPS_PORT", str(tls_port) if tls else ""),
        ("LDAPI_URI", ldapi_uri),
        ("CA_FILE", tls["ca"] if tls else ""),
        ("CLIENT_CERT", tls["client_cert"] if tls else ""),
        ("CLIENT_KEY", tls["client_key"] if tls else ""),
        ("BASE_DN", suffix),
        ("READER_DN", reader_dn),
        ("READER_PASSWORD_FILE", password_file),
        ("READER_PASSWORD", READER_PASSWORD),
        ("EXTERNAL_DN", "cn=admin," + suffix),
        ("TLS_CLIENT_DN", "cn=tls-client," + suffix if tls else ""),
        ("RETCODE_BASE", "ou=RetCodes," + suffix if args.retcode else ""),
        ("SLAPD_LOAD_SECONDS", "%.2f" % load_seconds),
    ]
    text = "".join("%s=%s\n" % (k, shlex.quote(v)) for k, v in values)
    write_file(os.path.join(d, "fixture.env"), text)
    sys.stdout.write(text)
    return 0


def cmd_stop(args):
    d = os.path.abspath(args.dir)
    conf = os.path.join(d, "slapd.conf")
    pid_file = os.path.join(d, "fixture.pid")
    stop_watchdog(d)
    try:
        with open(pid_file, encoding="ascii") as f:
            pid = int(f.read().strip())
    except (OSError, ValueError):
        if args.pid and pid_alive(args.pid) and is_our_slapd(args.pid, conf):
            # The watchdog of a fixture whose directory was removed while slapd ran.
            os.kill(args.pid, signal.SIGTERM)
            return 0
        if os.path.isfile(conf):
            # A fixture directory whose server is already stopped (or never started): done.
            sys.stderr.write("slapd-fixture: %s: no slapd running\n" % d)
            return 0
        raise FixtureError("%s: not a fixture directory (no slapd.conf)" % d)
    if not pid_alive(pid):
        os.unlink(pid_file)
        return 0
    # slapd itself deletes slapd.pid on exit; fixture.pid is ours and goes last.
    if not is_our_slapd(pid, conf):
        raise FixtureError("pid %d is not this fixture's slapd; not killing it" % pid)
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    while pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    if pid_alive(pid):
        os.kill(pid, signal.SIGKILL)
        while pid_alive(pid):
            time.sleep(0.02)
    os.unlink(pid_file)
    return 0


def main(argv):
    parser = argparse.ArgumentParser(prog="slapd-fixture.sh",
                                     description="Private slapd for spnscan tests.")
    sub = parser.add_subparsers(dest="command", required=True)
    start = sub.add_parser("start", help="load an LDIF and start slapd; print NAME=value lines")
    start.add_argument("--ldif", required=True, help="LDIF to load with slapadd")
    start.add_argument("--dir", required=True, help="private directory (created; db must be empty)")
    start.add_argument("--suffix", help="database suffix (default: the LDIF's first dn)")
    start.add_argument("--no-tls", action="store_true",
                       help="no TLS at all: no ldaps listener, StartTLS refused")
    start.add_argument("--writable", action="store_true",
                       help="let the ldapi:// EXTERNAL admin identity write (rootdn)")
    start.add_argument("--retcode", action="store_true",
                       help="load slapo-retcode for fault injection (ou=RetCodes,<suffix>)")
    start.add_argument("--no-schema-check", action="store_true",
                       help="slapadd -s: load entries that break the schema's MUST/MAY rules")
    start.add_argument("--loglevel", default="stats", help="slapd -d level (default stats)")
    start.add_argument("--lifetime", type=int, default=1800,
                       help="stop the server after this many seconds in any case, so a crashed "
                            "test leaves nothing behind (default 1800; 0: never)")
    stop = sub.add_parser("stop", help="stop the slapd started in --dir and wait for it")
    stop.add_argument("--dir", required=True)
    stop.add_argument("--pid", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        return cmd_start(args) if args.command == "start" else cmd_stop(args)
    except FixtureError as e:
        sys.stderr.write("slapd-fixture: %s\n" % e)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
