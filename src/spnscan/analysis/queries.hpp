#pragma once

#include "spnscan/analysis/finding.hpp"
#include "spnscan/model/directory.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

// The questions other than "scan": who holds an SPN, which SPNs an account has, every SPN,
// and whether adding an SPN would conflict. Pure functions of a Directory, like the analyzer.
namespace spnscan {

// One SPN value and the account that holds it.
struct SpnHolding {
  std::string spn;
  AccountRef account;
  // `host` only: whether the holder is the machine the host names (false: another account).
  std::optional<bool> on_machine;
};

// True when text matches the pattern case-insensitively; '*' matches any run of characters.
bool wildcard_match(std::string_view pattern, std::string_view text);

// Every SPN matching any of the patterns (like setspn -Q, over the whole directory), sorted by
// SPN then DN. Patterns and SPNs are compared as scan compares SPNs: case-insensitive, a
// trailing dot on the host ignored, the port as a number.
std::vector<SpnHolding> query_spns(const Directory& directory,
                                   const std::vector<std::string>& patterns);

// Every SPN with its holder (dump), sorted by DN then SPN.
std::vector<SpnHolding> all_spns(const Directory& directory);

// The SPNs of each named account (sAMAccountName, with or without '$', or DN;
// case-insensitive), like setspn -L, each account once however often it is named. Names that
// match no account read go to `not_found`, accounts that hold no SPN to `without_spns` (the
// directory must have been read with DirectoryBuilder::keep_accounts_named for them).
std::vector<SpnHolding> list_spns(const Directory& directory, const std::vector<std::string>& names,
                                  std::vector<std::string>& not_found,
                                  std::vector<AccountRef>& without_spns);

// Every SPN whose host is one of `names`, or any other name of the computer a name is (its
// dNSHostName, short name and the names added with netdom computername /add), on any account,
// the machine's own first, then by account and SPN; on_machine says whether the holder is that
// computer. The question `setspn -L HUB1` cannot answer: which accounts hold HUB1's SPNs. Names
// that no computer account answers to go to `no_machine` (their SPNs are still listed, all
// on_machine false).
std::vector<SpnHolding> host_spns(const Directory& directory, const std::vector<std::string>& names,
                                  std::vector<std::string>& no_machine);

// A conflict that adding an SPN to an account would create.
struct CheckConflict {
  std::string kind; // "duplicate-spn" or "spn-alias-collision"
  std::string existing_spn;
  AccountRef holder;
};

// Would adding `spn` to `account` (sAMAccountName or DN) create a duplicate or an alias
// collision (like setspn -S, but it never writes)? Throws InputError when spn does not parse,
// when no account read has that name (read with DirectoryBuilder::keep_accounts_named so that
// accounts without SPNs are known) and when the name fits several accounts.
std::vector<CheckConflict> check_spn(const Directory& directory, std::string_view spn,
                                     std::string_view account);

} // namespace spnscan
