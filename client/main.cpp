// client: the customer. Enrolls with the TTP on first use, connects to the bank over a
// mutually authenticated TLS 1.3 channel with the suite it prefers, requests an OTP for a
// transaction, receives it and confirms it.
//
// Exit codes (for scripts): 0 done (and the OTP accepted, when confirming); 1 the bank
// rejected the OTP; 2 bad usage; 3 enrollment failed; 4 the channel failed (handshake refused,
// bank unreachable); 5 the bank answered with an error.
#include <spdlog/spdlog.h>
#include <unistd.h>
#include <boost/program_options.hpp>

#include <iostream>

#include "client/customer_session.hpp"
#include "common/app/channel_options.hpp"
#include "common/app/enrollment.hpp"
#include "common/app/run_blocking.hpp"
#include "common/crypto/signature.hpp"
#include "common/net/channel_error.hpp"
#include "common/pki/chain_verifier.hpp"

namespace po = boost::program_options;
using namespace sc;

namespace {

enum ExitCode { kDone = 0, kRejected = 1, kUsage = 2, kEnrollment = 3, kChannel = 4, kBank = 5 };

struct ClientOptions {
  std::string certs_dir = "certs/customer";
  std::string connect = "127.0.0.1:9443";
  std::string server_name;
  std::string config_file;
  std::string log_level = "info";
  bool request = false;
  bool confirm = false;
  std::string confirm_transaction;
  std::string code;
  bool json = false;
  bool summary = false;
  customer::Transaction transaction;
  app::ChannelOptions channel;
  app::EnrollmentOptions enrollment;
};

po::options_description describe_options(ClientOptions& options) {
  po::options_description general(
      "client: the customer side - requests and confirms one-time passwords with the bank\n"
      "Without --request or --confirm-txn it opens an interactive prompt.\n\nGeneral");
  general.add_options()("help,h", "show this help")(
      "config", po::value(&options.config_file),
      "read options from this file too (key = value lines, same names as the flags)")(
      "certs-dir", po::value(&options.certs_dir)->default_value(options.certs_dir),
      "folder for this customer's key (mode 0600), certificate chain and the TTP's root")(
      "connect", po::value(&options.connect)->default_value(options.connect),
      "the bank's address HOST:PORT")(
      "server-name", po::value(&options.server_name),
      "name the bank's certificate must carry (default: the host of --connect)")(
      "log-level", po::value(&options.log_level)->default_value("info"),
      "trace, debug, info, warn, error or off (logs go to standard error)");

  po::options_description batch("Batch mode (for scripts)");
  batch.add_options()("request", po::bool_switch(&options.request),
                      "request an OTP for the transaction below")(
      "account", po::value(&options.transaction.account), "account to pay from")(
      "amount", po::value(&options.transaction.amount), "amount, e.g. 250.00")(
      "currency", po::value(&options.transaction.currency), "ISO 4217 code, e.g. EUR")(
      "payee", po::value(&options.transaction.payee), "who is paid, e.g. \"ACME Ltd\"")(
      "confirm", po::bool_switch(&options.confirm),
      "with --request: confirm the OTP just received (as the customer typing it)")(
      "confirm-txn", po::value(&options.confirm_transaction),
      "confirm this transaction id with --code, on a new channel")(
      "code", po::value(&options.code), "the OTP to confirm with --confirm-txn")(
      "json", po::bool_switch(&options.json), "print the outcome as one JSON object")(
      "summary", po::bool_switch(&options.summary),
      "print the outcome as one table row: suite, OTP, transaction, result");

  po::options_description channel("Channel");
  app::add_channel_options(channel, options.channel);
  po::options_description enrollment("Enrollment with the TTP (first use, or renewal)");
  app::add_enrollment_options(enrollment, options.enrollment);

  po::options_description all;
  all.add(general).add(batch).add(channel).add(enrollment);
  return all;
}

std::string json_escape(const std::string& text) {
  std::string escaped;
  for (char c : text) {
    switch (c) {
      case '"':
        escaped += "\\\"";
        break;
      case '\\':
        escaped += "\\\\";
        break;
      case '\n':
        escaped += "\\n";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buffer[8];
          std::snprintf(buffer, sizeof buffer, "\\u%04x", c);
          escaped += buffer;
        } else {
          escaped += c;
        }
    }
  }
  return escaped;
}

// What happened, for --json, --summary or the default human lines.
struct Outcome {
  std::string suite;
  std::string group;
  std::string bank;
  std::string bank_signature;      // scheme of the bank's CertificateVerify
  std::string customer_signature;  // scheme of ours, "none" if we did not sign
  std::optional<customer::OtpDelivery> delivery;
  std::optional<customer::Confirmation> confirmation;
  std::string transaction_id;
  std::string error;
  ExitCode exit_code = kDone;

