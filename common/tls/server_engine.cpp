// The TLS 1.3 server (RFC 8446 section 2): a state machine whose states are types held in a
// std::variant, on EngineCore (engine_core.hpp: the record layer and the Engine methods both
// roles share).
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
// of the next message, which builds the following state from it. ExpectClientFinished cannot
// be built without a proof that the client is authenticated as the configuration demands: a
// PeerSignatureChecked, or an AnonymousClient that only the policy check makes.
struct ExpectClientHello {
  static constexpr const char* name = "ExpectClientHello";
};
struct ExpectSecondClientHello {
  static constexpr const char* name = "ExpectSecondClientHello";
  ClientHello first;
  CipherSuite suite;
  NamedGroup group;
  Bytes cookie;
  Transcript transcript;  // message_hash(ClientHello1), HelloRetryRequest
};
// What every state of the client's second flight carries.
struct ClientFlight {
  CipherSuite suite;
  Transcript transcript;
  MasterSecret key_schedule;  // the client handshake traffic secret, for its Finished
};
struct ExpectClientCertificate {
  static constexpr const char* name = "ExpectClientCertificate";
  ClientFlight flight;
};
struct ExpectClientCertificateVerify {
  static constexpr const char* name = "ExpectClientCertificateVerify";
  ClientFlight flight;
  VerifiedCertificate client_certificate;
};

// A client without a certificate, allowed by ServerConfig::client_authentication.
class AnonymousClient {
 public:
  // RFC 8446 section 4.4.2.4: with no certificate from the client the server "MAY at its
  // discretion either continue the handshake without client authentication, or abort the
  // handshake with a "certificate_required" alert".
  static AnonymousClient allowed_by(ClientAuthentication policy) {
    if (policy == ClientAuthentication::required) {
      throw ProtocolError(AlertDescription::certificate_required,
                          "client sent no certificate but one is required");
    }
    return AnonymousClient();
  }

 private:
  AnonymousClient() = default;
};
using ClientAuthenticated = std::variant<AnonymousClient, PeerSignatureChecked>;

struct ExpectClientFinished {
  static constexpr const char* name = "ExpectClientFinished";
  ClientFlight flight;
  ClientAuthenticated client;
};
using ServerState =
    std::variant<ExpectClientHello, ExpectSecondClientHello, ExpectClientCertificate,
                 ExpectClientCertificateVerify, ExpectClientFinished, Connected>;

std::string to_hex16(std::uint16_t value) {
  const std::uint8_t bytes[2] = {static_cast<std::uint8_t>(value >> 8),
                                 static_cast<std::uint8_t>(value)};
  return "0x" + to_hex(ByteView(bytes, 2));
}

// What a ClientHello asks for, checked and decoded once.
struct ClientOffer {
  std::vector<std::uint16_t> suites;
  std::vector<std::uint16_t> groups;
  std::vector<std::uint16_t> schemes;
  std::vector<KeyShareEntry> shares;
  std::string server_name;
  std::optional<Bytes> cookie;
  StatusRequest status_request = StatusRequest::none;  // an OCSP staple asked for
};

class ServerEngineImpl final : public EngineCore<ServerEngineImpl, ServerEngine, ServerState> {
 public:
  explicit ServerEngineImpl(std::shared_ptr<const ServerConfig> config)
      : EngineCore(Role::server, config->limits),
        shared_config_(std::move(config)),
        config_(*shared_config_) {
    if (config_.credentials.certificate_chain.empty() || !config_.credentials.private_key) {
      throw std::invalid_argument("ServerConfig.credentials needs a chain and a private key");
    }
    if (config_.client_authentication != ClientAuthentication::none && !config_.verifier) {
      throw std::invalid_argument("ServerConfig.verifier is required to request certificates");
    }
  }

 private:
  friend class EngineCore<ServerEngineImpl, ServerEngine, ServerState>;  // calls on_message

