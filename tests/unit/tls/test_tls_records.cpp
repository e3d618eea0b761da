// The pieces under the engines: the wire reader, record deframing and protection, handshake
// reassembly and the transcript's HelloRetryRequest rule.
#include <algorithm>
#include <catch2/catch.hpp>
#include <stdexcept>
#include <vector>

#include "common/crypto/hash.hpp"
#include "common/tls/handshake/certificate.hpp"
#include "common/tls/handshake/client_hello.hpp"
#include "common/tls/handshake/handshake_reassembler.hpp"
#include "common/tls/handshake/key_update.hpp"
#include "common/tls/record/record_deframer.hpp"
#include "common/tls/record/record_protection.hpp"
#include "common/tls/transcript.hpp"
#include "common/tls/wire/byte_reader.hpp"
#include "tests/unit/tls/alert_test_support.hpp"

using namespace sc;
using namespace sc::tls;
using sc::tls::testing::alert_of;

namespace {

TrafficKeys test_keys(std::size_t key_length) {
  return TrafficKeys{SecretBytes(key_length, 0x11), SecretBytes(12, 0x22)};
}

}  // namespace

TEST_CASE("the byte reader never reads past the end", "[tls][wire]") {
  const Bytes data = {0x00, 0x03, 0xAA, 0xBB, 0xCC, 0x01};
  wire::ByteReader reader(data, "Test");
  CHECK(reader.vector16(1, 3, "v").size() == 3);
  CHECK(reader.u8("x") == 1);
  CHECK_NOTHROW(reader.expect_end());
  CHECK(alert_of([&] { reader.u8("y"); }) == AlertDescription::decode_error);

  const Bytes too_long_data = {0x00, 0x05, 0xAA};
  wire::ByteReader too_long(too_long_data, "Test");
  CHECK(alert_of([&] { too_long.vector16(0, 100, "v"); }) == AlertDescription::decode_error);
  const Bytes out_of_range_data = {0x02, 0xAA, 0xBB};
  wire::ByteReader out_of_range(out_of_range_data, "Test");
  CHECK(alert_of([&] { out_of_range.vector8(3, 10, "v"); }) == AlertDescription::decode_error);
  const Bytes trailing_data = {0x01, 0x02};
  wire::ByteReader trailing(trailing_data, "Test");
  trailing.u8("a");
  CHECK(alert_of([&] { trailing.expect_end(); }) == AlertDescription::decode_error);
  const Bytes u24_data = {0x01, 0x02, 0x03};
  wire::ByteReader u24(u24_data, "Test");
  CHECK(u24.u24("n") == 0x010203);
}

TEST_CASE("the deframer holds at most one unfinished record however long the stream",
          "[tls][record]") {
  // 200 records of 1000 bytes, delivered in 777-byte reads: almost every read ends inside a
  // record, as with a socket streaming bulk data.
  Bytes stream;
  for (int i = 0; i < 200; ++i) {
    const Bytes header = {23, 3, 3, 1000 >> 8, 1000 & 0xFF};
    stream.insert(stream.end(), header.begin(), header.end());
    stream.insert(stream.end(), 1000, static_cast<std::uint8_t>(i));
  }
  RecordDeframer deframer;
  std::size_t records = 0;
  std::size_t largest = 0;
  for (std::size_t offset = 0; offset < stream.size(); offset += 777) {
    deframer.feed(
        ByteView(stream).subspan(offset, std::min<std::size_t>(777, stream.size() - offset)));
    largest = std::max(largest, deframer.retained());
    while (auto record = deframer.next(false, false)) {
      CHECK(record->fragment.size() == 1000);
      CHECK(record->fragment.front() == static_cast<std::uint8_t>(records));
      ++records;
    }
  }
  CHECK(records == 200);
  CHECK(largest <= 1005 + 777);
}

