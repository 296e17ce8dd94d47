#pragma once

#include "spnscan/model/account.hpp"
#include "spnscan/model/entry.hpp"
#include "spnscan/model/spn_mappings.hpp"
#include "spnscan/model/text_pool.hpp"

#include <bitset>
#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
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
  // Rules that could not run because the input lacks what they need: id and why.
  std::vector<std::pair<std::string, std::string>> rules_not_run;
};

// What the rules beyond duplicates know about the domain and the forest (not per account).
struct DirectoryFacts {
  // The attributes the input covers: requested by the source (the live scan's list, an
  // ldapsearch export's "# requesting:" line, a full export) or seen on some entry.
  std::bitset<k_attr_count> attributes;
  bool global_catalog = false;              // read through the Global Catalog (--forest)
  bool directory_service_read = false;      // the CN=Directory Service entry was in the input
  std::optional<std::string> ds_heuristics; // its dSHeuristics, when set
  std::string directory_service_dn;         // its DN, when read
  // When each domain got AES keys: the whenCreated of its "Read-only Domain Controllers" group
  // (RID 521), by the domain's DN (DC=contoso,DC=com), as FILETIME.
  std::vector<std::pair<std::string, std::int64_t>> aes_keys_since;
  // True when the input holds this attribute for the accounts that have it.
  bool covers(Attr attr) const { return attributes.test(static_cast<std::size_t>(attr)); }
  // The FILETIME from which the domain of `dn` has AES keys, or nullopt when not known.
  std::optional<std::int64_t> aes_since(std::string_view dn) const;
};

// userAccountControl USE_DES_KEY_ONLY (MS-ADTS 2.2.16).
inline constexpr std::uint32_t k_uac_use_des_key_only = 0x200000;

// What the rules beyond duplicates read of an account; kept only for accounts where one of
// them is set. Text views point into the Directory's pool.
struct AccountExtra {
  std::vector<std::string_view> delegate_to;     // msDS-AllowedToDelegateTo
  std::vector<std::string_view> additional_dns;  // msDS-AdditionalDnsHostName
  std::vector<std::string_view> additional_sam;  // msDS-AdditionalSamAccountName
  std::optional<std::uint32_t> encryption_types; // msDS-SupportedEncryptionTypes
  std::optional<std::int64_t> pwd_last_set;      // FILETIME (100 ns since 1601); 0: must change
  std::uint32_t user_account_control = 0;
  // True when nothing here would change a rule's mind (the UAC alone matters for DES only).
  bool empty() const {
    return delegate_to.empty() && additional_dns.empty() && additional_sam.empty() &&
           !encryption_types && !pwd_last_set &&
           (user_account_control & k_uac_use_des_key_only) == 0;
  }
};

// Seconds from 1601-01-01 (FILETIME's epoch) to 1970-01-01.
inline constexpr std::int64_t k_filetime_unix_offset_seconds = 11644473600;

// A GeneralizedTime as AD writes it (20230115103000.0Z) as FILETIME, or nullopt.
std::optional<std::int64_t> parse_generalized_time(std::string_view text);
// A FILETIME as a UTC date, "2009-03-01".
std::string filetime_date(std::int64_t filetime);

// The DN of the domain an entry lies in: from its first DC= RDN on ("DC=contoso,DC=com").
std::string_view domain_of(std::string_view dn);

// An account's DN as Directory keeps it: the first RDN and the parent DN it shares with its
// siblings, joined into the full text on first use, so the loops that never look at DNs do not
// pay for building them. Converts to std::string_view; the view lives as long as this object.
// Not safe to convert from two threads at once (the joined text is cached).
class DnText {
public:
  DnText() = default;
  DnText(std::string_view full) : m_head(full) {}
  DnText(const std::string& full) : m_head(full) {}
  DnText(std::string&&) = delete; // would leave a dangling view
  DnText(const char* full) : m_head(full) {}
  // The DN head + "," + parent.
  DnText(std::string_view head, std::string_view parent)
      : m_head(head), m_parent(parent), m_split(true) {}

