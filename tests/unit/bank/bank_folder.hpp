#pragma once
// A private scratch folder per test case, removed afterwards.
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>

namespace sc::test {

struct BankFolder {
  std::filesystem::path path;
  BankFolder() {
    static std::atomic<int> counter{0};
    path = std::filesystem::temp_directory_path() /
           ("sc-bank-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::create_directories(path);
    std::filesystem::permissions(path, std::filesystem::perms::owner_all);
  }
  ~BankFolder() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  BankFolder(const BankFolder&) = delete;
  BankFolder& operator=(const BankFolder&) = delete;
};

}  // namespace sc::test
