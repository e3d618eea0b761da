#include "common/otp/seal_key.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <optional>
#include <set>
#include <sstream>
#include <system_error>

#include "common/crypto/aead.hpp"
#include "common/crypto/base64.hpp"
#include "common/crypto/random.hpp"
#include "common/otp/private_file.hpp"

namespace sc::otp {
namespace {

constexpr std::string_view kFileHeader =
    "# push sealing keys: ID KEY(hex); the last line seals, every line opens\n";
constexpr std::string_view kAssociatedDataLabel = "sc-otp-push-v1";
constexpr std::size_t kLongestKeyFile = 64 * 1024;
constexpr std::string_view kPurpose = "push sealing key file";

std::string describe(const std::filesystem::path& file) {
  return std::string(kPurpose) + " " + file.string();
}

bool is_key_id(std::string_view id) {
  return id.size() == kSealingKeyIdChars && std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// "ID HEXKEY" lines, '#' comments and blank lines ignored.
std::vector<SealingKey> parse_keys(const std::string& text, const std::string& what) {
  std::vector<SealingKey> keys;
  std::istringstream lines(text);
  std::string line;
  int number = 0;
  while (std::getline(lines, line)) {
    ++number;
    if (line.empty() || line.front() == '#') continue;
    const std::size_t space = line.find(' ');
    const std::string id = line.substr(0, space);
    const std::string hex = space == std::string::npos ? "" : line.substr(space + 1);
    const std::string where = "line " + std::to_string(number) + " of the " + what;
    if (!is_key_id(id) || hex.size() != 2 * kSealingKeyBytes) {
      throw std::runtime_error(where + " is not \"ID KEY\" (" + std::to_string(kSealingKeyIdChars) +
                               " and " + std::to_string(2 * kSealingKeyBytes) + " hex digits)");
    }
    try {
      Bytes key = from_hex(hex);
      keys.push_back({id, to_secret(key)});
      crypto::cleanse(key.data(), key.size());
    } catch (const std::invalid_argument&) {
      throw std::runtime_error(where + " holds a key that is not hexadecimal");
    }
  }
  if (keys.empty()) throw std::runtime_error("the " + what + " holds no key");
  return keys;
}

// The file's text, or nothing when it does not exist.
std::optional<std::string> read_key_file(const std::filesystem::path& file) {
  return read_private_file(file, describe(file), kLongestKeyFile);
}

std::string key_file_text(const std::vector<SealingKey>& keys) {
  std::string text(kFileHeader);
  for (const SealingKey& key : keys) text += key.id + " " + to_hex(key.key) + "\n";
  return text;
}

// The file's new content in a synced temporary file beside it; returns its name.
std::string write_temporary(const std::filesystem::path& file,
                            const std::vector<SealingKey>& keys) {
  std::string text = key_file_text(keys);
  const std::string temporary = write_private_temporary(file, as_bytes(text), describe(file));
  crypto::cleanse(text.data(), text.size());
  return temporary;
}

// The associated data: a label and each bound field with its length (no two different field
// lists encode alike).
Bytes associated_data(std::string_view transaction_id, std::string_view customer,
                      std::string_view key_id) {
  Bytes data(kAssociatedDataLabel.begin(), kAssociatedDataLabel.end());
  for (std::string_view field : {transaction_id, customer, key_id}) {
    const auto length = static_cast<std::uint32_t>(field.size());
    for (int shift = 24; shift >= 0; shift -= 8) {
      data.push_back(static_cast<std::uint8_t>(length >> shift));
    }
    data.insert(data.end(), field.begin(), field.end());
  }
  return data;
}

}  // namespace

SealingKeyring::SealingKeyring(std::vector<SealingKey> keys) : keys_(std::move(keys)) {
  if (keys_.empty()) throw std::invalid_argument("a sealing keyring needs at least one key");
  std::set<std::string> ids;
  for (const SealingKey& key : keys_) {
    if (!is_key_id(key.id)) {
      throw std::invalid_argument("a sealing key id is " + std::to_string(kSealingKeyIdChars) +
                                  " lower-case hex digits, not \"" + key.id + "\"");
    }
    if (key.key.size() != kSealingKeyBytes) {
      throw std::invalid_argument("the sealing key " + key.id + " is not " +
                                  std::to_string(kSealingKeyBytes) + " bytes long");
    }
    if (!ids.insert(key.id).second) {
      throw std::invalid_argument("the sealing key id " + key.id + " appears twice");
    }
  }
}

const SealingKey* SealingKeyring::find(std::string_view id) const {
  for (const SealingKey& key : keys_) {
    if (key.id == id) return &key;
  }
  return nullptr;
}

SealingKey generate_sealing_key() {
  SealingKey key;
  key.id = to_hex(crypto::random_bytes(kSealingKeyIdChars / 2));
  key.key.resize(kSealingKeyBytes);
  crypto::random_fill(key.key);
  return key;
}

SealingKeyring load_sealing_keys(const std::filesystem::path& file) {
  std::optional<std::string> text = read_key_file(file);
  if (!text) {
    throw std::system_error(ENOENT, std::generic_category(), "cannot open the " + describe(file));
  }
  SealingKeyring keys(parse_keys(*text, describe(file)));
  crypto::cleanse(text->data(), text->size());
  return keys;
}

SealingKeyring load_or_create_sealing_keys(const std::filesystem::path& file) {
  if (std::filesystem::exists(std::filesystem::symlink_status(file))) {
    return load_sealing_keys(file);
  }
  std::vector<SealingKey> keys;
  keys.push_back(generate_sealing_key());
  const std::string temporary = write_temporary(file, keys);
  // Never replaces: when another instance created the file first, its keys win.
  if (publish_new_file(temporary, file, describe(file)) == Publication::already_there) {
    return load_sealing_keys(file);
  }
  spdlog::info("created the {} (mode 0600) with key {}", describe(file), keys.back().id);
  return SealingKeyring(std::move(keys));
}

namespace {

// Replaces the file's content with keys (temporary file, then rename).
void replace_key_file(const std::filesystem::path& file, const SealingKeyring& keys) {
  replace_file(write_temporary(file, keys.keys()), file, describe(file));
}

}  // namespace

SealingKeyring add_sealing_key(const std::filesystem::path& file) {
  std::vector<SealingKey> keys = load_sealing_keys(file).keys();
  keys.push_back(generate_sealing_key());
  SealingKeyring keyring(std::move(keys));
  replace_key_file(file, keyring);
  spdlog::info("added the push sealing key {} to {}; it seals from now on", keyring.newest().id,
               file.string());
  return keyring;
}

SealingKeyring remove_sealing_key(const std::filesystem::path& file, std::string_view id) {
  std::vector<SealingKey> keys = load_sealing_keys(file).keys();
  if (!keys.empty() && keys.back().id == id) {
    throw std::invalid_argument("the push sealing key " + std::string(id) +
                                " is the newest, the one that seals; add a key before retiring it");
  }
  const auto found =
      std::find_if(keys.begin(), keys.end(), [id](const SealingKey& key) { return key.id == id; });
  if (found == keys.end()) {
    throw std::invalid_argument("the " + describe(file) + " holds no key " + std::string(id));
  }
  keys.erase(found);
  SealingKeyring keyring(std::move(keys));
  replace_key_file(file, keyring);
  spdlog::info("retired the push sealing key {} from {}", id, file.string());
  return keyring;
}

SealedPush seal_push(const SealingKeyring& keys, std::string_view transaction_id,
                     std::string_view customer_fingerprint, std::string_view line) {
  const SealingKey& key = keys.newest();
  const crypto::Aead aead(crypto::AeadAlgorithm::Aes256Gcm, key.key);
  const Bytes nonce = crypto::random_bytes(crypto::Aead::kNonceLength);
  Bytes blob = nonce;
  const Bytes sealed = aead.seal(
      nonce, associated_data(transaction_id, customer_fingerprint, key.id), as_bytes(line));
  blob.insert(blob.end(), sealed.begin(), sealed.end());
  return SealedPush{key.id, crypto::base64_encode(blob)};
}

std::string open_push(const SealingKeyring& keys, const SealedPush& sealed,
                      std::string_view transaction_id, std::string_view customer_fingerprint) {
  const SealingKey* key = keys.find(sealed.key_id);
  if (key == nullptr) {
    throw PushUnsealError("the push for transaction " + std::string(transaction_id) +
                          " is sealed under key " + sealed.key_id +
                          ", which is not in the push key file (copy the newest key file to "
                          "every bank instance)");
  }
  const std::optional<Bytes> blob = crypto::base64_decode(sealed.sealed);
  if (!blob || blob->size() < crypto::Aead::kNonceLength + crypto::Aead::kTagLength) {
    throw PushUnsealError("the sealed push for transaction " + std::string(transaction_id) +
                          " is not a nonce, ciphertext and tag in base64");
  }
  const crypto::Aead aead(crypto::AeadAlgorithm::Aes256Gcm, key->key);
  const ByteView all(*blob);
  std::optional<Bytes> line =
      aead.open(all.first(crypto::Aead::kNonceLength),
                associated_data(transaction_id, customer_fingerprint, key->id),
                all.subspan(crypto::Aead::kNonceLength));
  if (!line) {
    throw PushUnsealError("the sealed push for transaction " + std::string(transaction_id) +
                          " does not authenticate under key " + sealed.key_id +
                          " (altered, or bound to another transaction or customer)");
  }
  std::string text(line->begin(), line->end());
  crypto::cleanse(line->data(), line->size());
  return text;
}

}  // namespace sc::otp
