// HKDF: RFC 5869 appendix A (transcribed), Project Wycheproof vectors, and the TLS 1.3 labelled
// forms checked against RFC 8448 section 3 (transcribed).
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <catch2/catch.hpp>

#include <iostream>
#include <string>

#include "common/crypto/error.hpp"
#include "common/crypto/hkdf.hpp"
#include "common/crypto/random.hpp"
#include "tests/unit/crypto/wycheproof.hpp"

namespace {

using sc::Bytes;
using sc::from_hex;
using sc::to_bytes;
using sc::crypto::CryptoError;
using sc::crypto::HashAlgorithm;

Bytes plain(const sc::SecretBytes& secret) {
  return Bytes(secret.begin(), secret.end());
}

struct Rfc5869Case {
  int number;
  bool sha1;  // cases 4-7 use SHA-1
  const char* ikm;
  const char* salt;
  const char* info;
  std::size_t length;
  const char* prk;
  const char* okm;
};

// RFC 5869 appendix A.1-A.7.
const Rfc5869Case kRfc5869Cases[] = {
    {1, false, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "000102030405060708090a0b0c",
     "f0f1f2f3f4f5f6f7f8f9", 42, "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5",
     "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"},
    {2, false,
     "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
     "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
     "404142434445464748494a4b4c4d4e4f",
     "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
     "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
     "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
     "b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecf"
     "d0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeef"
     "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
     82, "06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244",
     "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
     "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
     "cc30c58179ec3e87c14c01d5c1f3434f1d87"},
    {3, false, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "", "", 42,
     "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04",
     "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"},
    {4, true, "0b0b0b0b0b0b0b0b0b0b0b", "000102030405060708090a0b0c", "f0f1f2f3f4f5f6f7f8f9", 42,
     "9b6c18c432a7bf8f0e71c8eb88f4b30baa2ba243",
     "085a01ea1b10f36933068b56efa5ad81a4f14b822f5b091568a9cdd4f155fda2c22e422478d305f3f896"},
    {5, true,
     "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
     "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
     "404142434445464748494a4b4c4d4e4f",
     "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
     "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
     "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
     "b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecf"
     "d0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeef"
     "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
     82, "8adae09a2a307059478d309b26c4115a224cfaf6",
     "0bd770a74d1160f7c9f12cd5912a06ebff6adcae899d92191fe4305673ba2ffe"
     "8fa3f1a4e5ad79f3f334b3b202b2173c486ea37ce3d397ed034c7f9dfeb15c5e"
     "927336d0441f4c4300e2cff0d0900b52d3b4"},
    {6, true, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "", "", 42,
     "da8c8a73c7fa77288ec6f5e7c297786aa0d32d01",
     "0ac1af7002b3d761d1e55298da9d0506b9ae52057220a306e07b6b87e8df21d0ea00033de03984d34918"},
    {7, true, "0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c", "", "", 42,
     "2adccada18779e7c2077ad2eb19d3f3e731385dd",
     "2c91117204d745f3500d636a62f64f0ab3bae548aa53d423b0d1f27ebba6f5e5673a081d70cce7acfc48"},
};

void run_hkdf_file(const char* file_name, HashAlgorithm algorithm) {
  auto document = sc::test::load_wycheproof(file_name);
  if (!document) return;
  sc::test::VectorTally tally{file_name};
  for (const auto& group : (*document)["testGroups"]) {
    for (const auto& test : group.at("tests")) {
      const std::string result = test.at("result").get<std::string>();
      INFO(sc::test::vector_name(file_name, test));
      const Bytes ikm = sc::test::hex_field(test, "ikm");
      const Bytes salt = sc::test::hex_field(test, "salt");
      const Bytes info = sc::test::hex_field(test, "info");
      const std::size_t size = test.at("size").get<std::size_t>();
      const sc::SecretBytes prk = sc::crypto::hkdf_extract(algorithm, salt, ikm);
      if (result == "valid") {
        CHECK(sc::to_hex(plain(sc::crypto::hkdf_expand(algorithm, prk, info, size))) ==
              test.at("okm").get<std::string>());
      } else {
        // The invalid vectors ask for more than 255 * HashLen bytes (RFC 5869 section 2.3);
        // the API throws for that.
        REQUIRE(result == "invalid");
        CHECK(size > 255 * sc::crypto::digest_length(algorithm));
        CHECK_THROWS_AS(sc::crypto::hkdf_expand(algorithm, prk, info, size), CryptoError);
      }
      tally.count(result);
    }
  }
  tally.report();
}

}  // namespace

