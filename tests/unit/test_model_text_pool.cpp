#include "spnscan/model/text_pool.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <string>
#include <vector>

using namespace spnscan;

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

TEST_CASE(
    "ChunkedArray: grows its first chunk, then adds full chunks; elements keep their values") {
  ChunkedArray<std::uint32_t, 6> array; // chunks of 64
  for (std::uint32_t i = 0; i < 1000; ++i) {
    array.push_back(i * 3);
  }
  REQUIRE(array.size() == 1000);
  for (std::uint32_t i = 0; i < 1000; ++i) {
    CHECK(array[i] == i * 3);
  }
  CHECK(array.back() == 999u * 3);
}
