// AEAD: Project Wycheproof AES-GCM and ChaCha20-Poly1305 vectors, plus the properties the record
// layer relies on (one keyed object reused for many records, in-place operation, failure leaves
// no plaintext behind).
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "common/crypto/aead.hpp"
#include "common/crypto/error.hpp"
#include "common/crypto/random.hpp"
#include "tests/unit/crypto/wycheproof.hpp"

namespace {

using sc::Bytes;
using sc::ByteView;
using sc::from_hex;
using sc::crypto::Aead;
using sc::crypto::AeadAlgorithm;
using sc::crypto::CryptoError;

// open() with misuse (a nonce length the algorithm cannot take) counted as rejection, which is
// what a receiver does with such a record.
std::optional<Bytes> open_or_reject(const Aead& aead, ByteView nonce, ByteView aad,
                                    ByteView ciphertext_and_tag) {
  try {
    return aead.open(nonce, aad, ciphertext_and_tag);
  } catch (const CryptoError&) {
    return std::nullopt;
  }
}

std::optional<AeadAlgorithm> gcm_for_key_bits(int bits) {
  if (bits == 128) return AeadAlgorithm::Aes128Gcm;
  if (bits == 256) return AeadAlgorithm::Aes256Gcm;
  return std::nullopt;  // AES-192: TLS 1.3 defines no suite for it, so the API does not offer it
}

void run_aead_file(const char* file_name, bool is_gcm) {
  auto document = sc::test::load_wycheproof(file_name);
  if (!document) return;
  sc::test::VectorTally tally{file_name};
  for (const auto& group : (*document)["testGroups"]) {
    const int key_bits = group.at("keySize").get<int>();
    const int tag_bits = group.at("tagSize").get<int>();
    std::optional<AeadAlgorithm> algorithm =
        is_gcm ? gcm_for_key_bits(key_bits)
               : (key_bits == 256 ? std::optional(AeadAlgorithm::ChaCha20Poly1305) : std::nullopt);
    for (const auto& test : group.at("tests")) {
      const int id = test.at("tcId").get<int>();
      if (!algorithm) {
        tally.skip(id, std::to_string(key_bits) + "-bit key: no TLS 1.3 suite, not in the API");
        continue;
      }
      if (tag_bits != static_cast<int>(Aead::kTagLength * 8)) {
        tally.skip(id, std::to_string(tag_bits) + "-bit tag: TLS 1.3 uses 128-bit tags only");
        continue;
      }
      const std::string result = test.at("result").get<std::string>();
      INFO(sc::test::vector_name(file_name, test));
      const Bytes key = sc::test::hex_field(test, "key");
      const Bytes nonce = sc::test::hex_field(test, "iv");
      if (is_gcm && nonce.size() > Aead::kMaxGcmNonceLength && result == "valid") {
        // OpenSSL 3.0 caps GCM nonces at 128 bytes; such nonces are refused as misuse (TLS
        // uses 12). The refusal itself is asserted, then the vector is counted as skipped.
        const Aead aead(*algorithm, key);
        CHECK_THROWS_AS(aead.seal(nonce, Bytes{}, Bytes{}), CryptoError);
        tally.skip(id, "GCM nonce over 128 bytes: beyond OpenSSL's limit, refused as misuse");
        continue;
      }
      const Bytes aad = sc::test::hex_field(test, "aad");
      const Bytes message = sc::test::hex_field(test, "msg");
      Bytes sealed = sc::test::hex_field(test, "ct");
      const Bytes tag = sc::test::hex_field(test, "tag");
      sealed.insert(sealed.end(), tag.begin(), tag.end());

      const Aead aead(*algorithm, key);
      if (result == "valid") {
        CHECK(aead.seal(nonce, aad, message) == sealed);
        auto opened = aead.open(nonce, aad, sealed);
        REQUIRE(opened.has_value());
        CHECK(*opened == message);
      } else {
        // Every invalid vector (modified tag or ciphertext, empty or wrong-size nonce) must be
        // rejected. No vector in these files is "acceptable"; fail loudly if one appears.
        REQUIRE(result == "invalid");
        CHECK_FALSE(open_or_reject(aead, nonce, aad, sealed).has_value());
      }
      tally.count(result);
    }
  }
  tally.report();
}

const Bytes kKey16 = from_hex("000102030405060708090a0b0c0d0e0f");
const Bytes kKey32 = from_hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");

Bytes nonce_for(std::uint64_t sequence) {
  Bytes nonce(Aead::kNonceLength, 0x5a);
  for (int i = 0; i < 8; ++i) nonce[11 - i] ^= static_cast<std::uint8_t>(sequence >> (8 * i));
  return nonce;
}

}  // namespace

TEST_CASE("Wycheproof AES-GCM vectors", "[crypto][aead][wycheproof]") {
  run_aead_file("aes_gcm_test.json", true);
}

TEST_CASE("Wycheproof ChaCha20-Poly1305 vectors", "[crypto][aead][wycheproof]") {
  run_aead_file("chacha20_poly1305_test.json", false);
}

