#pragma once
// PKCS#10 certificate signing requests (RFC 2986).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/crypto/bytes.hpp"
#include "common/crypto/openssl_ptr.hpp"
#include "common/crypto/signature.hpp"
#include "common/pki/key_description.hpp"
#include "common/pki/subject.hpp"

namespace sc::pki {

class CertificateSigningRequest {
 public:
  explicit CertificateSigningRequest(crypto::X509ReqPtr request);  // takes ownership
  CertificateSigningRequest(const CertificateSigningRequest& other);
  CertificateSigningRequest& operator=(const CertificateSigningRequest& other);
  CertificateSigningRequest(CertificateSigningRequest&&) noexcept = default;
  CertificateSigningRequest& operator=(CertificateSigningRequest&&) noexcept = default;
  ~CertificateSigningRequest() = default;

  // Signs with SHA-256 (RSA PKCS#1 v1.5, or ECDSA P-256) or SHA-384 (ECDSA P-384). The
  // dns_names are requested as a subjectAltName extension (the CA decides what it grants).
  // Throws PkiError when the subject is invalid.
  static CertificateSigningRequest create(const SubjectDetails& subject,
                                          const crypto::PrivateKey& key,
                                          const std::vector<std::string>& dns_names = {});
  static CertificateSigningRequest from_pem(std::string_view pem);  // throws PkiError
  static CertificateSigningRequest from_der(ByteView der);          // throws PkiError

  std::string to_pem() const;
  Bytes to_der() const;

  // True when the request is signed by the private key of the public key it carries.
  bool verify_self_signature() const;

  SubjectDetails subject() const;
  std::string subject_line() const;
  KeyDescription key_description() const;
  // Throws when the key is not one crypto supports (see key_description()).
  crypto::PublicKey public_key() const;
  std::vector<std::string> requested_dns_names() const;

  X509_REQ* native() const { return request_.get(); }

 private:
  crypto::X509ReqPtr request_;
};

}  // namespace sc::pki
