// Atomic writes: the target holds the old content or the new, whole, with the mode asked for
// from its first instant; no temporary file survives a success or a failure; publication by
// link never replaces a file another process created first.
#include <catch2/catch.hpp>

#include <cerrno>
#include <optional>
#include <string>
#include <vector>

#include "common/files/atomic_file.hpp"
#include "tests/unit/files/temporary_folder.hpp"

namespace {

using sc::files::FileError;
using sc::files::FolderSync;
using sc::files::kOwnerOnly;
using sc::files::Publication;
using sc::files::test::content_of;
using sc::files::test::mode_of;
using sc::files::test::TemporaryFolder;
using sc::files::test::Umask;
using sc::files::test::write_plain;
namespace fs = std::filesystem;

constexpr fs::perms kWorldReadable =
    fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read;

sc::files::FileBytes bytes_of(const std::string& text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

}  // namespace

TEST_CASE("an atomic write leaves only the target, with the mode asked for", "[files]") {
  TemporaryFolder folder;
  const fs::path key = folder.path() / "server.key";
  {
    const Umask permissive(0);  // the mode must not depend on the umask
    sc::files::write_file_atomically(key, std::string_view("secret one"), kOwnerOnly,
                                     FolderSync::required);
  }
  CHECK(content_of(key) == "secret one");
  CHECK(mode_of(key) == 0600);
  CHECK(folder.names() == std::vector<std::string>{"server.key"});

  SECTION("replacing a world-readable file leaves a 0600 file with the new content") {
    REQUIRE(::chmod(key.c_str(), 0644) == 0);
    sc::files::write_file_atomically(key, bytes_of("secret two"), kOwnerOnly, FolderSync::required);
    CHECK(content_of(key) == "secret two");
    CHECK(mode_of(key) == 0600);
    CHECK(folder.names() == std::vector<std::string>{"server.key"});
  }
  SECTION("a certificate keeps the wider mode it is given, whatever the umask") {
    const fs::path certificate = folder.path() / "cert.pem";
    const Umask strict(077);
    sc::files::write_file_atomically(certificate, std::string_view("PEM"), kWorldReadable,
                                     FolderSync::best_effort);
    CHECK(mode_of(certificate) == 0644);
    CHECK(folder.names() == std::vector<std::string>{"cert.pem", "server.key"});
  }
  SECTION("a bare name is written in the working directory") {
    const fs::path previous = fs::current_path();
    fs::current_path(folder.path());
    sc::files::write_file_atomically("bare.key", std::string_view("k"), kOwnerOnly,
                                     FolderSync::required);
    fs::current_path(previous);
    CHECK(content_of(folder.path() / "bare.key") == "k");
    CHECK(mode_of(folder.path() / "bare.key") == 0600);
  }
}

TEST_CASE("a failing rename leaves no temporary file behind and names the target", "[files]") {
  TemporaryFolder folder;
  const fs::path occupied = folder.path() / "cert.pem";
  fs::create_directory(occupied);  // rename() cannot put a file over a directory
  try {
    sc::files::write_file_atomically(occupied, std::string_view("PEM"), kWorldReadable,
                                     FolderSync::best_effort);
    FAIL("writing over a directory must fail");
  } catch (const FileError& failure) {
    CHECK(failure.code().value() == EISDIR);
    CHECK_THAT(failure.what(), Catch::Contains(occupied.string()));
    CHECK_THAT(failure.sentence(), Catch::StartsWith("cannot rename "));
  }
  CHECK(fs::is_directory(occupied));
  CHECK(folder.names() == std::vector<std::string>{"cert.pem"});
}

TEST_CASE("a missing folder fails before anything is written, naming the file", "[files]") {
  TemporaryFolder folder;
  const fs::path key = folder.path() / "no-such-folder" / "k.pem";
  try {
    sc::files::write_file_atomically(key, std::string_view("k"), kOwnerOnly, FolderSync::required);
    FAIL("writing into a missing folder must fail");
  } catch (const FileError& failure) {
    CHECK(failure.code().value() == ENOENT);
    CHECK_THAT(failure.what(), Catch::Contains("no-such-folder"));
  }
  CHECK(folder.names().empty());
}

TEST_CASE("a temporary file is private from its first instant", "[files]") {
  TemporaryFolder folder;
  const fs::path key = folder.path() / "seal.key";
  const Umask permissive(0);
  const fs::path temporary = sc::files::write_temporary_beside(key, bytes_of("k"), kOwnerOnly);
  CHECK(temporary.parent_path() == folder.path());
  CHECK_THAT(temporary.filename().string(), Catch::StartsWith(".seal.key."));
  CHECK(mode_of(temporary) == 0600);
  CHECK(content_of(temporary) == "k");
  CHECK_FALSE(fs::exists(key));

  sc::files::replace_with(temporary, key, FolderSync::required);
  CHECK(content_of(key) == "k");
  CHECK(folder.names() == std::vector<std::string>{"seal.key"});
}

TEST_CASE("publishing without replacing never replaces an existing file", "[files]") {
  TemporaryFolder folder;
  const fs::path key = folder.path() / "hmac.key";

  const fs::path first = sc::files::write_temporary_beside(key, bytes_of("first"), kOwnerOnly);
  CHECK(sc::files::publish_without_replacing(first, key) == Publication::created);
  CHECK(content_of(key) == "first");
  CHECK(folder.names() == std::vector<std::string>{"hmac.key"});

  const fs::path second = sc::files::write_temporary_beside(key, bytes_of("second"), kOwnerOnly);
  CHECK(sc::files::publish_without_replacing(second, key) == Publication::already_there);
  CHECK(content_of(key) == "first");
  CHECK(folder.names() == std::vector<std::string>{"hmac.key"});
}

TEST_CASE("syncing a missing folder is an error only when it is required", "[files]") {
  TemporaryFolder folder;
  const fs::path missing = folder.path() / "gone";
  CHECK_NOTHROW(sc::files::sync_folder(folder.path(), FolderSync::required));
  CHECK_NOTHROW(sc::files::sync_folder(missing, FolderSync::best_effort));
  CHECK_THROWS_AS(sc::files::sync_folder(missing, FolderSync::required), FileError);
  CHECK(sc::files::folder_of("bare.key") == fs::path("."));
  CHECK(sc::files::folder_of(folder.path() / "k") == folder.path());
}

// A failed rename concerns the target: a caller's name for it replaces the target's path only,
// even when that path is spelled inside the temporary file's name (a bare name beside it).
TEST_CASE("a failing rename names the target by the caller's name, not the temporary", "[files]") {
  TemporaryFolder folder;
  fs::create_directory(folder.path() / "cert.pem");  // rename() cannot put a file over it
  const fs::path previous = fs::current_path();
  fs::current_path(folder.path());
  std::optional<FileError> failure;
  try {
    sc::files::write_file_atomically("cert.pem", std::string_view("PEM"), kWorldReadable,
                                     FolderSync::best_effort);
  } catch (const FileError& caught) {
    failure = caught;
  }
  fs::current_path(previous);
  REQUIRE(failure.has_value());
  CHECK(failure->code().value() == EISDIR);
  CHECK(failure->path() == fs::path("cert.pem"));
  CHECK_THAT(failure->sentence(),
             Catch::StartsWith("cannot rename ./.cert.pem.") && Catch::EndsWith(" to cert.pem"));
  const std::string named = failure->sentence_naming("the certificate");
  CHECK_THAT(named, Catch::StartsWith("cannot rename ./.cert.pem.") &&
                        Catch::EndsWith(" to the certificate"));
  CHECK(named.find("the certificate") == named.rfind("the certificate"));
}

TEST_CASE("a folder that cannot be synced is the file the failure names", "[files]") {
  TemporaryFolder folder;
  const fs::path missing = folder.path() / "gone";
  try {
    sc::files::sync_folder(missing, FolderSync::required);
    FAIL("syncing a missing folder must fail when it is required");
  } catch (const FileError& failure) {
    CHECK(failure.code().value() == ENOENT);
    CHECK(failure.path() == missing);
    CHECK(failure.sentence() == "cannot open the folder " + missing.string() + " to sync it");
    CHECK(failure.sentence_naming("certs") == "cannot open the folder certs to sync it");
  }
}
