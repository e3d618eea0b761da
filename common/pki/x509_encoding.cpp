#include "common/pki/x509_encoding.hpp"

#include <arpa/inet.h>
#include <openssl/asn1.h>

#include <algorithm>
#include <cstdint>
#include <ctime>

#include "common/crypto/error.hpp"
#include "common/pki/pki_error.hpp"

namespace sc::pki::detail {

TimePoint time_from_asn1(const ASN1_TIME* time) {
  std::tm broken_down{};
  if (time == nullptr || ASN1_TIME_to_tm(time, &broken_down) != 1) {
    throw PkiError("a time field of the X.509 object is malformed");
  }
  return time_from_seconds(timegm(&broken_down));
}

TimePoint time_from_seconds(std::int64_t seconds_since_epoch) {
  // GeneralizedTime reaches the year 9999 (RFC 5280 uses 99991231235959Z for "no expiry"),
  // further than a nanosecond system_clock can count (1677-2262): saturate instead of
  // overflowing, a year short of each end so that adding a clock skew or a margin stays exact.
  using Seconds = std::chrono::seconds;
  constexpr std::int64_t headroom = 366LL * 24 * 3600;
  constexpr std::int64_t latest =
      std::chrono::duration_cast<Seconds>(TimePoint::duration::max()).count() - headroom;
  constexpr std::int64_t earliest =
      std::chrono::duration_cast<Seconds>(TimePoint::duration::min()).count() + headroom;
  const std::int64_t clamped = std::clamp<std::int64_t>(seconds_since_epoch, earliest, latest);
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(Seconds(clamped)));
}

crypto::Asn1TimePtr asn1_time(TimePoint time) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  crypto::Asn1TimePtr result(ASN1_TIME_set(nullptr, seconds));
  crypto::check(result != nullptr, "ASN1_TIME_set");
  return result;
}

crypto::BioPtr memory_bio() {
  crypto::BioPtr bio(BIO_new(BIO_s_mem()));
  crypto::check(bio != nullptr, "BIO_new(mem)");
  return bio;
}

crypto::BioPtr read_only_bio(std::string_view data) {
  if (data.size() > static_cast<std::size_t>(INT32_MAX)) {
    throw PkiError("PEM/DER input is too large");
  }
  crypto::BioPtr bio(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
  crypto::check(bio != nullptr, "BIO_new_mem_buf");
  return bio;
}

std::string bio_contents(BIO* bio) {
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio, &data);
  if (length <= 0 || data == nullptr) return {};
  return std::string(data, static_cast<std::size_t>(length));
}

CertificatePoliciesPtr certificate_policies(const std::vector<std::string>& policy_oids) {
  CertificatePoliciesPtr policies(sk_POLICYINFO_new_null());
  crypto::check(policies != nullptr, "sk_POLICYINFO_new_null");
  for (const std::string& oid : policy_oids) {
    std::unique_ptr<POLICYINFO, crypto::OpensslDeleter<POLICYINFO_free>> information(
        POLICYINFO_new());
    crypto::check(information != nullptr, "POLICYINFO_new");
    ASN1_OBJECT* policy = OBJ_txt2obj(oid.c_str(), 1);  // numeric form only
    if (policy == nullptr) {
      ERR_clear_error();
      throw PkiError("\"" + oid + "\" is not an object identifier");
    }
    ASN1_OBJECT_free(information->policyid);
    information->policyid = policy;
    crypto::check(sk_POLICYINFO_push(policies.get(), information.get()) > 0, "sk_POLICYINFO_push");
    information.release();  // owned by the stack now
  }
  return policies;
}

std::string oid_text(const ASN1_OBJECT* object) {
  if (object == nullptr) return {};
  const int length = OBJ_obj2txt(nullptr, 0, object, 1);
  if (length <= 0) {
    ERR_clear_error();
    return {};
  }
  std::string text(static_cast<std::size_t>(length) + 1, '\0');
  OBJ_obj2txt(text.data(), length + 1, object, 1);
  text.resize(static_cast<std::size_t>(length));
  return text;
}

