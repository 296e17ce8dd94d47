#include "spnscan/model/spn.hpp"

#include "spnscan/util/text.hpp"

#include <charconv>

namespace spnscan {

namespace {

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string hex_byte(unsigned char c) {
  static constexpr char k_digits[] = "0123456789ABCDEF";
  return {'0', 'x', k_digits[c >> 4], k_digits[c & 0xF]};
}

} // namespace

std::string_view Spn::host_for_compare() const {
  return without_trailing_dot(host);
}

Expected<Spn> parse_spn(std::string_view text) {
  if (text.empty()) {
    return fail("empty value");
  }
  // One pass finds the separators and rejects whitespace and control characters: this runs
  // for every SPN of the directory.
  std::size_t slash = std::string_view::npos;
  std::size_t name_slash = std::string_view::npos;
  std::size_t colon = std::string_view::npos;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c <= ' ' || c == 0x7F) {
      if (c == ' ' || c == '\t') {
        return fail("whitespace at position " + std::to_string(i + 1));
      }
      return fail("control character " + hex_byte(c) + " at position " + std::to_string(i + 1));
    }
    if (c == '/') {
      if (slash == std::string_view::npos) {
        slash = i;
      } else if (name_slash == std::string_view::npos) {
        name_slash = i;
      }
    } else if (c == ':' && name_slash == std::string_view::npos &&
               colon == std::string_view::npos) {
      colon = i; // the first ':' before the service name (may still be in the class: checked below)
    }
  }
  if (slash == std::string_view::npos) {
    return fail("no '/' between service class and host");
  }
  if (text == "/") {
    return fail("'/' alone: no service class and no host");
  }
  Spn spn;
  spn.service_class = text.substr(0, slash);
  if (spn.service_class.empty()) {
    return fail("empty service class");
  }
  if (colon != std::string_view::npos && colon < slash) {
    return fail("':' in service class");
  }
  const std::size_t host_end = name_slash == std::string_view::npos ? text.size() : name_slash;
  if (name_slash != std::string_view::npos) {
    spn.service_name = text.substr(name_slash + 1);
    if (spn.service_name.empty()) {
      return fail("empty service name after the second '/'");
    }
  }
  const std::size_t port_at = colon != std::string_view::npos && colon > slash ? colon : host_end;
  spn.host = text.substr(slash + 1, port_at - slash - 1);
  if (spn.host.empty() || spn.host == ".") {
    return fail("empty host");
  }
  // A DNS name has at most 255 octets and a NetBIOS name 15: nothing longer names a host.
  if (spn.host.size() > k_max_host) {
    return fail("host of " + std::to_string(spn.host.size()) + " bytes (a host name has at most " +
                std::to_string(k_max_host) + ")");
  }
  if (port_at != host_end) {
    spn.port_text = text.substr(port_at + 1, host_end - port_at - 1);
    unsigned value = 0;
    const auto* first = spn.port_text.data();
    const auto* last = first + spn.port_text.size();
    const auto [end, ec] = std::from_chars(first, last, value);
    if (spn.port_text.empty() || ec != std::errc() || end != last || value == 0 || value > 65535) {
      return fail("bad port '" + std::string(spn.port_text) + "' (must be 1-65535)");
    }
    spn.port = static_cast<std::uint16_t>(value);
  }
  return spn;
}

void append_spn_key(const Spn& spn, std::string& out) {
  const std::size_t start = out.size();
  const std::string_view host = spn.host_for_compare();
  // The port is written as a number so "01433" and "1433" compare equal.
  const bool plain_port = !spn.port_text.empty() && spn.port_text.front() != '0';
  const std::string port = spn.port && !plain_port ? std::to_string(*spn.port) : std::string();
  const std::string_view port_part = plain_port ? spn.port_text : std::string_view(port);
  out.resize(start + spn.service_class.size() + 1 + host.size() +
             (spn.port ? 1 + port_part.size() : 0) +
             (spn.service_name.empty() ? 0 : 1 + spn.service_name.size()));
  char* at = out.data() + start;
  const auto put_lower = [&at](std::string_view part) {
    for (const char c : part) {
      *at++ = lower(c);
    }
  };
  put_lower(spn.service_class);
  *at++ = '/';
  put_lower(host);
  if (spn.port) {
    *at++ = ':';
    put_lower(port_part);
  }
  if (!spn.service_name.empty()) {
    *at++ = '/';
    put_lower(spn.service_name);
  }
}

std::string spn_key(std::string_view text) {
  const auto parsed = parse_spn(text);
  if (parsed) {
    const Spn* spn = &*parsed;
    std::string key;
    key.reserve(text.size());
    append_spn_key(*spn, key);
    return key;
  }
  return ascii_lower(text);
}

} // namespace spnscan
