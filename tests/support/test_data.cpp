#include "tests/support/test_data.hpp"

#include <cstdlib>
#include <string>

namespace sc::test {

std::filesystem::path vectors_dir() {
  if (const char* overridden = std::getenv("SC_VECTORS_DIR"); overridden && *overridden) {
    return overridden;
  }
  return SC_VECTORS_DIR;
}

std::optional<std::filesystem::path> wycheproof_file(const char* file_name) {
  auto path = vectors_dir() / "wycheproof" / file_name;
  if (std::filesystem::is_regular_file(path)) return path;
  return std::nullopt;
}

bool running_in_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

std::filesystem::path source_dir() { return SC_SOURCE_DIR; }
std::filesystem::path binary_dir() { return SC_BINARY_DIR; }

}  // namespace sc::test
