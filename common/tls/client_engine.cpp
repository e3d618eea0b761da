// The TLS 1.3 client (RFC 8446 section 2, figure 1 and 2): a state machine whose states are
// types held in a std::variant, on EngineCore (engine_core.hpp: the record layer and the Engine
// methods both roles share).
#include <algorithm>
#include <stdexcept>
#include <variant>

#include "common/crypto/random.hpp"
#include "common/tls/engine.hpp"
#include "common/tls/engine_core.hpp"
#include "common/tls/handshake/certificate.hpp"
#include "common/tls/handshake/certificate_request.hpp"
#include "common/tls/handshake/certificate_verify.hpp"
#include "common/tls/handshake/client_hello.hpp"
#include "common/tls/handshake/encrypted_extensions.hpp"
#include "common/tls/handshake/finished.hpp"
#include "common/tls/handshake/negotiation.hpp"
#include "common/tls/handshake/server_hello.hpp"
#include "common/tls/key_schedule.hpp"
#include "common/tls/peer_verification.hpp"
#include "common/tls/transcript.hpp"

namespace sc::tls {

namespace {

// ---------------------------------------------------------------- states
// Each state holds what the rest of the handshake needs from it: the transcript, the key
// schedule stage and the proofs of what has been checked. A state is consumed by the handler
// of the next message, which builds the following state from it; a state that needs a proof
// (ExpectCertificateVerify: VerifiedCertificate, ExpectFinished: PeerSignatureChecked) cannot
// be built on a path that skipped the check.
struct ExpectServerHello {
  static constexpr const char* name = "ExpectServerHello";
  Transcript transcript;                     // ClientHello, hash not chosen yet
  std::vector<crypto::KeyShare> key_shares;  // one per group the ClientHello has a share for
};
struct ExpectServerHelloAfterRetry {
  static constexpr const char* name = "ExpectServerHelloAfterRetry";
  Transcript transcript;  // message_hash(ClientHello1), HelloRetryRequest, ClientHello2
  std::vector<crypto::KeyShare> key_shares;
  CipherSuite suite;  // the HelloRetryRequest's; the ServerHello must repeat it (4.1.4)
  NamedGroup group;   // the group the HelloRetryRequest selected
};
// What every state of the server's encrypted flight carries.
struct ServerFlight {
  CipherSuite suite;
  Transcript transcript;
  HandshakeSecret key_schedule;  // both handshake traffic secrets
};
struct ExpectEncryptedExtensions {
  static constexpr const char* name = "ExpectEncryptedExtensions";
  ServerFlight flight;
};
struct ExpectCertificateOrCertificateRequest {
  static constexpr const char* name = "ExpectCertificateOrCertificateRequest";
  ServerFlight flight;
};
struct ExpectCertificate {
  static constexpr const char* name = "ExpectCertificate";
  ServerFlight flight;
  std::optional<CertificateRequestTerms> certificate_request;  // what the server asked of us
};
struct ExpectCertificateVerify {
  static constexpr const char* name = "ExpectCertificateVerify";
  ServerFlight flight;
  std::optional<CertificateRequestTerms> certificate_request;
  VerifiedCertificate server_certificate;
};
struct ExpectFinished {
  static constexpr const char* name = "ExpectFinished";
  ServerFlight flight;
  std::optional<CertificateRequestTerms> certificate_request;
  PeerSignatureChecked server_signature;
};
using ClientState =
    std::variant<ExpectServerHello, ExpectServerHelloAfterRetry, ExpectEncryptedExtensions,
                 ExpectCertificateOrCertificateRequest, ExpectCertificate, ExpectCertificateVerify,
                 ExpectFinished, Connected>;

class ClientEngineImpl final : public EngineCore<ClientEngineImpl, ClientEngine, ClientState> {
 public:
  explicit ClientEngineImpl(ClientConfig config)
      : EngineCore(Role::client, config.limits), config_(std::move(config)) {
    if (!config_.verifier) throw std::invalid_argument("ClientConfig.verifier is required");
    if (config_.cipher_suites.empty() || config_.groups.empty() ||
        config_.signature_schemes.empty()) {
      throw std::invalid_argument("ClientConfig needs cipher suites, groups and schemes");
    }
    for (NamedGroup group : config_.key_share_groups) {
      if (std::find(config_.groups.begin(), config_.groups.end(), group) == config_.groups.end()) {
        throw std::invalid_argument(std::string("ClientConfig.key_share_groups has ") +
                                    named_group_name(group) + ", which groups does not list");
      }
    }
    send_client_hello();
  }

