#pragma once
// Record content types and size limits (RFC 8446 section 5).
#include <cstddef>
#include <cstdint>
#include <string>

namespace sc::tls {

enum class ContentType : std::uint8_t {
  change_cipher_spec = 20,
  alert = 21,
  handshake = 22,
  application_data = 23,
};

std::string content_type_name(std::uint8_t type);

constexpr std::size_t kRecordHeaderLength = 5;
constexpr std::size_t kMaxPlaintext = std::size_t{1} << 14;    // 2^14
constexpr std::size_t kMaxCiphertext = kMaxPlaintext + 256;    // 2^14 + 256
constexpr std::size_t kMaxInnerPlaintext = kMaxPlaintext + 1;  // content + type byte

}  // namespace sc::tls
