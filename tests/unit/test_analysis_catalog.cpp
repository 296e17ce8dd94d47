#include "spnscan/analysis/rule.hpp"
#include "test_support.hpp"

#include <catch2/catch.hpp>

#include <regex>
#include <set>

using namespace spnscan;

TEST_CASE("rule_catalog: ids unique, every rule complete, find_rule and rule_rank agree") {
  std::set<std::string_view> ids;
  for (const Rule* rule : rule_catalog()) {
    INFO(rule->id);
    CHECK(ids.insert(rule->id).second);
    CHECK_FALSE(rule->title.empty());
    CHECK(rule->explanation.size() > 200);
    CHECK(rule->word != nullptr);
    const int functions = (rule->check_spn != nullptr) + (rule->check_account != nullptr) +
                          (rule->check_directory != nullptr);
    CHECK(functions == 1);
    CHECK((rule->pass == Pass::per_spn) == (rule->check_spn != nullptr));
    CHECK((rule->pass == Pass::per_account) == (rule->check_account != nullptr));
    CHECK((rule->pass == Pass::directory) == (rule->check_directory != nullptr));
    CHECK(find_rule(rule->id) == rule);
  }
  CHECK(find_rule("no-such-rule") == nullptr);
  for (std::size_t i = 0; i < rule_catalog().size(); ++i) {
    CHECK(rule_rank(rule_catalog()[i]) == i);
  }
}

TEST_CASE("rule_catalog: the man page's RULES section lists the same rules, in the same order") {
  const std::string man = test::slurp(test::source_file("man/spnscan.1"));
  const auto start = man.find("\n.SH RULES\n");
  const auto end = man.find("\n.SH ", start + 1);
  REQUIRE(start != std::string::npos);
  const std::string rules = man.substr(start, end - start);
  // Each rule is a .TP paragraph headed \fBid\fR (severity), ids written with \- for '-'.
  const std::regex heading(R"(\n\.TP\n\\fB([a-z\\-]+)\\fR \((error|warning|info)\))");
  std::vector<std::pair<std::string, std::string>> listed;
  for (auto it = std::sregex_iterator(rules.begin(), rules.end(), heading);
       it != std::sregex_iterator(); ++it) {
    std::string id = (*it)[1];
    for (auto at = id.find("\\-"); at != std::string::npos; at = id.find("\\-")) {
      id.replace(at, 2, "-");
    }
    listed.emplace_back(id, (*it)[2]);
  }
  std::vector<std::pair<std::string, std::string>> catalog;
  for (const Rule* rule : rule_catalog()) {
    catalog.emplace_back(std::string(rule->id), std::string(to_string(rule->severity)));
  }
  CHECK(listed == catalog);
}
