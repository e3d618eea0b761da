#include "client/shell.hpp"

#include <spdlog/spdlog.h>

#include <deque>
#include <iostream>
#include <thread>

#include "client/customer_session.hpp"
#include "client/otp_display.hpp"

namespace sc::customer {
namespace {

// Lines typed by the person, handed over from the reading thread to the io_context's thread.
struct TypedLines {
  std::deque<std::string> lines;
  bool ended = false;
  std::weak_ptr<BankConnection> connection;  // woken when a line arrives
};

// Reads standard input on a detached thread: a blocking read can not be cancelled, and the
// process may exit with the thread still in it. The thread owns a share of the io_context and
// of the typed lines, so nothing it touches goes away before it does; its handlers run only
// while the io_context runs.
void start_reading_input(std::shared_ptr<net::asio::io_context> io,
                         std::shared_ptr<TypedLines> typed) {
  std::thread([io, typed] {
    std::string line;
    while (std::getline(std::cin, line)) {
      net::asio::post(*io, [typed, line] {
        typed->lines.push_back(line);
        if (auto connection = typed->connection.lock()) connection->wake();
      });
    }
    net::asio::post(*io, [typed] {
      typed->ended = true;
      if (auto connection = typed->connection.lock()) connection->wake();
    });
  }).detach();
}

class Shell {
 public:
  Shell(std::shared_ptr<BankConnection> connection, ShellSettings settings, EventPrinter& printer,
        std::shared_ptr<TypedLines> typed)
      : connection_(std::move(connection)),
        session_(*connection_),
        keepalive_(settings.keepalive),
        printer_(printer),
        typed_(std::move(typed)) {}

  net::asio::awaitable<ExitCode> run();

 private:
  // The next typed line, keeping the channel alive meanwhile; nullopt at the end of input.
  net::asio::awaitable<std::optional<std::string>> ask(std::string_view question);
  net::asio::awaitable<void> transfer();
  net::asio::awaitable<void> confirm();

