#pragma once
// ServerHello and HelloRetryRequest (RFC 8446 sections 4.1.3 and 4.1.4).
#include <cstdint>
#include <optional>

#include "common/tls/cipher_suite.hpp"
#include "common/tls/handshake/extensions.hpp"

namespace sc::tls {

// SHA-256("HelloRetryRequest"): the random that marks a ServerHello as a HelloRetryRequest.
ByteView hello_retry_request_random();

struct ServerHello {
  std::uint16_t legacy_version = kTls12;
  Bytes random;  // 32 bytes
  Bytes legacy_session_id_echo;
  std::uint16_t cipher_suite = 0;
  std::uint8_t legacy_compression_method = 0;
  Extensions extensions;

  bool is_hello_retry_request() const;
};

Bytes encode_server_hello(const ServerHello& hello);  // the whole handshake message
ServerHello decode_server_hello(ByteView body);

// ---- the typed reading of a received ServerHello (the client's side)
// Each reader decodes one extension when the client's checks reach it, so that a message with
// several faults is refused for the first one RFC 8446's order of checks meets. Absent: nullopt;
// malformed: decode_error.

// The suite chosen, if this engine knows its code point (whether we offered it is the
// client's check).
std::optional<CipherSuite> known_cipher_suite(const ServerHello& hello);

// supported_versions (4.2.1): the selected version.
std::optional<std::uint16_t> selected_version(const ServerHello& hello);

// key_share in a ServerHello (4.2.8): the server's share. The group is the code point sent,
// which may be one no NamedGroup names.
struct ServerKeyShare {
  NamedGroup group{};
  Bytes key_exchange;
};
std::optional<ServerKeyShare> server_key_share(const ServerHello& hello);

// What a HelloRetryRequest asks to change in the ClientHello (4.1.4): a key share for the
// selected group (4.2.8) and/or the cookie to echo unchanged (4.2.2).
struct HelloRetryRequestChanges {
  std::optional<NamedGroup> selected_group;  // a code point, named or not
  std::optional<Bytes> cookie;               // the cookie extension's data, as received
};
HelloRetryRequestChanges hello_retry_request_changes(const ServerHello& retry);

}  // namespace sc::tls
