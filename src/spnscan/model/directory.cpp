#include "spnscan/model/directory.hpp"

#include "spnscan/error.hpp"
#include "spnscan/model/spn.hpp"
#include "spnscan/util/text.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstring>
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
  if ((r.flags & k_has_extra) != 0) {
    const auto it = std::lower_bound(m_extra_accounts.begin(), m_extra_accounts.end(),
                                     static_cast<std::uint32_t>(index));
    v.extra = &m_extras[static_cast<std::size_t>(it - m_extra_accounts.begin())];
  }
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
  for (const auto& spn : spns) {
    m_spns.push_back(m_text.add(spn));
  }
  if (facts.extra != nullptr && !facts.extra->empty()) {
    AccountExtra kept = *facts.extra;
    for (auto* list : {&kept.delegate_to, &kept.additional_dns, &kept.additional_sam}) {
      for (auto& value : *list) {
        value = m_text.view(m_text.add(value));
      }
    }
    m_extra_accounts.push_back(static_cast<std::uint32_t>(m_accounts.size()));
    m_extras.push_back(std::move(kept));
    r.flags |= k_has_extra;
  }
  m_accounts.push_back(r);
}

std::string_view domain_of(std::string_view dn) {
  for (std::size_t start = 0; start < dn.size();) {
    if (istarts_with(dn.substr(start), "DC=")) {
      return dn.substr(start);
    }
    std::size_t i = start;
    for (; i < dn.size() && dn[i] != ','; ++i) {
      if (dn[i] == '\\') {
        ++i;
      }
    }
    start = i + 1;
    while (start < dn.size() && dn[start] == ' ') {
      ++start;
    }
  }
  return {};
}

std::optional<std::int64_t> DirectoryFacts::aes_since(std::string_view dn) const {
  const std::string_view domain = domain_of(dn);
  for (const auto& [name, since] : aes_keys_since) {
    if (iequals(name, domain)) {
      return since;
    }
  }
  return std::nullopt;
}

bool names_account(const AccountView& account, std::string_view name) {
  if (iequals(account.dn, name) || iequals(account.sam_account_name, name)) {
    return true;
  }
  const std::string_view short_name = without_dollar(account.sam_account_name);
  return short_name.size() != account.sam_account_name.size() && iequals(short_name, name);
}

bool DirectoryBuilder::wanted(const RawEntry& entry) const {
  if (m_wanted.empty()) {
    return false;
  }
  AccountView view;
  view.dn = entry.dn;
  if (!entry[Attr::sam_account_name].empty()) {
    view.sam_account_name = entry[Attr::sam_account_name].front();
  }
  return std::any_of(m_wanted.begin(), m_wanted.end(),
                     [&](const std::string& name) { return names_account(view, name); });
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
  if (text.empty() || ec != std::errc() || end != last ||
      value < std::numeric_limits<std::int32_t>::min() ||
      value > std::numeric_limits<std::uint32_t>::max()) {
    throw InputError(entry.origin + ": entry '" + entry.dn +
                     "': " + std::string(k_attr_names[static_cast<std::size_t>(attr)]) +
                     " value '" + text + "' is not a 32-bit number");
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

[[noreturn]] void bad_value(const RawEntry& entry, Attr attr, const std::string& text,
                            std::string_view what) {
  throw InputError(entry.origin + ": entry '" + entry.dn +
                   "': " + std::string(k_attr_names[static_cast<std::size_t>(attr)]) + " value '" +
                   printable(text) + "' is not " + std::string(what));
}

// pwdLastSet: a FILETIME (0 = must change at next logon; AD never writes a negative one).
std::optional<std::int64_t> first_filetime(const RawEntry& entry, Attr attr) {
  const auto& values = entry[attr];
  if (values.empty()) {
    return std::nullopt;
  }
  const std::string& text = values.front();
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < 0) {
    bad_value(entry, attr, text, "a FILETIME (a number of 100 ns intervals since 1601)");
  }
  return value;
}

} // namespace

