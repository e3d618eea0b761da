#pragma once
// The TTP's protocol handler, sans-IO: complete requests in, response text out. The network
// layer feeds each connection's decrypted bytes to a TtpConnection and sends back what it
// returns; nothing here touches a socket. The protocol is described in docs/TTP.md.
//
//   ENROLL <role> <token> + CSR PEM -> OK ENROLLED serial=<HEX> not_after=<ISO8601>, leaf, CA
//   RENEW [new-key|same-key] + CSR  -> OK RENEWED serial=<HEX> not_after=<ISO8601>
//                                      renewed_from=<HEX>, leaf, CA (the channel authenticated
//                                      with the certificate to renew)
//   CA                              -> OK CA fingerprint=<AB:CD:...>, CA PEM
//   STATUS <serial hex>             -> OK STATUS good|revoked|unknown, base64 DER OCSP response
//   OCSP <base64 DER OCSP request>  -> OK OCSP, base64 DER OCSP response
//   CRL                             -> OK CRL, CRL PEM
//   failure                         -> ERROR <code> <sentence>
// Every response ends with a line "END".
//
// Bounded work (docs/TTP.md, "Limits"): STATUS/OCSP and ENROLL are rate limited per source
// address (RENEW counts as an ENROLL) (ERROR rate-limited, no signature, no disk write); OCSP
// responses without a nonce are signed once per certificate and reused from an OcspResponseCache
// while the registry's status is unchanged; refused enrollments go to a RefusalJournal written in
// batches.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/pki/certificate_authority.hpp"
#include "ttp/crl_publisher.hpp"
#include "ttp/ocsp_response_cache.hpp"
#include "ttp/rate_limiter.hpp"
#include "ttp/refusal_journal.hpp"
#include "ttp/registry.hpp"
#include "ttp/request_assembler.hpp"

namespace sc::ttp {

struct IssuancePolicy {
  unsigned bank_validity_days = 365;
  unsigned customer_validity_days = 90;
  // authorityInfoAccess and cRLDistributionPoints in every certificate issued (`ttp serve
  // --public-url`, or the --http-listen address); nullopt: neither extension.
  std::optional<pki::PublicationUrls> publication = std::nullopt;
  // For tests only (--bank-validity-minutes, --customer-validity-minutes): replace the days.
  std::optional<std::chrono::minutes> bank_validity_minutes;
  std::optional<std::chrono::minutes> customer_validity_minutes;

  // What the CA puts in a certificate for `role` issued now: the role's lifetime.
  pki::IssuanceProfile profile_for(pki::Role role) const;
};

// The OCSPResponse statuses that carry no response body (RFC 6960 section 4.2.1).
enum class OcspFailure { MalformedRequest = 1, InternalError = 2, TryLater = 3 };
// A DER OCSPResponse with that status and no responseBytes (unsigned, as RFC 6960 says).
Bytes unsigned_ocsp_response(OcspFailure failure);

// What bounds the work one source can cause (options of `ttp serve`, defaults in docs/TTP.md).
struct ServiceLimits {
  RateLimit status_rate{50, 100};  // STATUS + OCSP per source address: --status-rate/-burst
  RateLimit enroll_rate{5, 10};    // ENROLL per source address: --enroll-rate/-burst
  std::size_t max_tracked_addresses = RateLimiter::default_max_addresses;
  OcspCachePolicy ocsp;  // --ocsp-validity, --ocsp-refresh-fraction
  RefusalJournalOptions refusal_journal;
  SteadyTimeSource clock = &SteadyClock::now;  // rate limits and OCSP response ages
};

// Who sent a request: the channel's label for the log and the request table, and the source
// address the rate limits count against.
struct RequestSource {
  std::string peer;     // "127.0.0.1:40112"
  std::string address;  // "127.0.0.1"
  // The certificate chain the requester authenticated the channel with (DER, leaf first;
  // empty when it presented none). Only RENEW uses it, and verifies it again itself.
  std::vector<Bytes> client_certificate_chain;

  // "127.0.0.1:40112" -> {label, "127.0.0.1"}; "[::1]:443" and "::1:443" -> {label, "::1"};
  // a label without a port is its own address.
  static RequestSource from_peer_label(std::string label);
};

class TtpService {
 public:
  TtpService(const pki::CertificateAuthority& authority, Registry& registry,
             CrlPublisher& crl_publisher, IssuancePolicy policy = {}, ServiceLimits limits = {});

  // Answers one request. Thread-safe: requests are handled one at a time (the rate limits are
  // checked before that lock, so a refused request waits for nobody).
  std::string handle(const Request& request, const RequestSource& source);
  // The same with the source address taken from the peer label.
  std::string handle(const Request& request, const std::string& peer);

