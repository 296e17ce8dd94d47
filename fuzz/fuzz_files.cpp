// libFuzzer target: the small files an administrator writes or keeps for spnscan, all of them
// untrusted text: a config file (parse_config), an allow list (parse_allow_list) and a baseline
// report (parse_baseline, then triage() against it). The first byte picks the parser. Beyond
// "no crash": every refusal says where ("FILE:LINE: ..." or the file), no config entry carries a
// password-like key, every allow entry has a reason, and triage of an empty scan against any
// baseline resolves at most what the baseline holds and finds nothing new.

#include "spnscan/cli/config_file.hpp"
#include "spnscan/triage/triage.hpp"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

void require(bool condition, const char* promise) {
  if (!condition) {
    std::fprintf(stderr, "fuzz_files: broken promise: %s\n", promise);
    std::abort();
  }
}

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace spnscan;
  if (size == 0) {
    return 0;
  }
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 3) {
  case 0: {
    const auto parsed = parse_config(text, "f.conf");
    if (!parsed) {
      require(starts_with(parsed.error(), "f.conf:"), "a config error names file:line");
      break;
    }
    for (const auto& entry : parsed.value().entries) {
      require(!entry.key.empty(), "a config key is never empty");
      require(entry.key == "password-file" || entry.key.find("password") == std::string::npos,
              "no password key is accepted (password-file names a file)");
      require(starts_with(entry.where, "f.conf:"), "a config entry knows its line");
    }
    break;
  }
  case 1: {
    const auto parsed = parse_allow_list(text, "allow");
    if (!parsed) {
      require(starts_with(parsed.error(), "allow:"), "an allow-list error names file:line");
      break;
    }
    for (const auto& entry : parsed.value().entries) {
      require(!entry.reason.empty(), "every allow entry says why");
      require(!entry.rule.empty() || !entry.spn.empty() || !entry.account.empty() ||
                  !entry.id.empty(),
              "every allow entry matches by something");
    }
    const std::chrono::year_month_day today{std::chrono::year{2026}, std::chrono::month{11},
                                            std::chrono::day{30}};
    const Triage labels = triage({}, nullptr, &parsed.value(), true, {}, today);
    require(labels.allow && labels.allow->entries.size() == parsed.value().entries.size(),
            "one result per allow entry");
    break;
  }
  default: {
    const auto parsed = parse_baseline(text, "base.json");
    if (!parsed) {
      require(!parsed.error().empty(), "a baseline refusal says why");
      break;
    }
    const std::chrono::year_month_day today{std::chrono::year{2026}, std::chrono::month{11},
                                            std::chrono::day{30}};
    const Triage labels = triage({}, &parsed.value(), nullptr, true, {}, today);
    require(labels.baseline.has_value(), "a baseline gives a result");
    require(labels.baseline->added == 0 && labels.baseline->unchanged == 0,
            "an empty scan has nothing new or unchanged");
    require(labels.baseline->resolved.size() <= parsed.value().findings.size(),
            "no more is resolved than the baseline held");
  }
  }
  return 0;
}
