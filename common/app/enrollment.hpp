#pragma once
// Enrollment of a bank or a customer with the TTP: a key pair (kept in FOLDER/key.pem, mode
// 0600), a CSR with the subject the user gave, a one-time token, and the certificate chain
// the TTP returns (FOLDER/cert.pem: leaf then root; FOLDER/ca.pem: the root). Later starts
// reuse what is there; once two thirds of the certificate's lifetime have passed it is renewed
// with RENEW (no token: the channel is authenticated with the certificate itself, docs/TTP.md
// "Renewal"), and enrolled again with a token only when it is missing, unusable or renewal
// failed and a token was given.
#include <boost/program_options.hpp>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "common/app/channel_options.hpp"
#include "common/app/ttp_client.hpp"
#include "common/pki/certificate.hpp"
#include "common/pki/issuance_profile.hpp"
#include "common/pki/subject.hpp"
#include "common/tls/engine.hpp"

namespace sc::app {

struct KeySpec {
  std::string type = "rsa";  // rsa | ecdsa
  unsigned rsa_bits = 2048;
  std::string curve = "P-256";  // P-256 | P-384
};

struct EnrollmentOptions {
  std::filesystem::path folder;  // certs/<name>
  pki::Role role = pki::Role::Customer;
  pki::SubjectDetails subject;
  std::vector<std::string> dns_names;  // subjectAltName asked for (bank: its host name)
  KeySpec key;
  std::string token;
  std::string ttp_address = "127.0.0.1:8443";
  std::string ttp_ca_file;      // trust anchor for the TTP, or...
  std::string ttp_fingerprint;  // ...the SHA-256 fingerprint of its root, pinned
  // RENEW's key: a new key pair (the default) or the same key (--renew-same-key).
  RenewalKey renewal_key = RenewalKey::new_key;
  unsigned attempts = 6;  // reaching the TTP, with exponential backoff from 0.5 s
};

// --country --state --locality --organisation --unit --common-name --key-type --key-size
// --curve --token --ttp --ttp-ca-file --ttp-fingerprint --enroll-attempts --renew-same-key
void add_enrollment_options(boost::program_options::options_description& options,
                            EnrollmentOptions& enrollment);

// Asks on the terminal for the subject fields that are still empty (country, common name
// and, if the user likes, the others), when standard input is a terminal.
void prompt_for_missing_subject(pki::SubjectDetails& subject);

struct Identity {
  tls::Credentials credentials;
  pki::Certificate certificate;
  pki::Certificate root;
  std::filesystem::path certificate_file;
  std::filesystem::path key_file;
  std::filesystem::path root_file;
};

// Creates folder (and its parents) when missing and makes it mode 0700: it holds a private key,
// the registry or the bank's store. An existing folder open to group or others is tightened,
// with a warning.
void ensure_private_folder(const std::filesystem::path& folder);

// Reuses or obtains the identity. Throws std::runtime_error with a sentence a user can act on
// (TtpRefusal when the TTP refused, with its reason).
Identity ensure_enrolled(const EnrollmentOptions& options, const ChannelOptions& channel);

// When a certificate is due for renewal: two thirds of its lifetime (notBefore to notAfter)
// have passed, as step-ca's renewer does.
pki::TimePoint renewal_due_at(const pki::Certificate& certificate);
// renewal_due_at moved by a uniformly random offset of at most `jitter` of the lifetime (0.05:
// +-5%), so that the holders of certificates issued together do not all renew at once.
pki::TimePoint renewal_due_with_jitter(const pki::Certificate& certificate, double jitter,
                                       std::uint64_t random_value);

// One renewal with the TTP: a new key pair of the same kind as the current one (or the same
// key), a CSR with the current certificate's subject, RENEW over a channel authenticated with
// the current credentials, the answer checked (our key, our root, our subject), then written:
// a new key to KEY.next (0600, temporary file + rename), the chain to cert.pem (temporary file
// + rename), then KEY.next renamed over key.pem; a start that finds KEY.next completes or
// discards that step. Returns the new identity; throws TtpRefusal / std::runtime_error.
// The references must outlive the coroutine (co_await it at once).
net::asio::awaitable<Identity> renew_identity(const TtpClient& ttp, const Identity& current,
                                              RenewalKey key);

// `client renew` / `bank_server renew`: renews the identity in options.folder now (blocking,
// with options.attempts tries to reach the TTP) and returns the new one.
Identity renew_now(const EnrollmentOptions& options, const ChannelOptions& channel);

// The verifier for the TTP's endpoint: the root in FOLDER/ca.pem when enrolled, else
// --ttp-ca-file, else the pinned --ttp-fingerprint.
std::shared_ptr<const tls::CertificateVerifier> ttp_verifier(const EnrollmentOptions& options);

TtpEndpoint ttp_endpoint(const EnrollmentOptions& options, const ChannelOptions& channel);

}  // namespace sc::app
