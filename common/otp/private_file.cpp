#include "common/otp/private_file.hpp"

#include <system_error>

#include "common/files/private_file.hpp"

namespace sc::otp {
namespace {

// The files component names the path; the bank's sentences say what the file is for: the path
// becomes "the push sealing key file certs/x" ("the push sealing key file certs/x is a symbolic
// link; refusing to follow it"). A failure about another file (the temporary beside it, the
// folder) keeps its own path and gets the purpose in front.
[[noreturn]] void rethrow_for(const std::filesystem::path& file, const std::string& what,
                              const files::FileError& failure) {
  const std::string the_file = "the " + what;
  if (failure.path() == file) {
    throw std::system_error(failure.code(), failure.sentence_naming(the_file));
  }
  throw std::system_error(failure.code(), the_file + ": " + failure.sentence());
}

}  // namespace

std::optional<std::string> read_private_file(const std::filesystem::path& file,
                                             const std::string& what, std::size_t longest) {
  try {
    return files::read_private_file(file, longest);
  } catch (const files::FileError& failure) {
    rethrow_for(file, what, failure);
  }
}

std::string write_private_temporary(const std::filesystem::path& file, ByteView content,
                                    const std::string& what) {
  try {
    return files::write_temporary_beside(file, content, files::kOwnerOnly).string();
  } catch (const files::FileError& failure) {
    rethrow_for(file, what, failure);
  }
}

Publication publish_new_file(const std::string& temporary, const std::filesystem::path& file,
                             const std::string& what) {
  try {
    return files::publish_without_replacing(temporary, file);
  } catch (const files::FileError& failure) {
    rethrow_for(file, what, failure);
  }
}

void replace_file(const std::string& temporary, const std::filesystem::path& file,
                  const std::string& what) {
  try {
    files::replace_with(temporary, file, files::FolderSync::required);
  } catch (const files::FileError& failure) {
    rethrow_for(file, what, failure);
  }
}

}  // namespace sc::otp
