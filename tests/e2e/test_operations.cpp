// Unattended operation, end to end: the baseline and --fail-on-new, the allow list, config
// files, what a cron job sees on stderr (-o, -q, -v), and the HTML and Markdown reports.

#include "run_binary.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <set>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace spnscan::e2e;
using Json = nlohmann::json;

namespace {

const std::string k_fixture = "fixtures/contoso.ldif";

// The fixture without svc_typo's entry (its six malformed-spn findings), with the ldapsearch
// trailer's count corrected so the export reads as complete.
std::string fixture_without_svc_typo(const TempDir& dir) {
  const std::string text = slurp(std::string(SPNSCAN_SOURCE_DIR) + "/" + k_fixture);
  std::string out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find("\n\n", start);
    end = end == std::string::npos ? text.size() : end + 2;
    const std::string block = text.substr(start, end - start);
    if (block.find("dn: CN=svc_typo,") == std::string::npos) {
      out += block;
    }
    start = end;
  }
  const std::size_t count = out.find("# numEntries: ");
  REQUIRE(count != std::string::npos);
  const std::size_t eol = out.find('\n', count);
  const int entries = std::stoi(out.substr(count + 14, eol - count - 14));
  out.replace(count, eol - count, "# numEntries: " + std::to_string(entries - 1));
  const std::string path = dir.file("without-svc_typo.ldif");
  write_text(path, out);
  return path;
}

Json json_of(const Result& r) {
  INFO(r.err);
  return Json::parse(r.out);
}

std::set<std::string> rules_marked(const Json& report, const std::string& state) {
  std::set<std::string> out;
  for (const auto& f : report["findings"]) {
    if (f.value("baseline", "") == state) {
      out.insert(f["rule"].get<std::string>() + " " + f["spn"].get<std::string>());
    }
  }
  return out;
}

// The text report with its wrapping undone: each run of line break and indent is one space.
std::string unwrapped(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') {
      while (i + 1 < text.size() && text[i + 1] == ' ') {
        ++i;
      }
      out += ' ';
    } else {
      out += text[i];
    }
  }
  return out;
}

void write_config(const std::string& path, const std::string& text) {
  write_text(path, text);
  chmod(path.c_str(), 0600);
}

} // namespace

