#include "common/crypto/hkdf.hpp"

#include <string>

#include "common/crypto/error.hpp"

namespace sc::crypto {

SecretBytes hkdf_extract(HashAlgorithm algorithm, ByteView salt, ByteView input_key_material) {
  // RFC 5869 section 2.2: PRK = HMAC-Hash(salt, IKM); an absent salt is HashLen zeros.
  SecretBytes zero_salt(digest_length(algorithm), 0);
  ByteView effective_salt = salt.empty() ? ByteView(zero_salt) : salt;
  Bytes prk = hmac(algorithm, effective_salt, input_key_material);
  SecretBytes result(prk.begin(), prk.end());
  cleanse(prk.data(), prk.size());
  return result;
}

SecretBytes hkdf_expand(HashAlgorithm algorithm, ByteView pseudorandom_key, ByteView info,
                        std::size_t length) {
  const std::size_t hash_length = digest_length(algorithm);
  if (length > 255 * hash_length) {
    throw CryptoError("HKDF-Expand: " + std::to_string(length) + " bytes exceeds 255 * HashLen");
  }
  // RFC 5869 section 2.3: T(i) = HMAC-Hash(PRK, T(i-1) | info | i).
  SecretBytes output;
  output.reserve(length + hash_length);
  SecretBytes block;
  SecretBytes input;
  for (std::uint8_t counter = 1; output.size() < length; ++counter) {
    input.assign(block.begin(), block.end());
    input.insert(input.end(), info.begin(), info.end());
    input.push_back(counter);
    Bytes next = hmac(algorithm, pseudorandom_key, input);
    block.assign(next.begin(), next.end());
    cleanse(next.data(), next.size());
    output.insert(output.end(), block.begin(), block.end());
  }
  output.resize(length);
  return output;
}

SecretBytes hkdf_expand_label(HashAlgorithm algorithm, ByteView secret, std::string_view label,
                              ByteView context, std::size_t length) {
  // RFC 8446 section 7.1: struct { uint16 length; opaque label<7..255>; opaque context<0..255>; }
  const std::string full_label = "tls13 " + std::string(label);
  if (full_label.size() > 255 || context.size() > 255 || length > 0xffff) {
    throw CryptoError("HKDF-Expand-Label: label, context or length out of range");
  }
  Bytes hkdf_label;
  hkdf_label.reserve(4 + full_label.size() + context.size());
  hkdf_label.push_back(static_cast<std::uint8_t>(length >> 8));
  hkdf_label.push_back(static_cast<std::uint8_t>(length & 0xff));
  hkdf_label.push_back(static_cast<std::uint8_t>(full_label.size()));
  hkdf_label.insert(hkdf_label.end(), full_label.begin(), full_label.end());
  hkdf_label.push_back(static_cast<std::uint8_t>(context.size()));
  hkdf_label.insert(hkdf_label.end(), context.begin(), context.end());
  return hkdf_expand(algorithm, secret, hkdf_label, length);
}

SecretBytes derive_secret(HashAlgorithm algorithm, ByteView secret, std::string_view label,
                          ByteView transcript_hash) {
  return hkdf_expand_label(algorithm, secret, label, transcript_hash, digest_length(algorithm));
}

}  // namespace sc::crypto