 private:
  friend class EngineCore<ClientEngineImpl, ClientEngine, ClientState>;  // calls on_message

  // ---------------------------------------------------------------- ClientHello
  void send_client_hello() {
    std::vector<crypto::KeyShare> key_shares;
    Bytes message;
    if (config_.test_hooks.client_hello_message) {
      message = *config_.test_hooks.client_hello_message;
      if (message.size() < 4 ||
          message[0] != static_cast<std::uint8_t>(HandshakeType::client_hello)) {
        throw std::invalid_argument("test ClientHello is not a ClientHello message");
      }
      hello_ = decode_client_hello(ByteView(message).subspan(4));
      key_shares = adopt_offered_key_shares();
    } else {
      hello_.random = fresh_random(config_.test_hooks, 32);
      // Middlebox compatibility mode (RFC 8446 appendix D.4): a non-empty legacy_session_id.
      hello_.legacy_session_id = fresh_random(config_.test_hooks, 32);
      hello_.cipher_suites = code_points(config_.cipher_suites);
      if (!config_.server_name.empty()) {
        add_extension(hello_.extensions, ExtensionType::server_name,
                      encode_server_name(config_.server_name));
      }
      if (config_.request_status == StatusRequest::ocsp) {
        // RFC 6066 section 8: status_type ocsp with no responder_id_list and no
        // request_extensions: "the responders are implicitly known to the server".
        add_extension(hello_.extensions, ExtensionType::status_request,
                      encode_certificate_status_request({}));
      }
      add_extension(hello_.extensions, ExtensionType::supported_groups,
                    encode_code_point_list(code_points(config_.groups)));
      add_extension(hello_.extensions, ExtensionType::signature_algorithms,
                    encode_code_point_list(code_points(config_.signature_schemes)));
      add_extension(hello_.extensions, ExtensionType::supported_versions,
                    encode_supported_versions_list({kTls13}));
      // RFC 8446 section 4.2.8: the shares "MUST appear in the same order" as supported_groups.
      std::vector<KeyShareEntry> entries;
      for (NamedGroup group : config_.groups) {
        if (std::find(config_.key_share_groups.begin(), config_.key_share_groups.end(), group) ==
            config_.key_share_groups.end()) {
          continue;
        }
        key_shares.push_back(fresh_key_share(config_.test_hooks, group));
        entries.push_back({static_cast<std::uint16_t>(group), key_shares.back().public_key()});
      }
      add_extension(hello_.extensions, ExtensionType::key_share, encode_client_key_shares(entries));
      message = encode_client_hello(hello_);
    }
    learn_offer();
    Transcript transcript;
    transcript.add(message);
    connection_.send_handshake(message, RecordVersion::tls10);
    connection_.allow_change_cipher_spec();
    state_ = ExpectServerHello{std::move(transcript), std::move(key_shares)};
  }

  // With the ClientHello test hook: make the key shares the message announces.
  std::vector<crypto::KeyShare> adopt_offered_key_shares() const {
    std::vector<crypto::KeyShare> key_shares;
    const Extension* extension = find_extension(hello_.extensions, ExtensionType::key_share);
    if (extension == nullptr) return key_shares;
    for (const KeyShareEntry& entry : decode_client_key_shares(extension->data)) {
      auto group = named_group_from_code(entry.group);
      if (!group) throw std::invalid_argument("test ClientHello offers an unknown group");
      key_shares.push_back(fresh_key_share(config_.test_hooks, *group));
      if (key_shares.back().public_key() != entry.key_exchange) {
        throw std::invalid_argument("test ClientHello key share differs from the hook's share");
      }
    }
    return key_shares;
  }

  // What the ClientHello offered, read back from it (also when it came from the test hook).
  void learn_offer() {
    offered_suites_ = hello_.cipher_suites;
    offered_groups_.clear();
    offered_schemes_.clear();
    if (auto* groups = find_extension(hello_.extensions, ExtensionType::supported_groups)) {
      offered_groups_ = decode_code_point_list(groups->data, "supported_groups");
    }
    if (auto* schemes = find_extension(hello_.extensions, ExtensionType::signature_algorithms)) {
      offered_schemes_ = decode_code_point_list(schemes->data, "signature_algorithms");
    }
    if (auto* name = find_extension(hello_.extensions, ExtensionType::server_name)) {
      summary_.server_name = decode_server_name(name->data);
    }
  }

