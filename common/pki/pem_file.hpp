#pragma once
// Certificate and chain files in PEM. Writes are atomic: a temporary file in the same
// folder, fsync, rename over the target (so a reader sees the old or the new file, whole).
#include <filesystem>
#include <string_view>
#include <vector>

#include "common/pki/certificate.hpp"

namespace sc::pki {

void write_text_file_atomically(
    const std::filesystem::path& path, std::string_view contents,
    std::filesystem::perms permissions = std::filesystem::perms::owner_read |
                                         std::filesystem::perms::owner_write |
                                         std::filesystem::perms::group_read |
                                         std::filesystem::perms::others_read);
std::string read_text_file(const std::filesystem::path& path);  // throws PkiError

void write_certificate_file(const std::filesystem::path& path, const Certificate& certificate);
void write_chain_file(const std::filesystem::path& path, const std::vector<Certificate>& chain);
Certificate read_certificate_file(const std::filesystem::path& path);         // the first one
std::vector<Certificate> read_chain_file(const std::filesystem::path& path);  // at least one

}  // namespace sc::pki
