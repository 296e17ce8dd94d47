#include "spnscan/error.hpp"
#include "spnscan/model/directory.hpp"
#include "test_support.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <set>
#include <string>
#include <vector>

using namespace spnscan;

namespace {

AccountView facts(std::string_view dn, std::string_view sam, std::string_view dns = {}) {
  AccountView v;
  v.dn = dn;
  v.sam_account_name = sam;
  v.dns_host_name = dns;
  return v;
}

} // namespace

TEST_CASE("Directory::account: gives back full DNs, names and flags as added") {
  Directory dir;
  AccountView web = facts("CN=WEB01,OU=Servers,DC=contoso,DC=com", "WEB01$", "web01.contoso.com");
  web.kind = AccountKind::computer;
  web.rid = 1104;
  web.disabled = true;
  dir.add_account(web, {"HOST/web01", "HOST/web01.contoso.com"});
  AccountView svc = facts("CN=Smith\\, John,OU=Servers,DC=contoso,DC=com", "jsmith");
  svc.privileged = true;
  svc.spns_truncated = true;
  dir.add_account(svc, {"HTTP/app"});
  dir.add_account(facts("DC=contoso", "odd"), {"x/y"});

  const auto a = dir.account(0);
  CHECK(std::string_view(a.dn) == "CN=WEB01,OU=Servers,DC=contoso,DC=com");
  CHECK(a.sam_account_name == "WEB01$");
  CHECK(a.dns_host_name == "web01.contoso.com");
  CHECK(a.kind == AccountKind::computer);
  CHECK(a.rid == 1104);
  CHECK(a.disabled);
  CHECK_FALSE(a.privileged);
  CHECK_FALSE(a.spns_truncated);
  CHECK(a.first_spn == 0);
  CHECK(a.spn_count == 2);

  const auto b = dir.account(1);
  CHECK(std::string(b.dn) == "CN=Smith\\, John,OU=Servers,DC=contoso,DC=com");
  CHECK(b.dns_host_name.empty());
  CHECK(b.privileged);
  CHECK(b.spns_truncated);
  CHECK(b.first_spn == 2);
  CHECK(b.spn_count == 1);

  CHECK(std::string_view(dir.account(2).dn) == "DC=contoso");
  CHECK(dir.spn(2) == "HTTP/app");
}

TEST_CASE("Directory::spn_owner: finds the holder, skipping accounts without SPNs") {
  Directory dir;
  dir.add_account(facts("CN=a,DC=c", "a"), {"s/1", "s/2"});
  dir.add_account(facts("CN=empty,DC=c", "empty"), {}); // a ranged list that came back empty
  dir.add_account(facts("CN=b,DC=c", "b"), {"s/3"});
  dir.add_account(facts("CN=c,DC=c", "c"), {"s/4", "s/5", "s/6"});
  dir.add_account(facts("CN=last-empty,DC=c", "z"), {});
  REQUIRE(dir.spn_count() == 6);
  const std::array<std::size_t, 6> owners{0, 0, 2, 3, 3, 3};
  for (std::size_t s = 0; s < owners.size(); ++s) {
    CHECK(dir.spn_owner(s) == owners[s]);
  }
  CHECK(dir.account(1).spn_count == 0);
  CHECK(dir.account(4).spn_count == 0);
  CHECK(dir.account(3).spn_count == 3);
}

TEST_CASE("Directory::spn: many accounts across chunk boundaries") {
  Directory dir;
  const std::string long_spn = "HTTP/" + std::string(300, 'h'); // a two-byte length prefix
  for (int i = 0; i < 40000; ++i) {
    const std::string n = std::to_string(i);
    const std::string dn = "CN=PC" + n + ",OU=Site" + std::to_string(i % 7) + ",DC=corp,DC=com";
    dir.add_account(
        facts(dn, "PC" + n + "$", "pc" + n + ".corp.com"),
        {"HOST/pc" + n, "HOST/pc" + n + ".corp.com", i % 1000 == 0 ? long_spn : "TERMSRV/pc" + n});
  }
  REQUIRE(dir.spn_count() == 120000);
  CHECK(dir.spn(3 * 39999 + 1) == "HOST/pc39999.corp.com");
  CHECK(dir.spn(3 * 5000 + 2) == long_spn);
  CHECK(dir.spn_owner(3 * 31234 + 2) == 31234);
  CHECK(std::string_view(dir.account(31234).dn) == "CN=PC31234,OU=Site0,DC=corp,DC=com");
  CHECK(dir.account(39999).dns_host_name == "pc39999.corp.com");
}

