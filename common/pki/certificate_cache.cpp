#include "common/pki/certificate_cache.hpp"

#include <algorithm>

namespace sc::pki {

CertificateCache::CertificateCache(std::size_t capacity)
    : capacity_(std::max<std::size_t>(capacity, 1)) {}

std::string_view CertificateCache::key_of(ByteView der) {
  return {reinterpret_cast<const char*>(der.data()), der.size()};
}

std::optional<Certificate> CertificateCache::find(ByteView der) const {
  const std::lock_guard<std::mutex> lock(mutex_);
  const auto found = index_.find(key_of(der));
  if (found == index_.end()) return std::nullopt;
  entries_.splice(entries_.begin(), entries_, found->second);
  return found->second->certificate;
}

void CertificateCache::remember(ByteView der, const Certificate& certificate) {
  const std::lock_guard<std::mutex> lock(mutex_);
  const auto found = index_.find(key_of(der));
  if (found != index_.end()) {
    entries_.splice(entries_.begin(), entries_, found->second);
    return;
  }
  entries_.push_front(Entry{to_bytes(der), certificate});
  index_.emplace(key_of(entries_.front().der), entries_.begin());
  if (entries_.size() > capacity_) {
    index_.erase(key_of(entries_.back().der));
    entries_.pop_back();
  }
}

std::size_t CertificateCache::size() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return entries_.size();
}

}  // namespace sc::pki
