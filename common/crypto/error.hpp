#pragma once
// Every libcrypto failure becomes a CryptoError carrying what we tried to do and
// OpenSSL's own error queue as text. Nothing in this layer fails silently.
#include <stdexcept>
#include <string>
#include <string_view>

namespace sc::crypto {

class CryptoError : public std::runtime_error {
 public:
  explicit CryptoError(const std::string& what) : std::runtime_error(what) {}
};

// Drains OpenSSL's error queue into one line ("" when it is empty).
std::string openssl_error_text();

// Throws CryptoError("<operation>: <openssl errors>"); clears the queue.
[[noreturn]] void throw_openssl_error(std::string_view operation);

// Throws unless ok is true (use with libcrypto calls returning 1 on success).
inline void check(bool ok, std::string_view operation) {
  if (!ok) throw_openssl_error(operation);
}

}  // namespace sc::crypto
