#include "spnscan/model/account.hpp"
#include "test_support.hpp"

#include <catch2/catch.hpp>

using namespace spnscan;

namespace {
AccountKind kind_of(std::vector<std::string_view> classes, std::optional<std::uint32_t> type,
                    std::optional<std::uint32_t> uac_value, std::optional<std::uint32_t> rid,
                    std::string_view sam = "x") {
  AccountFacts f;
  f.object_classes = std::move(classes);
  f.sam_account_type = type;
  f.user_account_control = uac_value;
  f.rid = rid;
  f.sam_account_name = sam;
  return classify(f);
}
} // namespace

TEST_CASE("classify: every account kind") {
  using K = AccountKind;
  CHECK(kind_of({"top", "user"}, 805306368, 512, 1105) == K::user);
  CHECK(kind_of({"top", "user", "computer"}, 805306369, 4096, 1106) == K::computer);
  CHECK(kind_of({"top", "user", "computer"}, 805306369, 532480, 1000) == K::domain_controller);
  // A read-only DC: workstation trust + partial secrets.
  CHECK(kind_of({"top", "user", "computer"}, 805306369, 0x1000 | 0x04000000, 1107) ==
        K::domain_controller);
  CHECK(kind_of({"top", "user", "computer", "msDS-ManagedServiceAccount"}, 805306369, 4096, 1108) ==
        K::managed_service_account);
  CHECK(kind_of({"top", "user", "computer", "msDS-GroupManagedServiceAccount"}, 805306369, 4096,
                1109) == K::group_managed_service_account);
  CHECK(kind_of({"top", "user"}, 805306370, 2080, 1110) == K::trust);
  CHECK(kind_of({"top", "user"}, 805306368, 514, 502) == K::krbtgt);
  // Without a SID, krbtgt is known by name; with one, only by RID.
  CHECK(kind_of({"top", "user"}, 805306368, 514, std::nullopt, "krbtgt") == K::krbtgt);
  CHECK(kind_of({"top", "user"}, 805306368, 514, 1200, "krbtgt") == K::user);
  // Machine by sAMAccountType alone, or by the workstation trust flag alone.
  CHECK(kind_of({"top"}, 805306369, std::nullopt, 1111) == K::computer);
  CHECK(kind_of({"top"}, std::nullopt, 4096, 1112) == K::computer);
}

TEST_CASE("is_machine: computer, DC, MSA and gMSA only") {
  CHECK(is_machine(AccountKind::computer));
  CHECK(is_machine(AccountKind::domain_controller));
  CHECK(is_machine(AccountKind::managed_service_account));
  CHECK(is_machine(AccountKind::group_managed_service_account));
  CHECK_FALSE(is_machine(AccountKind::user));
  CHECK_FALSE(is_machine(AccountKind::trust));
  CHECK_FALSE(is_machine(AccountKind::krbtgt));
}

TEST_CASE("sid_rid: the RID of a binary SID, or what is wrong with it") {
  CHECK(sid_rid(test::sid(500)).value() == 500u);
  CHECK(sid_rid(std::string("\x01\x05\x00", 3)).error() ==
        "a SID has at least 8 bytes, this one 3");
  CHECK(sid_rid(test::sid(500).substr(0, 20)).error() ==
        "a SID of 5 sub-authorities has 28 bytes, this one 20");
  std::string bad_revision = test::sid(500);
  bad_revision[0] = 2;
  CHECK(sid_rid(bad_revision).error() == "SID revision 2 (only 1 exists)");
  CHECK(sid_rid(std::string("\x01\x00\x00\x00\x00\x00\x00\x05", 8)).error() ==
        "a SID without sub-authorities has no RID");
}
