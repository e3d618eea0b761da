// FileDescriptor owns one descriptor (moves hand it over, close reports its error) and
// write_all delivers every byte or names the file it could not write.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <thread>
#include <utility>

#include "common/files/atomic_file.hpp"
#include "common/files/file_descriptor.hpp"
#include "tests/unit/files/temporary_folder.hpp"

namespace {

using sc::files::FileDescriptor;
using sc::files::FileError;
using sc::files::test::TemporaryFolder;

bool is_open_descriptor(int fd) {
  return ::fcntl(fd, F_GETFD) != -1;
}

}  // namespace

TEST_CASE("a file descriptor is closed once, by its last owner", "[files]") {
  const int raw = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  REQUIRE(raw >= 0);
  {
    FileDescriptor first(raw);
    FileDescriptor second(std::move(first));
    CHECK_FALSE(first.is_open());  // a moved-from descriptor holds nothing
    CHECK(second.get() == raw);
    FileDescriptor third;
    third = std::move(second);
    CHECK(third.get() == raw);
    CHECK(is_open_descriptor(raw));
  }
  CHECK_FALSE(is_open_descriptor(raw));
}

TEST_CASE("closing a file descriptor reports close()'s error", "[files]") {
  const int raw = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  REQUIRE(raw >= 0);
  FileDescriptor fd(raw);
  CHECK_FALSE(fd.close());
  CHECK_FALSE(fd.is_open());
  CHECK_FALSE(fd.close());  // nothing left to close

  const int stale = ::dup(STDERR_FILENO);
  REQUIRE(stale >= 0);
  REQUIRE(::close(stale) == 0);
  FileDescriptor already_closed(stale);
  CHECK(already_closed.close() == std::error_code(EBADF, std::generic_category()));
}

TEST_CASE("write_all delivers every byte through a pipe", "[files]") {
  int ends[2];
  REQUIRE(::pipe(ends) == 0);
  FileDescriptor reading(ends[0]);
  FileDescriptor writing(ends[1]);
  // More than a pipe buffer holds, so the writer has to wait for the reader.
  std::string sent(1 << 20, '\0');
  for (std::size_t i = 0; i < sent.size(); ++i) sent[i] = static_cast<char>(i * 7);
  std::string received;
  std::thread reader([&] {
    char chunk[4096];
    for (;;) {
      const ssize_t n = ::read(reading.get(), chunk, sizeof chunk);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      received.append(chunk, static_cast<std::size_t>(n));
    }
  });
  sc::files::write_all(writing.get(), sent.data(), sent.size(), "the test pipe");
  CHECK_FALSE(writing.close());
  reader.join();
  CHECK(received == sent);
}

TEST_CASE("write_all names the file it cannot write", "[files]") {
  TemporaryFolder folder;
  const std::filesystem::path file = folder.path() / "read-only";
  sc::files::test::write_plain(file, "x", 0600);
  FileDescriptor fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  REQUIRE(fd.is_open());
  try {
    sc::files::write_all(fd.get(), "y", 1, file);
    FAIL("writing to a read-only descriptor must fail");
  } catch (const FileError& failure) {
    CHECK(failure.code().value() == EBADF);
    CHECK_THAT(failure.what(), Catch::Contains(file.string()));
  }
}
