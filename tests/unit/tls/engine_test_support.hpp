#pragma once
// In-memory test fixtures for the TLS engines: a throwaway PKI built with libcrypto directly
// (root CA + leaves), a CertificateVerifier backed by an X509_STORE, and a pump that moves
// bytes between a client and a server engine.
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <catch2/catch.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/crypto/error.hpp"
#include "common/crypto/signature.hpp"
#include "common/tls/engine.hpp"

namespace sc::tls::testing {

inline void require_ok(int result, const char* what) {
  if (result <= 0) throw std::runtime_error(std::string("test PKI: ") + what + " failed");
}

inline void add_extension(X509* certificate, X509* issuer, int nid, const char* value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, issuer, certificate, nullptr, nullptr, 0);
  crypto::X509ExtensionPtr extension(X509V3_EXT_conf_nid(nullptr, &context, nid, value));
  if (!extension) throw std::runtime_error("test PKI: extension failed");
  require_ok(X509_add_ext(certificate, extension.get(), -1), "X509_add_ext");
}

struct TestIdentity {
  std::shared_ptr<crypto::PrivateKey> key;
  crypto::X509Ptr certificate;
  Bytes der() const {
    unsigned char* out = nullptr;
    int length = i2d_X509(certificate.get(), &out);
    require_ok(length, "i2d_X509");
    Bytes der(out, out + length);
    OPENSSL_free(out);
    return der;
  }
};

