// The option groups of the commands, and the checks of the command line made outside CLI11.

#include "spnscan/cli/options.hpp"

#include "spnscan/cli/commands.hpp"
#include "spnscan/error.hpp"
#include "spnscan/util/text.hpp"

#include <CLI/CLI.hpp>

#include <sstream>

namespace spnscan {

namespace {

// Short options that take a value: in a cluster such as -ZyFILE, what follows one is its value.
constexpr std::string_view k_short_with_value = "HbDyYURXOof";

} // namespace

void add_source_options(CLI::App& cmd, CliOptions& o) {
  cmd.add_option("--ldif", o.ldif_files, "Read an LDIF export instead of a directory (repeatable)")
      ->allow_extra_args(false)
      ->group("Source");
  auto& l = o.ldap;
  cmd.add_option("-H,--uri", l.uri, "LDAP URI: ldap://, ldaps:// or ldapi://")->group("Source");
  cmd.add_option("-b,--base", l.base, "Search base (default: defaultNamingContext)")
      ->group("Source");
  cmd.add_flag("--forest", l.forest, "Search the Global Catalog (3268/3269) for the whole forest")
      ->group("Source");
  cmd.add_option("-D,--bind-dn", l.bind_dn, "Simple bind as this DN or UPN")->group("Bind");
  cmd.add_option("-y,--password-file", l.password_file,
                 "Read the bind password from FILE (mode 0600)")
      ->group("Bind");
  cmd.add_flag("-W,--prompt-password", l.prompt_password, "Prompt for the bind password")
      ->group("Bind");
  cmd.add_option("-Y,--sasl-mech", l.sasl_mech, "SASL mechanism: GSSAPI, EXTERNAL, ...")
      ->group("Bind");
  cmd.add_option("-U,--sasl-authcid", l.sasl_authcid, "SASL authentication identity")
      ->group("Bind");
  cmd.add_option("-R,--sasl-realm", l.sasl_realm, "SASL realm")->group("Bind");
  cmd.add_option("-X,--sasl-authzid", l.sasl_authzid, "SASL authorization identity")->group("Bind");
  cmd.add_option("-O,--sasl-secprops", l.sasl_secprops, "SASL security properties")->group("Bind");
  cmd.add_flag_callback(
         "-N,--sasl-nocanon", [&l]() { l.sasl_canonicalize = false; },
         "Use the host name from -H for Kerberos as given (the default; kept for ldapsearch users)")
      ->group("Bind");
  cmd.add_flag("--sasl-canonicalize", l.sasl_canonicalize,
               "Ask Kerberos for the reverse-DNS name of the server instead of the name in -H")
      ->group("Bind");
  cmd.add_option("--keytab", l.keytab,
                 "With -Y GSSAPI: get the Kerberos ticket from this keytab (cron), not kinit")
      ->group("Bind");
  cmd.add_flag("-Z,--starttls", l.starttls, "Issue StartTLS; a refusal is fatal")->group("TLS");
  cmd.add_option("--ca-file", l.ca_file, "PEM file of CAs that sign the server certificate")
      ->group("TLS");
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

void add_output_options(CLI::App& cmd, CliOptions& o) {
  cmd.add_option_function<std::string>(
         "-f,--format",
         [&o](const std::string& v) {
           o.format = find_format(v);
           if (o.format == nullptr) {
             throw UsageError("--format: unknown format '" + v + "' (" + format_names() + ")");
           }
         },
         "Report format: " + format_names() + "; text is the default")
      ->group("Output");
  cmd.add_option("-o,--output", o.output, "Write the report to FILE atomically (mode 0600)")
      ->each([&o](const std::string&) { o.output_given = true; })
      ->group("Output");
  cmd.add_flag("-q,--quiet", o.quiet, "Nothing on standard error but errors (no progress)")
      ->group("Output");
  cmd.add_flag("-v,--verbose", o.verbose,
               "Diagnostics on standard error: server, bind, pages (never a password)")
      ->group("Output");
  cmd.add_option("--config", o.config,
                 "Read options from FILE (key = value, the long option names; spnscan.conf(5))")
      ->configurable(false)
      ->group("Output");
  cmd.add_flag("--no-config", o.no_config,
               "Read no config file, not even /etc/spnscan.conf or the user's")
      ->configurable(false)
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
  cmd.add_flag("--fail-on-new", o.fail_on_new,
               "With --baseline: only findings that are new count for --fail-on")
      ->group("Analysis");
  cmd.add_option("--baseline", o.baseline,
                 "An earlier JSON report: mark findings new or unchanged, list the resolved ones")
      ->group("Analysis");
  cmd.add_option("--allow", o.allow,
                 "Allow list of accepted risks (spnscan(1), ALLOW LIST): suppressed, not dropped")
      ->group("Analysis");
  cmd.add_flag("--details", o.details,
               "Every finding in full (ids, DNs, its own fix), after the action plan")
      ->group("Output");
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
         "Do not apply these rules (comma-separated ids; repeatable)")
      ->allow_extra_args(false)
      ->delimiter(',')
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

void check_operands(const CliOptions& o) {
  for (const auto& pattern : o.patterns) {
    if (pattern.empty()) {
      throw UsageError("query: empty pattern (give an SPN, or a pattern with '*' such as "
                       "'HTTP/*')");
    }
  }
  for (const auto& name : o.hosts) {
    if (name.empty() || name == ".") {
      throw UsageError("host: empty host name (give a short name such as HUB1 or a DNS name "
                       "such as hub1.contoso.com)");
    }
  }
  for (const auto& name : o.accounts) {
    if (name.empty()) {
      throw UsageError("list: empty account name (give a sAMAccountName or a DN)");
    }
  }
  if (std::string_view(o.command->name) == "check") {
    if (o.check_account.empty()) {
      throw UsageError("check: empty account name (give a sAMAccountName or a DN)");
    }
    if (o.check_spn.empty()) {
      throw UsageError("check: empty SPN");
    }
  }
}

} // namespace spnscan
