// The real binary against a throwaway Samba AD DC (tests/support/samba-dc.sh): the same findings
// over LDAPS, StartTLS, Kerberos and the Global Catalog, paging over more than 1000 accounts with
// AD semantics, and the refusals a scan from cron must report. One DC serves every test case (it
// binds fixed ports); it is started on first use and stopped when the process exits.
//
// SPNSCAN_SAMBA_DIR=DIR uses a DC that `samba-dc.sh start --dir DIR --many 1100` already runs
// (and leaves it running): saves the provisioning time while working on these tests.
// SPNSCAN_SAMBA_KEEP=1 keeps the DC's directory (logs, setup.log) after the run.

#include "run_binary.hpp"
#include "servers.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <signal.h>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
#include <tuple>
#include <unistd.h>
#include <vector>

using namespace spnscan::e2e;
using Json = nlohmann::json;

namespace {

const std::string k_script = std::string(SPNSCAN_SOURCE_DIR) + "/tests/support/samba-dc.sh";
// What `--many` adds: more than AD's MaxPageSize of 1000, so a complete scan proves paging.
constexpr int k_bulk_accounts = 1100;
// The fixture's own SPN holders: HUB1$, WEB01$, DC1$, Administrator, krbtgt, svc_web, svc_sql,
// dns-dc1 (tests/support/README.md, "Directory contents").
constexpr int k_fixed_holders = 8;
const std::string k_base = "DC=samdom,DC=example,DC=com";
const std::string k_administrator = "CN=Administrator,CN=Users," + k_base;
const std::string k_hub1 = "CN=HUB1,CN=Computers," + k_base;
const std::string k_web01 = "CN=WEB01,CN=Computers," + k_base;
const std::string k_svc_web = "CN=svc_web,CN=Users," + k_base;

// Reports a skipped test where people and CI see it; never a silent pass.

// The last "samba-dc.sh: error: ..." line of the script's stderr, or its tail.
std::string failure_reason(const std::string& err) {
  const std::string marker = "samba-dc.sh: error: ";
  const auto at = err.rfind(marker);
  if (at != std::string::npos) {
    return err.substr(at, err.find('\n', at) - at);
  }
  return err.size() > 2000 ? err.substr(err.size() - 2000) : err;
}

// The one throwaway DC; stopped (and its process group killed) by the static destructor.
class SambaDc {
public:
  SambaDc() {
    if (const char* dir = std::getenv("SPNSCAN_SAMBA_DIR"); dir != nullptr && *dir != '\0') {
      attach(dir);
      return;
    }
    if (geteuid() != 0) {
      m_error = "not root: the Samba DC binds ports 88/389/636/3268/3269 and edits /etc/hosts";
      return;
    }
    char pattern[] = "/tmp/spnscan-samba-XXXXXX"; // short: samba's unix sockets live inside
    if (mkdtemp(pattern) == nullptr) {
      m_error = "mkdtemp failed";
      return;
    }
    m_dir = pattern;
    const auto start = std::chrono::steady_clock::now();
    std::fflush(nullptr);
    const pid_t pid = fork();
    if (pid == 0) {
      // samba stays in this process group after the script exits: the destructor's backstop.
      setpgid(0, 0);
      std::freopen((m_dir + "/start.out").c_str(), "w", stdout);
      std::freopen((m_dir + "/start.err").c_str(), "w", stderr);
      const std::string dc = m_dir + "/dc";
      const std::string many = std::to_string(k_bulk_accounts);
      execl(k_script.c_str(), k_script.c_str(), "start", "--dir", dc.c_str(), "--many",
            many.c_str(), "--max-runtime", "900", static_cast<char*>(nullptr));
      _exit(127);
    }
    if (pid < 0) {
      m_error = "fork failed";
      return;
    }
    m_group = pid;
    int status = 0;
    waitpid(pid, &status, 0);
    m_start_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      m_error = "samba-dc.sh start failed: " + failure_reason(slurp(m_dir + "/start.err"));
      return;
    }
    m_env = parse_env(slurp(m_dir + "/start.out"));
    m_owned = true;
    if (get("LDAPS_URI").empty() || get("CA_FILE").empty()) {
      m_error = "samba-dc.sh start printed no LDAPS_URI/CA_FILE";
      return;
    }
    std::fprintf(stderr, "Samba DC with %d bulk accounts started in %.1f s (%s)\n", k_bulk_accounts,
                 m_start_seconds, m_dir.c_str());
  }

