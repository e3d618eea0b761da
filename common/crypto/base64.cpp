#include "common/crypto/base64.hpp"

#include <openssl/evp.h>

#include <limits>
#include <stdexcept>

namespace sc::crypto {

std::string base64_encode(ByteView data) {
  if (data.empty()) return {};
  if (data.size() > static_cast<std::size_t>(std::numeric_limits<int>::max() / 4 * 3)) {
    throw std::length_error("base64_encode: input too large");
  }
  std::string text(4 * ((data.size() + 2) / 3), '\0');
  int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(text.data()), data.data(),
                                static_cast<int>(data.size()));
  text.resize(static_cast<std::size_t>(written));
  return text;
}

std::optional<Bytes> base64_decode(std::string_view text) {
  if (text.empty()) return Bytes{};
  if (text.size() % 4 != 0 ||
      text.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    return std::nullopt;
  }
  for (char c : text) {
    bool valid = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 c == '+' || c == '/' || c == '=';
    if (!valid) return std::nullopt;
  }
  std::size_t padding = 0;
  if (text.back() == '=') ++padding;
  if (text.size() >= 2 && text[text.size() - 2] == '=') ++padding;
  // '=' only as the final one or two characters.
  if (text.find('=') != std::string_view::npos && text.find('=') < text.size() - padding) {
    return std::nullopt;
  }
  Bytes data(text.size() / 4 * 3);
  int decoded = EVP_DecodeBlock(data.data(), reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (decoded < 0) return std::nullopt;
  data.resize(static_cast<std::size_t>(decoded) - padding);
  // Canonical form only: re-encoding must give the same text.
  if (base64_encode(data) != text) return std::nullopt;
  return data;
}

}  // namespace sc::crypto
