#include "spnscan/report/escape.hpp"

#include "spnscan/model/text.hpp"


namespace spnscan {

std::string csv_cell(std::string_view text)
{
  // Controls, bidi overrides and invalid bytes are escaped as the text report does; a cell
  // that then holds a line break got it from the writer (one command per line), not from data.
  std::string value = escape_for_display_keeping_newlines(text);
  if (!value.empty()) {
    const char first = value.front();
    if (first == '=' || first == '+' || first == '-' || first == '@' || first == '\t'
        || first == '\r') {
      value.insert(value.begin(), '\'');
    }
  }
  if (value.find_first_of(",\"\r\n") == std::string::npos) {
    return value;
  }
  std::string out;
  out.reserve(value.size() + 2);
  out += '"';
  for (const char c : value) {
    if (c == '"') {
      out += '"';
    }
    out += c;
  }
  out += '"';
  return out;
}

} // namespace spnscan
