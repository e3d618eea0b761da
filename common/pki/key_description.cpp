#include "common/pki/key_description.hpp"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/objects.h>

#include <algorithm>

namespace sc::pki {

namespace {

std::string ec_curve_name(const EVP_PKEY* key) {
  char group[64] = {};
  std::size_t length = 0;
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                     &length) != 1) {
    ERR_clear_error();
    return "(explicit or unknown curve)";
  }
  const int nid = OBJ_sn2nid(group);
  const char* nist = nid == NID_undef ? nullptr : EC_curve_nid2nist(nid);
  return nist != nullptr ? nist : group;
}

}  // namespace

std::string KeyDescription::text() const {
  if (!supported_algorithm) return curve_name.empty() ? "unsupported key" : curve_name;
  if (type == crypto::KeyType::Rsa) return "RSA " + std::to_string(bits);
  return "ECDSA " + curve_name;
}

KeyDescription describe_public_key(const EVP_PKEY* key) {
  KeyDescription description;
  if (key == nullptr) {
    ERR_clear_error();
    description.curve_name = "unreadable public key";
    return description;
  }
  description.bits = static_cast<unsigned>(std::max(0, EVP_PKEY_get_bits(key)));
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA:
      description.type = crypto::KeyType::Rsa;
      description.supported_algorithm = true;
      break;
    case EVP_PKEY_EC:
      description.type = crypto::KeyType::Ecdsa;
      description.supported_algorithm = true;
      description.curve_name = ec_curve_name(key);
      break;
    default: {
      const char* name = OBJ_nid2sn(EVP_PKEY_get_base_id(key));
      description.curve_name = name != nullptr ? name : "unknown key algorithm";
      break;
    }
  }
  return description;
}

bool is_accepted_curve(std::string_view curve_name) {
  return curve_name == "P-256" || curve_name == "P-384";
}

std::optional<std::string> key_floor_problem(const KeyDescription& key) {
  if (!key.supported_algorithm) {
    return "has an " + key.text() + " key; only RSA and ECDSA (P-256, P-384) keys are accepted";
  }
  if (key.type == crypto::KeyType::Rsa) {
    if (key.bits >= kMinimumRsaBits) return std::nullopt;
    return "has an RSA key of " + std::to_string(key.bits) + " bits; at least " +
           std::to_string(kMinimumRsaBits) + " are required";
  }
  if (is_accepted_curve(key.curve_name)) return std::nullopt;
  return "has an ECDSA key on " + key.curve_name + "; only P-256 and P-384 are accepted";
}

}  // namespace sc::pki
