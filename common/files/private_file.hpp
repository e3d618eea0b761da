#pragma once
// Reading a file only its owner may read (keys, secrets), refusing anything that looks planted.
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>

#include "common/files/file_error.hpp"

namespace sc::files {

// The file's content, or nothing when it does not exist. Throws FileError for a symbolic link
// (O_NOFOLLOW: never read through a link someone else may have planted; ELOOP), a non-regular
// file (EINVAL), a file group or others may access (EACCES), one larger than `longest` bytes
// (EFBIG), and any failure to open or read it.
std::optional<std::string> read_private_file(const std::filesystem::path& file,
                                             std::size_t longest);

}  // namespace sc::files
