// Private reads: the content of a file only its owner may access, nothing for a missing file,
// and a refusal (never the content) for a link, a shared file, a folder or an oversized file.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cerrno>
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
