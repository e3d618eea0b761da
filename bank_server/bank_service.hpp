#pragma once
// The bank's side of a customer channel: admission (revocation status), then lines in, answers
// out, through the OTP protocol (docs/OTP_PROTOCOL.md), and pushes to the channels that
// subscribed as the customer's devices. One BankService serves every connection; the
// customer's identity is the certificate the handshake authenticated.
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "bank_server/customer_status.hpp"
#include "common/net/tls_stream.hpp"
#include "common/otp/bank_session.hpp"
#include "common/pki/certificate.hpp"
#include "common/store/database.hpp"

namespace sc::bank {

struct BankServiceOptions {
  std::filesystem::path folder;  // the bank's certs folder: store, keys, audit log
  unsigned digits = 6;
  unsigned lifetime_seconds = 120;
  unsigned max_attempts = 3;                 // wrong codes that lock one transaction
  unsigned max_customer_failures = 5;        // consecutive wrong codes that block a customer
  unsigned block_seconds = 15 * 60;          // how long a block lasts
  unsigned revocation_recheck_seconds = 60;  // open channels' certificates re-checked this often
  std::string audit_log;                     // default FOLDER/audit.log
  // --store: sqlite:PATH or a bare path (default FOLDER/bank.db), or postgresql://... shared by
  // several bank instances. Log store_location.display(), never the connection string.
  store::StoreLocation store_location;
  std::string push_key_file;  // push sealing keys, default FOLDER/push.key
};

// A customer whose channel passed admission: certificate chain verified in the handshake
// (customer role, our TTP), and revocation status good (stapled, or asked of the TTP). Only
// How the bank knows a customer: SHA-256 over the issuer's and the subject's names (DER) of the
// leaf, lower-case hex. Not the certificate's own hash: renewal (a new certificate, a new key,
// the same names) must not reset a customer's count of wrong codes or block (PSD2 RTS
// art. 4(3)(b)), nor orphan their devices and pending transfers. The TTP gives each customer
// their own subject (the token fixes it).
std::string customer_key(const pki::Certificate& leaf);

// CustomerAdmission makes one, so no code path can serve a channel that skipped the check.
class AdmittedCustomer {
 public:
  const otp::CustomerIdentity& identity() const { return identity_; }
  const pki::Certificate& leaf() const { return leaf_; }
  const pki::Certificate& issuer() const { return issuer_; }

 private:
  friend class CustomerAdmission;
  AdmittedCustomer(otp::CustomerIdentity identity, pki::Certificate leaf, pki::Certificate issuer)
      : identity_(std::move(identity)), leaf_(std::move(leaf)), issuer_(std::move(issuer)) {}
  otp::CustomerIdentity identity_;
  pki::Certificate leaf_;
  pki::Certificate issuer_;
};

class CustomerAdmission {
 public:
  CustomerAdmission(std::shared_ptr<CustomerStatusService> statuses, pki::Certificate root)
      : statuses_(std::move(statuses)), root_(std::move(root)) {}

  // The admitted customer, or nullopt after the channel was ended with the alert that says
  // why (certificate_revoked, certificate_unknown).
  net::asio::awaitable<std::optional<AdmittedCustomer>> admit(net::TlsStream& stream) const;

  const std::shared_ptr<CustomerStatusService>& statuses() const { return statuses_; }

 private:
  std::shared_ptr<CustomerStatusService> statuses_;
  pki::Certificate root_;
};

class BankService : public std::enable_shared_from_this<BankService> {
 public:
  BankService(const BankServiceOptions& options, CustomerAdmission admission);
  ~BankService();

  // Admits the customer, then serves it until QUIT, close_notify, an error, or shutdown.
  net::asio::awaitable<void> serve(net::TlsStream& stream);

  // Expires pending transfers on time (audited) from a timer on io, until stop().
  void start_housekeeping(net::asio::io_context& io);
  void stop();  // thread-safe

 private:
  struct State;
  net::asio::awaitable<void> serve_admitted(net::TlsStream& stream,
                                            const AdmittedCustomer& customer);
  net::asio::awaitable<void> housekeeping(std::shared_ptr<net::asio::steady_timer> timer);

  CustomerAdmission admission_;
  std::chrono::seconds revocation_recheck_;
  std::unique_ptr<State> state_;
};

// `bank_server audit verify`: checks the audit log's MAC chain; prints the outcome.
// Returns 0 when every line verifies, 1 when one does not (naming it), 2 when it cannot read.
int verify_audit_command(const std::filesystem::path& log, const std::filesystem::path& key);

}  // namespace sc::bank