  ServerState on_message(ExpectClientHello, const HandshakeMessage& message) {
    expect_message(message, HandshakeType::client_hello);
    return handle_client_hello(message);
  }
  ServerState on_message(ExpectSecondClientHello state, const HandshakeMessage& message) {
    expect_message(message, HandshakeType::client_hello);
    return handle_second_client_hello(message, std::move(state));
  }
  ServerState on_message(ExpectClientCertificate state, const HandshakeMessage& message) {
    expect_message(message, HandshakeType::certificate);
    return handle_client_certificate(message, std::move(state.flight));
  }
  ServerState on_message(ExpectClientCertificateVerify state, const HandshakeMessage& message) {
    expect_message(message, HandshakeType::certificate_verify);
    return handle_client_certificate_verify(message, std::move(state));
  }
  ServerState on_message(ExpectClientFinished state, const HandshakeMessage& message) {
    expect_message(message, HandshakeType::finished);
    return handle_client_finished(message, std::move(state));
  }

  // ---------------------------------------------------------------- ClientHello checks
  ClientOffer read_offer(const ClientHello& hello) {
    ClientOffer offer;
    // RFC 8446 appendix D.5: a ClientHello.legacy_version of 0x0300 (or below) MUST be refused
    // with protocol_version. Higher values are not used for negotiation (4.2.1); like OpenSSL
    // 3.0 and tlsfuzzer's test-tls13-legacy-version we accept 0x0301 and up.
    if (hello.legacy_version < 0x0301) {
      throw ProtocolError(AlertDescription::protocol_version, "ClientHello legacy_version is " +
                                                                  to_hex16(hello.legacy_version) +
                                                                  " (SSL 3.0 or older)");
    }
    const Extension* versions = find_extension(hello.extensions, ExtensionType::supported_versions);
    // RFC 8446 section 4.2.1: without supported_versions the client offers TLS 1.2 at most.
    if (versions == nullptr || !contains(decode_supported_versions_list(versions->data), kTls13)) {
      throw ProtocolError(AlertDescription::protocol_version,
                          "client does not offer TLS 1.3 (only TLS 1.3 is supported)");
    }
    // RFC 8446 section 4.1.2: legacy_compression_methods MUST be exactly one null byte.
    if (hello.legacy_compression_methods != Bytes{0}) {
      throw ProtocolError(AlertDescription::illegal_parameter,
                          "ClientHello legacy_compression_methods is not [null]");
    }
    offer.suites = hello.cipher_suites;
    const Extension* schemes =
        find_extension(hello.extensions, ExtensionType::signature_algorithms);
    if (schemes == nullptr) {
      throw ProtocolError(AlertDescription::missing_extension,
                          "ClientHello lacks signature_algorithms");
    }
    offer.schemes = decode_code_point_list(schemes->data, "signature_algorithms");
    const Extension* groups = find_extension(hello.extensions, ExtensionType::supported_groups);
    const Extension* shares = find_extension(hello.extensions, ExtensionType::key_share);
    // RFC 8446 section 9.2: supported_groups and key_share come together for (EC)DHE.
    if (groups == nullptr || shares == nullptr) {
      throw ProtocolError(AlertDescription::missing_extension,
                          std::string("ClientHello lacks ") +
                              (groups == nullptr ? "supported_groups" : "key_share"));
    }
    offer.groups = decode_code_point_list(groups->data, "supported_groups");
    offer.shares = decode_client_key_shares(shares->data);
    check_key_share_order(offer);
    if (auto* name = find_extension(hello.extensions, ExtensionType::server_name)) {
      offer.server_name = decode_server_name(name->data);
    }
    if (auto* cookie = find_extension(hello.extensions, ExtensionType::cookie)) {
      offer.cookie = decode_cookie(cookie->data);
    }
    if (auto* status = find_extension(hello.extensions, ExtensionType::status_request)) {
      // RFC 6066 section 8: a status_type we do not know is ignored; a malformed request is not.
      if (decode_certificate_status_request(status->data)) {
        offer.status_request = StatusRequest::ocsp;
      }
    }
    if (find_extension(hello.extensions, ExtensionType::pre_shared_key) != nullptr &&
        !hello.extensions.back().is(ExtensionType::pre_shared_key)) {
      // RFC 8446 section 4.2.11: pre_shared_key MUST be the last extension.
      throw ProtocolError(AlertDescription::illegal_parameter,
                          "pre_shared_key is not the last ClientHello extension");
    }
    if (find_extension(hello.extensions, ExtensionType::pre_shared_key) != nullptr &&
        find_extension(hello.extensions, ExtensionType::psk_key_exchange_modes) == nullptr) {
      // RFC 8446 sections 4.2.9 and 9.2: pre_shared_key without psk_key_exchange_modes is
      // missing_extension, even though we would ignore the PSK.
      throw ProtocolError(AlertDescription::missing_extension,
                          "ClientHello offers pre_shared_key without psk_key_exchange_modes");
    }
    return offer;
  }

