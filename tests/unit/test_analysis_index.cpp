#include "spnscan/analysis/hash_index.hpp"
#include "spnscan/analysis/index.hpp"
#include "spnscan/model/directory.hpp"
#include "test_support.hpp"

#include <catch2/catch.hpp>

using namespace spnscan;
using namespace spnscan::test;

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

TEST_CASE("canonicalize: the comparison form, and why a value does not parse") {
  Canonical c;
  canonicalize("HTTP/App.Contoso.COM.:0443/svc", c);
  CHECK(c.key == "http/app.contoso.com:443/svc");
  CHECK(c.class_length == 4);
  REQUIRE(c.parsed);
  canonicalize("HTTP", c);
  CHECK_FALSE(c.parsed);
  CHECK(c.key == "http");
  CHECK(c.error == "no '/' between service class and host");
}

TEST_CASE("SpnIndex: every value of a key, and the duplicates") {
  Directory dir;
  fill(dir, {user("a", {"HTTP/x", "HTTP/y"}), user("b", {"http/X."}), user("c", {"HTTP/z"})});
  std::vector<std::uint64_t> hashes;
  Canonical c;
  for (std::size_t s = 0; s < dir.spn_count(); ++s) {
    canonicalize(dir.spn(s), c);
    hashes.push_back(fnv1a(c.key));
  }
  SpnIndex index;
  index.build(dir, hashes);
  CHECK(index.same_key(0) == std::vector<std::uint32_t>{0, 2});
  CHECK(index.same_key(1) == std::vector<std::uint32_t>{1});
  REQUIRE(index.duplicates().size() == 1);
  CHECK(index.duplicates().begin()->first == 0u);
}

TEST_CASE("MachineIndex: machines by DNS name and by short name, case and trailing dot ignored") {
  Directory dir;
  fill(dir, {computer("WEB01", {"HOST/web01"}), user("web01", {"HTTP/x"})});
  const MachineIndex machines(dir);
  CHECK(machines.named("WEB01.contoso.com.") == std::vector<std::size_t>{0});
  CHECK(machines.named("web01") == std::vector<std::size_t>{0});
  CHECK(machines.named("web02").empty());
}
