#pragma once
// Files only their owner may read, written so that a crash never leaves half of one: the bank's
// key files (key_file.hpp, seal_key.hpp) share these steps, done by common/files/ with mode 0600.
// Errors are std::system_error (errno and a sentence naming `what`, "push sealing key file
// certs/x", then the step that failed).
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>

#include "common/crypto/bytes.hpp"
#include "common/files/atomic_file.hpp"

namespace sc::otp {

// The file's content, or nothing when it does not exist. Refuses a symbolic link (O_NOFOLLOW), a
// non-regular file, a file group or others may access, and one larger than `longest` bytes.
std::optional<std::string> read_private_file(const std::filesystem::path& file,
                                             const std::string& what, std::size_t longest);

// Writes `content` to a fresh temporary file beside `file` (mkstemp: O_EXCL, mode 0600), synced
// and closed; returns its name. The caller publishes it with one of the two calls below.
std::string write_private_temporary(const std::filesystem::path& file, ByteView content,
                                    const std::string& what);

using Publication = files::Publication;  // created, already_there
// link() then unlink: the temporary becomes `file` unless `file` exists already (another process
// created it first: its content wins). Syncs the folder after creating.
Publication publish_new_file(const std::string& temporary, const std::filesystem::path& file,
                             const std::string& what);
// rename(): the temporary replaces `file`; syncs the folder.
void replace_file(const std::string& temporary, const std::filesystem::path& file,
                  const std::string& what);

}  // namespace sc::otp
