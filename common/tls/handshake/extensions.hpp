#pragma once
// Extensions (RFC 8446 section 4.2) and the codecs of the ones this engine speaks.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/crypto/bytes.hpp"
#include "common/tls/wire/byte_reader.hpp"
#include "common/tls/wire/byte_writer.hpp"

namespace sc::tls {

// The extensions this engine speaks or meets (IANA TLS ExtensionType Values). An Extension
// read from the wire keeps any code point, named here or not.
enum class ExtensionType : std::uint16_t {
  server_name = 0,
  max_fragment_length = 1,  // RFC 6066 section 4
  status_request = 5,
  supported_groups = 10,
  signature_algorithms = 13,
  use_srtp = 14,                                // RFC 5764
  heartbeat = 15,                               // RFC 6520
  application_layer_protocol_negotiation = 16,  // RFC 7301
  client_certificate_type = 19,                 // RFC 7250
  server_certificate_type = 20,                 // RFC 7250
  padding = 21,                                 // RFC 7685
  record_size_limit = 28,                       // RFC 8449
  pre_shared_key = 41,
  early_data = 42,
  supported_versions = 43,
  cookie = 44,
  psk_key_exchange_modes = 45,
  certificate_authorities = 47,
  post_handshake_auth = 49,
  signature_algorithms_cert = 50,
  key_share = 51,
};

// padding (RFC 7685): ignored wherever it appears, and free to change in a second ClientHello.
constexpr std::uint16_t kPaddingExtension = static_cast<std::uint16_t>(ExtensionType::padding);

std::string extension_name(std::uint16_t type);

struct Extension {
  std::uint16_t type = 0;  // the wire code point: a peer may send any
  Bytes data;

  bool is(ExtensionType named) const { return type == static_cast<std::uint16_t>(named); }
};
using Extensions = std::vector<Extension>;

// Reads extensions<min..2^16-1>; two extensions of one type are illegal_parameter (4.2).
Extensions read_extensions(wire::ByteReader& reader, std::size_t min, std::string_view where);
void write_extensions(wire::ByteWriter& writer, const Extensions& extensions);
const Extension* find_extension(const Extensions& extensions, ExtensionType type);
// The extension with this wire code point, named or not (e.g. to compare two extension blocks).
const Extension* find_extension_code(const Extensions& extensions, std::uint16_t type);
void add_extension(Extensions& extensions, ExtensionType type, Bytes data);

constexpr std::uint16_t kTls13 = 0x0304;
constexpr std::uint16_t kTls12 = 0x0303;

// supported_versions (4.2.1)
std::vector<std::uint16_t> decode_supported_versions_list(ByteView data);
Bytes encode_supported_versions_list(const std::vector<std::uint16_t>& versions);
std::uint16_t decode_selected_version(ByteView data);
Bytes encode_selected_version(std::uint16_t version);

// NamedGroupList (4.2.7) and SignatureSchemeList (4.2.3): lists of uint16 code points.
std::vector<std::uint16_t> decode_code_point_list(ByteView data, std::string_view what);
Bytes encode_code_point_list(const std::vector<std::uint16_t>& code_points);

// key_share (4.2.8)
struct KeyShareEntry {
  std::uint16_t group = 0;
  Bytes key_exchange;
};
std::vector<KeyShareEntry> decode_client_key_shares(ByteView data);
Bytes encode_client_key_shares(const std::vector<KeyShareEntry>& shares);
KeyShareEntry decode_server_key_share(ByteView data);
Bytes encode_server_key_share(const KeyShareEntry& share);
std::uint16_t decode_hello_retry_key_share(ByteView data);
Bytes encode_hello_retry_key_share(std::uint16_t group);

// server_name (RFC 6066 section 3): returns the host_name, or "" for an empty extension.
std::string decode_server_name(ByteView data);
Bytes encode_server_name(std::string_view host_name);

// cookie (4.2.2)
Bytes decode_cookie(ByteView data);
Bytes encode_cookie(ByteView cookie);

// status_request (RFC 6066 section 8; in TLS 1.3, RFC 8446 section 4.4.2.1): the client asks
// in its ClientHello, the server in its CertificateRequest (empty there), and the answer is a
// CertificateStatus in the extensions of the leaf's CertificateEntry.
enum class CertificateStatusType : std::uint8_t { ocsp = 1 };

// OCSPStatusRequest: responder_id_list<0..2^16-1> of ResponderID<1..2^16-1>, and
// request_extensions<0..2^16-1> (a DER Extensions, RFC 6960 section 4.1.1).
struct CertificateStatusRequest {
  std::vector<Bytes> responder_id_list;
  Bytes request_extensions;
};
// nullopt for a status_type other than ocsp (such a request is ignored, RFC 6066 section 8);
// decode_error when the structure is malformed.
std::optional<CertificateStatusRequest> decode_certificate_status_request(ByteView data);
Bytes encode_certificate_status_request(const CertificateStatusRequest& request);

// CertificateStatus { status_type ocsp; opaque OCSPResponse<1..2^24-1>; }: returns the DER
// OCSPResponse (RFC 6960 section 4.2.1); decode_error for another status_type, an empty
// response or a length that does not match.
Bytes decode_certificate_status(ByteView data);
Bytes encode_certificate_status(ByteView ocsp_response);

}  // namespace sc::tls
