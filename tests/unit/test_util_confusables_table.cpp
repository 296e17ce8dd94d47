// The table that stands in for ICU on Windows (util/confusables_table.hpp) against ICU itself
// (util/confusables.cpp, the find_lookalike of this Linux build): the Windows .exe must give the
// same findings. The walk over the text is shared (confusables_walk.hpp) and looks at one
// character at a time, so agreeing on every single character means agreeing on every text.
// A failure here means the table is stale: regenerate it (scripts/gen-confusables.cpp).

#include "spnscan/util/confusables.hpp"
#include "spnscan/util/confusables_table.hpp"
#include "spnscan/util/text.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

using namespace spnscan;

namespace {

bool same(const std::optional<Lookalike>& a, const std::optional<Lookalike>& b) {
  if (!a || !b) {
    return a.has_value() == b.has_value();
  }
  return a->characters == b->characters && a->invisible == b->invisible &&
         a->confusable == b->confusable && a->reads_as == b->reads_as;
}

std::string describe(const std::optional<Lookalike>& found) {
  if (!found) {
    return "nullopt";
  }
  // Escaped: the texts hold invisible and bidi characters that would garble the report.
  std::string out = "invisible=" + std::to_string(found->invisible) +
                    " confusable=" + std::to_string(found->confusable) + " reads_as='" +
                    escape_for_terminal(found->reads_as) + "' characters=[";
  for (const auto& c : found->characters) {
    out += "'" + escape_for_terminal(c) + "' ";
  }
  return out + "]";
}

void check_same(const std::string& text) {
  const auto icu = find_lookalike(text);
  const auto table = detail::find_lookalike_in_table(text);
  INFO("text: " << escape_for_terminal(text) << "\nICU:   " << describe(icu)
                << "\ntable: " << describe(table));
  CHECK(same(icu, table));
}

} // namespace

TEST_CASE("confusables table: agrees with ICU on every code point from U+0080") {
  std::vector<std::string> differ;
  std::size_t special = 0;
  for (std::uint32_t cp = 0x80; cp <= 0x10FFFF; ++cp) {
    if (cp >= 0xD800 && cp <= 0xDFFF) {
      continue; // surrogates are not UTF-8: decode_utf8 rejects them
    }
    const std::string text = encode_utf8(cp);
    const auto icu = find_lookalike(text);
    const auto table = detail::find_lookalike_in_table(text);
    if (icu) {
      ++special;
    }
    if (!same(icu, table) && differ.size() < 20) {
      differ.push_back(
          fmt::format("U+{:04X}: ICU {} / table {}", cp, describe(icu), describe(table)));
    }
  }
  for (const auto& line : differ) {
    UNSCOPED_INFO(line);
  }
  CHECK(differ.empty());
  // Every row of the table is a character ICU treats specially, and nothing else is.
  CHECK(special == std::size(detail::k_confusable_rows));
}

TEST_CASE("confusables table: whole texts read as ICU reads them") {
  const std::vector<std::string> texts = {
      "http/w\u0435b.contoso.com",           // Cyrillic ie
      "HTTP/\u0430pp.contoso.com",           // Cyrillic a
      "MSSQLSvc/sql1.cont\u043Eso.com:1433", // Cyrillic o
      "HTTP/web01\u200B.contoso.com",        // zero width space
      "HTTP/web01\u00A0",                    // no-break space, read as a space
      "\u202Eexe.moc\u202C",                 // bidi override
      "m\u00FCnchen",                        // a real internationalized name
      "\u65E5\u672C",                        // 日本
      "HTTP/web01.contoso.com",              // pure ASCII
      "",                                    // empty
      "\u0430\u0430\u200B\u200B\u0430",      // each character named once
      "a\u29F5b",                            // reverse solidus operator reads as a backslash
      "\U0001D41A\U000E0041",                // a mathematical bold a, a tag character
      "\u0430\xFF",                          // not UTF-8 after a confusable
      "HTTP/\xD0",                           // cut short
      "\xC0\xAF",                            // overlong
      "\xED\xA0\x80",                        // a surrogate
  };
  for (const auto& text : texts) {
    check_same(text);
  }
}

TEST_CASE("confusables table: what it answers") {
  const auto cyrillic = detail::find_lookalike_in_table("http/w\u0435b.contoso.com");
  REQUIRE(cyrillic);
  CHECK(cyrillic->confusable);
  CHECK_FALSE(cyrillic->invisible);
  CHECK(cyrillic->reads_as == "http/web.contoso.com");
  CHECK(cyrillic->characters ==
        std::vector<std::string>{"U+0435 CYRILLIC SMALL LETTER IE, looks like 'e'"});

  const auto hidden = detail::find_lookalike_in_table("HTTP/web01\u200B\u00A0x");
  REQUIRE(hidden);
  CHECK(hidden->invisible);
  CHECK_FALSE(hidden->confusable);
  CHECK(hidden->reads_as == "HTTP/web01 x");
  CHECK(hidden->characters == std::vector<std::string>{"U+200B ZERO WIDTH SPACE (invisible)",
                                                       "U+00A0 NO-BREAK SPACE (invisible)"});

  CHECK_FALSE(detail::find_lookalike_in_table("m\u00FCnchen"));
  CHECK_FALSE(detail::find_lookalike_in_table("\u65E5\u672C"));
  CHECK_FALSE(detail::find_lookalike_in_table("HTTP/web01.contoso.com"));
  CHECK_FALSE(detail::find_lookalike_in_table("HTTP/w\u0435b\xFF"));
}
