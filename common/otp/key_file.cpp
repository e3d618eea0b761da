#include "common/otp/key_file.hpp"

#include <spdlog/spdlog.h>

#include <optional>
#include <stdexcept>
#include <string>

#include "common/crypto/random.hpp"
#include "common/otp/private_file.hpp"

namespace sc::otp {
namespace {

// A key file holds exactly kSecretKeyBytes; anything up to this size is read to say so.
constexpr std::size_t kLongestKeyFile = 64 * 1024;

std::string describe(std::string_view purpose, const std::filesystem::path& file) {
  return std::string(purpose) + " " + file.string();
}

// Returns the key, or nothing when the file does not exist.
std::optional<SecretBytes> load_key(const std::filesystem::path& file, std::string_view purpose) {
  const std::string what = describe(purpose, file);
  std::optional<std::string> content = read_private_file(file, what, kLongestKeyFile);
  if (!content) return std::nullopt;
  if (content->size() != kSecretKeyBytes) {
    const std::size_t size = content->size();
    crypto::cleanse(content->data(), content->size());
    throw std::runtime_error("the " + what + " holds " + std::to_string(size) + " bytes, not the " +
                             std::to_string(kSecretKeyBytes) + " of a key this program writes");
  }
  SecretBytes key(content->begin(), content->end());
  crypto::cleanse(content->data(), content->size());
  return key;
}

// Writes a fresh key to a temporary file (mkstemp: O_EXCL, mode 0600, never a planted file or
// link), syncs it, then links it to its name. link() is a rename that never replaces: when another
// process created the key first, its key wins and is returned.
SecretBytes create_key(const std::filesystem::path& file, std::string_view purpose) {
  const std::string what = describe(purpose, file);
  SecretBytes key(kSecretKeyBytes);
  crypto::random_fill(key);
  const std::string temporary = write_private_temporary(file, key, what);
  if (publish_new_file(temporary, file, what) == Publication::already_there) {
    if (auto existing = load_key(file, purpose)) return std::move(*existing);
    throw std::runtime_error("the " + what + " vanished while it was being created");
  }
  spdlog::info("created the {} (mode 0600)", what);
  return key;
}

}  // namespace

SecretBytes load_or_create_secret_key(const std::filesystem::path& file, std::string_view purpose) {
  if (auto key = load_key(file, purpose)) return std::move(*key);
  return create_key(file, purpose);
}

SecretBytes load_or_create_store_key(const std::filesystem::path& file) {
  return load_or_create_secret_key(file, "transaction store key");
}

SecretBytes load_or_create_audit_key(const std::filesystem::path& file) {
  return load_or_create_secret_key(file, "audit key");
}

}  // namespace sc::otp
