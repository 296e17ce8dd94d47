#include "spnscan/source/ldap/openldap/openldap_connection.hpp"

#include "spnscan/error.hpp"
#include "spnscan/model/spn.hpp"
#include "spnscan/platform/platform.hpp"
#include "spnscan/util/text.hpp"

#include <sasl/sasl.h>

#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <utility>

// Configuration files: libldap reads ldap.conf, ~/.ldaprc and ./ldaprc and the LDAP* / LDAPTLS_*
// environment. We deliberately do NOT set LDAPNOINIT: sites keep their AD CA in ldap.conf
// (TLS_CACERT) and Kerberos/SASL settings there, exactly as ldapsearch uses them. Instead every
// option that decides safety or correctness (protocol version, referrals, timeouts, limits,
// certificate checking, CA file, SASL security properties) is set on the handle after
// ldap_initialize, where it takes precedence, and TLS gets its own context (NEWCTX) built from
// the handle's options, so LDAPTLS_REQCERT=never or a stray ldaprc cannot weaken verification.
//
// Kerberos (-Y GSSAPI) uses the credential cache named by KRB5CCNAME; from cron, --keytab FILE
// (use_client_keytab) lets MIT Kerberos get a ticket from the keytab by itself.

namespace spnscan::ldap {

namespace {

// A secret that is overwritten before its memory is given back.
class Secret {
public:
  Secret() = default;
  explicit Secret(std::string value) : m_value(std::move(value)) {}
  Secret(const Secret&) = delete;
  Secret& operator=(const Secret&) = delete;
  ~Secret() { wipe(); }
  Secret& operator=(std::string value) {
    wipe();
    m_value = std::move(value);
    return *this;
  }
  void wipe() {
    volatile char* p = m_value.data();
    for (std::size_t i = 0; i < m_value.size(); ++i) {
      p[i] = '\0';
    }
    m_value.clear();
  }
  bool empty() const { return m_value.empty(); }
  std::string& value() { return m_value; }

private:
  std::string m_value;
};

// What the SASL interaction callback answers with (ldapsearch's lutilSASLdefaults).
struct SaslDefaults {
  const LdapOptions* options = nullptr;
  Secret password;
  std::string authcid_prompt_name;
  // Set when the callback could not answer; rethrown after the bind call returns.
  std::exception_ptr error;
  std::string refusal;
};

// Answers one SASL interaction from the options, like lutil_sasl_interact in LDAP_SASL_QUIET
// mode: never prompts except for a password, which goes through platform::prompt_password.
int answer(SaslDefaults& defaults, sasl_interact_t& interact) {
  const LdapOptions& options = *defaults.options;
  const char* value = static_cast<const char*>(interact.defresult);
  switch (interact.id) {
  case SASL_CB_GETREALM:
    if (!options.sasl_realm.empty()) {
      value = options.sasl_realm.c_str();
    }
    break;
  case SASL_CB_AUTHNAME:
    if (!options.sasl_authcid.empty()) {
      value = options.sasl_authcid.c_str();
    }
    break;
  case SASL_CB_USER:
    value = options.sasl_authzid.c_str(); // an empty authzid is fine: "act as myself"
    break;
  case SASL_CB_PASS:
    if (defaults.password.empty()) {
      defaults.password = platform::prompt_password(
          "SASL password" + (options.sasl_authcid.empty() ? "" : " for " + options.sasl_authcid) +
          ": ");
    }
    value = defaults.password.value().c_str();
    break;
  default:
    defaults.refusal = "the SASL mechanism " + options.sasl_mech +
                       " asked an interactive question (" + std::to_string(interact.id) +
                       "), which spnscan does not answer";
    return LDAP_OTHER;
  }
  if ((value == nullptr || *value == '\0') && interact.id != SASL_CB_USER) {
    defaults.refusal = std::string("the SASL mechanism ") + options.sasl_mech + " needs " +
                       (interact.id == SASL_CB_GETREALM ? "a realm (-R)" : "an identity (-U)");
    return LDAP_OTHER;
  }
  interact.result = value != nullptr ? value : "";
  interact.len = static_cast<unsigned>(std::strlen(static_cast<const char*>(interact.result)));
  return LDAP_SUCCESS;
}

// The LDAP_SASL_INTERACT_PROC: no exception may cross libldap, so it is stored and rethrown.
int sasl_interact(LDAP* /*ld*/, unsigned /*flags*/, void* defaults_ptr, void* interact_ptr) {
  auto& defaults = *static_cast<SaslDefaults*>(defaults_ptr);
  try {
    for (auto* interact = static_cast<sasl_interact_t*>(interact_ptr);
         interact->id != SASL_CB_LIST_END; ++interact) {
      const int rc = answer(defaults, *interact);
      if (rc != LDAP_SUCCESS) {
        return rc;
      }
    }
    return LDAP_SUCCESS;
  } catch (...) {
    defaults.error = std::current_exception();
    return LDAP_OTHER;
  }
}

std::string get_string_option(LDAP* ld, int option) {
  char* raw = nullptr;
  if (ldap_get_option(ld, option, &raw) != LDAP_OPT_SUCCESS) {
    return {};
  }
  LdapString owned(raw);
  return to_string(owned.get());
}

// Any non-null pointer turns a boolean libldap option on (LDAP_OPT_ON is such a pointer).

// A cron job has no ticket: point MIT Kerberos at the keytab (KRB5_CLIENT_KTNAME) and at a
// credential cache of this process only (MEMORY:), so that GSSAPI gets its ticket from the keytab
// and neither reads nor replaces the ticket cache of whoever runs spnscan.
void use_client_keytab(const std::string& keytab) {
  const Status secret = platform::secret_file(keytab);
  if (!secret) {
    throw UsageError("--keytab '" + keytab + "': " + secret.error() + platform::secret_file_fix());
  }
  std::error_code ec;
  const std::filesystem::path absolute = std::filesystem::absolute(keytab, ec);
  platform::set_environment("KRB5_CLIENT_KTNAME", "FILE:" + (ec ? keytab : absolute.string()));
  platform::set_environment("KRB5CCNAME", "MEMORY:spnscan");
}

} // namespace

namespace {

// ldapsearch's words for a libldap failure (connection.hpp's error_text with ldap_err2string).
std::string error_text(std::string_view prefix, int code, std::string_view matched,
                       std::string_view diagnostic) {
  return ldap::error_text(prefix, ldap_err2string(code), code, matched, diagnostic);
}

} // namespace

std::string find_domain_controller(bool /*forest*/, std::string& /*how*/) {
  throw UsageError("-H is required: give the directory's URI, e.g. -H ldaps://dc1.example.com");
}

std::unique_ptr<Connection> connect(const LdapOptions& options, const std::string& uri,
                                    DirectoryBuilder& builder) {
  return std::make_unique<Session>(options, uri, builder);
}

Session::Session(const LdapOptions& options, std::string uri, DirectoryBuilder& builder)
    : m_options(options), m_uri(std::move(uri)) {
  LDAP* raw = nullptr;
  const int rc = ldap_initialize(&raw, m_uri.c_str());
  m_ld.reset(raw);
  if (rc != LDAP_SUCCESS || !m_ld) {
    throw DirectoryError(error_text("ldap_initialize(" + m_uri + ") failed", rc, "", ""));
  }
  set_session_options(builder);

  // Connect now, so connection and TLS failures name the connection, not the first search.
  const int connect_rc = ldap_connect(get());
  if (connect_rc != LDAP_SUCCESS) {
    std::string text = failure("connect to " + m_uri, connect_rc);
    if (uri_scheme(m_uri) == "ldaps" && m_options.tls_verify) {
      // libldap's GnuTLS backend often says only "(unknown error code)" for a refused cert.
      text += " (if the server answers: is its certificate issued for the host name in -H by a "
              "CA in --ca-file or the system store?)";
    }
    throw DirectoryError(text);
  }
  builder.note("connected to " + m_uri);
  if (m_options.starttls) {
    const int tls_rc = ldap_start_tls_s(get(), nullptr, nullptr);
    if (tls_rc != LDAP_SUCCESS) {
      // Never continue in cleartext after a refused StartTLS.
      throw DirectoryError(error_text("StartTLS refused by " + m_uri, tls_rc,
                                      get_string_option(get(), LDAP_OPT_MATCHED_DN),
                                      get_string_option(get(), LDAP_OPT_DIAGNOSTIC_MESSAGE)));
    }
    builder.note("StartTLS established");
  }
  bind();
  builder.note(!m_options.sasl_mech.empty()
                   ? "bound with SASL " + m_options.sasl_mech +
                         (m_options.keytab.empty()
                              ? std::string()
                              : " (ticket from --keytab " + printable(m_options.keytab) + ")")
               : !m_options.bind_dn.empty() ? "bound as " + printable(m_options.bind_dn)
                                            : std::string("no bind: reading anonymously"));
}

void Session::set_session_options(DirectoryBuilder& builder) {
  LDAP* ld = get();
  const auto set = [&](int option, const void* value, const char* name) {
    if (ldap_set_option(ld, option, value) != LDAP_OPT_SUCCESS) {
      throw DirectoryError(failure(std::string("ldap_set_option(") + name + ")", LDAP_PARAM_ERROR));
    }
  };
  const int version = LDAP_VERSION3;
  set(LDAP_OPT_PROTOCOL_VERSION, &version, "LDAP_OPT_PROTOCOL_VERSION");
  // Chasing would rebind anonymously elsewhere (AD: "000004DC ... successful bind must be
  // completed"); references are reported instead.
  set(LDAP_OPT_REFERRALS, nullptr, "LDAP_OPT_REFERRALS");
  const int deref = LDAP_DEREF_NEVER;
  set(LDAP_OPT_DEREF, &deref, "LDAP_OPT_DEREF");
  const int no_limit = LDAP_NO_LIMIT;
  set(LDAP_OPT_SIZELIMIT, &no_limit, "LDAP_OPT_SIZELIMIT");
  set(LDAP_OPT_TIMELIMIT, &no_limit, "LDAP_OPT_TIMELIMIT");
  // Network timeout bounds connect and the TLS handshake; LDAP_OPT_TIMEOUT bounds every
  // synchronous call (StartTLS, bind); searches pass their own timeout to ldap_result.
  const timeval timeout{m_options.timeout_seconds, 0};
  set(LDAP_OPT_NETWORK_TIMEOUT, &timeout, "LDAP_OPT_NETWORK_TIMEOUT");
  set(LDAP_OPT_TIMEOUT, &timeout, "LDAP_OPT_TIMEOUT");

  const std::string scheme = uri_scheme(m_uri);
  if (scheme == "ldaps" || m_options.starttls) {
    const int require = m_options.tls_verify ? LDAP_OPT_X_TLS_DEMAND : LDAP_OPT_X_TLS_NEVER;
    set(LDAP_OPT_X_TLS_REQUIRE_CERT, &require, "LDAP_OPT_X_TLS_REQUIRE_CERT");
    if (!m_options.ca_file.empty()) {
      set(LDAP_OPT_X_TLS_CACERTFILE, m_options.ca_file.c_str(), "LDAP_OPT_X_TLS_CACERTFILE");
    }
    const int is_server = 0;
    if (ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &is_server) != LDAP_OPT_SUCCESS) {
      throw DirectoryError(
          failure("TLS setup (LDAP_OPT_X_TLS_NEWCTX" +
                      (m_options.ca_file.empty() ? std::string(")")
                                                 : ", --ca-file '" + m_options.ca_file + "')"),
                  LDAP_PARAM_ERROR));
    }
  }
  if (!m_options.tls_verify) {
    builder.warn("TLS certificate verification is OFF (--insecure-skip-verify): the server's "
                 "identity was not checked and the connection may be intercepted");
  }

