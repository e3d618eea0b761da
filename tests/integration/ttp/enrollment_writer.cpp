// ttp_enrollment_writer <certs-dir> [count]: enrolls customers in a loop through TtpService
// (token created, CSR built, ENROLL handled, certificate committed) and prints
// "COMMITTED <serial>" after each answer, i.e. only once the registry transaction committed.
// The durability test kills it with SIGKILL at an arbitrary moment.
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <string>

#include <spdlog/spdlog.h>

#include "common/crypto/signature.hpp"
#include "common/pki/certificate_authority.hpp"
#include "common/pki/certificate_signing_request.hpp"
#include "ttp/crl_publisher.hpp"
#include "ttp/registry.hpp"
#include "ttp/ttp_service.hpp"

using namespace sc;

namespace {

void print_line(const std::string& line) {
  const std::string text = line + "\n";
  std::size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(STDOUT_FILENO, text.data() + written, text.size() - written);
    if (n <= 0) std::exit(3);
    written += static_cast<std::size_t>(n);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: ttp_enrollment_writer <certs-dir> [count]\n";
    return 2;
  }
  spdlog::set_level(spdlog::level::warn);
  const std::filesystem::path folder = argv[1];
  const long count = argc > 2 ? std::stol(argv[2]) : 1000000;
  try {
    pki::CaOptions options;
    options.key_type = crypto::KeyType::Ecdsa;
    const auto authority = pki::CertificateAuthority::open_or_create(folder, options);
    ttp::Registry registry(folder / "registry.db");
    ttp::CrlPublisher crl(authority, registry, folder / "crl.pem");
    // It enrolls as fast as it can: the per-source ENROLL limit is lifted.
    ttp::ServiceLimits limits;
    limits.enroll_rate = ttp::RateLimit{1e9, 1e9};
    ttp::TtpService service(authority, registry, crl, {}, limits);
    const auto key = crypto::PrivateKey::generate_ecdsa(crypto::EcCurve::P256);
    const std::string prefix = "writer-" + std::to_string(::getpid()) + "-";
    print_line("READY");
    for (long i = 0; i < count; ++i) {
      const std::string name = prefix + std::to_string(i);
      const auto token =
          registry.create_token(pki::Role::Customer, name, std::chrono::hours(1)).token;
      pki::SubjectDetails subject;
      subject.country = "DE";
      subject.common_name = name;
      const auto csr = pki::CertificateSigningRequest::create(subject, key);
      const std::string reply =
          service.handle(ttp::Request{"ENROLL customer " + token, csr.to_pem()}, "writer");
      const std::string marker = "OK ENROLLED serial=";
      if (reply.rfind(marker, 0) != 0) {
        std::cerr << "enrollment refused: " << reply.substr(0, reply.find('\n')) << "\n";
        return 1;
      }
      const auto start = marker.size();
      print_line("COMMITTED " + reply.substr(start, reply.find(' ', start) - start));
    }
  } catch (const std::exception& failure) {
    std::cerr << "ttp_enrollment_writer: " << failure.what() << "\n";
    return 1;
  }
  return 0;
}
