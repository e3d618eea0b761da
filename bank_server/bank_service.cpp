#include "bank_server/bank_service.hpp"

#include <openssl/x509.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <iostream>

#include "bank_server/device_directory.hpp"
#include "bank_server/push_bus.hpp"
#include "common/crypto/error.hpp"
#include "common/crypto/hash.hpp"
#include "common/otp/audit_log.hpp"
#include "common/otp/bank_session.hpp"
#include "common/otp/key_file.hpp"
#include "common/otp/transaction_store.hpp"
#include "common/pki/revocation.hpp"

namespace sc::bank {

std::string customer_key(const pki::Certificate& leaf) {
  // The names as the TTP certified them (DER), each length-prefixed: renewal keeps both, so a
  // customer's standing, pending transfers and devices survive it; a new customer (another
  // subject) never shares them.
  constexpr std::string_view label = "sc-customer-key-v1";
  Bytes input(label.begin(), label.end());
  for (X509_NAME* name :
       {X509_get_issuer_name(leaf.native()), X509_get_subject_name(leaf.native())}) {
    unsigned char* der = nullptr;
    const int length = i2d_X509_NAME(name, &der);
    crypto::check(length > 0, "i2d_X509_NAME");
    for (int shift = 24; shift >= 0; shift -= 8) {
      input.push_back(static_cast<std::uint8_t>(static_cast<std::uint32_t>(length) >> shift));
    }
    input.insert(input.end(), der, der + length);
    OPENSSL_free(der);
  }
  return to_hex(crypto::Hash::digest(crypto::HashAlgorithm::Sha256, input));
}
namespace {

constexpr std::chrono::seconds kHousekeepingPeriod{5};

otp::TransactionRules rules_from(const BankServiceOptions& options) {
  if (options.digits < 6 || options.digits > 8) {
    throw std::invalid_argument("--otp-digits must be 6, 7 or 8");
  }
  if (options.lifetime_seconds == 0 || options.max_attempts == 0 ||
      options.max_customer_failures == 0 || options.block_seconds == 0) {
    throw std::invalid_argument(
        "--otp-lifetime, --otp-attempts, --max-failures and --block-seconds must be positive");
  }
  otp::TransactionRules rules;
  rules.digits = options.digits;
  rules.lifetime = std::chrono::seconds(options.lifetime_seconds);
  rules.max_wrong_codes_per_transaction = options.max_attempts;
  rules.max_consecutive_failures = options.max_customer_failures;
  rules.block_duration = std::chrono::seconds(options.block_seconds);
  return rules;
}

// One channel's view of the bank's devices: this instance's directory, the push bus to the
// other instances and the outbox, and this channel's outbox once it subscribed.
class ChannelDevices final : public otp::DeviceLink {
 public:
  ChannelDevices(DeviceDirectory& directory, PushBus& bus, std::string customer,
                 std::shared_ptr<DeviceOutbox> outbox)
      : directory_(directory),
        bus_(bus),
        customer_(std::move(customer)),
        outbox_(std::move(outbox)) {}

  otp::SubscribeOutcome subscribe_this_channel() override {
    std::size_t queued = 0;
    if (!registration_) {
      registration_.emplace(directory_.subscribe(customer_, outbox_));
      queued = bus_.deliver_pending(customer_);
    }
    return {directory_.devices(customer_), queued};
  }
  // The count is of this instance's devices; the other instances' are reached through the bus.
  std::size_t push_otp(const std::string& customer, const std::string& transaction_id,
                       const std::string& line, otp::TimePoint expires) override {
    return bus_.publish_otp(customer, transaction_id, line, expires);
  }
  std::size_t push(const std::string& customer, const std::string& line) override {
    return bus_.publish(customer, line);
  }
  void forget(const std::string& transaction_id) override { bus_.finish(transaction_id); }

