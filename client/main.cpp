// client: the customer. Enrolls with the TTP on first use and talks to the bank over a mutually
// authenticated TLS 1.3 channel. A bank's OTP is pushed to the customer's DEVICE, never given
// back in the answer to the transfer that asked for it (docs/OTP_PROTOCOL.md):
//
//   client daemon     the device: subscribes, keeps the channel alive, reconnects, and shows
//                     each pushed OTP with its amount and payee (--on-otp, --json)
//   client transfer   starts a transfer (--account --amount --currency --payee); the code goes
//                     to the devices
//   client confirm    confirms a transaction with the code the device showed (--txn --code)
//   client shell      the interactive prompt, itself a device (also: plain `client`)
//
// Exit codes (for scripts): 0 done (confirm: accepted); 1 wrong code; 2 bad usage;
// 3 enrollment failed; 4 the bank is unreachable or the channel failed; 5 the bank answered
// with an error; 6 the transaction is locked; 7 the code expired; 8 the customer is blocked;
// 9 unknown transaction or already used.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <csignal>
#include <iostream>

#include "client/customer_session.hpp"
#include "client/device_daemon.hpp"
#include "client/event_printer.hpp"
#include "client/exit_codes.hpp"
#include "client/json_event.hpp"
#include "client/otp_display.hpp"
#include "client/otp_hook.hpp"
#include "client/shell.hpp"
#include "common/app/certificate_renewer.hpp"
#include "common/app/channel_options.hpp"
#include "common/app/daemon_bootstrap.hpp"
#include "common/app/enrollment.hpp"
#include "common/app/health_endpoint.hpp"
#include "common/app/ocsp_stapler.hpp"
#include "common/app/service_manager.hpp"
#include "common/crypto/signature.hpp"
#include "common/net/channel_error.hpp"
#include "common/pki/chain_verifier.hpp"
#include "common/pki/pem_file.hpp"

namespace po = boost::program_options;
using namespace sc;
using customer::ExitCode;

