#include "spnscan/source/ldap/ldap_source.hpp"

#include "spnscan/error.hpp"
#include "spnscan/model/spn.hpp"
#include "spnscan/source/ldap/connection.hpp"
#include "spnscan/util/text.hpp"

#include <algorithm>
#include <array>
#include <bitset>
#include <cctype>
#include <memory>
#include <optional>
#include <set>
#include <utility>

namespace spnscan {

namespace {

using ldap::Connection;
using ldap::EntryReader;
using ldap::Scope;
using ldap::SearchHandler;
using ldap::SearchRequest;
using ldap::SearchResult;

// One entry of a base search, kept whole: the RootDSE, the Directory Service entry, the
// RID-521 group, the rest of a ranged attribute.
struct Entry {
  std::string dn;
  std::vector<std::pair<std::string, std::vector<std::string>>> attributes;

  // Every value of the attribute whose description is name (case-insensitive), empty when
  // absent.
  std::vector<std::string> values(std::string_view name) const {
    for (const auto& [description, values] : attributes) {
      if (iequals(description, name)) {
        return values;
      }
    }
    return {};
  }
  std::string first(std::string_view name) const {
    auto all = values(name);
    return all.empty() ? std::string() : std::move(all.front());
  }
};

// Collects the entries of a base search (references are not expected from one).
class Collect : public SearchHandler {
public:
  void entry(std::string_view dn, EntryReader& reader) override {
    Entry& got = entries.emplace_back();
    got.dn = dn;
    std::string_view description;
    std::vector<std::string_view> values;
    while (reader.next(description, values)) {
      got.attributes.emplace_back(std::string(description),
                                  std::vector<std::string>(values.begin(), values.end()));
    }
  }
  void reference(std::string_view /*url*/) override {}
  void unreadable_reference(std::string_view /*why*/) override {}

  std::vector<Entry> entries;
};

// Runs a base-scope search for attrs on dn. Returns the entry, if one came; result receives
// the final result. Throws only for timeouts, lost connections and undecodable replies.
std::optional<Entry> search_base(Connection& connection, const std::string& dn,
                                 std::vector<std::string> attrs, std::string operation,
                                 SearchResult& result) {
  SearchRequest request;
  request.base = dn;
  request.scope = Scope::base;
  request.attributes = std::move(attrs);
  request.operation = std::move(operation);
  Collect collect;
  result = connection.search(request, collect);
  if (collect.entries.empty()) {
    return std::nullopt;
  }
  return std::move(collect.entries.front());
}

std::string failed(const Connection& connection, std::string_view operation,
                   const SearchResult& result) {
  return ldap::error_text(std::string(operation) + " failed", connection.code_text(result.code),
                          result.code, result.matched, result.diagnostic);
}

// The RootDSE values spnscan looks at.
struct RootDse {
  std::string default_nc;
  std::string config_nc;
  std::vector<std::string> naming_contexts;
  std::vector<std::string> supported_controls;
};

std::string quoted_base(const std::string& base) {
  return base.empty() ? std::string("\"\"") : base;
}

// A filter value with RFC 4515's escapes: * ( ) \ and NUL as \2a \28 \29 \5c \00.
std::string filter_value(std::string_view text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
    case '*':
      out += "\\2a";
      break;
    case '(':
      out += "\\28";
      break;
    case ')':
      out += "\\29";
      break;
    case '\\':
      out += "\\5c";
      break;
    case '\0':
      out += "\\00";
      break;
    default:
      out += c;
    }
  }
  return out;
}

// Every SPN holder, every account that delegates (its targets may be ghosts), and the accounts
// `check` and `list` ask about even when they hold no SPN.
std::string search_filter(const std::vector<std::string>& accounts) {
  std::string filter = "(|(servicePrincipalName=*)(msDS-AllowedToDelegateTo=*)";
  for (const auto& name : accounts) {
    if (name.find('=') != std::string::npos) {
      filter += "(distinguishedName=" + filter_value(name) + ")";
    } else {
      filter +=
          "(sAMAccountName=" + filter_value(name) + ")(sAMAccountName=" + filter_value(name) + "$)";
    }
  }
  return filter + ")";
}