  if (!m_options.sasl_mech.empty()) {
    std::string secprops = m_options.sasl_secprops;
    // AD refuses a SASL security layer inside TLS: with no -O, ask for none over TLS.
    const bool gss =
        iequals(m_options.sasl_mech, "GSSAPI") || iequals(m_options.sasl_mech, "GSS-SPNEGO");
    if (secprops.empty() && gss && (scheme == "ldaps" || m_options.starttls)) {
      secprops = "maxssf=0";
    }
    if (!secprops.empty()) {
      set(LDAP_OPT_X_SASL_SECPROPS, secprops.data(), "LDAP_OPT_X_SASL_SECPROPS");
    }
    // Kerberos is asked for ldap/<the name in -H>, as Windows clients and sssd ask: libldap's
    // default, the reverse-DNS name of the address, is often not the DC's name at all (a
    // load balancer, a PTR record nobody maintains), and then cron fails at 3 a.m.
    set(LDAP_OPT_X_SASL_NOCANON, m_options.sasl_canonicalize ? LDAP_OPT_OFF : LDAP_OPT_ON,
        "LDAP_OPT_X_SASL_NOCANON");
  }
}

std::string Session::failure(std::string_view operation, int code) const {
  if (code == LDAP_TIMEOUT) {
    return std::string(operation) + " timed out after " +
           std::to_string(m_options.timeout_seconds) + " s";
  }
  return error_text(std::string(operation) + " failed", code,
                    get_string_option(get(), LDAP_OPT_MATCHED_DN),
                    get_string_option(get(), LDAP_OPT_DIAGNOSTIC_MESSAGE));
}

