#pragma once
// A throwaway CA with a bank identity ("localhost", 127.0.0.1) and a customer identity
// ("alice"), made once per test program, for tests that run real TLS 1.3 on 127.0.0.1 (the
// transport's tests and the device daemon's). The folder is removed when the program ends.
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/crypto/signature.hpp"
#include "common/pki/certificate_authority.hpp"
#include "common/pki/certificate_signing_request.hpp"
#include "common/pki/chain_verifier.hpp"
#include "common/tls/config.hpp"

namespace sc::test {

// Engines take a shared key; a copy through PEM keeps the caller's key untouched.
inline std::shared_ptr<const crypto::PrivateKey> shared_key(const crypto::PrivateKey& key) {
  SecretBytes pem = key.to_pem();
  return std::make_shared<const crypto::PrivateKey>(crypto::PrivateKey::from_pem(
      std::string_view(reinterpret_cast<const char*>(pem.data()), pem.size())));
}

struct TestIdentities {
  std::filesystem::path folder;
  std::optional<pki::CertificateAuthority> ca;
  tls::Credentials bank;
  tls::Credentials customer;
  std::shared_ptr<pki::ChainVerifier> verifier;

  explicit TestIdentities(const std::string& folder_prefix) {
    folder =
        std::filesystem::temp_directory_path() / (folder_prefix + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(folder);
    ca.emplace(pki::CertificateAuthority::open_or_create(
        folder, pki::CaOptions{crypto::KeyType::Ecdsa,
                               3072,
                               crypto::EcCurve::P256,
                               crypto::HashAlgorithm::Sha256,
                               {"DE", "", "", "Test", "", "Test Root"},
                               30}));
    bank = issue(pki::Role::Bank, "localhost", {"localhost", "127.0.0.1"});
    customer = issue(pki::Role::Customer, "alice", {});
    verifier = std::make_shared<pki::ChainVerifier>(std::vector<pki::Certificate>{ca->root()});
  }
  ~TestIdentities() { std::filesystem::remove_all(folder); }
  TestIdentities(const TestIdentities&) = delete;
  TestIdentities& operator=(const TestIdentities&) = delete;

  tls::Credentials issue(pki::Role role, const std::string& name,
                         std::vector<std::string> dns_names) {
    auto key = crypto::PrivateKey::generate_ecdsa(crypto::EcCurve::P256);
    pki::IssuanceProfile profile;
    profile.role = role;
    profile.validity_days = 2;
    profile.dns_names = std::move(dns_names);
    auto csr = pki::CertificateSigningRequest::create({"DE", "", "", "", "", name}, key);
    auto certificate = ca->issue(csr, profile, pki::CertificateAuthority::random_serial());
    return {{certificate.to_der(), ca->root().to_der()}, shared_key(key)};
  }
};

}  // namespace sc::test
