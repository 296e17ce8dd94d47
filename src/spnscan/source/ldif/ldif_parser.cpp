#include "spnscan/source/ldif/ldif_parser.hpp"

#include "spnscan/error.hpp"
#include "spnscan/source/ldif/ldif_lines.hpp"
#include "spnscan/source/ldif/ldif_scan.hpp"
#include "spnscan/util/text.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

namespace spnscan {
namespace {

using namespace ldif;

class Parser {
public:
  Parser(std::istream& in, const std::string& name, LdifHandler& handler)
      : m_reader(in, name), m_name(name), m_handler(handler) {}

  LdifSummary run() {
    std::string_view line;
    while (m_reader.next(line)) {
      m_line_no = m_reader.line_no();
      m_unterminated = m_reader.unterminated();
      process(line);
    }
    end_record();
    if (m_run.active) {
      end_run_without_counts();
    }
    return {m_entries, m_saw_ldapsearch, m_declared_entries};
  }

private:
  enum class Record { none, entry, trailer, reference };
  // One ldapsearch invocation in the file (see ldapsearch_comment).
  struct LdapsearchRun {
    bool active = false;
    std::uint64_t line = 0;    // its first "# LDAPv3"
    std::uint64_t entries = 0; // entries read since
    bool paged = false;
    bool more_pages = false; // the last page's cookie was not empty
    bool any_result = false; // a "# search result" line was seen
  };
  static constexpr std::uint64_t k_ad_max_page_size = 1000;
  enum class ValueKind { plain, base64 };

  [[noreturn]] void fail(std::uint64_t line, const std::string& what) const {
    throw InputError(where(line) + what);
  }

  std::string where(std::uint64_t line) const { return m_name + ":" + std::to_string(line) + ": "; }

  void process(std::string_view line) {
    if (line.empty()) {
      end_record();
      return;
    }
    if (line[0] == '\0') {
      fail(m_line_no, "line starts with a NUL byte");
    }
    if (line[0] == '#') {
      comment(line);
      return;
    }
    const std::size_t window = std::min(line.size(), LdifParser::k_max_attr_name + 1);
    std::size_t semi = std::string_view::npos;
    const std::size_t colon_at = scan_name(line.data(), window, semi);
    if (colon_at == window) {
      if (line.size() > LdifParser::k_max_attr_name) {
        fail(m_line_no, "attribute name longer than 1024 bytes");
      }
      fail(m_line_no, "line has no ':' (expected 'attribute: value')");
    }
    if (line[colon_at] != ':') {
      if (std::memchr(line.data(), ':', window) == nullptr) {
        if (line.size() > LdifParser::k_max_attr_name) {
          fail(m_line_no, "attribute name longer than 1024 bytes");
        }
        fail(m_line_no, "line has no ':' (expected 'attribute: value')");
      }
      const std::size_t colon = line.find(':');
      if (colon > LdifParser::k_max_attr_name) {
        fail(m_line_no, "attribute name longer than 1024 bytes");
      }
      fail(m_line_no, "invalid character '" + printable(line.substr(colon_at, 1)) +
                          "' in attribute name '" + printable(line.substr(0, colon)) + "'");
    }
    const std::string_view desc = line.substr(0, colon_at);
    semi = std::min(semi, desc.size());
    if (semi == 0) {
      fail(m_line_no, "empty attribute name before ':'");
    }
    const std::string_view base = desc.substr(0, semi);
    std::size_t v = colon_at + 1;
    ValueKind kind = ValueKind::plain;
    if (v < line.size() && line[v] == ':') {
      kind = ValueKind::base64;
      ++v;
    } else if (v < line.size() && line[v] == '<') {
      fail(m_line_no, "attribute '" + std::string(desc) +
                          "' has a URL value (':<'); spnscan does not open URLs in LDIF");
    }
    while (v < line.size() && line[v] == ' ') {
      ++v;
    }
    const std::string_view value = line.substr(v);
    const int code = lookup(base);

    switch (m_record) {
    case Record::none:
      start_record(code, desc, kind, value);
      return;
    case Record::entry:
      entry_line(code, desc, semi, kind, value);
      return;
    case Record::trailer:
      if (code == k_result) {
        m_result.assign(value);
        m_result_line = m_line_no;
        m_have_result = true;
      }
      return;
    case Record::reference:
      if (code == k_ref) {
        reference(value);
      }
      return;
    }
  }

