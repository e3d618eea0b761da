#pragma once
// Cipher suites: the three standard TLS 1.3 suites and the private-use suites that complete
// {AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305} x {SHA-256, SHA-384}. Private suites live in
// 0xFF00-0xFFFF, are never offered unless configured, and are marked non-standard.
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "common/crypto/aead.hpp"
#include "common/crypto/hash.hpp"
#include "common/crypto/key_share.hpp"

namespace sc::tls {

enum class CipherSuite : std::uint16_t {
  TLS_AES_128_GCM_SHA256 = 0x1301,
  TLS_AES_256_GCM_SHA384 = 0x1302,
  TLS_CHACHA20_POLY1305_SHA256 = 0x1303,
  // Private use (non-standard): only between this project's own peers.
  PRIVATE_AES_128_GCM_SHA384 = 0xFF01,
  PRIVATE_AES_256_GCM_SHA256 = 0xFF02,
  PRIVATE_CHACHA20_POLY1305_SHA384 = 0xFF03,
};

struct CipherSuiteInfo {
  CipherSuite suite;
  std::string_view name;  // "TLS_AES_128_GCM_SHA256", "TLS_CHACHA20_POLY1305_SHA384 (private)"
  crypto::AeadAlgorithm aead;
  crypto::HashAlgorithm hash;
  bool standard;
};

const CipherSuiteInfo& cipher_suite_info(CipherSuite suite);
std::optional<CipherSuite> cipher_suite_from_code(std::uint16_t code);
// Accepts the full name with or without the "(private)" mark, e.g. "TLS_AES_128_GCM_SHA256"
// or "TLS_CHACHA20_POLY1305_SHA384"; case-insensitive.
std::optional<CipherSuite> cipher_suite_from_name(std::string_view name);
// The suite with that AEAD and hash (standard or private).
CipherSuite cipher_suite_for(crypto::AeadAlgorithm aead, crypto::HashAlgorithm hash);

// RFC 8446 section 5.5: the records one traffic key of this suite may protect. AES-GCM: 2^24.5
// full-size records (23726566); ChaCha20-Poly1305 has no practical limit, so it is the 64-bit
// sequence number space (2^64 - 1) and the number never wraps (5.3).
std::uint64_t record_limit(CipherSuite suite);
constexpr std::uint64_t kAesGcmRecordLimit = 23726566;  // floor(2^24.5)

std::span<const CipherSuiteInfo> all_cipher_suites();
std::vector<CipherSuite> standard_cipher_suites();  // 0x1301, 0x1302, 0x1303 in that order

// RFC 8446 section 4.2.7.
enum class NamedGroup : std::uint16_t { secp256r1 = 0x0017, secp384r1 = 0x0018, x25519 = 0x001d };
std::optional<NamedGroup> named_group_from_code(std::uint16_t code);
crypto::KeyExchangeGroup key_exchange_group(NamedGroup group);
const char* named_group_name(NamedGroup group);
// What the engines offer and accept by default, in preference order: x25519, secp256r1,
// secp384r1.
std::vector<NamedGroup> default_groups();

}  // namespace sc::tls
