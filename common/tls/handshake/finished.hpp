#pragma once
// Finished (RFC 8446 section 4.4.4).
#include <cstddef>

#include "common/crypto/bytes.hpp"

namespace sc::tls {

struct Finished {
  Bytes verify_data;  // Hash.length bytes
};

Bytes encode_finished(const Finished& message);
// The body must be exactly hash_length bytes, else decode_error.
Finished decode_finished(ByteView body, std::size_t hash_length);

}  // namespace sc::tls
