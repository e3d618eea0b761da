// ttp: the trusted third party and certificate authority.
//
//   ttp [serve] [options]                       run the CA service (default)
//   ttp init [options]                          everything serve prepares, then exit
//   ttp token create --role R --cn NAME [...]   mint a one-time enrollment token
//   ttp list                                    certificates and their status
//   ttp revoke --serial S --reason R            revoke, and publish a new CRL
//   ttp crl                                     publish a new CRL, print its path
//
// The admin commands open the same registry as a running daemon (--store: the SQLite file in
// the certs folder by default, or a PostgreSQL database several `ttp serve` instances share),
// so they work while it serves; the daemon reads revocations from the registry at every status
// answer.
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <spdlog/spdlog.h>
#include <boost/program_options.hpp>

#include <cstdio>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "common/app/daemon_bootstrap.hpp"
#include "common/app/health_endpoint.hpp"
#include "common/metrics/metrics.hpp"
#include "common/pki/certificate_authority.hpp"
#include "common/pki/pem_file.hpp"
#include "common/pki/pki_error.hpp"
#include "ttp/crl_publisher.hpp"
#include "ttp/file_protection.hpp"
#include "ttp/registry.hpp"
#include "ttp/revocation_http_server.hpp"
#include "ttp/run_service.hpp"
#include "ttp/ttp_service.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace {

using namespace sc;
using namespace sc::ttp;

constexpr const char* registry_file = "registry.db";
constexpr const char* fingerprint_file = "ca.fingerprint";

// A refusal of the command line or of the operator's request: printed, exit code 2 or 1.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
struct CommandFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

po::options_description common_options() {
  po::options_description options("common options");
  options.add_options()("help,h", "show this help")(
      "config", po::value<std::string>(),
      "read options from this file too (key = value lines, same names as the flags)")(
      "certs-dir", po::value<std::string>()->default_value("certs/ttp"),
      "folder holding the root key, root certificate, registry and CRL")(
      "store", po::value<std::string>(),
      "the registry: sqlite:PATH (default: registry.db in --certs-dir) or "
      "postgresql://[user@]host[:port]/database, shared by several ttp serve instances holding "
      "the same CA key (password in ~/.pgpass or PGPASSWORD, never in the URI)")(
      "log-level", po::value<std::string>()->default_value("info"),
      "trace, debug, info, warn, error or off");
  return options;
}

po::options_description serve_options() {
  po::options_description options("ttp serve");
  app::add_health_options(options);
  options.add_options()("listen", po::value<std::string>()->default_value("127.0.0.1:8443"),
                        "address and port to serve enrollment, status and CRL requests on")(
      "root-key-type", po::value<std::string>()->default_value("rsa"),
      "root key algorithm at first start: rsa or ecdsa")(
      "root-rsa-bits", po::value<unsigned>()->default_value(3072),
      "root RSA key size at first start: 3072 or 4096")(
      "root-curve", po::value<std::string>()->default_value("P-384"),
      "root ECDSA curve at first start: P-256 or P-384")(
      "root-hash", po::value<std::string>(),
      "hash the CA signs with, at first start: sha256 or sha384 (default: sha384 for a P-384 "
      "root, else sha256; an ECDSA root's hash must match its curve)")(
      "bank-validity-days", po::value<unsigned>()->default_value(365),
      "validity of bank certificates, in days (1-3650)")(
      "customer-validity-days", po::value<unsigned>()->default_value(90),
      "validity of customer certificates, in days (1-3650)")(
      "bank-validity-minutes", po::value<unsigned>(),
      "FOR TESTING: validity of bank certificates in minutes (1-1440), replacing "
      "--bank-validity-days, to watch renewal happen")(
      "customer-validity-minutes", po::value<unsigned>(),
      "FOR TESTING: validity of customer certificates in minutes (1-1440), replacing "
      "--customer-validity-days")(
      "port-file", po::value<std::string>(),
      "write the port actually listened on to this file (useful with --listen HOST:0)")(
      "threads", po::value<unsigned>()->default_value(2), "threads serving connections")(
      "max-connections", po::value<std::size_t>()->default_value(256),
      "connections served at once, established or not; when established ones fill it, new "
      "ones are closed at once")(
      "max-unauthenticated", po::value<std::size_t>()->default_value(512),
      "connections still in their handshake, overall; one more evicts the oldest of them")(
      "max-unauthenticated-per-source", po::value<std::size_t>()->default_value(32),
      "connections still in their handshake from one IP address; one more evicts that "
      "address's oldest")(
      "handshake-timeout", po::value<unsigned>()->default_value(10),
      "seconds from connecting until the handshake must be complete (absolute)")(
      "write-timeout", po::value<unsigned>()->default_value(10),
      "seconds a peer has to read what is sent to it")(
      "idle-timeout", po::value<unsigned>()->default_value(30),
      "seconds without data from a peer, after the handshake, before its channel is closed")(
      "status-rate", po::value<double>()->default_value(50),
      "STATUS and OCSP requests per second from one source address")(
      "status-burst", po::value<double>()->default_value(100),
      "STATUS and OCSP requests one source address may send at once")(
      "enroll-rate", po::value<double>()->default_value(5),
      "ENROLL requests per second from one source address")(
      "enroll-burst", po::value<double>()->default_value(10),
      "ENROLL requests one source address may send at once")(
      "ocsp-validity", po::value<unsigned>()->default_value(3600),
      "seconds between thisUpdate and nextUpdate of every OCSP response (60-604800)")(
      "ocsp-refresh-fraction", po::value<double>()->default_value(0.5),
      "a signed OCSP response is reused until it is this fraction of --ocsp-validity old "
      "(0-1; 0 signs every answer)");
  return options;
}

