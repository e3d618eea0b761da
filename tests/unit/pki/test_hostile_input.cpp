// Hostile input: every parser, the OCSP responder and the staple checks meet damaged DER with a
// refusal (PkiError or a non-accepting check), never a crash or another exception type.
// Deterministic mutations (fixed seed) of valid objects, so a failure reproduces.
#include <catch2/catch.hpp>

#include <random>

#include "common/pki/certificate_authority.hpp"
#include "common/pki/chain_verifier.hpp"
#include "common/pki/pki_error.hpp"
#include "common/pki/x509_encoding.hpp"
#include "tests/unit/pki/pki_fixture.hpp"

using namespace sc::pki;
using namespace sc::pki::test;

namespace {

class Mutator {
 public:
  explicit Mutator(std::uint32_t seed) : engine_(seed) {}
  sc::Bytes mutate(sc::Bytes data) {
    std::uniform_int_distribution<std::size_t> position(0, data.size() - 1);
    std::uniform_int_distribution<int> kind(0, 3);
    std::uniform_int_distribution<int> byte(0, 255);
    switch (kind(engine_)) {
      case 0:  // flip one bit
        data[position(engine_)] ^= static_cast<std::uint8_t>(1u << (byte(engine_) % 8));
        break;
      case 1:  // overwrite a byte (often a length or a tag)
        data[position(engine_)] = static_cast<std::uint8_t>(byte(engine_));
        break;
      case 2:  // truncate
        data.resize(position(engine_));
        break;
      default:  // insert a byte
        data.insert(data.begin() + static_cast<std::ptrdiff_t>(position(engine_)),
                    static_cast<std::uint8_t>(byte(engine_)));
        break;
    }
    return data;
  }

 private:
  std::mt19937 engine_;
};

template <typename Parse>
void refuses_or_parses(const sc::Bytes& input, Parse parse) {
  try {
    parse(input);
  } catch (const PkiError&) {
    // a clear refusal is the expected outcome for most mutations
  }
}

}  // namespace

TEST_CASE("damaged certificates, CSRs and OCSP messages are refused cleanly", "[pki][hostile]") {
  TempFolder folder;
  const CertificateAuthority ca =
      CertificateAuthority::open_or_create(folder.path(), fast_ca_options());
  const auto key = sc::crypto::PrivateKey::generate_ecdsa(sc::crypto::EcCurve::P256);
  const CertificateSigningRequest csr = make_csr("bank.example", key, {"bank.example"});
  const Certificate leaf =
      ca.issue(csr, {Role::Bank, 30, {"bank.example"}}, CertificateAuthority::random_serial());
  const sc::Bytes request = make_ocsp_request(leaf, ca.root());
  const RevocationLookup all_good = [](const SerialNumber&) { return RevocationStatus::good(); };
  const sc::Bytes response = ca.make_ocsp_response(request, all_good);
  const ChainVerifier verifier({ca.root()});

  Mutator mutator(20261123);
  int accepted_chains = 0;
  for (int round = 0; round < 300; ++round) {
    const sc::Bytes bad_certificate = mutator.mutate(leaf.to_der());
    refuses_or_parses(bad_certificate, [](const sc::Bytes& der) { Certificate::from_der(der); });
    const auto check =
        verifier.verify({bad_certificate}, sc::tls::PeerRole::Server, "bank.example");
    if (check.accepted) ++accepted_chains;
    CHECK(check.alert != sc::tls::AlertDescription::internal_error);

    refuses_or_parses(mutator.mutate(csr.to_der()), [&](const sc::Bytes& der) {
      const auto parsed = CertificateSigningRequest::from_der(der);
      ca.issue(parsed, {Role::Customer, 30}, CertificateAuthority::random_serial());
    });
    refuses_or_parses(mutator.mutate(response), [&](const sc::Bytes& der) {
      verify_ocsp_response(der, leaf, ca.root(), request);
    });
    // The same response as a peer's staple, and as read by a staple holder.
    const sc::Bytes bad_staple = mutator.mutate(response);
    refuses_or_parses(bad_staple, [&](const sc::Bytes& der) {
      verify_stapled_ocsp_response(der, leaf, ca.root());
    });
    refuses_or_parses(bad_staple, [](const sc::Bytes& der) { ocsp_response_times(der); });
    ChainVerifier stapling({ca.root()});
    stapling.set_staple_policy(StaplePolicy::require);
    const auto staple_check =
        stapling.verify({leaf.to_der()}, sc::tls::PeerRole::Server, "bank.example", bad_staple);
    CHECK(staple_check.alert != sc::tls::AlertDescription::internal_error);
    // The responder answers anything with a DER OCSPResponse.
    const sc::Bytes answer = ca.make_ocsp_response(mutator.mutate(request), all_good);
    const unsigned char* cursor = answer.data();
    sc::crypto::OcspResponsePtr parsed(
        d2i_OCSP_RESPONSE(nullptr, &cursor, static_cast<long>(answer.size())));
    CHECK(parsed != nullptr);
  }
  // Mutations inside the signed part cannot be accepted; only ones the DER decoder ignores
  // or normalises away (e.g. in the unsigned outer length) could be, and those are rare.
  CHECK(accepted_chains < 10);
}

TEST_CASE("Times beyond the clock's range saturate instead of overflowing", "[pki][hostile]") {
  // GeneralizedTime reaches 9999 and 0000; a nanosecond system_clock ends in 2262 and begins
  // in 1677. The fuzzer found an OCSP response dated 6320 that overflowed the conversion.
  const auto at = [](const char* generalized) {
    sc::crypto::Asn1TimePtr time(ASN1_TIME_new());
    REQUIRE(ASN1_TIME_set_string(time.get(), generalized) == 1);
    return detail::time_from_asn1(time.get());
  };
  CHECK(at("99991231235959Z") > at("22000101000000Z"));
  CHECK(at("63200101000000Z") == at("99991231235959Z"));
  CHECK(at("00000101000000Z") < at("19700101000000Z"));
  CHECK(at("20300101000000Z") - at("20290101000000Z") == std::chrono::hours(24 * 365));
}
