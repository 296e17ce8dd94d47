#pragma once

// Builders for unit tests: accounts as a directory export would have them, without LDIF.

#include "spnscan/model/directory.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace spnscan::test {

// A binary objectSid S-1-5-21-1004336348-1177238915-682003330-<rid>.
inline std::string sid(std::uint32_t rid) {
  std::string s = {1, 5, 0, 0, 0, 0, 0, 5};
  for (std::uint32_t sub : {21u, 1004336348u, 1177238915u, 682003330u, rid}) {
    for (int i = 0; i < 4; ++i) {
      s += static_cast<char>((sub >> (8 * i)) & 0xFF);
    }
  }
  return s;
}

struct Spec {
  std::string dn;
  std::string sam;
  std::vector<std::string> classes = {"top", "person", "organizationalPerson", "user"};
  std::string uac = "512";
  std::string sam_type = "805306368";
  std::uint32_t rid = 1100;
  std::vector<std::string> spns;
  std::string admin_count;
  std::string dns_host_name;
};

inline Spec user(const std::string& name, std::vector<std::string> spns, std::uint32_t rid = 1100) {
  Spec s;
  s.dn = "CN=" + name + ",CN=Users,DC=contoso,DC=com";
  s.sam = name;
  s.spns = std::move(spns);
  s.rid = rid;
  return s;
}

inline Spec computer(const std::string& name, std::vector<std::string> spns, std::uint32_t rid = 2100) {
  Spec s;
  s.dn = "CN=" + name + ",OU=Servers,DC=contoso,DC=com";
  s.sam = name + "$";
  s.classes = {"top", "person", "organizationalPerson", "user", "computer"};
  s.uac = "4096";
  s.sam_type = "805306369";
  s.spns = std::move(spns);
  s.rid = rid;
  std::string lower;
  for (char c : name) {
    lower += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  }
  s.dns_host_name = lower + ".contoso.com";
  return s;
}

inline RawEntry entry(const Spec& s) {
  RawEntry e;
  e.dn = s.dn;
  e.origin = "test:1";
  e[Attr::object_class] = s.classes;
  e[Attr::sam_account_name] = {s.sam};
  e[Attr::user_account_control] = {s.uac};
  e[Attr::sam_account_type] = {s.sam_type};
  e[Attr::object_sid] = {sid(s.rid)};
  e[Attr::service_principal_name] = s.spns;
  if (!s.admin_count.empty()) {
    e[Attr::admin_count] = {s.admin_count};
  }
  if (!s.dns_host_name.empty()) {
    e[Attr::dns_host_name] = {s.dns_host_name};
  }
  return e;
}

inline void fill(Directory& dir, const std::vector<Spec>& specs) {
  DirectoryBuilder builder(dir);
  for (const auto& s : specs) {
    builder.add(entry(s));
  }
}

} // namespace spnscan::test
