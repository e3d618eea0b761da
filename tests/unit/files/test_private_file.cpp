// Private reads: the content of a file only its owner may access, nothing for a missing file,
// and a refusal (never the content) for a link, a shared file, a folder or an oversized file.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cerrno>
#include <optional>
#include <string>

#include "common/files/private_file.hpp"
#include "tests/unit/files/temporary_folder.hpp"

namespace {

using sc::files::FileError;
using sc::files::read_private_file;
using sc::files::test::TemporaryFolder;
using sc::files::test::write_plain;
namespace fs = std::filesystem;

constexpr std::size_t kLongest = 64;

// The errno of the refusal, or 0 when the file was read.
int refusal_of(const fs::path& file) {
  try {
    (void)read_private_file(file, kLongest);
    return 0;
  } catch (const FileError& failure) {
    CHECK_THAT(failure.what(), Catch::Contains(file.string()));
    return failure.code().value();
  }
}

// The refusal to read `file`, or nothing when it was read.
std::optional<FileError> refusal_to_read(const fs::path& file) {
  try {
    (void)read_private_file(file, kLongest);
    return std::nullopt;
  } catch (const FileError& failure) {
    return failure;
  }
}

}  // namespace

TEST_CASE("a private file is read whole; a missing one is nothing", "[files]") {
  TemporaryFolder folder;
  const fs::path key = folder.path() / "hmac.key";
  CHECK_FALSE(read_private_file(key, kLongest).has_value());

  write_plain(key, std::string(kLongest, 'k'), 0600);
  CHECK(read_private_file(key, kLongest) == std::string(kLongest, 'k'));
  write_plain(key, "", 0400);
  CHECK(read_private_file(key, kLongest) == std::string());
}

TEST_CASE("a private file is refused when it may have been planted or shared", "[files]") {
  TemporaryFolder folder;
  const fs::path key = folder.path() / "hmac.key";
  write_plain(key, "secret", 0600);

  SECTION("a symbolic link, even to a private file") {
    const fs::path link = folder.path() / "link.key";
    REQUIRE(::symlink(key.c_str(), link.c_str()) == 0);
    CHECK(refusal_of(link) == ELOOP);
  }
  SECTION("a file its group may read") {
    REQUIRE(::chmod(key.c_str(), 0640) == 0);
    CHECK(refusal_of(key) == EACCES);
  }
  SECTION("a file others may read") {
    REQUIRE(::chmod(key.c_str(), 0604) == 0);
    CHECK(refusal_of(key) == EACCES);
  }
  SECTION("a file larger than the cap") {
    write_plain(key, std::string(kLongest + 1, 'k'), 0600);
    CHECK(refusal_of(key) == EFBIG);
  }
  SECTION("a folder") {
    const fs::path inner = folder.path() / "inner";
    fs::create_directory(inner);
    fs::permissions(inner, fs::perms::owner_all);
    CHECK(refusal_of(inner) == EINVAL);
  }
}

// A caller names the file its own way ("the push sealing key file ...") from the parts of the
// failure, never by searching its sentence for the path; errno and the path stay as they were.
TEST_CASE("a refusal names the file by the caller's name and keeps errno and path", "[files]") {
  TemporaryFolder folder;
  const fs::path key = folder.path() / "hmac.key";
  write_plain(key, "secret", 0600);

  SECTION("a symbolic link") {
    const fs::path link = folder.path() / "link.key";
    REQUIRE(::symlink(key.c_str(), link.c_str()) == 0);
    const std::optional<FileError> refusal = refusal_to_read(link);
    REQUIRE(refusal.has_value());
    const FileError& failure = *refusal;
    CHECK(failure.code().value() == ELOOP);
    CHECK(failure.path() == link);
    CHECK(failure.sentence() == link.string() + " is a symbolic link; refusing to follow it");
    CHECK(failure.sentence_naming("the push sealing key file") ==
          "the push sealing key file is a symbolic link; refusing to follow it");
    CHECK_THAT(failure.what(), Catch::StartsWith(failure.sentence() + ": "));
  }
  SECTION("a folder, which is not a regular file") {
    const fs::path inner = folder.path() / "inner";
    fs::create_directory(inner);
    fs::permissions(inner, fs::perms::owner_all);
    const std::optional<FileError> refusal = refusal_to_read(inner);
    REQUIRE(refusal.has_value());
    const FileError& failure = *refusal;
    CHECK(failure.code().value() == EINVAL);
    CHECK(failure.path() == inner);
    CHECK(failure.sentence() == inner.string() + " is not a regular file");
    CHECK(failure.sentence_naming("the store key file") ==
          "the store key file is not a regular file");
  }
  SECTION("a shared file: the chmod command keeps the real path") {
    REQUIRE(::chmod(key.c_str(), 0640) == 0);
    const std::optional<FileError> refusal = refusal_to_read(key);
    REQUIRE(refusal.has_value());
    const FileError& failure = *refusal;
    CHECK(failure.code().value() == EACCES);
    CHECK(failure.path() == key);
    CHECK(failure.sentence_naming("the store key file") ==
          "the store key file is accessible to group or others; make it mode 0600 (chmod 600 " +
              key.string() + ") or replace it");
  }
}