TEST_CASE("--baseline: new, unchanged and resolved findings; --fail-on-new fails on new only") {
  TempDir dir;
  const std::string reduced = fixture_without_svc_typo(dir);
  const std::string old_report = dir.file("old.json");
  REQUIRE(run({"scan", "--ldif", reduced, "--format", "json", "-o", old_report, "-q"}).status == 1);

  SECTION("six findings appeared since the baseline") {
    const auto r = run({"scan", "--ldif", k_fixture, "--baseline", old_report, "--format", "json",
                        "--fail-on-new"});
    CHECK(r.status == 1);
    const Json report = json_of(r);
    CHECK(report["baseline"]["new"] == 6);
    CHECK(report["baseline"]["unchanged"] == 33);
    CHECK(report["baseline"]["resolved"].empty());
    CHECK(rules_marked(report, "new") ==
          std::set<std::string>{"malformed-spn HTTP", "malformed-spn /web01", "malformed-spn HTTP/",
                                "malformed-spn HTTP/web01:99999", "malformed-spn HTTP/web 01",
                                "malformed-spn HTTP/web01.contoso.com "});
    // The text report marks them and counts them in the summary.
    const auto text = run({"scan", "--ldif", k_fixture, "--baseline", old_report});
    CHECK(text.out.find("[WARNING] malformed-spn  HTTP/web01:99999 (new)") != std::string::npos);
    CHECK(unwrapped(text.out).find("6 new since the baseline") != std::string::npos);
  }
  SECTION("nothing new: --fail-on-new passes although findings remain; plain --fail-on does not") {
    const auto same = run({"scan", "--ldif", reduced, "--baseline", old_report, "--fail-on-new"});
    CHECK(same.status == 0);
    CHECK(unwrapped(same.out).find("0 new since the baseline") != std::string::npos);
    CHECK(run({"scan", "--ldif", reduced, "--baseline", old_report}).status == 1);
  }
  SECTION("findings fixed since the baseline are listed as resolved") {
    const std::string full = dir.file("full.json");
    REQUIRE(run({"scan", "--ldif", k_fixture, "--format", "json", "-o", full, "-q"}).status == 1);
    const auto r = run({"scan", "--ldif", reduced, "--baseline", full, "--format", "json"});
    const Json report = json_of(r);
    CHECK(report["baseline"]["new"] == 0);
    CHECK(report["baseline"]["resolved_known"] == true);
    CHECK(report["baseline"]["resolved"].size() == 6);
    const auto text = run({"scan", "--ldif", reduced, "--baseline", full});
    CHECK(text.out.find("== Resolved since the baseline (6) ==") != std::string::npos);
    CHECK(text.out.find("  malformed-spn HTTP/web01:99999 on svc_typo\n") != std::string::npos);
  }
  SECTION("an incomplete scan resolves nothing and fails --fail-on-new") {
    write_text(dir.file("ranged.ldif"),
               "dn: CN=svc,DC=x\nservicePrincipalName;range=0-1499: HTTP/a\n");
    const auto r = run({"scan", "--ldif", dir.file("ranged.ldif"), "--baseline", old_report,
                        "--format", "json", "--fail-on-new"});
    CHECK(r.status == 3);
    const Json report = json_of(r);
    CHECK(report["baseline"]["resolved_known"] == false);
    CHECK(report["baseline"]["resolved"].empty());
  }
  SECTION("bad baselines are usage errors that name the file") {
    auto r = run({"scan", "--ldif", k_fixture, "--fail-on-new"});
    CHECK(r.status == 2);
    CHECK(r.err.find("--fail-on-new given without --baseline") != std::string::npos);
    write_text(dir.file("text.txt"), "27 findings\n");
    r = run({"scan", "--ldif", k_fixture, "--baseline", dir.file("text.txt")});
    CHECK(r.status == 2);
    CHECK(r.err.find(dir.file("text.txt")) != std::string::npos);
    CHECK(r.out.empty());
    r = run({"scan", "--ldif", k_fixture, "--baseline", dir.file("missing.json")});
    CHECK(r.status == 2);
    CHECK(r.err.find("No such file or directory") != std::string::npos);
  }
}

TEST_CASE("--allow: accepted risks are suppressed with their reason; expired and stale entries") {
  TempDir dir;
  const std::string allow = dir.file("allow.txt");
  write_text(allow, "# accepted risks, reviewed quarterly\n"
                    "rule=malformed-spn account=svc_typo reason=\"legacy app, CHG-42\" "
                    "expires=2099-06-30\n"
                    "rule=duplicate-spn spn=MSSQLSvc/sql2.contoso.com:1433 reason=migration "
                    "expires=2026-01-01\n"
                    "spn=HTTP/nothing.contoso.com reason=\"gone long ago\"\n");
  const auto r = run({"scan", "--ldif", k_fixture, "--allow", allow, "--format", "json"});
  CHECK(r.status == 1);
  const Json report = json_of(r);
  CHECK(report["summary"]["suppressed"] == 6);
  CHECK(report["summary"]["warning"] == 16);
  CHECK(report["summary"]["error"] == 17); // the expired entry suppresses nothing
  std::size_t suppressed = 0;
  for (const auto& f : report["findings"]) {
    if (f.contains("suppressed")) {
      ++suppressed;
      CHECK(f["rule"] == "malformed-spn");
      CHECK(f["suppressed"]["reason"] == "legacy app, CHG-42");
    }
  }
  CHECK(suppressed == 6);
  const std::string text = unwrapped(run({"scan", "--ldif", k_fixture, "--allow", allow}).out);
  CHECK(text.find("6 findings suppressed by 1 entry; 1 expired, 1 stale") != std::string::npos);
  CHECK(text.find("accepted risk (" + allow + ":2, until 2099-06-30): legacy app, CHG-42") !=
        std::string::npos);
  CHECK(text.find(allow + ":3: expired on 2026-01-01") != std::string::npos);
  CHECK(text.find(allow + ":4: matches no finding (stale)") != std::string::npos);

  SECTION("suppressing every error and warning makes the scan pass --fail-on") {
    write_text(dir.file("all.txt"), "spn=* reason=\"lab directory\"\n");
    const auto all = run({"scan", "--ldif", k_fixture, "--allow", dir.file("all.txt")});
    INFO(all.err);
    CHECK(all.status == 0);
  }
  SECTION("a bad allow list is a usage error with file:line") {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"rule=malformed-spn\n", ":1: no reason=\"...\""},
        {"\n\nrule=nope reason=x\n", ":3: unknown rule 'nope'"},
        {"rule=malformed-spn reason=\"x\n", ":1: reason: the quoted value has no closing '\"'"},
        {"rule=malformed-spn reason=x expires=2026-13-01\n",
         ":1: expires: '2026-13-01' is not a date"},
    };
    for (const auto& [content, expected] : cases) {
      write_text(dir.file("bad.txt"), content);
      const auto bad = run({"scan", "--ldif", k_fixture, "--allow", dir.file("bad.txt")});
      INFO(content);
      CHECK(bad.status == 2);
      CHECK(bad.out.empty());
      CHECK(bad.err.find("--allow " + dir.file("bad.txt") + expected) != std::string::npos);
    }
  }
}

