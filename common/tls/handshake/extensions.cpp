#include "common/tls/handshake/extensions.hpp"

#include <set>
#include <stdexcept>

namespace sc::tls {

std::string extension_name(std::uint16_t type) {
  switch (static_cast<ExtensionType>(type)) {
    case ExtensionType::server_name:
      return "server_name";
    case ExtensionType::status_request:
      return "status_request";
    case ExtensionType::supported_groups:
      return "supported_groups";
    case ExtensionType::signature_algorithms:
      return "signature_algorithms";
    case ExtensionType::pre_shared_key:
      return "pre_shared_key";
    case ExtensionType::early_data:
      return "early_data";
    case ExtensionType::supported_versions:
      return "supported_versions";
    case ExtensionType::cookie:
      return "cookie";
    case ExtensionType::psk_key_exchange_modes:
      return "psk_key_exchange_modes";
    case ExtensionType::certificate_authorities:
      return "certificate_authorities";
    case ExtensionType::post_handshake_auth:
      return "post_handshake_auth";
    case ExtensionType::signature_algorithms_cert:
      return "signature_algorithms_cert";
    case ExtensionType::key_share:
      return "key_share";
    default:  // the others are named by number in sentences, as they always were
      break;
  }
  return "extension " + std::to_string(type);
}

Extensions read_extensions(wire::ByteReader& reader, std::size_t min, std::string_view where) {
  const std::string what = std::string(where) + " extensions";
  wire::ByteReader list(reader.vector16(min, 0xFFFF, what), what);
  Extensions extensions;
  std::set<std::uint16_t> seen;
  while (!list.empty()) {
    Extension extension;
    extension.type = list.u16("extension_type");
    ByteView data = list.vector16(0, 0xFFFF, "extension_data");
    extension.data.assign(data.begin(), data.end());
    // RFC 8446 section 4.2: "There MUST NOT be more than one extension of the same type in a
    // given extension block."
    if (!seen.insert(extension.type).second) {
      throw ProtocolError(
          AlertDescription::illegal_parameter,
          std::string(where) + " carries " + extension_name(extension.type) + " twice");
    }
    extensions.push_back(std::move(extension));
  }
  return extensions;
}

void write_extensions(wire::ByteWriter& writer, const Extensions& extensions) {
  std::size_t mark = writer.open(2);
  for (const Extension& extension : extensions) {
    writer.u16(extension.type);
    writer.vector16(extension.data);
  }
  writer.close(mark);
}

const Extension* find_extension(const Extensions& extensions, ExtensionType type) {
  for (const Extension& extension : extensions) {
    if (extension.is(type)) return &extension;
  }
  return nullptr;
}

const Extension* find_extension_code(const Extensions& extensions, std::uint16_t type) {
  for (const Extension& extension : extensions) {
    if (extension.type == type) return &extension;
  }
  return nullptr;
}

void add_extension(Extensions& extensions, ExtensionType type, Bytes data) {
  extensions.push_back({static_cast<std::uint16_t>(type), std::move(data)});
}

std::vector<std::uint16_t> decode_supported_versions_list(ByteView data) {
  wire::ByteReader reader(data, "supported_versions");
  wire::ByteReader list(reader.vector8(2, 254, "versions"), "supported_versions");
  reader.expect_end();
  std::vector<std::uint16_t> versions;
  while (!list.empty()) versions.push_back(list.u16("ProtocolVersion"));
  return versions;
}

Bytes encode_supported_versions_list(const std::vector<std::uint16_t>& versions) {
  wire::ByteWriter writer;
  std::size_t mark = writer.open(1);
  for (std::uint16_t version : versions) writer.u16(version);
  writer.close(mark);
  return writer.take();
}

std::uint16_t decode_selected_version(ByteView data) {
  wire::ByteReader reader(data, "supported_versions");
  std::uint16_t version = reader.u16("selected_version");
  reader.expect_end();
  return version;
}

Bytes encode_selected_version(std::uint16_t version) {
  wire::ByteWriter writer;
  writer.u16(version);
  return writer.take();
}

std::vector<std::uint16_t> decode_code_point_list(ByteView data, std::string_view what) {
  wire::ByteReader reader(data, what);
  ByteView body = reader.vector16(2, 0xFFFE, "list");
  reader.expect_end();
  if (body.size() % 2 != 0) {
    throw ProtocolError(AlertDescription::decode_error,
                        std::string(what) + " list has an odd length");
  }
  wire::ByteReader list(body, what);
  std::vector<std::uint16_t> code_points;
  while (!list.empty()) code_points.push_back(list.u16("code point"));
  return code_points;
}

Bytes encode_code_point_list(const std::vector<std::uint16_t>& code_points) {
  wire::ByteWriter writer;
  std::size_t mark = writer.open(2);
  for (std::uint16_t code : code_points) writer.u16(code);
  writer.close(mark);
  return writer.take();
}

namespace {
KeyShareEntry read_key_share_entry(wire::ByteReader& reader) {
  KeyShareEntry entry;
  entry.group = reader.u16("key_share group");
  ByteView key = reader.vector16(0, 0xFFFF, "key_exchange");
  // RFC 8446 section 4.2.8: key_exchange<1..2^16-1>. An empty one is read as a public value no
  // group accepts (4.2.8.1, 4.2.8.2): illegal_parameter like any other invalid share, which is
  // what conformance suites expect, rather than decode_error.
  if (key.empty()) {
    throw ProtocolError(
        AlertDescription::illegal_parameter,
        "key_share entry for group " + std::to_string(entry.group) + " has an empty key_exchange");
  }
  entry.key_exchange.assign(key.begin(), key.end());
  return entry;
}
void write_key_share_entry(wire::ByteWriter& writer, const KeyShareEntry& entry) {
  writer.u16(entry.group);
  writer.vector16(entry.key_exchange);
}
}  // namespace

std::vector<KeyShareEntry> decode_client_key_shares(ByteView data) {
  wire::ByteReader reader(data, "key_share");
  wire::ByteReader list(reader.vector16(0, 0xFFFF, "client_shares"), "key_share");
  reader.expect_end();
  std::vector<KeyShareEntry> shares;
  std::set<std::uint16_t> groups;
  while (!list.empty()) {
    shares.push_back(read_key_share_entry(list));
    // RFC 8446 section 4.2.8: "Clients MUST NOT offer multiple KeyShareEntry values for the
    // same group."
    if (!groups.insert(shares.back().group).second) {
      throw ProtocolError(
          AlertDescription::illegal_parameter,
          "key_share offers group " + std::to_string(shares.back().group) + " twice");
    }
  }
  return shares;
}

Bytes encode_client_key_shares(const std::vector<KeyShareEntry>& shares) {
  wire::ByteWriter writer;
  std::size_t mark = writer.open(2);
  for (const KeyShareEntry& entry : shares) write_key_share_entry(writer, entry);
  writer.close(mark);
  return writer.take();
}

KeyShareEntry decode_server_key_share(ByteView data) {
  wire::ByteReader reader(data, "key_share");
  KeyShareEntry entry = read_key_share_entry(reader);
  reader.expect_end();
  return entry;
}

Bytes encode_server_key_share(const KeyShareEntry& share) {
  wire::ByteWriter writer;
  write_key_share_entry(writer, share);
  return writer.take();
}

std::uint16_t decode_hello_retry_key_share(ByteView data) {
  wire::ByteReader reader(data, "key_share");
  std::uint16_t group = reader.u16("selected_group");
  reader.expect_end();
  return group;
}

Bytes encode_hello_retry_key_share(std::uint16_t group) {
  wire::ByteWriter writer;
  writer.u16(group);
  return writer.take();
}

std::string decode_server_name(ByteView data) {
  if (data.empty()) return {};  // the server's acknowledgement (RFC 6066 section 3)
  wire::ByteReader reader(data, "server_name");
  wire::ByteReader list(reader.vector16(1, 0xFFFF, "server_name_list"), "server_name");
  reader.expect_end();
  std::string host_name;
  while (!list.empty()) {
    std::uint8_t name_type = list.u8("name_type");
    ByteView name = list.vector16(1, 0xFFFF, "HostName");
    if (name_type == 0 && host_name.empty()) host_name.assign(name.begin(), name.end());
  }
  return host_name;
}

Bytes encode_server_name(std::string_view host_name) {
  wire::ByteWriter writer;
  std::size_t mark = writer.open(2);
  writer.u8(0);  // host_name
  writer.vector16(as_bytes(host_name));
  writer.close(mark);
  return writer.take();
}

Bytes decode_cookie(ByteView data) {
  wire::ByteReader reader(data, "cookie");
  ByteView cookie = reader.vector16(1, 0xFFFF, "cookie");
  reader.expect_end();
  return to_bytes(cookie);
}

Bytes encode_cookie(ByteView cookie) {
  wire::ByteWriter writer;
  writer.vector16(cookie);
  return writer.take();
}

std::optional<CertificateStatusRequest> decode_certificate_status_request(ByteView data) {
  wire::ByteReader reader(data, "status_request");
  const std::uint8_t status_type = reader.u8("status_type");
  // RFC 6066 section 8: the request's body depends on status_type; a server that does not
  // know the type cannot read it and ignores the extension.
  if (status_type != static_cast<std::uint8_t>(CertificateStatusType::ocsp)) return std::nullopt;
  CertificateStatusRequest request;
  wire::ByteReader responders(reader.vector16(0, 0xFFFF, "responder_id_list"), "status_request");
  while (!responders.empty()) {
    request.responder_id_list.push_back(to_bytes(responders.vector16(1, 0xFFFF, "ResponderID")));
  }
  request.request_extensions = to_bytes(reader.vector16(0, 0xFFFF, "request_extensions"));
  reader.expect_end();
  return request;
}

Bytes encode_certificate_status_request(const CertificateStatusRequest& request) {
  wire::ByteWriter writer;
  writer.u8(static_cast<std::uint8_t>(CertificateStatusType::ocsp));
  std::size_t mark = writer.open(2);
  for (const Bytes& responder : request.responder_id_list) writer.vector16(responder);
  writer.close(mark);
  writer.vector16(request.request_extensions);
  return writer.take();
}

Bytes decode_certificate_status(ByteView data) {
  wire::ByteReader reader(data, "CertificateStatus");
  const std::uint8_t status_type = reader.u8("status_type");
  // RFC 6066 section 8 / RFC 8446 section 4.4.2.1: the only status_type TLS 1.3 staples is
  // ocsp(1); we asked for nothing else.
  if (status_type != static_cast<std::uint8_t>(CertificateStatusType::ocsp)) {
    throw ProtocolError(
        AlertDescription::decode_error,
        "CertificateStatus has status_type " + std::to_string(status_type) + ", expected ocsp (1)");
  }
  Bytes response = to_bytes(reader.vector24(1, 0xFFFFFF, "OCSPResponse"));
  reader.expect_end();
  return response;
}

Bytes encode_certificate_status(ByteView ocsp_response) {
  if (ocsp_response.empty()) {
    throw std::invalid_argument("a stapled OCSPResponse cannot be empty (RFC 6066 section 8)");
  }
  wire::ByteWriter writer;
  writer.u8(static_cast<std::uint8_t>(CertificateStatusType::ocsp));
  writer.vector24(ocsp_response);
  return writer.take();
}

}  // namespace sc::tls
