#pragma once
// AEAD record protection: AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305 (RFC 5116 interface).
// The EVP_CIPHER is fetched once per process; each Aead keeps one EVP_CIPHER_CTX per direction
// with its key schedule set up once, and reuses it for every record. A context is made at the
// first seal (or open): a TLS traffic key only ever seals or only ever opens, and each unused
// context would cost an established connection about 1.1 KiB (issue 17).
#include <cstddef>
#include <optional>

#include "common/crypto/bytes.hpp"
#include "common/crypto/openssl_ptr.hpp"

namespace sc::crypto {

enum class AeadAlgorithm { Aes128Gcm, Aes256Gcm, ChaCha20Poly1305 };

std::size_t aead_key_length(AeadAlgorithm algorithm);  // 16, 32, 32
const char* aead_name(AeadAlgorithm algorithm);        // "AES-128-GCM", ...

class Aead {
 public:
  static constexpr std::size_t kTagLength = 16;
  static constexpr std::size_t kNonceLength = 12;         // what TLS uses; GCM accepts other sizes
  static constexpr std::size_t kMaxGcmNonceLength = 128;  // OpenSSL 3.0's GCM limit

  // Throws CryptoError when key.size() != aead_key_length(algorithm).
  Aead(AeadAlgorithm algorithm, ByteView key);
  Aead(Aead&&) noexcept = default;
  Aead& operator=(Aead&&) noexcept = default;

  AeadAlgorithm algorithm() const { return algorithm_; }

  // Writes plaintext.size() + kTagLength bytes (ciphertext then tag) to out, which must be at
  // least that large. out may alias plaintext exactly (in-place). Throws CryptoError on misuse.
  void seal(ByteView nonce, ByteView associated_data, ByteView plaintext,
            MutableByteView out) const;
  // Authenticates and decrypts ciphertext_and_tag into out (size - kTagLength bytes). Returns
  // false, with out zeroed, when the tag does not verify. Throws only on misuse (short input,
  // bad nonce length).
  [[nodiscard]] bool open(ByteView nonce, ByteView associated_data, ByteView ciphertext_and_tag,
                          MutableByteView out) const;

  Bytes seal(ByteView nonce, ByteView associated_data, ByteView plaintext) const;
  std::optional<Bytes> open(ByteView nonce, ByteView associated_data,
                            ByteView ciphertext_and_tag) const;

 private:
  // A context keyed once, and the nonce length it is set to: asking OpenSSL 3.0 for it costs a
  // parameter lookup per record.
  struct KeyedContext {
    EvpCipherCtxPtr context;
    std::size_t nonce_length = kNonceLength;  // both AEADs start at 12 bytes
  };
  KeyedContext& encrypt_context() const;
  KeyedContext& decrypt_context() const;
  void set_nonce(KeyedContext& keyed, ByteView nonce) const;

  AeadAlgorithm algorithm_;
  SecretBytes key_;
  mutable KeyedContext encrypt_context_;
  mutable KeyedContext decrypt_context_;
};

}  // namespace sc::crypto
