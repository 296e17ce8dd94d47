#include "spnscan/model/spn_mappings.hpp"

#include "spnscan/model/spn.hpp"

#include <algorithm>

namespace spnscan {

namespace {

// The default sPNMappings value of a Windows forest (ad-facts.md).
constexpr std::string_view k_default_value =
    "host=alerter,appmgmt,cisvc,clipsrv,browser,dhcp,dnscache,replicator,eventlog,eventsystem,"
    "policyagent,oakley,dmserver,dns,mcsvc,fax,msiserver,ias,messenger,netlogon,netman,netdde,"
    "netddedsm,nmagent,plugplay,protectedstorage,rasman,rpclocator,rpc,rpcss,remoteaccess,rsvp,"
    "samss,scardsvr,scesrv,seclogon,scm,dcom,cifs,spooler,snmp,schedule,tapisrv,trksvr,trkwks,ups,"
    "time,wins,www,http,w3svc,iisadmin,msdtc";

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

} // namespace

SpnMappings SpnMappings::windows_default() {
  // Parsed once: every Directory starts from a copy.
  static const SpnMappings k_default = parse({std::string(k_default_value)}).value();
  return k_default;
}

Expected<SpnMappings> SpnMappings::parse(const std::vector<std::string>& values) {
  SpnMappings result;
  for (const auto& value : values) {
    const auto eq = value.find('=');
    if (eq == std::string::npos) {
      return fail("sPNMappings value '" + value + "' has no '='");
    }
    const std::string target = ascii_lower(trim(std::string_view(value).substr(0, eq)));
    if (target.empty()) {
      return fail("sPNMappings value '" + value + "' has an empty class before '='");
    }
    std::string_view list = std::string_view(value).substr(eq + 1);
    bool any = false;
    while (!list.empty()) {
      const auto comma = list.find(',');
      const std::string alias = ascii_lower(trim(list.substr(0, comma)));
      list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
      if (alias.empty()) {
        continue;
      }
      any = true;
      result.m_alias_to_target.emplace(alias, target);
    }
    if (!any) {
      return fail("sPNMappings value '" + value + "' lists no alias after '='");
    }
  }
  return result;
}

std::optional<std::string_view> SpnMappings::target_of(std::string_view alias_class) const {
  const bool lower = std::none_of(alias_class.begin(), alias_class.end(),
                                  [](char c) { return c >= 'A' && c <= 'Z'; });
  // The analyzer passes lower-case classes: look those up without a copy.
  const auto it = lower ? m_alias_to_target.find(alias_class)
                        : m_alias_to_target.find(ascii_lower(alias_class));
  if (it == m_alias_to_target.end()) {
    return std::nullopt;
  }
  return std::string_view(it->second);
}

} // namespace spnscan
