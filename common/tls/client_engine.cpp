// The TLS 1.3 client (RFC 8446 section 2, figure 1 and 2): a state machine whose states are
// types held in a std::variant, on top of the shared Connection (records, alerts, KeyUpdate).
#include <algorithm>
#include <stdexcept>
#include <variant>

#include "common/crypto/random.hpp"
#include "common/tls/connection.hpp"
#include "common/tls/engine.hpp"
#include "common/tls/handshake/certificate.hpp"
#include "common/tls/handshake/certificate_request.hpp"
#include "common/tls/handshake/certificate_verify.hpp"
#include "common/tls/handshake/client_hello.hpp"
#include "common/tls/handshake/encrypted_extensions.hpp"
#include "common/tls/handshake/finished.hpp"
#include "common/tls/handshake/negotiation.hpp"
#include "common/tls/handshake/server_hello.hpp"
#include "common/tls/key_schedule.hpp"
#include "common/tls/keylog.hpp"
#include "common/tls/transcript.hpp"

namespace sc::tls {

namespace {

// ---------------------------------------------------------------- states
struct ExpectServerHello {
  static constexpr const char* name = "ExpectServerHello";
};
struct ExpectServerHelloAfterRetry {
  static constexpr const char* name = "ExpectServerHelloAfterRetry";
  std::uint16_t suite;  // the HelloRetryRequest's; the ServerHello must repeat it (4.1.4)
  NamedGroup group;     // the group the HelloRetryRequest selected
};
struct ExpectEncryptedExtensions {
  static constexpr const char* name = "ExpectEncryptedExtensions";
};
struct ExpectCertificateOrCertificateRequest {
  static constexpr const char* name = "ExpectCertificateOrCertificateRequest";
};
struct ExpectCertificate {
  static constexpr const char* name = "ExpectCertificate";
};
struct ExpectCertificateVerify {
  static constexpr const char* name = "ExpectCertificateVerify";
  crypto::PublicKey server_key;
};
struct ExpectFinished {
  static constexpr const char* name = "ExpectFinished";
};
struct Connected {
  static constexpr const char* name = "Connected";
};
using ClientState =
    std::variant<ExpectServerHello, ExpectServerHelloAfterRetry, ExpectEncryptedExtensions,
                 ExpectCertificateOrCertificateRequest, ExpectCertificate, ExpectCertificateVerify,
                 ExpectFinished, Connected>;

bool contains(const std::vector<std::uint16_t>& list, std::uint16_t value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

class ClientEngineImpl final : public ClientEngine {
 public:
  explicit ClientEngineImpl(ClientConfig config)
      : config_(std::move(config)), connection_(true, config_.limits) {
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

  void receive(ByteView bytes) override {
    connection_.receive(bytes, [this](const HandshakeMessage& message) { handle(message); });
  }
  Bytes take_output() override { return connection_.take_output(); }
  std::vector<Event> take_events() override { return connection_.take_events(); }
  void send_application_data(ByteView data) override { connection_.send_application_data(data); }
  void send_key_update(bool request_peer_update) override {
    connection_.send_key_update(request_peer_update);
  }
  void close() override { connection_.close(); }
  void abort(AlertDescription alert, const std::string& reason) override {
    connection_.fail(alert, reason);
  }
  bool handshake_complete() const override { return connection_.handshake_complete(); }
  bool failed() const override { return connection_.failed(); }
  bool peer_closed() const override { return connection_.peer_closed(); }
  bool local_closed() const override { return connection_.local_closed(); }
  std::string state_name() const override {
    return std::visit([](const auto& state) -> std::string { return state.name; }, state_);
  }
  std::size_t buffered_capacity() const override { return connection_.buffered_capacity(); }

 private:
  // ---------------------------------------------------------------- ClientHello
  void send_client_hello() {
    Bytes message;
    if (config_.test_hooks.client_hello_message) {
      message = *config_.test_hooks.client_hello_message;
      if (message.size() < 4 ||
          message[0] != static_cast<std::uint8_t>(HandshakeType::client_hello)) {
        throw std::invalid_argument("test ClientHello is not a ClientHello message");
      }
      hello_ = decode_client_hello(ByteView(message).subspan(4));
      adopt_offered_key_shares();
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
        key_shares_.push_back(fresh_key_share(config_.test_hooks, group));
        entries.push_back({static_cast<std::uint16_t>(group), key_shares_.back().public_key()});
      }
      add_extension(hello_.extensions, ExtensionType::key_share, encode_client_key_shares(entries));
      message = encode_client_hello(hello_);
    }
    learn_offer();
    transcript_.add(message);
    connection_.send_handshake(message, true);
    connection_.allow_change_cipher_spec();
  }

  // With the ClientHello test hook: make the key shares the message announces.
  void adopt_offered_key_shares() {
    const Extension* extension = find_extension(hello_.extensions, ExtensionType::key_share);
    if (extension == nullptr) return;
    for (const KeyShareEntry& entry : decode_client_key_shares(extension->data)) {
      auto group = named_group_from_code(entry.group);
      if (!group) throw std::invalid_argument("test ClientHello offers an unknown group");
      key_shares_.push_back(fresh_key_share(config_.test_hooks, *group));
      if (key_shares_.back().public_key() != entry.key_exchange) {
        throw std::invalid_argument("test ClientHello key share differs from the hook's share");
      }
    }
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
      if (!offered_extension(extension.type) &&
          extension.type != static_cast<std::uint16_t>(ExtensionType::cookie)) {
        throw ProtocolError(AlertDescription::unsupported_extension,
                            std::string(message_name) + " carries " +
                                extension_name(extension.type) + ", which we did not offer");
      }
      if (std::none_of(allowed.begin(), allowed.end(), [&](ExtensionType type) {
            return static_cast<std::uint16_t>(type) == extension.type;
          })) {
        throw ProtocolError(AlertDescription::illegal_parameter,
                            extension_name(extension.type) + " is not allowed in " + message_name);
      }
    }
  }

  // ---------------------------------------------------------------- dispatch
  void handle(const HandshakeMessage& message) {
    if (std::holds_alternative<ExpectServerHello>(state_)) {
      expect_message(message, HandshakeType::server_hello);
      handle_server_hello(message, std::nullopt);
    } else if (auto* retry = std::get_if<ExpectServerHelloAfterRetry>(&state_)) {
      expect_message(message, HandshakeType::server_hello);
      handle_server_hello(message, *retry);
    } else if (std::holds_alternative<ExpectEncryptedExtensions>(state_)) {
      expect_message(message, HandshakeType::encrypted_extensions);
      handle_encrypted_extensions(message);
    } else if (std::holds_alternative<ExpectCertificateOrCertificateRequest>(state_)) {
      expect_message(message, HandshakeType::certificate, HandshakeType::certificate_request);
      if (message.type == HandshakeType::certificate_request) {
        handle_certificate_request(message);
      } else {
        handle_certificate(message);
      }
    } else if (std::holds_alternative<ExpectCertificate>(state_)) {
      expect_message(message, HandshakeType::certificate);
      handle_certificate(message);
    } else if (auto* verify = std::get_if<ExpectCertificateVerify>(&state_)) {
      expect_message(message, HandshakeType::certificate_verify);
      handle_certificate_verify(message, verify->server_key);
    } else if (std::holds_alternative<ExpectFinished>(state_)) {
      expect_message(message, HandshakeType::finished);
      handle_finished(message);
    } else {
      throw ProtocolError(AlertDescription::unexpected_message,
                          "unexpected " + handshake_type_name(message.type));
    }
  }

  // ---------------------------------------------------------------- ServerHello / HRR
  void handle_server_hello(const HandshakeMessage& message,
                           std::optional<ExpectServerHelloAfterRetry> retry) {
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
    if (!contains(offered_suites_, hello.cipher_suite) ||
        !cipher_suite_from_code(hello.cipher_suite)) {
      throw ProtocolError(
          AlertDescription::illegal_parameter,
          "server chose " + suite_description(hello.cipher_suite) + " which we did not offer");
    }
    if (hello.is_hello_retry_request()) {
      if (retry) {
        // RFC 8446 section 4.1.4: a second HelloRetryRequest is unexpected_message.
        throw ProtocolError(AlertDescription::unexpected_message,
                            "server sent a second HelloRetryRequest");
      }
      handle_hello_retry_request(message, hello);
      return;
    }
    check_extensions(hello.extensions,
                     {ExtensionType::supported_versions, ExtensionType::key_share}, "ServerHello");
    if (retry && hello.cipher_suite != retry->suite) {
      throw ProtocolError(AlertDescription::illegal_parameter,
                          "ServerHello chose " + suite_description(hello.cipher_suite) +
                              " but the HelloRetryRequest chose " +
                              suite_description(retry->suite));
    }
    const Extension* share_extension = find_extension(hello.extensions, ExtensionType::key_share);
    if (share_extension == nullptr) {
      throw ProtocolError(AlertDescription::missing_extension, "ServerHello lacks key_share");
    }
    const KeyShareEntry server_share = decode_server_key_share(share_extension->data);
    // RFC 8446 section 4.2.8: the server's share must be in a group we sent a share for.
    const crypto::KeyShare* own_share = nullptr;
    for (const crypto::KeyShare& share : key_shares_) {
      if (static_cast<std::uint16_t>(named_group_of(share)) == server_share.group) {
        own_share = &share;
      }
    }
    if (own_share == nullptr) {
      throw ProtocolError(AlertDescription::illegal_parameter,
                          "server's key share is for " + group_description(server_share.group) +
                              ", for which we sent no share");
    }
    std::optional<SecretBytes> shared = own_share->derive(server_share.key_exchange);
    if (!shared) {
      throw ProtocolError(AlertDescription::illegal_parameter,
                          "server's " + group_description(server_share.group) +
                              " key share is not a valid public value");
    }
    suite_ = *cipher_suite_from_code(hello.cipher_suite);
    const CipherSuiteInfo& info = cipher_suite_info(suite_);
    transcript_.select_hash(info.hash);
    transcript_.add(message.encoded);
    schedule_.emplace(info.hash);
    schedule_->derive_handshake_secrets(*shared, transcript_.current_hash());
    write_key_log(config_.key_log, "CLIENT_HANDSHAKE_TRAFFIC_SECRET", hello_.random,
                  schedule_->client_handshake_traffic_secret());
    write_key_log(config_.key_log, "SERVER_HANDSHAKE_TRAFFIC_SECRET", hello_.random,
                  schedule_->server_handshake_traffic_secret());
    connection_.set_read_secret(suite_, schedule_->server_handshake_traffic_secret());
    summary_.suite = suite_;
    summary_.group = *named_group_from_code(server_share.group);
    state_ = ExpectEncryptedExtensions{};
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
    const Extension* versions = find_extension(hello.extensions, ExtensionType::supported_versions);
    if (versions == nullptr) {
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
    const std::uint16_t selected = decode_selected_version(versions->data);
    if (selected != kTls13) {
      // RFC 8446 section 4.2.1: a version not offered is illegal_parameter.
      throw ProtocolError(
          AlertDescription::illegal_parameter,
          "server selected version " + legacy_version_name(selected) + " which we did not offer");
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

  void handle_hello_retry_request(const HandshakeMessage& message, const ServerHello& retry) {
    check_extensions(
        retry.extensions,
        {ExtensionType::supported_versions, ExtensionType::key_share, ExtensionType::cookie},
        "HelloRetryRequest");
    const Extension* share = find_extension(retry.extensions, ExtensionType::key_share);
    const Extension* cookie = find_extension(retry.extensions, ExtensionType::cookie);
    if (share == nullptr && cookie == nullptr) {
      // RFC 8446 section 4.1.4: an HRR that would not change the ClientHello.
      throw ProtocolError(AlertDescription::illegal_parameter,
                          "HelloRetryRequest asks for no change to the ClientHello");
    }
    std::optional<NamedGroup> selected_group;
    if (share != nullptr) {
      const std::uint16_t group = decode_hello_retry_key_share(share->data);
      // RFC 8446 section 4.2.8: the selected group must be in supported_groups and must not be
      // one for which the ClientHello already carried a share.
      if (!contains(offered_groups_, group) || !named_group_from_code(group)) {
        throw ProtocolError(
            AlertDescription::illegal_parameter,
            "HelloRetryRequest selects " + group_description(group) + " which we did not offer");
      }
      for (const crypto::KeyShare& own : key_shares_) {
        if (static_cast<std::uint16_t>(named_group_of(own)) == group) {
          throw ProtocolError(AlertDescription::illegal_parameter,
                              "HelloRetryRequest selects " + group_description(group) +
                                  ", for which we already sent a share");
        }
      }
      selected_group = *named_group_from_code(group);
    }
    const CipherSuiteInfo& info = cipher_suite_info(*cipher_suite_from_code(retry.cipher_suite));
    transcript_.select_hash(info.hash);
    transcript_.replace_with_message_hash();  // RFC 8446 section 4.4.1
    transcript_.add(message.encoded);

    // RFC 8446 section 4.1.2: the second ClientHello is the first with the key_share replaced
    // by a single share for the selected group, early_data removed and the cookie added (before
    // pre_shared_key, which stays last, 4.2.11).
    Extensions extensions;
    for (const Extension& extension : hello_.extensions) {
      if (extension.type == static_cast<std::uint16_t>(ExtensionType::early_data)) continue;
      if (extension.type == static_cast<std::uint16_t>(ExtensionType::pre_shared_key) &&
          cookie != nullptr) {
        extensions.push_back(*cookie);
        cookie = nullptr;
      }
      if (extension.type == static_cast<std::uint16_t>(ExtensionType::key_share) &&
          selected_group) {
        key_shares_.clear();
        key_shares_.push_back(fresh_key_share(config_.test_hooks, *selected_group));
        extensions.push_back(
            {extension.type, encode_client_key_shares({{static_cast<std::uint16_t>(*selected_group),
                                                        key_shares_.back().public_key()}})});
      } else if (extension.type != static_cast<std::uint16_t>(ExtensionType::cookie)) {
        extensions.push_back(extension);
      }
    }
    if (cookie != nullptr) extensions.push_back(*cookie);
    hello_.extensions = std::move(extensions);
    const Bytes second_hello = encode_client_hello(hello_);
    transcript_.add(second_hello);
    send_compatibility_change_cipher_spec();
    connection_.send_handshake(second_hello);
    summary_.hello_retry_request = true;
    state_ = ExpectServerHelloAfterRetry{
        retry.cipher_suite, selected_group.value_or(named_group_of(key_shares_.front()))};
  }

  // ---------------------------------------------------------------- encrypted flight
  void handle_encrypted_extensions(const HandshakeMessage& message) {
    const EncryptedExtensions extensions = decode_encrypted_extensions(message.body());
    // RFC 8446 section 4.2 (table) and RFC 8449: the extensions EncryptedExtensions may carry:
    // server_name, max_fragment_length, supported_groups, use_srtp, heartbeat, ALPN,
    // client/server_certificate_type, record_size_limit, early_data. Those we did not offer are
    // refused by check_extensions; offered ones we do not act on are ignored.
    static const std::vector<ExtensionType> kAllowed = {
        ExtensionType::server_name,      static_cast<ExtensionType>(1),
        ExtensionType::supported_groups, static_cast<ExtensionType>(14),
        static_cast<ExtensionType>(15),  static_cast<ExtensionType>(16),
        static_cast<ExtensionType>(19),  static_cast<ExtensionType>(20),
        static_cast<ExtensionType>(28),  ExtensionType::early_data};
    check_extensions(extensions.extensions, kAllowed, "EncryptedExtensions");
    transcript_.add(message.encoded);
    state_ = ExpectCertificateOrCertificateRequest{};
  }

  void handle_certificate_request(const HandshakeMessage& message) {
    const CertificateRequest request = decode_certificate_request(message.body());
    // RFC 8446 section 4.3.2: during the handshake the context SHALL be zero length.
    if (!request.certificate_request_context.empty()) {
      throw ProtocolError(AlertDescription::illegal_parameter,
                          "CertificateRequest in the handshake has a non-empty context");
    }
    const Extension* schemes =
        find_extension(request.extensions, ExtensionType::signature_algorithms);
    server_accepted_schemes_ = decode_code_point_list(schemes->data, "signature_algorithms");
    server_requested_status_ = status_request_in(request);
    certificate_requested_ = true;
    transcript_.add(message.encoded);
    state_ = ExpectCertificate{};
  }

  // RFC 8446 section 4.4.2.1: a server asks for the client's OCSP response with an empty
  // status_request in its CertificateRequest; a CertificateStatusRequest there is read as the
  // same question when its status_type is ocsp.
  static StatusRequest status_request_in(const CertificateRequest& request) {
    const Extension* status = find_extension(request.extensions, ExtensionType::status_request);
    if (status == nullptr) return StatusRequest::none;
    if (status->data.empty() || decode_certificate_status_request(status->data)) {
      return StatusRequest::ocsp;
    }
    return StatusRequest::none;
  }

  void handle_certificate(const HandshakeMessage& message) {
    const Certificate certificate = decode_certificate(message.body());
    if (!certificate.certificate_request_context.empty()) {
      throw ProtocolError(AlertDescription::illegal_parameter,
                          "server Certificate has a non-empty certificate_request_context");
    }
    // RFC 8446 section 4.4.2.4: an empty server Certificate is decode_error.
    if (certificate.certificate_list.empty()) {
      throw ProtocolError(AlertDescription::decode_error, "server sent an empty Certificate");
    }
    std::vector<Bytes> chain;
    for (const CertificateEntry& entry : certificate.certificate_list) {
      // RFC 8446 section 4.4.2: CertificateEntry extensions "MUST correspond to ones from the
      // client's ClientHello message"; status_request is the only one we may have sent.
      check_extensions(entry.extensions, {ExtensionType::status_request}, "CertificateEntry");
      chain.push_back(entry.cert_data);
    }
    // RFC 8446 section 4.4.2.1: the OCSP response for the end-entity certificate comes in the
    // leaf's entry; one on another entry (for an intermediate) is accepted and ignored.
    std::optional<Bytes> staple = stapled_ocsp_response(certificate.certificate_list.front());
    const CertificateCheck check = config_.verifier->verify(
        chain, PeerRole::Server, config_.server_name, staple ? ByteView(*staple) : ByteView());
    if (!check.accepted) throw ProtocolError(check.alert, check.reason);
    crypto::PublicKey key = peer_public_key(check, chain.front());
    summary_.peer_ocsp_response = std::move(staple);
    summary_.peer_certificate_chain = std::move(chain);
    summary_.peer_subject = check.subject;
    summary_.peer_revocation = check.revocation;
    transcript_.add(message.encoded);
    state_ = ExpectCertificateVerify{std::move(key)};
  }

  void handle_certificate_verify(const HandshakeMessage& message,
                                 const crypto::PublicKey& server_key) {
    summary_.peer_signature_scheme = check_certificate_verify(
        message.body(), true, offered_schemes_, server_key, transcript_.current_hash());
    transcript_.add(message.encoded);
    state_ = ExpectFinished{};
  }

  void handle_finished(const HandshakeMessage& message) {
    const crypto::HashAlgorithm hash = schedule_->hash();
    const Finished finished = decode_finished(message.body(), crypto::digest_length(hash));
    const Bytes expected = compute_finished(hash, schedule_->server_handshake_traffic_secret(),
                                            transcript_.current_hash());
    if (!crypto::equal_constant_time(expected, finished.verify_data)) {
      throw ProtocolError(AlertDescription::decrypt_error,
                          "server Finished does not match the handshake transcript");
    }
    transcript_.add(message.encoded);
    // RFC 8446 section 7.1: application secrets from the transcript up to server Finished.
    schedule_->derive_application_secrets(transcript_.current_hash());
    write_key_log(config_.key_log, "CLIENT_TRAFFIC_SECRET_0", hello_.random,
                  schedule_->client_application_traffic_secret());
    write_key_log(config_.key_log, "SERVER_TRAFFIC_SECRET_0", hello_.random,
                  schedule_->server_application_traffic_secret());
    write_key_log(config_.key_log, "EXPORTER_SECRET", hello_.random,
                  schedule_->exporter_master_secret());
    connection_.set_read_secret(suite_, schedule_->server_application_traffic_secret());
    send_second_flight();
  }

  void send_second_flight() {
    send_compatibility_change_cipher_spec();
    connection_.set_write_secret(suite_, schedule_->client_handshake_traffic_secret());
    if (certificate_requested_) send_client_certificate();
    const Bytes verify_data =
        compute_finished(schedule_->hash(), schedule_->client_handshake_traffic_secret(),
                         transcript_.current_hash());
    const Bytes finished = encode_finished(Finished{verify_data});
    transcript_.add(finished);
    connection_.send_handshake(finished);
    schedule_->derive_resumption_secret(transcript_.current_hash());
    connection_.set_write_secret(suite_, schedule_->client_application_traffic_secret());
    state_ = Connected{};
    connection_.complete_handshake(summary_);
  }

  // RFC 8446 appendix D.4: in middlebox compatibility mode (a non-empty legacy_session_id)
  // the client sends one dummy ChangeCipherSpec before its second flight.
  void send_compatibility_change_cipher_spec() {
    if (!hello_.legacy_session_id.empty()) connection_.send_change_cipher_spec();
  }

  void send_client_certificate() {
    std::optional<crypto::SignatureScheme> scheme;
    if (config_.credentials && config_.credentials->private_key &&
        !config_.credentials->certificate_chain.empty()) {
      for (crypto::SignatureScheme candidate : config_.signature_schemes) {
        if (contains(server_accepted_schemes_, static_cast<std::uint16_t>(candidate)) &&
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
      if (server_requested_status_ == StatusRequest::ocsp && config_.ocsp_staple) {
        staple_ocsp_response(certificate.certificate_list.front(), config_.ocsp_staple());
      }
    }
    // RFC 8446 section 4.4.2: with no suitable certificate the client sends an empty one.
    const Bytes certificate_message = encode_certificate(certificate);
    transcript_.add(certificate_message);
    connection_.send_handshake(certificate_message);
    if (!scheme) return;
    const Bytes content = certificate_verify_content(false, transcript_.current_hash());
    CertificateVerify verify;
    verify.algorithm = static_cast<std::uint16_t>(*scheme);
    verify.signature = config_.credentials->private_key->sign(*scheme, content);
    const Bytes verify_message = encode_certificate_verify(verify);
    transcript_.add(verify_message);
    connection_.send_handshake(verify_message);
    summary_.own_signature_scheme = scheme;
  }

  ClientConfig config_;
  Connection connection_;
  ClientState state_ = ExpectServerHello{};
  ClientHello hello_;
  std::vector<crypto::KeyShare> key_shares_;
  std::vector<std::uint16_t> offered_suites_;
  std::vector<std::uint16_t> offered_groups_;
  std::vector<std::uint16_t> offered_schemes_;
  std::vector<std::uint16_t> server_accepted_schemes_;
  bool certificate_requested_ = false;
  StatusRequest server_requested_status_ = StatusRequest::none;
  CipherSuite suite_{};
  Transcript transcript_;
  std::optional<KeySchedule> schedule_;
  HandshakeSummary summary_;
};

}  // namespace

std::unique_ptr<ClientEngine> ClientEngine::create(ClientConfig config) {
  return std::make_unique<ClientEngineImpl>(std::move(config));
}

}  // namespace sc::tls
