#include "common/crypto/hash.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <algorithm>

#include "common/crypto/error.hpp"

namespace sc::crypto {
namespace {

EVP_MD* fetch_md(const char* name) {
  EVP_MD* md = EVP_MD_fetch(nullptr, name, nullptr);
  if (md == nullptr) throw_openssl_error(std::string("EVP_MD_fetch ") + name);
  return md;
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

Hmac::Hmac(HashAlgorithm algorithm, ByteView key)
    : md_(evp_md(algorithm)),
      block_length_(static_cast<std::size_t>(EVP_MD_get_block_size(md_))),
      context_(EVP_MD_CTX_new()) {
  check(context_ != nullptr, "EVP_MD_CTX_new");
  check(block_length_ > 0 && block_length_ <= kMaxBlockLength, "EVP_MD_get_block_size");
  // RFC 2104 section 2: a key longer than the hash's block is replaced by its hash; the key is
  // then padded with zeros to the block length.
  std::uint8_t* const padded_key = outer_pad_;
  std::fill_n(padded_key, block_length_, std::uint8_t{0});
  if (key.size() > block_length_) {
    unsigned int length = 0;
    check(EVP_Digest(key.data(), key.size(), padded_key, &length, md_, nullptr) == 1,
          "EVP_Digest (HMAC key)");
  } else {
    std::copy(key.begin(), key.end(), padded_key);
  }
  // Inner hash: H((K ^ ipad) || text); the buffer then keeps K ^ opad for finish().
  constexpr std::uint8_t kInnerPad = 0x36;
  constexpr std::uint8_t kOuterPad = 0x5c;
  for (std::size_t i = 0; i < block_length_; ++i) padded_key[i] ^= kInnerPad;
  check(EVP_DigestInit_ex2(context_.get(), md_, nullptr) == 1, "EVP_DigestInit_ex2 (HMAC)");
  check(EVP_DigestUpdate(context_.get(), padded_key, block_length_) == 1, "EVP_DigestUpdate");
  for (std::size_t i = 0; i < block_length_; ++i) outer_pad_[i] ^= kInnerPad ^ kOuterPad;
}

Hmac::~Hmac() {
  cleanse(outer_pad_, sizeof outer_pad_);
}

void Hmac::update(ByteView data) {
  if (finished_) throw CryptoError("HMAC updated after it was finished");
  check(EVP_DigestUpdate(context_.get(), data.data(), data.size()) == 1, "EVP_DigestUpdate");
}

void Hmac::finish(MutableByteView out) {
  if (finished_) throw CryptoError("HMAC finished twice");
  const std::size_t length = static_cast<std::size_t>(EVP_MD_get_size(md_));
  if (out.size() < length) throw CryptoError("HMAC output buffer too small");
  finished_ = true;
  std::uint8_t inner[EVP_MAX_MD_SIZE];
  unsigned int inner_length = 0;
  check(EVP_DigestFinal_ex(context_.get(), inner, &inner_length) == 1, "EVP_DigestFinal_ex");
  // Outer hash: H((K ^ opad) || inner); the same context is reset, not reallocated.
  check(EVP_DigestInit_ex2(context_.get(), md_, nullptr) == 1, "EVP_DigestInit_ex2 (HMAC)");
  check(EVP_DigestUpdate(context_.get(), outer_pad_, block_length_) == 1, "EVP_DigestUpdate");
  check(EVP_DigestUpdate(context_.get(), inner, inner_length) == 1, "EVP_DigestUpdate");
  unsigned int written = 0;
  check(EVP_DigestFinal_ex(context_.get(), out.data(), &written) == 1, "EVP_DigestFinal_ex");
  cleanse(inner, sizeof inner);
  cleanse(outer_pad_, sizeof outer_pad_);
  check(written == length, "EVP_DigestFinal_ex length");
}

Bytes hmac(HashAlgorithm algorithm, ByteView key, ByteView data) {
  Hmac mac(algorithm, key);
  mac.update(data);
  Bytes result(digest_length(algorithm));
  mac.finish(result);
  return result;
}

}  // namespace sc::crypto