TEST_CASE("RFC 5869 appendix A test cases", "[crypto][hkdf]") {
  int ran = 0;
  int skipped = 0;
  for (const Rfc5869Case& test : kRfc5869Cases) {
    INFO("RFC 5869 test case " << test.number);
    if (test.sha1) {
      // SHA-1 is deliberately absent from HashAlgorithm (the TLS 1.3 profile uses SHA-256 and
      // SHA-384 only). What case 7 checks, an absent salt meaning HashLen zero bytes, is covered
      // for SHA-256/384 by the next test case.
      ++skipped;
      continue;
    }
    const sc::SecretBytes prk =
        sc::crypto::hkdf_extract(HashAlgorithm::Sha256, from_hex(test.salt), from_hex(test.ikm));
    CHECK(sc::to_hex(plain(prk)) == test.prk);
    const sc::SecretBytes okm =
        sc::crypto::hkdf_expand(HashAlgorithm::Sha256, prk, from_hex(test.info), test.length);
    CHECK(sc::to_hex(plain(okm)) == test.okm);
    ++ran;
  }
  std::cout << "RFC 5869: ran " << ran << " SHA-256 test cases, skipped " << skipped
            << " SHA-1 test cases (4-7: SHA-1 is not offered by sc::crypto)\n";
  REQUIRE(ran == 3);
}

TEST_CASE("HKDF-Extract with no salt uses HashLen zero bytes", "[crypto][hkdf]") {
  const Bytes ikm = from_hex("0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c");
  for (HashAlgorithm algorithm : {HashAlgorithm::Sha256, HashAlgorithm::Sha384}) {
    const Bytes zeros(sc::crypto::digest_length(algorithm), 0);
    CHECK(sc::crypto::hkdf_extract(algorithm, Bytes{}, ikm) ==
          sc::crypto::hkdf_extract(algorithm, zeros, ikm));
    CHECK(sc::crypto::hkdf_extract(algorithm, Bytes{}, ikm).size() ==
          sc::crypto::digest_length(algorithm));
  }
}

TEST_CASE("HKDF-Expand output lengths up to 255 * HashLen", "[crypto][hkdf]") {
  for (HashAlgorithm algorithm : {HashAlgorithm::Sha256, HashAlgorithm::Sha384}) {
    const std::size_t hash_length = sc::crypto::digest_length(algorithm);
    const Bytes prk(hash_length, 0x11);
    const sc::SecretBytes longest =
        sc::crypto::hkdf_expand(algorithm, prk, Bytes{1}, 255 * hash_length);
    CHECK(longest.size() == 255 * hash_length);
    // Every shorter output is a prefix of the longest one (RFC 5869 section 2.3).
    for (std::size_t length : {std::size_t{0}, std::size_t{1}, hash_length - 1, hash_length,
                               hash_length + 1, 100 * hash_length + 3}) {
      const sc::SecretBytes shorter = sc::crypto::hkdf_expand(algorithm, prk, Bytes{1}, length);
      REQUIRE(shorter.size() == length);
      CHECK(std::equal(shorter.begin(), shorter.end(), longest.begin()));
    }
    CHECK_THROWS_AS(sc::crypto::hkdf_expand(algorithm, prk, Bytes{1}, 255 * hash_length + 1),
                    CryptoError);
  }
}

