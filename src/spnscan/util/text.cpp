#include "spnscan/util/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <iterator>
#include <utility>

namespace spnscan {

namespace {

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// Base64 alphabet: 0..63 for digits, 0xFF for anything else.
constexpr std::array<std::uint8_t, 256> make_base64() {
  std::array<std::uint8_t, 256> t{};
  for (auto& v : t) {
    v = 0xFF;
  }
  constexpr std::string_view digits =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (std::size_t i = 0; i < digits.size(); ++i) {
    t[static_cast<unsigned char>(digits[i])] = static_cast<std::uint8_t>(i);
  }
  return t;
}
constexpr std::array<std::uint8_t, 256> k_base64 = make_base64();

bool is_continuation(unsigned char byte, unsigned char low = 0x80, unsigned char high = 0xBF) {
  return byte >= low && byte <= high;
}

// Inclusive ranges, sorted. Cf of Unicode 15, plus the invisible characters of other
// categories (fillers, variation selectors, the combining grapheme joiner) and the spaces that
// look like U+0020.
constexpr std::pair<std::uint32_t, std::uint32_t> k_invisible[] = {
    {0x0000, 0x001F},   {0x007F, 0x00A0},   {0x00AD, 0x00AD},   {0x034F, 0x034F},
    {0x0600, 0x0605},   {0x061C, 0x061C},   {0x06DD, 0x06DD},   {0x070F, 0x070F},
    {0x0890, 0x0891},   {0x08E2, 0x08E2},   {0x115F, 0x1160},   {0x1680, 0x1680},
    {0x17B4, 0x17B5},   {0x180B, 0x180F},   {0x2000, 0x200F},   {0x2028, 0x202F},
    {0x205F, 0x2064},   {0x2066, 0x206F},   {0x2800, 0x2800},   {0x3000, 0x3000},
    {0x3164, 0x3164},   {0xFE00, 0xFE0F},   {0xFEFF, 0xFEFF},   {0xFFA0, 0xFFA0},
    {0xFFF9, 0xFFFB},   {0x110BD, 0x110BD}, {0x110CD, 0x110CD}, {0x13430, 0x1343F},
    {0x1BCA0, 0x1BCA3}, {0x1D173, 0x1D17A}, {0xE0001, 0xE0001}, {0xE0020, 0xE007F},
    {0xE0100, 0xE01EF},
};

struct Named {
  std::uint32_t code_point;
  std::string_view name;
};
constexpr Named k_names[] = {
    {0x0000, "NUL"},
    {0x0009, "CHARACTER TABULATION (tab)"},
    {0x000A, "LINE FEED"},
    {0x000D, "CARRIAGE RETURN"},
    {0x001B, "ESCAPE"},
    {0x007F, "DELETE"},
    {0x0085, "NEXT LINE"},
    {0x00A0, "NO-BREAK SPACE"},
    {0x00AD, "SOFT HYPHEN"},
    {0x034F, "COMBINING GRAPHEME JOINER"},
    {0x061C, "ARABIC LETTER MARK"},
    {0x180E, "MONGOLIAN VOWEL SEPARATOR"},
    {0x200B, "ZERO WIDTH SPACE"},
    {0x200C, "ZERO WIDTH NON-JOINER"},
    {0x200D, "ZERO WIDTH JOINER"},
    {0x200E, "LEFT-TO-RIGHT MARK"},
    {0x200F, "RIGHT-TO-LEFT MARK"},
    {0x2028, "LINE SEPARATOR"},
    {0x2029, "PARAGRAPH SEPARATOR"},
    {0x202A, "LEFT-TO-RIGHT EMBEDDING"},
    {0x202B, "RIGHT-TO-LEFT EMBEDDING"},
    {0x202C, "POP DIRECTIONAL FORMATTING"},
    {0x202D, "LEFT-TO-RIGHT OVERRIDE"},
    {0x202E, "RIGHT-TO-LEFT OVERRIDE"},
    {0x202F, "NARROW NO-BREAK SPACE"},
    {0x2060, "WORD JOINER"},
    {0x2066, "LEFT-TO-RIGHT ISOLATE"},
    {0x2067, "RIGHT-TO-LEFT ISOLATE"},
    {0x2068, "FIRST STRONG ISOLATE"},
    {0x2069, "POP DIRECTIONAL ISOLATE"},
    {0x3000, "IDEOGRAPHIC SPACE"},
    {0x3164, "HANGUL FILLER"},
    {0xFEFF, "ZERO WIDTH NO-BREAK SPACE (byte order mark)"},
};

constexpr char k_hex_digits[] = "0123456789ABCDEF";

void append_byte_escape(std::string& out, unsigned char byte) {
  out += "\\x";
  out += k_hex_digits[byte >> 4];
  out += k_hex_digits[byte & 0x0F];
}

void append_code_point_escape(std::string& out, std::uint32_t code_point) {
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

} // namespace

std::string encode_utf8(std::uint32_t code_point) {
  std::string out;
  if (code_point < 0x80) {
    out += static_cast<char>(code_point);
    return out;
  }
  if (code_point < 0x800) {
    out += static_cast<char>(0xC0 | (code_point >> 6));
  } else if (code_point < 0x10000) {
    out += static_cast<char>(0xE0 | (code_point >> 12));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code_point >> 18));
    out += static_cast<char>(0x80 | ((code_point >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
  }
  out += static_cast<char>(0x80 | (code_point & 0x3F));
  return out;
}

Utf8Char decode_utf8(std::string_view text, std::size_t pos) {
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

bool is_invisible(std::uint32_t code_point) {
  if (code_point >= 0x20 && code_point < 0x7F) {
    return false; // the common case, first
  }
  const auto it =
      std::upper_bound(std::begin(k_invisible), std::end(k_invisible), code_point,
                       [](std::uint32_t cp, const std::pair<std::uint32_t, std::uint32_t>& r) {
                         return cp < r.first;
                       });
  return it != std::begin(k_invisible) && code_point <= std::prev(it)->second;
}

std::string describe_code_point(std::uint32_t code_point) {
  for (const auto& named : k_names) {
    if (named.code_point == code_point) {
      return fmt::format("U+{:04X} {}", code_point, named.name);
    }
  }
  if (code_point < 0x20 || (code_point >= 0x7F && code_point <= 0x9F)) {
    return fmt::format("U+{:04X} (a control character)", code_point);
  }
  if ((code_point >= 0x2000 && code_point <= 0x200A) || code_point == 0x1680 ||
      code_point == 0x205F) {
    return fmt::format("U+{:04X} (a space other than U+0020)", code_point);
  }
  return fmt::format("U+{:04X} (an invisible format character)", code_point);
}

std::string first_invisible(std::string_view text) {
  for (std::size_t pos = 0; pos < text.size();) {
    const Utf8Char ch = decode_utf8(text, pos);
    if (ch.length == 0) {
      return fmt::format("the byte 0x{:02X}, which is not valid UTF-8",
                         static_cast<unsigned char>(text[pos]));
    }
    if (is_invisible(ch.code_point)) {
      return describe_code_point(ch.code_point);
    }
    pos += ch.length;
  }
  return {};
}

std::string escape_for_terminal(std::string_view text) {
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
    } else if (is_invisible(ch.code_point)) {
      append_code_point_escape(out, ch.code_point);
    } else {
      out.append(text.substr(pos, ch.length));
    }
    pos += ch.length;
  }
  return out;
}

std::string escape_for_display(std::string_view text) {
  std::string escaped = escape_for_terminal(text);
  const auto backslashes = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\\'));
  // Only the backslashes changed: the text is shown as it is, so that a DN such as
  // CN=Smith\, John or a DOMAIN\account reads (and copies) as the directory holds it.
  if (escaped.size() == text.size() + backslashes) {
    return std::string(text);
  }
  return escaped;
}

std::string show_value(std::string_view text, std::size_t max) {
  if (text.size() > max) {
    std::size_t cut = max;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) {
      --cut; // not inside a UTF-8 sequence
    }
    return show_value(text.substr(0, cut)) + "... (" + std::to_string(text.size()) + " bytes)";
  }
  std::size_t lead = 0;
  while (lead < text.size() && text[lead] == ' ') {
    ++lead;
  }
  std::size_t trail = 0;
  while (trail < text.size() - lead && text[text.size() - 1 - trail] == ' ') {
    ++trail;
  }
  if (lead == 0 && trail == 0) {
    return escape_for_display(text);
  }
  // With spaces at either end the value is escaped throughout, so \x20 cannot be mistaken
  // for text the value holds.
  std::string out;
  for (std::size_t i = 0; i < lead; ++i) {
    out += "\\x20";
  }
  out += escape_for_terminal(text.substr(lead, text.size() - lead - trail));
  for (std::size_t i = 0; i < trail; ++i) {
    out += "\\x20";
  }
  return out;
}

std::string to_valid_utf8(std::string_view text, bool& replaced) {
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

std::string escape_for_display_keeping_newlines(std::string_view text) {
  std::string out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    out += escape_for_display(text.substr(start, end - start));
    if (end == text.size()) {
      break;
    }
    out += '\n';
    start = end + 1;
  }
  return out;
}

std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out) {
    c = lower(c);
  }
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) {
      return false;
    }
  }
  return true;
}

