#include "spnscan/triage/triage.hpp"

#include "spnscan/analysis/queries.hpp"
#include "spnscan/analysis/rule.hpp"
#include "spnscan/error.hpp"
#include "spnscan/model/spn.hpp"
#include "spnscan/platform/platform.hpp"
#include "spnscan/util/text.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <fstream>
#include <iterator>
#include <map>
#include <unordered_set>

namespace spnscan {

namespace {

// The whole of a file named by an option, or an InputError saying why not.
std::string read_option_file(const std::string& option, const std::string& path) {
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw InputError(
        fmt::format("{} {}: {}", option, path, platform::error_text(errno != 0 ? errno : ENOENT)));
  }
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) {
    throw InputError(fmt::format("{} {}: read error", option, path));
  }
  return text;
}

// A string member of a JSON object, or "" when it is absent or not a string.
std::string member(const nlohmann::json& object, const char* name) {
  const auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// --- allow-list lines ------------------------------------------------------------------------

// "2027-03-31" as a date, or nullopt when it is not a valid day.
std::optional<std::chrono::year_month_day> parse_date(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') {
    return std::nullopt;
  }
  int parts[3] = {0, 0, 0};
  const std::size_t starts[3] = {0, 5, 8};
  const std::size_t lengths[3] = {4, 2, 2};
  for (int i = 0; i < 3; ++i) {
    for (std::size_t j = 0; j < lengths[i]; ++j) {
      const char c = text[starts[i] + j];
      if (c < '0' || c > '9') {
        return std::nullopt;
      }
      parts[i] = parts[i] * 10 + (c - '0');
    }
  }
  const std::chrono::year_month_day date{std::chrono::year{parts[0]},
                                         std::chrono::month{static_cast<unsigned>(parts[1])},
                                         std::chrono::day{static_cast<unsigned>(parts[2])}};
  if (!date.ok()) {
    return std::nullopt;
  }
  return date;
}

// Splits one line into key=value fields; a value is bare (up to the next blank) or in double
// quotes, where \" and \\ stand for " and \.
// The key=value fields of an allow-list line, keys lower-cased. Blanks around '=' are allowed
// when on both sides (key = value), a value with blanks is quoted ("..." with \" and \\ inside, or
// '...'), and
// '#' outside a value starts a comment.
Expected<std::vector<std::pair<std::string, std::string>>> fields_of(std::string_view line) {
  std::vector<std::pair<std::string, std::string>> fields;
  std::size_t pos = 0;
  const auto blank = [](char c) { return c == ' ' || c == '\t'; };
  const auto skip_blanks = [&] {
    while (pos < line.size() && blank(line[pos])) {
      ++pos;
    }
  };
  while (true) {
    skip_blanks();
    if (pos == line.size() || line[pos] == '#') {
      return fields;
    }
    const std::size_t start = pos;
    while (pos < line.size() && !blank(line[pos]) && line[pos] != '=') {
      ++pos;
    }
    const std::string_view word = line.substr(start, pos - start);
    std::string key = ascii_lower(word);
    const bool spaced = pos < line.size() && blank(line[pos]); // "key = value"
    skip_blanks();
    if (pos == line.size() || line[pos] != '=' || key.empty()) {
      return fail(fmt::format("'{}' is not key=value (a value with blanks needs quotes: "
                              "reason=\"two words\")",
                              escape_for_display(word)));
    }
    ++pos; // '='
    if (spaced) {
      skip_blanks(); // but "spn= reason=x" is an empty spn, not spn="reason=x"
    }
    std::string value;
    if (pos < line.size() && (line[pos] == '"' || line[pos] == '\'')) {
      const char quote = line[pos++];
      bool closed = false;
      while (pos < line.size()) {
        const char c = line[pos++];
        if (quote == '"' && c == '\\' && pos < line.size() &&
            (line[pos] == '"' || line[pos] == '\\')) {
          value += line[pos++];
        } else if (c == quote) {
          closed = true;
          break;
        } else {
          value += c;
        }
      }
      if (!closed) {
        return fail(fmt::format("{}: the quoted value has no closing '{}'", key, quote));
      }
      if (pos < line.size() && !blank(line[pos])) {
        return fail(fmt::format("{}: text right after the closing '{}'", key, quote));
      }
    } else {
      const std::size_t end = line.find_first_of(" \t", pos);
      value = std::string(line.substr(pos, end == std::string_view::npos ? end : end - pos));
      pos = end == std::string_view::npos ? line.size() : end;
    }
    fields.emplace_back(std::move(key), std::move(value));
  }
}

