#include "spnscan/util/text.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace spnscan;
using namespace std::string_literals;

TEST_CASE("escape_for_terminal: plain text and valid UTF-8 pass through") {
  CHECK(escape_for_terminal("HTTP/web1.contoso.com:443") == "HTTP/web1.contoso.com:443");
  CHECK(escape_for_terminal("CN=M\xC3\xBCller,DC=contoso") == "CN=M\xC3\xBCller,DC=contoso");
  CHECK(escape_for_terminal("\xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x94\x91") ==
        "\xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x94\x91");
  CHECK(escape_for_terminal("") == "");
}

TEST_CASE("escape_for_terminal: C0 controls and DEL become \\xNN") {
  CHECK(escape_for_terminal("a\x1b[2Jb") == "a\\x1B[2Jb");
  CHECK(escape_for_terminal("\r\n\t") == "\\x0D\\x0A\\x09");
  CHECK(escape_for_terminal(std::string("a\0b", 3)) == "a\\x00b");
  CHECK(escape_for_terminal("\x07\x1f") == "\\x07\\x1F");
  CHECK(escape_for_terminal("x\x7fy") == "x\\x7Fy");
}

TEST_CASE("escape_for_terminal: backslash is doubled") {
  CHECK(escape_for_terminal("CN=Smith\\, John") == "CN=Smith\\\\, John");
  // A literal backslash-x text cannot pass for an escaped byte.
  CHECK(escape_for_terminal("\\x1B") == "\\\\x1B");
}

TEST_CASE("escape_for_terminal: C1 controls, as UTF-8 and as raw bytes") {
  CHECK(escape_for_terminal("a\xC2\x85"
                            "b") == "a\\u{0085}b");
  CHECK(escape_for_terminal("\xC2\x80\xC2\x9F") == "\\u{0080}\\u{009F}");
  CHECK(escape_for_terminal("\xC2\xA9") == "\xC2\xA9"); // U+00A9 is printable
  CHECK(escape_for_terminal("a\x9b"
                            "31mb") == "a\\x9B31mb");
  CHECK(escape_for_terminal("\x80\x9f") == "\\x80\\x9F");
}

TEST_CASE("escape_for_terminal: bidi controls and line separators") {
  CHECK(escape_for_terminal("a\xE2\x80\xAE"
                            "b") == "a\\u{202E}b");
  CHECK(escape_for_terminal("\xE2\x80\xAA\xE2\x80\xAB\xE2\x80\xAC\xE2\x80\xAD") ==
        "\\u{202A}\\u{202B}\\u{202C}\\u{202D}");
  CHECK(escape_for_terminal("\xE2\x81\xA6\xE2\x81\xA7\xE2\x81\xA8\xE2\x81\xA9") ==
        "\\u{2066}\\u{2067}\\u{2068}\\u{2069}");
  CHECK(escape_for_terminal("\xE2\x80\x8E\xE2\x80\x8F") == "\\u{200E}\\u{200F}");
  CHECK(escape_for_terminal("\xD8\x9C") == "\\u{061C}");
  CHECK(escape_for_terminal("\xE2\x80\xA8\xE2\x80\xA9") == "\\u{2028}\\u{2029}");
  CHECK(escape_for_terminal("\xE2\x80\x94") == "\xE2\x80\x94"); // em dash is fine
}

TEST_CASE("escape_for_terminal: invisible characters and look-alike spaces become \\u{NNNN}") {
  CHECK(escape_for_terminal("HTTP/web\u200B01") == "HTTP/web\\u{200B}01");
  CHECK(escape_for_terminal("\u00AD\u2060\uFEFF\u200D") == "\\u{00AD}\\u{2060}\\u{FEFF}\\u{200D}");
  CHECK(escape_for_terminal("a\u00A0b\u3000c\u2009d") == "a\\u{00A0}b\\u{3000}c\\u{2009}d");
  CHECK(escape_for_terminal("\u3164\uFE0F\U000E0041") == "\\u{3164}\\u{FE0F}\\u{E0041}");
  // Letters of other scripts are visible: they are issue of the look-alike rule, not of escaping.
  CHECK(escape_for_terminal("\u0430") == "\u0430");
}

TEST_CASE("escape_for_display and show_value: what the reports show") {
  // Nothing to escape but backslashes: shown as the directory holds it.
  CHECK(escape_for_display("CN=Smith\\, John,DC=contoso") == "CN=Smith\\, John,DC=contoso");
  CHECK(escape_for_display("CN=Smith\\, John\x07") == "CN=Smith\\\\, John\\x07");
  // Spaces at either end of a value, and invisible characters, never print like plain text.
  CHECK(show_value("HTTP/web01") == "HTTP/web01");
  CHECK(show_value("HTTP/web01 ") == "HTTP/web01\\x20");
  CHECK(show_value("  HTTP/web01") == "\\x20\\x20HTTP/web01");
  CHECK(show_value("HTTP/web 01") == "HTTP/web 01");
  CHECK(show_value(" ") == "\\x20");
  CHECK(show_value("HTTP/web01\u200B") == "HTTP/web01\\u{200B}");
  CHECK(show_value("HTTP/web01") != show_value("HTTP/web01\u200B"));
}

