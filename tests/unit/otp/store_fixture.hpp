#pragma once
// A private folder for one test's transaction store, store key and audit log, removed with it.
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "common/crypto/bytes.hpp"
#include "common/crypto/random.hpp"
#include "common/otp/key_file.hpp"
#include "common/otp/transaction_store.hpp"
#include "tests/unit/otp/fake_clock.hpp"

namespace sc::otp::test {

struct StoreFolder {
  // /dev/shm when there is one: fsync costs nothing there, which keeps long tests fast on a
  // loaded machine. The durability of the files is not what these tests measure.
  static std::filesystem::path base(bool memory_backed) {
    std::error_code ignored;
    if (memory_backed && std::filesystem::is_directory("/dev/shm", ignored) &&
        ::access("/dev/shm", W_OK) == 0) {
      return "/dev/shm";
    }
    return std::filesystem::temp_directory_path();
  }

  explicit StoreFolder(bool memory_backed = false)
      : path(base(memory_backed) / ("sc-txn-test-" + to_hex(crypto::random_bytes(8)))) {
    std::filesystem::create_directory(path);
  }
  ~StoreFolder() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  StoreFolder(const StoreFolder&) = delete;
  StoreFolder& operator=(const StoreFolder&) = delete;

  std::filesystem::path database() const { return path / "bank.db"; }
  std::filesystem::path key_file() const { return path / "store.key"; }
  std::filesystem::path audit_file() const { return path / "audit.log"; }
  SecretBytes key() const { return load_or_create_store_key(key_file()); }

  std::filesystem::path path;
};

}  // namespace sc::otp::test
