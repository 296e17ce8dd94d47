#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace spnscan {

// The attributes spnscan reads. Sources keep only these and drop the rest early.
enum class Attr : std::uint8_t {
  object_class,
  sam_account_name,
  sam_account_type,
  user_account_control,
  object_sid,
  admin_count,
  dns_host_name,
  service_principal_name,
  spn_mappings,
  // what the rules beyond duplicates need (ad-facts.md "Beyond duplicates")
  allowed_to_delegate_to,      // msDS-AllowedToDelegateTo: constrained delegation targets
  supported_encryption_types,  // msDS-SupportedEncryptionTypes
  pwd_last_set,                // pwdLastSet (FILETIME)
  when_created,                // whenCreated (GeneralizedTime): of the RID-521 group
  additional_dns_host_name,    // msDS-AdditionalDnsHostName
  additional_sam_account_name, // msDS-AdditionalSamAccountName
  ds_heuristics,               // dSHeuristics, on the Directory Service entry
};
inline constexpr std::size_t k_attr_count = 16;

// LDAP names of the attributes, in Attr order (as AD spells them).
extern const std::array<std::string_view, k_attr_count> k_attr_names;

// Returns the Attr for an attribute description without options (case-insensitive), or nullopt.
std::optional<Attr> attr_from_name(std::string_view name);

// One directory entry as a source read it: the DN and the values of the attributes spnscan
// needs, nothing else. Both the LDIF and the LDAP source fill one and hand it to a
// DirectoryBuilder. Values are raw bytes (objectSid is binary).
struct RawEntry {
  std::string dn;
  std::array<std::vector<std::string>, k_attr_count> values;
  // Set when servicePrincipalName arrived only as a ranged option
  // (servicePrincipalName;range=0-1499): the values held are a part of the whole.
  // The text is the option as received, e.g. "range=0-1499".
  std::string spn_range;
  // Where the entry came from, for messages: "file.ldif:12" or the LDAP URI.
  std::string origin;

  std::vector<std::string>& operator[](Attr a) { return values[static_cast<std::size_t>(a)]; }
  const std::vector<std::string>& operator[](Attr a) const {
    return values[static_cast<std::size_t>(a)];
  }
  // Empties the entry but keeps the capacity, so a source can reuse one object.
  void clear();
};

} // namespace spnscan