TEST_CASE("records cut from lent bytes are those a copying deframer finds", "[tls][record]") {
  // Records of assorted sizes, read in assorted chunk sizes: through lend() the deframer cuts
  // whole records straight from the caller's bytes and keeps only an unfinished one.
  Bytes stream;
  std::vector<Bytes> fragments;
  for (std::size_t i = 0; i < 60; ++i) {
    const std::size_t length = (i * 397) % 2000;
    const Bytes header = {23, 3, 3, static_cast<std::uint8_t>(length >> 8),
                          static_cast<std::uint8_t>(length & 0xFF)};
    stream.insert(stream.end(), header.begin(), header.end());
    fragments.emplace_back(length, static_cast<std::uint8_t>(i));
    stream.insert(stream.end(), fragments.back().begin(), fragments.back().end());
  }
  const std::size_t chunk = GENERATE(1, 4, 5, 6, 777, 2005, 100000);
  RecordDeframer deframer;
  std::vector<Bytes> cut;
  std::size_t largest = 0;
  for (std::size_t offset = 0; offset < stream.size(); offset += chunk) {
    // A copy per read, wiped after the loan: a record must not point into it afterwards.
    Bytes read(
        stream.begin() + static_cast<std::ptrdiff_t>(offset),
        stream.begin() + static_cast<std::ptrdiff_t>(std::min(offset + chunk, stream.size())));
    auto loan = deframer.lend(read);
    while (auto record = deframer.next(true, false)) cut.push_back(record->fragment);
    loan.keep_unread();
    std::fill(read.begin(), read.end(), 0xEE);
    largest = std::max(largest, deframer.retained());
  }
  CHECK(cut == fragments);
  CHECK(deframer.buffered() == 0);
  CHECK(largest <= 5 + 2000 + chunk);
}

TEST_CASE("a loan that ends without keep_unread forgets the lent bytes", "[tls][record]") {
  RecordDeframer deframer;
  const Bytes whole_and_part = {23, 3, 3, 0, 1, 0xAA, 23, 3, 3, 0, 2, 0xBB};
  {
    auto loan = deframer.lend(whole_and_part);
    auto record = deframer.next(true, false);
    REQUIRE(record.has_value());
    CHECK(record->fragment == Bytes{0xAA});
    CHECK(deframer.buffered() == 6);
    // No keep_unread(): the caller is failing the connection.
  }
  CHECK(deframer.buffered() == 0);
  {
    auto loan = deframer.lend(ByteView(whole_and_part).subspan(6));
    CHECK_FALSE(deframer.next(true, false).has_value());
    loan.keep_unread();
  }
  CHECK(deframer.buffered() == 6);
  // The rest of the record arrives in a later read; the buffered start is completed by copy.
  const Bytes rest = {0xCC, 21, 3, 3};
  auto loan = deframer.lend(rest);
  auto record = deframer.next(true, false);
  REQUIRE(record.has_value());
  CHECK(record->fragment == Bytes{0xBB, 0xCC});
  CHECK_FALSE(deframer.next(true, false).has_value());
  loan.keep_unread();
  CHECK(deframer.buffered() == 3);
}

TEST_CASE("record protection refuses to seal what no receiver could read back", "[tls][record]") {
  const TrafficKeys keys = test_keys(16);
  RecordProtection sender(crypto::AeadAlgorithm::Aes128Gcm, keys);
  // Type 0 would be taken for padding (found by fuzz_record_protection's harness).
  CHECK_THROWS_AS(sender.seal(static_cast<ContentType>(0), as_bytes("x")), std::invalid_argument);
  const Bytes too_long((std::size_t{1} << 14) + 1, 0x41);
  CHECK_THROWS_AS(sender.seal(ContentType::application_data, too_long), std::length_error);
  const Bytes largest(std::size_t{1} << 14, 0x41);
  CHECK(sender.seal(ContentType::application_data, largest).size() == 5 + largest.size() + 1 + 16);
}

