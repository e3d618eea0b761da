#include "client/otp_hook.hpp"

#include <spawn.h>
#include <sys/wait.h>

#include <cerrno>
#include <system_error>

#include "common/otp/audit_log.hpp"  // format_minor_units

extern char** environ;

namespace sc::customer {
namespace {

struct SpawnFileActions {
  SpawnFileActions() { ::posix_spawn_file_actions_init(&actions); }
  ~SpawnFileActions() { ::posix_spawn_file_actions_destroy(&actions); }
  SpawnFileActions(const SpawnFileActions&) = delete;
  SpawnFileActions& operator=(const SpawnFileActions&) = delete;
  posix_spawn_file_actions_t actions;
};

}  // namespace

std::vector<std::string> otp_hook_environment(const otp::OtpPush& push,
                                              const char* const* inherited) {
  std::vector<std::string> environment;
  for (const char* const* entry = inherited; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    if (text.substr(0, 4) == "OTP_") continue;  // ours only: nothing stale or spoofed
    environment.emplace_back(text);
  }
  environment.push_back("OTP_CODE=" + push.code);
  environment.push_back("OTP_TRANSACTION=" + push.transaction_id);
  environment.push_back("OTP_AMOUNT=" + otp::format_minor_units(push.details.amount_minor));
  environment.push_back("OTP_CURRENCY=" + push.details.currency);
  environment.push_back("OTP_PAYEE=" + push.details.payee);
  environment.push_back("OTP_ACCOUNT=" + push.details.account);
  environment.push_back("OTP_EXPIRES_AT=" + push.expires_at);
  return environment;
}

pid_t OtpHook::run(const otp::OtpPush& push) {
  reap_finished();
  std::vector<std::string> environment = otp_hook_environment(push, environ);
  std::vector<char*> envp;
  envp.reserve(environment.size() + 1);
  for (std::string& entry : environment) envp.push_back(entry.data());
  envp.push_back(nullptr);

  std::string shell = "/bin/sh";
  std::string dash_c = "-c";
  std::string name = "sh";
  char* argv[] = {name.data(), dash_c.data(), command_.data(), nullptr};
  // The hook gets standard input, output and error, and no other descriptor of the daemon
  // (the bank's socket, the epoll and signal descriptors of the io_context).
  SpawnFileActions actions;
  ::posix_spawn_file_actions_addclosefrom_np(&actions.actions, 3);
  pid_t pid = 0;
  const int error =
      ::posix_spawn(&pid, shell.c_str(), &actions.actions, nullptr, argv, envp.data());
  if (error != 0) {
    throw std::system_error(error, std::generic_category(),
                            "could not start /bin/sh for --on-otp \"" + command_ + "\"");
  }
  children_.push_back(pid);
  return pid;
}

std::vector<OtpHook::Ended> OtpHook::reap_finished() {
  std::vector<Ended> ended;
  for (auto it = children_.begin(); it != children_.end();) {
    int status = 0;
    const pid_t result = ::waitpid(*it, &status, WNOHANG);
    if (result == *it || (result < 0 && errno == ECHILD)) {
      ended.push_back({*it, result == *it ? status : -1});
      it = children_.erase(it);
    } else {
      ++it;
    }
  }
  return ended;
}

}  // namespace sc::customer
