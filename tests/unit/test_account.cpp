#include "spnscan/error.hpp"
#include "spnscan/model/account.hpp"
#include "spnscan/model/directory.hpp"
#include "spnscan/model/spn_mappings.hpp"
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

TEST_CASE("sid_rid and sid_to_string decode binary SIDs") {
  CHECK(sid_rid(test::sid(500)) == 500u);
  CHECK(sid_to_string(test::sid(500)) == "S-1-5-21-1004336348-1177238915-682003330-500");
  CHECK_FALSE(sid_rid(std::string("\x01\x05\x00", 3)));       // too short
  CHECK_FALSE(sid_rid(test::sid(500).substr(0, 20)));         // count does not match length
  std::string bad_revision = test::sid(500);
  bad_revision[0] = 2;
  CHECK_FALSE(sid_rid(bad_revision));
}

TEST_CASE("DirectoryBuilder: the built-in Administrator by RID 500 whatever its name") {
  Directory dir;
  auto renamed = test::user("ContosoAdm", {"HTTP/x.contoso.com"}, 500);
  test::fill(dir, {renamed, test::user("plain", {"HTTP/y.contoso.com"}, 1200)});
  REQUIRE(dir.account_count() == 2);
  CHECK(dir.account(0).privileged);
  CHECK(dir.account(0).rid == 500);
  CHECK_FALSE(dir.account(1).privileged);
}

TEST_CASE("DirectoryBuilder: adminCount=1 is privileged, 0 is not") {
  Directory dir;
  auto a = test::user("svc_a", {"HTTP/a"});
  a.admin_count = "1";
  auto b = test::user("svc_b", {"HTTP/b"});
  b.admin_count = "0";
  test::fill(dir, {a, b});
  CHECK(dir.account(0).privileged);
  CHECK_FALSE(dir.account(1).privileged);
}

TEST_CASE("DirectoryBuilder: keeps only accounts holding SPNs") {
  Directory dir;
  test::fill(dir, {test::user("nospn", {}), test::computer("WEB01", {"HOST/web01"})});
  CHECK(dir.account_count() == 1);
  CHECK(dir.info().entries_read == 2);
  CHECK(dir.account(0).sam_account_name == "WEB01$");
  CHECK(dir.spn_count() == 1);
  CHECK(dir.spn(0) == "HOST/web01");
}

TEST_CASE("DirectoryBuilder: a ranged SPN list makes the scan incomplete") {
  Directory dir;
  auto e = test::entry(test::user("big", {"HTTP/a", "HTTP/b"}));
  e.spn_range = "range=0-1499";
  e.origin = "x.ldif:7";
  DirectoryBuilder(dir).add(e);
  CHECK_FALSE(dir.info().complete);
  CHECK(dir.info().incomplete_reason.rfind(
            "x.ldif:7: entry 'CN=big,CN=Users,DC=contoso,DC=com' has servicePrincipalName;"
            "range=0-1499: the input holds only part of this account's SPNs",
            0) == 0);
  CHECK(dir.account(0).spns_truncated);
}

TEST_CASE("DirectoryBuilder: a non-numeric userAccountControl names the entry") {
  Directory dir;
  auto s = test::user("bad", {"HTTP/a"});
  s.uac = "lots";
  REQUIRE_THROWS_AS(test::fill(dir, {s}), InputError);
  try {
    test::fill(dir, {s});
  } catch (const InputError& e) {
    CHECK(std::string(e.what()) == "test:1: entry 'CN=bad,CN=Users,DC=contoso,DC=com': "
                                   "userAccountControl value 'lots' is not a 32-bit number");
  }
}

TEST_CASE("DirectoryBuilder: the directory's sPNMappings replace the default") {
  Directory dir;
  CHECK(dir.spn_mappings().target_of("HTTP") == std::string_view("host"));
  RawEntry e;
  e.dn = "CN=Directory Service,CN=Windows NT,CN=Services,CN=Configuration,DC=contoso,DC=com";
  e.origin = "test:3";
  e[Attr::spn_mappings] = {"host=cifs,custom"};
  DirectoryBuilder(dir).add(e);
  CHECK(dir.info().spn_mappings_from_directory);
  CHECK(dir.spn_mappings().target_of("custom") == std::string_view("host"));
  CHECK_FALSE(dir.spn_mappings().target_of("http"));
}

TEST_CASE("SpnMappings::parse: defaults, several values, and bad values") {
  const auto d = SpnMappings::windows_default();
  CHECK(d.alias_count() == 53);
  CHECK(d.target_of("CIFS") == std::string_view("host"));
  CHECK(d.target_of("dns") == std::string_view("host"));
  CHECK_FALSE(d.target_of("MSSQLSvc"));

  SpnMappings m;
  CHECK_FALSE(SpnMappings::parse({"host=http, cifs", "other=foo"}, m));
  CHECK(m.target_of("http") == std::string_view("host"));
  CHECK(m.target_of("FOO") == std::string_view("other"));
  CHECK(SpnMappings::parse({"hostonly"}, m) == std::string("sPNMappings value 'hostonly' has no '='"));
  CHECK(SpnMappings::parse({"=a,b"}, m) ==
        std::string("sPNMappings value '=a,b' has an empty class before '='"));
  CHECK(SpnMappings::parse({"host="}, m) ==
        std::string("sPNMappings value 'host=' lists no alias after '='"));
}

TEST_CASE("TextPool: stores short and long strings without moving them") {
  TextPool pool;
  const auto a = pool.add("HOST/web01");
  const std::string big(600000, 'x');
  const auto b = pool.add(big);
  std::vector<TextRef> many;
  for (int i = 0; i < 100000; ++i) {
    many.push_back(pool.add("SPN/" + std::to_string(i)));
  }
  CHECK(pool.view(a) == "HOST/web01");
  CHECK(pool.view(b) == big);
  CHECK(pool.view(many[99999]) == "SPN/99999");
  CHECK(pool.view(pool.add("")).empty());
}