po::options_description token_options() {
  po::options_description options("ttp token create");
  options.add_options()("role", po::value<std::string>(), "bank or customer (required)")(
      "cn", po::value<std::string>(), "the common name the certificate will carry (required)")(
      "host", po::value<std::string>(),
      "bank only: DNS name or IP address for its subjectAltName (default: the CN)")(
      "ttl-hours", po::value<unsigned>()->default_value(24), "hours until the token expires")(
      "country", po::value<std::string>(),
      "fixes C: the CSR must carry this ISO 3166-1 alpha-2 code (default: free)")(
      "state", po::value<std::string>(), "fixes ST (default: free)")(
      "locality", po::value<std::string>(), "fixes L (default: free)")(
      "organisation", po::value<std::string>(), "fixes O (default: free)")(
      "unit", po::value<std::string>(), "fixes OU (default: free)");
  return options;
}

po::options_description revoke_options() {
  po::options_description options("ttp revoke");
  options.add_options()("serial", po::value<std::string>(), "serial number in hex (required)")(
      "reason", po::value<std::string>()->default_value("unspecified"),
      "RFC 5280 reason: unspecified, keyCompromise, cACompromise, affiliationChanged, "
      "superseded, cessationOfOperation, certificateHold, privilegeWithdrawn, aACompromise");
  return options;
}

std::string required(const po::variables_map& vm, const char* name) {
  if (!vm.count(name) || vm[name].as<std::string>().empty()) {
    throw UsageError(std::string("--") + name + " is required");
  }
  return vm[name].as<std::string>();
}

unsigned validity_days(const po::variables_map& vm, const char* name) {
  const unsigned days = vm[name].as<unsigned>();
  if (days < 1 || days > 3650) {
    throw UsageError(std::string("--") + name + " must be between 1 and 3650 days");
  }
  return days;
}

pki::CaOptions ca_options(const po::variables_map& vm) {
  pki::CaOptions options;
  const std::string type = vm["root-key-type"].as<std::string>();
  if (type == "rsa") {
    options.key_type = crypto::KeyType::Rsa;
  } else if (type == "ecdsa") {
    options.key_type = crypto::KeyType::Ecdsa;
  } else {
    throw UsageError("--root-key-type must be rsa or ecdsa, not \"" + type + "\"");
  }
  options.rsa_bits = vm["root-rsa-bits"].as<unsigned>();
  if (options.rsa_bits != 3072 && options.rsa_bits != 4096) {
    throw UsageError("--root-rsa-bits must be 3072 or 4096");
  }
  const std::string curve = vm["root-curve"].as<std::string>();
  if (curve == "P-256") {
    options.curve = crypto::EcCurve::P256;
  } else if (curve == "P-384") {
    options.curve = crypto::EcCurve::P384;
  } else {
    throw UsageError("--root-curve must be P-256 or P-384, not \"" + curve + "\"");
  }
  // The curve's own hash for ECDSA (as TLS 1.3 pairs them: ecdsa_secp256r1_sha256,
  // ecdsa_secp384r1_sha384); RSA signs with SHA-256 unless --root-hash asks for SHA-384.
  const bool p384_root =
      options.key_type == crypto::KeyType::Ecdsa && options.curve == crypto::EcCurve::P384;
  options.hash = p384_root ? crypto::HashAlgorithm::Sha384 : crypto::HashAlgorithm::Sha256;
  if (vm.count("root-hash")) {
    const std::string hash = vm["root-hash"].as<std::string>();
    if (hash != "sha256" && hash != "sha384") {
      throw UsageError("--root-hash must be sha256 or sha384, not \"" + hash + "\"");
    }
    const auto asked =
        hash == "sha384" ? crypto::HashAlgorithm::Sha384 : crypto::HashAlgorithm::Sha256;
    if (options.key_type == crypto::KeyType::Ecdsa && asked != options.hash) {
      throw UsageError("--root-hash " + hash + " does not match the " + curve +
                       " root: ECDSA P-256 signs with sha256 and P-384 with sha384");
    }
    options.hash = asked;
  }
  return options;
}