TEST_CASE("Directory::account: DNs stay whole past the limit of shared parents") {
  Directory dir;
  for (int i = 0; i < 70000; ++i) {
    const std::string n = std::to_string(i);
    dir.add_account(facts("CN=svc,OU=Team" + n + ",DC=c", "svc" + n), {"HTTP/svc" + n});
  }
  CHECK(std::string_view(dir.account(0).dn) == "CN=svc,OU=Team0,DC=c");
  CHECK(std::string_view(dir.account(69999).dn) == "CN=svc,OU=Team69999,DC=c");
  CHECK(dir.spn(69999) == "HTTP/svc69999");
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

TEST_CASE("parse_generalized_time and filetime_date: AD's whenCreated and pwdLastSet") {
  const auto created = parse_generalized_time("20100301120000.0Z");
  REQUIRE(created.has_value());
  CHECK(*created == 129119184000000000); // 2010-03-01 12:00 UTC as FILETIME
  CHECK(filetime_date(*created) == "2010-03-01");
  CHECK(parse_generalized_time("20100301120000Z").has_value());
  CHECK_FALSE(parse_generalized_time("20100301120000.0").has_value());  // no Z: not UTC
  CHECK_FALSE(parse_generalized_time("20101301120000.0Z").has_value()); // month 13
  CHECK_FALSE(parse_generalized_time("2010-03-01").has_value());
  CHECK(filetime_date(128541600000000000) == "2008-05-02");
}

TEST_CASE("DirectoryBuilder: what the rules beyond duplicates read") {
  Directory dir;
  DirectoryBuilder builder(dir);
  // A delegating account without SPNs is kept; the RID-521 group gives the domain's AES date.
  auto front = test::user("svc_front", {});
  front.delegate_to = {"cifs/fs1.contoso.com"};
  front.encryption_types = "24";
  front.pwd_last_set = test::filetime(2021, 6, 1);
  builder.add(test::entry(front));
  builder.add(test::entry(test::rodc_group("20100301120000.0Z")));
  RawEntry ds;
  ds.dn = "CN=Directory Service,CN=Windows NT,CN=Services,CN=Configuration,DC=contoso,DC=com";
  ds[Attr::ds_heuristics] = {"000000000100000000022"};
  builder.add(ds);
  REQUIRE(dir.account_count() == 1);
  const AccountView a = dir.account(0);
  REQUIRE(a.extra != nullptr);
  CHECK(a.spn_count == 0);
  CHECK(a.extra->delegate_to == std::vector<std::string_view>{"cifs/fs1.contoso.com"});
  CHECK(a.extra->encryption_types == 24u);
  CHECK(filetime_date(*a.extra->pwd_last_set) == "2021-06-01");
  CHECK(dir.facts().aes_since("CN=x,OU=y,DC=contoso,DC=com") == 129119184000000000);
  CHECK_FALSE(dir.facts().aes_since("CN=x,DC=fabrikam,DC=com").has_value());
  CHECK(dir.facts().directory_service_read);
  CHECK(dir.facts().ds_heuristics == "000000000100000000022");
  CHECK(dir.facts().covers(Attr::allowed_to_delegate_to));
  CHECK_FALSE(dir.facts().covers(Attr::additional_sam_account_name));
  // A bad pwdLastSet names the entry, like a bad userAccountControl.
  auto bad = test::user("svc_bad", {"HTTP/x"});
  bad.pwd_last_set = "yesterday";
  CHECK_THROWS_WITH(builder.add(test::entry(bad)),
                    Catch::Contains("'CN=svc_bad,CN=Users,DC=contoso,DC=com': pwdLastSet value "
                                    "'yesterday' is not a FILETIME"));
}
