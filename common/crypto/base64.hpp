#pragma once
// Base64 (RFC 4648 section 4, with padding) for DER objects carried in text protocols.
#include <optional>
#include <string>
#include <string_view>

#include "common/crypto/bytes.hpp"

namespace sc::crypto {

std::string base64_encode(ByteView data);
// nullopt for anything that is not canonical padded base64 (no whitespace allowed).
std::optional<Bytes> base64_decode(std::string_view text);

}  // namespace sc::crypto