// What the CA signs with on later starts: the hash the root's own self-signature used, so
// that every certificate, CRL and OCSP response carries the root's algorithm and hash.
crypto::HashAlgorithm hash_for_root(const pki::Certificate& root) {
  int digest_nid = NID_undef;
  if (X509_get_signature_info(root.native(), &digest_nid, nullptr, nullptr, nullptr) != 1) {
    ERR_clear_error();
    throw CommandFailure("cannot read the signature algorithm of the root certificate " +
                         root.subject_line());
  }
  if (digest_nid == NID_sha384) return crypto::HashAlgorithm::Sha384;
  if (digest_nid == NID_sha256) return crypto::HashAlgorithm::Sha256;
  throw CommandFailure("the root certificate " + root.subject_line() + " is signed with " +
                       OBJ_nid2sn(digest_nid) + "; this CA signs only with SHA-256 or SHA-384");
}

// Where the registry lives: --store, or the SQLite file in the certs folder.
store::StoreLocation registry_location(const po::variables_map& vm) {
  const fs::path certs_dir = vm["certs-dir"].as<std::string>();
  if (!vm.count("store")) return store::StoreLocation::sqlite(certs_dir / registry_file);
  try {
    return store::StoreLocation::parse(vm["store"].as<std::string>());
  } catch (const std::invalid_argument& failure) {
    throw UsageError(failure.what());
  }
}

// Opens the registry for a command; logs where (never a password).
std::unique_ptr<Registry> open_registry(const po::variables_map& vm) {
  const store::StoreLocation location = registry_location(vm);
  spdlog::info("opening the registry {}", location.display());
  return std::make_unique<Registry>(location);
}

// Opens the existing CA for an admin command (never creates one).
pki::CertificateAuthority open_authority(const fs::path& certs_dir) {
  const fs::path root_file = certs_dir / pki::CertificateAuthority::root_certificate_file;
  if (!fs::exists(root_file)) {
    throw CommandFailure("there is no CA in " + certs_dir.string() +
                         " (run ttp init or ttp serve first)");
  }
  return pki::CertificateAuthority::open(certs_dir,
                                         hash_for_root(pki::read_certificate_file(root_file)));
}

// The names in the TTP's service certificate: localhost, 127.0.0.1 and the --listen host.
std::vector<std::string> service_names(const std::string& listen) {
  std::vector<std::string> names{"localhost", "127.0.0.1"};
  const auto colon = listen.rfind(':');
  std::string host = colon == std::string::npos ? listen : listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (!host.empty() && host != "0.0.0.0" && host != "::" &&
      std::find(names.begin(), names.end(), host) == names.end()) {
    names.push_back(host);
  }
  return names;
}

std::optional<std::chrono::minutes> test_validity_minutes(const po::variables_map& vm,
                                                          const std::string& name) {
  if (!vm.count(name)) return std::nullopt;
  const unsigned minutes = vm[name].as<unsigned>();
  if (minutes < 1 || minutes > 1440) {
    throw UsageError("--" + name + " must be between 1 and 1440 minutes");
  }
  spdlog::warn("--{} {}: certificates of minutes are for tests only", name, minutes);
  return std::chrono::minutes(minutes);
}

