#pragma once
// A fresh empty folder under the system temp directory (mkdtemp: mode 0700, a name nobody else
// holds), removed with everything in it when the object goes. For unit tests of any library.
#include <stdlib.h>

#include <cerrno>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>

namespace sc::test {

class TemporaryFolder {
 public:
  // prefix names the test program in the folder's name, e.g. "sc-files-test"; the folder is
  // made in base (the system temp directory unless told).
  explicit TemporaryFolder(const std::string& prefix, const std::filesystem::path& base =
                                                          std::filesystem::temp_directory_path()) {
    std::string pattern = (base / (prefix + "-XXXXXX")).string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw std::system_error(errno, std::generic_category(), "mkdtemp " + pattern);
    }
    path_ = pattern;
  }
  TemporaryFolder(const TemporaryFolder&) = delete;
  TemporaryFolder& operator=(const TemporaryFolder&) = delete;
  ~TemporaryFolder() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

}  // namespace sc::test
