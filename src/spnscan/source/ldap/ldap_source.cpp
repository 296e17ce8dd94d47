#include "spnscan/source/ldap/ldap_source.hpp"

#include "spnscan/error.hpp"
#include "spnscan/model/spn.hpp"
#include "spnscan/source/ldap/ldap_session.hpp"

#include <algorithm>
#include <array>
#include <bitset>
#include <cctype>
#include <memory>
#include <set>
#include <utility>

namespace spnscan {

namespace {

using ldap::MessagePtr;
using ldap::ResultInfo;
using ldap::Session;

// The RootDSE values spnscan looks at.
struct RootDse {
  std::string default_nc;
  std::string config_nc;
  std::vector<std::string> naming_contexts;
  std::vector<std::string> supported_controls;
};

// Returns every value of attr (binary-safe), empty when absent.
std::vector<std::string> values_of(LDAP* ld, LDAPMessage* entry, const char* attr) {
  std::vector<std::string> out;
  ldap::ValuesPtr values(ldap_get_values_len(ld, entry, attr));
  for (berval** v = values.get(); v != nullptr && *v != nullptr; ++v) {
    out.emplace_back((*v)->bv_val, (*v)->bv_len);
  }
  return out;
}

std::string first_value(LDAP* ld, LDAPMessage* entry, const char* attr) {
  auto values = values_of(ld, entry, attr);
  return values.empty() ? std::string() : std::move(values.front());
}

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

RootDse read_root_dse(Session& session) {
  const std::vector<std::string> attrs{"defaultNamingContext", "configurationNamingContext",
                                       "namingContexts", "supportedControl"};
  ResultInfo result;
  const std::string operation = "RootDSE search";
  MessagePtr chain = session.search_base("", attrs, operation, result);
  if (result.code != LDAP_SUCCESS) {
    throw DirectoryError(
        ldap::error_text(operation + " failed", result.code, result.matched, result.diagnostic));
  }
  RootDse root;
  LDAP* ld = session.get();
  LDAPMessage* entry = ldap_first_entry(ld, chain.get());
  if (entry == nullptr) {
    return root;
  }
  root.default_nc = first_value(ld, entry, "defaultNamingContext");
  root.config_nc = first_value(ld, entry, "configurationNamingContext");
  root.naming_contexts = values_of(ld, entry, "namingContexts");
  root.supported_controls = values_of(ld, entry, "supportedControl");
  return root;
}

// Hands the directory's sPNMappings to the builder, or warns that the defaults apply. A server
// that publishes no configurationNamingContext (not AD, e.g. an LDAP copy of a domain) is asked
// for CN=Configuration under the search base instead.
void read_spn_mappings(Session& session, const RootDse& root, const std::string& base,
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
  ResultInfo result;
  MessagePtr chain =
      session.search_base(dn, {"sPNMappings", "dSHeuristics"}, "Directory Service search", result);
  LDAP* ld = session.get();
  LDAPMessage* entry = ldap_first_entry(ld, chain.get());
  std::string reason;
  std::vector<std::string> values;
  if (result.code != LDAP_SUCCESS) {
    reason = std::string(ldap_err2string(result.code)) + " (" + std::to_string(result.code) + ")";
  } else if (entry == nullptr) {
    reason = "no entry returned";
  } else {
    values = values_of(ld, entry, "sPNMappings");
    if (values.empty()) {
      reason = "no sPNMappings value returned; insufficient access?";
    }
  }
  if (!reason.empty()) {
    builder.warn("sPNMappings not readable from " + ldap::printable(dn) + " (" + reason +
                 "); using the Windows default aliases");
    if (entry == nullptr) {
      return;
    }
  }
  RawEntry raw;
  ldap::LdapString returned_dn(ldap_get_dn(ld, entry));
  raw.dn = returned_dn ? std::string(returned_dn.get()) : dn;
  raw.origin = session.uri();
  builder.note("sPNMappings read from " + ldap::printable(raw.dn) + " (" +
               std::to_string(values.size()) + " values)");
  raw[Attr::spn_mappings] = std::move(values);
  raw[Attr::ds_heuristics] = values_of(ld, entry, "dSHeuristics");
  builder.add(raw);
}

class SpnSearch;

// Reads the domain's Read-only Domain Controllers group (RID 521), whose whenCreated tells when
// the domain got AES keys (service-account-without-aes-keys): where AD creates it, with one base
// search, else among the domain's well-known groups with a subtree search. A forest scan does
// not call it: the Global Catalog holds neither whenCreated's group nor pwdLastSet.
void read_aes_group(Session& session, const std::string& base, int page_size,
                    DirectoryBuilder& builder);

// The one paged subtree search for SPN holders, streamed page by page into the builder.
class SpnSearch {
public:
  SpnSearch(Session& session, DirectoryBuilder& builder, std::string base, int page_size,
            std::string filter, std::vector<std::string> attributes)
      : m_session(session), m_builder(builder), m_base(std::move(base)), m_page_size(page_size),
        m_filter(std::move(filter)), m_attributes(std::move(attributes)),
        m_operation("paged search of " + quoted_base(m_base)) {}

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

private:
  void pages();
  void handle_entry(LDAPMessage* message);
  void handle_reference(LDAPMessage* message);
  void complete_range(const std::string& type, ValueRange range, std::vector<std::string>& values);
  [[noreturn]] void range_error(const std::string& type, const std::string& what) const {
    throw DirectoryError("ranged retrieval of " + type + " for " + ldap::printable(m_entry.dn) +
                         " failed: " + what);
  }