IssuancePolicy issuance_policy(const po::variables_map& vm) {
  IssuancePolicy policy;
  policy.bank_validity_days = validity_days(vm, "bank-validity-days");
  policy.customer_validity_days = validity_days(vm, "customer-validity-days");
  policy.bank_validity_minutes = test_validity_minutes(vm, "bank-validity-minutes");
  policy.customer_validity_minutes = test_validity_minutes(vm, "customer-validity-minutes");
  return policy;
}

// What `ttp serve` prepares before it listens: the CA (created at first start), its
// fingerprint, the service credentials, the registry and a current CRL.
// Held by pointer so that the references between them stay valid when the struct moves.
struct PreparedTtp {
  std::unique_ptr<pki::CertificateAuthority> authority;
  pki::ServiceCredentials credentials;
  std::unique_ptr<Registry> registry;
  std::unique_ptr<CrlPublisher> crl_publisher;
  IssuancePolicy policy;
};

// The folder is the TTP's alone (0700); the keys in it must not be open to anybody else, as
// the bank and the client refuse theirs: a CA key others could read is a CA anyone can be.
void protect_certs_folder(const fs::path& certs_dir) {
  try {
    secure_certs_folder(certs_dir);
    refuse_exposed_private_key(certs_dir / pki::CertificateAuthority::root_key_file,
                               "the root key");
    refuse_exposed_private_key(certs_dir / pki::CertificateAuthority::service_key_file,
                               "the service key");
  } catch (const std::runtime_error& failure) {
    throw CommandFailure(failure.what());
  }
}

PreparedTtp prepare(const po::variables_map& vm) {
  const fs::path certs_dir = vm["certs-dir"].as<std::string>();
  const IssuancePolicy policy = issuance_policy(vm);
  const std::string listen = vm["listen"].as<std::string>();
  protect_certs_folder(certs_dir);

  spdlog::info("opening the certificate authority in {}", certs_dir.string());
  pki::CaOptions options = ca_options(vm);
  const fs::path root_file = certs_dir / pki::CertificateAuthority::root_certificate_file;
  if (fs::exists(root_file)) {
    // A later start: the root decides the algorithms, not today's --root-* options.
    options.hash = hash_for_root(pki::read_certificate_file(root_file));
    if (vm.count("root-hash") && ca_options(vm).hash != options.hash) {
      spdlog::warn("--root-hash {} ignored: the existing root signs with {}",
                   vm["root-hash"].as<std::string>(),
                   options.hash == crypto::HashAlgorithm::Sha384 ? "sha384" : "sha256");
    }
  }
  auto authority_owner = std::make_unique<pki::CertificateAuthority>(
      pki::CertificateAuthority::open_or_create(certs_dir, options));
  const pki::CertificateAuthority& authority = *authority_owner;
  spdlog::info("the CA signs with {} and {}",
               authority.root().public_key().type() == crypto::KeyType::Rsa ? "RSA" : "ECDSA",
               authority.hash() == crypto::HashAlgorithm::Sha384 ? "SHA-384" : "SHA-256");
  const std::string fingerprint = authority.root().sha256_fingerprint();
  std::cout << "CA fingerprint (SHA-256): " << fingerprint << std::endl;
  pki::write_text_file_atomically(certs_dir / fingerprint_file, fingerprint + "\n");
  spdlog::info("root CA \"{}\" (serial {}), valid until {}; fingerprint written to {}",
               authority.root().subject_line(), authority.root().serial_hex(),
               iso8601(authority.root().not_after()), (certs_dir / fingerprint_file).string());

  pki::ServiceCredentials credentials = authority.ensure_service_credentials(service_names(listen));
  auto registry = open_registry(vm);
  registry->record_service_certificate(credentials.certificate(),
                                       credentials.key.type() == crypto::KeyType::Rsa
                                           ? "RSA " + std::to_string(credentials.key.bits())
                                           : "ECDSA " + std::to_string(credentials.key.bits()));
  spdlog::info("service certificate serial {} for {}, valid until {}",
               credentials.certificate().serial_hex(), credentials.certificate().subject_line(),
               iso8601(credentials.certificate().not_after()));

  auto crl_publisher =
      std::make_unique<CrlPublisher>(authority, *registry, certs_dir / CrlPublisher::file_name);
  crl_publisher->refresh_if_needed();
  spdlog::info("registry {} holds {} certificate(s); policy: bank {} days, customer {} days",
               registry->location().display(), registry->certificate_count(),
               policy.bank_validity_days, policy.customer_validity_days);
  return PreparedTtp{std::move(authority_owner), std::move(credentials), std::move(registry),
                     std::move(crl_publisher), policy};
}

