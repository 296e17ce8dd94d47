#include "spnscan/source/ldif_parser.hpp"

#include "spnscan/error.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <system_error>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace spnscan {
namespace {

// Bytes asked of the stream at a time: the first read is small, so a small input (a fuzzer's,
// a test's) costs no large buffer; later reads grow to k_block, where the per-read cost vanishes.
constexpr std::size_t k_first_block = std::size_t{1} << 12;
constexpr std::size_t k_block = std::size_t{1} << 20;
// Bytes kept allocated after the text, so the 16-byte scans below may read past a line's end.
constexpr std::size_t k_pad = 64;

// Codes for the attribute names the parser acts on: 0..k_attr_count-1 are Attr values.
constexpr int k_other = -1;
constexpr int k_dn = 100;
constexpr int k_changetype = 101;
constexpr int k_search = 102;
constexpr int k_result = 103;
constexpr int k_ref = 104;
constexpr int k_version = 105;

struct KnownName {
  std::string_view lower; // lowercase letters only, which makes the (c | 0x20) compare exact
  int code;
};

constexpr int code_of(Attr a) { return static_cast<int>(a); }

// Own table rather than attr_from_name: it is on the hot path of every line and also
// knows the LDIF keywords. test_ldif.cpp checks it against k_attr_names.
constexpr std::array<KnownName, 15> k_known = {{
    {"serviceprincipalname", code_of(Attr::service_principal_name)},
    {"objectclass", code_of(Attr::object_class)},
    {"samaccountname", code_of(Attr::sam_account_name)},
    {"samaccounttype", code_of(Attr::sam_account_type)},
    {"useraccountcontrol", code_of(Attr::user_account_control)},
    {"objectsid", code_of(Attr::object_sid)},
    {"admincount", code_of(Attr::admin_count)},
    {"dnshostname", code_of(Attr::dns_host_name)},
    {"spnmappings", code_of(Attr::spn_mappings)},
    {"dn", k_dn},
    {"changetype", k_changetype},
    {"search", k_search},
    {"result", k_result},
    {"ref", k_ref},
    {"version", k_version},
}};
static_assert(k_attr_count == 9, "k_known lists every Attr");

// Compares 8 bytes of a name with 8 bytes of a lowercase name in one step.
inline bool equals_lower8(const char* s, const char* lower) {
  std::uint64_t a = 0;
  std::uint64_t b = 0;
  std::memcpy(&a, s, 8);
  std::memcpy(&b, lower, 8);
  return (a | 0x2020202020202020ULL) == b;
}

// True when s equals `lower` ignoring ASCII case. `lower` holds only bytes that OR 0x20 leaves
// unchanged (lowercase letters, digits, '-', '.', '='): then (c | 0x20) == l is exact.
bool equals_lower(std::string_view s, std::string_view lower) {
  const std::size_t n = s.size();
  if (n != lower.size()) {
    return false;
  }
  if (n >= 8) {
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      if (!equals_lower8(s.data() + i, lower.data() + i)) {
        return false;
      }
    }
    return i == n || equals_lower8(s.data() + n - 8, lower.data() + n - 8);
  }
  for (std::size_t i = 0; i < n; ++i) {
    if ((static_cast<unsigned char>(s[i]) | 0x20U) != static_cast<unsigned char>(lower[i])) {
      return false;
    }
  }
  return true;
}

// For each (length, first letter) the index of the first k_known entry with it, or -1.
// Entries sharing both are adjacent in k_known (sAMAccountName, sAMAccountType).
constexpr std::size_t k_max_known = 20;
constexpr std::array<std::array<std::int8_t, 26>, k_max_known + 1> make_known_index() {
  std::array<std::array<std::int8_t, 26>, k_max_known + 1> t{};
  for (auto& row : t) {
    for (auto& v : row) {
      v = -1;
    }
  }
  for (std::size_t i = k_known.size(); i-- > 0;) {
    const auto& known = k_known[i];
    t[known.lower.size()][static_cast<std::size_t>(known.lower[0] - 'a')] =
        static_cast<std::int8_t>(i);
  }
  return t;
}
constexpr auto k_known_index = make_known_index();

