#pragma once
// An open POSIX file descriptor, closed when its owner goes away.
#include <system_error>

namespace sc::files {

class FileDescriptor {
 public:
  FileDescriptor() = default;  // holds nothing
  explicit FileDescriptor(int fd) noexcept : fd_(fd) {}
  FileDescriptor(FileDescriptor&& other) noexcept;
  FileDescriptor& operator=(FileDescriptor&& other) noexcept;
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor();

  int get() const noexcept { return fd_; }
  bool is_open() const noexcept { return fd_ >= 0; }
  // Closes now and returns close()'s error, if any: a delayed write error can show up there,
  // so a file that must be durable is closed through this, not by the destructor.
  [[nodiscard]] std::error_code close() noexcept;

 private:
  int fd_ = -1;
};

}  // namespace sc::files
