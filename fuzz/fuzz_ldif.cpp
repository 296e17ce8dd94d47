// libFuzzer target: an LDIF export, as untrusted as it gets (any domain user can put bytes of
// their choosing into SPNs), through the whole offline pipeline: LdifParser, DirectoryBuilder,
// analyze() and the three report writers. Beyond "no crash": the JSON report must be valid
// JSON, and neither the text nor the CSV report may hold a raw control character.

#include "spnscan/analysis/analyzer.hpp"
#include "spnscan/error.hpp"
#include "spnscan/report/writer.hpp"
#include "spnscan/source/ldif/ldif_source.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
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
  const auto findings = analyze(directory, options);
  const ReportScan scan = report_scan_of(directory);
  for (const auto& format : formats()) {
    std::ostringstream out;
    format.make(WriterOptions{})->scan(out, scan, findings);
    const std::string report = out.str();
    if (format.name == "json") {
      if (!nlohmann::json::accept(report)) {
        std::abort();
      }
    } else if (raw_control(report, format.name == "csv")) {
      std::abort();
    }
  }
  return 0;
}
