#pragma once
// Signing keys: RSA (2048-4096, RSA-PSS signatures) and ECDSA (P-256, P-384). The scheme
// names and code points are TLS 1.3's (RFC 8446 section 4.2.3), because every signature in the
// product is made for a TLS handshake, an X.509 object or an OCSP/CRL structure.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/crypto/bytes.hpp"
#include "common/crypto/hash.hpp"
#include "common/crypto/openssl_ptr.hpp"

namespace sc::crypto {

enum class SignatureScheme : std::uint16_t {
  ecdsa_secp256r1_sha256 = 0x0403,
  ecdsa_secp384r1_sha384 = 0x0503,
  rsa_pss_rsae_sha256 = 0x0804,
  rsa_pss_rsae_sha384 = 0x0805,
};

enum class KeyType { Rsa, Ecdsa };
enum class EcCurve { P256, P384 };

const char* signature_scheme_name(SignatureScheme scheme);  // "rsa_pss_rsae_sha256", ...
std::optional<SignatureScheme> signature_scheme_from_code(std::uint16_t code);
HashAlgorithm signature_scheme_hash(SignatureScheme scheme);

class PublicKey {
 public:
  explicit PublicKey(EvpPkeyPtr key);  // takes ownership; throws on null
  static PublicKey from_der(ByteView subject_public_key_info);
  static PublicKey from_pem(std::string_view pem);

  KeyType type() const;
  unsigned bits() const;                 // modulus bits, or curve field bits
  std::optional<EcCurve> curve() const;  // for ECDSA keys
  // True when this key can verify that scheme (RSA key for PSS schemes, P-256 key for
  // ecdsa_secp256r1_sha256, P-384 key for ecdsa_secp384r1_sha384).
  bool supports(SignatureScheme scheme) const;

  // RSA-PSS: MGF1 with the scheme's hash, salt length = hash length. ECDSA: DER signature.
  // Returns false for any bad signature; throws only when the key cannot do that scheme.
  [[nodiscard]] bool verify(SignatureScheme scheme, ByteView message, ByteView signature) const;

  Bytes to_der() const;  // SubjectPublicKeyInfo
  EVP_PKEY* native() const { return key_.get(); }
  // A second handle on the same (immutable) key: a reference count, not a copy.
  PublicKey share() const;

 private:
  EvpPkeyPtr key_;
};

class PrivateKey {
 public:
  explicit PrivateKey(EvpPkeyPtr key);  // takes ownership; throws on null
  PrivateKey(PrivateKey&&) noexcept;
  PrivateKey& operator=(PrivateKey&&) noexcept;
  ~PrivateKey();
  static PrivateKey generate_rsa(unsigned bits);  // 2048..4096, else CryptoError
  static PrivateKey generate_ecdsa(EcCurve curve);
  static PrivateKey from_pem(std::string_view pem);
  static PrivateKey load_pem_file(const std::filesystem::path& path);

  // PKCS#8 PEM, unencrypted. The string holds key material: wipe it after use.
  SecretBytes to_pem() const;
  // Writes PKCS#8 PEM with mode 0600: a temporary file in the same folder, fsync, rename.
  void save_pem_file(const std::filesystem::path& path) const;

  KeyType type() const;
  unsigned bits() const;
  std::optional<EcCurve> curve() const;
  bool supports(SignatureScheme scheme) const;
  PublicKey public_key() const;

  // Thread-safe: the signing context of each scheme is prepared once, on first use, and
  // duplicated for every signature (OpenSSL 3.0 fetches the digest and the signature algorithm
  // again for each EVP_DigestSignInit).
  Bytes sign(SignatureScheme scheme, ByteView message) const;
  EVP_PKEY* native() const { return key_.get(); }

 private:
  struct Prepared;  // what is read or built once per key: type, curve, signing contexts
  EvpPkeyPtr key_;
  std::unique_ptr<Prepared> prepared_;
};

}  // namespace sc::crypto
