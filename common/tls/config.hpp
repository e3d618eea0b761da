#pragma once
// How an engine is configured: ClientConfig and ServerConfig, with the credentials, hooks and
// policies they hold.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/crypto/bytes.hpp"
#include "common/crypto/key_share.hpp"
#include "common/crypto/signature.hpp"
#include "common/tls/certificate_verifier.hpp"
#include "common/tls/cipher_suite.hpp"
#include "common/tls/limits.hpp"
#include "common/tls/status_request.hpp"

namespace sc::tls {

// Whether the server asks for a client certificate (CertificateRequest, RFC 8446 section
// 4.3.2) and what it does when the client sends none (4.4.2.4: continue, or certificate_required).
enum class ClientAuthentication { none, optional, required };

struct Credentials {
  std::vector<Bytes> certificate_chain;  // DER, leaf first
  std::shared_ptr<const crypto::PrivateKey> private_key;
};

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
  ClientAuthentication client_authentication = ClientAuthentication::none;
  std::shared_ptr<const CertificateVerifier>
      verifier;  // required unless client_authentication none
  // Stapled to our certificate when the ClientHello carries status_request.
  OcspStapleSource ocsp_staple;
  // status_request in the CertificateRequest: the client's staple goes to the verifier.
  StatusRequest request_client_status = StatusRequest::none;
  KeyLogSink key_log;
  Limits limits;
  TestHooks test_hooks;
};

}  // namespace sc::tls
