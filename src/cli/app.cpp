#include "spnscan/cli/app.hpp"

#include "spnscan/analysis/analyzer.hpp"
#include "spnscan/analysis/queries.hpp"
#include "spnscan/cli/options.hpp"
#include "spnscan/error.hpp"
#include "spnscan/model/spn.hpp"
#include "spnscan/platform/platform.hpp"
#include "spnscan/report/holdings.hpp"
#include "spnscan/report/report.hpp"
#include "spnscan/source/ldap_source.hpp"
#include "spnscan/source/ldif_source.hpp"
#include "spnscan/version.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

namespace spnscan {

namespace {

// --- command line ----------------------------------------------------------------------------

void add_source_options(CLI::App& cmd, CliOptions& o) {
  cmd.add_option("--ldif", o.ldif_files, "Read an LDIF export instead of a directory (repeatable)")
      ->allow_extra_args(false)
      ->group("Source");
  auto& l = o.ldap;
  cmd.add_option("-H,--uri", l.uri, "LDAP URI: ldap://, ldaps:// or ldapi://")->group("Source");
  cmd.add_option("-b,--base", l.base, "Search base (default: defaultNamingContext)")->group("Source");
  cmd.add_flag("--forest", l.forest, "Search the Global Catalog (3268/3269) for the whole forest")
      ->group("Source");
  cmd.add_option("-D,--bind-dn", l.bind_dn, "Simple bind as this DN or UPN")->group("Bind");
  cmd.add_option("-y,--password-file", l.password_file, "Read the bind password from FILE (mode 0600)")
      ->group("Bind");
  cmd.add_flag("-W,--prompt-password", l.prompt_password, "Prompt for the bind password")
      ->group("Bind");
  cmd.add_option("-Y,--sasl-mech", l.sasl_mech, "SASL mechanism: GSSAPI, EXTERNAL, ...")->group("Bind");
  cmd.add_option("-U,--sasl-authcid", l.sasl_authcid, "SASL authentication identity")->group("Bind");
  cmd.add_option("-R,--sasl-realm", l.sasl_realm, "SASL realm")->group("Bind");
  cmd.add_option("-X,--sasl-authzid", l.sasl_authzid, "SASL authorization identity")->group("Bind");
  cmd.add_option("-O,--sasl-secprops", l.sasl_secprops, "SASL security properties")->group("Bind");
  cmd.add_flag("-N,--sasl-nocanon", l.sasl_no_canon, "Do not canonicalise the SASL host name")
      ->group("Bind");
  cmd.add_flag("-Z,--starttls", l.starttls, "Issue StartTLS; a refusal is fatal")->group("TLS");
  cmd.add_option("--ca-file", l.ca_file, "PEM file of CAs that sign the server certificate")->group("TLS");
  cmd.add_flag_callback(
         "--insecure-skip-verify", [&l]() { l.tls_verify = false; },
         "Do not verify the server certificate (warns)")
      ->group("TLS");
  cmd.add_flag("--allow-plaintext-bind", l.allow_plaintext_bind,
               "Allow a simple bind over an unencrypted connection")
      ->group("Bind");
  cmd.add_option("--timeout", l.timeout_seconds, "Network and operation timeout in seconds")
      ->capture_default_str()
      ->group("Source");
  cmd.add_option("--page-size", l.page_size, "Paged-results page size (1-100000)")
      ->capture_default_str()
      ->group("Source");
}

// Short options that take a value: in a cluster such as -ZyFILE, what follows one is its value.
constexpr std::string_view k_short_with_value = "HbDyYURXOof";

// Refuses a password given on the command line before the parser sees it, naming the option
// and never the value: the parser's own errors ("arguments were not expected: ...") would repeat
// it into a terminal log or a cron mail.
void refuse_password_arguments(int argc, char** argv) {
  const std::string advice = ": spnscan takes no password on the command line, where other users "
                             "see it in ps and it stays in shell history; use -y FILE (mode 0600), "
                             "-W to be prompted, or -Y GSSAPI with a Kerberos ticket or keytab";
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--") {
      return;
    }
    if (arg.starts_with("--")) {
      const std::string name = ascii_lower(arg.substr(2, arg.find('=') - 2));
      if (name == "password-file" || name == "prompt-password") {
        continue;
      }
      if (name.find("pass") != std::string::npos || name.find("pwd") != std::string::npos ||
          name.find("secret") != std::string::npos || name == "pw") {
        throw UsageError("--" + name + advice);
      }
    } else if (arg.size() > 1 && arg[0] == '-') {
      for (std::size_t j = 1; j < arg.size(); ++j) {
        if (arg[j] == 'w') {
          throw UsageError("-w" + advice);
        }
        if (k_short_with_value.find(arg[j]) != std::string_view::npos) {
          break;
        }
      }
    }
  }
}

