#include "common/otp/hotp.hpp"

#include <array>
#include <stdexcept>

#include "common/crypto/hmac_any.hpp"

namespace sc::otp {
namespace {

void require_digits(unsigned digits) {
  if (digits < 6 || digits > 8) {
    throw std::invalid_argument("an OTP has 6 to 8 digits, not " + std::to_string(digits));
  }
}

std::uint32_t power_of_ten(unsigned digits) {
  std::uint32_t value = 1;
  for (unsigned i = 0; i < digits; ++i) value *= 10;
  return value;
}

}  // namespace

const char* otp_hash_name(OtpHash hash) {
  switch (hash) {
    case OtpHash::Sha1:
      return "SHA1";
    case OtpHash::Sha256:
      return "SHA256";
    case OtpHash::Sha512:
      return "SHA512";
  }
  throw std::invalid_argument("unknown OTP hash");
}

std::uint32_t dynamic_truncate(ByteView hmac_result) {
  // RFC 4226 section 5.3: the HMAC-SHA-1 result is 20 bytes; longer digests work the same way
  // (RFC 6238 section 1.2), and the offset (at most 15) plus 4 always stays inside.
  if (hmac_result.size() < 20) {
    throw std::invalid_argument("dynamic truncation needs an HMAC of at least 20 bytes");
  }
  const std::size_t offset = hmac_result.back() & 0x0f;
  return (static_cast<std::uint32_t>(hmac_result[offset] & 0x7f) << 24) |
         (static_cast<std::uint32_t>(hmac_result[offset + 1]) << 16) |
         (static_cast<std::uint32_t>(hmac_result[offset + 2]) << 8) |
         static_cast<std::uint32_t>(hmac_result[offset + 3]);
}

std::string hotp(ByteView key, std::uint64_t counter, unsigned digits, OtpHash hash) {
  require_digits(digits);
  // RFC 4226 section 5.2: the counter is an 8-byte big-endian value.
  std::array<std::uint8_t, 8> moving_factor{};
  for (std::size_t i = 0; i < moving_factor.size(); ++i) {
    moving_factor[moving_factor.size() - 1 - i] = static_cast<std::uint8_t>(counter >> (8 * i));
  }
  const Bytes mac = crypto::hmac_named(otp_hash_name(hash), key, moving_factor);
  const std::uint32_t value = dynamic_truncate(mac) % power_of_ten(digits);
  std::string code = std::to_string(value);
  return std::string(digits - code.size(), '0') + code;
}

std::string totp(ByteView key, std::uint64_t unix_seconds, unsigned digits, OtpHash hash,
                 std::uint64_t step_seconds, std::uint64_t t0) {
  if (step_seconds == 0) throw std::invalid_argument("a TOTP time step must be positive");
  if (unix_seconds < t0) throw std::invalid_argument("TOTP time is before T0");
  return hotp(key, (unix_seconds - t0) / step_seconds, digits, hash);
}

}  // namespace sc::otp
