#include "ttp/ttp_service.hpp"

#include <openssl/err.h>
#include <openssl/ocsp.h>

#include <sstream>
#include <vector>

#include <spdlog/spdlog.h>

#include "common/crypto/base64.hpp"
#include "common/crypto/error.hpp"
#include "common/crypto/openssl_ptr.hpp"
#include "common/metrics/metrics.hpp"
#include "common/pki/chain_verifier.hpp"
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

// responseStatus successful (RFC 6960 section 4.2.1): the only kind that carries a signature.
bool is_signed_response(ByteView response_der) {
  const unsigned char* cursor = response_der.data();
  crypto::OcspResponsePtr response(
      d2i_OCSP_RESPONSE(nullptr, &cursor, static_cast<long>(response_der.size())));
  const bool is_signed =
      response && OCSP_response_status(response.get()) == OCSP_RESPONSE_STATUS_SUCCESSFUL;
  ERR_clear_error();
  return is_signed;
}

std::string format_rate(double value) {
  std::ostringstream text;
  text << value;
  return text.str();
}

// RENEW's argument (docs/TTP.md, "Renewal"): whether the CSR carries a new key (the default)
// or the key of the certificate being renewed.
enum class RenewalKey { new_key, same_key };

std::optional<RenewalKey> renewal_key_from_words(const std::vector<std::string>& words) {
  if (words.empty() || words[0] == "new-key") return RenewalKey::new_key;
  if (words[0] == "same-key") return RenewalKey::same_key;
  return std::nullopt;
}

// The names a renewal keeps: the old certificate's subjectAltName entries (DNS names and IP
// addresses, which the profile turns back into the same kinds).
std::vector<std::string> subject_alt_names(const pki::Certificate& certificate) {
  std::vector<std::string> names = certificate.dns_names();
  for (std::string& address : certificate.ip_addresses()) names.push_back(std::move(address));
  return names;
}

}  // namespace

Bytes unsigned_ocsp_response(OcspFailure failure) {
  crypto::OcspResponsePtr response(OCSP_response_create(static_cast<int>(failure), nullptr));
  crypto::check(response != nullptr, "OCSP_response_create");
  const int length = i2d_OCSP_RESPONSE(response.get(), nullptr);
  crypto::check(length > 0, "i2d_OCSP_RESPONSE");
  Bytes der(static_cast<std::size_t>(length));
  unsigned char* cursor = der.data();
  crypto::check(i2d_OCSP_RESPONSE(response.get(), &cursor) == length, "i2d_OCSP_RESPONSE");
  return der;
}

pki::IssuanceProfile IssuancePolicy::profile_for(pki::Role role) const {
  pki::IssuanceProfile profile;
  profile.role = role;
  profile.publication = publication;
  profile.validity_days = role == pki::Role::Bank ? bank_validity_days : customer_validity_days;
  const auto minutes = role == pki::Role::Bank ? bank_validity_minutes : customer_validity_minutes;
  if (minutes) {
    // Test lifetimes: back-dated by seconds, not by the usual minutes of clock-skew allowance,
    // so that the lifetime the holder sees (and two thirds of which it waits) is the one asked.
    profile.validity_minutes_for_testing = *minutes;
    profile.not_before = std::chrono::system_clock::now() - std::chrono::seconds(5);
  }
  return profile;
}

RequestSource RequestSource::from_peer_label(std::string label) {
  std::string address = label;
  if (!address.empty() && address.front() == '[') {
    const auto close = address.find(']');
    if (close != std::string::npos) address = address.substr(1, close - 1);  // "[::1]:443"
  } else if (const auto colon = address.rfind(':'); colon != std::string::npos) {
    address.resize(colon);  // "192.0.2.1:40112", "::1:40112" (the listener's label)
  }
  return RequestSource{std::move(label), std::move(address), {}};
}

TtpService::TtpService(const pki::CertificateAuthority& authority, Registry& registry,
                       CrlPublisher& crl_publisher, IssuancePolicy policy, ServiceLimits limits)
    : authority_(authority),
      registry_(registry),
      crl_publisher_(crl_publisher),
      policy_(policy),
      clock_(limits.clock),
      status_limiter_(limits.status_rate, limits.max_tracked_addresses, limits.clock),
      enroll_limiter_(limits.enroll_rate, limits.max_tracked_addresses, limits.clock),
      ocsp_cache_(limits.ocsp),
      refusals_(registry.location(), limits.refusal_journal) {}

