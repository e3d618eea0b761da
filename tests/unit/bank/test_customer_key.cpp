// How the bank knows a customer (bank::customer_key): by the names the TTP certified, so that a
// renewed certificate (new serial, new key, same names) keeps the customer's count of wrong codes
// and block (PSD2 RTS art. 4(3)(b)) instead of starting afresh, while another subject or another
// CA's certificate with the same subject is somebody else.
#include <catch2/catch.hpp>

#include "bank_server/bank_service.hpp"
#include "common/pki/certificate_authority.hpp"
#include "tests/unit/pki/pki_fixture.hpp"

using namespace sc::pki;
using namespace sc::pki::test;
using sc::crypto::PrivateKey;

TEST_CASE("A renewed certificate is the same customer; another subject or CA is not", "[bank]") {
  TempFolder folder;
  const CertificateAuthority ca =
      CertificateAuthority::open_or_create(folder / "ca", fast_ca_options("Bank Test Root"));
  const CertificateAuthority other_ca =
      CertificateAuthority::open_or_create(folder / "other", fast_ca_options("Other Root"));
  const PrivateKey first_key = PrivateKey::generate_ecdsa(sc::crypto::EcCurve::P256);
  const PrivateKey renewed_key = PrivateKey::generate_ecdsa(sc::crypto::EcCurve::P256);
  const IssuanceProfile customer{Role::Customer, 30, {}};
  const Certificate first = ca.issue(make_csr("alice", first_key), customer, ca.random_serial());
  const Certificate renewed =
      ca.issue(make_csr("alice", renewed_key), customer, ca.random_serial());
  const Certificate bob = ca.issue(make_csr("bob", first_key), customer, ca.random_serial());
  const Certificate elsewhere =
      other_ca.issue(make_csr("alice", first_key), customer, other_ca.random_serial());

  REQUIRE(first.serial_hex() != renewed.serial_hex());
  CHECK(sc::bank::customer_key(first) == sc::bank::customer_key(renewed));
  CHECK(sc::bank::customer_key(first) != sc::bank::customer_key(bob));
  CHECK(sc::bank::customer_key(first) != sc::bank::customer_key(elsewhere));
  CHECK(sc::bank::customer_key(first).size() == 64);
}
