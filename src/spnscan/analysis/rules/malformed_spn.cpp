// malformed-spn: a value that is not serviceclass/host[:port][/servicename] (MS-ADTS 2.2.21).
// No client can request it; it is a typo of the SPN that was meant, which is then missing.

#include "spnscan/analysis/context.hpp"
#include "spnscan/analysis/index.hpp"
#include "spnscan/analysis/rule.hpp"

#include <fmt/format.h>

namespace spnscan::rules {

extern const Rule malformed_spn;

namespace {

// Why the value does not parse (parse_spn's words).
struct Details {
  std::string error;
};

void check(const RuleContext& ctx, const SpnSite& site, Sink& sink) {
  if (site.canon.parsed) {
    return;
  }
  Finding f = ctx.make(malformed_spn, site.value, site.account.index);
  f.removals = {Removal{f.account, {std::string(site.value)}}};
  f.details = Details{site.canon.error};
  ctx.emit(sink, std::move(f), {site.account.index});
}

std::string word(const Finding& f, const Words& w) {
  return fmt::format(
      "{} on {} is not a valid SPN: {}. An SPN has the form "
      "serviceclass/host[:port][/servicename]; no client can ever request this value, so "
      "the service it was meant for has no working SPN (Kerberos fails or falls back to NTLM).",
      w.value(f.spn), w.account(f.account), std::any_cast<const Details&>(f.details).error);
}

} // namespace

extern const Rule malformed_spn = {
    .id = "malformed-spn",
    .severity = Severity::warning,
    .title = "an SPN value that does not parse",
    .explanation =
        "An SPN has the form serviceclass/host[:port][/servicename] (MS-ADTS 2.2.21): a service "
        "class, a '/', a host of at most 255 bytes, an optional port from 1 to 65535 and an "
        "optional service name. A value that does not have that shape (no '/', an empty class or "
        "host, a bad port, whitespace or control characters) can never be requested by a client: "
        "it is a typo of the intended SPN, which is then missing, or junk written by a script. "
        "Fix: remove it and, if it was meant, register the corrected value.",
    .pass = Pass::per_spn,
    .check_spn = check,
    .word = word,
};

} // namespace spnscan::rules
