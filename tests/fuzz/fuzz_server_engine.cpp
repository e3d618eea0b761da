// Fuzz target: the server engine (client certificate requested, as the bank does) fed client
// flights.
//   first byte even: the rest is the raw first flight (ClientHello parsing, negotiation,
//                    HelloRetryRequest, record layer, alerts, CCS).
//   first byte odd:  deterministic mode: the harness sends the honest ClientHello, then seals
//                    the rest as the client's encrypted second flight (Certificate,
//                    CertificateVerify, Finished) under the real client handshake keys
//                    (reaches client Certificate parsing, chain verification and the
//                    CertificateVerify check; see LLVMFuzzerInitialize).
// The engine must never throw: every failure is an alert event.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include "tests/fuzz/deterministic_handshake.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  sc::fuzz::write_seeds_if_asked();
  // The deterministic mode must get the honest client Certificate accepted, or the fuzzer
  // would only ever see the early failures. (The client's CertificateVerify of the honest run
  // does not verify here: the server's own ECDSA signature, part of the transcript, differs
  // from run to run, so the states after it are out of this mode's reach.)
  const auto& honest = sc::fuzz::HonestHandshake::get();
  auto engine = sc::tls::ServerEngine::create(sc::fuzz::fuzz_server_config());
  engine->receive(honest.client_hello_records);
  (void)engine->take_output();
  engine->receive(sc::fuzz::seal_handshake(honest.aead, honest.client_handshake_keys,
                                           honest.client_second_flight));
  if (engine->state_name() != "ExpectClientCertificateVerify") {
    std::fprintf(stderr, "fuzz harness: the deterministic mode stopped at %s\n",
                 engine->state_name().c_str());
    std::abort();
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const auto& honest = sc::fuzz::HonestHandshake::get();
  const sc::ByteView rest(data + 1, size - 1);
  auto server = sc::tls::ServerEngine::create(sc::fuzz::fuzz_server_config());
  if ((data[0] & 1) == 0) {
    server->receive(rest);
  } else {
    server->receive(honest.client_hello_records);
    (void)server->take_output();
    server->receive(sc::fuzz::seal_handshake(honest.aead, honest.client_handshake_keys, rest));
  }
  (void)server->take_output();
  (void)server->take_events();
  return 0;
}
