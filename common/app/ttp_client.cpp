#include "common/app/ttp_client.hpp"

#include <spdlog/spdlog.h>

#include <sstream>

#include "common/crypto/base64.hpp"

namespace sc::app {
namespace {

constexpr std::size_t kMaxReplyBytes = 256 * 1024;

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream stream(text);
  std::string line;
  while (std::getline(stream, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  return lines;
}

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

  std::string received;
  TtpReply reply;
  for (;;) {
    Bytes chunk = co_await stream->read();
    if (chunk.empty()) break;  // close_notify
    received.append(chunk.begin(), chunk.end());
    if (received.size() > kMaxReplyBytes) {
      throw std::runtime_error("reply from the TTP at " + endpoint_.label() + " is too large");
    }
    if (received.find("\nEND\n") != std::string::npos || received.rfind("END\n", 0) == 0) break;
  }
  co_await stream->shutdown();

  std::vector<std::string> lines = split_lines(received);
  auto end = std::find(lines.begin(), lines.end(), "END");
  if (lines.empty() || end == lines.end()) {
    throw std::runtime_error("the TTP at " + endpoint_.label() + " sent an incomplete reply");
  }
  reply.status_line = lines.front();
  reply.body.assign(lines.begin() + 1, end);
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
