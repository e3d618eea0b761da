#include "ttp/request_assembler.hpp"

namespace sc::ttp {
namespace {

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// Command words and PEM lines are printable ASCII; tabs are allowed as separators.
bool is_printable_ascii(std::string_view line) {
  for (const char c : line) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte < 0x20 && c != '\t') || byte > 0x7e) return false;
  }
  return true;
}

bool command_takes_pem(std::string_view command_line) {
  for (const std::string_view command : {std::string_view("ENROLL"), std::string_view("RENEW")}) {
    if (command_line == command) return true;
    if (command_line.size() > command.size() && starts_with(command_line, command) &&
        (command_line[command.size()] == ' ' || command_line[command.size()] == '\t')) {
      return true;
    }
  }
  return false;
}

}  // namespace

void RequestAssembler::receive(ByteView bytes) {
  receive_some(bytes, static_cast<std::size_t>(-1));
}

std::size_t RequestAssembler::receive_some(ByteView bytes, std::size_t max_ready) {
  std::size_t consumed = 0;
  while (consumed < bytes.size()) {
    if (failure_) return bytes.size();
    std::vector<otp::AssembledLine> lines;
    consumed += lines_.feed_some(bytes.subspan(consumed), 1, lines);
    for (otp::AssembledLine& line : lines) {
      if (line.too_long) {
        fail("too-large", "a line is longer than " + std::to_string(max_line_length) + " bytes");
        return bytes.size();
      }
      take_line(std::move(line.text));
      if (ready_.size() >= max_ready) return consumed;
    }
  }
  return bytes.size();
}

std::optional<Request> RequestAssembler::next() {
  if (ready_.empty()) return std::nullopt;
  Request request = std::move(ready_.front());
  ready_.pop_front();
  return request;
}

void RequestAssembler::take_line(std::string line) {
  if (line.size() > max_line_length) {
    fail("too-large", "a line is longer than " + std::to_string(max_line_length) + " bytes");
    return;
  }
  if (!is_printable_ascii(line)) {
    fail("malformed", "a line holds a byte that is not printable ASCII");
    return;
  }
  switch (state_) {
    case State::ExpectCommand:
      if (line.empty()) return;  // blank lines between requests are ignored
      if (command_takes_pem(line)) {
        command_ = std::move(line);
        state_ = State::ExpectPemBegin;
      } else {
        ready_.push_back(Request{std::move(line), ""});
      }
      return;
    case State::ExpectPemBegin:
      if (line.empty()) return;
      if (!starts_with(line, "-----BEGIN ")) {
        fail("malformed",
             "ENROLL and RENEW must be followed by a PEM block starting with -----BEGIN");
        return;
      }
      pem_ = line + "\n";
      state_ = State::InPem;
      return;
    case State::InPem:
      if (pem_.size() + line.size() + 1 > max_pem_size) {
        fail("too-large",
             "the PEM block is larger than " + std::to_string(max_pem_size) + " bytes");
        return;
      }
      pem_ += line;
      pem_ += '\n';
      if (starts_with(line, "-----END ")) {
        ready_.push_back(Request{std::move(command_), std::move(pem_)});
        command_.clear();
        pem_.clear();
        state_ = State::ExpectCommand;
      }
      return;
  }
}

void RequestAssembler::fail(std::string code, std::string sentence) {
  failure_ = FramingFailure{std::move(code), std::move(sentence)};
  lines_.clear();
  pem_.clear();
  pem_.shrink_to_fit();
}

}  // namespace sc::ttp
