#pragma once
// SHA-256 / SHA-384: one-shot and incremental. A running Hash can be copied, which is what a
// TLS transcript needs (hash of the messages so far, while the transcript keeps growing).
#include <cstddef>
#include <cstdint>

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

// HMAC (RFC 2104) with SHA-256 or SHA-384, computed incrementally:
//   Hmac mac(algorithm, key); mac.update(a); mac.update(b); mac.finish(out);
// It hashes with the process's fetched EVP_MD on one EVP_MD_CTX. OpenSSL 3.0's EVP_MAC costs
// several times the hashing itself for the short inputs of a TLS key schedule (a context and
// an OSSL_PARAM digest lookup per MAC). The padded key is wiped when the Hmac is destroyed.
class Hmac {
 public:
  Hmac(HashAlgorithm algorithm, ByteView key);
  Hmac(const Hmac&) = delete;
  Hmac& operator=(const Hmac&) = delete;
  ~Hmac();

  void update(ByteView data);
  // Writes digest_length(algorithm) bytes to out (which must hold them); the Hmac is spent.
  void finish(MutableByteView out);

 private:
  static constexpr std::size_t kMaxBlockLength = 128;  // SHA-384's
  const EVP_MD* md_;
  std::size_t block_length_;
  EvpMdCtxPtr context_;
  std::uint8_t outer_pad_[kMaxBlockLength];  // K ^ opad
  bool finished_ = false;
};

// HMAC (RFC 2104) with SHA-256 or SHA-384, in one call.
Bytes hmac(HashAlgorithm algorithm, ByteView key, ByteView data);

}  // namespace sc::crypto
