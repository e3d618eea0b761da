#pragma once
// A clock the test moves by hand, and helpers shared by the OTP tests.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "common/crypto/bytes.hpp"
#include "common/crypto/random.hpp"
#include "common/otp/transaction_details.hpp"

namespace sc::otp::test {

struct FakeClock {
  std::shared_ptr<std::chrono::system_clock::time_point> now =
      std::make_shared<std::chrono::system_clock::time_point>(
          std::chrono::system_clock::from_time_t(1'795'000'000));
  Clock clock() const {
    return [now = now] { return *now; };
  }
  void advance(std::chrono::seconds by) { *now += by; }
};

inline TransactionDetails sample_transaction() {
  return {"NL91ABNA0417164300", 25000, "EUR", "ACME \"Ltd\""};
}

inline const std::string kAlice(64, 'a');
inline const std::string kMallory(64, 'b');

// A fresh path in the temp folder, removed when the object goes, with the audit key an AuditLog
// creates beside it (default_audit_key_path: the same name ending in .key).
struct TempFile {
  std::filesystem::path path = std::filesystem::temp_directory_path() /
                               ("sc-otp-test-" + to_hex(crypto::random_bytes(8)) + ".log");
  ~TempFile() {
    std::error_code ignored;
    std::filesystem::remove(path, ignored);
    std::filesystem::path key = path;
    std::filesystem::remove(key.replace_extension(".key"), ignored);
  }
  std::string text() const {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream content;
    content << in.rdbuf();
    return content.str();
  }
};

// A code of the same length that is not the right one.
inline std::string wrong_code(const std::string& code) {
  std::string wrong = code;
  wrong[0] = wrong[0] == '9' ? '0' : static_cast<char>(wrong[0] + 1);
  return wrong;
}

}  // namespace sc::otp::test
