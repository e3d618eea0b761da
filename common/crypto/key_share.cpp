#include "common/crypto/key_share.hpp"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

#include <array>
#include <cstdio>
#include <string>

#include "common/crypto/error.hpp"

namespace sc::crypto {
namespace {

constexpr std::size_t kX25519Length = 32;

// The NIST curves: their OpenSSL names and sizes (SEC 1 section 2.3.3: an uncompressed point is
// 0x04 || X || Y, each coordinate as long as the field).
struct NistCurve {
  const char* name;           // OSSL_PKEY_PARAM_GROUP_NAME and EVP_PKEY_Q_keygen's curve
  int nid;                    // for EC_GROUP
  std::size_t scalar_length;  // bytes of the private scalar and of one coordinate
  const char* label;          // in error sentences
  std::size_t point_length() const { return 1 + 2 * scalar_length; }
};

constexpr NistCurve kP256{"P-256", NID_X9_62_prime256v1, 32, "P-256"};
constexpr NistCurve kP384{"P-384", NID_secp384r1, 48, "P-384"};

const NistCurve& nist_curve(KeyExchangeGroup group) {
  if (group == KeyExchangeGroup::Secp384r1) return kP384;
  return kP256;
}

using ParamBuildPtr = std::unique_ptr<OSSL_PARAM_BLD, OpensslDeleter<OSSL_PARAM_BLD_free>>;
using ParamPtr = std::unique_ptr<OSSL_PARAM, OpensslDeleter<OSSL_PARAM_free>>;
using EcGroupPtr = std::unique_ptr<EC_GROUP, OpensslDeleter<EC_GROUP_free>>;
using EcPointPtr = std::unique_ptr<EC_POINT, OpensslDeleter<EC_POINT_free>>;

Bytes x25519_public(EVP_PKEY* key) {
  Bytes public_key(kX25519Length);
  std::size_t length = public_key.size();
  check(
      EVP_PKEY_get_raw_public_key(key, public_key.data(), &length) == 1 && length == kX25519Length,
      "EVP_PKEY_get_raw_public_key");
  return public_key;
}

Bytes nist_public(const NistCurve& curve, EVP_PKEY* key) {
  Bytes public_key(curve.point_length());
  std::size_t length = 0;
  check(EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, public_key.data(),
                                        public_key.size(), &length) == 1,
        "EVP_PKEY_get_octet_string_param (public key)");
  check(length == curve.point_length() && public_key[0] == 0x04, "EC public key encoding");
  return public_key;
}

// An EC EVP_PKEY from parameters; public_point must be uncompressed and on the curve
// (EVP_PKEY_fromdata checks it: RFC 8446 section 4.2.8.2 asks for that validation).
EvpPkeyPtr nist_from_params(const NistCurve& curve, ByteView public_point,
                            const BIGNUM* private_scalar) {
  ParamBuildPtr builder(OSSL_PARAM_BLD_new());
  check(builder != nullptr, "OSSL_PARAM_BLD_new");
  check(OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME, curve.name, 0) ==
            1,
        "OSSL_PARAM_BLD_push_utf8_string");
  check(OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY,
                                         public_point.data(), public_point.size()) == 1,
        "OSSL_PARAM_BLD_push_octet_string");
  if (private_scalar != nullptr) {
    check(OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_PRIV_KEY, private_scalar) == 1,
          "OSSL_PARAM_BLD_push_BN");
  }
  ParamPtr params(OSSL_PARAM_BLD_to_param(builder.get()));
  check(params != nullptr, "OSSL_PARAM_BLD_to_param");
  EvpPkeyCtxPtr context(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  check(context != nullptr, "EVP_PKEY_CTX_new_from_name EC");
  check(EVP_PKEY_fromdata_init(context.get()) == 1, "EVP_PKEY_fromdata_init");
  EVP_PKEY* key = nullptr;
  int selection = private_scalar != nullptr ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY;
  if (EVP_PKEY_fromdata(context.get(), &key, selection, params.get()) != 1) return nullptr;
  return EvpPkeyPtr(key);
}

