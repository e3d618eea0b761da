// Fuzz target: the client engine fed server flights.
//   first byte even: the rest is the raw byte stream from the "server" (ServerHello parsing,
//                    HelloRetryRequest, record layer, alerts).
//   first byte odd:  deterministic mode: the harness sends the honest ServerHello, then seals
//                    the rest as the server's encrypted handshake messages under the real
//                    handshake keys, so EncryptedExtensions, CertificateRequest, Certificate,
//                    CertificateVerify and Finished parsing and checks are all reachable.
// The engine must never throw: every failure is an alert event.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include "tests/fuzz/deterministic_handshake.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  sc::fuzz::write_seeds_if_asked();
  // The deterministic mode must reach the end of the handshake with the honest flight,
  // or the fuzzer would only ever see the early failures.
  const auto& honest = sc::fuzz::HonestHandshake::get();
  auto engine = sc::tls::ClientEngine::create(sc::fuzz::fuzz_client_config());
  (void)engine->take_output();
  engine->receive(honest.server_hello_records);
  (void)engine->take_output();
  engine->receive(sc::fuzz::seal_handshake(honest.aead, honest.server_handshake_keys,
                                           honest.server_encrypted_flight));
  if (!engine->handshake_complete()) {
    std::fprintf(stderr, "fuzz harness: the deterministic handshake did not complete (%s)\n",
                 engine->state_name().c_str());
    std::abort();
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const auto& honest = sc::fuzz::HonestHandshake::get();
  const sc::ByteView rest(data + 1, size - 1);
  auto client = sc::tls::ClientEngine::create(sc::fuzz::fuzz_client_config());
  (void)client->take_output();
  if ((data[0] & 1) == 0) {
    client->receive(rest);
  } else {
    client->receive(honest.server_hello_records);
    client->receive(sc::fuzz::seal_handshake(honest.aead, honest.server_handshake_keys, rest));
  }
  (void)client->take_output();
  (void)client->take_events();
  return 0;
}
