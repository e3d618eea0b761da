#pragma once
// Ephemeral (EC)DHE key shares for TLS 1.3: X25519, secp256r1 and secp384r1.
#include <optional>

#include "common/crypto/bytes.hpp"
#include "common/crypto/openssl_ptr.hpp"

namespace sc::crypto {

enum class KeyExchangeGroup { X25519, Secp256r1, Secp384r1 };

const char* group_name(KeyExchangeGroup group);  // "x25519" / "secp256r1" / "secp384r1"

class KeyShare {
 public:
  static KeyShare generate(KeyExchangeGroup group);
  // A share from a known private key: RFC 8448 traces and deterministic tests only.
  // X25519 takes the 32-byte scalar; secp256r1 the 32-byte and secp384r1 the 48-byte
  // big-endian scalar.
  static KeyShare from_private_key(KeyExchangeGroup group, ByteView private_key);

  KeyExchangeGroup group() const { return group_; }
  // X25519: 32 bytes. secp256r1 / secp384r1: the 65- / 97-byte uncompressed point
  // (0x04 || X || Y, RFC 8446 section 4.2.8.2).
  const Bytes& public_key() const { return public_key_; }

  // The shared secret with the peer's public value, or nullopt when the peer's value is not
  // acceptable for TLS: wrong length, a point not on the curve, a compressed or infinity
  // point, or an all-zero X25519 result (RFC 8446 section 7.4.2).
  std::optional<SecretBytes> derive(ByteView peer_public_key) const;

 private:
  KeyShare(KeyExchangeGroup group, EvpPkeyPtr key);
  KeyExchangeGroup group_;
  EvpPkeyPtr key_;
  Bytes public_key_;
};

}  // namespace sc::crypto
