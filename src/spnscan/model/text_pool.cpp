#include "spnscan/model/text_pool.hpp"

#include <cstring>
#include <limits>
#include <stdexcept>

namespace spnscan {

namespace {

std::size_t varint_size(std::size_t value) {
  std::size_t size = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++size;
  }
  return size;
}

char* write_varint(char* at, std::size_t value) {
  while (value >= 0x80) {
    *at++ = static_cast<char>((value & 0x7F) | 0x80);
    value >>= 7;
  }
  *at++ = static_cast<char>(value);
  return at;
}

void check_length(std::string_view text) {
  if (text.size() > std::numeric_limits<std::uint32_t>::max()) {
    throw std::length_error("string longer than 4 GiB");
  }
}

} // namespace

char* TextPool::allocate(std::size_t size, TextRef& ref) {
  if (size > k_chunk_size / 4) {
    // A long string gets a chunk of its own so it does not waste the tail of a regular chunk.
    if (m_chunks.size() >= k_max_chunks) {
      throw std::length_error("more than 4 GiB of text");
    }
    m_chunks.push_back(std::make_unique_for_overwrite<char[]>(size));
    ref.packed = static_cast<std::uint32_t>(m_chunks.size() - 1) << k_offset_bits;
    return m_chunks.back().get();
  }
  if (m_used + size > m_capacity) {
    if (m_chunks.size() >= k_max_chunks) {
      throw std::length_error("more than 4 GiB of text");
    }
    // The first chunks are small and grow to k_chunk_size: a small directory (a test, a
    // fuzzer's input) costs kilobytes, not a megabyte.
    m_capacity = m_capacity == 0 ? k_first_chunk_size : std::min(k_chunk_size, 4 * m_capacity);
    while (m_capacity < size) {
      m_capacity *= 4;
    }
    m_chunks.push_back(std::make_unique_for_overwrite<char[]>(m_capacity));
    m_last_regular = static_cast<std::uint32_t>(m_chunks.size() - 1);
    m_used = 0;
  }
  ref.packed = (m_last_regular << k_offset_bits) | m_used;
  char* at = m_chunks[m_last_regular].get() + m_used;
  m_used += static_cast<std::uint32_t>(size);
  return at;
}

TextRef TextPool::add(std::string_view text) {
  return add_group({text});
}

TextRef TextPool::add_group(std::initializer_list<std::string_view> texts) {
  std::size_t size = 0;
  for (const auto text : texts) {
    check_length(text);
    size += varint_size(text.size()) + text.size();
  }
  TextRef ref;
  char* at = allocate(size, ref);
  for (const auto text : texts) {
    at = write_varint(at, text.size());
    if (!text.empty()) {
      std::memcpy(at, text.data(), text.size());
    }
    at += text.size();
    m_bytes += text.size();
  }
  return ref;
}

} // namespace spnscan
