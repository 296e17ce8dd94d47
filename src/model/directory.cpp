#include "spnscan/model/directory.hpp"

#include "spnscan/error.hpp"
#include "spnscan/model/spn.hpp"

#include <charconv>
#include <limits>

namespace spnscan {

Directory::Directory() : m_mappings(SpnMappings::windows_default()) {}

AccountView Directory::account(std::size_t index) const {
  const Record& r = m_accounts[index];
  AccountView v;
  v.index = index;
  v.dn = m_text.view(r.dn);
  v.sam_account_name = m_text.view(r.sam);
  v.dns_host_name = m_text.view(r.dns);
  v.kind = r.kind;
  v.rid = r.rid;
  v.privileged = r.privileged;
  v.disabled = r.disabled;
  v.spns_truncated = r.truncated;
  v.first_spn = r.first_spn;
  v.spn_count = r.spn_count;
  return v;
}

void Directory::add_account(const AccountView& facts, const std::vector<std::string>& spns) {
  if (m_spns.size() + spns.size() > std::numeric_limits<std::uint32_t>::max()) {
    throw InputError("more than 4 billion SPN values: not supported");
  }
  Record r{};
  r.dn = m_text.add(facts.dn);
  r.sam = m_text.add(facts.sam_account_name);
  r.dns = m_text.add(facts.dns_host_name);
  r.first_spn = static_cast<std::uint32_t>(m_spns.size());
  r.spn_count = static_cast<std::uint32_t>(spns.size());
  r.rid = facts.rid;
  r.kind = facts.kind;
  r.privileged = facts.privileged;
  r.disabled = facts.disabled;
  r.truncated = facts.spns_truncated;
  const auto owner = static_cast<std::uint32_t>(m_accounts.size());
  for (const auto& spn : spns) {
    m_spns.push_back(m_text.add(spn));
    m_spn_owner.push_back(owner);
    m_spn_bytes += spn.size();
  }
  m_accounts.push_back(r);
}

bool is_directory_service_dn(std::string_view dn) {
  return istarts_with(dn, "CN=Directory Service,CN=Windows NT,CN=Services,");
}

namespace {

// Parses a 32-bit attribute value. AD prints userAccountControl unsigned, but some tools write
// the signed form, so both are accepted.
std::uint32_t parse_u32(const RawEntry& entry, Attr attr, const std::string& text) {
  long long value = 0;
  const auto* first = text.data();
  const auto* last = first + text.size();
  const auto [end, ec] = std::from_chars(first, last, value);
  if (text.empty() || ec != std::errc() || end != last || value < std::numeric_limits<std::int32_t>::min() ||
      value > std::numeric_limits<std::uint32_t>::max()) {
    throw InputError(entry.origin + ": entry '" + entry.dn + "': " +
                     std::string(k_attr_names[static_cast<std::size_t>(attr)]) + " value '" + text +
                     "' is not a 32-bit number");
  }
  return static_cast<std::uint32_t>(value);
}

std::optional<std::uint32_t> first_u32(const RawEntry& entry, Attr attr) {
  const auto& values = entry[attr];
  if (values.empty()) {
    return std::nullopt;
  }
  return parse_u32(entry, attr, values.front());
}

} // namespace

void DirectoryBuilder::add(const RawEntry& entry) {
  ++m_dir.info().entries_read;
  if (!entry[Attr::spn_mappings].empty() && is_directory_service_dn(entry.dn)) {
    SpnMappings mappings;
    if (auto problem = SpnMappings::parse(entry[Attr::spn_mappings], mappings)) {
      warn(entry.origin + ": " + *problem + "; using the Windows default aliases");
    } else {
      m_dir.set_spn_mappings(std::move(mappings));
      m_dir.info().spn_mappings_from_directory = true;
    }
  }
  const auto& spns = entry[Attr::service_principal_name];
  if (spns.empty() && entry.spn_range.empty()) {
    return;
  }
  AccountFacts facts;
  for (const auto& c : entry[Attr::object_class]) {
    facts.object_classes.emplace_back(c);
  }
  facts.sam_account_type = first_u32(entry, Attr::sam_account_type);
  facts.user_account_control = first_u32(entry, Attr::user_account_control);
  if (!entry[Attr::object_sid].empty()) {
    facts.rid = sid_rid(entry[Attr::object_sid].front());
    if (!facts.rid) {
      warn(entry.origin + ": entry '" + entry.dn +
           "': objectSid is not a well-formed binary SID; RID-based checks skip it");
    }
  }
  if (!entry[Attr::sam_account_name].empty()) {
    facts.sam_account_name = entry[Attr::sam_account_name].front();
  }

  AccountView view;
  view.dn = entry.dn;
  view.sam_account_name = facts.sam_account_name;
  if (!entry[Attr::dns_host_name].empty()) {
    view.dns_host_name = entry[Attr::dns_host_name].front();
  }
  view.kind = classify(facts);
  view.rid = facts.rid.value_or(0);
  const auto& admin_count = entry[Attr::admin_count];
  view.privileged = view.rid == k_rid_administrator ||
                    (!admin_count.empty() && parse_u32(entry, Attr::admin_count, admin_count.front()) == 1);
  view.disabled = (facts.user_account_control.value_or(0) & uac::k_accountdisable) != 0;
  view.spns_truncated = !entry.spn_range.empty();
  if (view.spns_truncated) {
    const std::string reason = entry.origin + ": entry '" + entry.dn +
                               "' has servicePrincipalName;" + entry.spn_range +
                               ": the input holds only part of this account's SPNs";
    warn(reason);
    set_incomplete(reason + " (export made without ranged retrieval; scan the directory live or "
                            "re-export with a tool that follows ranges)");
  }
  m_dir.add_account(view, spns);
}

void DirectoryBuilder::warn(std::string message) {
  m_dir.info().warnings.push_back(std::move(message));
}

void DirectoryBuilder::set_incomplete(std::string reason) {
  if (m_dir.info().complete) {
    m_dir.info().complete = false;
    m_dir.info().incomplete_reason = std::move(reason);
  }
}

} // namespace spnscan