// Finds base in k_known; most names are rejected by one table load.
int lookup(std::string_view base) {
  const std::size_t size = base.size();
  const unsigned first = (static_cast<unsigned char>(base[0]) | 0x20U) - 'a';
  if (size > k_max_known || first >= 26) {
    return k_other;
  }
  const int start = k_known_index[size][first];
  if (start < 0) {
    return k_other;
  }
  for (auto i = static_cast<std::size_t>(start);
       i < k_known.size() && k_known[i].lower.size() == size &&
       static_cast<unsigned>(k_known[i].lower[0] - 'a') == first;
       ++i) {
    if (equals_lower(base, k_known[i].lower)) {
      return k_known[i].code;
    }
  }
  return k_other;
}

#if !defined(__SSE2__)
// Classes of the bytes of an attribute description before ':' (name, options, range=a-b).
constexpr std::uint8_t k_bad = 0;
constexpr std::uint8_t k_name = 1;
constexpr std::uint8_t k_semi = 2;
constexpr std::array<std::uint8_t, 256> make_name_chars() {
  std::array<std::uint8_t, 256> t{};
  for (int c = 'a'; c <= 'z'; ++c) {
    t[static_cast<std::size_t>(c)] = k_name;
    t[static_cast<std::size_t>(c - 'a' + 'A')] = k_name;
  }
  for (int c = '0'; c <= '9'; ++c) {
    t[static_cast<std::size_t>(c)] = k_name;
  }
  t['-'] = t['.'] = t['='] = t['*'] = k_name;
  t[';'] = k_semi;
  return t;
}
constexpr std::array<std::uint8_t, 256> k_name_chars = make_name_chars();
#endif

#if defined(__SSE2__)
inline __m128i load16(const char* p) {
  return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
}
inline unsigned mask16(__m128i v) {
  return static_cast<unsigned>(_mm_movemask_epi8(v)) & 0xFFFFU;
}
#endif

// Returns the first '\n' in [p, end), or nullptr. Lines are short, so the first 64 bytes are
// looked at inline; memchr takes long lines. May read up to k_pad bytes past end.
const char* find_newline(const char* p, const char* end) {
#if defined(__SSE2__)
  const __m128i nl = _mm_set1_epi8('\n');
  for (int round = 0; round < 4 && p < end; ++round, p += 16) {
    const unsigned hits = mask16(_mm_cmpeq_epi8(load16(p), nl));
    if (hits != 0) {
      const char* hit = p + __builtin_ctz(hits);
      return hit < end ? hit : nullptr;
    }
  }
  if (p >= end) {
    return nullptr;
  }
#endif
  return static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
}

