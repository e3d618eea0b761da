// (EC)DHE key shares: Project Wycheproof X25519, P-256 (uncompressed point) and P-384 vectors, RFC
// 8448 section 3's X25519 exchange (transcribed), and agreement between generated shares.
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <catch2/catch.hpp>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/crypto/error.hpp"
#include "common/crypto/key_share.hpp"
#include "tests/unit/crypto/wycheproof.hpp"

namespace {

using sc::Bytes;
using sc::from_hex;
using sc::crypto::CryptoError;
using sc::crypto::KeyExchangeGroup;
using sc::crypto::KeyShare;

Bytes plain(const sc::SecretBytes& secret) {
  return Bytes(secret.begin(), secret.end());
}

bool has_flag(const nlohmann::json& test, const char* flag) {
  for (const auto& value : test.at("flags")) {
    if (value.get<std::string>() == flag) return true;
  }
  return false;
}

// Wycheproof writes P-256 private keys as ASN.1 integers: sometimes with a leading 00 byte,
// sometimes shorter than 32 bytes. The API takes the 32-byte big-endian scalar.
Bytes p256_scalar(const Bytes& integer) {
  std::size_t start = 0;
  while (start < integer.size() && integer[start] == 0) ++start;
  const std::size_t length = integer.size() - start;
  REQUIRE(length <= 32);
  Bytes scalar(32 - length, 0);
  scalar.insert(scalar.end(), integer.begin() + static_cast<std::ptrdiff_t>(start), integer.end());
  return scalar;
}

// RFC 8448 section 3: the client's and server's ephemeral X25519 keys and their shared secret
// (the IKM of the handshake secret).
const char* const kClientPrivate =
    "49af42ba7f7994852d713ef2784bcbcaa7911de26adc5642cb634540e7ea5005";
const char* const kClientPublic =
    "99381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c";
const char* const kServerPrivate =
    "b1580eeadf6dd589b8ef4f2d5652578cc810e9980191ec8d058308cea216a21e";
const char* const kServerPublic =
    "c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f";
const char* const kSharedSecret =
    "8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d";

}  // namespace

TEST_CASE("Wycheproof X25519 vectors", "[crypto][key_share][wycheproof]") {
  const char* file_name = "x25519_test.json";
  auto document = sc::test::load_wycheproof(file_name);
  if (!document) return;
  sc::test::VectorTally tally{file_name};
  for (const auto& group : (*document)["testGroups"]) {
    REQUIRE(group.at("curve").get<std::string>() == "curve25519");
    for (const auto& test : group.at("tests")) {
      const std::string result = test.at("result").get<std::string>();
      INFO(sc::test::vector_name(file_name, test));
      const KeyShare share = KeyShare::from_private_key(KeyExchangeGroup::X25519,
                                                        sc::test::hex_field(test, "private"));
      const auto secret = share.derive(sc::test::hex_field(test, "public"));
      const std::string shared = test.at("shared").get<std::string>();
      if (result == "valid") {
        REQUIRE(secret.has_value());
        CHECK(sc::to_hex(plain(*secret)) == shared);
      } else if (result == "acceptable") {
        if (has_flag(test, "ZeroSharedSecret")) {
          // Policy: low-order public keys give an all-zero secret, which TLS 1.3 MUST reject
          // (RFC 8446 section 7.4.2, RFC 7748 section 6.1).
          CHECK(shared == std::string(64, '0'));
          CHECK_FALSE(secret.has_value());
        } else {
          // Policy: twist points, non-canonical encodings (RFC 7748 section 5: mask the top
          // bit) and other special public values are accepted when the result is not zero, and
          // the result must then be the correct one.
          REQUIRE(secret.has_value());
          CHECK(sc::to_hex(plain(*secret)) == shared);
        }
      } else {
        REQUIRE(result == "invalid");
        CHECK_FALSE(secret.has_value());
      }
      tally.count(result);
    }
  }
  tally.report();
}

