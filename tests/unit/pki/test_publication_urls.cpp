// Where issued certificates say revocation data is published: authorityInfoAccess (OCSP and
// caIssuers, RFC 5280 section 4.2.2.1) and cRLDistributionPoints (RFC 5280 section 4.2.1.13),
// the URLs the CA accepts for them, and `openssl x509` reading them back.
#include <catch2/catch.hpp>

#include <openssl/x509v3.h>

#include <string>
#include <vector>

#include "common/pki/certificate_authority.hpp"
#include "common/pki/pem_file.hpp"
#include "common/pki/pki_error.hpp"
#include "tests/unit/pki/pki_fixture.hpp"

using namespace sc::pki;
using namespace sc::pki::test;
using sc::crypto::EcCurve;
using sc::crypto::PrivateKey;

namespace {

std::string uri_of(const GENERAL_NAME* name) {
  REQUIRE(name->type == GEN_URI);
  const ASN1_IA5STRING* text = name->d.uniformResourceIdentifier;
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(text)),
                     static_cast<std::size_t>(ASN1_STRING_length(text)));
}

struct Published {
  bool present = false;
  bool critical = false;
  std::vector<std::string> ocsp;
  std::vector<std::string> ca_issuers;
  std::vector<std::string> crl;
};

Published published(const Certificate& certificate) {
  Published result;
  int critical = -1;
  auto* access = static_cast<AUTHORITY_INFO_ACCESS*>(
      X509_get_ext_d2i(certificate.native(), NID_info_access, &critical, nullptr));
  if (access != nullptr) {
    result.present = true;
    result.critical = critical == 1;
    for (int i = 0; i < sk_ACCESS_DESCRIPTION_num(access); ++i) {
      const ACCESS_DESCRIPTION* description = sk_ACCESS_DESCRIPTION_value(access, i);
      const int method = OBJ_obj2nid(description->method);
      if (method == NID_ad_OCSP) result.ocsp.push_back(uri_of(description->location));
      if (method == NID_ad_ca_issuers) result.ca_issuers.push_back(uri_of(description->location));
    }
    AUTHORITY_INFO_ACCESS_free(access);
  }
  critical = -1;
  auto* points = static_cast<CRL_DIST_POINTS*>(
      X509_get_ext_d2i(certificate.native(), NID_crl_distribution_points, &critical, nullptr));
  if (points != nullptr) {
    result.present = true;
    result.critical = result.critical || critical == 1;
    for (int i = 0; i < sk_DIST_POINT_num(points); ++i) {
      const DIST_POINT* point = sk_DIST_POINT_value(points, i);
      REQUIRE(point->distpoint != nullptr);
      REQUIRE(point->distpoint->type == 0);
      CHECK(point->reasons == nullptr);
      CHECK(point->CRLissuer == nullptr);
      const GENERAL_NAMES* names = point->distpoint->name.fullname;
      for (int j = 0; j < sk_GENERAL_NAME_num(names); ++j) {
        result.crl.push_back(uri_of(sk_GENERAL_NAME_value(names, j)));
      }
    }
    CRL_DIST_POINTS_free(points);
  }
  return result;
}

}  // namespace

TEST_CASE("PublicationUrls::under puts the three paths under one base", "[pki][publication]") {
  const PublicationUrls urls = PublicationUrls::under("http://127.0.0.1:8080/");
  CHECK(urls.ocsp == "http://127.0.0.1:8080/ocsp");
  CHECK(urls.ca_issuers == "http://127.0.0.1:8080/ca.crt");
  CHECK(urls.crl == "http://127.0.0.1:8080/ca.crl");
  CHECK_FALSE(urls.problem());
  CHECK(PublicationUrls::under("http://pki.example/ttp").ocsp == "http://pki.example/ttp/ocsp");
}

