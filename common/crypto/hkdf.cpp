#include "common/crypto/hkdf.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <string>

#include "common/crypto/error.hpp"

namespace sc::crypto {

SecretBytes hkdf_extract(HashAlgorithm algorithm, ByteView salt, ByteView input_key_material) {
  // RFC 5869 section 2.2: PRK = HMAC-Hash(salt, IKM); an absent salt is HashLen zeros.
  const std::array<std::uint8_t, EVP_MAX_MD_SIZE> zero_salt{};
  ByteView effective_salt =
      salt.empty() ? ByteView(zero_salt.data(), digest_length(algorithm)) : salt;
  Hmac mac(algorithm, effective_salt);
  mac.update(input_key_material);
  SecretBytes prk(digest_length(algorithm));
  mac.finish(prk);
  return prk;
}

SecretBytes hkdf_expand(HashAlgorithm algorithm, ByteView pseudorandom_key, ByteView info,
                        std::size_t length) {
  const std::size_t hash_length = digest_length(algorithm);
  if (length > 255 * hash_length) {
    throw CryptoError("HKDF-Expand: " + std::to_string(length) + " bytes exceeds 255 * HashLen");
  }
  // RFC 5869 section 2.3: T(i) = HMAC-Hash(PRK, T(i-1) | info | i), each T(i) fed to the MAC
  // piece by piece rather than copied into one input buffer.
  SecretBytes output(length);
  std::uint8_t block[EVP_MAX_MD_SIZE];
  std::size_t produced = 0;
  for (unsigned counter = 1; produced < length; ++counter) {
    Hmac mac(algorithm, pseudorandom_key);
    if (counter > 1) mac.update(ByteView(block, hash_length));
    mac.update(info);
    const std::uint8_t counter_byte = static_cast<std::uint8_t>(counter);
    mac.update(ByteView(&counter_byte, 1));
    mac.finish(MutableByteView(block, hash_length));
    const std::size_t take = std::min(hash_length, length - produced);
    std::copy_n(block, take, output.begin() + static_cast<std::ptrdiff_t>(produced));
    produced += take;
  }
  cleanse(block, sizeof block);
  return output;
}

SecretBytes hkdf_expand_label(HashAlgorithm algorithm, ByteView secret, std::string_view label,
                              ByteView context, std::size_t length) {
  // RFC 8446 section 7.1: struct { uint16 length; opaque label<7..255>; opaque context<0..255>; }
  // with label = "tls13 " + Label. Built on the stack: neither part is secret.
  constexpr std::string_view kPrefix = "tls13 ";
  const std::size_t label_length = kPrefix.size() + label.size();
  if (label_length > 255 || context.size() > 255 || length > 0xffff) {
    throw CryptoError("HKDF-Expand-Label: label, context or length out of range");
  }
  std::array<std::uint8_t, 2 + 1 + 255 + 1 + 255> hkdf_label;
  std::size_t at = 0;
  hkdf_label[at++] = static_cast<std::uint8_t>(length >> 8);
  hkdf_label[at++] = static_cast<std::uint8_t>(length & 0xff);
  hkdf_label[at++] = static_cast<std::uint8_t>(label_length);
  at = static_cast<std::size_t>(std::copy(kPrefix.begin(), kPrefix.end(), hkdf_label.begin() + at) -
                                hkdf_label.begin());
  at = static_cast<std::size_t>(std::copy(label.begin(), label.end(), hkdf_label.begin() + at) -
                                hkdf_label.begin());
  hkdf_label[at++] = static_cast<std::uint8_t>(context.size());
  at = static_cast<std::size_t>(std::copy(context.begin(), context.end(), hkdf_label.begin() + at) -
                                hkdf_label.begin());
  return hkdf_expand(algorithm, secret, ByteView(hkdf_label.data(), at), length);
}

SecretBytes derive_secret(HashAlgorithm algorithm, ByteView secret, std::string_view label,
                          ByteView transcript_hash) {
  return hkdf_expand_label(algorithm, secret, label, transcript_hash, digest_length(algorithm));
}

}  // namespace sc::crypto
