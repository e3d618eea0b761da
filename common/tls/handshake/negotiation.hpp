#pragma once
// Small pieces both engines use while negotiating: code point lists, names for sentences,
// randomness and key shares (with the test hooks), and the "expected X, got Y" check.
#include <cstdint>
#include <string>
#include <vector>

#include "common/tls/config.hpp"
#include "common/tls/handshake/handshake_message.hpp"

namespace sc::tls {

std::vector<std::uint16_t> code_points(const std::vector<CipherSuite>& suites);
// Whether a list of code points (as offered or received) holds `code`.
bool contains(const std::vector<std::uint16_t>& codes, std::uint16_t code);
std::vector<std::uint16_t> code_points(const std::vector<NamedGroup>& groups);
std::vector<std::uint16_t> code_points(const std::vector<crypto::SignatureScheme>& schemes);

std::string suite_description(std::uint16_t code);   // "TLS_AES_128_GCM_SHA256" or "0x1234"
std::string group_description(std::uint16_t code);   // "x25519" or "group 0x0019"
std::string group_description(NamedGroup group);     // the same for a received NamedGroup
std::string suite_description(CipherSuite suite);    // the same for a received CipherSuite
std::string scheme_description(std::uint16_t code);  // "rsa_pss_rsae_sha256" or "0x0601"

Bytes fresh_random(const TestHooks& hooks, std::size_t length);
crypto::KeyShare fresh_key_share(const TestHooks& hooks, NamedGroup group);

// unexpected_message "expected <expected>, got <actual>" unless the types match.
void expect_message(const HandshakeMessage& message, HandshakeType expected);
void expect_message(const HandshakeMessage& message, HandshakeType expected1,
                    HandshakeType expected2);

}  // namespace sc::tls