// Returns the index of the first byte of p[0, window) that cannot be in an attribute
// description ([A-Za-z0-9-.;=*]; '*' for range=1500-*), or window; `semi` gets the first ';' before it, or npos.
// May read up to 15 bytes past window.
std::size_t scan_name(const char* p, std::size_t window, std::size_t& semi) {
  semi = std::string_view::npos;
#if defined(__SSE2__)
  const __m128i case_bit = _mm_set1_epi8(0x20);
  const __m128i before_a = _mm_set1_epi8('a' - 1);
  const __m128i after_z = _mm_set1_epi8('z' + 1);
  const __m128i before_dash = _mm_set1_epi8('-' - 1);
  const __m128i after_nine = _mm_set1_epi8('9' + 1);
  const __m128i slash = _mm_set1_epi8('/');
  const __m128i semicolon = _mm_set1_epi8(';');
  const __m128i equals = _mm_set1_epi8('=');
  const __m128i star = _mm_set1_epi8('*');
  for (std::size_t i = 0; i < window; i += 16) {
    const __m128i x = load16(p + i);
    // Bytes >= 0x80 are negative in these signed compares and so fall outside every range.
    const __m128i folded = _mm_or_si128(x, case_bit);
    const __m128i letter =
        _mm_and_si128(_mm_cmpgt_epi8(folded, before_a), _mm_cmplt_epi8(folded, after_z));
    const __m128i dash_to_nine =
        _mm_and_si128(_mm_cmpgt_epi8(x, before_dash), _mm_cmplt_epi8(x, after_nine));
    const __m128i digit_etc = _mm_andnot_si128(_mm_cmpeq_epi8(x, slash), dash_to_nine);
    const __m128i semis = _mm_cmpeq_epi8(x, semicolon);
    const __m128i ok = _mm_or_si128(_mm_or_si128(letter, digit_etc),
                                    _mm_or_si128(semis, _mm_or_si128(_mm_cmpeq_epi8(x, equals),
                                                                     _mm_cmpeq_epi8(x, star))));
    const unsigned bad = ~mask16(ok) & 0xFFFFU;
    const unsigned semi_bits = mask16(semis);
    const std::size_t stop = bad != 0 ? i + static_cast<std::size_t>(__builtin_ctz(bad)) : window;
    if (semi == std::string_view::npos && semi_bits != 0) {
      const std::size_t at = i + static_cast<std::size_t>(__builtin_ctz(semi_bits));
      if (at < stop && at < window) {
        semi = at;
      }
    }
    if (bad != 0) {
      return std::min(stop, window);
    }
  }
  return window;
#else
  const auto* bytes = reinterpret_cast<const unsigned char*>(p);
  std::size_t i = 0;
  for (; i < window; ++i) {
    const std::uint8_t cls = k_name_chars[bytes[i]];
    if (cls == k_bad) {
      break;
    }
    if (cls == k_semi && semi == std::string_view::npos) {
      semi = i;
    }
  }
  return i;
#endif
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

// Decodes base64 (padded, no embedded whitespace) into out; false if invalid.
bool decode_base64(std::string_view in, std::string& out) {
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

// Quotes untrusted text for an error message: control bytes as \xHH, long text cut.
std::string printable(std::string_view s, std::size_t max = 200) {
  std::string out;
  const bool cut = s.size() > max;
  if (cut) {
    s = s.substr(0, max);
  }
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7F) {
      constexpr std::string_view hex = "0123456789ABCDEF";
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 0xF];
    } else {
      out += ch;
    }
  }
  if (cut) {
    out += "...";
  }
  return out;
}

bool starts_with_nocase(std::string_view s, std::string_view lower) {
  return s.size() >= lower.size() && equals_lower(s.substr(0, lower.size()), lower);
}

class Parser {
public:
  Parser(std::istream& in, const std::string& name, LdifHandler& handler)
      : m_in(in), m_name(name), m_handler(handler) {}

  LdifSummary run() {
    start();
    std::string_view line;
    while (next_line(line)) {
      process(line);
    }
    end_record();
    if (m_run.active) {
      end_run_without_counts();
    }
    return {m_entries, m_saw_ldapsearch, m_declared_entries};
  }

private:
  enum class Record { none, entry, trailer, reference };
  // One ldapsearch invocation in the file (see ldapsearch_comment).
  struct LdapsearchRun {
    bool active = false;
    std::uint64_t line = 0;    // its first "# LDAPv3"
    std::uint64_t entries = 0; // entries read since
    bool paged = false;
    bool more_pages = false;   // the last page's cookie was not empty
    bool any_result = false;   // a "# search result" line was seen
  };
  static constexpr std::uint64_t k_ad_max_page_size = 1000;
  enum class ValueKind { plain, base64 };

  // ---------------------------------------------------------------- input

  [[noreturn]] void fail(std::uint64_t line, const std::string& what) const {
    throw InputError(where(line) + what);
  }

  std::string where(std::uint64_t line) const {
    return m_name + ":" + std::to_string(line) + ": ";
  }

  std::size_t read_raw(char* dst, std::size_t n) {
    errno = 0;
    m_in.read(dst, static_cast<std::streamsize>(n));
    const int err = errno;
    if (m_in.bad()) {
      throw InputError(m_name + ": read error" +
                       (err != 0 ? ": " + std::generic_category().message(err) : std::string()));
    }
    return static_cast<std::size_t>(m_in.gcount());
  }