  // RFC 8446 section 4.2.8: each KeyShareEntry "MUST correspond to a group offered in the
  // "supported_groups" extension and MUST appear in the same order"; servers MAY check this
  // and answer illegal_parameter, which we do (duplicates are refused while decoding).
  static void check_key_share_order(const ClientOffer& offer) {
    std::size_t previous = 0;
    bool first = true;
    for (const KeyShareEntry& share : offer.shares) {
      const auto at = std::find(offer.groups.begin(), offer.groups.end(), share.group);
      if (at == offer.groups.end()) {
        throw ProtocolError(AlertDescription::illegal_parameter,
                            "ClientHello key_share for " + group_description(share.group) +
                                " which supported_groups does not list");
      }
      const auto index = static_cast<std::size_t>(at - offer.groups.begin());
      if (!first && index <= previous) {
        throw ProtocolError(AlertDescription::illegal_parameter,
                            "ClientHello key_share lists " + group_description(share.group) +
                                " out of the supported_groups order");
      }
      previous = index;
      first = false;
    }
  }

  CipherSuite choose_suite(const ClientOffer& offer) const {
    const std::vector<std::uint16_t> ours = code_points(config_.cipher_suites);
    const auto& first = config_.prefer_own_order ? ours : offer.suites;
    const auto& second = config_.prefer_own_order ? offer.suites : ours;
    for (std::uint16_t code : first) {
      if (contains(second, code)) {
        if (auto suite = cipher_suite_from_code(code)) return *suite;
      }
    }
    std::string offered;
    for (std::uint16_t code : offer.suites) {
      offered += (offered.empty() ? "" : ", ") + suite_description(code);
    }
    throw ProtocolError(AlertDescription::handshake_failure,
                        "no cipher suite in common; the client offered " + offered);
  }

  crypto::SignatureScheme choose_signature_scheme(const ClientOffer& offer) const {
    for (crypto::SignatureScheme scheme : config_.signature_schemes) {
      if (contains(offer.schemes, static_cast<std::uint16_t>(scheme)) &&
          config_.credentials.private_key->supports(scheme)) {
        return scheme;
      }
    }
    // RFC 8446 section 4.4.3: the signature MUST use a scheme from the client's
    // signature_algorithms; with none our key can make, the handshake cannot continue.
    throw ProtocolError(AlertDescription::handshake_failure,
                        "no signature scheme in common: the client accepts " +
                            scheme_list(offer.schemes) + "; our " + key_description() +
                            " key can sign with " + schemes_our_key_makes());
  }

  static std::string scheme_list(const std::vector<std::uint16_t>& codes) {
    std::string text;
    for (std::uint16_t code : codes) {
      text += (text.empty() ? "" : ", ") + scheme_description(code);
    }
    return text.empty() ? "none" : text;
  }

  std::string key_description() const {
    const crypto::PrivateKey& key = *config_.credentials.private_key;
    if (key.type() == crypto::KeyType::Rsa) return "RSA " + std::to_string(key.bits());
    return key.curve() == crypto::EcCurve::P384 ? "ECDSA P-384" : "ECDSA P-256";
  }

  std::string schemes_our_key_makes() const {
    std::vector<std::uint16_t> codes;
    for (crypto::SignatureScheme scheme : config_.signature_schemes) {
      if (config_.credentials.private_key->supports(scheme)) {
        codes.push_back(static_cast<std::uint16_t>(scheme));
      }
    }
    return scheme_list(codes);
  }

  // The group to use and whether the client already sent a share for it.
  std::pair<NamedGroup, const KeyShareEntry*> choose_group(const ClientOffer& offer) const {
    // First a group the client already sent a share for (in our order): no extra round trip.
    for (NamedGroup group : config_.groups) {
      for (const KeyShareEntry& share : offer.shares) {
        if (share.group == static_cast<std::uint16_t>(group)) return {group, &share};
      }
    }
    for (NamedGroup group : config_.groups) {
      if (contains(offer.groups, static_cast<std::uint16_t>(group))) return {group, nullptr};
    }
    throw ProtocolError(AlertDescription::handshake_failure,
                        "no key exchange group in common with the client");
  }