void Session::bind() {
  if (!m_options.sasl_mech.empty()) {
    sasl_bind();
  } else if (!m_options.bind_dn.empty()) {
    simple_bind();
  }
  // Neither: stay anonymous; AD allows the RootDSE but little else, which the search reports.
}

void Session::simple_bind() {
  // validate() already refused a cleartext simple bind, before the password is read.
  Secret password(m_options.password_file.empty()
                      ? platform::prompt_password("Password for " + m_options.bind_dn + ": ")
                      : read_password_file(m_options.password_file));
  if (password.empty()) {
    // AD treats a DN with an empty password as an anonymous bind that "succeeds".
    throw UsageError("empty password for -D " + m_options.bind_dn +
                     ": refusing an unauthenticated bind");
  }
  berval credentials{};
  credentials.bv_len = password.value().size();
  credentials.bv_val = password.value().data();
  const int rc = ldap_sasl_bind_s(get(), m_options.bind_dn.c_str(), LDAP_SASL_SIMPLE, &credentials,
                                  nullptr, nullptr, nullptr);
  password.wipe();
  if (rc != LDAP_SUCCESS) {
    std::string text = failure("ldap_sasl_bind(SIMPLE)", rc);
    if (rc == LDAP_STRONG_AUTH_REQUIRED) {
      text += " (the server requires signing or TLS: use ldaps://, -Z or -Y GSSAPI)";
    }
    throw DirectoryError(text);
  }
}

