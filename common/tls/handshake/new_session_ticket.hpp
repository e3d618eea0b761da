#pragma once
// NewSessionTicket (RFC 8446 section 4.6.1). The engine checks its syntax and ignores it
// (no resumption).
#include <cstdint>

#include "common/tls/handshake/extensions.hpp"

namespace sc::tls {

struct NewSessionTicket {
  std::uint32_t ticket_lifetime = 0;
  std::uint32_t ticket_age_add = 0;
  Bytes ticket_nonce;
  Bytes ticket;
  Extensions extensions;
};

Bytes encode_new_session_ticket(const NewSessionTicket& message);
NewSessionTicket decode_new_session_ticket(ByteView body);

}  // namespace sc::tls
