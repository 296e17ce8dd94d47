#include "spnscan/source/ldif/ldif_lines.hpp"

#include "spnscan/error.hpp"
#include "spnscan/source/ldif/ldif_scan.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

namespace spnscan::ldif {

namespace {

// Bytes asked of the stream at a time: the first read is small, so a small input (a fuzzer's,
// a test's) costs no large buffer; later reads grow to k_block, where the per-read cost vanishes.
constexpr std::size_t k_first_block = std::size_t{1} << 12;
constexpr std::size_t k_block = std::size_t{1} << 20;

} // namespace

LineReader::LineReader(std::istream& in, const std::string& name)
    : m_in(in), m_name(name), m_block(k_first_block) {
  start();
}

void LineReader::fail(std::uint64_t line, const std::string& what) const {
  throw InputError(m_name + ":" + std::to_string(line) + ": " + what);
}

std::size_t LineReader::read_raw(char* dst, std::size_t n) {
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
void LineReader::start() {
  m_buf.resize(m_block + k_scan_pad);
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
void LineReader::fill() {
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
  const std::size_t room = (m_utf16 ? (m_raw_len + m_block) / 2 * 3 + 8 : m_block) + k_scan_pad;
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
void LineReader::transcode() {
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

void LineReader::append_piece(std::size_t piece_end) {
  const std::size_t len = piece_end - m_piece;
  if (m_write != m_piece) {
    std::memmove(m_buf.data() + m_write, m_buf.data() + m_piece, len);
  }
  m_write += len;
}

// Returns the next logical line (continuation lines joined in place, line end removed),
// valid until the next call; false at the end of the input.
bool LineReader::next(std::string_view& line) {
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

} // namespace spnscan::ldif
