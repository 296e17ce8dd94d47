// ICU (libicu): u_charType for format characters and the spoof checker's skeleton (TS #39
// confusables) for letters from other scripts. Why ICU: ARCHITECTURE.md, "Libraries".

#include "spnscan/util/confusables.hpp"

#include "spnscan/util/confusables_walk.hpp"
#include "spnscan/util/text.hpp"

#include <fmt/format.h>

#include <cstdint>
#include <memory>
#include <unicode/uchar.h>
#include <unicode/uspoof.h>

namespace spnscan {

namespace {

struct SpoofCloser {
  void operator()(USpoofChecker* checker) const { uspoof_close(checker); }
};
using SpoofPtr = std::unique_ptr<USpoofChecker, SpoofCloser>;

// One checker per thread: uspoof_getSkeleton is not documented as thread-safe on one object,
// and the analyzer may run rules on two threads.
USpoofChecker* checker() {
  thread_local SpoofPtr held = [] {
    UErrorCode status = U_ZERO_ERROR;
    SpoofPtr made(uspoof_open(&status));
    return U_FAILURE(status) ? SpoofPtr() : std::move(made);
  }();
  return held.get();
}

// The TS #39 skeleton of one character (UTF-8), or empty when ICU cannot give one.
std::string skeleton(std::string_view utf8) {
  USpoofChecker* sc = checker();
  if (sc == nullptr) {
    return {};
  }
  char buffer[64];
  UErrorCode status = U_ZERO_ERROR;
  const int32_t length = uspoof_getSkeletonUTF8(
      sc, 0, utf8.data(), static_cast<int32_t>(utf8.size()), buffer, sizeof buffer, &status);
  if (U_FAILURE(status) || length < 0 || static_cast<std::size_t>(length) > sizeof buffer) {
    return {};
  }
  return std::string(buffer, static_cast<std::size_t>(length));
}

std::string char_name(UChar32 c) {
  char name[128];
  UErrorCode status = U_ZERO_ERROR;
  const int32_t length = u_charName(c, U_UNICODE_CHAR_NAME, name, sizeof name, &status);
  if (U_FAILURE(status) || length <= 0 || static_cast<std::size_t>(length) >= sizeof name) {
    return fmt::format("U+{:04X}", static_cast<std::uint32_t>(c));
  }
  return fmt::format("U+{:04X} {}", static_cast<std::uint32_t>(c),
                     std::string_view(name, static_cast<std::size_t>(length)));
}

// ICU's answers for one character; the walk itself is in confusables_walk.hpp, shared with
// the table that stands in for ICU on Windows (confusables_table.hpp).
struct IcuFacts {
  detail::CharFacts of(std::uint32_t code_point, std::string_view piece) const {
    return detail::icu_char_facts(code_point, piece);
  }
  std::string name(std::uint32_t code_point) const { return detail::icu_char_name(code_point); }
};

} // namespace

namespace detail {

CharFacts icu_char_facts(std::uint32_t code_point, std::string_view utf8) {
  CharFacts facts;
  facts.hidden =
      u_charType(static_cast<UChar32>(code_point)) == U_FORMAT_CHAR || is_invisible(code_point);
  std::string looks = skeleton(utf8);
  if (all_ascii(looks)) {
    facts.skeleton = std::move(looks);
  }
  return facts;
}

std::string icu_char_name(std::uint32_t code_point) {
  return char_name(static_cast<UChar32>(code_point));
}

} // namespace detail

std::optional<Lookalike> find_lookalike(std::string_view utf8) {
  return detail::walk_lookalike(utf8, IcuFacts{});
}

} // namespace spnscan