RootDse read_root_dse(Connection& connection) {
  SearchResult result;
  const std::string operation = "RootDSE search";
  const auto entry = search_base(
      connection, "",
      {"defaultNamingContext", "configurationNamingContext", "namingContexts", "supportedControl"},
      operation, result);
  if (result.code != ldap::k_success) {
    throw DirectoryError(failed(connection, operation, result));
  }
  RootDse root;
  if (!entry) {
    return root;
  }
  root.default_nc = entry->first("defaultNamingContext");
  root.config_nc = entry->first("configurationNamingContext");
  root.naming_contexts = entry->values("namingContexts");
  root.supported_controls = entry->values("supportedControl");
  return root;
}

// Hands the directory's sPNMappings to the builder, or warns that the defaults apply. A server
// that publishes no configurationNamingContext (not AD, e.g. an LDAP copy of a domain) is asked
// for CN=Configuration under the search base instead.
void read_spn_mappings(Connection& connection, const RootDse& root, const std::string& base,
                       DirectoryBuilder& builder) {
  const std::string config_nc = !root.config_nc.empty() ? root.config_nc
                                : !base.empty()         ? "CN=Configuration," + base
                                                        : std::string();
  if (config_nc.empty()) {
    builder.warn("sPNMappings not readable (the RootDSE names no configurationNamingContext); "
                 "using the Windows default aliases");
    return;
  }
  const std::string dn = "CN=Directory Service,CN=Windows NT,CN=Services," + config_nc;
  SearchResult result;
  const auto entry = search_base(connection, dn, {"sPNMappings", "dSHeuristics"},
                                 "Directory Service search", result);
  std::string reason;
  std::vector<std::string> values;
  if (result.code != ldap::k_success) {
    reason = connection.code_text(result.code) + " (" + std::to_string(result.code) + ")";
  } else if (!entry) {
    reason = "no entry returned";
  } else {
    values = entry->values("sPNMappings");
    if (values.empty()) {
      reason = "no sPNMappings value returned; insufficient access?";
    }
  }
  if (!reason.empty()) {
    builder.warn("sPNMappings not readable from " + ldap::printable(dn) + " (" + reason +
                 "); using the Windows default aliases");
    if (!entry) {
      return;
    }
  }
  RawEntry raw;
  raw.dn = !entry->dn.empty() ? entry->dn : dn;
  raw.origin = connection.uri();
  builder.note("sPNMappings read from " + ldap::printable(raw.dn) + " (" +
               std::to_string(values.size()) + " values)");
  raw[Attr::spn_mappings] = std::move(values);
  raw[Attr::ds_heuristics] = entry->values("dSHeuristics");
  builder.add(raw);
}

// Reads the domain's Read-only Domain Controllers group (RID 521), whose whenCreated tells when
// the domain got AES keys (service-account-without-aes-keys): where AD creates it, with one base
// search, else among the domain's well-known groups with a subtree search. A forest scan does
// not call it: the Global Catalog holds neither whenCreated's group nor pwdLastSet.
void read_aes_group(Connection& connection, const std::string& base, int page_size,
                    DirectoryBuilder& builder);

// The one paged subtree search for SPN holders, streamed page by page into the builder.
class SpnSearch : public SearchHandler {
public:
  SpnSearch(Connection& connection, DirectoryBuilder& builder, std::string base, int page_size,
            std::string filter, std::vector<std::string> attributes)
      : m_connection(connection), m_builder(builder) {
    m_request.base = std::move(base);
    m_request.scope = Scope::subtree;
    m_request.filter = std::move(filter);
    m_request.attributes = std::move(attributes);
    m_request.page_size = page_size;
    m_request.operation = "paged search of " + quoted_base(m_request.base);
  }

