// Issue 17, idle channels cost little: between records a deframer, a reassembler and an engine
// hold no buffers; a record is held only while a read has ended inside it, and records of the
// largest size and one-byte splits still come through whole.
#include <catch2/catch.hpp>

#include "common/crypto/random.hpp"
#include "common/tls/handshake/handshake_reassembler.hpp"
#include "common/tls/handshake/key_update.hpp"
#include "common/tls/record/record_deframer.hpp"
#include "tests/unit/tls/engine_test_support.hpp"

using namespace sc;
using namespace sc::tls;
using namespace sc::tls::testing;

namespace {

constexpr std::size_t kLargestRecord = kRecordHeaderLength + kMaxCiphertext;

// Protected records of the given fragment lengths, and where each ends in the stream.
struct RecordStream {
  Bytes bytes;
  std::vector<Bytes> fragments;
  std::vector<std::size_t> ends;

  explicit RecordStream(const std::vector<std::size_t>& lengths) {
    for (std::size_t length : lengths) {
      const Bytes header = {23, 3, 3, static_cast<std::uint8_t>(length >> 8),
                            static_cast<std::uint8_t>(length & 0xFF)};
      fragments.push_back(crypto::random_bytes(length));
      bytes.insert(bytes.end(), header.begin(), header.end());
      bytes.insert(bytes.end(), fragments.back().begin(), fragments.back().end());
      ends.push_back(bytes.size());
    }
  }
  bool is_boundary(std::size_t offset) const {
    return std::find(ends.begin(), ends.end(), offset) != ends.end();
  }
};

}  // namespace

TEST_CASE("a deframer holds a record only while a read has ended inside it", "[tls][record]") {
  // Records of the largest protected size (2^14 + 256), empty and small ones, read through
  // lend() as the connection does, in splits from one byte to more than the whole stream.
  const RecordStream stream({kMaxCiphertext, 1, 0, 300, kMaxCiphertext, 17, kMaxCiphertext});
  const std::size_t chunk =
      GENERATE(std::size_t{1}, std::size_t{5}, std::size_t{6}, std::size_t{4096},
               kLargestRecord - 1, kLargestRecord, kLargestRecord + 1, std::size_t{1} << 20);
  RecordDeframer deframer;
  std::vector<Bytes> cut;
  std::size_t largest = 0;
  for (std::size_t offset = 0; offset < stream.bytes.size(); offset += chunk) {
    const std::size_t end = std::min(offset + chunk, stream.bytes.size());
    Bytes read(stream.bytes.begin() + static_cast<std::ptrdiff_t>(offset),
               stream.bytes.begin() + static_cast<std::ptrdiff_t>(end));
    auto loan = deframer.lend(read);
    while (auto record = deframer.next(true, false)) cut.push_back(record->fragment);
    loan.keep_unread();
    std::fill(read.begin(), read.end(), 0xEE);  // no record may point into a finished read
    largest = std::max(largest, deframer.retained());
    if (stream.is_boundary(end)) {
      CHECK(deframer.buffered() == 0);
      CHECK(deframer.retained() == 0);
    } else {
      CHECK(deframer.buffered() > 0);  // the start of an unfinished record is kept
    }
  }
  CHECK(cut == stream.fragments);
  CHECK(deframer.retained() == 0);
  CHECK(largest <= kLargestRecord);  // never more than the one unfinished record
}

TEST_CASE("a deframer fed copies gives its buffer back once it is emptied", "[tls][record]") {
  const RecordStream stream({1000, kMaxCiphertext, 5});
  RecordDeframer deframer;
  deframer.feed(ByteView(stream.bytes).first(700));
  CHECK_FALSE(deframer.next(true, false).has_value());
  CHECK(deframer.retained() > 0);
  deframer.feed(ByteView(stream.bytes).subspan(700));
  std::vector<Bytes> cut;
  while (auto record = deframer.next(true, false)) cut.push_back(record->fragment);
  CHECK(cut == stream.fragments);
  CHECK(deframer.retained() == 0);
}

