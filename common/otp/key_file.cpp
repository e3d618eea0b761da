#include "common/otp/key_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cerrno>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>

#include "common/crypto/random.hpp"

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

std::string describe(std::string_view purpose, const std::filesystem::path& file) {
  return std::string(purpose) + " " + file.string();
}

void read_exactly(int fd, std::uint8_t* data, std::size_t size, const std::string& what) {
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::read(fd, data + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno("cannot read the " + what);
    if (n == 0) throw std::runtime_error("the " + what + " ended early");
    done += static_cast<std::size_t>(n);
  }
}

void write_all(int fd, const std::uint8_t* data, std::size_t size, const std::string& what) {
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::write(fd, data + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno("cannot write " + what);
    done += static_cast<std::size_t>(n);
  }
}

// Returns the key, or nothing when the file does not exist.
std::optional<SecretBytes> load_key(const std::filesystem::path& file, std::string_view purpose) {
  const std::string what = describe(purpose, file);
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
  if (status.st_size != static_cast<off_t>(kSecretKeyBytes)) {
    throw std::runtime_error("the " + what + " holds " + std::to_string(status.st_size) +
                             " bytes, not the " + std::to_string(kSecretKeyBytes) +
                             " of a key this program writes");
  }
  SecretBytes key(kSecretKeyBytes);
  read_exactly(fd.get(), key.data(), key.size(), what);
  return key;
}

void sync_folder(const std::filesystem::path& folder) {
  FileDescriptor fd(::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) throw_errno("cannot open the folder " + folder.string() + " to sync it");
  if (::fsync(fd.get()) != 0) throw_errno("cannot sync the folder " + folder.string());
}

// Writes a fresh key to a temporary file (mkstemp: O_EXCL, mode 0600, never a planted file or
// link), syncs it, then links it to its name. link() is a rename that never replaces: when another
// process created the key first, its key wins and is returned.
SecretBytes create_key(const std::filesystem::path& file, std::string_view purpose) {
  const std::string what = describe(purpose, file);
  const std::filesystem::path folder = file.has_parent_path() ? file.parent_path() : ".";
  std::string temporary = (folder / ("." + file.filename().string() + ".XXXXXX")).string();
  SecretBytes key(kSecretKeyBytes);
  crypto::random_fill(key);
  {
    FileDescriptor fd(::mkstemp(temporary.data()));
    if (fd.get() < 0) throw_errno("cannot create a temporary file for the " + what);
    try {
      if (::fchmod(fd.get(), 0600) != 0) throw_errno("cannot make " + temporary + " mode 0600");
      write_all(fd.get(), key.data(), key.size(), "the " + what);
      if (::fsync(fd.get()) != 0) throw_errno("cannot sync the " + what);
      if (!fd.close()) throw_errno("cannot close the " + what);
    } catch (...) {
      ::unlink(temporary.c_str());
      throw;
    }
  }
  const bool linked = ::link(temporary.c_str(), file.c_str()) == 0;
  const int link_error = errno;
  ::unlink(temporary.c_str());
  if (!linked) {
    if (link_error == EEXIST) {
      if (auto existing = load_key(file, purpose)) return std::move(*existing);
    }
    errno = link_error;
    throw_errno("cannot create the " + what);
  }
  sync_folder(folder);
  spdlog::info("created the {} (mode 0600)", what);
  return key;
}

}  // namespace

SecretBytes load_or_create_secret_key(const std::filesystem::path& file, std::string_view purpose) {
  if (auto key = load_key(file, purpose)) return std::move(*key);
  return create_key(file, purpose);
}

SecretBytes load_or_create_store_key(const std::filesystem::path& file) {
  return load_or_create_secret_key(file, "transaction store key");
}

SecretBytes load_or_create_audit_key(const std::filesystem::path& file) {
  return load_or_create_secret_key(file, "audit key");
}

}  // namespace sc::otp
