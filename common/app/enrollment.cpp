#include "common/app/enrollment.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <thread>

#include "common/app/run_blocking.hpp"
#include "common/crypto/signature.hpp"
#include "common/files/atomic_file.hpp"
#include "common/pki/certificate_signing_request.hpp"
#include "common/pki/chain_verifier.hpp"
#include "common/pki/pem_file.hpp"

namespace sc::app {
namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace {

constexpr const char* kKeyFile = "key.pem";
constexpr const char* kCertificateFile = "cert.pem";
constexpr const char* kRootFile = "ca.pem";
constexpr const char* kNextKeySuffix = ".next";  // key.pem.next: a renewal's new key

fs::path next_key_file(const fs::path& key_file) {
  return fs::path(key_file.string() + kNextKeySuffix);
}

// key.pem.next becomes key.pem, and the folder is synced so that the rename survives a power
// loss as cert.pem (written and synced before it) does: otherwise the old key could come back
// beside the new certificate. The sync is required, as for the key's own write
// (PrivateKey::save_pem_file). A plain rename, not files::replace_with: that one removes the
// temporary when the rename fails, and key.pem.next is then the only copy of the key the new
// certificate was issued for; left in place, complete_interrupted_renewal finishes the rename.
void install_next_key(const fs::path& next, const fs::path& key_file) {
  fs::rename(next, key_file);
  files::sync_folder(files::folder_of(key_file), files::FolderSync::required);
}

// Held while one process renews the identity in a folder (a running daemon and a one-shot
// `client renew` must not both write key.pem.next and cert.pem): flock on FOLDER/renewal.lock.
class RenewalLock {
 public:
  explicit RenewalLock(const fs::path& folder)
      : fd_(::open((folder / "renewal.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600)) {
    if (fd_ < 0) {
      throw std::runtime_error("cannot open " + (folder / "renewal.lock").string());
    }
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd_);
      throw std::runtime_error("another process is renewing the certificate in " + folder.string() +
                               " right now");
    }
  }
  RenewalLock(const RenewalLock&) = delete;
  RenewalLock& operator=(const RenewalLock&) = delete;
  ~RenewalLock() { ::close(fd_); }  // releases the lock

 private:
  int fd_;
};

// A rekeying renewal writes key.pem.next, then cert.pem, then renames key.pem.next over
// key.pem. A crash between the two last steps leaves the new certificate with key.pem.next:
// finish the rename. Before cert.pem was replaced, key.pem.next belongs to no certificate:
// remove it.
void complete_interrupted_renewal(const fs::path& folder) {
  const fs::path key_file = folder / kKeyFile;
  const fs::path next = next_key_file(key_file);
  if (!fs::exists(next)) return;
  std::optional<RenewalLock> lock;
  try {
    lock.emplace(folder);
  } catch (const std::exception&) {
    return;  // another process is renewing right now: key.pem.next is its work in progress
  }
  try {
    const pki::Certificate certificate = pki::read_certificate_file(folder / kCertificateFile);
    const crypto::PrivateKey next_key = crypto::PrivateKey::load_pem_file(next);
    if (certificate.public_key().to_der() == next_key.public_key().to_der()) {
      install_next_key(next, key_file);
      spdlog::warn("completed an interrupted renewal: {} now holds the renewed certificate's key",
                   key_file.string());
    } else {
      fs::remove(next);
      spdlog::warn("removed {}: a renewal was interrupted before its certificate was saved",
                   next.string());
    }
  } catch (const std::exception& failure) {
    spdlog::warn("could not settle the interrupted renewal in {}: {}", folder.string(),
                 failure.what());
  }
}

// A new key pair of the kind the current one is (a rekeying renewal keeps the algorithm the
// holder enrolled with, whatever today's --key-type says).
crypto::PrivateKey key_like(const crypto::PrivateKey& current) {
  if (current.type() == crypto::KeyType::Rsa) {
    spdlog::info("generating a new RSA-{} key pair for the renewal", current.bits());
    return crypto::PrivateKey::generate_rsa(current.bits());
  }
  const crypto::EcCurve curve = current.curve().value_or(crypto::EcCurve::P256);
  spdlog::info("generating a new ECDSA {} key pair for the renewal",
               curve == crypto::EcCurve::P384 ? "P-384" : "P-256");
  return crypto::PrivateKey::generate_ecdsa(curve);
}

crypto::PrivateKey generate_key(const KeySpec& spec) {
  if (spec.type == "rsa") {
    spdlog::info("generating an RSA-{} key pair", spec.rsa_bits);
    return crypto::PrivateKey::generate_rsa(spec.rsa_bits);
  }
  if (spec.type == "ecdsa") {
    if (spec.curve == "P-256" || spec.curve == "p256" || spec.curve == "P256") {
      spdlog::info("generating an ECDSA P-256 key pair");
      return crypto::PrivateKey::generate_ecdsa(crypto::EcCurve::P256);
    }
    if (spec.curve == "P-384" || spec.curve == "p384" || spec.curve == "P384") {
      spdlog::info("generating an ECDSA P-384 key pair");
      return crypto::PrivateKey::generate_ecdsa(crypto::EcCurve::P384);
    }
    throw std::invalid_argument("unsupported --curve \"" + spec.curve + "\" (P-256 or P-384)");
  }
  throw std::invalid_argument("unsupported --key-type \"" + spec.type + "\" (rsa or ecdsa)");
}

void check_subject(const pki::SubjectDetails& subject) {
  if (auto problem = subject.validate()) {
    throw std::invalid_argument("the subject for the certificate request is not valid: " +
                                *problem);
  }
}

// The identity already in the folder, if it is whole, consistent and still valid.
std::optional<Identity> usable_identity(const EnrollmentOptions& options) {
  complete_interrupted_renewal(options.folder);
  fs::path key_file = options.folder / kKeyFile;
  fs::path certificate_file = options.folder / kCertificateFile;
  fs::path root_file = options.folder / kRootFile;
  if (!fs::exists(certificate_file) || !fs::exists(root_file)) {
    spdlog::info("no certificate in {} yet: enrolling with the TTP", options.folder.string());
    return std::nullopt;
  }
  tls::Credentials credentials = load_credentials(certificate_file, key_file);
  pki::Certificate certificate = pki::Certificate::from_der(credentials.certificate_chain.front());
  pki::Certificate root = pki::read_certificate_file(root_file);
  pki::ChainVerifier verifier({root});
  auto role = options.role == pki::Role::Customer ? tls::PeerRole::Client : tls::PeerRole::Server;
  tls::CertificateCheck check = verifier.verify(credentials.certificate_chain, role, "");
  if (!check.accepted) {
    spdlog::warn("the certificate in {} cannot be used ({}): enrolling again",
                 certificate_file.string(), check.reason);
    return std::nullopt;
  }
  if (certificate.role() != options.role) {
    spdlog::warn(
        "the certificate in {} does not carry the role {} (issued before roles "
        "existed, or for another role): enrolling again",
        certificate_file.string(), pki::role_name(options.role));
    return std::nullopt;
  }
  spdlog::info("using the certificate in {}: {} (serial {}, valid until {})",
               certificate_file.string(), certificate.subject_line(), certificate.serial_hex(),
               pki::format_time(certificate.not_after()));
  return Identity{std::move(credentials), certificate, root, certificate_file, key_file, root_file};
}

crypto::PrivateKey existing_or_new_key(const EnrollmentOptions& options) {
  fs::path key_file = options.folder / kKeyFile;
  if (fs::exists(key_file)) {
    spdlog::info("reusing the key pair in {}", key_file.string());
    return crypto::PrivateKey::load_pem_file(key_file);  // a damaged file throws: never replaced
  }
  crypto::PrivateKey key = generate_key(options.key);
  key.save_pem_file(key_file);
  spdlog::info("saved the private key to {} (mode 0600)", key_file.string());
  return key;
}

EnrolledCertificate enroll_with_retries(const TtpClient& client, const EnrollmentOptions& options,
                                        const pki::CertificateSigningRequest& csr) {
  auto delay = std::chrono::milliseconds(500);
  for (unsigned attempt = 1;; ++attempt) {
    try {
      return run_blocking(client.enroll(options.role, options.token, csr));
    } catch (const TtpRefusal&) {
      throw;  // the TTP answered: asking again would not change its mind
    } catch (const std::exception& error) {
      if (attempt >= options.attempts) {
        throw std::runtime_error("could not enroll with the TTP at " + client.endpoint().label() +
                                 " after " + std::to_string(attempt) +
                                 " attempts: " + error.what());
      }
      spdlog::warn("TTP at {} not reachable ({}); retrying in {} ms (attempt {} of {})",
                   client.endpoint().label(), error.what(), delay.count(), attempt,
                   options.attempts);
      std::this_thread::sleep_for(delay);
      delay = std::min(delay * 2, std::chrono::milliseconds(8000));
    }
  }
}

void check_enrolled(const EnrolledCertificate& enrolled, const crypto::PrivateKey& key,
                    const EnrollmentOptions& options) {
  if (enrolled.certificate.public_key().to_der() != key.public_key().to_der()) {
    throw std::runtime_error("the TTP returned a certificate for another key");
  }
  if (!enrolled.certificate.signature_verified_by(enrolled.root)) {
    throw std::runtime_error("the TTP returned a certificate its root did not sign");
  }
  if (!options.ttp_fingerprint.empty() &&
      enrolled.root.sha256_fingerprint_raw() !=
          pki::parse_sha256_fingerprint(options.ttp_fingerprint)) {
    throw std::runtime_error("the TTP's root does not have the pinned fingerprint");
  }
}

std::string read_line_from_terminal(const std::string& question) {
  std::cout << question << std::flush;
  std::string answer;
  std::getline(std::cin, answer);
  return answer;
}

}  // namespace

void ensure_private_folder(const fs::path& folder) {
  fs::create_directories(folder);
  const fs::perms open_to_others = fs::perms::group_all | fs::perms::others_all;
  if ((fs::status(folder).permissions() & open_to_others) != fs::perms::none) {
    fs::permissions(folder, open_to_others, fs::perm_options::remove);
    spdlog::warn(
        "{} was open to group or others; restricted it to its owner (mode 0700): it "
        "holds the private key",
        folder.string());
  }
}

void add_enrollment_options(po::options_description& options, EnrollmentOptions& enrollment) {
  options.add_options()("country", po::value(&enrollment.subject.country),
                        "subject country (C), an ISO 3166-1 two-letter code such as DE")(
      "state", po::value(&enrollment.subject.state), "subject state or province (ST)")(
      "locality", po::value(&enrollment.subject.locality), "subject locality or city (L)")(
      "organisation", po::value(&enrollment.subject.organisation), "subject organisation (O)")(
      "unit", po::value(&enrollment.subject.organisational_unit),
      "subject organisational unit (OU)")("common-name", po::value(&enrollment.subject.common_name),
                                          "subject common name (CN)")(
      "key-type", po::value(&enrollment.key.type)->default_value("rsa"),
      "key pair to generate at first enrollment: rsa or ecdsa")(
      "key-size", po::value(&enrollment.key.rsa_bits)->default_value(2048),
      "RSA key size in bits (2048-4096)")("curve",
                                          po::value(&enrollment.key.curve)->default_value("P-256"),
                                          "ECDSA curve: P-256 or P-384")(
      "token", po::value(&enrollment.token),
      "one-time enrollment token from the TTP operator (ttp token create ...)")(
      "ttp", po::value(&enrollment.ttp_address)->default_value("127.0.0.1:8443"),
      "TTP address HOST:PORT")(
      "ttp-ca-file", po::value(&enrollment.ttp_ca_file),
      "the TTP's root certificate (PEM), when it was obtained out of band")(
      "ttp-fingerprint", po::value(&enrollment.ttp_fingerprint),
      "SHA-256 fingerprint of the TTP's root, as the TTP prints it at start (pinned)")(
      "enroll-attempts", po::value(&enrollment.attempts)->default_value(6),
      "how many times to try reaching the TTP (exponential backoff from 0.5 s)")(
      "renew-same-key", po::bool_switch()->notifier([&enrollment](bool same) {
        enrollment.renewal_key = same ? RenewalKey::same_key : RenewalKey::new_key;
      }),
      "renew the certificate for the key it has (default: a new key pair at each renewal)");
}

void prompt_for_missing_subject(pki::SubjectDetails& subject) {
  if (!::isatty(STDIN_FILENO)) return;
  if (subject.common_name.empty())
    subject.common_name = read_line_from_terminal("Common name (CN): ");
  if (subject.country.empty())
    subject.country = read_line_from_terminal("Country code (C, e.g. DE): ");
  if (subject.organisation.empty()) {
    subject.organisation = read_line_from_terminal("Organisation (O, optional): ");
  }
  if (subject.locality.empty())
    subject.locality = read_line_from_terminal("Locality (L, optional): ");
}

std::shared_ptr<const tls::CertificateVerifier> ttp_verifier(const EnrollmentOptions& options) {
  fs::path enrolled_root = options.folder / kRootFile;
  // Only the TTP's own service certificate (role ttp-service): a bank or customer certificate
  // from the same root must never receive an enrollment token.
  auto trusting = [](const fs::path& root_file) {
    auto verifier = std::make_shared<pki::ChainVerifier>(
        std::vector<pki::Certificate>{pki::read_certificate_file(root_file)});
    verifier->expect_role(pki::Role::TtpService);
    return verifier;
  };
  if (fs::exists(enrolled_root)) return trusting(enrolled_root);
  if (!options.ttp_ca_file.empty()) return trusting(options.ttp_ca_file);
  if (!options.ttp_fingerprint.empty()) {
    auto verifier = std::make_shared<pki::PinnedRootVerifier>(options.ttp_fingerprint);
    verifier->expect_role(pki::Role::TtpService);
    return verifier;
  }
  throw std::invalid_argument(
      "cannot authenticate the TTP: give --ttp-fingerprint (printed by the TTP at start) or "
      "--ttp-ca-file");
}

TtpEndpoint ttp_endpoint(const EnrollmentOptions& options, const ChannelOptions& channel) {
  TtpEndpoint endpoint;
  std::tie(endpoint.host, endpoint.port) = net::parse_host_port(options.ttp_address);
  endpoint.verifier = ttp_verifier(options);
  endpoint.channel.groups = resolve_groups(channel);
  endpoint.channel.key_log = open_key_log(channel.key_log_file);
  endpoint.timeouts = resolve_timeouts(channel);
  return endpoint;
}

pki::TimePoint renewal_due_at(const pki::Certificate& certificate) {
  const auto lifetime = certificate.not_after() - certificate.not_before();
  return certificate.not_before() + lifetime * 2 / 3;
}

pki::TimePoint renewal_due_with_jitter(const pki::Certificate& certificate, double jitter,
                                       std::uint64_t random_value) {
  const auto lifetime = certificate.not_after() - certificate.not_before();
  // random_value spread over [-1, 1].
  const double unit = static_cast<double>(random_value % 2'000'001) / 1'000'000.0 - 1.0;
  const auto offset = std::chrono::duration_cast<pki::TimePoint::duration>(
      std::chrono::duration<double, pki::TimePoint::period>(unit * jitter *
                                                            static_cast<double>(lifetime.count())));
  return renewal_due_at(certificate) + offset;
}

net::asio::awaitable<Identity> renew_identity(const TtpClient& ttp, const Identity& current,
                                              RenewalKey key_choice) {
  const RenewalLock lock(current.certificate_file.parent_path());
  // Another process (the daemon, or a one-shot `renew`) may have renewed meanwhile: then the
  // folder's identity is the new one, and renewing the old certificate again is pointless.
  {
    const pki::Certificate on_disk = pki::read_certificate_file(current.certificate_file);
    if (on_disk.serial() != current.certificate.serial() &&
        on_disk.not_after() >= current.certificate.not_after()) {
      spdlog::info("the certificate in {} was already renewed (serial {}); using it",
                   current.certificate_file.string(), on_disk.serial_hex());
      Identity adopted = current;
      adopted.credentials = load_credentials(current.certificate_file, current.key_file);
      adopted.certificate =
          pki::Certificate::from_der(adopted.credentials.certificate_chain.front());
      co_return adopted;
    }
  }
  std::shared_ptr<const crypto::PrivateKey> key =
      key_choice == RenewalKey::same_key
          ? current.credentials.private_key
          : std::make_shared<const crypto::PrivateKey>(key_like(*current.credentials.private_key));
  std::vector<std::string> names = current.certificate.dns_names();
  for (std::string& address : current.certificate.ip_addresses()) names.push_back(address);
  const auto csr =
      pki::CertificateSigningRequest::create(current.certificate.subject(), *key, names);
  EnrolledCertificate renewed = co_await ttp.renew(current.credentials, key_choice, csr);

  if (renewed.certificate.public_key().to_der() != key->public_key().to_der()) {
    throw std::runtime_error("the TTP returned a renewed certificate for another key");
  }
  if (renewed.root.sha256_fingerprint_raw() != current.root.sha256_fingerprint_raw() ||
      !renewed.certificate.signature_verified_by(current.root)) {
    throw std::runtime_error("the TTP returned a renewed certificate our root did not sign");
  }
  if (renewed.certificate.subject() != current.certificate.subject()) {
    throw std::runtime_error("the TTP returned a renewed certificate for another subject");
  }

  const fs::path next = next_key_file(current.key_file);
  if (key_choice == RenewalKey::new_key) key->save_pem_file(next);  // 0600, temp + rename
  pki::write_chain_file(current.certificate_file, {renewed.certificate, current.root});
  if (key_choice == RenewalKey::new_key) install_next_key(next, current.key_file);
  spdlog::info("renewed: {} serial {} replaced by serial {} (valid until {}), saved to {}",
               renewed.certificate.subject_line(), current.certificate.serial_hex(),
               renewed.certificate.serial_hex(), pki::format_time(renewed.certificate.not_after()),
               current.certificate_file.string());

  Identity next_identity = current;
  next_identity.credentials.certificate_chain = {renewed.certificate.to_der(),
                                                 current.root.to_der()};
  next_identity.credentials.private_key = key;
  next_identity.certificate = renewed.certificate;
  co_return next_identity;
}

Identity renew_now(const EnrollmentOptions& options, const ChannelOptions& channel) {
  auto current = usable_identity(options);
  if (!current) {
    throw std::runtime_error("no valid certificate in " + options.folder.string() +
                             " to renew: enroll with a token first");
  }
  const TtpClient client(ttp_endpoint(options, channel));
  auto delay = std::chrono::milliseconds(500);
  for (unsigned attempt = 1;; ++attempt) {
    try {
      return run_blocking(renew_identity(client, *current, options.renewal_key));
    } catch (const TtpRefusal&) {
      throw;
    } catch (const std::exception& error) {
      if (attempt >= options.attempts) {
        throw std::runtime_error("could not renew with the TTP at " + client.endpoint().label() +
                                 " after " + std::to_string(attempt) +
                                 " attempts: " + error.what());
      }
      spdlog::warn("renewal with the TTP at {} failed ({}); retrying in {} ms (attempt {} of {})",
                   client.endpoint().label(), error.what(), delay.count(), attempt,
                   options.attempts);
      std::this_thread::sleep_for(delay);
      delay = std::min(delay * 2, std::chrono::milliseconds(8000));
    }
  }
}

Identity ensure_enrolled(const EnrollmentOptions& options, const ChannelOptions& channel) {
  ensure_private_folder(options.folder);
  if (auto identity = usable_identity(options)) {
    // At start, a little later than a running daemon would (two thirds plus a tenth of the
    // lifetime, past the daemon's jitter): one-shot commands leave renewal to the daemon.
    const pki::Certificate& certificate = identity->certificate;
    const auto start_renewal_at =
        renewal_due_at(certificate) + (certificate.not_after() - certificate.not_before()) / 10;
    if (std::chrono::system_clock::now() < start_renewal_at) return *identity;
    spdlog::info(
        "the certificate in {} is past three quarters of its lifetime (valid until {}): "
        "renewing it with the TTP",
        identity->certificate_file.string(), pki::format_time(identity->certificate.not_after()));
    try {
      const TtpClient client(ttp_endpoint(options, channel));
      return run_blocking(renew_identity(client, *identity, options.renewal_key));
    } catch (const std::exception& failure) {
      if (options.token.empty()) {
        spdlog::warn("renewal failed ({}); using the current certificate, valid until {}",
                     failure.what(), pki::format_time(identity->certificate.not_after()));
        return *identity;
      }
      spdlog::warn("renewal failed ({}); enrolling again with the token given", failure.what());
    }
  }
  if (options.token.empty()) {
    throw std::runtime_error(
        "not enrolled yet and no --token given: ask the TTP operator for "
        "one (ttp token create --role " +
        std::string(pki::role_name(options.role)) + " --cn NAME)");
  }
  check_subject(options.subject);
  crypto::PrivateKey key = existing_or_new_key(options);
  auto csr = pki::CertificateSigningRequest::create(options.subject, key, options.dns_names);
  spdlog::info("built a certificate request for {}", csr.subject_line());

  TtpClient client(ttp_endpoint(options, channel));
  EnrolledCertificate enrolled = enroll_with_retries(client, options, csr);
  check_enrolled(enrolled, key, options);

  pki::write_certificate_file(options.folder / kRootFile, enrolled.root);
  pki::write_chain_file(options.folder / kCertificateFile, {enrolled.certificate, enrolled.root});
  spdlog::info("enrolled: {} (serial {}, valid until {}), saved to {}",
               enrolled.certificate.subject_line(), enrolled.certificate.serial_hex(),
               pki::format_time(enrolled.certificate.not_after()),
               (options.folder / kCertificateFile).string());
  auto identity = usable_identity(options);
  if (!identity) throw std::runtime_error("the enrolled certificate cannot be used");
  return *identity;
}

}  // namespace sc::app
