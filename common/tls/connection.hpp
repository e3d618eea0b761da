#pragma once
// What the client and server engines share: the record layer in both directions, handshake
// reassembly, alerts, the middlebox-compatibility ChangeCipherSpec rule, application data,
// KeyUpdate and close_notify. The engines add the handshake state machines on top.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/tls/events.hpp"
#include "common/tls/handshake/handshake_message.hpp"
#include "common/tls/handshake/handshake_reassembler.hpp"
#include "common/tls/limits.hpp"
#include "common/tls/record/record_deframer.hpp"
#include "common/tls/record/record_protection.hpp"

namespace sc::tls {

enum class Role { client, server };

// legacy_record_version of unprotected records (RFC 8446 section 5.1): 0x0303, or 0x0301 for
// the initial ClientHello "for compatibility purposes".
enum class RecordVersion { tls12, tls10 };

// What the server does with records after refusing the client's 0-RTT data (RFC 8446 4.2.10).
enum class RejectedEarlyData {
  none,              // nothing is skipped
  undecryptable,     // records that fail to open under the handshake keys, until one opens
  application_data,  // (after HelloRetryRequest) application_data records, until ClientHello 2
};

class Connection {
 public:
  using HandshakeHandler = std::function<void(const HandshakeMessage&)>;

  Connection(Role role, const Limits& limits);

  // Feeds received bytes; complete handshake messages before handshake completion go to
  // on_handshake. Every ProtocolError thrown here or by the handler becomes a fatal alert.
  void receive(ByteView bytes, const HandshakeHandler& on_handshake);
  Bytes take_output();
  std::vector<Event> take_events();

  void send_application_data(ByteView data);
  void send_key_update(KeyUpdateRequest request);
  void close();

  // ---- for the handshake state machines
  // Queues a handshake message. The messages of one flight are coalesced into as few records
  // as possible (at most 2^14 bytes each), flushed before a key change, a ChangeCipherSpec or
  // take_output(). RecordVersion::tls10 for the initial ClientHello.
  void send_handshake(ByteView message, RecordVersion version = RecordVersion::tls12);
  // The middlebox-compatibility dummy ChangeCipherSpec (RFC 8446 appendix D.4), once.
  void send_change_cipher_spec();
  void set_read_secret(CipherSuite suite, ByteView traffic_secret);
  void set_write_secret(CipherSuite suite, ByteView traffic_secret);
  // The first ClientHello has been received (server) or sent (client): from now on a dummy
  // ChangeCipherSpec may arrive (RFC 8446 section 5).
  void allow_change_cipher_spec() { change_cipher_spec_allowed_ = true; }
  // Server: the client offered early_data and we rejected it; skip its 0-RTT records, at most
  // Limits::max_skipped_early_data bytes of them.
  void skip_rejected_early_data(RejectedEarlyData mode) { rejected_early_data_ = mode; }
  void complete_handshake(HandshakeSummary summary);
  void fail(AlertDescription alert, const std::string& reason);

  bool handshake_complete() const { return handshake_complete_; }
  bool failed() const { return failed_; }
  bool peer_closed() const { return peer_closed_; }
  bool local_closed() const { return local_closed_; }
  // Issue 17: memory held by the record and handshake buffers, capacity included.
  std::size_t buffered_capacity() const {
    return deframer_.retained() + reassembler_.retained() + output_.capacity() +
           pending_handshake_.capacity();
  }

 private:
  void process_record(Record& record);
  bool skipped_as_early_data(const Record& record);
  void count_skipped_early_data(const Record& record);
  void process_content(ContentType type, Bytes content);
  void process_alert(ByteView content);
  void process_post_handshake(const HandshakeMessage& message);
  void write_records(ContentType type, ByteView content,
                     RecordVersion version = RecordVersion::tls12);
  void write_alert(AlertLevel level, AlertDescription description);
  void update_sending_keys();
  void flush_handshake();
  // RFC 8446 section 5.5 key usage limits (Limits::records_per_traffic_key).
  std::uint64_t record_limit_of(CipherSuite suite) const;
  void update_keys_before_limit();
  void request_peer_update_if_worn();
  bool peer_key_worn() const;
  void refuse_records_past_limit() const;

  struct Direction {
    CipherSuite suite{};
    SecretBytes secret;
    std::unique_ptr<RecordProtection> protection;
  };

  Role role_;
  Limits limits_;
  RecordDeframer deframer_;
  HandshakeReassembler reassembler_;
  Direction read_;
  Direction write_;
  Bytes output_;
  Bytes pending_handshake_;
  RecordVersion pending_record_version_ = RecordVersion::tls12;
  std::vector<Event> events_;
  bool handshake_complete_ = false;
  bool failed_ = false;
  bool peer_closed_ = false;
  bool local_closed_ = false;
  bool change_cipher_spec_allowed_ = false;
  bool peer_record_opened_ = false;  // a protected record of the peer has authenticated
  bool change_cipher_spec_sent_ = false;
  std::size_t change_cipher_spec_received_ = 0;
  std::size_t warning_alerts_ = 0;
  std::size_t empty_records_ = 0;
  std::size_t key_updates_without_data_ = 0;
  RejectedEarlyData rejected_early_data_ = RejectedEarlyData::none;
  std::size_t skipped_early_data_ = 0;
  // We sent KeyUpdate(update_requested) for the peer's current key (reset at its next key).
  bool peer_update_requested_ = false;
};

}  // namespace sc::tls