  ~SambaDc() {
    if (m_owned) {
      const std::string stop =
          quote(k_script) + " stop --dir " + quote(m_dir + "/dc") + " >/dev/null 2>&1";
      [[maybe_unused]] const int rc = std::system(stop.c_str());
    }
    // Whatever is left of the start (a samba that ignored stop, a hung tool) goes too. A group
    // that still has members keeps its id, so this cannot hit an unrelated process.
    if (m_group > 0 && kill(-m_group, 0) == 0) {
      kill(-m_group, SIGKILL);
    }
    const char* keep = std::getenv("SPNSCAN_SAMBA_KEEP");
    if (!m_dir.empty() && (keep == nullptr || *keep == '\0')) {
      [[maybe_unused]] const int rc = std::system(("rm -rf " + quote(m_dir)).c_str());
    }
  }

  SambaDc(const SambaDc&) = delete;
  SambaDc& operator=(const SambaDc&) = delete;

  // Empty when the DC runs; otherwise why it does not.
  const std::string& error() const { return m_error; }

  std::string get(const std::string& name) const {
    const auto it = m_env.find(name);
    return it == m_env.end() ? std::string() : it->second;
  }

  // -D/-y for a simple bind as the scanner account, by UPN.
  std::vector<std::string> simple_bind() const {
    return {"-D", get("BIND_UPN"), "-y", get("BIND_PASSWORD_FILE")};
  }

  // The environment for -Y GSSAPI: the DC's krb5.conf, a fresh ticket cache that MIT Kerberos
  // fills from the keytab by itself (KRB5_CLIENT_KTNAME), as a cron job would.
  std::string kerberos_env(const std::string& cache) const {
    return "KRB5_CONFIG=" + quote(get("KRB5_CONFIG")) + " KRB5CCNAME=" + quote("FILE:" + cache) +
           " KRB5_CLIENT_KTNAME=" + quote(get("KEYTAB")) + " ";
  }

private:
  void attach(const std::string& dir) {
    const std::string out = "/tmp/spnscan-samba-env-" + std::to_string(getpid());
    const std::string command =
        quote(k_script) + " env --dir " + quote(dir) + " >" + quote(out) + " 2>/dev/null";
    const int rc = std::system(command.c_str());
    m_env = parse_env(slurp(out));
    std::remove(out.c_str());
    if (rc != 0 || get("LDAPS_URI").empty()) {
      m_error = "SPNSCAN_SAMBA_DIR=" + dir + " holds no started DC";
    }
  }

  std::string m_dir;
  std::string m_error;
  std::map<std::string, std::string> m_env;
  pid_t m_group = -1;
  bool m_owned = false;
  double m_start_seconds = 0;
};

SambaDc& samba_dc() {
  static SambaDc dc;
  return dc;
}

// The DC for a test case; null, with the test skipped visibly, when it could not start.
const SambaDc* samba_dc_or_skip() {
  const SambaDc& dc = samba_dc();
  if (!dc.error().empty()) {
    skip(dc.error());
    return nullptr;
  }
  return &dc;
}

// Runs `spnscan scan --format json` with args; wants expected_status and a JSON report.
Json scan(const std::vector<std::string>& args, int expected_status, const std::string& env = "") {
  std::vector<std::string> all = {"scan", "--format", "json", "--timeout", "30"};
  all.insert(all.end(), args.begin(), args.end());
  const auto r = run(all, env);
  INFO("stderr: " << r.err);
  REQUIRE(r.status == expected_status);
  return Json::parse(r.out);
}

std::set<std::string> ids(const Json& report) {
  std::set<std::string> out;
  for (const auto& f : report["findings"]) {
    out.insert(f["id"].get<std::string>());
  }
  return out;
}

using Row = std::tuple<std::string, std::string, std::string>; // rule, spn, holder's DN

std::multiset<Row> rows(const Json& report) {
  std::multiset<Row> out;
  for (const auto& f : report["findings"]) {
    out.insert({f["rule"].get<std::string>(), f["spn"].get<std::string>(),
                f["account"]["dn"].get<std::string>()});
  }
  return out;
}

