#include "common/tls/engine.hpp"

namespace sc::tls {

std::vector<crypto::SignatureScheme> default_signature_schemes() {
  return {crypto::SignatureScheme::ecdsa_secp256r1_sha256,
          crypto::SignatureScheme::ecdsa_secp384r1_sha384,
          crypto::SignatureScheme::rsa_pss_rsae_sha256,
          crypto::SignatureScheme::rsa_pss_rsae_sha384};
}

}  // namespace sc::tls
