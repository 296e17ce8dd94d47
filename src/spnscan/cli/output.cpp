#include "spnscan/cli/output.hpp"

#include "spnscan/error.hpp"
#include "spnscan/platform/platform.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>

namespace spnscan {

namespace {

// Writes content to a stream the caller opened; returns 0 or the errno of the failure.
int write_stream(std::FILE* stream, const std::string& content) {
  errno = 0;
  if (std::fwrite(content.data(), 1, content.size(), stream) != content.size() ||
      std::fflush(stream) != 0) {
    return errno != 0 ? errno : EIO;
  }
  return 0;
}

} // namespace

void check_output(const CliOptions& o) {
  if (o.quiet && o.verbose > 0) {
    throw UsageError("-q and -v both given: choose quiet (errors only) or verbose");
  }
  if (!o.output_given) {
    return;
  }
  if (o.output.empty()) {
    throw UsageError("--output: empty file name (leave -o out, or give -o -, to write to "
                     "standard output)");
  }
  namespace fs = std::filesystem;
  for (const auto& input : o.ldif_files) {
    for (const std::string& target : {o.output, o.output + ".incomplete"}) {
      std::error_code ec;
      if (input != "-" && target != "-" && fs::equivalent(target, input, ec) && !ec) {
        throw UsageError("--output '" + target + "' is the input '" + input +
                         "': writing the report there would replace the export");
      }
    }
  }
}

bool use_color(const CliOptions& o) {
  if (o.format->name != "text" || o.color == ColorMode::never) {
    return false;
  }
  if (o.color == ColorMode::always) {
    if (o.output.empty() || o.output == "-") {
      // A Windows console prints escapes as text until asked to interpret them.
      static_cast<void>(platform::ansi_terminal(stdout));
    }
    return true;
  }
  const char* no_color = std::getenv("NO_COLOR");
  return o.output.empty() && (no_color == nullptr || *no_color == '\0') &&
         platform::ansi_terminal(stdout);
}

void emit(const CliOptions& o, const std::string& content, bool complete) {
  if (o.output.empty() || o.output == "-") {
    const int error = write_stream(stdout, content);
    // A reader that stopped reading (spnscan dump | head -1) is not an error worth a message.
    if (error != 0 && !platform::reader_gone(error)) {
      throw OutputError("cannot write the report to standard output: " +
                        platform::error_text(error));
    }
    return;
  }
  std::string path = o.output;
  std::error_code ec;
  if (!complete && std::filesystem::exists(path, ec)) {
    path += ".incomplete";
    std::cerr << "spnscan: the scan is incomplete; " << o.output
              << " (the last complete report) is kept and this report goes to " << path << "\n";
  }
  const auto status = std::filesystem::status(path, ec);
  if (!ec && std::filesystem::is_directory(status)) {
    throw OutputError("cannot write the report to " + path + ": " + platform::error_text(EISDIR));
  }
  if (!ec && std::filesystem::exists(status) && !std::filesystem::is_regular_file(status)) {
    // /dev/null, a FIFO or a terminal: renaming over it would replace the device node.
    errno = 0;
    std::FILE* device = std::fopen(path.c_str(), "wb");
    int error = device == nullptr ? errno : write_stream(device, content);
    if (device != nullptr && std::fclose(device) != 0 && error == 0) {
      error = errno;
    }
    if (error != 0) {
      throw OutputError("cannot write the report to " + path + ": " + platform::error_text(error));
    }
    return;
  }
  platform::write_file_atomically(path, content);
}

} // namespace spnscan