  // A DER OCSPRequest that came over HTTP (RFC 6960 appendix A), answered as OCSP over the
  // channel is: the same per-source rate limit, response cache and signing. The answer is always
  // a DER OCSPResponse: malformedRequest for bytes that are no OCSPRequest, tryLater (RFC 6960
  // section 2.3) when the source is over its rate limit, internalError when the registry fails.
  // Thread-safe.
  Bytes answer_ocsp_request(ByteView request_der, const RequestSource& source);
  // The current CRL, PEM (refreshed first when needed, as for CRL over the channel). Thread-safe.
  std::string current_crl_pem();

  // "ERROR <code> <sentence>\nEND\n" (the sentence is kept on one line).
  static std::string error_response(std::string_view code, std::string_view sentence);

  // Signatures made since start: OCSP responses (STATUS, OCSP) and certificates.
  std::uint64_t signature_count() const { return signatures_.load(); }
  // STATUS/OCSP answers taken from the OCSP response cache.
  std::uint64_t ocsp_cache_hits() const { return cache_hits_.load(); }
  // Writes the queued refusal records now (they are otherwise written once a second).
  std::size_t flush_refusals() { return refusals_.flush(); }
  const RefusalJournal& refusal_journal() const { return refusals_; }

 private:
  std::string dispatch(const std::string& command, std::size_t word_count,
                       const std::string& arguments, const Request& request,
                       const RequestSource& source);
  std::optional<std::string> rate_limited(const std::string& command, const RequestSource& source);
  std::string enroll(const std::string& arguments, const std::string& pem, const std::string& peer);
  std::string renew(const std::string& arguments, const std::string& pem,
                    const RequestSource& source);
  std::string ca_certificate() const;
  std::string status(const std::string& arguments, const std::string& peer);
  std::string ocsp(const std::string& arguments, const std::string& peer);
  // The OCSP answer for a DER request, from the cache when it can be (the caller holds mutex_).
  Bytes answer_ocsp(ByteView request_der, const std::string& peer);
  std::string crl();
  pki::RevocationStatus lookup(const pki::SerialNumber& serial);
  // The cached response for the question when still valid for `current`, else a new one.
  Bytes cached_or_signed(const CacheableOcspQuestion& question, ByteView request_der,
                         const pki::RevocationStatus& current, const std::string& peer);
  Bytes sign_ocsp_response(ByteView request_der, const pki::RevocationLookup& lookup);
  std::string refuse_enrollment(const RefusalRecord& refusal);

  const pki::CertificateAuthority& authority_;
  Registry& registry_;
  CrlPublisher& crl_publisher_;
  IssuancePolicy policy_;
  SteadyTimeSource clock_;
  RateLimiter status_limiter_;
  RateLimiter enroll_limiter_;
  OcspResponseCache ocsp_cache_;
  RefusalJournal refusals_;
  std::atomic<std::uint64_t> signatures_{0};
  std::atomic<std::uint64_t> cache_hits_{0};
  std::mutex mutex_;
};

// One connection's conversation, one request at a time: bytes from the peer in, one answer
// out per next_answer(). The network layer writes each answer before asking for the next and
// reads more bytes only when wants_input() is true, so that a peer that does not read its
// answers stops being read (back-pressure). The bytes of one read are kept and parsed in steps
// of at most max_waiting_requests requests; answers are never concatenated.
//
// After a framing failure (over-long line, over-large PEM block, binary garbage) the requests
// parsed before it are answered, then one ERROR, and should_close() turns true.
class TtpConnection {
 public:
  static constexpr std::size_t max_waiting_requests = 32;

  TtpConnection(TtpService& service, RequestSource source);
  TtpConnection(TtpService& service, std::string peer);  // source address from the label

  // Takes the bytes of one read (call when wants_input(); bytes given earlier stay first).
  void receive(ByteView bytes);
  // Handles the next waiting request and returns its complete answer (ending in "END\n"), the
  // framing error once, or nullopt when nothing is waiting.
  std::optional<std::string> next_answer();

  // True when every byte received was parsed and every request answered.
  bool wants_input() const;
  bool should_close() const { return closing_; }
  std::size_t waiting_requests() const { return assembler_.ready_count(); }
  std::size_t unparsed_bytes() const { return unparsed_.size() - parsed_up_to_; }

 private:
  void parse_more();

  TtpService& service_;
  RequestSource source_;
  RequestAssembler assembler_;
  Bytes unparsed_;
  std::size_t parsed_up_to_ = 0;
  bool closing_ = false;
};

}  // namespace sc::ttp
