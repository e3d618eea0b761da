#pragma once
// The push sealing keys: what every bank instance shares so that a pending OTP can wait in the
// database (the push outbox, bank_server/push_bus.hpp) without the database ever holding it in
// the clear. Each push line is sealed with AES-256-GCM under the newest key, with a random 96-bit
// nonce (NIST SP 800-38D section 8.2.2: random nonces, far below 2^32 messages per key) and the
// transaction id, the customer's certificate fingerprint and the key id as associated data, so a
// sealed line moved to another transaction, customer or key id does not open.
//
// The key file (default CERTS_DIR/push.key, mode 0600, never a symbolic link) holds one key per
// line, oldest first:
//
//   # push sealing keys: ID KEY(hex); the last line seals, every line opens
//   3f09c2a17b4d5e6f 9a0b...(64 hex digits)
//
// Rotation appends a fresh key (add_sealing_key): it seals from then on, and the older keys keep
// opening what they sealed until it expires. Every instance needs the same file: copy it with the
// store key (store.key) and the bank's certificate and key.
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "common/crypto/bytes.hpp"

namespace sc::otp {

inline constexpr std::size_t kSealingKeyBytes = 32;    // AES-256
inline constexpr std::size_t kSealingKeyIdChars = 16;  // 64 random bits, lower-case hex

struct SealingKey {
  std::string id;   // kSealingKeyIdChars lower-case hex digits
  SecretBytes key;  // kSealingKeyBytes
};

class SealingKeyring {
 public:
  // Throws std::invalid_argument when keys is empty, an id is malformed or repeated, or a key is
  // not kSealingKeyBytes long.
  explicit SealingKeyring(std::vector<SealingKey> keys);

  const SealingKey& newest() const { return keys_.back(); }  // the one that seals
  const SealingKey* find(std::string_view id) const;         // nullptr when unknown
  const std::vector<SealingKey>& keys() const { return keys_; }

 private:
  std::vector<SealingKey> keys_;
};

// A fresh key with a random id.
SealingKey generate_sealing_key();

// Reads the key file. Throws std::system_error (with the path) when it cannot be read, and
// std::runtime_error when it is a symbolic link, is accessible to group or others, or a line is
// not "ID HEXKEY".
SealingKeyring load_sealing_keys(const std::filesystem::path& file);
// Reads the key file, or creates it with one fresh key when it does not exist (through a
// temporary file linked to its name: when another instance created it first, its keys win).
SealingKeyring load_or_create_sealing_keys(const std::filesystem::path& file);
// Rotation: appends a fresh key to the file (temporary file, then rename) and returns the new
// keyring, whose newest() is that key.
SealingKeyring add_sealing_key(const std::filesystem::path& file);
// Retirement, once the pushes it sealed have expired: removes key `id` from the file (temporary
// file, then rename). Throws std::invalid_argument when the file has no such key or when it is
// the newest one (the key that seals).
SealingKeyring remove_sealing_key(const std::filesystem::path& file, std::string_view id);

// A push line sealed for the outbox: which key, and base64(nonce || ciphertext || tag).
struct SealedPush {
  std::string key_id;
  std::string sealed;
};

// A sealed push that does not open: unknown key id, not base64, or it does not authenticate
// (tampered, or bound to another transaction, customer or key id). what() says which.
class PushUnsealError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Seals line under keys.newest(), bound to the transaction and the customer.
SealedPush seal_push(const SealingKeyring& keys, std::string_view transaction_id,
                     std::string_view customer_fingerprint, std::string_view line);
// The clear line; throws PushUnsealError.
std::string open_push(const SealingKeyring& keys, const SealedPush& sealed,
                      std::string_view transaction_id, std::string_view customer_fingerprint);

}  // namespace sc::otp