  bool offered_extension(std::uint16_t type) const {
    return std::any_of(hello_.extensions.begin(), hello_.extensions.end(),
                       [type](const Extension& e) { return e.type == type; });
  }

  // RFC 8446 section 4.2: an extension the client did not offer is unsupported_extension;
  // one not allowed in this message is illegal_parameter.
  void check_extensions(const Extensions& extensions, const std::vector<ExtensionType>& allowed,
                        const char* message_name) const {
    for (const Extension& extension : extensions) {
      if (!offered_extension(extension.type) && !extension.is(ExtensionType::cookie)) {
        throw ProtocolError(AlertDescription::unsupported_extension,
                            std::string(message_name) + " carries " +
                                extension_name(extension.type) + ", which we did not offer");
      }
      if (std::none_of(allowed.begin(), allowed.end(),
                       [&](ExtensionType type) { return extension.is(type); })) {
        throw ProtocolError(AlertDescription::illegal_parameter,
                            extension_name(extension.type) + " is not allowed in " + message_name);
      }
    }
  }

  // ---------------------------------------------------------------- dispatch
  ClientState on_message(ExpectServerHello state, const HandshakeMessage& message) {
    expect_message(message, HandshakeType::server_hello);
    return handle_server_hello(message, std::move(state.transcript), std::move(state.key_shares),
                               std::nullopt);
  }
  ClientState on_message(ExpectServerHelloAfterRetry state, const HandshakeMessage& message) {
    expect_message(message, HandshakeType::server_hello);
    const CipherSuite retry_suite = state.suite;
    return handle_server_hello(message, std::move(state.transcript), std::move(state.key_shares),
                               retry_suite);
  }
  ClientState on_message(ExpectEncryptedExtensions state, const HandshakeMessage& message) {
    expect_message(message, HandshakeType::encrypted_extensions);
    return handle_encrypted_extensions(message, std::move(state.flight));
  }
  ClientState on_message(ExpectCertificateOrCertificateRequest state,
                         const HandshakeMessage& message) {
    expect_message(message, HandshakeType::certificate, HandshakeType::certificate_request);
    if (message.type == HandshakeType::certificate_request) {
      return handle_certificate_request(message, std::move(state.flight));
    }
    return handle_certificate(message, ExpectCertificate{std::move(state.flight), std::nullopt});
  }
  ClientState on_message(ExpectCertificate state, const HandshakeMessage& message) {
    expect_message(message, HandshakeType::certificate);
    return handle_certificate(message, std::move(state));
  }
  ClientState on_message(ExpectCertificateVerify state, const HandshakeMessage& message) {
    expect_message(message, HandshakeType::certificate_verify);
    return handle_certificate_verify(message, std::move(state));
  }
  ClientState on_message(ExpectFinished state, const HandshakeMessage& message) {
    expect_message(message, HandshakeType::finished);
    return handle_finished(message, std::move(state));
  }

