#include "spnscan/source/ldif/ldif_scan.hpp"

#include "spnscan/model/entry.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace spnscan::ldif {

namespace {

struct KnownName {
  std::string_view lower; // lowercase letters only, which makes the (c | 0x20) compare exact
  int code;
};

constexpr int code_of(Attr a) {
  return static_cast<int>(a);
}

// Own table rather than attr_from_name: it is on the hot path of every line and also
// knows the LDIF keywords. test_ldif.cpp checks it against k_attr_names.
constexpr std::array<KnownName, 22> k_known = {{
    {"serviceprincipalname", code_of(Attr::service_principal_name)},
    {"objectclass", code_of(Attr::object_class)},
    {"samaccountname", code_of(Attr::sam_account_name)},
    {"samaccounttype", code_of(Attr::sam_account_type)},
    {"useraccountcontrol", code_of(Attr::user_account_control)},
    {"objectsid", code_of(Attr::object_sid)},
    {"admincount", code_of(Attr::admin_count)},
    {"dnshostname", code_of(Attr::dns_host_name)},
    {"spnmappings", code_of(Attr::spn_mappings)},
    {"msds-allowedtodelegateto", code_of(Attr::allowed_to_delegate_to)},
    {"msds-supportedencryptiontypes", code_of(Attr::supported_encryption_types)},
    {"msds-additionalsamaccountname", code_of(Attr::additional_sam_account_name)},
    {"pwdlastset", code_of(Attr::pwd_last_set)},
    {"whencreated", code_of(Attr::when_created)},
    {"msds-additionaldnshostname", code_of(Attr::additional_dns_host_name)},
    {"dsheuristics", code_of(Attr::ds_heuristics)},
    {"dn", k_dn},
    {"changetype", k_changetype},
    {"search", k_search},
    {"result", k_result},
    {"ref", k_ref},
    {"version", k_version},
}};
static_assert(k_attr_count == 16, "k_known lists every Attr");

// Compares 8 bytes of a name with 8 bytes of a lowercase name in one step.
inline bool equals_lower8(const char* s, const char* lower) {
  std::uint64_t a = 0;
  std::uint64_t b = 0;
  std::memcpy(&a, s, 8);
  std::memcpy(&b, lower, 8);
  return (a | 0x2020202020202020ULL) == b;
}

// For each (length, first letter) the index of the first k_known entry with it, or -1.
// Entries sharing both are adjacent in k_known (sAMAccountName, sAMAccountType; the two msDS-
// names of 29 letters).
constexpr std::size_t k_max_known = 29;
constexpr std::array<std::array<std::int16_t, 26>, k_max_known + 1> make_known_index() {
  std::array<std::array<std::int16_t, 26>, k_max_known + 1> t{};
  for (auto& row : t) {
    for (auto& v : row) {
      v = -1;
    }
  }
  for (std::size_t i = k_known.size(); i-- > 0;) {
    const auto& known = k_known[i];
    t[known.lower.size()][static_cast<std::size_t>(known.lower[0] - 'a')] =
        static_cast<std::int16_t>(i);
  }
  return t;
}
constexpr auto k_known_index = make_known_index();

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

} // namespace

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

// Returns the index of the first byte of p[0, window) that cannot be in an attribute
// description ([A-Za-z0-9-.;=*]; '*' for range=1500-*), or window; `semi` gets the first ';' before
// it, or npos. May read up to 15 bytes past window.
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
    const __m128i ok = _mm_or_si128(
        _mm_or_si128(letter, digit_etc),
        _mm_or_si128(semis, _mm_or_si128(_mm_cmpeq_epi8(x, equals), _mm_cmpeq_epi8(x, star))));
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

bool starts_with_nocase(std::string_view s, std::string_view lower) {
  return s.size() >= lower.size() && equals_lower(s.substr(0, lower.size()), lower);
}

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

} // namespace spnscan::ldif
