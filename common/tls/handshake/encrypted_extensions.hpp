#pragma once
// EncryptedExtensions (RFC 8446 section 4.3.1).
#include "common/tls/handshake/extensions.hpp"

namespace sc::tls {

struct EncryptedExtensions {
  Extensions extensions;
};

Bytes encode_encrypted_extensions(const EncryptedExtensions& message);
EncryptedExtensions decode_encrypted_extensions(ByteView body);

}  // namespace sc::tls