  // Reads the first block and looks at the byte order mark.
  void start() {
    m_buf.resize(m_block + k_pad);
    const std::size_t got = read_raw(m_buf.data(), m_block);
    m_stream_eof = got < m_block;
    m_eof = m_stream_eof;
    m_end = got;
    const auto* b = reinterpret_cast<const unsigned char*>(m_buf.data());
    if (got >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF) {
      m_pos = 3;
    } else if (got >= 2 && b[0] == 0xFF && b[1] == 0xFE) {
      m_utf16 = true;
      m_raw.resize(got);
      std::memcpy(m_raw.data(), m_buf.data() + 2, got - 2);
      m_raw_len = got - 2;
      m_end = 0;
      m_eof = false;
    } else if (got >= 2 && b[0] == 0xFE && b[1] == 0xFF) {
      fail(1, "the file is UTF-16BE (byte order mark FE FF), which is not supported; "
              "export it as UTF-8 or UTF-16LE");
    } else if (got >= 2 && b[0] != 0 && b[1] == 0) {
      fail(1, "the file looks like UTF-16LE without a byte order mark, which is not "
              "supported; export it as UTF-8 or UTF-16LE with a byte order mark");
    }
  }

  // Makes room and appends the next block of UTF-8 text to m_buf; sets m_eof at the end.
  void fill() {
    const std::size_t shift = m_start;
    if (shift > 0) {
      std::memmove(m_buf.data(), m_buf.data() + shift, m_end - shift);
      m_start -= shift;
      m_pos -= shift;
      m_write -= shift;
      m_piece -= shift;
      m_scan -= shift;
      m_end -= shift;
    }
    m_block = std::min(k_block, 4 * m_block);
    const std::size_t room = (m_utf16 ? (m_raw_len + m_block) / 2 * 3 + 8 : m_block) + k_pad;
    if (m_buf.size() - m_end < room) {
      m_buf.resize(std::max(m_end + room, 2 * m_buf.size()));
    }
    if (m_utf16) {
      transcode();
      return;
    }
    const std::size_t got = read_raw(m_buf.data() + m_end, m_block);
    m_end += got;
    if (got < m_block) {
      m_stream_eof = true;
      m_eof = true;
    }
  }

  // Converts the next block of UTF-16LE into UTF-8 at the end of m_buf; a surrogate pair or
  // a byte split by the block boundary is carried to the next call.
  void transcode() {
    if (!m_stream_eof) {
      if (m_raw.size() < m_raw_len + m_block) {
        m_raw.resize(m_raw_len + m_block);
      }
      const std::size_t got = read_raw(m_raw.data() + m_raw_len, m_block);
      m_raw_len += got;
      m_stream_eof = got < m_block;
    }
    const bool eof = m_stream_eof;
    const auto* in = reinterpret_cast<const unsigned char*>(m_raw.data());
    const std::size_t n = m_raw_len;
    char* const out_begin = m_buf.data() + m_end;
    char* out = out_begin;
    std::size_t i = 0;
    while (i + 1 < n) {
      const std::uint32_t u = in[i] | (std::uint32_t{in[i + 1]} << 8);
      if (u < 0x80) {
        *out++ = static_cast<char>(u);
        if (u == '\n') {
          ++m_u16_lines;
        }
        i += 2;
      } else if (u < 0x800) {
        *out++ = static_cast<char>(0xC0 | (u >> 6));
        *out++ = static_cast<char>(0x80 | (u & 0x3F));
        i += 2;
      } else if (u >= 0xD800 && u <= 0xDBFF) {
        if (i + 3 >= n) {
          if (eof) {
            fail(m_u16_lines + 1, "invalid UTF-16LE: unpaired high surrogate at the end of the file");
          }
          break;
        }
        const std::uint32_t lo = in[i + 2] | (std::uint32_t{in[i + 3]} << 8);
        if (lo < 0xDC00 || lo > 0xDFFF) {
          fail(m_u16_lines + 1, "invalid UTF-16LE: unpaired high surrogate");
        }
        const std::uint32_t cp = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
        *out++ = static_cast<char>(0xF0 | (cp >> 18));
        *out++ = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        *out++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        *out++ = static_cast<char>(0x80 | (cp & 0x3F));
        i += 4;
      } else if (u >= 0xDC00 && u <= 0xDFFF) {
        fail(m_u16_lines + 1, "invalid UTF-16LE: unpaired low surrogate");
      } else {
        *out++ = static_cast<char>(0xE0 | (u >> 12));
        *out++ = static_cast<char>(0x80 | ((u >> 6) & 0x3F));
        *out++ = static_cast<char>(0x80 | (u & 0x3F));
        i += 2;
      }
    }
    const std::size_t rest = n - i;
    if (eof && rest != 0) {
      fail(m_u16_lines + 1, "invalid UTF-16LE: odd number of bytes at the end of the file");
    }
    std::memmove(m_raw.data(), m_raw.data() + i, rest);
    m_raw_len = rest;
    m_end += static_cast<std::size_t>(out - out_begin);
    if (eof) {
      m_eof = true;
    }
  }