  // Runs the search; a failure marks the scan incomplete with how far it got.
  void run() {
    try {
      pages();
    } catch (const DirectoryError& error) {
      std::string reason =
          std::string(error.what()) + " after " + std::to_string(m_entries) + " entries";
      m_builder.set_incomplete(reason);
      throw DirectoryError(reason);
    } catch (const InputError& error) {
      m_builder.set_incomplete(std::string(error.what()) + " after " + std::to_string(m_entries) +
                               " entries");
      throw;
    }
  }

  void entry(std::string_view dn, EntryReader& attributes) override;
  void reference(std::string_view url) override;
  void unreadable_reference(std::string_view why) override;

private:
  void pages();
  void complete_range(const std::string& type, ValueRange range, std::vector<std::string>& values);
  [[noreturn]] void range_error(const std::string& type, const std::string& what) const {
    throw DirectoryError("ranged retrieval of " + type + " for " + ldap::printable(m_entry.dn) +
                         " failed: " + what);
  }

  Connection& m_connection;
  DirectoryBuilder& m_builder;
  SearchRequest m_request;
  RawEntry m_entry; // reused for every entry
  std::uint64_t m_entries = 0;
  std::uint64_t m_page_messages = 0;
  std::set<std::string, std::less<>> m_references_seen;
};

void SpnSearch::pages() {
  for (;;) {
    m_page_messages = 0;
    // The paged-results control is not critical: a server that ignores paging still answers,
    // up to its size limit, and the sizeLimitExceeded that follows marks the scan incomplete.
    const SearchResult result = m_connection.search(m_request, *this);
    if (result.code == ldap::k_referral) {
      std::string urls;
      for (const auto& url : result.referrals) {
        urls += (urls.empty() ? "" : " ") + ldap::printable(url);
      }
      throw DirectoryError("the search base " + ldap::printable(quoted_base(m_request.base)) +
                           " is not held by " + m_connection.uri() + ": referral to " +
                           (urls.empty() ? std::string("(no URL)") : urls) +
                           "; point -H at that server or use --forest");
    }
    if (result.code != ldap::k_success) {
      throw DirectoryError(failed(m_connection, m_request.operation, result));
    }
    m_builder.page_read();
    if (!result.paged || result.cookie.empty()) {
      return; // the last page, or the server did not page: everything was sent
    }
    if (result.cookie == m_request.cookie && m_page_messages == 0) {
      throw DirectoryError(m_request.operation + " failed: the server returned the same "
                                                 "paged-results cookie without any entries");
    }
    m_request.cookie = result.cookie;
  }
}

void SpnSearch::entry(std::string_view dn, EntryReader& attributes) {
  ++m_page_messages;
  m_entry.clear();
  m_entry.origin = m_connection.uri();
  m_entry.dn.assign(dn);

  struct Ranged {
    Attr attr;
    std::string type;
    ValueRange range;
    std::vector<std::string> values;
  };
  std::vector<Ranged> ranged;
  std::array<bool, k_attr_count> plain{};

  std::string_view description;
  std::vector<std::string_view> values;
  while (attributes.next(description, values)) {
    const std::size_t semi = description.find(';');
    const std::string_view type = description.substr(0, semi);
    const std::string_view options =
        semi == std::string_view::npos ? std::string_view() : description.substr(semi + 1);
    const auto attr = attr_from_name(type);
    if (!attr) {
      continue;
    }
    if (icontains(options, "range=")) {
      const auto range = parse_range_option(options);
      if (!range) {
        range_error(std::string(type), range.error());
      }
      ranged.push_back({*attr, std::string(type), *range, {}});
      ranged.back().values.assign(values.begin(), values.end());
      continue;
    }
    plain[static_cast<std::size_t>(*attr)] = true;
    // Straight into the reused entry: no vector of its own per attribute.
    auto& target = m_entry[*attr];
    target.insert(target.end(), values.begin(), values.end());
  }
  for (auto& part : ranged) {
    if (plain[static_cast<std::size_t>(part.attr)]) {
      continue; // the whole attribute came too; the ranged copy adds nothing
    }
    complete_range(part.type, part.range, part.values);
    auto& target = m_entry[part.attr];
    std::move(part.values.begin(), part.values.end(), std::back_inserter(target));
  }
  m_builder.add(m_entry);
  ++m_entries;
}

