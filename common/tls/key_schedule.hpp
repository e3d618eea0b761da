#pragma once
// The TLS 1.3 key schedule without PSK (RFC 8446 section 7.1), step by step, so that tests can
// compare every intermediate value with RFC 8448.
#include <string_view>

#include "common/crypto/aead.hpp"
#include "common/crypto/bytes.hpp"
#include "common/crypto/hash.hpp"

namespace sc::tls {

// The write key and IV of one direction (RFC 8446 section 7.3).
struct TrafficKeys {
  SecretBytes key;
  SecretBytes iv;  // 12 bytes
};

TrafficKeys derive_traffic_keys(crypto::AeadAlgorithm aead, crypto::HashAlgorithm hash,
                                ByteView traffic_secret);
// finished_key = HKDF-Expand-Label(BaseKey, "finished", "", Hash.length)
SecretBytes derive_finished_key(crypto::HashAlgorithm hash, ByteView base_key);
// verify_data = HMAC(finished_key, Transcript-Hash(...))
Bytes compute_finished(crypto::HashAlgorithm hash, ByteView base_key, ByteView transcript_hash);
// application_traffic_secret_N+1 = HKDF-Expand-Label(secret_N, "traffic upd", "", Hash.length)
SecretBytes next_traffic_secret(crypto::HashAlgorithm hash, ByteView traffic_secret);

class KeySchedule {
 public:
  // Computes the early secret with no PSK: HKDF-Extract(0, 0^HashLen).
  explicit KeySchedule(crypto::HashAlgorithm hash);

  crypto::HashAlgorithm hash() const { return hash_; }

  // After ServerHello: handshake secret from the (EC)DHE shared secret, and the two handshake
  // traffic secrets from Transcript-Hash(ClientHello..ServerHello).
  void derive_handshake_secrets(ByteView shared_secret, ByteView hello_transcript_hash);
  // After the server Finished: master secret, both application traffic secrets and the
  // exporter master secret, from Transcript-Hash(ClientHello..server Finished).
  void derive_application_secrets(ByteView server_finished_transcript_hash);
  // After the client Finished: resumption master secret.
  void derive_resumption_secret(ByteView client_finished_transcript_hash);

  const SecretBytes& early_secret() const { return early_secret_; }
  const SecretBytes& handshake_secret() const { return handshake_secret_; }
  const SecretBytes& master_secret() const { return master_secret_; }
  const SecretBytes& client_handshake_traffic_secret() const { return client_handshake_; }
  const SecretBytes& server_handshake_traffic_secret() const { return server_handshake_; }
  const SecretBytes& client_application_traffic_secret() const { return client_application_; }
  const SecretBytes& server_application_traffic_secret() const { return server_application_; }
  const SecretBytes& exporter_master_secret() const { return exporter_master_; }
  const SecretBytes& resumption_master_secret() const { return resumption_master_; }

 private:
  crypto::HashAlgorithm hash_;
  SecretBytes early_secret_;
  SecretBytes handshake_secret_;
  SecretBytes master_secret_;
  SecretBytes client_handshake_;
  SecretBytes server_handshake_;
  SecretBytes client_application_;
  SecretBytes server_application_;
  SecretBytes exporter_master_;
  SecretBytes resumption_master_;
};

}  // namespace sc::tls