TEST_CASE("Wycheproof ECDH secp256r1 (uncompressed point) vectors",
          "[crypto][key_share][wycheproof]") {
  const char* file_name = "ecdh_secp256r1_ecpoint_test.json";
  auto document = sc::test::load_wycheproof(file_name);
  if (!document) return;
  sc::test::VectorTally tally{file_name};
  for (const auto& group : (*document)["testGroups"]) {
    REQUIRE(group.at("curve").get<std::string>() == "secp256r1");
    for (const auto& test : group.at("tests")) {
      const std::string result = test.at("result").get<std::string>();
      INFO(sc::test::vector_name(file_name, test));
      const KeyShare share = KeyShare::from_private_key(
          KeyExchangeGroup::Secp256r1, p256_scalar(sc::test::hex_field(test, "private")));
      REQUIRE(share.public_key().size() == 65);
      const auto secret = share.derive(sc::test::hex_field(test, "public"));
      if (result == "valid") {
        REQUIRE(secret.has_value());
        CHECK(sc::to_hex(plain(*secret)) == test.at("shared").get<std::string>());
      } else if (result == "acceptable") {
        // Policy: the only acceptable vector is a compressed point. TLS 1.3 carries
        // UncompressedPointRepresentation only (RFC 8446 section 4.2.8.2), so it is rejected.
        REQUIRE(has_flag(test, "CompressedPoint"));
        CHECK_FALSE(secret.has_value());
      } else {
        // Points off the curve, on the twist, empty or badly compressed: rejected.
        REQUIRE(result == "invalid");
        CHECK_FALSE(secret.has_value());
      }
      tally.count(result);
    }
  }
  tally.report();
}

TEST_CASE("RFC 8448 X25519 exchange", "[crypto][key_share][rfc8448]") {
  const KeyShare client =
      KeyShare::from_private_key(KeyExchangeGroup::X25519, from_hex(kClientPrivate));
  const KeyShare server =
      KeyShare::from_private_key(KeyExchangeGroup::X25519, from_hex(kServerPrivate));
  CHECK(sc::to_hex(client.public_key()) == kClientPublic);
  CHECK(sc::to_hex(server.public_key()) == kServerPublic);
  auto client_secret = client.derive(from_hex(kServerPublic));
  auto server_secret = server.derive(from_hex(kClientPublic));
  REQUIRE(client_secret.has_value());
  REQUIRE(server_secret.has_value());
  CHECK(sc::to_hex(plain(*client_secret)) == kSharedSecret);
  CHECK(sc::to_hex(plain(*server_secret)) == kSharedSecret);
}

TEST_CASE("generated shares agree", "[crypto][key_share]") {
  for (KeyExchangeGroup group : {KeyExchangeGroup::X25519, KeyExchangeGroup::Secp256r1}) {
    INFO(sc::crypto::group_name(group));
    const KeyShare alice = KeyShare::generate(group);
    const KeyShare bob = KeyShare::generate(group);
    CHECK(alice.group() == group);
    if (group == KeyExchangeGroup::X25519) {
      CHECK(alice.public_key().size() == 32);
    } else {
      REQUIRE(alice.public_key().size() == 65);
      CHECK(alice.public_key()[0] == 0x04);
    }
    CHECK(alice.public_key() != bob.public_key());
    auto alice_secret = alice.derive(bob.public_key());
    auto bob_secret = bob.derive(alice.public_key());
    REQUIRE(alice_secret.has_value());
    REQUIRE(bob_secret.has_value());
    CHECK(alice_secret->size() == 32);
    CHECK(*alice_secret == *bob_secret);
    // A third party gets a different secret.
    const KeyShare eve = KeyShare::generate(group);
    CHECK(*eve.derive(bob.public_key()) != *alice_secret);
  }
}

TEST_CASE("shares generated on several threads at once are distinct and agree",
          "[crypto][key_share]") {
  // Each thread keeps its own generation context; shares made concurrently must still be
  // fresh keys that agree with their peers.
  for (KeyExchangeGroup group :
       {KeyExchangeGroup::X25519, KeyExchangeGroup::Secp256r1, KeyExchangeGroup::Secp384r1}) {
    INFO(sc::crypto::group_name(group));
    constexpr int kThreads = 4;
    constexpr int kSharesPerThread = 8;
    std::vector<std::vector<KeyShare>> made(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&made, group, t] {
        for (int i = 0; i < kSharesPerThread; ++i) made[t].push_back(KeyShare::generate(group));
      });
    }
    for (std::thread& thread : threads) thread.join();
    std::set<Bytes> public_keys;
    for (const auto& shares : made) {
      REQUIRE(shares.size() == kSharesPerThread);
      for (const KeyShare& share : shares) public_keys.insert(share.public_key());
    }
    CHECK(public_keys.size() == kThreads * kSharesPerThread);
    const KeyShare& first = made.front().front();
    const KeyShare& last = made.back().back();
    const auto one_way = first.derive(last.public_key());
    const auto other_way = last.derive(first.public_key());
    REQUIRE(one_way.has_value());
    REQUIRE(other_way.has_value());
    CHECK(*one_way == *other_way);
  }
}

