#include "common/crypto/hash.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <cstdio>

#include "common/crypto/error.hpp"

namespace sc::crypto {
namespace {

EVP_MD* fetch_md(const char* name) {
  EVP_MD* md = EVP_MD_fetch(nullptr, name, nullptr);
  if (md == nullptr) throw_openssl_error(std::string("EVP_MD_fetch ") + name);
  return md;
}

EVP_MAC* hmac_mac() {
  static EVP_MAC* const mac = [] {
    EVP_MAC* fetched = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (fetched == nullptr) throw_openssl_error("EVP_MAC_fetch HMAC");
    return fetched;
  }();
  return mac;
}

}  // namespace

std::size_t digest_length(HashAlgorithm algorithm) {
  return algorithm == HashAlgorithm::Sha256 ? 32 : 48;
}

const char* hash_name(HashAlgorithm algorithm) {
  return algorithm == HashAlgorithm::Sha256 ? "SHA256" : "SHA384";
}

const EVP_MD* evp_md(HashAlgorithm algorithm) {
  // Fetched once per process (OpenSSL 3.0 advice), intentionally never freed.
  static const EVP_MD* const sha256 = fetch_md("SHA256");
  static const EVP_MD* const sha384 = fetch_md("SHA384");
  return algorithm == HashAlgorithm::Sha256 ? sha256 : sha384;
}

Hash::Hash(HashAlgorithm algorithm) : algorithm_(algorithm), context_(EVP_MD_CTX_new()) {
  check(context_ != nullptr, "EVP_MD_CTX_new");
  check(EVP_DigestInit_ex(context_.get(), evp_md(algorithm), nullptr) == 1, "EVP_DigestInit_ex");
}

Hash::Hash(const Hash& other) : algorithm_(other.algorithm_), context_(EVP_MD_CTX_new()) {
  check(context_ != nullptr, "EVP_MD_CTX_new");
  check(EVP_MD_CTX_copy_ex(context_.get(), other.context_.get()) == 1, "EVP_MD_CTX_copy_ex");
}

Hash& Hash::operator=(const Hash& other) {
  if (this != &other) {
    Hash copy(other);
    *this = std::move(copy);
  }
  return *this;
}

void Hash::update(ByteView data) {
  if (context_ == nullptr) throw CryptoError("Hash used after it was moved from");
  check(EVP_DigestUpdate(context_.get(), data.data(), data.size()) == 1, "EVP_DigestUpdate");
}

Bytes Hash::current_digest() const {
  if (context_ == nullptr) throw CryptoError("Hash used after it was moved from");
  EvpMdCtxPtr copy(EVP_MD_CTX_new());
  check(copy != nullptr, "EVP_MD_CTX_new");
  check(EVP_MD_CTX_copy_ex(copy.get(), context_.get()) == 1, "EVP_MD_CTX_copy_ex");
  Bytes digest(digest_length(algorithm_));
  unsigned int length = 0;
  check(EVP_DigestFinal_ex(copy.get(), digest.data(), &length) == 1, "EVP_DigestFinal_ex");
  check(length == digest.size(), "EVP_DigestFinal_ex length");
  return digest;
}

Bytes Hash::digest(HashAlgorithm algorithm, ByteView data) {
  Hash hash(algorithm);
  hash.update(data);
  return hash.current_digest();
}

Bytes hmac(HashAlgorithm algorithm, ByteView key, ByteView data) {
  EvpMacCtxPtr context(EVP_MAC_CTX_new(hmac_mac()));
  check(context != nullptr, "EVP_MAC_CTX_new");
  char digest_name[8];
  std::snprintf(digest_name, sizeof digest_name, "%s", hash_name(algorithm));
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
                         OSSL_PARAM_construct_end()};
  // An empty key is legal HMAC; OpenSSL wants a non-null pointer for it.
  static const unsigned char kEmpty[1] = {0};
  const unsigned char* key_data = key.empty() ? kEmpty : key.data();
  check(EVP_MAC_init(context.get(), key_data, key.size(), params) == 1, "EVP_MAC_init");
  check(EVP_MAC_update(context.get(), data.data(), data.size()) == 1, "EVP_MAC_update");
  Bytes mac(digest_length(algorithm));
  std::size_t length = 0;
  check(EVP_MAC_final(context.get(), mac.data(), &length, mac.size()) == 1, "EVP_MAC_final");
  check(length == mac.size(), "EVP_MAC_final length");
  return mac;
}

}  // namespace sc::crypto