  // ---------------------------------------------------------------- ServerHello / HRR
  // retry_suite: the suite of the HelloRetryRequest answered, if any.
  ClientState handle_server_hello(const HandshakeMessage& message, Transcript transcript,
                                  std::vector<crypto::KeyShare> key_shares,
                                  std::optional<CipherSuite> retry_suite) {
    const ServerHello hello = decode_server_hello(message.body());
    check_version(hello);
    // RFC 8446 section 4.1.3: legacy_session_id_echo must equal the client's session id.
    if (hello.legacy_session_id_echo != hello_.legacy_session_id) {
      throw ProtocolError(AlertDescription::illegal_parameter,
                          "server did not echo our legacy_session_id");
    }
    if (hello.legacy_compression_method != 0) {
      throw ProtocolError(AlertDescription::illegal_parameter,
                          "server chose a compression method other than null");
    }
    const std::optional<CipherSuite> suite = known_cipher_suite(hello);
    if (!suite || !contains(offered_suites_, hello.cipher_suite)) {
      throw ProtocolError(
          AlertDescription::illegal_parameter,
          "server chose " + suite_description(hello.cipher_suite) + " which we did not offer");
    }
    if (hello.is_hello_retry_request()) {
      if (retry_suite) {
        // RFC 8446 section 4.1.4: a second HelloRetryRequest is unexpected_message.
        throw ProtocolError(AlertDescription::unexpected_message,
                            "server sent a second HelloRetryRequest");
      }
      return handle_hello_retry_request(message, hello, *suite, std::move(transcript),
                                        std::move(key_shares));
    }
    check_extensions(hello.extensions,
                     {ExtensionType::supported_versions, ExtensionType::key_share}, "ServerHello");
    if (retry_suite && *suite != *retry_suite) {
      throw ProtocolError(AlertDescription::illegal_parameter,
                          "ServerHello chose " + suite_description(*suite) +
                              " but the HelloRetryRequest chose " +
                              suite_description(*retry_suite));
    }
    const std::optional<ServerKeyShare> server_share = server_key_share(hello);
    if (!server_share) {
      throw ProtocolError(AlertDescription::missing_extension, "ServerHello lacks key_share");
    }
    // RFC 8446 section 4.2.8: the server's share must be in a group we sent a share for.
    const crypto::KeyShare* own_share = nullptr;
    for (const crypto::KeyShare& share : key_shares) {
      if (named_group_of(share) == server_share->group) own_share = &share;
    }
    if (own_share == nullptr) {
      throw ProtocolError(AlertDescription::illegal_parameter,
                          "server's key share is for " + group_description(server_share->group) +
                              ", for which we sent no share");
    }
    std::optional<SecretBytes> shared = own_share->derive(server_share->key_exchange);
    if (!shared) {
      throw ProtocolError(AlertDescription::illegal_parameter,
                          "server's " + group_description(server_share->group) +
                              " key share is not a valid public value");
    }
    const CipherSuiteInfo& info = cipher_suite_info(*suite);
    transcript.select_hash(info.hash);
    transcript.add(message.encoded);
    HandshakeSecret key_schedule =
        EarlySecret(info.hash).into_handshake_secret(*shared, transcript.current_hash());
    log_handshake_secrets(config_.key_log, hello_.random, key_schedule);
    connection_.set_read_secret(*suite, key_schedule.server_handshake_traffic_secret());
    summary_.suite = *suite;
    summary_.group = server_share->group;
    return ExpectEncryptedExtensions{
        ServerFlight{*suite, std::move(transcript), std::move(key_schedule)}};
  }

  static NamedGroup named_group_of(const crypto::KeyShare& share) {
    switch (share.group()) {
      case crypto::KeyExchangeGroup::X25519:
        return NamedGroup::x25519;
      case crypto::KeyExchangeGroup::Secp256r1:
        return NamedGroup::secp256r1;
      case crypto::KeyExchangeGroup::Secp384r1:
        return NamedGroup::secp384r1;
    }
    throw std::logic_error("key share of an unknown group");
  }

  void check_version(const ServerHello& hello) {
    const std::optional<std::uint16_t> selected = selected_version(hello);
    if (!selected) {
      // RFC 8446 section 4.1.3: a TLS 1.3 client receiving a ServerHello for TLS 1.2 or below
      // "MUST check" the last 8 bytes of random for the downgrade sentinels and abort with
      // illegal_parameter when they match.
      if (has_downgrade_sentinel(hello.random)) {
        throw ProtocolError(AlertDescription::illegal_parameter,
                            "server chose TLS " + legacy_version_name(hello.legacy_version) +
                                " and its random carries the TLS 1.3 downgrade sentinel");
      }
      // RFC 8446 section 4.1.3 / 4.2.1: without supported_versions the server negotiated
      // TLS 1.2 or earlier, which this client does not speak.
      throw ProtocolError(AlertDescription::protocol_version,
                          "server chose TLS " + legacy_version_name(hello.legacy_version) +
                              " (no supported_versions); only TLS 1.3 is supported");
    }
    if (*selected != kTls13) {
      // RFC 8446 section 4.2.1: a version not offered is illegal_parameter.
      throw ProtocolError(
          AlertDescription::illegal_parameter,
          "server selected version " + legacy_version_name(*selected) + " which we did not offer");
    }
    if (hello.legacy_version != kTls12) {
      throw ProtocolError(AlertDescription::protocol_version,
                          "ServerHello legacy_version is " +
                              legacy_version_name(hello.legacy_version) + ", expected 0x0303");
    }
  }

