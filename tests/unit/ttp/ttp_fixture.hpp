#pragma once
// Shared by the TTP's unit and integration tests: a private temporary folder, a CA in it,
// running the openssl command line as an independent peer, and CSRs made both ways.
#include <sys/wait.h>
#include <unistd.h>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "common/crypto/signature.hpp"
#include "common/pki/certificate_authority.hpp"
#include "common/pki/certificate_signing_request.hpp"
#include "tests/unit/temporary_folder.hpp"

namespace sc::test {

// The TTP tests' temporary folder.
struct TempFolder : TemporaryFolder {
  TempFolder() : TemporaryFolder("ttp-test") {}
};

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

inline void write_file(const std::filesystem::path& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << contents;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout
  std::string errors;  // stderr
};

// Runs a shell command line (arguments are paths from mkdtemp and fixed words, so no
// quoting issues), capturing stdout and stderr separately.
inline CommandResult run_command(const std::string& command, const TempFolder& scratch) {
  static int counter = 0;
  const auto out = scratch / ("cmd-" + std::to_string(++counter) + ".out");
  const auto err = scratch / ("cmd-" + std::to_string(counter) + ".err");
  const std::string line = command + " >" + out.string() + " 2>" + err.string();
  const int status = std::system(line.c_str());
  CommandResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.output = read_file(out);
  result.errors = read_file(err);
  return result;
}

// A CSR from `openssl req -new` (software nobody here wrote). key_spec: "rsa:2048",
// "rsa:1024", "ec -pkeyopt ec_paramgen_curve:P-256".
inline std::string openssl_csr(const TempFolder& scratch, const std::string& subject,
                               const std::string& key_spec = "rsa:2048") {
  static int counter = 0;
  const auto name = "openssl-csr-" + std::to_string(++counter);
  const auto csr = scratch / (name + ".csr");
  const auto result = run_command("openssl req -new -newkey " + key_spec + " -nodes -keyout " +
                                      (scratch / (name + ".key")).string() + " -subj '" + subject +
                                      "' -out " + csr.string(),
                                  scratch);
  if (result.exit_code != 0) throw std::runtime_error("openssl req failed: " + result.errors);
  return read_file(csr);
}

inline pki::CertificateSigningRequest in_process_csr(const std::string& common_name,
                                                     const std::string& country = "DE") {
  const auto key = crypto::PrivateKey::generate_ecdsa(crypto::EcCurve::P256);
  pki::SubjectDetails subject;
  subject.country = country;
  subject.organisation = "Example";
  subject.common_name = common_name;
  return pki::CertificateSigningRequest::create(subject, key);
}

// A CA for tests: ECDSA P-256 by default (fast); the product's default root is RSA 3072.
inline pki::CertificateAuthority test_authority(const std::filesystem::path& folder,
                                                bool rsa_root = false) {
  pki::CaOptions options;
  if (!rsa_root) {
    options.key_type = crypto::KeyType::Ecdsa;
    options.curve = crypto::EcCurve::P256;
  }
  return pki::CertificateAuthority::open_or_create(folder, options);
}

}  // namespace sc::test
