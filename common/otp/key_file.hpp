#pragma once
// Long-lived secret keys of the bank kept in files: the transaction store key (the HMAC key of the
// stored codes) and the audit key (the HMAC key of the audit chain). A key is 32 random bytes from
// the CSPRNG, written once with mode 0600 through a temporary file, and read back on every start so
// that a restart keeps it. A key file that group or others may read is refused, never used.
#include <cstddef>
#include <filesystem>
#include <string_view>

#include "common/crypto/bytes.hpp"

namespace sc::otp {

inline constexpr std::size_t kSecretKeyBytes = 32;

// Reads the key in `file`, or creates it when the file does not exist. `purpose` names the key
// in error sentences ("transaction store key"). Throws std::system_error (with the path) when the
// file cannot be read or written, and std::runtime_error when it is a symbolic link, is
// accessible to group or others, or does not hold exactly kSecretKeyBytes bytes.
SecretBytes load_or_create_secret_key(const std::filesystem::path& file, std::string_view purpose);

// The key of the transaction store's code MACs (e.g. certs/bank/store.key).
SecretBytes load_or_create_store_key(const std::filesystem::path& file);

// The key of the audit log's MAC chain (e.g. certs/bank/audit.key).
SecretBytes load_or_create_audit_key(const std::filesystem::path& file);

}  // namespace sc::otp
