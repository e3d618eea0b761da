#include "common/crypto/signature.hpp"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <array>
#include <fstream>
#include <iterator>
#include <limits>
#include <mutex>

#include "common/crypto/error.hpp"
#include "common/files/atomic_file.hpp"

namespace sc::crypto {
namespace {

constexpr unsigned kMinimumRsaBits = 2048;
constexpr unsigned kMaximumRsaBits = 4096;

KeyType key_type_of(const EVP_PKEY* key) {
  if (EVP_PKEY_is_a(key, "RSA")) return KeyType::Rsa;
  if (EVP_PKEY_is_a(key, "EC")) return KeyType::Ecdsa;
  throw CryptoError("unsupported key algorithm (only RSA and ECDSA keys are used)");
}

std::optional<EcCurve> curve_of(const EVP_PKEY* key) {
  if (!EVP_PKEY_is_a(key, "EC")) return std::nullopt;
  char name[64] = {};
  std::size_t length = 0;
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof name, &length) !=
      1) {
    ERR_clear_error();
    return std::nullopt;
  }
  std::string group(name, length);
  if (group == "prime256v1" || group == "P-256" || group == "secp256r1") return EcCurve::P256;
  if (group == "secp384r1" || group == "P-384") return EcCurve::P384;
  return std::nullopt;
}

bool key_supports(const EVP_PKEY* key, SignatureScheme scheme) {
  switch (scheme) {
    case SignatureScheme::rsa_pss_rsae_sha256:
    case SignatureScheme::rsa_pss_rsae_sha384:
      return EVP_PKEY_is_a(key, "RSA");
    case SignatureScheme::ecdsa_secp256r1_sha256:
      return curve_of(key) == EcCurve::P256;
    case SignatureScheme::ecdsa_secp384r1_sha384:
      return curve_of(key) == EcCurve::P384;
  }
  return false;
}

bool is_pss(SignatureScheme scheme) {
  return scheme == SignatureScheme::rsa_pss_rsae_sha256 ||
         scheme == SignatureScheme::rsa_pss_rsae_sha384;
}

// RSA-PSS as TLS 1.3 uses it: MGF1 with the same hash, salt length = hash length.
void configure_pss(EVP_PKEY_CTX* context, SignatureScheme scheme) {
  if (!is_pss(scheme)) return;
  check(EVP_PKEY_CTX_set_rsa_padding(context, RSA_PKCS1_PSS_PADDING) == 1,
        "EVP_PKEY_CTX_set_rsa_padding");
  check(EVP_PKEY_CTX_set_rsa_pss_saltlen(context, RSA_PSS_SALTLEN_DIGEST) == 1,
        "EVP_PKEY_CTX_set_rsa_pss_saltlen");
  check(EVP_PKEY_CTX_set_rsa_mgf1_md(context, evp_md(signature_scheme_hash(scheme))) == 1,
        "EVP_PKEY_CTX_set_rsa_mgf1_md");
}

