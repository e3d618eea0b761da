// Signatures: Project Wycheproof RSA-PSS and ECDSA verification vectors, sign/verify round trips
// for all four TLS 1.3 schemes of the profile, and private keys on disk (PEM, mode 0600).
#include <catch2/catch.hpp>
#include <optional>

#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/crypto/error.hpp"
#include "common/crypto/random.hpp"
#include "common/crypto/signature.hpp"
#include "tests/unit/crypto/wycheproof.hpp"
#include "tests/unit/temporary_folder.hpp"

namespace {

using sc::as_bytes;
using sc::Bytes;
using sc::crypto::CryptoError;
using sc::crypto::EcCurve;
using sc::crypto::KeyType;
using sc::crypto::PrivateKey;
using sc::crypto::PublicKey;
using sc::crypto::SignatureScheme;

constexpr SignatureScheme kAllSchemes[] = {
    SignatureScheme::ecdsa_secp256r1_sha256, SignatureScheme::ecdsa_secp384r1_sha384,
    SignatureScheme::rsa_pss_rsae_sha256, SignatureScheme::rsa_pss_rsae_sha384};

// RSA key generation is slow: one 2048-bit key for the whole test binary.
const PrivateKey& rsa_2048() {
  static const PrivateKey key = PrivateKey::generate_rsa(2048);
  return key;
}

// The TLS scheme for a PSS group's hash, and whether the group's MGF1 hash and salt length are
// the ones that scheme pins (RFC 8446 section 4.2.3: MGF1 with the same hash, salt length equal
// to the digest length).
struct PssGroup {
  std::optional<SignatureScheme> scheme;
  bool tls_parameters = false;
};

PssGroup pss_group(const nlohmann::json& group) {
  const std::string sha = group.at("sha").get<std::string>();
  PssGroup result;
  int hash_length = 0;
  if (sha == "SHA-256") {
    result.scheme = SignatureScheme::rsa_pss_rsae_sha256;
    hash_length = 32;
  } else if (sha == "SHA-384") {
    result.scheme = SignatureScheme::rsa_pss_rsae_sha384;
    hash_length = 48;
  }
  result.tls_parameters = group.at("mgf").get<std::string>() == "MGF1" &&
                          group.at("mgfSha").get<std::string>() == sha &&
                          group.at("sLen").get<int>() == hash_length;
  return result;
}

std::optional<SignatureScheme> ecdsa_scheme(const nlohmann::json& group) {
  const std::string curve = group.at("publicKey").at("curve").get<std::string>();
  const std::string sha = group.at("sha").get<std::string>();
  if (curve == "secp256r1" && sha == "SHA-256") return SignatureScheme::ecdsa_secp256r1_sha256;
  if (curve == "secp384r1" && sha == "SHA-384") return SignatureScheme::ecdsa_secp384r1_sha384;
  return std::nullopt;
}

void run_signature_file(const char* file_name, bool is_pss) {
  auto document = sc::test::load_wycheproof(file_name);
  if (!document) return;
  sc::test::VectorTally tally{file_name};
  int refused_by_policy = 0;
  for (const auto& group : (*document)["testGroups"]) {
    std::optional<SignatureScheme> scheme;
    bool tls_parameters = true;
    if (is_pss) {
      const PssGroup pss = pss_group(group);
      scheme = pss.scheme;
      tls_parameters = pss.tls_parameters;
    } else {
      scheme = ecdsa_scheme(group);
    }
    if (!scheme) {
      // A hash that no TLS 1.3 scheme of the profile uses (SHA-1, SHA-224, SHA-512), or ECDSA
      // with a hash the scheme does not pair with the curve.
      for (const auto& test : group.at("tests")) {
        tally.skip(test.at("tcId").get<int>(), "hash is not used by a scheme of the profile");
      }
      continue;
    }
    const PublicKey key = PublicKey::from_der(sc::test::hex_field(group, "publicKeyDer"));
    REQUIRE(key.supports(*scheme));
    for (const auto& test : group.at("tests")) {
      const std::string result = test.at("result").get<std::string>();
      if (!tls_parameters && result != "valid") {
        // Invalid for another salt length, which says nothing about the TLS scheme's: one such
        // vector ("s_len changed to 32") is in fact a correct rsa_pss_rsae_sha256 signature.
        tally.skip(test.at("tcId").get<int>(),
                   "invalid under non-TLS PSS parameters, no verdict for the TLS scheme");
        continue;
      }
      INFO(sc::test::vector_name(file_name, test) << " as " << signature_scheme_name(*scheme));
      const bool verified =
          key.verify(*scheme, sc::test::hex_field(test, "msg"), sc::test::hex_field(test, "sig"));
      if (!tls_parameters) {
        // Policy: a PSS signature made with another salt length or MGF1 hash is a valid RSASSA-PSS
        // signature, but not one of the TLS scheme of that hash: refused.
        CHECK_FALSE(verified);
        ++refused_by_policy;
      } else if (result == "valid") {
        CHECK(verified);
      } else {
        // No "acceptable" vectors in these files; BER-encoded or otherwise malleable ECDSA
        // signatures are "invalid" and must be refused (strict DER).
        REQUIRE(result == "invalid");
        CHECK_FALSE(verified);
      }
      tally.count(result);
    }
  }
  if (refused_by_policy > 0) {
    std::cout << file_name << ": " << refused_by_policy
              << " vectors use a salt length or MGF1 hash other than the TLS scheme's, all "
                 "refused\n";
  }
  tally.report();
}

unsigned file_mode(const std::filesystem::path& path) {
  struct stat status {};
  REQUIRE(::stat(path.c_str(), &status) == 0);
  return status.st_mode & 07777;
}

std::string as_string(const sc::SecretBytes& bytes) {
  return std::string(bytes.begin(), bytes.end());
}

}  // namespace

