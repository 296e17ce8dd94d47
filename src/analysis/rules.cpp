#include "spnscan/analysis/rules.hpp"

namespace spnscan {

const std::vector<RuleInfo>& rule_catalog() {
  static const std::vector<RuleInfo> k_rules = {
      {rule::k_smtp_on_non_machine, Severity::error,
       "SMTP/ or SMTPSVC/ SPN on an account that is not a machine account",
       "Exchange's SMTP service runs as the server's computer account, so SMTP/<server> and "
       "SMTPSVC/<server> belong on that computer account only. When the same values are also on a "
       "user (often the built-in Administrator, after someone ran setspn as the wrong account), "
       "Kerberos hands out tickets for the wrong key and Exchange servers cannot authenticate each "
       "other: Unified Messaging cannot submit voicemail to the Hub Transport server (event 1082, "
       "\"no Hub Transport server available\"). setspn -L on the Hub looks clean because it lists "
       "one account at a time. Fix: remove the values from the non-machine account, never from the "
       "Exchange server's computer account."},
      {rule::k_duplicate, Severity::error, "the same SPN on two or more accounts",
       "An SPN must be unique in the forest (compared case-insensitively; a trailing dot on the "
       "host does not make it different). With two holders the KDC cannot choose whose key "
       "encrypts the service ticket: it logs System event 11 and clients fail with "
       "KRB_AP_ERR_MODIFIED or fall back to NTLM. Windows Server 2012 R2 and later refuse new "
       "duplicates, but old DCs, migrations and the dsHeuristics switch leave them behind. One "
       "finding per SPN; krbtgt's kadmin/changepw held by the krbtgt of several domains is by "
       "design and not reported, nor is a malformed value (malformed-spn removes it from every "
       "holder). Fix: keep the SPN on the account the service runs as, remove it from the "
       "others. The keeper is the computer the SPN's host names (the enabled one if several), "
       "else the one holder that is not privileged, krbtgt or a trust account; otherwise spnscan "
       "does not decide and gives one choice per holder, the enabled ones first."},
      {rule::k_alias_collision, Severity::error,
       "host/X on one account and an sPNMappings alias of host (http/X, cifs/X, ...) on another",
       "The KDC treats host/X as also covering every class that sPNMappings maps to host (http, "
       "cifs, www, rpcss, ... 53 by default). So HOST/web01 on WEB01$ and HTTP/web01 on a service "
       "user are two accounts answering to the same name. Since KB5008382 (CVE-2021-42282) domain "
       "controllers refuse to create such pairs, and Samba checks them too; older ones remain. "
       "spnscan reads sPNMappings from the directory when the input has it, otherwise it uses the "
       "Windows default. Fix: remove the alias SPN from the other account, or publish the service "
       "under its own DNS name and register the SPN for that name."},
      {rule::k_host_bound_on_user, Severity::warning,
       "a machine's service class (HOST, cifs, ldap, ...) on a non-machine account",
       "HOST, RestrictedKrbHost, cifs, ldap, GC, exchangeMDB, exchangeRFR and exchangeAB name "
       "services that run as the computer itself (the list can be changed with "
       "--host-bound-classes). On a user account such an SPN captures tickets meant for the machine: "
       "file shares, RPC, LDAP or Exchange on that host fail with KRB_AP_ERR_MODIFIED or silently "
       "use NTLM. Exchange's alternate service account for a Client Access array should be a "
       "computer account for this reason. Fix: remove the value from the user account."},
      {rule::k_privileged, Severity::warning,
       "a privileged non-machine account (RID 500 or adminCount=1) holding an SPN",
       "Any authenticated user can ask for a service ticket for an SPN and try to crack the "
       "holder's password offline (Kerberoasting). For the built-in Administrator (RID 500, "
       "whatever its name) or an account protected by AdminSDHolder (adminCount=1) that means the "
       "domain. Machine accounts and gMSAs have random 120-character passwords and are not "
       "reported; neither is krbtgt, which holds kadmin/changepw by design. One finding per "
       "account, listing its values. Fix: remove the SPNs from the privileged account; a value "
       "that belongs on another account (an Exchange server's SMTP SPN, a duplicate kept "
       "elsewhere) only needs removing, and the service behind a value held nowhere else should "
       "run as a dedicated non-privileged account or a gMSA that then holds it."},
      {rule::k_malformed, Severity::warning, "an SPN value that does not parse",
       "An SPN has the form serviceclass/host[:port][/servicename] (MS-ADTS 2.2.21): a service "
       "class, a '/', a host of at most 255 bytes, an optional port from 1 to 65535 and an "
       "optional service name. A "
       "value that does not have that shape (no '/', an empty class or host, a bad port, "
       "whitespace or control characters) can never be requested by a client: it is a typo of the "
       "intended SPN, which is then missing, or junk written by a script. Fix: remove it and, if "
       "it was meant, register the corrected value."},
      {rule::k_host_mismatch, Severity::warning,
       "an SPN on machine account A naming the host of another machine account B",
       "When computer A holds HTTP/web01 while web01 is computer B (by dNSHostName or by "
       "sAMAccountName without the $), clients that connect to web01 get tickets encrypted for "
       "A's key, which B cannot decrypt (KRB_AP_ERR_MODIFIED). This is left behind by renamed or "
       "rebuilt servers and by SPNs registered from the wrong machine. Cluster and load-balanced "
       "names that are not themselves computer accounts are not reported. Fix: remove the value "
       "from A (and register it on B if B runs the service)."},
  };
  return k_rules;
}

const RuleInfo* find_rule(std::string_view id) {
  for (const auto& r : rule_catalog()) {
    if (r.id == id) {
      return &r;
    }
  }
  return nullptr;
}

std::vector<std::string> default_host_bound_classes() {
  return {"HOST", "RestrictedKrbHost", "cifs", "ldap", "GC", "exchangeMDB", "exchangeRFR",
          "exchangeAB"};
}

} // namespace spnscan