Bytes nist_point_from_scalar(const NistCurve& curve, const BIGNUM* scalar) {
  EcGroupPtr group(EC_GROUP_new_by_curve_name(curve.nid));
  check(group != nullptr, "EC_GROUP_new_by_curve_name");
  // A private scalar is in [1, n-1] (SEC 1 section 3.2.1).
  if (BN_is_zero(scalar) || BN_cmp(scalar, EC_GROUP_get0_order(group.get())) >= 0) {
    throw CryptoError(std::string(curve.label) + " private key is outside [1, n-1]");
  }
  EcPointPtr point(EC_POINT_new(group.get()));
  check(point != nullptr, "EC_POINT_new");
  check(EC_POINT_mul(group.get(), point.get(), scalar, nullptr, nullptr, nullptr) == 1,
        "EC_POINT_mul");
  Bytes encoded(curve.point_length());
  check(EC_POINT_point2oct(group.get(), point.get(), POINT_CONVERSION_UNCOMPRESSED, encoded.data(),
                           encoded.size(), nullptr) == curve.point_length(),
        "EC_POINT_point2oct");
  return encoded;
}

// The peer's public value as a key of our key's type. OpenSSL 3.0 walks all its algorithm
// names for every new EVP_PKEY (EVP_PKEY_set_type_by_keymgmt), so each thread keeps one key
// object per group, made once through a context on our own key (its key manager is reused), and
// puts each peer's value into it with EVP_PKEY_set1_encoded_public_key. The object is only used
// inside one derive() call of its thread. Null when the value is not a valid key.
EVP_PKEY* peer_key(EVP_PKEY_CTX* own_key_context, KeyExchangeGroup group,
                   ByteView peer_public_key) {
  // RFC 8446 section 4.2.8.2: only the uncompressed form is used in TLS 1.3, and the peer's
  // point MUST be validated (on the curve, not the point at infinity): OpenSSL decodes it onto
  // the curve (EC_KEY_oct2key), and derive() asks OpenSSL to check the key once more.
  const bool x25519 = group == KeyExchangeGroup::X25519;
  const std::size_t expected = x25519 ? kX25519Length : nist_curve(group).point_length();
  if (peer_public_key.size() != expected || (!x25519 && peer_public_key[0] != 0x04)) {
    return nullptr;
  }
  thread_local std::array<EvpPkeyPtr, 3> holders;
  EvpPkeyPtr& holder = holders.at(static_cast<std::size_t>(group));
  if (holder == nullptr) {
    // OSSL_PARAM wants mutable pointers; nothing writes through them when importing.
    char group_name[8] = {};
    std::snprintf(group_name, sizeof group_name, "%s", x25519 ? "" : nist_curve(group).name);
    auto* public_value = const_cast<std::uint8_t*>(peer_public_key.data());
    OSSL_PARAM nist_params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group_name, 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, public_value, expected),
        OSSL_PARAM_construct_end()};
    OSSL_PARAM* params = x25519 ? nist_params + 1 : nist_params;
    if (EVP_PKEY_fromdata_init(own_key_context) != 1) return nullptr;
    EVP_PKEY* key = nullptr;
    if (EVP_PKEY_fromdata(own_key_context, &key, EVP_PKEY_PUBLIC_KEY, params) != 1) {
      return nullptr;
    }
    holder.reset(key);
    return key;
  }
  if (EVP_PKEY_set1_encoded_public_key(holder.get(), peer_public_key.data(),
                                       peer_public_key.size()) != 1) {
    return nullptr;
  }
  return holder.get();
}

// Bytes of the shared secret: the X25519 output, or the x-coordinate for ECDH (RFC 8446
// section 7.4.2).
std::size_t shared_secret_length(KeyExchangeGroup group) {
  return group == KeyExchangeGroup::X25519 ? kX25519Length : nist_curve(group).scalar_length;
}

// A key-generation context per group and thread, initialised once. EVP_PKEY_Q_keygen fetches
// the key manager and builds a context on every call, and OpenSSL 3.0 cannot duplicate an
// X25519 generation context; a context is never shared between threads.
EVP_PKEY_CTX* keygen_context(KeyExchangeGroup group) {
  thread_local std::array<EvpPkeyCtxPtr, 3> contexts;
  EvpPkeyCtxPtr& context = contexts.at(static_cast<std::size_t>(group));
  if (context == nullptr) {
    const bool x25519 = group == KeyExchangeGroup::X25519;
    EvpPkeyCtxPtr made(EVP_PKEY_CTX_new_from_name(nullptr, x25519 ? "X25519" : "EC", nullptr));
    check(made != nullptr, std::string("EVP_PKEY_CTX_new_from_name for ") + group_name(group));
    check(EVP_PKEY_keygen_init(made.get()) == 1, "EVP_PKEY_keygen_init");
    if (!x25519) {
      check(EVP_PKEY_CTX_set_group_name(made.get(), nist_curve(group).name) == 1,
            "EVP_PKEY_CTX_set_group_name");
    }
    context = std::move(made);
  }
  return context.get();
}

