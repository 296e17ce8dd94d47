#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

// The text helpers, in one place: ASCII case, what a person can and cannot see in a value,
// escapes for terminals and messages, and base64. Directory text is untrusted (any domain user
// can put bytes of their choosing into an SPN), and two values that print alike must never look
// alike in a report or a fix.
namespace spnscan {

// --- ASCII case (LDAP names, SPNs and DNs compare case-insensitively in ASCII) ---------------

// Lower-cases ASCII letters; other bytes unchanged.
std::string ascii_lower(std::string_view text);
bool iequals(std::string_view a, std::string_view b);
bool istarts_with(std::string_view text, std::string_view prefix);
bool icontains(std::string_view text, std::string_view needle);

// --- base64 (RFC 4648, padded; what LDIF's "::" values use) -----------------------------------

std::string base64_encode(std::string_view bytes);
// Decodes padded base64 into out (spaces and tabs after the last digit are ignored); false when
// the text is not base64 or not padded (an LDIF value cut short).
bool base64_decode(std::string_view text, std::string& out);

// --- messages ---------------------------------------------------------------------------------

// Untrusted text (a server's diagnostic, a line of an input file) fit for an error message:
// C0 controls and DEL as \xNN, cut after `max` bytes with "...".
std::string printable(std::string_view text, std::size_t max = 200);

// --- what a person can see ------------------------------------------------------------------

// One decoded UTF-8 sequence: its code point and length in bytes; length 0 means the byte at
// the position does not start a valid sequence (RFC 3629: overlong forms, surrogates and code
// points above U+10FFFF are invalid).
struct Utf8Char {
  std::uint32_t code_point = 0;
  std::size_t length = 0;
};
Utf8Char decode_utf8(std::string_view text, std::size_t pos);

// The UTF-8 bytes of a code point (not a surrogate, at most U+10FFFF).
std::string encode_utf8(std::uint32_t code_point);

// True for a code point that shows nothing or shows as a plain space while being something
// else: C0/C1 controls and DEL, Unicode format characters (category Cf: zero-width space
// U+200B, bidi marks and overrides, soft hyphen, BOM...), the invisible fillers and variation
// selectors, line/paragraph separators and spaces other than U+0020 (no-break space...).
bool is_invisible(std::uint32_t code_point);

// "U+200B ZERO WIDTH SPACE" for the characters seen in crafted values, "U+0007 (a control
// character)" or "U+E0041 (an invisible format character)" for the rest.
std::string describe_code_point(std::uint32_t code_point);

// The first character of text that a person could not see or that is not valid UTF-8, as
// describe_code_point words it ("the byte 0xFF, not valid UTF-8" for a stray byte); empty when
// every character is visible.
std::string first_invisible(std::string_view text);

// Returns text safe to print on a terminal (CWE-150): C0 controls, DEL and raw bytes that are not
// valid UTF-8 become \xNN; every other character a person could not see (is_invisible in
// model/unicode.hpp: C1 controls, bidi controls, zero-width and other format characters,
// line/paragraph separators, spaces other than U+0020) becomes \u{NNNN}; a backslash becomes
// \\ so that an escape in the output is never ambiguous. Other valid UTF-8 passes unchanged.
std::string escape_for_terminal(std::string_view text);

// escape_for_terminal, except that text needing no escape but its backslashes is returned as it
// is: what reports use for DNs, names and messages.
std::string escape_for_display(std::string_view text);

// The lines of a small hand-written file (a config file, an allow list), line N at index N-1:
// without their "\n" or "\r\n", after a leading UTF-8 byte order mark (Notepad writes one).
std::vector<std::string_view> text_lines(std::string_view text);

// escape_for_display applied line by line, keeping the line breaks (a cell of one command per
// line).
std::string escape_for_display_keeping_newlines(std::string_view text);

// A value (an SPN) as a report shows it: escape_for_display, and spaces at its start or end
// shown as \x20, so that "HTTP/web01 " and "HTTP/web01" never print alike. A value longer
// than `max` bytes is cut there (at a character boundary) and marked: "...' (20971520 bytes)".
std::string show_value(std::string_view text, std::size_t max = std::string_view::npos);

// The longest value the text and CSV reports show whole; JSON and the LDIF fix always carry
// values whole.
inline constexpr std::size_t k_shown_value_max = 1000;

// Returns text with each byte that is not part of a valid UTF-8 sequence (stray continuation
// bytes, truncated or overlong sequences, surrogates, code points above U+10FFFF) replaced by
// U+FFFD; sets replaced to true when it replaced anything and leaves it alone otherwise.
std::string to_valid_utf8(std::string_view text, bool& replaced);

} // namespace spnscan
