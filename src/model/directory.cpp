#include "spnscan/model/directory.hpp"

#include "spnscan/error.hpp"
#include "spnscan/model/spn.hpp"

#include <charconv>
#include <limits>

namespace spnscan {

Directory::Directory() : m_mappings(SpnMappings::windows_default()) {}

AccountView Directory::account(std::size_t index) const {
  const Record& r = m_accounts[index];
  std::string_view names[3];
  m_text.view_group(r.names, names);
  AccountView v;
  v.index = index;
  v.dn = r.parent == k_no_parent ? DnText(names[0]) : DnText(names[0], m_parents[r.parent]);
  v.sam_account_name = names[1];
  v.dns_host_name = names[2];
  v.kind = r.kind;
  v.rid = r.rid;
  v.privileged = (r.flags & k_privileged) != 0;
  v.disabled = (r.flags & k_disabled) != 0;
  v.spns_truncated = (r.flags & k_truncated) != 0;
  v.first_spn = r.first_spn;
  const std::size_t end =
      index + 1 < m_accounts.size() ? m_accounts[index + 1].first_spn : m_spns.size();
  v.spn_count = static_cast<std::uint32_t>(end - r.first_spn);
  return v;
}

std::size_t Directory::spn_owner(std::size_t index) const {
  // The last account whose first SPN is at or before index; accounts without SPNs share their
  // successor's first_spn and come before it, so they are never picked.
  std::size_t low = 0;
  std::size_t high = m_accounts.size();
  while (high - low > 1) {
    const std::size_t mid = low + (high - low) / 2;
    if (m_accounts[mid].first_spn <= index) {
      low = mid;
    } else {
      high = mid;
    }
  }
  return low;
}

namespace {

// Position of the first comma that is not escaped with a backslash, or npos.
std::size_t first_rdn_end(std::string_view dn) {
  for (std::size_t i = 0; i < dn.size(); ++i) {
    if (dn[i] == '\\') {
      ++i;
    } else if (dn[i] == ',') {
      return i;
    }
  }
  return std::string_view::npos;
}

} // namespace

std::uint16_t Directory::intern_parent(std::string_view parent) {
  if (const auto it = m_parent_ids.find(parent); it != m_parent_ids.end()) {
    return it->second;
  }
  if (m_parents.size() >= k_max_parents) {
    return k_no_parent;
  }
  const std::string_view kept = m_text.view(m_text.add(parent));
  const auto id = static_cast<std::uint16_t>(m_parents.size());
  m_parents.push_back(kept);
  m_parent_ids.emplace(kept, id);
  return id;
}

void Directory::add_account(const AccountView& facts, const std::vector<std::string>& spns) {
  if (m_spns.size() + spns.size() > std::numeric_limits<std::uint32_t>::max()) {
    throw InputError("more than 4 billion SPN values: not supported");
  }
  const std::string_view dn = facts.dn;
  std::string_view head = dn;
  Record r{};
  r.parent = k_no_parent;
  if (const auto comma = first_rdn_end(dn); comma != std::string_view::npos) {
    r.parent = intern_parent(dn.substr(comma + 1));
    if (r.parent != k_no_parent) {
      head = dn.substr(0, comma);
    }
  }
  r.names = m_text.add_group({head, facts.sam_account_name, facts.dns_host_name});
  r.first_spn = static_cast<std::uint32_t>(m_spns.size());
  r.rid = facts.rid;
  r.kind = facts.kind;
  r.flags = static_cast<std::uint8_t>((facts.privileged ? k_privileged : 0) |
                                      (facts.disabled ? k_disabled : 0) |
                                      (facts.spns_truncated ? k_truncated : 0));
  m_text_bytes += dn.size() + facts.sam_account_name.size() + facts.dns_host_name.size();
  for (const auto& spn : spns) {
    m_spns.push_back(m_text.add(spn));
    m_spn_bytes += spn.size();
    m_text_bytes += spn.size();
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
