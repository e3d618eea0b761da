// The TTP registry: schema, tokens (hashed, single use, bound to role and name), issuance
// committed with the token redemption, serial collisions, revocations, concurrent access.
// One suite, two backends: SQLite (label unit) and PostgreSQL (ttp_registry_test_postgresql,
// label scale): the registry's location comes from test::fresh_store_location. The cases about
// a SQLite file's own properties (WAL, file modes, legacy files) pass without checking anything
// on PostgreSQL.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <atomic>
#include <cstdio>
#include <set>
#include <thread>

#include "common/crypto/hash.hpp"
#include "tests/support/test_databases.hpp"
#include "tests/unit/ttp/ttp_fixture.hpp"
#include "ttp/crl_publisher.hpp"
#include "ttp/file_protection.hpp"
#include "ttp/registry.hpp"

using namespace sc;
using namespace sc::ttp;

namespace {

EnrollmentClaim claim_for(const TokenGrant& grant, pki::Role role, std::string common_name) {
  pki::SubjectDetails subject;
  subject.common_name = common_name;
  return EnrollmentClaim{"test", role, grant.token, std::move(common_name), "ECDSA P-256", subject};
}

Registry::Issuer issuer_for(const pki::CertificateAuthority& authority,
                            const pki::CertificateSigningRequest& csr, pki::Role role) {
  return [&authority, csr, role](const pki::SerialNumber& serial, const TokenRecord&) {
    pki::IssuanceProfile profile;
    profile.role = role;
    return authority.issue(csr, profile, serial);
  };
}

// A fresh, empty registry location on the backend under test.
store::StoreLocation fresh_registry(const test::TempFolder& folder,
                                    std::string_view name = "registry") {
  return test::fresh_store_location(folder.path(), name);
}

bool on_sqlite() {
  return test::test_backend() == store::Backend::sqlite;
}

// Serials "5E" + 14 hex digits of n: a source both registries of a test can share.
pki::SerialNumber numbered_serial(int n) {
  char hex[17];
  std::snprintf(hex, sizeof hex, "5E%014X", static_cast<unsigned>(n));
  return pki::SerialNumber::from_hex(hex);
}

}  // namespace

TEST_CASE("a new registry uses the current schema; reopening reuses it", "[ttp][registry]") {
  test::TempFolder folder;
  const auto location = fresh_registry(folder);
  std::string token;
  {
    Registry registry(location);
    token = registry.create_token(pki::Role::Customer, "alice", std::chrono::hours(1)).token;
  }
  Registry reopened(location);
  REQUIRE(reopened.tokens().size() == 1);
  REQUIRE(reopened.integrity_ok());

  auto raw = store::open_database(location);
  CHECK(raw->query_one("SELECT version FROM schema_version")->integer(0) ==
        Registry::schema_version);
  if (on_sqlite()) {
    CHECK(raw->query_one("PRAGMA journal_mode")->text(0) == "wal");
    CHECK(raw->query_one("PRAGMA user_version")->integer(0) == Registry::schema_version);
  } else {
    CHECK(raw->query_one("SELECT version FROM sc_schema_versions WHERE component = 'ttp-registry'")
              ->integer(0) == Registry::schema_version);
  }
}

TEST_CASE("a registry written by a newer schema is refused untouched", "[ttp][registry]") {
  test::TempFolder folder;
  const auto location = fresh_registry(folder);
  { Registry registry(location); }
  {
    auto raw = store::open_database(location);
    if (on_sqlite()) {
      raw->execute_script("UPDATE schema_version SET version = 99");  // as an older ttp reads it
    } else {
      raw->execute_script(
          "UPDATE sc_schema_versions SET version = 99 WHERE component = 'ttp-registry'");
    }
  }
  REQUIRE_THROWS_WITH(Registry(location), Catch::Contains("schema version 99"));
}

TEST_CASE("tokens are random, stored only as their SHA-256 hash", "[ttp][registry][token]") {
  test::TempFolder folder;
  const auto location = fresh_registry(folder);
  Registry registry(location);
  const auto first = registry.create_token(pki::Role::Bank, "bank", std::chrono::hours(24));
  const auto second = registry.create_token(pki::Role::Customer, "bob", std::chrono::hours(24));
  CHECK(first.token.size() == 64);
  CHECK(first.token != second.token);
  CHECK(first.host_name == "bank");  // a bank's host name defaults to its CN
  CHECK(second.host_name.empty());

  auto raw = store::open_database(location);
  const auto stored = raw->query_one("SELECT token_hash FROM tokens ORDER BY id");
  REQUIRE(stored);
  CHECK(stored->text(0) ==
        to_hex(crypto::Hash::digest(crypto::HashAlgorithm::Sha256, as_bytes(first.token))));
  CHECK(stored->text(0) != first.token);
  CHECK(raw->query("SELECT 1 FROM tokens WHERE token_hash = ?1 OR token_hash = ?2",
                   {first.token, second.token})
            .empty());
  if (!on_sqlite()) return;
  // Nothing in the database file (or its WAL) holds the token text.
  const std::string bytes =
      test::read_file(folder / "registry.db") + test::read_file(folder / "registry.db-wal");
  CHECK(bytes.find(first.token) == std::string::npos);
  CHECK(bytes.find(second.token) == std::string::npos);
}

