#pragma once
// The TTP's durable registry: enrollment tokens (stored as SHA-256 hashes), every enrollment
// attempt, every issued certificate and every revocation, in one SQLite file (WAL mode,
// synchronous=FULL). The daemon and the admin commands open the same file at the same time;
// writers take the lock with BEGIN IMMEDIATE and wait on busy_timeout. The file and its -wal
// and -shm companions are mode 0600 (created so before SQLite opens it, tightened when found
// wider).
//
// Schema version 2 adds the subject fields a token fixes (C, ST, L, O, OU); a version-1 file
// is migrated when opened (ALTER TABLE ... ADD COLUMN, then PRAGMA user_version = 2).
//
// A certificate is inserted, its token marked used and the request recorded in ONE
// transaction, committed before the certificate is handed back: after a kill -9 either all of
// it is on disk or none of it is (and then nobody ever saw that certificate).
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/pki/certificate.hpp"
#include "common/pki/issuance_profile.hpp"
#include "common/pki/revocation.hpp"
#include "common/pki/serial_number.hpp"
#include "common/pki/subject.hpp"
#include "common/store/sqlite.hpp"

namespace sc::ttp {

using store::SqliteDatabase;
using store::SqliteError;
using store::SqliteStatement;
using store::SqliteTransaction;

using Clock = std::chrono::system_clock;
using TimePoint = Clock::time_point;

std::int64_t to_unix_seconds(TimePoint time);
TimePoint from_unix_seconds(std::int64_t seconds);
// "2026-11-20T13:05:00Z"
std::string iso8601(TimePoint time);

// The subject fields (besides the CN) a token may fix; an empty field leaves the CSR free.
struct FixedSubjectFields {
  std::string country;              // C
  std::string state;                // ST
  std::string locality;             // L
  std::string organisation;         // O
  std::string organisational_unit;  // OU

  bool operator==(const FixedSubjectFields&) const = default;
};

// The first field the token fixes that the CSR's subject does not carry the same way, as a
// sentence: the token fixes O="Example Bank"; the request asks for O="Evil Bank".
std::optional<std::string> subject_mismatch(const FixedSubjectFields& fixed,
                                            const pki::SubjectDetails& requested);

// What `ttp token create` asks for.
struct TokenRequest {
  pki::Role role = pki::Role::Customer;
  std::string common_name;
  std::chrono::seconds time_to_live{24 * 3600};
  std::string host_name;  // bank only; defaults to the CN
  FixedSubjectFields fixed;
};

// A freshly minted token. The token text exists only here: the registry keeps its hash.
struct TokenGrant {
  std::string token;  // 64 hex characters (32 random bytes)
  std::int64_t id = 0;
  pki::Role role = pki::Role::Customer;
  std::string common_name;
  std::string host_name;  // the bank's DNS name / IP for its subjectAltName ("" for customers)
  FixedSubjectFields fixed;
  TimePoint expires_at;
};

enum class TokenRefusal {
  Missing,
  Unknown,
  Expired,
  AlreadyUsed,
  RoleMismatch,
  NameMismatch,
  SubjectMismatch
};
// The protocol's error code: "bad-token", "token-expired", "token-used", "role-mismatch",
// "cn-mismatch", "subject-mismatch".
const char* token_refusal_code(TokenRefusal refusal);

struct TokenRecord {
  std::int64_t id = 0;
  pki::Role role = pki::Role::Customer;
  std::string common_name;
  std::string host_name;
  FixedSubjectFields fixed;
  TimePoint created_at;
  TimePoint expires_at;
  std::optional<TimePoint> used_at;
  std::optional<std::string> used_by_serial;
};

// Why a token cannot be redeemed, as a code and a sentence for the requester and the log.
struct TokenDenial {
  TokenRefusal refusal = TokenRefusal::Unknown;
  std::string sentence;
  std::optional<std::int64_t> token_id;  // when the token was found
};

// What the requester presented; the common name and subject are the CSR's.
struct EnrollmentClaim {
  std::string peer;  // who asked (address or channel identity), for the request log
  pki::Role role = pki::Role::Customer;
  std::string token;
  std::string common_name;
  std::string key_type;         // "RSA 3072", "ECDSA P-256"
  pki::SubjectDetails subject;  // checked against the fields the token fixes
};

struct RevocationRecord {
  std::string serial_hex;
  TimePoint revoked_at;
  pki::RevocationReason reason = pki::RevocationReason::unspecified;
};

struct CertificateRecord {
  std::string serial_hex;
  std::string subject;
  pki::Role role = pki::Role::Customer;
  TimePoint not_before;
  TimePoint not_after;
  std::string pem;
  TimePoint issued_at;
  std::string key_type;
  std::optional<RevocationRecord> revocation;
};

struct RefusalRecord {
  std::string peer;
  std::optional<pki::Role> role;
  std::string common_name;  // "" when the CSR could not be read
  std::optional<std::int64_t> token_id;
  std::string code;    // the protocol error code
  std::string reason;  // the sentence sent back
};

// A refusal and when it happened, as the RefusalJournal writes them in batches.
struct TimedRefusal {
  RefusalRecord refusal;
  TimePoint received_at;
};

enum class RevokeOutcome { Revoked, AlreadyRevoked, UnknownSerial };

// How a registry connection commits. Full: synchronous=FULL, every commit is on disk when it
// returns (tokens, certificates, revocations). Relaxed: synchronous=OFF, for the refusal
// journal's batches only (a crash may lose the last batch of refusal records, never a
// certificate); such a connection never checkpoints the WAL (that is left to the FULL ones,
// whose checkpoints fsync).
enum class CommitDurability { Full, Relaxed };

class Registry {
 public:
  static constexpr int schema_version = 2;
  using SerialSource = std::function<pki::SerialNumber()>;
  // Signs a certificate for the given serial (the token tells the host name for a bank);
  // called inside the issuing transaction.
  using Issuer = std::function<pki::Certificate(const pki::SerialNumber&, const TokenRecord&)>;