void add_output_options(CLI::App& cmd, CliOptions& o) {
  cmd.add_option_function<std::string>(
         "-f,--format",
         [&o](const std::string& v) {
           const auto f = report_format_from_string(v);
           if (!f) {
             throw UsageError("--format: unknown format '" + v + "' (text, json or csv)");
           }
           o.format = *f;
         },
         "Report format: text (default), json or csv")
      ->group("Output");
  cmd.add_option("-o,--output", o.output, "Write the report to FILE atomically (mode 0600)")
      ->each([&o](const std::string&) { o.output_given = true; })
      ->group("Output");
  cmd.add_option_function<std::string>(
         "--color",
         [&o](const std::string& v) {
           if (v == "auto") {
             o.color = ColorMode::automatic;
           } else if (v == "always") {
             o.color = ColorMode::always;
           } else if (v == "never") {
             o.color = ColorMode::never;
           } else {
             throw UsageError("--color: unknown value '" + v + "' (auto, always or never)");
           }
         },
         "Colour in text output: auto (default; a terminal without NO_COLOR), always, never")
      ->group("Output");
}

void add_analysis_options(CLI::App& cmd, CliOptions& o) {
  cmd.add_option_function<std::string>(
         "--fail-on",
         [&o](const std::string& v) {
           if (v == "never") {
             o.fail_on.reset();
             return;
           }
           const auto s = severity_from_string(v);
           if (!s) {
             throw UsageError("--fail-on: unknown level '" + v +
                              "' (error, warning, info or never)");
           }
           o.fail_on = *s;
         },
         "Exit 1 when a finding is at or above: error, warning (default), info, never")
      ->group("Analysis");
  cmd.add_option_function<std::vector<std::string>>(
         "--disable",
         [&o](const std::vector<std::string>& ids) {
           for (const auto& id : ids) {
             if (find_rule(id) == nullptr) {
               throw UsageError("--disable: unknown rule '" + id + "' (see 'spnscan rules')");
             }
             o.analyzer.disabled_rules.insert(id);
           }
         },
         "Do not apply this rule (repeatable)")
      ->allow_extra_args(false)
      ->group("Analysis");
  cmd.add_option_function<std::string>(
         "--host-bound-classes",
         [&o](const std::string& v) {
           o.analyzer.host_bound_classes.clear();
           std::stringstream in(v);
           std::string item;
           while (std::getline(in, item, ',')) {
             if (!item.empty()) {
               o.analyzer.host_bound_classes.push_back(item);
             }
           }
           if (o.analyzer.host_bound_classes.empty()) {
             throw UsageError("--host-bound-classes: empty list");
           }
         },
         "Comma-separated service classes that belong to a machine (replaces the default)")
      ->group("Analysis");
}

// --- running ---------------------------------------------------------------------------------

std::vector<std::unique_ptr<AccountSource>> make_sources(const CliOptions& o,
                                                         std::vector<std::string>& warnings) {
  std::vector<std::unique_ptr<AccountSource>> sources;
  if (!o.ldif_files.empty()) {
    if (!o.ldap.uri.empty()) {
      throw UsageError("--ldif and -H/--uri name two different sources; give one of them");
    }
    for (const auto& file : distinct_ldif_inputs(o.ldif_files, warnings)) {
      sources.push_back(std::make_unique<LdifSource>(file));
    }
    return sources;
  }
  if (o.ldap.uri.empty()) {
    throw UsageError("no source: give -H/--uri URI to scan a directory or --ldif FILE to read an "
                     "export");
  }
  sources.push_back(std::make_unique<LdapSource>(o.ldap)); // validates the options first
  return sources;
}

