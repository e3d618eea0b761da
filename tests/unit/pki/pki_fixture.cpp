#include "tests/unit/pki/pki_fixture.hpp"

#include <stdlib.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <openssl/ec.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "common/pki/x509_encoding.hpp"

namespace sc::pki::test {

CommandResult run(const std::string& command) {
  CommandResult result;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("popen failed for: " + command);
  std::array<char, 4096> buffer{};
  std::size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) {
    result.output.append(buffer.data(), n);
  }
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string quoted(const std::filesystem::path& path) {
  return "'" + path.string() + "'";
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

void write_file(const std::filesystem::path& path, const std::string& contents) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << contents;
  if (!file) throw std::runtime_error("cannot write " + path.string());
}

CertificateSigningRequest make_csr(const std::string& common_name, const crypto::PrivateKey& key,
                                   const std::vector<std::string>& names) {
  SubjectDetails subject;
  subject.country = "DE";
  subject.organisation = "Example Bank AG";
  subject.common_name = common_name;
  return CertificateSigningRequest::create(subject, key, names);
}

CaOptions fast_ca_options(const std::string& common_name) {
  CaOptions options;
  options.key_type = crypto::KeyType::Ecdsa;
  options.curve = crypto::EcCurve::P256;
  options.subject.common_name = common_name;
  return options;
}

crypto::PrivateKey root_key_of(const CertificateAuthority& ca) {
  return crypto::PrivateKey::load_pem_file(ca.folder() / CertificateAuthority::root_key_file);
}

namespace {

void require(bool condition, const std::string& what) {
  if (!condition) throw std::runtime_error("forging a certificate: " + what + " failed");
}

void add_forged_extension(X509* certificate, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX context;
  X509V3_set_ctx(&context, issuer, certificate, nullptr, nullptr, 0);
  crypto::X509ExtensionPtr extension(X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str()));
  require(extension != nullptr, std::string("building ") + OBJ_nid2sn(nid));
  require(X509_add_ext(certificate, extension.get(), -1) == 1, "X509_add_ext");
}

}  // namespace

Certificate forge_certificate(const ForgedCertificate& request, const Certificate* issuer,
                              const EVP_PKEY* issuer_key) {
  crypto::X509Ptr certificate(X509_new());
  require(certificate != nullptr, "X509_new");
  X509* x = certificate.get();
  require(X509_set_version(x, X509_VERSION_3) == 1, "X509_set_version");
  crypto::Asn1IntegerPtr serial = SerialNumber::random().to_asn1();
  require(X509_set_serialNumber(x, serial.get()) == 1, "X509_set_serialNumber");
  SubjectDetails subject;
  subject.country = "DE";
  subject.organisation = "Forged In Tests";
  subject.common_name = request.common_name;
  crypto::X509NamePtr name = subject.to_x509_name();
  require(X509_set_subject_name(x, name.get()) == 1, "X509_set_subject_name");
  require(X509_set_issuer_name(
              x, issuer != nullptr ? X509_get_subject_name(issuer->native()) : name.get()) == 1,
          "X509_set_issuer_name");
  require(X509_gmtime_adj(X509_getm_notBefore(x), -300) != nullptr, "notBefore");
  require(X509_gmtime_adj(X509_getm_notAfter(x), 30L * 24 * 3600) != nullptr, "notAfter");
  require(X509_set_pubkey(x, const_cast<EVP_PKEY*>(request.key)) == 1, "X509_set_pubkey");

  X509* signer = issuer != nullptr ? issuer->native() : x;
  if (issuer == nullptr || request.certificate_authority) {
    add_forged_extension(x, signer, NID_basic_constraints, "critical,CA:TRUE");
    add_forged_extension(x, signer, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    add_forged_extension(x, signer, NID_basic_constraints, "critical,CA:FALSE");
    add_forged_extension(x, signer, NID_key_usage, "critical,digitalSignature");
    add_forged_extension(x, signer, NID_ext_key_usage, request.extended_key_usage);
  }
  add_forged_extension(x, signer, NID_subject_key_identifier, "hash");
  add_forged_extension(x, signer, NID_authority_key_identifier, "keyid:always");
  if (!request.policies.empty()) {
    detail::CertificatePoliciesPtr policies = detail::certificate_policies(request.policies);
    require(X509_add1_ext_i2d(x, NID_certificate_policies, policies.get(), 0, 0) == 1,
            "adding certificatePolicies");
  }
  if (!request.dns_names.empty()) {
    std::string names;
    for (const std::string& dns_name : request.dns_names) {
      names += (names.empty() ? "DNS:" : ",DNS:") + dns_name;
    }
    add_forged_extension(x, signer, NID_subject_alt_name, names);
  }
  const EVP_PKEY* signing_key = issuer != nullptr ? issuer_key : request.key;
  require(X509_sign(x, const_cast<EVP_PKEY*>(signing_key),
                    request.digest != nullptr ? request.digest : EVP_sha256()) > 0,
          "X509_sign");
  return Certificate(std::move(certificate));
}

Certificate forge_certificate(const ForgedCertificate& request, const CertificateAuthority& ca) {
  const crypto::PrivateKey key = root_key_of(ca);
  return forge_certificate(request, &ca.root(), key.native());
}

crypto::EvpPkeyPtr generate_rsa_key(unsigned bits) {
  crypto::EvpPkeyPtr key(EVP_RSA_gen(bits));
  require(key != nullptr, "EVP_RSA_gen");
  return key;
}

crypto::EvpPkeyPtr generate_ec_key(const char* curve_name) {
  crypto::EvpPkeyPtr key(EVP_EC_gen(curve_name));
  require(key != nullptr, std::string("EVP_EC_gen ") + curve_name);
  return key;
}

crypto::EvpPkeyPtr generate_ed25519_key() {
  crypto::EvpPkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  require(key != nullptr, "EVP_PKEY_Q_keygen ED25519");
  return key;
}

}  // namespace sc::pki::test
