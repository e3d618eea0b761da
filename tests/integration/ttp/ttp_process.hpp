#pragma once
// `ttp serve` as a child process for the TTP's network tests: listens on 127.0.0.1 port 0,
// reports its port through --port-file, logs to ttp-serve.log beside its files, and is stopped
// by its pid (SIGTERM by default).
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "tests/support/test_data.hpp"
#include "tests/unit/ttp/ttp_fixture.hpp"

namespace sc::test {

class TtpProcess {
 public:
  // extra_arguments are added to `ttp serve` (limits, log level).
  explicit TtpProcess(const std::filesystem::path& certs,
                      std::vector<std::string> extra_arguments = {}) {
    const auto port_file = certs / "port";
    std::filesystem::remove(port_file);
    const std::string binary = (binary_dir() / "bin" / "ttp").string();
    std::vector<std::string> arguments{
        binary,        "serve",       "--certs-dir",      certs.string(), "--listen",
        "127.0.0.1:0", "--port-file", port_file.string(), "--log-level",  "warn"};
    arguments.insert(arguments.end(), extra_arguments.begin(), extra_arguments.end());
    std::vector<char*> argv;
    for (auto& argument : arguments) argv.push_back(argument.data());
    argv.push_back(nullptr);
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      // The daemon's output goes to a log beside its files (read it when a test fails).
      const int log =
          ::open((certs / "ttp-serve.log").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
      if (log >= 0) {
        ::dup2(log, STDOUT_FILENO);
        ::dup2(log, STDERR_FILENO);
      }
      ::execv(binary.c_str(), argv.data());
      ::_exit(127);
    }
    // Wait (bounded) until the TTP reports its port; no assertion on how long it took.
    for (int i = 0; i < 3000 && port_ == 0; ++i) {
      const std::string text = read_file(port_file);
      if (!text.empty() && text.back() == '\n') port_ = static_cast<std::uint16_t>(std::stoi(text));
      if (port_ == 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    REQUIRE(port_ != 0);
  }
  TtpProcess(const TtpProcess&) = delete;
  TtpProcess& operator=(const TtpProcess&) = delete;
  ~TtpProcess() { stop(SIGTERM); }

  void stop(int signal) {
    if (pid_ <= 0) return;
    ::kill(pid_, signal);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }
  std::uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
};

}  // namespace sc::test
