#include "common/crypto/error.hpp"

#include <openssl/err.h>

namespace sc::crypto {

std::string openssl_error_text() {
  std::string text;
  unsigned long code = 0;
  while ((code = ERR_get_error()) != 0) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof buffer);
    if (!text.empty()) text += "; ";
    text += buffer;
  }
  return text;
}

void throw_openssl_error(std::string_view operation) {
  std::string message(operation);
  std::string details = openssl_error_text();
  message += details.empty() ? ": failed" : ": " + details;
  throw CryptoError(message);
}

}  // namespace sc::crypto
