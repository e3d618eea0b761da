// libFuzzer target: a stapled OCSP response (RFC 6960) as a peer staples it in its Certificate
// message (RFC 8446 section 4.4.2.1). The bytes go to ocsp_response_times (what the stapler
// reads to schedule refreshes) and to verify_stapled_ocsp_response against a fixed leaf and its
// issuer (what the bank and the client check offline). Only PkiError/CryptoError may escape.
// Seed: a good response from the openssl CLI for the leaf below (corpus/fuzz_ocsp_response).
#include <cstddef>
#include <cstdint>

#include "common/crypto/error.hpp"
#include "common/pki/certificate.hpp"
#include "common/pki/pki_error.hpp"
#include "common/pki/revocation.hpp"

namespace {

// P-256 root "CN=Fuzz Root" and leaf "CN=fuzz leaf" (serial 0x1234), made with the openssl CLI.
constexpr const char* kRootPem = R"(-----BEGIN CERTIFICATE-----
MIIBjjCCATOgAwIBAgIUEuJWt/YQp607ui7BEkwNSne30bowCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJRnV6eiBSb290MB4XDTI2MTIwMjA3NTczMVoXDTM2MTEyOTA3
NTczMVowFDESMBAGA1UEAwwJRnV6eiBSb290MFkwEwYHKoZIzj0CAQYIKoZIzj0D
AQcDQgAEB118KtFSRvEvPwJtdcjjcfduTuzXcmgSocGiyzUbkWZ8cjeZHiQeycIA
PdWyOKILQqtJyZn++IqHqvsHqRwuE6NjMGEwHQYDVR0OBBYEFB3lVRRAK5+Rx46u
8T74gvxldihOMB8GA1UdIwQYMBaAFB3lVRRAK5+Rx46u8T74gvxldihOMA8GA1Ud
EwEB/wQFMAMBAf8wDgYDVR0PAQH/BAQDAgEGMAoGCCqGSM49BAMCA0kAMEYCIQD4
XHFFZ5+UMr7C1WKsbwhi42VObubj9B5GL39TVTQHYwIhAIQwYya25D664TNDE6o/
jFR0FNhg0vr5OATY7sDNGSrc
-----END CERTIFICATE-----
)";
constexpr const char* kLeafPem = R"(-----BEGIN CERTIFICATE-----
MIIBfjCCASWgAwIBAgICEjQwCgYIKoZIzj0EAwIwFDESMBAGA1UEAwwJRnV6eiBS
b290MB4XDTI2MTIwMjA3NTczMVoXDTM2MTEyOTA3NTczMVowFDESMBAGA1UEAwwJ
ZnV6eiBsZWFmMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE/o9PZvk00HgSVz93
vuBDxyjmS8lmNq+sB9x8TcVHLpTCXSzImoY2wewDA6zw3AdcwlwlCZVLgj/z6Pos
7YRLXKNnMGUwDgYDVR0PAQH/BAQDAgeAMBMGA1UdJQQMMAoGCCsGAQUFBwMCMB0G
A1UdDgQWBBQhXGoaG5fWoZxDXKZTl1cmPF043DAfBgNVHSMEGDAWgBQd5VUUQCuf
kceOrvE++IL8ZXYoTjAKBggqhkjOPQQDAgNHADBEAiB649hWHHMQMjSrZbd2dzh9
CujrfY3WN+91vPms7u5v7QIgdvxURG05zlvminlp7yf0Fi11mDTeD8kjJwK/A71D
eQ8=
-----END CERTIFICATE-----
)";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const sc::pki::Certificate root = sc::pki::Certificate::from_pem(kRootPem);
  static const sc::pki::Certificate leaf = sc::pki::Certificate::from_pem(kLeafPem);
  const sc::ByteView response(data, size);
  try {
    (void)sc::pki::ocsp_response_times(response);
  } catch (const sc::pki::PkiError&) {
  } catch (const sc::crypto::CryptoError&) {
  }
  try {
    (void)sc::pki::verify_stapled_ocsp_response(response, leaf, root);
  } catch (const sc::pki::PkiError&) {
  } catch (const sc::crypto::CryptoError&) {
  }
  return 0;
}
