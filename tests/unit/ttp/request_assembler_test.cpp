// Framing of the TTP line protocol: requests from arbitrary chunks, and the memory caps.
#include <catch2/catch.hpp>

#include <random>

#include "ttp/request_assembler.hpp"

using namespace sc;
using sc::ttp::RequestAssembler;

namespace {

const std::string csr_block =
    "-----BEGIN CERTIFICATE REQUEST-----\nMIIBAA==\n-----END CERTIFICATE REQUEST-----\n";

}  // namespace

TEST_CASE("requests come out whole however the bytes are split", "[ttp][framing]") {
  const std::string stream = "CA\r\n\nENROLL customer abc\n" + csr_block + "STATUS 0A\nCRL\n";
  for (std::size_t chunk : {std::size_t{1}, std::size_t{3}, std::size_t{7}, stream.size()}) {
    RequestAssembler assembler;
    for (std::size_t at = 0; at < stream.size(); at += chunk) {
      assembler.receive(as_bytes(std::string_view(stream).substr(at, chunk)));
    }
    std::vector<ttp::Request> requests;
    while (auto request = assembler.next()) requests.push_back(*request);
    REQUIRE(requests.size() == 4);
    CHECK(requests[0].command_line == "CA");
    CHECK(requests[1].command_line == "ENROLL customer abc");
    CHECK(requests[1].pem == csr_block);
    CHECK(requests[2].command_line == "STATUS 0A");
    CHECK(requests[3].command_line == "CRL");
    CHECK_FALSE(assembler.failure());
    CHECK(assembler.buffered() == 0);
  }
}

TEST_CASE("an incomplete request waits for more bytes", "[ttp][framing]") {
  RequestAssembler assembler;
  assembler.receive(as_bytes("ENROLL bank t\n-----BEGIN CERTIFICATE REQUEST-----\nMII"));
  CHECK_FALSE(assembler.next());
  assembler.receive(as_bytes("B\n-----END CERTIFICATE REQUEST-----\n"));
  const auto request = assembler.next();
  REQUIRE(request);
  CHECK(request->pem.find("MIIB\n") != std::string::npos);
}

TEST_CASE("a line over 512 bytes stops the assembler before the newline arrives",
          "[ttp][framing]") {
  RequestAssembler assembler;
  assembler.receive(as_bytes(std::string(RequestAssembler::max_line_length, 'A')));
  CHECK_FALSE(assembler.failure());  // exactly 512 is allowed so far
  assembler.receive(as_bytes(std::string(100000, 'A')));
  REQUIRE(assembler.failure());
  CHECK(assembler.failure()->code == "too-large");
  CHECK(assembler.buffered() == 0);
  assembler.receive(as_bytes("CA\n"));  // nothing more after a failure
  CHECK_FALSE(assembler.next());
}

TEST_CASE("a 512-byte line is accepted, 513 is not", "[ttp][framing]") {
  RequestAssembler accepted;
  accepted.receive(as_bytes("STATUS " + std::string(505, '0') + "\r\n"));
  CHECK_FALSE(accepted.failure());
  CHECK(accepted.next());
  RequestAssembler refused;
  refused.receive(as_bytes("STATUS " + std::string(506, '0') + "\n"));
  CHECK(refused.failure());
}

TEST_CASE("a PEM block over 16 KiB is refused", "[ttp][framing]") {
  RequestAssembler assembler;
  assembler.receive(as_bytes("ENROLL bank t\n-----BEGIN CERTIFICATE REQUEST-----\n"));
  const std::string line = std::string(64, 'Q') + "\n";
  for (int i = 0; i < 300 && !assembler.failure(); ++i) assembler.receive(as_bytes(line));
  REQUIRE(assembler.failure());
  CHECK(assembler.failure()->code == "too-large");
  CHECK(assembler.buffered() <= RequestAssembler::max_pem_size);
}

TEST_CASE("ENROLL without a PEM block and binary bytes are malformed", "[ttp][framing]") {
  RequestAssembler no_pem;
  no_pem.receive(as_bytes("ENROLL bank t\nCA\n"));
  REQUIRE(no_pem.failure());
  CHECK(no_pem.failure()->code == "malformed");

  RequestAssembler binary;
  const Bytes garbage{0x16, 0x03, 0x01, 0x00, 0xff, '\n'};
  binary.receive(garbage);
  REQUIRE(binary.failure());
  CHECK(binary.failure()->code == "malformed");
}

TEST_CASE("random bytes in random chunks never grow the buffer past the caps",
          "[ttp][framing][hostile]") {
  std::mt19937 random(20261123);  // fixed seed: the same run every time
  const std::vector<std::string> pieces{
      "ENROLL bank x\n",     "-----BEGIN X-----\n", "-----END X-----\n", "CA\n", "\r\n", "\n",
      std::string(300, 'B'), std::string(1, '\0')};
  for (int round = 0; round < 200; ++round) {
    RequestAssembler assembler;
    std::size_t requests = 0;
    for (int step = 0; step < 200 && !assembler.failure(); ++step) {
      std::string chunk;
      if (random() % 2 == 0) {
        chunk = pieces[random() % pieces.size()];
      } else {
        chunk.resize(random() % 64);
        for (char& c : chunk) c = static_cast<char>(random() % 256);
      }
      assembler.receive(as_bytes(chunk));
      CHECK(assembler.buffered() <=
            RequestAssembler::max_line_length + 1 + RequestAssembler::max_pem_size);
      while (assembler.next()) ++requests;
    }
    if (assembler.failure()) {
      CHECK_FALSE(assembler.failure()->sentence.empty());
      CHECK(assembler.buffered() == 0);
    }
    CHECK(requests < 200 * 8);
  }
}