TEST_CASE("a share rebuilt from its private key matches the original", "[crypto][key_share]") {
  // A fixed scalar, and the scalar 1: rebuilt shares are stable and agree.
  const Bytes scalar_a =
      from_hex("c88f01f510d9ac3f70a292daa2316de544e9aab8afe84049c62a9c57862d1433");
  const Bytes scalar_b =
      from_hex("0000000000000000000000000000000000000000000000000000000000000001");
  const KeyShare a = KeyShare::from_private_key(KeyExchangeGroup::Secp256r1, scalar_a);
  const KeyShare a_again = KeyShare::from_private_key(KeyExchangeGroup::Secp256r1, scalar_a);
  const KeyShare b = KeyShare::from_private_key(KeyExchangeGroup::Secp256r1, scalar_b);
  CHECK(a.public_key() == a_again.public_key());
  // The scalar 1 gives the base point G (SEC 2 section 2.4.2).
  CHECK(sc::to_hex(b.public_key()) ==
        "046b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"
        "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5");
  CHECK(*a.derive(b.public_key()) == *b.derive(a.public_key()));
  // a * G: the x coordinate of a's own public key.
  CHECK(sc::to_hex(plain(*b.derive(a.public_key()))) ==
        sc::to_hex(Bytes(a.public_key().begin() + 1, a.public_key().begin() + 33)));
}

TEST_CASE("peer values TLS does not accept are refused", "[crypto][key_share]") {
  const KeyShare x25519 = KeyShare::generate(KeyExchangeGroup::X25519);
  CHECK_FALSE(x25519.derive(Bytes{}).has_value());
  CHECK_FALSE(x25519.derive(Bytes(31, 9)).has_value());
  CHECK_FALSE(x25519.derive(Bytes(33, 9)).has_value());
  CHECK_FALSE(x25519.derive(Bytes(32, 0)).has_value());  // u = 0: all-zero secret
  Bytes one(32, 0);
  one[0] = 1;
  CHECK_FALSE(x25519.derive(one).has_value());  // u = 1: low order, all-zero secret

  const KeyShare p256 = KeyShare::generate(KeyExchangeGroup::Secp256r1);
  const KeyShare other = KeyShare::generate(KeyExchangeGroup::Secp256r1);
  Bytes compressed(other.public_key().begin(), other.public_key().begin() + 33);
  compressed[0] = static_cast<std::uint8_t>(0x02 | (other.public_key()[64] & 1));
  CHECK_FALSE(p256.derive(compressed).has_value());   // RFC 8446 section 4.2.8.2
  CHECK_FALSE(p256.derive(Bytes{0x00}).has_value());  // point at infinity
  CHECK_FALSE(p256.derive(Bytes{}).has_value());
  Bytes hybrid = other.public_key();
  hybrid[0] = static_cast<std::uint8_t>(0x06 | (other.public_key()[64] & 1));
  CHECK_FALSE(p256.derive(hybrid).has_value());
  Bytes off_curve = other.public_key();
  off_curve[64] ^= 0x01;
  CHECK_FALSE(p256.derive(off_curve).has_value());
  Bytes too_long = other.public_key();
  too_long.push_back(0);
  CHECK_FALSE(p256.derive(too_long).has_value());
  // An X25519 value handed to a P-256 share, and the other way round.
  CHECK_FALSE(p256.derive(x25519.public_key()).has_value());
  CHECK_FALSE(x25519.derive(other.public_key()).has_value());
  // The shares still work after all these refusals (no error left in OpenSSL's queue).
  CHECK(p256.derive(other.public_key()).has_value());
}