TEST_CASE("token checks refuse each way with a sentence", "[ttp][registry][token]") {
  test::TempFolder folder;
  Registry registry(fresh_registry(folder));
  const auto now = Clock::now();
  const auto grant = registry.create_token(pki::Role::Bank, "bank", std::chrono::hours(1));

  auto refusal_of = [&](const EnrollmentClaim& claim, TimePoint at) {
    const auto checked = registry.check_token(claim, at);
    REQUIRE(std::holds_alternative<TokenDenial>(checked));
    return std::get<TokenDenial>(checked);
  };

  const auto ok = registry.check_token(claim_for(grant, pki::Role::Bank, "bank"), now);
  REQUIRE(std::holds_alternative<TokenRecord>(ok));
  CHECK(std::get<TokenRecord>(ok).id == grant.id);

  CHECK(refusal_of(claim_for(grant, pki::Role::Customer, "bank"), now).refusal ==
        TokenRefusal::RoleMismatch);
  const auto name = refusal_of(claim_for(grant, pki::Role::Bank, "mallory"), now);
  CHECK(name.refusal == TokenRefusal::NameMismatch);
  CHECK_THAT(name.sentence, Catch::Contains("mallory") && Catch::Contains("\"bank\""));
  CHECK(
      refusal_of(claim_for(grant, pki::Role::Bank, "bank"), now + std::chrono::hours(2)).refusal ==
      TokenRefusal::Expired);
  EnrollmentClaim unknown = claim_for(grant, pki::Role::Bank, "bank");
  unknown.token = std::string(64, 'a');
  CHECK(refusal_of(unknown, now).refusal == TokenRefusal::Unknown);
  unknown.token.clear();
  CHECK(refusal_of(unknown, now).refusal == TokenRefusal::Missing);
  CHECK(std::string(token_refusal_code(TokenRefusal::AlreadyUsed)) == "token-used");
}

TEST_CASE("redeeming issues, commits and consumes the token once", "[ttp][registry][token]") {
  test::TempFolder folder;
  const auto authority = test::test_authority(folder.path());
  Registry registry(fresh_registry(folder));
  const auto grant = registry.create_token(pki::Role::Customer, "alice", std::chrono::hours(1));
  const auto csr = test::in_process_csr("alice");
  const auto issue = issuer_for(authority, csr, pki::Role::Customer);

  const auto first =
      registry.redeem_and_issue(claim_for(grant, pki::Role::Customer, "alice"), issue);
  REQUIRE(std::holds_alternative<pki::Certificate>(first));
  const auto& certificate = std::get<pki::Certificate>(first);
  const auto record = registry.find_certificate(certificate.serial());
  REQUIRE(record);
  CHECK(record->pem == certificate.to_pem());
  CHECK(record->role == pki::Role::Customer);
  CHECK(record->key_type == "ECDSA P-256");
  CHECK_FALSE(record->revocation);
  const auto tokens = registry.tokens();
  REQUIRE(tokens.size() == 1);
  CHECK(tokens[0].used_at);
  CHECK(tokens[0].used_by_serial == certificate.serial_hex());

  const auto second =
      registry.redeem_and_issue(claim_for(grant, pki::Role::Customer, "alice"), issue);
  REQUIRE(std::holds_alternative<TokenDenial>(second));
  CHECK(std::get<TokenDenial>(second).refusal == TokenRefusal::AlreadyUsed);
  CHECK_THAT(std::get<TokenDenial>(second).sentence, Catch::Contains(certificate.serial_hex()));
  CHECK(registry.certificate_count() == 1);
}

TEST_CASE("a failure while signing rolls back: nothing issued, token still unused",
          "[ttp][registry]") {
  test::TempFolder folder;
  Registry registry(fresh_registry(folder));
  const auto grant = registry.create_token(pki::Role::Customer, "alice", std::chrono::hours(1));
  const Registry::Issuer failing = [](const pki::SerialNumber&,
                                      const TokenRecord&) -> pki::Certificate {
    throw std::runtime_error("signing failed");
  };
  REQUIRE_THROWS(
      registry.redeem_and_issue(claim_for(grant, pki::Role::Customer, "alice"), failing));
  CHECK(registry.certificate_count() == 0);
  CHECK_FALSE(registry.tokens().at(0).used_at);
}

