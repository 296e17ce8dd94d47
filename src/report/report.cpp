#include "spnscan/report/report.hpp"

#include <fmt/format.h>

namespace spnscan {

std::optional<ReportFormat> report_format_from_string(std::string_view text)
{
  if (text == "text") {
    return ReportFormat::text;
  }
  if (text == "json") {
    return ReportFormat::json;
  }
  if (text == "csv") {
    return ReportFormat::csv;
  }
  return std::nullopt;
}

ReportScan report_scan_of(const Directory& directory)
{
  ReportScan scan;
  scan.info = directory.info();
  scan.accounts = directory.account_count();
  scan.spns = directory.spn_count();
  return scan;
}

void write_report(std::ostream& out, ReportFormat format, const ReportScan& scan,
                  const std::vector<Finding>& findings, const ReportOptions& options)
{
  switch (format) {
  case ReportFormat::text:
    write_text_report(out, scan, findings, options);
    return;
  case ReportFormat::json:
    write_json_report(out, scan, findings);
    return;
  case ReportFormat::csv:
    write_csv_report(out, findings);
    return;
  }
}

std::string format_rfc3339_utc(std::chrono::system_clock::time_point time)
{
  // Calendar arithmetic instead of gmtime_r/gmtime_s, which differ between platforms.
  const auto seconds = std::chrono::floor<std::chrono::seconds>(time);
  const auto days = std::chrono::floor<std::chrono::days>(seconds);
  const std::chrono::year_month_day date{days};
  const std::chrono::hh_mm_ss clock{seconds - days};
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", static_cast<int>(date.year()),
                     static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                     clock.hours().count(), clock.minutes().count(), clock.seconds().count());
}

} // namespace spnscan
