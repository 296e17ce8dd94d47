// libFuzzer target: an LDIF export, as untrusted as it gets (any domain user can put bytes of
// their choosing into SPNs), through the whole offline pipeline: LdifParser, DirectoryBuilder,
// analyze() and every report writer. Beyond "no crash": the JSON report must be valid JSON, no
// other report may hold a raw control character, and no directory string may turn into markup in
// the HTML and Markdown reports.

#include "spnscan/analysis/analyzer.hpp"
#include "spnscan/error.hpp"
#include "spnscan/report/markdown_writer.hpp"
#include "spnscan/report/writer.hpp"
#include "spnscan/source/ldif/ldif_source.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>

namespace {

// True when text holds a C0 control other than the line breaks the writers emit themselves.
bool raw_control(const std::string& text, bool csv) {
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c < 0x20 && c != '\n' && !(csv && c == '\r')) || c == 0x7F) {
      return true;
    }
  }
  return false;
}

// True when a directory string got through as markup in the HTML report: spnscan's own has no
// script, image or iframe element and link only within the page (#step-N), so one of these can
// only have come from the input.
bool markup_injected(const std::string& text) {
  std::string lower(text.size(), ' ');
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    lower[i] = c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  }
  // "javascript:" as text is harmless; only as a link target would it run.
  for (const char* tag :
       {"<script", "<img", "<iframe", "<a href=\"h", "<svg on", "href=\"javascript:"}) {
    if (lower.find(tag) != std::string::npos) {
      return true;
    }
  }
  return false;
}

// The same for Markdown, on its prose (code spans and blocks removed): spnscan's only raw HTML
// there is <br> in table cells, and it writes no link, so any other '<' or an unescaped "](" came
// from the input. (Text such as href="javascript:..." is harmless when no tag can open.)
bool markdown_injected(const std::string& prose) {
  for (std::size_t at = prose.find('<'); at != std::string::npos; at = prose.find('<', at + 1)) {
    if (prose.compare(at, 4, "<br>") != 0) {
      return true;
    }
  }
  for (std::size_t at = prose.find("]("); at != std::string::npos; at = prose.find("](", at + 1)) {
    if (at == 0 || prose[at - 1] != '\\') {
      return true;
    }
  }
  return false;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace spnscan;
  Directory directory;
  DirectoryBuilder builder(directory);
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  try {
    LdifSource::read_stream(in, "fuzz.ldif", builder);
  } catch (const InputError&) {
    return 0; // a clean refusal with file:line is a correct answer
  }
  builder.finish();
  AnalyzerOptions options;
  options.threads = 1;
  const ScanReport scan = make_scan_report(directory, analyze(directory, options));
  // Under libFuzzer each input renders one (format, --details) pair, picked by its bytes: all of
  // them cost nine renderings per execution, and the pairs get their coverage from many inputs.
  // The replay of seeds and regressions (SPNSCAN_FUZZ_REPLAY) renders every pair.
  std::uint64_t hash = 1469598103934665603ULL; // FNV-1a
  for (std::size_t i = 0; i < size; ++i) {
    hash = (hash ^ data[i]) * 1099511628211ULL;
  }
  const auto& all = formats();
  for (std::size_t pair = 0; pair < all.size() * 2; ++pair) {
#ifndef SPNSCAN_FUZZ_REPLAY
    if (pair != hash % (all.size() * 2)) {
      continue;
    }
#endif
    const Format& format = all[pair / 2];
    const bool details = pair % 2 == 1;
    std::ostringstream out;
    format.make(WriterOptions{false, details})->scan(out, scan);
    const std::string report = out.str();
    // Markdown code spans and blocks show their text literally: only the rest is markup.
    const char* broken = nullptr;
    if (format.name == "json") {
      broken = nlohmann::json::accept(report) ? nullptr : "not valid JSON";
    } else if (raw_control(report, format.name == "csv")) {
      broken = "a raw control character";
    } else if ((format.name == "html" && markup_injected(report)) ||
               (format.name == "markdown" && markdown_injected(markdown_prose(report)))) {
      broken = "markup from the directory";
    }
    if (broken != nullptr) {
      std::fprintf(stderr, "fuzz_ldif: %.*s report (details %d): %s\n",
                   static_cast<int>(format.name.size()), format.name.data(), details ? 1 : 0,
                   broken);
      std::abort();
    }
  }
  return 0;
}