// The digest a TLS 1.3 signature scheme signs: Hash(message) with the process's fetched EVP_MD.
struct MessageDigest {
  unsigned char bytes[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
};

MessageDigest digest_of(SignatureScheme scheme, ByteView message) {
  MessageDigest digest;
  check(EVP_Digest(message.data(), message.size(), digest.bytes, &digest.length,
                   evp_md(signature_scheme_hash(scheme)), nullptr) == 1,
        "EVP_Digest");
  return digest;
}

enum class KeyOperation { Sign, Verify };

// A context that signs or verifies digests with key for scheme: the scheme's hash as the
// signature digest, and for RSA the PSS parameters.
EvpPkeyCtxPtr digest_context(EVP_PKEY* key, SignatureScheme scheme, KeyOperation operation) {
  EvpPkeyCtxPtr context(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  check(context != nullptr, "EVP_PKEY_CTX_new_from_pkey");
  if (operation == KeyOperation::Sign) {
    check(EVP_PKEY_sign_init(context.get()) == 1, "EVP_PKEY_sign_init");
  } else {
    check(EVP_PKEY_verify_init(context.get()) == 1, "EVP_PKEY_verify_init");
  }
  check(EVP_PKEY_CTX_set_signature_md(context.get(), evp_md(signature_scheme_hash(scheme))) == 1,
        "EVP_PKEY_CTX_set_signature_md");
  configure_pss(context.get(), scheme);
  return context;
}

constexpr std::array<SignatureScheme, 4> kSchemes = {
    SignatureScheme::ecdsa_secp256r1_sha256, SignatureScheme::ecdsa_secp384r1_sha384,
    SignatureScheme::rsa_pss_rsae_sha256, SignatureScheme::rsa_pss_rsae_sha384};

std::size_t scheme_index(SignatureScheme scheme) {
  for (std::size_t i = 0; i < kSchemes.size(); ++i) {
    if (kSchemes[i] == scheme) return i;
  }
  throw CryptoError("unknown signature scheme");
}

void require_support(const EVP_PKEY* key, SignatureScheme scheme) {
  if (!key_supports(key, scheme)) {
    throw CryptoError(std::string("this key cannot be used with ") + signature_scheme_name(scheme));
  }
}

SecretBytes read_secret_file(const std::filesystem::path& path) {
  // A PEM key of the profile is a few kilobytes; anything far larger is not a key file.
  constexpr std::uintmax_t kMaximumKeyFileBytes = 1 << 20;
  std::error_code error;
  const std::uintmax_t size = std::filesystem::file_size(path, error);
  if (error) throw CryptoError("cannot read key file " + path.string() + ": " + error.message());
  if (size > kMaximumKeyFileBytes) {
    throw CryptoError("key file " + path.string() + " is larger than 1 MiB, so not a PEM key");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw CryptoError("cannot read key file " + path.string());
  SecretBytes content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return content;
}

// Passphrase callback that declines: an encrypted key must fail to load with a clear error, never
// block a daemon on a terminal prompt (OpenSSL's default callback reads from the tty).
int refuse_passphrase(char* /*buffer*/, int /*size*/, int /*rwflag*/, void* /*user*/) {
  return -1;
}

BioPtr memory_bio(std::string_view text) {
  // BIO_new_mem_buf takes an int length, and reads a negative one as "NUL-terminated".
  if (text.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    throw CryptoError("PEM text too large");
  }
  BioPtr bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  check(bio != nullptr, "BIO_new_mem_buf");
  return bio;
}

}  // namespace

const char* signature_scheme_name(SignatureScheme scheme) {
  switch (scheme) {
    case SignatureScheme::ecdsa_secp256r1_sha256:
      return "ecdsa_secp256r1_sha256";
    case SignatureScheme::ecdsa_secp384r1_sha384:
      return "ecdsa_secp384r1_sha384";
    case SignatureScheme::rsa_pss_rsae_sha256:
      return "rsa_pss_rsae_sha256";
    case SignatureScheme::rsa_pss_rsae_sha384:
      return "rsa_pss_rsae_sha384";
  }
  return "unknown";
}

std::optional<SignatureScheme> signature_scheme_from_code(std::uint16_t code) {
  switch (code) {
    case 0x0403:
    case 0x0503:
    case 0x0804:
    case 0x0805:
      return static_cast<SignatureScheme>(code);
    default:
      return std::nullopt;
  }
}

HashAlgorithm signature_scheme_hash(SignatureScheme scheme) {
  return scheme == SignatureScheme::ecdsa_secp256r1_sha256 ||
                 scheme == SignatureScheme::rsa_pss_rsae_sha256
             ? HashAlgorithm::Sha256
             : HashAlgorithm::Sha384;
}

// ---------------------------------------------------------------- PublicKey
PublicKey::PublicKey(EvpPkeyPtr key) : key_(std::move(key)) {
  if (key_ == nullptr) throw CryptoError("public key is null");
}

PublicKey PublicKey::from_der(ByteView subject_public_key_info) {
  const unsigned char* cursor = subject_public_key_info.data();
  EVP_PKEY* key = d2i_PUBKEY(nullptr, &cursor, static_cast<long>(subject_public_key_info.size()));
  if (key == nullptr) throw_openssl_error("parsing a SubjectPublicKeyInfo");
  EvpPkeyPtr owned(key);
  if (cursor != subject_public_key_info.data() + subject_public_key_info.size()) {
    throw CryptoError("trailing bytes after the SubjectPublicKeyInfo");
  }
  return PublicKey(std::move(owned));
}

PublicKey PublicKey::from_pem(std::string_view pem) {
  BioPtr bio = memory_bio(pem);
  EVP_PKEY* key = PEM_read_bio_PUBKEY(bio.get(), nullptr, refuse_passphrase, nullptr);
  if (key == nullptr) throw_openssl_error("reading a PEM public key");
  return PublicKey(EvpPkeyPtr(key));
}

PublicKey PublicKey::share() const {
  check(EVP_PKEY_up_ref(key_.get()) == 1, "EVP_PKEY_up_ref");
  return PublicKey(EvpPkeyPtr(key_.get()));
}

KeyType PublicKey::type() const {
  return key_type_of(key_.get());
}
unsigned PublicKey::bits() const {
  return static_cast<unsigned>(EVP_PKEY_get_bits(key_.get()));
}
std::optional<EcCurve> PublicKey::curve() const {
  return curve_of(key_.get());
}
bool PublicKey::supports(SignatureScheme scheme) const {
  return key_supports(key_.get(), scheme);
}

bool PublicKey::verify(SignatureScheme scheme, ByteView message, ByteView signature) const {
  require_support(key_.get(), scheme);
  // Hash, then verify the digest: what EVP_DigestVerify does, without its second fetch of the
  // digest by name.
  const MessageDigest digest = digest_of(scheme, message);
  EvpPkeyCtxPtr context = digest_context(key_.get(), scheme, KeyOperation::Verify);
  const int result = EVP_PKEY_verify(context.get(), signature.data(), signature.size(),
                                     digest.bytes, digest.length);
  ERR_clear_error();  // a bad signature leaves errors behind; they are not ours to report
  return result == 1;
}

Bytes PublicKey::to_der() const {
  unsigned char* der = nullptr;
  int length = i2d_PUBKEY(key_.get(), &der);
  if (length <= 0) throw_openssl_error("i2d_PUBKEY");
  Bytes bytes(der, der + length);
  OPENSSL_free(der);
  return bytes;
}

// ---------------------------------------------------------------- PrivateKey
struct PrivateKey::Prepared {
  KeyType type;
  std::optional<EcCurve> curve;
  unsigned bits;
  // One signing context per scheme, made on first use and only duplicated afterwards (a
  // duplicate shares the key and the fetched algorithms; the original is never changed).
  std::array<std::once_flag, kSchemes.size()> made;
  std::array<EvpPkeyCtxPtr, kSchemes.size()> signers;
};

PrivateKey::PrivateKey(EvpPkeyPtr key) : key_(std::move(key)) {
  if (key_ == nullptr) throw CryptoError("private key is null");
  prepared_ = std::make_unique<Prepared>();
  prepared_->type = key_type_of(key_.get());  // only RSA and EC keys
  prepared_->curve = curve_of(key_.get());
  prepared_->bits = static_cast<unsigned>(EVP_PKEY_get_bits(key_.get()));
}

PrivateKey::PrivateKey(PrivateKey&&) noexcept = default;
PrivateKey& PrivateKey::operator=(PrivateKey&&) noexcept = default;
PrivateKey::~PrivateKey() = default;

PrivateKey PrivateKey::generate_rsa(unsigned bits) {
  if (bits < kMinimumRsaBits || bits > kMaximumRsaBits) {
    throw CryptoError("RSA keys must have 2048 to 4096 bits, not " + std::to_string(bits));
  }
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(bits));
  if (key == nullptr) throw_openssl_error("generating an RSA key");
  return PrivateKey(EvpPkeyPtr(key));
}

PrivateKey PrivateKey::generate_ecdsa(EcCurve curve) {
  EVP_PKEY* key =
      EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve == EcCurve::P256 ? "P-256" : "P-384");
  if (key == nullptr) throw_openssl_error("generating an ECDSA key");
  return PrivateKey(EvpPkeyPtr(key));
}

