#pragma once

#include "spnscan/util/expected.hpp"
#include "spnscan/util/text.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace spnscan {

// A parsed SPN: serviceclass/host[:port][/servicename] (MS-ADTS 2.2.21). Views point into
// the text given to parse_spn.
struct Spn {
  std::string_view service_class;
  std::string_view host; // as written, trailing dot included
  std::optional<std::uint16_t> port;
  std::string_view port_text;    // "1433", empty without a port
  std::string_view service_name; // empty without one
  // host with one trailing '.' removed: what comparisons use.
  std::string_view host_for_compare() const;
};

// A host name without one trailing '.' ("web01.contoso.com." -> "web01.contoso.com"); "." stays.
inline std::string_view without_trailing_dot(std::string_view host) {
  if (host.size() > 1 && host.back() == '.') {
    host.remove_suffix(1);
  }
  return host;
}

// True for Exchange's transport classes, SMTP and SMTPSVC (any case): they run as the server.
inline bool is_smtp_class(std::string_view service_class) {
  return iequals(service_class, "SMTP") || iequals(service_class, "SMTPSVC");
}

// The longest host an SPN can name: a DNS name has at most 255 octets.
inline constexpr std::size_t k_max_host = 255;

// Returns the parsed SPN, or an error text saying what is wrong:
// "empty service class", "empty host", "no '/' between service class and host",
// "bad port '99999'", "whitespace at position 5", "control character 0x0A at position 7",
// "host of 300 bytes (a host name has at most 255)", ...
Expected<Spn> parse_spn(std::string_view text);

// The form used to compare SPNs: lower-case (ASCII) with the host's trailing dot removed.
// Two SPNs are the same SPN when their keys are equal. Returns the text lower-cased as-is
// when it does not parse.
std::string spn_key(std::string_view text);
// Appends the comparison form of a parsed SPN to out (no allocation when out has room).
void append_spn_key(const Spn& spn, std::string& out);

} // namespace spnscan
