#include "spnscan/analysis/finding.hpp"

namespace spnscan {

std::string_view to_string(Severity severity)
{
  switch (severity) {
  case Severity::info:
    return "info";
  case Severity::warning:
    return "warning";
  case Severity::error:
    return "error";
  }
  return "unknown";
}

std::optional<Severity> severity_from_string(std::string_view text)
{
  for (const Severity severity : {Severity::info, Severity::warning, Severity::error}) {
    if (text == to_string(severity)) {
      return severity;
    }
  }
  return std::nullopt;
}

} // namespace spnscan
