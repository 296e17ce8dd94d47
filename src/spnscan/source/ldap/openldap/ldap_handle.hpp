#pragma once

// RAII owners for the C handles libldap hands out. Private to src/spnscan/source/ldap/openldap:
// only this folder includes <ldap.h>.

#include <ldap.h>

#include <memory>
#include <string>

namespace spnscan::ldap {

struct LdapUnbind {
  void operator()(LDAP* ld) const { ldap_unbind_ext_s(ld, nullptr, nullptr); }
};
// A session; unbinds (and closes the connection) when it goes.
using LdapPtr = std::unique_ptr<LDAP, LdapUnbind>;

struct MessageFree {
  void operator()(LDAPMessage* msg) const { ldap_msgfree(msg); }
};
// One result message (or a chain) from ldap_result.
using MessagePtr = std::unique_ptr<LDAPMessage, MessageFree>;

struct BerFree {
  void operator()(BerElement* ber) const { ber_free(ber, 0); }
};
// The attribute cursor of ldap_first_attribute / ldap_next_attribute.
using BerPtr = std::unique_ptr<BerElement, BerFree>;

struct MemFree {
  void operator()(char* text) const { ldap_memfree(text); }
};
// A string libldap allocated (ldap_get_dn, attribute names, diagnostic messages).
using LdapString = std::unique_ptr<char, MemFree>;

struct ValuesFree {
  void operator()(berval** values) const { ldap_value_free_len(values); }
};
// The binary-safe values of one attribute (ldap_get_values_len).
using ValuesPtr = std::unique_ptr<berval*, ValuesFree>;

struct AttributeValuesFree {
  void operator()(berval* values) const { ldap_memfree(values); }
};
// The value array of ldap_get_attribute_ber: the array is ours, the values point into the message.
using AttributeValuesPtr = std::unique_ptr<berval, AttributeValuesFree>;

struct BervalFree {
  void operator()(berval* value) const { ber_bvfree(value); }
};
// One berval libldap allocated.
using BervalPtr = std::unique_ptr<berval, BervalFree>;

struct ControlFree {
  void operator()(LDAPControl* control) const { ldap_control_free(control); }
};
// One control we created (the paged-results request control).
using ControlPtr = std::unique_ptr<LDAPControl, ControlFree>;

struct ControlsFree {
  void operator()(LDAPControl** controls) const { ldap_controls_free(controls); }
};
// The server's response controls from ldap_parse_result.
using ControlsPtr = std::unique_ptr<LDAPControl*, ControlsFree>;

struct StringArrayFree {
  void operator()(char** values) const { ber_memvfree(reinterpret_cast<void**>(values)); }
};
// A NULL-terminated array of strings (referral URLs).
using StringArrayPtr = std::unique_ptr<char*, StringArrayFree>;

// Returns the text of a libldap string, "" for null.
inline std::string to_string(const char* text) {
  return text != nullptr ? std::string(text) : std::string();
}

} // namespace spnscan::ldap
