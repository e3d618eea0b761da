#pragma once
// HKDF (RFC 5869) and the TLS 1.3 labelled forms (RFC 8446 section 7.1).
#include <cstddef>
#include <string_view>

#include "common/crypto/bytes.hpp"
#include "common/crypto/hash.hpp"

namespace sc::crypto {

// HKDF-Extract(salt, IKM) -> PRK of digest_length(algorithm) bytes. An empty salt means
// HashLen zero bytes, as RFC 5869 section 2.2 says.
SecretBytes hkdf_extract(HashAlgorithm algorithm, ByteView salt, ByteView input_key_material);

// HKDF-Expand(PRK, info, L). Throws CryptoError when L > 255 * HashLen.
SecretBytes hkdf_expand(HashAlgorithm algorithm, ByteView pseudorandom_key, ByteView info,
                        std::size_t length);

// HKDF-Expand-Label(Secret, Label, Context, Length) with the "tls13 " prefix added here:
// pass label = "key", not "tls13 key".
SecretBytes hkdf_expand_label(HashAlgorithm algorithm, ByteView secret, std::string_view label,
                              ByteView context, std::size_t length);

// Derive-Secret(Secret, Label, Messages) given Transcript-Hash(Messages) already computed.
SecretBytes derive_secret(HashAlgorithm algorithm, ByteView secret, std::string_view label,
                          ByteView transcript_hash);

}  // namespace sc::crypto
