#include "spnscan/model/text_pool.hpp"

#include <cstring>
#include <limits>
#include <stdexcept>

namespace spnscan {

TextRef TextPool::add(std::string_view text) {
  if (text.size() > std::numeric_limits<std::uint32_t>::max()) {
    throw std::length_error("string longer than 4 GiB");
  }
  const auto size = static_cast<std::uint32_t>(text.size());
  m_bytes += size;
  if (size > k_chunk_size / 4) {
    // A long string gets a chunk of its own so it does not waste the tail of a regular chunk.
    m_chunks.push_back(std::make_unique<char[]>(size == 0 ? 1 : size));
    std::memcpy(m_chunks.back().get(), text.data(), size);
    return {static_cast<std::uint32_t>(m_chunks.size() - 1), 0, size};
  }
  if (m_used + size > k_chunk_size) {
    m_chunks.push_back(std::make_unique<char[]>(k_chunk_size));
    m_last_regular = static_cast<std::uint32_t>(m_chunks.size() - 1);
    m_used = 0;
  }
  char* at = m_chunks[m_last_regular].get() + m_used;
  if (size > 0) {
    std::memcpy(at, text.data(), size);
  }
  TextRef ref{m_last_regular, m_used, size};
  m_used += size;
  return ref;
}

} // namespace spnscan