// The finding of this rule for this SPN on this account, or null.
const Json* find(const Json& report, const std::string& rule, const std::string& spn,
                 const std::string& dn) {
  for (const auto& f : report["findings"]) {
    if (f["rule"] == rule && f["spn"] == spn && f["account"]["dn"] == dn) {
      return &f;
    }
  }
  return nullptr;
}

std::vector<std::string> related(const Json& finding) {
  std::vector<std::string> out;
  for (const auto& r : finding["related"]) {
    out.push_back(r["dn"].get<std::string>());
  }
  return out;
}

std::vector<std::string> warnings(const Json& report) {
  return report["scan"]["warnings"].get<std::vector<std::string>>();
}

// The partitions below the domain root that a subtree search of it does not cover; Samba names
// them by the DNS domain, with the scheme of the connection (tests/support/README.md). The
// Configuration partition is referred to as well, but its sPNMappings entry is read with a
// search of its own and it holds no account: no gap, no warning.
std::vector<std::string> reference_warnings(const std::string& scheme, const std::string& uri) {
  std::vector<std::string> out;
  for (const char* partition : {"DC=DomainDnsZones,", "DC=ForestDnsZones,"}) {
    const std::string dn = partition + k_base;
    out.push_back(uri + ": continuation reference to '" + scheme + "://samdom.example.com/" + dn +
                  "' not followed: the scan does not cover '" + dn + "'");
  }
  return out;
}

// Every finding the fixture holds, as (rule, SPN, holder).
const std::multiset<Row> k_expected = {
    {"smtp-spn-on-non-machine-account", "SMTP/hub1.samdom.example.com", k_administrator},
    {"smtp-spn-on-non-machine-account", "SMTPSVC/hub1.samdom.example.com", k_administrator},
    {"duplicate-spn", "SMTP/hub1.samdom.example.com", k_administrator},
    {"duplicate-spn", "SMTPSVC/hub1.samdom.example.com", k_administrator},
    {"spn-alias-collision", "HTTP/web01.samdom.example.com", k_svc_web},
    // One finding for the account, both values in "spns".
    {"privileged-account-with-spn", "SMTP/hub1.samdom.example.com", k_administrator},
};

// The LDAPS scan the other transports are compared with; run once.
const Json& ldaps_report() {
  static const Json report = [] {
    const auto& dc = samba_dc();
    std::vector<std::string> args = {"-H", dc.get("LDAPS_URI"), "--ca-file", dc.get("CA_FILE")};
    const auto bind = dc.simple_bind();
    args.insert(args.end(), bind.begin(), bind.end());
    return scan(args, 1);
  }();
  return report;
}

} // namespace