std::string TtpService::error_response(std::string_view code, std::string_view sentence) {
  std::string line = "ERROR " + std::string(code) + " ";
  for (const char c : sentence) line.push_back(c == '\n' || c == '\r' ? ' ' : c);
  return line + "\nEND\n";
}

std::string TtpService::handle(const Request& request, const std::string& peer) {
  return handle(request, RequestSource::from_peer_label(peer));
}

std::string TtpService::handle(const Request& request, const RequestSource& source) {
  const std::vector<std::string> words = split_words(request.command_line);
  const std::string command = words.empty() ? "" : words.front();
  const std::string arguments =
      words.empty()
          ? ""
          : request.command_line.substr(request.command_line.find(command) + command.size());
  // Before the lock: a refused request costs no signature, no disk write and no wait.
  if (auto refused = rate_limited(command, source)) return *refused;
  std::lock_guard lock(mutex_);
  try {
    return dispatch(command, words.size(), arguments, request, source);
  } catch (const store::StoreError& failure) {
    if (!failure.is_unavailable()) {
      spdlog::error("{}: {} failed: {}", source.peer, command.substr(0, 32), failure.what());
      return error_response("internal", "the TTP could not complete the request; its log says why");
    }
    // The database is away (PostgreSQL restarting, network cut): refuse this request clearly;
    // the connection reconnects by itself on a later request.
    spdlog::warn("{}: {} refused, the registry is unreachable: {}", source.peer,
                 command.substr(0, 32), failure.what());
    return error_response("unavailable",
                          "the TTP's registry database is unreachable at the moment; nothing was "
                          "issued or changed; try again shortly");
  } catch (const std::exception& failure) {
    spdlog::error("{}: {} failed: {}", source.peer, command.substr(0, 32), failure.what());
    return error_response("internal", "the TTP could not complete the request; its log says why");
  }
}

std::string TtpService::dispatch(const std::string& command, std::size_t word_count,
                                 const std::string& arguments, const Request& request,
                                 const RequestSource& source) {
  const std::string& peer = source.peer;
  if (command == "ENROLL") return enroll(arguments, request.pem, peer);
  if (command == "RENEW") return renew(arguments, request.pem, source);
  if (command == "CA" && word_count == 1) return ca_certificate();
  if (command == "STATUS") return status(arguments, peer);
  if (command == "OCSP") return ocsp(arguments, peer);
  if (command == "CRL" && word_count == 1) return crl();
  if (command == "CA" || command == "CRL") {
    return error_response("malformed", command + " takes no arguments");
  }
  spdlog::warn("{}: unknown command \"{}\"", peer, command.substr(0, 32));
  return error_response("unknown-command",
                        "unknown command \"" + command.substr(0, 32) +
                            "\"; the commands are ENROLL, RENEW, CA, STATUS, OCSP and CRL");
}

std::optional<std::string> TtpService::rate_limited(const std::string& command,
                                                    const RequestSource& source) {
  RateLimiter* limiter = nullptr;
  std::string what;
  if (command == "STATUS" || command == "OCSP") {
    limiter = &status_limiter_;
    what = "STATUS and OCSP requests";
  } else if (command == "ENROLL" || command == "RENEW") {
    limiter = &enroll_limiter_;  // a renewal costs what an enrollment costs: one signature
    what = "enrollment and renewal requests";
  } else {
    return std::nullopt;
  }
  const Admission admission = limiter->admit(source.address);
  if (admission == Admission::Admitted) return std::nullopt;
  const RateLimit& limit = limiter->limit();
  const std::string sentence = "too many " + what + " from " + source.address + ": the limit is " +
                               format_rate(limit.per_second) + " per second with bursts of " +
                               format_rate(limit.burst) + "; wait a moment and ask again";
  // One line when a source starts being limited, not one per refused request.
  if (admission == Admission::StartsLimit) {
    spdlog::warn("{}: {}", source.peer, sentence);
  } else {
    spdlog::debug("{}: {} refused (rate-limited)", source.peer, command);
  }
  return error_response("rate-limited", sentence);
}

