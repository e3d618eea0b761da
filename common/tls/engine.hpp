#pragma once
// The sans-IO TLS 1.3 engines. An engine is fed the bytes received from the peer and hands
// back the bytes to send and the events that happened. It owns no socket, no thread, no timer:
// common/net drives it over Asio, and tests drive two engines against each other in memory.
//
//   engine.receive(bytes);                // any split: 1 byte at a time or many records
//   send_to_peer(engine.take_output());   // always drain after every call
//   for (auto& event : engine.take_events()) ...
//
// After a fatal error the engine has queued the alert record in its output, reports AlertSent,
// and ignores further input.
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "common/crypto/bytes.hpp"
#include "common/crypto/key_share.hpp"
#include "common/crypto/signature.hpp"
#include "common/tls/alert.hpp"
#include "common/tls/certificate_verifier.hpp"
#include "common/tls/cipher_suite.hpp"

namespace sc::tls {

// ---------------------------------------------------------------- events
struct HandshakeSummary {
  CipherSuite suite{};
  NamedGroup group{};
  bool hello_retry_request = false;
  crypto::SignatureScheme peer_signature_scheme{};  // scheme of the peer's CertificateVerify
  std::optional<crypto::SignatureScheme> own_signature_scheme;  // none if we did not sign
  std::vector<Bytes> peer_certificate_chain;  // DER, leaf first; empty if the peer sent none
  std::string peer_subject;                   // from the verifier, for logs
  std::string server_name;                    // SNI sent (client) or received (server)
  // The OCSP response the peer stapled to its leaf (RFC 8446 section 4.4.2.1), if any, and
  // what the verifier established about the leaf's revocation status.
  std::optional<Bytes> peer_ocsp_response;
  RevocationEvidence peer_revocation = RevocationEvidence::not_checked;
};

struct HandshakeComplete {
  HandshakeSummary summary;
};
struct ApplicationData {
  Bytes data;
};
struct AlertReceived {
  AlertLevel level;
  AlertDescription description;
};
struct AlertSent {
  AlertDescription description;
  std::string reason;  // the sentence saying what went wrong
};
struct PeerClosed {};  // close_notify received: the peer will send nothing more
struct KeyUpdated {
  bool sending;  // true: our sending keys changed; false: the peer's
};

using Event = std::variant<HandshakeComplete, ApplicationData, AlertReceived, AlertSent, PeerClosed,
                           KeyUpdated>;

// ---------------------------------------------------------------- configuration
struct Credentials {
  std::vector<Bytes> certificate_chain;  // DER, leaf first
  std::shared_ptr<const crypto::PrivateKey> private_key;
};

// Caps against abuse; every violation is a fatal alert.
struct Limits {
  // Bytes of one handshake message. A ClientHello may be 131396 bytes (all its vectors at
  // their RFC 8446 maximum; OpenSSL 3.0's CLIENT_HELLO_MAX_LENGTH), and tlsfuzzer's
  // test-tls13-signature-algorithms sends one of about 65.6 KB with 32717 schemes.
  std::size_t max_handshake_message = 132 * 1024;
  std::size_t max_buffered_handshake = 256 * 1024;     // bytes buffered before handshake done
  std::size_t max_warning_alerts = 4;                  // non-close warning alerts tolerated
  std::size_t max_change_cipher_spec = 1;              // dummy CCS records tolerated
  std::size_t max_empty_records = 32;                  // zero-length records in a row
  std::size_t max_key_updates_per_record_window = 32;  // KeyUpdates without application data
  // Rejected 0-RTT data the server skips (RFC 8446 4.2.10), counted like OpenSSL 3.0 as record
  // payload minus tag and content type; 2^14 is what tlsfuzzer's 0-RTT scripts send.
  std::size_t max_skipped_early_data = 16384;
  // RFC 8446 section 5.5: records one traffic key protects in one direction. Before our sending
  // key reaches it the engine sends KeyUpdate on its own (its last record is kept for that
  // KeyUpdate), asking the peer to update too once the peer's key has protected half as many;
  // a peer that sends more than this under one key is refused with a fatal alert, so that a
  // 64-bit sequence number never wraps (5.3). 0: the suite's limit, record_limit(suite)
  // (2^24.5 records for AES-GCM, 2^64 - 1 for ChaCha20-Poly1305). Tests lower it; at least 2.
  // It counts the application traffic keys; handshake keys keep the suite's limit.
  std::uint64_t records_per_traffic_key = 0;
};

// status_request (RFC 6066 section 8, RFC 8446 section 4.4.2.1): whether we ask the peer to
// staple an OCSP response for its certificate.
enum class StatusRequest { none, ocsp };

// Our own stapled OCSP response (DER), asked at each handshake so that a refreshed response is
// used at once; nullopt when there is none to staple. Must be thread-safe.
using OcspStapleSource = std::function<std::optional<Bytes>()>;

// Receives "LABEL <client_random hex> <secret hex>" lines (NSS key log format).
using KeyLogSink = std::function<void(const std::string& line)>;

// Deterministic hooks for tests (RFC 8448 replay, fuzzing). Never set by the daemons.
struct TestHooks {
  std::function<void(MutableByteView)> random;                          // replaces RAND_bytes
  std::function<crypto::KeyShare(crypto::KeyExchangeGroup)> key_share;  // replaces generate
  // Client only: send exactly this ClientHello message (handshake header included) instead of
  // encoding our own, e.g. the one from RFC 8448. The engine parses it to learn what it offered;
  // its key_share must match the share produced by key_share above.
  std::optional<Bytes> client_hello_message;
};

std::vector<crypto::SignatureScheme> default_signature_schemes();  // all four, ECDSA first

struct ClientConfig {
  std::vector<CipherSuite> cipher_suites = standard_cipher_suites();  // our preference order
  std::vector<NamedGroup> groups = default_groups();
  // Groups for which the first ClientHello carries a key share (a subset of groups);
  // HelloRetryRequest covers the others.
  std::vector<NamedGroup> key_share_groups = {NamedGroup::x25519};
  std::vector<crypto::SignatureScheme> signature_schemes = default_signature_schemes();
  std::string server_name;                 // SNI and the name checked in the certificate
  std::optional<Credentials> credentials;  // sent when the server asks for a certificate
  std::shared_ptr<const CertificateVerifier> verifier;  // required
  // status_request in the ClientHello: the server's staple goes to the verifier.
  StatusRequest request_status = StatusRequest::none;
  // Stapled to our certificate when the server's CertificateRequest carries status_request.
  OcspStapleSource ocsp_staple;
  KeyLogSink key_log;
  Limits limits;
  TestHooks test_hooks;
};

struct ServerConfig {
  std::vector<CipherSuite> cipher_suites = standard_cipher_suites();  // our preference order
  std::vector<NamedGroup> groups = default_groups();
  std::vector<crypto::SignatureScheme> signature_schemes = default_signature_schemes();
  bool prefer_own_order = true;  // choose by our preference (else the client's)
  Credentials credentials;       // required
  // Send a cookie in HelloRetryRequest (RFC 8446 section 4.2.2) and require its echo. The
  // engine keeps the first ClientHello anyway, so it is off by default, as in OpenSSL 3.0's
  // stateful servers; tlsfuzzer's HRR scripts expect no cookie unless run with --cookie.
  bool hello_retry_cookie = false;
  bool request_client_certificate = false;
  bool require_client_certificate = false;  // certificate_required if the client sends none
  std::shared_ptr<const CertificateVerifier> verifier;  // required if client certs requested
  // Stapled to our certificate when the ClientHello carries status_request.
  OcspStapleSource ocsp_staple;
  // status_request in the CertificateRequest: the client's staple goes to the verifier.
  StatusRequest request_client_status = StatusRequest::none;
  KeyLogSink key_log;
  Limits limits;
  TestHooks test_hooks;
};

// ---------------------------------------------------------------- engines
class Engine {
 public:
  virtual ~Engine() = default;