TEST_CASE("public_url_problem accepts plain http URLs and refuses the rest", "[pki][publication]") {
  for (const char* good : {"http://127.0.0.1:8080", "http://[::1]:80/pki", "http://ca.example",
                           "http://ca.example/a/b-c_d~e", "http://10.0.0.1:65535/"}) {
    INFO(good);
    CHECK_FALSE(public_url_problem(good));
  }
  for (const char* bad : {"https://ca.example", "ftp://ca.example", "http://", "http://:80",
                          "ca.example", "http://ca.example:0", "http://ca.example:70000",
                          "http://ca.example:8a", "http://user@ca.example", "http://ca example",
                          "http://ca.example/a b", "http://ca.example/?q=1", "http://ca.example/#f",
                          "http://ca.example/\x01", "http://ca.example/\xc3\xa9", "http://[::1",
                          "http://[::1]x", "http://ca.example/a\"b", "HTTP://ca.example"}) {
    INFO(bad);
    const auto problem = public_url_problem(bad);
    REQUIRE(problem);
    CHECK_FALSE(problem->empty());
  }
  CHECK(public_url_problem("http://ca.example/" + std::string(2000, 'a')));
}

TEST_CASE("issued certificates carry authorityInfoAccess and cRLDistributionPoints when asked",
          "[pki][publication][issue]") {
  TempFolder folder;
  const auto ca = CertificateAuthority::open_or_create(folder / "ca", fast_ca_options());
  const auto key = PrivateKey::generate_ecdsa(EcCurve::P256);
  const auto csr = make_csr("alice", key);

  SECTION("with publication URLs: both extensions, non-critical, with the URLs") {
    IssuanceProfile profile(Role::Customer, 30);
    profile.publication = PublicationUrls::under("http://127.0.0.1:8080");
    const Certificate certificate = ca.issue(csr, profile, SerialNumber::random());
    const Published found = published(certificate);
    CHECK(found.present);
    CHECK_FALSE(found.critical);  // RFC 5280: MUST (AIA) and SHOULD (CDP) be non-critical
    CHECK(found.ocsp == std::vector<std::string>{"http://127.0.0.1:8080/ocsp"});
    CHECK(found.ca_issuers == std::vector<std::string>{"http://127.0.0.1:8080/ca.crt"});
    CHECK(found.crl == std::vector<std::string>{"http://127.0.0.1:8080/ca.crl"});

    // The openssl CLI reads them the same way.
    write_certificate_file(folder / "leaf.pem", certificate);
    const CommandResult text =
        run("openssl x509 -noout -ext authorityInfoAccess,crlDistributionPoints -in " +
            quoted(folder / "leaf.pem"));
    INFO(text.output);
    CHECK(text.exit_code == 0);
    CHECK(text.output.find("OCSP - URI:http://127.0.0.1:8080/ocsp") != std::string::npos);
    CHECK(text.output.find("CA Issuers - URI:http://127.0.0.1:8080/ca.crt") != std::string::npos);
    CHECK(text.output.find("URI:http://127.0.0.1:8080/ca.crl") != std::string::npos);
    // And the certificate still verifies under the root.
    const CommandResult verified =
        run("openssl verify -x509_strict -CAfile " + quoted(folder / "ca" / "ca.pem") + " " +
            quoted(folder / "leaf.pem"));
    INFO(verified.output);
    CHECK(verified.exit_code == 0);
  }
  SECTION("without: neither extension, as before") {
    const Certificate certificate =
        ca.issue(csr, IssuanceProfile(Role::Customer, 30), SerialNumber::random());
    CHECK_FALSE(published(certificate).present);
  }
  SECTION("an unusable URL is refused, nothing is issued") {
    IssuanceProfile profile(Role::Customer, 30);
    profile.publication = PublicationUrls{"http://ok.example/ocsp", "https://no.example/ca.crt",
                                          "http://ok.example/ca.crl"};
    CHECK_THROWS_AS(ca.issue(csr, profile, SerialNumber::random()), PkiError);
  }
}