namespace {

void count_enrollment(const std::string& outcome) {
  static metrics::CounterFamily& enrollments = metrics::global().counter_family(
      "sc_ttp_enrollments_total", "enrollment requests by outcome (issued, or the refusal code)",
      {"outcome"});
  enrollments.with({outcome}).increment();
}

void count_ocsp_answer(const char* how) {
  static metrics::CounterFamily& answers = metrics::global().counter_family(
      "sc_ttp_ocsp_answers_total",
      "OCSP answers (channel and HTTP): signed now, reused from the cache, or refused", {"answer"});
  answers.with({how}).increment();
}

}  // namespace

std::string TtpService::refuse_enrollment(const RefusalRecord& refusal) {
  count_enrollment(refusal.code);
  spdlog::warn("enrollment from {} refused ({}): {}", refusal.peer, refusal.code, refusal.reason);
  refusals_.record(refusal);  // written in the journal's next batch, not fsync'd one by one
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

  const EnrollmentClaim claim{peer, *role, words[1], subject.common_name, key.text(), subject};
  const auto issue = [&](const pki::SerialNumber& serial, const TokenRecord& token) {
    pki::IssuanceProfile profile = policy_.profile_for(*role);
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
    pki::Certificate certificate = authority_.issue(*csr, profile, serial);
    ++signatures_;
    return certificate;
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
  count_enrollment("issued");
  spdlog::info("{}: issued and recorded {} certificate serial {} for \"{}\", valid until {}", peer,
               pki::role_name(*role), certificate.serial_hex(), certificate.subject_line(),
               iso8601(certificate.not_after()));
  return "OK ENROLLED serial=" + certificate.serial_hex() +
         " not_after=" + iso8601(certificate.not_after()) + "\n" +
         with_final_newline(certificate.to_pem()) + with_final_newline(authority_.root().to_pem()) +
         "END\n";
}

std::string TtpService::renew(const std::string& arguments, const std::string& pem,
                              const RequestSource& source) {
  const std::string& peer = source.peer;
  RefusalRecord refusal{peer, std::nullopt, "", std::nullopt, "", ""};
  auto refuse = [&](std::string code, std::string reason) {
    refusal.code = std::move(code);
    refusal.reason = "renewal: " + std::move(reason);
    spdlog::warn("renewal from {} refused ({}): {}", peer, refusal.code, refusal.reason);
    refusals_.record(refusal);
    return error_response(refusal.code, refusal.reason);
  };
  const std::vector<std::string> words = split_words(arguments);
  const auto key_choice = renewal_key_from_words(words);
  if (words.size() > 1 || !key_choice) {
    return refuse("malformed", "RENEW takes at most one word, new-key (the default) or same-key");
  }
  if (source.client_certificate_chain.empty()) {
    return refuse("no-certificate",
                  "RENEW needs the channel to be authenticated with the certificate to renew; "
                  "this connection presented no client certificate");
  }
  // The handshake proved possession of the leaf's key (CertificateVerify). The chain is
  // verified here again, to our root, as a client (EKU clientAuth, RFC 5280 section 4.2.1.12).
  const pki::ChainVerifier verifier({authority_.root()});
  const tls::CertificateCheck check =
      verifier.verify(source.client_certificate_chain, tls::PeerRole::Client, "");
  if (!check.accepted) {
    if (check.alert == tls::AlertDescription::certificate_expired) {
      return refuse("certificate-expired",
                    "the channel's certificate has expired and cannot be renewed (" + check.reason +
                        "); enroll with a new token");
    }
    return refuse("bad-certificate",
                  "the channel's certificate cannot be renewed by this TTP: " + check.reason);
  }
  const pki::Certificate old = pki::Certificate::from_der(source.client_certificate_chain.front());
  const std::optional<pki::Role> role = old.role();
  refusal.role = role;
  refusal.common_name = old.common_name();
  if (!role || *role == pki::Role::TtpService) {
    return refuse("not-renewable", "the channel's certificate carries no bank or customer role");
  }
  spdlog::info("{}: renewal request for serial {} (\"{}\", role {}, {})", peer, old.serial_hex(),
               old.subject_line(), pki::role_name(*role),
               *key_choice == RenewalKey::same_key ? "same key" : "new key");

  std::optional<pki::CertificateSigningRequest> csr;
  try {
    csr = pki::CertificateSigningRequest::from_pem(pem);
  } catch (const std::exception& failure) {
    return refuse("bad-csr",
                  std::string("the certificate request cannot be read: ") + failure.what());
  }
  if (!csr->verify_self_signature()) {
    return refuse("bad-csr",
                  "the certificate request's signature does not verify with its own key");
  }
  const pki::KeyDescription key = csr->key_description();
  if (const auto weak = pki::key_refusal(key)) return refuse("weak-key", *weak);
  // The subject (and with it the role) is the old certificate's: a renewal never changes who
  // the certificate is for.
  if (csr->subject() != old.subject()) {
    return refuse("subject-mismatch", "the request asks for \"" + csr->subject().one_line() +
                                          "\" but the certificate being renewed is for \"" +
                                          old.subject().one_line() +
                                          "\"; a renewal keeps the subject");
  }
  const bool same_key = csr->public_key().to_der() == old.public_key().to_der();
  if (*key_choice == RenewalKey::same_key && !same_key) {
    return refuse("key-mismatch",
                  "RENEW same-key was asked but the request carries another key than the "
                  "certificate being renewed");
  }
  if (*key_choice == RenewalKey::new_key && same_key) {
    return refuse("key-mismatch",
                  "the request carries the key of the certificate being renewed; generate a new "
                  "key (the default) or ask RENEW same-key");
  }

  const RenewalClaim claim{peer, old.serial(), old.common_name(), key.text()};
  const auto issue = [&](const pki::SerialNumber& serial, const CertificateRecord& record) {
    // The role is the registry's record of the old certificate, never the request's.
    pki::IssuanceProfile profile = policy_.profile_for(record.role);
    profile.dns_names = subject_alt_names(old);
    spdlog::info("{}: renewing serial {} (role {}); signing serial {}", peer, record.serial_hex,
                 pki::role_name(record.role), serial.hex());
    pki::Certificate certificate = authority_.issue(*csr, profile, serial);
    ++signatures_;
    return certificate;
  };
  std::variant<pki::Certificate, RenewalDenial> outcome = RenewalDenial{};
  try {
    outcome = registry_.renew_and_issue(claim, issue);
  } catch (const pki::PkiError& failure) {
    return refuse("bad-csr", failure.what());
  }
  if (auto* denial = std::get_if<RenewalDenial>(&outcome)) {
    return refuse(renewal_refusal_code(denial->refusal), denial->sentence);
  }
  const pki::Certificate& certificate = std::get<pki::Certificate>(outcome);
  spdlog::info("{}: renewed serial {} as serial {} for \"{}\", valid until {}", peer,
               old.serial_hex(), certificate.serial_hex(), certificate.subject_line(),
               iso8601(certificate.not_after()));
  return "OK RENEWED serial=" + certificate.serial_hex() +
         " not_after=" + iso8601(certificate.not_after()) + " renewed_from=" + old.serial_hex() +
         "\n" + with_final_newline(certificate.to_pem()) +
         with_final_newline(authority_.root().to_pem()) + "END\n";
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
  const Bytes request = pki::make_ocsp_request(*serial, authority_.root(), /*with_nonce=*/false);
  const auto question = cacheable_ocsp_question(request, authority_.root());
  const Bytes response =
      question ? cached_or_signed(*question, request, status, peer)
               : sign_ocsp_response(
                     request, [this](const pki::SerialNumber& asked) { return lookup(asked); });
  spdlog::info("{}: status of serial {} is {}", peer, serial->hex(), status_word(status));
  return std::string("OK STATUS ") + status_word(status) + "\n" + crypto::base64_encode(response) +
         "\nEND\n";
}

Bytes TtpService::cached_or_signed(const CacheableOcspQuestion& question, ByteView request_der,
                                   const pki::RevocationStatus& current, const std::string& peer) {
  const SteadyTime now = clock_();
  if (auto cached = ocsp_cache_.find(question, current, now)) {
    ++cache_hits_;
    count_ocsp_answer("cached");
    spdlog::debug("{}: OCSP response for serial {} taken from the cache", peer,
                  question.serial.hex());
    return std::move(*cached);
  }
  // The response states the status just read (the one the cache entry records), even if an
  // admin changes it in between: the next question then sees a different status and re-signs.
  Bytes response = sign_ocsp_response(request_der, [&](const pki::SerialNumber& asked) {
    return asked == question.serial ? current : lookup(asked);
  });
  if (is_signed_response(response)) {
    count_ocsp_answer("signed");
    ocsp_cache_.store(question, response, current, now);
  }
  return response;
}

Bytes TtpService::sign_ocsp_response(ByteView request_der, const pki::RevocationLookup& lookup) {
  Bytes response =
      authority_.make_ocsp_response(request_der, lookup, ocsp_cache_.policy().validity);
  if (is_signed_response(response)) ++signatures_;
  return response;
}

std::string TtpService::ocsp(const std::string& arguments, const std::string& peer) {
  const std::vector<std::string> words = split_words(arguments);
  if (words.size() != 1) {
    return error_response("malformed", "OCSP takes one base64 DER OCSP request");
  }
  const auto request = crypto::base64_decode(words[0]);
  if (!request) return error_response("malformed", "the OCSP request is not valid base64");
  const Bytes response = answer_ocsp(*request, peer);
  spdlog::info("{}: answered an OCSP request ({} bytes)", peer, request->size());
  return "OK OCSP\n" + crypto::base64_encode(response) + "\nEND\n";
}

Bytes TtpService::answer_ocsp(ByteView request_der, const std::string& peer) {
  // Without a nonce and about one of our certificates: answered from the cache when it can be.
  // With a nonce, the response is unique to the request and signed fresh (rate limited).
  const auto question = cacheable_ocsp_question(request_der, authority_.root());
  return question ? cached_or_signed(*question, request_der, lookup(question->serial), peer)
                  : sign_ocsp_response(request_der, [this](const pki::SerialNumber& asked) {
                      return lookup(asked);
                    });
}

Bytes TtpService::answer_ocsp_request(ByteView request_der, const RequestSource& source) {
  // Before the lock, as for OCSP over the channel: a refused request costs no signature.
  if (rate_limited("OCSP", source)) {
    count_ocsp_answer("try-later");
    return unsigned_ocsp_response(OcspFailure::TryLater);
  }
  std::lock_guard lock(mutex_);
  try {
    Bytes response = answer_ocsp(request_der, source.peer);
    spdlog::info("{}: answered an OCSP request over HTTP ({} bytes)", source.peer,
                 request_der.size());
    return response;
  } catch (const std::exception& failure) {
    spdlog::error("{}: OCSP over HTTP failed: {}", source.peer, failure.what());
    return unsigned_ocsp_response(OcspFailure::InternalError);
  }
}

std::string TtpService::current_crl_pem() {
  std::lock_guard lock(mutex_);
  return crl_publisher_.current_pem();
}

std::string TtpService::crl() {
  return "OK CRL\n" + with_final_newline(crl_publisher_.current_pem()) + "END\n";
}

TtpConnection::TtpConnection(TtpService& service, RequestSource source)
    : service_(service), source_(std::move(source)) {}

TtpConnection::TtpConnection(TtpService& service, std::string peer)
    : TtpConnection(service, RequestSource::from_peer_label(std::move(peer))) {}

void TtpConnection::receive(ByteView bytes) {
  if (closing_ || bytes.empty()) return;
  if (parsed_up_to_ == unparsed_.size()) {
    unparsed_.assign(bytes.begin(), bytes.end());
    parsed_up_to_ = 0;
  } else {
    unparsed_.insert(unparsed_.end(), bytes.begin(), bytes.end());
  }
}

void TtpConnection::parse_more() {
  if (parsed_up_to_ >= unparsed_.size()) return;
  const ByteView rest(unparsed_.data() + parsed_up_to_, unparsed_.size() - parsed_up_to_);
  parsed_up_to_ += assembler_.receive_some(rest, max_waiting_requests);
  if (parsed_up_to_ >= unparsed_.size()) {
    unparsed_.clear();
    parsed_up_to_ = 0;
  }
}

std::optional<std::string> TtpConnection::next_answer() {
  if (closing_) return std::nullopt;
  if (assembler_.ready_count() == 0) parse_more();
  if (auto request = assembler_.next()) return service_.handle(*request, source_);
  if (const auto& failure = assembler_.failure()) {
    spdlog::warn("{}: closing the connection: {}", source_.peer, failure->sentence);
    closing_ = true;
    unparsed_ = Bytes{};
    parsed_up_to_ = 0;
    return TtpService::error_response(failure->code, failure->sentence);
  }
  return std::nullopt;
}

bool TtpConnection::wants_input() const {
  return !closing_ && assembler_.ready_count() == 0 && unparsed_bytes() == 0;
}

}  // namespace sc::ttp
