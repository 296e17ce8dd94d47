#pragma once

#include "spnscan/util/confusables.hpp"
#include "spnscan/util/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

// Internal to util/: the walk over the text that find_lookalike does, written once for its two
// sources of character facts, ICU (confusables.cpp, Linux) and the table generated from ICU
// (confusables_table.hpp, Windows, where MinGW has no ICU). Both must give byte-identical
// findings; the loop existing once means only the per-character facts can differ, and
// tests/unit/test_util_confusables_table.cpp compares those for every code point.
namespace spnscan::detail {

inline bool all_ascii(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// What the walk needs to know about one character at or above U+0080.
struct CharFacts {
  bool hidden = false;  // a format character (Cf) or is_invisible()
  std::string skeleton; // its TS #39 skeleton when that is non-empty ASCII; empty otherwise
};

// ICU's answers (util/confusables.cpp; Linux only): what the Linux build asks, and what
// scripts/gen-confusables.cpp writes into the Windows build's table.
CharFacts icu_char_facts(std::uint32_t code_point, std::string_view utf8);
std::string icu_char_name(std::uint32_t code_point);

// Facts must provide:
//   CharFacts of(std::uint32_t code_point, std::string_view utf8_of_that_character) const;
//   std::string name(std::uint32_t code_point) const; // "U+0430 CYRILLIC SMALL LETTER A"
// name() is asked only for the characters a finding names, so the ICU side looks names up
// rarely.
template <typename Facts>
std::optional<Lookalike> walk_lookalike(std::string_view utf8, const Facts& facts) {
  if (all_ascii(utf8)) {
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
    const CharFacts facts_of = facts.of(ch.code_point, piece);
    if (facts_of.hidden) {
      out.invisible = true;
      note(facts.name(ch.code_point) + " (invisible)");
      if (facts_of.skeleton == " ") { // a no-break space and its kind read as a space
        out.reads_as += ' ';
      }
      continue;
    }
    if (!facts_of.skeleton.empty()) {
      out.confusable = true;
      note(fmt::format("{}, looks like '{}'", facts.name(ch.code_point), facts_of.skeleton));
      out.reads_as += facts_of.skeleton;
    } else {
      out.reads_as += piece;
    }
  }
  if (!out.invisible && !out.confusable) {
    return std::nullopt;
  }
  return out;
}

} // namespace spnscan::detail
