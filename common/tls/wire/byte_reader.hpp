#pragma once
// Bounds-checked reading of TLS presentation-language structures (RFC 8446 section 3). A
// length field is never trusted: every read checks the bytes that remain, and every violation
// is a ProtocolError(decode_error) with a sentence naming the field.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/crypto/bytes.hpp"
#include "common/tls/alert.hpp"

namespace sc::tls::wire {

class ByteReader {
 public:
  // what: the structure being read, used in error sentences ("ClientHello").
  ByteReader(ByteView data, std::string_view what) : data_(data), what_(what) {}

  std::uint8_t u8(std::string_view field);
  std::uint16_t u16(std::string_view field);
  std::uint32_t u24(std::string_view field);
  std::uint32_t u32(std::string_view field);
  ByteView bytes(std::size_t count, std::string_view field);
  // A vector with a 1-, 2- or 3-byte length prefix whose length must lie in [min, max].
  ByteView vector8(std::size_t min, std::size_t max, std::string_view field);
  ByteView vector16(std::size_t min, std::size_t max, std::string_view field);
  ByteView vector24(std::size_t min, std::size_t max, std::string_view field);

  std::size_t remaining() const { return data_.size() - position_; }
  bool empty() const { return remaining() == 0; }
  // Throws decode_error when bytes remain after the structure ended.
  void expect_end() const;

 private:
  ByteView vector_of(std::size_t length, std::size_t min, std::size_t max, std::string_view field);
  [[noreturn]] void truncated(std::string_view field, std::size_t needed) const;

  ByteView data_;
  std::string_view what_;
  std::size_t position_ = 0;
};

}  // namespace sc::tls::wire
