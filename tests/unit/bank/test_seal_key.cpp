// The push sealing keys (common/otp/seal_key.hpp): a sealed push opens only with its key, for its
// transaction and customer; a tampered blob, another key id or other associated data is refused;
// rotation seals with the newest key and keeps opening what older keys sealed; the key file is
// private and refused when it is not.
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include <fstream>

#include "common/crypto/base64.hpp"
#include "common/otp/seal_key.hpp"
#include "tests/unit/temporary_folder.hpp"

using namespace sc;
using namespace sc::otp;

namespace {

const std::string kTransaction = "T3f09c2a17b4d5e6f8a90";
const std::string kCustomer(64, 'a');
const std::string kLine =
    "OTP txn=T3f09c2a17b4d5e6f8a90 code=482913 amount=250.00 currency=EUR payee=\"ACME Ltd\"";

std::string flip_one_bit(const std::string& base64, std::size_t at) {
  Bytes blob = *crypto::base64_decode(base64);
  blob.at(at) ^= 0x01;
  return crypto::base64_encode(blob);
}

mode_t mode_of(const std::filesystem::path& file) {
  struct stat status {};
  REQUIRE(::stat(file.c_str(), &status) == 0);
  return status.st_mode & 07777;
}

}  // namespace

TEST_CASE("A sealed push opens for its transaction and customer, and hides the line", "[seal]") {
  const SealingKeyring keys({generate_sealing_key()});
  const SealedPush sealed = seal_push(keys, kTransaction, kCustomer, kLine);
  CHECK(sealed.key_id == keys.newest().id);
  CHECK(sealed.sealed.find("482913") == std::string::npos);
  CHECK(sealed.sealed.find("OTP") == std::string::npos);
  CHECK(open_push(keys, sealed, kTransaction, kCustomer) == kLine);
  // A random nonce per seal: the same line never seals alike twice.
  CHECK(seal_push(keys, kTransaction, kCustomer, kLine).sealed != sealed.sealed);
}

TEST_CASE("A sealed push is refused under another key, key id or binding", "[seal]") {
  const SealingKeyring keys({generate_sealing_key()});
  const SealedPush sealed = seal_push(keys, kTransaction, kCustomer, kLine);

  SECTION("an unknown key id") {
    SealedPush other = sealed;
    other.key_id = generate_sealing_key().id;
    CHECK_THROWS_WITH(open_push(keys, other, kTransaction, kCustomer),
                      Catch::Contains("not in the push key file"));
  }
  SECTION("another key under the same id") {
    SealingKey impostor = generate_sealing_key();
    impostor.id = keys.newest().id;
    const SealingKeyring wrong({impostor});
    CHECK_THROWS_AS(open_push(wrong, sealed, kTransaction, kCustomer), PushUnsealError);
  }
  SECTION("the key id of another key in the ring") {
    const SealingKeyring both({generate_sealing_key(), keys.newest()});
    SealedPush relabelled = sealed;
    relabelled.key_id = both.keys().front().id;
    CHECK_THROWS_WITH(open_push(both, relabelled, kTransaction, kCustomer),
                      Catch::Contains("does not authenticate"));
  }
  SECTION("a tampered nonce, ciphertext or tag") {
    const std::size_t length = crypto::base64_decode(sealed.sealed)->size();
    for (std::size_t at : {std::size_t{0}, std::size_t{12}, length - 1}) {
      SealedPush tampered = sealed;
      tampered.sealed = flip_one_bit(sealed.sealed, at);
      CHECK_THROWS_WITH(open_push(keys, tampered, kTransaction, kCustomer),
                        Catch::Contains("does not authenticate"));
    }
    SealedPush truncated = sealed;
    truncated.sealed = crypto::base64_encode(Bytes(20, 0));
    CHECK_THROWS_AS(open_push(keys, truncated, kTransaction, kCustomer), PushUnsealError);
    SealedPush garbage = sealed;
    garbage.sealed = "not base64!";
    CHECK_THROWS_AS(open_push(keys, garbage, kTransaction, kCustomer), PushUnsealError);
  }
  SECTION("another transaction or customer (wrong associated data)") {
    CHECK_THROWS_AS(open_push(keys, sealed, "T0000000000000000000", kCustomer), PushUnsealError);
    CHECK_THROWS_AS(open_push(keys, sealed, kTransaction, std::string(64, 'b')), PushUnsealError);
    // The fields are length-prefixed: moving a character from one field to the next changes
    // the associated data.
    CHECK_THROWS_AS(open_push(keys, sealed, kTransaction + "a", kCustomer.substr(1)),
                    PushUnsealError);
  }
}

