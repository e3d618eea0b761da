#pragma once
// Shared by the PKI tests: a temporary folder, the openssl CLI as an independent inspector,
// and a CA with a few issued certificates.
#include <filesystem>
#include <string>
#include <vector>

#include "common/crypto/signature.hpp"
#include "common/pki/certificate_authority.hpp"
#include "tests/unit/temporary_folder.hpp"

namespace sc::pki::test {

// The pki tests' temporary folder.
struct TempFolder : sc::test::TemporaryFolder {
  TempFolder() : TemporaryFolder("sc-pki-test") {}
};

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs a shell command (the openssl CLI) and captures its output.
CommandResult run(const std::string& command);
// Single-quotes a path for the shell.
std::string quoted(const std::filesystem::path& path);

std::string read_file(const std::filesystem::path& path);
void write_file(const std::filesystem::path& path, const std::string& contents);

// A CSR from our own code with a fresh key.
CertificateSigningRequest make_csr(const std::string& common_name, const crypto::PrivateKey& key,
                                   const std::vector<std::string>& names = {});

// A fast CA (ECDSA P-256) for tests that do not care about the root's algorithm.
CaOptions fast_ca_options(const std::string& common_name = "Test Root CA");

// A fast CA in a temporary folder and one leaf key, for tests that verify chains it issues.
struct TrustScene {
  explicit TrustScene(const std::string& root_name = "Trusted Root")
      : ca(CertificateAuthority::open_or_create(folder / "ca", fast_ca_options(root_name))) {}

  TempFolder folder;
  CertificateAuthority ca;
  crypto::PrivateKey key = crypto::PrivateKey::generate_ecdsa(crypto::EcCurve::P256);

  // A leaf for `name` with the scene's key, issued by the scene's CA or by `by`.
  Certificate issue(const std::string& name, const IssuanceProfile& profile,
                    const CertificateAuthority* by = nullptr) const {
    const CertificateAuthority& issuer = by != nullptr ? *by : ca;
    return issuer.issue(make_csr(name, key), profile, issuer.random_serial());
  }
  // leaf, root: the chain a peer sends.
  std::vector<Bytes> chain(const Certificate& leaf) const {
    return {leaf.to_der(), ca.root().to_der()};
  }
};

// The CA's root key, read from ca.key in its folder (tests only: the product never hands it
// out).
crypto::PrivateKey root_key_of(const CertificateAuthority& ca);

// A certificate built directly with OpenSSL, for what CertificateAuthority refuses to issue
// (weak keys, weak digests, missing or odd role policies).
struct ForgedCertificate {
  std::string common_name = "forged";
  const EVP_PKEY* key = nullptr;   // the subject's key (required)
  const EVP_MD* digest = nullptr;  // of the signature; nullptr: SHA-256
  // certificatePolicies OIDs, in order; empty: no extension.
  std::vector<std::string> policies;
  std::string extended_key_usage = "serverAuth,clientAuth";
  std::vector<std::string> dns_names;  // subjectAltName DNS entries
  bool certificate_authority = false;  // a self-signed root when issuer is not given
};
// Signed by issuer_key as issuer; issuer == nullptr makes it self-signed (a root: CA:TRUE,
// keyCertSign).
Certificate forge_certificate(const ForgedCertificate& request, const Certificate* issuer,
                              const EVP_PKEY* issuer_key);
// Signed with the CA's root key, as if the CA had issued it.
Certificate forge_certificate(const ForgedCertificate& request, const CertificateAuthority& ca);

// Fresh keys of kinds crypto::PrivateKey does not make: "RSA" with bits, or a curve name
// ("P-521") / "ED25519".
crypto::EvpPkeyPtr generate_rsa_key(unsigned bits);
crypto::EvpPkeyPtr generate_ec_key(const char* curve_name);
crypto::EvpPkeyPtr generate_ed25519_key();

}  // namespace sc::pki::test
