// libFuzzer target: one SPN value and what spnscan does with a single value: parse_spn and
// spn_key, the quoting of fixes for cmd.exe and PowerShell, the display escapes and the query
// wildcard. Checks the promises those functions make, not only that they do not crash.

#include "spnscan/analysis/queries.hpp"
#include "spnscan/model/spn.hpp"
#include "spnscan/report/fixes.hpp"
#include "spnscan/util/text.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

void require(bool condition) {
  if (!condition) {
    std::abort();
  }
}

// True when text is valid UTF-8 and holds nothing a person could not see.
bool visible(std::string_view text) {
  return spnscan::first_invisible(text).empty();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace spnscan;
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  const auto parsed = parse_spn(text);
  const std::string key = spn_key(text);
  if (parsed) {
    const Spn* spn = &*parsed;
    require(!spn->service_class.empty() && !spn->host.empty());
    require(spn->host.size() <= k_max_host);
    require(key.size() <= text.size());
    require(key == ascii_lower(key)); // the comparison form is lower-case
  }

  // A cmd.exe argument never carries what cmd.exe would expand or a person could not see.
  const auto cmd = cmd_argument(text);
  if (cmd) {
    require(visible(*cmd));
    require(cmd->find('%') == std::string::npos);
    const std::string_view inner = cmd->front() == '"'
                                       ? std::string_view(*cmd).substr(1, cmd->size() - 2)
                                       : std::string_view(*cmd);
    require(inner.find('"') == std::string_view::npos);
    require(inner == text);
  } else {
    require(!cmd.error().empty());
  }
  // A PowerShell string shows every character it holds.
  const auto ps = powershell_string(text);
  if (ps) {
    require(visible(*ps));
  } else {
    require(!first_invisible(text).empty()); // only invalid UTF-8 is refused
  }

  // What the reports show is free of controls, and two different values never show alike.
  const std::string shown = show_value(text);
  require(visible(shown) || shown.empty());
  const std::string display = escape_for_display(text);
  require(visible(display) || display.empty());
  if (!text.empty() && text.back() != ' ') {
    require(show_value(std::string(text) + " ") != shown);
  }
  (void)prose_value(text);

  // The query wildcard: a pattern matches itself lower-cased, and '*' matches anything.
  require(wildcard_match("*", text));
  if (text.find('*') == std::string_view::npos) {
    require(wildcard_match(text, ascii_lower(text)));
  }
  return 0;
}