  operator std::string_view() const { return view(); }
  std::string_view view() const {
    if (!m_split) {
      return m_head;
    }
    if (m_joined.empty()) {
      m_joined.reserve(m_head.size() + 1 + m_parent.size());
      m_joined.append(m_head).append(1, ',').append(m_parent);
    }
    return m_joined;
  }

private:
  std::string_view m_head;
  std::string_view m_parent;
  bool m_split = false;
  mutable std::string m_joined; // head,parent once asked for
};

// One account that holds at least one SPN, as the analyzer sees it.
struct AccountView {
  std::size_t index = 0;
  DnText dn;
  std::string_view sam_account_name;
  std::string_view dns_host_name;
  AccountKind kind = AccountKind::user;
  std::uint32_t rid = 0; // 0 when unknown
  bool privileged = false;
  bool disabled = false;
  bool spns_truncated = false;
  std::uint32_t first_spn = 0;
  std::uint32_t spn_count = 0;
  const AccountExtra* extra = nullptr; // null when none of its facts is set
};

// True when `name` names the account the way setspn takes names: its DN or sAMAccountName,
// or for a machine its sAMAccountName without the '$' (WEB01 for WEB01$); case-insensitive.
bool names_account(const AccountView& account, std::string_view name);

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
  // Index of the account holding SPN number `index` (a binary search: SPNs are stored account
  // by account, so the accounts' first SPN numbers ascend).
  std::size_t spn_owner(std::size_t index) const;

  const SpnMappings& spn_mappings() const { return m_mappings; }
  const ScanInfo& info() const { return m_info; }
  ScanInfo& info() { return m_info; }
  const DirectoryFacts& facts() const { return m_facts; }
  DirectoryFacts& facts() { return m_facts; }

  // --- filled by DirectoryBuilder ---
  // Throws InputError past 4 billion SPN values, std::length_error past 4 GiB of text.
  // facts.extra, when set and not empty, is copied (its text into the pool).
  void add_account(const AccountView& facts, const std::vector<std::string>& spns);
  void set_spn_mappings(SpnMappings mappings) { m_mappings = std::move(mappings); }

private:
  // 16 bytes an account: the names sit in the pool, the SPN count is the gap to the next
  // account's first SPN.
  struct Record {
    TextRef names; // first RDN (the whole DN when unshared), sAMAccountName, dNSHostName
    std::uint32_t first_spn = 0;
    std::uint32_t rid = 0;
    std::uint16_t parent = 0; // index in m_parents, or k_no_parent
    AccountKind kind = AccountKind::user;
    std::uint8_t flags = 0; // k_privileged | k_disabled | k_truncated
  };
  static_assert(sizeof(Record) == 16, "Record is the cost of an account: keep it packed");
  static constexpr std::uint16_t k_no_parent = 0xFFFF;
  // Past this many distinct parents a DN is kept whole: the directory is flat enough that
  // sharing pays little.
  static constexpr std::size_t k_max_parents = k_no_parent;
  static constexpr std::uint8_t k_privileged = 1;
  static constexpr std::uint8_t k_disabled = 2;
  static constexpr std::uint8_t k_truncated = 4;
  static constexpr std::uint8_t k_has_extra = 8;

  // Returns the index of parent in m_parents, adding it, or k_no_parent when full.
  std::uint16_t intern_parent(std::string_view parent);

  TextPool m_text;
  ChunkedArray<Record, 14> m_accounts;
  ChunkedArray<TextRef, 16> m_spns;
  std::vector<std::string_view> m_parents; // parent DNs, text in m_text
  std::unordered_map<std::string_view, std::uint16_t> m_parent_ids;
  SpnMappings m_mappings;
  ScanInfo m_info;
  DirectoryFacts m_facts;
  // The accounts with an AccountExtra (ascending, as added) and theirs, at stable addresses.
  std::vector<std::uint32_t> m_extra_accounts;
  std::deque<AccountExtra> m_extras;
};

