#pragma once

#include "spnscan/util/confusables.hpp"
#include "spnscan/util/confusables_walk.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>

// Internal to util/: find_lookalike without ICU, from confusables_table.inc, a table of ICU's
// answers that scripts/gen-confusables.cpp writes. The Windows build uses it (MinGW has no ICU)
// through confusables_table.cpp; on Linux, tests/unit/test_util_confusables_table.cpp holds it
// against ICU for every code point. It is defined here, not in confusables_table.cpp, so that
// the test can have it beside the ICU find_lookalike of the core library: both .cpp files
// define spnscan::find_lookalike, and the build compiles exactly one of them.
namespace spnscan::detail {

struct ConfusableRow {
  std::uint32_t code_point;
  bool hidden;               // a format character (Cf) or spnscan::is_invisible()
  std::string_view name;     // "U+0430 CYRILLIC SMALL LETTER A", or "U+XXXX" when unnamed
  std::string_view skeleton; // the TS #39 skeleton when ASCII, else empty
};

inline constexpr ConfusableRow k_confusable_rows[] = {
#include "spnscan/util/confusables_table.inc"
};
static_assert(std::is_sorted(std::begin(k_confusable_rows), std::end(k_confusable_rows),
                             [](const ConfusableRow& a, const ConfusableRow& b) {
                               return a.code_point < b.code_point;
                             }),
              "confusables_table.inc must be sorted by code point (binary search)");

// The row of a code point; nullptr for one that is neither invisible nor confusable.
inline const ConfusableRow* find_confusable_row(std::uint32_t code_point) {
  const auto* it = std::lower_bound(
      std::begin(k_confusable_rows), std::end(k_confusable_rows), code_point,
      [](const ConfusableRow& row, std::uint32_t cp) { return row.code_point < cp; });
  return it != std::end(k_confusable_rows) && it->code_point == code_point ? it : nullptr;
}

// The table's answers, in the form walk_lookalike asks for them.
struct TableFacts {
  CharFacts of(std::uint32_t code_point, std::string_view /*piece*/) const {
    CharFacts facts;
    if (const ConfusableRow* row = find_confusable_row(code_point)) {
      facts.hidden = row->hidden;
      facts.skeleton = std::string(row->skeleton);
    }
    return facts;
  }
  std::string name(std::uint32_t code_point) const {
    const ConfusableRow* row = find_confusable_row(code_point);
    // Only characters with a row are named: the fallback is what ICU says of unnamed ones.
    return row != nullptr ? std::string(row->name) : fmt::format("U+{:04X}", code_point);
  }
};

inline std::optional<Lookalike> find_lookalike_in_table(std::string_view utf8) {
  return walk_lookalike(utf8, TableFacts{});
}

} // namespace spnscan::detail
