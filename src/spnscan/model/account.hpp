#pragma once

#include "spnscan/util/expected.hpp"

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace spnscan {

// What kind of security principal holds an SPN. "Machine account" means computer,
// domain-controller, managed-service-account or group-managed-service-account.
enum class AccountKind : std::uint8_t {
  user,
  computer,
  domain_controller,
  managed_service_account,
  group_managed_service_account,
  trust,
  krbtgt,
};

// Returns the report spelling: "user", "computer", "domain-controller", ...
std::string_view to_string(AccountKind kind);

// True for computer, domain-controller, managed-service-account and gMSA.
bool is_machine(AccountKind kind);

// A machine account's sAMAccountName without its trailing '$' (WEB01$ -> WEB01): the name the
// host answers to and setspn takes. Other names come back unchanged.
inline std::string_view without_dollar(std::string_view sam_account_name) {
  if (!sam_account_name.empty() && sam_account_name.back() == '$') {
    sam_account_name.remove_suffix(1);
  }
  return sam_account_name;
}

// userAccountControl flags (MS-ADTS 2.2.16).
namespace uac {
inline constexpr std::uint32_t k_accountdisable = 0x0002;
inline constexpr std::uint32_t k_normal_account = 0x0200;
inline constexpr std::uint32_t k_interdomain_trust_account = 0x0800;
inline constexpr std::uint32_t k_workstation_trust_account = 0x1000;
inline constexpr std::uint32_t k_server_trust_account = 0x2000;
inline constexpr std::uint32_t k_partial_secrets_account = 0x04000000;
} // namespace uac

// sAMAccountType values (MS-ADTS 2.2.15).
namespace sam_type {
inline constexpr std::uint32_t k_normal_user = 805306368;
inline constexpr std::uint32_t k_machine = 805306369;
inline constexpr std::uint32_t k_trust = 805306370;
} // namespace sam_type

inline constexpr std::uint32_t k_rid_administrator = 500;
inline constexpr std::uint32_t k_rid_krbtgt = 502;
// "Read-only Domain Controllers": created with the first Windows Server 2008+ DC, which is
// also when the domain's accounts start to get AES keys.
inline constexpr std::uint32_t k_rid_read_only_domain_controllers = 521;

// Returns the RID (last sub-authority) of a binary objectSid, or nullopt when the bytes are
// not a well-formed SID (revision 1, count matching the length) with a RID, saying what is wrong.
Expected<std::uint32_t> sid_rid(std::string_view sid_bytes);

// The facts the classifier looks at, already decoded from the entry.
struct AccountFacts {
  std::vector<std::string_view> object_classes;
  std::optional<std::uint32_t> sam_account_type;
  std::optional<std::uint32_t> user_account_control;
  std::optional<std::uint32_t> rid;
  std::string_view sam_account_name;
};

// Classifies an account. Order matters: gMSA and MSA are subclasses of computer and carry the
// machine sAMAccountType, so the object classes are looked at first; krbtgt is RID 502
// (or named krbtgt when no SID is known); DCs, including read-only ones, by UAC.
AccountKind classify(const AccountFacts& facts);

} // namespace spnscan
