#include "common/crypto/random.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <limits>

#include "common/crypto/error.hpp"

namespace sc::crypto {

void random_fill(MutableByteView out) {
  std::size_t offset = 0;
  while (offset < out.size()) {
    std::size_t chunk = std::min<std::size_t>(out.size() - offset, 1 << 20);
    check(RAND_bytes(out.data() + offset, static_cast<int>(chunk)) == 1, "RAND_bytes");
    offset += chunk;
  }
}

Bytes random_bytes(std::size_t count) {
  Bytes bytes(count);
  random_fill(bytes);
  return bytes;
}

std::uint64_t random_below(std::uint64_t bound) {
  if (bound == 0) throw CryptoError("random_below: the bound must be positive");
  // Rejection sampling: accept only values below the largest multiple of bound.
  const std::uint64_t limit =
      std::numeric_limits<std::uint64_t>::max() - std::numeric_limits<std::uint64_t>::max() % bound;
  for (;;) {
    std::uint64_t value = 0;
    random_fill(MutableByteView(reinterpret_cast<std::uint8_t*>(&value), sizeof value));
    if (value < limit) return value % bound;
  }
}

bool equal_constant_time(ByteView a, ByteView b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace sc::crypto