TEST_CASE("--config: options from a file; the command line wins; no secrets, no unknown keys") {
  TempDir dir;
  const std::string conf = dir.file("spnscan.conf");
  write_config(conf, "# nightly\nformat = json\nfail-on = never\ndisable = malformed-spn\n");
  auto r = run({"scan", "--ldif", k_fixture, "--config", conf});
  CHECK(r.status == 0);
  CHECK(json_of(r)["summary"]["warning"] == 16);
  r = run({"scan", "--ldif", k_fixture, "--config", conf, "--format", "csv"});
  CHECK(r.out.rfind("id,rule,severity,", 0) == 0);

  SECTION("the user's file is read unless --no-config") {
    const std::string mkdir = "mkdir -p " + quote(dir.file("xdg/spnscan"));
    REQUIRE(std::system(mkdir.c_str()) == 0);
    write_config(dir.file("xdg/spnscan/spnscan.conf"), "format = json\n");
    const std::string env = "XDG_CONFIG_HOME=" + quote(dir.file("xdg")) + " ";
    CHECK(run({"scan", "--ldif", k_fixture}, env).out.rfind("{", 0) == 0);
    CHECK(run({"scan", "--ldif", k_fixture, "--no-config"}, env).out.rfind("spnscan ", 0) == 0);
    // A key of another command is skipped: one file serves every command.
    write_config(dir.file("xdg/spnscan/spnscan.conf"), "baseline = old.json\nformat = json\n");
    const auto dump = run({"dump", "--ldif", k_fixture}, env);
    CHECK(dump.status == 0);
    CHECK(dump.out.rfind("{", 0) == 0);
  }
  SECTION("refusals name the file and line, never a password's value") {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"password = hunter2\n", ":1: 'password': a config file may not hold a password"},
        {"bogus = 1\n", ":1: unknown key 'bogus'"},
        {"format = json\nformat = csv\n", ":2: format given twice (first at "},
        {"format = xml\n", ":1: --format: unknown format 'xml'"},
        {"[scan]\n", ":1: sections are not used"},
        {"config = /etc/other.conf\n", ":1: a config file cannot name another one"},
    };
    for (const auto& [content, expected] : cases) {
      write_config(dir.file("bad.conf"), content);
      const auto bad = run({"scan", "--ldif", k_fixture, "--config", dir.file("bad.conf")});
      INFO(content);
      CHECK(bad.status == 2);
      CHECK(bad.out.empty());
      CHECK(bad.err.find("config file " + dir.file("bad.conf") + expected) != std::string::npos);
      CHECK(bad.err.find("hunter2") == std::string::npos);
    }
    const auto missing = run({"scan", "--ldif", k_fixture, "--config", dir.file("none.conf")});
    CHECK(missing.status == 2);
    CHECK(missing.err.find("No such file or directory") != std::string::npos);
  }
  SECTION("a file others may write is refused: it could point spnscan at another server") {
    write_text(dir.file("open.conf"), "format = json\n");
    chmod(dir.file("open.conf").c_str(), 0666);
    const auto open = run({"scan", "--ldif", k_fixture, "--config", dir.file("open.conf")});
    CHECK(open.status == 2);
    CHECK(open.err.find("writable by group or others") != std::string::npos);
  }
}

