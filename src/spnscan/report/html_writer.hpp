#pragma once

#include <string>
#include <string_view>

namespace spnscan {

// Text for HTML element content or an attribute value: escaped for the reader
// (escape_for_display), then & < > " ' as entities.
std::string html_text(std::string_view text);

} // namespace spnscan
