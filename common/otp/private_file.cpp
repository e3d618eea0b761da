#include "common/otp/private_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <system_error>

namespace sc::otp {
namespace {

[[noreturn]] void throw_errno(const std::string& sentence) {
  throw std::system_error(errno, std::generic_category(), sentence);
}

// Closes the descriptor when the scope ends, whatever happens.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  // Closes now and reports the error (a close can be where a delayed write error shows).
  bool close() {
    const int fd = fd_;
    fd_ = -1;
    return ::close(fd) == 0;
  }

 private:
  int fd_;
};

std::filesystem::path folder_of(const std::filesystem::path& file) {
  return file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
}

void sync_folder(const std::filesystem::path& folder) {
  FileDescriptor fd(::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) throw_errno("cannot open the folder " + folder.string() + " to sync it");
  if (::fsync(fd.get()) != 0) throw_errno("cannot sync the folder " + folder.string());
}

}  // namespace

std::optional<std::string> read_private_file(const std::filesystem::path& file,
                                             const std::string& what, std::size_t longest) {
  // O_NOFOLLOW: a key is never read through a symbolic link someone else may have planted.
  FileDescriptor fd(::open(file.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) return std::nullopt;
    if (errno == ELOOP) {
      throw std::runtime_error("the " + what + " is a symbolic link; refusing to follow it");
    }
    throw_errno("cannot open the " + what);
  }
  struct stat status {};
  if (::fstat(fd.get(), &status) != 0) throw_errno("cannot inspect the " + what);
  if (!S_ISREG(status.st_mode)) throw std::runtime_error("the " + what + " is not a regular file");
  if ((status.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    throw std::runtime_error("the " + what + " is accessible to group or others; make it mode " +
                             "0600 (chmod 600 " + file.string() + ") or replace it");
  }
  if (status.st_size < 0 || static_cast<std::size_t>(status.st_size) > longest) {
    throw std::runtime_error("the " + what + " holds " + std::to_string(status.st_size) +
                             " bytes, more than a file this program writes");
  }
  std::string content(static_cast<std::size_t>(status.st_size), '\0');
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::read(fd.get(), content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno("cannot read the " + what);
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  content.resize(done);
  return content;
}

std::string write_private_temporary(const std::filesystem::path& file, ByteView content,
                                    const std::string& what) {
  std::string temporary = (folder_of(file) / ("." + file.filename().string() + ".XXXXXX")).string();
  FileDescriptor fd(::mkstemp(temporary.data()));
  if (fd.get() < 0) throw_errno("cannot create a temporary file for the " + what);
  try {
    if (::fchmod(fd.get(), 0600) != 0) throw_errno("cannot make " + temporary + " mode 0600");
    std::size_t done = 0;
    while (done < content.size()) {
      const ssize_t n = ::write(fd.get(), content.data() + done, content.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw_errno("cannot write the " + what);
      done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd.get()) != 0) throw_errno("cannot sync the " + what);
    if (!fd.close()) throw_errno("cannot close the " + what);
  } catch (...) {
    ::unlink(temporary.c_str());
    throw;
  }
  return temporary;
}

Publication publish_new_file(const std::string& temporary, const std::filesystem::path& file,
                             const std::string& what) {
  // link() is a rename that never replaces.
  const bool linked = ::link(temporary.c_str(), file.c_str()) == 0;
  const int link_error = errno;
  ::unlink(temporary.c_str());
  if (!linked) {
    if (link_error == EEXIST) return Publication::already_there;
    errno = link_error;
    throw_errno("cannot create the " + what);
  }
  sync_folder(folder_of(file));
  return Publication::created;
}

void replace_file(const std::string& temporary, const std::filesystem::path& file,
                  const std::string& what) {
  if (::rename(temporary.c_str(), file.c_str()) != 0) {
    const int rename_error = errno;
    ::unlink(temporary.c_str());
    errno = rename_error;
    throw_errno("cannot replace the " + what);
  }
  sync_folder(folder_of(file));
}

}  // namespace sc::otp
