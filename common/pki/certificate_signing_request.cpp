#include "common/pki/certificate_signing_request.hpp"

#include <openssl/pem.h>

#include "common/crypto/error.hpp"
#include "common/pki/pki_error.hpp"
#include "common/pki/x509_encoding.hpp"

namespace sc::pki {

namespace {

const EVP_MD* request_digest(const crypto::PrivateKey& key) {
  // SHA-384 pairs with P-384 (matching strength); SHA-256 with RSA and P-256.
  if (key.type() == crypto::KeyType::Ecdsa && key.curve() == crypto::EcCurve::P384) {
    return EVP_sha384();
  }
  return EVP_sha256();
}

}  // namespace

CertificateSigningRequest::CertificateSigningRequest(crypto::X509ReqPtr request)
    : request_(std::move(request)) {
  if (!request_) throw PkiError("a certificate signing request object is missing");
}

CertificateSigningRequest::CertificateSigningRequest(const CertificateSigningRequest& other)
    : request_(X509_REQ_dup(other.native())) {
  crypto::check(request_ != nullptr, "X509_REQ_dup");
}

CertificateSigningRequest& CertificateSigningRequest::operator=(
    const CertificateSigningRequest& other) {
  if (this != &other) {
    crypto::X509ReqPtr copy(X509_REQ_dup(other.native()));
    crypto::check(copy != nullptr, "X509_REQ_dup");
    request_ = std::move(copy);
  }
  return *this;
}

CertificateSigningRequest CertificateSigningRequest::create(
    const SubjectDetails& subject, const crypto::PrivateKey& key,
    const std::vector<std::string>& dns_names) {
  crypto::X509NamePtr name = subject.to_x509_name();  // validates
  crypto::X509ReqPtr request(X509_REQ_new());
  crypto::check(request != nullptr, "X509_REQ_new");
  crypto::check(X509_REQ_set_version(request.get(), 0) == 1, "X509_REQ_set_version");  // v1
  crypto::check(X509_REQ_set_subject_name(request.get(), name.get()) == 1,
                "X509_REQ_set_subject_name");
  crypto::check(X509_REQ_set_pubkey(request.get(), key.native()) == 1, "X509_REQ_set_pubkey");
  if (!dns_names.empty()) {
    detail::GeneralNamesPtr names = detail::subject_alt_names(dns_names);
    STACK_OF(X509_EXTENSION)* raw_extensions = nullptr;
    const int added = X509V3_add1_i2d(&raw_extensions, NID_subject_alt_name, names.get(), 0, 0);
    detail::ExtensionStack extensions(raw_extensions);
    crypto::check(added == 1, "X509V3_add1_i2d(subjectAltName)");
    crypto::check(X509_REQ_add_extensions(request.get(), extensions.get()) == 1,
                  "X509_REQ_add_extensions");
  }
  crypto::check(X509_REQ_sign(request.get(), key.native(), request_digest(key)) > 0,
                "X509_REQ_sign");
  return CertificateSigningRequest(std::move(request));
}

CertificateSigningRequest CertificateSigningRequest::from_pem(std::string_view pem) {
  crypto::BioPtr bio = detail::read_only_bio(pem);
  crypto::X509ReqPtr request(PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr));
  if (!request) {
    throw PkiError("no valid PEM certificate signing request found: " +
                   crypto::openssl_error_text());
  }
  return CertificateSigningRequest(std::move(request));
}

CertificateSigningRequest CertificateSigningRequest::from_der(ByteView der) {
  if (der.empty()) throw PkiError("the certificate signing request is empty");
  const unsigned char* cursor = der.data();
  crypto::X509ReqPtr request(d2i_X509_REQ(nullptr, &cursor, static_cast<long>(der.size())));
  if (!request) {
    throw PkiError("the certificate signing request is not valid DER PKCS#10: " +
                   crypto::openssl_error_text());
  }
  if (cursor != der.data() + der.size()) {
    throw PkiError("the certificate signing request is followed by unexpected bytes");
  }
  return CertificateSigningRequest(std::move(request));
}

std::string CertificateSigningRequest::to_pem() const {
  crypto::BioPtr bio = detail::memory_bio();
  crypto::check(PEM_write_bio_X509_REQ(bio.get(), native()) == 1, "PEM_write_bio_X509_REQ");
  return detail::bio_contents(bio.get());
}

Bytes CertificateSigningRequest::to_der() const {
  const int length = i2d_X509_REQ(native(), nullptr);
  crypto::check(length > 0, "i2d_X509_REQ");
  Bytes der(static_cast<std::size_t>(length));
  unsigned char* cursor = der.data();
  crypto::check(i2d_X509_REQ(native(), &cursor) == length, "i2d_X509_REQ");
  return der;
}

bool CertificateSigningRequest::verify_self_signature() const {
  EVP_PKEY* key = X509_REQ_get0_pubkey(native());
  if (key == nullptr) {
    ERR_clear_error();
    return false;
  }
  const int result = X509_REQ_verify(native(), key);
  ERR_clear_error();
  return result == 1;
}

SubjectDetails CertificateSigningRequest::subject() const {
  return SubjectDetails::from_x509_name(X509_REQ_get_subject_name(native()));
}

std::string CertificateSigningRequest::subject_line() const {
  return name_one_line(X509_REQ_get_subject_name(native()));
}

KeyDescription CertificateSigningRequest::key_description() const {
  return describe_public_key(X509_REQ_get0_pubkey(native()));
}

crypto::PublicKey CertificateSigningRequest::public_key() const {
  crypto::EvpPkeyPtr key(X509_REQ_get_pubkey(native()));
  if (!key) throw PkiError("the CSR's public key cannot be read: " + crypto::openssl_error_text());
  return crypto::PublicKey(std::move(key));
}

std::vector<std::string> CertificateSigningRequest::requested_dns_names() const {
  detail::ExtensionStack extensions(X509_REQ_get_extensions(native()));
  ERR_clear_error();  // a request without extensions is normal
  if (!extensions) return {};
  detail::GeneralNamesPtr names(static_cast<GENERAL_NAMES*>(
      X509V3_get_d2i(extensions.get(), NID_subject_alt_name, nullptr, nullptr)));
  std::vector<std::string> result = detail::general_name_texts(names.get(), GEN_DNS);
  for (std::string& address : detail::general_name_texts(names.get(), GEN_IPADD)) {
    result.push_back(std::move(address));
  }
  return result;
}

}  // namespace sc::pki
