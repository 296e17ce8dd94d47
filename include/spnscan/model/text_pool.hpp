#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

namespace spnscan {

// A handle to text kept in a TextPool: 12 bytes instead of a std::string's 32 plus heap.
struct TextRef {
  std::uint32_t chunk = 0;
  std::uint32_t offset = 0;
  std::uint32_t size = 0;
};

// Append-only storage for the strings of a scan (DNs, names, SPNs). Text is copied into
// fixed-size chunks that never move, so a large directory costs its bytes plus a little,
// without the doubling of a growing vector or the per-string overhead of std::string.
class TextPool {
public:
  // Copies text into the pool and returns its handle.
  TextRef add(std::string_view text);
  std::string_view view(TextRef ref) const {
    return {m_chunks[ref.chunk].get() + ref.offset, ref.size};
  }
  // Bytes of text stored.
  std::uint64_t bytes() const { return m_bytes; }

private:
  static constexpr std::uint32_t k_chunk_size = 1u << 20;
  std::vector<std::unique_ptr<char[]>> m_chunks;
  std::uint32_t m_used = k_chunk_size; // bytes used in the last regular chunk
  std::uint32_t m_last_regular = 0;    // index of the chunk small strings go to
  std::uint64_t m_bytes = 0;
};

} // namespace spnscan