std::string filetime_date(std::int64_t filetime) {
  const std::int64_t unix_seconds = filetime / 10'000'000 - k_filetime_unix_offset_seconds;
  const std::chrono::sys_days day{std::chrono::days(
      unix_seconds >= 0 ? unix_seconds / 86400 : -((-unix_seconds + 86399) / 86400))};
  const std::chrono::year_month_day date(day);
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
  return text;
}

std::optional<std::int64_t> parse_generalized_time(std::string_view text) {
  // YYYYMMDDHHMMSS, optional fraction (.0), Z (AD writes UTC only).
  if (text.size() < 15 || text.back() != 'Z') {
    return std::nullopt;
  }
  int parts[6] = {};
  const int widths[6] = {4, 2, 2, 2, 2, 2};
  std::size_t at = 0;
  for (int i = 0; i < 6; ++i) {
    const char* first = text.data() + at;
    const auto [end, ec] = std::from_chars(first, first + widths[i], parts[i]);
    if (ec != std::errc() || end != first + widths[i]) {
      return std::nullopt;
    }
    at += static_cast<std::size_t>(widths[i]);
  }
  const std::string_view rest = text.substr(at, text.size() - at - 1);
  if (!rest.empty() && (rest.front() != '.' || rest.size() < 2 ||
                        rest.find_first_not_of("0123456789", 1) != std::string_view::npos)) {
    return std::nullopt;
  }
  const std::chrono::year_month_day date{std::chrono::year(parts[0]),
                                         std::chrono::month(static_cast<unsigned>(parts[1])),
                                         std::chrono::day(static_cast<unsigned>(parts[2]))};
  if (!date.ok() || parts[3] > 23 || parts[4] > 59 || parts[5] > 60) {
    return std::nullopt;
  }
  const std::int64_t days = std::chrono::sys_days(date).time_since_epoch().count();
  const std::int64_t unix_seconds =
      days * 86400 + std::int64_t{parts[3]} * 3600 + std::int64_t{parts[4]} * 60 + parts[5];
  return (unix_seconds + k_filetime_unix_offset_seconds) * 10'000'000;
}