  // ---------------------------------------------------------------- first ClientHello
  ServerState handle_client_hello(const HandshakeMessage& message) {
    connection_.allow_change_cipher_spec();
    ClientHello hello = decode_client_hello(message.body());
    const ClientOffer offer = read_offer(hello);
    const CipherSuite suite = choose_suite(offer);
    const crypto::SignatureScheme scheme = choose_signature_scheme(offer);
    const auto [group, share] = choose_group(offer);
    summary_.server_name = offer.server_name;
    Transcript transcript;
    transcript.select_hash(cipher_suite_info(suite).hash);
    transcript.add(message.encoded);
    // RFC 8446 section 4.2.10: we never accept 0-RTT, so early data the client sends after this
    // ClientHello is skipped: with HelloRetryRequest every application_data record up to the
    // second ClientHello, else every record that does not open under the handshake keys.
    const bool early_data = find_extension(hello.extensions, ExtensionType::early_data) != nullptr;
    if (share != nullptr) {
      ServerState next = send_server_flight(hello, offer.status_request, suite, scheme, group,
                                            *share, std::move(transcript));
      if (early_data) connection_.skip_rejected_early_data(RejectedEarlyData::undecryptable);
      return next;
    }
    ServerState next =
        send_hello_retry_request(std::move(hello), suite, group, std::move(transcript));
    if (early_data) connection_.skip_rejected_early_data(RejectedEarlyData::application_data);
    return next;
  }

  // (The scheme chosen for the first ClientHello is chosen again for the second.)
  ServerState send_hello_retry_request(ClientHello hello, CipherSuite suite, NamedGroup group,
                                       Transcript transcript) {
    transcript.replace_with_message_hash();  // RFC 8446 section 4.4.1
    ServerHello retry;
    const ByteView special = hello_retry_request_random();
    retry.random.assign(special.begin(), special.end());
    retry.legacy_session_id_echo = hello.legacy_session_id;
    retry.cipher_suite = static_cast<std::uint16_t>(suite);
    add_extension(retry.extensions, ExtensionType::supported_versions,
                  encode_selected_version(kTls13));
    add_extension(retry.extensions, ExtensionType::key_share,
                  encode_hello_retry_key_share(static_cast<std::uint16_t>(group)));
    Bytes cookie;
    if (config_.hello_retry_cookie) {
      cookie = fresh_random(config_.test_hooks, 16);
      add_extension(retry.extensions, ExtensionType::cookie, encode_cookie(cookie));
    }
    const Bytes message = encode_server_hello(retry);
    transcript.add(message);
    connection_.send_handshake(message);
    send_compatibility_change_cipher_spec(hello);
    summary_.hello_retry_request = true;
    return ExpectSecondClientHello{std::move(hello), suite, group, std::move(cookie),
                                   std::move(transcript)};
  }

  // ---------------------------------------------------------------- second ClientHello
  ServerState handle_second_client_hello(const HandshakeMessage& message,
                                         ExpectSecondClientHello retry) {
    connection_.skip_rejected_early_data(RejectedEarlyData::none);  // 4.2.10: it ends here
    ClientHello hello = decode_client_hello(message.body());
    check_second_hello_repeats_first(retry.first, hello);
    const ClientOffer offer = read_offer(hello);
    check_second_hello_keeps_order(retry.first, hello);
    if (choose_suite(offer) != retry.suite) {
      throw ProtocolError(AlertDescription::illegal_parameter,
                          "second ClientHello leads to a different cipher suite");
    }
    if (retry.cookie.empty()) {
      // RFC 8446 section 4.1.2: a cookie is added only "if one was provided in the
      // HelloRetryRequest".
      if (offer.cookie) {
        throw ProtocolError(AlertDescription::illegal_parameter,
                            "second ClientHello carries a cookie we never sent");
      }
    } else if (!offer.cookie) {
      throw ProtocolError(AlertDescription::missing_extension,
                          "second ClientHello does not echo the HelloRetryRequest cookie");
    } else if (!crypto::equal_constant_time(*offer.cookie, retry.cookie)) {
      throw ProtocolError(AlertDescription::illegal_parameter,
                          "second ClientHello echoes a different cookie");
    }
    if (offer.shares.size() != 1 ||
        offer.shares.front().group != static_cast<std::uint16_t>(retry.group)) {
      throw ProtocolError(AlertDescription::illegal_parameter,
                          std::string("second ClientHello does not carry exactly one key share "
                                      "for ") +
                              named_group_name(retry.group));
    }
    const crypto::SignatureScheme scheme = choose_signature_scheme(offer);
    retry.transcript.add(message.encoded);
    return send_server_flight(hello, offer.status_request, retry.suite, scheme, retry.group,
                              offer.shares.front(), std::move(retry.transcript));
  }

