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
//
// The events are in events.hpp, the configuration in config.hpp (Limits in limits.hpp); this
// header includes both, so that including it alone keeps giving the whole public interface.
#include <memory>
#include <string>
#include <vector>

#include "common/crypto/bytes.hpp"
#include "common/tls/alert.hpp"
#include "common/tls/config.hpp"
#include "common/tls/events.hpp"

namespace sc::tls {

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
  // Sends KeyUpdate and switches our sending keys; KeyUpdateRequest::requested asks the peer to
  // do the same for its sending direction.
  virtual void send_key_update(KeyUpdateRequest request) = 0;
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
  // The same, for a listener whose connections all share one configuration: nothing of it is
  // copied per connection (issue 17). config must not be null.
  static std::unique_ptr<ServerEngine> create(std::shared_ptr<const ServerConfig> config);
};

}  // namespace sc::tls