Expected<AllowEntry> entry_of(std::string_view line, std::string where) {
  const auto fields = fields_of(line);
  if (!fields) {
    return fail(fields.error());
  }
  AllowEntry entry;
  entry.where = std::move(where);
  std::set<std::string, std::less<>> seen;
  for (const auto& [key, value] : *fields) {
    if (!seen.insert(key).second) {
      return fail(fmt::format("{} given twice", key));
    }
    for (const char c : value) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
        return fail(fmt::format("{}: a control character in the value", key));
      }
    }
    if (value.empty()) {
      return fail(fmt::format("{}: empty value", key));
    }
    if (key == "rule") {
      if (find_rule(value) == nullptr) {
        return fail(
            fmt::format("unknown rule '{}' (see 'spnscan rules')", escape_for_display(value)));
      }
      entry.rule = value;
    } else if (key == "spn") {
      entry.spn = value;
    } else if (key == "account") {
      entry.account = value;
    } else if (key == "id") {
      entry.id = value;
    } else if (key == "reason") {
      entry.reason = value;
    } else if (key == "expires") {
      entry.expires = parse_date(value);
      if (!entry.expires) {
        return fail(
            fmt::format("expires: '{}' is not a date (YYYY-MM-DD)", escape_for_display(value)));
      }
    } else {
      return fail(fmt::format("unknown key '{}' (rule, spn, account, id, reason, expires; a value "
                              "with blanks needs quotes: account=\"CN=a b,DC=x\")",
                              escape_for_display(key)));
    }
  }
  if (entry.rule.empty() && entry.spn.empty() && entry.account.empty() && entry.id.empty()) {
    return fail("names no finding: give rule=, spn=, account= or id=");
  }
  if (entry.reason.empty()) {
    return fail("no reason=\"...\": say why the risk is accepted, for whoever reads the report");
  }
  return entry;
}

// True when name names the account: its DN, or its sAMAccountName with or without the '$'
// and with or without a DOMAIN\name prefix as Windows writes it (case-insensitive).
bool names_ref(const AccountRef& account, std::string_view name) {
  if (iequals(account.dn, name)) {
    return true;
  }
  // DOMAIN\name, as setspn and Windows write it; a DN (with '=') may hold escaped characters.
  if (const std::size_t slash = name.rfind('\\');
      slash != std::string_view::npos && name.find('=') == std::string_view::npos) {
    name.remove_prefix(slash + 1);
  }
  const std::string_view sam = account.sam_account_name;
  return !sam.empty() && (iequals(sam, name) || iequals(without_dollar(sam), without_dollar(name)));
}

bool spn_matches(std::string_view pattern, std::string_view value) {
  if (pattern.find('*') != std::string_view::npos) {
    return wildcard_match(pattern, value) || wildcard_match(pattern, spn_key(value));
  }
  return spn_key(pattern) == spn_key(value);
}

} // namespace

Expected<Baseline> parse_baseline(std::string_view json, const std::string& file) {
  nlohmann::json root;
  try {
    root = nlohmann::json::parse(json);
  } catch (const nlohmann::json::parse_error& e) {
    return fail(fmt::format("not JSON: syntax error at byte {}", e.byte));
  } catch (const nlohmann::json::exception&) {
    // out_of_range: a number no JSON report of spnscan holds (found by fuzz_files)
    return fail("not a spnscan JSON report: a number out of range");
  }
  if (!root.is_object() || !root.contains("schema_version")) {
    return fail("not a spnscan JSON report (no schema_version): give the report of an earlier "
                "'spnscan scan --format json'");
  }
  if (root["schema_version"] != 1) {
    return fail(fmt::format("schema_version {} is not one this spnscan reads (1)",
                            root["schema_version"].dump()));
  }
  const auto findings = root.find("findings");
  if (findings == root.end() || !findings->is_array()) {
    return fail("no findings array: this is not the report of 'spnscan scan' (query, list, dump "
                "and check write other documents)");
  }
  Baseline baseline;
  baseline.file = file;
  if (const auto scan = root.find("scan"); scan != root.end() && scan->is_object()) {
    baseline.started_at = member(*scan, "started_at");
    if (const auto complete = scan->find("complete");
        complete != scan->end() && complete->is_boolean()) {
      baseline.complete = complete->get<bool>();
    }
    if (const auto sources = scan->find("sources"); sources != scan->end() && sources->is_array()) {
      for (const auto& source : *sources) {
        if (source.is_string()) {
          baseline.sources.push_back(source.get<std::string>());
        }
      }
    }
  }
  for (std::size_t i = 0; i < findings->size(); ++i) {
    const auto& item = (*findings)[i];
    if (!item.is_object() || member(item, "id").empty()) {
      return fail(fmt::format("findings[{}] has no id", i));
    }
    BaselineFinding f;
    f.id = member(item, "id");
    f.rule = member(item, "rule");
    f.severity = member(item, "severity");
    f.spn = member(item, "spn");
    if (const auto account = item.find("account"); account != item.end() && account->is_object()) {
      f.account_dn = member(*account, "dn");
      f.account_name = member(*account, "sam_account_name");
    }
    baseline.findings.push_back(std::move(f));
  }
  return baseline;
}

