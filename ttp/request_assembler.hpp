#pragma once
// Framing of the TTP's line protocol (docs/TTP.md): turns whatever bytes arrive from the
// channel into complete requests. A request is one command line; ENROLL is followed by one
// PEM block (-----BEGIN ...----- to -----END ...-----). Lines end with LF (a CR before it is
// dropped). Memory is capped: a line longer than max_line_length or a PEM block larger than
// max_pem_size stops the assembler with a failure, whatever the peer sends afterwards.
#include <cstddef>
#include <deque>
#include <optional>
#include <string>

#include "common/crypto/bytes.hpp"
#include "common/otp/line_assembler.hpp"

namespace sc::ttp {

struct Request {
  std::string command_line;  // without the line end, e.g. "ENROLL bank 3f9a..."
  std::string pem;           // the PEM block with LF line ends, or "" for other commands
};

// Why the byte stream cannot be read any further: the connection is answered once and closed.
struct FramingFailure {
  std::string code;      // "too-large" or "malformed"
  std::string sentence;  // for the peer and the log
};

class RequestAssembler {
 public:
  static constexpr std::size_t max_line_length = 512;     // bytes, without the line end
  static constexpr std::size_t max_pem_size = 16 * 1024;  // bytes of one PEM block

  // Consumes bytes; complete requests queue up for next(). Does nothing after a failure.
  void receive(ByteView bytes);
  // Consumes bytes only until max_ready requests are queued (or a failure stops it); returns
  // how many bytes it consumed, so that the caller keeps the rest unparsed. This is how a
  // connection bounds the requests parsed and waiting for an answer.
  std::size_t receive_some(ByteView bytes, std::size_t max_ready);
  std::optional<Request> next();
  std::size_t ready_count() const { return ready_.size(); }
  const std::optional<FramingFailure>& failure() const { return failure_; }
  // Bytes held for an incomplete line or PEM block (bounded by the caps above).
  std::size_t buffered() const { return lines_.buffered() + pem_.size(); }

 private:
  void take_line(std::string line);
  void fail(std::string code, std::string sentence);

  enum class State { ExpectCommand, ExpectPemBegin, InPem };
  State state_ = State::ExpectCommand;
  otp::LineAssembler lines_{max_line_length};  // the product's one line framer
  std::string command_;
  std::string pem_;
  std::deque<Request> ready_;
  std::optional<FramingFailure> failure_;
};

}  // namespace sc::ttp
