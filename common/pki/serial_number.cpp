#include "common/pki/serial_number.hpp"

#include <openssl/bn.h>

#include <algorithm>

#include "common/crypto/error.hpp"
#include "common/crypto/random.hpp"
#include "common/pki/pki_error.hpp"

namespace sc::pki {

namespace {
// RFC 5280 section 4.1.2.2: at most 20 octets of DER content (a sign octet included).
constexpr std::size_t kMaxEncodedOctets = 20;

std::size_t encoded_octets(const Bytes& magnitude) {
  return magnitude.size() + ((magnitude.front() & 0x80) != 0 ? 1 : 0);
}
}  // namespace

SerialNumber SerialNumber::from_bytes(ByteView big_endian) {
  const auto first_nonzero =
      std::find_if(big_endian.begin(), big_endian.end(), [](std::uint8_t b) { return b != 0; });
  Bytes magnitude(first_nonzero, big_endian.end());
  if (magnitude.empty()) throw PkiError("a certificate serial number must not be zero");
  if (encoded_octets(magnitude) > kMaxEncodedOctets) {
    throw PkiError("a certificate serial number must fit in 20 octets (RFC 5280 4.1.2.2)");
  }
  return SerialNumber(std::move(magnitude));
}

SerialNumber SerialNumber::from_hex(std::string_view hex) {
  if (hex.size() >= 2 && hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X')) hex.remove_prefix(2);
  std::string digits;
  for (const char c : hex) {
    if (c != ':') digits += c;
  }
  if (digits.empty()) throw PkiError("a serial number needs at least one hex digit");
  if (digits.size() % 2 != 0) digits.insert(digits.begin(), '0');
  try {
    return from_bytes(sc::from_hex(digits));
  } catch (const std::invalid_argument&) {
    throw PkiError("serial number \"" + std::string(hex) + "\" is not hexadecimal");
  }
}

SerialNumber SerialNumber::from_asn1(const ASN1_INTEGER* integer) {
  crypto::BignumPtr number(ASN1_INTEGER_to_BN(integer, nullptr));
  crypto::check(number != nullptr, "ASN1_INTEGER_to_BN");
  if (BN_is_negative(number.get())) throw PkiError("a certificate serial number is negative");
  Bytes magnitude(static_cast<std::size_t>(BN_num_bytes(number.get())));
  if (!magnitude.empty()) {
    crypto::check(BN_bn2bin(number.get(), magnitude.data()) == static_cast<int>(magnitude.size()),
                  "BN_bn2bin");
  }
  return from_bytes(magnitude);
}

SerialNumber SerialNumber::random() {
  // 128 bits from the CSPRNG: the DER encoding takes 16 or 17 octets, under the 20 allowed,
  // and the value is positive by construction. All-zero (probability 2^-128) is redrawn.
  for (;;) {
    Bytes value = crypto::random_bytes(16);
    if (std::any_of(value.begin(), value.end(), [](std::uint8_t b) { return b != 0; })) {
      return from_bytes(value);
    }
  }
}

std::string SerialNumber::hex() const {
  std::string text = sc::to_hex(magnitude_);
  std::transform(text.begin(), text.end(), text.begin(),
                 [](char c) { return (c >= 'a' && c <= 'f') ? static_cast<char>(c - 32) : c; });
  return text;
}

crypto::Asn1IntegerPtr SerialNumber::to_asn1() const {
  crypto::BignumPtr number(
      BN_bin2bn(magnitude_.data(), static_cast<int>(magnitude_.size()), nullptr));
  crypto::check(number != nullptr, "BN_bin2bn");
  crypto::Asn1IntegerPtr integer(BN_to_ASN1_INTEGER(number.get(), nullptr));
  crypto::check(integer != nullptr, "BN_to_ASN1_INTEGER");
  return integer;
}

}  // namespace sc::pki