TEST_CASE("Wycheproof RSA-PSS 2048 SHA-256 MGF1 salt 32 vectors",
          "[crypto][signature][wycheproof]") {
  run_signature_file("rsa_pss_2048_sha256_mgf1_32_test.json", true);
}

TEST_CASE("Wycheproof RSA-PSS 2048 SHA-384 MGF1 salt 48 vectors",
          "[crypto][signature][wycheproof]") {
  run_signature_file("rsa_pss_2048_sha384_mgf1_48_test.json", true);
}

TEST_CASE("Wycheproof RSA-PSS 3072 and 4096 vectors", "[crypto][signature][wycheproof]") {
  run_signature_file("rsa_pss_3072_sha256_mgf1_32_test.json", true);
  run_signature_file("rsa_pss_4096_sha256_mgf1_32_test.json", true);
  run_signature_file("rsa_pss_4096_sha384_mgf1_48_test.json", true);
}

TEST_CASE("Wycheproof RSA-PSS with other salt lengths and MGF1 hashes are refused",
          "[crypto][signature][wycheproof]") {
  run_signature_file("rsa_pss_2048_sha256_mgf1_0_test.json", true);
  run_signature_file("rsa_pss_misc_test.json", true);
}

TEST_CASE("Wycheproof ECDSA P-256 SHA-256 vectors", "[crypto][signature][wycheproof]") {
  run_signature_file("ecdsa_secp256r1_sha256_test.json", false);
}

TEST_CASE("Wycheproof ECDSA P-384 SHA-384 vectors", "[crypto][signature][wycheproof]") {
  run_signature_file("ecdsa_secp384r1_sha384_test.json", false);
}

TEST_CASE("signature scheme names, code points and hashes", "[crypto][signature]") {
  CHECK(sc::crypto::signature_scheme_from_code(0x0403) == SignatureScheme::ecdsa_secp256r1_sha256);
  CHECK(sc::crypto::signature_scheme_from_code(0x0503) == SignatureScheme::ecdsa_secp384r1_sha384);
  CHECK(sc::crypto::signature_scheme_from_code(0x0804) == SignatureScheme::rsa_pss_rsae_sha256);
  CHECK(sc::crypto::signature_scheme_from_code(0x0805) == SignatureScheme::rsa_pss_rsae_sha384);
  // rsa_pkcs1_sha256, ecdsa_secp521r1_sha512, rsa_pss_pss_sha256, ed25519: not in the profile.
  for (std::uint16_t code : {0x0401, 0x0603, 0x0809, 0x0807, 0x0000, 0xffff}) {
    CHECK_FALSE(sc::crypto::signature_scheme_from_code(code).has_value());
  }
  CHECK(std::string(sc::crypto::signature_scheme_name(SignatureScheme::rsa_pss_rsae_sha384)) ==
        "rsa_pss_rsae_sha384");
  CHECK(std::string(sc::crypto::signature_scheme_name(SignatureScheme::ecdsa_secp256r1_sha256)) ==
        "ecdsa_secp256r1_sha256");
  CHECK(sc::crypto::signature_scheme_hash(SignatureScheme::rsa_pss_rsae_sha256) ==
        sc::crypto::HashAlgorithm::Sha256);
  CHECK(sc::crypto::signature_scheme_hash(SignatureScheme::ecdsa_secp384r1_sha384) ==
        sc::crypto::HashAlgorithm::Sha384);
}

