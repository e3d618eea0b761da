#include "ttp/file_protection.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>

#include <spdlog/spdlog.h>

namespace sc::ttp {
namespace {

constexpr mode_t group_and_others = 077;

std::string octal_mode(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

std::string system_reason() {
  return std::strerror(errno);
}

}  // namespace

void secure_certs_folder(const std::filesystem::path& folder) {
  struct stat status {};
  if (::stat(folder.c_str(), &status) != 0) {
    if (errno != ENOENT) {
      throw std::runtime_error("cannot inspect the folder " + folder.string() + ": " +
                               system_reason());
    }
    std::error_code error;
    std::filesystem::create_directories(folder, error);
    if (error) {
      throw std::runtime_error("cannot create the folder " + folder.string() + ": " +
                               error.message());
    }
    if (::chmod(folder.c_str(), 0700) != 0) {
      throw std::runtime_error("cannot set mode 0700 on the folder " + folder.string() + ": " +
                               system_reason());
    }
    spdlog::info("created the folder {} with mode 0700", folder.string());
    return;
  }
  if (!S_ISDIR(status.st_mode)) {
    throw std::runtime_error(folder.string() + " is not a folder");
  }
  if ((status.st_mode & group_and_others) == 0) return;
  if (::chmod(folder.c_str(), (status.st_mode & 0700) | 0700) != 0) {
    throw std::runtime_error("the folder " + folder.string() + " has mode " +
                             octal_mode(status.st_mode) +
                             " and cannot be tightened to 0700: " + system_reason());
  }
  spdlog::warn("the folder {} had mode {}, open to group or others; tightened it to 0700",
               folder.string(), octal_mode(status.st_mode));
}

void create_owner_only_file(const std::filesystem::path& path, std::string_view what) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) {
    ::close(fd);
    return;
  }
  // EEXIST: an existing file keeps its content and gets its mode checked; any other failure
  // is left to the caller's open, which reports it in its own words.
  if (errno == EEXIST) restrict_to_owner(path, what);
}

void restrict_to_owner(const std::filesystem::path& path, std::string_view what) {
  struct stat status {};
  if (::stat(path.c_str(), &status) != 0) return;  // absent: nothing to tighten
  if ((status.st_mode & group_and_others) == 0) return;
  if (::chmod(path.c_str(), 0600) != 0) {
    throw std::runtime_error(std::string(what) + " " + path.string() + " has mode " +
                             octal_mode(status.st_mode) +
                             " and cannot be tightened to 0600: " + system_reason());
  }
  spdlog::warn("{} {} had mode {}, open to group or others; tightened it to 0600", what,
               path.string(), octal_mode(status.st_mode));
}

void refuse_exposed_private_key(const std::filesystem::path& key_file, std::string_view what) {
  struct stat status {};
  if (::stat(key_file.c_str(), &status) != 0) return;
  if ((status.st_mode & group_and_others) == 0) return;
  throw std::runtime_error(std::string(what) + " " + key_file.string() +
                           " is readable or writable by group or others (mode " +
                           octal_mode(status.st_mode) + "); run chmod 600 on it");
}

}  // namespace sc::ttp
