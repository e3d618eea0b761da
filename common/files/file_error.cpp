#include "common/files/file_error.hpp"

#include <utility>

namespace sc::files {
namespace {

// attempt, file and problem joined by single spaces, leaving out an empty part.
std::string compose(std::string_view attempt, std::string_view file, std::string_view problem) {
  std::string sentence;
  for (std::string_view part : {attempt, file, problem}) {
    if (part.empty()) continue;
    if (!sentence.empty()) sentence += ' ';
    sentence += part;
  }
  return sentence;
}

}  // namespace

FileError::FileError(int error, std::string attempt, std::filesystem::path file,
                     std::string problem)
    : std::system_error(error, std::generic_category(), compose(attempt, file.string(), problem)),
      attempt_(std::move(attempt)),
      path_(std::move(file)),
      problem_(std::move(problem)) {}

FileError FileError::failed_to(int error, std::string attempt, std::filesystem::path file,
                               std::string rest) {
  return FileError(error, std::move(attempt), std::move(file), std::move(rest));
}

FileError FileError::refused(int error, std::filesystem::path file, std::string problem) {
  return FileError(error, {}, std::move(file), std::move(problem));
}

std::string FileError::sentence_naming(std::string_view name_of_file) const {
  return compose(attempt_, name_of_file, problem_);
}

}  // namespace sc::files
