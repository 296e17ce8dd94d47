#include "spnscan/report/writer.hpp"

#include <catch2/catch.hpp>

using namespace spnscan;

TEST_CASE("formats: the registry gives --format its choices and help") {
  REQUIRE(formats().size() == 5);
  CHECK(formats().front().name == "text");
  CHECK(find_format("json") != nullptr);
  CHECK(find_format("html") != nullptr);
  CHECK(find_format("markdown") != nullptr);
  CHECK(find_format("xml") == nullptr);
  CHECK(format_names() == "text, json, csv, html or markdown");
  for (const auto& format : formats()) {
    CHECK_FALSE(format.description.empty());
    CHECK(format.make(WriterOptions{}) != nullptr);
  }
}

TEST_CASE("to_string(Severity) and severity_from_string") {
  CHECK(to_string(Severity::info) == "info");
  CHECK(to_string(Severity::warning) == "warning");
  CHECK(to_string(Severity::error) == "error");
  CHECK(severity_from_string("info") == Severity::info);
  CHECK(severity_from_string("warning") == Severity::warning);
  CHECK(severity_from_string("error") == Severity::error);
  CHECK_FALSE(severity_from_string("Error").has_value());
  CHECK_FALSE(severity_from_string("fatal").has_value());
}

TEST_CASE("format_rfc3339_utc") {
  using namespace std::chrono;
  CHECK(format_rfc3339_utc(system_clock::time_point{}) == "1970-01-01T00:00:00Z");
  const auto time =
      sys_days{year{2026} / 11 / 22} + hours{3} + minutes{4} + seconds{5} + milliseconds{999};
  CHECK(format_rfc3339_utc(time) == "2026-11-22T03:04:05Z");
  CHECK(format_rfc3339_utc(sys_days{year{2024} / 2 / 29} + hours{23} + minutes{59} + seconds{59}) ==
        "2024-02-29T23:59:59Z");
}

// --- JSON ---
