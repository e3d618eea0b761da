// SHA-256/384 (FIPS 180-4 example values), running-hash copy semantics as the TLS transcript
// uses them, and HMAC against the Project Wycheproof vectors.
#include <catch2/catch.hpp>

#include <string>

#include "common/crypto/error.hpp"
#include "common/crypto/hash.hpp"
#include "common/crypto/random.hpp"
#include "tests/unit/crypto/wycheproof.hpp"

namespace {

using sc::as_bytes;
using sc::Bytes;
using sc::from_hex;
using sc::crypto::Hash;
using sc::crypto::HashAlgorithm;

// FIPS 180-4 / NIST CSRC examples.
const char* const kSha256Empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const char* const kSha256Abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
const char* const kSha384Empty =
    "38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b9"
    "5b";
const char* const kSha384Abc =
    "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825"
    "a7";

void run_hmac_file(const char* file_name, HashAlgorithm algorithm) {
  auto document = sc::test::load_wycheproof(file_name);
  if (!document) return;
  sc::test::VectorTally tally{file_name};
  for (const auto& group : (*document)["testGroups"]) {
    const std::size_t tag_bytes = group.at("tagSize").get<std::size_t>() / 8;
    // Groups with tagSize below the digest length test truncated HMAC tags: the API returns the
    // full HMAC, and a truncated tag is checked as its prefix (RFC 2104 section 5).
    REQUIRE(tag_bytes <= sc::crypto::digest_length(algorithm));
    for (const auto& test : group.at("tests")) {
      const std::string result = test.at("result").get<std::string>();
      INFO(sc::test::vector_name(file_name, test));
      const Bytes mac = sc::crypto::hmac(algorithm, sc::test::hex_field(test, "key"),
                                         sc::test::hex_field(test, "msg"));
      REQUIRE(mac.size() == sc::crypto::digest_length(algorithm));
      const Bytes expected = sc::test::hex_field(test, "tag");
      const bool matches =
          sc::crypto::equal_constant_time(sc::ByteView(mac.data(), tag_bytes), expected);
      if (result == "valid") {
        CHECK(matches);
      } else {
        REQUIRE(result == "invalid");  // these files have no "acceptable" vectors
        CHECK_FALSE(matches);
      }
      tally.count(result);
    }
  }
  tally.report();
}

}  // namespace

TEST_CASE("SHA-256 and SHA-384 one-shot digests", "[crypto][hash]") {
  CHECK(sc::to_hex(Hash::digest(HashAlgorithm::Sha256, Bytes{})) == kSha256Empty);
  CHECK(sc::to_hex(Hash::digest(HashAlgorithm::Sha256, as_bytes("abc"))) == kSha256Abc);
  CHECK(sc::to_hex(Hash::digest(HashAlgorithm::Sha384, Bytes{})) == kSha384Empty);
  CHECK(sc::to_hex(Hash::digest(HashAlgorithm::Sha384, as_bytes("abc"))) == kSha384Abc);
  CHECK(sc::crypto::digest_length(HashAlgorithm::Sha256) == 32);
  CHECK(sc::crypto::digest_length(HashAlgorithm::Sha384) == 48);
  CHECK(std::string(sc::crypto::hash_name(HashAlgorithm::Sha256)) == "SHA256");
  CHECK(std::string(sc::crypto::hash_name(HashAlgorithm::Sha384)) == "SHA384");
  CHECK(sc::crypto::evp_md(HashAlgorithm::Sha256) == sc::crypto::evp_md(HashAlgorithm::Sha256));
  CHECK(EVP_MD_get_size(sc::crypto::evp_md(HashAlgorithm::Sha384)) == 48);
}

TEST_CASE("a running hash can be read and copied without disturbing it", "[crypto][hash]") {
  for (HashAlgorithm algorithm : {HashAlgorithm::Sha256, HashAlgorithm::Sha384}) {
    Hash transcript(algorithm);
    transcript.update(as_bytes("a"));
    transcript.update(as_bytes("b"));
    const Bytes after_ab = transcript.current_digest();
    CHECK(after_ab == Hash::digest(algorithm, as_bytes("ab")));
    CHECK(transcript.current_digest() == after_ab);  // reading twice changes nothing

    Hash copy = transcript;
    copy.update(as_bytes("c"));
    CHECK(copy.current_digest() == Hash::digest(algorithm, as_bytes("abc")));
    CHECK(transcript.current_digest() == after_ab);  // the original did not see "c"

    Hash assigned(algorithm == HashAlgorithm::Sha256 ? HashAlgorithm::Sha384
                                                     : HashAlgorithm::Sha256);
    assigned = transcript;
    CHECK(assigned.algorithm() == algorithm);
    assigned.update(as_bytes("x"));
    CHECK(assigned.current_digest() == Hash::digest(algorithm, as_bytes("abx")));
    CHECK(transcript.current_digest() == after_ab);

    transcript.update(as_bytes("c"));
    CHECK(transcript.current_digest() == Hash::digest(algorithm, as_bytes("abc")));

    Hash moved = std::move(copy);
    CHECK(moved.current_digest() == Hash::digest(algorithm, as_bytes("abc")));
  }
}

