#include "common/crypto/aead.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>

#include <algorithm>
#include <limits>

#include "common/crypto/error.hpp"

namespace sc::crypto {
namespace {

EVP_CIPHER* fetch_cipher(const char* name) {
  EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, name, nullptr);
  if (cipher == nullptr) throw_openssl_error(std::string("EVP_CIPHER_fetch ") + name);
  return cipher;
}

// Fetched once per process and never freed (OpenSSL 3.0: avoid implicit fetches per call).
const EVP_CIPHER* evp_cipher(AeadAlgorithm algorithm) {
  static const EVP_CIPHER* const aes128 = fetch_cipher("AES-128-GCM");
  static const EVP_CIPHER* const aes256 = fetch_cipher("AES-256-GCM");
  static const EVP_CIPHER* const chacha = fetch_cipher("ChaCha20-Poly1305");
  switch (algorithm) {
    case AeadAlgorithm::Aes128Gcm:
      return aes128;
    case AeadAlgorithm::Aes256Gcm:
      return aes256;
    case AeadAlgorithm::ChaCha20Poly1305:
      return chacha;
  }
  throw CryptoError("unknown AEAD algorithm");
}

int checked_int(std::size_t length, const char* what) {
  if (length > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    throw CryptoError(std::string(what) + " too long");
  }
  return static_cast<int>(length);
}

EvpCipherCtxPtr keyed_context(AeadAlgorithm algorithm, ByteView key, bool encrypt) {
  EvpCipherCtxPtr context(EVP_CIPHER_CTX_new());
  check(context != nullptr, "EVP_CIPHER_CTX_new");
  check(EVP_CipherInit_ex2(context.get(), evp_cipher(algorithm), key.data(), nullptr,
                           encrypt ? 1 : 0, nullptr) == 1,
        "EVP_CipherInit_ex2 (key)");
  return context;
}

}  // namespace

std::size_t aead_key_length(AeadAlgorithm algorithm) {
  return algorithm == AeadAlgorithm::Aes128Gcm ? 16 : 32;
}

const char* aead_name(AeadAlgorithm algorithm) {
  switch (algorithm) {
    case AeadAlgorithm::Aes128Gcm:
      return "AES-128-GCM";
    case AeadAlgorithm::Aes256Gcm:
      return "AES-256-GCM";
    case AeadAlgorithm::ChaCha20Poly1305:
      return "ChaCha20-Poly1305";
  }
  return "unknown";
}

Aead::Aead(AeadAlgorithm algorithm, ByteView key) : algorithm_(algorithm) {
  if (key.size() != aead_key_length(algorithm)) {
    throw CryptoError(std::string(aead_name(algorithm)) + " needs a " +
                      std::to_string(aead_key_length(algorithm)) + "-byte key, got " +
                      std::to_string(key.size()));
  }
  key_.assign(key.begin(), key.end());
}

Aead::KeyedContext& Aead::encrypt_context() const {
  if (!encrypt_context_.context) encrypt_context_.context = keyed_context(algorithm_, key_, true);
  return encrypt_context_;
}

Aead::KeyedContext& Aead::decrypt_context() const {
  if (!decrypt_context_.context) decrypt_context_.context = keyed_context(algorithm_, key_, false);
  return decrypt_context_;
}

// Sets the nonce for the next record; GCM accepts lengths other than 12 (Wycheproof uses them).
void Aead::set_nonce(KeyedContext& keyed, ByteView nonce) const {
  if (nonce.empty()) throw CryptoError("AEAD nonce must not be empty");
  if (algorithm_ == AeadAlgorithm::ChaCha20Poly1305 && nonce.size() != kNonceLength) {
    throw CryptoError("ChaCha20-Poly1305 needs a 12-byte nonce");
  }
  if (nonce.size() > kMaxGcmNonceLength) {
    throw CryptoError("AES-GCM nonces longer than 128 bytes are not supported (OpenSSL's limit)");
  }
  if (keyed.nonce_length != nonce.size()) {
    check(EVP_CIPHER_CTX_ctrl(keyed.context.get(), EVP_CTRL_AEAD_SET_IVLEN,
                              checked_int(nonce.size(), "nonce"), nullptr) == 1,
          "EVP_CTRL_AEAD_SET_IVLEN");
    keyed.nonce_length = nonce.size();
  }
  check(EVP_CipherInit_ex2(keyed.context.get(), nullptr, nullptr, nonce.data(), -1, nullptr) == 1,
        "EVP_CipherInit_ex2 (nonce)");
}