TEST_CASE("Samba: LDAPS simple bind finds the planted conflicts across >1000 paged accounts",
          "[samba]") {
  const SambaDc* const dc_ptr = samba_dc_or_skip();
  if (dc_ptr == nullptr) {
    return;
  }
  const SambaDc& dc = *dc_ptr;
  const Json& report = ldaps_report();
  CHECK(rows(report) == k_expected);

  const Json* smtp = find(report, "smtp-spn-on-non-machine-account", "SMTP/hub1.samdom.example.com",
                          k_administrator);
  REQUIRE(smtp != nullptr);
  CHECK((*smtp)["severity"] == "error");
  CHECK((*smtp)["keep_on"] == k_hub1);
  CHECK((*smtp)["remove_from"] == Json::array({k_administrator}));
  CHECK(related(*smtp) == std::vector<std::string>{k_hub1});
  CHECK((*smtp)["account"]["sam_account_name"] == "Administrator");
  CHECK((*smtp)["account"]["privileged"] == true);

  // The duplicates ldbmodify planted past samba's own uniqueness check.
  for (const std::string& spn : std::vector<std::string>{"SMTP/hub1.samdom.example.com",
                                                         "SMTPSVC/hub1.samdom.example.com"}) {
    INFO(spn);
    const Json* duplicate = find(report, "duplicate-spn", spn, k_administrator);
    REQUIRE(duplicate != nullptr);
    CHECK(related(*duplicate) == std::vector<std::string>{k_hub1});
    CHECK((*duplicate)["keep_on"] == k_hub1);
    CHECK((*duplicate)["remove_from"] == Json::array({k_administrator}));
    CHECK((*duplicate)["related"][0]["kind"] == "computer");
    CHECK((*duplicate)["related"][0]["disabled"] == false);
  }

  const Json* alias =
      find(report, "spn-alias-collision", "HTTP/web01.samdom.example.com", k_svc_web);
  REQUIRE(alias != nullptr);
  CHECK(related(*alias) == std::vector<std::string>{k_web01});
  CHECK((*alias)["keep_on"] == k_web01);
  CHECK((*alias)["remove_from"] == Json::array({k_svc_web}));
  CHECK_THAT((*alias)["message"].get<std::string>(),
             Catch::Contains("collides with 'HOST/web01.samdom.example.com' on WEB01$ (computer)"));

  // Read, and by design not findings: svc_sql's clean SPN, dns-dc1's DNS/dc1 next to DC1$'s
  // HOST/dc1 ("dns" is a host alias) and krbtgt's kadmin/changepw.
  for (const auto& f : report["findings"]) {
    const std::string spn = f["spn"];
    CHECK(spn.rfind("MSSQLSvc/", 0) == std::string::npos);
    CHECK(spn.rfind("DNS/", 0) == std::string::npos);
    CHECK(spn != "kadmin/changepw");
    CHECK(f["account"]["sam_account_name"] != "krbtgt");
  }
  const std::vector<std::string> source = {"-H",        dc.get("LDAPS_URI"),
                                           "--ca-file", dc.get("CA_FILE"),
                                           "-D",        dc.get("BIND_UPN"),
                                           "-y",        dc.get("BIND_PASSWORD_FILE"),
                                           "--format",  "json"};
  std::vector<std::string> args = {"list", "dns-dc1", "svc_sql", "krbtgt"};
  args.insert(args.end(), source.begin(), source.end());
  const auto listed = run(args);
  INFO("stderr: " << listed.err);
  REQUIRE(listed.status == 0);
  std::set<std::pair<std::string, std::string>> held;
  const Json holdings = Json::parse(listed.out);
  for (const auto& row : holdings["spns"]) {
    held.insert(
        {row["account"]["sam_account_name"].get<std::string>(), row["spn"].get<std::string>()});
  }
  CHECK(held == std::set<std::pair<std::string, std::string>>{
                    {"dns-dc1", "DNS/dc1.samdom.example.com"},
                    {"svc_sql", "MSSQLSvc/sql1.samdom.example.com:1433"},
                    {"krbtgt", "kadmin/changepw"}});

  const Json& info = report["scan"];
  CHECK(info["complete"] == true);
  CHECK(info["sources"] == Json::array({dc.get("LDAPS_URI")}));
  CHECK(info["accounts"] == k_bulk_accounts + k_fixed_holders);
  CHECK(info["accounts"].get<int>() > 1000);
  CHECK(info["spns"].get<int>() >= 2 * k_bulk_accounts + 10);
  // Samba's sPNMappings (host=...,http,...) came from the Configuration NC, not the defaults.
  CHECK(info["spn_mappings"] == "directory");
  CHECK(warnings(report) == reference_warnings("ldaps", dc.get("LDAPS_URI")));

  SECTION("small pages give the same result (Samba's paged-results cookies)") {
    std::vector<std::string> paged = {
        "-H", dc.get("LDAPS_URI"), "--ca-file", dc.get("CA_FILE"), "--page-size", "150"};
    const auto bind = dc.simple_bind();
    paged.insert(paged.end(), bind.begin(), bind.end());
    const Json again = scan(paged, 1);
    CHECK(ids(again) == ids(report));
    CHECK(again["scan"]["accounts"] == info["accounts"]);
    CHECK(again["scan"]["spns"] == info["spns"]);
    CHECK(again["scan"]["complete"] == true);
  }
  SECTION("bind by DN instead of UPN") {
    const Json by_dn = scan({"-H", dc.get("LDAPS_URI"), "--ca-file", dc.get("CA_FILE"), "-D",
                             dc.get("BIND_DN"), "-y", dc.get("BIND_PASSWORD_FILE")},
                            1);
    CHECK(ids(by_dn) == ids(report));
  }
}

