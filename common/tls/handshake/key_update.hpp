#pragma once
// KeyUpdate (RFC 8446 section 4.6.3).
#include "common/crypto/bytes.hpp"

namespace sc::tls {

struct KeyUpdate {
  bool update_requested = false;
};

Bytes encode_key_update(const KeyUpdate& message);
// request_update other than 0 or 1 is illegal_parameter.
KeyUpdate decode_key_update(ByteView body);

}  // namespace sc::tls