PrivateKey PrivateKey::from_pem(std::string_view pem) {
  BioPtr bio = memory_bio(pem);
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio.get(), nullptr, refuse_passphrase, nullptr);
  if (key == nullptr) {
    throw_openssl_error(
        "reading a PEM private key (unencrypted PKCS#8 or traditional PEM expected)");
  }
  return PrivateKey(EvpPkeyPtr(key));
}

PrivateKey PrivateKey::load_pem_file(const std::filesystem::path& path) {
  SecretBytes content = read_secret_file(path);
  try {
    return from_pem(
        std::string_view(reinterpret_cast<const char*>(content.data()), content.size()));
  } catch (const CryptoError& error) {
    throw CryptoError("key file " + path.string() + " is damaged: " + error.what());
  }
}

SecretBytes PrivateKey::to_pem() const {
  BioPtr bio(BIO_new(BIO_s_secmem()));
  check(bio != nullptr, "BIO_new");
  check(PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1,
        "PEM_write_bio_PrivateKey");
  char* data = nullptr;
  long length = BIO_get_mem_data(bio.get(), &data);
  check(length > 0 && data != nullptr, "BIO_get_mem_data");
  return SecretBytes(data, data + length);
}

void PrivateKey::save_pem_file(const std::filesystem::path& path) const {
  const SecretBytes pem = to_pem();
  // The temporary file is created mode 0600 (mkstemp) and kept so: the key is never readable by
  // anyone else, not even for an instant, and a planted file or link is never followed.
  try {
    files::write_file_atomically(path, pem, files::kOwnerOnly, files::FolderSync::required);
  } catch (const files::FileError& failure) {
    throw CryptoError(failure.what());
  }
}