  // RFC 8446 section 4.1.2: the second ClientHello is the first one with only these changes:
  // key_share replaced by a single share (checked by the caller), early_data removed, cookie
  // added, pre_shared_key updated (or dropped) and padding added, removed or resized.
  static void check_second_hello_repeats_first(const ClientHello& first,
                                               const ClientHello& second) {
    if (second.random != first.random || second.legacy_session_id != first.legacy_session_id ||
        second.cipher_suites != first.cipher_suites) {
      throw ProtocolError(AlertDescription::illegal_parameter,
                          "second ClientHello changed random, session id or cipher suites");
    }
    if (second.legacy_version != first.legacy_version ||
        second.legacy_compression_methods != first.legacy_compression_methods) {
      throw ProtocolError(AlertDescription::illegal_parameter,
                          "second ClientHello changed legacy_version or compression methods");
    }
    // 4.2.10: "A client MUST NOT include the "early_data" extension in its followup ClientHello."
    if (find_extension(second.extensions, ExtensionType::early_data) != nullptr) {
      throw ProtocolError(AlertDescription::illegal_parameter,
                          "second ClientHello still offers early_data");
    }
    auto may_change = [](const Extension& extension) {
      return extension.is(ExtensionType::key_share) || extension.is(ExtensionType::cookie) ||
             extension.is(ExtensionType::early_data) ||
             extension.is(ExtensionType::pre_shared_key) || extension.is(ExtensionType::padding);
    };
    for (const Extension& before : first.extensions) {
      if (may_change(before)) continue;
      const Extension* after = find_extension_code(second.extensions, before.type);
      if (after == nullptr || after->data != before.data) {
        throw ProtocolError(AlertDescription::illegal_parameter,
                            "second ClientHello " +
                                std::string(after == nullptr ? "drops " : "changes ") +
                                extension_name(before.type));
      }
    }
    for (const Extension& after : second.extensions) {
      if (!may_change(after) && find_extension_code(first.extensions, after.type) == nullptr) {
        throw ProtocolError(AlertDescription::illegal_parameter,
                            "second ClientHello adds " + extension_name(after.type));
      }
    }
  }

  // RFC 8446 section 4.1.2: "the client MUST send the same ClientHello" with only the listed
  // changes, so the extensions keep their order too: the ones that stay (and key_share, replaced
  // in place) come in the same order; only those that may be added or removed (cookie,
  // early_data, pre_shared_key, padding) are left out of the comparison. Called once read_offer
  // has found key_share in both.
  static void check_second_hello_keeps_order(const ClientHello& first, const ClientHello& second) {
    auto kept_order = [](const ClientHello& hello) {
      std::vector<std::uint16_t> types;
      for (const Extension& extension : hello.extensions) {
        const bool may_come_or_go =
            extension.is(ExtensionType::cookie) || extension.is(ExtensionType::early_data) ||
            extension.is(ExtensionType::pre_shared_key) || extension.is(ExtensionType::padding);
        if (!may_come_or_go) types.push_back(extension.type);
      }
      return types;
    };
    if (kept_order(first) != kept_order(second)) {
      throw ProtocolError(AlertDescription::illegal_parameter,
                          "second ClientHello reorders the extensions of the first");
    }
  }