TEST_CASE("a serial already in the registry is never issued twice", "[ttp][registry]") {
  test::TempFolder folder;
  const auto authority = test::test_authority(folder.path());
  const auto fixed = pki::SerialNumber::from_hex("7A11CE0000000001");
  const auto other = pki::SerialNumber::from_hex("7A11CE0000000002");
  int draws = 0;
  Registry registry(fresh_registry(folder), [&] {
    ++draws;
    return draws <= 2 ? fixed : other;  // 1st enrollment: fixed; 2nd: fixed (taken), other
  });
  for (const char* name : {"alice", "bob"}) {
    const auto grant = registry.create_token(pki::Role::Customer, name, std::chrono::hours(1));
    const auto csr = test::in_process_csr(name);
    const auto issued = registry.redeem_and_issue(claim_for(grant, pki::Role::Customer, name),
                                                  issuer_for(authority, csr, pki::Role::Customer));
    REQUIRE(std::holds_alternative<pki::Certificate>(issued));
  }
  CHECK(draws == 3);
  const auto records = registry.certificates();
  REQUIRE(records.size() == 2);
  CHECK(records[0].serial_hex == fixed.hex());
  CHECK(records[1].serial_hex == other.hex());
}

TEST_CASE("the UNIQUE constraint itself refuses a duplicate serial", "[ttp][registry]") {
  test::TempFolder folder;
  const auto location = fresh_registry(folder);
  { Registry registry(location); }
  auto raw = store::open_database(location);
  const char* insert =
      "INSERT INTO certificates (serial, subject, role, not_before, not_after, pem, issued_at, "
      "key_type) VALUES ('0A', 'CN=x', 'customer', 0, 1, 'pem', 0, 'RSA 2048')";
  raw->run(insert);
  try {
    raw->run(insert);
    FAIL("a duplicate serial was stored");
  } catch (const store::StoreError& error) {
    CHECK(error.is_constraint_violation());
  }
}

TEST_CASE("revocations: once per serial, unknown serials refused, seen by another connection",
          "[ttp][registry][revocation]") {
  test::TempFolder folder;
  const auto authority = test::test_authority(folder.path());
  const auto location = fresh_registry(folder);
  Registry daemon(location);
  const auto grant = daemon.create_token(pki::Role::Customer, "alice", std::chrono::hours(1));
  const auto csr = test::in_process_csr("alice");
  const auto issued = daemon.redeem_and_issue(claim_for(grant, pki::Role::Customer, "alice"),
                                              issuer_for(authority, csr, pki::Role::Customer));
  const auto serial = std::get<pki::Certificate>(issued).serial();

  Registry admin(location);     // a second process would open it the same way
  CHECK(admin.crl_outdated());  // never published
  CHECK(admin.revoke(serial, pki::RevocationReason::keyCompromise) == RevokeOutcome::Revoked);
  CHECK(admin.revoke(serial, pki::RevocationReason::superseded) == RevokeOutcome::AlreadyRevoked);
  CHECK(admin.revoke(pki::SerialNumber::from_hex("0BADBAD0"), pki::RevocationReason::unspecified) ==
        RevokeOutcome::UnknownSerial);

  const auto seen = daemon.find_certificate(serial);
  REQUIRE(seen);
  REQUIRE(seen->revocation);
  CHECK(seen->revocation->reason == pki::RevocationReason::keyCompromise);
  REQUIRE(daemon.revocations().size() == 1);

  std::int64_t number = 0;
  daemon.publish_crl([&](const Registry::CrlDraft& draft) {
    number = draft.crl_number;
    CHECK(draft.revocations.size() == 1);
  });
  CHECK(number == 1);
  CHECK_FALSE(admin.crl_outdated());
  admin.publish_crl([&](const Registry::CrlDraft& draft) { number = draft.crl_number; });
  CHECK(number == 2);  // RFC 5280 section 5.2.3: CRL numbers increase
}

TEST_CASE("a failed CRL publication does not advance the CRL number", "[ttp][registry]") {
  test::TempFolder folder;
  Registry registry(fresh_registry(folder));
  REQUIRE_THROWS(registry.publish_crl(
      [](const Registry::CrlDraft&) { throw std::runtime_error("disk full"); }));
  std::int64_t number = 0;
  registry.publish_crl([&](const Registry::CrlDraft& draft) { number = draft.crl_number; });
  CHECK(number == 1);
}

TEST_CASE("refused enrollment attempts are recorded", "[ttp][registry]") {
  test::TempFolder folder;
  Registry registry(fresh_registry(folder));
  registry.record_refusal(RefusalRecord{"127.0.0.1:5000", pki::Role::Bank, "bank", std::nullopt,
                                        "bad-token", "the enrollment token is not known"});
  CHECK(registry.refused_request_count() == 1);
  CHECK(registry.certificate_count() == 0);
}