  std::string result() const {
    if (!error.empty()) return "error";
    if (confirmation) return confirmation->accepted ? "accepted" : "rejected";
    return delivery ? "delivered" : "connected";
  }
};

void print_outcome(const ClientOptions& options, const Outcome& outcome) {
  if (options.json) {
    std::cout << "{\"suite\": \"" << json_escape(outcome.suite) << "\", \"group\": \""
              << json_escape(outcome.group) << "\", \"bank\": \"" << json_escape(outcome.bank)
              << "\", \"bank_signature\": \"" << json_escape(outcome.bank_signature)
              << "\", \"customer_signature\": \"" << json_escape(outcome.customer_signature)
              << "\", \"transaction\": \"" << json_escape(outcome.transaction_id) << "\"";
    if (outcome.delivery) {
      std::cout << ", \"code\": \"" << outcome.delivery->code << "\", \"expires_at\": \""
                << json_escape(outcome.delivery->expires_at) << "\"";
    }
    std::cout << ", \"result\": \"" << outcome.result() << "\"";
    if (outcome.confirmation && !outcome.confirmation->accepted) {
      std::cout << ", \"reason\": \"" << json_escape(outcome.confirmation->reason) << "\"";
    }
    if (!outcome.error.empty())
      std::cout << ", \"error\": \"" << json_escape(outcome.error) << "\"";
    std::cout << "}\n";
  } else if (options.summary) {
    std::printf("%-40s %-10s %-24s %s\n", outcome.suite.c_str(),
                outcome.delivery ? outcome.delivery->code.c_str() : "-",
                outcome.transaction_id.c_str(), outcome.result().c_str());
  } else {
    if (outcome.delivery) {
      std::cout << "OTP " << outcome.delivery->code << " for transaction " << outcome.transaction_id
                << " (valid until " << outcome.delivery->expires_at << ")\n";
    }
    if (outcome.confirmation) {
      std::cout << "transaction " << outcome.transaction_id << ": "
                << (outcome.confirmation->accepted
                        ? std::string("accepted")
                        : "rejected (" + outcome.confirmation->reason + ")")
                << "\n";
    }
    if (!outcome.error.empty()) std::cout << "error: " << outcome.error << "\n";
  }
}

tls::ClientConfig client_config(const ClientOptions& options, const app::Identity& identity,
                                const std::string& host) {
  tls::ClientConfig config;
  config.cipher_suites = app::resolve_cipher_suites(options.channel);
  config.groups = app::resolve_groups(options.channel);
  config.key_share_groups = {config.groups.front()};
  config.server_name = options.server_name.empty() ? host : options.server_name;
  config.credentials = identity.credentials;
  config.verifier =
      std::make_shared<pki::ChainVerifier>(std::vector<pki::Certificate>{identity.root});
  config.key_log = app::open_key_log(options.channel.key_log_file);
  return config;
}

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
               stream.peer_label(), outcome.suite, outcome.group,
               crypto::signature_scheme_name(summary.peer_signature_scheme),
               summary.hello_retry_request ? " (after HelloRetryRequest)" : "");
}

net::asio::awaitable<void> run_batch(const ClientOptions& options, tls::ClientConfig config,
                                     Outcome& outcome) {
  auto [host, port] = net::parse_host_port(options.connect);
  auto stream =
      co_await net::connect(host, port, std::move(config), app::resolve_timeouts(options.channel));
  describe_channel(*stream, outcome);
  customer::CustomerSession session(*stream);
  if (options.request) {
    outcome.delivery = co_await session.request_otp(options.transaction);
    outcome.transaction_id = outcome.delivery->transaction_id;
    spdlog::info("OTP received for transaction {} (expires {})", outcome.transaction_id,
                 outcome.delivery->expires_at);
    if (options.confirm) {
      outcome.confirmation =
          co_await session.confirm(outcome.transaction_id, outcome.delivery->code);
    }
  } else {
    outcome.transaction_id = options.confirm_transaction;
    outcome.confirmation = co_await session.confirm(options.confirm_transaction, options.code);
  }
  if (outcome.confirmation) {
    spdlog::info("transaction {} {}", outcome.transaction_id,
                 outcome.confirmation->accepted ? "accepted by the bank"
                                                : "rejected: " + outcome.confirmation->reason);
    if (!outcome.confirmation->accepted) outcome.exit_code = kRejected;
  }
  co_await session.quit();
  co_await stream->shutdown();
}

std::string prompt(const std::string& question) {
  std::cout << question << std::flush;
  std::string answer;
  if (!std::getline(std::cin, answer)) return {};
  return answer;
}