TEST_CASE("record protection round trip, per-record nonces and padding", "[tls][record]") {
  const auto aead = GENERATE(crypto::AeadAlgorithm::Aes128Gcm, crypto::AeadAlgorithm::Aes256Gcm,
                             crypto::AeadAlgorithm::ChaCha20Poly1305);
  const TrafficKeys keys = test_keys(crypto::aead_key_length(aead));
  RecordProtection sender(aead, keys);
  RecordProtection receiver(aead, keys);
  const Bytes first = sender.seal(ContentType::application_data, as_bytes("one"));
  const Bytes second = sender.seal(ContentType::handshake, as_bytes("one"));
  CHECK(first.size() == 5 + 3 + 1 + 16);
  CHECK(Bytes(first.begin(), first.begin() + 3) == Bytes{23, 3, 3});
  // Same content, different sequence number: different ciphertext.
  CHECK(Bytes(first.begin() + 5, first.end()) != Bytes(second.begin() + 5, second.end()));

  SECTION("records open in order") {
    OpenedRecord one = receiver.open(ByteView(first).first(5), ByteView(first).subspan(5));
    CHECK(one.type == ContentType::application_data);
    CHECK(one.content == to_bytes(as_bytes("one")));
    OpenedRecord two = receiver.open(ByteView(second).first(5), ByteView(second).subspan(5));
    CHECK(two.type == ContentType::handshake);
    CHECK(receiver.sequence_number() == 2);
  }
  SECTION("a record out of order does not authenticate") {
    CHECK(alert_of([&] {
            receiver.open(ByteView(second).first(5), ByteView(second).subspan(5));
          }) == AlertDescription::bad_record_mac);
  }
  SECTION("the header is authenticated") {
    Bytes header(first.begin(), first.begin() + 5);
    header[2] = 0x01;
    CHECK(alert_of([&] { receiver.open(header, ByteView(first).subspan(5)); }) ==
          AlertDescription::bad_record_mac);
  }
  SECTION("zero padding is stripped and an all-zero plaintext refused") {
    // Seal inner plaintexts by hand with the same nonce rule (sequence 0).
    crypto::Aead raw(aead, keys.key);
    const Bytes nonce(keys.iv.begin(), keys.iv.end());
    auto seal_inner = [&](const Bytes& inner) {
      const std::size_t length = inner.size() + 16;
      const Bytes header = {23, 3, 3, static_cast<std::uint8_t>(length >> 8),
                            static_cast<std::uint8_t>(length)};
      Bytes record = header;
      const Bytes body = raw.seal(nonce, header, inner);
      record.insert(record.end(), body.begin(), body.end());
      return record;
    };
    const Bytes padded = seal_inner(Bytes{'h', 'i', 23, 0, 0, 0, 0});
    OpenedRecord opened = receiver.open(ByteView(padded).first(5), ByteView(padded).subspan(5));
    CHECK(opened.content == Bytes{'h', 'i'});
    CHECK(opened.type == ContentType::application_data);
    RecordProtection fresh(aead, keys);
    const Bytes zeros = seal_inner(Bytes(10, 0));
    CHECK(alert_of([&] { fresh.open(ByteView(zeros).first(5), ByteView(zeros).subspan(5)); }) ==
          AlertDescription::unexpected_message);
  }
}

TEST_CASE("record deframing checks the header before buffering", "[tls][record]") {
  RecordDeframer deframer;
  deframer.feed(Bytes{22, 3, 1, 0, 2, 0xAA});
  CHECK_FALSE(deframer.next(false, true).has_value());  // one byte missing
  deframer.feed(Bytes{0xBB, 23, 3});
  auto record = deframer.next(false, true);
  REQUIRE(record.has_value());
  CHECK(record->type == 22);
  CHECK(record->fragment == Bytes{0xAA, 0xBB});
  CHECK_FALSE(deframer.next(false, true).has_value());
  CHECK(deframer.buffered() == 2);

  RecordDeframer version;
  version.feed(Bytes{22, 3, 1, 0, 1, 0});
  CHECK(alert_of([&] { version.next(true, false); }) == AlertDescription::protocol_version);
  RecordDeframer plaintext;
  plaintext.feed(Bytes{22, 3, 3, 0x40, 0x01});
  CHECK(alert_of([&] { plaintext.next(false, false); }) == AlertDescription::record_overflow);
  RecordDeframer ciphertext;
  ciphertext.feed(Bytes{23, 3, 3, 0x41, 0x00});
  CHECK_FALSE(ciphertext.next(true, false).has_value());  // 2^14 + 256 is allowed
  RecordDeframer too_big;
  too_big.feed(Bytes{23, 3, 3, 0x41, 0x01});
  CHECK(alert_of([&] { too_big.next(true, false); }) == AlertDescription::record_overflow);
}

