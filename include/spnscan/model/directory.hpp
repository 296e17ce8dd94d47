#pragma once

#include "spnscan/model/account.hpp"
#include "spnscan/model/entry.hpp"
#include "spnscan/model/spn_mappings.hpp"
#include "spnscan/model/text_pool.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace spnscan {

// What the report says about the scan itself.
struct ScanInfo {
  std::vector<std::string> sources; // file names or LDAP URIs
  bool complete = true;
  std::string incomplete_reason; // set with complete = false
  std::vector<std::string> warnings;
  std::chrono::system_clock::time_point started_at{};
  std::int64_t duration_ms = 0;
  std::uint64_t entries_read = 0; // every entry a source handed over
  bool spn_mappings_from_directory = false;
};

// One account that holds at least one SPN, as the analyzer sees it.
struct AccountView {
  std::size_t index = 0;
  std::string_view dn;
  std::string_view sam_account_name;
  std::string_view dns_host_name;
  AccountKind kind = AccountKind::user;
  std::uint32_t rid = 0; // 0 when unknown
  bool privileged = false;
  bool disabled = false;
  bool spns_truncated = false;
  std::uint32_t first_spn = 0;
  std::uint32_t spn_count = 0;
};

// Everything a scan read: the accounts holding SPNs, their SPN values, the sPNMappings in
// force, and the scan's own facts. Memory follows the accounts that hold SPNs: entries
// without SPNs are looked at and dropped.
class Directory {
public:
  Directory();

  std::size_t account_count() const { return m_accounts.size(); }
  AccountView account(std::size_t index) const;
  std::size_t spn_count() const { return m_spns.size(); }
  std::string_view spn(std::size_t index) const { return m_text.view(m_spns[index]); }
  // Index of the account holding SPN number `index`.
  std::size_t spn_owner(std::size_t index) const { return m_spn_owner[index]; }
  // Bytes of text held (DNs, names and SPN values) and of SPN values alone.
  std::uint64_t text_bytes() const { return m_text.bytes(); }
  std::uint64_t spn_text_bytes() const { return m_spn_bytes; }

  const SpnMappings& spn_mappings() const { return m_mappings; }
  const ScanInfo& info() const { return m_info; }
  ScanInfo& info() { return m_info; }

  // --- filled by DirectoryBuilder ---
  void add_account(const AccountView& facts, const std::vector<std::string>& spns);
  void set_spn_mappings(SpnMappings mappings) { m_mappings = std::move(mappings); }

private:
  struct Record {
    TextRef dn, sam, dns;
    std::uint32_t first_spn, spn_count, rid;
    AccountKind kind;
    bool privileged, disabled, truncated;
  };
  TextPool m_text;
  std::deque<Record> m_accounts;
  std::deque<TextRef> m_spns;
  std::deque<std::uint32_t> m_spn_owner;
  std::uint64_t m_spn_bytes = 0;
  SpnMappings m_mappings;
  ScanInfo m_info;
};

// The one place where raw entries become accounts, shared by every source: classifies,
// keeps accounts that hold SPNs, picks up the directory's sPNMappings, and records a
// truncated (ranged) SPN list as a warning that makes the scan incomplete.
class DirectoryBuilder {
public:
  explicit DirectoryBuilder(Directory& directory) : m_dir(directory) {}

  // Takes one entry. Throws InputError (naming entry.origin and the DN) for values that
  // cannot be understood, such as a non-numeric userAccountControl.
  void add(const RawEntry& entry);
  void warn(std::string message);
  // Marks the scan incomplete; the first reason given is kept.
  void set_incomplete(std::string reason);

private:
  Directory& m_dir;
};

// True when dn is CN=Directory Service,CN=Windows NT,CN=Services,... (case-insensitive).
bool is_directory_service_dn(std::string_view dn);

} // namespace spnscan
