#pragma once
// Writing TLS presentation-language structures. Length-prefixed vectors are opened, filled and
// closed; closing back-patches the prefix and refuses a length the prefix cannot hold.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "common/crypto/bytes.hpp"

namespace sc::tls::wire {

class ByteWriter {
 public:
  void u8(std::uint8_t value) { out_.push_back(value); }
  void u16(std::uint16_t value) {
    out_.push_back(static_cast<std::uint8_t>(value >> 8));
    out_.push_back(static_cast<std::uint8_t>(value));
  }
  void u24(std::uint32_t value) {
    if (value > 0xFFFFFF) throw std::length_error("value does not fit in 24 bits");
    out_.push_back(static_cast<std::uint8_t>(value >> 16));
    u16(static_cast<std::uint16_t>(value));
  }
  void u32(std::uint32_t value) {
    u16(static_cast<std::uint16_t>(value >> 16));
    u16(static_cast<std::uint16_t>(value));
  }
  void bytes(ByteView data) { out_.insert(out_.end(), data.begin(), data.end()); }

  // Opens a vector with a prefix of prefix_bytes (1, 2 or 3); returns a mark for close().
  std::size_t open(std::size_t prefix_bytes) {
    std::size_t mark = out_.size();
    out_.insert(out_.end(), prefix_bytes, 0);
    prefixes_.push_back(prefix_bytes);
    return mark;
  }
  void close(std::size_t mark) {
    std::size_t prefix = prefixes_.back();
    prefixes_.pop_back();
    std::size_t length = out_.size() - mark - prefix;
    if (prefix < 4 && length >= (std::size_t{1} << (8 * prefix))) {
      throw std::length_error("vector too long for its length prefix");
    }
    for (std::size_t i = 0; i < prefix; ++i) {
      out_[mark + i] = static_cast<std::uint8_t>(length >> (8 * (prefix - 1 - i)));
    }
  }
  void vector8(ByteView data) { write_vector(1, data); }
  void vector16(ByteView data) { write_vector(2, data); }
  void vector24(ByteView data) { write_vector(3, data); }

  const Bytes& data() const { return out_; }
  Bytes take() { return std::move(out_); }

 private:
  void write_vector(std::size_t prefix, ByteView data) {
    std::size_t mark = open(prefix);
    bytes(data);
    close(mark);
  }
  Bytes out_;
  std::vector<std::size_t> prefixes_;
};

}  // namespace sc::tls::wire