RateLimit rate_limit(const po::variables_map& vm, const std::string& name) {
  const RateLimit limit{vm[name + "-rate"].as<double>(), vm[name + "-burst"].as<double>()};
  if (const auto problem = limit.problem()) {
    throw UsageError("--" + name + "-rate/--" + name + "-burst: " + *problem);
  }
  return limit;
}

ServiceLimits service_limits(const po::variables_map& vm) {
  ServiceLimits limits;
  limits.status_rate = rate_limit(vm, "status");
  limits.enroll_rate = rate_limit(vm, "enroll");
  limits.ocsp.validity = std::chrono::seconds(vm["ocsp-validity"].as<unsigned>());
  limits.ocsp.refresh_fraction = vm["ocsp-refresh-fraction"].as<double>();
  if (const auto problem = limits.ocsp.problem()) {
    throw UsageError("--ocsp-validity/--ocsp-refresh-fraction: " + *problem);
  }
  return limits;
}

// --http-listen and --public-url (ttp/revocation_http_server.hpp): binds the HTTP side and sets
// the URLs issued certificates carry; the options' refusals are usage errors.
std::unique_ptr<RevocationHttpServer> bind_http(const po::variables_map& vm,
                                                IssuancePolicy& policy) {
  try {
    auto http = RevocationHttpServer::bind_if_asked(vm);
    policy.publication = publication_urls(vm, http.get());
    return http;
  } catch (const std::invalid_argument& failure) {
    throw UsageError(failure.what());
  }
}

int serve(const po::variables_map& vm) {
  const ServiceLimits limits = service_limits(vm);
  PreparedTtp ttp = prepare(vm);
  const auto http = bind_http(vm, ttp.policy);
  CrlRefresher refresher(*ttp.authority, ttp.registry->location(), ttp.crl_publisher->path());
  TtpService service(*ttp.authority, *ttp.registry, *ttp.crl_publisher, ttp.policy, limits);
  const auto http_running = RevocationHttpServer::serve(http.get(), service, ttp.authority->root());
  const fs::path certs_dir = vm["certs-dir"].as<std::string>();
  // Revocations and certificates come from admin commands and other instances too: read them
  // from the registry when scraped.
  Registry* registry = ttp.registry.get();
  metrics::global().gauge_callback("sc_ttp_revocations", "certificates revoked (registry)", {},
                                   [registry] { return double(registry->revocation_count()); });
  metrics::global().gauge_callback("sc_ttp_certificates", "certificates issued (registry)", {},
                                   [registry] { return double(registry->certificate_count()); });
  const auto health = app::HealthEndpoint::start_if_asked(
      app::health_settings(vm), "ttp",
      {app::certificate_check("ttp",
                              [certs_dir]() -> std::optional<pki::Certificate> {
                                return pki::read_certificate_file(
                                    certs_dir / pki::CertificateAuthority::root_certificate_file);
                              }),
       app::cached_check(app::store_check(ttp.registry->location()), std::chrono::seconds(2))});
  spdlog::info(
      "limits per source address: STATUS+OCSP {}/s (burst {}), ENROLL {}/s (burst {}); OCSP "
      "responses valid {} s, reused until {} s old",
      limits.status_rate.per_second, limits.status_rate.burst, limits.enroll_rate.per_second,
      limits.enroll_rate.burst, limits.ocsp.validity.count(), limits.ocsp.reuse_period().count());
  return run_service(service, ServeSettings{vm["listen"].as<std::string>(), &ttp.credentials, &vm});
}

int init(const po::variables_map& vm) {
  service_limits(vm);  // the same options as serve are checked
  prepare(vm);
  return 0;
}

