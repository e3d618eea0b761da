#include "common/app/daemon_bootstrap.hpp"

#include <filesystem>
#include <fstream>
#include <iostream>

#include "common/app/channel_options.hpp"
#include "common/files/atomic_file.hpp"

namespace sc::app {
namespace po = boost::program_options;

std::vector<std::string> arguments(int argc, char** argv, int first) {
  std::vector<std::string> words;
  for (int i = first; i < argc; ++i) words.emplace_back(argv[i]);
  return words;
}

CommandLine parse_command_line(const std::string& program, const std::vector<std::string>& args,
                               const po::options_description& description, std::ostream& help_out,
                               const po::positional_options_description* positional) {
  CommandLine parsed;
  try {
    po::command_line_parser parser(args);
    parser.options(description);
    if (positional != nullptr) parser.positional(*positional);
    po::store(parser.run(), parsed.values);
    if (description.find_nothrow("config", false) != nullptr && parsed.values.count("config")) {
      const auto file = parsed.values["config"].as<std::string>();
      std::ifstream in(file);
      if (!in) throw std::runtime_error("cannot read the --config file " + file);
      po::store(po::parse_config_file(in, description), parsed.values);
    }
    po::notify(parsed.values);
    if (parsed.values.count("help")) {
      help_out << description << '\n';
      parsed.decision = StartDecision::help_shown;
      return parsed;
    }
    if (description.find_nothrow("log-level", false) != nullptr) {
      configure_logging(program, parsed.values["log-level"].as<std::string>());
    }
  } catch (const std::exception& error) {
    std::cerr << program << ": " << error.what() << "\n(see " << program << " --help)\n";
    parsed.decision = StartDecision::usage_error;
  }
  return parsed;
}

void write_port_file(const std::string& path, std::uint16_t port) {
  if (path.empty()) return;
  // A script polling for the file reads the whole port or no file; a unique temporary name
  // (not path + ".tmp") keeps two daemons given the same path from writing into one another.
  files::write_file_atomically(
      path, std::to_string(port) + "\n",
      std::filesystem::perms::owner_read | std::filesystem::perms::owner_write |
          std::filesystem::perms::group_read | std::filesystem::perms::others_read,
      files::FolderSync::best_effort);
}

}  // namespace sc::app