TEST_CASE("escape_for_terminal: invalid UTF-8 bytes become \\xNN each") {
  CHECK(escape_for_terminal("a\xff"
                            "b") == "a\\xFFb");
  CHECK(escape_for_terminal("\xC0\xAF") == "\\xC0\\xAF");                   // overlong '/'
  CHECK(escape_for_terminal("\xE0\x80\xAF") == "\\xE0\\x80\\xAF");          // overlong
  CHECK(escape_for_terminal("\xED\xA0\x80") == "\\xED\\xA0\\x80");          // surrogate
  CHECK(escape_for_terminal("\xF4\x90\x80\x80") == "\\xF4\\x90\\x80\\x80"); // > U+10FFFF
  CHECK(escape_for_terminal("\xE2\x82"
                            "A") == "\\xE2\\x82A");             // truncated
  CHECK(escape_for_terminal("end\xE2\x82") == "end\\xE2\\x82"); // truncated at the end
}

TEST_CASE("to_valid_utf8: replaces each invalid byte and says so") {
  bool replaced = false;
  CHECK(to_valid_utf8("M\xC3\xBCller \xE2\x80\xAE", replaced) == "M\xC3\xBCller \xE2\x80\xAE");
  CHECK_FALSE(replaced);

  CHECK(to_valid_utf8("a\xff"
                      "b",
                      replaced) == "a\xEF\xBF\xBD"
                                   "b");
  CHECK(replaced);

  replaced = false;
  CHECK(to_valid_utf8("\xC0\xAF", replaced) == "\xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK(replaced);

  replaced = false;
  CHECK(to_valid_utf8("x\xE2\x82", replaced) == "x\xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK(replaced);

  // replaced is only ever set, never cleared, so one flag can cover many strings.
  CHECK(to_valid_utf8("ok", replaced) == "ok");
  CHECK(replaced);
}

TEST_CASE("iequals, istarts_with, icontains and ascii_lower") {
  CHECK(iequals("SMTPSVC", "smtpsvc"));
  CHECK_FALSE(iequals("SMTP", "SMTPSVC"));
  CHECK(istarts_with("CN=Directory Service,CN=Windows NT", "cn=directory service,"));
  CHECK_FALSE(istarts_with("CN=Dir", "CN=Directory"));
  CHECK(icontains("servicePrincipalName;Range=0-1499", "range="));
  CHECK_FALSE(icontains("range", "range="));
  CHECK(ascii_lower("HTTP/Web01.\xC3\x9C") == "http/web01.\xC3\x9C"); // only ASCII letters
}

TEST_CASE("base64_encode and base64_decode") {
  CHECK(base64_encode("") == "");
  CHECK(base64_encode("HTTP/x\n") == "SFRUUC94Cg==");
  CHECK(base64_encode("ab") == "YWI=");
  std::string out;
  CHECK(base64_decode("SFRUUC94Cg==", out));
  CHECK(out == "HTTP/x\n");
  CHECK(base64_decode("YWI= \t", out));
  CHECK(out == "ab");
  CHECK_FALSE(base64_decode("YWI", out));  // not padded: cut short
  CHECK_FALSE(base64_decode("Y*I=", out)); // not base64
  for (const std::string& bytes : {"\x00\xFF\x10"s, "x"s, "xyz1"s}) {
    CHECK(base64_decode(base64_encode(bytes), out));
    CHECK(out == bytes);
  }
}

TEST_CASE("printable: untrusted text for a message") {
  CHECK(printable("ok") == "ok");
  CHECK(printable("a\x1b[2J\x7f") == "a\\x1B[2J\\x7F");
  CHECK(printable(std::string(300, 'x')) == std::string(200, 'x') + "...");
  CHECK(printable("abcdef", 3) == "abc...");
}

TEST_CASE("first_invisible and describe_code_point") {
  CHECK(first_invisible("HTTP/web01").empty());
  CHECK(first_invisible("HTTP/web\u200B01") == "U+200B ZERO WIDTH SPACE");
  CHECK(first_invisible("a\xFF") == "the byte 0xFF, which is not valid UTF-8");
  CHECK(describe_code_point(0x07) == "U+0007 (a control character)");
  CHECK(describe_code_point(0x2003) == "U+2003 (a space other than U+0020)");
  CHECK(describe_code_point(0xE0041) == "U+E0041 (an invisible format character)");
  CHECK(is_invisible(0x00AD));
  CHECK_FALSE(is_invisible(0x00E9)); // é
  CHECK_FALSE(is_invisible(0x0430)); // Cyrillic a: visible, a look-alike
}

TEST_CASE("text_lines: numbered lines without breaks, BOM or carriage returns") {
  using V = std::vector<std::string_view>;
  CHECK(text_lines("") == V{});
  CHECK(text_lines("a\nb") == V{"a", "b"});
  CHECK(text_lines("\xEF\xBB\xBF"
                   "a\r\n\r\nc\n") == V{"a", "", "c"});
  CHECK(text_lines("a\rb\n") == V{"a\rb"}); // only a carriage return before the break goes
}
