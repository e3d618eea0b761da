#include "common/crypto/hmac_any.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <string>

#include "common/crypto/error.hpp"
#include "common/crypto/openssl_ptr.hpp"

namespace sc::crypto {
namespace {

EVP_MAC* fetched_hmac() {
  // Fetched once per process (OpenSSL 3.0 advice), intentionally never freed.
  static EVP_MAC* const mac = [] {
    EVP_MAC* fetched = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (fetched == nullptr) throw_openssl_error("EVP_MAC_fetch HMAC");
    return fetched;
  }();
  return mac;
}

}  // namespace

Bytes hmac_named(const char* digest_name, ByteView key, ByteView data) {
  if (digest_name == nullptr) throw CryptoError("HMAC needs a digest name");
  EvpMacCtxPtr context(EVP_MAC_CTX_new(fetched_hmac()));
  check(context != nullptr, "EVP_MAC_CTX_new");
  std::string name(digest_name);  // OSSL_PARAM wants a mutable buffer
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, name.data(), 0),
                         OSSL_PARAM_construct_end()};
  // An empty key is legal HMAC; OpenSSL wants a non-null pointer for it.
  static const unsigned char kEmpty[1] = {0};
  const unsigned char* key_data = key.empty() ? kEmpty : key.data();
  check(EVP_MAC_init(context.get(), key_data, key.size(), params) == 1,
        "EVP_MAC_init HMAC-" + name);
  check(EVP_MAC_update(context.get(), data.data(), data.size()) == 1, "EVP_MAC_update");
  const std::size_t size = EVP_MAC_CTX_get_mac_size(context.get());
  check(size > 0 && size <= EVP_MAX_MD_SIZE, "EVP_MAC_CTX_get_mac_size");
  Bytes mac(size);
  std::size_t length = 0;
  check(EVP_MAC_final(context.get(), mac.data(), &length, mac.size()) == 1, "EVP_MAC_final");
  check(length == mac.size(), "EVP_MAC_final length");
  return mac;
}

}  // namespace sc::crypto
