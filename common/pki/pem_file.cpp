#include "common/pki/pem_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "common/pki/pki_error.hpp"

namespace sc::pki {

namespace {

// Certificates and chains are a few kilobytes; refuse anything absurd before reading it.
constexpr std::uintmax_t kMaxFileBytes = 1 << 20;

std::string system_error_text() {
  return std::strerror(errno);
}

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

void write_all(int fd, std::string_view contents, const std::filesystem::path& path) {
  std::size_t written = 0;
  while (written < contents.size()) {
    const ssize_t n = ::write(fd, contents.data() + written, contents.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw PkiError("cannot write " + path.string() + ": " + system_error_text());
    written += static_cast<std::size_t>(n);
  }
}

void sync_folder(const std::filesystem::path& folder) {
  FileDescriptor fd(::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() >= 0) ::fsync(fd.get());  // best effort: some file systems refuse it
}

}  // namespace

void write_text_file_atomically(const std::filesystem::path& path, std::string_view contents,
                                std::filesystem::perms permissions) {
  const std::filesystem::path folder =
      path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  std::string temporary_name = ".";
  temporary_name.append(path.filename().string()).append(".tmp-XXXXXX");
  std::string temporary = (folder / temporary_name).string();
  FileDescriptor fd(::mkstemp(temporary.data()));
  if (fd.get() < 0) {
    throw PkiError("cannot create a temporary file in " + folder.string() + ": " +
                   system_error_text());
  }
  try {
    if (::fchmod(fd.get(), static_cast<mode_t>(permissions)) != 0) {
      throw PkiError("cannot set the mode of " + temporary + ": " + system_error_text());
    }
    write_all(fd.get(), contents, temporary);
    if (::fsync(fd.get()) != 0) {
      throw PkiError("cannot flush " + temporary + ": " + system_error_text());
    }
    if (::close(fd.release()) != 0) {
      throw PkiError("cannot close " + temporary + ": " + system_error_text());
    }
    if (::rename(temporary.c_str(), path.c_str()) != 0) {
      throw PkiError("cannot rename " + temporary + " to " + path.string() + ": " +
                     system_error_text());
    }
  } catch (...) {
    ::unlink(temporary.c_str());
    throw;
  }
  sync_folder(folder);
}

std::string read_text_file(const std::filesystem::path& path) {
  std::error_code error;
  const std::uintmax_t size = std::filesystem::file_size(path, error);
  if (error) throw PkiError("cannot read " + path.string() + ": " + error.message());
  if (size > kMaxFileBytes) {
    throw PkiError(path.string() + " is " + std::to_string(size) +
                   " bytes, larger than any certificate file should be");
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) throw PkiError("cannot open " + path.string());
  std::ostringstream text;
  text << file.rdbuf();
  if (file.bad()) throw PkiError("cannot read " + path.string());
  return text.str();
}

void write_certificate_file(const std::filesystem::path& path, const Certificate& certificate) {
  write_text_file_atomically(path, certificate.to_pem());
}

void write_chain_file(const std::filesystem::path& path, const std::vector<Certificate>& chain) {
  if (chain.empty())
    throw PkiError("refusing to write an empty certificate chain to " + path.string());
  std::string text;
  for (const Certificate& certificate : chain) text += certificate.to_pem();
  write_text_file_atomically(path, text);
}

Certificate read_certificate_file(const std::filesystem::path& path) {
  const std::string text = read_text_file(path);
  try {
    return Certificate::from_pem(text);
  } catch (const PkiError& error) {
    throw PkiError(path.string() + ": " + error.what());
  }
}

std::vector<Certificate> read_chain_file(const std::filesystem::path& path) {
  const std::string text = read_text_file(path);
  try {
    return Certificate::chain_from_pem(text);
  } catch (const PkiError& error) {
    throw PkiError(path.string() + ": " + error.what());
  }
}

}  // namespace sc::pki
