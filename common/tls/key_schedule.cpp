// The TLS 1.3 key schedule without PSK (RFC 8446 section 7.1) and traffic key derivation
// (section 7.3). Every step is kept so that tests can compare it with RFC 8448.
#include "common/tls/key_schedule.hpp"

#include <stdexcept>
#include <string>

#include "common/crypto/hkdf.hpp"

namespace sc::tls {

namespace {

// RFC 8446 section 7.1: Derive-Secret(Secret, Label, "") uses Transcript-Hash("") = Hash("").
Bytes empty_transcript_hash(crypto::HashAlgorithm hash) {
  return crypto::Hash::digest(hash, ByteView{});
}

// RFC 8446 section 7.1: when no PSK is used the IKM of the early secret, and the IKM of the
// master secret, is a string of Hash.length zero bytes.
SecretBytes zero_key(crypto::HashAlgorithm hash) {
  return SecretBytes(crypto::digest_length(hash), 0);
}

// Secrets and transcript hashes are Hash.length bytes (RFC 8446 section 7.1); anything else is
// a programming error that would silently give the peer different keys.
void require_hash_length(crypto::HashAlgorithm hash, ByteView value, const char* what) {
  const std::size_t expected = crypto::digest_length(hash);
  if (value.size() != expected) {
    throw std::invalid_argument(std::string(what) + " has " + std::to_string(value.size()) +
                                " bytes; " + crypto::hash_name(hash) + " needs " +
                                std::to_string(expected));
  }
}

void require_step(bool ready, const char* step, const char* missing) {
  if (!ready) throw std::logic_error(std::string(step) + " needs " + missing + " first");
}

}  // namespace

TrafficKeys derive_traffic_keys(crypto::AeadAlgorithm aead, crypto::HashAlgorithm hash,
                                ByteView traffic_secret) {
  // RFC 8446 section 7.3:
  //   [sender]_write_key = HKDF-Expand-Label(Secret, "key", "", key_length)
  //   [sender]_write_iv  = HKDF-Expand-Label(Secret, "iv", "", iv_length)
  require_hash_length(hash, traffic_secret, "traffic secret");
  TrafficKeys keys;
  keys.key = crypto::hkdf_expand_label(hash, traffic_secret, "key", ByteView{},
                                       crypto::aead_key_length(aead));
  keys.iv =
      crypto::hkdf_expand_label(hash, traffic_secret, "iv", ByteView{}, crypto::Aead::kNonceLength);
  return keys;
}

SecretBytes derive_finished_key(crypto::HashAlgorithm hash, ByteView base_key) {
  // RFC 8446 section 4.4.4
  require_hash_length(hash, base_key, "Finished base key");
  return crypto::hkdf_expand_label(hash, base_key, "finished", ByteView{},
                                   crypto::digest_length(hash));
}

Bytes compute_finished(crypto::HashAlgorithm hash, ByteView base_key, ByteView transcript_hash) {
  require_hash_length(hash, transcript_hash, "Finished transcript hash");
  const SecretBytes finished_key = derive_finished_key(hash, base_key);
  return crypto::hmac(hash, finished_key, transcript_hash);
}

SecretBytes next_traffic_secret(crypto::HashAlgorithm hash, ByteView traffic_secret) {
  // RFC 8446 section 7.2
  require_hash_length(hash, traffic_secret, "traffic secret");
  return crypto::hkdf_expand_label(hash, traffic_secret, "traffic upd", ByteView{},
                                   crypto::digest_length(hash));
}

KeySchedule::KeySchedule(crypto::HashAlgorithm hash) : hash_(hash) {
  // Early Secret = HKDF-Extract(salt = 0, IKM = PSK or 0^HashLen); an empty salt is HashLen
  // zero bytes (RFC 5869 section 2.2).
  early_secret_ = crypto::hkdf_extract(hash_, ByteView{}, zero_key(hash_));
}

void KeySchedule::derive_handshake_secrets(ByteView shared_secret, ByteView hello_transcript_hash) {
  require_step(handshake_secret_.empty(), "a second handshake secret derivation",
               "a new KeySchedule (one per connection)");
  if (shared_secret.empty()) throw std::invalid_argument("the (EC)DHE shared secret is empty");
  require_hash_length(hash_, hello_transcript_hash, "ClientHello..ServerHello transcript hash");
  const SecretBytes derived =
      crypto::derive_secret(hash_, early_secret_, "derived", empty_transcript_hash(hash_));
  handshake_secret_ = crypto::hkdf_extract(hash_, derived, shared_secret);
  client_handshake_ =
      crypto::derive_secret(hash_, handshake_secret_, "c hs traffic", hello_transcript_hash);
  server_handshake_ =
      crypto::derive_secret(hash_, handshake_secret_, "s hs traffic", hello_transcript_hash);
}

void KeySchedule::derive_application_secrets(ByteView server_finished_transcript_hash) {
  require_step(!handshake_secret_.empty(), "deriving the application secrets",
               "the handshake secrets");
  require_step(master_secret_.empty(), "a second application secret derivation",
               "a new KeySchedule (one per connection)");
  require_hash_length(hash_, server_finished_transcript_hash,
                      "ClientHello..server Finished transcript hash");
  const SecretBytes derived =
      crypto::derive_secret(hash_, handshake_secret_, "derived", empty_transcript_hash(hash_));
  master_secret_ = crypto::hkdf_extract(hash_, derived, zero_key(hash_));
  client_application_ =
      crypto::derive_secret(hash_, master_secret_, "c ap traffic", server_finished_transcript_hash);
  server_application_ =
      crypto::derive_secret(hash_, master_secret_, "s ap traffic", server_finished_transcript_hash);
  exporter_master_ =
      crypto::derive_secret(hash_, master_secret_, "exp master", server_finished_transcript_hash);
}

void KeySchedule::derive_resumption_secret(ByteView client_finished_transcript_hash) {
  require_step(!master_secret_.empty(), "deriving the resumption secret",
               "the application secrets");
  require_hash_length(hash_, client_finished_transcript_hash,
                      "ClientHello..client Finished transcript hash");
  resumption_master_ =
      crypto::derive_secret(hash_, master_secret_, "res master", client_finished_transcript_hash);
}

}  // namespace sc::tls
