// What ships beside the binary must keep up with it: every option and command the CLI accepts is
// in the man page and in the bash completion, and every rule id is in the man page.

#include "run_binary.hpp"

#include <catch2/catch.hpp>

#include <regex>
#include <set>

using namespace spnscan::e2e;

namespace {

const std::vector<std::string> k_commands = {"scan", "rules", "query", "list",
                                             "host", "dump",  "check"};

// The options `spnscan COMMAND --help` lists: "-H,--uri TEXT" gives -H and --uri.
std::set<std::string> help_options(const std::string& command) {
  const auto r = run({command, "--help"});
  REQUIRE(r.status == 0);
  std::set<std::string> out;
  std::istringstream lines(r.out);
  std::string line;
  const std::regex option(R"((?:^|,)(--?[A-Za-z][A-Za-z0-9-]*))");
  while (std::getline(lines, line)) {
    if (line.rfind("  -", 0) != 0) {
      continue;
    }
    const std::string names = line.substr(2, line.find(' ', 2) - 2);
    for (std::sregex_iterator it(names.begin(), names.end(), option), end; it != end; ++it) {
      out.insert((*it)[1]);
    }
  }
  return out;
}

// The man page as its reader sees the words: "\-" is "-", font changes dropped.
std::string man_text(const std::string& page) {
  std::string text = slurp(std::string(SPNSCAN_SOURCE_DIR) + "/man/" + page);
  REQUIRE_FALSE(text.empty());
  text = std::regex_replace(text, std::regex(R"(\\f[BIRP])"), "");
  text = std::regex_replace(text, std::regex(R"(\\-)"), "-");
  return text;
}

// True when `word` stands alone in text (not as the start of a longer option).
bool has_word(const std::string& text, const std::string& word) {
  for (auto at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) {
    const std::size_t end = at + word.size();
    const bool starts =
        at == 0 || std::string(" \t\n(,[\"|=").find(text[at - 1]) != std::string::npos;
    const bool ends =
        end == text.size() ||
        (std::isalnum(static_cast<unsigned char>(text[end])) == 0 && text[end] != '-');
    if (starts && ends) {
      return true;
    }
  }
  return false;
}

} // namespace

TEST_CASE("man page: every command, every option of every command, every rule id") {
  const std::string man = man_text("spnscan.1");
  std::size_t checked = 0;
  for (const auto& command : k_commands) {
    INFO(command);
    CHECK(has_word(man, command));
    for (const auto& option : help_options(command)) {
      INFO(option);
      CHECK(has_word(man, option));
      ++checked;
    }
  }
  CHECK(checked > 100); // the parse found the options (six commands, ~30 each)
  const auto rules = run({"rules", "--format", "csv"});
  std::istringstream lines(rules.out);
  std::string line;
  std::getline(lines, line); // header
  std::size_t ids = 0;
  while (std::getline(lines, line)) {
    if (line.empty() || !std::isalpha(static_cast<unsigned char>(line[0]))) {
      continue;
    }
    const std::string id = line.substr(0, line.find(','));
    INFO(id);
    CHECK(has_word(man, id));
    ++ids;
  }
  CHECK(ids == 13);
}

TEST_CASE("spnscan.conf(5) documents the keys a config file may not hold, and the paths") {
  const std::string conf = man_text("spnscan.conf.5");
  CHECK(has_word(conf, "/etc/spnscan.conf"));
  CHECK(conf.find("$XDG_CONFIG_HOME/spnscan/spnscan.conf") != std::string::npos);
  CHECK(has_word(conf, "password-file"));
  CHECK(has_word(conf, "keytab"));
}

TEST_CASE("bash completion: every command and every option of every command") {
  const std::string completion =
      slurp(std::string(SPNSCAN_SOURCE_DIR) + "/contrib/bash-completion/spnscan");
  REQUIRE_FALSE(completion.empty());
  for (const auto& command : k_commands) {
    INFO(command);
    CHECK(has_word(completion, command));
    for (const auto& option : help_options(command)) {
      INFO(option);
      CHECK(has_word(completion, option));
    }
  }
}

TEST_CASE("bash completion offers rule ids and formats when bash runs it") {
  const std::string script = std::string(SPNSCAN_SOURCE_DIR) + "/contrib/bash-completion/spnscan";
  // Source the file and call the function as bash would for "spnscan scan --disable dup<TAB>".
  const std::string bash =
      "bash -c " +
      quote(
          "PATH=" + std::string(SPNSCAN_BINARY).substr(0, std::string(SPNSCAN_BINARY).rfind('/')) +
          ":$PATH; source " + quote(script) +
          "; COMP_WORDS=(spnscan scan --disable dup); COMP_CWORD=3; _spnscan; "
          "printf '%s\\n' \"${COMPREPLY[@]}\"; COMP_WORDS=(spnscan scan --format ma); "
          "COMP_CWORD=3; _spnscan; printf '%s\\n' \"${COMPREPLY[@]}\"");
  FILE* pipe = popen(bash.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string out;
  char buffer[4096];
  std::size_t n = 0;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) {
    out.append(buffer, n);
  }
  pclose(pipe);
  CHECK(out == "duplicate-spn\nmarkdown\n");
}
