#pragma once

#include <string>
#include <string_view>

// Making untrusted directory text safe to show: any domain user can put bytes of their choosing
// into an SPN (MachineAccountQuota), and the reports are read on terminals, by JSON parsers and
// in spreadsheets.
namespace spnscan {

// Returns text safe to print on a terminal (CWE-150): C0 controls, DEL and raw bytes that are not
// valid UTF-8 become \xNN; C1 controls (U+0080-U+009F), bidi controls (U+061C, U+200E, U+200F,
// U+202A-U+202E, U+2066-U+2069) and line/paragraph separators (U+2028, U+2029) become
// \u{NNNN}; a backslash becomes \\ so that an escape in the output is never ambiguous.
// Other valid UTF-8 passes through unchanged.
std::string escape_for_terminal(std::string_view text);

// Returns text with each byte that is not part of a valid UTF-8 sequence (stray continuation
// bytes, truncated or overlong sequences, surrogates, code points above U+10FFFF) replaced by
// U+FFFD; sets replaced to true when it replaced anything and leaves it alone otherwise.
std::string to_valid_utf8(std::string_view text, bool& replaced);

// Returns one RFC 4180 CSV cell: invalid UTF-8 replaced by U+FFFD, a leading = + - @ TAB or CR
// neutralised with a single quote (CWE-1236, formula injection), then quoted with doubled
// quotes when the cell holds a comma, quote, CR or LF.
std::string csv_cell(std::string_view text);

} // namespace spnscan
