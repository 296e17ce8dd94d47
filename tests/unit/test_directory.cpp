#include "../../src/analysis/hash_index.hpp"
#include "spnscan/model/directory.hpp"
#include "spnscan/model/text_pool.hpp"

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
  CHECK(dir.text_bytes() == 37 + 6 + 17 + 10 + 22 + 44 + 6 + 8 + 10 + 3 + 3);
  CHECK(dir.spn_text_bytes() == 10 + 22 + 8 + 3);
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
    dir.add_account(facts(dn, "PC" + n + "$", "pc" + n + ".corp.com"),
                    {"HOST/pc" + n, "HOST/pc" + n + ".corp.com",
                     i % 1000 == 0 ? long_spn : "TERMSRV/pc" + n});
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

TEST_CASE("TextPool::add_group: strings stored together read back in order") {
  TextPool pool;
  const std::string big(200, 'b');
  const auto ref = pool.add_group({"CN=x", "", big});
  std::array<std::string_view, 3> out;
  pool.view_group(ref, out);
  CHECK(out[0] == "CN=x");
  CHECK(out[1].empty());
  CHECK(out[2] == big);
  CHECK(pool.view(ref) == "CN=x");
  CHECK(pool.bytes() == 204);
}

TEST_CASE("HashIndex: capacity need not be a power of two, and it refuses to overfill") {
  HashIndex index(100); // 134 slots
  for (std::uint32_t v = 0; v < 133; ++v) {
    index.insert(static_cast<std::uint64_t>(v % 10) * 0x9E3779B97F4A7C15ull, v);
  }
  std::set<std::uint32_t> seen;
  index.for_each(3 * 0x9E3779B97F4A7C15ull, [&](std::uint32_t v) { seen.insert(v); });
  CHECK(seen.size() == 13);
  CHECK(seen.count(3) == 1);
  CHECK(seen.count(123) == 1);
  CHECK_THROWS_WITH(index.insert(1, 999), "HashIndex is full");
}