  void append_piece(std::size_t piece_end) {
    const std::size_t len = piece_end - m_piece;
    if (m_write != m_piece) {
      std::memmove(m_buf.data() + m_write, m_buf.data() + m_piece, len);
    }
    m_write += len;
  }

  // Returns the next logical line (continuation lines joined in place, line end removed),
  // valid until the next call; false at the end of the input.
  bool next_line(std::string_view& line) {
    // Fast path: a whole unfolded line inside the buffer, followed by a line that is not a
    // continuation, needs no joining.
    if (m_pos < m_end && m_buf[m_pos] != ' ') {
      const char* p = m_buf.data() + m_pos;
      const char* end = m_buf.data() + m_end;
      const char* hit = find_newline(p, end);
      if (hit != nullptr && hit + 1 < end && hit[1] != ' ') {
        std::size_t len = static_cast<std::size_t>(hit - p);
        if (len > 0 && hit[-1] == '\r') {
          --len;
        }
        line = std::string_view(p, len);
        m_line_no = ++m_phys;
        m_pos += static_cast<std::size_t>(hit - p) + 1;
        return true;
      }
    }
    m_start = m_write = m_piece = m_scan = m_pos;
    while (m_start == m_end && !m_eof) {
      fill();
    }
    if (m_start == m_end) {
      return false;
    }
    m_line_no = m_phys + 1;
    if (m_buf[m_start] == ' ') {
      fail(m_line_no, "continuation line (starting with a space) with no preceding line");
    }
    m_unterminated = false;
    bool first = true;
    for (;;) {
      const char* base = m_buf.data();
      const void* hit = std::memchr(base + m_scan, '\n', m_end - m_scan);
      if (hit == nullptr) {
        if (!m_eof) {
          m_scan = m_end;
          fill();
          continue;
        }
        std::size_t piece_end = m_end;
        if (piece_end > m_piece && base[piece_end - 1] == '\r') {
          --piece_end;
        }
        append_piece(piece_end);
        ++m_phys;
        m_pos = m_scan = m_end;
        m_unterminated = true;
        break;
      }
      const auto nl = static_cast<std::size_t>(static_cast<const char*>(hit) - base);
      if (nl + 1 == m_end && !m_eof) {
        m_scan = nl; // look again after the fill, to see whether a continuation follows
        fill();
        continue;
      }
      std::size_t piece_end = nl;
      if (piece_end > m_piece && base[piece_end - 1] == '\r') {
        --piece_end;
      }
      const bool blank = first && piece_end == m_piece;
      append_piece(piece_end);
      ++m_phys;
      first = false;
      if (!blank && nl + 1 < m_end && base[nl + 1] == ' ') {
        m_piece = m_scan = nl + 2;
        continue;
      }
      m_pos = m_scan = nl + 1;
      break;
    }
    line = std::string_view(m_buf.data() + m_start, m_write - m_start);
    return true;
  }

  // ---------------------------------------------------------------- records

