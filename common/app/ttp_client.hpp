#pragma once
// The requester side of the TTP's protocol (docs/TTP.md): one request per secure channel,
// a command line (plus a PEM block for ENROLL), answered by lines ending with "END".
#include <memory>
#include <string>
#include <vector>

#include "common/net/asio.hpp"
#include "common/net/tls_stream.hpp"
#include "common/pki/certificate.hpp"
#include "common/pki/certificate_signing_request.hpp"
#include "common/pki/issuance_profile.hpp"
#include "common/pki/revocation.hpp"
#include "common/tls/certificate_verifier.hpp"
#include "common/tls/engine.hpp"

namespace sc::app {

struct TtpEndpoint {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8443;
  std::shared_ptr<const tls::CertificateVerifier> verifier;  // authenticates the TTP
  tls::ClientConfig channel;  // suites, groups, key log; verifier/server_name are filled in
  net::Timeouts timeouts;
  std::string label() const { return host + ":" + std::to_string(port); }
};

// "OK ..." or "ERROR <code> <sentence>", then the body lines, as received.
struct TtpReply {
  std::string status_line;
  std::vector<std::string> body;

  bool ok() const;
  std::string error_code() const;      // "bad-token", ... ("" when ok)
  std::string error_sentence() const;  // the TTP's explanation
  std::string body_text() const;       // body lines joined with '\n'
  // The value of key=value in the status line ("" when absent).
  std::string field(const std::string& key) const;
};

// Refused by the TTP (as opposed to not reached): carries its code and sentence.
class TtpRefusal : public std::runtime_error {
 public:
  TtpRefusal(std::string code, const std::string& sentence)
      : std::runtime_error(sentence), code_(std::move(code)) {}
  const std::string& code() const { return code_; }

 private:
  std::string code_;
};

struct EnrolledCertificate {
  pki::Certificate certificate;
  pki::Certificate root;
};

// RENEW's key choice (docs/TTP.md, "Renewal"): a new key pair (the default, rekey) or the key
// of the certificate being renewed.
enum class RenewalKey { new_key, same_key };
const char* renewal_key_word(RenewalKey key);  // "new-key", "same-key"
// "new-key" | "same-key" (the --renew-key option); throws std::invalid_argument otherwise.
RenewalKey renewal_key_from_word(const std::string& word);

class TtpClient {
 public:
  explicit TtpClient(TtpEndpoint endpoint) : endpoint_(std::move(endpoint)) {}

  // Opens a channel, sends request, reads the reply up to "END", closes with close_notify.
  net::asio::awaitable<TtpReply> exchange(const std::string& request) const;

  // ENROLL; throws TtpRefusal when refused, std::runtime_error when the reply is malformed.
  net::asio::awaitable<EnrolledCertificate> enroll(pki::Role role, const std::string& token,
                                                   const pki::CertificateSigningRequest& csr) const;
  // RENEW over a channel authenticated with `current` (the certificate to renew and its key);
  // csr carries the old certificate's subject and the new key (or the same key when asked).
  // Throws TtpRefusal when refused ("certificate-revoked", "certificate-expired", ...),
  // std::runtime_error when the reply is malformed.
  net::asio::awaitable<EnrolledCertificate> renew(const tls::Credentials& current, RenewalKey key,
                                                  const pki::CertificateSigningRequest& csr) const;
  // STATUS <serial>: the TTP's current signed OCSP response for certificate (DER, no nonce:
  // the TTP reuses it for a while), unverified: the caller checks it as a stapled response.
  net::asio::awaitable<Bytes> fetch_status_response(const pki::Certificate& certificate) const;
  // OCSP through the TTP: the response is verified (signature by issuer, CertID, nonce).
  net::asio::awaitable<pki::RevocationStatus> status(const pki::Certificate& certificate,
                                                     const pki::Certificate& issuer) const;

  const TtpEndpoint& endpoint() const { return endpoint_; }

 private:
  TtpEndpoint endpoint_;
};

}  // namespace sc::app
