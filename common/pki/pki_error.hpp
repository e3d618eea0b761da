#pragma once
// Refusals and failures of the PKI layer: a damaged file, a key below the minimum, a CSR whose
// signature does not verify. The message is a complete sentence for logs and operators.
// (libcrypto failures underneath surface as crypto::CryptoError.)
#include <stdexcept>
#include <string>

namespace sc::pki {

class PkiError : public std::runtime_error {
 public:
  explicit PkiError(const std::string& what) : std::runtime_error(what) {}
};

}  // namespace sc::pki