  void start_record(int code, std::string_view desc, ValueKind kind, std::string_view value) {
    // ldapsearch -L repeats "version: 1" before each page of a paged search, and exports are
    // concatenated, so the line is accepted between any two records, not only first.
    if (code == k_version) {
      if (kind != ValueKind::plain || value != "1") {
        fail(m_line_no,
             "unsupported LDIF version '" + printable(value) + "' (only 'version: 1' is defined)");
      }
      return;
    }
    if (code == k_dn) {
      m_record = Record::entry;
      if (kind == ValueKind::base64) {
        decode_or_fail(value, "dn", m_entry.dn);
      } else {
        m_entry.dn.assign(value);
      }
      if (m_entry.dn.find_first_of("\r\n") != std::string::npos) {
        fail(m_line_no, "DN '" + printable(m_entry.dn) + "' contains a line break (CR or LF)");
      }
      m_entry.origin.assign(m_name);
      m_entry.origin += ':';
      std::array<char, 24> digits{};
      const auto res = std::to_chars(digits.data(), digits.data() + digits.size(), m_line_no);
      m_entry.origin.append(digits.data(), res.ptr);
      return;
    }
    if (code == k_search || code == k_result) {
      m_record = Record::trailer;
      m_trailer_line = m_line_no;
      m_have_result = false;
      if (code == k_result) {
        m_result.assign(value);
        m_result_line = m_line_no;
        m_have_result = true;
      }
      return;
    }
    if (code == k_ref) {
      m_record = Record::reference;
      reference(value);
      return;
    }
    fail(m_line_no, "record starts with '" + std::string(desc) + ":' instead of 'dn:'");
  }

  void entry_line(int code, std::string_view desc, std::size_t semi, ValueKind kind,
                  std::string_view value) {
    if (code >= 0 && code < static_cast<int>(k_attr_count)) {
      auto& values = m_entry.values[static_cast<std::size_t>(code)];
      if (kind == ValueKind::base64) {
        values.emplace_back();
        decode_or_fail(value, desc, values.back());
      } else {
        values.emplace_back(value);
        if (m_unterminated) {
          m_handler.warning(where(m_line_no) +
                            "the file ends without a line break after the "
                            "value of '" +
                            printable(desc) +
                            "': if the export was cut, that "
                            "value is incomplete");
        }
      }
      if (code == static_cast<int>(Attr::service_principal_name) && semi < desc.size()) {
        note_range(desc.substr(semi + 1));
      }
      return;
    }
    if (code == k_changetype) {
      std::string type;
      if (kind == ValueKind::base64) {
        decode_or_fail(value, "changetype", type);
      } else {
        type.assign(value);
      }
      if (equals_lower(type, "add")) {
        return;
      }
      fail(m_line_no, "changetype '" + printable(type) + "' record for DN '" +
                          printable(m_entry.dn) +
                          "': not a directory snapshot (spnscan reads exports made by "
                          "ldapsearch or ldifde)");
    }
    if (code == k_dn) {
      fail(m_line_no, "'dn:' line inside a record (records are separated by a blank line)");
    }
    if (code == k_other && !m_full_export &&
        (equals_lower(desc, "objectguid") || equals_lower(desc, "whenchanged") ||
         equals_lower(desc, "usnchanged"))) {
      // Every AD object has these and no attribute list of spnscan's asks for them: the
      // export was made with all attributes (ldifde's default), so it covers every one.
      m_full_export = true;
      m_handler.covers(std::bitset<k_attr_count>().set());
    }
  }

