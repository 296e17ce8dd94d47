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
// dns-dc1, and the beyond-duplicates cases svc_rc4, svc_old, svc_kl, svc_fake, APP5$, FILE2$
// (tests/support/README.md, "Directory contents"; svc_deleg delegates but holds no SPN).
constexpr int k_fixed_holders = 14;
const std::string k_base = "DC=samdom,DC=example,DC=com";
const std::string k_administrator = "CN=Administrator,CN=Users," + k_base;
const std::string k_hub1 = "CN=HUB1,CN=Computers," + k_base;
const std::string k_web01 = "CN=WEB01,CN=Computers," + k_base;
const std::string k_svc_web = "CN=svc_web,CN=Users," + k_base;
const std::string k_directory_service =
    "CN=Directory Service,CN=Windows NT,CN=Services,CN=Configuration," + k_base;

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
    // Beyond duplicates (samba-dc.sh write_beyond_duplicates): a ghost delegation target (its
    // other targets resolve: MSSQLSvc/sql1 exactly, cifs/web01 through HOST/web01), RC4 only,
    // a password older than the RID-521 group, a zero-width and a Cyrillic look-alike, a
    // renamed machine's HOST/ SPNs (FILE2's msDS-AdditionalDnsHostName is no finding) and
    // dSHeuristics with the SPN check off.
    {"delegation-to-unregistered-spn", "cifs/oldfs.samdom.example.com",
     "CN=svc_deleg,CN=Users," + k_base},
    {"service-account-weak-encryption", "MSSQLSvc/crm.samdom.example.com:1433",
     "CN=svc_rc4,CN=Users," + k_base},
    {"service-account-without-aes-keys", "HTTP/timesheet.samdom.example.com",
     "CN=svc_old,CN=Users," + k_base},
    {"lookalike-spn", "HTTP/web01\u200B.samdom.example.com", "CN=svc_kl,CN=Users," + k_base},
    {"lookalike-spn", "MSSQLSvc/sql1.s\u0430mdom.example.com:1433",
     "CN=svc_fake,CN=Users," + k_base},
    {"stale-host-spn", "HOST/OLDAPP", "CN=APP5,CN=Computers," + k_base},
    {"stale-host-spn", "HOST/oldapp.samdom.example.com", "CN=APP5,CN=Computers," + k_base},
    {"spn-uniqueness-checks-disabled", "", k_directory_service},
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
  // HTTP/ next to HOST/ on the machine: the IIS setup when the site runs as svc_web.
  CHECK((*alias)["severity"] == "warning");
  CHECK_THAT((*alias)["message"].get<std::string>(),
             Catch::Contains("and 'HOST/web01.samdom.example.com' on WEB01$ (computer)"));
  CHECK_THAT((*alias)["message"].get<std::string>(), Catch::Contains("documented IIS setup"));

  // Read, and by design not findings: svc_sql's clean SPN, dns-dc1's DNS/dc1 next to DC1$'s
  // HOST/dc1 ("dns" is a host alias) and krbtgt's kadmin/changepw.
  for (const auto& f : report["findings"]) {
    const std::string spn = f["spn"];
    CHECK(f["account"]["sam_account_name"] != "svc_sql");
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

#ifdef SPNSCAN_WINDOWS_EXE
TEST_CASE("Samba: spnscan.exe under Wine finds the same over LDAPS with explicit credentials",
          "[samba]") {
  const SambaDc* const dc_ptr = samba_dc_or_skip();
  if (dc_ptr == nullptr) {
    return;
  }
  const SambaDc& dc = *dc_ptr;
  // No --ca-file on Windows (the trust store checks; Wine checks nothing and says so).
  std::vector<std::string> args = {"scan", "--format",         "json", "--timeout", "60",
                                   "-H",   dc.get("LDAPS_URI")};
  const auto bind = dc.simple_bind();
  args.insert(args.end(), bind.begin(), bind.end());
  const auto r = run_windows(args);
  INFO("stderr: " << r.err);
  if (r.status == 3 && r.err.find("must not be taken as clean") != std::string::npos) {
    // Wine 8.0's wldap32 loses Samba's paged reply after a few entries (ldap_result fails;
    // slapd's and the responder's replies, LDAPS and 1200 entries included, read fine): the scan
    // is reported incomplete, never clean, and the comparison needs real Windows.
    CHECK(Json::parse(r.out)["scan"]["complete"] == false);
    WARN("Wine 8.0 cannot show this; only real Windows can: reading Samba's paged reply (" << r.err
                                                                                           << ")");
    return;
  }
  REQUIRE(r.status == 1);
  const Json report = Json::parse(r.out);
  CHECK(rows(report) == k_expected);
  CHECK(ids(report) == ids(ldaps_report()));
  CHECK(report["findings"].dump() == ldaps_report()["findings"].dump());
  CHECK(report["scan"]["complete"] == true);
  CHECK(report["scan"]["accounts"] == ldaps_report()["scan"]["accounts"]);
  CHECK(report["scan"]["accounts"].get<int>() > 1000);
  CHECK_THAT(report["scan"]["warnings"].dump(),
             Catch::Contains("running under Wine, whose wldap32 does not check the server's "
                             "certificate"));
}
#endif

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
    // Samba's GC answers with every attribute (AD's holds only the partial attribute set), so
    // the rules that need them run where the values came back. A forest scan does not read the
    // domains' RID-521 groups, and no account has msDS-AdditionalSamAccountName, so spnscan
    // cannot tell the GC left it out: those two rules say they could not run, and are the only
    // difference from the LDAPS scan.
    const std::set<std::string> not_run = {"service-account-without-aes-keys", "stale-host-spn"};
    std::set<std::string> expected_ids;
    for (const auto& f : ldaps_report()["findings"]) {
      if (not_run.count(f["rule"].get<std::string>()) == 0) {
        expected_ids.insert(f["id"].get<std::string>());
      }
    }
    CHECK(ids(report) == expected_ids);
    std::set<std::string> said;
    std::vector<std::string> expected_warnings;
    for (const auto& skipped : report["scan"]["rules_not_run"]) {
      said.insert(skipped["rule"].get<std::string>());
      CHECK_THAT(skipped["reason"].get<std::string>(), Catch::Contains("Global Catalog"));
      expected_warnings.push_back("rule " + skipped["rule"].get<std::string>() +
                                  " could not run: " + skipped["reason"].get<std::string>());
    }
    CHECK(said == not_run);
    CHECK(report["scan"]["accounts"] == k_bulk_accounts + k_fixed_holders);
    CHECK(report["scan"]["spns"] == ldaps_report()["scan"]["spns"]);
    CHECK(report["scan"]["spn_mappings"] == "directory");
    CHECK(warnings(report) == expected_warnings);
  };
  check({"-H", dc.get("GCS_URI"), "--forest", "--ca-file", dc.get("CA_FILE")}, dc.get("GCS_URI"));
  // --forest picks port 3269 for ldaps:// by itself.
  check({"-H", dc.get("LDAPS_URI"), "--forest", "--ca-file", dc.get("CA_FILE")}, dc.get("GCS_URI"));
  check({"-H", dc.get("GC_URI"), "-Z", "--forest", "--ca-file", dc.get("CA_FILE")},
        dc.get("GC_URI"));
}

