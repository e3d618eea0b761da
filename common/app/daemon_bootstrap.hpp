#pragma once
// How every program of the product starts, in one place: the command line, then the file of
// --config (same option names as the flags, `name = value` lines; the command line wins),
// --help, logs on standard error named after the program, and the port file scripts wait for.
// (ShutdownSignals in common/net catches SIGINT/SIGTERM before a daemon says it is ready.)
#include <boost/program_options.hpp>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace sc::app {

enum class StartDecision { run, help_shown, usage_error };

struct CommandLine {
  StartDecision decision = StartDecision::run;
  boost::program_options::variables_map values;
};

// Parses args (argv without the program and subcommand words) against description, which must
// hold "help" and may hold "config" and "log-level". On a usage error the sentence goes to
// standard error with "(see PROGRAM --help)"; with --help the description goes to help_out.
// When a "log-level" option exists, logging is configured (configure_logging) before returning
// StartDecision::run.
// positional, when given, names the options that words without a dash fill (a subcommand).
CommandLine parse_command_line(
    const std::string& program, const std::vector<std::string>& args,
    const boost::program_options::options_description& description, std::ostream& help_out,
    const boost::program_options::positional_options_description* positional = nullptr);

// argv[first..argc) as strings.
std::vector<std::string> arguments(int argc, char** argv, int first = 1);

// Writes the port actually listened on, atomically (temporary file + rename); nothing when
// path is empty. For scripts that start a daemon with port 0.
void write_port_file(const std::string& path, std::uint16_t port);

}  // namespace sc::app
