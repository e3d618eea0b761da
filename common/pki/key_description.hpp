#pragma once
// What a public key is (algorithm, size, curve), read straight from the key, and the floor
// the product holds every key to: when the CA accepts a CSR (key_refusal in
// certificate_authority.hpp) and when a verifier accepts a chain (chain_verifier.hpp).
#include <optional>
#include <string>
#include <string_view>

#include <openssl/evp.h>

#include "common/crypto/signature.hpp"

namespace sc::pki {

// Described rather than wrapped in a crypto::PublicKey because the key may be one the product
// refuses (RSA-1024, P-521, Ed25519), which crypto::PublicKey cannot hold.
struct KeyDescription {
  crypto::KeyType type = crypto::KeyType::Rsa;  // only meaningful when supported_algorithm
  bool supported_algorithm = false;             // RSA or EC
  unsigned bits = 0;                            // modulus bits or curve order bits
  std::string curve_name;                       // "P-256", "P-384", "P-521", ... for EC
  std::string text() const;                     // "RSA 2048", "ECDSA P-256", "ED25519"
};

// key may be null (an unreadable key: described as unsupported).
KeyDescription describe_public_key(const EVP_PKEY* key);

// The floor. RSA below 2048 bits is within reach of well-funded attackers (NIST SP 800-131A
// disallows it since 2014); the product's curves are P-256 and P-384 only (the TLS profile's
// ecdsa_secp256r1_sha256 and ecdsa_secp384r1_sha384).
inline constexpr unsigned kMinimumRsaBits = 2048;
// CSR acceptance only: bigger keys cost every peer time and buy nothing the profile needs.
inline constexpr unsigned kMaximumRsaBits = 8192;
bool is_accepted_curve(std::string_view curve_name);  // "P-256" or "P-384"

// nullopt when the key meets the floor, else what is wrong as the end of a sentence that
// begins with the key's owner: "has an RSA key of 1024 bits; at least 2048 are required",
// "has an ECDSA key on P-521; only P-256 and P-384 are accepted", "has an ED25519 key; only
// RSA and ECDSA keys are accepted".
std::optional<std::string> key_floor_problem(const KeyDescription& key);

}  // namespace sc::pki