void SpnSearch::complete_range(const std::string& type, ValueRange range,
                               std::vector<std::string>& values) {
  const auto check = [&](const ValueRange& got, std::uint64_t expected_low, std::size_t count) {
    if (got.low != expected_low) {
      range_error(type, "the server returned range=" + std::to_string(got.low) + "-" +
                            (got.last ? std::string("*") : std::to_string(got.high)) +
                            " where range=" + std::to_string(expected_low) + "-... was expected");
    }
    if (!got.last && count != got.high - got.low + 1) {
      range_error(type, "the server returned " + std::to_string(count) + " values for range=" +
                            std::to_string(got.low) + "-" + std::to_string(got.high));
    }
  };
  check(range, 0, values.size());
  while (!range.last) {
    const std::uint64_t next = range.high + 1;
    const std::string wanted = type + ";range=" + std::to_string(next) + "-*";
    const std::string operation =
        "ranged retrieval of " + wanted + " for " + ldap::printable(m_entry.dn);
    SearchResult result;
    auto entry = search_base(m_connection, m_entry.dn, {wanted}, operation, result);
    if (result.code != ldap::k_success) {
      throw DirectoryError(failed(m_connection, operation, result));
    }
    if (!entry) {
      entry.emplace(); // no entry: no ranged values, which the check below reports
    }
    bool found = false;
    for (auto& [description, more] : entry->attributes) {
      const std::string_view name(description);
      const std::size_t semi = name.find(';');
      if (semi == std::string_view::npos || !iequals(name.substr(0, semi), type)) {
        continue;
      }
      const auto got = parse_range_option(name.substr(semi + 1));
      if (!got) {
        continue;
      }
      check(*got, next, more.size());
      std::move(more.begin(), more.end(), std::back_inserter(values));
      range = *got;
      found = true;
      break;
    }
    if (!found) {
      range_error(type, "the reply to range=" + std::to_string(next) + "-* holds no ranged values");
    }
  }
}

void read_aes_group(Connection& connection, const std::string& base, int page_size,
                    DirectoryBuilder& builder) {
  const std::vector<std::string> attrs{"objectSid", "sAMAccountName", "whenCreated"};
  if (!base.empty()) {
    const std::string dn = "CN=Read-only Domain Controllers,CN=Users," + base;
    SearchResult result;
    const auto entry =
        search_base(connection, dn, attrs, "Read-only Domain Controllers search", result);
    if (result.code == ldap::k_success && entry) {
      RawEntry raw;
      raw.dn = dn;
      raw.origin = connection.uri();
      raw[Attr::object_sid] = entry->values("objectSid");
      raw[Attr::sam_account_name] = entry->values("sAMAccountName");
      raw[Attr::when_created] = entry->values("whenCreated");
      const auto rid = raw[Attr::object_sid].empty() ? Expected<std::uint32_t>(fail("no SID"))
                                                     : sid_rid(raw[Attr::object_sid].front());
      if (rid && *rid == k_rid_read_only_domain_controllers) {
        builder.note("the domain's AES date from " + ldap::printable(dn));
        builder.add(raw);
        return;
      }
    }
  }
  // Moved or renamed: it is one of the domain's critical system groups.
  const std::string groups = "(&(objectClass=group)(isCriticalSystemObject=TRUE))";
  builder.note("searching " + ldap::printable(quoted_base(base)) + " (subtree) for " + groups);
  SpnSearch(connection, builder, base, page_size, groups, attrs).run();
}

void SpnSearch::unreadable_reference(std::string_view why) {
  ++m_page_messages;
  if (m_references_seen.insert("").second) {
    m_builder.warn(ldap::printable(m_connection.uri()) +
                   ": a continuation reference could not be decoded (" + std::string(why) +
                   "): the scan may not cover the partition it points to");
  }
}