TEST_CASE("Samba: an ldapsearch export made as the man page says finds the same cases", "[samba]") {
  const SambaDc* const dc_ptr = samba_dc_or_skip();
  if (dc_ptr == nullptr) {
    return;
  }
  const SambaDc& dc = *dc_ptr;
  TempDir dir;
  // ldapsearch -y sends the file's bytes as they are: the password without its newline.
  const std::string password = slurp(dc.get("BIND_PASSWORD_FILE"));
  write_text(dir.file("pw"), password.substr(0, password.find_first_of("\r\n")));
  chmod(dir.file("pw").c_str(), 0600);
  const std::string common = "LDAPTLS_CACERT=" + quote(dc.get("CA_FILE")) + " ldapsearch -L -H " +
                             quote(dc.get("LDAPS_URI")) + " -x -D " + quote(dc.get("BIND_UPN")) +
                             " -y " + quote(dir.file("pw"));
  const std::string accounts =
      common + " -E pr=500/noprompt -b " + quote(k_base) +
      " '(|(servicePrincipalName=*)(msDS-AllowedToDelegateTo=*)(&(objectClass=group)"
      "(isCriticalSystemObject=TRUE)))' objectClass sAMAccountName sAMAccountType "
      "userAccountControl objectSid adminCount dNSHostName servicePrincipalName "
      "msDS-AllowedToDelegateTo msDS-SupportedEncryptionTypes pwdLastSet whenCreated "
      "msDS-AdditionalDnsHostName msDS-AdditionalSamAccountName >" +
      quote(dir.file("spns.ldif"));
  const std::string config = common + " -s base -b " + quote(k_directory_service) +
                             " sPNMappings dSHeuristics >" + quote(dir.file("ds.ldif"));
  REQUIRE(std::system(accounts.c_str()) == 0);
  REQUIRE(std::system(config.c_str()) == 0);
  // Samba pages with "# pagedresults: estimate=N cookie=...": still a whole export.
  const Json report = scan({"--ldif", dir.file("spns.ldif"), "--ldif", dir.file("ds.ldif")}, 1);
  CHECK(report["scan"]["complete"] == true);
  CHECK(report["scan"]["rules_not_run"] == Json::array());
  CHECK(rows(report) == k_expected);
  CHECK(report["scan"]["accounts"] == k_bulk_accounts + k_fixed_holders);
  // The same facts as the live scan, finding by finding.
  CHECK(ids(report) == ids(ldaps_report()));
  // The planted cases and their fixes, as an administrator reads them.
  const Json* ghost = find(report, "delegation-to-unregistered-spn",
                           "cifs/oldfs.samdom.example.com", "CN=svc_deleg,CN=Users," + k_base);
  REQUIRE(ghost != nullptr);
  CHECK((*ghost)["remove"][0]["attribute"] == "msDS-AllowedToDelegateTo");
  CHECK((*ghost)["account"]["enabled"] == true);
  const Json* old = find(report, "service-account-without-aes-keys",
                         "HTTP/timesheet.samdom.example.com", "CN=svc_old,CN=Users," + k_base);
  REQUIRE(old != nullptr);
  CHECK((*old)["reset_password"] == true);
  CHECK_THAT((*old)["message"].get<std::string>(), Catch::Contains("2008-05-02"));
  const Json* heuristics = find(report, "spn-uniqueness-checks-disabled", "", k_directory_service);
  REQUIRE(heuristics != nullptr);
  CHECK((*heuristics)["set"][0]["value"] == "000000000100000000020");
  const Json* zero_width = find(report, "lookalike-spn", "HTTP/web01\u200B.samdom.example.com",
                                "CN=svc_kl,CN=Users," + k_base);
  REQUIRE(zero_width != nullptr);
  CHECK(related(*zero_width) == std::vector<std::string>{k_svc_web});
  // `spnscan host` over the export and live: FILE2 answers to files.samdom.example.com too.
  const auto host = run({"host", "files", "--ldif", dir.file("spns.ldif"), "--format", "json"});
  INFO("stderr: " << host.err << "\nstdout: " << host.out);
  CHECK(host.status == 0);
  std::set<std::string> file2;
  const Json host_json = Json::parse(host.out);
  for (const auto& row : host_json["spns"]) {
    CHECK(row["on_machine_account"] == true);
    file2.insert(row["spn"].get<std::string>());
  }
  CHECK(file2 == std::set<std::string>{"HOST/FILE2", "HOST/file2.samdom.example.com",
                                       "HOST/files.samdom.example.com"});
  std::vector<std::string> live = {
      "host",     "hub1", "-H", dc.get("LDAPS_URI"), "--ca-file", dc.get("CA_FILE"),
      "--format", "json"};
  const auto bind = dc.simple_bind();
  live.insert(live.end(), bind.begin(), bind.end());
  const auto hub1 = run(live);
  INFO("stderr: " << hub1.err << "\nstdout: " << hub1.out);
  CHECK(hub1.status == 1); // SMTP/ and SMTPSVC/ of the Hub are also on Administrator
  std::set<std::pair<std::string, bool>> held;
  const Json hub1_json = Json::parse(hub1.out);
  for (const auto& row : hub1_json["spns"]) {
    held.insert({row["account"]["sam_account_name"].get<std::string>() + " " +
                     row["spn"].get<std::string>(),
                 row["on_machine_account"].get<bool>()});
  }
  CHECK(held == std::set<std::pair<std::string, bool>>{
                    {"HUB1$ SMTP/hub1.samdom.example.com", true},
                    {"HUB1$ SMTPSVC/hub1.samdom.example.com", true},
                    {"HUB1$ HOST/hub1.samdom.example.com", true},
                    {"Administrator SMTP/hub1.samdom.example.com", false},
                    {"Administrator SMTPSVC/hub1.samdom.example.com", false}});
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
