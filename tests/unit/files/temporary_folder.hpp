#pragma once
// The files tests' temporary folder (tests/unit/temporary_folder.hpp) and what they look at
// in it.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tests/unit/temporary_folder.hpp"

namespace sc::files::test {

// The shared temporary folder, named for these tests, and the names in it.
struct TemporaryFolder : sc::test::TemporaryFolder {
  TemporaryFolder() : sc::test::TemporaryFolder("sc-files-test") {}
  // The names in the folder, sorted (temporary files start with a dot, so they show).
  std::vector<std::string> names() const {
    std::vector<std::string> found;
    for (const auto& entry : std::filesystem::directory_iterator(path())) {
      found.push_back(entry.path().filename().string());
    }
    std::sort(found.begin(), found.end());
    return found;
  }
};

inline unsigned mode_of(const std::filesystem::path& file) {
  struct stat status {};
  REQUIRE(::lstat(file.c_str(), &status) == 0);
  return status.st_mode & 07777;
}

inline std::string content_of(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  REQUIRE(in);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline void write_plain(const std::filesystem::path& file, const std::string& text, mode_t mode) {
  { std::ofstream(file, std::ios::binary) << text; }
  REQUIRE(::chmod(file.c_str(), mode) == 0);
}

// Sets the process umask for one scope.
class Umask {
 public:
  explicit Umask(mode_t mask) : previous_(::umask(mask)) {}
  Umask(const Umask&) = delete;
  Umask& operator=(const Umask&) = delete;
  ~Umask() { ::umask(previous_); }

 private:
  mode_t previous_;
};

}  // namespace sc::files::test
