// The cipher suite table: the three standard TLS 1.3 suites (RFC 8446 appendix B.4) and the
// private-use suites completing {AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305} x {SHA-256,
// SHA-384}, and the named groups (RFC 8446 section 4.2.7).
#include "common/tls/cipher_suite.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <limits>
#include <stdexcept>
#include <string>

namespace sc::tls {

namespace {

using crypto::AeadAlgorithm;
using crypto::HashAlgorithm;

constexpr std::array<CipherSuiteInfo, 6> kCipherSuites{{
    {CipherSuite::TLS_AES_128_GCM_SHA256, "TLS_AES_128_GCM_SHA256", AeadAlgorithm::Aes128Gcm,
     HashAlgorithm::Sha256, true},
    {CipherSuite::TLS_AES_256_GCM_SHA384, "TLS_AES_256_GCM_SHA384", AeadAlgorithm::Aes256Gcm,
     HashAlgorithm::Sha384, true},
    {CipherSuite::TLS_CHACHA20_POLY1305_SHA256, "TLS_CHACHA20_POLY1305_SHA256",
     AeadAlgorithm::ChaCha20Poly1305, HashAlgorithm::Sha256, true},
    {CipherSuite::PRIVATE_AES_128_GCM_SHA384, "TLS_AES_128_GCM_SHA384 (private)",
     AeadAlgorithm::Aes128Gcm, HashAlgorithm::Sha384, false},
    {CipherSuite::PRIVATE_AES_256_GCM_SHA256, "TLS_AES_256_GCM_SHA256 (private)",
     AeadAlgorithm::Aes256Gcm, HashAlgorithm::Sha256, false},
    {CipherSuite::PRIVATE_CHACHA20_POLY1305_SHA384, "TLS_CHACHA20_POLY1305_SHA384 (private)",
     AeadAlgorithm::ChaCha20Poly1305, HashAlgorithm::Sha384, false},
}};

constexpr std::string_view kPrivateMark = " (private)";

std::string_view without_private_mark(std::string_view name) {
  if (name.size() >= kPrivateMark.size() &&
      name.substr(name.size() - kPrivateMark.size()) == kPrivateMark) {
    name.remove_suffix(kPrivateMark.size());
  }
  return name;
}

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::toupper(static_cast<unsigned char>(x)) ==
                  std::toupper(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

}  // namespace

const CipherSuiteInfo& cipher_suite_info(CipherSuite suite) {
  for (const auto& info : kCipherSuites) {
    if (info.suite == suite) return info;
  }
  char code[8];
  std::snprintf(code, sizeof code, "%04x", static_cast<unsigned>(suite));
  throw std::invalid_argument(std::string("unknown cipher suite code 0x") + code);
}

std::optional<CipherSuite> cipher_suite_from_code(std::uint16_t code) {
  for (const auto& info : kCipherSuites) {
    if (static_cast<std::uint16_t>(info.suite) == code) return info.suite;
  }
  return std::nullopt;
}

std::optional<CipherSuite> cipher_suite_from_name(std::string_view name) {
  // Compare the bare names, so that "(private)" may be given or left out (in any case).
  std::string_view wanted = trim(name);
  if (wanted.size() >= kPrivateMark.size() &&
      equal_ignoring_case(wanted.substr(wanted.size() - kPrivateMark.size()), kPrivateMark)) {
    wanted.remove_suffix(kPrivateMark.size());
  }
  wanted = trim(wanted);
  for (const auto& info : kCipherSuites) {
    if (equal_ignoring_case(without_private_mark(info.name), wanted)) return info.suite;
  }
  return std::nullopt;
}

CipherSuite cipher_suite_for(crypto::AeadAlgorithm aead, crypto::HashAlgorithm hash) {
  for (const auto& info : kCipherSuites) {
    if (info.aead == aead && info.hash == hash) return info.suite;
  }
  // The table covers every AEAD x hash pair, so this only happens on a corrupted enum value.
  throw std::invalid_argument("no cipher suite for that AEAD and hash");
}

std::uint64_t record_limit(CipherSuite suite) {
  switch (cipher_suite_info(suite).aead) {
    case AeadAlgorithm::Aes128Gcm:
    case AeadAlgorithm::Aes256Gcm:
      return kAesGcmRecordLimit;
    case AeadAlgorithm::ChaCha20Poly1305:
      break;
  }
  return std::numeric_limits<std::uint64_t>::max();
}

std::span<const CipherSuiteInfo> all_cipher_suites() {
  return kCipherSuites;
}

std::vector<CipherSuite> standard_cipher_suites() {
  return {CipherSuite::TLS_AES_128_GCM_SHA256, CipherSuite::TLS_AES_256_GCM_SHA384,
          CipherSuite::TLS_CHACHA20_POLY1305_SHA256};
}

std::optional<NamedGroup> named_group_from_code(std::uint16_t code) {
  switch (code) {
    case static_cast<std::uint16_t>(NamedGroup::secp256r1):
      return NamedGroup::secp256r1;
    case static_cast<std::uint16_t>(NamedGroup::secp384r1):
      return NamedGroup::secp384r1;
    case static_cast<std::uint16_t>(NamedGroup::x25519):
      return NamedGroup::x25519;
    default:
      return std::nullopt;
  }
}

std::vector<NamedGroup> default_groups() {
  return {NamedGroup::x25519, NamedGroup::secp256r1, NamedGroup::secp384r1};
}

crypto::KeyExchangeGroup key_exchange_group(NamedGroup group) {
  switch (group) {
    case NamedGroup::secp256r1:
      return crypto::KeyExchangeGroup::Secp256r1;
    case NamedGroup::secp384r1:
      return crypto::KeyExchangeGroup::Secp384r1;
    case NamedGroup::x25519:
      return crypto::KeyExchangeGroup::X25519;
  }
  throw std::invalid_argument("unknown named group");
}

const char* named_group_name(NamedGroup group) {
  switch (group) {
    case NamedGroup::secp256r1:
      return "secp256r1";
    case NamedGroup::secp384r1:
      return "secp384r1";
    case NamedGroup::x25519:
      return "x25519";
  }
  return "unknown_group";
}

}  // namespace sc::tls