TEST_CASE("a moved-from hash refuses use instead of crashing", "[crypto][hash]") {
  Hash original(HashAlgorithm::Sha256);
  Hash taken = std::move(original);
  CHECK_THROWS_AS(original.update(as_bytes("x")),
                  sc::crypto::CryptoError);  // NOLINT(bugprone-use-after-move)
  CHECK_THROWS_AS(original.current_digest(), sc::crypto::CryptoError);
  CHECK_THROWS_AS(Hash(original), sc::crypto::CryptoError);
  CHECK(taken.current_digest() == Hash::digest(HashAlgorithm::Sha256, Bytes{}));
}

TEST_CASE("incremental hashing equals one-shot hashing at any split", "[crypto][hash]") {
  const Bytes data = sc::crypto::random_bytes(300);
  const Bytes expected = Hash::digest(HashAlgorithm::Sha384, data);
  for (std::size_t split : {0, 1, 63, 64, 65, 127, 128, 129, 299, 300}) {
    Hash hash(HashAlgorithm::Sha384);
    hash.update(sc::ByteView(data.data(), split));
    hash.update(sc::ByteView(data.data() + split, data.size() - split));
    CHECK(hash.current_digest() == expected);
  }
}

TEST_CASE("HMAC accepts empty and long keys", "[crypto][hash][hmac]") {
  // An empty key is HMAC with a zero-padded block (RFC 2104), the same as a zero-byte key;
  // a key longer than the block is hashed first, so it equals HMAC with its digest as key.
  const Bytes message = sc::to_bytes(as_bytes("message"));
  CHECK(sc::crypto::hmac(HashAlgorithm::Sha256, Bytes{}, message) ==
        sc::crypto::hmac(HashAlgorithm::Sha256, Bytes(32, 0), message));
  const Bytes long_key(200, 0x42);
  CHECK(sc::crypto::hmac(HashAlgorithm::Sha384, long_key, message) ==
        sc::crypto::hmac(HashAlgorithm::Sha384, Hash::digest(HashAlgorithm::Sha384, long_key),
                         message));
  CHECK(sc::crypto::hmac(HashAlgorithm::Sha256, Bytes{1}, message) !=
        sc::crypto::hmac(HashAlgorithm::Sha256, Bytes{2}, message));
}

TEST_CASE("Wycheproof HMAC-SHA256 vectors", "[crypto][hmac][wycheproof]") {
  run_hmac_file("hmac_sha256_test.json", HashAlgorithm::Sha256);
}

TEST_CASE("Wycheproof HMAC-SHA384 vectors", "[crypto][hmac][wycheproof]") {
  run_hmac_file("hmac_sha384_test.json", HashAlgorithm::Sha384);
}

TEST_CASE("Incremental HMAC equals the one-shot HMAC and is spent by finish",
          "[crypto][hash][hmac]") {
  // RFC 4231 test case 2 (HMAC-SHA-256, key "Jefe"), fed in three pieces.
  const Bytes key = sc::to_bytes(as_bytes("Jefe"));
  const Bytes expected =
      from_hex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  sc::crypto::Hmac mac(HashAlgorithm::Sha256, key);
  mac.update(as_bytes("what do ya want "));
  mac.update(as_bytes(""));
  mac.update(as_bytes("for nothing?"));
  Bytes out(32);
  mac.finish(out);
  CHECK(out == expected);
  CHECK(sc::crypto::hmac(HashAlgorithm::Sha256, key, as_bytes("what do ya want for nothing?")) ==
        expected);
  CHECK_THROWS_AS(mac.finish(out), sc::crypto::CryptoError);
  CHECK_THROWS_AS(mac.update(as_bytes("more")), sc::crypto::CryptoError);
  Bytes too_small(31);
  sc::crypto::Hmac other(HashAlgorithm::Sha256, key);
  CHECK_THROWS_AS(other.finish(too_small), sc::crypto::CryptoError);
}