TEST_CASE("AEAD names and key lengths", "[crypto][aead]") {
  CHECK(sc::crypto::aead_key_length(AeadAlgorithm::Aes128Gcm) == 16);
  CHECK(sc::crypto::aead_key_length(AeadAlgorithm::Aes256Gcm) == 32);
  CHECK(sc::crypto::aead_key_length(AeadAlgorithm::ChaCha20Poly1305) == 32);
  CHECK(std::string(sc::crypto::aead_name(AeadAlgorithm::Aes128Gcm)) == "AES-128-GCM");
  CHECK(std::string(sc::crypto::aead_name(AeadAlgorithm::Aes256Gcm)) == "AES-256-GCM");
  CHECK(std::string(sc::crypto::aead_name(AeadAlgorithm::ChaCha20Poly1305)) == "ChaCha20-Poly1305");
}

TEST_CASE("AEAD rejects keys of the wrong length", "[crypto][aead]") {
  CHECK_THROWS_AS(Aead(AeadAlgorithm::Aes128Gcm, kKey32), CryptoError);
  CHECK_THROWS_AS(Aead(AeadAlgorithm::Aes256Gcm, kKey16), CryptoError);
  CHECK_THROWS_AS(Aead(AeadAlgorithm::ChaCha20Poly1305, kKey16), CryptoError);
  CHECK_THROWS_AS(Aead(AeadAlgorithm::Aes128Gcm, Bytes{}), CryptoError);
}

TEST_CASE("AEAD errors name the problem", "[crypto][aead]") {
  try {
    Aead aead(AeadAlgorithm::Aes128Gcm, kKey32);
    FAIL("a 32-byte key must be refused for AES-128-GCM");
  } catch (const CryptoError& error) {
    CHECK(std::string(error.what()) == "AES-128-GCM needs a 16-byte key, got 32");
  }
  const Aead chacha(AeadAlgorithm::ChaCha20Poly1305, kKey32);
  try {
    (void)chacha.seal(Bytes(8), Bytes{}, Bytes{});
    FAIL("an 8-byte nonce must be refused for ChaCha20-Poly1305");
  } catch (const CryptoError& error) {
    CHECK(std::string(error.what()) == "ChaCha20-Poly1305 needs a 12-byte nonce");
  }
}

TEST_CASE("one keyed AEAD serves many records, matching fresh objects", "[crypto][aead]") {
  for (AeadAlgorithm algorithm :
       {AeadAlgorithm::Aes128Gcm, AeadAlgorithm::Aes256Gcm, AeadAlgorithm::ChaCha20Poly1305}) {
    const Bytes key = algorithm == AeadAlgorithm::Aes128Gcm ? kKey16 : kKey32;
    INFO(sc::crypto::aead_name(algorithm));
    const Aead sender(algorithm, key);
    const Aead receiver(algorithm, key);
    for (std::uint64_t sequence = 0; sequence < 50; ++sequence) {
      const Bytes aad = {0x17, 0x03, 0x03, 0x00, static_cast<std::uint8_t>(sequence)};
      const Bytes plaintext(static_cast<std::size_t>(sequence * 7),
                            static_cast<std::uint8_t>(sequence));
      const Bytes sealed = sender.seal(nonce_for(sequence), aad, plaintext);
      REQUIRE(sealed.size() == plaintext.size() + Aead::kTagLength);
      // The reused context must produce exactly what a freshly keyed one does.
      CHECK(Aead(algorithm, key).seal(nonce_for(sequence), aad, plaintext) == sealed);
      auto opened = receiver.open(nonce_for(sequence), aad, sealed);
      REQUIRE(opened.has_value());
      CHECK(*opened == plaintext);
      // Same record under the next sequence number's nonce: must fail, and must not disturb
      // the following records.
      CHECK_FALSE(receiver.open(nonce_for(sequence + 1), aad, sealed).has_value());
    }
  }
}

TEST_CASE("AEAD detects any change to ciphertext, tag or associated data", "[crypto][aead]") {
  const Aead aead(AeadAlgorithm::ChaCha20Poly1305, kKey32);
  const Bytes aad = {1, 2, 3};
  const Bytes plaintext = sc::to_bytes(sc::as_bytes("attack at dawn"));
  const Bytes sealed = aead.seal(nonce_for(7), aad, plaintext);
  for (std::size_t i = 0; i < sealed.size(); ++i) {
    Bytes tampered = sealed;
    tampered[i] ^= 0x01;
    CHECK_FALSE(aead.open(nonce_for(7), aad, tampered).has_value());
  }
  CHECK_FALSE(aead.open(nonce_for(7), Bytes{1, 2, 4}, sealed).has_value());
  CHECK_FALSE(aead.open(nonce_for(7), Bytes{}, sealed).has_value());
  CHECK(aead.open(nonce_for(7), aad, sealed) == plaintext);
}