void Session::sasl_bind() {
  if (!m_options.keytab.empty()) {
    use_client_keytab(m_options.keytab);
  }
  SaslDefaults defaults;
  defaults.options = &m_options;
  if (!m_options.password_file.empty()) {
    defaults.password = read_password_file(m_options.password_file);
  }
  const int rc = ldap_sasl_interactive_bind_s(get(), nullptr, m_options.sasl_mech.c_str(), nullptr,
                                              nullptr, LDAP_SASL_QUIET, sasl_interact, &defaults);
  defaults.password.wipe();
  if (defaults.error) {
    std::rethrow_exception(defaults.error);
  }
  if (rc != LDAP_SUCCESS) {
    std::string text = failure("ldap_sasl_interactive_bind(" + m_options.sasl_mech + ")", rc);
    if (!defaults.refusal.empty()) {
      text += " (" + defaults.refusal + ")";
    }
    if (text.find("Server not found in Kerberos database") != std::string::npos) {
      text += m_options.sasl_canonicalize
                  ? "; with --sasl-canonicalize the service ticket was asked for the reverse-DNS "
                    "name of the server: if that is not the DC's name, leave the option out"
                  : "; the service ticket was asked for ldap/<the host in -H>: give the DC's own "
                    "DNS name there (its dNSHostName), not an IP address or an alias";
    }
    throw DirectoryError(text);
  }
}

