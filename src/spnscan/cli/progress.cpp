#include "spnscan/cli/progress.hpp"

#include "spnscan/util/text.hpp"

#include <fmt/format.h>

#include <cstdio>

namespace spnscan {

namespace {

constexpr auto k_interval = std::chrono::milliseconds(200);

} // namespace

StderrObserver::StderrObserver(bool progress, bool verbose)
    : m_progress(progress), m_verbose(verbose), m_start(std::chrono::steady_clock::now()),
      m_last(m_start - k_interval) {}

StderrObserver::~StderrObserver() {
  clear_line();
}

void StderrObserver::clear_line() {
  if (m_line_shown) {
    std::fputs("\r\x1b[K", stderr);
    std::fflush(stderr);
    m_line_shown = false;
  }
}

void StderrObserver::note(const std::string& message) {
  if (!m_verbose) {
    return;
  }
  clear_line();
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - m_start).count();
  std::fputs(fmt::format("spnscan: [{:6.2f} s] {}\n", elapsed, escape_for_display(message)).c_str(),
             stderr);
}

void StderrObserver::progress(std::uint64_t entries, std::uint64_t pages) {
  const auto now = std::chrono::steady_clock::now();
  if (m_verbose) {
    note(fmt::format("page {} read, {} entries so far", pages, entries));
  }
  if (!m_progress || now - m_last < k_interval) {
    return;
  }
  m_last = now;
  const double elapsed = std::chrono::duration<double>(now - m_start).count();
  std::fputs(fmt::format("\r\x1b[Kspnscan: reading: {} entries, {} {}, {:.1f} s", entries, pages,
                         pages == 1 ? "page" : "pages", elapsed)
                 .c_str(),
             stderr);
  std::fflush(stderr);
  m_line_shown = true;
}

} // namespace spnscan