TEST_CASE("Wycheproof HKDF-SHA256 vectors", "[crypto][hkdf][wycheproof]") {
  run_hkdf_file("hkdf_sha256_test.json", HashAlgorithm::Sha256);
}

TEST_CASE("Wycheproof HKDF-SHA384 vectors", "[crypto][hkdf][wycheproof]") {
  run_hkdf_file("hkdf_sha384_test.json", HashAlgorithm::Sha384);
}

// RFC 8448 section 3 (Simple 1-RTT Handshake), values transcribed from the trace.
TEST_CASE("TLS 1.3 key schedule steps of RFC 8448 section 3", "[crypto][hkdf][rfc8448]") {
  const auto sha256 = HashAlgorithm::Sha256;
  const Bytes empty_hash =
      from_hex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");

  // Early Secret = HKDF-Extract(0, 0^32) (no PSK).
  const sc::SecretBytes early = sc::crypto::hkdf_extract(sha256, Bytes{}, Bytes(32, 0));
  CHECK(sc::to_hex(plain(early)) ==
        "33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a");

  // Derive-Secret(early, "derived", "") and the exact HkdfLabel it expands with ("info").
  const sc::SecretBytes derived = sc::crypto::derive_secret(sha256, early, "derived", empty_hash);
  CHECK(sc::to_hex(plain(derived)) ==
        "6f2615a108c702c5678f54fc9dbab69716c076189c48250cebeac3576c3611ba");
  const Bytes info = from_hex(
      "00200d746c7331332064657269766564"
      "20e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sc::crypto::hkdf_expand(sha256, early, info, 32) == derived);

  // Handshake Secret = HKDF-Extract(derived, ECDHE shared secret).
  const sc::SecretBytes handshake = sc::crypto::hkdf_extract(
      sha256, derived,
      from_hex("8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d"));
  CHECK(sc::to_hex(plain(handshake)) ==
        "1dc826e93606aa6fdc0aadc12f741b01046aa6b99f691ed221a9f0ca043fbeac");

  const sc::SecretBytes client_handshake_traffic = sc::crypto::derive_secret(
      sha256, handshake, "c hs traffic",
      from_hex("860c06edc07858ee8e78f0e7428c58edd6b43f2ca3e6e95f02ed063cf0e1cad8"));
  CHECK(sc::to_hex(plain(client_handshake_traffic)) ==
        "b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21");

  // Server handshake write key and IV: HKDF-Expand-Label(secret, "key"/"iv", "", length).
  const Bytes server_handshake_traffic =
      from_hex("b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38");
  const sc::SecretBytes key =
      sc::crypto::hkdf_expand_label(sha256, server_handshake_traffic, "key", Bytes{}, 16);
  CHECK(sc::to_hex(plain(key)) == "3fce516009c21727d0f2e4e86ee403bc");
  CHECK(sc::crypto::hkdf_expand(sha256, server_handshake_traffic,
                                from_hex("001009746c733133206b657900"), 16) == key);
  const sc::SecretBytes iv =
      sc::crypto::hkdf_expand_label(sha256, server_handshake_traffic, "iv", Bytes{}, 12);
  CHECK(sc::to_hex(plain(iv)) == "5d313eb2671276ee13000b30");
  CHECK(sc::crypto::hkdf_expand(sha256, server_handshake_traffic,
                                from_hex("000c08746c73313320697600"), 12) == iv);
}

TEST_CASE("HKDF-Expand-Label refuses fields its struct cannot encode", "[crypto][hkdf]") {
  const Bytes secret(32, 0x22);
  // opaque label<7..255>: "tls13 " + label must fit in 255 bytes.
  CHECK_NOTHROW(sc::crypto::hkdf_expand_label(HashAlgorithm::Sha256, secret, std::string(249, 'a'),
                                              Bytes{}, 32));
  CHECK_THROWS_AS(sc::crypto::hkdf_expand_label(HashAlgorithm::Sha256, secret,
                                                std::string(250, 'a'), Bytes{}, 32),
                  CryptoError);
  // opaque context<0..255>.
  CHECK_NOTHROW(
      sc::crypto::hkdf_expand_label(HashAlgorithm::Sha256, secret, "key", Bytes(255, 1), 32));
  CHECK_THROWS_AS(
      sc::crypto::hkdf_expand_label(HashAlgorithm::Sha256, secret, "key", Bytes(256, 1), 32),
      CryptoError);
  // derive_secret's output is HashLen bytes.
  CHECK(sc::crypto::derive_secret(HashAlgorithm::Sha384, Bytes(48, 3), "derived", Bytes(48, 0))
            .size() == 48);
}

namespace {

// OpenSSL's own TLS 1.3 KDF (the one libssl uses), as an independent implementation of
// HKDF-Expand-Label to compare against.
Bytes openssl_expand_label(HashAlgorithm algorithm, const Bytes& secret, const std::string& label,
                           const Bytes& context, std::size_t length) {
  sc::crypto::EvpKdfPtr kdf(EVP_KDF_fetch(nullptr, "TLS13-KDF", nullptr));
  REQUIRE(kdf != nullptr);
  sc::crypto::EvpKdfCtxPtr kdf_context(EVP_KDF_CTX_new(kdf.get()));
  REQUIRE(kdf_context != nullptr);
  int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
  std::string digest = sc::crypto::hash_name(algorithm);
  std::string prefix = "tls13 ";
  std::string label_copy = label;
  Bytes secret_copy = secret;
  // OpenSSL refuses an octet-string parameter whose pointer is null, even with length 0.
  Bytes context_copy = context;
  context_copy.reserve(1);
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_int("mode", &mode),
      OSSL_PARAM_construct_utf8_string("digest", digest.data(), 0),
      OSSL_PARAM_construct_octet_string("key", secret_copy.data(), secret_copy.size()),
      OSSL_PARAM_construct_octet_string("prefix", prefix.data(), prefix.size()),
      OSSL_PARAM_construct_octet_string("label", label_copy.data(), label_copy.size()),
      OSSL_PARAM_construct_octet_string("data", context_copy.data(), context_copy.size()),
      OSSL_PARAM_construct_end()};
  Bytes out(length);
  REQUIRE(EVP_KDF_derive(kdf_context.get(), out.data(), out.size(), params) == 1);
  return out;
}

}  // namespace

