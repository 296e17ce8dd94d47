#pragma once

#include <cstddef>
#include <string_view>

// The byte-level scanning of the LDIF reader: the hot paths, kept apart from the record logic.
// The 16-byte (SSE2) scans may read past the end of the text they are given: the reader keeps
// k_scan_pad readable bytes after its buffer's text.
namespace spnscan::ldif {

inline constexpr std::size_t k_scan_pad = 64;

// Codes for the attribute names the parser acts on: 0..k_attr_count-1 are Attr values.
inline constexpr int k_other = -1;
inline constexpr int k_dn = 100;
inline constexpr int k_changetype = 101;
inline constexpr int k_search = 102;
inline constexpr int k_result = 103;
inline constexpr int k_ref = 104;
inline constexpr int k_version = 105;

// The code of an attribute name without options (case-insensitive), or k_other.
int lookup(std::string_view base);

// True when s equals `lower` ignoring ASCII case; `lower` holds only lowercase letters, digits,
// '-', '.' and '=' (for which (c | 0x20) == l is exact).
bool equals_lower(std::string_view s, std::string_view lower);
bool starts_with_nocase(std::string_view s, std::string_view lower);

// Returns the first '\n' in [p, end), or nullptr. May read up to k_scan_pad bytes past end.
const char* find_newline(const char* p, const char* end);

// Returns the index of the first byte of p[0, window) that cannot be in an attribute
// description ([A-Za-z0-9-.;=*]; '*' for range=1500-*), or window; `semi` gets the first ';'
// before it, or npos. May read up to 15 bytes past window.
std::size_t scan_name(const char* p, std::size_t window, std::size_t& semi);

} // namespace spnscan::ldif