  void process(std::string_view line) {
    if (line.empty()) {
      end_record();
      return;
    }
    if (line[0] == '\0') {
      fail(m_line_no, "line starts with a NUL byte");
    }
    if (line[0] == '#') {
      comment(line);
      return;
    }
    const std::size_t window = std::min(line.size(), LdifParser::k_max_attr_name + 1);
    std::size_t semi = std::string_view::npos;
    const std::size_t colon_at = scan_name(line.data(), window, semi);
    if (colon_at == window) {
      if (line.size() > LdifParser::k_max_attr_name) {
        fail(m_line_no, "attribute name longer than 1024 bytes");
      }
      fail(m_line_no, "line has no ':' (expected 'attribute: value')");
    }
    if (line[colon_at] != ':') {
      if (std::memchr(line.data(), ':', window) == nullptr) {
        if (line.size() > LdifParser::k_max_attr_name) {
          fail(m_line_no, "attribute name longer than 1024 bytes");
        }
        fail(m_line_no, "line has no ':' (expected 'attribute: value')");
      }
      const std::size_t colon = line.find(':');
      if (colon > LdifParser::k_max_attr_name) {
        fail(m_line_no, "attribute name longer than 1024 bytes");
      }
      fail(m_line_no, "invalid character '" + printable(line.substr(colon_at, 1)) +
                          "' in attribute name '" + printable(line.substr(0, colon)) + "'");
    }
    const std::string_view desc = line.substr(0, colon_at);
    semi = std::min(semi, desc.size());
    if (semi == 0) {
      fail(m_line_no, "empty attribute name before ':'");
    }
    const std::string_view base = desc.substr(0, semi);
    std::size_t v = colon_at + 1;
    ValueKind kind = ValueKind::plain;
    if (v < line.size() && line[v] == ':') {
      kind = ValueKind::base64;
      ++v;
    } else if (v < line.size() && line[v] == '<') {
      fail(m_line_no, "attribute '" + std::string(desc) +
                          "' has a URL value (':<'); spnscan does not open URLs in LDIF");
    }
    while (v < line.size() && line[v] == ' ') {
      ++v;
    }
    const std::string_view value = line.substr(v);
    const int code = lookup(base);

    switch (m_record) {
    case Record::none:
      start_record(code, desc, kind, value);
      return;
    case Record::entry:
      entry_line(code, desc, semi, kind, value);
      return;
    case Record::trailer:
      if (code == k_result) {
        m_result.assign(value);
        m_result_line = m_line_no;
        m_have_result = true;
      }
      return;
    case Record::reference:
      if (code == k_ref) {
        reference(value);
      }
      return;
    }
  }

  void start_record(int code, std::string_view desc, ValueKind kind, std::string_view value) {
    // ldapsearch -L repeats "version: 1" before each page of a paged search, and exports are
    // concatenated, so the line is accepted between any two records, not only first.
    if (code == k_version) {
      if (kind != ValueKind::plain || value != "1") {
        fail(m_line_no, "unsupported LDIF version '" + printable(value) +
                            "' (only 'version: 1' is defined)");
      }
      return;
    }
    if (code == k_dn) {
      m_record = Record::entry;
      if (kind == ValueKind::base64) {
        decode_or_fail(value, "dn", m_entry.dn);
      } else {
        m_entry.dn.assign(value);
      }
      if (m_entry.dn.find_first_of("\r\n") != std::string::npos) {
        fail(m_line_no, "DN '" + printable(m_entry.dn) + "' contains a line break (CR or LF)");
      }
      m_entry.origin.assign(m_name);
      m_entry.origin += ':';
      std::array<char, 24> digits{};
      const auto res = std::to_chars(digits.data(), digits.data() + digits.size(), m_line_no);
      m_entry.origin.append(digits.data(), res.ptr);
      return;
    }
    if (code == k_search || code == k_result) {
      m_record = Record::trailer;
      m_trailer_line = m_line_no;
      m_have_result = false;
      if (code == k_result) {
        m_result.assign(value);
        m_result_line = m_line_no;
        m_have_result = true;
      }
      return;
    }
    if (code == k_ref) {
      m_record = Record::reference;
      reference(value);
      return;
    }
    fail(m_line_no, "record starts with '" + std::string(desc) + ":' instead of 'dn:'");
  }

  void entry_line(int code, std::string_view desc, std::size_t semi, ValueKind kind,
                  std::string_view value) {
    if (code >= 0 && code < static_cast<int>(k_attr_count)) {
      auto& values = m_entry.values[static_cast<std::size_t>(code)];
      if (kind == ValueKind::base64) {
        values.emplace_back();
        decode_or_fail(value, desc, values.back());
      } else {
        values.emplace_back(value);
        if (m_unterminated) {
          m_handler.warning(where(m_line_no) + "the file ends without a line break after the "
                            "value of '" + printable(desc) + "': if the export was cut, that "
                            "value is incomplete");
        }
      }
      if (code == code_of(Attr::service_principal_name) && semi < desc.size()) {
        note_range(desc.substr(semi + 1));
      }
      return;
    }
    if (code == k_changetype) {
      std::string type;
      if (kind == ValueKind::base64) {
        decode_or_fail(value, "changetype", type);
      } else {
        type.assign(value);
      }
      if (equals_lower(type, "add")) {
        return;
      }
      fail(m_line_no, "changetype '" + printable(type) + "' record for DN '" +
                          printable(m_entry.dn) +
                          "': not a directory snapshot (spnscan reads exports made by "
                          "ldapsearch or ldifde)");
    }
    if (code == k_dn) {
      fail(m_line_no, "'dn:' line inside a record (records are separated by a blank line)");
    }
  }

