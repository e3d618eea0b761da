#include "ttp/ttp_service.hpp"

#include <sstream>
#include <vector>

#include <spdlog/spdlog.h>

#include "common/crypto/base64.hpp"
#include "common/crypto/error.hpp"
#include "common/pki/pki_error.hpp"
#include "common/pki/revocation.hpp"

namespace sc::ttp {
namespace {

std::vector<std::string> split_words(const std::string& line) {
  std::vector<std::string> words;
  std::istringstream stream(line);
  std::string word;
  while (stream >> word) words.push_back(word);
  return words;
}

std::string with_final_newline(std::string text) {
  if (text.empty() || text.back() != '\n') text.push_back('\n');
  return text;
}

std::string join_names(const std::vector<std::string>& names) {
  if (names.empty()) return "none";
  std::string text;
  for (const auto& name : names) text += (text.empty() ? "" : ", ") + name;
  return text;
}

const char* status_word(const pki::RevocationStatus& status) {
  switch (status.state) {
    case pki::RevocationStatus::State::Good:
      return "good";
    case pki::RevocationStatus::State::Revoked:
      return "revoked";
    case pki::RevocationStatus::State::Unknown:
      return "unknown";
  }
  return "unknown";
}

}  // namespace

TtpService::TtpService(const pki::CertificateAuthority& authority, Registry& registry,
                       CrlPublisher& crl_publisher, IssuancePolicy policy)
    : authority_(authority), registry_(registry), crl_publisher_(crl_publisher), policy_(policy) {}

std::string TtpService::error_response(std::string_view code, std::string_view sentence) {
  std::string line = "ERROR " + std::string(code) + " ";
  for (const char c : sentence) line.push_back(c == '\n' || c == '\r' ? ' ' : c);
  return line + "\nEND\n";
}

std::string TtpService::handle(const Request& request, const std::string& peer) {
  std::lock_guard lock(mutex_);
  const std::vector<std::string> words = split_words(request.command_line);
  const std::string command = words.empty() ? "" : words.front();
  const std::string arguments =
      words.empty()
          ? ""
          : request.command_line.substr(request.command_line.find(command) + command.size());
  try {
    if (command == "ENROLL") return enroll(arguments, request.pem, peer);
    if (command == "CA" && words.size() == 1) return ca_certificate();
    if (command == "STATUS") return status(arguments, peer);
    if (command == "OCSP") return ocsp(arguments, peer);
    if (command == "CRL" && words.size() == 1) return crl();
    if (command == "CA" || command == "CRL") {
      return error_response("malformed", command + " takes no arguments");
    }
    spdlog::warn("{}: unknown command \"{}\"", peer, command.substr(0, 32));
    return error_response("unknown-command",
                          "unknown command \"" + command.substr(0, 32) +
                              "\"; the commands are ENROLL, CA, STATUS, OCSP and CRL");
  } catch (const std::exception& failure) {
    spdlog::error("{}: {} failed: {}", peer, command.substr(0, 32), failure.what());
    return error_response("internal", "the TTP could not complete the request; its log says why");
  }
}

std::string TtpService::refuse_enrollment(const RefusalRecord& refusal) {
  spdlog::warn("enrollment from {} refused ({}): {}", refusal.peer, refusal.code, refusal.reason);
  registry_.record_refusal(refusal);
  return error_response(refusal.code, refusal.reason);
}

std::string TtpService::enroll(const std::string& arguments, const std::string& pem,
                               const std::string& peer) {
  const std::vector<std::string> words = split_words(arguments);
  RefusalRecord refusal{peer, std::nullopt, "", std::nullopt, "", ""};
  auto refuse = [&](std::string code, std::string reason) {
    refusal.code = std::move(code);
    refusal.reason = std::move(reason);
    return refuse_enrollment(refusal);
  };
  if (words.empty() || words.size() > 2) {
    return refuse("malformed", "ENROLL takes a role (bank or customer) and a token");
  }
  const auto role = pki::role_from_name(words[0]);
  if (!role || *role == pki::Role::TtpService) {
    return refuse("malformed", "unknown role \"" + words[0].substr(0, 32) +
                                   "\"; the roles are bank and customer");
  }
  refusal.role = role;
  spdlog::info("enrollment request from {} for the role {}", peer, pki::role_name(*role));
  if (words.size() < 2) return refuse("bad-token", "no enrollment token was given");

  std::optional<pki::CertificateSigningRequest> csr;
  try {
    csr = pki::CertificateSigningRequest::from_pem(pem);
  } catch (const std::exception& failure) {
    return refuse("bad-csr",
                  std::string("the certificate request cannot be read: ") + failure.what());
  }
  const pki::SubjectDetails subject = csr->subject();
  refusal.common_name = subject.common_name;
  if (!csr->verify_self_signature()) {
    return refuse("bad-csr",
                  "the certificate request's signature does not verify with its own key");
  }
  const pki::KeyDescription key = csr->key_description();
  if (const auto weak = pki::key_refusal(key)) return refuse("weak-key", *weak);
  if (const auto bad = subject.validate()) return refuse("bad-subject", *bad);
  spdlog::info("{}: CSR for \"{}\" ({}) is self-signed correctly, key and subject accepted", peer,
               subject.one_line(), key.text());

  const EnrollmentClaim claim{peer, *role, words[1], subject.common_name, key.text()};
  const auto issue = [&](const pki::SerialNumber& serial, const TokenRecord& token) {
    pki::IssuanceProfile profile;
    profile.role = *role;
    profile.validity_days =
        *role == pki::Role::Bank ? policy_.bank_validity_days : policy_.customer_validity_days;
    if (*role == pki::Role::Bank && !token.host_name.empty()) {
      profile.dns_names.push_back(token.host_name);
    }
    const std::vector<std::string> requested = csr->requested_dns_names();
    if (!requested.empty() && requested != profile.dns_names) {
      spdlog::info("{}: the CSR asks for subjectAltName {}; the token grants {}", peer,
                   join_names(requested), join_names(profile.dns_names));
    }
    spdlog::info("{}: token #{} accepted (role {}, CN \"{}\"); signing serial {}", peer, token.id,
                 pki::role_name(token.role), token.common_name, serial.hex());
    return authority_.issue(*csr, profile, serial);
  };
  std::variant<pki::Certificate, TokenDenial> outcome = TokenDenial{};
  try {
    outcome = registry_.redeem_and_issue(claim, issue);
  } catch (const pki::PkiError& failure) {
    return refuse("bad-csr", failure.what());
  }
  if (auto* denial = std::get_if<TokenDenial>(&outcome)) {
    refusal.token_id = denial->token_id;
    return refuse(token_refusal_code(denial->refusal), denial->sentence);
  }
  const pki::Certificate& certificate = std::get<pki::Certificate>(outcome);
  spdlog::info("{}: issued and recorded {} certificate serial {} for \"{}\", valid until {}", peer,
               pki::role_name(*role), certificate.serial_hex(), certificate.subject_line(),
               iso8601(certificate.not_after()));
  return "OK ENROLLED serial=" + certificate.serial_hex() +
         " not_after=" + iso8601(certificate.not_after()) + "\n" +
         with_final_newline(certificate.to_pem()) + with_final_newline(authority_.root().to_pem()) +
         "END\n";
}

std::string TtpService::ca_certificate() const {
  return "OK CA fingerprint=" + authority_.root().sha256_fingerprint() + "\n" +
         with_final_newline(authority_.root().to_pem()) + "END\n";
}

pki::RevocationStatus TtpService::lookup(const pki::SerialNumber& serial) {
  // Read from the registry at every answer: an admin's revocation counts at once.
  const auto record = registry_.find_certificate(serial);
  if (!record) return pki::RevocationStatus::unknown();
  if (record->revocation) {
    return pki::RevocationStatus::revoked(record->revocation->revoked_at,
                                          record->revocation->reason);
  }
  return pki::RevocationStatus::good();
}

std::string TtpService::status(const std::string& arguments, const std::string& peer) {
  const std::vector<std::string> words = split_words(arguments);
  if (words.size() != 1) return error_response("malformed", "STATUS takes one serial in hex");
  std::optional<pki::SerialNumber> serial;
  try {
    serial = pki::SerialNumber::from_hex(words[0]);
  } catch (const std::exception&) {
    return error_response("malformed", "\"" + words[0].substr(0, 48) +
                                           "\" is not a certificate serial number in hex");
  }
  const pki::RevocationStatus status = lookup(*serial);
  const Bytes response = authority_.make_ocsp_response(
      pki::make_ocsp_request(*serial, authority_.root(), /*with_nonce=*/false),
      [this](const pki::SerialNumber& asked) { return lookup(asked); });
  spdlog::info("{}: status of serial {} is {}", peer, serial->hex(), status_word(status));
  return std::string("OK STATUS ") + status_word(status) + "\n" + crypto::base64_encode(response) +
         "\nEND\n";
}

std::string TtpService::ocsp(const std::string& arguments, const std::string& peer) {
  const std::vector<std::string> words = split_words(arguments);
  if (words.size() != 1) {
    return error_response("malformed", "OCSP takes one base64 DER OCSP request");
  }
  const auto request = crypto::base64_decode(words[0]);
  if (!request) return error_response("malformed", "the OCSP request is not valid base64");
  const Bytes response = authority_.make_ocsp_response(
      *request, [this](const pki::SerialNumber& asked) { return lookup(asked); });
  spdlog::info("{}: answered an OCSP request ({} bytes)", peer, request->size());
  return "OK OCSP\n" + crypto::base64_encode(response) + "\nEND\n";
}

std::string TtpService::crl() {
  return "OK CRL\n" + with_final_newline(crl_publisher_.current_pem()) + "END\n";
}

TtpConnection::TtpConnection(TtpService& service, std::string peer)
    : service_(service), peer_(std::move(peer)) {}

std::string TtpConnection::receive(ByteView bytes) {
  if (closing_) return "";
  assembler_.receive(bytes);
  std::string output;
  while (auto request = assembler_.next()) output += service_.handle(*request, peer_);
  if (const auto& failure = assembler_.failure()) {
    spdlog::warn("{}: closing the connection: {}", peer_, failure->sentence);
    output += TtpService::error_response(failure->code, failure->sentence);
    closing_ = true;
  }
  return output;
}

}  // namespace sc::ttp