  // Bytes received from the peer, in any fragmentation.
  virtual void receive(ByteView bytes) = 0;
  // Bytes to send to the peer, in order; empties the queue.
  virtual Bytes take_output() = 0;
  // Events since the last call, in order; empties the queue.
  virtual std::vector<Event> take_events() = 0;

  // Protects and queues application data (split into records of at most 2^14 bytes).
  // Throws std::logic_error before the handshake is complete or after close.
  virtual void send_application_data(ByteView data) = 0;
  // Sends KeyUpdate and switches our sending keys; update_requested asks the peer to do the
  // same for its sending direction.
  virtual void send_key_update(bool request_peer_update) = 0;
  // Sends close_notify; nothing can be sent afterwards.
  virtual void close() = 0;
  // Ends the connection with a fatal alert (e.g. certificate_revoked once the application has
  // learnt the peer's certificate is revoked); reported as AlertSent with the reason.
  virtual void abort(AlertDescription alert, const std::string& reason) = 0;

  virtual bool handshake_complete() const = 0;
  virtual bool failed() const = 0;             // a fatal alert was sent or received
  virtual bool peer_closed() const = 0;        // close_notify received
  virtual bool local_closed() const = 0;       // close_notify sent
  virtual std::string state_name() const = 0;  // "ExpectServerHello", ... for diagnostics
  // Bytes of memory held by the engine's record and handshake buffers (an unfinished record,
  // an unfinished handshake message, output not yet taken), capacity included. 0 between
  // records once the output is taken: an idle connection holds no record buffers (issue 17).
  virtual std::size_t buffered_capacity() const = 0;
};

class ClientEngine : public Engine {
 public:
  // Queues the ClientHello in the output.
  static std::unique_ptr<ClientEngine> create(ClientConfig config);
};

class ServerEngine : public Engine {
 public:
  static std::unique_ptr<ServerEngine> create(ServerConfig config);
};

}  // namespace sc::tls