TEST_CASE("stderr for cron: one line per written report, -q for errors only, -v for steps") {
  TempDir dir;
  auto r = run({"scan", "--ldif", k_fixture, "-o", dir.file("r.txt")});
  CHECK(r.status == 1);
  CHECK(r.out.empty());
  CHECK(r.err ==
        "spnscan: wrote " + dir.file("r.txt") + ": 39 findings: 17 errors, 22 warnings, 0 info\n");
  r = run({"scan", "--ldif", k_fixture, "-o", dir.file("r.txt"), "-q"});
  CHECK(r.status == 1);
  CHECK(r.err.empty());
  r = run({"scan", "--ldif", k_fixture, "-o", dir.file("r.txt"), "-v"});
  CHECK(r.err.find("] reading " + k_fixture + "\n") != std::string::npos);
  r = run({"scan", "--ldif", k_fixture, "-q", "-v"});
  CHECK(r.status == 2);
  CHECK(r.err.find("-q and -v both given") != std::string::npos);
  // Errors still reach a quiet run.
  r = run({"scan", "--ldif", dir.file("missing.ldif"), "-q"});
  CHECK(r.status == 2);
  CHECK(r.err.find("missing.ldif") != std::string::npos);
}

TEST_CASE("--disable takes a comma-separated list as well as repeats") {
  const auto listed = run({"scan", "--ldif", k_fixture, "--format", "json", "--disable",
                           "malformed-spn,spn-host-mismatch"});
  const auto repeated = run({"scan", "--ldif", k_fixture, "--format", "json", "--disable",
                             "malformed-spn", "--disable", "spn-host-mismatch"});
  CHECK(json_of(listed)["summary"]["warning"] == 13);
  CHECK(json_of(listed)["findings"] == json_of(repeated)["findings"]);
}

TEST_CASE("--format html and markdown: the action plan in a page and in a ticket") {
  const auto html = run({"scan", "--ldif", k_fixture, "--format", "html"});
  CHECK(html.status == 1);
  CHECK(html.out.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(html.out.find("Content-Security-Policy") != std::string::npos);
  CHECK(html.out.find("setspn -D SMTP/HUB1 Administrator") != std::string::npos);
  CHECK(html.out.find("http://") == std::string::npos); // nothing to load, nothing to follow
  CHECK(html.out.find("https://") == std::string::npos);
  const auto md = run({"scan", "--ldif", k_fixture, "--format", "markdown"});
  CHECK(md.status == 1);
  CHECK(md.out.find("setspn -D SMTP/HUB1 Administrator\n") != std::string::npos);
  CHECK(md.out.find("| Rule |") != std::string::npos);
}

TEST_CASE("contrib/cron/spnscan-nightly: dated reports, quiet unless something is new") {
  TempDir dir;
  const std::string reports = dir.file("reports");
  write_config(dir.file("spnscan.conf"),
               "ldif = " + std::string(SPNSCAN_SOURCE_DIR) + "/" + k_fixture + "\n");
  const std::string night =
      "SPNSCAN=" + quote(SPNSCAN_BINARY) + " SPNSCAN_REPORTS=" + quote(reports) +
      " SPNSCAN_CONFIG=" + quote(dir.file("spnscan.conf")) + " XDG_CONFIG_HOME=/nonexistent " +
      quote(std::string(SPNSCAN_SOURCE_DIR) + "/contrib/cron/spnscan-nightly") + " 2>&1";
  const auto run_night = [&] {
    Result r;
    FILE* pipe = popen(night.c_str(), "r");
    REQUIRE(pipe != nullptr);
    char buffer[4096];
    std::size_t n = 0;
    while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) {
      r.out.append(buffer, n);
    }
    const int raw = pclose(pipe);
    r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    return r;
  };
  // The first night every finding is new: one line for the cron mail.
  const Result first = run_night();
  CHECK(first.status == 1);
  CHECK(first.out.find("spnscan: new SPN conflicts since the last scan: see " + reports +
                       "/spnscan-") != std::string::npos);
  CHECK(Json::parse(slurp(reports + "/last.json"))["findings"].size() == 39);
  sleep(1); // the next report gets another time stamp
  // The second night nothing changed: no output, so cron sends no mail.
  const Result second = run_night();
  CHECK(second.status == 0);
  CHECK(second.out.empty());
  const Json last = Json::parse(slurp(reports + "/last.json"));
  CHECK(last["baseline"]["unchanged"] == 39);
  CHECK(last["baseline"]["new"] == 0);
}