KeyType PrivateKey::type() const {
  return prepared_->type;
}
unsigned PrivateKey::bits() const {
  return prepared_->bits;
}
std::optional<EcCurve> PrivateKey::curve() const {
  return prepared_->curve;
}
bool PrivateKey::supports(SignatureScheme scheme) const {
  switch (scheme) {
    case SignatureScheme::rsa_pss_rsae_sha256:
    case SignatureScheme::rsa_pss_rsae_sha384:
      return prepared_->type == KeyType::Rsa;
    case SignatureScheme::ecdsa_secp256r1_sha256:
      return prepared_->curve == EcCurve::P256;
    case SignatureScheme::ecdsa_secp384r1_sha384:
      return prepared_->curve == EcCurve::P384;
  }
  return false;
}

PublicKey PrivateKey::public_key() const {
  unsigned char* der = nullptr;
  int length = i2d_PUBKEY(key_.get(), &der);
  if (length <= 0) throw_openssl_error("i2d_PUBKEY");
  Bytes bytes(der, der + length);
  OPENSSL_free(der);
  return PublicKey::from_der(bytes);
}

Bytes PrivateKey::sign(SignatureScheme scheme, ByteView message) const {
  if (!supports(scheme)) {
    throw CryptoError(std::string("this key cannot be used with ") + signature_scheme_name(scheme));
  }
  const std::size_t index = scheme_index(scheme);
  std::call_once(prepared_->made[index], [&] {
    prepared_->signers[index] = digest_context(key_.get(), scheme, KeyOperation::Sign);
  });
  const MessageDigest digest = digest_of(scheme, message);
  EvpPkeyCtxPtr context(EVP_PKEY_CTX_dup(prepared_->signers[index].get()));
  check(context != nullptr, "EVP_PKEY_CTX_dup (signing context)");
  std::size_t length = static_cast<std::size_t>(EVP_PKEY_get_size(key_.get()));
  check(length > 0, "EVP_PKEY_get_size");
  Bytes signature(length);
  check(EVP_PKEY_sign(context.get(), signature.data(), &length, digest.bytes, digest.length) == 1,
        "EVP_PKEY_sign");
  signature.resize(length);
  return signature;
}

}  // namespace sc::crypto
