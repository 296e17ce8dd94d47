#include "spnscan/report/writer.hpp"

#include <fmt/format.h>

namespace spnscan {

// The writers, one file each.
std::unique_ptr<Writer> make_text_writer(const WriterOptions& options);
std::unique_ptr<Writer> make_json_writer(const WriterOptions& options);
std::unique_ptr<Writer> make_csv_writer(const WriterOptions& options);
std::unique_ptr<Writer> make_html_writer(const WriterOptions& options);
std::unique_ptr<Writer> make_markdown_writer(const WriterOptions& options);

const std::vector<Format>& formats() {
  static const std::vector<Format> k_formats = {
      {"text", "for people: a terminal, a mail from cron", make_text_writer},
      {"json", "for scripts: the versioned contract in the man page", make_json_writer},
      {"csv", "for spreadsheets: one row per finding", make_csv_writer},
      {"html", "one self-contained page to mail or keep: summary chart, plan, findings",
       make_html_writer},
      {"markdown", "for tickets and wikis: tables for the summary and the plan",
       make_markdown_writer},
  };
  return k_formats;
}

const Format* find_format(std::string_view name) {
  for (const auto& format : formats()) {
    if (format.name == name) {
      return &format;
    }
  }
  return nullptr;
}

std::string format_names() {
  std::string names;
  const auto& all = formats();
  for (std::size_t i = 0; i < all.size(); ++i) {
    names += (i == 0 ? "" : i + 1 == all.size() ? " or " : ", ") + std::string(all[i].name);
  }
  return names;
}

std::string format_rfc3339_utc(std::chrono::system_clock::time_point time) {
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