  // ldapsearch's "# requesting: a b c" (or "ALL", "*"): the attributes the export asked for.
  void requesting(std::string_view names) {
    std::bitset<k_attr_count> asked;
    bool all = true;
    while (!names.empty()) {
      const std::size_t end = std::min(names.find(' '), names.size());
      const std::string_view name = names.substr(0, end);
      if (name == "ALL" || name == "*") {
        asked.set();
      } else if (!name.empty() && name != "+") {
        all = false;
        if (const auto attr = attr_from_name(name)) {
          asked.set(static_cast<std::size_t>(*attr));
        }
      }
      names.remove_prefix(end == names.size() ? end : end + 1);
    }
    m_handler.covers(all ? std::bitset<k_attr_count>().set() : asked);
  }

  // Keeps the range option of servicePrincipalName;range=0-1499 (among any other options).
  void note_range(std::string_view options) {
    while (!options.empty()) {
      const std::size_t end = std::min(options.find(';'), options.size());
      const std::string_view option = options.substr(0, end);
      if (starts_with_nocase(option, "range=")) {
        m_entry.spn_range.assign(option);
      }
      options.remove_prefix(end == options.size() ? end : end + 1);
    }
  }

  // Decodes a "::" value into out, or fails naming the attribute; a value on the last line of
  // a file that does not end in a line break was cut, even when what is left still decodes.
  void decode_or_fail(std::string_view value, std::string_view desc, std::string& out) {
    if (m_unterminated) {
      fail(m_line_no, "the file ends inside the base64 value of '" + printable(desc) +
                          "' (no line break after it): the export was cut");
    }
    if (!base64_decode(value, out)) {
      fail(m_line_no, "invalid base64 in the value of '" + printable(desc) + "'");
    }
  }

  void reference(std::string_view url) {
    m_handler.reference(std::string(url), m_name + ":" + std::to_string(m_line_no));
  }

  void comment(std::string_view line) {
    // ldapsearch -L prints a search reference as "# refldap://host/DN??sub".
    constexpr std::string_view prefix = "# ref";
    if (line.size() > prefix.size() && line.substr(0, prefix.size()) == prefix) {
      const std::string_view url = line.substr(prefix.size());
      const std::size_t scheme = url.find("://");
      if (scheme != std::string_view::npos && scheme > 0 &&
          url.substr(0, scheme).find(' ') == std::string_view::npos) {
        reference(url);
      }
      return;
    }
    ldapsearch_comment(line);
  }

  // ldapsearch -L writes its search as comments around the entries (one header and one
  // "# search result" per page of a paged search, the counts once at the end):
  //   # LDAPv3 / # base <...> / # with pagedResults control: size=1000
  //   ... entries ...
  //   # search result / # pagedresults: [estimate=N ]cookie=<more pages unless empty>
  //   # numResponses: N / # numEntries: N
  // Its errors (sizeLimitExceeded after AD's 1000 entries among them) go only to stderr, so
  // these comments are what tells a whole export from a cut one.
  void ldapsearch_comment(std::string_view line) {
    if (line == "# LDAPv3") {
      if (m_run.active && !m_run.more_pages) {
        end_run_without_counts();
      }
      if (!m_run.active) {
        m_run = LdapsearchRun{};
        m_run.active = true;
        m_run.line = m_line_no;
        m_saw_ldapsearch = true;
      }
      m_run.more_pages = false;
    } else if (!m_run.active) {
      return;
    } else if (line.starts_with("# requesting:")) {
      requesting(line.substr(std::string_view("# requesting:").size()));
    } else if (line.starts_with("# with pagedResults control")) {
      m_run.paged = true;
    } else if (line == "# search result") {
      m_run.any_result = true;
    } else if (line.starts_with("# pagedresults: ")) {
      // "cookie=<base64>", after "estimate=N " when the server gives one (Samba does, AD
      // gives 0, which ldapsearch leaves out); an empty cookie ends the search.
      const std::size_t cookie = line.find("cookie=");
      m_run.more_pages = cookie != std::string_view::npos &&
                         line.size() > cookie + std::string_view("cookie=").size();
    } else if (line.starts_with("# numEntries: ")) {
      end_run(line.substr(std::string_view("# numEntries: ").size()));
    }
  }

