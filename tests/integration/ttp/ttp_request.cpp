// ttp_request: one request to a running `ttp serve` over the project's channel (the TTP pinned by
// its root fingerprint), for the shell-level tests (two_instances.sh). Machine-readable output:
//
//   ttp_request PORT FINGERPRINT enroll TOKEN CN   -> "ENROLLED <serial hex>"       (exit 0)
//   ttp_request PORT FINGERPRINT status SERIAL     -> "STATUS good|revoked|unknown" (exit 0)
//   ttp_request PORT FINGERPRINT crl               -> "CRL", then the CRL PEM       (exit 0)
//
// A refusal prints "ERROR <code> <sentence>" (exit 3); a TTP not reached prints "FAILED <why>"
// (exit 1).
#include <spdlog/spdlog.h>

#include <iostream>
#include <memory>
#include <string>

#include "common/app/run_blocking.hpp"
#include "common/app/ttp_client.hpp"
#include "common/crypto/signature.hpp"
#include "common/pki/certificate_signing_request.hpp"
#include "common/pki/chain_verifier.hpp"

using namespace sc;

namespace {

constexpr int kRefused = 3;

int usage() {
  std::cerr << "usage: ttp_request PORT FINGERPRINT enroll TOKEN CN | status SERIAL | crl\n";
  return 2;
}

int print_reply(const app::TtpReply& reply, const std::string& ok_word) {
  if (!reply.ok()) {
    std::cout << "ERROR " << reply.error_code() << " " << reply.error_sentence() << std::endl;
    return kRefused;
  }
  std::cout << ok_word << std::endl;
  return 0;
}

int enroll(const app::TtpClient& client, const std::string& token, const std::string& name) {
  pki::SubjectDetails subject;
  subject.common_name = name;
  const auto key = crypto::PrivateKey::generate_ecdsa(crypto::EcCurve::P256);
  const auto csr = pki::CertificateSigningRequest::create(subject, key);
  try {
    const auto enrolled = app::run_blocking(client.enroll(pki::Role::Customer, token, csr));
    std::cout << "ENROLLED " << enrolled.certificate.serial_hex() << std::endl;
    return 0;
  } catch (const app::TtpRefusal& refusal) {
    std::cout << "ERROR " << refusal.code() << " " << refusal.what() << std::endl;
    return kRefused;
  }
}

int status(const app::TtpClient& client, const std::string& serial) {
  const app::TtpReply reply = app::run_blocking(client.exchange("STATUS " + serial + "\n"));
  if (!reply.ok()) return print_reply(reply, "");
  // "OK STATUS revoked"
  const std::string word = reply.status_line.substr(reply.status_line.rfind(' ') + 1);
  std::cout << "STATUS " << word << std::endl;
  return 0;
}

int crl(const app::TtpClient& client) {
  const app::TtpReply reply = app::run_blocking(client.exchange("CRL\n"));
  const int code = print_reply(reply, "CRL");
  if (code == 0) std::cout << reply.body_text() << std::endl;
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) return usage();
  spdlog::set_level(spdlog::level::warn);
  app::TtpEndpoint endpoint;
  endpoint.host = "127.0.0.1";
  try {
    endpoint.port = static_cast<std::uint16_t>(std::stoul(argv[1]));
  } catch (const std::exception&) {
    return usage();
  }
  endpoint.verifier = std::make_shared<pki::PinnedRootVerifier>(std::string_view(argv[2]));
  const app::TtpClient client(endpoint);
  const std::string command = argv[3];
  try {
    if (command == "enroll" && argc == 6) return enroll(client, argv[4], argv[5]);
    if (command == "status" && argc == 5) return status(client, argv[4]);
    if (command == "crl" && argc == 4) return crl(client);
  } catch (const std::exception& failure) {
    std::cout << "FAILED " << failure.what() << std::endl;
    return 1;
  }
  return usage();
}