TEST_CASE("Samba: StartTLS on 389 gives the same findings", "[samba]") {
  const SambaDc* const dc_ptr = samba_dc_or_skip();
  if (dc_ptr == nullptr) {
    return;
  }
  const SambaDc& dc = *dc_ptr;
  std::vector<std::string> args = {"-H", dc.get("LDAP_URI"), "-Z", "--ca-file", dc.get("CA_FILE")};
  const auto bind = dc.simple_bind();
  args.insert(args.end(), bind.begin(), bind.end());
  const Json report = scan(args, 1);
  CHECK(ids(report) == ids(ldaps_report()));
  CHECK(rows(report) == k_expected);
  CHECK(report["scan"]["complete"] == true);
  CHECK(report["scan"]["accounts"] == k_bulk_accounts + k_fixed_holders);
  // After StartTLS the references still carry the ldap:// scheme of port 389.
  CHECK(warnings(report) == reference_warnings("ldap", dc.get("LDAP_URI")));
}

TEST_CASE("Samba: GSSAPI with the keytab, over LDAPS and over plain LDAP", "[samba]") {
  const SambaDc* const dc_ptr = samba_dc_or_skip();
  if (dc_ptr == nullptr) {
    return;
  }
  const SambaDc& dc = *dc_ptr;
  TempDir tmp;
  // -N: without it libldap canonicalises the host through the connected address (127.0.0.1 ->
  // this machine's name) and asks the KDC for ldap/<that name>, which does not exist. A real DC's
  // reverse DNS usually gives its own name, but not always (see the last section).
  SECTION("ldaps://: no SASL layer inside TLS (spnscan sets maxssf=0 itself)") {
    const Json report =
        scan({"-H", dc.get("LDAPS_URI"), "--ca-file", dc.get("CA_FILE"), "-Y", "GSSAPI", "-N"}, 1,
             dc.kerberos_env(tmp.file("cc")));
    CHECK(ids(report) == ids(ldaps_report()));
    CHECK(report["scan"]["complete"] == true);
    CHECK(warnings(report) == reference_warnings("ldaps", dc.get("LDAPS_URI")));
  }
  SECTION("ldap://: the SASL layer signs and seals") {
    const Json report =
        scan({"-H", dc.get("LDAP_URI"), "-Y", "GSSAPI", "-N"}, 1, dc.kerberos_env(tmp.file("cc")));
    CHECK(ids(report) == ids(ldaps_report()));
    CHECK(report["scan"]["complete"] == true);
    CHECK(report["scan"]["accounts"] == k_bulk_accounts + k_fixed_holders);
    CHECK(warnings(report) == reference_warnings("ldap", dc.get("LDAP_URI")));
  }
  SECTION("StartTLS") {
    const Json report =
        scan({"-H", dc.get("LDAP_URI"), "-Z", "--ca-file", dc.get("CA_FILE"), "-Y", "GSSAPI", "-N"},
             1, dc.kerberos_env(tmp.file("cc")));
    CHECK(ids(report) == ids(ldaps_report()));
  }
  SECTION("without -N the name in -H is used as given (the default, as cron needs)") {
    const Json report =
        scan({"-H", dc.get("LDAPS_URI"), "--ca-file", dc.get("CA_FILE"), "-Y", "GSSAPI"}, 1,
             dc.kerberos_env(tmp.file("cc")));
    CHECK(ids(report) == ids(ldaps_report()));
  }
  SECTION("--keytab: a cron job needs no kinit and leaves no ticket cache behind") {
    const std::string cache = tmp.file("never-written");
    const auto r =
        run({"scan", "--format", "json", "--timeout", "30", "-H", dc.get("LDAPS_URI"), "--ca-file",
             dc.get("CA_FILE"), "-Y", "GSSAPI", "--keytab", dc.get("KEYTAB")},
            "KRB5_CONFIG=" + quote(dc.get("KRB5_CONFIG")) +
                " KRB5CCNAME=" + quote("FILE:" + cache) + " ");
    INFO(r.err);
    CHECK(r.status == 1);
    CHECK(ids(Json::parse(r.out)) == ids(ldaps_report()));
    struct stat st {};
    CHECK(stat(cache.c_str(), &st) != 0); // the ticket stayed in the process's memory
  }
  SECTION("--keytab others can read is refused before anything is sent") {
    const std::string copy = tmp.file("open.keytab");
    write_text(copy, slurp(dc.get("KEYTAB")));
    chmod(copy.c_str(), 0644);
    const auto r = run({"scan", "-H", dc.get("LDAPS_URI"), "--ca-file", dc.get("CA_FILE"), "-Y",
                        "GSSAPI", "--keytab", copy},
                       "KRB5_CONFIG=" + quote(dc.get("KRB5_CONFIG")) + " ");
    CHECK(r.status == 2);
    CHECK(r.out.empty());
    CHECK_THAT(r.err, Catch::StartsWith("spnscan: error: --keytab '" + copy + "': "));
  }
  SECTION("--sasl-canonicalize asks for the reverse-DNS name, which this DC does not have") {
    const auto r = run({"scan", "--format", "json", "--timeout", "30", "-H", dc.get("LDAPS_URI"),
                        "--ca-file", dc.get("CA_FILE"), "-Y", "GSSAPI", "--sasl-canonicalize"},
                       dc.kerberos_env(tmp.file("cc")));
    CHECK(r.status == 3);
    CHECK(r.out.empty());
    CHECK_THAT(r.err,
               Catch::StartsWith("spnscan: error: ldap_sasl_interactive_bind(GSSAPI) failed: "
                                 "Local error (-2); additional info: SASL(-1): generic "
                                 "failure: GSSAPI Error: "));
    CHECK_THAT(r.err, Catch::Contains("(Server not found in Kerberos database)"));
    CHECK_THAT(r.err, Catch::Contains("with --sasl-canonicalize the service ticket was asked for "
                                      "the reverse-DNS name of the server"));
  }
}

