#pragma once
// The one error the files component throws: errno, the file it concerns, and what went wrong
// with it, kept apart so that a caller can name the file its own way ("the push sealing key file
// certs/x is a symbolic link; refusing to follow it") without searching the sentence for the
// path. The sentence is composed of three parts: the attempt (the words before the file), the
// file, and the problem (the words after it); an empty part is left out.
//   failed_to(errno, "cannot open", file)                   "cannot open /x/y"
//   refused(ELOOP, file, "is a symbolic link; ...")         "/x/y is a symbolic link; ..."
//   failed_to(errno, "cannot open the folder", d, "to sync it")
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

namespace sc::files {

class FileError : public std::system_error {
 public:
  // A step on `file` failed and `error` (an errno) says why: `attempt` names the step, `rest`
  // (optional) follows the file ("cannot write" /x/y "(nothing written)").
  static FileError failed_to(int error, std::string attempt, std::filesystem::path file,
                             std::string rest = {});
  // `file` is refused as it is: `problem` says what is wrong with it ("is not a regular file");
  // `error` is the errno that matches it (EINVAL).
  static FileError refused(int error, std::filesystem::path file, std::string problem);

  // The file the failure is about: the target, or another file (the temporary beside it, the
  // folder) when the step on that one failed.
  const std::filesystem::path& path() const noexcept { return path_; }
  // The words before the file ("cannot rename /x/.y.AbC123 to"); empty for a refusal.
  const std::string& attempt() const noexcept { return attempt_; }
  // The words after the file ("is a symbolic link; refusing to follow it"); often empty for a
  // failed step, where errno says what is wrong.
  const std::string& problem() const noexcept { return problem_; }

  // The sentence naming the file by its path (what() appends the errno text to it).
  std::string sentence() const { return sentence_naming(path_.string()); }
  // The same sentence with `name_of_file` where the path stands ("the push sealing key file
  // certs/x is a symbolic link; refusing to follow it").
  std::string sentence_naming(std::string_view name_of_file) const;

 private:
  FileError(int error, std::string attempt, std::filesystem::path file, std::string problem);

  std::string attempt_;
  std::filesystem::path path_;
  std::string problem_;
};

}  // namespace sc::files