TEST_CASE("HKDF-Expand-Label agrees with OpenSSL's TLS13-KDF", "[crypto][hkdf]") {
  const char* const labels[] = {"key",          "iv",         "finished",  "traffic upd",
                                "c ap traffic", "exp master", "res binder"};
  int compared = 0;
  for (HashAlgorithm algorithm : {HashAlgorithm::Sha256, HashAlgorithm::Sha384}) {
    const std::size_t hash_length = sc::crypto::digest_length(algorithm);
    for (const char* label : labels) {
      for (std::size_t context_length : {std::size_t{0}, hash_length, std::size_t{255}}) {
        const Bytes secret = sc::crypto::random_bytes(hash_length);
        const Bytes context = sc::crypto::random_bytes(context_length);
        for (std::size_t length :
             {std::size_t{12}, std::size_t{16}, std::size_t{32}, hash_length, std::size_t{100}}) {
          INFO(sc::crypto::hash_name(algorithm)
               << " label " << label << " context " << context_length << " length " << length);
          CHECK(plain(sc::crypto::hkdf_expand_label(algorithm, secret, label, context, length)) ==
                openssl_expand_label(algorithm, secret, label, context, length));
          ++compared;
        }
      }
    }
  }
  REQUIRE(compared == 2 * 7 * 3 * 5);
}
