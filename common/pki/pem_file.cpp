#include "common/pki/pem_file.hpp"

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>

#include "common/files/atomic_file.hpp"
#include "common/pki/pki_error.hpp"

namespace sc::pki {

namespace {

// Certificates and chains are a few kilobytes; refuse anything absurd before reading it.
constexpr std::uintmax_t kMaxFileBytes = 1 << 20;

}  // namespace

void write_text_file_atomically(const std::filesystem::path& path, std::string_view contents,
                                std::filesystem::perms permissions) {
  // A certificate can be fetched again: a folder that refuses fsync (some file systems do) is
  // not an error.
  try {
    files::write_file_atomically(path, contents, permissions, files::FolderSync::best_effort);
  } catch (const files::FileError& failure) {
    throw PkiError(failure.what());
  }
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