  // Opens or creates the registry file. An existing file is reused; a file written by a newer
  // schema is refused with a clear message. serial_source defaults to SerialNumber::random.
  explicit Registry(const std::filesystem::path& path, SerialSource serial_source = {},
                    CommitDurability durability = CommitDurability::Full);

  const std::filesystem::path& path() const { return path_; }

  TokenGrant create_token(pki::Role role, const std::string& common_name, std::chrono::seconds ttl,
                          const std::string& host_name = "", TimePoint now = Clock::now());
  TokenGrant create_token(const TokenRequest& request, TimePoint now = Clock::now());

  // Looks a token up and checks it against the claim (no side effect).
  std::variant<TokenRecord, TokenDenial> check_token(const EnrollmentClaim& claim,
                                                     TimePoint now = Clock::now());

  // In one transaction: checks the token again, picks a serial not yet used (retrying on a
  // UNIQUE collision), calls issue, stores the certificate, marks the token used by that
  // serial and records the request. Returns the committed certificate or why not.
  std::variant<pki::Certificate, TokenDenial> redeem_and_issue(const EnrollmentClaim& claim,
                                                               const Issuer& issue,
                                                               TimePoint now = Clock::now());

  void record_refusal(const RefusalRecord& refusal, TimePoint now = Clock::now());
  // Every refusal in one transaction (the RefusalJournal's batch).
  void record_refusals(const std::vector<TimedRefusal>& refusals);

  std::optional<CertificateRecord> find_certificate(const pki::SerialNumber& serial);
  std::vector<CertificateRecord> certificates();  // oldest first
  std::int64_t certificate_count();
  std::int64_t refused_request_count();
  std::vector<TokenRecord> tokens();

  RevokeOutcome revoke(const pki::SerialNumber& serial, pki::RevocationReason reason,
                       TimePoint now = Clock::now());
  std::vector<RevocationRecord> revocations();

  // CRL bookkeeping: the CRL number (RFC 5280 section 5.2.3, monotonically increasing) and
  // how many revocations the last published CRL held.
  struct CrlDraft {
    std::int64_t crl_number = 0;
    std::vector<RevocationRecord> revocations;
  };
  // Under the write lock: hands the next CRL number and the revocations to publish, which
  // must write the CRL durably (throwing on failure), then records that it was published.
  void publish_crl(const std::function<void(const CrlDraft&)>& publish);
  // True when revocations were added since the last publish_crl (or none ever ran).
  bool crl_outdated();

  // The TTP's own endpoint certificate, so that status answers know it (kept when present).
  void record_service_certificate(const pki::Certificate& certificate, const std::string& key_type,
                                  TimePoint now = Clock::now());

  // PRAGMA integrity_check == "ok".
  bool integrity_ok();
  // Transactions this connection committed (tests check that a batch is one transaction).
  std::int64_t committed_transactions() const { return database_.commits(); }

 private:
  std::variant<TokenRecord, TokenDenial> check_token_locked(const EnrollmentClaim& claim,
                                                            TimePoint now);
  void record_request(const RefusalRecord& record, const char* outcome,
                      const std::optional<std::string>& serial, TimePoint now);
  void create_schema();
  void migrate_from_version_1();

  std::filesystem::path path_;
  SqliteDatabase database_;
  SerialSource serial_source_;
};

}  // namespace sc::ttp
