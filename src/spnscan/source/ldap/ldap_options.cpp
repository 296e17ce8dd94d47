#include "spnscan/source/ldap/ldap_options.hpp"

#include "spnscan/error.hpp"
#include "spnscan/model/spn.hpp"
#include "spnscan/platform/platform.hpp"
#include "spnscan/util/text.hpp"

#include <cctype>
#include <cerrno>
#include <charconv>
#include <fstream>

// Pure checks and helpers for the LDAP source; no libldap here so they are unit-testable.
namespace spnscan {

namespace {

constexpr int k_max_page_size = 100000;
// A password file larger than this is not a password file (and reading it whole is silly).
constexpr std::streamoff k_max_password_file = std::streamoff{64} * 1024;

// Throws when a SASL-only option is given without -Y.
void require_sasl(bool given, const char* flag, const LdapOptions& options) {
  if (given && options.sasl_mech.empty()) {
    throw UsageError(
        std::string(flag) +
        " given without -Y: -U, -R, -X, -O and --sasl-canonicalize only apply to a SASL "
        "bind");
  }
}

std::optional<std::uint64_t> parse_number(std::string_view text) {
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end) {
    return std::nullopt;
  }
  return value;
}

} // namespace

std::string uri_scheme(std::string_view uri) {
  const auto pos = uri.find("://");
  if (pos == std::string_view::npos) {
    return {};
  }
  std::string scheme(uri.substr(0, pos));
  for (char& c : scheme) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return scheme;
}

bool connection_protected(const LdapOptions& options) {
  const std::string scheme = uri_scheme(options.uri);
  return scheme == "ldaps" || scheme == "ldapi" || options.starttls;
}

namespace {

// The libldap choices a Windows build cannot honour, each with what to do instead.
void refuse_for_wldap32(const LdapOptions& options, const std::string& scheme) {
  if (scheme == "ldapi") {
    throw UsageError("-H '" + options.uri +
                     "': ldapi:// is a Unix socket; on Windows use ldap:// or ldaps://");
  }
  const auto refuse = [](bool given, const std::string& flag) {
    if (given) {
      throw UsageError(flag + " is for the Linux build's SASL bind: on Windows, spnscan binds "
                              "with Negotiate (Kerberos) as the logged-on user when no -D is "
                              "given, as setspn does; run it as the account you want to use");
    }
  };
  refuse(!options.sasl_mech.empty(), "-Y " + options.sasl_mech);
  refuse(!options.sasl_authcid.empty(), "-U");
  refuse(!options.sasl_realm.empty(), "-R");
  refuse(!options.sasl_authzid.empty(), "-X");
  refuse(!options.sasl_secprops.empty(), "-O");
  refuse(options.sasl_canonicalize, "--sasl-canonicalize");
  refuse(!options.keytab.empty(), "--keytab");
  if (!options.ca_file.empty()) {
    throw UsageError("--ca-file is not used on Windows: Windows checks the server's certificate "
                     "against its own trust store; import the CA into the computer's Trusted "
                     "Root Certification Authorities (certlm.msc) instead");
  }
}

} // namespace

void validate(const LdapOptions& options, LdapClient client) {
  const bool windows = client == LdapClient::wldap32;
  if (options.uri.empty() && !windows) {
    throw UsageError("-H is required: give the directory's URI, e.g. -H ldaps://dc1.example.com");
  }
  if (options.uri.find_first_of(" \t,") != std::string::npos) {
    throw UsageError("-H '" + options.uri + "': give exactly one URI");
  }
  const std::string scheme = options.uri.empty() ? std::string("ldap") : uri_scheme(options.uri);
  if (scheme != "ldap" && scheme != "ldaps" && scheme != "ldapi") {
    throw UsageError("-H '" + options.uri + "': unsupported scheme '" + scheme +
                     "'; use ldap://, ldaps:// or ldapi://");
  }
  if (windows) {
    refuse_for_wldap32(options, scheme);
  }
  if (options.starttls && options.uri.empty()) {
    throw UsageError("-Z needs -H: give the domain controller's ldap:// URI by its DNS name, "
                     "the name its certificate is issued for");
  }
  if (options.prompt_password && !options.password_file.empty()) {
    throw UsageError("-W and -y both given: choose a password prompt (-W) or a password file (-y)");
  }
  if (!options.bind_dn.empty() && !options.sasl_mech.empty()) {
    throw UsageError(
        "-D and -Y both given: -D is for a simple bind; a SASL bind takes its identity from -U");
  }
  if (options.starttls && scheme != "ldap") {
    throw UsageError("-Z and an " + scheme + ":// URI both given: StartTLS needs an ldap:// URI" +
                     (scheme == "ldaps" ? " (ldaps:// is TLS already)" : ""));
  }
  if (options.forest && scheme == "ldapi") {
    throw UsageError("--forest and an ldapi:// URI both given: the Global Catalog is reached over "
                     "ldap:// or ldaps://");
  }
  require_sasl(!options.sasl_authcid.empty(), "-U", options);
  require_sasl(!options.sasl_realm.empty(), "-R", options);
  require_sasl(!options.sasl_authzid.empty(), "-X", options);
  require_sasl(!options.sasl_secprops.empty(), "-O", options);
  require_sasl(options.sasl_canonicalize, "--sasl-canonicalize", options);
  if (!options.keytab.empty() && !iequals(options.sasl_mech, "GSSAPI")) {
    throw UsageError("--keytab given without -Y GSSAPI: a keytab only serves a Kerberos bind");
  }
  const bool has_password_source = options.prompt_password || !options.password_file.empty();
  if (!options.bind_dn.empty() && !has_password_source) {
    throw UsageError("-D given without a password source: add -W (prompt) or -y FILE");
  }
  if (has_password_source && options.bind_dn.empty() && options.sasl_mech.empty()) {
    throw UsageError(std::string(options.prompt_password ? "-W" : "-y") +
                     (windows ? " given without -D: a password needs a simple bind (-D); with "
                                "no -D spnscan binds as the logged-on user"
                              : " given without -D or -Y: a password needs a simple bind (-D) "
                                "or a SASL mechanism (-Y)"));
  }
  if (options.page_size < 1 || options.page_size > k_max_page_size) {
    throw UsageError("--page-size " + std::to_string(options.page_size) +
                     " is out of range 1..100000");
  }
  if (options.timeout_seconds <= 0) {
    throw UsageError("--timeout " + std::to_string(options.timeout_seconds) +
                     " is out of range: give at least 1 second");
  }
  // Checked here, before any password is read or sent: a simple bind in cleartext gives the
  // password to anyone on the path, and DCs that require signing refuse it anyway.
  if (!options.bind_dn.empty() && !connection_protected(options) && !options.allow_plaintext_bind) {
    throw UsageError(
        "refusing a simple bind (-D) over an unencrypted connection to " +
        (options.uri.empty() ? std::string("the domain controller") : options.uri) +
        ": use ldaps://, -Z, " +
        (windows ? "no -D (Negotiate as the logged-on user, signed and sealed)" : "-Y GSSAPI") +
        ", or --allow-plaintext-bind");
  }
}

