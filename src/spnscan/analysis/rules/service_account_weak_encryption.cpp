// service-account-weak-encryption: a service account (a user holding SPNs) whose
// msDS-SupportedEncryptionTypes allows no AES, or that is set to use DES keys only.

#include "spnscan/analysis/context.hpp"
#include "spnscan/analysis/rule.hpp"

#include <fmt/format.h>

namespace spnscan::rules {

extern const Rule service_account_weak_encryption;

namespace {

// msDS-SupportedEncryptionTypes bits (MS-KILE 2.2.7).
constexpr std::uint32_t k_des = 0x1 | 0x2;
constexpr std::uint32_t k_rc4 = 0x4;
constexpr std::uint32_t k_aes = 0x8 | 0x10;
constexpr std::uint32_t k_aes_only = 0x18; // AES128 + AES256, what the fix sets

struct Details {
  std::optional<std::uint32_t> types;
  bool des_only = false;     // userAccountControl USE_DES_KEY_ONLY
  bool old_password = false; // the password predates the domain's AES keys: reset it too
};

std::string type_names(std::uint32_t types) {
  std::string out;
  const std::pair<std::uint32_t, std::string_view> names[] = {
      {0x1, "DES-CBC-CRC"}, {0x2, "DES-CBC-MD5"}, {0x4, "RC4-HMAC"},
      {0x8, "AES128"},      {0x10, "AES256"},     {0x20, "AES session keys"}};
  for (const auto& [bit, name] : names) {
    if ((types & bit) != 0) {
      out += (out.empty() ? "" : ", ") + std::string(name);
    }
  }
  return out.empty() ? std::string("none") : out;
}

void check(const RuleContext& ctx, const AccountView& a, Sink& sink) {
  if (a.kind != AccountKind::user || a.spn_count == 0 || a.extra == nullptr) {
    return;
  }
  const auto types = a.extra->encryption_types;
  const bool des_only = (a.extra->user_account_control & k_uac_use_des_key_only) != 0;
  const bool no_aes = types && *types != 0 && (*types & k_aes) == 0;
  if (!des_only && !no_aes) {
    return;
  }
  Finding f = ctx.make(service_account_weak_encryption, ctx.directory().spn(a.first_spn), a.index);
  // DES is off by default since Windows 7 / Server 2008 R2 and cracked in hours: an error.
  if (des_only || (no_aes && (*types & k_rc4) == 0 && (*types & k_des) != 0)) {
    f.severity = Severity::error;
  }
  f.spns.clear();
  for (std::uint32_t s = a.first_spn; s < a.first_spn + a.spn_count; ++s) {
    f.spns.emplace_back(ctx.directory().spn(s));
  }
  Details details{types, des_only, false};
  const auto since = ctx.directory().facts().aes_since(a.dn);
  details.old_password = since && a.extra->pwd_last_set && *a.extra->pwd_last_set != 0 &&
                         *a.extra->pwd_last_set < *since;
  f.settings.push_back(Setting{f.account, "msDS-SupportedEncryptionTypes",
                               types ? std::to_string(*types) : std::string(),
                               std::to_string(k_aes_only)});
  if (des_only) {
    const std::uint32_t uac = a.extra->user_account_control;
    f.settings.push_back(Setting{f.account, "userAccountControl", std::to_string(uac),
                                 std::to_string(uac & ~k_uac_use_des_key_only)});
  }
  f.reset_password = details.old_password;
  f.details = details;
  ctx.emit(sink, std::move(f), {a.index}, std::string_view("encryption"));
}

std::string word(const Finding& f, const Words& w) {
  const auto& d = std::any_cast<const Details&>(f.details);
  std::string what;
  if (d.des_only) {
    what = "has USE_DES_KEY_ONLY set in userAccountControl";
    if (d.types && (*d.types & k_aes) == 0 && *d.types != 0) {
      what +=
          fmt::format(" and msDS-SupportedEncryptionTypes {} ({})", *d.types, type_names(*d.types));
    }
  } else {
    what = fmt::format("has msDS-SupportedEncryptionTypes {} ({}): no AES", *d.types,
                       type_names(*d.types));
  }
  std::string message = fmt::format(
      "Service account {} ({} SPN{}, first {}) {}. Its service tickets are encrypted with "
      "{}, which an attacker who requests one cracks offline (Kerberoasting). Since the 2026 RC4 "
      "retirement (CVE-2026-20833, KB5073381) accounts without this attribute get AES-only "
      "tickets; this one keeps RC4 or DES only because it is set explicitly. Set "
      "msDS-SupportedEncryptionTypes to 24 (AES128, AES256){}",
      w.account(f.account), f.spns.size(), f.spns.size() == 1 ? "" : "s", w.value(f.spn), what,
      d.des_only || (d.types && (*d.types & k_rc4) == 0) ? "DES" : "RC4",
      d.des_only ? " and clear USE_DES_KEY_ONLY" : "");
  message += d.old_password
                 ? ", and reset its password: it was set before the domain had AES keys, so "
                   "the account has none yet (see service-account-without-aes-keys)."
                 : "; check first that every client of the service supports AES (Windows "
                   "Vista / Server 2008 and later do).";
  return message;
}

std::string cannot_run(const Directory& directory) {
  const DirectoryFacts& facts = directory.facts();
  if (!holds_service_user(directory)) {
    return {}; // nothing to look at
  }
  if (!facts.covers(Attr::supported_encryption_types)) {
    return "the input does not hold msDS-SupportedEncryptionTypes (export it, or scan live "
           "without --forest: the Global Catalog does not hold it)";
  }
  if (!facts.covers(Attr::user_account_control)) {
    return "the input does not hold userAccountControl (export it)";
  }
  return {};
}

} // namespace

extern const Rule service_account_weak_encryption = {
    .id = "service-account-weak-encryption",
    .severity = Severity::warning,
    .title = "a service account whose encryption types allow no AES, or that uses DES keys only",
    .explanation =
        "A user account holding an SPN whose msDS-SupportedEncryptionTypes is set and allows "
        "no AES (bits 0x8 AES128, 0x10 AES256; MS-KILE 2.2.7), or whose userAccountControl has "
        "USE_DES_KEY_ONLY (0x200000), gets RC4 or DES service tickets: an attacker who requests "
        "one cracks the password offline (Kerberoasting). Under Microsoft's RC4 retirement "
        "(CVE-2026-20833, KB5073381: audit from January 2026, AES-only by default for accounts "
        "without the attribute from April 2026, enforced from July 2026) such an account keeps "
        "RC4 only because it is set explicitly. A warning for RC4, an error for DES (off by "
        "default since Windows Server 2008 R2). Machine accounts, gMSAs and MSAs are not "
        "reported: their passwords are long and managed. Fix: set the attribute to 24 (AES128 "
        "and AES256), clear USE_DES_KEY_ONLY, and reset the password if it predates the "
        "domain's AES keys.",
    .pass = Pass::per_account,
    .check_account = check,
    .word = word,
    .cannot_run = cannot_run,
};

} // namespace spnscan::rules
