// ICU (libicu): u_charType for format characters and the spoof checker's skeleton (TS #39
// confusables) for letters from other scripts. Why ICU: ARCHITECTURE.md, "Libraries".

#include "spnscan/util/confusables.hpp"

#include "spnscan/util/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <unicode/uchar.h>
#include <unicode/uspoof.h>
#include <unicode/utf8.h>

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

bool ascii(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
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

} // namespace

std::optional<Lookalike> find_lookalike(std::string_view utf8) {
  if (ascii(utf8)) {
    return std::nullopt;
  }
  Lookalike out;
  const auto note = [&out](std::string what) {
    if (std::find(out.characters.begin(), out.characters.end(), what) == out.characters.end()) {
      out.characters.push_back(std::move(what));
    }
  };
  for (std::size_t pos = 0; pos < utf8.size();) {
    const Utf8Char ch = decode_utf8(utf8, pos);
    if (ch.length == 0) {
      return std::nullopt; // not UTF-8: other checks (malformed-spn, the writers) say so
    }
    const std::string_view piece = utf8.substr(pos, ch.length);
    pos += ch.length;
    if (ch.code_point < 0x80) {
      out.reads_as += piece;
      continue;
    }
    const auto c = static_cast<UChar32>(ch.code_point);
    if (u_charType(c) == U_FORMAT_CHAR || is_invisible(ch.code_point)) {
      out.invisible = true;
      note(char_name(c) + " (invisible)");
      const std::string looks = skeleton(piece);
      if (looks == " ") { // a no-break space and its kind read as a space
        out.reads_as += ' ';
      }
      continue;
    }
    const std::string looks = skeleton(piece);
    if (!looks.empty() && ascii(looks)) {
      out.confusable = true;
      note(fmt::format("{}, looks like '{}'", char_name(c), looks));
      out.reads_as += looks;
    } else {
      out.reads_as += piece;
    }
  }
  if (!out.invisible && !out.confusable) {
    return std::nullopt;
  }
  return out;
}

} // namespace spnscan
