#pragma once

#include "spnscan/util/expected.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace CLI {
class App;
}

// Config files (spnscan.conf(5)): `key = value` lines whose keys are the long option names, so
// that a cron line is `spnscan scan --config /etc/spnscan.conf`. The command line wins over the
// user's file ($XDG_CONFIG_HOME/spnscan/spnscan.conf), which wins over /etc/spnscan.conf; --config
// FILE replaces both, --no-config reads none. Secrets stay in the files a config names
// (password-file, keytab): a config that holds a password is refused.
namespace spnscan {

struct ConfigEntry {
  std::string key;
  std::string value;
  std::string where; // "FILE:LINE"
};

struct ConfigFile {
  std::string path;
  std::vector<ConfigEntry> entries;
};

// Parses a config file's text or says "FILE:LINE: what is wrong".
Expected<ConfigFile> parse_config(std::string_view text, const std::string& path);

// The files a command reads, most important first: [--config FILE] when given; none with
// --no-config; otherwise the user's file and /etc/spnscan.conf, those of them that exist.
// Throws UsageError for a --config FILE that cannot be read, for a file others may write (they
// could point spnscan at their own server or turn TLS verification off) and for parse errors.
std::vector<ConfigFile> config_files(const std::string& given, bool none);

// Applies the files to the command that runs: each key becomes its option unless a more
// important source (the command line, then the files in order) already set it. A key that is an
// option of another command only (e.g. `baseline` for `dump`) is skipped; a key that is no
// option of any command is an error naming FILE:LINE. `app` is the whole program (for the keys
// of every command), `command` the subcommand that runs.
void apply_config(CLI::App& app, CLI::App& command, const std::vector<ConfigFile>& files);

} // namespace spnscan