 private:
  DeviceDirectory& directory_;
  PushBus& bus_;
  std::string customer_;
  std::shared_ptr<DeviceOutbox> outbox_;
  std::optional<DeviceDirectory::Registration> registration_;
};

std::string joined_lines(const std::vector<std::string>& lines) {
  std::string text;
  for (const std::string& line : lines) text += line + "\n";
  return text;
}

// Writes what the bank pushes to this device channel, until the outbox closes.
net::asio::awaitable<void> push_to_device(std::shared_ptr<net::TlsStream> stream,
                                          std::shared_ptr<DeviceOutbox> outbox) {
  try {
    for (;;) {
      const std::vector<std::string> lines = co_await outbox->next_lines();
      if (lines.empty()) break;
      co_await stream->write(as_bytes(joined_lines(lines)));
    }
  } catch (const std::exception& error) {
    spdlog::info("{}: pushes stopped: {}", stream->peer_label(), error.what());
  }
}

// Stop signal for a channel's background coroutines.
struct ChannelWatch {
  explicit ChannelWatch(net::asio::any_io_executor executor) : timer(executor) {}
  net::asio::steady_timer timer;
  bool stopped = false;
};

// Cuts the channel when the customer's certificate is revoked while it is open: asks the
// status service (cached, coalesced) every `period`.
net::asio::awaitable<void> watch_revocation(std::shared_ptr<net::TlsStream> stream,
                                            std::shared_ptr<ChannelWatch> watch,
                                            std::shared_ptr<CustomerStatusService> statuses,
                                            pki::Certificate leaf, pki::Certificate issuer,
                                            std::chrono::seconds period) {
  while (!watch->stopped) {
    watch->timer.expires_after(period);
    boost::system::error_code ignored;
    co_await watch->timer.async_wait(net::asio::redirect_error(net::asio::use_awaitable, ignored));
    if (watch->stopped) break;
    const StatusVerdict verdict = co_await statuses->check(leaf, issuer);
    if (watch->stopped) break;
    if (!verdict.admitted && verdict.alert == tls::AlertDescription::certificate_revoked) {
      spdlog::warn("{}: closing the open channel: {}", stream->peer_label(), verdict.sentence);
      co_await stream->abort(tls::AlertDescription::certificate_revoked, verdict.sentence);
      break;
    }
  }
}

}  // namespace

struct BankService::State {
  std::unique_ptr<otp::AuditLog> audit;
  otp::TransactionStore store;
  DeviceDirectory devices;
  std::shared_ptr<PushBus> bus;  // after store: on SQLite it shares the store's file
  // In the housekeeping coroutine's frame, owned by the io_context (which the service outlives).
  std::weak_ptr<net::asio::steady_timer> housekeeping_timer;
  std::atomic<bool> stopping{false};