Baseline read_baseline(const std::string& path) {
  auto parsed = parse_baseline(read_option_file("--baseline", path), path);
  if (!parsed) {
    throw InputError(fmt::format("--baseline {}: {}", path, parsed.error()));
  }
  return std::move(parsed.value());
}

Expected<AllowList> parse_allow_list(std::string_view text, const std::string& file) {
  AllowList list;
  list.file = file;
  const auto lines = text_lines(text);
  for (std::size_t number = 1; number <= lines.size(); ++number) {
    const std::string_view line = lines[number - 1];
    const std::size_t first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos || line[first] == '#') {
      continue;
    }
    auto entry = entry_of(line, fmt::format("{}:{}", file, number));
    if (!entry) {
      return fail(fmt::format("{}:{}: {}", file, number, entry.error()));
    }
    list.entries.push_back(std::move(entry.value()));
  }
  return list;
}

AllowList read_allow_list(const std::string& path) {
  auto parsed = parse_allow_list(read_option_file("--allow", path), path);
  if (!parsed) {
    throw InputError("--allow " + parsed.error());
  }
  return std::move(parsed.value());
}

bool allow_matches(const AllowEntry& entry, const Finding& finding) {
  if (!entry.rule.empty() && entry.rule != finding.rule_id()) {
    return false;
  }
  if (!entry.id.empty() && !iequals(entry.id, finding.id)) {
    return false;
  }
  if (!entry.spn.empty() && !spn_matches(entry.spn, finding.spn) &&
      std::none_of(finding.spns.begin(), finding.spns.end(),
                   [&](const std::string& v) { return spn_matches(entry.spn, v); })) {
    return false;
  }
  if (!entry.account.empty() && !names_ref(finding.account, entry.account) &&
      std::none_of(finding.related.begin(), finding.related.end(),
                   [&](const AccountRef& a) { return names_ref(a, entry.account); })) {
    return false;
  }
  return true;
}

std::size_t Triage::suppressed_count() const {
  return static_cast<std::size_t>(std::count_if(
      findings.begin(), findings.end(), [](const FindingTriage& t) { return t.suppressed_by; }));
}

Triage triage(const std::vector<Finding>& findings, const Baseline* baseline,
              const AllowList* allow, bool complete,
              const std::set<std::string, std::less<>>& disabled_rules,
              std::chrono::year_month_day today) {
  Triage out;
  if (baseline == nullptr && allow == nullptr) {
    return out;
  }
  out.findings.resize(findings.size());
  if (baseline != nullptr) {
    BaselineResult result;
    result.file = baseline->file;
    result.started_at = baseline->started_at;
    result.baseline_complete = baseline->complete;
    std::unordered_set<std::string> before;
    for (const auto& f : baseline->findings) {
      before.insert(f.id);
    }
    std::unordered_set<std::string> now;
    for (std::size_t i = 0; i < findings.size(); ++i) {
      now.insert(findings[i].id);
      const bool known = before.count(findings[i].id) != 0;
      out.findings[i].baseline = known ? BaselineState::unchanged : BaselineState::added;
      ++(known ? result.unchanged : result.added);
    }
    result.resolved_known = complete;
    for (const auto& f : baseline->findings) {
      if (now.count(f.id) != 0) {
        continue;
      }
      if (disabled_rules.find(f.rule) != disabled_rules.end()) {
        ++result.not_checked;
      } else if (complete) {
        result.resolved.push_back(f);
      }
    }
    out.baseline = std::move(result);
  }
  if (allow != nullptr) {
    AllowResult result;
    result.list = *allow;
    result.entries.resize(allow->entries.size());
    for (std::size_t e = 0; e < allow->entries.size(); ++e) {
      const AllowEntry& entry = allow->entries[e];
      result.entries[e].expired = entry.expires && today > *entry.expires;
    }
    for (std::size_t i = 0; i < findings.size(); ++i) {
      for (std::size_t e = 0; e < allow->entries.size(); ++e) {
        if (!allow_matches(allow->entries[e], findings[i])) {
          continue;
        }
        ++result.entries[e].matched;
        if (!result.entries[e].expired && !out.findings[i].suppressed_by) {
          out.findings[i].suppressed_by = e;
        }
      }
    }
    for (auto& entry : result.entries) {
      entry.stale = complete && entry.matched == 0;
    }
    out.allow = std::move(result);
  }
  return out;
}

std::chrono::year_month_day utc_today() {
  return std::chrono::year_month_day{
      std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now())};
}

std::string format_date(std::chrono::year_month_day date) {
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(date.year()),
                     static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
}

} // namespace spnscan