// Reads every source into the directory. A directory error after partial results leaves the
// scan marked incomplete and is returned so the caller can still write what was read.
std::optional<DirectoryError> read_sources(const CliOptions& o, Directory& directory) {
  DirectoryBuilder builder(directory);
  if (o.command == Command::check) {
    builder.keep_accounts_named({o.check_account});
  } else if (o.command == Command::list) {
    builder.keep_accounts_named(o.accounts);
  }
  for (auto& source : make_sources(o, directory.info().warnings)) {
    directory.info().sources.push_back(source->describe());
    try {
      source->read(builder);
    } catch (const DirectoryError& e) {
      if (directory.info().complete) {
        throw; // nothing was read: there is no partial report to write
      }
      builder.finish();
      return e;
    }
  }
  builder.finish();
  if (directory.spn_count() == 0 && directory.info().complete) {
    // Every domain has SPNs on its domain controllers and on krbtgt: a read that found none
    // looked in the wrong place or was not allowed to see them, and is no clean bill of health.
    const std::string read = fmt::format("{} {} read, none holding a servicePrincipalName",
                                         directory.info().entries_read,
                                         directory.info().entries_read == 1 ? "entry" : "entries");
    if (!o.ldif_files.empty()) {
      throw InputError(fmt::format(
          "{}: {}. Every Active Directory domain has SPNs on its domain controllers and on "
          "krbtgt, so this is not an export of a domain's accounts: its search base, its filter, "
          "its attribute list (servicePrincipalName must be among them) or the read permissions "
          "of the account that made it are probably wrong",
          fmt::join(directory.info().sources, ", "), read));
    }
    const std::string reason = fmt::format(
        "{}: {}. Every Active Directory domain has SPNs on its domain controllers and on "
        "krbtgt, so the search base ({}) or the read permissions of the bind are probably "
        "wrong (an anonymous or restricted bind may not see servicePrincipalName)",
        fmt::join(directory.info().sources, ", "), read,
        o.ldap.forest        ? std::string("the whole forest through the Global Catalog")
        : o.ldap.base.empty() ? std::string("the defaultNamingContext")
                              : "-b " + o.ldap.base);
    builder.set_incomplete(reason);
    return DirectoryError(reason);
  }
  return std::nullopt;
}

bool use_color(const CliOptions& o) {
  if (o.format != ReportFormat::text || o.color == ColorMode::never) {
    return false;
  }
  if (o.color == ColorMode::always) {
    return true;
  }
  const char* no_color = std::getenv("NO_COLOR");
  return o.output.empty() && (no_color == nullptr || *no_color == '\0') &&
         platform::is_terminal(stdout);
}

// Refuses an --output that would destroy an input or that names nothing, before anything is
// read or written.
void check_output(const CliOptions& o) {
  if (!o.output_given) {
    return;
  }
  if (o.output.empty()) {
    throw UsageError("--output: empty file name (leave -o out, or give -o -, to write to "
                     "standard output)");
  }
  namespace fs = std::filesystem;
  for (const auto& input : o.ldif_files) {
    for (const std::string& target : {o.output, o.output + ".incomplete"}) {
      std::error_code ec;
      if (input != "-" && target != "-" && fs::equivalent(target, input, ec) && !ec) {
        throw UsageError("--output '" + target + "' is the input '" + input +
                         "': writing the report there would replace the export");
      }
    }
  }
}

// Refuses empty patterns and names: "" would match nothing (or everything) silently.
void check_arguments(const CliOptions& o) {
  for (const auto& pattern : o.patterns) {
    if (pattern.empty()) {
      throw UsageError("query: empty pattern (give an SPN, or a pattern with '*' such as "
                       "'HTTP/*')");
    }
  }
  for (const auto& name : o.accounts) {
    if (name.empty()) {
      throw UsageError("list: empty account name (give a sAMAccountName or a DN)");
    }
  }
  if (o.command == Command::check && o.check_account.empty()) {
    throw UsageError("check: empty account name (give a sAMAccountName or a DN)");
  }
  if (o.command == Command::check && o.check_spn.empty()) {
    throw UsageError("check: empty SPN");
  }
}

