#include "spnscan/model/account.hpp"

#include "spnscan/model/spn.hpp"

#include <string>

namespace spnscan {

std::string_view to_string(AccountKind kind) {
  switch (kind) {
  case AccountKind::user:
    return "user";
  case AccountKind::computer:
    return "computer";
  case AccountKind::domain_controller:
    return "domain-controller";
  case AccountKind::managed_service_account:
    return "managed-service-account";
  case AccountKind::group_managed_service_account:
    return "group-managed-service-account";
  case AccountKind::trust:
    return "trust";
  case AccountKind::krbtgt:
    return "krbtgt";
  }
  return "user";
}

bool is_machine(AccountKind kind) {
  return kind == AccountKind::computer || kind == AccountKind::domain_controller ||
         kind == AccountKind::managed_service_account ||
         kind == AccountKind::group_managed_service_account;
}

namespace {

// A binary SID: revision (1), sub-authority count, 6-byte big-endian authority, then
// count little-endian 32-bit sub-authorities.
std::uint32_t sub_authority(std::string_view bytes, std::size_t i) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data()) + 8 + 4 * i;
  return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) |
         (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}

bool has_class(const AccountFacts& facts, std::string_view name) {
  for (auto c : facts.object_classes) {
    if (iequals(c, name)) {
      return true;
    }
  }
  return false;
}

} // namespace

Expected<std::uint32_t> sid_rid(std::string_view sid_bytes) {
  if (sid_bytes.size() < 8) {
    return fail("a SID has at least 8 bytes, this one " + std::to_string(sid_bytes.size()));
  }
  if (static_cast<unsigned char>(sid_bytes[0]) != 1) {
    return fail("SID revision " + std::to_string(static_cast<unsigned char>(sid_bytes[0])) +
                " (only 1 exists)");
  }
  const auto count = static_cast<unsigned char>(sid_bytes[1]);
  if (count > 15 || sid_bytes.size() != 8 + 4 * static_cast<std::size_t>(count)) {
    return fail("a SID of " + std::to_string(count) + " sub-authorities has " +
                std::to_string(8 + 4 * static_cast<std::size_t>(count)) + " bytes, this one " +
                std::to_string(sid_bytes.size()));
  }
  if (count == 0) {
    return fail("a SID without sub-authorities has no RID");
  }
  return sub_authority(sid_bytes, count - 1u);
}

AccountKind classify(const AccountFacts& facts) {
  if (has_class(facts, "msDS-GroupManagedServiceAccount")) {
    return AccountKind::group_managed_service_account;
  }
  if (has_class(facts, "msDS-ManagedServiceAccount")) {
    return AccountKind::managed_service_account;
  }
  if (facts.rid ? *facts.rid == k_rid_krbtgt : iequals(facts.sam_account_name, "krbtgt")) {
    return AccountKind::krbtgt;
  }
  const std::uint32_t uac_flags = facts.user_account_control.value_or(0);
  if ((uac_flags & uac::k_server_trust_account) != 0 ||
      ((uac_flags & uac::k_workstation_trust_account) != 0 &&
       (uac_flags & uac::k_partial_secrets_account) != 0)) {
    return AccountKind::domain_controller;
  }
  if ((uac_flags & uac::k_interdomain_trust_account) != 0 ||
      facts.sam_account_type == sam_type::k_trust) {
    return AccountKind::trust;
  }
  if (has_class(facts, "computer") || facts.sam_account_type == sam_type::k_machine ||
      (uac_flags & uac::k_workstation_trust_account) != 0) {
    return AccountKind::computer;
  }
  return AccountKind::user;
}

} // namespace spnscan