int create_token(const po::variables_map& vm) {
  const std::string role_text = required(vm, "role");
  const auto role = pki::role_from_name(role_text);
  if (!role || *role == pki::Role::TtpService) {
    throw UsageError("--role must be bank or customer, not \"" + role_text + "\"");
  }
  const std::string common_name = required(vm, "cn");
  const std::string host = vm.count("host") ? vm["host"].as<std::string>() : "";
  if (!host.empty() && *role != pki::Role::Bank) {
    throw UsageError("--host is only for bank tokens (customers get no subjectAltName)");
  }
  const unsigned ttl_hours = vm["ttl-hours"].as<unsigned>();
  if (ttl_hours < 1 || ttl_hours > 24 * 30) {
    throw UsageError("--ttl-hours must be between 1 and 720");
  }
  pki::SubjectDetails probe;
  probe.common_name = common_name;
  if (const auto bad = probe.validate()) throw UsageError("--cn: " + *bad);
  // The fields the token fixes are checked like the CN, one option at a time so that the
  // message names the option.
  const auto fixed_field = [&vm](const char* option, std::string pki::SubjectDetails::*field) {
    if (!vm.count(option)) return std::string();
    pki::SubjectDetails single;
    single.common_name = "probe";
    single.*field = vm[option].as<std::string>();
    if (single.*field == "") throw UsageError(std::string("--") + option + " must not be empty");
    if (const auto bad = single.validate())
      throw UsageError(std::string("--") + option + ": " + *bad);
    return single.*field;
  };
  TokenRequest request;
  request.role = *role;
  request.common_name = common_name;
  request.time_to_live = std::chrono::hours(ttl_hours);
  request.host_name = host;
  request.fixed.country = fixed_field("country", &pki::SubjectDetails::country);
  request.fixed.state = fixed_field("state", &pki::SubjectDetails::state);
  request.fixed.locality = fixed_field("locality", &pki::SubjectDetails::locality);
  request.fixed.organisation = fixed_field("organisation", &pki::SubjectDetails::organisation);
  request.fixed.organisational_unit =
      fixed_field("unit", &pki::SubjectDetails::organisational_unit);

  const TokenGrant grant = open_registry(vm)->create_token(request);
  pki::SubjectDetails fixed_subject{grant.fixed.country,
                                    grant.fixed.state,
                                    grant.fixed.locality,
                                    grant.fixed.organisation,
                                    grant.fixed.organisational_unit,
                                    grant.common_name};
  spdlog::info("token #{} created for {} \"{}\"{}, single use, expires {}; it is shown once",
               grant.id, pki::role_name(grant.role), fixed_subject.one_line(),
               grant.host_name.empty() ? "" : " (host " + grant.host_name + ")",
               iso8601(grant.expires_at));
  std::cout << grant.token << std::endl;
  return 0;
}

std::string status_text(const CertificateRecord& record, TimePoint now) {
  if (record.revocation) {
    return std::string("revoked ") + pki::revocation_reason_name(record.revocation->reason) + " " +
           iso8601(record.revocation->revoked_at);
  }
  if (record.not_after < now) return "expired";
  return "good";
}

int list(const po::variables_map& vm) {
  const auto registry_owner = open_registry(vm);
  Registry& registry = *registry_owner;
  const auto records = registry.certificates();
  const TimePoint now = Clock::now();
  std::cout << std::left << std::setw(34) << "SERIAL" << std::setw(12) << "ROLE" << std::setw(22)
            << "NOT AFTER" << std::setw(45) << "STATUS"
            << "SUBJECT\n";
  for (const auto& record : records) {
    std::cout << std::left << std::setw(34) << record.serial_hex << std::setw(12)
              << pki::role_name(record.role) << std::setw(22) << iso8601(record.not_after)
              << std::setw(45) << status_text(record, now) << record.subject;
    if (record.renewed_from) std::cout << "  (renewed from " << *record.renewed_from << ")";
    std::cout << '\n';
  }
  std::cout << records.size() << " certificate(s); " << registry.refused_request_count()
            << " refused enrollment request(s) recorded" << std::endl;
  return 0;
}

