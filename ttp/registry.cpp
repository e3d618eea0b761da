#include "ttp/registry.hpp"

#include <algorithm>
#include <ctime>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "common/crypto/hash.hpp"
#include "common/crypto/random.hpp"
#include "ttp/file_protection.hpp"

namespace sc::ttp {
namespace {

constexpr int busy_timeout_ms = 15000;
constexpr int max_serial_attempts = 16;
constexpr std::size_t token_random_bytes = 32;

// The registry stores SHA-256(token) in hex; the token itself is never written anywhere.
std::string token_hash_hex(std::string_view token) {
  return to_hex(crypto::Hash::digest(crypto::HashAlgorithm::Sha256, as_bytes(token)));
}

pki::Role role_from_column(const std::string& text) {
  const auto role = pki::role_from_name(text);
  if (!role) throw std::runtime_error("the registry holds an unknown role \"" + text + "\"");
  return *role;
}

pki::RevocationReason reason_from_column(const std::string& text) {
  const auto reason = pki::revocation_reason_from_name(text);
  return reason ? *reason : pki::RevocationReason::unspecified;
}

constexpr const char* schema_sql = R"sql(
CREATE TABLE IF NOT EXISTS schema_version (
  version INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS tokens (
  id             INTEGER PRIMARY KEY,
  token_hash     TEXT NOT NULL UNIQUE,
  role           TEXT NOT NULL CHECK (role IN ('bank', 'customer')),
  common_name    TEXT NOT NULL,
  host_name      TEXT NOT NULL DEFAULT '',
  country        TEXT NOT NULL DEFAULT '',
  state          TEXT NOT NULL DEFAULT '',
  locality       TEXT NOT NULL DEFAULT '',
  organisation   TEXT NOT NULL DEFAULT '',
  unit           TEXT NOT NULL DEFAULT '',
  created_at     INTEGER NOT NULL,
  expires_at     INTEGER NOT NULL,
  used_at        INTEGER,
  used_by_serial TEXT
);
CREATE TABLE IF NOT EXISTS certificates (
  serial      TEXT PRIMARY KEY NOT NULL UNIQUE,
  subject     TEXT NOT NULL,
  role        TEXT NOT NULL CHECK (role IN ('bank', 'customer', 'ttp-service')),
  not_before  INTEGER NOT NULL,
  not_after   INTEGER NOT NULL,
  pem         TEXT NOT NULL,
  issued_at   INTEGER NOT NULL,
  key_type    TEXT NOT NULL,
  token_id    INTEGER REFERENCES tokens(id)
);
CREATE TABLE IF NOT EXISTS requests (
  id          INTEGER PRIMARY KEY,
  received_at INTEGER NOT NULL,
  peer        TEXT NOT NULL,
  role        TEXT,
  common_name TEXT NOT NULL,
  token_id    INTEGER,
  outcome     TEXT NOT NULL CHECK (outcome IN ('issued', 'refused')),
  code        TEXT NOT NULL,
  reason      TEXT NOT NULL,
  serial      TEXT
);
CREATE TABLE IF NOT EXISTS revocations (
  serial     TEXT PRIMARY KEY NOT NULL REFERENCES certificates(serial),
  revoked_at INTEGER NOT NULL,
  reason     TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS crl_state (
  id                   INTEGER PRIMARY KEY CHECK (id = 1),
  crl_number           INTEGER NOT NULL,
  revocations_included INTEGER NOT NULL
);
)sql";

// Version 1 -> 2: the subject fields a token fixes. Existing tokens fix none of them.
constexpr const char* migration_1_to_2_sql = R"sql(
ALTER TABLE tokens ADD COLUMN country      TEXT NOT NULL DEFAULT '';
ALTER TABLE tokens ADD COLUMN state        TEXT NOT NULL DEFAULT '';
ALTER TABLE tokens ADD COLUMN locality     TEXT NOT NULL DEFAULT '';
ALTER TABLE tokens ADD COLUMN organisation TEXT NOT NULL DEFAULT '';
ALTER TABLE tokens ADD COLUMN unit         TEXT NOT NULL DEFAULT '';
)sql";

// The token columns every reader selects, in this order.
constexpr const char* token_columns =
    "id, role, common_name, host_name, created_at, expires_at, used_at, used_by_serial, "
    "country, state, locality, organisation, unit, token_hash";

TokenRecord token_from_row(const SqliteStatement& row) {
  TokenRecord record;
  record.id = row.integer(0);
  record.role = role_from_column(row.text(1));
  record.common_name = row.text(2);
  record.host_name = row.text(3);
  record.created_at = from_unix_seconds(row.integer(4));
  record.expires_at = from_unix_seconds(row.integer(5));
  if (const auto used = row.optional_integer(6)) record.used_at = from_unix_seconds(*used);
  record.used_by_serial = row.optional_text(7);
  record.fixed =
      FixedSubjectFields{row.text(8), row.text(9), row.text(10), row.text(11), row.text(12)};
  return record;
}

constexpr const char* certificate_columns =
    "SELECT c.serial, c.subject, c.role, c.not_before, c.not_after, c.pem, c.issued_at, "
    "c.key_type, r.revoked_at, r.reason FROM certificates c "
    "LEFT JOIN revocations r ON r.serial = c.serial ";

CertificateRecord certificate_from_row(const SqliteStatement& row) {
  CertificateRecord record;
  record.serial_hex = row.text(0);
  record.subject = row.text(1);
  record.role = role_from_column(row.text(2));
  record.not_before = from_unix_seconds(row.integer(3));
  record.not_after = from_unix_seconds(row.integer(4));
  record.pem = row.text(5);
  record.issued_at = from_unix_seconds(row.integer(6));
  record.key_type = row.text(7);
  if (!row.is_null(8)) {
    record.revocation = RevocationRecord{record.serial_hex, from_unix_seconds(row.integer(8)),
                                         reason_from_column(row.text(9))};
  }
  return record;
}

}  // namespace

std::int64_t to_unix_seconds(TimePoint time) {
  return std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count();
}

TimePoint from_unix_seconds(std::int64_t seconds) {
  return TimePoint(std::chrono::seconds(seconds));
}

std::string iso8601(TimePoint time) {
  const std::time_t seconds = Clock::to_time_t(time);
  std::tm parts{};
  if (gmtime_r(&seconds, &parts) == nullptr) return "invalid-time";
  char text[32];
  const std::size_t length = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return std::string(text, length);
}

const char* token_refusal_code(TokenRefusal refusal) {
  switch (refusal) {
    case TokenRefusal::Missing:
    case TokenRefusal::Unknown:
      return "bad-token";
    case TokenRefusal::Expired:
      return "token-expired";
    case TokenRefusal::AlreadyUsed:
      return "token-used";
    case TokenRefusal::RoleMismatch:
      return "role-mismatch";
    case TokenRefusal::NameMismatch:
      return "cn-mismatch";
    case TokenRefusal::SubjectMismatch:
      return "subject-mismatch";
  }
  return "bad-token";
}

std::optional<std::string> subject_mismatch(const FixedSubjectFields& fixed,
                                            const pki::SubjectDetails& requested) {
  const struct {
    const char* label;
    const std::string& fixed;
    const std::string& requested;
  } fields[] = {
      {"C", fixed.country, requested.country},
      {"ST", fixed.state, requested.state},
      {"L", fixed.locality, requested.locality},
      {"O", fixed.organisation, requested.organisation},
      {"OU", fixed.organisational_unit, requested.organisational_unit},
  };
  for (const auto& field : fields) {
    if (field.fixed.empty() || field.fixed == field.requested) continue;
    const std::string label(field.label);
    return "the token fixes " + label + "=\"" + field.fixed + "\"; the request " +
           (field.requested.empty() ? "has no " + label
                                    : "asks for " + label + "=\"" + field.requested + "\"");
  }
  return std::nullopt;
}

namespace {

// Runs before SQLite opens the file: the database and its companions are the owner's only.
const std::filesystem::path& owner_only_registry(const std::filesystem::path& path) {
  create_owner_only_file(path, "the registry");
  restrict_to_owner(path.string() + "-wal", "the registry's write-ahead log");
  restrict_to_owner(path.string() + "-shm", "the registry's shared-memory index");
  return path;
}

}  // namespace

Registry::Registry(const std::filesystem::path& path, SerialSource serial_source,
                   CommitDurability durability)
    : path_(path),
      database_(owner_only_registry(path)),
      serial_source_(serial_source ? std::move(serial_source) : &pki::SerialNumber::random) {
  const int rc = sqlite3_busy_timeout(database_.native(), busy_timeout_ms);
  if (rc != SQLITE_OK) database_.fail("setting the registry busy timeout", rc);
  const std::string journal = database_.pragma_text("journal_mode=WAL");
  if (journal != "wal") {
    throw std::runtime_error("the registry " + path.string() +
                             " cannot use write-ahead logging (journal mode is \"" + journal +
                             "\")");
  }
  if (durability == CommitDurability::Full) {
    database_.execute("PRAGMA synchronous=FULL;");
  } else {
    // A checkpoint run by a synchronous=OFF connection copies the WAL into the database
    // without fsync; a later WAL restart could then lose what the FULL connections committed
    // on a power cut. So this connection never checkpoints: the FULL ones do, with their
    // fsyncs.
    database_.execute("PRAGMA synchronous=OFF; PRAGMA wal_autocheckpoint=0;");
    const int rc = sqlite3_db_config(database_.native(), SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1,
                                     static_cast<int*>(nullptr));
    if (rc != SQLITE_OK) database_.fail("turning off the checkpoint on close", rc);
  }
  database_.execute("PRAGMA foreign_keys=ON;");
  create_schema();
  // WAL mode created the -wal and -shm files with the database file's mode; make sure.
  restrict_to_owner(path.string() + "-wal", "the registry's write-ahead log");
  restrict_to_owner(path.string() + "-shm", "the registry's shared-memory index");
}

void Registry::create_schema() {
  SqliteTransaction transaction(database_);
  database_.execute(schema_sql);
  SqliteStatement version(database_, "SELECT version FROM schema_version");
  if (version.step()) {
    // Version 1 kept its number only in the schema_version table; version 2 also sets
    // PRAGMA user_version. Whichever is higher counts.
    const auto found = std::max<std::int64_t>(version.integer(0),
                                              std::stoll(database_.pragma_text("user_version")));
    if (found > schema_version) {
      throw std::runtime_error("the registry " + path_.string() + " has schema version " +
                               std::to_string(found) + ", newer than this ttp (version " +
                               std::to_string(schema_version) + "); refusing to touch it");
    }
    if (found == 1) migrate_from_version_1();
  } else {
    SqliteStatement insert(database_, "INSERT INTO schema_version (version) VALUES (?1)");
    insert.bind(1, std::int64_t{schema_version}).run();
    SqliteStatement crl(database_,
                        "INSERT INTO crl_state (id, crl_number, revocations_included) "
                        "VALUES (1, 0, -1)");
    crl.run();
    database_.execute("PRAGMA user_version = " + std::to_string(schema_version));
    spdlog::info("created the registry {} (schema version {})", path_.string(), schema_version);
  }
  transaction.commit();
}

// Inside create_schema's transaction: ALTER TABLE is transactional in SQLite, so a failure
// leaves the file at version 1.
void Registry::migrate_from_version_1() {
  database_.execute(migration_1_to_2_sql);
  database_.execute("UPDATE schema_version SET version = 2");
  database_.execute("PRAGMA user_version = 2");
  spdlog::info(
      "migrated the registry {} from schema version 1 to 2 (tokens can fix C, ST, L, "
      "O and OU)",
      path_.string());
}

TokenGrant Registry::create_token(pki::Role role, const std::string& common_name,
                                  std::chrono::seconds ttl, const std::string& host_name,
                                  TimePoint now) {
  return create_token(TokenRequest{role, common_name, ttl, host_name, {}}, now);
}

TokenGrant Registry::create_token(const TokenRequest& request, TimePoint now) {
  if (request.common_name.empty()) throw std::invalid_argument("a token needs a common name");
  TokenGrant grant;
  grant.token = to_hex(crypto::random_bytes(token_random_bytes));
  grant.role = request.role;
  grant.common_name = request.common_name;
  grant.host_name = request.role == pki::Role::Bank
                        ? (request.host_name.empty() ? request.common_name : request.host_name)
                        : "";
  grant.fixed = request.fixed;
  grant.expires_at = now + request.time_to_live;

  SqliteTransaction transaction(database_);
  SqliteStatement insert(database_,
                         "INSERT INTO tokens (token_hash, role, common_name, host_name, "
                         "created_at, expires_at, country, state, locality, organisation, unit) "
                         "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
  insert.bind(1, token_hash_hex(grant.token))
      .bind(2, std::string_view(pki::role_name(request.role)))
      .bind(3, std::string_view(request.common_name))
      .bind(4, std::string_view(grant.host_name))
      .bind(5, to_unix_seconds(now))
      .bind(6, to_unix_seconds(grant.expires_at))
      .bind(7, std::string_view(grant.fixed.country))
      .bind(8, std::string_view(grant.fixed.state))
      .bind(9, std::string_view(grant.fixed.locality))
      .bind(10, std::string_view(grant.fixed.organisation))
      .bind(11, std::string_view(grant.fixed.organisational_unit))
      .run();
  grant.id = sqlite3_last_insert_rowid(database_.native());
  transaction.commit();
  return grant;
}

std::variant<TokenRecord, TokenDenial> Registry::check_token(const EnrollmentClaim& claim,
                                                             TimePoint now) {
  return check_token_locked(claim, now);
}

std::variant<TokenRecord, TokenDenial> Registry::check_token_locked(const EnrollmentClaim& claim,
                                                                    TimePoint now) {
  if (claim.token.empty()) {
    return TokenDenial{TokenRefusal::Missing, "no enrollment token was given", std::nullopt};
  }
  const std::string hash = token_hash_hex(claim.token);
  SqliteStatement lookup(
      database_, std::string("SELECT ") + token_columns + " FROM tokens WHERE token_hash = ?1");
  lookup.bind(1, std::string_view(hash));
  // The lookup is by hash; the stored hash is compared again in constant time.
  if (!lookup.step() || !crypto::equal_constant_time(as_bytes(lookup.text(13)), as_bytes(hash))) {
    return TokenDenial{TokenRefusal::Unknown, "the enrollment token is not known to this TTP",
                       std::nullopt};
  }
  TokenRecord record = token_from_row(lookup);
  const std::int64_t id = record.id;
  const pki::Role role = record.role;
  const std::string common_name = record.common_name;
  const TimePoint expires_at = record.expires_at;
  if (record.used_at) {
    return TokenDenial{TokenRefusal::AlreadyUsed,
                       "the enrollment token was already used on " + iso8601(*record.used_at) +
                           " (for serial " + record.used_by_serial.value_or("?") +
                           "); tokens are single use",
                       id};
  }
  if (expires_at <= now) {
    return TokenDenial{TokenRefusal::Expired,
                       "the enrollment token expired on " + iso8601(expires_at), id};
  }
  if (role != claim.role) {
    return TokenDenial{TokenRefusal::RoleMismatch,
                       std::string("the enrollment token was issued for the role ") +
                           pki::role_name(role) + ", not " + pki::role_name(claim.role),
                       id};
  }
  if (common_name != claim.common_name) {
    return TokenDenial{TokenRefusal::NameMismatch,
                       "the enrollment token is bound to the common name \"" + common_name +
                           "\", but the request asks for \"" + claim.common_name + "\"",
                       id};
  }
  if (auto mismatch = subject_mismatch(record.fixed, claim.subject)) {
    return TokenDenial{TokenRefusal::SubjectMismatch, std::move(*mismatch), id};
  }
  return record;
}

std::variant<pki::Certificate, TokenDenial> Registry::redeem_and_issue(const EnrollmentClaim& claim,
                                                                       const Issuer& issue,
                                                                       TimePoint now) {
  SqliteTransaction transaction(database_);
  // Checked again under the write lock: a concurrent redeem of the same token cannot pass.
  auto checked = check_token_locked(claim, now);
  if (auto* denial = std::get_if<TokenDenial>(&checked)) return *denial;
  const TokenRecord& token = std::get<TokenRecord>(checked);
  const std::int64_t token_id = token.id;

  for (int attempt = 1; attempt <= max_serial_attempts; ++attempt) {
    const pki::SerialNumber serial = serial_source_();
    const std::string serial_hex = serial.hex();
    SqliteStatement taken(database_, "SELECT 1 FROM certificates WHERE serial = ?1");
    if (taken.bind(1, std::string_view(serial_hex)).step()) {
      spdlog::warn("serial {} is already in the registry; drawing another", serial_hex);
      continue;
    }
    pki::Certificate certificate = issue(serial, token);
    if (certificate.serial() != serial) {
      throw std::logic_error("the issuer did not use the serial the registry reserved");
    }
    SqliteStatement insert(database_,
                           "INSERT INTO certificates (serial, subject, role, not_before, "
                           "not_after, pem, issued_at, key_type, token_id) "
                           "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    insert.bind(1, std::string_view(serial_hex))
        .bind(2, certificate.subject_line())
        .bind(3, std::string_view(pki::role_name(claim.role)))
        .bind(4, to_unix_seconds(certificate.not_before()))
        .bind(5, to_unix_seconds(certificate.not_after()))
        .bind(6, certificate.to_pem())
        .bind(7, to_unix_seconds(now))
        .bind(8, std::string_view(claim.key_type))
        .bind(9, token_id);
    try {
      insert.run();
    } catch (const SqliteError& error) {
      if (!error.is_constraint_violation()) throw;
      spdlog::warn("serial {} collided on insert ({}); drawing another", serial_hex, error.what());
      continue;
    }
    // Single use, RFC-style: the UPDATE only matches an unused, unexpired token.
    SqliteStatement redeem(database_,
                           "UPDATE tokens SET used_at = ?1, used_by_serial = ?2 "
                           "WHERE id = ?3 AND used_at IS NULL AND expires_at > ?1");
    redeem.bind(1, to_unix_seconds(now)).bind(2, std::string_view(serial_hex)).bind(3, token_id);
    redeem.run();
    if (database_.changes() != 1) {
      throw std::logic_error("the enrollment token could not be marked used");
    }
    record_request(RefusalRecord{claim.peer, claim.role, claim.common_name, token_id, "issued",
                                 "certificate issued"},
                   "issued", serial_hex, now);
    transaction.commit();
    return certificate;
  }
  throw std::runtime_error("no unused serial number was found after " +
                           std::to_string(max_serial_attempts) + " attempts");
}

void Registry::record_request(const RefusalRecord& record, const char* outcome,
                              const std::optional<std::string>& serial, TimePoint now) {
  SqliteStatement insert(database_,
                         "INSERT INTO requests (received_at, peer, role, common_name, token_id, "
                         "outcome, code, reason, serial) "
                         "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
  insert.bind(1, to_unix_seconds(now)).bind(2, std::string_view(record.peer));
  if (record.role) {
    insert.bind(3, std::string_view(pki::role_name(*record.role)));
  } else {
    insert.bind_null(3);
  }
  insert.bind(4, std::string_view(record.common_name));
  if (record.token_id) {
    insert.bind(5, *record.token_id);
  } else {
    insert.bind_null(5);
  }
  insert.bind(6, std::string_view(outcome))
      .bind(7, std::string_view(record.code))
      .bind(8, std::string_view(record.reason))
      .bind(9, serial)
      .run();
}

void Registry::record_refusal(const RefusalRecord& refusal, TimePoint now) {
  SqliteTransaction transaction(database_);
  record_request(refusal, "refused", std::nullopt, now);
  transaction.commit();
}

void Registry::record_refusals(const std::vector<TimedRefusal>& refusals) {
  if (refusals.empty()) return;
  SqliteTransaction transaction(database_);
  for (const TimedRefusal& entry : refusals) {
    record_request(entry.refusal, "refused", std::nullopt, entry.received_at);
  }
  transaction.commit();
}

std::optional<CertificateRecord> Registry::find_certificate(const pki::SerialNumber& serial) {
  SqliteStatement query(database_, std::string(certificate_columns) + "WHERE c.serial = ?1");
  query.bind(1, serial.hex());
  if (!query.step()) return std::nullopt;
  return certificate_from_row(query);
}

std::vector<CertificateRecord> Registry::certificates() {
  SqliteStatement query(database_,
                        std::string(certificate_columns) + "ORDER BY c.issued_at, c.rowid");
  std::vector<CertificateRecord> records;
  while (query.step()) records.push_back(certificate_from_row(query));
  return records;
}

std::int64_t Registry::certificate_count() {
  SqliteStatement query(database_, "SELECT COUNT(*) FROM certificates");
  query.step();
  return query.integer(0);
}

std::int64_t Registry::refused_request_count() {
  SqliteStatement query(database_, "SELECT COUNT(*) FROM requests WHERE outcome = 'refused'");
  query.step();
  return query.integer(0);
}

std::vector<TokenRecord> Registry::tokens() {
  SqliteStatement query(database_,
                        std::string("SELECT ") + token_columns + " FROM tokens ORDER BY id");
  std::vector<TokenRecord> records;
  while (query.step()) records.push_back(token_from_row(query));
  return records;
}

RevokeOutcome Registry::revoke(const pki::SerialNumber& serial, pki::RevocationReason reason,
                               TimePoint now) {
  const std::string serial_hex = serial.hex();
  SqliteTransaction transaction(database_);
  SqliteStatement known(database_, "SELECT 1 FROM certificates WHERE serial = ?1");
  if (!known.bind(1, std::string_view(serial_hex)).step()) return RevokeOutcome::UnknownSerial;
  SqliteStatement revoked(database_, "SELECT 1 FROM revocations WHERE serial = ?1");
  if (revoked.bind(1, std::string_view(serial_hex)).step()) return RevokeOutcome::AlreadyRevoked;
  SqliteStatement insert(database_,
                         "INSERT INTO revocations (serial, revoked_at, reason) "
                         "VALUES (?1, ?2, ?3)");
  insert.bind(1, std::string_view(serial_hex))
      .bind(2, to_unix_seconds(now))
      .bind(3, std::string_view(pki::revocation_reason_name(reason)))
      .run();
  transaction.commit();
  return RevokeOutcome::Revoked;
}

std::vector<RevocationRecord> Registry::revocations() {
  SqliteStatement query(database_,
                        "SELECT serial, revoked_at, reason FROM revocations "
                        "ORDER BY revoked_at, serial");
  std::vector<RevocationRecord> records;
  while (query.step()) {
    records.push_back(RevocationRecord{query.text(0), from_unix_seconds(query.integer(1)),
                                       reason_from_column(query.text(2))});
  }
  return records;
}

void Registry::publish_crl(const std::function<void(const CrlDraft&)>& publish) {
  SqliteTransaction transaction(database_);
  SqliteStatement state(database_, "SELECT crl_number FROM crl_state WHERE id = 1");
  if (!state.step()) throw std::runtime_error("the registry has no CRL state row");
  CrlDraft draft;
  draft.crl_number = state.integer(0) + 1;
  draft.revocations = revocations();
  publish(draft);
  SqliteStatement update(database_,
                         "UPDATE crl_state SET crl_number = ?1, revocations_included = ?2 "
                         "WHERE id = 1");
  update.bind(1, draft.crl_number)
      .bind(2, static_cast<std::int64_t>(draft.revocations.size()))
      .run();
  transaction.commit();
}

bool Registry::crl_outdated() {
  SqliteStatement query(database_,
                        "SELECT (SELECT COUNT(*) FROM revocations) <> revocations_included "
                        "FROM crl_state WHERE id = 1");
  return !query.step() || query.integer(0) != 0;
}

void Registry::record_service_certificate(const pki::Certificate& certificate,
                                          const std::string& key_type, TimePoint now) {
  SqliteTransaction transaction(database_);
  SqliteStatement insert(database_,
                         "INSERT INTO certificates (serial, subject, role, not_before, "
                         "not_after, pem, issued_at, key_type, token_id) "
                         "VALUES (?1, ?2, 'ttp-service', ?3, ?4, ?5, ?6, ?7, NULL) "
                         "ON CONFLICT (serial) DO NOTHING");
  insert.bind(1, certificate.serial().hex())
      .bind(2, certificate.subject_line())
      .bind(3, to_unix_seconds(certificate.not_before()))
      .bind(4, to_unix_seconds(certificate.not_after()))
      .bind(5, certificate.to_pem())
      .bind(6, to_unix_seconds(now))
      .bind(7, std::string_view(key_type))
      .run();
  transaction.commit();
}

bool Registry::integrity_ok() {
  return database_.pragma_text("integrity_check") == "ok";
}

}  // namespace sc::ttp
