#pragma once
// Reading Project Wycheproof JSON files for the crypto tests.
//
// A missing file fails the test under CI (CI=true) and is a visible skip elsewhere. Every file's
// test counts the vectors it ran and requires the count to be positive, so a run that read
// nothing cannot pass silently.
#include <catch2/catch.hpp>

#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/crypto/bytes.hpp"
#include "tests/support/test_data.hpp"

namespace sc::test {

// The parsed file, or nullopt after FAIL (in CI) or WARN (elsewhere) when it is missing.
inline std::optional<nlohmann::json> load_wycheproof(const char* file_name) {
  auto path = wycheproof_file(file_name);
  if (!path) {
    if (running_in_ci()) FAIL("Wycheproof file " << file_name << " is missing (required in CI)");
    WARN("Wycheproof file " << file_name << " is missing under " << vectors_dir().string()
                            << "; skipping its vectors");
    return std::nullopt;
  }
  std::ifstream in(*path);
  REQUIRE(in.good());
  nlohmann::json document = nlohmann::json::parse(in);
  REQUIRE(document.contains("testGroups"));
  REQUIRE(!document["testGroups"].empty());
  return document;
}

inline Bytes hex_field(const nlohmann::json& object, const char* name) {
  return from_hex(object.at(name).get<std::string>());
}

// What happened to the vectors of one file, printed at the end of its test.
struct VectorTally {
  explicit VectorTally(std::string file_name) : file(std::move(file_name)) {}

  std::string file;
  int valid = 0;
  int invalid = 0;
  int acceptable = 0;
  int skipped = 0;
  std::map<std::string, std::vector<int>> skipped_by_reason;

  int ran() const { return valid + invalid + acceptable; }

  void count(const std::string& result) {
    if (result == "valid") {
      ++valid;
    } else if (result == "invalid") {
      ++invalid;
    } else if (result == "acceptable") {
      ++acceptable;
    } else {
      FAIL("unknown Wycheproof result '" << result << "' in " << file);
    }
  }

  void skip(int test_id, const std::string& why) {
    ++skipped;
    skipped_by_reason[why].push_back(test_id);
  }

  // Prints the counts and requires that at least one vector ran.
  void report() const {
    std::cout << file << ": ran " << ran() << " vectors (" << valid << " valid, " << invalid
              << " invalid, " << acceptable << " acceptable), skipped " << skipped << '\n';
    for (const auto& [why, ids] : skipped_by_reason) {
      std::cout << "  skipped " << ids.size() << " (" << why << "): tcId";
      for (int id : ids) std::cout << ' ' << id;
      std::cout << '\n';
    }
    REQUIRE(ran() > 0);
  }
};

// Context for failure messages: "aes_gcm_test.json tcId 42 (comment)".
inline std::string vector_name(const std::string& file, const nlohmann::json& test) {
  return file + " tcId " + std::to_string(test.at("tcId").get<int>()) + " (" +
         test.value("comment", std::string()) + ")";
}

}  // namespace sc::test