  static bool has_downgrade_sentinel(const Bytes& random) {
    // "44 4F 57 4E 47 52 44 01" (TLS 1.2) and "... 00" (TLS 1.1 or below).
    static constexpr std::uint8_t kSentinel[7] = {0x44, 0x4F, 0x57, 0x4E, 0x47, 0x52, 0x44};
    if (random.size() != 32) return false;
    return std::equal(std::begin(kSentinel), std::end(kSentinel), random.begin() + 24) &&
           (random[31] == 0x01 || random[31] == 0x00);
  }

  static std::string legacy_version_name(std::uint16_t version) {
    switch (version) {
      case 0x0300:
        return "SSL 3.0";
      case 0x0301:
        return "1.0";
      case 0x0302:
        return "1.1";
      case 0x0303:
        return "1.2";
      case 0x0304:
        return "1.3";
    }
    return "version " + std::to_string(version >> 8) + "." + std::to_string(version & 0xFF);
  }

  ClientState handle_hello_retry_request(const HandshakeMessage& message, const ServerHello& retry,
                                         CipherSuite suite, Transcript transcript,
                                         std::vector<crypto::KeyShare> key_shares) {
    check_extensions(
        retry.extensions,
        {ExtensionType::supported_versions, ExtensionType::key_share, ExtensionType::cookie},
        "HelloRetryRequest");
    const HelloRetryRequestChanges changes = hello_retry_request_changes(retry);
    if (!changes.selected_group && !changes.cookie) {
      // RFC 8446 section 4.1.4: an HRR that would not change the ClientHello.
      throw ProtocolError(AlertDescription::illegal_parameter,
                          "HelloRetryRequest asks for no change to the ClientHello");
    }
    const std::optional<NamedGroup> selected_group = changes.selected_group;
    if (selected_group) {
      const NamedGroup group = *selected_group;
      // RFC 8446 section 4.2.8: the selected group must be in supported_groups and must not be
      // one for which the ClientHello already carried a share.
      if (!contains(offered_groups_, static_cast<std::uint16_t>(group)) ||
          !named_group_from_code(static_cast<std::uint16_t>(group))) {
        throw ProtocolError(
            AlertDescription::illegal_parameter,
            "HelloRetryRequest selects " + group_description(group) + " which we did not offer");
      }
      for (const crypto::KeyShare& own : key_shares) {
        if (named_group_of(own) == group) {
          throw ProtocolError(AlertDescription::illegal_parameter,
                              "HelloRetryRequest selects " + group_description(group) +
                                  ", for which we already sent a share");
        }
      }
    }
    const CipherSuiteInfo& info = cipher_suite_info(suite);
    transcript.select_hash(info.hash);
    transcript.replace_with_message_hash();  // RFC 8446 section 4.4.1
    transcript.add(message.encoded);

    // RFC 8446 section 4.1.2: the second ClientHello is the first with the key_share replaced
    // by a single share for the selected group, early_data removed and the cookie added (before
    // pre_shared_key, which stays last, 4.2.11).
    std::optional<Bytes> cookie = changes.cookie;
    Extensions extensions;
    for (const Extension& extension : hello_.extensions) {
      if (extension.is(ExtensionType::early_data)) continue;
      if (extension.is(ExtensionType::pre_shared_key) && cookie) {
        add_extension(extensions, ExtensionType::cookie, std::move(*cookie));
        cookie.reset();
      }
      if (extension.is(ExtensionType::key_share) && selected_group) {
        key_shares.clear();
        key_shares.push_back(fresh_key_share(config_.test_hooks, *selected_group));
        extensions.push_back(
            {extension.type, encode_client_key_shares({{static_cast<std::uint16_t>(*selected_group),
                                                        key_shares.back().public_key()}})});
      } else if (!extension.is(ExtensionType::cookie)) {
        extensions.push_back(extension);
      }
    }
    if (cookie) add_extension(extensions, ExtensionType::cookie, std::move(*cookie));
    hello_.extensions = std::move(extensions);
    const Bytes second_hello = encode_client_hello(hello_);
    transcript.add(second_hello);
    send_compatibility_change_cipher_spec();
    connection_.send_handshake(second_hello);
    summary_.hello_retry_request = true;
    const NamedGroup group = selected_group.value_or(named_group_of(key_shares.front()));
    return ExpectServerHelloAfterRetry{std::move(transcript), std::move(key_shares), suite, group};
  }

