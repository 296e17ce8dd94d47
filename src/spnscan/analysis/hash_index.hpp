#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <vector>

namespace spnscan {

// An open-addressing multimap from 64-bit hashes to 32-bit values (SPN or account indexes).
// 8 bytes a slot, sized once for the expected count at a load of about 3/4 (linear probing
// over a flat array stays short there), so indexing every SPN of a large directory costs
// neither a sort nor a lower-cased copy of each value. Callers confirm a match by comparing the
// real keys: equal tags only say "probably the same".
class HashIndex {
public:
  explicit HashIndex(std::size_t expected) {
    // Any capacity works: the home slot is picked by a multiply-shift, not a power-of-two mask.
    const std::size_t capacity = std::max<std::size_t>(16, expected + expected / 3 + 1);
    if (capacity > std::numeric_limits<std::uint32_t>::max()) {
      throw std::length_error("HashIndex too large");
    }
    m_slots.resize(capacity);
    m_capacity = capacity;
  }

  // Throws std::length_error when more values come than the index was sized for.
  void insert(std::uint64_t hash, std::uint32_t value) {
    if (++m_count >= m_capacity) { // one slot stays empty so every probe ends
      throw std::length_error("HashIndex is full");
    }
    for (std::size_t i = home(hash);; i = next(i)) {
      if (m_slots[i].value_plus_one == 0) {
        m_slots[i] = {tag(hash), value + 1};
        return;
      }
    }
  }

  // Calls f(value) for each value inserted with a hash that has the same tag and home slot.
  template <typename F> void for_each(std::uint64_t hash, F&& f) const {
    const std::uint32_t t = tag(hash);
    for (std::size_t i = home(hash); m_slots[i].value_plus_one != 0; i = next(i)) {
      if (m_slots[i].tag == t) {
        f(m_slots[i].value_plus_one - 1);
      }
    }
  }

private:
  struct Slot {
    std::uint32_t tag = 0;
    std::uint32_t value_plus_one = 0; // 0 = empty
  };
  // Lemire's fastrange: maps the low 32 bits of the hash onto [0, capacity) without a division.
  std::size_t home(std::uint64_t hash) const {
    return static_cast<std::size_t>(((hash & 0xFFFFFFFFu) * m_capacity) >> 32);
  }
  std::size_t next(std::size_t i) const { return i + 1 == m_capacity ? 0 : i + 1; }
  static std::uint32_t tag(std::uint64_t hash) { return static_cast<std::uint32_t>(hash >> 32); }

  std::vector<Slot> m_slots;
  std::size_t m_capacity = 0;
  std::size_t m_count = 0;
};

} // namespace spnscan
