// The TLS 1.3 key schedule without PSK (RFC 8446 section 7.1) as consuming stages, and traffic
// key derivation (section 7.3).
#include "common/tls/key_schedule.hpp"

#include <stdexcept>
#include <string>
#include <utility>

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

// A stage whose secret has moved on (the stage was consumed) cannot take its step again.
void require_unconsumed(const SecretBytes& secret, const char* what) {
  if (secret.empty()) {
    throw std::logic_error(std::string(what) + " was already consumed by the next key schedule " +
                           "stage (one key schedule per connection)");
  }
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

EarlySecret::EarlySecret(crypto::HashAlgorithm hash) : hash_(hash) {
  // Early Secret = HKDF-Extract(salt = 0, IKM = PSK or 0^HashLen); an empty salt is HashLen
  // zero bytes (RFC 5869 section 2.2).
  early_secret_ = crypto::hkdf_extract(hash_, ByteView{}, zero_key(hash_));
}

HandshakeSecret EarlySecret::into_handshake_secret(ByteView shared_secret,
                                                   ByteView hello_transcript_hash) && {
  require_unconsumed(early_secret_, "the early secret");
  if (shared_secret.empty()) throw std::invalid_argument("the (EC)DHE shared secret is empty");
  require_hash_length(hash_, hello_transcript_hash, "ClientHello..ServerHello transcript hash");
  const SecretBytes early = std::move(early_secret_);  // wiped when this step returns
  const SecretBytes derived =
      crypto::derive_secret(hash_, early, "derived", empty_transcript_hash(hash_));
  SecretBytes handshake_secret = crypto::hkdf_extract(hash_, derived, shared_secret);
  SecretBytes client_handshake =
      crypto::derive_secret(hash_, handshake_secret, "c hs traffic", hello_transcript_hash);
  SecretBytes server_handshake =
      crypto::derive_secret(hash_, handshake_secret, "s hs traffic", hello_transcript_hash);
  return HandshakeSecret(hash_, std::move(handshake_secret), std::move(client_handshake),
                         std::move(server_handshake));
}

HandshakeSecret::HandshakeSecret(crypto::HashAlgorithm hash, SecretBytes handshake_secret,
                                 SecretBytes client_handshake, SecretBytes server_handshake)
    : hash_(hash),
      handshake_secret_(std::move(handshake_secret)),
      client_handshake_(std::move(client_handshake)),
      server_handshake_(std::move(server_handshake)) {}

MasterSecret HandshakeSecret::into_master_secret(ByteView server_finished_transcript_hash) && {
  require_unconsumed(handshake_secret_, "the handshake secret");
  require_hash_length(hash_, server_finished_transcript_hash,
                      "ClientHello..server Finished transcript hash");
  const SecretBytes handshake = std::move(handshake_secret_);  // both wiped on return
  const SecretBytes server_handshake = std::move(server_handshake_);
  const SecretBytes derived =
      crypto::derive_secret(hash_, handshake, "derived", empty_transcript_hash(hash_));
  SecretBytes master_secret = crypto::hkdf_extract(hash_, derived, zero_key(hash_));
  SecretBytes client_application =
      crypto::derive_secret(hash_, master_secret, "c ap traffic", server_finished_transcript_hash);
  SecretBytes server_application =
      crypto::derive_secret(hash_, master_secret, "s ap traffic", server_finished_transcript_hash);
  SecretBytes exporter_master =
      crypto::derive_secret(hash_, master_secret, "exp master", server_finished_transcript_hash);
  return MasterSecret(hash_, std::move(master_secret), std::move(client_handshake_),
                      std::move(client_application), std::move(server_application),
                      std::move(exporter_master));
}

MasterSecret::MasterSecret(crypto::HashAlgorithm hash, SecretBytes master_secret,
                           SecretBytes client_handshake, SecretBytes client_application,
                           SecretBytes server_application, SecretBytes exporter_master)
    : hash_(hash),
      master_secret_(std::move(master_secret)),
      client_handshake_(std::move(client_handshake)),
      client_application_(std::move(client_application)),
      server_application_(std::move(server_application)),
      exporter_master_(std::move(exporter_master)) {}

ApplicationSecrets MasterSecret::into_application_secrets(
    ByteView client_finished_transcript_hash) && {
  require_unconsumed(master_secret_, "the master secret");
  require_hash_length(hash_, client_finished_transcript_hash,
                      "ClientHello..client Finished transcript hash");
  const SecretBytes master = std::move(master_secret_);  // both wiped on return
  const SecretBytes client_handshake = std::move(client_handshake_);
  SecretBytes resumption_master =
      crypto::derive_secret(hash_, master, "res master", client_finished_transcript_hash);
  return ApplicationSecrets(hash_, std::move(client_application_), std::move(server_application_),
                            std::move(exporter_master_), std::move(resumption_master));
}

ApplicationSecrets::ApplicationSecrets(crypto::HashAlgorithm hash, SecretBytes client_application,
                                       SecretBytes server_application, SecretBytes exporter_master,
                                       SecretBytes resumption_master)
    : hash_(hash),
      client_application_(std::move(client_application)),
      server_application_(std::move(server_application)),
      exporter_master_(std::move(exporter_master)),
      resumption_master_(std::move(resumption_master)) {}

}  // namespace sc::tls