net::asio::awaitable<void> run_interactive(const ClientOptions& options, tls::ClientConfig config,
                                           Outcome& outcome) {
  auto [host, port] = net::parse_host_port(options.connect);
  auto stream =
      co_await net::connect(host, port, std::move(config), app::resolve_timeouts(options.channel));
  describe_channel(*stream, outcome);
  std::cout << "Connected to the bank " << outcome.bank << " with " << outcome.suite << " ("
            << outcome.group << ").\n"
            << "Commands: request, confirm, quit (or type a raw protocol line, e.g. HELP).\n";
  customer::CustomerSession session(*stream);
  std::string last_transaction;
  for (;;) {
    std::string command = prompt("> ");
    if (command.empty() && !std::cin) break;
    try {
      if (command == "quit" || command == "exit") break;
      if (command == "request") {
        customer::Transaction transaction{prompt("account: "), prompt("amount (e.g. 250.00): "),
                                          prompt("currency (e.g. EUR): "), prompt("payee: ")};
        auto delivery = co_await session.request_otp(transaction);
        last_transaction = delivery.transaction_id;
        std::cout << "OTP " << delivery.code << " for transaction " << delivery.transaction_id
                  << ", valid until " << delivery.expires_at << "\n";
      } else if (command == "confirm") {
        std::string transaction = prompt("transaction [" + last_transaction + "]: ");
        if (transaction.empty()) transaction = last_transaction;
        auto confirmation = co_await session.confirm(transaction, prompt("code: "));
        std::cout << (confirmation.accepted ? "accepted" : "rejected: " + confirmation.reason)
                  << "\n";
      } else if (!command.empty()) {
        std::cout << co_await session.exchange(command) << "\n";
      }
    } catch (const customer::BankClosedChannel& error) {
      // Nothing more can be said on this channel: tell the customer and end with the bank's
      // exit code, so that a script or the person at the prompt knows to reconnect.
      std::cout << "bank: " << error.what() << "; run the client again to reconnect\n";
      throw;
    } catch (const customer::BankError& error) {
      std::cout << "bank: " << error.what() << "\n";
    }
  }
  co_await session.quit();
  co_await stream->shutdown();
}

ExitCode run(ClientOptions& options) {
  options.enrollment.folder = options.certs_dir;
  options.enrollment.role = pki::Role::Customer;
  bool batch = options.request || !options.confirm_transaction.empty();
  if (batch && options.request &&
      (options.transaction.account.empty() || options.transaction.amount.empty() ||
       options.transaction.currency.empty() || options.transaction.payee.empty())) {
    std::cerr << "client: --request needs --account, --amount, --currency and --payee\n";
    return kUsage;
  }
  if (!options.confirm_transaction.empty() && options.code.empty()) {
    std::cerr << "client: --confirm-txn needs --code\n";
    return kUsage;
  }

  app::Identity identity = [&] {
    app::prompt_for_missing_subject(options.enrollment.subject);
    return app::ensure_enrolled(options.enrollment, options.channel);
  }();
  auto host = net::parse_host_port(options.connect).first;
  Outcome outcome;
  std::string offered_suites;
  try {
    tls::ClientConfig config = client_config(options, identity, host);
    offered_suites = app::describe_suites(config.cipher_suites);
    spdlog::info("offering suites: {}", offered_suites);
    app::run_blocking(batch ? run_batch(options, std::move(config), outcome)
                            : run_interactive(options, std::move(config), outcome));
  } catch (const customer::BankError& error) {
    outcome.error = error.what();
    outcome.exit_code = kBank;
  } catch (const net::ChannelError& error) {
    outcome.error = error.what();
    if (error.is_alert() && error.origin() == net::AlertOrigin::peer &&
        error.code().value() == static_cast<int>(tls::AlertDescription::handshake_failure)) {
      // The bank's log names what was missing; the usual cause is a suite it does not enable.
      outcome.error += "; the bank accepts none of the offered cipher suites (" + offered_suites +
                       "), groups or signature schemes: its log says which";
    }
    spdlog::error("{}", outcome.error);
    outcome.exit_code = kChannel;
  } catch (const std::exception& error) {
    spdlog::error("{}", error.what());
    outcome.error = error.what();
    outcome.exit_code = kChannel;
  }
  if (batch) print_outcome(options, outcome);
  return outcome.exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  ClientOptions options;
  po::options_description description = describe_options(options);
  try {
    po::variables_map values;
    po::store(po::parse_command_line(argc, argv, description), values);
    if (values.count("config")) {
      po::store(po::parse_config_file(values["config"].as<std::string>().c_str(), description),
                values);
    }
    po::notify(values);
    if (values.count("help")) {
      std::cout << description << '\n';
      return kDone;
    }
    app::configure_logging("client", options.log_level);
  } catch (const std::exception& error) {
    std::cerr << "client: " << error.what() << "\n(see client --help)\n";
    return kUsage;
  }
  try {
    return run(options);
  } catch (const std::exception& error) {
    spdlog::critical("{}", error.what());
    std::cerr << "client: " << error.what() << "\n";
    return kEnrollment;
  }
}
