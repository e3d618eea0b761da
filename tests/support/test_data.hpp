#pragma once
// Where tests find reference data and the built daemons.
#include <filesystem>
#include <optional>

namespace sc::test {

// The folder holding reference vectors (SC_VECTORS_DIR, default ../shared/vectors beside the
// checkout); the environment variable SC_VECTORS_DIR overrides it at run time.
std::filesystem::path vectors_dir();

// The path of a Wycheproof file, or nullopt when it is missing. Missing data is a test
// failure under CI=true and a skip (with a message) elsewhere: call require_or_skip.
std::optional<std::filesystem::path> wycheproof_file(const char* file_name);

// True when the environment variable CI is "true" (as the CI runner sets it).
bool running_in_ci();

std::filesystem::path source_dir();  // the checkout
std::filesystem::path binary_dir();  // the CMake build folder (daemons in binary_dir()/bin)

}  // namespace sc::test