std::string effective_uri(const LdapOptions& options) {
  const std::string scheme = uri_scheme(options.uri);
  if (!options.forest || (scheme != "ldap" && scheme != "ldaps")) {
    return options.uri;
  }
  const std::size_t host_start = options.uri.find("://") + 3;
  std::size_t host_end = options.uri.find_first_of("/?", host_start);
  if (host_end == std::string::npos) {
    host_end = options.uri.size();
  }
  const std::string_view hostport =
      std::string_view(options.uri).substr(host_start, host_end - host_start);
  if (hostport.empty()) {
    return options.uri; // no host: let libldap's default apply
  }
  // An IPv6 literal is bracketed; a port follows the closing bracket.
  const std::size_t after_host = hostport.front() == '[' ? hostport.find(']') : 0;
  if (after_host != std::string_view::npos &&
      hostport.find(':', after_host) != std::string_view::npos) {
    return options.uri;
  }
  return options.uri.substr(0, host_end) + (scheme == "ldaps" ? ":3269" : ":3268") +
         options.uri.substr(host_end);
}

void strip_one_newline(std::string& text) {
  if (text.size() >= 2 && text.compare(text.size() - 2, 2, "\r\n") == 0) {
    text.resize(text.size() - 2);
  } else if (!text.empty() && text.back() == '\n') {
    text.pop_back();
  }
}

std::string read_password_file(const std::string& path) {
  const Status secret = platform::secret_file(path);
  if (!secret) {
    throw UsageError("password file '" + path + "': " + secret.error() +
                     platform::secret_file_fix());
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw UsageError("password file '" + path + "': " + platform::error_text(errno));
  }
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  if (size < 0 || size > k_max_password_file) {
    throw UsageError("password file '" + path + "': not a regular file of at most 64 KiB");
  }
  in.seekg(0, std::ios::beg);
  // Read straight into the final buffer so no stray copies of the secret are left behind.
  std::string password(static_cast<std::size_t>(size), '\0');
  if (size > 0 && !in.read(password.data(), size)) {
    throw UsageError("password file '" + path + "': read failed");
  }
  strip_one_newline(password);
  if (password.empty()) {
    throw UsageError("password file '" + path + "' is empty");
  }
  return password;
}

Expected<ValueRange> parse_range_option(std::string_view options) {
  const std::string_view all = options;
  while (!options.empty()) {
    const std::size_t semi = options.find(';');
    const std::string_view option = options.substr(0, semi);
    options = semi == std::string_view::npos ? std::string_view() : options.substr(semi + 1);
    if (option.size() < 6 || !iequals(option.substr(0, 6), "range=")) {
      continue;
    }
    const std::string_view bounds = option.substr(6);
    const std::size_t dash = bounds.find('-');
    const auto malformed = [&] { return fail("malformed option '" + printable(option) + "'"); };
    if (dash == std::string_view::npos) {
      return malformed();
    }
    const auto low = parse_number(bounds.substr(0, dash));
    if (!low) {
      return malformed();
    }
    const std::string_view high_text = bounds.substr(dash + 1);
    if (high_text == "*") {
      return ValueRange{*low, 0, true};
    }
    const auto high = parse_number(high_text);
    if (!high || *high < *low) {
      return malformed();
    }
    return ValueRange{*low, *high, false};
  }
  return fail("no range option in '" + printable(all) + "'");
}

} // namespace spnscan
