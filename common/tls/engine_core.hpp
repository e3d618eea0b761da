#pragma once
// What the client and server engines share, written once: the record layer (Connection), every
// Engine method but the handshake itself, the dispatch of handshake messages to the role's
// state machine, and the Finished and key log steps both roles take.
//
// A role derives from EngineCore<Role engine, public engine, State variant> (CRTP) and supplies
// one on_message(StateAlternative, const HandshakeMessage&) -> State per state of its handshake:
// the handler consumes the state it is given and returns the next one. Both roles end in the
// shared Connected state, whose handling is written here once.
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "common/crypto/bytes.hpp"
#include "common/crypto/hash.hpp"
#include "common/tls/alert.hpp"
#include "common/tls/certificate_verifier.hpp"
#include "common/tls/config.hpp"
#include "common/tls/connection.hpp"
#include "common/tls/events.hpp"
#include "common/tls/handshake/handshake_message.hpp"
#include "common/tls/key_schedule.hpp"
#include "common/tls/transcript.hpp"

namespace sc::tls {

// The state after the handshake, in both roles: the record layer (Connection) takes the
// post-handshake messages (KeyUpdate, NewSessionTicket); any other handshake message is
// unexpected (RFC 8446 section 4.6).
struct Connected {
  static constexpr const char* name = "Connected";
};

template <class RoleEngine, class PublicEngine, class State>
class EngineCore : public PublicEngine {
 public:
  void receive(ByteView bytes) final {
    connection_.receive(bytes, [this](const HandshakeMessage& message) { dispatch(message); });
  }
  Bytes take_output() final { return connection_.take_output(); }
  std::vector<Event> take_events() final { return connection_.take_events(); }
  void send_application_data(ByteView data) final { connection_.send_application_data(data); }
  void send_key_update(KeyUpdateRequest request) final { connection_.send_key_update(request); }
  void close() final { connection_.close(); }
  void abort(AlertDescription alert, const std::string& reason) final {
    connection_.fail(alert, reason);
  }
  bool handshake_complete() const final { return connection_.handshake_complete(); }
  bool failed() const final { return connection_.failed(); }
  bool peer_closed() const final { return connection_.peer_closed(); }
  bool local_closed() const final { return connection_.local_closed(); }
  std::string state_name() const final {
    return std::visit([](const auto& state) -> std::string { return state.name; }, state_);
  }
  std::size_t buffered_capacity() const final { return connection_.buffered_capacity(); }

 protected:
  EngineCore(Role role, const Limits& limits) : connection_(role, limits) {}

  Connection connection_;
  State state_;

 private:
  // The state is moved out of state_ into the role's handler of the message, which returns the
  // next state. When a handler throws, Connection fails the connection with the alert and
  // takes no more messages, so the moved-from state is never used again.
  void dispatch(const HandshakeMessage& message) {
    auto& role = static_cast<RoleEngine&>(*this);
    state_ = std::visit(
        [&](auto& state) -> State {
          if constexpr (std::is_same_v<std::decay_t<decltype(state)>, Connected>) {
            throw ProtocolError(AlertDescription::unexpected_message,
                                "unexpected " + handshake_type_name(message.type));
          } else {
            return role.on_message(std::move(state), message);
          }
        },
        state_);
  }
};

// RFC 8446 section 4.4.4: the peer's Finished must be the HMAC, under the finished key of its
// handshake traffic secret, of the transcript before it; decrypt_error otherwise.
void check_peer_finished(const HandshakeMessage& message, crypto::HashAlgorithm hash,
                         ByteView peer_handshake_traffic_secret, const Transcript& transcript,
                         PeerRole peer);

// NSS key log lines for the handshake traffic secrets, and for the application traffic and
// exporter secrets (written only when config supplies a sink).
void log_handshake_secrets(const KeyLogSink& sink, ByteView client_random,
                           const HandshakeSecret& key_schedule);
void log_application_secrets(const KeyLogSink& sink, ByteView client_random,
                             const MasterSecret& key_schedule);

}  // namespace sc::tls