bool all_zero(const SecretBytes& bytes) {
  unsigned char accumulated = 0;
  for (std::uint8_t byte : bytes) accumulated |= byte;
  return accumulated == 0;
}

}  // namespace

const char* group_name(KeyExchangeGroup group) {
  switch (group) {
    case KeyExchangeGroup::X25519:
      return "x25519";
    case KeyExchangeGroup::Secp256r1:
      return "secp256r1";
    case KeyExchangeGroup::Secp384r1:
      return "secp384r1";
  }
  return "unknown";
}

KeyShare::KeyShare(KeyExchangeGroup group, EvpPkeyPtr key) : group_(group), key_(std::move(key)) {
  check(key_ != nullptr, "key share");
  public_key_ = group == KeyExchangeGroup::X25519 ? x25519_public(key_.get())
                                                  : nist_public(nist_curve(group), key_.get());
}

KeyShare KeyShare::generate(KeyExchangeGroup group) {
  EVP_PKEY* key = nullptr;
  if (EVP_PKEY_keygen(keygen_context(group), &key) != 1 || key == nullptr) {
    EVP_PKEY_free(key);
    throw_openssl_error(std::string("generating a ") + group_name(group) + " key");
  }
  return KeyShare(group, EvpPkeyPtr(key));
}

KeyShare KeyShare::from_private_key(KeyExchangeGroup group, ByteView private_key) {
  if (group == KeyExchangeGroup::X25519) {
    if (private_key.size() != kX25519Length)
      throw CryptoError("X25519 private key must be 32 bytes");
    EVP_PKEY* key = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, private_key.data(),
                                                 private_key.size());
    if (key == nullptr) throw_openssl_error("EVP_PKEY_new_raw_private_key X25519");
    return KeyShare(group, EvpPkeyPtr(key));
  }
  const NistCurve& curve = nist_curve(group);
  if (private_key.size() != curve.scalar_length) {
    throw CryptoError(std::string(curve.label) + " private key must be " +
                      std::to_string(curve.scalar_length) + " bytes");
  }
  BignumPtr scalar(BN_secure_new());
  check(scalar != nullptr, "BN_secure_new");
  check(
      BN_bin2bn(private_key.data(), static_cast<int>(private_key.size()), scalar.get()) != nullptr,
      "BN_bin2bn");
  Bytes point = nist_point_from_scalar(curve, scalar.get());
  EvpPkeyPtr key = nist_from_params(curve, point, scalar.get());
  if (key == nullptr) {
    throw_openssl_error(std::string("building a ") + curve.label + " key from its scalar");
  }
  return KeyShare(group, std::move(key));
}

std::optional<SecretBytes> KeyShare::derive(ByteView peer_public_key) const {
  // One context on our key serves to import the peer's value and then to derive.
  EvpPkeyCtxPtr context(EVP_PKEY_CTX_new_from_pkey(nullptr, key_.get(), nullptr));
  check(context != nullptr, "EVP_PKEY_CTX_new_from_pkey");
  EVP_PKEY* peer = peer_key(context.get(), group_, peer_public_key);
  if (peer == nullptr) {
    ERR_clear_error();
    return std::nullopt;
  }
  check(EVP_PKEY_derive_init(context.get()) == 1, "EVP_PKEY_derive_init");
  // For the NIST curves OpenSSL checks the peer's point once more (validate_peer = 1). For
  // X25519 that check only asks whether a public key is present (every 32-byte string is a
  // valid input to X25519); the check that matters, an all-zero result, is made below.
  const int validate_peer = group_ == KeyExchangeGroup::X25519 ? 0 : 1;
  if (EVP_PKEY_derive_set_peer_ex(context.get(), peer, validate_peer) != 1) {
    ERR_clear_error();
    return std::nullopt;
  }
  SecretBytes secret(shared_secret_length(group_));
  std::size_t length = secret.size();
  if (EVP_PKEY_derive(context.get(), secret.data(), &length) != 1) {
    ERR_clear_error();
    return std::nullopt;
  }
  check(length == secret.size(), "EVP_PKEY_derive length");
  // RFC 8446 section 7.4.2: an all-zero X25519 result MUST be rejected.
  if (group_ == KeyExchangeGroup::X25519 && all_zero(secret)) return std::nullopt;
  return secret;
}

}  // namespace sc::crypto