namespace {

enum class Subcommand { Daemon, Transfer, Confirm, Shell, Renew };

struct ClientOptions {
  std::string subcommand = "shell";
  std::string certs_dir = "certs/customer";
  std::string connect = "127.0.0.1:9443";
  std::string server_name;
  std::string config_file;
  app::HealthSettings health;  // daemon: --metrics-listen
  std::string log_level = "info";
  bool json = false;
  // daemon
  unsigned keepalive_seconds = 30;
  std::string bank_staple = "required";
  std::string on_otp;
  // transfer
  std::string account;
  std::string amount;
  std::string currency;
  std::string payee;
  // confirm
  std::string transaction;
  std::string code;
  app::ChannelOptions channel;
  app::EnrollmentOptions enrollment;
};

po::options_description describe_options(ClientOptions& options) {
  po::options_description general(
      "client: the customer side - starts transfers, receives their one-time passwords on a\n"
      "device, confirms them with the bank\n\n"
      "Usage: client [daemon|transfer|confirm|shell|renew] [options]\n"
      "  daemon    this machine is your device: keeps a channel open and shows each OTP the\n"
      "            bank pushes, with its amount and payee\n"
      "  transfer  starts a transfer; its code goes to your devices, never to this command\n"
      "  confirm   confirms a transfer with the code your device showed\n"
      "  shell     an interactive prompt that is also a device (the default)\n"
      "  renew     renews this customer's certificate with the TTP now (the daemon renews by\n"
      "            itself at two thirds of its lifetime)\n\n" +
      std::string(customer::kExitCodeHelp) + "\n\nGeneral");
  general.add_options()("help,h", "show this help")(
      "config", po::value(&options.config_file),
      "read options from this file too (key = value lines, same names as the flags)")(
      "certs-dir", po::value(&options.certs_dir)->default_value(options.certs_dir),
      "folder for this customer's key (mode 0600), certificate chain and the TTP's root")(
      "connect", po::value(&options.connect)->default_value(options.connect),
      "the bank's address HOST:PORT")(
      "server-name", po::value(&options.server_name),
      "name the bank's certificate must carry (default: the host of --connect)")(
      "bank-staple", po::value(&options.bank_staple)->default_value("required"),
      "required: refuse a bank that staples no valid OCSP response for its certificate; "
      "optional: accept a bank without one (a stapled response is still checked)")(
      "log-level", po::value(&options.log_level)->default_value("info"),
      "trace, debug, info, warn, error or off (logs go to standard error)")(
      "json", po::bool_switch(&options.json),
      "print one JSON object per event (daemon) or per outcome (transfer, confirm) on standard "
      "output");

  po::options_description daemon("daemon");
  app::add_health_options(daemon, options.health);
  daemon.add_options()(
      "keepalive", po::value(&options.keepalive_seconds)->default_value(30),
      "PING the bank after this many seconds without a line from it; no PONG within 10 s "
      "means reconnect")(
      "on-otp", po::value(&options.on_otp),
      "run this command (through /bin/sh -c) for each OTP; the details are in its environment "
      "only: OTP_CODE, OTP_TRANSACTION, OTP_AMOUNT, OTP_CURRENCY, OTP_PAYEE, OTP_ACCOUNT, "
      "OTP_EXPIRES_AT");

  po::options_description transfer("transfer");
  transfer.add_options()("account", po::value(&options.account), "account to pay from")(
      "amount", po::value(&options.amount), "amount, e.g. 250.00")(
      "currency", po::value(&options.currency), "ISO 4217 code, e.g. EUR")(
      "payee", po::value(&options.payee), "who is paid, e.g. \"ACME Ltd\"");

  po::options_description confirm("confirm");
  confirm.add_options()("txn", po::value(&options.transaction),
                        "the transaction id `client transfer` printed")(
      "code", po::value(&options.code), "the OTP your device showed");

  po::options_description hidden;
  hidden.add_options()("subcommand", po::value(&options.subcommand));

  po::options_description channel("Channel");
  app::add_channel_options(channel, options.channel);
  po::options_description enrollment("Enrollment with the TTP (first use, or renewal)");
  app::add_enrollment_options(enrollment, options.enrollment);

  po::options_description all;
  all.add(general).add(daemon).add(transfer).add(confirm).add(channel).add(enrollment).add(hidden);
  return all;
}

// Refuses what the bank would refuse, before enrolling or connecting: the request is built by
// the protocol's formatter and read back by its parser.
std::optional<std::string> usage_problem(const ClientOptions& options, Subcommand subcommand) {
  if (subcommand == Subcommand::Transfer) {
    if (options.account.empty() || options.amount.empty() || options.currency.empty() ||
        options.payee.empty()) {
      return "transfer needs --account, --amount, --currency and --payee";
    }
    otp::TransactionDetails details{options.account, 0, options.currency, options.payee};
    if (!otp::parse_amount(options.amount, details.amount_minor)) {
      return "--amount must be a positive number with at most 2 decimals, below 1000000000";
    }
    const otp::BankRequest checked =
        otp::parse_request(otp::format_request(otp::TransferRequest{details}));
    if (const auto* malformed = std::get_if<otp::MalformedLine>(&checked)) {
      return malformed->sentence;
    }
  }
  if (subcommand == Subcommand::Confirm) {
    if (options.transaction.empty() || options.code.empty())
      return "confirm needs --txn and --code";
    const otp::BankRequest checked = otp::parse_request(
        otp::format_request(otp::ConfirmRequest{options.transaction, options.code}));
    if (const auto* malformed = std::get_if<otp::MalformedLine>(&checked)) {
      return malformed->sentence;
    }
  }
  if (subcommand == Subcommand::Daemon && options.keepalive_seconds == 0) {
    return "--keepalive must be at least 1 second";
  }
  return std::nullopt;
}

pki::StaplePolicy bank_staple_policy(const std::string& choice) {
  if (choice == "required") return pki::StaplePolicy::require;
  if (choice == "optional") return pki::StaplePolicy::verify_if_present;
  throw std::invalid_argument("--bank-staple must be required or optional, not \"" + choice + "\"");
}

tls::ClientConfig client_config(const ClientOptions& options, const app::Identity& identity,
                                const std::string& host,
                                const std::shared_ptr<app::OcspStapler>& stapler) {
  // Only a bank-role certificate from our TTP, whose stapled OCSP response says good.
  auto verifier =
      std::make_shared<pki::ChainVerifier>(std::vector<pki::Certificate>{identity.root});
  verifier->expect_role(pki::Role::Bank);
  verifier->set_staple_policy(bank_staple_policy(options.bank_staple));
  tls::ClientConfig config;
  config.request_status = tls::StatusRequest::ocsp;
  config.ocsp_staple = stapler->source();
  config.cipher_suites = app::resolve_cipher_suites(options.channel);
  config.groups = app::resolve_groups(options.channel);
  config.key_share_groups = {config.groups.front()};
  config.server_name = options.server_name.empty() ? host : options.server_name;
  config.credentials = identity.credentials;
  config.verifier = verifier;
  config.key_log = app::open_key_log(options.channel.key_log_file);
  return config;
}

// The outcome of a one-shot (transfer, confirm), for the human line or --json.
struct Outcome {
  std::string event;  // "transfer" or "confirm"
  std::string suite;
  std::string group;
  std::string bank;
  std::string bank_signature;      // scheme of the bank's CertificateVerify
  std::string customer_signature;  // scheme of ours, "none" if we did not sign
  std::string transaction_id;
  std::optional<otp::TransferStartedAnswer> started;
  std::optional<customer::ConfirmResult> confirmation;
  std::string error;
  ExitCode exit_code = customer::kDone;

