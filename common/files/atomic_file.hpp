#pragma once
// Files replaced whole or not at all: the content goes to a temporary file beside the target
// (mkstemp: O_CREAT | O_EXCL, so a planted file or link is never followed), gets its mode before
// any byte is written, is synced and closed, then takes the target's name by rename() (replaces)
// or link() (never replaces), and the folder is synced so the new name survives a crash.
// A reader sees the old file or the new one, never half of one. Every failure throws FileError
// (errno and a sentence naming the file); a temporary file is never left behind by a failure.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string_view>

#include "common/files/file_error.hpp"

namespace sc::files {

using FileBytes = std::span<const std::uint8_t>;

// Mode of a file only its owner may read and write (keys, secrets).
inline constexpr std::filesystem::perms kOwnerOnly =
    std::filesystem::perms::owner_read | std::filesystem::perms::owner_write;

// Whether a folder that cannot be synced is an error (keys: their new name must survive a crash)
// or is only tried (some file systems refuse fsync on a folder; a certificate can be fetched
// again).
enum class FolderSync { required, best_effort };

// The folder holding `file` ("." for a bare name).
std::filesystem::path folder_of(const std::filesystem::path& file);

// Writes all `length` bytes, retrying on EINTR and short writes; `file` names it in errors.
void write_all(int fd, const void* data, std::size_t length, const std::filesystem::path& file);

// fsync() on the folder, so that a rename, link or unlink in it is durable.
void sync_folder(const std::filesystem::path& folder, FolderSync sync);

// Creates a fresh temporary file beside `file` (".<name>.XXXXXX"), gives it `mode` before
// writing (so it is never readable wider than `mode`, whatever the umask), writes `content`,
// fsyncs and closes it. Returns its path; on failure it has been removed.
std::filesystem::path write_temporary_beside(const std::filesystem::path& file, FileBytes content,
                                             std::filesystem::perms mode);

// rename(): the temporary replaces `file` (or becomes it); then the folder is synced. When the
// rename fails the temporary is removed.
void replace_with(const std::filesystem::path& temporary, const std::filesystem::path& file,
                  FolderSync sync);

enum class Publication { created, already_there };
// link() then unlink(): the temporary becomes `file` unless `file` exists already (another
// process created it first: its content wins, already_there). The temporary is always removed;
// the folder is synced after creating.
Publication publish_without_replacing(const std::filesystem::path& temporary,
                                      const std::filesystem::path& file);

// write_temporary_beside then replace_with, in one call.
void write_file_atomically(const std::filesystem::path& file, FileBytes content,
                           std::filesystem::perms mode, FolderSync sync);
inline void write_file_atomically(const std::filesystem::path& file, std::string_view text,
                                  std::filesystem::perms mode, FolderSync sync) {
  write_file_atomically(
      file, FileBytes(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()), mode, sync);
}

}  // namespace sc::files
