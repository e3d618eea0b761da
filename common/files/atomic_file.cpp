#include "common/files/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "common/files/file_descriptor.hpp"

namespace sc::files {
namespace {

void remove_quietly(const std::filesystem::path& file) noexcept {
  ::unlink(file.c_str());
}

}  // namespace

std::filesystem::path folder_of(const std::filesystem::path& file) {
  return file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
}

void write_all(int fd, const void* data, std::size_t length, const std::filesystem::path& file) {
  const auto* next = static_cast<const std::uint8_t*>(data);
  while (length > 0) {
    const ssize_t written = ::write(fd, next, length);
    if (written < 0 && errno == EINTR) continue;
    if (written < 0) {
      const int error = errno;  // read before the sentence's strings are built
      throw FileError::failed_to(error, "cannot write", file);
    }
    if (written == 0) throw FileError::failed_to(EIO, "cannot write", file, "(nothing written)");
    next += written;
    length -= static_cast<std::size_t>(written);
  }
}

void sync_folder(const std::filesystem::path& folder, FolderSync sync) {
  FileDescriptor fd(::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  const bool synced = fd.is_open() && ::fsync(fd.get()) == 0;
  if (synced || sync == FolderSync::best_effort) return;
  const int error = errno;
  if (fd.is_open()) throw FileError::failed_to(error, "cannot sync the folder", folder);
  throw FileError::failed_to(error, "cannot open the folder", folder, "to sync it");
}

std::filesystem::path write_temporary_beside(const std::filesystem::path& file, FileBytes content,
                                             std::filesystem::perms mode) {
  std::string temporary = (folder_of(file) / ("." + file.filename().string() + ".XXXXXX")).string();
  // mkstemp creates with O_CREAT | O_EXCL and mode 0600: never a file someone planted, and never
  // readable by others, not even before the fchmod below.
  FileDescriptor fd(::mkstemp(temporary.data()));
  if (!fd.is_open()) {
    const int error = errno;
    throw FileError::failed_to(error, "cannot create a temporary file beside", file);
  }
  try {
    if (::fchmod(fd.get(), static_cast<mode_t>(mode)) != 0) {
      const int error = errno;
      throw FileError::failed_to(error, "cannot set the mode of", temporary);
    }
    write_all(fd.get(), content.data(), content.size(), temporary);
    if (::fsync(fd.get()) != 0) {
      const int error = errno;
      throw FileError::failed_to(error, "cannot sync", temporary);
    }
    if (const std::error_code closed = fd.close()) {
      throw FileError::failed_to(closed.value(), "cannot close", temporary);
    }
  } catch (...) {
    remove_quietly(temporary);
    throw;
  }
  return temporary;
}

void replace_with(const std::filesystem::path& temporary, const std::filesystem::path& file,
                  FolderSync sync) {
  if (::rename(temporary.c_str(), file.c_str()) != 0) {
    const int error = errno;
    remove_quietly(temporary);
    // The failure concerns the target; the temporary is part of the step that failed.
    throw FileError::failed_to(error, "cannot rename " + temporary.string() + " to", file);
  }
  sync_folder(folder_of(file), sync);
}

Publication publish_without_replacing(const std::filesystem::path& temporary,
                                      const std::filesystem::path& file) {
  // link() is a rename that never replaces.
  const bool linked = ::link(temporary.c_str(), file.c_str()) == 0;
  const int error = errno;
  remove_quietly(temporary);
  if (!linked) {
    if (error == EEXIST) return Publication::already_there;
    throw FileError::failed_to(error, "cannot create", file);
  }
  sync_folder(folder_of(file), FolderSync::required);
  return Publication::created;
}

void write_file_atomically(const std::filesystem::path& file, FileBytes content,
                           std::filesystem::perms mode, FolderSync sync) {
  replace_with(write_temporary_beside(file, content, mode), file, sync);
}

}  // namespace sc::files
