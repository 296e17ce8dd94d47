#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

// Look-alike text (Unicode TS #39): characters a person cannot see and letters that look like
// ASCII ones. The one file that talks to ICU's spoof checker (util/confusables.cpp).
namespace spnscan {

struct Lookalike {
  // The characters that make the text a look-alike, described ("U+200B ZERO WIDTH SPACE",
  // "U+0430 CYRILLIC SMALL LETTER A, looks like 'a'"), each once, in order.
  std::vector<std::string> characters;
  bool invisible = false;  // holds a format (Cf) or other invisible character
  bool confusable = false; // holds a non-ASCII character whose TS #39 skeleton is ASCII
  // The text as it reads: invisible characters dropped, each confusable character replaced by
  // its skeleton, everything else kept. Equal to another SPN's value: a hidden duplicate.
  std::string reads_as;
};

// Nullopt for text that is plain ASCII or whose non-ASCII characters are neither invisible nor
// confusable with ASCII (a real internationalized name: "münchen" stays itself). ASCII-only
// text is never a look-alike here, so "rn" is not taken for "m" (the TS #39 skeleton would).
std::optional<Lookalike> find_lookalike(std::string_view utf8);

} // namespace spnscan
