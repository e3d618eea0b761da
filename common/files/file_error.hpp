#pragma once
// The one error the files component throws: errno plus a sentence naming the file.
#include <string>
#include <system_error>

namespace sc::files {

class FileError : public std::system_error {
 public:
  FileError(int error, const std::string& sentence)
      : std::system_error(error, std::generic_category(), sentence), sentence_(sentence) {}
  // The sentence alone (what() appends the errno text to it), for callers that rewrap it.
  const std::string& sentence() const noexcept { return sentence_; }

 private:
  std::string sentence_;
};

}  // namespace sc::files
