// The TTP over its network endpoint (our TLS 1.3 channel, the TTP pinned by its root
// fingerprint). Durability, as the issue asks: a requester enrolls in a loop, `ttp serve` is
// killed with SIGKILL mid-run and restarted; every certificate a requester received is in the
// registry, no serial repeats, and the restarted TTP answers. Revocation: `ttp revoke` while
// serving is seen by the next status answer and CRL.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <atomic>
#include <csignal>
#include <mutex>
#include <set>
#include <thread>

#include "common/app/run_blocking.hpp"
#include "common/app/ttp_client.hpp"
#include "common/pki/chain_verifier.hpp"
#include "common/pki/pem_file.hpp"
#include "tests/integration/ttp/ttp_process.hpp"
#include "tests/support/test_data.hpp"
#include "tests/unit/ttp/ttp_fixture.hpp"
#include "ttp/registry.hpp"

using namespace sc;

namespace {

app::TtpClient client_for(std::uint16_t port, const std::string& fingerprint) {
  app::TtpEndpoint endpoint;
  endpoint.host = "127.0.0.1";
  endpoint.port = port;
  endpoint.verifier = std::make_shared<pki::PinnedRootVerifier>(fingerprint);
  return app::TtpClient(endpoint);
}

}  // namespace

TEST_CASE("SIGKILL of ttp serve mid-enrollment: every returned certificate survives",
          "[ttp][durability][network]") {
  test::TempFolder scratch;
  const auto certs = scratch / "certs";
  const auto init = test::run_command(
      (test::binary_dir() / "bin" / "ttp").string() + " init --certs-dir " + certs.string(),
      scratch);
  REQUIRE(init.exit_code == 0);
  std::string fingerprint = test::read_file(certs / "ca.fingerprint");
  fingerprint.pop_back();

  std::mutex mutex;
  std::vector<pki::Certificate> returned;
  std::atomic<bool> stop{false};
  {
    // The requester enrolls as fast as it can: the per-source ENROLL limit is lifted here.
    test::TtpProcess ttp(certs, {"--enroll-rate", "10000", "--enroll-burst", "10000"});
    const auto client = client_for(ttp.port(), fingerprint);
    std::thread requester([&] {
      ttp::Registry admin(certs / "registry.db");  // tokens minted next to the daemon
      for (int i = 0; !stop; ++i) {
        const std::string name = "durable-" + std::to_string(i);
        const auto token =
            admin.create_token(pki::Role::Customer, name, std::chrono::hours(1)).token;
        try {
          auto enrolled = app::run_blocking(
              client.enroll(pki::Role::Customer, token, test::in_process_csr(name)));
          std::lock_guard lock(mutex);
          returned.push_back(enrolled.certificate);
        } catch (const std::exception&) {
          return;  // the TTP died under us
        }
      }
    });
    for (int i = 0; i < 6000; ++i) {
      {
        std::lock_guard lock(mutex);
        if (returned.size() >= 15) break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ttp.stop(SIGKILL);
    stop = true;
    requester.join();
  }
  REQUIRE(returned.size() >= 15);

  ttp::Registry registry(certs / "registry.db");
  REQUIRE(registry.integrity_ok());
  std::set<std::string> serials;
  for (const auto& record : registry.certificates()) {
    CHECK(serials.insert(record.serial_hex).second);
  }
  for (const auto& certificate : returned) {
    INFO("serial " << certificate.serial_hex());
    const auto record = registry.find_certificate(certificate.serial());
    REQUIRE(record);
    CHECK(record->pem == certificate.to_pem());
  }

  // Restarted on the same files: same root, status of a returned certificate, a new serial.
  test::TtpProcess restarted(certs);
  const auto client = client_for(restarted.port(), fingerprint);
  const auto root = pki::read_certificate_file(certs / "ca.pem");
  CHECK(app::run_blocking(client.status(returned.front(), root)).is_good());
  const auto token =
      registry.create_token(pki::Role::Customer, "after-restart", std::chrono::hours(1)).token;
  const auto enrolled = app::run_blocking(
      client.enroll(pki::Role::Customer, token, test::in_process_csr("after-restart")));
  CHECK(serials.count(enrolled.certificate.serial_hex()) == 0);
}

TEST_CASE("over the network: ttp revoke while serving is seen by the next status and CRL",
          "[ttp][revocation][network]") {
  test::TempFolder scratch;
  const auto certs = scratch / "certs";
  const std::string ttp_binary = (test::binary_dir() / "bin" / "ttp").string();
  REQUIRE(test::run_command(
              ttp_binary + " init --root-key-type ecdsa --certs-dir " + certs.string(), scratch)
              .exit_code == 0);
  std::string fingerprint = test::read_file(certs / "ca.fingerprint");
  fingerprint.pop_back();
  test::TtpProcess ttp(certs);
  const auto client = client_for(ttp.port(), fingerprint);

  const auto token = test::run_command(
      ttp_binary + " token create --role customer --cn oscar --certs-dir " + certs.string(),
      scratch);
  REQUIRE(token.exit_code == 0);
  const auto enrolled = app::run_blocking(client.enroll(
      pki::Role::Customer, token.output.substr(0, 64), test::in_process_csr("oscar")));
  CHECK(enrolled.root.sha256_fingerprint() == fingerprint);
  CHECK(app::run_blocking(client.status(enrolled.certificate, enrolled.root)).is_good());

  const auto revoked =
      test::run_command(ttp_binary + " revoke --reason cessationOfOperation --serial " +
                            enrolled.certificate.serial_hex() + " --certs-dir " + certs.string(),
                        scratch);
  REQUIRE(revoked.exit_code == 0);
  const auto status = app::run_blocking(client.status(enrolled.certificate, enrolled.root));
  CHECK(status.is_revoked());
  CHECK(status.reason == pki::RevocationReason::cessationOfOperation);

  const auto crl = app::run_blocking(client.exchange("CRL\n"));
  REQUIRE(crl.ok());
  const auto crl_file = scratch / "fetched-crl.pem";
  test::write_file(crl_file, crl.body_text());
  const auto text = test::run_command("openssl crl -noout -text -in " + crl_file.string(), scratch);
  CHECK_THAT(text.output, Catch::Contains(enrolled.certificate.serial_hex()) &&
                              Catch::Contains("Cessation Of Operation"));

  // A refusal travels back with its code and sentence.
  try {
    app::run_blocking(client.enroll(pki::Role::Customer, token.output.substr(0, 64),
                                    test::in_process_csr("oscar")));
    FAIL("a used token was accepted");
  } catch (const app::TtpRefusal& refusal) {
    CHECK(refusal.code() == "token-used");
    CHECK_THAT(refusal.what(), Catch::Contains("single use"));
  }
}
