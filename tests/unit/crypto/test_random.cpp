// The CSRNG wrappers, constant-time comparison, hex and base64.
#include <catch2/catch.hpp>

#include <array>
#include <limits>
#include <stdexcept>
#include <string>

#include "common/crypto/base64.hpp"
#include "common/crypto/bytes.hpp"
#include "common/crypto/error.hpp"
#include "common/crypto/random.hpp"

using sc::as_bytes;
using sc::Bytes;
using sc::crypto::CryptoError;

TEST_CASE("random bytes have the requested size and differ between draws", "[crypto][random]") {
  CHECK(sc::crypto::random_bytes(0).empty());
  CHECK(sc::crypto::random_bytes(1).size() == 1);
  const Bytes a = sc::crypto::random_bytes(32);
  const Bytes b = sc::crypto::random_bytes(32);
  REQUIRE(a.size() == 32);
  CHECK(a != b);  // equal with probability 2^-256
  Bytes buffer(1000, 0);
  sc::crypto::random_fill(buffer);
  // Each byte value appears far fewer than 100 times in 1000 random bytes (expected about 4);
  // a fill that left the buffer zeroed or constant fails.
  std::array<int, 256> seen{};
  for (std::uint8_t byte : buffer) ++seen[byte];
  for (int count : seen) CHECK(count < 100);
}

TEST_CASE("random_below stays in range and covers it evenly", "[crypto][random]") {
  CHECK_THROWS_AS(sc::crypto::random_below(0), CryptoError);
  for (int i = 0; i < 100; ++i) CHECK(sc::crypto::random_below(1) == 0);

  // 60000 draws over 6 values: each bucket expects 10000 with a standard deviation near 91,
  // so the bounds below are more than 20 deviations away; a biased or broken sampler misses.
  std::array<int, 6> buckets{};
  for (int i = 0; i < 60000; ++i) {
    const std::uint64_t value = sc::crypto::random_below(6);
    REQUIRE(value < 6);
    ++buckets[value];
  }
  for (int count : buckets) {
    CHECK(count > 8000);
    CHECK(count < 12000);
  }

  // Modulo bias made visible: with bound = 2/3 of the 64-bit range, plain "value % bound" would
  // land in the lower half of [0, bound) two times out of three. Rejection sampling keeps it at
  // one in two: 3000 draws expect 1500 (standard deviation about 27), plain modulo about 2000.
  const std::uint64_t two_thirds = std::numeric_limits<std::uint64_t>::max() / 3 * 2;
  int lower_half = 0;
  for (int i = 0; i < 3000; ++i) {
    const std::uint64_t value = sc::crypto::random_below(two_thirds);
    REQUIRE(value < two_thirds);
    if (value < two_thirds / 2) ++lower_half;
  }
  CHECK(lower_half > 1300);
  CHECK(lower_half < 1700);

  const std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
  CHECK(sc::crypto::random_below(max) < max);
}

TEST_CASE("constant-time equality", "[crypto][random]") {
  const Bytes a = {1, 2, 3, 4};
  CHECK(sc::crypto::equal_constant_time(a, Bytes{1, 2, 3, 4}));
  CHECK_FALSE(sc::crypto::equal_constant_time(a, Bytes{1, 2, 3, 5}));
  CHECK_FALSE(sc::crypto::equal_constant_time(a, Bytes{0, 2, 3, 4}));
  CHECK_FALSE(sc::crypto::equal_constant_time(a, Bytes{1, 2, 3}));
  CHECK_FALSE(sc::crypto::equal_constant_time(a, Bytes{1, 2, 3, 4, 0}));
  CHECK(sc::crypto::equal_constant_time(Bytes{}, Bytes{}));
  CHECK_FALSE(sc::crypto::equal_constant_time(Bytes{}, Bytes{0}));
}

TEST_CASE("hex encoding and decoding", "[crypto][bytes]") {
  CHECK(sc::to_hex(Bytes{0x00, 0x0f, 0xa5, 0xff}) == "000fa5ff");
  CHECK(sc::to_hex(Bytes{}).empty());
  CHECK(sc::from_hex("000FA5ff") == Bytes{0x00, 0x0f, 0xa5, 0xff});
  CHECK(sc::from_hex("").empty());
  CHECK_THROWS_AS(sc::from_hex("abc"), std::invalid_argument);
  CHECK_THROWS_AS(sc::from_hex("zz"), std::invalid_argument);
  CHECK_THROWS_AS(sc::from_hex("0 "), std::invalid_argument);
}

TEST_CASE("cleanse overwrites memory with zeros", "[crypto][bytes]") {
  Bytes key = {1, 2, 3, 4, 5, 6, 7, 8};
  sc::crypto::cleanse(key.data(), key.size());
  CHECK(key == Bytes(8, 0));
  sc::crypto::cleanse(nullptr, 0);  // harmless
}

TEST_CASE("SecretBytes behave as bytes", "[crypto][bytes]") {
  sc::SecretBytes secret = sc::to_secret(as_bytes("key"));
  for (int i = 0; i < 100; ++i) secret.push_back(static_cast<std::uint8_t>(i));  // reallocations
  CHECK(secret.size() == 103);
  CHECK(secret[0] == 'k');
  CHECK(secret[102] == 99);
}

TEST_CASE("base64: RFC 4648 section 10 vectors", "[crypto][base64]") {
  const std::pair<const char*, const char*> vectors[] = {{"", ""},
                                                         {"f", "Zg=="},
                                                         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},
                                                         {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    INFO(plain);
    CHECK(sc::crypto::base64_encode(as_bytes(plain)) == encoded);
    auto decoded = sc::crypto::base64_decode(encoded);
    REQUIRE(decoded.has_value());
    CHECK(*decoded == sc::to_bytes(as_bytes(plain)));
  }
  const Bytes binary = {0x00, 0xff, 0xfe, 0x3e, 0x3f, 0x80};
  CHECK(sc::crypto::base64_decode(sc::crypto::base64_encode(binary)) == binary);
}

TEST_CASE("base64: only canonical padded text is accepted", "[crypto][base64]") {
  for (const char* bad : {"Zg", "Zg=", "Zh==", "Zm9=", "Zg=a", "=Zg=", "Z===", "Zm9v\n", " Zm9v",
                          "Zm9v YmFy", "Zm-v", "Zm_v", "Zm9vY===", "===="}) {
    INFO(bad);
    CHECK_FALSE(sc::crypto::base64_decode(bad).has_value());
  }
}