  // ---------------------------------------------------------------- server flight
  ServerState send_server_flight(const ClientHello& hello, StatusRequest client_status_request,
                                 CipherSuite suite, crypto::SignatureScheme scheme,
                                 NamedGroup group, const KeyShareEntry& client_share,
                                 Transcript transcript) {
    const CipherSuiteInfo& info = cipher_suite_info(suite);
    const crypto::KeyShare own_share = fresh_key_share(config_.test_hooks, group);
    std::optional<SecretBytes> shared = own_share.derive(client_share.key_exchange);
    if (!shared) {
      throw ProtocolError(AlertDescription::illegal_parameter,
                          std::string("client's ") + named_group_name(group) +
                              " key share is not a valid public value");
    }
    ServerHello server_hello;
    server_hello.random = fresh_random(config_.test_hooks, 32);
    server_hello.legacy_session_id_echo = hello.legacy_session_id;
    server_hello.cipher_suite = static_cast<std::uint16_t>(suite);
    add_extension(server_hello.extensions, ExtensionType::supported_versions,
                  encode_selected_version(kTls13));
    add_extension(
        server_hello.extensions, ExtensionType::key_share,
        encode_server_key_share({static_cast<std::uint16_t>(group), own_share.public_key()}));
    const Bytes server_hello_message = encode_server_hello(server_hello);
    transcript.add(server_hello_message);
    connection_.send_handshake(server_hello_message);
    send_compatibility_change_cipher_spec(hello);

    HandshakeSecret handshake =
        EarlySecret(info.hash).into_handshake_secret(*shared, transcript.current_hash());
    log_handshake_secrets(config_.key_log, hello.random, handshake);
    connection_.set_write_secret(suite, handshake.server_handshake_traffic_secret());
    connection_.set_read_secret(suite, handshake.client_handshake_traffic_secret());

    EncryptedExtensions extensions;
    if (!summary_.server_name.empty()) {
      // RFC 6066 section 3: the server acknowledges a used server_name with an empty one.
      add_extension(extensions.extensions, ExtensionType::server_name, {});
    }
    send(transcript, encode_encrypted_extensions(extensions));
    if (config_.client_authentication != ClientAuthentication::none) {
      CertificateRequest request;
      add_extension(request.extensions, ExtensionType::signature_algorithms,
                    encode_code_point_list(code_points(config_.signature_schemes)));
      if (config_.request_client_status == StatusRequest::ocsp) {
        // RFC 8446 section 4.4.2.1: "A server MAY request that a client present an OCSP
        // response with its certificate by sending an empty "status_request" extension in its
        // CertificateRequest message."
        add_extension(request.extensions, ExtensionType::status_request, {});
      }
      send(transcript, encode_certificate_request(request));
    }
    Certificate certificate;
    for (const Bytes& der : config_.credentials.certificate_chain) {
      certificate.certificate_list.push_back({der, {}});
    }
    // RFC 8446 section 4.4.2.1: the staple goes in the leaf's CertificateEntry, never in
    // EncryptedExtensions (as TLS 1.2's ServerHello acknowledgement did).
    if (client_status_request == StatusRequest::ocsp && config_.ocsp_staple) {
      staple_ocsp_response(certificate.certificate_list.front(), config_.ocsp_staple());
    }
    send(transcript, encode_certificate(certificate));
    CertificateVerify verify;
    verify.algorithm = static_cast<std::uint16_t>(scheme);
    verify.signature = config_.credentials.private_key->sign(
        scheme, certificate_verify_content(PeerRole::Server, transcript.current_hash()));
    send(transcript, encode_certificate_verify(verify));
    send(transcript,
         encode_finished(Finished{compute_finished(
             info.hash, handshake.server_handshake_traffic_secret(), transcript.current_hash())}));

    // RFC 8446 section 7.1: application secrets from the transcript up to server Finished.
    MasterSecret key_schedule = std::move(handshake).into_master_secret(transcript.current_hash());
    log_application_secrets(config_.key_log, hello.random, key_schedule);
    connection_.set_write_secret(suite, key_schedule.server_application_traffic_secret());

    summary_.suite = suite;
    summary_.group = group;
    summary_.own_signature_scheme = scheme;
    ClientFlight flight{suite, std::move(transcript), std::move(key_schedule)};
    if (config_.client_authentication != ClientAuthentication::none) {
      return ExpectClientCertificate{std::move(flight)};
    }
    return ExpectClientFinished{std::move(flight),
                                AnonymousClient::allowed_by(config_.client_authentication)};
  }