void Aead::seal(ByteView nonce, ByteView associated_data, ByteView plaintext,
                MutableByteView out) const {
  if (out.size() < plaintext.size() + kTagLength) throw CryptoError("AEAD seal: output too small");
  KeyedContext& keyed = encrypt_context();
  set_nonce(keyed, nonce);
  EVP_CIPHER_CTX* context = keyed.context.get();
  int length = 0;
  if (!associated_data.empty()) {
    check(EVP_EncryptUpdate(context, nullptr, &length, associated_data.data(),
                            checked_int(associated_data.size(), "associated data")) == 1,
          "EVP_EncryptUpdate (aad)");
  }
  int written = 0;
  if (!plaintext.empty()) {
    check(EVP_EncryptUpdate(context, out.data(), &written, plaintext.data(),
                            checked_int(plaintext.size(), "plaintext")) == 1,
          "EVP_EncryptUpdate");
  }
  int final_length = 0;
  check(EVP_EncryptFinal_ex(context, out.data() + written, &final_length) == 1,
        "EVP_EncryptFinal_ex");
  check(static_cast<std::size_t>(written + final_length) == plaintext.size(), "AEAD seal length");
  check(EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_AEAD_GET_TAG, kTagLength,
                            out.data() + plaintext.size()) == 1,
        "EVP_CTRL_AEAD_GET_TAG");
}

bool Aead::open(ByteView nonce, ByteView associated_data, ByteView ciphertext_and_tag,
                MutableByteView out) const {
  if (ciphertext_and_tag.size() < kTagLength)
    throw CryptoError("AEAD open: input shorter than the tag");
  const std::size_t ciphertext_length = ciphertext_and_tag.size() - kTagLength;
  if (out.size() < ciphertext_length) throw CryptoError("AEAD open: output too small");
  KeyedContext& keyed = decrypt_context();
  set_nonce(keyed, nonce);
  EVP_CIPHER_CTX* context = keyed.context.get();
  int length = 0;
  if (!associated_data.empty()) {
    check(EVP_DecryptUpdate(context, nullptr, &length, associated_data.data(),
                            checked_int(associated_data.size(), "associated data")) == 1,
          "EVP_DecryptUpdate (aad)");
  }
  int written = 0;
  if (ciphertext_length > 0) {
    check(EVP_DecryptUpdate(context, out.data(), &written, ciphertext_and_tag.data(),
                            checked_int(ciphertext_length, "ciphertext")) == 1,
          "EVP_DecryptUpdate");
  }
  std::uint8_t tag[kTagLength];
  std::copy_n(ciphertext_and_tag.data() + ciphertext_length, kTagLength, tag);
  check(EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_AEAD_SET_TAG, kTagLength, tag) == 1,
        "EVP_CTRL_AEAD_SET_TAG");
  int final_length = 0;
  if (EVP_DecryptFinal_ex(context, out.data() + written, &final_length) != 1) {
    ERR_clear_error();
    cleanse(out.data(), ciphertext_length);
    return false;
  }
  return true;
}

Bytes Aead::seal(ByteView nonce, ByteView associated_data, ByteView plaintext) const {
  Bytes out(plaintext.size() + kTagLength);
  seal(nonce, associated_data, plaintext, out);
  return out;
}

std::optional<Bytes> Aead::open(ByteView nonce, ByteView associated_data,
                                ByteView ciphertext_and_tag) const {
  if (ciphertext_and_tag.size() < kTagLength) return std::nullopt;
  Bytes out(ciphertext_and_tag.size() - kTagLength);
  if (!open(nonce, associated_data, ciphertext_and_tag, out)) return std::nullopt;
  return out;
}

}  // namespace sc::crypto
