#pragma once
// The handshake transcript (RFC 8446 section 4.4.1). Messages are buffered until the cipher
// suite fixes the hash; after a HelloRetryRequest the first ClientHello is replaced by a
// synthetic message_hash message.
#include <optional>

#include "common/crypto/bytes.hpp"
#include "common/crypto/hash.hpp"

namespace sc::tls {

class Transcript {
 public:
  // Adds one handshake message, header included.
  void add(ByteView message);
  // Fixes the hash function; messages added so far are hashed. Calling it again with the same
  // algorithm does nothing; a different one is a logic error.
  void select_hash(crypto::HashAlgorithm algorithm);
  bool hash_selected() const { return running_.has_value(); }
  // Transcript-Hash of the messages so far (requires select_hash()).
  Bytes current_hash() const;
  // RFC 8446 section 4.4.1: replaces the transcript (ClientHello1 alone) by
  //   message_hash(254) || 00 00 Hash.length || Hash(ClientHello1).
  void replace_with_message_hash();

 private:
  Bytes pending_;
  std::optional<crypto::Hash> running_;
};

}  // namespace sc::tls