  // ---------------------------------------------------------------- encrypted flight
  ClientState handle_encrypted_extensions(const HandshakeMessage& message, ServerFlight flight) {
    const EncryptedExtensions extensions = decode_encrypted_extensions(message.body());
    // RFC 8446 section 4.2 (table) and RFC 8449: the extensions EncryptedExtensions may carry:
    // server_name, max_fragment_length, supported_groups, use_srtp, heartbeat, ALPN,
    // client/server_certificate_type, record_size_limit, early_data. Those we did not offer are
    // refused by check_extensions; offered ones we do not act on are ignored.
    static const std::vector<ExtensionType> kAllowed = {
        ExtensionType::server_name,
        ExtensionType::max_fragment_length,
        ExtensionType::supported_groups,
        ExtensionType::use_srtp,
        ExtensionType::heartbeat,
        ExtensionType::application_layer_protocol_negotiation,
        ExtensionType::client_certificate_type,
        ExtensionType::server_certificate_type,
        ExtensionType::record_size_limit,
        ExtensionType::early_data};
    check_extensions(extensions.extensions, kAllowed, "EncryptedExtensions");
    flight.transcript.add(message.encoded);
    return ExpectCertificateOrCertificateRequest{std::move(flight)};
  }

  ClientState handle_certificate_request(const HandshakeMessage& message, ServerFlight flight) {
    const CertificateRequest request = decode_certificate_request(message.body());
    // RFC 8446 section 4.3.2: during the handshake the context SHALL be zero length.
    if (!request.certificate_request_context.empty()) {
      throw ProtocolError(AlertDescription::illegal_parameter,
                          "CertificateRequest in the handshake has a non-empty context");
    }
    CertificateRequestTerms terms = certificate_request_terms(request);
    flight.transcript.add(message.encoded);
    return ExpectCertificate{std::move(flight), std::move(terms)};
  }

  ClientState handle_certificate(const HandshakeMessage& message, ExpectCertificate state) {
    const Certificate certificate = decode_certificate(message.body());
    if (!certificate.certificate_request_context.empty()) {
      throw ProtocolError(AlertDescription::illegal_parameter,
                          "server Certificate has a non-empty certificate_request_context");
    }
    // RFC 8446 section 4.4.2.4: an empty server Certificate is decode_error.
    if (certificate.certificate_list.empty()) {
      throw ProtocolError(AlertDescription::decode_error, "server sent an empty Certificate");
    }
    for (const CertificateEntry& entry : certificate.certificate_list) {
      // RFC 8446 section 4.4.2: CertificateEntry extensions "MUST correspond to ones from the
      // client's ClientHello message"; status_request is the only one we may have sent.
      check_extensions(entry.extensions, {ExtensionType::status_request}, "CertificateEntry");
    }
    // RFC 8446 section 4.4.2.1: the OCSP response for the end-entity certificate comes in the
    // leaf's entry; one on another entry (for an intermediate) is accepted and ignored.
    VerifiedCertificate server_certificate = verify_peer_certificate(
        *config_.verifier, certificate, PeerRole::Server, config_.server_name);
    state.flight.transcript.add(message.encoded);
    return ExpectCertificateVerify{std::move(state.flight), std::move(state.certificate_request),
                                   std::move(server_certificate)};
  }

  ClientState handle_certificate_verify(const HandshakeMessage& message,
                                        ExpectCertificateVerify state) {
    PeerSignatureChecked server_signature =
        PeerSignatureChecked::check(std::move(state.server_certificate), message.body(),
                                    offered_schemes_, state.flight.transcript.current_hash());
    state.flight.transcript.add(message.encoded);
    return ExpectFinished{std::move(state.flight), std::move(state.certificate_request),
                          std::move(server_signature)};
  }

