#pragma once
// File modes of the TTP's folder: the certs folder is 0700; the registry (and its -wal/-shm),
// ca.key and service.key are 0600. A private key readable or writable by group or others is
// refused, as the bank and the client refuse theirs; a folder or registry found wider is
// tightened with a warning.
#include <filesystem>
#include <string_view>

namespace sc::ttp {

// Creates the folder (and its parents) with mode 0700, or tightens an existing folder that
// grants group or others anything to 0700, with a warning. Throws std::runtime_error with a
// sentence when the folder cannot be created or changed.
void secure_certs_folder(const std::filesystem::path& folder);

// Creates an empty file with mode 0600 when absent (so that SQLite, which gives the -wal and
// -shm files the database file's mode, never makes them readable by others); tightens an
// existing file with group or other bits to 0600, with a warning naming `what`.
void create_owner_only_file(const std::filesystem::path& path, std::string_view what);
// Tightens an existing file with group or other bits to 0600 (warning); nothing when absent.
void restrict_to_owner(const std::filesystem::path& path, std::string_view what);

// Throws std::runtime_error when the key file exists and grants group or others any access:
// "the root key certs/ttp/ca.key is readable or writable by group or others (mode 0644); run
// chmod 600 on it". Nothing when the file is absent (it is created 0600 later).
void refuse_exposed_private_key(const std::filesystem::path& key_file, std::string_view what);

}  // namespace sc::ttp
