#include "spnscan/error.hpp"
#include "spnscan/model/directory.hpp"
#include "spnscan/model/entry.hpp"
#include "spnscan/source/ldif/ldif_parser.hpp"
#include "spnscan/source/ldif/ldif_source.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

using namespace spnscan;
using namespace std::string_literals;

namespace {

// Keeps everything the parser reports, in order.
struct Recorder : LdifHandler {
  std::vector<RawEntry> entries;
  std::vector<std::string> warnings;
  std::vector<std::string> incompletes;
  std::vector<std::string> references; // "where url"
  std::bitset<k_attr_count> covered;
  LdifSummary summary;

  void entry(const RawEntry& e) override { entries.push_back(e); }
  void warning(std::string message) override { warnings.push_back(std::move(message)); }
  void incomplete(std::string reason) override { incompletes.push_back(std::move(reason)); }
  void reference(std::string url, std::string where) override {
    references.push_back(where + ": " + url);
  }
  void covers(const std::bitset<k_attr_count>& attributes) override { covered |= attributes; }
};

Recorder parse_text(const std::string& text, const std::string& name = "x.ldif") {
  std::istringstream in(text);
  Recorder recorder;
  recorder.summary = LdifParser::parse(in, name, recorder);
  return recorder;
}

// The InputError text parsing `text` gives, or "no error".
std::string parse_error(const std::string& text) {
  try {
    parse_text(text);
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

using Values = std::vector<std::string>;

const Values& spns(const RawEntry& e) {
  return e[Attr::service_principal_name];
}

// UTF-16LE bytes of an ASCII/BMP/astral string given as code points.
std::string utf16le(const std::u32string& text, bool bom = true) {
  std::string out;
  auto unit = [&out](std::uint32_t u) {
    out += static_cast<char>(u & 0xFF);
    out += static_cast<char>(u >> 8);
  };
  if (bom) {
    unit(0xFEFF);
  }
  for (const char32_t c : text) {
    const auto cp = static_cast<std::uint32_t>(c);
    if (cp >= 0x10000) {
      unit(0xD800 + ((cp - 0x10000) >> 10));
      unit(0xDC00 + ((cp - 0x10000) & 0x3FF));
    } else {
      unit(cp);
    }
  }
  return out;
}

std::u32string widen(const std::string& ascii) {
  return std::u32string(ascii.begin(), ascii.end());
}

} // namespace

TEST_CASE("LdifParser: keeps the needed attributes of an entry and skips the others") {
  const auto r = parse_text(
      "dn: CN=HUB1,OU=Servers,DC=contoso,DC=com\n"
      "objectClass: top\n"
      "objectClass: computer\n"
      "cn: HUB1\n"
      "description:: bm90IGRlY29kZWQ=\n"
      "sAMAccountName: HUB1$\n"
      "sAMAccountType: 805306369\n"
      "userAccountControl: 4096\n"
      "adminCount: 1\n"
      "dNSHostName: hub1.contoso.com\n"
      "servicePrincipalName: SMTP/hub1.contoso.com\n"
      "servicePrincipalName: SMTPSVC/HUB1\n"
      "\n"
      "dn: CN=Directory Service,CN=Windows NT,CN=Services,CN=Configuration,DC=contoso,DC=com\n"
      "sPNMappings: host=alerter,http\n");
  REQUIRE(r.entries.size() == 2);
  const auto& e = r.entries[0];
  CHECK(e.dn == "CN=HUB1,OU=Servers,DC=contoso,DC=com");
  CHECK(e.origin == "x.ldif:1");
  CHECK(e[Attr::object_class] == Values{"top", "computer"});
  CHECK(e[Attr::sam_account_name] == Values{"HUB1$"});
  CHECK(e[Attr::sam_account_type] == Values{"805306369"});
  CHECK(e[Attr::user_account_control] == Values{"4096"});
  CHECK(e[Attr::admin_count] == Values{"1"});
  CHECK(e[Attr::dns_host_name] == Values{"hub1.contoso.com"});
  CHECK(spns(e) == Values{"SMTP/hub1.contoso.com", "SMTPSVC/HUB1"});
  CHECK(e.spn_range.empty());
  CHECK(r.entries[1].origin == "x.ldif:14");
  CHECK(r.entries[1][Attr::spn_mappings] == Values{"host=alerter,http"});
  CHECK(r.entries[1][Attr::object_class].empty());
  CHECK(r.warnings.empty());
  CHECK(r.incompletes.empty());
}

TEST_CASE("LdifParser: knows every name in k_attr_names, in any case") {
  for (std::size_t i = 0; i < k_attr_count; ++i) {
    const std::string name(k_attr_names[i]);
    std::string upper = name;
    for (auto& c : upper) {
      c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    std::string lower = name;
    for (auto& c : lower) {
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    const auto r =
        parse_text("DN: cn=a\n" + name + ": one\n" + upper + ": two\n" + lower + ":three\n");
    REQUIRE(r.entries.size() == 1);
    INFO(name);
    CHECK(r.entries[0].values[i] == Values{"one", "two", "three"});
    CHECK(attr_from_name(name) == static_cast<Attr>(i));
  }
}

TEST_CASE("LdifParser: values keep their bytes, leading spaces are dropped") {
  const auto r =
      parse_text("dn:cn=a\nsAMAccountName:   x y  \nobjectClass:\ndNSHostName: caf\xC3\xA9\xFF\n");
  REQUIRE(r.entries.size() == 1);
  CHECK(r.entries[0].dn == "cn=a");
  CHECK(r.entries[0][Attr::sam_account_name] == Values{"x y  "});
  CHECK(r.entries[0][Attr::object_class] == Values{""});
  CHECK(r.entries[0][Attr::dns_host_name] == Values{"caf\xC3\xA9\xFF"});
}

TEST_CASE("LdifParser: folded lines") {
  SECTION("a folded value drops exactly one leading space per continuation") {
    const auto r = parse_text("dn: cn=a\nservicePrincipalName: HTTP/web\n .contoso\n  .com\n");
    REQUIRE(r.entries.size() == 1);
    CHECK(spns(r.entries[0]) == Values{"HTTP/web.contoso .com"});
  }
  SECTION("a folded DN, also inside the attribute name") {
    const auto r = parse_text(
        "d\n n: CN=Very Long Name,OU=Ser\n vers,DC=contoso,DC=com\nservi\n cePrincipalName: a/b\n");
    REQUIRE(r.entries.size() == 1);
    CHECK(r.entries[0].dn == "CN=Very Long Name,OU=Servers,DC=contoso,DC=com");
    CHECK(r.entries[0].origin == "x.ldif:1");
    CHECK(spns(r.entries[0]) == Values{"a/b"});
  }
  SECTION("folded base64 with CRLF") {
    const auto r =
        parse_text("dn: cn=a\r\nobjectSid:: AQUAAAAAAAUVAAAA\r\n AAAAAAAAAAAAAAAA9AEAAA==\r\n");
    REQUIRE(r.entries.size() == 1);
    const std::string sid = r.entries[0][Attr::object_sid].at(0);
    CHECK(sid.size() == 28);
    CHECK(sid.substr(24) == "\xF4\x01\x00\x00"s);
  }
  SECTION("a folded comment: its continuation lines are part of it") {
    const auto r =
        parse_text("# a comment\n servicePrincipalName: not/this\ndn: cn=a\n# another\n dn: cn=b\n"
                   "servicePrincipalName: x/y\n");
    REQUIRE(r.entries.size() == 1);
    CHECK(r.entries[0].dn == "cn=a");
    CHECK(spns(r.entries[0]) == Values{"x/y"});
  }
  SECTION("a continuation line with no text joins nothing") {
    const auto r = parse_text("dn: cn=a\nservicePrincipalName: x/y\n \n");
    REQUIRE(r.entries.size() == 1);
    CHECK(spns(r.entries[0]) == Values{"x/y"});
  }
  SECTION("a continuation after a blank line is an error") {
    CHECK(parse_error("dn: cn=a\n\n more\n") ==
          "x.ldif:3: continuation line (starting with a space) with no preceding line");
  }
  SECTION("a continuation as the first line is an error") {
    CHECK(parse_error(" dn: cn=a\n") ==
          "x.ldif:1: continuation line (starting with a space) with no preceding line");
  }
}

TEST_CASE("LdifParser: base64 values may be binary") {
  // S-1-5-21-1-2-3-500 followed by a value with NUL and invalid UTF-8.
  const auto r = parse_text("dn:: Q049QWRtaW5pc3RyYXRvcixDTj1Vc2VycyxEQz1jb250b3NvLERDPWNvbQ==\n"
                            "objectSid:: AQUAAAAAAAUVAAAAAQAAAAIAAAADAAAA9AEAAA==\n"
                            "sAMAccountName:: AP/+\n"
                            "dNSHostName:: YQ==\n");
  REQUIRE(r.entries.size() == 1);
  const auto& e = r.entries[0];
  CHECK(e.dn == "CN=Administrator,CN=Users,DC=contoso,DC=com");
  CHECK(
      e[Attr::object_sid].at(0) ==
      "\x01\x05\x00\x00\x00\x00\x00\x05\x15\x00\x00\x00\x01\x00\x00\x00\x02\x00\x00\x00\x03\x00\x00\x00\xF4\x01\x00\x00"s);
  CHECK(e[Attr::sam_account_name].at(0) == "\x00\xFF\xFE"s);
  CHECK(e[Attr::dns_host_name].at(0) == "a");
}

TEST_CASE("LdifParser: invalid base64") {
  CHECK(parse_error("dn: cn=a\nobjectSid:: AQUA*AAA\n") ==
        "x.ldif:2: invalid base64 in the value of 'objectSid'");
  CHECK(parse_error("dn: cn=a\nobjectSid:: AQUAA\n") ==
        "x.ldif:2: invalid base64 in the value of 'objectSid'");
  CHECK(parse_error("dn: cn=a\nobjectSid:: AQ=A\n") ==
        "x.ldif:2: invalid base64 in the value of 'objectSid'");
  CHECK(parse_error("dn: cn=a\nobjectSid:: AQI\n") == // padding is required
        "x.ldif:2: invalid base64 in the value of 'objectSid'");
  CHECK(parse_error("dn:: Q04*\n") == "x.ldif:1: invalid base64 in the value of 'dn'");
  // Attributes spnscan does not need are not decoded, so bad base64 there does not matter.
  CHECK(parse_text("dn: cn=a\njpegPhoto:: !!!\n").entries.size() == 1);
}

TEST_CASE("LdifParser: a DN with a line break after base64 decoding is refused") {
  // "CN=a\nb" and "CN=a\rb"
  CHECK(parse_error("\ndn:: Q049YQpi\n") ==
        "x.ldif:2: DN 'CN=a\\x0Ab' contains a line break (CR or LF)");
  CHECK(parse_error("dn:: Q049YQ1i\n") ==
        "x.ldif:1: DN 'CN=a\\x0Db' contains a line break (CR or LF)");
}

TEST_CASE("LdifParser: line ends, blank-line runs and the final newline") {
  const std::string expected_dn = "cn=a";
  for (const std::string text :
       {"dn: cn=a\r\nservicePrincipalName: x/y\r\n\r\ndn: cn=b\r\nservicePrincipalName: z/w\r\n"s,
        "dn: cn=a\nservicePrincipalName: x/y\r\n\n\r\n\n\ndn: cn=b\r\nservicePrincipalName: z/w"s,
        "\n\n\r\ndn: cn=a\r\nservicePrincipalName: x/y\n\ndn: cn=b\nservicePrincipalName: z/w\r"s,
        "dn: cn=a\nservicePrincipalName: x/y\n\ndn: cn=b\nservicePrincipalName: z/w\n\n\n\n"s}) {
    INFO(text);
    const auto r = parse_text(text);
    REQUIRE(r.entries.size() == 2);
    CHECK(r.entries[0].dn == "cn=a");
    CHECK(spns(r.entries[0]) == Values{"x/y"});
    CHECK(r.entries[1].dn == "cn=b");
    CHECK(spns(r.entries[1]) == Values{"z/w"});
  }
  CHECK(parse_text("").entries.empty());
  CHECK(parse_text("\n\r\n\n").entries.empty());
  CHECK(parse_text("# only a comment").entries.empty());
}

TEST_CASE("LdifParser: version: 1") {
  const auto r = parse_text("# header\nversion: 1\n\ndn: cn=a\n");
  REQUIRE(r.entries.size() == 1);
  CHECK(r.entries[0].origin == "x.ldif:4");
  CHECK(parse_text("version: 1\ndn: cn=a\n").entries.size() == 1);
  CHECK(parse_error("version: 2\n\ndn: cn=a\n") ==
        "x.ldif:1: unsupported LDIF version '2' (only 'version: 1' is defined)");
  // ldapsearch -L repeats it before every page of a paged search, and exports get concatenated.
  CHECK(parse_text("dn: cn=a\n\nversion: 1\n\ndn: cn=b\n").entries.size() == 2);
  CHECK(parse_error("dn: cn=a\n\nversion: 2\n") ==
        "x.ldif:3: unsupported LDIF version '2' (only 'version: 1' is defined)");
}

namespace {

// An ldapsearch -L export as OpenLDAP 2.5 writes it: a header per page, "# search result" per
// page, the counts once at the end. `pages` holds the entry count of each page.
std::string ldapsearch_export(const std::vector<int>& pages, bool paged, int declared = -1,
                              bool last_cookie_empty = true) {
  std::string out;
  int total = 0;
  for (std::size_t p = 0; p < pages.size(); ++p) {
    out += "version: 1\n\n#\n# LDAPv3\n# base <DC=contoso,DC=com> with scope subtree\n"
           "# filter: (servicePrincipalName=*)\n# requesting: servicePrincipalName\n";
    if (paged) {
      out += "# with pagedResults control: size=1000\n";
    }
    out += "#\n\n";
    for (int e = 0; e < pages[p]; ++e, ++total) {
      out += "# e" + std::to_string(total) + ", contoso.com\ndn: CN=e" + std::to_string(total) +
             ",DC=contoso,DC=com\nservicePrincipalName: HTTP/e" + std::to_string(total) + "\n\n";
    }
    out += "# search result\n";
    if (paged) {
      const bool last = p + 1 == pages.size();
      out += "# control: 1.2.840.113556.1.4.319 false MAUCAQAEAA==\n";
      out += std::string("# pagedresults: cookie=") +
             (last && last_cookie_empty ? "" : "IgAAAAAAAAA=") + "\n";
    }
  }
  out += "\n# numResponses: " + std::to_string(total + 1) +
         "\n# numEntries: " + std::to_string(declared >= 0 ? declared : total) + "\n";
  return out;
}

} // namespace

TEST_CASE("LdifParser: ldapsearch -L counts tell a whole export from a cut one") {
  SECTION("a paged export with a header and version line per page is whole") {
    const auto r = parse_text(ldapsearch_export({3, 3, 1}, true));
    CHECK(r.entries.size() == 7);
    CHECK(r.incompletes.empty());
    CHECK(r.summary.ldapsearch);
    CHECK(r.summary.entries == 7);
    CHECK(r.summary.declared_entries == 7);
  }
  SECTION("Samba's pages: the cookie comes after an estimate") {
    // Real ldapsearch -L -E pr=500/noprompt output against Samba: "estimate=N cookie=...".
    std::string text = ldapsearch_export({3, 3, 1}, true);
    for (auto at = text.find("# pagedresults: cookie="); at != std::string::npos;
         at = text.find("# pagedresults: cookie=", at + 40)) {
      text.insert(at + std::string_view("# pagedresults: ").size(), "estimate=7 ");
    }
    REQUIRE(text.find("estimate=7 cookie=") != std::string::npos);
    const auto r = parse_text(text);
    CHECK(r.entries.size() == 7);
    CHECK(r.incompletes.empty());
  }
  SECTION("numEntries that differs from the entries read") {
    const auto r = parse_text(ldapsearch_export({2}, false, 3));
    CHECK(r.incompletes ==
          std::vector<std::string>{"x.ldif:21: the ldapsearch export starting at line 4 says "
                                   "'# numEntries: 3' but holds 2 entries: the file was cut or "
                                   "edited, entries are missing"});
  }
  SECTION("no numEntries: the file was cut") {
    std::string text = ldapsearch_export({2, 2}, true);
    text.resize(text.find("# e3")); // cut after the fourth entry's predecessor
    const auto r = parse_text(text);
    CHECK(r.entries.size() == 3);
    CHECK(r.incompletes ==
          std::vector<std::string>{"x.ldif:4: the ldapsearch export starting at line 4 has no "
                                   "'# numEntries:' trailer: it was cut, the last record may be "
                                   "partial and entries are missing"});
  }
  SECTION("a paged export whose last page still had a cookie") {
    const auto r = parse_text(ldapsearch_export({2}, true, -1, false));
    REQUIRE(r.incompletes.size() == 1);
    CHECK(r.incompletes[0].find("stopped before its last page") != std::string::npos);
  }
  SECTION("exactly 1000 entries without paging: AD's MaxPageSize cut it") {
    const auto r = parse_text(ldapsearch_export({1000}, false));
    REQUIRE(r.incompletes.size() == 1);
    CHECK(r.incompletes[0].find("holds exactly 1000 entries and was made without paging") !=
          std::string::npos);
    CHECK(r.incompletes[0].find("-E pr=1000/noprompt") != std::string::npos);
    CHECK(parse_text(ldapsearch_export({1000}, true)).incompletes.empty());
    CHECK(parse_text(ldapsearch_export({999}, false)).incompletes.empty());
  }
  SECTION("concatenated exports are checked one by one") {
    const auto r = parse_text(ldapsearch_export({2}, false) + ldapsearch_export({1}, true));
    CHECK(r.entries.size() == 3);
    CHECK(r.incompletes.empty());
    CHECK(r.summary.declared_entries == 3);
    std::string first = ldapsearch_export({2}, false);
    first.resize(first.find("# search result"));
    const auto cut = parse_text(first + ldapsearch_export({1}, false));
    REQUIRE(cut.incompletes.size() == 1);
    CHECK(cut.incompletes[0].find("starting at line 4 has no '# numEntries:' trailer") !=
          std::string::npos);
  }
  SECTION("exports without ldapsearch's comments are not checked") {
    const auto r = parse_text("dn: cn=a\nservicePrincipalName: a/b\n");
    CHECK(r.incompletes.empty());
    CHECK_FALSE(r.summary.ldapsearch);
  }
}

TEST_CASE("LdifParser: changetype add is a snapshot, other change records are refused") {
  const auto r =
      parse_text("dn: CN=HUB1,DC=contoso,DC=com\nchangetype: add\nservicePrincipalName: a/b\n\n"
                 "dn: cn=b\nchangeType: ADD\n");
  REQUIRE(r.entries.size() == 2);
  CHECK(spns(r.entries[0]) == Values{"a/b"});
  for (const std::string type : {"modify", "delete", "moddn", "modrdn"}) {
    INFO(type);
    CHECK(parse_error("dn: cn=ok\n\ndn: CN=HUB1,DC=contoso,DC=com\nchangetype: " + type + "\n") ==
          "x.ldif:4: changetype '" + type +
              "' record for DN 'CN=HUB1,DC=contoso,DC=com': not a directory snapshot (spnscan "
              "reads exports made by ldapsearch or ldifde)");
  }
}

TEST_CASE("LdifParser: URL values are refused, never opened") {
  CHECK(
      parse_error("dn: cn=a\nobjectClass: user\n\ndn: cn=b\nsn: x\nsn: y\njpegPhoto:< "
                  "file:///etc/shadow\n") ==
      "x.ldif:7: attribute 'jpegPhoto' has a URL value (':<'); spnscan does not open URLs in LDIF");
  CHECK(parse_error("dn: cn=a\nservicePrincipalName;binary:<file:///x\n") ==
        "x.ldif:2: attribute 'servicePrincipalName;binary' has a URL value (':<'); spnscan does "
        "not open URLs in LDIF");
  CHECK(parse_error("dn:< file:///x\n") ==
        "x.ldif:1: attribute 'dn' has a URL value (':<'); spnscan does not open URLs in LDIF");
}

TEST_CASE("LdifParser: byte order marks") {
  SECTION("UTF-8 BOM is skipped") {
    const auto r = parse_text("\xEF\xBB\xBF"
                              "dn: cn=a\nservicePrincipalName: x/y\n");
    REQUIRE(r.entries.size() == 1);
    CHECK(r.entries[0].dn == "cn=a");
  }
  SECTION("UTF-16LE with BOM is transcoded") {
    // ldifde -u: CRLF, changetype add, non-ASCII and a character outside the BMP.
    const std::u32string text = U"dn: CN=J\u00FCrgen \u20AC \U0001F600,DC=contoso,DC=com\r\n"
                                U"changetype: add\r\n"
                                U"servicePrincipalName: HTTP/\u00E9t\u00E9\r\n"
                                U"\r\n";
    const auto r = parse_text(utf16le(text));
    REQUIRE(r.entries.size() == 1);
    CHECK(r.entries[0].dn == "CN=J\xC3\xBCrgen \xE2\x82\xAC \xF0\x9F\x98\x80,DC=contoso,DC=com");
    CHECK(spns(r.entries[0]) == Values{"HTTP/\xC3\xA9t\xC3\xA9"});
  }
  SECTION("UTF-16LE across block boundaries, surrogate pairs split by them") {
    // Enough entries to cross the 1 MiB read blocks at many alignments.
    std::u32string text;
    const std::size_t n = 30000;
    for (std::size_t i = 0; i < n; ++i) {
      text += widen("dn: cn=u" + std::to_string(i) + "\r\nservicePrincipalName: H/") +
              U"\U0001F600" + widen(std::to_string(i) + "\r\n\r\n");
    }
    const auto r = parse_text(utf16le(text));
    REQUIRE(r.entries.size() == n);
    bool all = true;
    for (std::size_t i = 0; i < n; ++i) {
      all = all && spns(r.entries[i]).at(0) == "H/\xF0\x9F\x98\x80" + std::to_string(i);
    }
    CHECK(all);
    CHECK(r.entries[n - 1].origin == "x.ldif:" + std::to_string(3 * (n - 1) + 1));
  }
  SECTION("UTF-16LE errors name the line") {
    const std::string head = utf16le(U"dn: cn=a\r\nservicePrincipalName: x");
    CHECK(parse_error(head + "\x00\xD8"
                             "a\x00"s) == "x.ldif:2: invalid UTF-16LE: unpaired high surrogate");
    CHECK(parse_error(head + "\x00\xDC"s) == "x.ldif:2: invalid UTF-16LE: unpaired low surrogate");
    CHECK(parse_error(head + "\x00\xD8"s) ==
          "x.ldif:2: invalid UTF-16LE: unpaired high surrogate at the end of the file");
    CHECK(parse_error(head + "a"s) ==
          "x.ldif:2: invalid UTF-16LE: odd number of bytes at the end of the file");
  }
  SECTION("UTF-16BE is refused") {
    CHECK(parse_error("\xFE\xFF\x00"
                      "d"s) ==
          "x.ldif:1: the file is UTF-16BE (byte order mark FE FF), which is not supported; "
          "export it as UTF-8 or UTF-16LE");
  }
  SECTION("UTF-16LE without BOM is refused") {
    CHECK(parse_error(utf16le(U"dn: cn=a\r\n", false)) ==
          "x.ldif:1: the file looks like UTF-16LE without a byte order mark, which is not "
          "supported; export it as UTF-8 or UTF-16LE with a byte order mark");
  }
}

TEST_CASE("LdifParser: ldapsearch output") {
  const std::string head =
      "# extended LDIF\n#\n# LDAPv3\n# base <DC=contoso,DC=com> with scope subtree\n"
      "# filter: (servicePrincipalName=*)\n# requesting: ALL\n#\n\n"
      "# HUB1, Servers, contoso.com\ndn: CN=HUB1,DC=contoso,DC=com\n"
      "servicePrincipalName: SMTP/hub1\n\n";
  SECTION("trailer with result 0") {
    const auto r =
        parse_text(head + "# search result\nsearch: 2\nresult: 0 Success\n\n# numEntries: 1\n");
    REQUIRE(r.entries.size() == 1);
    CHECK(r.entries[0].origin == "x.ldif:10");
    CHECK(r.incompletes.empty());
    CHECK(r.warnings.empty());
  }
  SECTION("trailer with result 4") {
    const auto r = parse_text(
        head + "# search result\nsearch: 2\nresult: 4 Size limit exceeded\n\n# numEntries: 1\n");
    REQUIRE(r.entries.size() == 1);
    CHECK(r.incompletes ==
          std::vector<std::string>{"x.ldif:15: the export's search ended with 'result: 4 Size "
                                   "limit exceeded'; entries are missing"});
  }
  SECTION("trailer with result 10 and a text line, no final newline") {
    const auto r = parse_text(
        head + "search: 2\nresult: 10 Referral\ntext: 0000202B: RefErr\nref: ldap://x/DC=x");
    CHECK(r.incompletes ==
          std::vector<std::string>{"x.ldif:14: the export's search ended with 'result: 10 "
                                   "Referral'; entries are missing",
                                   "x.ldif:3: the ldapsearch export starting at line 3 has no "
                                   "'# numEntries:' trailer (and no '# search result' line): it "
                                   "was cut, the last record may be partial and entries are "
                                   "missing"});
  }
  SECTION("trailer without result") {
    const auto r = parse_text(head + "search: 2\n\n# numEntries: 1\n");
    CHECK(r.incompletes == std::vector<std::string>{"x.ldif:13: the export's search trailer has no "
                                                    "'result:' line; entries may be missing",
                                                    "x.ldif:15: the ldapsearch export starting at "
                                                    "line 3 has no '# search result' line: the "
                                                    "file was edited or cut"});
  }
  SECTION("# refldap comments (ldapsearch -L) and ref: records name the URL") {
    const auto r = parse_text(
        head + "# search reference\n"
               "# refldap://ForestDnsZones.contoso.com/DC=ForestDnsZones,DC=contoso,DC=com\n\n"
               "# search reference\n"
               "ref: ldap://contoso.com/CN=Configuration,DC=contoso,DC=com\n\n"
               "# references are not comments like this one\n"
               "# search result\n\n# numReferences: 2\n# numEntries: 1\n");
    CHECK(r.entries.size() == 1);
    CHECK(r.references ==
          std::vector<std::string>{
              "x.ldif:14: ldap://ForestDnsZones.contoso.com/DC=ForestDnsZones,DC=contoso,DC=com",
              "x.ldif:17: ldap://contoso.com/CN=Configuration,DC=contoso,DC=com"});
    CHECK(r.warnings.empty());
    CHECK(r.incompletes.empty());
  }
}

TEST_CASE("LdifParser: attribute options") {
  SECTION("ranged servicePrincipalName") {
    const auto r = parse_text("dn: cn=a\nservicePrincipalName;range=0-1499: "
                              "a/1\nservicePrincipalName;range=0-1499: a/2\n\n"
                              "dn: cn=b\nSERVICEPRINCIPALNAME;Range=1500-*: b/1\n\n"
                              "dn: cn=c\nservicePrincipalName: c/1\n");
    REQUIRE(r.entries.size() == 3);
    CHECK(spns(r.entries[0]) == Values{"a/1", "a/2"});
    CHECK(r.entries[0].spn_range == "range=0-1499");
    CHECK(spns(r.entries[1]) == Values{"b/1"});
    CHECK(r.entries[1].spn_range == "Range=1500-*");
    CHECK(r.entries[2].spn_range.empty()); // the entry object is reused: the range is reset
  }
  SECTION("other options are stored under the base name") {
    const auto r =
        parse_text("dn: cn=a\nobjectSid;binary:: AQI=\nservicePrincipalName;lang-en;x-1: a/1\n"
                   "servicePrincipalName;binary;range=0-*: a/2\n");
    REQUIRE(r.entries.size() == 1);
    CHECK(r.entries[0][Attr::object_sid] == Values{"\x01\x02"});
    CHECK(spns(r.entries[0]) == Values{"a/1", "a/2"});
    CHECK(r.entries[0].spn_range == "range=0-*");
  }
}

TEST_CASE("LdifParser: malformed lines name file:line") {
  CHECK(parse_error("# c\ncn: a\ndn: cn=a\n") ==
        "x.ldif:2: record starts with 'cn:' instead of 'dn:'");
  CHECK(parse_error("dn: cn=a\nservicePrincipalName\n") ==
        "x.ldif:2: line has no ':' (expected 'attribute: value')");
  CHECK(parse_error("dn: cn=a\n-\n") == "x.ldif:2: line has no ':' (expected 'attribute: value')");
  CHECK(parse_error("dn: cn=a\n: value\n") == "x.ldif:2: empty attribute name before ':'");
  CHECK(parse_error("dn: cn=a\n;binary: value\n") == "x.ldif:2: empty attribute name before ':'");
  CHECK(parse_error("dn: cn=a\n\0objectClass: x\n"s) == "x.ldif:2: line starts with a NUL byte");
  CHECK(parse_error("\0"s) == "x.ldif:1: line starts with a NUL byte");
  CHECK(parse_error("dn: cn=a\nservice*principal: x\n") == "no error"); // '*' is for range=1500-*
  CHECK(parse_error("dn: cn=a\nservice principal: x\n") ==
        "x.ldif:2: invalid character ' ' in attribute name 'service principal'");
  CHECK(parse_error("dn: cn=a\nfoo_bar: x\n") ==
        "x.ldif:2: invalid character '_' in attribute name 'foo_bar'");
  CHECK(parse_error("dn: cn=a\nfoo\tbar: x\n") ==
        "x.ldif:2: invalid character '\\x09' in attribute name 'foo\\x09bar'");
  CHECK(parse_error("dn: cn=a\nservicePrincipalName: a/b\ndn: cn=b\n") ==
        "x.ldif:3: 'dn:' line inside a record (records are separated by a blank line)");
}

TEST_CASE("LdifParser: an attribute name of 1 MB is a clean error") {
  const std::string name(1 << 20, 'a');
  CHECK(parse_error("dn: cn=a\n" + name + ": x\n") ==
        "x.ldif:2: attribute name longer than 1024 bytes");
  CHECK(parse_error("dn: cn=a\n" + name + ";" + name + ": x\n") ==
        "x.ldif:2: attribute name longer than 1024 bytes");
  CHECK(parse_error("dn: cn=a\n" + name + "\n") ==
        "x.ldif:2: attribute name longer than 1024 bytes");
  CHECK(parse_error("dn: cn=a\n" + std::string(1024, 'a') + ": x\n") == "no error");
  CHECK(parse_error("dn: cn=a\n" + std::string(1025, 'a') + ": x\n") ==
        "x.ldif:2: attribute name longer than 1024 bytes");
}

TEST_CASE("LdifParser: long lines and many values") {
  SECTION("a 1 MB value on one line") {
    const std::string value(1 << 20, 'v');
    const auto r = parse_text("dn: cn=a\nservicePrincipalName: " + value +
                              "\ndescription: " + value + "\nsAMAccountName: x\n");
    REQUIRE(r.entries.size() == 1);
    CHECK(spns(r.entries[0]) == Values{value});
    CHECK(r.entries[0][Attr::sam_account_name] == Values{"x"});
  }
  SECTION("a 20 MB line across many read blocks, then a 4 MB value folded every 76 bytes") {
    std::string text =
        "dn: cn=a\ndescription: " + std::string(20 << 20, 'd') + "\nservicePrincipalName: ";
    std::string folded;
    std::string expected;
    for (std::size_t i = 0; i < (4 << 20) / 76; ++i) {
      const std::string piece(76, static_cast<char>('a' + i % 26));
      text += (i == 0 ? "" : "\r\n ") + piece;
      expected += piece;
    }
    text += "\r\n";
    const auto r = parse_text(text);
    REQUIRE(r.entries.size() == 1);
    CHECK(spns(r.entries[0]).at(0) == expected);
  }
  SECTION("10^6 values on one entry") {
    std::string text = "dn: cn=a\n";
    const std::size_t n = 1000000;
    text.reserve(n * 28);
    for (std::size_t i = 0; i < n; ++i) {
      text += "servicePrincipalName: h/";
      text += std::to_string(i);
      text += '\n';
    }
    const auto r = parse_text(text);
    REQUIRE(r.entries.size() == 1);
    REQUIRE(spns(r.entries[0]).size() == n);
    CHECK(spns(r.entries[0]).front() == "h/0");
    CHECK(spns(r.entries[0]).back() == "h/999999");
  }
}

TEST_CASE("LdifParser: line ends and folds that fall on read block boundaries") {
  // Moves "a/\r\n b\r\n\r\ndn: cn=b" across the 1 MiB read boundary one byte at a time.
  const std::size_t block = std::size_t{1} << 20;
  const std::string head = "dn: cn=a\ndescription: ";
  const std::string spn_line = "\r\nservicePrincipalName: a/";
  for (std::size_t shift = 0; shift < 14; ++shift) {
    const std::size_t fold_at = block - 8 + shift; // where the "\r" of the fold lands
    const std::string text = head + std::string(fold_at - head.size() - spn_line.size(), 'x') +
                             spn_line + "\r\n b\r\n\r\ndn: cn=b\r\n";
    REQUIRE(text.find("\r\n b") == fold_at);
    INFO(shift);
    const auto r = parse_text(text);
    REQUIRE(r.entries.size() == 2);
    CHECK(spns(r.entries[0]) == Values{"a/b"});
    CHECK(r.entries[1].dn == "cn=b");
    CHECK(r.entries[1].origin == "x.ldif:6");
  }
}

TEST_CASE("LdifParser: UTF-16LE surrogate pairs split by a read boundary") {
  // The first two reads end at byte 2 MiB of the file, i.e. at UTF-16 unit 2^20 - 1 after
  // the BOM; put the smiley just before, across and just after that point.
  const std::size_t boundary_unit = (std::size_t{1} << 20) - 1; // in units of the text
  for (std::size_t shift = 0; shift < 3; ++shift) {
    const std::u32string head = U"dn: cn=a\ndescription: ";
    const std::u32string spn = U"\nservicePrincipalName: H/";
    const std::size_t smiley_at = boundary_unit - 2 + shift;
    const std::u32string text = head + std::u32string(smiley_at - head.size() - spn.size(), U'x') +
                                spn + U"\U0001F600\u00e9\n";
    INFO(shift);
    const auto r = parse_text(utf16le(text));
    REQUIRE(r.entries.size() == 1);
    CHECK(spns(r.entries[0]) == Values{"H/\xF0\x9F\x98\x80\xC3\xA9"});
  }
}

TEST_CASE("LdifParser: a file truncated mid-record") {
  SECTION("ending right after the dn line") {
    const auto r = parse_text("dn: cn=a\nservicePrincipalName: a/b\n\ndn: cn=b");
    REQUIRE(r.entries.size() == 2);
    CHECK(r.entries[1].dn == "cn=b");
    CHECK(spns(r.entries[1]).empty());
  }
  SECTION("ending inside a folded value keeps what is there") {
    const auto r = parse_text("dn: cn=a\nservicePrincipalName: HTTP/web\n .cont");
    REQUIRE(r.entries.size() == 1);
    CHECK(spns(r.entries[0]) == Values{"HTTP/web.cont"});
  }
  SECTION("ending inside a base64 value is an error, even when what is left decodes") {
    CHECK(parse_error("dn: cn=a\nobjectSid:: AQUAAAAAAAUVAAA\n AAAQ") ==
          "x.ldif:2: the file ends inside the base64 value of 'objectSid' (no line break after "
          "it): the export was cut");
    CHECK(parse_error("dn: cn=a\nservicePrincipalName:: SFRUUC93ZWIw") ==
          "x.ldif:2: the file ends inside the base64 value of 'servicePrincipalName' (no line "
          "break after it): the export was cut");
    CHECK(parse_error("dn: cn=a\nservicePrincipalName:: SFRUUC93ZWIw\n") == "no error");
  }
  SECTION("ending inside a plain value is warned about") {
    const auto r = parse_text("dn: cn=a\nservicePrincipalName: HTTP/we");
    CHECK(r.warnings == std::vector<std::string>{
                            "x.ldif:2: the file ends without a line break after the value of "
                            "'servicePrincipalName': if the export was cut, that value is "
                            "incomplete"});
  }
  SECTION("ending inside an attribute name") {
    CHECK(parse_error("dn: cn=a\nservicePrinc") ==
          "x.ldif:2: line has no ':' (expected 'attribute: value')");
  }
}

TEST_CASE("LdifParser: what an export says it holds: '# requesting:' or a full export") {
  const std::string head = "version: 1\n\n#\n# LDAPv3\n# base <DC=x> with scope subtree\n"
                           "# filter: (servicePrincipalName=*)\n";
  const std::string body = "#\n\ndn: CN=a,DC=x\nservicePrincipalName: HTTP/a\n\n"
                           "# search result\nsearch: 2\nresult: 0 Success\n\n"
                           "# numResponses: 2\n# numEntries: 1\n";
  auto r = parse_text(head + "# requesting: servicePrincipalName pwdLastSet cn\n" + body);
  CHECK(r.covered.test(static_cast<std::size_t>(Attr::pwd_last_set)));
  CHECK(r.covered.test(static_cast<std::size_t>(Attr::service_principal_name)));
  CHECK_FALSE(r.covered.test(static_cast<std::size_t>(Attr::allowed_to_delegate_to)));
  CHECK(parse_text(head + "# requesting: ALL\n" + body).covered.all());
  // ldifde's default export: every attribute, objectGUID among them.
  r = parse_text("dn: CN=a,DC=x\nobjectGUID:: AAAAAAAAAAAAAAAAAAAAAA==\n"
                 "servicePrincipalName: HTTP/a\n");
  CHECK(r.covered.all());
  // An export with neither says nothing: the builder goes by the values it sees.
  CHECK(parse_text("dn: CN=a,DC=x\nservicePrincipalName: HTTP/a\n").covered.none());
}