TEST_CASE("handshake messages are reassembled across and within records", "[tls][handshake]") {
  HandshakeReassembler reassembler(1000, 4000);
  const Bytes one = encode_key_update(KeyUpdate{true});
  const Bytes two = encode_key_update(KeyUpdate{false});
  Bytes both = one;
  both.insert(both.end(), two.begin(), two.end());
  reassembler.feed(ByteView(both).first(3));
  CHECK_FALSE(reassembler.next().has_value());
  reassembler.feed(ByteView(both).subspan(3));
  auto first = reassembler.next();
  auto second = reassembler.next();
  REQUIRE(first.has_value());
  REQUIRE(second.has_value());
  CHECK(first->encoded == one);
  CHECK(second->encoded == two);
  CHECK(reassembler.empty());

  HandshakeReassembler small(10, 4000);
  small.feed(Bytes{11, 0, 0, 11});
  CHECK(alert_of([&] { small.next(); }) == AlertDescription::illegal_parameter);
  // A Finished over the cap is a malformed Finished (RFC 8446 4.4.4): decode_error.
  HandshakeReassembler small_finished(10, 4000);
  small_finished.feed(Bytes{20, 0, 0, 11});
  CHECK(alert_of([&] { small_finished.next(); }) == AlertDescription::decode_error);
  HandshakeReassembler capped(1000, 8);
  CHECK(alert_of([&] { capped.feed(Bytes(9, 0)); }) == AlertDescription::unexpected_message);
}

TEST_CASE("messages refuse truncation, trailing bytes and bad values", "[tls][handshake]") {
  CHECK(alert_of([] { decode_key_update(Bytes{2}); }) == AlertDescription::illegal_parameter);
  CHECK(alert_of([] { decode_key_update(Bytes{0, 0}); }) == AlertDescription::decode_error);
  CHECK(alert_of([] { decode_key_update(Bytes{}); }) == AlertDescription::decode_error);
  // An empty key_exchange (RFC 8446 4.2.8) is an invalid share: illegal_parameter, client and
  // server side alike; a truncated one stays decode_error.
  CHECK(alert_of([] {
          decode_client_key_shares(Bytes{0, 4, 0, 29, 0, 0});
        }) == AlertDescription::illegal_parameter);
  CHECK(alert_of([] {
          decode_server_key_share(Bytes{0, 23, 0, 0});
        }) == AlertDescription::illegal_parameter);
  CHECK(alert_of([] {
          decode_server_key_share(Bytes{0, 23, 0, 2, 4});
        }) == AlertDescription::decode_error);
  // A Certificate whose list length overstates its content.
  CHECK(alert_of([] {
          decode_certificate(Bytes{0, 0, 0, 5, 0, 0, 1});
        }) == AlertDescription::decode_error);

  ClientHello hello;
  hello.random = Bytes(32, 1);
  hello.cipher_suites = {0x1301};
  add_extension(hello.extensions, ExtensionType::supported_groups, encode_code_point_list({29}));
  add_extension(hello.extensions, ExtensionType::supported_versions,
                encode_supported_versions_list({kTls13}));
  add_extension(hello.extensions, ExtensionType::supported_versions,
                encode_supported_versions_list({kTls13}));
  const Bytes twice = encode_client_hello(hello);
  CHECK(alert_of([&] { decode_client_hello(ByteView(twice).subspan(4)); }) ==
        AlertDescription::illegal_parameter);
  hello.extensions.pop_back();
  const Bytes once = encode_client_hello(hello);
  const ClientHello decoded = decode_client_hello(ByteView(once).subspan(4));
  CHECK(decoded.cipher_suites == std::vector<std::uint16_t>{0x1301});
  CHECK(decoded.extensions.size() == 2);
}

TEST_CASE("the transcript replaces ClientHello1 with message_hash after HRR", "[tls][handshake]") {
  const Bytes client_hello1 = {1, 0, 0, 2, 0xAB, 0xCD};
  const Bytes retry = {2, 0, 0, 1, 0xEE};
  Transcript transcript;
  transcript.add(client_hello1);
  transcript.select_hash(crypto::HashAlgorithm::Sha256);
  transcript.replace_with_message_hash();
  transcript.add(retry);

  // RFC 8446 section 4.4.1: message_hash || 00 00 Hash.length || Hash(ClientHello1).
  const Bytes inner = crypto::Hash::digest(crypto::HashAlgorithm::Sha256, client_hello1);
  Bytes expected_input = {254, 0, 0, 32};
  expected_input.insert(expected_input.end(), inner.begin(), inner.end());
  expected_input.insert(expected_input.end(), retry.begin(), retry.end());
  CHECK(transcript.current_hash() ==
        crypto::Hash::digest(crypto::HashAlgorithm::Sha256, expected_input));
}
