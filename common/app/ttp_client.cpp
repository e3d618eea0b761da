#include "common/app/ttp_client.hpp"

#include <spdlog/spdlog.h>

#include <sstream>

#include "common/crypto/base64.hpp"
#include "common/otp/line_assembler.hpp"

namespace sc::app {
namespace {

constexpr std::size_t kMaxReplyBytes = 256 * 1024;
constexpr std::size_t kMaxReplyLine = 4096;

}  // namespace

bool TtpReply::ok() const {
  return status_line.rfind("OK", 0) == 0;
}

std::string TtpReply::error_code() const {
  if (ok()) return {};
  std::istringstream words(status_line);
  std::string keyword, code;
  words >> keyword >> code;
  return code;
}

std::string TtpReply::error_sentence() const {
  if (ok()) return {};
  std::istringstream words(status_line);
  std::string keyword, code, sentence;
  words >> keyword >> code;
  std::getline(words >> std::ws, sentence);
  return sentence.empty() ? status_line : sentence;
}

std::string TtpReply::body_text() const {
  std::string text;
  for (const std::string& line : body) text += line + "\n";
  return text;
}

std::string TtpReply::field(const std::string& key) const {
  std::istringstream words(status_line);
  std::string word;
  while (words >> word) {
    if (word.rfind(key + "=", 0) == 0) return word.substr(key.size() + 1);
  }
  return {};
}

net::asio::awaitable<TtpReply> TtpClient::exchange(const std::string& request) const {
  tls::ClientConfig config = endpoint_.channel;
  config.verifier = endpoint_.verifier;
  config.server_name = endpoint_.host;
  auto stream =
      co_await net::connect(endpoint_.host, endpoint_.port, std::move(config), endpoint_.timeouts);
  co_await stream->write(as_bytes(request));

  // One line framer for the whole product (otp::LineAssembler): lines up to a PEM line's
  // length, the reply bounded as a whole.
  otp::LineAssembler framer(kMaxReplyLine);
  std::vector<std::string> lines;
  std::size_t received = 0;
  bool ended = false;
  while (!ended) {
    Bytes chunk = co_await stream->read();
    if (chunk.empty()) break;  // close_notify
    received += chunk.size();
    if (received > kMaxReplyBytes) {
      throw std::runtime_error("reply from the TTP at " + endpoint_.label() + " is too large");
    }
    for (otp::AssembledLine& line : framer.feed(chunk)) {
      if (line.too_long) {
        throw std::runtime_error("the TTP at " + endpoint_.label() + " sent a line too long");
      }
      if (line.text == "END") {
        ended = true;
        break;
      }
      lines.push_back(std::move(line.text));
    }
  }
  co_await stream->shutdown();

  if (!ended || lines.empty()) {
    throw std::runtime_error("the TTP at " + endpoint_.label() + " sent an incomplete reply");
  }
  TtpReply reply;
  reply.status_line = lines.front();
  reply.body.assign(lines.begin() + 1, lines.end());
  co_return reply;
}

net::asio::awaitable<EnrolledCertificate> TtpClient::enroll(
    pki::Role role, const std::string& token, const pki::CertificateSigningRequest& csr) const {
  spdlog::info("asking the TTP at {} to certify {} as {}", endpoint_.label(), csr.subject_line(),
               pki::role_name(role));
  TtpReply reply = co_await exchange("ENROLL " + std::string(pki::role_name(role)) + " " + token +
                                     "\n" + csr.to_pem());
  if (!reply.ok()) throw TtpRefusal(reply.error_code(), reply.error_sentence());
  std::vector<pki::Certificate> chain = pki::Certificate::chain_from_pem(reply.body_text());
  if (chain.size() < 2) {
    throw std::runtime_error("the TTP's enrollment reply lacks the certificate or the CA");
  }
  co_return EnrolledCertificate{chain.front(), chain.back()};
}

const char* renewal_key_word(RenewalKey key) {
  return key == RenewalKey::same_key ? "same-key" : "new-key";
}

RenewalKey renewal_key_from_word(const std::string& word) {
  if (word == "new-key") return RenewalKey::new_key;
  if (word == "same-key") return RenewalKey::same_key;
  throw std::invalid_argument("--renew-key must be new-key or same-key, not \"" + word + "\"");
}

net::asio::awaitable<EnrolledCertificate> TtpClient::renew(
    const tls::Credentials& current, RenewalKey key,
    const pki::CertificateSigningRequest& csr) const {
  spdlog::info("asking the TTP at {} to renew the certificate of {} ({})", endpoint_.label(),
               csr.subject_line(), renewal_key_word(key));
  // The channel is authenticated with the certificate to renew: the TTP asks every requester
  // for a certificate, and RENEW uses the one presented.
  TtpEndpoint authenticated = endpoint_;
  authenticated.channel.credentials = current;
  const TtpClient client(std::move(authenticated));
  const std::string request = std::string("RENEW ") + renewal_key_word(key) + "\n" + csr.to_pem();
  TtpReply reply = co_await client.exchange(request);
  if (!reply.ok()) throw TtpRefusal(reply.error_code(), reply.error_sentence());
  std::vector<pki::Certificate> chain = pki::Certificate::chain_from_pem(reply.body_text());
  if (chain.size() < 2) {
    throw std::runtime_error("the TTP's renewal reply lacks the certificate or the CA");
  }
  spdlog::info("the TTP renewed serial {} as serial {}", reply.field("renewed_from"),
               reply.field("serial"));
  co_return EnrolledCertificate{chain.front(), chain.back()};
}

net::asio::awaitable<Bytes> TtpClient::fetch_status_response(
    const pki::Certificate& certificate) const {
  TtpReply reply = co_await exchange("STATUS " + certificate.serial_hex() + "\n");
  if (!reply.ok()) throw TtpRefusal(reply.error_code(), reply.error_sentence());
  for (const std::string& line : reply.body) {
    if (auto der = crypto::base64_decode(line)) co_return std::move(*der);
  }
  throw std::runtime_error("the TTP's STATUS reply carries no OCSP response");
}

net::asio::awaitable<pki::RevocationStatus> TtpClient::status(
    const pki::Certificate& certificate, const pki::Certificate& issuer) const {
  Bytes request = pki::make_ocsp_request(certificate, issuer);
  TtpReply reply = co_await exchange("OCSP " + crypto::base64_encode(request) + "\n");
  if (!reply.ok()) throw TtpRefusal(reply.error_code(), reply.error_sentence());
  for (const std::string& line : reply.body) {
    if (auto der = crypto::base64_decode(line)) {
      co_return pki::verify_ocsp_response(*der, certificate, issuer, request);
    }
  }
  throw std::runtime_error("the TTP's status reply carries no OCSP response");
}

}  // namespace sc::app
