#pragma once
// ServerHello and HelloRetryRequest (RFC 8446 sections 4.1.3 and 4.1.4).
#include <cstdint>

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

}  // namespace sc::tls
