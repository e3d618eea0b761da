#include "common/tls/handshake/certificate.hpp"

#include "common/tls/handshake/handshake_message.hpp"

namespace sc::tls {

Bytes encode_certificate(const Certificate& message) {
  wire::ByteWriter writer;
  writer.vector8(message.certificate_request_context);
  std::size_t mark = writer.open(3);
  for (const CertificateEntry& entry : message.certificate_list) {
    writer.vector24(entry.cert_data);
    write_extensions(writer, entry.extensions);
  }
  writer.close(mark);
  return frame_handshake(HandshakeType::certificate, writer.data());
}

Certificate decode_certificate(ByteView body) {
  wire::ByteReader reader(body, "Certificate");
  Certificate message;
  message.certificate_request_context =
      to_bytes(reader.vector8(0, 255, "certificate_request_context"));
  wire::ByteReader list(reader.vector24(0, 0xFFFFFF, "certificate_list"), "Certificate");
  reader.expect_end();
  while (!list.empty()) {
    CertificateEntry entry;
    entry.cert_data = to_bytes(list.vector24(1, 0xFFFFFF, "cert_data"));
    entry.extensions = read_extensions(list, 0, "CertificateEntry");
    message.certificate_list.push_back(std::move(entry));
  }
  return message;
}

std::optional<Bytes> stapled_ocsp_response(const CertificateEntry& entry) {
  const Extension* status = find_extension(entry.extensions, ExtensionType::status_request);
  if (status == nullptr) return std::nullopt;
  return decode_certificate_status(status->data);
}

void staple_ocsp_response(CertificateEntry& entry, const std::optional<Bytes>& response) {
  if (!response || response->empty()) return;
  add_extension(entry.extensions, ExtensionType::status_request,
                encode_certificate_status(*response));
}

}  // namespace sc::tls

#include <openssl/x509.h>

#include "common/crypto/error.hpp"
#include "common/crypto/openssl_ptr.hpp"

namespace sc::tls {

crypto::PublicKey certificate_public_key(ByteView certificate_der) {
  const unsigned char* cursor = certificate_der.data();
  crypto::X509Ptr certificate(
      d2i_X509(nullptr, &cursor, static_cast<long>(certificate_der.size())));
  if (!certificate || cursor != certificate_der.data() + certificate_der.size()) {
    throw ProtocolError(AlertDescription::bad_certificate,
                        "the peer's certificate is not a valid DER X.509 certificate");
  }
  EVP_PKEY* key = X509_get0_pubkey(certificate.get());
  if (key == nullptr) {
    throw ProtocolError(AlertDescription::bad_certificate,
                        "the public key of the peer's certificate cannot be read");
  }
  // The key d2i_X509 already decoded is shared, not encoded and decoded again: with OpenSSL
  // 3.0 each of those builds an encoder or decoder context, a third of a handshake's time.
  if (EVP_PKEY_up_ref(key) != 1) {
    throw ProtocolError(AlertDescription::internal_error, "EVP_PKEY_up_ref failed");
  }
  return crypto::PublicKey(crypto::EvpPkeyPtr(key));
}

crypto::PublicKey peer_public_key(const CertificateCheck& check, ByteView leaf_der) {
  return check.leaf_key ? check.leaf_key->share() : certificate_public_key(leaf_der);
}

}  // namespace sc::tls