TEST_CASE("two connections racing to redeem one token: exactly one certificate",
          "[ttp][registry][token]") {
  test::TempFolder folder;
  const auto authority = test::test_authority(folder.path());
  const auto path = fresh_registry(folder);
  const auto grant =
      Registry(path).create_token(pki::Role::Customer, "mallory", std::chrono::hours(1));
  const auto csr = test::in_process_csr("mallory");
  std::atomic<int> issued{0};
  std::atomic<int> refused_as_used{0};
  std::atomic<int> failed{0};
  std::vector<std::thread> racers;
  for (int i = 0; i < 4; ++i) {
    racers.emplace_back([&] {
      try {
        Registry registry(path);  // its own connection, as a second process would have
        const auto outcome =
            registry.redeem_and_issue(claim_for(grant, pki::Role::Customer, "mallory"),
                                      issuer_for(authority, csr, pki::Role::Customer));
        if (std::holds_alternative<pki::Certificate>(outcome)) {
          ++issued;
        } else if (std::get<TokenDenial>(outcome).refusal == TokenRefusal::AlreadyUsed) {
          ++refused_as_used;
        }
      } catch (const std::exception&) {
        ++failed;
      }
    });
  }
  for (auto& racer : racers) racer.join();
  CHECK(failed == 0);
  CHECK(issued == 1);
  CHECK(refused_as_used == 3);
  CHECK(Registry(path).certificate_count() == 1);
}

