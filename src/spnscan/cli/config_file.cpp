#include "spnscan/cli/config_file.hpp"

#include "spnscan/error.hpp"
#include "spnscan/platform/platform.hpp"
#include "spnscan/util/text.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>

namespace spnscan {

namespace {

bool key_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

// True for a key that would hold a secret itself; the files that hold one are fine.
bool secret_key(std::string_view key) {
  if (key == "password-file" || key == "prompt-password" || key == "keytab") {
    return false;
  }
  return key.find("pass") != std::string_view::npos || key.find("pwd") != std::string_view::npos ||
         key.find("secret") != std::string_view::npos || key == "pw" || key == "w";
}

// The value after '=': trimmed, and unquoted when it is in double quotes (\" and \\ inside)
// or in single quotes (taken as they are).
Expected<std::string> value_of(std::string_view text) {
  const std::size_t first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) {
    return fail("empty value");
  }
  text = text.substr(first, text.find_last_not_of(" \t") - first + 1);
  if (text.front() == '\'') {
    if (text.size() < 2 || text.back() != '\'' || text.find('\'', 1) != text.size() - 1) {
      return fail("single quotes must enclose the whole value");
    }
    if (text.size() == 2) {
      return fail("empty value");
    }
    return std::string(text.substr(1, text.size() - 2));
  }
  if (text.front() != '"') {
    return std::string(text);
  }
  std::string value;
  for (std::size_t i = 1; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\\' && i + 1 < text.size() && (text[i + 1] == '"' || text[i + 1] == '\\')) {
      value += text[++i];
    } else if (c == '"') {
      if (i + 1 != text.size()) {
        return fail("text after the closing '\"'");
      }
      if (value.empty()) {
        return fail("empty value");
      }
      return value;
    } else {
      value += c;
    }
  }
  return fail("the quoted value has no closing '\"'");
}

ConfigFile read_config_file(const std::string& path) {
  const Status trusted = platform::trusted_file(path);
  if (!trusted) {
    throw UsageError(fmt::format("config file {}: {}{}", path, trusted.error(),
                                 trusted.error().find("writable") != std::string::npos
                                     ? " (whoever may change it can point spnscan at their own "
                                       "server or switch off certificate checks)" +
                                           platform::trusted_file_fix()
                                     : ""));
  }
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw UsageError(
        fmt::format("config file {}: {}", path, platform::error_text(errno != 0 ? errno : ENOENT)));
  }
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto parsed = parse_config(text, path);
  if (!parsed) {
    throw UsageError("config file " + parsed.error());
  }
  return std::move(parsed.value());
}

// True when the option takes a list (--ldif, --disable): its keys may repeat.
bool takes_list(const CLI::Option& option) {
  return option.get_expected_max() > 1;
}

} // namespace

Expected<ConfigFile> parse_config(std::string_view text, const std::string& path) {
  ConfigFile file;
  file.path = path;
  const auto lines = text_lines(text);
  for (std::size_t number = 1; number <= lines.size(); ++number) {
    std::string_view line = lines[number - 1];
    const std::string where = fmt::format("{}:{}", path, number);
    const std::size_t first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos || line[first] == '#' || line[first] == ';') {
      continue;
    }
    line.remove_prefix(first);
    if (line.front() == '[') {
      return fail(where + ": sections are not used: write key = value lines, the keys being the "
                          "long option names (spnscan.conf(5))");
    }
    const std::size_t eq = line.find('=');
    if (eq == std::string_view::npos) {
      return fail(where + ": not key = value");
    }
    std::string_view written = line.substr(0, eq);
    written = written.substr(0, written.find_last_not_of(" \t") + 1);
    if (written.starts_with("--")) {
      written.remove_prefix(2); // a habit from the command line; harmless
    }
    const std::string key = ascii_lower(written); // "Format = json" means format
    if (key.empty() || !std::all_of(key.begin(), key.end(), key_char)) {
      return fail(fmt::format("{}: '{}' is not an option name (long option names such as uri or "
                              "password-file)",
                              where, escape_for_display(written)));
    }
    if (secret_key(key)) {
      return fail(fmt::format("{}: '{}': a config file may not hold a password (it is read by "
                              "cron, copied and backed up); put the password in a file of mode "
                              "0600 and name it with password-file = PATH, or use sasl-mech = "
                              "GSSAPI with keytab = PATH",
                              where, key));
    }
    auto value = value_of(line.substr(eq + 1));
    if (!value) {
      return fail(fmt::format("{}: {}: {}", where, key, value.error()));
    }
    for (const char c : *value) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
        return fail(fmt::format("{}: {}: a control character in the value", where, key));
      }
    }
    file.entries.push_back({key, std::move(value.value()), where});
  }
  return file;
}

std::vector<ConfigFile> config_files(const std::string& given, bool none) {
  if (none) {
    if (!given.empty()) {
      throw UsageError("--config and --no-config both given: choose one");
    }
    return {};
  }
  if (!given.empty()) {
    return {read_config_file(given)};
  }
  std::vector<ConfigFile> files;
  for (const std::string& path : {platform::user_config_path(), platform::system_config_path()}) {
    std::error_code ec;
    if (!path.empty() && std::filesystem::exists(path, ec)) {
      files.push_back(read_config_file(path));
    }
  }
  return files;
}

void apply_config(CLI::App& app, CLI::App& command, const std::vector<ConfigFile>& files) {
  if (files.empty()) {
    return;
  }
  std::set<std::string> every_key; // the long names of every command's options
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    for (const CLI::Option* option : sub->get_options()) {
      for (const auto& name : option->get_lnames()) {
        every_key.insert(name);
      }
    }
  }
  std::set<const CLI::Option*> settled; // given on the command line or by a more important file
  for (const CLI::Option* option : command.get_options()) {
    if (option->count() > 0) {
      settled.insert(option);
    }
  }
  for (const ConfigFile& file : files) {
    std::map<const CLI::Option*, std::string> set_here; // option -> where
    for (const ConfigEntry& entry : file.entries) {
      const std::string at = "config file " + entry.where; // how every error here starts
      if (entry.key == "config" || entry.key == "no-config") {
        throw UsageError(at + ": a config file cannot name another one");
      }
      CLI::Option* option = command.get_option_no_throw("--" + entry.key);
      if (option == nullptr) {
        if (every_key.count(entry.key) != 0) {
          continue; // an option of another command
        }
        throw UsageError(fmt::format("{}: unknown key '{}' (the keys are the long option names "
                                     "of spnscan(1), without the dashes)",
                                     at, escape_for_display(entry.key)));
      }
      if (settled.count(option) != 0) {
        continue;
      }
      if (const auto first = set_here.find(option);
          first != set_here.end() && !takes_list(*option)) {
        throw UsageError(
            fmt::format("{}: {} given twice (first at {})", at, entry.key, first->second));
      }
      set_here.emplace(option, entry.where);
      try {
        option->add_result(entry.value);
        option->run_callback();
      } catch (const CLI::Error& e) {
        throw UsageError(fmt::format("{}: {}: {}", at, entry.key, e.what()));
      } catch (const UsageError& e) {
        throw UsageError(fmt::format("{}: {}", at, e.what()));
      }
    }
    for (const auto& [option, where] : set_here) {
      settled.insert(option);
    }
  }
}

} // namespace spnscan
