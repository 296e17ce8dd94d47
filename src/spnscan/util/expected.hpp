#pragma once

#include <string>
#include <utility>
#include <variant>

// The one error style of the low-level parsers (ccache's tl::expected): a value, or the text
// saying what is wrong with the input, which callers put into their messages and tests compare
// exactly. Higher levels throw the typed errors of error.hpp instead.
namespace spnscan {

// The error side, so that Expected<std::string> cannot mistake an error for a value.
struct Unexpected {
  std::string error;
};

// Returns the error side of an Expected: `return fail("empty host");`.
inline Unexpected fail(std::string error) {
  return Unexpected{std::move(error)};
}

template <typename T> class [[nodiscard]] Expected {
public:
  Expected(T value) : m_state(std::in_place_index<0>, std::move(value)) {}
  Expected(Unexpected error) : m_state(std::in_place_index<1>, std::move(error.error)) {}

  bool has_value() const { return m_state.index() == 0; }
  explicit operator bool() const { return has_value(); }
  // The value; only when has_value().
  const T& value() const { return std::get<0>(m_state); }
  T& value() { return std::get<0>(m_state); }
  const T& operator*() const { return value(); }
  const T* operator->() const { return &value(); }
  // What is wrong; only when !has_value().
  const std::string& error() const { return std::get<1>(m_state); }

private:
  std::variant<T, std::string> m_state;
};

// An operation that has no value to give, only success or what went wrong.
struct Ok {};
using Status = Expected<Ok>;
inline Status ok() {
  return Ok{};
}

} // namespace spnscan