TEST_CASE("RSA-2048 PSS sign and verify for both hashes", "[crypto][signature]") {
  const PrivateKey& key = rsa_2048();
  const PublicKey public_key = key.public_key();
  CHECK(key.type() == KeyType::Rsa);
  CHECK(key.bits() == 2048);
  CHECK_FALSE(key.curve().has_value());
  const Bytes message = sc::crypto::random_bytes(130);
  for (SignatureScheme scheme :
       {SignatureScheme::rsa_pss_rsae_sha256, SignatureScheme::rsa_pss_rsae_sha384}) {
    INFO(sc::crypto::signature_scheme_name(scheme));
    REQUIRE(key.supports(scheme));
    const Bytes signature = key.sign(scheme, message);
    CHECK(signature.size() == 256);
    CHECK(public_key.verify(scheme, message, signature));
    // PSS is randomised: a second signature differs and verifies too.
    const Bytes again = key.sign(scheme, message);
    CHECK(again != signature);
    CHECK(public_key.verify(scheme, message, again));

    Bytes changed_message = message;
    changed_message[5] ^= 1;
    CHECK_FALSE(public_key.verify(scheme, changed_message, signature));
    Bytes changed_signature = signature;
    changed_signature[100] ^= 1;
    CHECK_FALSE(public_key.verify(scheme, message, changed_signature));
    CHECK_FALSE(public_key.verify(scheme, message, Bytes{}));
    CHECK_FALSE(public_key.verify(scheme, message, Bytes(signature.begin(), signature.end() - 1)));
  }
  // The hash is part of the scheme: a SHA-256 signature does not verify as SHA-384.
  const Bytes sha256_signature = key.sign(SignatureScheme::rsa_pss_rsae_sha256, message);
  CHECK_FALSE(public_key.verify(SignatureScheme::rsa_pss_rsae_sha384, message, sha256_signature));
  // An RSA key cannot make or check ECDSA signatures.
  CHECK_FALSE(key.supports(SignatureScheme::ecdsa_secp256r1_sha256));
  CHECK_THROWS_AS(key.sign(SignatureScheme::ecdsa_secp256r1_sha256, message), CryptoError);
  CHECK_THROWS_AS(
      public_key.verify(SignatureScheme::ecdsa_secp384r1_sha384, message, sha256_signature),
      CryptoError);
}

