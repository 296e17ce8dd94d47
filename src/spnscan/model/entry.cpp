#include "spnscan/model/entry.hpp"

#include "spnscan/model/spn.hpp"

namespace spnscan {

const std::array<std::string_view, k_attr_count> k_attr_names = {
    "objectClass",
    "sAMAccountName",
    "sAMAccountType",
    "userAccountControl",
    "objectSid",
    "adminCount",
    "dNSHostName",
    "servicePrincipalName",
    "sPNMappings",
    "msDS-AllowedToDelegateTo",
    "msDS-SupportedEncryptionTypes",
    "pwdLastSet",
    "whenCreated",
    "msDS-AdditionalDnsHostName",
    "msDS-AdditionalSamAccountName",
    "dSHeuristics",
};

std::optional<Attr> attr_from_name(std::string_view name) {
  for (std::size_t i = 0; i < k_attr_count; ++i) {
    // The length first: most names differ in it, and this runs for every attribute received.
    if (name.size() == k_attr_names[i].size() && iequals(name, k_attr_names[i])) {
      return static_cast<Attr>(i);
    }
  }
  return std::nullopt;
}

void RawEntry::clear() {
  dn.clear();
  for (auto& v : values) {
    v.clear();
  }
  spn_range.clear();
  origin.clear();
}

} // namespace spnscan
