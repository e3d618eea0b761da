#pragma once
// Parsed certificates remembered by their DER encoding. With OpenSSL 3.0, parsing one DER
// certificate (d2i_X509) decodes its subject public key through an OSSL_DECODER context built
// for that call, which costs more than verifying an ECDSA P-256 signature; a TLS peer presents
// the same certificates handshake after handshake. An entry is found only by the complete DER
// encoding, so a hit is the certificate a fresh parse of those bytes would give. The least
// recently used entry leaves first. Thread-safe: the certificates handed out are shared,
// read-only X509 objects (X509_up_ref), as in an X509_STORE.
#include <cstddef>
#include <list>
#include <mutex>
#include <optional>
#include <string_view>
#include <unordered_map>

#include "common/crypto/bytes.hpp"
#include "common/pki/certificate.hpp"

namespace sc::pki {

class CertificateCache {
 public:
  static constexpr std::size_t kDefaultCapacity = 512;

  // capacity: entries kept (at least 1).
  explicit CertificateCache(std::size_t capacity = kDefaultCapacity);
  CertificateCache(const CertificateCache&) = delete;
  CertificateCache& operator=(const CertificateCache&) = delete;

  // The certificate remembered for exactly these DER bytes, if any.
  std::optional<Certificate> find(ByteView der) const;
  // Remembers certificate as the parse of der (the caller parsed it from der).
  void remember(ByteView der, const Certificate& certificate);

  std::size_t size() const;
  std::size_t capacity() const { return capacity_; }

 private:
  struct Entry {
    Bytes der;
    Certificate certificate;
  };
  using Entries = std::list<Entry>;  // most recently used first; nodes never move

  static std::string_view key_of(ByteView der);

  std::size_t capacity_;
  mutable std::mutex mutex_;
  mutable Entries entries_;
  std::unordered_map<std::string_view, Entries::iterator> index_;  // keys view entries_' DER
};

}  // namespace sc::pki