TEST_CASE("ECDSA P-256 and P-384 sign and verify", "[crypto][signature]") {
  struct Case {
    EcCurve curve;
    SignatureScheme scheme;
    SignatureScheme other_curve_scheme;
    unsigned bits;
  };
  for (const Case& test : {Case{EcCurve::P256, SignatureScheme::ecdsa_secp256r1_sha256,
                                SignatureScheme::ecdsa_secp384r1_sha384, 256},
                           Case{EcCurve::P384, SignatureScheme::ecdsa_secp384r1_sha384,
                                SignatureScheme::ecdsa_secp256r1_sha256, 384}}) {
    INFO(sc::crypto::signature_scheme_name(test.scheme));
    const PrivateKey key = PrivateKey::generate_ecdsa(test.curve);
    const PublicKey public_key = key.public_key();
    CHECK(key.type() == KeyType::Ecdsa);
    CHECK(public_key.type() == KeyType::Ecdsa);
    CHECK(key.curve() == test.curve);
    CHECK(public_key.curve() == test.curve);
    CHECK(key.bits() == test.bits);
    CHECK(key.supports(test.scheme));
    // TLS 1.3 binds the curve to the hash: no cross-curve use (RFC 8446 section 4.2.3).
    CHECK_FALSE(key.supports(test.other_curve_scheme));
    CHECK_FALSE(public_key.supports(SignatureScheme::rsa_pss_rsae_sha256));
    CHECK_THROWS_AS(key.sign(test.other_curve_scheme, as_bytes("x")), CryptoError);

    const Bytes message = sc::to_bytes(as_bytes("TLS 1.3, server CertificateVerify"));
    const Bytes signature = key.sign(test.scheme, message);
    CHECK(signature[0] == 0x30);  // DER SEQUENCE { r, s }
    CHECK(public_key.verify(test.scheme, message, signature));
    Bytes changed_message = message;
    changed_message.back() ^= 1;
    CHECK_FALSE(public_key.verify(test.scheme, changed_message, signature));
    Bytes changed_signature = signature;
    changed_signature[signature.size() - 3] ^= 1;
    CHECK_FALSE(public_key.verify(test.scheme, message, changed_signature));
    Bytes trailing = signature;
    trailing.push_back(0);
    CHECK_FALSE(public_key.verify(test.scheme, message, trailing));
    // A different key of the same curve does not verify it.
    CHECK_FALSE(PrivateKey::generate_ecdsa(test.curve)
                    .public_key()
                    .verify(test.scheme, message, signature));
  }
}

TEST_CASE("one private key signs from several threads at once, before and after a move",
          "[crypto][signature]") {
  // The signing context of each scheme is prepared once and duplicated per signature; every
  // signature made concurrently must verify, for every scheme the key makes.
  struct Case {
    const char* name;
    PrivateKey key;
    std::vector<SignatureScheme> schemes;
  };
  std::vector<Case> cases;
  cases.push_back({"ECDSA P-256",
                   PrivateKey::generate_ecdsa(EcCurve::P256),
                   {SignatureScheme::ecdsa_secp256r1_sha256}});
  cases.push_back({"RSA-2048",
                   PrivateKey::generate_rsa(2048),
                   {SignatureScheme::rsa_pss_rsae_sha256, SignatureScheme::rsa_pss_rsae_sha384}});
  for (Case& test : cases) {
    INFO(test.name);
    const PrivateKey moved = std::move(test.key);
    const PublicKey public_key = moved.public_key();
    const Bytes message = sc::to_bytes(as_bytes("TLS 1.3, client CertificateVerify"));
    constexpr int kThreads = 4;
    constexpr int kSignaturesPerThread = 3;
    std::vector<std::vector<std::pair<SignatureScheme, Bytes>>> made(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kSignaturesPerThread; ++i) {
          const SignatureScheme scheme = test.schemes[(t + i) % test.schemes.size()];
          made[t].emplace_back(scheme, moved.sign(scheme, message));
        }
      });
    }
    for (std::thread& thread : threads) thread.join();
    for (const auto& signatures : made) {
      REQUIRE(signatures.size() == kSignaturesPerThread);
      for (const auto& [scheme, signature] : signatures) {
        CHECK(public_key.verify(scheme, message, signature));
      }
    }
  }
}

TEST_CASE("RSA sizes outside 2048..4096 are refused", "[crypto][signature]") {
  CHECK_THROWS_AS(PrivateKey::generate_rsa(1024), CryptoError);
  CHECK_THROWS_AS(PrivateKey::generate_rsa(2047), CryptoError);
  CHECK_THROWS_AS(PrivateKey::generate_rsa(4097), CryptoError);
  CHECK_THROWS_AS(PrivateKey::generate_rsa(8192), CryptoError);
}

