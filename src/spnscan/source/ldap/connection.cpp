#include "spnscan/source/ldap/connection.hpp"

#include "spnscan/util/text.hpp"

namespace spnscan::ldap {

std::string printable(std::string_view text) {
  while (!text.empty() && (text.back() == ' ' || text.back() == '\n' || text.back() == '\r' ||
                           text.back() == '\t')) {
    text.remove_suffix(1);
  }
  return spnscan::printable(text, std::string_view::npos);
}

std::string error_text(std::string_view prefix, std::string_view words, int code,
                       std::string_view matched, std::string_view diagnostic) {
  std::string text(prefix);
  text += ": ";
  text += words;
  text += " (" + std::to_string(code) + ")";
  const std::string matched_text = printable(matched);
  if (!matched_text.empty()) {
    text += "; matched DN: " + matched_text;
  }
  const std::string diagnostic_text = printable(diagnostic);
  if (!diagnostic_text.empty()) {
    text += "; additional info: " + diagnostic_text;
  }
  return text;
}

} // namespace spnscan::ldap
