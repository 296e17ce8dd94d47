#include "spnscan/report/escape.hpp"

#include <cstddef>
#include <cstdint>

namespace spnscan {

namespace {

// One decoded UTF-8 sequence: its code point and length in bytes; length 0 means the byte at
// the position does not start a valid sequence.
struct Utf8Char {
  std::uint32_t code_point = 0;
  std::size_t length = 0;
};

bool is_continuation(unsigned char byte, unsigned char low = 0x80, unsigned char high = 0xBF)
{
  return byte >= low && byte <= high;
}

// Decodes the sequence at pos by the table of RFC 3629 section 4, so overlong forms,
// surrogates and code points above U+10FFFF count as invalid.
Utf8Char decode_utf8(std::string_view text, std::size_t pos)
{
  const auto byte_at = [&](std::size_t i) { return static_cast<unsigned char>(text[pos + i]); };
  const std::size_t left = text.size() - pos;
  const unsigned char lead = byte_at(0);
  if (lead < 0x80) {
    return {lead, 1};
  }
  std::size_t length = 0;
  unsigned char low = 0x80;
  unsigned char high = 0xBF;
  std::uint32_t code_point = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    code_point = lead & 0x1Fu;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    code_point = lead & 0x0Fu;
    low = lead == 0xE0 ? 0xA0 : 0x80;
    high = lead == 0xED ? 0x9F : 0xBF;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    code_point = lead & 0x07u;
    low = lead == 0xF0 ? 0x90 : 0x80;
    high = lead == 0xF4 ? 0x8F : 0xBF;
  } else {
    return {};
  }
  if (left < length || !is_continuation(byte_at(1), low, high)) {
    return {};
  }
  code_point = (code_point << 6) | (byte_at(1) & 0x3Fu);
  for (std::size_t i = 2; i < length; ++i) {
    if (!is_continuation(byte_at(i))) {
      return {};
    }
    code_point = (code_point << 6) | (byte_at(i) & 0x3Fu);
  }
  return {code_point, length};
}

constexpr char k_hex_digits[] = "0123456789ABCDEF";

void append_byte_escape(std::string& out, unsigned char byte)
{
  out += "\\x";
  out += k_hex_digits[byte >> 4];
  out += k_hex_digits[byte & 0x0F];
}

void append_code_point_escape(std::string& out, std::uint32_t code_point)
{
  out += "\\u{";
  bool started = false;
  for (int shift = 20; shift >= 0; shift -= 4) {
    const auto digit = (code_point >> shift) & 0x0Fu;
    // At least four digits, as Unicode writes code points (U+0085, U+202E).
    if (digit != 0 || started || shift < 16) {
      out += k_hex_digits[digit];
      started = true;
    }
  }
  out += '}';
}

// True for the code points that reorder or break lines in what a terminal shows, so that a
// crafted SPN could make a report line read differently from the bytes it holds.
bool is_invisible_control(std::uint32_t code_point)
{
  return (code_point >= 0x80 && code_point <= 0x9F)       // C1 controls
         || code_point == 0x061C                          // arabic letter mark
         || code_point == 0x200E || code_point == 0x200F  // LRM, RLM
         || (code_point >= 0x202A && code_point <= 0x202E) // embeddings and overrides
         || (code_point >= 0x2066 && code_point <= 0x2069) // isolates
         || code_point == 0x2028 || code_point == 0x2029;  // line and paragraph separators
}

} // namespace

std::string escape_for_terminal(std::string_view text)
{
  std::string out;
  out.reserve(text.size());
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto byte = static_cast<unsigned char>(text[pos]);
    const Utf8Char ch = decode_utf8(text, pos);
    if (ch.length == 0) {
      append_byte_escape(out, byte);
      ++pos;
      continue;
    }
    if (ch.length == 1) {
      if (byte < 0x20 || byte == 0x7F) {
        append_byte_escape(out, byte);
      } else if (byte == '\\') {
        out += "\\\\";
      } else {
        out += static_cast<char>(byte);
      }
    } else if (is_invisible_control(ch.code_point)) {
      append_code_point_escape(out, ch.code_point);
    } else {
      out.append(text.substr(pos, ch.length));
    }
    pos += ch.length;
  }
  return out;
}

std::string to_valid_utf8(std::string_view text, bool& replaced)
{
  std::string out;
  out.reserve(text.size());
  std::size_t pos = 0;
  while (pos < text.size()) {
    const Utf8Char ch = decode_utf8(text, pos);
    if (ch.length == 0) {
      out += "\xEF\xBF\xBD";
      replaced = true;
      ++pos;
    } else {
      out.append(text.substr(pos, ch.length));
      pos += ch.length;
    }
  }
  return out;
}

std::string csv_cell(std::string_view text)
{
  bool replaced = false;
  std::string value = to_valid_utf8(text, replaced);
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