  // The counts at the end of an ldapsearch run: checks them against what was read.
  void end_run(std::string_view declared_text) {
    const LdapsearchRun run = m_run;
    m_run = LdapsearchRun{};
    std::uint64_t declared = 0;
    const auto [end, ec] = std::from_chars(declared_text.data(),
                                           declared_text.data() + declared_text.size(), declared);
    const std::string from = fmt_run(run);
    if (ec != std::errc() || end != declared_text.data() + declared_text.size()) {
      m_handler.incomplete(
          where(m_line_no) + "unreadable '# numEntries: " + printable(declared_text) +
          "' in the ldapsearch export " + from + "; its entries cannot be checked");
      return;
    }
    m_declared_entries += declared;
    if (!run.any_result) {
      m_handler.incomplete(where(m_line_no) + "the ldapsearch export " + from +
                           " has no '# search result' line: the file was edited or cut");
    } else if (declared != run.entries) {
      m_handler.incomplete(where(m_line_no) + "the ldapsearch export " + from +
                           " says '# numEntries: " + std::to_string(declared) + "' but holds " +
                           std::to_string(run.entries) +
                           " entries: the file was cut or edited, entries are missing");
    } else if (run.more_pages) {
      m_handler.incomplete(where(m_line_no) + "the paged ldapsearch export " + from +
                           " stopped before its last page (its last '# pagedresults: cookie=' "
                           "is not empty): entries are missing");
    } else if (!run.paged && declared == k_ad_max_page_size) {
      m_handler.incomplete(
          where(m_line_no) + "the ldapsearch export " + from + " holds exactly " +
          std::to_string(k_ad_max_page_size) +
          " entries and was made without paging: Active Directory ends an unpaged search at "
          "MaxPageSize (1000) with sizeLimitExceeded, which ldapsearch -L reports only on its "
          "standard error. Export again with -E pr=1000/noprompt");
    }
  }

  // A run that ends (a new run starts, or the input ends) without its counts was cut.
  void end_run_without_counts() {
    m_handler.incomplete(where(m_run.line) + "the ldapsearch export " + fmt_run(m_run) +
                         " has no '# numEntries:' trailer" +
                         (m_run.any_result ? "" : " (and no '# search result' line)") +
                         ": it was cut, the last record may be partial and entries are missing");
    m_run = LdapsearchRun{};
  }

  std::string fmt_run(const LdapsearchRun& run) const {
    return "starting at line " + std::to_string(run.line);
  }

  void end_record() {
    switch (m_record) {
    case Record::none:
    case Record::reference:
      break;
    case Record::entry:
      m_handler.entry(m_entry);
      m_entry.clear();
      ++m_entries;
      ++m_run.entries;
      break;
    case Record::trailer:
      if (!m_have_result) {
        m_handler.incomplete(where(m_trailer_line) +
                             "the export's search trailer has no 'result:' line; entries may "
                             "be missing");
      } else if (m_result.empty() || m_result[0] != '0' ||
                 (m_result.size() > 1 && m_result[1] >= '0' && m_result[1] <= '9')) {
        m_handler.incomplete(where(m_result_line) + "the export's search ended with 'result: " +
                             printable(m_result) + "'; entries are missing");
      }
      break;
    }
    m_record = Record::none;
  }

  LineReader m_reader;
  const std::string& m_name;
  LdifHandler& m_handler;
  std::uint64_t m_line_no = 0; // first physical line of the current logical line
  bool m_unterminated = false; // the current line is the input's last and has no line break
  bool m_full_export = false;  // an attribute only a full export holds was seen

  Record m_record = Record::none;
  LdapsearchRun m_run;
  bool m_saw_ldapsearch = false;
  std::uint64_t m_entries = 0;
  std::uint64_t m_declared_entries = 0;
  RawEntry m_entry;
  std::string m_result;
  std::uint64_t m_result_line = 0;
  std::uint64_t m_trailer_line = 0;
  bool m_have_result = false;
};

} // namespace

LdifSummary LdifParser::parse(std::istream& in, const std::string& name, LdifHandler& handler) {
  Parser parser(in, name, handler);
  return parser.run();
}

} // namespace spnscan