TEST_CASE("Samba: the Global Catalog covers the forest without continuation references",
          "[samba]") {
  const SambaDc* const dc_ptr = samba_dc_or_skip();
  if (dc_ptr == nullptr) {
    return;
  }
  const SambaDc& dc = *dc_ptr;
  const auto bind = dc.simple_bind();
  const auto check = [&](std::vector<std::string> args, const std::string& source) {
    INFO(source);
    args.insert(args.end(), bind.begin(), bind.end());
    const Json report = scan(args, 1);
    CHECK(report["scan"]["complete"] == true);
    CHECK(report["scan"]["sources"] == Json::array({source}));
    // The GC holds servicePrincipalName and what the rules need for every account.
    CHECK(ids(report) == ids(ldaps_report()));
    CHECK(report["scan"]["accounts"] == k_bulk_accounts + k_fixed_holders);
    CHECK(report["scan"]["spns"] == ldaps_report()["scan"]["spns"]);
    CHECK(report["scan"]["spn_mappings"] == "directory");
    CHECK(warnings(report).empty());
  };
  check({"-H", dc.get("GCS_URI"), "--forest", "--ca-file", dc.get("CA_FILE")}, dc.get("GCS_URI"));
  // --forest picks port 3269 for ldaps:// by itself.
  check({"-H", dc.get("LDAPS_URI"), "--forest", "--ca-file", dc.get("CA_FILE")}, dc.get("GCS_URI"));
  check({"-H", dc.get("GC_URI"), "-Z", "--forest", "--ca-file", dc.get("CA_FILE")},
        dc.get("GC_URI"));
}