void DirectoryBuilder::add(const RawEntry& entry) {
  ++m_dir.info().entries_read;
  DirectoryFacts& facts_of_dir = m_dir.facts();
  for (std::size_t a = 0; a < k_attr_count; ++a) {
    if (!entry.values[a].empty()) {
      facts_of_dir.attributes.set(a);
    }
  }
  const bool directory_service = is_directory_service_dn(entry.dn);
  if (directory_service) {
    facts_of_dir.directory_service_read = true;
    facts_of_dir.directory_service_dn = entry.dn;
    if (!entry[Attr::ds_heuristics].empty()) {
      facts_of_dir.ds_heuristics = entry[Attr::ds_heuristics].front();
    }
  }
  if (!entry[Attr::when_created].empty() && !entry[Attr::object_sid].empty()) {
    const auto rid = sid_rid(entry[Attr::object_sid].front());
    if (rid && *rid == k_rid_read_only_domain_controllers) {
      const auto created = parse_generalized_time(entry[Attr::when_created].front());
      if (!created) {
        warn(entry.origin + ": entry '" + entry.dn + "': whenCreated '" +
             printable(entry[Attr::when_created].front()) +
             "' is not a GeneralizedTime (YYYYMMDDHHMMSS.0Z); when the domain got AES keys is "
             "not known");
      } else {
        facts_of_dir.aes_keys_since.emplace_back(std::string(domain_of(entry.dn)), *created);
      }
    }
  }
  if (directory_service && !entry[Attr::spn_mappings].empty()) {
    auto mappings = SpnMappings::parse(entry[Attr::spn_mappings]);
    if (!mappings) {
      warn(entry.origin + ": " + mappings.error() + "; using the Windows default aliases");
    } else {
      m_dir.set_spn_mappings(std::move(mappings.value()));
      m_dir.info().spn_mappings_from_directory = true;
      m_spn_mappings_dn = entry.dn;
    }
  }
  const auto& spns = entry[Attr::service_principal_name];
  if (spns.empty() && entry.spn_range.empty() && entry[Attr::allowed_to_delegate_to].empty() &&
      !wanted(entry)) {
    return;
  }
  if (const auto earlier = find_or_remember_dn(entry.dn, m_dir.account_count())) {
    const auto first = m_dir.account(*earlier);
    bool same = first.spn_count == spns.size();
    for (std::size_t i = 0; same && i < spns.size(); ++i) {
      same = m_dir.spn(first.first_spn + i) == spns[i];
    }
    ++m_repeated;
    if (!same) {
      ++m_repeated_differ;
    }
    if (m_repeated_example.empty() || (!same && m_repeated_differ == 1)) {
      m_repeated_example = "'" + entry.dn + "' again at " + entry.origin;
    }
    return;
  }
  AccountFacts facts;
  for (const auto& c : entry[Attr::object_class]) {
    facts.object_classes.emplace_back(c);
  }
  facts.sam_account_type = first_u32(entry, Attr::sam_account_type);
  facts.user_account_control = first_u32(entry, Attr::user_account_control);
  if (!entry[Attr::object_sid].empty()) {
    const auto rid = sid_rid(entry[Attr::object_sid].front());
    if (rid) {
      facts.rid = *rid;
    } else {
      warn(entry.origin + ": entry '" + entry.dn +
           "': objectSid is not a well-formed binary SID (" + rid.error() +
           "); RID-based checks skip it");
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
  view.privileged =
      view.rid == k_rid_administrator ||
      (!admin_count.empty() && parse_u32(entry, Attr::admin_count, admin_count.front()) == 1);
  view.disabled = (facts.user_account_control.value_or(0) & uac::k_accountdisable) != 0;
  view.spns_truncated = !entry.spn_range.empty();
  // Kept only where a rule reads it, so that the many computers pay nothing: delegation
  // targets of any account, a machine's added names, a service user's keys and password age.
  AccountExtra extra;
  for (const auto& value : entry[Attr::allowed_to_delegate_to]) {
    extra.delegate_to.emplace_back(value);
  }
  const auto encryption_types = first_u32(entry, Attr::supported_encryption_types);
  const auto pwd_last_set = first_filetime(entry, Attr::pwd_last_set);
  if (is_machine(view.kind)) {
    for (const auto& value : entry[Attr::additional_dns_host_name]) {
      extra.additional_dns.emplace_back(value);
    }
    for (const auto& value : entry[Attr::additional_sam_account_name]) {
      extra.additional_sam.emplace_back(value);
    }
  } else if (view.kind == AccountKind::user) {
    extra.encryption_types = encryption_types;
    extra.pwd_last_set = pwd_last_set;
    extra.user_account_control = facts.user_account_control.value_or(0);
  }
  view.extra = &extra;
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

namespace {

// A hash of a DN that ignores ASCII case, 8 bytes at a time. Folding with | 0x20 also merges
// a few non-letters ('@' and '`'), which only costs a compare: equal hashes are confirmed.
std::uint64_t dn_hash(std::string_view dn) {
  std::uint64_t hash = 0x9E3779B97F4A7C15ULL ^ dn.size();
  const auto mix = [&hash](std::uint64_t word) {
    hash = (hash ^ (word | 0x2020202020202020ULL)) * 0xFF51AFD7ED558CCDULL;
    hash ^= hash >> 32;
  };
  std::size_t i = 0;
  for (; i + 8 <= dn.size(); i += 8) {
    std::uint64_t word = 0;
    std::memcpy(&word, dn.data() + i, 8);
    mix(word);
  }
  std::uint64_t tail = 0;
  std::memcpy(&tail, dn.data() + i, dn.size() - i);
  mix(tail);
  return hash == 0 ? 1 : hash;
}

// The DN of an LDAP URL ("ldap://host:389/DC=x,DC=y??sub" -> "DC=x,DC=y"), percent-decoded.
std::string url_dn(std::string_view url) {
  const std::size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) {
    return {};
  }
  const std::size_t slash = url.find('/', scheme + 3);
  if (slash == std::string_view::npos) {
    return {};
  }
  const std::string_view encoded = url.substr(slash + 1, url.find('?', slash) - slash - 1);
  std::string dn;
  for (std::size_t i = 0; i < encoded.size(); ++i) {
    unsigned value = 0;
    if (encoded[i] == '%' && i + 2 < encoded.size() &&
        std::from_chars(encoded.data() + i + 1, encoded.data() + i + 3, value, 16).ptr ==
            encoded.data() + i + 3) {
      dn += static_cast<char>(value);
      i += 2;
    } else {
      dn += encoded[i];
    }
  }
  return dn;
}

// True when dn lies under (or is) ancestor, comparing case-insensitively.
bool dn_within(std::string_view dn, std::string_view ancestor) {
  if (ancestor.empty() || dn.size() < ancestor.size() ||
      !iequals(dn.substr(dn.size() - ancestor.size()), ancestor)) {
    return false;
  }
  return dn.size() == ancestor.size() || dn[dn.size() - ancestor.size() - 1] == ',';
}

} // namespace

std::optional<std::size_t> DirectoryBuilder::find_or_remember_dn(std::string_view dn,
                                                                 std::size_t index) {
  if (4 * (m_dn_count + 1) > 3 * m_dn_hashes.size()) {
    std::vector<std::uint64_t> hashes(std::max<std::size_t>(64, 2 * m_dn_hashes.size()), 0);
    std::vector<std::uint32_t> accounts(hashes.size(), 0);
    for (std::size_t i = 0; i < m_dn_hashes.size(); ++i) {
      if (m_dn_hashes[i] != 0) {
        std::size_t at = m_dn_hashes[i] % hashes.size();
        while (hashes[at] != 0) {
          at = (at + 1) % hashes.size();
        }
        hashes[at] = m_dn_hashes[i];
        accounts[at] = m_dn_accounts[i];
      }
    }
    m_dn_hashes = std::move(hashes);
    m_dn_accounts = std::move(accounts);
  }
  const std::uint64_t hash = dn_hash(dn);
  std::size_t at = hash % m_dn_hashes.size();
  for (; m_dn_hashes[at] != 0; at = (at + 1) % m_dn_hashes.size()) {
    if (m_dn_hashes[at] == hash && iequals(m_dir.account(m_dn_accounts[at]).dn, dn)) {
      return m_dn_accounts[at];
    }
  }
  m_dn_hashes[at] = hash;
  m_dn_accounts[at] = static_cast<std::uint32_t>(index);
  ++m_dn_count;
  return std::nullopt;
}

void DirectoryBuilder::reference(std::string url, std::string where) {
  // Several searches of one source meet the same references.
  if (!m_reference_urls.insert(url).second) {
    return;
  }
  m_references.push_back({std::move(url), std::move(where)});
}

void DirectoryBuilder::finish() {
  // A reference is a gap only when spnscan needed something from there and did not get it.
  // Accounts never live in the Configuration partition (nor in the DNS application
  // partitions), so a reference to it is covered once its sPNMappings entry was read; any
  // reference is covered when another input held accounts under it.
  constexpr std::size_t k_max_checked = 64; // references compared with every account
  for (const auto& ref : m_references) {
    const std::string dn = url_dn(ref.url);
    bool covered = dn_within(m_spn_mappings_dn, dn);
    for (std::size_t a = 0;
         !covered && m_references.size() <= k_max_checked && a < m_dir.account_count(); ++a) {
      covered = dn_within(m_dir.account(a).dn, dn);
    }
    if (!covered) {
      warn(ref.where + ": continuation reference to '" + ref.url +
           "' not followed: the scan does not cover " +
           (dn.empty() ? std::string("that part of the tree") : "'" + dn + "'"));
    }
  }
  m_references.clear();
  if (m_repeated > 0) {
    warn(std::to_string(m_repeated) + (m_repeated == 1 ? " entry was" : " entries were") +
         " read more than once (the same DN in overlapping inputs, e.g. " + m_repeated_example +
         "); each account is counted once, as first read" +
         (m_repeated_differ > 0 ? "; " + std::to_string(m_repeated_differ) +
                                      " of them had other SPNs the second time: the inputs "
                                      "were made at different times"
                                : std::string()));
  }
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
