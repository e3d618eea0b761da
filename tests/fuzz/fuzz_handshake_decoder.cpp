// Fuzz target: one handshake message decoder (compiled once per decoder, chosen by a
// SC_FUZZ_DECODE_<message> definition). Decoders must refuse any malformed body with
// ProtocolError and never read out of bounds.
#include <cstddef>
#include <cstdint>
#include "common/tls/alert.hpp"
#include "common/tls/handshake/certificate.hpp"
#include "common/tls/handshake/certificate_request.hpp"
#include "common/tls/handshake/certificate_verify.hpp"
#include "common/tls/handshake/client_hello.hpp"
#include "common/tls/handshake/encrypted_extensions.hpp"
#include "common/tls/handshake/extensions.hpp"
#include "common/tls/handshake/finished.hpp"
#include "common/tls/handshake/key_update.hpp"
#include "common/tls/handshake/new_session_ticket.hpp"
#include "common/tls/handshake/server_hello.hpp"

namespace {

void decode(sc::ByteView body) {
  using namespace sc::tls;
#if defined(SC_FUZZ_DECODE_client_hello)
  (void)decode_client_hello(body);
#elif defined(SC_FUZZ_DECODE_server_hello)
  (void)decode_server_hello(body);
#elif defined(SC_FUZZ_DECODE_encrypted_extensions)
  (void)decode_encrypted_extensions(body);
#elif defined(SC_FUZZ_DECODE_certificate)
  (void)decode_certificate(body);
#elif defined(SC_FUZZ_DECODE_certificate_request)
  (void)decode_certificate_request(body);
#elif defined(SC_FUZZ_DECODE_certificate_verify)
  (void)decode_certificate_verify(body);
#elif defined(SC_FUZZ_DECODE_finished)
  if (body.empty()) return;
  // First byte: the hash length the engine would expect (SHA-256 or SHA-384).
  (void)decode_finished(body.subspan(1), (body[0] & 1) != 0 ? 48 : 32);
#elif defined(SC_FUZZ_DECODE_new_session_ticket)
  (void)decode_new_session_ticket(body);
#elif defined(SC_FUZZ_DECODE_key_update)
  (void)decode_key_update(body);
#elif defined(SC_FUZZ_DECODE_extensions)
  // The extension bodies: first byte picks the codec.
  if (body.empty()) return;
  const sc::ByteView data = body.subspan(1);
  switch (body[0] % 8) {
    case 0:
      (void)decode_supported_versions_list(data);
      break;
    case 1:
      (void)decode_selected_version(data);
      break;
    case 2:
      (void)decode_code_point_list(data, "supported_groups");
      break;
    case 3:
      (void)decode_client_key_shares(data);
      break;
    case 4:
      (void)decode_server_key_share(data);
      break;
    case 5:
      (void)decode_hello_retry_key_share(data);
      break;
    case 6:
      (void)decode_server_name(data);
      break;
    default:
      (void)decode_cookie(data);
      break;
  }
#else
#error "define SC_FUZZ_DECODE_<message>"
#endif
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    decode(sc::ByteView(data, size));
  } catch (const sc::tls::ProtocolError&) {
  }
  return 0;
}
