#include "common/tls/wire/byte_reader.hpp"

#include <string>

namespace sc::tls::wire {

void ByteReader::truncated(std::string_view field, std::size_t needed) const {
  throw ProtocolError(AlertDescription::decode_error,
                      std::string(what_) + " is truncated: " + std::string(field) + " needs " +
                          std::to_string(needed) + " bytes but only " +
                          std::to_string(remaining()) + " remain");
}

ByteView ByteReader::bytes(std::size_t count, std::string_view field) {
  if (count > remaining()) truncated(field, count);
  ByteView out = data_.subspan(position_, count);
  position_ += count;
  return out;
}

std::uint8_t ByteReader::u8(std::string_view field) {
  return bytes(1, field)[0];
}

std::uint16_t ByteReader::u16(std::string_view field) {
  ByteView b = bytes(2, field);
  return static_cast<std::uint16_t>((b[0] << 8) | b[1]);
}

std::uint32_t ByteReader::u24(std::string_view field) {
  ByteView b = bytes(3, field);
  return (std::uint32_t{b[0]} << 16) | (std::uint32_t{b[1]} << 8) | b[2];
}

std::uint32_t ByteReader::u32(std::string_view field) {
  ByteView b = bytes(4, field);
  return (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) |
         b[3];
}

ByteView ByteReader::vector_of(std::size_t length, std::size_t min, std::size_t max,
                               std::string_view field) {
  if (length < min || length > max) {
    throw ProtocolError(AlertDescription::decode_error,
                        std::string(what_) + ": " + std::string(field) + " has length " +
                            std::to_string(length) + ", outside [" + std::to_string(min) + ", " +
                            std::to_string(max) + "]");
  }
  return bytes(length, field);
}

ByteView ByteReader::vector8(std::size_t min, std::size_t max, std::string_view field) {
  return vector_of(u8(field), min, max, field);
}
ByteView ByteReader::vector16(std::size_t min, std::size_t max, std::string_view field) {
  return vector_of(u16(field), min, max, field);
}
ByteView ByteReader::vector24(std::size_t min, std::size_t max, std::string_view field) {
  return vector_of(u24(field), min, max, field);
}

void ByteReader::expect_end() const {
  if (!empty()) {
    throw ProtocolError(
        AlertDescription::decode_error,
        std::string(what_) + " has " + std::to_string(remaining()) + " unexpected trailing bytes");
  }
}

}  // namespace sc::tls::wire