TEST_CASE("public keys travel as SubjectPublicKeyInfo DER and PEM", "[crypto][signature]") {
  const PrivateKey ec_key = PrivateKey::generate_ecdsa(EcCurve::P256);
  for (const PrivateKey* key : {&rsa_2048(), &ec_key}) {
    const Bytes der = key->public_key().to_der();
    const PublicKey parsed = PublicKey::from_der(der);
    CHECK(parsed.to_der() == der);
    CHECK(parsed.type() == key->type());
    Bytes trailing = der;
    trailing.push_back(0);
    CHECK_THROWS_AS(PublicKey::from_der(trailing), CryptoError);
    CHECK_THROWS_AS(PublicKey::from_der(Bytes(der.begin(), der.end() - 1)), CryptoError);
    CHECK_THROWS_AS(PublicKey::from_der(Bytes{}), CryptoError);
  }
  const std::string pem =
      "-----BEGIN PUBLIC KEY-----\n"
      "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEBKrsc2NXJvIT+4qeZNo7hjLkFJWp\n"
      "RNAEW1IuunJA+tWH2TFXmKqjpboBd1eHztBeqve04J/IHW0apUboNl1SXQ==\n"
      "-----END PUBLIC KEY-----\n";
  const PublicKey from_pem = PublicKey::from_pem(pem);
  CHECK(from_pem.curve() == EcCurve::P256);
  CHECK_THROWS_AS(PublicKey::from_pem("not a key"), CryptoError);
  CHECK_THROWS_AS(PublicKey(sc::crypto::EvpPkeyPtr{}), CryptoError);
}

TEST_CASE("private keys: PKCS#8 PEM in memory", "[crypto][signature][pem]") {
  const PrivateKey ec_key = PrivateKey::generate_ecdsa(EcCurve::P384);
  for (const PrivateKey* key : {&rsa_2048(), &ec_key}) {
    const sc::SecretBytes pem = key->to_pem();
    const std::string text = as_string(pem);
    CHECK(text.rfind("-----BEGIN PRIVATE KEY-----\n", 0) == 0);  // PKCS#8, unencrypted
    const PrivateKey loaded = PrivateKey::from_pem(text);
    CHECK(loaded.public_key().to_der() == key->public_key().to_der());
    // The loaded key signs for the original public key.
    const SignatureScheme scheme = key->type() == KeyType::Rsa
                                       ? SignatureScheme::rsa_pss_rsae_sha384
                                       : SignatureScheme::ecdsa_secp384r1_sha384;
    CHECK(key->public_key().verify(scheme, as_bytes("m"), loaded.sign(scheme, as_bytes("m"))));
  }
  CHECK_THROWS_AS(PrivateKey::from_pem(""), CryptoError);
  CHECK_THROWS_AS(
      PrivateKey::from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"),
      CryptoError);
}

TEST_CASE("an encrypted private key is refused, never prompted for", "[crypto][signature][pem]") {
  const PrivateKey key = PrivateKey::generate_ecdsa(EcCurve::P256);
  sc::crypto::BioPtr bio(BIO_new(BIO_s_mem()));
  REQUIRE(bio != nullptr);
  static char passphrase[] = "correct horse";
  REQUIRE(PEM_write_bio_PKCS8PrivateKey(bio.get(), key.native(), EVP_aes_256_cbc(), passphrase,
                                        sizeof passphrase - 1, nullptr, nullptr) == 1);
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  REQUIRE(length > 0);
  const std::string encrypted(data, static_cast<std::size_t>(length));
  REQUIRE(encrypted.find("ENCRYPTED PRIVATE KEY") != std::string::npos);
  CHECK_THROWS_AS(PrivateKey::from_pem(encrypted), CryptoError);
}

TEST_CASE("private keys are saved with mode 0600 and load back", "[crypto][signature][pem]") {
  sc::test::TemporaryFolder folder("sc-crypto-test");
  const std::filesystem::path path = folder.path() / "server.key";
  const PrivateKey ec_key = PrivateKey::generate_ecdsa(EcCurve::P256);

  // A permissive umask must not matter.
  const mode_t previous_umask = ::umask(0);
  ec_key.save_pem_file(path);
  ::umask(previous_umask);
  CHECK(file_mode(path) == 0600);
  CHECK(PrivateKey::load_pem_file(path).public_key().to_der() == ec_key.public_key().to_der());

  // Replacing a world-readable file leaves a 0600 file with the new key, and no temporary
  // file behind.
  REQUIRE(::chmod(path.c_str(), 0644) == 0);
  rsa_2048().save_pem_file(path);
  CHECK(file_mode(path) == 0600);
  CHECK(PrivateKey::load_pem_file(path).public_key().to_der() == rsa_2048().public_key().to_der());
  int entries = 0;
  for (const auto& entry : std::filesystem::directory_iterator(folder.path())) {
    INFO(entry.path().string());
    CHECK(entry.path().filename() == "server.key");
    ++entries;
  }
  CHECK(entries == 1);

  // A relative path (no parent folder) is saved beside the working directory.
  const auto previous = std::filesystem::current_path();
  std::filesystem::current_path(folder.path());
  ec_key.save_pem_file("relative.key");
  std::filesystem::current_path(previous);
  CHECK(file_mode(folder.path() / "relative.key") == 0600);
}