  // Keeps the range option of servicePrincipalName;range=0-1499 (among any other options).
  void note_range(std::string_view options) {
    while (!options.empty()) {
      const std::size_t end = std::min(options.find(';'), options.size());
      const std::string_view option = options.substr(0, end);
      if (starts_with_nocase(option, "range=")) {
        m_entry.spn_range.assign(option);
      }
      options.remove_prefix(end == options.size() ? end : end + 1);
    }
  }

  // Decodes a "::" value into out, or fails naming the attribute; a value on the last line of
  // a file that does not end in a line break was cut, even when what is left still decodes.
  void decode_or_fail(std::string_view value, std::string_view desc, std::string& out) {
    if (m_unterminated) {
      fail(m_line_no, "the file ends inside the base64 value of '" + printable(desc) +
                          "' (no line break after it): the export was cut");
    }
    if (!decode_base64(value, out)) {
      fail(m_line_no, "invalid base64 in the value of '" + printable(desc) + "'");
    }
  }

  void reference(std::string_view url) {
    m_handler.reference(std::string(url), m_name + ":" + std::to_string(m_line_no));
  }

  void comment(std::string_view line) {
    // ldapsearch -L prints a search reference as "# refldap://host/DN??sub".
    constexpr std::string_view prefix = "# ref";
    if (line.size() > prefix.size() && line.substr(0, prefix.size()) == prefix) {
      const std::string_view url = line.substr(prefix.size());
      const std::size_t scheme = url.find("://");
      if (scheme != std::string_view::npos && scheme > 0 &&
          url.substr(0, scheme).find(' ') == std::string_view::npos) {
        reference(url);
      }
      return;
    }
    ldapsearch_comment(line);
  }

  // ldapsearch -L writes its search as comments around the entries (one header and one
  // "# search result" per page of a paged search, the counts once at the end):
  //   # LDAPv3 / # base <...> / # with pagedResults control: size=1000
  //   ... entries ...
  //   # search result / # pagedresults: cookie=<more pages unless empty>
  //   # numResponses: N / # numEntries: N
  // Its errors (sizeLimitExceeded after AD's 1000 entries among them) go only to stderr, so
  // these comments are what tells a whole export from a cut one.
  void ldapsearch_comment(std::string_view line) {
    if (line == "# LDAPv3") {
      if (m_run.active && !m_run.more_pages) {
        end_run_without_counts();
      }
      if (!m_run.active) {
        m_run = LdapsearchRun{};
        m_run.active = true;
        m_run.line = m_line_no;
        m_saw_ldapsearch = true;
      }
      m_run.more_pages = false;
    } else if (!m_run.active) {
      return;
    } else if (line.starts_with("# with pagedResults control")) {
      m_run.paged = true;
    } else if (line == "# search result") {
      m_run.any_result = true;
    } else if (line.starts_with("# pagedresults: cookie=")) {
      m_run.more_pages = line.size() > std::string_view("# pagedresults: cookie=").size();
    } else if (line.starts_with("# numEntries: ")) {
      end_run(line.substr(std::string_view("# numEntries: ").size()));
    }
  }