// Writes content to a stream the caller opened; returns 0 or the errno of the failure.
int write_stream(std::FILE* stream, const std::string& content) {
  errno = 0;
  if (std::fwrite(content.data(), 1, content.size(), stream) != content.size() ||
      std::fflush(stream) != 0) {
    return errno != 0 ? errno : EIO;
  }
  return 0;
}

// Writes the report to stdout or atomically to --output. A partial report never replaces an
// existing file: it goes next to it as FILE.incomplete.
void emit(const CliOptions& o, const std::string& content, bool complete) {
  if (o.output.empty() || o.output == "-") {
    const int error = write_stream(stdout, content);
    // A reader that stopped reading (spnscan dump | head -1) is not an error worth a message.
    if (error != 0 && error != EPIPE) {
      throw InputError("cannot write the report to standard output: " +
                       platform::error_text(error));
    }
    return;
  }
  std::string path = o.output;
  std::error_code ec;
  if (!complete && std::filesystem::exists(path, ec)) {
    path += ".incomplete";
    std::cerr << "spnscan: the scan is incomplete; " << o.output
              << " (the last complete report) is kept and this report goes to " << path << "\n";
  }
  const auto status = std::filesystem::status(path, ec);
  if (!ec && std::filesystem::is_directory(status)) {
    throw InputError("cannot write the report to " + path + ": " + platform::error_text(EISDIR));
  }
  if (!ec && std::filesystem::exists(status) && !std::filesystem::is_regular_file(status)) {
    // /dev/null, a FIFO or a terminal: renaming over it would replace the device node.
    errno = 0;
    std::FILE* device = std::fopen(path.c_str(), "wb");
    int error = device == nullptr ? errno : write_stream(device, content);
    if (device != nullptr && std::fclose(device) != 0 && error == 0) {
      error = errno;
    }
    if (error != 0) {
      throw InputError("cannot write the report to " + path + ": " + platform::error_text(error));
    }
    return;
  }
  platform::write_file_atomically(path, content);
}

ExitStatus run_scan(const CliOptions& o) {
  Directory directory;
  directory.info().started_at = std::chrono::system_clock::now();
  const auto start = std::chrono::steady_clock::now();
  const auto error = read_sources(o, directory);
  const auto findings = analyze(directory, o.analyzer);
  directory.info().duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::steady_clock::now() - start)
                                     .count();
  std::ostringstream out;
  write_report(out, o.format, report_scan_of(directory), findings, ReportOptions{use_color(o)});
  emit(o, std::move(out).str(), directory.info().complete);

  if (!directory.info().complete) {
    std::cerr << "spnscan: error: the scan is incomplete and must not be taken as clean: "
              << (error ? error->what() : directory.info().incomplete_reason) << "\n";
    return ExitStatus::directory;
  }
  if (o.fail_on) {
    for (const auto& f : findings) {
      if (f.severity >= *o.fail_on) {
        return ExitStatus::findings;
      }
    }
  }
  return ExitStatus::ok;
}

// query, list, dump and check read the whole directory too; an incomplete read is an error
// because "nobody holds it" would be a guess.
Directory read_complete(const CliOptions& o) {
  Directory directory;
  const auto error = read_sources(o, directory);
  if (error) {
    throw DirectoryError(std::string(error->what()) + " (the answer would be incomplete)");
  }
  if (!directory.info().complete) {
    throw DirectoryError("the input is incomplete, so the answer would be too: " +
                         directory.info().incomplete_reason);
  }
  return directory;
}