  // RFC 8446 appendix D.4: when the client asked for middlebox compatibility (non-empty
  // legacy_session_id) the server sends one dummy ChangeCipherSpec right after its first
  // handshake message (ServerHello or HelloRetryRequest).
  void send_compatibility_change_cipher_spec(const ClientHello& hello) {
    if (!hello.legacy_session_id.empty()) connection_.send_change_cipher_spec();
  }

  void send(Transcript& transcript, const Bytes& message) {
    transcript.add(message);
    connection_.send_handshake(message);
  }

  // ---------------------------------------------------------------- client flight
  ServerState handle_client_certificate(const HandshakeMessage& message, ClientFlight flight) {
    const Certificate certificate = decode_certificate(message.body());
    if (!certificate.certificate_request_context.empty()) {
      throw ProtocolError(AlertDescription::illegal_parameter,
                          "client Certificate has a certificate_request_context we never sent");
    }
    flight.transcript.add(message.encoded);
    if (certificate.certificate_list.empty()) {
      // RFC 8446 section 4.4.2.4: the server may continue without client authentication or
      // abort with certificate_required.
      return ExpectClientFinished{std::move(flight),
                                  AnonymousClient::allowed_by(config_.client_authentication)};
    }
    for (const CertificateEntry& entry : certificate.certificate_list) {
      check_client_entry_extensions(entry);
    }
    // RFC 8446 section 4.4.2.1: the client's OCSP response comes in its leaf's entry; one on
    // another entry is accepted and ignored.
    VerifiedCertificate client_certificate =
        verify_peer_certificate(*config_.verifier, certificate, PeerRole::Client, "");
    return ExpectClientCertificateVerify{std::move(flight), std::move(client_certificate)};
  }

  // RFC 8446 section 4.4.2: extensions in the client's Certificate "MUST correspond to
  // extensions in the server's CertificateRequest message"; status_request is the only one
  // we may have sent.
  void check_client_entry_extensions(const CertificateEntry& entry) const {
    for (const Extension& extension : entry.extensions) {
      const bool requested = extension.is(ExtensionType::status_request) &&
                             config_.request_client_status == StatusRequest::ocsp;
      if (!requested) {
        throw ProtocolError(AlertDescription::unsupported_extension,
                            "client CertificateEntry carries " + extension_name(extension.type) +
                                ", which we did not request");
      }
    }
  }

  ServerState handle_client_certificate_verify(const HandshakeMessage& message,
                                               ExpectClientCertificateVerify state) {
    PeerSignatureChecked client_signature = PeerSignatureChecked::check(
        std::move(state.client_certificate), message.body(), code_points(config_.signature_schemes),
        state.flight.transcript.current_hash());
    state.flight.transcript.add(message.encoded);
    return ExpectClientFinished{std::move(state.flight), std::move(client_signature)};
  }

  ServerState handle_client_finished(const HandshakeMessage& message, ExpectClientFinished state) {
    ClientFlight& flight = state.flight;
    check_peer_finished(message, flight.key_schedule.hash(),
                        flight.key_schedule.client_handshake_traffic_secret(), flight.transcript,
                        PeerRole::Client);
    flight.transcript.add(message.encoded);
    const ApplicationSecrets secrets =
        std::move(flight.key_schedule).into_application_secrets(flight.transcript.current_hash());
    connection_.set_read_secret(flight.suite, secrets.client_application_traffic_secret());
    if (auto* signature = std::get_if<PeerSignatureChecked>(&state.client)) {
      std::move(*signature).record_in(summary_);
    }
    connection_.complete_handshake(summary_);
    return Connected{};
  }

  // Shared by every connection of a listener: a connection copies no chain, no callbacks.
  std::shared_ptr<const ServerConfig> shared_config_;
  const ServerConfig& config_;
  HandshakeSummary summary_;  // reported with HandshakeComplete
};

}  // namespace

std::unique_ptr<ServerEngine> ServerEngine::create(ServerConfig config) {
  return create(std::make_shared<const ServerConfig>(std::move(config)));
}

std::unique_ptr<ServerEngine> ServerEngine::create(std::shared_ptr<const ServerConfig> config) {
  if (!config) throw std::invalid_argument("ServerEngine::create needs a ServerConfig");
  return std::make_unique<ServerEngineImpl>(std::move(config));
}

}  // namespace sc::tls
