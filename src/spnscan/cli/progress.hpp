#pragma once

#include "spnscan/model/directory.hpp"

#include <chrono>
#include <cstdint>
#include <string>

namespace spnscan {

// Tells the person at the terminal what a scan is doing, on standard error: a progress line
// (entries, pages, elapsed) that rewrites itself when stderr is a terminal, and -v diagnostics.
// Cron sees neither unless -v is given: its mail holds errors only.
class StderrObserver : public ScanObserver {
public:
  StderrObserver(bool progress, bool verbose);
  ~StderrObserver() override;
  StderrObserver(const StderrObserver&) = delete;
  StderrObserver& operator=(const StderrObserver&) = delete;

  void note(const std::string& message) override;
  void progress(std::uint64_t entries, std::uint64_t pages) override;

private:
  void clear_line();

  bool m_progress;
  bool m_verbose;
  bool m_line_shown = false;
  std::chrono::steady_clock::time_point m_start;
  std::chrono::steady_clock::time_point m_last;
};

} // namespace spnscan