ExitStatus run_holdings(const CliOptions& o) {
  const Directory directory = read_complete(o);
  std::ostringstream out;
  ExitStatus status = ExitStatus::ok;
  switch (o.command) {
  case Command::query: {
    const auto rows = query_spns(directory, o.patterns);
    write_holdings(out, o.format, rows, rows.empty() ? "No such SPN found." : "");
    status = rows.empty() ? ExitStatus::findings : ExitStatus::ok;
    break;
  }
  case Command::dump: {
    write_holdings(out, o.format, all_spns(directory), "");
    break;
  }
  case Command::list: {
    std::vector<std::string> not_found;
    std::vector<AccountRef> without_spns;
    const auto rows = list_spns(directory, o.accounts, not_found, without_spns);
    std::string note;
    for (const auto& a : without_spns) {
      note += (note.empty() ? "" : "\n") +
              fmt::format("{} ({}) holds no SPN.", a.dn, a.sam_account_name);
    }
    for (const auto& n : not_found) {
      note += (note.empty() ? "" : "\n") + fmt::format("No account named '{}'.", n);
    }
    write_holdings(out, o.format, rows, note);
    status = not_found.empty() ? ExitStatus::ok : ExitStatus::findings;
    break;
  }
  case Command::check: {
    const auto conflicts = check_spn(directory, o.check_spn, o.check_account);
    write_check(out, o.format, o.check_spn, o.check_account, conflicts);
    status = conflicts.empty() ? ExitStatus::ok : ExitStatus::findings;
    break;
  }
  default:
    break;
  }
  emit(o, std::move(out).str(), true);
  return status;
}

ExitStatus run_rules(const CliOptions& o) {
  std::ostringstream out;
  write_rules(out, o.format, rule_catalog());
  emit(o, std::move(out).str(), true);
  return ExitStatus::ok;
}

} // namespace

int spnscan_main(int argc, char** argv) {
  platform::prepare_process();
  CliOptions o;
  CLI::App app{"spnscan: find Service Principal Name conflicts in Active Directory, read-only. "
               "See man spnscan(1)."};
  app.set_version_flag("--version", std::string("spnscan ") + k_version);
  app.require_subcommand(1);
  app.fallthrough(false);

  auto* scan = app.add_subcommand("scan", "Apply every rule to every SPN and report the conflicts");
  add_source_options(*scan, o);
  add_output_options(*scan, o);
  add_analysis_options(*scan, o);

  auto* rules = app.add_subcommand("rules", "List the rules with an explanation of each");
  add_output_options(*rules, o);

  auto* query = app.add_subcommand("query", "Who holds an SPN ('*' wildcards), like setspn -Q");
  query->add_option("pattern", o.patterns, "SPN or pattern")->required();
  add_source_options(*query, o);
  add_output_options(*query, o);

  auto* list = app.add_subcommand("list", "The SPNs of accounts (sAMAccountName or DN), like setspn -L");
  list->add_option("account", o.accounts, "sAMAccountName or DN")->required();
  add_source_options(*list, o);
  add_output_options(*list, o);

  auto* dump = app.add_subcommand("dump", "Every SPN with its holder");
  add_source_options(*dump, o);
  add_output_options(*dump, o);

  auto* check = app.add_subcommand(
      "check", "Would adding SPN to ACCOUNT create a duplicate or alias collision? Never writes");
  check->add_option("spn", o.check_spn, "The SPN to add")->required();
  check->add_option("account", o.check_account, "sAMAccountName or DN")->required();
  add_source_options(*check, o);
  add_output_options(*check, o);

  try {
    refuse_password_arguments(argc, argv);
    try {
      app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
      return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
      return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
      return app.exit(e);
    } catch (const CLI::ParseError& e) {
      throw UsageError(std::string(e.what()) + " (see 'spnscan --help')");
    }
    if (scan->parsed()) {
      o.command = Command::scan;
    } else if (rules->parsed()) {
      o.command = Command::rules;
    } else if (query->parsed()) {
      o.command = Command::query;
    } else if (list->parsed()) {
      o.command = Command::list;
    } else if (dump->parsed()) {
      o.command = Command::dump;
    } else {
      o.command = Command::check;
    }
    check_output(o);
    check_arguments(o);
    ExitStatus status = ExitStatus::ok;
    switch (o.command) {
    case Command::scan:
      status = run_scan(o);
      break;
    case Command::rules:
      status = run_rules(o);
      break;
    default:
      status = run_holdings(o);
      break;
    }
    return to_int(status);
  } catch (const Error& e) {
    std::cerr << "spnscan: error: " << e.what() << "\n";
    return to_int(e.status());
  } catch (const std::bad_alloc&) {
    std::cerr << "spnscan: error: out of memory\n";
    return to_int(ExitStatus::usage);
  } catch (const std::exception& e) {
    std::cerr << "spnscan: error: " << e.what() << "\n";
    return to_int(ExitStatus::usage);
  }
}

} // namespace spnscan
