#pragma once

#include <string>
#include <string_view>

namespace spnscan {

// Text for a Markdown paragraph or table cell: escaped for the reader (escape_for_display), then
// every character Markdown or a renderer's raw HTML would act on (\ ` * _ [ ] # ~ ! |, and < > &
// as entities), so that no directory string can become a link, an image or markup.
std::string markdown_text(std::string_view text);

// Text as inline code, fenced with more backticks than it holds, '|' escaped for tables.
std::string markdown_code(std::string_view text);

// What a Markdown renderer interprets: the document without its fenced code blocks and code
// spans, whose text is shown literally. The tests and the fuzz target look for markup there.
std::string markdown_prose(std::string_view markdown);

} // namespace spnscan
