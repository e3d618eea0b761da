#include "bank_server/bank_service.hpp"

#include <spdlog/spdlog.h>

#include "common/crypto/hash.hpp"
#include "common/otp/audit_log.hpp"
#include "common/otp/bank_session.hpp"
#include "common/otp/otp_store.hpp"

namespace sc::bank {
namespace {

otp::OtpPolicy policy_from(const BankServiceOptions& options) {
  if (options.digits < 6 || options.digits > 8) {
    throw std::invalid_argument("--otp-digits must be 6, 7 or 8");
  }
  if (options.lifetime_seconds == 0 || options.max_attempts == 0) {
    throw std::invalid_argument("--otp-lifetime and --otp-attempts must be positive");
  }
  otp::OtpPolicy policy;
  policy.digits = options.digits;
  policy.lifetime = std::chrono::seconds(options.lifetime_seconds);
  policy.max_attempts = options.max_attempts;
  return policy;
}

}  // namespace

struct BankService::State {
  std::unique_ptr<otp::AuditLog> audit;
  otp::OtpStore store;

  explicit State(const BankServiceOptions& options)
      : audit(std::make_unique<otp::AuditLog>(options.audit_log)),
        store(policy_from(options), nullptr, audit.get()) {}
};

BankService::BankService(const BankServiceOptions& options)
    : state_(std::make_unique<State>(options)) {
  spdlog::info("OTPs: {} digits, valid {} s, {} wrong attempts lock a transaction; audit log {}",
               options.digits, options.lifetime_seconds, options.max_attempts, options.audit_log);
}

BankService::~BankService() = default;

net::asio::awaitable<void> BankService::serve(net::TlsStream& stream) {
  const tls::HandshakeSummary& summary = stream.summary();
  if (summary.peer_certificate_chain.empty()) {
    // The listener requires a certificate; a channel without one is never served.
    co_await stream.write(as_bytes(std::string("ERROR a customer certificate is required\n")));
    co_return;
  }
  // The customer is the certificate the handshake authenticated: OTPs are bound to it.
  otp::CustomerIdentity customer{
      to_hex(crypto::Hash::digest(crypto::HashAlgorithm::Sha256,
                                  summary.peer_certificate_chain.front())),
      summary.peer_subject};
  spdlog::info("{}: customer {} (certificate {}...) on {}", stream.peer_label(), customer.subject,
               customer.fingerprint.substr(0, 16), tls::cipher_suite_info(summary.suite).name);
  otp::BankSession session(state_->store);
  while (!session.closed()) {
    Bytes received = co_await stream.read();
    if (received.empty()) break;  // close_notify
    std::string answers;
    for (const std::string& answer : session.on_bytes(received, customer)) answers += answer + "\n";
    if (!answers.empty()) co_await stream.write(as_bytes(answers));
  }
}

}  // namespace sc::bank
