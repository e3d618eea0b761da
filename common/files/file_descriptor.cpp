#include "common/files/file_descriptor.hpp"

#include <unistd.h>

#include <cerrno>
#include <utility>

namespace sc::files {

FileDescriptor::FileDescriptor(FileDescriptor&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)) {}

FileDescriptor& FileDescriptor::operator=(FileDescriptor&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

FileDescriptor::~FileDescriptor() {
  if (fd_ >= 0) ::close(fd_);
}

std::error_code FileDescriptor::close() noexcept {
  if (fd_ < 0) return {};
  // POSIX leaves the descriptor unspecified after a failed close (EINTR included); Linux has
  // released it either way, so it is never closed twice.
  const int fd = std::exchange(fd_, -1);
  if (::close(fd) != 0) return {errno, std::generic_category()};
  return {};
}

}  // namespace sc::files