// The peer's value goes into a key object each thread reuses (issue 17): a refused value, on a
// thread's first exchange or between two others, must leave no trace in the next result.
TEST_CASE("a refused peer value does not leak into the next exchange", "[crypto][key_share]") {
  for (KeyExchangeGroup group :
       {KeyExchangeGroup::X25519, KeyExchangeGroup::Secp256r1, KeyExchangeGroup::Secp384r1}) {
    INFO(sc::crypto::group_name(group));
    const KeyShare alice = KeyShare::generate(group);
    const KeyShare bob = KeyShare::generate(group);
    const KeyShare carol = KeyShare::generate(group);
    Bytes refused = bob.public_key();
    if (group == KeyExchangeGroup::X25519) {
      refused.assign(32, 0);  // u = 0: all-zero secret
    } else {
      refused.back() ^= 0x01;  // off the curve
    }
    std::optional<sc::SecretBytes> first_secret;
    std::thread fresh([&] {  // a thread whose first exchange is refused
      CHECK_FALSE(alice.derive(refused).has_value());
      first_secret = alice.derive(bob.public_key());
    });
    fresh.join();
    REQUIRE(first_secret.has_value());
    CHECK(*first_secret == *bob.derive(alice.public_key()));
    const auto with_bob = alice.derive(bob.public_key());
    CHECK_FALSE(alice.derive(refused).has_value());
    const auto with_carol = alice.derive(carol.public_key());
    REQUIRE(with_bob.has_value());
    REQUIRE(with_carol.has_value());
    CHECK(*with_bob == *first_secret);
    CHECK(*with_carol == *carol.derive(alice.public_key()));
    CHECK(*with_carol != *with_bob);
  }
}

