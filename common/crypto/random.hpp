#pragma once
// The CSPRNG (RAND_bytes from libcrypto) and constant-time comparison.
#include <cstddef>
#include <cstdint>

#include "common/crypto/bytes.hpp"

namespace sc::crypto {

void random_fill(MutableByteView out);  // throws CryptoError if the DRBG fails
Bytes random_bytes(std::size_t count);
// Uniform in [0, bound), bound > 0, by rejection sampling (no modulo bias).
std::uint64_t random_below(std::uint64_t bound);

// CRYPTO_memcmp on equal lengths; false on different lengths (lengths are not secret).
bool equal_constant_time(ByteView a, ByteView b);

}  // namespace sc::crypto
