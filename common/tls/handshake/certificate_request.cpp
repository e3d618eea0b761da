#include "common/tls/handshake/certificate_request.hpp"

#include "common/tls/handshake/handshake_message.hpp"

namespace sc::tls {

Bytes encode_certificate_request(const CertificateRequest& message) {
  wire::ByteWriter writer;
  writer.vector8(message.certificate_request_context);
  write_extensions(writer, message.extensions);
  return frame_handshake(HandshakeType::certificate_request, writer.data());
}

CertificateRequest decode_certificate_request(ByteView body) {
  wire::ByteReader reader(body, "CertificateRequest");
  CertificateRequest message;
  message.certificate_request_context =
      to_bytes(reader.vector8(0, 255, "certificate_request_context"));
  message.extensions = read_extensions(reader, 2, "CertificateRequest");
  reader.expect_end();
  // RFC 8446 section 4.3.2: "The "signature_algorithms" extension MUST be specified".
  if (find_extension(message.extensions, ExtensionType::signature_algorithms) == nullptr) {
    throw ProtocolError(AlertDescription::missing_extension,
                        "CertificateRequest lacks the signature_algorithms extension");
  }
  return message;
}

CertificateRequestTerms certificate_request_terms(const CertificateRequest& request) {
  CertificateRequestTerms terms;
  const Extension* schemes =
      find_extension(request.extensions, ExtensionType::signature_algorithms);
  if (schemes == nullptr) {
    throw ProtocolError(AlertDescription::missing_extension,
                        "CertificateRequest lacks the signature_algorithms extension");
  }
  for (std::uint16_t code : decode_code_point_list(schemes->data, "signature_algorithms")) {
    terms.signature_schemes.push_back(static_cast<crypto::SignatureScheme>(code));
  }
  // RFC 8446 section 4.4.2.1: a server asks for the client's OCSP response with an empty
  // status_request in its CertificateRequest; a CertificateStatusRequest there is read as the
  // same question when its status_type is ocsp.
  const Extension* status = find_extension(request.extensions, ExtensionType::status_request);
  if (status != nullptr &&
      (status->data.empty() || decode_certificate_status_request(status->data))) {
    terms.status_request = StatusRequest::ocsp;
  }
  return terms;
}

}  // namespace sc::tls
