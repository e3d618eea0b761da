#include "common/tls/connection.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <utility>

#include "common/crypto/error.hpp"
#include "common/tls/handshake/key_update.hpp"
#include "common/tls/handshake/new_session_ticket.hpp"
#include "common/tls/key_schedule.hpp"

namespace sc::tls {

Connection::Connection(Role role, const Limits& limits)
    : role_(role),
      limits_(limits),
      reassembler_(limits.max_handshake_message, limits.max_buffered_handshake) {
  if (limits.records_per_traffic_key == 1) {
    // The last record of a key carries the KeyUpdate: one record per key leaves none for data.
    throw std::invalid_argument("Limits.records_per_traffic_key must be 0 (default) or at least 2");
  }
}

void Connection::receive(ByteView bytes, const HandshakeHandler& on_handshake) {
  if (failed_ || peer_closed_) return;  // after a fatal alert or close_notify input is ignored
  try {
    // Records are cut straight out of `bytes`; an unfinished one is kept when the loop ends.
    auto loan = deframer_.lend(bytes);
    while (!failed_ && !peer_closed_) {
      if (auto message = reassembler_.next()) {
        if (handshake_complete_) {
          process_post_handshake(*message);
        } else {
          on_handshake(*message);
        }
        continue;
      }
      // Before the peer's keys are in use legacy_record_version is ignored (RFC 8446 5.1).
      auto record = deframer_.next(read_.protection != nullptr, read_.protection == nullptr);
      if (!record) break;
      process_record(*record);
    }
    loan.keep_unread();
    request_peer_update_if_worn();
  } catch (const ProtocolError& error) {
    fail(error.alert(), error.what());
  } catch (const crypto::CryptoError& error) {
    fail(AlertDescription::internal_error, std::string("cryptographic failure: ") + error.what());
  } catch (const std::exception& error) {
    fail(AlertDescription::internal_error, std::string("internal error: ") + error.what());
  }
}

// RFC 8446 section 4.2.10: after refusing 0-RTT the server skips the client's early data,
// "up to the configured max_early_data_size".
bool Connection::skipped_as_early_data(const Record& record) {
  if (record.type != static_cast<std::uint8_t>(ContentType::application_data)) return false;
  switch (rejected_early_data_) {
    case RejectedEarlyData::none:
      return false;
    case RejectedEarlyData::application_data:
      count_skipped_early_data(record);
      return true;
    case RejectedEarlyData::undecryptable:
      break;
  }
  if (read_.protection == nullptr) return false;
  if (read_.protection->authentic(record.header, record.fragment)) {
    // "Once a record is deprotected successfully, it is treated as the start of the client's
    // second flight": from now on a record that does not open is bad_record_mac.
    rejected_early_data_ = RejectedEarlyData::none;
    return false;
  }
  count_skipped_early_data(record);
  return true;
}

void Connection::count_skipped_early_data(const Record& record) {
  const std::size_t overhead = crypto::Aead::kTagLength + 1;
  skipped_early_data_ += record.fragment.size() - std::min(record.fragment.size(), overhead);
  if (skipped_early_data_ > limits_.max_skipped_early_data) {
    // RFC 8446 section 4.6.1: more 0-RTT data than allowed "SHOULD" be unexpected_message.
    throw ProtocolError(AlertDescription::unexpected_message,
                        "more than " + std::to_string(limits_.max_skipped_early_data) +
                            " bytes of rejected early data");
  }
}

void Connection::process_record(Record& record) {
  if (skipped_as_early_data(record)) return;
  const auto type = static_cast<ContentType>(record.type);
  if (type == ContentType::change_cipher_spec) {
    // RFC 8446 section 5: an unencrypted change_cipher_spec of the single byte 0x01, after the
    // first ClientHello and before the peer's Finished, "MUST simply" be dropped; any other
    // change_cipher_spec is unexpected_message.
    if (!change_cipher_spec_allowed_ || handshake_complete_) {
      throw ProtocolError(AlertDescription::unexpected_message,
                          "change_cipher_spec received outside the handshake");
    }
    if (record.fragment.size() != 1 || record.fragment[0] != 0x01) {
      throw ProtocolError(AlertDescription::unexpected_message,
                          "change_cipher_spec record is not the single byte 0x01");
    }
    if (!reassembler_.empty()) {
      throw ProtocolError(AlertDescription::unexpected_message,
                          "change_cipher_spec interleaved with a fragmented handshake message");
    }
    if (++change_cipher_spec_received_ > limits_.max_change_cipher_spec) {
      throw ProtocolError(AlertDescription::unexpected_message,
                          "more than " + std::to_string(limits_.max_change_cipher_spec) +
                              " change_cipher_spec records received");
    }
    return;
  }
  if (read_.protection == nullptr) {
    if (type == ContentType::application_data) {
      throw ProtocolError(AlertDescription::unexpected_message,
                          "application_data record received before any keys were agreed");
    }
    process_content(type, std::move(record.fragment));
    return;
  }
  if (type == ContentType::alert && role_ == Role::server && !peer_record_opened_ &&
      record.fragment.size() == 2) {
    // A client that failed on our ServerHello has no keys yet and can only send its alert in
    // the clear. Once one of its protected records has opened it has keys, and (RFC 8446
    // section 5) an unprotected record is unexpected_message; OpenSSL 3.0 draws the same line.
    // A server always protects what follows its ServerHello.
    process_alert(record.fragment);
    return;
  }
  if (type != ContentType::application_data) {
    throw ProtocolError(AlertDescription::unexpected_message,
                        "unprotected " + content_type_name(record.type) +
                            " record received after keys were agreed");
  }
  refuse_records_past_limit();
  OpenedRecord opened = read_.protection->open(record.header, std::move(record.fragment));
  peer_record_opened_ = true;
  if (opened.type == ContentType::change_cipher_spec) {
    throw ProtocolError(AlertDescription::unexpected_message,
                        "change_cipher_spec received inside a protected record");
  }
  process_content(opened.type, std::move(opened.content));
}

void Connection::process_content(ContentType type, Bytes content) {
  if (!reassembler_.empty() && type != ContentType::handshake) {
    // RFC 8446 section 5.1: handshake messages MUST NOT be interleaved with other record types.
    throw ProtocolError(AlertDescription::unexpected_message,
                        content_type_name(static_cast<std::uint8_t>(type)) +
                            " record interleaved with a fragmented handshake message");
  }
  if (type == ContentType::application_data && !handshake_complete_) {
    // Before our side has the peer's Finished there is no application data, not even an empty
    // record (tlsfuzzer's test-tls13-zero-length-data expects unexpected_message).
    throw ProtocolError(AlertDescription::unexpected_message,
                        "application data received before the handshake completed");
  }
  if (content.empty()) {
    // RFC 8446 section 5.1: zero-length Handshake or Alert fragments MUST NOT be sent.
    if (type != ContentType::application_data) {
      throw ProtocolError(
          AlertDescription::unexpected_message,
          "empty " + content_type_name(static_cast<std::uint8_t>(type)) + " record");
    }
    if (++empty_records_ > limits_.max_empty_records) {
      throw ProtocolError(
          AlertDescription::unexpected_message,
          "more than " + std::to_string(limits_.max_empty_records) + " empty records in a row");
    }
    return;
  }
  empty_records_ = 0;
  switch (type) {
    case ContentType::handshake:
      reassembler_.feed(content);
      return;
    case ContentType::alert:
      process_alert(content);
      return;
    case ContentType::application_data:
      key_updates_without_data_ = 0;
      events_.push_back(ApplicationData{std::move(content)});
      return;
    case ContentType::change_cipher_spec:
      break;
  }
  throw ProtocolError(AlertDescription::unexpected_message, "unexpected change_cipher_spec");
}

void Connection::process_alert(ByteView content) {
  // RFC 8446 section 5.1: alerts are never fragmented or coalesced: exactly two bytes.
  if (content.size() != 2) {
    throw ProtocolError(AlertDescription::decode_error,
                        "alert record of " + std::to_string(content.size()) + " bytes, expected 2");
  }
  const auto level = static_cast<AlertLevel>(content[0]);
  const auto description = static_cast<AlertDescription>(content[1]);
  events_.push_back(AlertReceived{level, description});
  if (description == AlertDescription::close_notify) {
    peer_closed_ = true;
    events_.push_back(PeerClosed{});
    return;
  }
  // RFC 8446 section 6: every alert other than close_notify and user_canceled is an error
  // alert "regardless of the AlertLevel in the message".
  if (description == AlertDescription::user_canceled) {
    if (++warning_alerts_ > limits_.max_warning_alerts) {
      throw ProtocolError(
          AlertDescription::unexpected_message,
          "more than " + std::to_string(limits_.max_warning_alerts) + " warning alerts received");
    }
    return;
  }
  failed_ = true;
}

void Connection::process_post_handshake(const HandshakeMessage& message) {
  switch (message.type) {
    case HandshakeType::new_session_ticket:
      if (role_ != Role::client) break;
      // Checked for syntax and dropped: this engine does not resume sessions.
      (void)decode_new_session_ticket(message.body());
      return;
    case HandshakeType::key_update: {
      const KeyUpdate update = decode_key_update(message.body());
      if (++key_updates_without_data_ > limits_.max_key_updates_per_record_window) {
        throw ProtocolError(AlertDescription::unexpected_message,
                            "more than " +
                                std::to_string(limits_.max_key_updates_per_record_window) +
                                " KeyUpdates without application data");
      }
      // RFC 8446 section 4.6.3: the receiver updates its receiving keys, and when asked sends
      // a KeyUpdate of its own (update_not_requested) before its next application data.
      SecretBytes next = next_traffic_secret(cipher_suite_info(read_.suite).hash, read_.secret);
      set_read_secret(read_.suite, next);
      events_.push_back(KeyUpdated{KeyDirection::receiving});
      if (update.update_requested && !local_closed_) {
        write_records(ContentType::handshake, encode_key_update(KeyUpdate{false}));
        update_sending_keys();
      }
      return;
    }
    default:
      break;
  }
  throw ProtocolError(
      AlertDescription::unexpected_message,
      "unexpected " + handshake_type_name(message.type) + " after the handshake completed");
}

Bytes Connection::take_output() {
  flush_handshake();
  return std::exchange(output_, Bytes{});
}

std::vector<Event> Connection::take_events() {
  return std::exchange(events_, {});
}

void Connection::send_application_data(ByteView data) {
  if (!handshake_complete_) throw std::logic_error("application data before the handshake");
  if (failed_) throw std::logic_error("application data on a failed connection");
  if (local_closed_) throw std::logic_error("application data after close_notify");
  write_records(ContentType::application_data, data);
}

void Connection::send_key_update(KeyUpdateRequest request) {
  if (!handshake_complete_ || failed_ || local_closed_) {
    throw std::logic_error("KeyUpdate requires an open, established connection");
  }
  write_records(ContentType::handshake,
                encode_key_update(KeyUpdate{request == KeyUpdateRequest::requested}));
  update_sending_keys();
}

// ---------------------------------------------------------------- key usage limits (5.5)

std::uint64_t Connection::record_limit_of(CipherSuite suite) const {
  return limits_.records_per_traffic_key != 0 ? limits_.records_per_traffic_key
                                              : record_limit(suite);
}

// RFC 8446 section 5.5: "Implementations SHOULD do a key update as described in Section 4.6.3
// prior to reaching these limits." Called before each application data record: when only one
// record is left under the sending key, that record is our KeyUpdate and the data goes under
// the next key. The peer is asked to update as well when its key is half worn.
void Connection::update_keys_before_limit() {
  if (!handshake_complete_ || write_.protection == nullptr) return;
  // (The limit is at least 2; the sequence number never passes limit - 1 on this path.)
  if (write_.protection->sequence_number() < record_limit_of(write_.suite) - 1) return;
  const bool request = peer_key_worn();
  write_records(ContentType::handshake, encode_key_update(KeyUpdate{request}));
  update_sending_keys();
  if (request) peer_update_requested_ = true;
}

bool Connection::peer_key_worn() const {
  return read_.protection != nullptr && !peer_update_requested_ && !peer_closed_ &&
         read_.protection->sequence_number() >= record_limit_of(read_.suite) / 2;
}

// The peer's key is half worn and the peer has not updated it: KeyUpdate(update_requested),
// which makes the peer update before its next application data (4.6.3). Peers that update on
// their own never get here; the others (OpenSSL 3.0 does not count) are asked in good time.
void Connection::request_peer_update_if_worn() {
  if (!handshake_complete_ || failed_ || local_closed_ || !peer_key_worn()) return;
  write_records(ContentType::handshake, encode_key_update(KeyUpdate{true}));
  update_sending_keys();
  peer_update_requested_ = true;
}

// A peer that goes on past the limit, even after our request, is cut off with an alert before
// its key is used once more: its sequence number never wraps (5.3), whatever the limit. A
// lowered limit (Limits::records_per_traffic_key) counts application traffic keys only: the
// handshake keys protect one flight, which some stacks send one message per record.
void Connection::refuse_records_past_limit() const {
  const std::uint64_t limit =
      handshake_complete_ ? record_limit_of(read_.suite) : record_limit(read_.suite);
  if (read_.protection->sequence_number() < limit) return;
  throw ProtocolError(AlertDescription::unexpected_message,
                      "the peer sent more than " + std::to_string(limit) +
                          " records under one traffic key without a KeyUpdate (RFC 8446 "
                          "section 5.5)");
}

void Connection::update_sending_keys() {
  SecretBytes next = next_traffic_secret(cipher_suite_info(write_.suite).hash, write_.secret);
  set_write_secret(write_.suite, next);
  events_.push_back(KeyUpdated{KeyDirection::sending});
}

void Connection::close() {
  if (local_closed_ || failed_) return;
  write_alert(AlertLevel::warning, AlertDescription::close_notify);
  local_closed_ = true;
}

void Connection::send_handshake(ByteView message, RecordVersion version) {
  pending_handshake_.insert(pending_handshake_.end(), message.begin(), message.end());
  if (version == RecordVersion::tls10) pending_record_version_ = RecordVersion::tls10;
}

void Connection::flush_handshake() {
  if (pending_handshake_.empty()) return;
  write_records(ContentType::handshake, pending_handshake_, pending_record_version_);
  Bytes().swap(pending_handshake_);  // issue 17: a flight's room is not kept once it is sent
  pending_record_version_ = RecordVersion::tls12;
}

void Connection::send_change_cipher_spec() {
  if (change_cipher_spec_sent_) return;
  change_cipher_spec_sent_ = true;
  flush_handshake();
  const std::uint8_t record[] = {20, 0x03, 0x03, 0x00, 0x01, 0x01};
  output_.insert(output_.end(), std::begin(record), std::end(record));
}

void Connection::set_read_secret(CipherSuite suite, ByteView traffic_secret) {
  // RFC 8446 section 5.1: a message preceding a key change must end at a record boundary.
  if (!reassembler_.empty()) {
    throw ProtocolError(AlertDescription::unexpected_message,
                        "handshake data after a key change point in the same record");
  }
  const CipherSuiteInfo& info = cipher_suite_info(suite);
  read_.suite = suite;
  read_.secret = to_secret(traffic_secret);
  peer_update_requested_ = false;  // a new key of the peer: nothing asked of it yet
  read_.protection = std::make_unique<RecordProtection>(
      info.aead, derive_traffic_keys(info.aead, info.hash, traffic_secret));
}

void Connection::set_write_secret(CipherSuite suite, ByteView traffic_secret) {
  flush_handshake();  // what was queued belongs to the previous keys
  const CipherSuiteInfo& info = cipher_suite_info(suite);
  write_.suite = suite;
  write_.secret = to_secret(traffic_secret);
  write_.protection = std::make_unique<RecordProtection>(
      info.aead, derive_traffic_keys(info.aead, info.hash, traffic_secret));
}

void Connection::complete_handshake(HandshakeSummary summary) {
  handshake_complete_ = true;
  events_.push_back(HandshakeComplete{std::move(summary)});
}

void Connection::write_records(ContentType type, ByteView content, RecordVersion version) {
  std::size_t offset = 0;
  do {
    const std::size_t length = std::min(kMaxPlaintext, content.size() - offset);
    ByteView fragment = content.subspan(offset, length);
    if (write_.protection) {
      if (type == ContentType::application_data) update_keys_before_limit();
      write_.protection->seal_into(type, fragment, output_);
    } else {
      output_.push_back(static_cast<std::uint8_t>(type));
      output_.push_back(0x03);
      output_.push_back(version == RecordVersion::tls10 ? 0x01 : 0x03);
      output_.push_back(static_cast<std::uint8_t>(length >> 8));
      output_.push_back(static_cast<std::uint8_t>(length));
      output_.insert(output_.end(), fragment.begin(), fragment.end());
    }
    offset += length;
  } while (offset < content.size());
}

void Connection::write_alert(AlertLevel level, AlertDescription description) {
  const std::uint8_t alert[2] = {static_cast<std::uint8_t>(level),
                                 static_cast<std::uint8_t>(description)};
  write_records(ContentType::alert, alert);
}

void Connection::fail(AlertDescription alert, const std::string& reason) {
  if (failed_) return;
  failed_ = true;
  pending_handshake_.clear();  // a half-sent flight is abandoned for the alert
  try {
    write_alert(AlertLevel::fatal, alert);
  } catch (const std::exception&) {
    // The alert could not be protected; the connection is failed either way.
  }
  events_.push_back(AlertSent{alert, reason});
}

}  // namespace sc::tls
