#include "common/files/private_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "common/files/file_descriptor.hpp"

namespace sc::files {

std::optional<std::string> read_private_file(const std::filesystem::path& file,
                                             std::size_t longest) {
  FileDescriptor fd(::open(file.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.is_open()) {
    const int error = errno;  // read before the sentence's strings are built
    if (error == ENOENT) return std::nullopt;
    if (error == ELOOP) {
      throw FileError::refused(ELOOP, file, "is a symbolic link; refusing to follow it");
    }
    throw FileError::failed_to(error, "cannot open", file);
  }
  struct stat status {};
  if (::fstat(fd.get(), &status) != 0) {
    const int error = errno;
    throw FileError::failed_to(error, "cannot inspect", file);
  }
  if (!S_ISREG(status.st_mode)) throw FileError::refused(EINVAL, file, "is not a regular file");
  if ((status.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    // The command names the path itself, whatever name a caller gives the file.
    throw FileError::refused(EACCES, file,
                             "is accessible to group or others; make it mode 0600 (chmod 600 " +
                                 file.string() + ") or replace it");
  }
  if (status.st_size < 0 || static_cast<std::size_t>(status.st_size) > longest) {
    throw FileError::refused(
        EFBIG, file,
        "holds " + std::to_string(status.st_size) + " bytes, more than a file this program writes");
  }
  std::string content(static_cast<std::size_t>(status.st_size), '\0');
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::read(fd.get(), content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int error = errno;
      throw FileError::failed_to(error, "cannot read", file);
    }
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  content.resize(done);
  return content;
}

}  // namespace sc::files
