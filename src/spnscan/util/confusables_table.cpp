// find_lookalike for builds without ICU (Windows: Debian's MinGW-w64 has none). The build
// compiles either this file or confusables.cpp (ICU); the findings are byte-identical, because
// the walk is shared (confusables_walk.hpp) and the table is ICU's own answers, checked against
// ICU for every code point by tests/unit/test_util_confusables_table.cpp.

#include "spnscan/util/confusables_table.hpp"

#include "spnscan/util/confusables.hpp"

namespace spnscan {

std::optional<Lookalike> find_lookalike(std::string_view utf8) {
  return detail::find_lookalike_in_table(utf8);
}

} // namespace spnscan
