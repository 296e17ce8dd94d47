#pragma once

#include "spnscan/analysis/hash_index.hpp"
#include "spnscan/model/directory.hpp"
#include "spnscan/model/spn.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// The indexes the rules share: SPNs by their comparison form, alias SPNs by the host/ SPN they
// map to, and machine accounts by the names they answer to. Built once per analysis.
namespace spnscan {

// FNV-1a: the hash of the indexes (stable across runs, so finding ids are too).
std::uint64_t fnv1a(std::string_view text, std::uint64_t hash = 14695981039346656037ull);

// The comparison form of an SPN: lower-case, host without its trailing dot, the port as a
// number. class_length is the length of the service class in it, so that "host" +
// key.substr(class_length) maps an alias (http/x) to its target (host/x).
struct Canonical {
  std::string key;
  std::size_t class_length = 0;
  std::optional<Spn> parsed; // empty when the value does not parse
  std::string error;         // why it does not
};
// Fills out for text, reusing its buffers.
void canonicalize(std::string_view text, Canonical& out);

// An SPN whose class is an sPNMappings alias, and the hash of the host/ key it maps to.
struct AliasProbe {
  std::uint64_t target_hash;
  std::uint32_t spn;
};

// Every SPN of a directory by canonical key. Only the first holder of a key is in the hash
// index; the other SPNs with that key hang off it (duplicates()).
class SpnIndex {
public:
  // hashes[s] is fnv1a of SPN s's canonical key (computed in the per-SPN pass).
  void build(const Directory& directory, const std::vector<std::uint64_t>& hashes);
  bool built() const { return m_built; }
  // Every SPN index with the same key as spn (itself included), ascending.
  std::vector<std::uint32_t> same_key(std::uint32_t spn) const;
  // Every SPN index whose key hashes to `hash` and equals `key`, with its duplicates.
  std::vector<std::uint32_t> with_key(std::uint64_t hash, std::string_view key) const;
  // First SPN of a key -> the other SPNs with that key, for the keys held more than once.
  const std::map<std::uint32_t, std::vector<std::uint32_t>>& duplicates() const {
    return m_duplicates;
  }

private:
  const Directory* m_dir = nullptr;
  HashIndex m_keys{0};
  std::map<std::uint32_t, std::vector<std::uint32_t>> m_duplicates;
  bool m_built = false;
};

// True when host (case and a trailing dot ignored) is one of the names the account answers to:
// dNSHostName, sAMAccountName without the '$', msDS-AdditionalDnsHostName and
// msDS-AdditionalSamAccountName (the names the validated SPN write accepts, MS-ADTS
// 3.1.1.5.3.1.1.4).
bool answers_to(const AccountView& account, std::string_view host);

// Machine accounts by the names they answer to (answers_to), lower-case.
class MachineIndex {
public:
  explicit MachineIndex(const Directory& directory);
  // The machine accounts that answer to `host` (answers_to), in account order.
  std::vector<std::size_t> named(std::string_view host) const;

private:
  const Directory& m_dir;
  HashIndex m_names{0};
};

} // namespace spnscan
