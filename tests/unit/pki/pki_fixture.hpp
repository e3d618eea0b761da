#pragma once
// Shared by the PKI tests: a temporary folder, the openssl CLI as an independent inspector,
// and a CA with a few issued certificates.
#include <filesystem>
#include <string>
#include <vector>

#include "common/crypto/signature.hpp"
#include "common/pki/certificate_authority.hpp"

namespace sc::pki::test {

class TempFolder {
 public:
  TempFolder();
  ~TempFolder();
  TempFolder(const TempFolder&) = delete;
  TempFolder& operator=(const TempFolder&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
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

}  // namespace sc::pki::test
