// HOTP and TOTP against the RFCs' own test values (transcribed from ../shared/rfc/).
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>

#include "common/crypto/error.hpp"
#include "common/crypto/hash.hpp"
#include "common/crypto/hmac_any.hpp"
#include "common/otp/hotp.hpp"

using namespace sc;
using namespace sc::otp;

namespace {
const std::string kRfc4226Secret = "12345678901234567890";
}

TEST_CASE("RFC 4226 Appendix D: HMAC-SHA-1 values and their dynamic truncation", "[hotp]") {
  struct Row {
    std::uint64_t count;
    const char* hmac_hex;
    std::uint32_t truncated;
  };
  const Row rows[] = {
      {0, "cc93cf18508d94934c64b65d8ba7667fb7cde4b0", 1284755224},
      {1, "75a48a19d4cbe100644e8ac1397eea747a2d33ab", 1094287082},
      {2, "0bacb7fa082fef30782211938bc1c5e70416ff44", 137359152},
      {3, "66c28227d03a2d5529262ff016a1e6ef76557ece", 1726969429},
      {4, "a904c900a64b35909874b33e61c5938a8e15ed1c", 1640338314},
      {5, "a37e783d7b7233c083d4f62926c7a25f238d0316", 868254676},
      {6, "bc9cd28561042c83f219324d3c607256c03272ae", 1918287922},
      {7, "a4fb960c0bc06e1eabb804e5b397cdc4b45596fa", 82162583},
      {8, "1b3c89f65e6c9e883012052823443f048b4332db", 673399871},
      {9, "1637409809a679dc698207310c8c7fc07290d9e5", 645520489},
  };
  for (const Row& row : rows) {
    CAPTURE(row.count);
    Bytes counter(8, 0);
    counter[7] = static_cast<std::uint8_t>(row.count);
    const Bytes mac = crypto::hmac_named("SHA1", as_bytes(kRfc4226Secret), counter);
    CHECK(to_hex(mac) == row.hmac_hex);
    CHECK(dynamic_truncate(from_hex(row.hmac_hex)) == row.truncated);
  }
}

TEST_CASE("RFC 4226 Appendix D: the ten 6-digit HOTP values", "[hotp]") {
  const char* expected[] = {"755224", "287082", "359152", "969429", "338314",
                            "254676", "287922", "162583", "399871", "520489"};
  for (std::uint64_t count = 0; count < 10; ++count) {
    CAPTURE(count);
    CHECK(hotp(as_bytes(kRfc4226Secret), count) == expected[count]);
  }
}

TEST_CASE("RFC 6238 Appendix B: TOTP with SHA-1, SHA-256 and SHA-512, 8 digits", "[totp]") {
  // The RFC's reference code uses a 20-byte seed for SHA-1, 32 bytes for SHA-256 and 64 bytes
  // for SHA-512 (each the ASCII digits "1234567890" repeated).
  const std::string seed20 = "12345678901234567890";
  const std::string seed32 = "12345678901234567890123456789012";
  const std::string seed64 = "1234567890123456789012345678901234567890123456789012345678901234";
  struct Row {
    std::uint64_t time;
    OtpHash hash;
    const char* code;
  };
  const Row rows[] = {
      {59, OtpHash::Sha1, "94287082"},
      {59, OtpHash::Sha256, "46119246"},
      {59, OtpHash::Sha512, "90693936"},
      {1111111109, OtpHash::Sha1, "07081804"},
      {1111111109, OtpHash::Sha256, "68084774"},
      {1111111109, OtpHash::Sha512, "25091201"},
      {1111111111, OtpHash::Sha1, "14050471"},
      {1111111111, OtpHash::Sha256, "67062674"},
      {1111111111, OtpHash::Sha512, "99943326"},
      {1234567890, OtpHash::Sha1, "89005924"},
      {1234567890, OtpHash::Sha256, "91819424"},
      {1234567890, OtpHash::Sha512, "93441116"},
      {2000000000, OtpHash::Sha1, "69279037"},
      {2000000000, OtpHash::Sha256, "90698825"},
      {2000000000, OtpHash::Sha512, "38618901"},
      {20000000000, OtpHash::Sha1, "65353130"},
      {20000000000, OtpHash::Sha256, "77737706"},
      {20000000000, OtpHash::Sha512, "47863826"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.time, otp_hash_name(row.hash));
    const std::string& seed = row.hash == OtpHash::Sha1     ? seed20
                              : row.hash == OtpHash::Sha256 ? seed32
                                                            : seed64;
    CHECK(totp(as_bytes(seed), row.time, 8, row.hash) == row.code);
  }
}

TEST_CASE("TOTP counts whole time steps from T0", "[totp]") {
  const Bytes key = from_hex("3132333435363738393031323334353637383930");
  // RFC 6238 Appendix B: T=1 for time 59, which is HOTP counter 1.
  CHECK(totp(key, 59, 6) == hotp(key, 1, 6));
  CHECK(totp(key, 60, 6) == hotp(key, 2, 6));
  CHECK(totp(key, 100, 6, OtpHash::Sha1, 30, 40) == hotp(key, 2, 6));
  CHECK_THROWS_AS(totp(key, 10, 6, OtpHash::Sha1, 30, 20), std::invalid_argument);
  CHECK_THROWS_AS(totp(key, 10, 6, OtpHash::Sha1, 0), std::invalid_argument);
}

TEST_CASE("HOTP codes have 6 to 8 digits, zero-padded", "[hotp]") {
  const ByteView key = as_bytes(kRfc4226Secret);
  // Truncated values from RFC 4226 Appendix D: 1284755224 (count 0), 137359152 (count 2).
  CHECK(hotp(key, 0, 7) == "4755224");
  CHECK(hotp(key, 0, 8) == "84755224");
  CHECK(hotp(key, 2, 8) == "37359152");
  CHECK(hotp(key, 7, 8) == "82162583");
  // RFC 6238's "07081804" above shows the zero padding.
  CHECK_THROWS_AS(hotp(key, 0, 5), std::invalid_argument);
  CHECK_THROWS_AS(hotp(key, 0, 9), std::invalid_argument);
  CHECK_THROWS_AS(dynamic_truncate(Bytes(19, 0xff)), std::invalid_argument);
}

TEST_CASE("hmac_named agrees with crypto::hmac and refuses unknown digests", "[hotp]") {
  const Bytes key = from_hex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b");
  const ByteView data = as_bytes("Hi There");
  // RFC 4231 test case 1.
  CHECK(to_hex(crypto::hmac_named("SHA256", key, data)) ==
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  CHECK(crypto::hmac_named("SHA256", key, data) ==
        crypto::hmac(crypto::HashAlgorithm::Sha256, key, data));
  CHECK(crypto::hmac_named("SHA512", key, data).size() == 64);
  CHECK(crypto::hmac_named("SHA1", {}, {}).size() == 20);  // empty key and message are legal
  CHECK_THROWS_AS(crypto::hmac_named("NO-SUCH-DIGEST", key, data), crypto::CryptoError);
  CHECK_THROWS_AS(crypto::hmac_named(nullptr, key, data), crypto::CryptoError);
}
