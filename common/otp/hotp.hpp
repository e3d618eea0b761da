#pragma once
// HOTP (RFC 4226) and TOTP (RFC 6238): HMAC over a moving factor, dynamic truncation, and a
// decimal code of 6 to 8 digits.
#include <cstdint>
#include <string>

#include "common/crypto/bytes.hpp"

namespace sc::otp {

// RFC 6238 section 1.2: TOTP implementations MAY use HMAC-SHA-256 or HMAC-SHA-512 as well as
// the HMAC-SHA-1 of RFC 4226.
enum class OtpHash { Sha1, Sha256, Sha512 };

const char* otp_hash_name(OtpHash hash);  // "SHA1", "SHA256", "SHA512"

// RFC 4226 section 5.3: the 31-bit value taken from the HMAC at the offset given by the low
// nibble of its last byte. Throws std::invalid_argument when the HMAC is shorter than 20 bytes.
std::uint32_t dynamic_truncate(ByteView hmac_result);

// RFC 4226 section 5.3: Snum mod 10^Digit, zero-padded. RFC 4226 section 5.3 requires at least
// 6 digits; codes above 8 digits lose uniformity, so digits must be 6, 7 or 8
// (std::invalid_argument otherwise).
std::string hotp(ByteView key, std::uint64_t counter, unsigned digits = 6,
                 OtpHash hash = OtpHash::Sha1);

// RFC 6238 section 4.2: T = floor((unix_seconds - t0) / step), then HOTP with counter T.
// step must be positive and unix_seconds >= t0 (std::invalid_argument otherwise).
std::string totp(ByteView key, std::uint64_t unix_seconds, unsigned digits = 6,
                 OtpHash hash = OtpHash::Sha1, std::uint64_t step_seconds = 30,
                 std::uint64_t t0 = 0);

}  // namespace sc::otp
