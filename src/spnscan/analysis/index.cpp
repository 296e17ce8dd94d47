#include "spnscan/analysis/index.hpp"

#include "spnscan/util/text.hpp"

#include <algorithm>

namespace spnscan {

namespace {

std::string host_key(std::string_view host) {
  return ascii_lower(without_trailing_dot(host));
}
std::string short_key(std::string_view sam) {
  return ascii_lower(without_dollar(sam));
}

} // namespace

bool answers_to(const AccountView& account, std::string_view host) {
  // No lower-cased copies: this runs for every SPN of every machine.
  host = without_trailing_dot(host);
  if (host.empty()) {
    return false;
  }
  if (iequals(without_trailing_dot(account.dns_host_name), host) ||
      iequals(without_dollar(account.sam_account_name), host)) {
    return true;
  }
  if (account.extra != nullptr) {
    for (const auto name : account.extra->additional_dns) {
      if (iequals(without_trailing_dot(name), host)) {
        return true;
      }
    }
    for (const auto name : account.extra->additional_sam) {
      if (iequals(without_dollar(name), host)) {
        return true;
      }
    }
  }
  return false;
}

std::uint64_t fnv1a(std::string_view text, std::uint64_t hash) {
  for (const char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ull;
  }
  return hash;
}

void canonicalize(std::string_view text, Canonical& out) {
  out.key.clear();
  auto result = parse_spn(text);
  if (result) {
    out.parsed = *result;
    out.error.clear();
    append_spn_key(*result, out.key);
    out.class_length = result->service_class.size();
  } else {
    out.parsed.reset();
    out.error = result.error();
    out.key = ascii_lower(text);
    out.class_length = 0;
  }
}

void SpnIndex::build(const Directory& directory, const std::vector<std::uint64_t>& hashes) {
  m_dir = &directory;
  m_keys = HashIndex(hashes.size());
  Canonical mine;
  Canonical other;
  for (std::size_t s = 0; s < hashes.size(); ++s) {
    const auto index = static_cast<std::uint32_t>(s);
    // Equal tags are rare apart from true duplicates, so keys are computed only then.
    std::optional<std::uint32_t> first;
    bool have_key = false;
    m_keys.for_each(hashes[s], [&](std::uint32_t candidate) {
      if (first) {
        return;
      }
      if (!have_key) {
        canonicalize(directory.spn(index), mine);
        have_key = true;
      }
      canonicalize(directory.spn(candidate), other);
      if (other.key == mine.key) {
        first = candidate;
      }
    });
    if (first) {
      m_duplicates[*first].push_back(index);
    } else {
      m_keys.insert(hashes[s], index);
    }
  }
  m_built = true;
}

std::vector<std::uint32_t> SpnIndex::with_key(std::uint64_t hash, std::string_view key) const {
  std::vector<std::uint32_t> out;
  if (!m_built) {
    return out;
  }
  Canonical candidate_key;
  m_keys.for_each(hash, [&](std::uint32_t candidate) {
    canonicalize(m_dir->spn(candidate), candidate_key);
    if (candidate_key.key == key) {
      out.push_back(candidate);
      if (const auto dup = m_duplicates.find(candidate); dup != m_duplicates.end()) {
        out.insert(out.end(), dup->second.begin(), dup->second.end());
      }
    }
  });
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::uint32_t> SpnIndex::same_key(std::uint32_t spn) const {
  if (!m_built) {
    return {spn};
  }
  Canonical mine;
  canonicalize(m_dir->spn(spn), mine);
  auto out = with_key(fnv1a(mine.key), mine.key);
  return out.empty() ? std::vector<std::uint32_t>{spn} : out;
}

MachineIndex::MachineIndex(const Directory& directory) : m_dir(directory) {
  // A DNS name and a short name each, and the names added with netdom computername /add.
  std::vector<std::uint32_t> machines;
  std::size_t names = 0;
  for (std::size_t i = 0; i < directory.account_count(); ++i) {
    const auto a = directory.account(i);
    if (is_machine(a.kind)) {
      machines.push_back(static_cast<std::uint32_t>(i));
      names +=
          2 + (a.extra != nullptr ? a.extra->additional_dns.size() + a.extra->additional_sam.size()
                                  : 0);
    }
  }
  m_names = HashIndex(names);
  for (const auto index : machines) {
    const auto a = directory.account(index);
    if (!a.dns_host_name.empty()) {
      m_names.insert(fnv1a(host_key(a.dns_host_name)), index);
    }
    if (!a.sam_account_name.empty()) {
      m_names.insert(fnv1a(short_key(a.sam_account_name)), index);
    }
    if (a.extra != nullptr) {
      for (const auto name : a.extra->additional_dns) {
        m_names.insert(fnv1a(host_key(name)), index);
      }
      for (const auto name : a.extra->additional_sam) {
        m_names.insert(fnv1a(short_key(name)), index);
      }
    }
  }
}

std::vector<std::size_t> MachineIndex::named(std::string_view host) const {
  const std::string key = host_key(host);
  std::vector<std::size_t> out;
  m_names.for_each(fnv1a(key), [&](std::uint32_t index) {
    const auto a = m_dir.account(index);
    if (answers_to(a, key) && std::find(out.begin(), out.end(), index) == out.end()) {
      out.push_back(index);
    }
  });
  std::sort(out.begin(), out.end());
  return out;
}

} // namespace spnscan
