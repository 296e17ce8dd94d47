#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace spnscan {

// The sPNMappings aliases: "host=alerter,http,cifs,..." means the KDC treats host/X as also
// covering alerter/X, http/X, cifs/X. Names are kept lower-case.
class SpnMappings {
public:
  // The Windows default: host mapped to the 53 classes listed in ad-facts.md.
  static SpnMappings windows_default();

  // Parses the attribute's values ("x=a,b,c" each). Returns an error text naming the bad
  // value when one has no '=' or an empty side.
  static std::optional<std::string> parse(const std::vector<std::string>& values,
                                          SpnMappings& out);

  // Returns the target class (e.g. "host") that the alias class maps to, or nullopt.
  // Case-insensitive.
  std::optional<std::string_view> target_of(std::string_view alias_class) const;

  // target class -> alias classes, for display.
  const std::map<std::string, std::vector<std::string>>& targets() const { return m_targets; }
  std::size_t alias_count() const { return m_alias_to_target.size(); }

private:
  std::map<std::string, std::vector<std::string>> m_targets;
  std::map<std::string, std::string, std::less<>> m_alias_to_target;
};

} // namespace spnscan