std::string asn1_string_utf8(const ASN1_STRING* string) {
  unsigned char* utf8 = nullptr;
  const int length = ASN1_STRING_to_UTF8(&utf8, string);
  if (length < 0) throw PkiError("a name attribute cannot be converted to UTF-8");
  std::string result(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(length));
  OPENSSL_free(utf8);
  return result;
}

bool is_ip_address(std::string_view name) {
  const std::string text(name);
  unsigned char buffer[16];
  return inet_pton(AF_INET, text.c_str(), buffer) == 1 ||
         inet_pton(AF_INET6, text.c_str(), buffer) == 1;
}

bool is_valid_dns_name(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  std::size_t label_start = 0;
  while (label_start <= name.size()) {
    std::size_t label_end = name.find('.', label_start);
    if (label_end == std::string_view::npos) label_end = name.size();
    const std::string_view label = name.substr(label_start, label_end - label_start);
    if (label.empty() || label.size() > 63) return false;
    if (label.front() == '-' || label.back() == '-') return false;
    for (const char c : label) {
      const bool ldh =
          (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
      if (!ldh) return false;
    }
    label_start = label_end + 1;
  }
  return true;
}

GeneralNamesPtr subject_alt_names(const std::vector<std::string>& names) {
  GeneralNamesPtr result(GENERAL_NAMES_new());
  crypto::check(result != nullptr, "GENERAL_NAMES_new");
  for (const std::string& name : names) {
    GENERAL_NAME* entry = nullptr;
    if (is_ip_address(name)) {
      Asn1OctetStringPtr address(a2i_IPADDRESS(name.c_str()));
      crypto::check(address != nullptr, "a2i_IPADDRESS");
      entry = GENERAL_NAME_new();
      crypto::check(entry != nullptr, "GENERAL_NAME_new");
      GENERAL_NAME_set0_value(entry, GEN_IPADD, address.release());
    } else if (is_valid_dns_name(name)) {
      ASN1_IA5STRING* text = ASN1_IA5STRING_new();
      crypto::check(text != nullptr, "ASN1_IA5STRING_new");
      if (ASN1_STRING_set(text, name.data(), static_cast<int>(name.size())) != 1) {
        ASN1_IA5STRING_free(text);
        crypto::throw_openssl_error("ASN1_STRING_set");
      }
      entry = GENERAL_NAME_new();
      if (entry == nullptr) {
        ASN1_IA5STRING_free(text);
        crypto::throw_openssl_error("GENERAL_NAME_new");
      }
      GENERAL_NAME_set0_value(entry, GEN_DNS, text);
    } else {
      throw PkiError("\"" + name + "\" is neither a valid DNS host name nor an IP address");
    }
    if (sk_GENERAL_NAME_push(result.get(), entry) <= 0) {
      GENERAL_NAME_free(entry);
      crypto::throw_openssl_error("sk_GENERAL_NAME_push");
    }
  }
  return result;
}

namespace {
std::string ip_address_text(const ASN1_OCTET_STRING* address) {
  const int length = ASN1_STRING_length(address);
  const unsigned char* bytes = ASN1_STRING_get0_data(address);
  char text[INET6_ADDRSTRLEN] = {};
  if (length == 4 && inet_ntop(AF_INET, bytes, text, sizeof text) != nullptr) return text;
  if (length == 16 && inet_ntop(AF_INET6, bytes, text, sizeof text) != nullptr) return text;
  return "(malformed address of " + std::to_string(length) + " bytes)";
}
}  // namespace

std::vector<std::string> general_name_texts(const GENERAL_NAMES* names, int kind) {
  std::vector<std::string> result;
  if (names == nullptr) return result;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* entry = sk_GENERAL_NAME_value(names, i);
    if (entry->type != kind) continue;
    if (kind == GEN_DNS) {
      const ASN1_IA5STRING* text = entry->d.dNSName;
      result.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(text)),
                          static_cast<std::size_t>(ASN1_STRING_length(text)));
    } else if (kind == GEN_IPADD) {
      result.push_back(ip_address_text(entry->d.iPAddress));
    }
  }
  return result;
}

}  // namespace sc::pki::detail
