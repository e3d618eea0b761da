// When a holder renews (docs/TTP.md, "Renewal"): two thirds of the lifetime, moved by at most
// the jitter either way.
#include <catch2/catch.hpp>

#include "common/app/enrollment.hpp"
#include "common/crypto/signature.hpp"
#include "common/pki/certificate_authority.hpp"
#include "common/pki/certificate_signing_request.hpp"
#include "tests/unit/ttp/ttp_fixture.hpp"

using namespace sc;

namespace {

pki::Certificate certificate_of(unsigned days) {
  test::TempFolder folder;
  const auto authority = test::test_authority(folder / "ca");
  return authority.issue(test::in_process_csr("holder"),
                         pki::IssuanceProfile(pki::Role::Customer, days),
                         pki::SerialNumber::random());
}

}  // namespace

TEST_CASE("renewal is due at two thirds of the lifetime", "[app][renewal]") {
  const pki::Certificate certificate = certificate_of(90);
  const auto lifetime = certificate.not_after() - certificate.not_before();
  const auto due = app::renewal_due_at(certificate);
  CHECK(due - certificate.not_before() == lifetime * 2 / 3);
  CHECK(due < certificate.not_after());
}

TEST_CASE("the jitter stays within its fraction of the lifetime, both ways", "[app][renewal]") {
  const pki::Certificate certificate = certificate_of(30);
  const auto lifetime = certificate.not_after() - certificate.not_before();
  const auto due = app::renewal_due_at(certificate);
  const auto bound = lifetime / 20 + std::chrono::seconds(1);  // 5%, plus rounding
  bool earlier = false;
  bool later = false;
  for (std::uint64_t value = 0; value < 4'000'000; value += 99'991) {
    const auto moved = app::renewal_due_with_jitter(certificate, 0.05, value * 7919);
    CHECK(moved >= due - bound);
    CHECK(moved <= due + bound);
    earlier = earlier || moved < due;
    later = later || moved > due;
  }
  CHECK(earlier);
  CHECK(later);
  CHECK(app::renewal_due_with_jitter(certificate, 0.0, 12345) == due);
}