bool istarts_with(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && iequals(text.substr(0, prefix.size()), prefix);
}

bool icontains(std::string_view text, std::string_view needle) {
  for (std::size_t i = 0; i + needle.size() <= text.size(); ++i) {
    if (iequals(text.substr(i, needle.size()), needle)) {
      return true;
    }
  }
  return false;
}

std::string base64_encode(std::string_view bytes) {
  static constexpr char k_alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  const auto byte = [&](std::size_t at) { return unsigned{static_cast<unsigned char>(bytes[at])}; };
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned v = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
    out += k_alphabet[(v >> 18) & 63];
    out += k_alphabet[(v >> 12) & 63];
    out += k_alphabet[(v >> 6) & 63];
    out += k_alphabet[v & 63];
  }
  if (i + 1 == bytes.size()) {
    const unsigned v = byte(i) << 16;
    out += k_alphabet[(v >> 18) & 63];
    out += k_alphabet[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == bytes.size()) {
    const unsigned v = (byte(i) << 16) | (byte(i + 1) << 8);
    out += k_alphabet[(v >> 18) & 63];
    out += k_alphabet[(v >> 12) & 63];
    out += k_alphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

bool base64_decode(std::string_view in, std::string& out) {
  while (!in.empty() && (in.back() == ' ' || in.back() == '\t')) {
    in.remove_suffix(1);
  }
  // Padding is required (RFC 2849 refers to RFC 1521): a value cut short is then caught.
  if (in.size() % 4 != 0) {
    return false;
  }
  std::size_t pad = 0;
  if (!in.empty() && in.back() == '=') {
    pad = in[in.size() - 2] == '=' ? 2 : 1;
  }
  const std::size_t len = in.size() - pad;
  const std::size_t tail = len % 4;
  out.resize(len / 4 * 3 + (tail == 0 ? 0 : tail - 1));
  const auto* src = reinterpret_cast<const unsigned char*>(in.data());
  auto* dst = reinterpret_cast<unsigned char*>(out.data());
  std::size_t i = 0;
  for (; i + 4 <= len; i += 4) {
    const std::uint32_t a = k_base64[src[i]];
    const std::uint32_t b = k_base64[src[i + 1]];
    const std::uint32_t c = k_base64[src[i + 2]];
    const std::uint32_t d = k_base64[src[i + 3]];
    if ((a | b | c | d) & 0xC0U) {
      return false;
    }
    const std::uint32_t v = (a << 18) | (b << 12) | (c << 6) | d;
    *dst++ = static_cast<unsigned char>(v >> 16);
    *dst++ = static_cast<unsigned char>(v >> 8);
    *dst++ = static_cast<unsigned char>(v);
  }
  if (tail != 0) {
    const std::uint32_t a = k_base64[src[i]];
    const std::uint32_t b = k_base64[src[i + 1]];
    const std::uint32_t c = tail == 3 ? k_base64[src[i + 2]] : 0;
    if ((a | b | c) & 0xC0U) {
      return false;
    }
    const std::uint32_t v = (a << 18) | (b << 12) | (c << 6);
    *dst++ = static_cast<unsigned char>(v >> 16);
    if (tail == 3) {
      *dst++ = static_cast<unsigned char>(v >> 8);
    }
  }
  return true;
}

std::string printable(std::string_view text, std::size_t max) {
  std::string out;
  const bool cut = text.size() > max;
  if (cut) {
    text = text.substr(0, max);
  }
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7F) {
      append_byte_escape(out, c);
    } else {
      out += ch;
    }
  }
  if (cut) {
    out += "...";
  }
  return out;
}

std::vector<std::string_view> text_lines(std::string_view text) {
  if (text.starts_with("\xEF\xBB\xBF")) {
    text.remove_prefix(3);
  }
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    lines.push_back(line);
  }
  return lines;
}

} // namespace spnscan
