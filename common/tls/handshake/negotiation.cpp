#include "common/tls/handshake/negotiation.hpp"

#include <algorithm>
#include <cstdio>

#include "common/crypto/random.hpp"

namespace sc::tls {

namespace {
std::string hex16(std::uint16_t code) {
  char text[8];
  std::snprintf(text, sizeof text, "0x%04X", code);
  return text;
}
}  // namespace

std::vector<std::uint16_t> code_points(const std::vector<CipherSuite>& suites) {
  std::vector<std::uint16_t> codes;
  for (CipherSuite suite : suites) codes.push_back(static_cast<std::uint16_t>(suite));
  return codes;
}

std::vector<std::uint16_t> code_points(const std::vector<NamedGroup>& groups) {
  std::vector<std::uint16_t> codes;
  for (NamedGroup group : groups) codes.push_back(static_cast<std::uint16_t>(group));
  return codes;
}

std::vector<std::uint16_t> code_points(const std::vector<crypto::SignatureScheme>& schemes) {
  std::vector<std::uint16_t> codes;
  for (crypto::SignatureScheme scheme : schemes)
    codes.push_back(static_cast<std::uint16_t>(scheme));
  return codes;
}

std::string suite_description(std::uint16_t code) {
  if (auto suite = cipher_suite_from_code(code)) {
    return std::string(cipher_suite_info(*suite).name);
  }
  return "cipher suite " + hex16(code);
}

std::string group_description(std::uint16_t code) {
  if (auto group = named_group_from_code(code)) return named_group_name(*group);
  return "group " + hex16(code);
}

std::string group_description(NamedGroup group) {
  return group_description(static_cast<std::uint16_t>(group));
}

std::string suite_description(CipherSuite suite) {
  return suite_description(static_cast<std::uint16_t>(suite));
}

std::string scheme_description(std::uint16_t code) {
  if (auto scheme = crypto::signature_scheme_from_code(code)) {
    return crypto::signature_scheme_name(*scheme);
  }
  return "signature scheme " + hex16(code);
}

Bytes fresh_random(const TestHooks& hooks, std::size_t length) {
  Bytes random(length);
  if (hooks.random) {
    hooks.random(random);
  } else {
    crypto::random_fill(random);
  }
  return random;
}

crypto::KeyShare fresh_key_share(const TestHooks& hooks, NamedGroup group) {
  const crypto::KeyExchangeGroup exchange = key_exchange_group(group);
  if (hooks.key_share) return hooks.key_share(exchange);
  return crypto::KeyShare::generate(exchange);
}

bool contains(const std::vector<std::uint16_t>& codes, std::uint16_t code) {
  return std::find(codes.begin(), codes.end(), code) != codes.end();
}

void expect_message(const HandshakeMessage& message, HandshakeType expected) {
  if (message.type != expected) {
    throw ProtocolError(
        AlertDescription::unexpected_message,
        "expected " + handshake_type_name(expected) + ", got " + handshake_type_name(message.type));
  }
}

void expect_message(const HandshakeMessage& message, HandshakeType expected1,
                    HandshakeType expected2) {
  if (message.type != expected1 && message.type != expected2) {
    throw ProtocolError(AlertDescription::unexpected_message,
                        "expected " + handshake_type_name(expected1) + " or " +
                            handshake_type_name(expected2) + ", got " +
                            handshake_type_name(message.type));
  }
}

}  // namespace sc::tls
