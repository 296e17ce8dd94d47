#pragma once

// What the unit and end-to-end tests share: temporary directories, reading and writing files,
// shell quoting, and accounts as a directory export would have them, without LDIF.

#include "spnscan/analysis/analyzer.hpp"
#include "spnscan/analysis/finding.hpp"
#include "spnscan/model/directory.hpp"
#include "spnscan/report/writer.hpp"
#include "spnscan/source/ldif/ldif_source.hpp"

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

namespace spnscan::test {

// --- files -------------------------------------------------------------------------------------

// The whole of a file, or "" when it cannot be read.
inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void write_text(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// text in single quotes for sh, a ' inside written '\''.
inline std::string quote(const std::string& text) {
  std::string q = "'";
  for (char c : text) {
    q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  }
  return q + "'";
}

// A fresh directory under /tmp, removed with its files when the object goes.
class TempDir {
public:
  TempDir() {
    char pattern[] = "/tmp/spnscan-test-XXXXXX";
    const char* made = ::mkdtemp(pattern);
    path = made != nullptr ? made : "";
  }
  ~TempDir() {
    if (!path.empty()) {
      [[maybe_unused]] const int rc = std::system(("rm -rf " + quote(path)).c_str());
    }
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string file(const std::string& name) const { return path + "/" + name; }

  std::string path;
};

// --- accounts ------------------------------------------------------------------------------------

// A binary objectSid S-1-5-21-1004336348-1177238915-682003330-<rid>.
inline std::string sid(std::uint32_t rid) {
  std::string s = {1, 5, 0, 0, 0, 0, 0, 5};
  for (std::uint32_t sub : {21u, 1004336348u, 1177238915u, 682003330u, rid}) {
    for (int i = 0; i < 4; ++i) {
      s += static_cast<char>((sub >> (8 * i)) & 0xFF);
    }
  }
  return s;
}

struct Spec {
  std::string dn;
  std::string sam;
  std::vector<std::string> classes = {"top", "person", "organizationalPerson", "user"};
  std::string uac = "512";
  std::string sam_type = "805306368";
  std::uint32_t rid = 1100;
  std::vector<std::string> spns;
  std::string admin_count;
  std::string dns_host_name;
  // what the rules beyond duplicates read
  std::vector<std::string> delegate_to; // msDS-AllowedToDelegateTo
  std::string encryption_types;         // msDS-SupportedEncryptionTypes
  std::string pwd_last_set;             // FILETIME
  std::string when_created;             // GeneralizedTime
  std::vector<std::string> additional_dns;
  std::vector<std::string> additional_sam;
};

inline Spec user(const std::string& name, std::vector<std::string> spns, std::uint32_t rid = 1100) {
  Spec s;
  s.dn = "CN=" + name + ",CN=Users,DC=contoso,DC=com";
  s.sam = name;
  s.spns = std::move(spns);
  s.rid = rid;
  return s;
}

inline Spec computer(const std::string& name, std::vector<std::string> spns,
                     std::uint32_t rid = 2100) {
  Spec s;
  s.dn = "CN=" + name + ",OU=Servers,DC=contoso,DC=com";
  s.sam = name + "$";
  s.classes = {"top", "person", "organizationalPerson", "user", "computer"};
  s.uac = "4096";
  s.sam_type = "805306369";
  s.spns = std::move(spns);
  s.rid = rid;
  std::string lower;
  for (char c : name) {
    lower += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  }
  s.dns_host_name = lower + ".contoso.com";
  return s;
}

inline RawEntry entry(const Spec& s) {
  RawEntry e;
  e.dn = s.dn;
  e.origin = "test:1";
  e[Attr::object_class] = s.classes;
  e[Attr::sam_account_name] = {s.sam};
  if (!s.uac.empty()) {
    e[Attr::user_account_control] = {s.uac};
  }
  e[Attr::sam_account_type] = {s.sam_type};
  e[Attr::object_sid] = {sid(s.rid)};
  e[Attr::service_principal_name] = s.spns;
  if (!s.admin_count.empty()) {
    e[Attr::admin_count] = {s.admin_count};
  }
  if (!s.dns_host_name.empty()) {
    e[Attr::dns_host_name] = {s.dns_host_name};
  }
  e[Attr::allowed_to_delegate_to] = s.delegate_to;
  if (!s.encryption_types.empty()) {
    e[Attr::supported_encryption_types] = {s.encryption_types};
  }
  if (!s.pwd_last_set.empty()) {
    e[Attr::pwd_last_set] = {s.pwd_last_set};
  }
  if (!s.when_created.empty()) {
    e[Attr::when_created] = {s.when_created};
  }
  e[Attr::additional_dns_host_name] = s.additional_dns;
  e[Attr::additional_sam_account_name] = s.additional_sam;
  return e;
}

// The specs stand for a full export: every attribute spnscan reads is covered, so a rule runs
// whether or not a spec sets what it reads (`covered` false: only what the specs hold).
inline void fill(Directory& dir, const std::vector<Spec>& specs, bool covered = true) {
  DirectoryBuilder builder(dir);
  if (covered) {
    builder.cover(std::bitset<k_attr_count>().set());
  }
  for (const auto& s : specs) {
    builder.add(entry(s));
  }
}

// The domain's "Read-only Domain Controllers" group (RID 521), created at `when_created`: when
// the domain got AES keys.
inline Spec rodc_group(const std::string& when_created) {
  Spec s = user("Read-only Domain Controllers", {}, 521);
  s.classes = {"top", "group"};
  s.uac.clear();
  s.sam_type = "268435456";
  s.when_created = when_created;
  return s;
}

// A FILETIME for a UTC date (midnight).
inline std::string filetime(int year, unsigned month, unsigned day) {
  const auto days = std::chrono::sys_days(std::chrono::year(year) / std::chrono::month(month) /
                                          std::chrono::day(day))
                        .time_since_epoch()
                        .count();
  return std::to_string((static_cast<std::int64_t>(days) * 86400 + 11644473600LL) * 10000000LL);
}

// The built-in Administrator as AD creates it: RID 500, adminCount 1, password never expires.
inline Spec administrator(std::vector<std::string> spns) {
  auto a = user("Administrator", std::move(spns), 500);
  a.admin_count = "1";
  a.uac = "66048";
  return a;
}

// The findings analyze() makes of these accounts.
inline std::vector<Finding> analyze_specs(const std::vector<Spec>& specs,
                                          const AnalyzerOptions& options = {}) {
  Directory dir;
  fill(dir, specs);
  return analyze(dir, options);
}

// An account as a finding names it.
inline AccountRef account(std::string dn, std::string sam, AccountKind kind = AccountKind::user) {
  AccountRef a;
  a.dn = std::move(dn);
  a.sam_account_name = std::move(sam);
  a.kind = kind;
  return a;
}

// --- facts of findings ---------------------------------------------------------------------------

// The DNs a finding removes values from.
inline std::vector<std::string> remove_from(const Finding& f) {
  std::vector<std::string> out;
  for (const auto& removal : f.removals) {
    out.push_back(removal.account.dn);
  }
  return out;
}

// The DN that keeps the SPN, or "".
inline std::string keep_on(const Finding& f) {
  return f.keeper ? f.keeper->account.dn : std::string();
}

// The findings of one rule.
inline std::vector<Finding> of_rule(const std::vector<Finding>& findings,
                                    std::string_view rule_id) {
  std::vector<Finding> out;
  for (const auto& f : findings) {
    if (f.rule_id() == rule_id) {
      out.push_back(f);
    }
  }
  return out;
}

// --- the pipeline
// ---------------------------------------------------------------------------------

// A directory read the way spnscan reads it (LdifSource, DirectoryBuilder, analyze()), with the
// scan's start and duration fixed so that its reports are the same on every run.
struct Scanned {
  Directory directory;
  std::vector<Finding> findings;
  ReportScan scan;
};

inline std::unique_ptr<Scanned> scan_ldif(const std::string& path) {
  auto out = std::make_unique<Scanned>();
  DirectoryBuilder builder(out->directory);
  LdifSource(path).read(builder);
  builder.finish();
  out->directory.info().sources.push_back(path.substr(path.rfind('/') + 1));
  out->directory.info().started_at = std::chrono::sys_days{std::chrono::year{2026} / 11 / 22} +
                                     std::chrono::hours{3} + std::chrono::minutes{4};
  out->directory.info().duration_ms = 12;
  out->findings = analyze(out->directory, AnalyzerOptions{});
  out->scan = report_scan_of(out->directory);
  return out;
}

// The scan report of `scanned` in a format, labelled by `triage` when given.
inline std::string report(std::string_view format, const Scanned& scanned, bool color = false,
                          bool details = false, Triage triage = {}) {
  ScanReport scan_report = make_scan_report(scanned.directory, scanned.findings, std::move(triage));
  scan_report.scan = scanned.scan; // what a test set there (an incomplete scan, say)
  std::ostringstream out;
  find_format(format)->make(WriterOptions{color, details})->scan(out, scan_report);
  return out.str();
}

// A file of the source tree.
inline std::string source_file(const std::string& relative) {
  return std::string(SPNSCAN_SOURCE_DIR) + "/" + relative;
}

} // namespace spnscan::test