MessagePtr Session::wait(int msgid, std::string_view operation) {
  timeval timeout{m_options.timeout_seconds, 0};
  LDAPMessage* raw = nullptr;
  const int rc = ldap_result(get(), msgid, LDAP_MSG_ONE, &timeout, &raw);
  MessagePtr message(raw);
  if (rc == 0) {
    ldap_abandon_ext(get(), msgid, nullptr, nullptr);
    throw DirectoryError(failure(operation, LDAP_TIMEOUT));
  }
  if (rc == -1 || !message) {
    int code = LDAP_OTHER;
    ldap_get_option(get(), LDAP_OPT_RESULT_CODE, &code);
    throw DirectoryError(failure(operation, code));
  }
  return message;
}

ResultInfo Session::parse_result(LDAPMessage* message, std::string_view operation) {
  ResultInfo info;
  char* matched = nullptr;
  char* diagnostic = nullptr;
  char** referrals = nullptr;
  LDAPControl** controls = nullptr;
  const int rc = ldap_parse_result(get(), message, &info.code, &matched, &diagnostic, &referrals,
                                   &controls, 0);
  LdapString matched_owned(matched);
  LdapString diagnostic_owned(diagnostic);
  StringArrayPtr referrals_owned(referrals);
  info.controls.reset(controls);
  if (rc != LDAP_SUCCESS) {
    throw DirectoryError(error_text(std::string(operation) + " failed", rc, "",
                                    "the server's result could not be decoded"));
  }
  info.matched = to_string(matched);
  info.diagnostic = to_string(diagnostic);
  for (char** url = referrals; url != nullptr && *url != nullptr; ++url) {
    info.referrals.emplace_back(*url);
  }
  return info;
}

namespace {

// The attributes of one entry, read in one pass with values pointing into the message:
// ldap_get_values_len would rescan the entry for each attribute and copy every value
// (ldapsearch reads it this way too).
class BerEntryReader : public EntryReader {
public:
  BerEntryReader(LDAP* ld, LDAPMessage* message, BerElement* ber, std::string_view dn)
      : m_ld(ld), m_message(message), m_ber(ber), m_dn(dn) {}

  bool next(std::string_view& description, std::vector<std::string_view>& values) override {
    berval name{};
    BerVarray raw_values = nullptr;
    if (ldap_get_attribute_ber(m_ld, m_message, m_ber, &name, &raw_values) != LDAP_SUCCESS) {
      ldap_memfree(raw_values);
      throw DirectoryError(error_text("reading the attributes of " + printable(m_dn) + " failed",
                                      LDAP_DECODING_ERROR, "", ""));
    }
    m_values.reset(raw_values);
    if (name.bv_val == nullptr) {
      return false;
    }
    description = std::string_view(name.bv_val, name.bv_len);
    values.clear();
    for (const berval* v = m_values.get(); v != nullptr && v->bv_val != nullptr; ++v) {
      values.emplace_back(v->bv_val, v->bv_len);
    }
    return true;
  }

private:
  LDAP* m_ld;
  LDAPMessage* m_message;
  BerElement* m_ber;
  std::string_view m_dn;
  AttributeValuesPtr m_values;
};

} // namespace