  explicit State(const BankServiceOptions& options)
      : audit(std::make_unique<otp::AuditLog>(options.audit_log)),
        store(options.store_location, otp::load_or_create_store_key(options.folder / "store.key"),
              rules_from(options), nullptr, audit.get()),
        bus(std::make_shared<PushBus>(
            PushBusOptions{options.store_location,
                           options.push_key_file.empty()
                               ? options.folder / "push.key"
                               : std::filesystem::path(options.push_key_file)},
            devices)) {}
};

net::asio::awaitable<std::optional<AdmittedCustomer>> CustomerAdmission::admit(
    net::TlsStream& stream) const {
  const tls::HandshakeSummary& summary = stream.summary();
  if (summary.peer_certificate_chain.empty()) {
    // The listener requires a certificate; a channel without one is never served.
    co_await stream.abort(tls::AlertDescription::certificate_required,
                          "a customer certificate is required");
    co_return std::nullopt;
  }
  const pki::Certificate leaf = pki::Certificate::from_der(summary.peer_certificate_chain.front());
  const pki::Certificate issuer =
      summary.peer_certificate_chain.size() > 1
          ? pki::Certificate::from_der(summary.peer_certificate_chain[1])
          : root_;
  otp::CustomerIdentity identity{customer_key(leaf), summary.peer_subject};
  if (auto revoked = statuses_->known_revocation(leaf)) {
    // A revocation the bank has already seen outranks a staple that is still valid.
    spdlog::warn("{}: refusing customer: {}", stream.peer_label(), revoked->sentence);
    co_await stream.abort(revoked->alert, revoked->sentence);
    co_return std::nullopt;
  }
  if (summary.peer_revocation == tls::RevocationEvidence::stapled_good) {
    spdlog::info("{}: customer {} stapled a good OCSP response", stream.peer_label(),
                 identity.subject);
    co_return AdmittedCustomer(std::move(identity), leaf, issuer);
  }
  const StatusVerdict verdict = co_await statuses_->check(leaf, issuer);
  if (!verdict.admitted) {
    spdlog::warn("{}: refusing customer: {}", stream.peer_label(), verdict.sentence);
    co_await stream.abort(verdict.alert, verdict.sentence);
    co_return std::nullopt;
  }
  spdlog::info("{}: {}", stream.peer_label(), verdict.sentence);
  co_return AdmittedCustomer(std::move(identity), leaf, issuer);
}

BankService::BankService(const BankServiceOptions& options, CustomerAdmission admission)
    : admission_(std::move(admission)),
      revocation_recheck_(options.revocation_recheck_seconds),
      state_(std::make_unique<State>(options)) {
  const otp::TransactionRules& rules = state_->store.rules();
  spdlog::info(
      "OTPs: {} digits, valid {} s; {} wrong codes lock a transaction, {} consecutive wrong codes "
      "block a customer for {} s; store {}, audit log {}",
      rules.digits, rules.lifetime.count(), rules.max_wrong_codes_per_transaction,
      rules.max_consecutive_failures, rules.block_duration.count(),
      state_->store.location().display(), state_->audit->path().string());
}

BankService::~BankService() = default;

net::asio::awaitable<void> BankService::serve(net::TlsStream& stream) {
  std::optional<AdmittedCustomer> admitted = co_await admission_.admit(stream);
  if (!admitted) co_return;
  co_await serve_admitted(stream, *admitted);
}

net::asio::awaitable<void> BankService::serve_admitted(net::TlsStream& stream,
                                                       const AdmittedCustomer& admitted) {
  const tls::HandshakeSummary& summary = stream.summary();
  // The customer is the certificate the handshake authenticated: OTPs are bound to it.
  const otp::CustomerIdentity& customer = admitted.identity();
  spdlog::info("{}: customer {} (certificate {}...) on {}", stream.peer_label(), customer.subject,
               customer.fingerprint.substr(0, 16), tls::cipher_suite_info(summary.suite).name);
  auto executor = co_await net::asio::this_coro::executor;
  auto self = stream.shared_from_this();
  auto outbox = std::make_shared<DeviceOutbox>(executor);
  auto watch = std::make_shared<ChannelWatch>(executor);
  net::asio::co_spawn(executor,
                      watch_revocation(self, watch, admission_.statuses(), admitted.leaf(),
                                       admitted.issuer(), revocation_recheck_),
                      net::asio::detached);
  ChannelDevices devices(state_->devices, *state_->bus, customer.fingerprint, outbox);
  otp::BankSession session(state_->store, devices, customer);
  bool pushing = false;
  std::exception_ptr failure;
  try {
    while (!session.closed()) {
      Bytes received = co_await stream.read();
      if (received.empty()) break;  // close_notify
      const std::vector<std::string> answers = session.on_bytes(received);
      if (session.subscribed() && !pushing) {
        pushing = true;
        net::asio::co_spawn(executor, push_to_device(self, outbox), net::asio::detached);
      }
      if (!answers.empty()) co_await stream.write(as_bytes(joined_lines(answers)));
    }
  } catch (...) {
    failure = std::current_exception();
  }
  outbox->close();
  watch->stopped = true;
  watch->timer.cancel();
  if (failure) std::rethrow_exception(failure);
}

void BankService::start_housekeeping(net::asio::io_context& io) {
  auto strand = net::asio::make_strand(io);
  auto timer = std::make_shared<net::asio::steady_timer>(strand);
  state_->housekeeping_timer = timer;
  net::asio::co_spawn(strand, housekeeping(std::move(timer)), net::asio::detached);
  state_->bus->start(io);
}

void BankService::stop() {
  state_->stopping = true;
  state_->bus->stop();
  if (auto timer = state_->housekeeping_timer.lock()) {
    net::asio::post(timer->get_executor(), [timer] { timer->cancel(); });
  }
}

net::asio::awaitable<void> BankService::housekeeping(
    std::shared_ptr<net::asio::steady_timer> timer) {
  auto self = shared_from_this();
  while (!state_->stopping) {
    try {
      state_->store.purge_expired();
    } catch (const std::exception& error) {
      spdlog::error("expiring pending transfers failed: {}", error.what());
    }
    try {
      state_->bus->purge_expired();
    } catch (const std::exception& error) {
      spdlog::error("purging expired pushes from the outbox failed: {}", error.what());
    }
    timer->expires_after(kHousekeepingPeriod);
    boost::system::error_code ignored;
    co_await timer->async_wait(net::asio::redirect_error(net::asio::use_awaitable, ignored));
  }
}

int verify_audit_command(const std::filesystem::path& log, const std::filesystem::path& key) {
  try {
    if (!std::filesystem::exists(key)) {
      std::cerr << "bank_server audit verify: no audit key at " << key.string()
                << " (it is beside the log, named after it)\n";
      return 2;
    }
    const SecretBytes audit_key = otp::load_or_create_audit_key(key);
    const otp::AuditCheck check = otp::verify_audit_log(log, audit_key);
    if (check.ok) {
      std::cout << "audit log " << log.string() << ": " << check.lines_checked
                << " line(s), every MAC verifies\n";
      return 0;
    }
    std::cout << "audit log " << log.string() << ": line " << check.first_bad_line
              << " does not verify: " << check.reason << " (" << check.lines_checked
              << " line(s) before it verify)\n";
    return 1;
  } catch (const std::exception& error) {
    std::cerr << "bank_server audit verify: " << error.what() << "\n";
    return 2;
  }
}

}  // namespace sc::bank
