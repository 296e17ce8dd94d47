#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

namespace spnscan {

// A handle to text kept in a TextPool: 4 bytes (chunk and offset packed), the length is stored
// in the pool in front of the text, so a handle per SPN costs a quarter of a pointer and size.
struct TextRef {
  std::uint32_t packed = 0;
};

// Append-only storage for the strings of a scan (DNs, names, SPNs). Text is copied into
// fixed-size chunks that never move, so a large directory costs its bytes plus a little,
// without the doubling of a growing vector or the per-string overhead of std::string.
// Each string is stored after its length as a 1-5 byte varint (1 byte below 128 bytes).
class TextPool {
public:
  // Copies text into the pool and returns its handle. Throws std::length_error past 4 GiB of
  // text in all or for a string longer than 4 GiB.
  TextRef add(std::string_view text);
  // Copies several strings back to back under one handle (one handle for an account's names);
  // read them back with view_group. Throws as add does.
  TextRef add_group(std::initializer_list<std::string_view> texts);

  std::string_view view(TextRef ref) const {
    const char* at = address(ref);
    return read(at);
  }
  // Fills out with the first out.size() strings stored by add_group under ref.
  void view_group(TextRef ref, std::span<std::string_view> out) const {
    const char* at = address(ref);
    for (auto& text : out) {
      text = read(at);
    }
  }
  // Bytes of text stored, without the length prefixes.
  std::uint64_t bytes() const { return m_bytes; }

private:
  static constexpr unsigned k_offset_bits = 20;
  static constexpr std::uint32_t k_chunk_size = 1u << k_offset_bits;
  static constexpr std::uint32_t k_first_chunk_size = 1u << 12;
  static constexpr std::uint32_t k_offset_mask = k_chunk_size - 1;
  static constexpr std::size_t k_max_chunks = std::size_t{1} << (32 - k_offset_bits);

  const char* address(TextRef ref) const {
    return m_chunks[ref.packed >> k_offset_bits].get() + (ref.packed & k_offset_mask);
  }
  // Reads the varint length at `at` and the text after it; leaves `at` just past the text.
  static std::string_view read(const char*& at) {
    std::uint32_t size = 0;
    unsigned shift = 0;
    unsigned byte = 0;
    do {
      byte = static_cast<unsigned char>(*at++);
      size |= (byte & 0x7Fu) << shift;
      shift += 7;
    } while ((byte & 0x80u) != 0);
    const std::string_view text(at, size);
    at += size;
    return text;
  }
  // Returns room for `size` bytes that do not cross a chunk boundary, and its handle.
  char* allocate(std::size_t size, TextRef& ref);

  std::vector<std::unique_ptr<char[]>> m_chunks;
  std::uint32_t m_used = 0;         // bytes used in the last regular chunk
  std::uint32_t m_capacity = 0;     // its size (chunks grow to k_chunk_size)
  std::uint32_t m_last_regular = 0; // index of the chunk small strings go to
  std::uint64_t m_bytes = 0;
};

// An append-only array in fixed chunks of 2^k_chunk_bits elements: past its first chunk the
// array never holds a doubled copy of itself while growing, so its peak is its size plus at most
// one chunk. Index lookup is a shift and a mask. The first chunk starts small and doubles (its
// elements move then: hold no reference across push_back), so a small array costs little.
template <typename T, unsigned k_chunk_bits> class ChunkedArray {
public:
  std::size_t size() const { return m_size; }
  bool empty() const { return m_size == 0; }
  const T& operator[](std::size_t index) const {
    return m_chunks[index >> k_chunk_bits][index & k_mask];
  }
  const T& back() const { return (*this)[m_size - 1]; }
  void push_back(const T& value) {
    if (m_size == m_first_capacity && m_size < k_chunk) {
      // Grow the first chunk: double it and move what it holds.
      m_first_capacity = m_first_capacity == 0 ? k_first : 2 * m_first_capacity;
      auto bigger = std::make_unique_for_overwrite<T[]>(m_first_capacity);
      if (m_size > 0) {
        std::copy(m_chunks[0].get(), m_chunks[0].get() + m_size, bigger.get());
        m_chunks[0] = std::move(bigger);
      } else {
        m_chunks.push_back(std::move(bigger));
      }
    } else if (m_size >= k_chunk && (m_size & k_mask) == 0) {
      m_chunks.push_back(std::make_unique_for_overwrite<T[]>(k_chunk));
    }
    m_chunks.back()[m_size & k_mask] = value;
    ++m_size;
  }

private:
  static constexpr std::size_t k_first = std::size_t{1} << (k_chunk_bits < 6 ? k_chunk_bits : 6);
  static constexpr std::size_t k_chunk = std::size_t{1} << k_chunk_bits;
  static constexpr std::size_t k_mask = k_chunk - 1;
  std::vector<std::unique_ptr<T[]>> m_chunks;
  std::size_t m_size = 0;
  std::size_t m_first_capacity = 0; // elements the first chunk holds until it is full-size
};

} // namespace spnscan
