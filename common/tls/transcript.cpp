#include "common/tls/transcript.hpp"

#include <stdexcept>

namespace sc::tls {

void Transcript::add(ByteView message) {
  if (running_) {
    running_->update(message);
  } else {
    pending_.insert(pending_.end(), message.begin(), message.end());
  }
}

void Transcript::select_hash(crypto::HashAlgorithm algorithm) {
  if (running_) {
    if (running_->algorithm() != algorithm) {
      throw std::logic_error("transcript hash changed after it was selected");
    }
    return;
  }
  running_.emplace(algorithm);
  running_->update(pending_);
  pending_.clear();
}

Bytes Transcript::current_hash() const {
  if (!running_) throw std::logic_error("transcript hash used before the suite was chosen");
  return running_->current_digest();
}

void Transcript::replace_with_message_hash() {
  const Bytes client_hello1_hash = current_hash();
  const crypto::HashAlgorithm algorithm = running_->algorithm();
  running_.emplace(algorithm);
  const std::uint8_t header[4] = {254, 0, 0, static_cast<std::uint8_t>(client_hello1_hash.size())};
  running_->update(header);
  running_->update(client_hello1_hash);
}

}  // namespace sc::tls