void Session::read_entry(LDAPMessage* message, SearchHandler& handler, std::string_view operation) {
  BerElement* raw_ber = nullptr;
  berval dn{};
  if (ldap_get_dn_ber(get(), message, &raw_ber, &dn) != LDAP_SUCCESS || dn.bv_val == nullptr) {
    BerPtr cleanup(raw_ber);
    throw DirectoryError(
        failure(std::string(operation) + ": ldap_get_dn_ber", LDAP_DECODING_ERROR));
  }
  BerPtr ber(raw_ber);
  const std::string_view name(dn.bv_val, dn.bv_len);
  BerEntryReader reader(get(), message, ber.get(), name);
  handler.entry(name, reader);
}

void Session::read_reference(LDAPMessage* message, SearchHandler& handler) {
  char** raw = nullptr;
  const int rc = ldap_parse_reference(get(), message, &raw, nullptr, 0);
  StringArrayPtr urls(raw);
  if (rc != LDAP_SUCCESS) {
    throw DirectoryError(failure("ldap_parse_reference", rc));
  }
  for (char** url = raw; url != nullptr && *url != nullptr; ++url) {
    handler.reference(*url);
  }
}

SearchResult Session::search(const SearchRequest& request, SearchHandler& handler) {
  std::vector<std::string> attr_copies(request.attributes); // libldap's API wants char**
  std::vector<char*> attrs;
  for (auto& attr : attr_copies) {
    attrs.push_back(attr.data());
  }
  attrs.push_back(nullptr);

  ControlPtr control;
  if (request.page_size > 0) {
    berval cookie{};
    cookie.bv_len = request.cookie.size();
    cookie.bv_val = const_cast<char*>(request.cookie.data()); // read only
    LDAPControl* raw_control = nullptr;
    const int rc = ldap_create_page_control(get(), request.page_size, &cookie, 0, &raw_control);
    control.reset(raw_control);
    if (rc != LDAP_SUCCESS) {
      throw DirectoryError(failure("ldap_create_page_control", rc));
    }
  }
  LDAPControl* server_controls[] = {control.get(), nullptr};
  int msgid = 0;
  int rc =
      ldap_search_ext(get(), request.base.c_str(),
                      request.scope == Scope::base ? LDAP_SCOPE_BASE : LDAP_SCOPE_SUBTREE,
                      request.filter.c_str(), attrs.data(), 0, control ? server_controls : nullptr,
                      nullptr, nullptr, LDAP_NO_LIMIT, &msgid);
  if (rc != LDAP_SUCCESS) {
    throw DirectoryError(failure(request.operation, rc));
  }
  for (;;) {
    MessagePtr message = wait(msgid, request.operation);
    switch (ldap_msgtype(message.get())) {
    case LDAP_RES_SEARCH_ENTRY:
      read_entry(message.get(), handler, request.operation);
      break;
    case LDAP_RES_SEARCH_REFERENCE:
      read_reference(message.get(), handler);
      break;
    case LDAP_RES_SEARCH_RESULT: {
      ResultInfo info = parse_result(message.get(), request.operation);
      SearchResult result;
      result.code = info.code;
      result.matched = std::move(info.matched);
      result.diagnostic = std::move(info.diagnostic);
      result.referrals = std::move(info.referrals);
      LDAPControl* response =
          ldap_control_find(LDAP_CONTROL_PAGEDRESULTS, info.controls.get(), nullptr);
      if (response != nullptr) {
        ber_int_t estimate = 0;
        berval next_cookie{};
        rc = ldap_parse_pageresponse_control(get(), response, &estimate, &next_cookie);
        if (next_cookie.bv_val != nullptr) {
          result.cookie.assign(next_cookie.bv_val, next_cookie.bv_len);
          ber_memfree(next_cookie.bv_val);
        }
        if (rc != LDAP_SUCCESS) {
          throw DirectoryError(failure("ldap_parse_pageresponse_control", rc));
        }
        result.paged = true;
      }
      return result;
    }
    default:
      break; // intermediate responses carry nothing for us
    }
  }
}

} // namespace spnscan::ldap