// issuer == nullptr: self-signed root.
inline TestIdentity make_identity(std::shared_ptr<crypto::PrivateKey> key, const std::string& cn,
                                  const TestIdentity* issuer, bool ca, long serial,
                                  long not_after_seconds = 86400) {
  crypto::X509Ptr certificate(X509_new());
  require_ok(certificate != nullptr, "X509_new");
  X509* x = certificate.get();
  require_ok(X509_set_version(x, 2), "X509_set_version");
  require_ok(ASN1_INTEGER_set(X509_get_serialNumber(x), serial), "serial");
  require_ok(X509_gmtime_adj(X509_getm_notBefore(x), -3600) != nullptr, "notBefore");
  require_ok(X509_gmtime_adj(X509_getm_notAfter(x), not_after_seconds) != nullptr, "notAfter");
  require_ok(X509_set_pubkey(x, key->native()), "X509_set_pubkey");
  X509_NAME* name = X509_get_subject_name(x);
  require_ok(
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                 reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0),
      "CN");
  X509* issuer_certificate = issuer != nullptr ? issuer->certificate.get() : x;
  require_ok(X509_set_issuer_name(x, X509_get_subject_name(issuer_certificate)), "issuer");
  add_extension(x, issuer_certificate, NID_basic_constraints,
                ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
  add_extension(x, issuer_certificate, NID_key_usage,
                ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
  if (!ca) add_extension(x, issuer_certificate, NID_subject_alt_name, ("DNS:" + cn).c_str());
  EVP_PKEY* signer = issuer != nullptr ? issuer->key->native() : key->native();
  require_ok(X509_sign(x, signer, EVP_sha256()), "X509_sign");
  return TestIdentity{std::move(key), std::move(certificate)};
}

// Chain to the trusted root, validity, and digitalSignature key usage on the leaf.
class StoreVerifier final : public CertificateVerifier {
 public:
  explicit StoreVerifier(const TestIdentity& root) : store_(X509_STORE_new()) {
    require_ok(store_ != nullptr, "X509_STORE_new");
    require_ok(X509_STORE_add_cert(store_.get(), root.certificate.get()), "add root");
  }

  CertificateCheck verify(const std::vector<Bytes>& chain_der, PeerRole,
                          const std::string& expected_server_name,
                          ByteView /*stapled_ocsp*/ = {}) const override {
    CertificateCheck check;
    std::vector<crypto::X509Ptr> certificates;
    for (const Bytes& der : chain_der) {
      const unsigned char* cursor = der.data();
      certificates.emplace_back(d2i_X509(nullptr, &cursor, static_cast<long>(der.size())));
      if (!certificates.back()) {
        check.reason = "certificate does not parse";
        return check;
      }
    }
    X509* leaf = certificates.front().get();
    char subject[256];
    X509_NAME_oneline(X509_get_subject_name(leaf), subject, sizeof subject);
    check.subject = subject;
    STACK_OF(X509)* untrusted = sk_X509_new_null();
    for (std::size_t i = 1; i < certificates.size(); ++i) {
      sk_X509_push(untrusted, certificates[i].get());
    }
    crypto::X509StoreCtxPtr context(X509_STORE_CTX_new());
    require_ok(X509_STORE_CTX_init(context.get(), store_.get(), leaf, untrusted), "ctx init");
    const int verified = X509_verify_cert(context.get());
    const int error = X509_STORE_CTX_get_error(context.get());
    sk_X509_free(untrusted);
    if (verified != 1) {
      check.reason = std::string("certificate for ") + subject +
                     " does not verify: " + X509_verify_cert_error_string(error);
      check.alert = (error == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
                     error == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT ||
                     error == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN)
                        ? AlertDescription::unknown_ca
                    : error == X509_V_ERR_CERT_HAS_EXPIRED ? AlertDescription::certificate_expired
                                                           : AlertDescription::bad_certificate;
      return check;
    }
    if ((X509_get_key_usage(leaf) & KU_DIGITAL_SIGNATURE) == 0) {
      check.reason = "certificate lacks the digitalSignature key usage";
      check.alert = AlertDescription::unsupported_certificate;
      return check;
    }
    if (!expected_server_name.empty() &&
        X509_check_host(leaf, expected_server_name.c_str(), 0, 0, nullptr) != 1) {
      check.reason = "certificate is not for " + expected_server_name;
      check.alert = AlertDescription::bad_certificate;
      return check;
    }
    check.accepted = true;
    return check;
  }

 private:
  crypto::X509StorePtr store_;
};

// One root, leaves with ECDSA P-256, ECDSA P-384 and RSA-2048 keys, and a stranger root with a
// leaf of its own. Built once per test binary (RSA key generation is slow).
struct TestPki {
  TestIdentity root;
  TestIdentity server_ecdsa;
  TestIdentity server_p384;
  TestIdentity server_rsa;
  TestIdentity client_rsa;
  TestIdentity client_ecdsa;
  TestIdentity stranger_root;
  TestIdentity stranger_leaf;
  std::shared_ptr<StoreVerifier> verifier;

  static const TestPki& get() {
    static const TestPki pki = build();
    return pki;
  }

  static TestPki build() {
    using crypto::EcCurve;
    using crypto::PrivateKey;
    auto ec = [] {
      return std::make_shared<PrivateKey>(PrivateKey::generate_ecdsa(EcCurve::P256));
    };
    TestPki pki;
    pki.root = make_identity(ec(), "Test Root CA", nullptr, true, 1);
    pki.server_ecdsa = make_identity(ec(), "server.test", &pki.root, false, 2);
    pki.server_p384 =
        make_identity(std::make_shared<PrivateKey>(PrivateKey::generate_ecdsa(EcCurve::P384)),
                      "server.test", &pki.root, false, 3);
    auto rsa = std::make_shared<PrivateKey>(PrivateKey::generate_rsa(2048));
    pki.server_rsa = make_identity(rsa, "server.test", &pki.root, false, 4);
    pki.client_rsa = make_identity(rsa, "client-7", &pki.root, false, 5);
    pki.client_ecdsa = make_identity(ec(), "client-8", &pki.root, false, 6);
    pki.stranger_root = make_identity(ec(), "Stranger Root CA", nullptr, true, 7);
    pki.stranger_leaf = make_identity(ec(), "server.test", &pki.stranger_root, false, 8);
    pki.verifier = std::make_shared<StoreVerifier>(pki.root);
    return pki;
  }
};

inline Credentials credentials_of(const TestIdentity& identity) {
  return Credentials{{identity.der()}, identity.key};
}

inline ClientConfig client_config() {
  ClientConfig config;
  config.server_name = "server.test";
  config.verifier = TestPki::get().verifier;
  return config;
}

inline ServerConfig server_config(const TestIdentity& identity) {
  ServerConfig config;
  config.credentials = credentials_of(identity);
  config.verifier = TestPki::get().verifier;
  return config;
}

// Collected events of one engine.
struct Observed {
  std::vector<Event> events;
  template <typename T>
  std::vector<T> all() const {
    std::vector<T> out;
    for (const Event& event : events) {
      if (auto* e = std::get_if<T>(&event)) out.push_back(*e);
    }
    return out;
  }
  template <typename T>
  bool has() const {
    return !all<T>().empty();
  }
  Bytes application_data() const {
    Bytes data;
    for (const auto& piece : all<ApplicationData>()) {
      data.insert(data.end(), piece.data.begin(), piece.data.end());
    }
    return data;
  }
  std::optional<AlertSent> alert_sent() const {
    auto alerts = all<AlertSent>();
    if (alerts.empty()) return std::nullopt;
    return alerts.front();
  }
};

// Hands bytes from one engine to the other in chunks of at most `chunk` bytes until neither
// has anything more to say. Returns the number of rounds.
struct Pump {
  std::size_t chunk = 0;  // 0: whole output at once
  Observed client;
  Observed server;
  std::function<void(Bytes&)> tamper_to_server;
  std::function<void(Bytes&)> tamper_to_client;

  static void deliver(Engine& to, const Bytes& bytes, std::size_t chunk) {
    if (chunk == 0) {
      to.receive(bytes);
      return;
    }
    for (std::size_t i = 0; i < bytes.size(); i += chunk) {
      to.receive(ByteView(bytes).subspan(i, std::min(chunk, bytes.size() - i)));
    }
  }

  int run(Engine& c, Engine& s) {
    int rounds = 0;
    for (; rounds < 100; ++rounds) {
      Bytes to_server = c.take_output();
      Bytes to_client = s.take_output();
      collect(c, s);
      if (to_server.empty() && to_client.empty()) break;
      if (!to_server.empty()) {
        if (tamper_to_server) tamper_to_server(to_server);
        deliver(s, to_server, chunk);
      }
      if (!to_client.empty()) {
        if (tamper_to_client) tamper_to_client(to_client);
        deliver(c, to_client, chunk);
      }
      collect(c, s);
    }
    return rounds;
  }

  void collect(Engine& c, Engine& s) {
    for (auto& e : c.take_events()) client.events.push_back(std::move(e));
    for (auto& e : s.take_events()) server.events.push_back(std::move(e));
  }
};

}  // namespace sc::tls::testing
