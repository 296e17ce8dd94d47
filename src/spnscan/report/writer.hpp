#pragma once

#include "spnscan/analysis/finding.hpp"
#include "spnscan/analysis/queries.hpp"
#include "spnscan/analysis/rule.hpp"
#include "spnscan/model/directory.hpp"
#include "spnscan/report/report.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

// One writer interface, one file per format (text_writer.cpp, json_writer.cpp,
// csv_writer.cpp), and the registry of formats in writer.cpp: a new format is its file and one
// line there. Every string that came from the directory is escaped for the format by its writer;
// the words come from render.hpp, the same for every format.
namespace spnscan {

// What `check` answers.
struct CheckAnswer {
  std::string spn;
  std::string account;
  std::vector<CheckConflict> conflicts;
};

struct WriterOptions {
  bool color = false;   // ANSI colour (text)
  bool details = false; // --details: every finding in full, with its own fix
};

// Writes each command's output in one format.
class Writer {
public:
  virtual ~Writer() = default;
  // The scan report.
  virtual void scan(std::ostream& out, const ScanReport& report) = 0;
  // `spnscan rules`.
  virtual void rules(std::ostream& out, const std::vector<const Rule*>& rules) = 0;
  // `query`, `list`, `dump`: one row per SPN value and holder. `note` (may be empty) says what
  // was not found.
  virtual void holdings(std::ostream& out, const std::vector<SpnHolding>& rows,
                        const std::string& note) = 0;
  // `check`.
  virtual void check(std::ostream& out, const CheckAnswer& answer) = 0;
};

// An output format: its name (--format), what it is for (--help), and its writer.
struct Format {
  std::string_view name;
  std::string_view description;
  std::unique_ptr<Writer> (*make)(const WriterOptions& options);
};

// Every format, the default (text) first.
const std::vector<Format>& formats();
// The format with this name, or nullptr.
const Format* find_format(std::string_view name);
// "text, json, csv, html or markdown": the names, for help and error texts.
std::string format_names();

// Returns time as RFC 3339 UTC with whole seconds, e.g. "2026-11-22T03:04:05Z".
std::string format_rfc3339_utc(std::chrono::system_clock::time_point time);

} // namespace spnscan