// The schema of registry version 1, as ttp wrote it before the token fixed subject fields
// (copied from ttp/registry.cpp at that version).
constexpr const char* version_1_schema_sql = R"sql(
CREATE TABLE IF NOT EXISTS schema_version (
  version INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS tokens (
  id             INTEGER PRIMARY KEY,
  token_hash     TEXT NOT NULL UNIQUE,
  role           TEXT NOT NULL CHECK (role IN ('bank', 'customer')),
  common_name    TEXT NOT NULL,
  host_name      TEXT NOT NULL DEFAULT '',
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

TEST_CASE(
    "a version-1 registry is migrated to the current version when opened; its tokens "
    "stay usable",
    "[ttp][registry][migration]") {
  if (!on_sqlite()) return;  // version-1 registries were SQLite files
  test::TempFolder folder;
  const auto path = folder / "registry.db";
  const std::string token(64, 'a');
  const std::string hash =
      to_hex(crypto::Hash::digest(crypto::HashAlgorithm::Sha256, as_bytes(token)));
  {
    SqliteDatabase old(path);
    old.execute("PRAGMA journal_mode=WAL");
    old.execute(version_1_schema_sql);
    old.execute("INSERT INTO schema_version (version) VALUES (1)");
    old.execute("INSERT INTO crl_state (id, crl_number, revocations_included) VALUES (1, 0, -1)");
    old.execute(
        "INSERT INTO tokens (token_hash, role, common_name, host_name, created_at, "
        "expires_at) VALUES ('" +
        hash + "', 'customer', 'rita', '', 0, 4102444800)");
    CHECK(old.pragma_text("user_version") == "0");
  }
  {
    Registry migrated(path);
    const auto tokens = migrated.tokens();
    REQUIRE(tokens.size() == 1);
    CHECK(tokens.front().common_name == "rita");
    CHECK(tokens.front().fixed == FixedSubjectFields{});
    pki::SubjectDetails subject;
    subject.organisation = "Anything";
    subject.common_name = "rita";
    const auto checked = migrated.check_token(
        EnrollmentClaim{"test", pki::Role::Customer, token, "rita", "ECDSA P-256", subject});
    CHECK(std::holds_alternative<TokenRecord>(checked));
    // New tokens can fix fields in the migrated file.
    TokenRequest request;
    request.common_name = "sam";
    request.fixed.organisation = "Example Bank";
    migrated.create_token(request);
  }
  SqliteDatabase raw(path);
  CHECK(raw.pragma_text("user_version") == std::to_string(Registry::schema_version));
  SqliteStatement version(raw, "SELECT version FROM schema_version");
  REQUIRE(version.step());
  CHECK(version.integer(0) == Registry::schema_version);
  // Version 3: certificates name the one they renew.
  SqliteStatement renewed_from(raw, "SELECT COUNT(renewed_from) FROM certificates");
  REQUIRE(renewed_from.step());
  CHECK(renewed_from.integer(0) == 0);
  CHECK(Registry(path).tokens().back().fixed.organisation == "Example Bank");
}

TEST_CASE("a registry whose user_version is newer is refused untouched", "[ttp][registry]") {
  if (!on_sqlite()) return;  // PostgreSQL: the case above, through sc_schema_versions
  test::TempFolder folder;
  const auto path = folder / "registry.db";
  { Registry registry(path); }
  const std::string newer = std::to_string(Registry::schema_version + 1);
  { SqliteDatabase(path).execute("PRAGMA user_version = " + newer); }
  REQUIRE_THROWS_WITH(Registry(path), Catch::Contains("schema version " + newer));
}

TEST_CASE("a token checks every subject field it fixes and names the first that differs",
          "[ttp][registry][token]") {
  test::TempFolder folder;
  Registry registry(fresh_registry(folder));
  TokenRequest request;
  request.role = pki::Role::Bank;
  request.common_name = "bank.example";
  request.fixed = FixedSubjectFields{"DE", "Hessen", "Frankfurt", "Example Bank", "Payments"};
  const auto grant = registry.create_token(request);
  CHECK(registry.tokens().front().fixed == request.fixed);

  pki::SubjectDetails subject{"DE",           "Hessen",   "Frankfurt",
                              "Example Bank", "Payments", "bank.example"};
  const auto claim = [&](const pki::SubjectDetails& asked) {
    return EnrollmentClaim{"test",         pki::Role::Bank, grant.token,
                           "bank.example", "ECDSA P-256",   asked};
  };
  CHECK(std::holds_alternative<TokenRecord>(registry.check_token(claim(subject))));

  struct Change {
    std::string pki::SubjectDetails::*field;
    std::string label;
  };
  for (const Change& change :
       {Change{&pki::SubjectDetails::country, "C"}, Change{&pki::SubjectDetails::state, "ST"},
        Change{&pki::SubjectDetails::locality, "L"},
        Change{&pki::SubjectDetails::organisation, "O"},
        Change{&pki::SubjectDetails::organisational_unit, "OU"}}) {
    pki::SubjectDetails changed = subject;
    changed.*change.field = "Other";
    const auto outcome = registry.check_token(claim(changed));
    REQUIRE(std::holds_alternative<TokenDenial>(outcome));
    const auto& denial = std::get<TokenDenial>(outcome);
    CHECK(denial.refusal == TokenRefusal::SubjectMismatch);
    CHECK(std::string(token_refusal_code(denial.refusal)) == "subject-mismatch");
    CHECK(denial.sentence == "the token fixes " + change.label + "=\"" + subject.*change.field +
                                 "\"; the request asks for " + change.label + "=\"Other\"");
  }
}

TEST_CASE("the registry file and its -wal/-shm are 0600 even under umask 022",
          "[ttp][registry][files]") {
  if (!on_sqlite()) return;  // a file's own property
  test::TempFolder folder;
  const mode_t previous = ::umask(022);
  const auto path = folder / "registry.db";
  {
    Registry registry(path);
    registry.create_token(pki::Role::Customer, "tom", std::chrono::hours(1));
    for (const std::string suffix : {"", "-wal", "-shm"}) {
      struct stat status {};
      INFO(path.string() + suffix);
      REQUIRE(::stat((path.string() + suffix).c_str(), &status) == 0);
      CHECK((status.st_mode & 0777) == 0600);
    }
  }
  // A registry left 0644 by an older version is tightened when opened.
  const auto old_path = folder / "old.db";
  {
    SqliteDatabase old(old_path);
    old.execute("PRAGMA user_version = 0");
  }
  ::chmod(old_path.c_str(), 0644);
  { Registry registry(old_path); }
  struct stat status {};
  REQUIRE(::stat(old_path.c_str(), &status) == 0);
  CHECK((status.st_mode & 0777) == 0600);
  ::umask(previous);
}

TEST_CASE("the certs folder is 0700 and an exposed root key is refused", "[ttp][files]") {
  test::TempFolder folder;
  const auto certs = folder / "certs";
  const auto mode_of = [](const std::filesystem::path& path) {
    struct stat status {};
    REQUIRE(::stat(path.c_str(), &status) == 0);
    return status.st_mode & 0777;
  };
  secure_certs_folder(certs);
  CHECK(mode_of(certs) == 0700);
  ::chmod(certs.c_str(), 0755);
  secure_certs_folder(certs);
  CHECK(mode_of(certs) == 0700);

  const auto key = certs / "ca.key";
  refuse_exposed_private_key(key, "the root key");  // absent: created 0600 later
  test::write_file(key, "not really a key");
  ::chmod(key.c_str(), 0644);
  REQUIRE_THROWS_WITH(refuse_exposed_private_key(key, "the root key"),
                      Catch::Contains("the root key " + key.string()) &&
                          Catch::Contains("(mode 0644); run chmod 600 on it"));
  ::chmod(key.c_str(), 0640);
  CHECK_THROWS(refuse_exposed_private_key(key, "the root key"));
  ::chmod(key.c_str(), 0600);
  CHECK_NOTHROW(refuse_exposed_private_key(key, "the root key"));
}

// Two TTP instances on one database: two Registry objects, two connections, threads on both.
struct TwoInstances {
  test::TempFolder folder;
  pki::CertificateAuthority authority = test::test_authority(folder.path());
  store::StoreLocation location = fresh_registry(folder, "shared");
  Registry first{location};
  Registry second{location};
  Registry& instance(int i) { return i % 2 == 0 ? first : second; }
};

TEST_CASE("two instances, 20 threads redeeming one token: exactly one certificate",
          "[ttp][registry][token][instances]") {
  TwoInstances ttp;
  const auto grant = ttp.first.create_token(pki::Role::Customer, "mallory", std::chrono::hours(1));
  const auto csr = test::in_process_csr("mallory");
  const auto issue = issuer_for(ttp.authority, csr, pki::Role::Customer);
  std::atomic<int> issued{0};
  std::atomic<int> refused_as_used{0};
  std::atomic<int> failed{0};
  std::vector<std::thread> racers;
  for (int i = 0; i < 20; ++i) {
    racers.emplace_back([&, i] {
      try {
        const auto outcome = ttp.instance(i).redeem_and_issue(
            claim_for(grant, pki::Role::Customer, "mallory"), issue);
        if (std::holds_alternative<pki::Certificate>(outcome)) {
          ++issued;
        } else if (std::get<TokenDenial>(outcome).refusal == TokenRefusal::AlreadyUsed) {
          ++refused_as_used;
        }
      } catch (const std::exception& error) {
        UNSCOPED_INFO(error.what());
        ++failed;
      }
    });
  }
  for (auto& racer : racers) racer.join();
  CHECK(failed == 0);
  CHECK(issued == 1);
  CHECK(refused_as_used == 19);
  CHECK(ttp.first.certificate_count() == 1);
  CHECK(ttp.second.certificate_count() == 1);
  const auto tokens = ttp.second.tokens();
  REQUIRE(tokens.size() == 1);
  REQUIRE(tokens[0].used_by_serial);
  CHECK(ttp.second.certificates().at(0).serial_hex == *tokens[0].used_by_serial);
}

TEST_CASE("two instances, 200 enrollments, colliding serial draws: 200 distinct serials",
          "[ttp][registry][instances]") {
  test::TempFolder folder;
  const auto authority = test::test_authority(folder.path());
  const auto location = fresh_registry(folder, "serials");
  // Every third draw repeats the serial of the draw before (which another thread, maybe on the
  // other instance, is using or used): the registry must draw again rather than fail or issue a
  // serial twice. (Not every serial twice: an instance that always drew the serial the other
  // is inserting at that moment would chase it forever; random serials never do.)
  std::mutex draw_mutex;
  int draws = 0;
  int last = 0;
  const Registry::SerialSource colliding = [&] {
    std::lock_guard lock(draw_mutex);
    if (++draws % 3 != 0) ++last;
    return numbered_serial(last);
  };
  Registry first(location, colliding);
  Registry second(location, colliding);
  constexpr int kThreads = 4;
  constexpr int kPerThread = 50;
  std::vector<TokenGrant> grants;
  for (int i = 0; i < kThreads * kPerThread; ++i) {
    grants.push_back(first.create_token(pki::Role::Customer, "bulk", std::chrono::hours(1)));
  }
  const auto csr = test::in_process_csr("bulk");
  const auto issue = issuer_for(authority, csr, pki::Role::Customer);
  std::atomic<int> issued{0};
  std::atomic<int> failed{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < kThreads; ++t) {
    workers.emplace_back([&, t] {
      Registry& registry = t % 2 == 0 ? first : second;
      for (int i = t * kPerThread; i < (t + 1) * kPerThread; ++i) {
        try {
          const auto outcome =
              registry.redeem_and_issue(claim_for(grants[i], pki::Role::Customer, "bulk"), issue);
          if (std::holds_alternative<pki::Certificate>(outcome)) ++issued;
        } catch (const std::exception& error) {
          UNSCOPED_INFO(error.what());
          ++failed;
        }
      }
    });
  }
  for (auto& worker : workers) worker.join();
  CHECK(failed == 0);
  CHECK(issued == kThreads * kPerThread);
  std::set<std::string> serials;
  for (const auto& record : second.certificates()) serials.insert(record.serial_hex);
  CHECK(serials.size() == static_cast<std::size_t>(kThreads * kPerThread));
  std::set<std::string> redeemed_for;
  for (const auto& token : first.tokens()) {
    REQUIRE(token.used_by_serial);
    redeemed_for.insert(*token.used_by_serial);
  }
  CHECK(redeemed_for == serials);
  CHECK(draws > kThreads * kPerThread);  // the repeated serials were drawn again
}

TEST_CASE("revocations through either instance are in the next CRL draft of either",
          "[ttp][registry][revocation][instances]") {
  TwoInstances ttp;
  std::vector<pki::SerialNumber> serials;
  for (const char* name : {"ada", "bea"}) {
    const auto grant = ttp.first.create_token(pki::Role::Customer, name, std::chrono::hours(1));
    const auto csr = test::in_process_csr(name);
    const auto issued =
        ttp.first.redeem_and_issue(claim_for(grant, pki::Role::Customer, name),
                                   issuer_for(ttp.authority, csr, pki::Role::Customer));
    serials.push_back(std::get<pki::Certificate>(issued).serial());
  }
  std::int64_t number = 0;
  ttp.first.publish_crl([&](const Registry::CrlDraft& draft) { number = draft.crl_number; });
  CHECK_FALSE(ttp.second.crl_outdated());

  CHECK(ttp.first.revoke(serials[0], pki::RevocationReason::keyCompromise) ==
        RevokeOutcome::Revoked);
  CHECK(ttp.second.revoke(serials[1], pki::RevocationReason::superseded) == RevokeOutcome::Revoked);
  CHECK(ttp.second.revoke(serials[0], pki::RevocationReason::superseded) ==
        RevokeOutcome::AlreadyRevoked);
  CHECK(ttp.first.crl_outdated());
  CHECK(ttp.second.revocation_count() == 2);

  for (Registry* registry : {&ttp.second, &ttp.first}) {
    std::set<std::string> listed;
    std::int64_t next = 0;
    registry->publish_crl([&](const Registry::CrlDraft& draft) {
      next = draft.crl_number;
      for (const auto& revocation : draft.revocations) listed.insert(revocation.serial_hex);
    });
    CHECK(listed == std::set<std::string>{serials[0].hex(), serials[1].hex()});
    CHECK(next == number + 1);  // RFC 5280 section 5.2.3: one sequence for every instance
    number = next;
  }
}

TEST_CASE("CRL numbers taken by two instances at once are distinct and increasing",
          "[ttp][registry][instances]") {
  TwoInstances ttp;
  std::mutex seen_mutex;
  std::vector<std::int64_t> seen;
  std::vector<std::thread> publishers;
  for (int i = 0; i < 8; ++i) {
    publishers.emplace_back([&, i] {
      for (int round = 0; round < 5; ++round) {
        ttp.instance(i).publish_crl([&](const Registry::CrlDraft& draft) {
          std::lock_guard lock(seen_mutex);
          seen.push_back(draft.crl_number);
        });
      }
    });
  }
  for (auto& publisher : publishers) publisher.join();
  REQUIRE(seen.size() == 40);
  // The numbers were handed out under the row lock: published in the order they were taken.
  CHECK(std::is_sorted(seen.begin(), seen.end()));
  CHECK(std::set<std::int64_t>(seen.begin(), seen.end()).size() == seen.size());
  CHECK(seen.back() == 40);
}

TEST_CASE("an instance's CRL file is rewritten when another instance published newer revocations",
          "[ttp][registry][revocation][instances][crl]") {
  TwoInstances ttp;
  const auto grant = ttp.first.create_token(pki::Role::Customer, "cy", std::chrono::hours(1));
  const auto csr = test::in_process_csr("cy");
  const auto issued =
      ttp.first.redeem_and_issue(claim_for(grant, pki::Role::Customer, "cy"),
                                 issuer_for(ttp.authority, csr, pki::Role::Customer));
  const auto serial = std::get<pki::Certificate>(issued).serial();
  // Each instance writes its own crl.pem.
  CrlPublisher one(ttp.authority, ttp.first, ttp.folder / "crl-1.pem");
  CrlPublisher two(ttp.authority, ttp.second, ttp.folder / "crl-2.pem");
  one.publish();
  two.publish();
  CHECK_FALSE(two.refresh_if_needed());
  CHECK(crl_revoked_count(test::read_file(ttp.folder / "crl-2.pem")) == 0);

  REQUIRE(ttp.first.revoke(serial, pki::RevocationReason::keyCompromise) == RevokeOutcome::Revoked);
  one.publish();  // as `ttp revoke` through the first instance does
  CHECK(crl_revoked_count(test::read_file(ttp.folder / "crl-1.pem")) == 1);
  CHECK_FALSE(ttp.second.crl_outdated());  // the registry's own bookkeeping says published...
  CHECK(two.refresh_if_needed());          // ...but the second instance's file lacks it
  CHECK(crl_revoked_count(two.current_pem()) == 1);
  CHECK_FALSE(two.refresh_if_needed());
}

// ---------------------------------------------------------------- renewal
namespace {

Registry::RenewalIssuer renewal_issuer_for(const pki::CertificateAuthority& authority,
                                           const pki::CertificateSigningRequest& csr) {
  return [&authority, csr](const pki::SerialNumber& serial, const CertificateRecord& old) {
    pki::IssuanceProfile profile;
    profile.role = old.role;
    return authority.issue(csr, profile, serial);
  };
}

pki::Certificate enrolled(Registry& registry, const pki::CertificateAuthority& authority,
                          pki::Role role, const std::string& name) {
  const auto grant = registry.create_token(role, name, std::chrono::hours(1));
  auto outcome = registry.redeem_and_issue(claim_for(grant, role, name),
                                           issuer_for(authority, test::in_process_csr(name), role));
  REQUIRE(std::holds_alternative<pki::Certificate>(outcome));
  return std::get<pki::Certificate>(outcome);
}

RenewalClaim renewal_of(const pki::Certificate& old) {
  return RenewalClaim{"test", old.serial(), old.common_name(), "ECDSA P-256"};
}

}  // namespace

TEST_CASE("a renewal is stored linked to the certificate it renews, with the old role",
          "[ttp][registry][renewal]") {
  test::TempFolder folder;
  const auto authority = test::test_authority(folder / "ca");
  Registry registry(fresh_registry(folder));
  const pki::Certificate old = enrolled(registry, authority, pki::Role::Bank, "bank");
  auto outcome = registry.renew_and_issue(
      renewal_of(old), renewal_issuer_for(authority, test::in_process_csr("bank")));
  REQUIRE(std::holds_alternative<pki::Certificate>(outcome));
  const pki::Certificate renewed = std::get<pki::Certificate>(outcome);
  CHECK(renewed.role() == pki::Role::Bank);

  const auto record = registry.find_certificate(renewed.serial());
  REQUIRE(record);
  CHECK(record->renewed_from == old.serial_hex());
  CHECK(record->role == pki::Role::Bank);
  CHECK_FALSE(registry.find_certificate(old.serial())->renewed_from);
  // The listing carries the link, and a renewal of the renewal chains on.
  auto again = registry.renew_and_issue(
      renewal_of(renewed), renewal_issuer_for(authority, test::in_process_csr("bank")));
  REQUIRE(std::holds_alternative<pki::Certificate>(again));
  // (PostgreSQL orders certificates issued in the same second by serial: look them up by serial.)
  const auto records = registry.certificates();
  REQUIRE(records.size() == 3);
  const auto link_of = [&](const std::string& serial) {
    for (const auto& listed : records) {
      if (listed.serial_hex == serial) return listed.renewed_from;
    }
    FAIL("serial " << serial << " is not listed");
    return std::optional<std::string>();
  };
  CHECK_FALSE(link_of(old.serial_hex()));
  CHECK(link_of(renewed.serial_hex()) == old.serial_hex());
  CHECK(link_of(std::get<pki::Certificate>(again).serial_hex()) == renewed.serial_hex());
}

TEST_CASE("revoked, expired, unknown and service certificates are not renewed",
          "[ttp][registry][renewal]") {
  test::TempFolder folder;
  const auto authority = test::test_authority(folder / "ca");
  Registry registry(fresh_registry(folder));
  const pki::Certificate alice = enrolled(registry, authority, pki::Role::Customer, "alice");
  const auto issuer = renewal_issuer_for(authority, test::in_process_csr("alice"));
  const auto denied = [&](const RenewalClaim& claim, TimePoint now) {
    auto outcome = registry.renew_and_issue(claim, issuer, now);
    REQUIRE(std::holds_alternative<RenewalDenial>(outcome));
    const RenewalDenial denial = std::get<RenewalDenial>(outcome);
    CHECK(denial.sentence.size() > 20);
    return std::string(renewal_refusal_code(denial.refusal));
  };
  const std::int64_t before = registry.certificate_count();

  CHECK(denied(renewal_of(alice), alice.not_after() + std::chrono::seconds(1)) ==
        "certificate-expired");
  CHECK(denied(RenewalClaim{"test", numbered_serial(7), "alice", "ECDSA P-256"}, Clock::now()) ==
        "unknown-certificate");
  const auto service = authority.ensure_service_credentials({"localhost"});
  registry.record_service_certificate(service.certificate(), "ECDSA 256");
  CHECK(denied(renewal_of(service.certificate()), Clock::now()) == "not-renewable");
  REQUIRE(registry.revoke(alice.serial(), pki::RevocationReason::keyCompromise) ==
          RevokeOutcome::Revoked);
  CHECK(denied(renewal_of(alice), Clock::now()) == "certificate-revoked");
  CHECK(registry.certificate_count() == before + 1);  // the service certificate only
}
