#include "common/tls/handshake/handshake_reassembler.hpp"

#include <string>

#include "common/tls/alert.hpp"

namespace sc::tls {

void HandshakeReassembler::feed(ByteView fragment) {
  if (position_ > 0) {
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(position_));
    position_ = 0;
  }
  if (buffer_.size() + fragment.size() > max_buffered_) {
    throw ProtocolError(
        AlertDescription::unexpected_message,
        "more than " + std::to_string(max_buffered_) + " bytes of handshake data buffered");
  }
  buffer_.insert(buffer_.end(), fragment.begin(), fragment.end());
}

std::optional<HandshakeMessage> HandshakeReassembler::next() {
  const std::size_t available = buffer_.size() - position_;
  if (available < 4) return std::nullopt;
  const std::uint8_t* header = buffer_.data() + position_;
  const std::size_t length =
      (std::size_t{header[1]} << 16) | (std::size_t{header[2]} << 8) | header[3];
  if (length > max_message_) {
    // A Finished is exactly Hash.length bytes (RFC 8446 section 4.4.4): one longer than the cap
    // is a malformed Finished, decode_error like any Finished of the wrong length (conformance
    // suites pad it up to 2^24-1 bytes). Other messages over the cap are refused
    // with illegal_parameter, as OpenSSL 3.0 does for an excessive message size.
    const auto type = static_cast<HandshakeType>(header[0]);
    throw ProtocolError(type == HandshakeType::finished ? AlertDescription::decode_error
                                                        : AlertDescription::illegal_parameter,
                        handshake_type_name(type) + " of " + std::to_string(length) +
                            " bytes exceeds the limit of " + std::to_string(max_message_));
  }
  if (available < 4 + length) return std::nullopt;
  HandshakeMessage message;
  message.type = static_cast<HandshakeType>(header[0]);
  message.encoded.assign(header, header + 4 + length);
  position_ += 4 + length;
  if (position_ == buffer_.size()) {
    Bytes().swap(buffer_);  // nothing unread: give the memory back
    position_ = 0;
  }
  return message;
}

}  // namespace sc::tls
