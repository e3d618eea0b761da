#pragma once
// The TTP's durable registry: enrollment tokens (stored as SHA-256 hashes), every enrollment
// attempt, every issued certificate and every revocation, behind the storage seam
// (common/store/database.hpp):
//
// - SQLite (the default, `sqlite:PATH`): one file, WAL mode, synchronous=FULL. The daemon and
//   the admin commands open the same file at the same time; writers take the lock with BEGIN
//   IMMEDIATE and wait on the busy timeout. The file and its -wal and -shm companions are mode
//   0600 (created so before SQLite opens it, tightened when found wider).
// - PostgreSQL (`postgresql://...`): several `ttp serve` instances sharing the CA key share one
//   database. Every write is correct under concurrency between instances: a token is locked
//   (SELECT ... FOR UPDATE) and marked used by a conditional UPDATE (single use), a serial is
//   inserted with ON CONFLICT DO NOTHING and drawn again when taken (never a caught constraint
//   error: that would abort the transaction), CRL numbers grow by UPDATE ... SET n = n + 1
//   RETURNING n in the publishing transaction, and a revocation made on one instance is in the
//   next status answer and CRL of every instance.
//
// The schema is the store::MigrationPlan "ttp-registry": version 1 the original tables, version
// 2 the subject fields a token fixes (C, ST, L, O, OU), version 3 certificates.renewed_from
// (the serial a renewed certificate replaces). A version-1 SQLite file, which kept its
// number only in the schema_version table, is adopted (PRAGMA user_version = 1) and migrated
// when opened.
//
// A certificate is inserted, its token marked used and the request recorded in ONE
// transaction, committed before the certificate is handed back: after a kill -9 either all of
// it is stored or none of it is (and then nobody ever saw that certificate).
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
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
#include "common/store/database.hpp"
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
  // The serial of the certificate this one renewed (RENEW); nullopt for an enrolled one.
  std::optional<std::string> renewed_from;
};

// What a renewal presents: the certificate the channel authenticated (already verified against
// the TTP's root by the caller) and the new request's key.
struct RenewalClaim {
  std::string peer;  // who asked, for the request log
  pki::SerialNumber old_serial;
  std::string common_name;  // the old certificate's (and the CSR's) CN
  std::string key_type;     // of the new CSR: "ECDSA P-256"
};

enum class RenewalRefusal { UnknownCertificate, Revoked, Expired, NotRenewable };
// The protocol's error code: "unknown-certificate", "certificate-revoked",
// "certificate-expired", "not-renewable".
const char* renewal_refusal_code(RenewalRefusal refusal);

struct RenewalDenial {
  RenewalRefusal refusal = RenewalRefusal::UnknownCertificate;
  std::string sentence;
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

// How a registry connection commits (SQLite; a PostgreSQL server keeps its own durability
// settings). Full: synchronous=FULL, every commit is on disk when it returns (tokens,
// certificates, revocations). Relaxed: synchronous=OFF, for the refusal journal's batches only
// (a crash may lose the last batch of refusal records, never a certificate); such a connection
// never checkpoints the WAL (that is left to the FULL ones, whose checkpoints fsync).
enum class CommitDurability { Full, Relaxed };

class Registry {
 public:
  static constexpr int schema_version = 3;
  using SerialSource = std::function<pki::SerialNumber()>;
  // Signs a certificate for the given serial (the token tells the host name for a bank);
  // called inside the issuing transaction.
  using Issuer = std::function<pki::Certificate(const pki::SerialNumber&, const TokenRecord&)>;
  // Signs the renewal of `old` for the given serial; called inside the renewing transaction.
  using RenewalIssuer =
      std::function<pki::Certificate(const pki::SerialNumber&, const CertificateRecord& old)>;

  // Opens the registry at `location` (`ttp --store`), creating or migrating its schema. A
  // database written by a newer schema is refused with a clear message (StoreError schema); an
  // unreachable PostgreSQL server throws StoreError unavailable. serial_source defaults to
  // SerialNumber::random.
  explicit Registry(const store::StoreLocation& location, SerialSource serial_source = {},
                    CommitDurability durability = CommitDurability::Full);
  // The SQLite file at `path` (the default store: certs folder / registry.db).
  explicit Registry(const std::filesystem::path& path, SerialSource serial_source = {},
                    CommitDurability durability = CommitDurability::Full);

  // Where the registry lives; log location().display(), never the conninfo (it may hold a
  // password).
  const store::StoreLocation& location() const;
  store::Backend backend() const;

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

  // In one transaction: locks the old certificate's row, refuses it when unknown, revoked,
  // expired at `now` or the TTP's own, else calls issue, stores the new certificate with
  // renewed_from = the old serial and records the request (outcome issued, code renewed).
  // A certificate may be renewed more than once (a requester that lost the answer asks again);
  // the old certificate stays valid until it expires or is revoked.
  std::variant<pki::Certificate, RenewalDenial> renew_and_issue(const RenewalClaim& claim,
                                                                const RenewalIssuer& issue,
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
  std::int64_t revocation_count();

  // CRL bookkeeping: the CRL number (RFC 5280 section 5.2.3, monotonically increasing) and
  // how many revocations the last published CRL held.
  struct CrlDraft {
    std::int64_t crl_number = 0;
    std::vector<RevocationRecord> revocations;
  };
  // In one write transaction: takes the next CRL number (UPDATE ... SET crl_number =
  // crl_number + 1 RETURNING, so two instances publishing at once get two numbers, in order),
  // hands it and the revocations to publish, which must write the CRL durably (throwing on
  // failure: the number is then not used), then records how many revocations it held.
  void publish_crl(const std::function<void(const CrlDraft&)>& publish);
  // True when revocations were added since the last publish_crl (or none ever ran).
  bool crl_outdated();

  // The TTP's own endpoint certificate, so that status answers know it (kept when present).
  void record_service_certificate(const pki::Certificate& certificate, const std::string& key_type,
                                  TimePoint now = Clock::now());

  // SQLite: PRAGMA integrity_check == "ok". PostgreSQL: the server answers SELECT 1 (the
  // server checks its own pages; this only says the registry is reachable).
  bool integrity_ok();
  // Transactions this connection committed (tests check that a batch is one transaction).
  std::int64_t committed_transactions() const;

 private:
  enum class RowLock { none, for_update };
  struct NewCertificate {
    pki::Role role = pki::Role::Customer;
    std::string key_type;
    std::optional<std::int64_t> token_id;
    std::optional<std::string> renewed_from;
    TimePoint now;
  };
  using SerialIssuer = std::function<pki::Certificate(const pki::SerialNumber&)>;
  // Inside a write transaction: draws a serial not yet used, has it signed and inserts the
  // certificate (a serial taken meanwhile by another instance is drawn again).
  pki::Certificate insert_certificate(const NewCertificate& row, const SerialIssuer& sign);
  std::variant<TokenRecord, TokenDenial> check_token_unlocked(const EnrollmentClaim& claim,
                                                              TimePoint now, RowLock lock);
  void record_request(const RefusalRecord& record, const char* outcome,
                      const std::optional<std::string>& serial, TimePoint now);
  std::vector<RevocationRecord> revocations_unlocked();
  void prepare_schema();

  // The Database connection is not thread-safe: every public member takes this mutex.
  mutable std::mutex mutex_;
  std::unique_ptr<store::Database> database_;
  SerialSource serial_source_;
};

}  // namespace sc::ttp
