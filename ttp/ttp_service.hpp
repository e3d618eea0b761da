#pragma once
// The TTP's protocol handler, sans-IO: complete requests in, response text out. The network
// layer feeds each connection's decrypted bytes to a TtpConnection and sends back what it
// returns; nothing here touches a socket. The protocol is described in docs/TTP.md.
//
//   ENROLL <role> <token> + CSR PEM -> OK ENROLLED serial=<HEX> not_after=<ISO8601>, leaf, CA
//   CA                              -> OK CA fingerprint=<AB:CD:...>, CA PEM
//   STATUS <serial hex>             -> OK STATUS good|revoked|unknown, base64 DER OCSP response
//   OCSP <base64 DER OCSP request>  -> OK OCSP, base64 DER OCSP response
//   CRL                             -> OK CRL, CRL PEM
//   failure                         -> ERROR <code> <sentence>
// Every response ends with a line "END".
#include <mutex>
#include <string>

#include "common/pki/certificate_authority.hpp"
#include "ttp/crl_publisher.hpp"
#include "ttp/registry.hpp"
#include "ttp/request_assembler.hpp"

namespace sc::ttp {

struct IssuancePolicy {
  unsigned bank_validity_days = 365;
  unsigned customer_validity_days = 90;
};

class TtpService {
 public:
  TtpService(const pki::CertificateAuthority& authority, Registry& registry,
             CrlPublisher& crl_publisher, IssuancePolicy policy = {});

  // Answers one request. peer names who asked, for the log and the request table (address,
  // or the channel's peer identity). Thread-safe: requests are handled one at a time.
  std::string handle(const Request& request, const std::string& peer);

  // "ERROR <code> <sentence>\nEND\n" (the sentence is kept on one line).
  static std::string error_response(std::string_view code, std::string_view sentence);

 private:
  std::string enroll(const std::string& arguments, const std::string& pem, const std::string& peer);
  std::string ca_certificate() const;
  std::string status(const std::string& arguments, const std::string& peer);
  std::string ocsp(const std::string& arguments, const std::string& peer);
  std::string crl();
  pki::RevocationStatus lookup(const pki::SerialNumber& serial);
  std::string refuse_enrollment(const RefusalRecord& refusal);

  const pki::CertificateAuthority& authority_;
  Registry& registry_;
  CrlPublisher& crl_publisher_;
  IssuancePolicy policy_;
  std::mutex mutex_;
};

// One connection's conversation: bytes from the peer in, response bytes out. After a framing
// failure (over-long line, over-large PEM block, binary garbage) it answers once with an
// ERROR and should_close() turns true; later bytes are ignored.
class TtpConnection {
 public:
  TtpConnection(TtpService& service, std::string peer);

  std::string receive(ByteView bytes);
  bool should_close() const { return closing_; }

 private:
  TtpService& service_;
  std::string peer_;
  RequestAssembler assembler_;
  bool closing_ = false;
};

}  // namespace sc::ttp
