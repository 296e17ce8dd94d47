// service-account-without-aes-keys: a service account (a user holding SPNs) whose password was
// set before its domain had AES keys, so that it has none: with AES-only tickets it gets none.

#include "spnscan/analysis/context.hpp"
#include "spnscan/analysis/rule.hpp"

#include <fmt/format.h>

namespace spnscan::rules {

extern const Rule service_account_without_aes_keys;

namespace {

struct Details {
  std::int64_t pwd_last_set = 0;
  std::int64_t aes_since = 0;
};

void check(const RuleContext& ctx, const AccountView& a, Sink& sink) {
  // gMSA/MSA passwords are managed (rotated, AES keys); krbtgt and trusts are not services.
  if (a.kind != AccountKind::user || a.spn_count == 0 || a.extra == nullptr ||
      !a.extra->pwd_last_set || *a.extra->pwd_last_set == 0) {
    return;
  }
  const auto since = ctx.directory().facts().aes_since(a.dn);
  if (!since || *a.extra->pwd_last_set >= *since) {
    return;
  }
  Finding f = ctx.make(service_account_without_aes_keys, ctx.directory().spn(a.first_spn), a.index);
  f.spns.clear();
  for (std::uint32_t s = a.first_spn; s < a.first_spn + a.spn_count; ++s) {
    f.spns.emplace_back(ctx.directory().spn(s));
  }
  f.reset_password = true;
  f.details = Details{*a.extra->pwd_last_set, *since};
  ctx.emit(sink, std::move(f), {a.index}, std::string_view("aes-keys"));
}

std::string word(const Finding& f, const Words& w) {
  const auto& d = std::any_cast<const Details&>(f.details);
  return fmt::format(
      "Service account {} ({} SPN{}, first {}) last had its password set on {}, before its "
      "domain had AES keys: the domain's Read-only Domain Controllers group (RID 521), which "
      "appears with the first Windows Server 2008 or later DC, was created on {}. So the "
      "account has RC4 and DES keys only. Since the 2026 RC4 retirement (CVE-2026-20833, "
      "KB5073381) service tickets are AES-only by default, and the KDC cannot issue one for "
      "this account: Kerberos to its services fails. Reset its password (the new one gets AES "
      "keys) and set it wherever the service logs on as this account.",
      w.account(f.account), f.spns.size(), f.spns.size() == 1 ? "" : "s", w.value(f.spn),
      filetime_date(d.pwd_last_set), filetime_date(d.aes_since));
}

std::string cannot_run(const Directory& directory) {
  const DirectoryFacts& facts = directory.facts();
  if (!holds_service_user(directory)) {
    return {};
  }
  if (!facts.covers(Attr::pwd_last_set)) {
    return "the input does not hold pwdLastSet (export it, or scan live without --forest: the "
           "Global Catalog does not hold it)";
  }
  for (std::size_t a = 0; a < directory.account_count(); ++a) {
    const AccountView view = directory.account(a);
    if (view.kind == AccountKind::user && view.spn_count > 0 && !facts.aes_since(view.dn)) {
      if (facts.global_catalog) {
        return "a forest scan through the Global Catalog does not read the domains' Read-only "
               "Domain Controllers groups (RID 521), which tell when each domain got AES keys "
               "(scan each domain without --forest)";
      }
      const std::string_view domain = domain_of(view.dn);
      return fmt::format("the input does not hold the Read-only Domain Controllers group (RID "
                         "521) of {} with its whenCreated, which tells when the domain got AES "
                         "keys (export it with the accounts: see the man page, EXPORTING)",
                         domain.empty() ? std::string("the accounts' domain")
                                        : "'" + std::string(domain) + "'");
    }
  }
  return {};
}

} // namespace

extern const Rule service_account_without_aes_keys = {
    .id = "service-account-without-aes-keys",
    .severity = Severity::error,
    .title = "a service account whose password predates its domain's AES keys",
    .explanation =
        "An account gets AES keys when its password is set on a domain controller that makes "
        "them (Windows Server 2008 or later). A user account holding an SPN whose pwdLastSet is "
        "older than the whenCreated of its domain's Read-only Domain Controllers group (RID "
        "521, created with the first Windows Server 2008 or later DC: the usual heuristic, as "
        "in PingCastle's S-AesNotEnabled) has RC4 and DES keys only. Since the 2026 RC4 "
        "retirement (CVE-2026-20833, KB5073381) service tickets are AES-only by default, so "
        "the KDC cannot issue one for it and Kerberos to its services fails. gMSA and MSA "
        "passwords are managed and never reported; krbtgt is not a service account. Fix: reset "
        "the password (then set it wherever the service logs on as the account).",
    .pass = Pass::per_account,
    .check_account = check,
    .word = word,
    .cannot_run = cannot_run,
};

} // namespace spnscan::rules
