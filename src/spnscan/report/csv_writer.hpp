#pragma once

#include <string>
#include <string_view>

namespace spnscan {

// Returns one RFC 4180 CSV cell: escaped as the text report escapes (controls, bidi overrides,
// invisible characters, invalid UTF-8; escape_for_display_keeping_newlines), a leading
// = + - @ TAB or CR neutralised with a single quote (CWE-1236, formula injection), then quoted
// with doubled quotes when the cell holds a comma, quote or line break.
std::string csv_cell(std::string_view text);

} // namespace spnscan