  // The counts at the end of an ldapsearch run: checks them against what was read.
  void end_run(std::string_view declared_text) {
    const LdapsearchRun run = m_run;
    m_run = LdapsearchRun{};
    std::uint64_t declared = 0;
    const auto [end, ec] =
        std::from_chars(declared_text.data(), declared_text.data() + declared_text.size(), declared);
    const std::string from = fmt_run(run);
    if (ec != std::errc() || end != declared_text.data() + declared_text.size()) {
      m_handler.incomplete(where(m_line_no) + "unreadable '# numEntries: " +
                           printable(declared_text) + "' in the ldapsearch export " + from +
                           "; its entries cannot be checked");
      return;
    }
    m_declared_entries += declared;
    if (!run.any_result) {
      m_handler.incomplete(where(m_line_no) + "the ldapsearch export " + from +
                           " has no '# search result' line: the file was edited or cut");
    } else if (declared != run.entries) {
      m_handler.incomplete(where(m_line_no) + "the ldapsearch export " + from + " says '# numEntries: " +
                           std::to_string(declared) + "' but holds " + std::to_string(run.entries) +
                           " entries: the file was cut or edited, entries are missing");
    } else if (run.more_pages) {
      m_handler.incomplete(where(m_line_no) + "the paged ldapsearch export " + from +
                           " stopped before its last page (its last '# pagedresults: cookie=' "
                           "is not empty): entries are missing");
    } else if (!run.paged && declared == k_ad_max_page_size) {
      m_handler.incomplete(
          where(m_line_no) + "the ldapsearch export " + from + " holds exactly " +
          std::to_string(k_ad_max_page_size) +
          " entries and was made without paging: Active Directory ends an unpaged search at "
          "MaxPageSize (1000) with sizeLimitExceeded, which ldapsearch -L reports only on its "
          "standard error. Export again with -E pr=1000/noprompt");
    }
  }

  // A run that ends (a new run starts, or the input ends) without its counts was cut.
  void end_run_without_counts() {
    m_handler.incomplete(where(m_run.line) + "the ldapsearch export " + fmt_run(m_run) +
                         " has no '# numEntries:' trailer" +
                         (m_run.any_result ? "" : " (and no '# search result' line)") +
                         ": it was cut, the last record may be partial and entries are missing");
    m_run = LdapsearchRun{};
  }

  std::string fmt_run(const LdapsearchRun& run) const {
    return "starting at line " + std::to_string(run.line);
  }

  void end_record() {
    switch (m_record) {
    case Record::none:
    case Record::reference:
      break;
    case Record::entry:
      m_handler.entry(m_entry);
      m_entry.clear();
      ++m_entries;
      ++m_run.entries;
      break;
    case Record::trailer:
      if (!m_have_result) {
        m_handler.incomplete(where(m_trailer_line) +
                             "the export's search trailer has no 'result:' line; entries may "
                             "be missing");
      } else if (m_result.empty() || m_result[0] != '0' ||
                 (m_result.size() > 1 && m_result[1] >= '0' && m_result[1] <= '9')) {
        m_handler.incomplete(where(m_result_line) + "the export's search ended with 'result: " +
                             printable(m_result) + "'; entries are missing");
      }
      break;
    }
    m_record = Record::none;
  }

  std::istream& m_in;
  const std::string& m_name;
  LdifHandler& m_handler;

  // UTF-8 text: [m_start, m_end) is unread; the current logical line is built in place at
  // m_start (m_write is its end), m_piece starts the physical line being joined, m_scan is
  // where the search for '\n' resumes, m_pos starts the next logical line.
  std::vector<char> m_buf;
  std::size_t m_block = k_first_block; // bytes the next read asks for
  std::size_t m_start = 0, m_pos = 0, m_write = 0, m_piece = 0, m_scan = 0, m_end = 0;
  bool m_eof = false;        // no more text will come into m_buf
  bool m_stream_eof = false; // the stream is exhausted
  std::uint64_t m_phys = 0;    // physical lines consumed
  std::uint64_t m_line_no = 0; // first physical line of the current logical line

  // UTF-16LE input: raw bytes not yet converted, and the LF count for error lines.
  bool m_utf16 = false;
  std::vector<char> m_raw;
  std::size_t m_raw_len = 0;
  std::uint64_t m_u16_lines = 0;

  Record m_record = Record::none;
  bool m_unterminated = false; // the current line is the input's last and has no line break
  LdapsearchRun m_run;
  bool m_saw_ldapsearch = false;
  std::uint64_t m_entries = 0;
  std::uint64_t m_declared_entries = 0;
  RawEntry m_entry;
  std::string m_result;
  std::uint64_t m_result_line = 0;
  std::uint64_t m_trailer_line = 0;
  bool m_have_result = false;
};

} // namespace

LdifSummary LdifParser::parse(std::istream& in, const std::string& name, LdifHandler& handler) {
  Parser parser(in, name, handler);
  return parser.run();
}

} // namespace spnscan