TEST_CASE("Samba: refusals and failures say why and exit 2 or 3", "[samba]") {
  const SambaDc* const dc_ptr = samba_dc_or_skip();
  if (dc_ptr == nullptr) {
    return;
  }
  const SambaDc& dc = *dc_ptr;
  TempDir tmp;
  SECTION("a simple bind over plain LDAP is refused before the password is read") {
    // A password file that does not exist: reading it would fail with another message.
    const auto r = run({"scan", "-H", dc.get("LDAP_URI"), "-D", dc.get("BIND_UPN"), "-y",
                        tmp.file("never-read.pw")});
    CHECK(r.status == 2);
    CHECK(r.out.empty());
    CHECK(r.err ==
          "spnscan: error: refusing a simple bind (-D) over an unencrypted connection to " +
              dc.get("LDAP_URI") + ": use ldaps://, -Z, -Y GSSAPI, or --allow-plaintext-bind\n");
  }
  SECTION("with --allow-plaintext-bind the DC itself refuses it") {
    const auto r =
        run({"scan", "--timeout", "30", "-H", dc.get("LDAP_URI"), "-D", dc.get("BIND_UPN"), "-y",
             dc.get("BIND_PASSWORD_FILE"), "--allow-plaintext-bind"});
    CHECK(r.status == 3);
    CHECK(r.out.empty());
    CHECK(r.err == "spnscan: error: ldap_sasl_bind(SIMPLE) failed: Strong(er) authentication "
                   "required (8); additional info: BindSimple: Transport encryption required. "
                   "(the server requires signing or TLS: use ldaps://, -Z or -Y GSSAPI)\n");
  }
  SECTION("a host name the certificate does not name fails verification") {
    // The DC's certificate names dc1.samdom.example.com, dc1, localhost and IP 127.0.0.1, and
    // samba also listens on ::1: same server, same CA, a name the certificate lacks.
    const std::string wrong = "ldaps://[::1]";
    auto r = run({"scan", "--timeout", "30", "-H", wrong, "--ca-file", dc.get("CA_FILE"), "-D",
                  dc.get("BIND_UPN"), "-y", dc.get("BIND_PASSWORD_FILE")});
    CHECK(r.status == 3);
    CHECK(r.out.empty());
    CHECK_THAT(r.err, Catch::StartsWith("spnscan: error: connect to " + wrong +
                                        " failed: Can't contact LDAP server (-1)"));
    CHECK_THAT(r.err, Catch::Contains("is its certificate issued for the host name in -H by a CA "
                                      "in --ca-file or the system store?"));
    // Without the CA the right name fails too.
    r = run({"scan", "--timeout", "30", "-H", dc.get("LDAPS_URI"), "-D", dc.get("BIND_UPN"), "-y",
             dc.get("BIND_PASSWORD_FILE")});
    CHECK(r.status == 3);
    CHECK_THAT(r.err, Catch::StartsWith("spnscan: error: connect to " + dc.get("LDAPS_URI") +
                                        " failed: "));
    // The server does answer on that address: only the check failed.
    const Json report = scan({"-H", wrong, "--insecure-skip-verify", "-D", dc.get("BIND_UPN"), "-y",
                              dc.get("BIND_PASSWORD_FILE")},
                             1);
    CHECK(ids(report) == ids(ldaps_report()));
    CHECK_THAT(warnings(report).front(),
               Catch::StartsWith("TLS certificate verification is OFF (--insecure-skip-verify)"));
  }
  SECTION("a wrong password shows AD's diagnostic and code 49") {
    const std::string wrong = tmp.file("wrong.pw");
    write_text(wrong, "Wr0ng.Passw0rd\n");
    REQUIRE(chmod(wrong.c_str(), 0600) == 0);
    const auto r = run({"scan", "--timeout", "30", "-H", dc.get("LDAPS_URI"), "--ca-file",
                        dc.get("CA_FILE"), "-D", dc.get("BIND_UPN"), "-y", wrong});
    CHECK(r.status == 3);
    CHECK(r.out.empty());
    CHECK(r.err == "spnscan: error: ldap_sasl_bind(SIMPLE) failed: Invalid credentials (49); "
                   "additional info: 80090308: LdapErr: DSID-0C0903A9, comment: "
                   "AcceptSecurityContext error, data 52e, v1db1\n");
  }
  SECTION("an anonymous scan is incomplete, never clean") {
    const Json report = scan({"-H", dc.get("LDAPS_URI"), "--ca-file", dc.get("CA_FILE")}, 3);
    CHECK(report["scan"]["complete"] == false);
    CHECK(report["scan"]["incomplete_reason"] ==
          "paged search of " + k_base +
              " failed: Operations error (1); additional info: 00002020: Operation unavailable "
              "without authentication after 0 entries");
    CHECK(report["findings"].empty());
    // The Configuration NC is not readable anonymously either.
    CHECK(report["scan"]["spn_mappings"] == "default");
  }
}
