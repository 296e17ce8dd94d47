#include "spnscan/model/spn.hpp"

#include <charconv>

namespace spnscan {

namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string hex_byte(unsigned char c) {
  static constexpr char k_digits[] = "0123456789ABCDEF";
  return {'0', 'x', k_digits[c >> 4], k_digits[c & 0xF]};
}

} // namespace

std::string_view Spn::host_for_compare() const {
  if (host.size() > 1 && host.back() == '.') {
    return host.substr(0, host.size() - 1);
  }
  return host;
}

std::variant<Spn, std::string> parse_spn(std::string_view text) {
  if (text.empty()) {
    return std::string("empty value");
  }
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == ' ' || c == '\t') {
      return "whitespace at position " + std::to_string(i + 1);
    }
    if (c < 0x20 || c == 0x7F) {
      return "control character " + hex_byte(c) + " at position " + std::to_string(i + 1);
    }
  }
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) {
    return std::string("no '/' between service class and host");
  }
  if (text == "/") {
    return std::string("'/' alone: no service class and no host");
  }
  Spn spn;
  spn.service_class = text.substr(0, slash);
  if (spn.service_class.empty()) {
    return std::string("empty service class");
  }
  if (spn.service_class.find(':') != std::string_view::npos) {
    return std::string("':' in service class");
  }
  std::string_view rest = text.substr(slash + 1);
  const auto name_slash = rest.find('/');
  std::string_view host_port = rest.substr(0, name_slash);
  if (name_slash != std::string_view::npos) {
    spn.service_name = rest.substr(name_slash + 1);
    if (spn.service_name.empty()) {
      return std::string("empty service name after the second '/'");
    }
  }
  const auto colon = host_port.find(':');
  spn.host = host_port.substr(0, colon);
  if (spn.host.empty() || spn.host == ".") {
    return std::string("empty host");
  }
  if (colon != std::string_view::npos) {
    spn.port_text = host_port.substr(colon + 1);
    unsigned value = 0;
    const auto* first = spn.port_text.data();
    const auto* last = first + spn.port_text.size();
    const auto [end, ec] = std::from_chars(first, last, value);
    if (spn.port_text.empty() || ec != std::errc() || end != last || value == 0 || value > 65535) {
      return "bad port '" + std::string(spn.port_text) + "' (must be 1-65535)";
    }
    spn.port = static_cast<std::uint16_t>(value);
  }
  return spn;
}

void append_spn_key(const Spn& spn, std::string& out) {
  const auto append_lower = [&out](std::string_view part) {
    for (const char c : part) {
      out += lower(c);
    }
  };
  append_lower(spn.service_class);
  out += '/';
  append_lower(spn.host_for_compare());
  if (spn.port) {
    out += ':';
    out += std::to_string(*spn.port);
  }
  if (!spn.service_name.empty()) {
    out += '/';
    append_lower(spn.service_name);
  }
}

std::string spn_key(std::string_view text) {
  const auto parsed = parse_spn(text);
  if (const auto* spn = std::get_if<Spn>(&parsed)) {
    std::string key;
    key.reserve(text.size());
    append_spn_key(*spn, key);
    return key;
  }
  return ascii_lower(text);
}

std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out) {
    c = lower(c);
  }
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) {
      return false;
    }
  }
  return true;
}

bool istarts_with(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && iequals(text.substr(0, prefix.size()), prefix);
}

} // namespace spnscan