  Session& m_session;
  DirectoryBuilder& m_builder;
  std::string m_base;
  int m_page_size;
  std::string m_filter;
  std::vector<std::string> m_attributes;
  std::string m_operation;
  RawEntry m_entry; // reused for every entry
  std::uint64_t m_entries = 0;
  std::set<std::string> m_references_seen;
};

void SpnSearch::pages() {
  LDAP* ld = m_session.get();
  std::vector<char*> attrs;
  for (auto& name : m_attributes) {
    attrs.push_back(name.data());
  }
  attrs.push_back(nullptr);

  std::string cookie;
  for (;;) {
    berval cookie_value{};
    cookie_value.bv_len = cookie.size();
    cookie_value.bv_val = cookie.data();
    LDAPControl* raw_control = nullptr;
    // Not critical: a server that ignores paging still answers, up to its size limit, and
    // the sizeLimitExceeded that follows marks the scan incomplete.
    int rc = ldap_create_page_control(ld, m_page_size, &cookie_value, 0, &raw_control);
    ldap::ControlPtr control(raw_control);
    if (rc != LDAP_SUCCESS) {
      throw DirectoryError(m_session.failure("ldap_create_page_control", rc));
    }
    LDAPControl* server_controls[] = {control.get(), nullptr};
    int msgid = 0;
    rc = ldap_search_ext(ld, m_base.c_str(), LDAP_SCOPE_SUBTREE, m_filter.c_str(), attrs.data(), 0,
                         server_controls, nullptr, nullptr, LDAP_NO_LIMIT, &msgid);
    if (rc != LDAP_SUCCESS) {
      throw DirectoryError(m_session.failure(m_operation, rc));
    }

    std::uint64_t page_messages = 0;
    ResultInfo result;
    for (bool done = false; !done;) {
      MessagePtr message = m_session.wait(msgid, false, m_operation);
      switch (ldap_msgtype(message.get())) {
      case LDAP_RES_SEARCH_ENTRY:
        handle_entry(message.get());
        ++page_messages;
        break;
      case LDAP_RES_SEARCH_REFERENCE:
        handle_reference(message.get());
        ++page_messages;
        break;
      case LDAP_RES_SEARCH_RESULT:
        result = m_session.parse_result(message.get(), m_operation);
        done = true;
        break;
      default:
        break; // intermediate responses carry nothing for us
      }
    }

    if (result.code == LDAP_REFERRAL) {
      std::string urls;
      for (const auto& url : result.referrals) {
        urls += (urls.empty() ? "" : " ") + ldap::printable(url);
      }
      throw DirectoryError("the search base " + ldap::printable(quoted_base(m_base)) +
                           " is not held by " + m_session.uri() + ": referral to " +
                           (urls.empty() ? std::string("(no URL)") : urls) +
                           "; point -H at that server or use --forest");
    }
    if (result.code != LDAP_SUCCESS) {
      throw DirectoryError(ldap::error_text(m_operation + " failed", result.code, result.matched,
                                            result.diagnostic));
    }
    LDAPControl* response =
        ldap_control_find(LDAP_CONTROL_PAGEDRESULTS, result.controls.get(), nullptr);
    if (response == nullptr) {
      m_builder.page_read();
      return; // the server did not page: a successful result means everything was sent
    }
    ber_int_t estimate = 0;
    berval next_cookie{};
    rc = ldap_parse_pageresponse_control(ld, response, &estimate, &next_cookie);
    std::string next;
    if (next_cookie.bv_val != nullptr) {
      next.assign(next_cookie.bv_val, next_cookie.bv_len);
      ber_memfree(next_cookie.bv_val);
    }
    if (rc != LDAP_SUCCESS) {
      throw DirectoryError(m_session.failure("ldap_parse_pageresponse_control", rc));
    }
    m_builder.page_read();
    if (next.empty()) {
      return;
    }
    if (next == cookie && page_messages == 0) {
      throw DirectoryError(m_operation + " failed: the server returned the same paged-results "
                                         "cookie without any entries");
    }
    cookie = std::move(next);
  }
}

void SpnSearch::handle_entry(LDAPMessage* message) {
  LDAP* ld = m_session.get();
  m_entry.clear();
  m_entry.origin = m_session.uri();
  // One pass over the entry with values pointing into the message: ldap_get_values_len would
  // rescan the entry for each attribute and copy every value (ldapsearch reads it this way too).
  BerElement* raw_ber = nullptr;
  berval dn{};
  if (ldap_get_dn_ber(ld, message, &raw_ber, &dn) != LDAP_SUCCESS || dn.bv_val == nullptr) {
    ldap::BerPtr cleanup(raw_ber);
    throw DirectoryError(m_session.failure("ldap_get_dn_ber", LDAP_DECODING_ERROR));
  }
  ldap::BerPtr ber(raw_ber);
  m_entry.dn.assign(dn.bv_val, dn.bv_len);

  struct Ranged {
    Attr attr;
    std::string type;
    ValueRange range;
    std::vector<std::string> values;
  };
  std::vector<Ranged> ranged;
  std::array<bool, k_attr_count> plain{};

  for (;;) {
    berval name{};
    BerVarray raw_values = nullptr;
    if (ldap_get_attribute_ber(ld, message, ber.get(), &name, &raw_values) != LDAP_SUCCESS) {
      ldap_memfree(raw_values);
      throw DirectoryError(m_session.failure(
          "reading the attributes of " + ldap::printable(m_entry.dn), LDAP_DECODING_ERROR));
    }
    const ldap::AttributeValuesPtr values(raw_values);
    if (name.bv_val == nullptr) {
      break;
    }
    const std::string_view description(name.bv_val, name.bv_len);
    const std::size_t semi = description.find(';');
    const std::string_view type = description.substr(0, semi);
    const std::string_view options =
        semi == std::string_view::npos ? std::string_view() : description.substr(semi + 1);
    const auto attr = attr_from_name(type);
    if (!attr) {
      continue;
    }
    const auto copy_into = [&values](std::vector<std::string>& target) {
      for (const berval* v = values.get(); v != nullptr && v->bv_val != nullptr; ++v) {
        target.emplace_back(v->bv_val, v->bv_len);
      }
    };
    if (icontains(options, "range=")) {
      const auto range = parse_range_option(options);
      if (!range) {
        range_error(std::string(type), range.error());
      }
      ranged.push_back({*attr, std::string(type), *range, {}});
      copy_into(ranged.back().values);
      continue;
    }
    plain[static_cast<std::size_t>(*attr)] = true;
    // Straight into the reused entry: no vector of its own per attribute.
    copy_into(m_entry[*attr]);
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
  LDAP* ld = m_session.get();
  while (!range.last) {
    const std::uint64_t next = range.high + 1;
    const std::string wanted = type + ";range=" + std::to_string(next) + "-*";
    const std::string operation =
        "ranged retrieval of " + wanted + " for " + ldap::printable(m_entry.dn);
    ResultInfo result;
    MessagePtr chain = m_session.search_base(m_entry.dn, {wanted}, operation, result);
    if (result.code != LDAP_SUCCESS) {
      throw DirectoryError(
          ldap::error_text(operation + " failed", result.code, result.matched, result.diagnostic));
    }
    LDAPMessage* entry = ldap_first_entry(ld, chain.get());
    bool found = false;
    BerElement* raw_ber = nullptr;
    ldap::LdapString name(entry != nullptr ? ldap_first_attribute(ld, entry, &raw_ber) : nullptr);
    ldap::BerPtr ber(raw_ber);
    for (; name && !found; name.reset(ldap_next_attribute(ld, entry, ber.get()))) {
      const std::string_view description(name.get());
      const std::size_t semi = description.find(';');
      if (semi == std::string_view::npos || !iequals(description.substr(0, semi), type)) {
        continue;
      }
      const auto got = parse_range_option(description.substr(semi + 1));
      if (!got) {
        continue;
      }
      std::vector<std::string> more = values_of(ld, entry, name.get());
      check(*got, next, more.size());
      std::move(more.begin(), more.end(), std::back_inserter(values));
      range = *got;
      found = true;
    }
    if (!found) {
      range_error(type, "the reply to range=" + std::to_string(next) + "-* holds no ranged values");
    }
  }
}

void read_aes_group(Session& session, const std::string& base, int page_size,
                    DirectoryBuilder& builder) {
  const std::vector<std::string> attrs{"objectSid", "sAMAccountName", "whenCreated"};
  if (!base.empty()) {
    const std::string dn = "CN=Read-only Domain Controllers,CN=Users," + base;
    ResultInfo result;
    MessagePtr chain =
        session.search_base(dn, attrs, "Read-only Domain Controllers search", result);
    LDAP* ld = session.get();
    LDAPMessage* entry = result.code == LDAP_SUCCESS ? ldap_first_entry(ld, chain.get()) : nullptr;
    if (entry != nullptr) {
      RawEntry raw;
      raw.dn = dn;
      raw.origin = session.uri();
      raw[Attr::object_sid] = values_of(ld, entry, "objectSid");
      raw[Attr::sam_account_name] = values_of(ld, entry, "sAMAccountName");
      raw[Attr::when_created] = values_of(ld, entry, "whenCreated");
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
  SpnSearch(session, builder, base, page_size, groups, attrs).run();
}

void SpnSearch::handle_reference(LDAPMessage* message) {
  char** raw = nullptr;
  const int rc = ldap_parse_reference(m_session.get(), message, &raw, nullptr, 0);
  ldap::StringArrayPtr urls(raw);
  if (rc != LDAP_SUCCESS) {
    throw DirectoryError(m_session.failure("ldap_parse_reference", rc));
  }
  for (char** url = raw; url != nullptr && *url != nullptr; ++url) {
    if (m_references_seen.insert(*url).second) {
      m_builder.reference(*url, m_session.uri());
    }
  }
}

} // namespace

LdapSource::LdapSource(LdapOptions options) : m_options(std::move(options)) {
  validate(m_options);
  m_uri = effective_uri(m_options);
}

void LdapSource::read(DirectoryBuilder& builder) {
  Session session(m_options, m_uri, builder);

  RootDse root;
  bool root_read = false;
  try {
    root = read_root_dse(session);
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
                             LDAP_CONTROL_PAGEDRESULTS) == root.supported_controls.end()) {
    builder.warn(m_uri + " does not list the paged-results control (" LDAP_CONTROL_PAGEDRESULTS
                         ") in supportedControl; the results may stop at its size limit");
  }

  if (root_read) {
    builder.note("RootDSE of " + m_uri + ": defaultNamingContext " +
                 ldap::printable(root.default_nc.empty() ? "(none)" : root.default_nc));
  }
  read_spn_mappings(session, root, base, builder);
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
  SpnSearch(session, builder, base, m_options.page_size, filter, attributes).run();
  if (!m_options.forest) {
    read_aes_group(session, base, m_options.page_size, builder);
  }
}

} // namespace spnscan
