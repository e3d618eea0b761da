#pragma once
// SHA-256 / SHA-384: one-shot and incremental. A running Hash can be copied, which is what a
// TLS transcript needs (hash of the messages so far, while the transcript keeps growing).
#include <cstddef>

#include "common/crypto/bytes.hpp"
#include "common/crypto/openssl_ptr.hpp"

namespace sc::crypto {

enum class HashAlgorithm { Sha256, Sha384 };

std::size_t digest_length(HashAlgorithm algorithm);  // 32 or 48
const char* hash_name(HashAlgorithm algorithm);      // "SHA256" / "SHA384"
// The EVP_MD, fetched once per process and never freed.
const EVP_MD* evp_md(HashAlgorithm algorithm);

class Hash {
 public:
  explicit Hash(HashAlgorithm algorithm);
  Hash(const Hash& other);  // copies the running state
  Hash& operator=(const Hash& other);
  Hash(Hash&&) noexcept = default;
  Hash& operator=(Hash&&) noexcept = default;
  ~Hash() = default;

  HashAlgorithm algorithm() const { return algorithm_; }
  void update(ByteView data);
  // Digest of everything so far; the running state is left untouched.
  Bytes current_digest() const;

  static Bytes digest(HashAlgorithm algorithm, ByteView data);

 private:
  HashAlgorithm algorithm_;
  EvpMdCtxPtr context_;
};

// HMAC (RFC 2104) with SHA-256 or SHA-384.
Bytes hmac(HashAlgorithm algorithm, ByteView key, ByteView data);

}  // namespace sc::crypto