  ClientState handle_finished(const HandshakeMessage& message, ExpectFinished state) {
    ServerFlight& flight = state.flight;
    check_peer_finished(message, flight.key_schedule.hash(),
                        flight.key_schedule.server_handshake_traffic_secret(), flight.transcript,
                        PeerRole::Server);
    flight.transcript.add(message.encoded);
    // RFC 8446 section 7.1: application secrets from the transcript up to server Finished.
    MasterSecret key_schedule =
        std::move(flight.key_schedule).into_master_secret(flight.transcript.current_hash());
    log_application_secrets(config_.key_log, hello_.random, key_schedule);
    connection_.set_read_secret(flight.suite, key_schedule.server_application_traffic_secret());
    std::move(state.server_signature).record_in(summary_);
    send_second_flight(flight.suite, std::move(flight.transcript), std::move(key_schedule),
                       state.certificate_request);
    return Connected{};
  }

  void send_second_flight(CipherSuite suite, Transcript transcript, MasterSecret key_schedule,
                          const std::optional<CertificateRequestTerms>& certificate_request) {
    send_compatibility_change_cipher_spec();
    connection_.set_write_secret(suite, key_schedule.client_handshake_traffic_secret());
    if (certificate_request) send_client_certificate(*certificate_request, transcript);
    const Bytes verify_data =
        compute_finished(key_schedule.hash(), key_schedule.client_handshake_traffic_secret(),
                         transcript.current_hash());
    const Bytes finished = encode_finished(Finished{verify_data});
    transcript.add(finished);
    connection_.send_handshake(finished);
    const ApplicationSecrets secrets =
        std::move(key_schedule).into_application_secrets(transcript.current_hash());
    connection_.set_write_secret(suite, secrets.client_application_traffic_secret());
    connection_.complete_handshake(summary_);
  }

  // RFC 8446 appendix D.4: in middlebox compatibility mode (a non-empty legacy_session_id)
  // the client sends one dummy ChangeCipherSpec before its second flight.
  void send_compatibility_change_cipher_spec() {
    if (!hello_.legacy_session_id.empty()) connection_.send_change_cipher_spec();
  }

  void send_client_certificate(const CertificateRequestTerms& request, Transcript& transcript) {
    std::optional<crypto::SignatureScheme> scheme;
    if (config_.credentials && config_.credentials->private_key &&
        !config_.credentials->certificate_chain.empty()) {
      for (crypto::SignatureScheme candidate : config_.signature_schemes) {
        if (std::find(request.signature_schemes.begin(), request.signature_schemes.end(),
                      candidate) != request.signature_schemes.end() &&
            config_.credentials->private_key->supports(candidate)) {
          scheme = candidate;
          break;
        }
      }
    }
    Certificate certificate;
    if (scheme) {
      for (const Bytes& der : config_.credentials->certificate_chain) {
        certificate.certificate_list.push_back({der, {}});
      }
      // RFC 8446 section 4.4.2.1: asked with status_request in the CertificateRequest, the
      // client may staple the OCSP response for its certificate to the leaf's entry.
      if (request.status_request == StatusRequest::ocsp && config_.ocsp_staple) {
        staple_ocsp_response(certificate.certificate_list.front(), config_.ocsp_staple());
      }
    }
    // RFC 8446 section 4.4.2: with no suitable certificate the client sends an empty one.
    const Bytes certificate_message = encode_certificate(certificate);
    transcript.add(certificate_message);
    connection_.send_handshake(certificate_message);
    if (!scheme) return;
    const Bytes content = certificate_verify_content(PeerRole::Client, transcript.current_hash());
    CertificateVerify verify;
    verify.algorithm = static_cast<std::uint16_t>(*scheme);
    verify.signature = config_.credentials->private_key->sign(*scheme, content);
    const Bytes verify_message = encode_certificate_verify(verify);
    transcript.add(verify_message);
    connection_.send_handshake(verify_message);
    summary_.own_signature_scheme = scheme;
  }

  ClientConfig config_;
  // What we offered: our ClientHello (the second one after a HelloRetryRequest) and the lists
  // read back from it.
  ClientHello hello_;
  std::vector<std::uint16_t> offered_suites_;
  std::vector<std::uint16_t> offered_groups_;
  std::vector<std::uint16_t> offered_schemes_;
  HandshakeSummary summary_;  // reported with HandshakeComplete
};

}  // namespace

std::unique_ptr<ClientEngine> ClientEngine::create(ClientConfig config) {
  return std::make_unique<ClientEngineImpl>(std::move(config));
}

}  // namespace sc::tls