TEST_CASE("private keys of the wrong size or range are misuse", "[crypto][key_share]") {
  CHECK_THROWS_AS(KeyShare::from_private_key(KeyExchangeGroup::X25519, Bytes(31, 1)), CryptoError);
  CHECK_THROWS_AS(KeyShare::from_private_key(KeyExchangeGroup::Secp256r1, Bytes(33, 1)),
                  CryptoError);
  CHECK_THROWS_AS(KeyShare::from_private_key(KeyExchangeGroup::Secp256r1, Bytes(32, 0)),
                  CryptoError);
  // The group order n itself is not a valid scalar.
  CHECK_THROWS_AS(KeyShare::from_private_key(
                      KeyExchangeGroup::Secp256r1,
                      from_hex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551")),
                  CryptoError);
  CHECK(std::string(sc::crypto::group_name(KeyExchangeGroup::X25519)) == "x25519");
  CHECK(std::string(sc::crypto::group_name(KeyExchangeGroup::Secp256r1)) == "secp256r1");
}

// ---------------------------------------------------------------- secp384r1 (issue 17)

namespace {

// Wycheproof's secp384r1 file gives the peer's key as a DER SubjectPublicKeyInfo: the point a
// TLS peer would send (RFC 8446 section 4.2.8.2: 0x04 || X || Y, 48 bytes each), or nullopt when
// OpenSSL does not read it as a P-384 key at all.
std::optional<Bytes> p384_point_of(const Bytes& spki) {
  const unsigned char* cursor = spki.data();
  sc::crypto::EvpPkeyPtr key(d2i_PUBKEY(nullptr, &cursor, static_cast<long>(spki.size())));
  if (!key || cursor != spki.data() + spki.size()) {
    ERR_clear_error();
    return std::nullopt;
  }
  char group[32] = {};
  std::size_t length = 0;
  if (EVP_PKEY_get_utf8_string_param(key.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                     &length) != 1 ||
      std::string(group) != "secp384r1") {
    ERR_clear_error();
    return std::nullopt;
  }
  BIGNUM* x = nullptr;
  BIGNUM* y = nullptr;
  REQUIRE(EVP_PKEY_get_bn_param(key.get(), OSSL_PKEY_PARAM_EC_PUB_X, &x) == 1);
  REQUIRE(EVP_PKEY_get_bn_param(key.get(), OSSL_PKEY_PARAM_EC_PUB_Y, &y) == 1);
  Bytes point(97, 0);
  point[0] = 0x04;
  REQUIRE(BN_bn2binpad(x, point.data() + 1, 48) == 48);
  REQUIRE(BN_bn2binpad(y, point.data() + 49, 48) == 48);
  BN_free(x);
  BN_free(y);
  return point;
}

Bytes p384_scalar(const Bytes& integer) {
  std::size_t start = 0;
  while (start < integer.size() && integer[start] == 0) ++start;
  const std::size_t length = integer.size() - start;
  REQUIRE(length <= 48);
  Bytes scalar(48 - length, 0);
  scalar.insert(scalar.end(), integer.begin() + static_cast<std::ptrdiff_t>(start), integer.end());
  return scalar;
}

}  // namespace

TEST_CASE("Wycheproof ECDH secp384r1 vectors", "[crypto][key_share][wycheproof]") {
  const char* file_name = "ecdh_secp384r1_test.json";
  auto document = sc::test::load_wycheproof(file_name);
  if (!document) return;
  sc::test::VectorTally tally{file_name};
  int derived = 0;
  for (const auto& group : (*document)["testGroups"]) {
    REQUIRE(group.at("curve").get<std::string>() == "secp384r1");
    for (const auto& test : group.at("tests")) {
      const std::string result = test.at("result").get<std::string>();
      INFO(sc::test::vector_name(file_name, test));
      const KeyShare share = KeyShare::from_private_key(
          KeyExchangeGroup::Secp384r1, p384_scalar(sc::test::hex_field(test, "private")));
      REQUIRE(share.public_key().size() == 97);
      const std::optional<Bytes> point = p384_point_of(sc::test::hex_field(test, "public"));
      if (result == "valid") {
        REQUIRE(point.has_value());
        const auto secret = share.derive(*point);
        REQUIRE(secret.has_value());
        CHECK(secret->size() == 48);
        CHECK(sc::to_hex(plain(*secret)) == test.at("shared").get<std::string>());
        ++derived;
      } else if (point) {
        // The key parsed as a P-384 point. TLS carries the point alone, so a vector that is
        // invalid only through the explicit curve parameters around it (UnnamedCurve: no or a
        // wrong cofactor) holds a proper point and must give the expected secret, like the
        // acceptable encodings; any other invalid point must be refused.
        const auto secret = share.derive(*point);
        if (result == "invalid" && !has_flag(test, "UnnamedCurve")) {
          CHECK_FALSE(secret.has_value());
        } else {
          REQUIRE(secret.has_value());
          CHECK(sc::to_hex(plain(*secret)) == test.at("shared").get<std::string>());
        }
      }
      tally.count(result);
    }
  }
  CHECK(derived > 700);
  tally.report();
}

TEST_CASE("secp384r1 shares agree, and bad peer points are refused (RFC 8446 4.2.8.2)",
          "[crypto][key_share]") {
  const KeyShare alice = KeyShare::generate(KeyExchangeGroup::Secp384r1);
  const KeyShare bob = KeyShare::generate(KeyExchangeGroup::Secp384r1);
  CHECK(alice.group() == KeyExchangeGroup::Secp384r1);
  REQUIRE(alice.public_key().size() == 97);
  CHECK(alice.public_key()[0] == 0x04);
  const auto alice_secret = alice.derive(bob.public_key());
  const auto bob_secret = bob.derive(alice.public_key());
  REQUIRE(alice_secret.has_value());
  REQUIRE(bob_secret.has_value());
  CHECK(alice_secret->size() == 48);
  CHECK(*alice_secret == *bob_secret);

  // The scalar 1 gives the base point G (SEC 2 section 2.5.1).
  Bytes one(48, 0);
  one.back() = 1;
  CHECK(sc::to_hex(KeyShare::from_private_key(KeyExchangeGroup::Secp384r1, one).public_key()) ==
        "04aa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e"
        "3872760ab73617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e81"
        "9d7a431d7c90ea0e5f");

  Bytes compressed(bob.public_key().begin(), bob.public_key().begin() + 49);
  compressed[0] = static_cast<std::uint8_t>(0x02 | (bob.public_key()[96] & 1));
  CHECK_FALSE(alice.derive(compressed).has_value());
  CHECK_FALSE(alice.derive(Bytes{0x00}).has_value());  // point at infinity
  CHECK_FALSE(alice.derive(Bytes{}).has_value());
  Bytes off_curve = bob.public_key();
  off_curve[96] ^= 0x01;
  CHECK_FALSE(alice.derive(off_curve).has_value());
  Bytes too_long = bob.public_key();
  too_long.push_back(0);
  CHECK_FALSE(alice.derive(too_long).has_value());
  // A P-256 point handed to a P-384 share and the other way round.
  const KeyShare p256 = KeyShare::generate(KeyExchangeGroup::Secp256r1);
  CHECK_FALSE(alice.derive(p256.public_key()).has_value());
  CHECK_FALSE(p256.derive(bob.public_key()).has_value());
  CHECK(alice.derive(bob.public_key()).has_value());  // still usable after the refusals

  CHECK_THROWS_AS(KeyShare::from_private_key(KeyExchangeGroup::Secp384r1, Bytes(32, 1)),
                  CryptoError);
  CHECK_THROWS_AS(KeyShare::from_private_key(KeyExchangeGroup::Secp384r1, Bytes(48, 0)),
                  CryptoError);
  CHECK(std::string(sc::crypto::group_name(KeyExchangeGroup::Secp384r1)) == "secp384r1");
}