int revoke(const po::variables_map& vm) {
  const fs::path certs_dir = vm["certs-dir"].as<std::string>();
  const std::string serial_text = required(vm, "serial");
  std::optional<pki::SerialNumber> serial;
  try {
    serial = pki::SerialNumber::from_hex(serial_text);
  } catch (const std::exception&) {
    throw UsageError("--serial \"" + serial_text + "\" is not a serial number in hex");
  }
  const std::string reason_text = vm["reason"].as<std::string>();
  const auto reason = pki::revocation_reason_from_name(reason_text);
  if (!reason || *reason == pki::RevocationReason::removeFromCRL) {
    throw UsageError("--reason \"" + reason_text +
                     "\" is not a revocation reason; use one of unspecified, keyCompromise, "
                     "cACompromise, affiliationChanged, superseded, cessationOfOperation, "
                     "certificateHold, privilegeWithdrawn, aACompromise");
  }
  const auto authority = open_authority(certs_dir);
  const auto registry_owner = open_registry(vm);
  Registry& registry = *registry_owner;
  switch (registry.revoke(*serial, *reason)) {
    case RevokeOutcome::UnknownSerial:
      throw CommandFailure("no certificate with serial " + serial->hex() +
                           " was issued by this TTP");
    case RevokeOutcome::AlreadyRevoked:
      throw CommandFailure("the certificate with serial " + serial->hex() + " is already revoked");
    case RevokeOutcome::Revoked:
      break;
  }
  spdlog::info("revoked serial {} ({})", serial->hex(), pki::revocation_reason_name(*reason));
  CrlPublisher publisher(authority, registry, certs_dir / CrlPublisher::file_name);
  publisher.publish();
  std::cout << "revoked " << serial->hex() << " (" << pki::revocation_reason_name(*reason)
            << "); CRL " << publisher.path().string() << std::endl;
  return 0;
}

int crl(const po::variables_map& vm) {
  const fs::path certs_dir = vm["certs-dir"].as<std::string>();
  const auto authority = open_authority(certs_dir);
  const auto registry_owner = open_registry(vm);
  CrlPublisher publisher(authority, *registry_owner, certs_dir / CrlPublisher::file_name);
  publisher.publish();
  std::cout << publisher.path().string() << std::endl;
  return 0;
}

void print_usage(std::ostream& out) {
  out << "usage: ttp [serve] [options]\n"
         "       ttp init [options]          (prepare the CA, registry and CRL, then exit)\n"
         "       ttp token create --role bank|customer --cn NAME [--host NAME] "
         "[--ttl-hours N]\n"
         "                        [--country C] [--state ST] [--locality L] "
         "[--organisation O] [--unit OU]\n"
         "       ttp list\n"
         "       ttp revoke --serial HEX [--reason REASON]\n"
         "       ttp crl\n\n"
      << common_options() << '\n'
      << serve_options() << '\n'
      << http_revocation_options() << '\n'
      << token_options() << '\n'
      << revoke_options() << '\n';
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> words;
  int first_option = 1;
  while (first_option < argc && argv[first_option][0] != '-' && words.size() < 2) {
    words.emplace_back(argv[first_option++]);
  }
  std::string command = words.empty() ? "serve" : words.front();
  if (command == "token") {
    if (words.size() < 2 || words[1] != "create") {
      std::cerr << "ttp: the token command is \"ttp token create --role R --cn NAME\"\n";
      return 2;
    }
    command = "token create";
  } else if (words.size() > 1) {
    std::cerr << "ttp: unexpected argument \"" << words[1] << "\"\n";
    return 2;
  }

  po::options_description options = common_options();
  if (command == "serve" || command == "init") {
    options.add(serve_options());
    options.add(http_revocation_options());
  } else if (command == "token create") {
    options.add(token_options());
  } else if (command == "revoke") {
    options.add(revoke_options());
  } else if (command != "list" && command != "crl") {
    std::cerr << "ttp: unknown command \"" << command << "\"\n";
    print_usage(std::cerr);
    return 2;
  }

  // The shared bootstrap: options, --help, logging; the TTP's help shows every command.
  std::ostringstream own_help;
  const app::CommandLine command_line =
      app::parse_command_line("ttp", app::arguments(argc, argv, first_option), options, own_help);
  if (command_line.decision == app::StartDecision::help_shown) {
    print_usage(std::cout);
    return 0;
  }
  if (command_line.decision == app::StartDecision::usage_error) return 2;
  const po::variables_map& vm = command_line.values;
  try {
    if (command == "serve") return serve(vm);
    if (command == "init") return init(vm);
    if (command == "token create") return create_token(vm);
    if (command == "list") return list(vm);
    if (command == "revoke") return revoke(vm);
    return crl(vm);
  } catch (const po::error& failure) {
    std::cerr << "ttp: " << failure.what() << "\n";
    print_usage(std::cerr);
    return 2;
  } catch (const UsageError& failure) {
    std::cerr << "ttp: " << failure.what() << "\n";
    return 2;
  } catch (const std::exception& failure) {
    std::cerr << "ttp " << command << ": " << failure.what() << "\n";
    return 1;
  }
}
