#pragma once

// UTF-8 <-> UTF-16 for the wide Win32 and wldap32 calls (defined in platform/windows.cpp).
// Windows only: the other Windows files (source/ldap/winldap/) use these, not copies.

#include <string>
#include <string_view>

namespace spnscan::platform {

// UTF-16 to UTF-8; "" for empty text.
std::string narrow(std::wstring_view text);

// UTF-8 to UTF-16 into out; false when text is not valid UTF-8 (never guessed at).
bool widen(std::string_view text, std::wstring& out);

} // namespace spnscan::platform