void SpnSearch::reference(std::string_view url) {
  ++m_page_messages;
  if (m_references_seen.insert(std::string(url)).second) {
    m_builder.reference(std::string(url), m_connection.uri());
  }
}

} // namespace

LdapSource::LdapSource(LdapOptions options) : m_options(std::move(options)) {
  validate(m_options);
  if (m_options.uri.empty()) {
    // Windows only (validate() asks for -H elsewhere): the domain controller Windows finds.
    m_options.uri = ldap::find_domain_controller(m_options.forest, m_found_by);
  }
  m_uri = effective_uri(m_options);
}

void LdapSource::read(DirectoryBuilder& builder) {
  if (!m_found_by.empty()) {
    builder.note("no -H: using " + m_uri + " (" + m_found_by + ")");
  }
  const auto connection = ldap::connect(m_options, m_uri, builder);

  RootDse root;
  bool root_read = false;
  try {
    root = read_root_dse(*connection);
    root_read = true;
  } catch (const DirectoryError& error) {
    if (m_options.base.empty() && !m_options.forest) {
      throw;
    }
    builder.warn(std::string(error.what()) + "; continuing with the given search base");
  }

  std::string base = m_options.base;
  if (base.empty() && !m_options.forest) {
    base = !root.default_nc.empty()        ? root.default_nc
           : !root.naming_contexts.empty() ? root.naming_contexts.front()
                                           : std::string();
    if (base.empty()) {
      throw DirectoryError("the RootDSE of " + m_uri +
                           " names no defaultNamingContext or namingContexts; give the "
                           "search base with -b");
    }
  }
  if (root_read && std::find(root.supported_controls.begin(), root.supported_controls.end(),
                             ldap::k_paged_results_oid) == root.supported_controls.end()) {
    builder.warn(m_uri + " does not list the paged-results control (" + ldap::k_paged_results_oid +
                 ") in supportedControl; the results may stop at its size limit");
  }

  if (root_read) {
    builder.note("RootDSE of " + m_uri + ": defaultNamingContext " +
                 ldap::printable(root.default_nc.empty() ? "(none)" : root.default_nc));
  }
  read_spn_mappings(*connection, root, base, builder);
  // Every attribute spnscan asks for is covered, whether or not an entry has a value; the
  // Global Catalog holds only its partial attribute set, without these (MS-ADA schema:
  // isMemberOfPartialAttributeSet is not set for them).
  std::bitset<k_attr_count> covered;
  covered.set();
  if (m_options.forest) {
    builder.set_global_catalog();
    for (const Attr attr :
         {Attr::allowed_to_delegate_to, Attr::supported_encryption_types, Attr::pwd_last_set,
          Attr::additional_dns_host_name, Attr::additional_sam_account_name}) {
      covered.reset(static_cast<std::size_t>(attr));
    }
    builder.note("the Global Catalog does not hold msDS-AllowedToDelegateTo, "
                 "msDS-SupportedEncryptionTypes, pwdLastSet, msDS-AdditionalDnsHostName or "
                 "msDS-AdditionalSamAccountName: the rules that need them cannot run");
  }
  builder.cover(covered);
  const std::string filter = search_filter(builder.wanted_accounts());
  builder.note("searching " + ldap::printable(quoted_base(base)) + " (subtree) for " +
               ldap::printable(filter) + ", " + std::to_string(m_options.page_size) +
               " entries per page");
  // Only what accounts hold: whenCreated is asked of the RID-521 group, sPNMappings and
  // dSHeuristics of the Directory Service entry, each by a search of its own.
  std::vector<std::string> attributes;
  for (std::size_t a = 0; a < k_attr_count; ++a) {
    const auto attr = static_cast<Attr>(a);
    if (attr != Attr::when_created && attr != Attr::spn_mappings && attr != Attr::ds_heuristics) {
      attributes.emplace_back(k_attr_names[a]);
    }
  }
  SpnSearch(*connection, builder, base, m_options.page_size, filter, attributes).run();
  if (!m_options.forest) {
    read_aes_group(*connection, base, m_options.page_size, builder);
  }
}

} // namespace spnscan