TEST_CASE("The push key file is created private, read back, and rotated", "[seal]") {
  test::TemporaryFolder folder("sc-bank-test");
  const auto file = folder.path() / "push.key";
  const SealingKeyring created = load_or_create_sealing_keys(file);
  CHECK(mode_of(file) == 0600);
  REQUIRE(created.keys().size() == 1);
  const SealingKeyring again = load_or_create_sealing_keys(file);
  CHECK(again.newest().id == created.newest().id);
  CHECK(again.newest().key == created.newest().key);

  const SealedPush old_sealed = seal_push(created, kTransaction, kCustomer, kLine);
  const SealingKeyring rotated = add_sealing_key(file);
  CHECK(mode_of(file) == 0600);
  REQUIRE(rotated.keys().size() == 2);
  CHECK(rotated.newest().id != created.newest().id);
  CHECK(load_sealing_keys(file).newest().id == rotated.newest().id);
  // Older keys keep opening; the newest seals; a ring without it cannot open its seals.
  CHECK(open_push(rotated, old_sealed, kTransaction, kCustomer) == kLine);
  const SealedPush new_sealed = seal_push(rotated, kTransaction, kCustomer, kLine);
  CHECK(new_sealed.key_id == rotated.newest().id);
  CHECK_THROWS_AS(open_push(created, new_sealed, kTransaction, kCustomer), PushUnsealError);
  // Retiring the older key: what it sealed no longer opens; the newest cannot be retired.
  CHECK_THROWS_AS(remove_sealing_key(file, rotated.newest().id), std::invalid_argument);
  CHECK_THROWS_AS(remove_sealing_key(file, generate_sealing_key().id), std::invalid_argument);
  const SealingKeyring retired = remove_sealing_key(file, created.newest().id);
  CHECK(mode_of(file) == 0600);
  REQUIRE(retired.keys().size() == 1);
  CHECK(load_sealing_keys(file).newest().id == rotated.newest().id);
  CHECK(open_push(retired, new_sealed, kTransaction, kCustomer) == kLine);
  CHECK_THROWS_AS(open_push(retired, old_sealed, kTransaction, kCustomer), PushUnsealError);
  // No temporary file is left beside it.
  int files = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(folder.path())) {
    ++files;
  }
  CHECK(files == 1);
}

TEST_CASE("A push key file that is not private or not ours is refused", "[seal]") {
  test::TemporaryFolder folder("sc-bank-test");
  const auto file = folder.path() / "push.key";
  load_or_create_sealing_keys(file);
  SECTION("readable by others") {
    std::filesystem::permissions(file, std::filesystem::perms::others_read,
                                 std::filesystem::perm_options::add);
    CHECK_THROWS_WITH(load_or_create_sealing_keys(file), Catch::Contains("group or others"));
  }
  SECTION("a symbolic link") {
    const auto link = folder.path() / "link.key";
    std::filesystem::create_symlink(file, link);
    CHECK_THROWS_WITH(load_or_create_sealing_keys(link), Catch::Contains("symbolic link"));
  }
  SECTION("a line that is not ID KEY") {
    {
      std::ofstream out(file, std::ios::app);
      out << "0123456789abcdef not-a-key\n";
    }
    CHECK_THROWS_WITH(load_sealing_keys(file), Catch::Contains("line 3"));
  }
  SECTION("a repeated id") {
    std::string text;
    {
      std::ifstream in(file);
      std::string line;
      while (std::getline(in, line)) text += line + "\n";
    }
    const std::string last = text.substr(text.rfind('\n', text.size() - 2) + 1);
    {
      std::ofstream out(file, std::ios::app);
      out << last;
    }
    CHECK_THROWS_WITH(load_sealing_keys(file), Catch::Contains("appears twice"));
  }
  SECTION("missing, when it must exist") {
    CHECK_THROWS_AS(load_sealing_keys(folder.path() / "absent.key"), std::system_error);
  }
}