TEST_CASE("AEAD works in place and zeroes the output when the tag fails", "[crypto][aead]") {
  const Aead aead(AeadAlgorithm::Aes256Gcm, kKey32);
  const Bytes plaintext(100, 0xab);
  Bytes buffer = plaintext;
  buffer.resize(plaintext.size() + Aead::kTagLength);
  aead.seal(nonce_for(1), Bytes{}, sc::ByteView(buffer.data(), plaintext.size()), buffer);
  CHECK(buffer == aead.seal(nonce_for(1), Bytes{}, plaintext));

  Bytes opened(plaintext.size(), 0x00);
  REQUIRE(aead.open(nonce_for(1), Bytes{}, buffer, opened));
  CHECK(opened == plaintext);

  // In-place open: the plaintext lands at the start of the record buffer.
  Bytes record = buffer;
  REQUIRE(aead.open(nonce_for(1), Bytes{}, record,
                    sc::MutableByteView(record.data(), plaintext.size())));
  CHECK(Bytes(record.begin(), record.begin() + 100) == plaintext);

  Bytes tampered = buffer;
  tampered.back() ^= 0x80;
  Bytes out(plaintext.size(), 0xee);
  CHECK_FALSE(aead.open(nonce_for(1), Bytes{}, tampered, out));
  CHECK(std::all_of(out.begin(), out.end(), [](std::uint8_t b) { return b == 0; }));
}

TEST_CASE("AEAD misuse is an exception, short records are a rejection", "[crypto][aead]") {
  const Aead chacha(AeadAlgorithm::ChaCha20Poly1305, kKey32);
  const Aead gcm(AeadAlgorithm::Aes128Gcm, kKey16);
  Bytes small(4);
  CHECK_THROWS_AS(chacha.seal(nonce_for(0), Bytes{}, Bytes(10), small), CryptoError);
  CHECK_THROWS_AS(chacha.seal(Bytes(8), Bytes{}, Bytes(10)), CryptoError);
  CHECK_THROWS_AS(gcm.seal(Bytes{}, Bytes{}, Bytes(10)), CryptoError);
  CHECK_THROWS_AS(chacha.open(nonce_for(0), Bytes{}, Bytes(Aead::kTagLength - 1), small),
                  CryptoError);
  CHECK_FALSE(chacha.open(nonce_for(0), Bytes{}, Bytes(Aead::kTagLength - 1)).has_value());
  // An empty plaintext still carries a full tag.
  const Bytes empty_record = chacha.seal(nonce_for(0), Bytes{9}, Bytes{});
  CHECK(empty_record.size() == Aead::kTagLength);
  CHECK(chacha.open(nonce_for(0), Bytes{9}, empty_record) == Bytes{});
}

TEST_CASE("GCM switches nonce length and back on one context", "[crypto][aead]") {
  const Aead aead(AeadAlgorithm::Aes128Gcm, kKey16);
  const Bytes plaintext = {1, 2, 3, 4, 5};
  const Bytes long_nonce(16, 0x33);
  const Bytes first = aead.seal(nonce_for(3), Bytes{}, plaintext);
  const Bytes with_long_nonce = aead.seal(long_nonce, Bytes{}, plaintext);
  CHECK(with_long_nonce != first);
  CHECK(Aead(AeadAlgorithm::Aes128Gcm, kKey16).seal(long_nonce, Bytes{}, plaintext) ==
        with_long_nonce);
  CHECK(aead.seal(nonce_for(3), Bytes{}, plaintext) == first);
  CHECK(aead.open(long_nonce, Bytes{}, with_long_nonce) == plaintext);
  CHECK(aead.open(nonce_for(3), Bytes{}, first) == plaintext);
}

TEST_CASE("a moved AEAD keeps working", "[crypto][aead]") {
  Aead original(AeadAlgorithm::Aes256Gcm, kKey32);
  const Bytes sealed = original.seal(nonce_for(9), Bytes{}, Bytes{7, 7, 7});
  Aead moved = std::move(original);
  CHECK(moved.algorithm() == AeadAlgorithm::Aes256Gcm);
  CHECK(moved.open(nonce_for(9), Bytes{}, sealed) == Bytes{7, 7, 7});
}

TEST_CASE("AEAD handles the largest TLS 1.3 record", "[crypto][aead]") {
  // RFC 8446 section 5.2: TLSInnerPlaintext is at most 2^14 + 1 bytes (content plus type), and
  // the ciphertext at most 2^14 + 256.
  constexpr std::size_t kLargestInnerPlaintext = (1 << 14) + 1;
  for (AeadAlgorithm algorithm :
       {AeadAlgorithm::Aes128Gcm, AeadAlgorithm::Aes256Gcm, AeadAlgorithm::ChaCha20Poly1305}) {
    const Aead aead(algorithm, algorithm == AeadAlgorithm::Aes128Gcm ? kKey16 : kKey32);
    const Bytes plaintext = sc::crypto::random_bytes(kLargestInnerPlaintext);
    const Bytes aad = {0x17, 0x03, 0x03, 0x40, 0x11};
    const Bytes sealed = aead.seal(nonce_for(0), aad, plaintext);
    CHECK(sealed.size() == kLargestInnerPlaintext + Aead::kTagLength);
    CHECK(aead.open(nonce_for(0), aad, sealed) == plaintext);
  }
}