  std::string result() const {
    if (!error.empty()) return "error";
    if (confirmation) return confirmation->accepted ? "accepted" : "rejected";
    return started ? "started" : "connected";
  }
};

void describe_channel(const net::TlsStream& stream, Outcome& outcome) {
  const tls::HandshakeSummary& summary = stream.summary();
  outcome.suite = tls::cipher_suite_info(summary.suite).name;
  outcome.group = tls::named_group_name(summary.group);
  outcome.bank = summary.peer_subject;
  outcome.bank_signature = crypto::signature_scheme_name(summary.peer_signature_scheme);
  outcome.customer_signature = summary.own_signature_scheme
                                   ? crypto::signature_scheme_name(*summary.own_signature_scheme)
                                   : "none";
  spdlog::info("channel to the bank {} established: {}, {}, bank signed with {}{}",
               stream.peer_label(), outcome.suite, outcome.group, outcome.bank_signature,
               summary.hello_retry_request ? " (after HelloRetryRequest)" : "");
}

std::string started_sentence(const otp::TransferStartedAnswer& started) {
  return "transaction " + started.transaction_id + " started: " +
         (started.devices == 0
              ? std::string("no device of yours has it yet; start \"client daemon\"")
              : "the code went to " + std::to_string(started.devices) + " device(s)");
}

std::string rejected_sentence(const std::string& transaction_id,
                              const otp::RejectedAnswer& rejection) {
  std::string sentence = "transaction " + transaction_id + " rejected: ";
  switch (rejection.reason) {
    case otp::RejectionReason::WrongCode:
      sentence += "wrong code";
      break;
    case otp::RejectionReason::Expired:
      sentence += "the code expired; start the transfer again";
      break;
    case otp::RejectionReason::Locked:
      sentence += "too many wrong codes for this transaction, it is locked";
      break;
    case otp::RejectionReason::AlreadyUsed:
      sentence += "already confirmed or closed";
      break;
    case otp::RejectionReason::UnknownTransaction:
      sentence += "no such transaction of yours";
      break;
    case otp::RejectionReason::Blocked:
      sentence += "you are blocked until " + rejection.blocked_until;
      break;
  }
  return sentence + " (" + std::to_string(rejection.attempts_left) +
         " attempt(s) left for this transaction, " +
         std::to_string(rejection.customer_attempts_left) + " before you are blocked)";
}

void print_outcome(const ClientOptions& options, const Outcome& outcome) {
  if (options.json) {
    customer::JsonObject json;
    json.add("event", outcome.event)
        .add("suite", outcome.suite)
        .add("group", outcome.group)
        .add("bank", outcome.bank)
        .add("bank_signature", outcome.bank_signature)
        .add("customer_signature", outcome.customer_signature)
        .add("transaction", outcome.transaction_id)
        .add("result", outcome.result());
    if (outcome.started) {
      json.add("devices", outcome.started->devices)
          .add("expires_in", outcome.started->expires_in)
          .add("expires_at", outcome.started->expires_at);
    }
    if (outcome.confirmation && !outcome.confirmation->accepted) {
      const otp::RejectedAnswer& rejection = outcome.confirmation->rejection;
      json.add("reason", otp::rejection_reason_name(rejection.reason))
          .add("attempts_left", rejection.attempts_left)
          .add("customer_attempts_left", rejection.customer_attempts_left);
      if (!rejection.blocked_until.empty()) json.add("blocked_until", rejection.blocked_until);
    }
    if (!outcome.error.empty()) json.add("error", outcome.error);
    std::cout << json.text() << std::endl;
    return;
  }
  if (outcome.started) std::cout << started_sentence(*outcome.started) << "\n";
  if (outcome.confirmation) {
    std::cout << (outcome.confirmation->accepted
                      ? "transaction " + outcome.transaction_id + " accepted"
                      : rejected_sentence(outcome.transaction_id, outcome.confirmation->rejection))
              << "\n";
  }
  if (!outcome.error.empty()) std::cout << "error: " << outcome.error << "\n";
}

net::asio::awaitable<std::shared_ptr<net::TlsStream>> connect_to_bank(const ClientOptions& options,
                                                                      tls::ClientConfig config) {
  auto [host, port] = net::parse_host_port(options.connect);
  spdlog::info("connecting to the bank at {}", options.connect);
  co_return co_await net::connect(host, port, std::move(config),
                                  app::resolve_timeouts(options.channel));
}

// transfer and confirm: one channel, one request, QUIT, close_notify.
net::asio::awaitable<void> run_one_shot(const ClientOptions& options, Subcommand subcommand,
                                        tls::ClientConfig config, Outcome& outcome) {
  auto stream = co_await connect_to_bank(options, std::move(config));
  describe_channel(*stream, outcome);
  auto connection = std::make_shared<customer::BankConnection>(
      stream, [](const otp::BankAnswer&) {});  // not subscribed: no pushes come
  connection->start();
  customer::CustomerSession session(*connection);
  std::string failure;
  try {
    if (subcommand == Subcommand::Transfer) {
      otp::TransactionDetails details{options.account, 0, options.currency, options.payee};
      otp::parse_amount(options.amount, details.amount_minor);  // checked by usage_problem
      outcome.started = co_await session.transfer(details);
      outcome.transaction_id = outcome.started->transaction_id;
      spdlog::info("transaction {} started; the bank pushed its code to {} device(s)",
                   outcome.transaction_id, outcome.started->devices);
    } else {
      outcome.transaction_id = options.transaction;
      outcome.confirmation = co_await session.confirm(options.transaction, options.code);
      const auto& confirmation = *outcome.confirmation;
      spdlog::info("transaction {} {}", outcome.transaction_id,
                   confirmation.accepted
                       ? std::string("accepted by the bank")
                       : std::string("rejected: ") +
                             otp::rejection_reason_name(confirmation.rejection.reason));
      if (!confirmation.accepted) {
        outcome.exit_code = customer::exit_code_for(confirmation.rejection.reason);
      }
    }
    co_await session.quit();
  } catch (const std::exception& error) {
    failure = error.what();
  }
  co_await connection->close();
  if (!failure.empty()) throw customer::BankError(failure);
}

ExitCode run_daemon(const ClientOptions& options, const app::Identity& identity,
                    const std::string& host, std::shared_ptr<app::OcspStapler> stapler) {
  net::asio::io_context io;  // run by this thread only: the renewer and the daemon never race
  stapler->start(io);        // a long-running device keeps its staple fresh
  auto config =
      std::make_shared<const tls::ClientConfig>(client_config(options, identity, host, stapler));
  std::optional<customer::OtpHook> hook;
  if (!options.on_otp.empty()) hook.emplace(options.on_otp);
  customer::EventPrinter printer(
      options.json ? customer::OutputFormat::Json : customer::OutputFormat::Human,
      hook ? &*hook : nullptr);
  customer::DaemonSettings settings;
  settings.keepalive = std::chrono::seconds(options.keepalive_seconds);
  customer::SubscriptionTracker tracker(printer);
  customer::DeviceDaemon daemon(
      io.get_executor(), [&options, &config]() { return connect_to_bank(options, *config); },
      settings, tracker);
  const std::filesystem::path certificate_file =
      std::filesystem::path(options.certs_dir) / "cert.pem";
  const auto health = app::HealthEndpoint::start_if_asked(
      options.health, "client",
      {app::certificate_check("client",
                              [certificate_file]() -> std::optional<pki::Certificate> {
                                return pki::read_certificate_file(certificate_file);
                              }),
       {"bank", [&tracker]() -> std::optional<std::string> {
          if (tracker.is_subscribed()) return std::nullopt;
          return "not subscribed to the bank (connecting or reconnecting)";
        }}});

  // Renewal (docs/TTP.md, "Renewal"): at two thirds of the certificate's lifetime a new one
  // from the TTP, with its own staple, for the next connection; the device's channel is then
  // replaced at once, so that the bank sees (and re-checks the status of) the certificate in use.
  const app::TtpClient ttp(app::ttp_endpoint(options.enrollment, options.channel));
  app::RenewalSettings renewal;
  renewal.key = options.enrollment.renewal_key;
  bool stopping = false;
  auto renewer = std::make_shared<app::CertificateRenewer>(
      ttp, identity, renewal, [&](const app::Identity& renewed) {
        auto next_stapler = std::make_shared<app::OcspStapler>(
            ttp, renewed.certificate, renewed.root,
            std::filesystem::path(options.certs_dir) / app::OcspStapler::cache_file_name);
        if (!next_stapler->refresh_now_blocking()) {
          spdlog::warn("no OCSP staple for the renewed certificate: the bank will ask the TTP");
        }
        if (stopping) return;
        config = std::make_shared<const tls::ClientConfig>(
            client_config(options, renewed, host, next_stapler));
        stapler->stop();
        stapler = next_stapler;
        stapler->start(io);
        daemon.reconnect_now("the certificate was renewed (serial " +
                             renewed.certificate.serial_hex() + ")");
      });
  app::ServiceWatchdog watchdog(io);
  net::asio::signal_set stop_signals(io, SIGINT, SIGTERM);
  stop_signals.async_wait([&](const boost::system::error_code& error, int signal_number) {
    if (error) return;
    spdlog::info("signal {} received", signal_number);
    app::notify_service_manager(app::ServiceState::stopping, "stopping");
    stopping = true;
    watchdog.stop();
    daemon.stop();
    renewer->stop();
    stapler->stop();
  });
  // Hooks are reaped as they end, never waited for.
  net::asio::signal_set child_signals(io, SIGCHLD);
  std::function<void()> reap_on_sigchld = [&] {
    child_signals.async_wait([&](const boost::system::error_code& error, int) {
      if (error || !hook) return;
      for (const auto& ended : hook->reap_finished()) {
        spdlog::info("--on-otp (pid {}) ended with status {}", ended.pid, ended.status);
      }
      reap_on_sigchld();
    });
  };
  reap_on_sigchld();

  std::exception_ptr failure;
  net::asio::co_spawn(io, daemon.run(), [&](std::exception_ptr error) {
    failure = error;
    stopping = true;
    watchdog.stop();
    renewer->stop();
    stapler->stop();
    stop_signals.cancel();
    child_signals.cancel();
  });
  renewer->start(io);
  spdlog::info("device daemon started: keepalive {} s{}", options.keepalive_seconds,
               options.on_otp.empty() ? "" : ", --on-otp set");
  app::notify_service_manager(app::ServiceState::ready, "device daemon for " + options.connect);
  io.run();
  if (failure) std::rethrow_exception(failure);
  return customer::kDone;
}

ExitCode run_shell(const ClientOptions& options, const tls::ClientConfig& config) {
  // Shared with the thread that reads standard input (see customer::run_shell).
  auto io = std::make_shared<net::asio::io_context>();
  customer::EventPrinter printer(
      options.json ? customer::OutputFormat::Json : customer::OutputFormat::Human, nullptr);
  customer::ShellSettings settings;
  settings.keepalive.keepalive = std::chrono::seconds(options.keepalive_seconds);
  ExitCode result = customer::kDone;
  std::exception_ptr failure;
  auto shell = [&]() -> net::asio::awaitable<void> {
    auto stream = co_await connect_to_bank(options, config);
    Outcome outcome;
    describe_channel(*stream, outcome);
    std::cout << "Connected to the bank " << outcome.bank << " with " << outcome.suite << " ("
              << outcome.group << ").\n";
    result = co_await customer::run_shell(io, stream, settings, printer);
  };
  net::asio::co_spawn(*io, shell(), [&](std::exception_ptr error) { failure = error; });
  io->run();
  if (failure) std::rethrow_exception(failure);
  return result;
}

ExitCode run(ClientOptions& options, Subcommand subcommand) {
  options.enrollment.folder = options.certs_dir;
  options.enrollment.role = pki::Role::Customer;
  if (auto problem = usage_problem(options, subcommand)) {
    std::cerr << "client: " << *problem << "\n(see client --help)\n";
    return customer::kUsage;
  }

  if (subcommand == Subcommand::Renew) {
    // One renewal now (a running daemon renews by itself at two thirds of the lifetime).
    const app::Identity renewed = app::renew_now(options.enrollment, options.channel);
    std::cout << "renewed: serial " << renewed.certificate.serial_hex() << ", valid until "
              << pki::format_time(renewed.certificate.not_after()) << "\n";
    return customer::kDone;
  }
  app::Identity identity = [&] {
    app::prompt_for_missing_subject(options.enrollment.subject);
    return app::ensure_enrolled(options.enrollment, options.channel);
  }();
  auto host = net::parse_host_port(options.connect).first;
  Outcome outcome;
  outcome.event = subcommand == Subcommand::Transfer ? "transfer" : "confirm";
  std::string offered_suites;
  std::shared_ptr<app::OcspStapler> stapler;
  try {
    // Our own status, stapled when the bank asks: from certs/NAME/ocsp.der while it is fresh,
    // else from the TTP (the daemon keeps refreshing it). Without one the bank asks the TTP.
    stapler = std::make_shared<app::OcspStapler>(
        app::TtpClient(app::ttp_endpoint(options.enrollment, options.channel)),
        identity.certificate, identity.root,
        std::filesystem::path(options.certs_dir) / app::OcspStapler::cache_file_name);
    if (!stapler->refresh_now_blocking()) {
      spdlog::warn("no OCSP staple for our certificate: the bank will ask the TTP itself");
    }
    tls::ClientConfig config = client_config(options, identity, host, stapler);
    offered_suites = app::describe_suites(config.cipher_suites);
    spdlog::info("offering suites: {}", offered_suites);
    switch (subcommand) {
      case Subcommand::Daemon:
        return run_daemon(options, identity, host, stapler);
      case Subcommand::Shell:
        return run_shell(options, config);
      case Subcommand::Renew:
        break;
      case Subcommand::Transfer:
      case Subcommand::Confirm: {
        net::asio::io_context io;
        std::exception_ptr failure;
        net::asio::co_spawn(io, run_one_shot(options, subcommand, std::move(config), outcome),
                            [&](std::exception_ptr error) { failure = error; });
        io.run();
        if (failure) std::rethrow_exception(failure);
        break;
      }
    }
  } catch (const customer::BankError& error) {
    outcome.error = error.what();
    spdlog::error("{}", outcome.error);
    outcome.exit_code = customer::kBankError;
  } catch (const net::ChannelError& error) {
    outcome.error = error.what();
    if (error.is_alert() && error.origin() == net::AlertOrigin::peer &&
        error.code().value() == static_cast<int>(tls::AlertDescription::handshake_failure)) {
      // The bank's log names what was missing; the usual cause is a suite it does not enable.
      outcome.error += "; the bank accepts none of the offered cipher suites (" + offered_suites +
                       "), groups or signature schemes: its log says which";
    }
    spdlog::error("{}", outcome.error);
    outcome.exit_code = customer::kChannelFailed;
  } catch (const std::exception& error) {
    spdlog::error("{}", error.what());
    outcome.error = error.what();
    outcome.exit_code = customer::kChannelFailed;
  }
  if (subcommand == Subcommand::Transfer || subcommand == Subcommand::Confirm) {
    print_outcome(options, outcome);
  }
  return outcome.exit_code;
}

std::optional<Subcommand> parse_subcommand(const std::string& word) {
  if (word == "daemon") return Subcommand::Daemon;
  if (word == "transfer") return Subcommand::Transfer;
  if (word == "confirm") return Subcommand::Confirm;
  if (word == "shell") return Subcommand::Shell;
  if (word == "renew") return Subcommand::Renew;
  return std::nullopt;
}

}  // namespace

int main(int argc, char** argv) {
  ClientOptions options;
  po::options_description description = describe_options(options);
  po::positional_options_description positional;
  positional.add("subcommand", 1);
  const app::CommandLine command_line = app::parse_command_line(
      "client", app::arguments(argc, argv), description, std::cout, &positional);
  if (command_line.decision == app::StartDecision::help_shown) return customer::kDone;
  if (command_line.decision == app::StartDecision::usage_error) return customer::kUsage;
  const std::optional<Subcommand> subcommand = parse_subcommand(options.subcommand);
  if (!subcommand) {
    std::cerr << "client: unknown subcommand \"" << options.subcommand
              << "\"; use daemon, transfer, confirm, shell or renew\n(see client --help)\n";
    return customer::kUsage;
  }
  try {
    return run(options, *subcommand);
  } catch (const std::exception& error) {
    spdlog::critical("{}", error.what());
    std::cerr << "client: " << error.what() << "\n";
    return customer::kEnrollmentFailed;
  }
}