TEST_CASE("saving or loading a key reports the path on failure", "[crypto][signature][pem]") {
  sc::test::TemporaryFolder folder("sc-crypto-test");
  const PrivateKey key = PrivateKey::generate_ecdsa(EcCurve::P256);
  try {
    key.save_pem_file(folder.path() / "no-such-folder" / "k.pem");
    FAIL("saving into a missing folder must throw");
  } catch (const CryptoError& error) {
    CHECK(std::string(error.what()).find("no-such-folder") != std::string::npos);
  }
  CHECK_THROWS_AS(PrivateKey::load_pem_file(folder.path() / "missing.pem"), CryptoError);
  const auto huge = folder.path() / "huge.pem";
  std::ofstream(huge) << std::string((1 << 20) + 1, 'A');
  try {
    (void)PrivateKey::load_pem_file(huge);
    FAIL("a 1 MiB file is not a key");
  } catch (const CryptoError& error) {
    CHECK(std::string(error.what()).find("larger than 1 MiB") != std::string::npos);
  }
  const auto damaged = folder.path() / "damaged.pem";
  std::ofstream(damaged) << "-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----\n";
  try {
    (void)PrivateKey::load_pem_file(damaged);
    FAIL("a damaged key file must throw");
  } catch (const CryptoError& error) {
    CHECK(std::string(error.what()).find("damaged.pem") != std::string::npos);
  }
}

TEST_CASE("keys of algorithms outside the profile cannot sign or verify", "[crypto][signature]") {
  // An Ed25519 SubjectPublicKeyInfo (RFC 8410): parseable, but no scheme of the profile uses it.
  const PublicKey ed25519 = PublicKey::from_der(sc::from_hex(
      "302a300506032b65700321007d4d0e7f6153a69b6242b522abbee685fda4420f8834b108c3bdae369ef549fa"));
  for (SignatureScheme scheme : kAllSchemes) {
    CHECK_FALSE(ed25519.supports(scheme));
    CHECK_THROWS_AS(ed25519.verify(scheme, as_bytes("m"), Bytes(64)), CryptoError);
  }
  CHECK_THROWS_AS(ed25519.type(), CryptoError);
  CHECK_FALSE(ed25519.curve().has_value());

  EVP_PKEY* generated = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  REQUIRE(generated != nullptr);
  CHECK_THROWS_AS(PrivateKey(sc::crypto::EvpPkeyPtr(generated)), CryptoError);
  CHECK_THROWS_AS(PrivateKey(sc::crypto::EvpPkeyPtr{}), CryptoError);
}

TEST_CASE("failures explain themselves", "[crypto][signature]") {
  try {
    (void)PrivateKey::generate_rsa(1024);
    FAIL("1024-bit RSA must be refused");
  } catch (const CryptoError& error) {
    CHECK(std::string(error.what()) == "RSA keys must have 2048 to 4096 bits, not 1024");
  }
  const PrivateKey key = PrivateKey::generate_ecdsa(EcCurve::P256);
  try {
    (void)key.sign(SignatureScheme::rsa_pss_rsae_sha256, as_bytes("m"));
    FAIL("an ECDSA key must not make RSA-PSS signatures");
  } catch (const CryptoError& error) {
    CHECK(std::string(error.what()) == "this key cannot be used with rsa_pss_rsae_sha256");
  }
}

TEST_CASE("a shared public key outlives the handle it came from", "[crypto][signature]") {
  const PrivateKey signer = PrivateKey::generate_ecdsa(EcCurve::P256);
  const Bytes signature = signer.sign(SignatureScheme::ecdsa_secp256r1_sha256, as_bytes("m"));
  std::optional<PublicKey> original(signer.public_key());
  const PublicKey shared = original->share();
  CHECK(shared.native() == original->native());  // the same key, counted twice
  original.reset();
  CHECK(shared.verify(SignatureScheme::ecdsa_secp256r1_sha256, as_bytes("m"), signature));
  CHECK(shared.to_der() == signer.public_key().to_der());
}
