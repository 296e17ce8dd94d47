#pragma once

#include <cstddef>
#include <cstdint>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

namespace spnscan::ldif {

// Reads the logical lines of an LDIF input (RFC 2849): continuation lines joined in place, line
// ends (LF, CRLF, mixed) removed. The input is read in blocks that grow from 4 KiB to 1 MiB, so
// memory follows the longest line, not the file. A UTF-8 BOM is skipped; UTF-16LE with a BOM
// (ldifde -u) is transcoded to UTF-8 while streaming; UTF-16BE and UTF-16LE without a BOM are
// refused. Throws InputError("name:line: ...") for what it cannot read.
class LineReader {
public:
  LineReader(std::istream& in, const std::string& name);

  // The next logical line, valid until the next call; false at the end of the input.
  bool next(std::string_view& line);
  // The first physical line of the line next() gave.
  std::uint64_t line_no() const { return m_line_no; }
  // True when that line is the input's last and no line break follows it (the file was cut,
  // or saved without a final newline).
  bool unterminated() const { return m_unterminated; }

private:
  [[noreturn]] void fail(std::uint64_t line, const std::string& what) const;
  std::size_t read_raw(char* dst, std::size_t n);
  void start();
  void fill();
  void transcode();
  void append_piece(std::size_t piece_end);

  std::istream& m_in;
  const std::string& m_name;
  // UTF-8 text: [m_start, m_end) is unread; the current logical line is built in place at
  // m_start (m_write is its end), m_piece starts the physical line being joined, m_scan is
  // where the search for '\n' resumes, m_pos starts the next logical line.
  std::vector<char> m_buf;
  std::size_t m_block; // bytes the next read asks for
  std::size_t m_start = 0, m_pos = 0, m_write = 0, m_piece = 0, m_scan = 0, m_end = 0;
  bool m_eof = false;          // no more text will come into m_buf
  bool m_stream_eof = false;   // the stream is exhausted
  std::uint64_t m_phys = 0;    // physical lines consumed
  std::uint64_t m_line_no = 0; // first physical line of the current logical line
  bool m_unterminated = false;
  // UTF-16LE input: raw bytes not yet converted, and the LF count for error lines.
  bool m_utf16 = false;
  std::vector<char> m_raw;
  std::size_t m_raw_len = 0;
  std::uint64_t m_u16_lines = 0;
};

} // namespace spnscan::ldif