// What a scan tells while it runs, for the person who started it: -v diagnostics and progress
// on a terminal (cli/progress.cpp). Never a secret: no caller passes one.
class ScanObserver {
public:
  virtual ~ScanObserver() = default;
  virtual void note(const std::string& message) = 0;
  virtual void progress(std::uint64_t entries, std::uint64_t pages) = 0;
};

// The one place where raw entries become accounts, shared by every source: classifies,
// keeps accounts that hold SPNs, picks up the directory's sPNMappings, and records a
// truncated (ranged) SPN list as a warning that makes the scan incomplete. An entry whose DN
// was already read (overlapping exports, a server that repeats an entry across pages) is
// counted once: the first one is kept and the repeat is reported in one warning.
class DirectoryBuilder {
public:
  explicit DirectoryBuilder(Directory& directory) : m_dir(directory) {}

  // Takes one entry. Throws InputError (naming entry.origin and the DN) for values that
  // cannot be understood, such as a non-numeric userAccountControl.
  void add(const RawEntry& entry);
  void warn(std::string message);
  // The attributes a source asked for (or an export says it holds): a rule that needs one of
  // them can run even when no entry has a value.
  void cover(const std::bitset<k_attr_count>& attributes) {
    m_dir.facts().attributes |= attributes;
  }
  // The source reads the Global Catalog: the rules that need more say so in those words.
  void set_global_catalog() { m_dir.facts().global_catalog = true; }
  // Marks the scan incomplete; the first reason given is kept.
  void set_incomplete(std::string reason);
  // A continuation reference a source did not follow (`where`: "file:line" or the URI).
  // finish() reports it unless what spnscan needs from there was read anyway.
  void reference(std::string url, std::string where);
  // Called once after every source: turns the references not covered into warnings and
  // reports entries read twice.
  void finish();
  // Accounts to keep even when they hold no SPN (what `check` and `list` ask about): an entry
  // that names_account() one of these is kept with its SPNs, however many. Sources may read
  // them with a search of their own (LdapSource adds them to its filter).
  void keep_accounts_named(std::vector<std::string> names) { m_wanted = std::move(names); }
  const std::vector<std::string>& wanted_accounts() const { return m_wanted; }

  // Who hears what the sources tell while they read (may stay null).
  void set_observer(ScanObserver* observer) { m_observer = observer; }
  // A diagnostic for -v ("RootDSE: defaultNamingContext DC=contoso,DC=com").
  void note(const std::string& message) {
    if (m_observer != nullptr) {
      m_observer->note(message);
    }
  }
  // A source finished a page of results (or another unit of reading).
  void page_read() {
    ++m_pages;
    if (m_observer != nullptr) {
      m_observer->progress(m_dir.info().entries_read, m_pages);
    }
  }

private:
  // True when the entry is one of the accounts asked for by keep_accounts_named().
  bool wanted(const RawEntry& entry) const;
  // Returns the index of an account already read with this DN (case-insensitive), or
  // remembers `index` under it and returns nullopt.
  std::optional<std::size_t> find_or_remember_dn(std::string_view dn, std::size_t index);

  struct Reference {
    std::string url;
    std::string where;
  };
  Directory& m_dir;
  std::vector<std::string> m_wanted;
  std::vector<Reference> m_references;
  std::unordered_set<std::string> m_reference_urls;
  std::string m_spn_mappings_dn; // DN of the sPNMappings entry read, if any
  // Open addressing over DN hashes (0 = empty slot) -> account index.
  std::vector<std::uint64_t> m_dn_hashes;
  std::vector<std::uint32_t> m_dn_accounts;
  std::size_t m_dn_count = 0;
  std::uint64_t m_repeated = 0;        // entries whose DN had been read before
  std::uint64_t m_repeated_differ = 0; // ... with other SPNs than the first
  std::string m_repeated_example;
  ScanObserver* m_observer = nullptr;
  std::uint64_t m_pages = 0;
};

// True when dn is CN=Directory Service,CN=Windows NT,CN=Services,... (case-insensitive).
bool is_directory_service_dn(std::string_view dn);

} // namespace spnscan
