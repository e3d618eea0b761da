#pragma once
// Certificate serial numbers (RFC 5280 section 4.1.2.2): positive integers up to 20 octets.
#include <compare>
#include <string>
#include <string_view>

#include "common/crypto/bytes.hpp"
#include "common/crypto/openssl_ptr.hpp"

namespace sc::pki {

class SerialNumber {
 public:
  // Big-endian magnitude; leading zero octets are dropped. Throws PkiError when the value is
  // zero or longer than 20 octets.
  static SerialNumber from_bytes(ByteView big_endian);
  // Hex digits, either case, optional "0x" prefix, optional ':' separators.
  static SerialNumber from_hex(std::string_view hex);
  static SerialNumber from_asn1(const ASN1_INTEGER* integer);  // throws when negative/zero
  // 128 bits from the CSPRNG (the CA/Browser Forum asks for at least 64), read as a positive
  // integer (DER adds a zero octet when the top bit is set: 17 octets at most), never zero.
  static SerialNumber random();

  const Bytes& bytes() const { return magnitude_; }
  std::string hex() const;  // upper case, no separators, e.g. "4F1A..."
  crypto::Asn1IntegerPtr to_asn1() const;

  auto operator<=>(const SerialNumber&) const = default;

 private:
  explicit SerialNumber(Bytes magnitude) : magnitude_(std::move(magnitude)) {}
  Bytes magnitude_;
};

}  // namespace sc::pki
