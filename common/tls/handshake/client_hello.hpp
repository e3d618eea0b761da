#pragma once
// ClientHello (RFC 8446 section 4.1.2).
#include <cstdint>
#include <vector>

#include "common/tls/handshake/extensions.hpp"

namespace sc::tls {

struct ClientHello {
  std::uint16_t legacy_version = kTls12;
  Bytes random;  // 32 bytes
  Bytes legacy_session_id;
  std::vector<std::uint16_t> cipher_suites;
  Bytes legacy_compression_methods = {0};
  Extensions extensions;
};

Bytes encode_client_hello(const ClientHello& hello);  // the whole handshake message
ClientHello decode_client_hello(ByteView body);

}  // namespace sc::tls