  std::shared_ptr<BankConnection> connection_;
  CustomerSession session_;
  Keepalive keepalive_;
  EventPrinter& printer_;
  std::shared_ptr<TypedLines> typed_;
  std::string last_transaction_;
};

net::asio::awaitable<std::optional<std::string>> Shell::ask(std::string_view question) {
  printer_.set_prompt(std::string(question));
  std::cout << question << std::flush;
  while (typed_->lines.empty() && !typed_->ended) {
    if (connection_->closed()) throw BankClosedChannel(connection_->close_reason());
    while (std::optional<std::string> answer = connection_->take_answer()) {
      spdlog::warn("the bank sent an answer nobody asked for: \"{}\"", answer->substr(0, 200));
    }
    co_await connection_->wait_for_activity(co_await keepalive_.tick(*connection_));
  }
  printer_.set_prompt("");
  if (typed_->lines.empty()) co_return std::nullopt;
  std::string line = std::move(typed_->lines.front());
  typed_->lines.pop_front();
  co_return line;
}

net::asio::awaitable<void> Shell::transfer() {
  std::optional<std::string> account = co_await ask("account: ");
  std::optional<std::string> amount = co_await ask("amount (e.g. 250.00): ");
  std::optional<std::string> currency = co_await ask("currency (e.g. EUR): ");
  std::optional<std::string> payee = co_await ask("payee: ");
  if (!payee) co_return;
  otp::TransactionDetails details{*account, 0, *currency, *payee};
  if (!otp::parse_amount(*amount, details.amount_minor)) {
    std::cout << "amount must be a positive number with at most 2 decimals\n";
    co_return;
  }
  // The line is built by the formatter and checked by the parser the bank uses, so that what
  // the person typed can never become a second line or a different field.
  const otp::BankRequest checked =
      otp::parse_request(otp::format_request(otp::TransferRequest{details}));
  if (const auto* malformed = std::get_if<otp::MalformedLine>(&checked)) {
    std::cout << malformed->sentence << "\n";
    co_return;
  }
  const otp::TransferStartedAnswer started = co_await session_.transfer(details);
  last_transaction_ = started.transaction_id;
  std::cout << "transaction " << started.transaction_id << " started: "
            << (started.devices == 0
                    ? std::string("no device of yours has it yet; start \"client daemon\"")
                    : "the code went to " + std::to_string(started.devices) + " device(s)")
            << " (valid until " << clock_time_utc(started.expires_at) << ")\n";
}

net::asio::awaitable<void> Shell::confirm() {
  const std::string question = "transaction [" + last_transaction_ + "]: ";
  std::optional<std::string> transaction = co_await ask(question);
  if (!transaction) co_return;
  if (transaction->empty()) transaction = last_transaction_;
  std::optional<std::string> code = co_await ask("code: ");
  if (!code) co_return;
  const otp::BankRequest checked =
      otp::parse_request(otp::format_request(otp::ConfirmRequest{*transaction, *code}));
  if (const auto* malformed = std::get_if<otp::MalformedLine>(&checked)) {
    std::cout << malformed->sentence << "\n";
    co_return;
  }
  const ConfirmResult result = co_await session_.confirm(*transaction, *code);
  if (result.accepted) {
    std::cout << "accepted\n";
    co_return;
  }
  const otp::RejectedAnswer& rejection = result.rejection;
  std::cout << "rejected: " << otp::rejection_reason_name(rejection.reason) << " ("
            << rejection.attempts_left << " attempt(s) left for this transaction, "
            << rejection.customer_attempts_left << " before you are blocked"
            << (rejection.blocked_until.empty() ? "" : "; blocked until " + rejection.blocked_until)
            << ")\n";
}

net::asio::awaitable<ExitCode> Shell::run() {
  std::cout << "Commands: transfer, confirm, quit (or type a raw protocol line, e.g. HELP).\n";
  try {
    const otp::SubscribedAnswer subscribed = co_await session_.subscribe();
    printer_.subscribed(subscribed);
    std::cout << "This session is one of your devices: codes appear here (" << subscribed.devices
              << " device(s) listening, " << subscribed.pending << " transfer(s) pending).\n";
  } catch (const BankClosedChannel&) {
    throw;
  } catch (const BankError& error) {
    std::cout << "bank: " << error.what() << " (codes will not appear in this session)\n";
  }
  for (;;) {
    std::optional<std::string> command = co_await ask("> ");
    if (!command) std::cout << "\n";  // end of input: finish the prompt's line
    if (!command || *command == "quit" || *command == "exit") break;
    try {
      if (*command == "transfer" || *command == "request") {
        co_await transfer();
      } else if (*command == "confirm") {
        co_await confirm();
      } else if (!command->empty()) {
        std::cout << co_await session_.exchange(*command) << "\n";
      }
    } catch (const BankClosedChannel&) {
      throw;
    } catch (const BankError& error) {
      std::cout << "bank: " << error.what() << "\n";
    }
  }
  co_await session_.quit();
  co_return kDone;
}

}  // namespace

net::asio::awaitable<ExitCode> run_shell(std::shared_ptr<net::asio::io_context> io,
                                         std::shared_ptr<net::TlsStream> stream,
                                         ShellSettings settings, EventPrinter& printer) {
  auto typed = std::make_shared<TypedLines>();
  auto connection = std::make_shared<BankConnection>(
      stream, [&printer](const otp::BankAnswer& push) { printer.pushed(push); });
  connection->start();
  typed->connection = connection;
  start_reading_input(std::move(io), typed);
  ExitCode result = kDone;
  std::string failure;
  try {
    Shell shell(connection, settings, printer, typed);
    result = co_await shell.run();
  } catch (const BankClosedChannel& error) {
    // Nothing more can be said on this channel: tell the person, and end with the bank's exit
    // code so that a script or the person at the prompt knows to reconnect.
    failure = error.what();
    result = kBankError;
  }
  printer.set_prompt("");
  if (!failure.empty())
    std::cout << "\nbank: " << failure << "; run the client again to reconnect\n";
  co_await connection->close();
  co_return result;
}

}  // namespace sc::customer