TEST_CASE("a record header is checked before its fragment is buffered", "[tls][record]") {
  // The start of a record is buffered; the rest arrives lent. A header over the limit is
  // refused before any of the lent fragment is copied.
  RecordDeframer deframer;
  const Bytes start = {23, 3};
  {
    auto loan = deframer.lend(start);
    CHECK_FALSE(deframer.next(true, false).has_value());
    loan.keep_unread();
  }
  Bytes rest = {3, 0x41, 0x01};  // 2^14 + 257 bytes: one too many
  rest.resize(rest.size() + 4000, 0xAB);
  auto loan = deframer.lend(rest);
  try {
    deframer.next(true, false);
    FAIL("an oversized record was accepted");
  } catch (const ProtocolError& error) {
    CHECK(error.alert() == AlertDescription::record_overflow);
  }
  CHECK(deframer.retained() < 64);
}

TEST_CASE("the reassembler frees its buffer once every message is taken", "[tls][handshake]") {
  HandshakeReassembler reassembler(1000, 4000);
  const Bytes message = encode_key_update(KeyUpdate{true});
  reassembler.feed(ByteView(message).first(2));
  CHECK_FALSE(reassembler.next().has_value());
  CHECK(reassembler.retained() > 0);
  reassembler.feed(ByteView(message).subspan(2));
  auto taken = reassembler.next();
  REQUIRE(taken.has_value());
  CHECK(taken->encoded == message);
  CHECK(reassembler.empty());
  CHECK(reassembler.retained() == 0);
}

TEST_CASE("an established connection holds no record buffers between records", "[tls][engine]") {
  const auto& pki = TestPki::get();
  ClientConfig client_cfg = client_config();
  client_cfg.credentials = credentials_of(pki.client_ecdsa);
  ServerConfig server_cfg = server_config(pki.server_ecdsa);
  server_cfg.client_authentication = ClientAuthentication::required;
  auto client = ClientEngine::create(client_cfg);
  auto server = ServerEngine::create(server_cfg);
  Pump pump;
  pump.run(*client, *server);
  REQUIRE(client->handshake_complete());
  REQUIRE(server->handshake_complete());
  // The handshake's flights, messages and buffers are gone once it is over.
  CHECK(client->buffered_capacity() == 0);
  CHECK(server->buffered_capacity() == 0);

  // Records of the full 2^14 bytes and a short one, delivered in splits down to one byte.
  const Bytes burst = crypto::random_bytes(3 * kMaxPlaintext + 100);
  client->send_application_data(burst);
  const Bytes wire = client->take_output();
  CHECK(client->buffered_capacity() == 0);
  const std::size_t split = GENERATE(std::size_t{1}, std::size_t{7}, std::size_t{16405},
                                     std::size_t{16407}, std::size_t{1} << 20);
  Bytes received;
  std::size_t largest = 0;
  for (std::size_t offset = 0; offset < wire.size(); offset += split) {
    server->receive(ByteView(wire).subspan(offset, std::min(split, wire.size() - offset)));
    for (Event& event : server->take_events()) {
      if (auto* data = std::get_if<ApplicationData>(&event)) {
        received.insert(received.end(), data->data.begin(), data->data.end());
      }
    }
    largest = std::max(largest, server->buffered_capacity());
  }
  CHECK(received == burst);
  CHECK_FALSE(server->failed());
  CHECK(server->buffered_capacity() == 0);
  CHECK(largest <= kLargestRecord);

  // Answers go out and leave nothing behind once taken.
  server->send_application_data(Bytes(10, 0x42));
  CHECK(server->buffered_capacity() > 0);
  Pump::deliver(*client, server->take_output(), 3);
  CHECK(server->buffered_capacity() == 0);
  CHECK(client->buffered_capacity() == 0);
}
