#pragma once
// HMAC (RFC 2104) over any digest libcrypto knows by name. The TLS layer uses crypto::hmac with
// SHA-256/SHA-384; HOTP/TOTP (RFC 4226, RFC 6238) also need SHA-1 and SHA-512.
#include "common/crypto/bytes.hpp"

namespace sc::crypto {

// digest_name is an OpenSSL digest name such as "SHA1", "SHA256" or "SHA512".
// Throws CryptoError when the digest is unknown or any libcrypto call fails.
Bytes hmac_named(const char* digest_name, ByteView key, ByteView data);

}  // namespace sc::crypto
