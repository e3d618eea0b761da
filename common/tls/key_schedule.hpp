#pragma once
// The TLS 1.3 key schedule without PSK (RFC 8446 section 7.1), stage by stage; each stage
// shows its secrets so that tests can compare every intermediate value with RFC 8448.
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

// ---------------------------------------------------------------- the stages
// The key schedule (RFC 8446 section 7.1) as four move-only stages. Each step is an
// &&-qualified method that consumes the stage it is called on and returns the next one: the
// earlier secrets are wiped (SecretBytes cleanses its storage) as soon as they are no longer
// needed, and a step can neither be skipped nor taken twice. Calling a step on a stage that was
// already consumed (moved from) is a std::logic_error.
//
//   EarlySecret --(ECDHE, ClientHello..ServerHello)--> HandshakeSecret
//     --(ClientHello..server Finished)--> MasterSecret
//     --(ClientHello..client Finished)--> ApplicationSecrets
class HandshakeSecret;
class MasterSecret;
class ApplicationSecrets;

// Early Secret = HKDF-Extract(0, 0^HashLen): no PSK.
class EarlySecret {
 public:
  explicit EarlySecret(crypto::HashAlgorithm hash);
  EarlySecret(EarlySecret&&) noexcept = default;
  EarlySecret& operator=(EarlySecret&&) noexcept = default;
  EarlySecret(const EarlySecret&) = delete;
  EarlySecret& operator=(const EarlySecret&) = delete;

  crypto::HashAlgorithm hash() const { return hash_; }
  const SecretBytes& secret() const { return early_secret_; }

  // After ServerHello: the handshake secret from the (EC)DHE shared secret, and both handshake
  // traffic secrets from Transcript-Hash(ClientHello..ServerHello).
  HandshakeSecret into_handshake_secret(ByteView shared_secret, ByteView hello_transcript_hash) &&;

 private:
  crypto::HashAlgorithm hash_;
  SecretBytes early_secret_;
};

class HandshakeSecret {
 public:
  HandshakeSecret(HandshakeSecret&&) noexcept = default;
  HandshakeSecret& operator=(HandshakeSecret&&) noexcept = default;
  HandshakeSecret(const HandshakeSecret&) = delete;
  HandshakeSecret& operator=(const HandshakeSecret&) = delete;

  crypto::HashAlgorithm hash() const { return hash_; }
  const SecretBytes& secret() const { return handshake_secret_; }
  const SecretBytes& client_handshake_traffic_secret() const { return client_handshake_; }
  const SecretBytes& server_handshake_traffic_secret() const { return server_handshake_; }

  // After the server Finished: the master secret, both application traffic secrets and the
  // exporter master secret from Transcript-Hash(ClientHello..server Finished). The handshake
  // secret and the server handshake traffic secret are wiped; the client handshake traffic
  // secret moves on, for the client's Finished.
  MasterSecret into_master_secret(ByteView server_finished_transcript_hash) &&;

 private:
  friend class EarlySecret;
  HandshakeSecret(crypto::HashAlgorithm hash, SecretBytes handshake_secret,
                  SecretBytes client_handshake, SecretBytes server_handshake);

  crypto::HashAlgorithm hash_;
  SecretBytes handshake_secret_;
  SecretBytes client_handshake_;
  SecretBytes server_handshake_;
};

class MasterSecret {
 public:
  MasterSecret(MasterSecret&&) noexcept = default;
  MasterSecret& operator=(MasterSecret&&) noexcept = default;
  MasterSecret(const MasterSecret&) = delete;
  MasterSecret& operator=(const MasterSecret&) = delete;

  crypto::HashAlgorithm hash() const { return hash_; }
  const SecretBytes& secret() const { return master_secret_; }
  // Still needed for the client's Finished (RFC 8446 section 4.4.4) and the client's second
  // flight.
  const SecretBytes& client_handshake_traffic_secret() const { return client_handshake_; }
  const SecretBytes& client_application_traffic_secret() const { return client_application_; }
  const SecretBytes& server_application_traffic_secret() const { return server_application_; }
  const SecretBytes& exporter_master_secret() const { return exporter_master_; }

  // After the client Finished: the resumption master secret from Transcript-Hash(ClientHello..
  // client Finished). The master secret and the client handshake traffic secret are wiped.
  ApplicationSecrets into_application_secrets(ByteView client_finished_transcript_hash) &&;

 private:
  friend class HandshakeSecret;
  MasterSecret(crypto::HashAlgorithm hash, SecretBytes master_secret, SecretBytes client_handshake,
               SecretBytes client_application, SecretBytes server_application,
               SecretBytes exporter_master);

  crypto::HashAlgorithm hash_;
  SecretBytes master_secret_;
  SecretBytes client_handshake_;
  SecretBytes client_application_;
  SecretBytes server_application_;
  SecretBytes exporter_master_;
};

// What is left once the handshake is over: the first application traffic secrets (handed to
// the record layer, which keeps the current ones for KeyUpdate), the exporter and the
// resumption master secrets. The engines keep none of it: they offer neither exporters nor
// resumption.
class ApplicationSecrets {
 public:
  ApplicationSecrets(ApplicationSecrets&&) noexcept = default;
  ApplicationSecrets& operator=(ApplicationSecrets&&) noexcept = default;
  ApplicationSecrets(const ApplicationSecrets&) = delete;
  ApplicationSecrets& operator=(const ApplicationSecrets&) = delete;

  crypto::HashAlgorithm hash() const { return hash_; }
  const SecretBytes& client_application_traffic_secret() const { return client_application_; }
  const SecretBytes& server_application_traffic_secret() const { return server_application_; }
  const SecretBytes& exporter_master_secret() const { return exporter_master_; }
  const SecretBytes& resumption_master_secret() const { return resumption_master_; }

 private:
  friend class MasterSecret;
  ApplicationSecrets(crypto::HashAlgorithm hash, SecretBytes client_application,
                     SecretBytes server_application, SecretBytes exporter_master,
                     SecretBytes resumption_master);

  crypto::HashAlgorithm hash_;
  SecretBytes client_application_;
  SecretBytes server_application_;
  SecretBytes exporter_master_;
  SecretBytes resumption_master_;
};

}  // namespace sc::tls
